import type { Pool } from 'pg';
import { PARTICIPANT_ROLES, type ParticipantRole } from '@clearance/contracts';
import { DEFAULT_SCHEMA_PREFIX, projectionSchema } from './schema';
import { qualified } from './sql';

/** The participant roles that have returns (`ceb_return.role`): every role. */
export const RETURN_ROLES: ReadonlyArray<ParticipantRole> = PARTICIPANT_ROLES;

/** One row of a participant's returns, as the gateway renders it. */
export interface ReturnRow {
  /** The participant's sequence number: 1, 2, 3, ... with no gaps; the cursor (`after`). */
  seq: number;
  kind: 'receipt' | 'decision' | 'inspection';
  /** Where the record came from (clearance.receipt.v1, clearance.decision.v1, customs.inspection.v1). */
  topic: string;
  partition: number;
  offset: number;
  /** Kafka record timestamp (ms). */
  eventTime: number;
  /** The receipt's docGuid (the document answered); null for decisions and inspection results. */
  docGuid: string | null;
  /** The record (Receipt, Decision or InspectionResult) with its Avro field names, longs as numbers. */
  payload: unknown;
}

export interface ReadReturnsOptions {
  /** Prefix of the projection schemas (default `projection_`): the table is `<prefix>returns.ceb_return`. */
  schemaPrefix?: string;
  role: ParticipantRole;
  /** The participant's customs code. */
  code: string;
  /** Cursor: the last seq the participant has seen (0 for the start), exclusive. */
  after: number;
  /** At most this many rows (0 gives none). */
  limit: number;
}

/**
 * Rows of one participant after `after` (exclusive), ascending seq, at most `limit`. Seqs are
 * gapless and become visible in order (see projections/returns.ts), so `after` = the last seq
 * returned resumes with nothing skipped or repeated. Bad arguments throw a RangeError before any
 * query; a missing schema or table surfaces as the pg error (3F000 / 42P01).
 */
export async function readReturns(pool: Pool, opts: ReadReturnsOptions): Promise<ReturnRow[]> {
  const { role, code, after, limit } = opts;
  if (!(RETURN_ROLES as readonly string[]).includes(role))
    throw new RangeError(`role ${JSON.stringify(role)} is not one of ${RETURN_ROLES.join(', ')}`);
  if (typeof code !== 'string' || code.length === 0) throw new RangeError('code must be a non-empty string');
  if (!Number.isSafeInteger(after) || after < 0)
    throw new RangeError(`after ${String(after)} must be an integer >= 0`);
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`limit ${String(limit)} must be an integer >= 0`);
  const table = qualified(
    projectionSchema(opts.schemaPrefix ?? DEFAULT_SCHEMA_PREFIX, 'returns'),
    'ceb_return',
  );
  const { rows } = await pool.query<{
    seq: string;
    kind: ReturnRow['kind'];
    topic: string;
    partition: number;
    offset: string;
    event_time: string;
    doc_guid: string | null;
    payload: unknown;
  }>(
    `SELECT seq, kind, topic, partition, "offset", event_time, doc_guid, payload
       FROM ${table}
      WHERE role = $1 AND code = $2 AND seq > $3
      ORDER BY seq
      LIMIT $4`,
    [role, code, after, limit],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    kind: r.kind,
    topic: r.topic,
    partition: r.partition,
    offset: Number(r.offset),
    eventTime: Number(r.event_time),
    docGuid: r.doc_guid,
    payload: r.payload,
  }));
}
