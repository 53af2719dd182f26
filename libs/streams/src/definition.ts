import type { Serde } from './serdes';
import type { Rejection, RejectionOptions } from './errors';

/**
 * A processor definition is plain data + functions. The same definition runs under the real
 * runtime ({@link StreamsRuntime}), under the in-memory {@link TestDriver}, and in-process.
 * Nothing here refers to a Kafka client.
 */

/** Record headers as the processor sees them (repeated headers: the last value wins). */
export type RecordHeaders = Readonly<Record<string, Buffer>>;
/** Headers a processor may attach to an emitted record. */
export type OutputHeaders = Record<string, string | Buffer>;

export interface InputSpec<K, V> {
  key: Serde<K>;
  value: Serde<V>;
  /**
   * Event-time extractor. Default: the Kafka record timestamp. Stream time (per task) is the
   * largest timestamp seen so far; punctuators fire on it.
   */
  timestamp?: (record: { key: K; value: V; timestamp: number; headers: RecordHeaders }) => number;
}

export interface OutputSpec<K, V> {
  key: Serde<K>;
  value: Serde<V>;
  /** Partition count used when the runtime creates the topic (default: the task count). */
  partitions?: number;
  /** Topic configs used when the runtime creates the topic. */
  config?: Record<string, string>;
}

export interface StoreSpec<V> {
  value: Serde<V>;
  /** Changelog key codec (store keys are strings in memory). Default UTF-8. */
  key?: Serde<string>;
  /** Extra changelog topic configs (cleanup.policy=compact is always set). */
  changelogConfig?: Record<string, string>;
  /**
   * Makes the store timed: each value has a due time (event time ms, or undefined: never), and
   * `store.due(now)` (in a punctuator) lists the keys whose due time has come. The index of due
   * times is derived from the values and kept in memory only: a write costs no extra changelog
   * record, and a restore rebuilds the index from the deadline each changelog value carries in a
   * 9-byte header (values written without it, before the store was timed, are decoded once at
   * restore to compute it). `resolutionMs` (default 60,000) is the granularity: a key is listed
   * once stream time has passed the end of its deadline's bucket.
   */
  timer?: { deadline: (value: V) => number | undefined; resolutionMs?: number };
  /**
   * Keep committed values as their changelog bytes (off the V8 heap) and decode them on each
   * read: far less memory per entry and less garbage-collector work for stores with many entries
   * read seldom (a matcher's pending cases and tombstones), a decode per read. Needs synchronous
   * serdes; values must be treated as immutable (as always).
   */
  compact?: boolean;
  /**
   * Keep the committed entries on disk (an LMDB environment per task under the runtime's state
   * directory) instead of the heap: values and a timed store's due index take no memory per
   * entry, and a restart restores only the changelog tail past the local checkpoint. The
   * changelog stays the source of truth; without a state directory (test drivers, a runtime
   * without `stateDir`) the store is held in memory. Needs synchronous serdes.
   */
  persistent?: boolean;
}

export interface GlobalSpec<V> {
  /** A compacted reference topic, read in full by every instance. */
  topic: string;
  value: Serde<V>;
  /** Key codec (global table keys are strings in memory). Default UTF-8. */
  key?: Serde<string>;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Inputs = Record<string, InputSpec<any, any>>;
export type Outputs = Record<string, OutputSpec<any, any>>;
export type Stores = Record<string, StoreSpec<any>>;
export type Globals = Record<string, GlobalSpec<any>>;

export type KeyOf<T> = T extends InputSpec<infer K, any> ? K : T extends OutputSpec<infer K, any> ? K : never;
export type ValueOf<T> =
  T extends InputSpec<any, infer V> ? V : T extends OutputSpec<any, infer V> ? V : never;
export type StoreValueOf<T> = T extends StoreSpec<infer V> ? V : never;
export type GlobalValueOf<T> = T extends GlobalSpec<infer V> ? V : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

interface RecordMeta {
  /** Partition of the input topic = the task number. */
  partition: number;
  offset: number;
  /** Event time (the extractor's result, default the Kafka record timestamp). */
  timestamp: number;
  headers: RecordHeaders;
}

/** The record handed to `process`: a union discriminated by `topic`. */
export type InputRecord<I extends Inputs> = {
  [T in keyof I & string]: RecordMeta & { topic: T; key: KeyOf<I[T]>; value: ValueOf<I[T]> };
}[keyof I & string];

/** A task-local key/value store backed by a compacted changelog. Treat values as immutable. */
export interface KeyValueStore<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  put(key: string, value: V): void;
  delete(key: string): void;
  /** Every live entry of this task's store (use from punctuators for expiry scans). */
  entries(): IterableIterator<[string, V]>;
}

/** A task's store as processors see it. */
export interface TaskStore<V> extends KeyValueStore<V> {
  /**
   * Timed stores only (StoreSpec.timer): the keys whose due time lies in a bucket that ended at
   * or before `now`, not listed before; in due-time order (ties by key). Each key once per call.
   * Listing a key changes nothing: the caller updates or deletes the entry (a value written with
   * the same past due time is listed again at the next call).
   */
  due(now: number): string[];
}

/** A read-only view of a global table. */
export interface GlobalTable<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  values(): IterableIterator<V>;
  entries(): IterableIterator<[string, V]>;
  readonly size: number;
  /** Changes whenever the table does (an update or delete arrived): for caching what is derived from it. */
  readonly version: number;
}

export interface EmitOptions {
  /** Record timestamp; default: the input record's timestamp (stream time in punctuators). */
  timestamp?: number;
  /** Explicit partition; default: murmur2 of the key bytes (Kafka's default partitioner). */
  partition?: number;
  /**
   * Partition count of the topic, for a topic of `outputPrefixes` (the runtime knows the counts
   * of declared outputs only); needed unless `partition` is given.
   */
  partitions?: number;
}

export interface BaseContext<O extends Outputs, S extends Stores, G extends Globals> {
  /** Application id (transactional ids and changelog names derive from it). */
  readonly applicationId: string;
  /** Task number = input partition number. */
  readonly task: number;
  /** Largest event time seen by this task (including the current record). */
  readonly streamTime: number;
  store<N extends keyof S & string>(name: N): TaskStore<StoreValueOf<S[N]>>;
  global<N extends keyof G & string>(name: N): GlobalTable<GlobalValueOf<G[N]>>;
  /** Sends a record to an output topic, inside the task's transaction. `value: null` is a tombstone. */
  emit<T extends keyof O & string>(
    topic: T,
    key: KeyOf<O[T]>,
    value: ValueOf<O[T]> | null,
    headers?: OutputHeaders,
    options?: EmitOptions,
  ): void;
}

export interface ProcessorContext<O extends Outputs, S extends Stores, G extends Globals> extends BaseContext<
  O,
  S,
  G
> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly headers: RecordHeaders;
  /** Builds a rejection to return: `return ctx.reject('unknown enterprise')`. */
  reject(reason: string, options?: RejectionOptions): Rejection;
}

export interface PunctuationContext<
  O extends Outputs,
  S extends Stores,
  G extends Globals,
> extends BaseContext<O, S, G> {
  /** The stream time that triggered the punctuation. */
  readonly timestamp: number;
}

export type DeadLetterKind = 'deserialization' | 'rejected' | 'processing-error';

/** What the `onDeadLetter` hook learns about an input record that went to the DLQ. */
export interface DeadLetterInfo {
  kind: DeadLetterKind;
  reason: string;
  code?: string;
  details?: unknown;
  /** The DLQ topic the record was written to. */
  deadLetterTopic: string;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  headers: RecordHeaders;
  /** Original bytes. */
  rawKey: Buffer | null;
  rawValue: Buffer | null;
  /** Decoded key / value when decoding got that far. */
  key?: unknown;
  value?: unknown;
}

export interface Punctuator<O extends Outputs, S extends Stores, G extends Globals> {
  /** Unique within the definition; the schedule is checkpointed under this name. */
  name: string;
  /** Interval in ms of stream time; fires when stream time crosses a multiple of `every`. */
  every: number;
  punctuate(ctx: PunctuationContext<O, S, G>): void | Promise<void>;
}

export interface ProcessorDefinition<
  I extends Inputs = Inputs,
  O extends Outputs = Outputs,
  S extends Stores = Stores,
  G extends Globals = Globals,
> {
  /** Application id: default group id, `<name>-<task>` transactional ids, `<name>.<store>.changelog`. */
  name: string;
  /** Co-partitioned input topics: partition p of every input forms task p. */
  inputs: I;
  outputs: O;
  /**
   * Outputs named at run time: any topic starting with one of these prefixes (e.g. `feed.`, a
   * feed per registered participant). The runtime does not create them; an emit to one gives the
   * topic's partition count (`options.partitions`) or an explicit partition.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  outputPrefixes?: Record<string, OutputSpec<any, any>>;
  stores?: S;
  globals?: G;
  process(
    record: InputRecord<I>,
    ctx: ProcessorContext<O, S, G>,
  ): void | Rejection | Promise<void | Rejection>;
  punctuators?: ReadonlyArray<Punctuator<O, S, G>>;
  /**
   * Runs (inside the same transaction) for every input record written to a DLQ, e.g. to emit a
   * receipt to the sender. Its emits and store writes are kept; if it throws they are dropped
   * and the record still goes to the DLQ.
   */
  onDeadLetter?(info: DeadLetterInfo, ctx: ProcessorContext<O, S, G>): void | Promise<void>;
  /**
   * What an unexpected exception in `process` (not a rejection) does: `dead-letter` (default)
   * sends the record to the DLQ with kind `processing-error`; `fail` stops the task and marks the
   * runtime not alive (a deterministic bug would otherwise loop).
   */
  onProcessingError?: 'dead-letter' | 'fail';
}

/** Identity helper that infers the generic parameters of a definition. */
export function defineProcessor<
  I extends Inputs,
  O extends Outputs,
  S extends Stores = Record<never, never>,
  G extends Globals = Record<never, never>,
>(definition: ProcessorDefinition<I, O, S, G>): ProcessorDefinition<I, O, S, G> {
  return definition;
}

/** A definition with its type parameters erased (what runtimes accept). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProcessorDefinition = ProcessorDefinition<any, any, any, any>;
