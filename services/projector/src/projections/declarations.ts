import * as path from 'node:path';
import type { SummaryDeclaration } from '@clearance/contracts';
import { insertRecordset, type Column } from '../sql';
import type { Projection, ProjectionTx, SourceRecord } from '../sources';

/**
 * Declarations: every summary declaration (originals and amendments) with its lines and the list
 * numbers it contains. A declaration number is stable (key, period, sequence), so a record seen
 * again replaces the row and its lines (the last one of a partition wins).
 */

const DECLARATION_COLUMNS: Column[] = [
  ['declaration_no', 'text'],
  ['declaration_key', 'text'],
  ['period', 'text'],
  ['sequence', 'integer'],
  ['kind', 'text'],
  ['ebc_code', 'text'],
  ['ebc_name', 'text'],
  ['owner_code', 'text'],
  ['summary_flag', 'text'],
  ['statistics_flag', 'text'],
  ['trade_mode', 'text'],
  ['traf_mode', 'text'],
  ['country', 'text'],
  ['port_code', 'text'],
  ['customs_code', 'text'],
  ['start_time', 'text'],
  ['end_time', 'text'],
  ['list_count', 'integer'],
  ['gross_weight', 'numeric'],
  ['net_weight', 'numeric'],
  ['total_fob_cny', 'numeric'],
  ['total_rebate_cny', 'numeric'],
  ['closed_at', 'bigint'],
  ['invt_nos', 'text[]'],
  ['topic', 'text'],
  ['partition', 'integer'],
  ['offset', 'bigint'],
];

const LINE_COLUMNS: Column[] = [
  ['declaration_no', 'text'],
  ['line_no', 'integer'],
  ['gcode', 'text'],
  ['gname', 'text'],
  ['unit', 'text'],
  ['currency', 'text'],
  ['qty', 'numeric'],
  ['unit1', 'text'],
  ['qty1', 'numeric'],
  ['total_price', 'numeric'],
  ['gross_weight', 'numeric'],
  ['net_weight', 'numeric'],
  ['list_count', 'integer'],
  ['fob_cny', 'numeric'],
  ['rebate_rate', 'numeric'],
  ['rebate_amount', 'numeric'],
];

const UPDATE_ALL = `ON CONFLICT (declaration_no) DO UPDATE SET ${DECLARATION_COLUMNS.slice(1)
  .map(([c]) => `"${c}" = EXCLUDED."${c}"`)
  .join(', ')}`;

export const declarationsProjection: Projection = {
  name: 'declarations',
  sources: ['summary'],
  migrationsDir: path.join(__dirname, '../../migrations/declarations'),
  tables: ['declaration', 'declaration_line'],

  async apply(tx: ProjectionTx, records: ReadonlyArray<SourceRecord>): Promise<void> {
    const latest = new Map<string, { d: SummaryDeclaration; rec: SourceRecord }>();
    for (const rec of records) {
      if (rec.source !== 'summary') {
        tx.fail(rec, `the declarations projection does not read ${rec.topic}`);
        continue;
      }
      if (rec.value === null) {
        tx.fail(rec, `tombstone on ${rec.topic}: declarations are never deleted`);
        continue;
      }
      latest.set(rec.value.declarationNo, { d: rec.value, rec });
    }
    if (latest.size === 0) return;
    const entries = [...latest.values()].sort((a, b) => (a.d.declarationNo < b.d.declarationNo ? -1 : 1));
    const rows = entries.map(({ d, rec }) => ({
      declaration_no: d.declarationNo,
      declaration_key: d.declarationKey,
      period: d.period,
      sequence: d.sequence,
      kind: d.kind,
      ebc_code: d.ebcCode,
      ebc_name: d.ebcName,
      owner_code: d.ownerCode,
      summary_flag: d.summaryFlag,
      statistics_flag: d.statisticsFlag,
      trade_mode: d.tradeMode,
      traf_mode: d.trafMode,
      country: d.country,
      port_code: d.portCode,
      customs_code: d.customsCode,
      start_time: d.startTime,
      end_time: d.endTime,
      list_count: d.listCount,
      gross_weight: d.grossWeight,
      net_weight: d.netWeight,
      total_fob_cny: d.totalFobCny,
      total_rebate_cny: d.totalRebateCny,
      closed_at: d.closedAt,
      invt_nos: d.invtNos,
      topic: rec.topic,
      partition: rec.partition,
      offset: rec.offset,
    }));
    const lines = entries.flatMap(({ d }) =>
      d.lines.map((l) => ({
        declaration_no: d.declarationNo,
        line_no: l.lineNo,
        gcode: l.gcode,
        gname: l.gname,
        unit: l.unit,
        currency: l.currency,
        qty: l.qty,
        unit1: l.unit1,
        qty1: l.qty1,
        total_price: l.totalPrice,
        gross_weight: l.grossWeight,
        net_weight: l.netWeight,
        list_count: l.listCount,
        fob_cny: l.fobCny,
        rebate_rate: l.rebateRate,
        rebate_amount: l.rebateAmount,
      })),
    );
    await tx.client.query(
      `DELETE FROM ${tx.table('declaration_line')} WHERE declaration_no = ANY($1::text[])`,
      [entries.map((e) => e.d.declarationNo)],
    );
    await insertRecordset(tx.client, tx.table('declaration'), DECLARATION_COLUMNS, rows, UPDATE_ALL);
    await insertRecordset(tx.client, tx.table('declaration_line'), LINE_COLUMNS, lines);
  },
};
