import { Topics, type TopicSpec } from '@clearance/contracts';
import type { ClientBase } from 'pg';

/** The topics the projector reads, by logical name. */
export const SOURCES = {
  receipt: Topics.receipt,
  manifest: Topics.manifest,
  decision: Topics.decision,
  cleared: Topics.cleared,
  summary: Topics.summary,
  exchangeRate: Topics.exchangeRate,
  inspection: Topics.inspection,
  taxBill: Topics.taxBill,
} as const;

export type SourceKey = keyof typeof SOURCES;
export type SourceValue<S extends SourceKey> = (typeof SOURCES)[S] extends TopicSpec<infer V> ? V : never;

/** Actual topic name of each source (tests use uniquely named topics). */
export type TopicNames = Record<SourceKey, string>;

export function topicNames(overrides: Partial<TopicNames> = {}): TopicNames {
  const names = Object.fromEntries(
    (Object.keys(SOURCES) as SourceKey[]).map((k) => [k, overrides[k] ?? SOURCES[k].name]),
  ) as TopicNames;
  const seen = new Map<string, SourceKey>();
  for (const [k, t] of Object.entries(names) as Array<[SourceKey, string]>) {
    const other = seen.get(t);
    if (other) throw new Error(`sources ${other} and ${k} both name topic ${t}`);
    seen.set(t, k);
  }
  return names;
}

/** A decoded input record. `value` null is a tombstone. */
export type SourceRecord = {
  [S in SourceKey]: {
    source: S;
    topic: string;
    partition: number;
    offset: number;
    /** Kafka record timestamp (event time). */
    timestamp: number;
    key: string | null;
    value: SourceValue<S> | null;
  };
}[SourceKey];

/** An input record that did not decode, or that a projection could not use. */
export interface FailedRecord {
  topic: string;
  partition: number;
  offset: number;
  reason: string;
  key: string | null;
  value: Buffer | null;
}

/** What a projection's `apply` gets: a transaction and its schema's table names. */
export interface ProjectionTx {
  client: ClientBase;
  /** `"schema"."table"` of this projection's schema. */
  table(name: string): string;
  /** Records the projection cannot use (bad field, tombstone on an event topic): kept in projection_error. */
  fail(record: SourceRecord, reason: string): void;
}

export type ProjectionName = 'parcels' | 'declarations' | 'statistics' | 'returns';

/** A read model built from topics into the tables of one Postgres schema. */
export interface Projection {
  readonly name: ProjectionName;
  readonly sources: ReadonlyArray<SourceKey>;
  /** Folder of `NNN_name.sql` migrations (applied with search_path = the schema). */
  readonly migrationsDir: string;
  /** Every table, parents first (row counts, replay comparison). */
  readonly tables: ReadonlyArray<string>;
  /**
   * Set when the projection must never be rebuilt by a replay, saying why (its rows depend on
   * the order transactions committed, e.g. sequence numbers readers hold as cursors):
   * `replayProjection` refuses it with this reason.
   */
  readonly replayRefusal?: string;
  /** Writes a batch of decoded records of one topic-partition, in offset order, inside the transaction. */
  apply(tx: ProjectionTx, records: ReadonlyArray<SourceRecord>): Promise<void>;
}

/** Offsets table and error table every projection schema has. */
export const OFFSET_TABLE = 'projection_offset';
export const ERROR_TABLE = 'projection_error';
