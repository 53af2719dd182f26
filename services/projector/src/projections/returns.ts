import * as path from 'node:path';
import { decisionTargets, inspectionTargets, receiptTargets, type FeedTarget } from '@clearance/domain';
import { insertRecordset, type Column } from '../sql';
import type { Projection, ProjectionTx, SourceRecord } from '../sources';

/**
 * What each participant may fetch as CEB returns (the gateway's `GET /ceb/returns`): every
 * receipt, decision and inspection result, once per participant it concerns (the routing of
 * @clearance/domain `receiptTargets` / `decisionTargets` / `inspectionTargets`, the same the feed
 * service copies records to participants' feed topics with), numbered per participant.
 *
 * `seq` is gapless per participant and visible in order: it is handed out inside the writer's
 * transaction by upserting the participant's `ceb_return_counter` row, whose row lock is held to
 * commit, so another transaction for the same participant gets the next numbers only after this
 * one's rows are visible. A reader that has seen seq N never later finds a row below N appear.
 * Counters are locked in one order (role, then code) in one statement, so transactions of
 * different partitions cannot deadlock; within a batch a participant's rows are numbered in the
 * records' offset order.
 *
 * The numbers depend on the order transactions commit, so a rebuild would hand out different
 * ones and invalidate the cursors participants hold: this projection refuses a replay.
 */

export type ReturnRole = FeedTarget['role'];
export type ReturnKind = FeedTarget['kind'];

/** A row of `ceb_return` before its sequence number (column names). */
export interface ReturnDraft {
  role: ReturnRole;
  code: string;
  kind: ReturnKind;
  topic: string;
  partition: number;
  offset: number;
  event_time: number;
  /** The receipt's docGuid; null for decisions and inspection results. */
  doc_guid: string | null;
  /** The record as decoded (Avro field names, longs as numbers). */
  payload: unknown;
}

export interface NumberedReturn extends ReturnDraft {
  seq: number;
}

/** A participant and how many rows a batch gives it (the counter increment). */
export interface ParticipantCount {
  role: ReturnRole;
  code: string;
  n: number;
}

const RETURN_COLUMNS: Column[] = [
  ['role', 'text'],
  ['code', 'text'],
  ['seq', 'bigint'],
  ['kind', 'text'],
  ['topic', 'text'],
  ['partition', 'integer'],
  ['offset', 'bigint'],
  ['event_time', 'bigint'],
  ['doc_guid', 'text'],
  ['payload', 'jsonb'],
];

/** Map key of a participant (a role never contains `|`). */
export const participantKey = (role: string, code: string): string => `${role}|${code}`;

const recordKey = (topic: string, partition: number, offset: number, role: string, code: string) =>
  `${topic}|${partition}|${offset}|${role}|${code}`;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The rows of a batch: one per target of every record, in the records' order. A tombstone or a
 * record of another topic is handed to `fail` (kept in projection_error); a record concerning no
 * participant (a receipt to the e-commerce enterprise or an officer) gives no row.
 */
export function returnRows(
  records: ReadonlyArray<SourceRecord>,
  fail: (record: SourceRecord, reason: string) => void,
): ReturnDraft[] {
  const out: ReturnDraft[] = [];
  for (const rec of records) {
    try {
      let targets: FeedTarget[];
      let docGuid: string | null = null;
      switch (rec.source) {
        case 'receipt':
          if (rec.value === null) throw new Error(`tombstone on ${rec.topic}: events are never deleted`);
          targets = receiptTargets(rec.value);
          docGuid = rec.value.docGuid ?? null;
          break;
        case 'decision':
          if (rec.value === null) throw new Error(`tombstone on ${rec.topic}: events are never deleted`);
          targets = decisionTargets(rec.value);
          break;
        case 'inspection':
          if (rec.value === null) throw new Error(`tombstone on ${rec.topic}: events are never deleted`);
          targets = inspectionTargets(rec.value);
          break;
        default:
          throw new Error(`the returns projection does not read ${rec.topic}`);
      }
      for (const t of targets)
        out.push({
          role: t.role,
          code: t.code,
          kind: t.kind,
          topic: rec.topic,
          partition: rec.partition,
          offset: rec.offset,
          event_time: rec.timestamp,
          doc_guid: docGuid,
          payload: rec.value,
        });
    } catch (e) {
      fail(rec, (e as Error).message);
    }
  }
  return out;
}

/** The participants of `rows` with their row counts, in lock order: by role, then code (code units). */
export function lockOrder(rows: ReadonlyArray<ReturnDraft>): ParticipantCount[] {
  const counts = new Map<string, ParticipantCount>();
  for (const r of rows) {
    const k = participantKey(r.role, r.code);
    const c = counts.get(k);
    if (c) c.n += 1;
    else counts.set(k, { role: r.role, code: r.code, n: 1 });
  }
  return [...counts.values()].sort((a, b) => compare(a.role, b.role) || compare(a.code, b.code));
}

/**
 * Numbers the rows: a participant's rows get `last - n + 1 .. last` in their order in `rows`,
 * `last` being its counter after this batch's increment (`participantKey` -> last_seq).
 */
export function numberRows(
  rows: ReadonlyArray<ReturnDraft>,
  lastSeq: ReadonlyMap<string, number>,
): NumberedReturn[] {
  const next = new Map<string, number>();
  for (const { role, code, n } of lockOrder(rows)) {
    const k = participantKey(role, code);
    const last = lastSeq.get(k);
    if (last === undefined) throw new Error(`no counter returned for ${role} ${code}`);
    if (last < n) throw new Error(`counter of ${role} ${code} at ${last}, below the ${n} rows numbered`);
    next.set(k, last - n + 1);
  }
  return rows.map((r) => {
    const k = participantKey(r.role, r.code);
    const seq = next.get(k)!;
    next.set(k, seq + 1);
    return { ...r, seq };
  });
}

/** Rows already in the table (a stored offset moved back by hand): not numbered again. */
async function alreadyWritten(tx: ProjectionTx, rows: ReadonlyArray<ReturnDraft>): Promise<Set<string>> {
  const seen = new Set<string>();
  // a batch is one topic-partition; the offset range of each is looked up on the unique key
  const tps = new Map<string, { topic: string; partition: number; from: number; to: number }>();
  for (const r of rows) {
    const k = `${r.topic}|${r.partition}`;
    const tp = tps.get(k);
    if (!tp) tps.set(k, { topic: r.topic, partition: r.partition, from: r.offset, to: r.offset });
    else {
      tp.from = Math.min(tp.from, r.offset);
      tp.to = Math.max(tp.to, r.offset);
    }
  }
  for (const { topic, partition, from, to } of tps.values()) {
    const { rows: found } = await tx.client.query<{ offset: string; role: string; code: string }>(
      `SELECT "offset", role, code FROM ${tx.table('ceb_return')}
        WHERE topic = $1 AND partition = $2 AND "offset" BETWEEN $3 AND $4`,
      [topic, partition, from, to],
    );
    for (const f of found) seen.add(recordKey(topic, partition, Number(f.offset), f.role, f.code));
  }
  return seen;
}

export const returnsProjection: Projection = {
  name: 'returns',
  sources: ['receipt', 'decision', 'inspection'],
  migrationsDir: path.join(__dirname, '../../migrations/returns'),
  tables: ['ceb_return_counter', 'ceb_return'],
  replayRefusal:
    'its per-participant sequence numbers follow the order the live transactions committed, so a ' +
    'rebuilt schema would number the rows differently and invalidate the cursors participants hold ' +
    '(GET /ceb/returns?after=<seq>); nothing was touched, the live schema stays as it is',

  async apply(tx: ProjectionTx, records: ReadonlyArray<SourceRecord>): Promise<void> {
    const drafts = returnRows(records, tx.fail);
    if (drafts.length === 0) return;
    const seen = await alreadyWritten(tx, drafts);
    const fresh =
      seen.size === 0
        ? drafts
        : drafts.filter((r) => !seen.has(recordKey(r.topic, r.partition, r.offset, r.role, r.code)));
    if (fresh.length === 0) return;

    // one statement takes every counter lock, in lock order (the rows are inserted in `ord` order)
    const counts = lockOrder(fresh);
    const { rows: counters } = await tx.client.query<{ role: string; code: string; last_seq: string }>(
      `INSERT INTO ${tx.table('ceb_return_counter')} AS t (role, code, last_seq)
       SELECT role, code, n FROM jsonb_to_recordset($1::jsonb) AS x(role text, code text, n bigint, ord integer)
        ORDER BY ord
       ON CONFLICT (role, code) DO UPDATE SET last_seq = t.last_seq + EXCLUDED.last_seq
       RETURNING role, code, last_seq`,
      [JSON.stringify(counts.map((c, ord) => ({ ...c, ord })))],
    );
    const numbered = numberRows(
      fresh,
      new Map(counters.map((c) => [participantKey(c.role, c.code), Number(c.last_seq)])),
    );
    await insertRecordset(tx.client, tx.table('ceb_return'), RETURN_COLUMNS, numbered);
  },
};
