import * as path from 'node:path';
import type { ClearedParcel, Decision, Manifest, Receipt, TaxBill } from '@clearance/contracts';
import { insertRecordset, type Column } from '../sql';
import type { Projection, ProjectionTx, SourceRecord } from '../sources';

/**
 * Parcels: one row per parcel (order key) with its status, the audit trail (every receipt, list,
 * tax bill, decision and clearance, with event time and source offset), receipts, decisions with
 * the rules fired, and import lists' tax bills.
 *
 * The status is that of the most advanced event (rank 0 document receipts, 1 match, 2 risk
 * decision, 3 inspection result, 4 cleared); within a rank receipts beat the list / decision /
 * clearance record (the lifecycle's receipts say which decision counted), and the last receipt by
 * offset wins: every receipt of a parcel is keyed by its order key, so they share one partition
 * and their offsets are the order the engine acted in (input event times may arrive out of
 * order, so time is not used). `status_order` encodes this, so the final row is the same whatever
 * order the topics are read in (a replay gives the same table).
 *
 * A tax bill is in the trail (kind TAX_BILL, rank 1: it is computed with the list) but states no
 * parcel status: it touches the parcel row with no status (status_order '', which never wins), so
 * it counts as an event and fills the identity like the list, and the status is that of the other
 * events whether or not the bill was read, before or after them.
 */

export const STATUS_NAMES: Record<string, string> = {
  '1': 'SAVED',
  '2': 'DECLARING',
  '100': 'REJECTED',
  '120': 'MATCHED',
  '300': 'HELD',
  '399': 'REVIEW_CONCLUDED',
  '500': 'INSPECTING',
  '700': 'RETURNED',
  '800': 'RELEASED',
  '899': 'CLEARED',
};

export function statusName(status: string | null): string | null {
  if (status === null) return null;
  if (STATUS_NAMES[status]) return STATUS_NAMES[status];
  const n = Number(status);
  if (n >= 501 && n <= 599) return 'DETAINED';
  return `STATUS_${status}`;
}

const DOC_RANK: Record<string, number> = {
  ORDER: 0,
  PAYMENT: 0,
  WAYBILL: 0,
  LIST: 2,
  INSPECTION: 3,
  DEPARTURE: 4,
};

/** Rank of a receipt in the audit trail, and whether it states the parcel's status. */
export function receiptRank(r: Receipt): { rank: number; setsStatus: boolean } {
  const base = DOC_RANK[r.docType] ?? 0;
  const rank = base === 0 && r.returnStatus === '120' ? 1 : base;
  // officers' acknowledgements and carriers' departure refusals / pending notes are not parcel states
  const setsStatus = r.participant !== 'OFFICER' && !(r.docType === 'DEPARTURE' && r.returnStatus !== '899');
  return { rank, setsStatus };
}

/** Sortable (collation "C") order of a status-bearing event: rank, receipts over other records, then source position. */
export function statusOrder(
  rank: number,
  isReceipt: boolean,
  rec: Pick<SourceRecord, 'topic' | 'partition' | 'offset'>,
): string {
  return [
    String(rank),
    isReceipt ? '1' : '0',
    rec.topic,
    String(rec.partition).padStart(5, '0'),
    String(rec.offset).padStart(19, '0'),
  ].join('|');
}

interface ParcelRow {
  order_key: string;
  ebp_code: string;
  order_no: string;
  waybill_key: string | null;
  logistics_code: string | null;
  logistics_no: string | null;
  invt_no: string | null;
  ie_flag: string | null;
  ebc_code: string | null;
  trade_mode: string | null;
  outcome: string | null;
  rule_set_version: string | null;
  status: string | null;
  status_name: string | null;
  status_info: string | null;
  status_time: number | null;
  status_order: string;
  first_event_time: number;
  last_event_time: number;
  event_count: number;
}

const PARCEL_COLUMNS: Column[] = [
  ['order_key', 'text'],
  ['ebp_code', 'text'],
  ['order_no', 'text'],
  ['waybill_key', 'text'],
  ['logistics_code', 'text'],
  ['logistics_no', 'text'],
  ['invt_no', 'text'],
  ['ie_flag', 'text'],
  ['ebc_code', 'text'],
  ['trade_mode', 'text'],
  ['outcome', 'text'],
  ['rule_set_version', 'text'],
  ['status', 'text'],
  ['status_name', 'text'],
  ['status_info', 'text'],
  ['status_time', 'bigint'],
  ['status_order', 'text'],
  ['first_event_time', 'bigint'],
  ['last_event_time', 'bigint'],
  ['event_count', 'integer'],
];

const FIRST_NON_NULL = [
  'waybill_key',
  'logistics_code',
  'logistics_no',
  'invt_no',
  'ie_flag',
  'ebc_code',
  'trade_mode',
  'outcome',
  'rule_set_version',
] as const;
const STATUS_FIELDS = ['status', 'status_name', 'status_info', 'status_time'] as const;

/** The same merge as the ON CONFLICT clause below, for rows of one batch (a statement may touch a row once). */
function mergeParcel(a: ParcelRow, b: ParcelRow): ParcelRow {
  const out: ParcelRow = { ...a };
  for (const f of FIRST_NON_NULL) (out[f] as string | null) = a[f] ?? b[f];
  if (b.status_order > a.status_order) {
    for (const f of STATUS_FIELDS) (out[f] as unknown) = b[f];
    out.status_order = b.status_order;
  }
  out.first_event_time = Math.min(a.first_event_time, b.first_event_time);
  out.last_event_time = Math.max(a.last_event_time, b.last_event_time);
  out.event_count = a.event_count + b.event_count;
  return out;
}

const PARCEL_CONFLICT = `ON CONFLICT (order_key) DO UPDATE SET
  ${FIRST_NON_NULL.map((f) => `${f} = COALESCE(t.${f}, EXCLUDED.${f})`).join(',\n  ')},
  ${STATUS_FIELDS.map((f) => `${f} = CASE WHEN EXCLUDED.status_order > t.status_order THEN EXCLUDED.${f} ELSE t.${f} END`).join(',\n  ')},
  status_order = GREATEST(t.status_order, EXCLUDED.status_order),
  first_event_time = LEAST(t.first_event_time, EXCLUDED.first_event_time),
  last_event_time = GREATEST(t.last_event_time, EXCLUDED.last_event_time),
  event_count = t.event_count + EXCLUDED.event_count`;

const EVENT_COLUMNS: Column[] = [
  ['topic', 'text'],
  ['partition', 'integer'],
  ['offset', 'bigint'],
  ['order_key', 'text'],
  ['waybill_key', 'text'],
  ['event_time', 'bigint'],
  ['rank', 'integer'],
  ['kind', 'text'],
  ['status', 'text'],
  ['participant', 'text'],
  ['doc_type', 'text'],
  ['info', 'text'],
  ['payload', 'jsonb'],
];

const RECEIPT_COLUMNS: Column[] = [
  ['guid', 'text'],
  ['case_key', 'text'],
  ['order_key', 'text'],
  ['waybill_key', 'text'],
  ['participant', 'text'],
  ['participant_code', 'text'],
  ['doc_type', 'text'],
  ['doc_guid', 'text'],
  ['invt_no', 'text'],
  ['return_status', 'text'],
  ['return_time', 'text'],
  ['return_info', 'text'],
  ['reasons', 'jsonb'],
  ['event_time', 'bigint'],
  ['topic', 'text'],
  ['partition', 'integer'],
  ['offset', 'bigint'],
];

const DECISION_COLUMNS: Column[] = [
  ['guid', 'text'],
  ['waybill_key', 'text'],
  ['order_key', 'text'],
  ['invt_no', 'text'],
  ['ie_flag', 'text'],
  ['outcome', 'text'],
  ['return_status', 'text'],
  ['score', 'integer'],
  ['rule_set_version', 'text'],
  ['decided_at', 'bigint'],
  ['last_document_time', 'bigint'],
  ['topic', 'text'],
  ['partition', 'integer'],
  ['offset', 'bigint'],
];

const RULE_COLUMNS: Column[] = [
  ['decision_guid', 'text'],
  ['seq', 'integer'],
  ['rule_id', 'text'],
  ['kind', 'text'],
  ['outcome', 'text'],
  ['score', 'integer'],
  ['reason', 'text'],
];

const TAX_BILL_COLUMNS: Column[] = [
  ['guid', 'text'],
  ['invt_no', 'text'],
  ['order_key', 'text'],
  ['waybill_key', 'text'],
  ['status', 'text'],
  ['customs_value_total', 'numeric'],
  ['duty_total', 'numeric'],
  ['consumption_tax_total', 'numeric'],
  ['vat_total', 'numeric'],
  ['tax_total', 'numeric'],
  ['declared_tax_total', 'numeric'],
  ['computed_at', 'bigint'],
  ['topic', 'text'],
  ['partition', 'integer'],
  ['offset', 'bigint'],
  ['payload', 'jsonb'],
];

/** A CEB decimal (19,5) as the tax_bill columns take it; anything else would fail the whole transaction. */
const DECIMAL = /^-?\d{1,19}(\.\d{1,5})?$/;
const TAX_BILL_AMOUNTS = [
  'customsValueTotal',
  'dutyTotal',
  'consumptionTaxTotal',
  'vatTotal',
  'taxTotal',
] as const;

/** Why a tax bill cannot be projected, or null. */
export function taxBillProblem(b: TaxBill): string | null {
  for (const f of TAX_BILL_AMOUNTS)
    if (!DECIMAL.test(b[f])) return `tax bill ${b.guid}: ${f} ${JSON.stringify(b[f])} is not a decimal`;
  if (b.declaredTaxTotal !== null && !DECIMAL.test(b.declaredTaxTotal))
    return `tax bill ${b.guid}: declaredTaxTotal ${JSON.stringify(b.declaredTaxTotal)} is not a decimal`;
  return null;
}

/** The tax_bill row of a bill. */
export function taxBillRow(b: TaxBill, rec: Pick<SourceRecord, 'topic' | 'partition' | 'offset'>): object {
  return {
    guid: b.guid,
    invt_no: b.invtNo,
    order_key: b.orderKey,
    waybill_key: b.waybillKey,
    status: b.status,
    customs_value_total: b.customsValueTotal,
    duty_total: b.dutyTotal,
    consumption_tax_total: b.consumptionTaxTotal,
    vat_total: b.vatTotal,
    tax_total: b.taxTotal,
    declared_tax_total: b.declaredTaxTotal,
    computed_at: b.computedAt,
    topic: rec.topic,
    partition: rec.partition,
    offset: rec.offset,
    payload: b,
  };
}

/** The audit trail's line for a bill: its status and amounts (the bill's status is not a receipt status). */
export function taxBillInfo(b: TaxBill): string {
  const declared = b.declaredTaxTotal === null ? 'none declared' : `declared ${b.declaredTaxTotal}`;
  return `tax bill ${b.status}: tax ${b.taxTotal} ${b.currency} (consumption tax ${b.consumptionTaxTotal}, VAT ${b.vatTotal}; ${declared})`;
}

const keyOf = (a: string | null, b: string | null): string | null => (a && b ? `${a}:${b}` : null);
const splitWaybillKey = (
  waybillKey: string,
): { logistics_code: string | null; logistics_no: string | null } => {
  const i = waybillKey.indexOf(':');
  return i < 0
    ? { logistics_code: null, logistics_no: null }
    : { logistics_code: waybillKey.slice(0, i), logistics_no: waybillKey.slice(i + 1) };
};
const splitOrderKey = (orderKey: string): { ebp_code: string; order_no: string } => {
  const i = orderKey.indexOf(':');
  return { ebp_code: orderKey.slice(0, i), order_no: orderKey.slice(i + 1) };
};

function fromManifest(m: Manifest): Pick<ParcelRow, (typeof FIRST_NON_NULL)[number]> {
  return {
    waybill_key: m.waybillKey,
    logistics_code: m.logisticsCode,
    logistics_no: m.logisticsNo,
    invt_no: m.invtNo,
    ie_flag: m.ieFlag,
    ebc_code: m.ebcCode,
    trade_mode: m.tradeMode,
    outcome: null,
    rule_set_version: null,
  };
}

const NO_IDENTITY = fromManifestless();
function fromManifestless(): Pick<ParcelRow, (typeof FIRST_NON_NULL)[number]> {
  return {
    waybill_key: null,
    logistics_code: null,
    logistics_no: null,
    invt_no: null,
    ie_flag: null,
    ebc_code: null,
    trade_mode: null,
    outcome: null,
    rule_set_version: null,
  };
}

export const parcelsProjection: Projection = {
  name: 'parcels',
  sources: ['receipt', 'manifest', 'decision', 'cleared', 'taxBill'],
  migrationsDir: path.join(__dirname, '../../migrations/parcels'),
  tables: ['parcel', 'parcel_event', 'receipt', 'decision', 'decision_rule', 'tax_bill'],

  async apply(tx: ProjectionTx, records: ReadonlyArray<SourceRecord>): Promise<void> {
    const parcels = new Map<string, ParcelRow>();
    const events: object[] = [];
    const receipts: object[] = [];
    const decisions: object[] = [];
    const rules: object[] = [];
    const taxBills: object[] = [];

    const touch = (
      orderKey: string | null,
      rec: SourceRecord,
      identity: Pick<ParcelRow, (typeof FIRST_NON_NULL)[number]>,
      status: { rank: number; status: string; info: string } | null,
    ) => {
      if (!orderKey || !orderKey.includes(':')) return;
      const row: ParcelRow = {
        order_key: orderKey,
        ...splitOrderKey(orderKey),
        ...identity,
        status: status?.status ?? null,
        status_name: statusName(status?.status ?? null),
        status_info: status?.info ?? null,
        status_time: status ? rec.timestamp : null,
        status_order: status ? statusOrder(status.rank, rec.source === 'receipt', rec) : '',
        first_event_time: rec.timestamp,
        last_event_time: rec.timestamp,
        event_count: 1,
      };
      const prev = parcels.get(orderKey);
      parcels.set(orderKey, prev ? mergeParcel(prev, row) : row);
    };
    const event = (
      rec: SourceRecord,
      e: {
        order_key: string | null;
        waybill_key: string | null;
        rank: number;
        kind: string;
        status: string | null;
        participant?: string | null;
        doc_type?: string | null;
        info: string | null;
        payload: unknown;
      },
    ) =>
      events.push({
        topic: rec.topic,
        partition: rec.partition,
        offset: rec.offset,
        event_time: rec.timestamp,
        participant: null,
        doc_type: null,
        ...e,
      });

    for (const rec of records) {
      if (rec.value === null) {
        tx.fail(rec, `tombstone on ${rec.topic}: events are never deleted`);
        continue;
      }
      switch (rec.source) {
        case 'receipt': {
          const r: Receipt = rec.value;
          const orderKey = keyOf(r.ebpCode, r.orderNo);
          const waybillKey = keyOf(r.logisticsCode, r.logisticsNo);
          const { rank, setsStatus } = receiptRank(r);
          receipts.push({
            guid: r.guid,
            case_key: r.caseKey,
            order_key: orderKey,
            waybill_key: waybillKey,
            participant: r.participant,
            participant_code: r.participantCode,
            doc_type: r.docType,
            doc_guid: r.docGuid,
            invt_no: r.invtNo,
            return_status: r.returnStatus,
            return_time: r.returnTime,
            return_info: r.returnInfo,
            reasons: r.reasons,
            event_time: rec.timestamp,
            topic: rec.topic,
            partition: rec.partition,
            offset: rec.offset,
          });
          event(rec, {
            order_key: orderKey,
            waybill_key: waybillKey,
            rank,
            kind: 'RECEIPT',
            status: r.returnStatus,
            participant: r.participant,
            doc_type: r.docType,
            info: r.returnInfo,
            payload: r,
          });
          touch(
            orderKey,
            rec,
            NO_IDENTITY,
            setsStatus ? { rank, status: r.returnStatus, info: r.returnInfo } : null,
          );
          break;
        }
        case 'manifest': {
          const m: Manifest = rec.value;
          event(rec, {
            order_key: m.orderKey,
            waybill_key: m.waybillKey,
            rank: 1,
            kind: 'MANIFEST',
            status: '120',
            info: `list ${m.invtNo} compiled`,
            payload: m,
          });
          touch(m.orderKey, rec, fromManifest(m), {
            rank: 1,
            status: '120',
            info: `list ${m.invtNo} compiled`,
          });
          break;
        }
        case 'decision': {
          const d: Decision = rec.value;
          const info =
            `${d.outcome} (score ${d.score}, rules ${d.ruleSetVersion})` +
            (d.rulesFired.length > 0 ? `: ${d.rulesFired.map((h) => h.ruleId).join(', ')}` : '');
          decisions.push({
            guid: d.guid,
            waybill_key: d.waybillKey,
            order_key: d.orderKey,
            invt_no: d.invtNo,
            ie_flag: d.manifest.ieFlag,
            outcome: d.outcome,
            return_status: d.returnStatus,
            score: d.score,
            rule_set_version: d.ruleSetVersion,
            decided_at: d.decidedAt,
            last_document_time: d.lastDocumentTime,
            topic: rec.topic,
            partition: rec.partition,
            offset: rec.offset,
          });
          d.rulesFired.forEach((h, seq) =>
            rules.push({
              decision_guid: d.guid,
              seq,
              rule_id: h.ruleId,
              kind: h.kind,
              outcome: h.outcome,
              score: h.score,
              reason: h.reason,
            }),
          );
          const { manifest: _m, ...withoutManifest } = d;
          void _m;
          event(rec, {
            order_key: d.orderKey,
            waybill_key: d.waybillKey,
            rank: 2,
            kind: 'DECISION',
            status: d.returnStatus,
            info,
            payload: withoutManifest,
          });
          touch(
            d.orderKey,
            rec,
            { ...fromManifest(d.manifest), outcome: d.outcome, rule_set_version: d.ruleSetVersion },
            { rank: 2, status: d.returnStatus, info },
          );
          break;
        }
        case 'cleared': {
          const c: ClearedParcel = rec.value;
          const info = `cleared: departed ${c.leaveTime} on ${c.voyageNo ?? c.departureCopNo}`;
          const { manifest: _m, ...withoutManifest } = c;
          void _m;
          event(rec, {
            order_key: c.orderKey,
            waybill_key: c.waybillKey,
            rank: 4,
            kind: 'CLEARED',
            status: c.returnStatus,
            info,
            payload: withoutManifest,
          });
          touch(c.orderKey, rec, fromManifest(c.manifest), { rank: 4, status: c.returnStatus, info });
          break;
        }
        case 'taxBill': {
          const b: TaxBill = rec.value;
          const problem = taxBillProblem(b);
          if (problem) {
            tx.fail(rec, problem);
            break;
          }
          const info = taxBillInfo(b);
          taxBills.push(taxBillRow(b, rec));
          event(rec, {
            order_key: b.orderKey,
            waybill_key: b.waybillKey,
            rank: 1,
            kind: 'TAX_BILL',
            status: null, // not a parcel status: the bill's own status is in info and payload
            info,
            payload: b,
          });
          // identity as the list has it (a bill is an import list's); no status
          touch(
            b.orderKey,
            rec,
            {
              ...NO_IDENTITY,
              waybill_key: b.waybillKey,
              ...splitWaybillKey(b.waybillKey),
              invt_no: b.invtNo,
              ie_flag: 'I',
              ebc_code: b.ebcCode,
            },
            null,
          );
          break;
        }
        default:
          tx.fail(rec, `the parcels projection does not read ${rec.topic}`);
      }
    }

    const { client } = tx;
    const sorted = [...parcels.values()].sort((a, b) => (a.order_key < b.order_key ? -1 : 1)); // one lock order
    await insertRecordset(client, tx.table('parcel'), PARCEL_COLUMNS, sorted, PARCEL_CONFLICT);
    await insertRecordset(client, tx.table('parcel_event'), EVENT_COLUMNS, events, 'ON CONFLICT DO NOTHING');
    await insertRecordset(client, tx.table('receipt'), RECEIPT_COLUMNS, receipts, 'ON CONFLICT DO NOTHING');
    const inserted = await insertRecordset<{ guid: string }>(
      client,
      tx.table('decision'),
      DECISION_COLUMNS,
      decisions,
      'ON CONFLICT DO NOTHING RETURNING guid',
    );
    const fresh = new Set(inserted?.rows.map((r) => r.guid) ?? []);
    await insertRecordset(
      client,
      tx.table('decision_rule'),
      RULE_COLUMNS,
      rules.filter((r) => fresh.has((r as { decision_guid: string }).decision_guid)),
      'ON CONFLICT DO NOTHING',
    );
    // first wins: a bill's guid derives from its list, and a list's bills share one partition
    await insertRecordset(client, tx.table('tax_bill'), TAX_BILL_COLUMNS, taxBills, 'ON CONFLICT DO NOTHING');
  },
};
