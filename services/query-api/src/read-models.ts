import { ServiceUnavailableException } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  DIMENSIONS,
  FILTERS,
  type DeclarationsQuery,
  type Dimension,
  type StatisticsQuery,
} from './validation';

/**
 * Reads the projector's tables (schemas `<prefix>parcels`, `<prefix>declarations`,
 * `<prefix>statistics`; see services/projector/migrations). Names are resolved per query, so a
 * replay swapped in by the projector is visible at once.
 */

const iso = (ms: number | string | null): string | null =>
  ms === null ? null : new Date(Number(ms)).toISOString();

export interface ParcelEvent {
  at: string;
  orderKey: string | null;
  waybillKey: string | null;
  eventTime: number;
  kind: string;
  status: string | null;
  participant: string | null;
  docType: string | null;
  info: string | null;
  source: { topic: string; partition: number; offset: number };
  payload: unknown;
}

export interface TaxBillItemView {
  gnum: number;
  gcode: string;
  customsValue: string;
  dutyValue: string;
  consumptionTax: string;
  vat: string;
  taxTotal: string;
}

/** An import list's retail import tax bill (clearance.tax-bill.v1); amounts are CEB decimals in CNY. */
export interface TaxBillView {
  guid: string;
  invtNo: string;
  ebcCode: string | null;
  currency: string;
  status: string;
  customsValueTotal: string;
  dutyTotal: string;
  consumptionTaxTotal: string;
  vatTotal: string;
  taxTotal: string;
  declaredTaxTotal: string | null;
  computedAt: string;
  items: TaxBillItemView[];
  source: { topic: string; partition: number; offset: number };
}

export interface ParcelView {
  orderKey: string | null;
  ebpCode: string | null;
  orderNo: string | null;
  waybillKey: string | null;
  logisticsCode: string | null;
  logisticsNo: string | null;
  invtNo: string | null;
  ieFlag: string | null;
  ebcCode: string | null;
  tradeMode: string | null;
  outcome: string | null;
  ruleSetVersion: string | null;
  status: { code: string | null; name: string | null; info: string | null; at: string | null };
  firstEventAt: string | null;
  lastEventAt: string | null;
  eventCount: number;
  decisions: Array<{
    guid: string;
    outcome: string;
    returnStatus: string;
    score: number;
    ruleSetVersion: string;
    decidedAt: string | null;
    rules: Array<{ ruleId: string; kind: string; outcome: string; score: number; reason: string }>;
  }>;
  /** The import tax bill of the parcel's list; null for exports and before the list is compiled. */
  taxBill: TaxBillView | null;
  events: ParcelEvent[];
}

export interface DeclarationView {
  declarationNo: string;
  declarationKey: string;
  period: string;
  sequence: number;
  kind: string;
  ebcCode: string;
  ebcName: string;
  ownerCode: string | null;
  summaryFlag: string;
  statisticsFlag: string;
  tradeMode: string;
  trafMode: string;
  country: string;
  portCode: string;
  customsCode: string;
  startTime: string;
  endTime: string;
  listCount: number;
  grossWeight: string;
  netWeight: string;
  totalFobCny: string;
  totalRebateCny: string;
  closedAt: string | null;
  invtNos: string[];
  lines: DeclarationLineView[];
}

export interface DeclarationLineView {
  lineNo: number;
  gcode: string;
  gname: string;
  unit: string;
  currency: string;
  qty: string;
  unit1: string;
  qty1: string;
  totalPrice: string;
  grossWeight: string;
  netWeight: string;
  listCount: number;
  fobCny: string;
  rebateRate: string | null;
  rebateAmount: string;
}

export interface StatisticsRow {
  keys: Partial<Record<Dimension, string | null>>;
  lists: number;
  items: number;
  valueCny: string;
  grossWeight: string;
  unconvertedItems: number;
}

export interface StatisticsView {
  basis: string;
  dimensions: Dimension[];
  filters: Record<string, string>;
  rows: StatisticsRow[];
  totals: Omit<StatisticsRow, 'keys'>;
}

/**
 * The audit trail in the order the engine acted. Every receipt of a parcel is keyed by its order
 * key, so they sit in one partition of the receipt topic in processing order (their offsets); an
 * input's event time may be earlier than that of a document processed before it, so time alone
 * can mislead. Lists, decisions and clearances are placed just before the receipts they caused
 * (120, the LIST receipts, the 899 departure receipts); a tax bill, computed with the list, with
 * the list (just before the 120 receipts, after the list: same event time and rank, and the
 * query's topic order puts clearance.manifest.v1 first); anything else (receipts naming only the
 * waybill) by event time.
 */
export function causalOrder(events: ParcelEvent[], orderKey: string): ParcelEvent[] {
  const isMain = (e: ParcelEvent) => e.kind === 'RECEIPT' && e.orderKey === orderKey;
  const main = events
    .filter(isMain)
    .sort((a, b) => a.source.partition - b.source.partition || a.source.offset - b.source.offset);
  const anchor = (e: ParcelEvent): number => {
    const first = (test: (r: ParcelEvent) => boolean) => main.findIndex(test);
    let i = -1;
    if (e.kind === 'MANIFEST' || e.kind === 'TAX_BILL') i = first((r) => r.status === '120');
    else if (e.kind === 'DECISION') i = first((r) => r.docType === 'LIST');
    else if (e.kind === 'CLEARED') i = first((r) => r.docType === 'DEPARTURE' && r.status === '899');
    return i >= 0 ? i : first((r) => r.eventTime > e.eventTime);
  };
  const before = new Map<number, ParcelEvent[]>();
  for (const e of events.filter((x) => !isMain(x))) {
    const i = anchor(e);
    const at = i < 0 ? main.length : i;
    before.set(at, [...(before.get(at) ?? []), e]);
  }
  return [...main.keys(), main.length].flatMap((i) => [
    ...(before.get(i) ?? []),
    ...(i < main.length ? [main[i]] : []),
  ]);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Row = Record<string, any>;

export class ReadModels {
  constructor(
    readonly pool: Pool,
    private readonly prefix: string,
  ) {}

  private t(projection: 'parcels' | 'declarations' | 'statistics', table: string): string {
    return `"${this.prefix}${projection}"."${table}"`;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** A query; a missing schema or table (the projector has not run yet) is a 503, not a 500. */
  private async query(sql: string, params: unknown[] = []): Promise<{ rows: Row[] }> {
    try {
      return await this.pool.query(sql, params);
    } catch (e) {
      if ((e as { code?: string }).code === '42P01' || (e as { code?: string }).code === '3F000')
        throw new ServiceUnavailableException(
          `read model not built yet (${(e as Error).message}): start the projector (schemas ${this.prefix}parcels, ${this.prefix}declarations, ${this.prefix}statistics)`,
        );
      throw e;
    }
  }

  // ------------------------------------------------------------------------------------ parcels
  async parcelByOrder(orderKey: string): Promise<ParcelView | undefined> {
    const { rows } = await this.query(`SELECT * FROM ${this.t('parcels', 'parcel')} WHERE order_key = $1`, [
      orderKey,
    ]);
    if (rows.length === 0) {
      const events = await this.events([orderKey], []);
      return events.length > 0 ? this.view(undefined, events, [], null, { orderKey }) : undefined;
    }
    return this.parcelView(rows[0]);
  }

  async parcelByWaybill(waybillKey: string): Promise<ParcelView | undefined> {
    const P = this.t('parcels', 'parcel');
    let { rows } = await this.query(
      `SELECT * FROM ${P} WHERE waybill_key = $1 ORDER BY last_event_time DESC LIMIT 1`,
      [waybillKey],
    );
    if (rows.length === 0) {
      // before the list: a receipt naming the waybill may name the order too
      ({ rows } = await this.query(
        `SELECT p.* FROM ${this.t('parcels', 'parcel_event')} e JOIN ${P} p ON p.order_key = e.order_key
          WHERE e.waybill_key = $1 ORDER BY e.event_time DESC LIMIT 1`,
        [waybillKey],
      ));
    }
    if (rows.length > 0) return this.parcelView(rows[0], waybillKey);
    const events = await this.events([], [waybillKey]);
    return events.length > 0 ? this.view(undefined, events, [], null, { waybillKey }) : undefined;
  }

  private async parcelView(p: Row, extraWaybillKey?: string): Promise<ParcelView> {
    const waybills = [...new Set([p.waybill_key, extraWaybillKey].filter(Boolean))] as string[];
    const [events, decisions, taxBill] = await Promise.all([
      this.events([p.order_key], waybills),
      this.decisions(p.order_key),
      this.taxBill(p.order_key, p.invt_no),
    ]);
    return this.view(p, causalOrder(events, p.order_key), decisions, taxBill, {});
  }

  private async events(orderKeys: string[], waybillKeys: string[]): Promise<ParcelEvent[]> {
    const { rows } = await this.query(
      `SELECT * FROM ${this.t('parcels', 'parcel_event')}
        WHERE order_key = ANY($1::text[]) OR (order_key IS NULL AND waybill_key = ANY($2::text[]))
        ORDER BY event_time, rank, topic, partition, "offset"`,
      [orderKeys, waybillKeys],
    );
    return rows.map((e: Row) => ({
      at: iso(e.event_time)!,
      orderKey: e.order_key,
      waybillKey: e.waybill_key,
      eventTime: Number(e.event_time),
      kind: e.kind,
      status: e.status,
      participant: e.participant,
      docType: e.doc_type,
      info: e.info,
      source: { topic: e.topic, partition: e.partition, offset: Number(e.offset) },
      payload: e.payload,
    }));
  }

  private async decisions(orderKey: string): Promise<ParcelView['decisions']> {
    const { rows } = await this.query(
      `SELECT d.*, coalesce(json_agg(json_build_object('ruleId', r.rule_id, 'kind', r.kind, 'outcome', r.outcome, 'score', r.score, 'reason', r.reason)
                ORDER BY r.seq) FILTER (WHERE r.seq IS NOT NULL), '[]') AS rules
         FROM ${this.t('parcels', 'decision')} d LEFT JOIN ${this.t('parcels', 'decision_rule')} r ON r.decision_guid = d.guid
        WHERE d.order_key = $1 GROUP BY d.guid ORDER BY d.decided_at, d.guid`,
      [orderKey],
    );
    return rows.map((d: Row) => ({
      guid: d.guid,
      outcome: d.outcome,
      returnStatus: d.return_status,
      score: d.score,
      ruleSetVersion: d.rule_set_version,
      decidedAt: iso(d.decided_at),
      rules: d.rules,
    }));
  }

  /**
   * The parcel's tax bill: that of its list (invtNo), else the latest computed (a parcel has one
   * list; the fallback only matters if its list number was not recorded).
   */
  private async taxBill(orderKey: string, invtNo: string | null): Promise<TaxBillView | null> {
    const sql = `SELECT * FROM ${this.t('parcels', 'tax_bill')} WHERE order_key = $1
      ORDER BY (invt_no = $2) IS TRUE DESC, computed_at DESC, "offset" DESC, guid LIMIT 1`;
    // a parcels schema the projector has not migrated to 003_tax_bill yet (rolling out): no bill
    // rather than a 503 for the whole parcel
    const { rows } = await this.pool.query(sql, [orderKey, invtNo]).catch((e: { code?: string }) => {
      if (e.code === '42P01') return { rows: [] as Row[] };
      throw e;
    });
    if (rows.length === 0) return null;
    const b = rows[0];
    const items = (b.payload?.items ?? []) as TaxBillItemView[];
    return {
      guid: b.guid,
      invtNo: b.invt_no,
      ebcCode: b.payload?.ebcCode ?? null,
      currency: b.payload?.currency ?? '142',
      status: b.status,
      customsValueTotal: b.customs_value_total,
      dutyTotal: b.duty_total,
      consumptionTaxTotal: b.consumption_tax_total,
      vatTotal: b.vat_total,
      taxTotal: b.tax_total,
      declaredTaxTotal: b.declared_tax_total,
      computedAt: iso(b.computed_at)!,
      items: items.map((it) => ({
        gnum: it.gnum,
        gcode: it.gcode,
        customsValue: it.customsValue,
        dutyValue: it.dutyValue,
        consumptionTax: it.consumptionTax,
        vat: it.vat,
        taxTotal: it.taxTotal,
      })),
      source: { topic: b.topic, partition: b.partition, offset: Number(b.offset) },
    };
  }

  private view(
    p: Row | undefined,
    events: ParcelEvent[],
    decisions: ParcelView['decisions'],
    taxBill: TaxBillView | null,
    keys: { orderKey?: string; waybillKey?: string },
  ): ParcelView {
    const orderKey = p?.order_key ?? keys.orderKey ?? null;
    const split = (k: string | null) =>
      k && k.includes(':') ? [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)] : [null, null];
    const [ebpCode, orderNo] = split(orderKey);
    const waybillKey = p?.waybill_key ?? keys.waybillKey ?? null;
    const [logisticsCode, logisticsNo] = split(waybillKey);
    return {
      orderKey,
      ebpCode: p?.ebp_code ?? ebpCode,
      orderNo: p?.order_no ?? orderNo,
      waybillKey,
      logisticsCode: p?.logistics_code ?? logisticsCode,
      logisticsNo: p?.logistics_no ?? logisticsNo,
      invtNo: p?.invt_no ?? null,
      ieFlag: p?.ie_flag ?? null,
      ebcCode: p?.ebc_code ?? null,
      tradeMode: p?.trade_mode ?? null,
      outcome: p?.outcome ?? null,
      ruleSetVersion: p?.rule_set_version ?? null,
      status: {
        code: p?.status ?? null,
        name: p?.status_name ?? null,
        info: p?.status_info ?? null,
        at: iso(p?.status_time ?? null),
      },
      firstEventAt: p ? iso(p.first_event_time) : (events[0]?.at ?? null),
      lastEventAt: p ? iso(p.last_event_time) : (events[events.length - 1]?.at ?? null),
      eventCount: p ? Number(p.event_count) : events.length,
      decisions,
      taxBill,
      events,
    };
  }

  // ------------------------------------------------------------------------------- declarations
  async declarations(
    q: Pick<DeclarationsQuery, 'period' | 'consignor' | 'kind' | 'limit' | 'offset'>,
  ): Promise<{ total: number; items: DeclarationView[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.period) add('period = ?', q.period);
    if (q.consignor) add('ebc_code = ?', q.consignor);
    if (q.kind) add('kind = ?', q.kind);
    const w = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const D = this.t('declarations', 'declaration');
    const [{ rows: countRows }, { rows }] = await Promise.all([
      this.query(`SELECT count(*) AS n FROM ${D} ${w}`, params),
      this.query(
        `SELECT * FROM ${D} ${w} ORDER BY period, ebc_code, declaration_key, sequence LIMIT ${q.limit} OFFSET ${q.offset}`,
        params,
      ),
    ]);
    return { total: Number(countRows[0].n), items: await this.withLines(rows) };
  }

  async declaration(declarationNo: string): Promise<DeclarationView | undefined> {
    const { rows } = await this.query(
      `SELECT * FROM ${this.t('declarations', 'declaration')} WHERE declaration_no = $1`,
      [declarationNo],
    );
    return rows.length > 0 ? (await this.withLines(rows))[0] : undefined;
  }

  private async withLines(rows: Row[]): Promise<DeclarationView[]> {
    if (rows.length === 0) return [];
    const { rows: lines } = await this.query(
      `SELECT * FROM ${this.t('declarations', 'declaration_line')} WHERE declaration_no = ANY($1::text[]) ORDER BY declaration_no, line_no`,
      [rows.map((r) => r.declaration_no)],
    );
    const byNo = new Map<string, DeclarationLineView[]>();
    for (const l of lines) {
      const list = byNo.get(l.declaration_no) ?? [];
      list.push({
        lineNo: l.line_no,
        gcode: l.gcode,
        gname: l.gname,
        unit: l.unit,
        currency: l.currency,
        qty: l.qty,
        unit1: l.unit1,
        qty1: l.qty1,
        totalPrice: l.total_price,
        grossWeight: l.gross_weight,
        netWeight: l.net_weight,
        listCount: l.list_count,
        fobCny: l.fob_cny,
        rebateRate: l.rebate_rate,
        rebateAmount: l.rebate_amount,
      });
      byNo.set(l.declaration_no, list);
    }
    return rows.map((d) => ({
      declarationNo: d.declaration_no,
      declarationKey: d.declaration_key,
      period: d.period,
      sequence: d.sequence,
      kind: d.kind,
      ebcCode: d.ebc_code,
      ebcName: d.ebc_name,
      ownerCode: d.owner_code,
      summaryFlag: d.summary_flag,
      statisticsFlag: d.statistics_flag,
      tradeMode: d.trade_mode,
      trafMode: d.traf_mode,
      country: d.country,
      portCode: d.port_code,
      customsCode: d.customs_code,
      startTime: d.start_time,
      endTime: d.end_time,
      listCount: d.list_count,
      grossWeight: d.gross_weight,
      netWeight: d.net_weight,
      totalFobCny: d.total_fob_cny,
      totalRebateCny: d.total_rebate_cny,
      closedAt: iso(d.closed_at),
      invtNos: d.invt_nos,
      lines: byNo.get(d.declaration_no) ?? [],
    }));
  }

  // --------------------------------------------------------------------------------- statistics
  /**
   * Lists, goods lines, value in CNY (customs rate of the period's month; CNY = 142 at 1; items
   * without a rate are counted in `unconvertedItems` and left out of the value) and gross weight,
   * grouped by up to three dimensions. A list with several rules counts once per rule.
   */
  async statistics(q: StatisticsQuery): Promise<StatisticsView> {
    const params: unknown[] = [q.basis];
    const where = ['l.basis = $1'];
    const filters: Record<string, string> = {};
    const add = (sql: string, op: string, v: string) => {
      params.push(v);
      where.push(`${sql} ${op} $${params.length}`);
    };
    if (q.period) add('l.period', '=', q.period);
    if (q.periodFrom) add('l.period', '>=', q.periodFrom);
    if (q.periodTo) add('l.period', '<=', q.periodTo);
    for (const [k, v] of Object.entries({ period: q.period, periodFrom: q.periodFrom, periodTo: q.periodTo }))
      if (v) filters[k] = v;
    for (const f of FILTERS) {
      const v = q[f];
      if (v) {
        add(DIMENSIONS[f], '=', v);
        filters[f] = v;
      }
    }
    const aggregate = async (dimensions: Dimension[]) => {
      // rules join only when asked for: with a rule filter it matches one row per list (rule ids
      // are unique in a decision); as a dimension a list counts once per rule
      const joinRule = dimensions.includes('rule') || q.rule !== undefined;
      const dims = dimensions.map(
        (d, i) => `${d === 'rule' ? `coalesce(${DIMENSIONS[d]}, '(none)')` : DIMENSIONS[d]} AS d${i}`,
      );
      const cols = dimensions.map((_, i) => `d${i}`);
      const { rows } = await this.query(
        `WITH per_list AS (
           SELECT ${['l.invt_no', 'l.waybill_key', ...dims].join(', ')},
                  count(*) AS items,
                  sum(i.total_price * CASE WHEN i.currency = '142' THEN 1 ELSE x.cny_per_unit END) AS value_cny,
                  count(*) FILTER (WHERE i.currency <> '142' AND x.cny_per_unit IS NULL) AS unconverted,
                  max(l.gross_weight) AS gross_weight
             FROM ${this.t('statistics', 'stat_list')} l
             JOIN ${this.t('statistics', 'stat_item')} i ON i.basis = l.basis AND i.invt_no = l.invt_no AND i.waybill_key = l.waybill_key
             LEFT JOIN ${this.t('statistics', 'exchange_rate')} x ON x.currency = i.currency AND x.period = substr(l.period, 1, 6)
             ${joinRule ? `LEFT JOIN ${this.t('statistics', 'stat_rule')} r ON r.invt_no = l.invt_no AND r.waybill_key = l.waybill_key` : ''}
            WHERE ${where.join(' AND ')}
            GROUP BY ${['l.invt_no', 'l.waybill_key', ...cols].join(', ')})
         SELECT ${[...cols, ''].join(', ')} count(*) AS lists, coalesce(sum(items), 0) AS items,
                round(coalesce(sum(value_cny), 0), 5)::text AS value_cny,
                round(coalesce(sum(gross_weight), 0), 5)::text AS gross_weight,
                coalesce(sum(unconverted), 0) AS unconverted
           FROM per_list
           ${cols.length > 0 ? `GROUP BY ${cols.join(', ')} ORDER BY ${cols.join(', ')}` : ''}`,
        params,
      );
      return rows.map((r: Row): StatisticsRow => ({
        keys: Object.fromEntries(dimensions.map((d, i) => [d, r[`d${i}`]])),
        lists: Number(r.lists),
        items: Number(r.items),
        valueCny: r.value_cny,
        grossWeight: r.gross_weight,
        unconvertedItems: Number(r.unconverted),
      }));
    };
    const [rows, [totals]] = await Promise.all([aggregate(q.dimension), aggregate([])]);
    const { keys: _k, ...sums } = totals;
    void _k;
    return { basis: q.basis, dimensions: q.dimension, filters, rows, totals: sums };
  }
}
