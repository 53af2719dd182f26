import * as path from 'node:path';
import { waybillKey, type ExchangeRate, type Manifest } from '@clearance/contracts';
import { periodOf, periodOfTime } from '@clearance/domain';
import { insertRecordset, type Column } from '../sql';
import type { Projection, ProjectionTx, SourceRecord } from '../sources';

/**
 * Trade statistics, built only from the log: one fact row per list decided (basis DECIDED,
 * period = China-time month of the decision, with the decision's outcome and rules) and per list
 * cleared (basis CLEARED, period = month of leaveTime), one per goods line (HS chapter and
 * heading), plus the customs exchange rates; the query API aggregates them by any dimension.
 * A list's first decision counts (as the lifecycle does); rows are written once.
 *
 * A fact is keyed by list number and waybill key, not by list number alone: matchers deployed
 * under different application ids on one set of topics repeat list numbers, and the waybill key
 * is the key of both source topics, so the first fact of a key is the first by offset in one
 * partition, and every rebuild from the log keeps the same one.
 */

export type StatBasis = 'DECIDED' | 'CLEARED';

const LIST_COLUMNS: Column[] = [
  ['basis', 'text'],
  ['invt_no', 'text'],
  ['waybill_key', 'text'],
  ['period', 'text'],
  ['ie_flag', 'text'],
  ['country', 'text'],
  ['port_code', 'text'],
  ['traf_mode', 'text'],
  ['trade_mode', 'text'],
  ['ebp_code', 'text'],
  ['logistics_code', 'text'],
  ['ebc_code', 'text'],
  ['customs_code', 'text'],
  ['outcome', 'text'],
  ['return_status', 'text'],
  ['rule_set_version', 'text'],
  ['currency', 'text'],
  ['goods_value', 'numeric'],
  ['gross_weight', 'numeric'],
  ['event_time', 'bigint'],
];

const ITEM_COLUMNS: Column[] = [
  ['basis', 'text'],
  ['invt_no', 'text'],
  ['waybill_key', 'text'],
  ['gnum', 'integer'],
  ['gcode', 'text'],
  ['chapter', 'text'],
  ['heading', 'text'],
  ['currency', 'text'],
  ['qty', 'numeric'],
  ['total_price', 'numeric'],
];

const RULE_COLUMNS: Column[] = [
  ['invt_no', 'text'],
  ['waybill_key', 'text'],
  ['seq', 'integer'],
  ['rule_id', 'text'],
  ['kind', 'text'],
  ['outcome', 'text'],
];

const RATE_COLUMNS: Column[] = [
  ['currency', 'text'],
  ['period', 'text'],
  ['cny_per_unit', 'numeric'],
];

interface ListFact {
  /** `basis|invtNo|waybillKey`, the fact's primary key. */
  key: string;
  items: object[];
  rules: object[];
  row: Record<string, unknown>;
}

function fact(
  basis: StatBasis,
  m: Manifest,
  period: string,
  outcome: string,
  returnStatus: string,
  ruleSetVersion: string,
  eventTime: number,
): ListFact {
  const waybill = waybillKey(m);
  return {
    key: factKey(basis, m.invtNo, waybill),
    rules: [],
    items: m.items.map((it) => ({
      basis,
      invt_no: m.invtNo,
      waybill_key: waybill,
      gnum: it.gnum,
      gcode: it.gcode,
      chapter: it.gcode.slice(0, 2),
      heading: it.gcode.slice(0, 4),
      currency: it.currency,
      qty: it.qty,
      total_price: it.totalPrice,
    })),
    row: {
      basis,
      invt_no: m.invtNo,
      waybill_key: waybill,
      period,
      ie_flag: m.ieFlag,
      country: m.country,
      port_code: m.portCode,
      traf_mode: m.trafMode,
      trade_mode: m.tradeMode,
      ebp_code: m.ebpCode,
      logistics_code: m.logisticsCode,
      ebc_code: m.ebcCode,
      customs_code: m.customsCode,
      outcome,
      return_status: returnStatus,
      rule_set_version: ruleSetVersion,
      currency: m.currency,
      goods_value: m.goodsValue,
      gross_weight: m.grossWeight,
      event_time: eventTime,
    },
  };
}

const factKey = (basis: string, invtNo: string, waybill: string) => `${basis}|${invtNo}|${waybill}`;

const RATE_KEY = /^([^:]+):(\d{6})$/;

export const statisticsProjection: Projection = {
  name: 'statistics',
  sources: ['decision', 'cleared', 'exchangeRate'],
  migrationsDir: path.join(__dirname, '../../migrations/statistics'),
  tables: ['stat_list', 'stat_item', 'stat_rule', 'exchange_rate'],

  async apply(tx: ProjectionTx, records: ReadonlyArray<SourceRecord>): Promise<void> {
    const facts = new Map<string, ListFact>(); // first per (basis, invtNo, waybill key)
    const rates = new Map<string, ExchangeRate | null>(); // last per key; null deletes
    for (const rec of records) {
      try {
        switch (rec.source) {
          case 'decision': {
            const d = rec.value;
            if (d === null) throw new Error(`tombstone on ${rec.topic}: events are never deleted`);
            const f = fact(
              'DECIDED',
              d.manifest,
              periodOfTime(d.decidedAt),
              d.outcome,
              d.returnStatus,
              d.ruleSetVersion,
              d.decidedAt,
            );
            f.rules = d.rulesFired.map((h, seq) => ({
              invt_no: d.invtNo,
              waybill_key: f.row.waybill_key,
              seq,
              rule_id: h.ruleId,
              kind: h.kind,
              outcome: h.outcome,
            }));
            if (!facts.has(f.key)) facts.set(f.key, f);
            break;
          }
          case 'cleared': {
            const c = rec.value;
            if (c === null) throw new Error(`tombstone on ${rec.topic}: events are never deleted`);
            const f = fact(
              'CLEARED',
              c.manifest,
              periodOf(c.leaveTime),
              c.finalOutcome,
              c.returnStatus,
              c.ruleSetVersion,
              rec.timestamp,
            );
            if (!facts.has(f.key)) facts.set(f.key, f);
            break;
          }
          case 'exchangeRate': {
            const r = rec.value;
            if (r === null) {
              const m = RATE_KEY.exec(rec.key ?? '');
              if (!m)
                throw new Error(`tombstone with key ${JSON.stringify(rec.key)}: not {currency}:{period}`);
              rates.set(`${m[1]}:${m[2]}`, null);
            } else {
              if (!/^\d{6}$/.test(r.period))
                throw new Error(`exchange rate period ${JSON.stringify(r.period)} is not YYYYMM`);
              rates.set(`${r.currency}:${r.period}`, r);
            }
            break;
          }
          default:
            throw new Error(`the statistics projection does not read ${rec.topic}`);
        }
      } catch (e) {
        tx.fail(rec, (e as Error).message);
      }
    }

    const { client } = tx;
    if (facts.size > 0) {
      const inserted = await insertRecordset<{ basis: string; invt_no: string; waybill_key: string }>(
        client,
        tx.table('stat_list'),
        LIST_COLUMNS,
        [...facts.values()].map((f) => f.row),
        'ON CONFLICT DO NOTHING RETURNING basis, invt_no, waybill_key',
      );
      const fresh = new Set(inserted?.rows.map((r) => factKey(r.basis, r.invt_no, r.waybill_key)) ?? []);
      const kept = [...facts.values()].filter((f) => fresh.has(f.key));
      await insertRecordset(
        client,
        tx.table('stat_item'),
        ITEM_COLUMNS,
        kept.flatMap((f) => f.items),
        'ON CONFLICT DO NOTHING',
      );
      await insertRecordset(
        client,
        tx.table('stat_rule'),
        RULE_COLUMNS,
        kept.flatMap((f) => f.rules),
        'ON CONFLICT DO NOTHING',
      );
    }
    if (rates.size > 0) {
      const live = [...rates.values()].filter((r): r is ExchangeRate => r !== null);
      await insertRecordset(
        client,
        tx.table('exchange_rate'),
        RATE_COLUMNS,
        live.map((r) => ({ currency: r.currency, period: r.period, cny_per_unit: r.cnyPerUnit })),
        'ON CONFLICT (currency, period) DO UPDATE SET cny_per_unit = EXCLUDED.cny_per_unit',
      );
      const gone = [...rates.entries()].filter(([, r]) => r === null).map(([k]) => k);
      if (gone.length > 0)
        await client.query(
          `DELETE FROM ${tx.table('exchange_rate')} WHERE currency || ':' || period = ANY($1::text[])`,
          [gone],
        );
    }
  },
};
