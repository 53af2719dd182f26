import type {
  AnyProcessorDefinition,
  DeadLetterInfo,
  DeadLetterKind,
  EmitOptions,
  GlobalTable,
  InputSpec,
  OutputHeaders,
  OutputSpec,
  RecordHeaders,
  StoreSpec,
} from '../definition';
import { RejectedRecord, Rejection, errorMessage, isTransient } from '../errors';
import { redactError, scrubErrorText } from '../pii';
import type { Logger } from '../logger';
import { partitionForKey } from '../partitioner';
import { isPromiseLike, stringSerde } from '../serdes';
import { checkpointTopic, changelogTopic, deadLetterTopic, DLQ_HEADERS } from './names';
import { readDeadlineHeader, withDeadlineHeader } from './due-index';
import { LayeredStore, type ChangeEncoder, type EncodedChange, type StoreTimer } from './store';
import { DiskStore } from './disk-store';
import type { TaskDisk } from './state-dir';

/** A consumed record as bytes (transport independent). */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

/** A record to produce inside the task's transaction. */
export interface ProducedRecord {
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer>;
  timestamp: number;
}

/** What a task checkpoints (in `<app>.__checkpoint.changelog`) with every transaction. */
export interface TaskCheckpoint {
  v: 1;
  /** Next offset to consume per input topic (partition = task). */
  positions: Record<string, number>;
  streamTime: number;
  /** Next stream time at which each punctuator fires. */
  punctuators: Record<string, number>;
}

/** Raised by the engine when `onProcessingError: 'fail'` and `process` throws. */
export class FatalProcessingError extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
    readonly record?: { topic: string; partition: number; offset: number },
  ) {
    super(message);
    this.name = 'FatalProcessingError';
  }
}

interface Progress {
  positions: Map<string, number>;
  streamTime: number;
  nextPunctuation: Map<string, number>;
}

const NO_TIME = -1;

/**
 * Restored changelog values at least this large are kept as bytes and decoded on first access
 * when the store's serde is synchronous (most restored entries of a big store, e.g. a million
 * pending cases, are not read before they are written again or expire). Smaller ones are decoded
 * at once: a short string or number takes less memory decoded than as a Buffer.
 */
export const LAZY_RESTORE_MIN_BYTES = 128;

/**
 * Local state older than this is wiped rather than caught up: compaction removes a changelog's
 * tombstones after its `delete.retention.ms` (Kafka's default 24 h), so a tail read from an old
 * checkpoint could miss a deletion.
 */
export const DEFAULT_LOCAL_STATE_MAX_AGE_MS = 12 * 60 * 60 * 1000;

function cloneProgress(p: Progress): Progress {
  return {
    positions: new Map(p.positions),
    streamTime: p.streamTime,
    nextPunctuation: new Map(p.nextPunctuation),
  };
}

/** Where a restore of a task starts and whether the local state was kept. */
export interface RestorePlan {
  /** Start offset per restore topic the local state already covers (others: from the beginning). */
  starts: Map<string, number>;
  /** Why the local state was wiped, if it was. */
  wiped?: string;
}

/** The persistent stores of a task and where they live. */
export interface TaskPersistence {
  disk: TaskDisk;
  /** Names of the stores kept on disk. */
  stores: ReadonlySet<string>;
  /** The restore topics the local state covers: their changelogs and the checkpoint topic. */
  topics: ReadonlySet<string>;
  /** A local state written longer ago than this is not trusted (compaction may have dropped tombstones since). */
  maxAgeMs: number;
}

/** @internal the state of one task: its stores and its committed progress. */
export class TaskState {
  readonly stores = new Map<string, LayeredStore<unknown>>();
  committed: Progress = { positions: new Map(), streamTime: NO_TIME, nextPunctuation: new Map() };
  /** Next changelog offset per restore topic included in the local state (persistent stores). */
  private localOffsets = new Map<string, number>();

  /**
   * @param decoders synchronous value decoders of the stores that restore lazily
   * @param timers the timed stores' deadline functions
   * @param compact the stores that keep committed values encoded
   * @param persistence the stores kept on disk, when the runtime has a state directory
   */
  constructor(
    readonly id: number,
    storeNames: readonly string[],
    decoders: ReadonlyMap<string, (bytes: Buffer) => unknown> = new Map(),
    timers: ReadonlyMap<string, StoreTimer<unknown>> = new Map(),
    compact: ReadonlySet<string> = new Set(),
    readonly persistence?: TaskPersistence,
  ) {
    for (const name of storeNames)
      this.stores.set(
        name,
        persistence?.stores.has(name)
          ? new DiskStore(name, decoders.get(name)!, timers.get(name), persistence.disk)
          : new LayeredStore(name, decoders.get(name), timers.get(name), compact.has(name)),
      );
  }

  get streamTime(): number {
    return this.committed.streamTime;
  }

  applyCheckpoint(cp: TaskCheckpoint): void {
    this.committed = {
      positions: new Map(Object.entries(cp.positions)),
      streamTime: cp.streamTime,
      nextPunctuation: new Map(Object.entries(cp.punctuators)),
    };
  }

  /** Drops the in-memory state (a persistent store's data stays on disk: see `planRestore`). */
  reset(): void {
    for (const store of this.stores.values()) store.clear();
    this.committed = { positions: new Map(), streamTime: NO_TIME, nextPunctuation: new Map() };
    this.localOffsets = new Map();
  }

  /**
   * Before a restore: opens and checks the local state (wiping what cannot be trusted) and says
   * from where each restore topic it covers is read. `bounds`: the log start and end offset of
   * each restore topic's partition of this task.
   */
  planRestore(bounds: ReadonlyMap<string, { low: number; high: number }>): RestorePlan {
    const p = this.persistence;
    const starts = new Map<string, number>();
    if (!p) return { starts };
    let wiped = p.disk.open();
    const cp = p.disk.checkpoint();
    let reason: string | undefined;
    if (!cp) {
      if (!wiped) return { starts }; // nothing local yet
    } else if (Date.now() - cp.writtenAt > p.maxAgeMs) {
      reason = `local checkpoint is ${Math.round((Date.now() - cp.writtenAt) / 60_000)} min old`;
    } else {
      for (const topic of p.topics) {
        const offset = cp.offsets[topic];
        const b = bounds.get(topic);
        if (offset === undefined || !b) reason = `local checkpoint has no offset for ${topic}`;
        else if (offset > b.high || offset < b.low)
          reason = `local checkpoint ${topic}@${offset} lies outside the changelog (${b.low}..${b.high})`;
        if (reason) break;
      }
    }
    if (reason) {
      p.disk.wipe(reason);
      wiped = reason;
    } else if (cp) {
      for (const topic of p.topics) starts.set(topic, cp.offsets[topic]);
      this.localOffsets = new Map(Object.entries(cp.offsets));
      if (cp.progress) this.applyCheckpoint(cp.progress);
    }
    for (const store of this.stores.values()) if (store instanceof DiskStore) store.clear(); // due cursors
    return { starts, wiped };
  }

  /** Writes the persistent stores' restored records of a fetched batch in one LMDB transaction. */
  flushRestored(): void {
    this.persistence?.disk.batch(() => this.flushRestoredStores());
  }

  /** After a restore: the local state now reaches `positions` (next offset per restore topic). */
  restoreFinished(positions: ReadonlyMap<string, number>): void {
    const p = this.persistence;
    if (!p) return;
    for (const topic of p.topics) {
      const position = positions.get(topic);
      if (position !== undefined) this.localOffsets.set(topic, position);
    }
    this.commitLocal(() => this.flushRestoredStores(), this.committed);
  }

  private flushRestoredStores(): void {
    for (const store of this.stores.values()) if (store instanceof DiskStore) store.flushRestored();
  }

  /**
   * A transaction committed in Kafka: its writes become the committed state; the persistent
   * stores' writes and the local checkpoint (`produced`: next offset per restore topic after the
   * transaction's records) go to disk in one LMDB transaction.
   */
  commitTransaction(work: Progress, produced?: ReadonlyMap<string, number>): void {
    const p = this.persistence;
    if (!p) {
      for (const store of this.stores.values()) store.commitTxn();
    } else {
      for (const store of this.stores.values()) if (!(store instanceof DiskStore)) store.commitTxn();
      if (produced)
        for (const [topic, next] of produced)
          if (p.topics.has(topic) && next > (this.localOffsets.get(topic) ?? -1))
            this.localOffsets.set(topic, next);
      this.commitLocal(() => {
        for (const store of this.stores.values()) if (store instanceof DiskStore) store.commitTxn();
      }, work);
    }
    this.committed = work;
  }

  private commitLocal(fn: () => void, progress: Progress): void {
    const p = this.persistence!;
    p.disk.commit(fn, {
      offsets: Object.fromEntries(this.localOffsets),
      progress:
        progress.streamTime === NO_TIME && progress.positions.size === 0 ? null : toCheckpoint(progress),
    });
  }
}

function toCheckpoint(p: Progress): TaskCheckpoint {
  return {
    v: 1,
    positions: Object.fromEntries(p.positions),
    streamTime: p.streamTime,
    punctuators: Object.fromEntries(p.nextPunctuation),
  };
}

/** @internal one open transaction of a task: what it produced and its working progress. */
export class Txn {
  readonly produced: ProducedRecord[] = [];
  readonly work: Progress;
  recordsIn = 0;
  readonly inByTopic = new Map<string, number>();
  readonly deadLetters: Array<{ topic: string; kind: DeadLetterKind }> = [];
  punctuations = 0;
  /** Input offsets covered by this transaction, per topic (last processed + 1). */
  readonly consumed = new Map<string, number>();

  constructor(readonly task: TaskState) {
    this.work = cloneProgress(task.committed);
  }

  get isEmpty(): boolean {
    return this.recordsIn === 0 && this.produced.length === 0 && this.punctuations === 0;
  }
}

interface PendingEmit {
  topic: string;
  key: unknown;
  value: unknown;
  headers?: OutputHeaders;
  options?: EmitOptions;
  defaultTimestamp: number;
}

/** The engine's view of global tables (the runtime and the driver provide them). */
export type GlobalTables = ReadonlyMap<string, GlobalTable<unknown>>;

export interface EngineOptions {
  applicationId: string;
  /** Partition count of an output / DLQ topic. */
  partitionsOf(topic: string): number;
  globals: GlobalTables;
  logger: Logger;
}

function toBufferHeaders(headers: OutputHeaders | undefined): Record<string, Buffer> | undefined {
  if (!headers) return undefined;
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    out[name] = Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
  }
  return out;
}

/**
 * @internal
 * Runs a processor definition over raw records of one task: decoding, staging of store writes
 * and emits per record, rejection and dead-lettering, stream time and punctuation, and the
 * encoding of changelog and checkpoint records. Transport-free: the Kafka runtime and the test
 * driver both drive it, so they cannot disagree on semantics.
 */
export class TaskEngine {
  readonly applicationId: string;
  readonly storeNames: readonly string[];
  private readonly inputs: Record<string, InputSpec<unknown, unknown>>;
  private readonly outputs: Record<string, OutputSpec<unknown, unknown>>;
  private readonly stores: Record<string, StoreSpec<unknown>>;
  private readonly checkpointTopicName: string;
  private readonly changelogTopics = new Map<string, string>();
  /** Store name by changelog topic. */
  private readonly storeByChangelog = new Map<string, string>();
  /** Value decoders of the stores whose serdes are synchronous (lazy restore). */
  private readonly lazyDecoders = new Map<string, (bytes: Buffer) => unknown>();
  /**
   * Changelog encoders of the stores whose serdes are synchronous: their writes are encoded once
   * per transaction and key (the last value), not once per record.
   */
  private readonly deferredEncoders = new Map<string, ChangeEncoder<unknown>>();
  /** Deadline functions of the timed stores. */
  private readonly timers = new Map<string, StoreTimer<unknown>>();
  /** Stores that keep committed values as their changelog bytes. */
  private readonly compactStores = new Set<string>();
  /** Stores kept on disk when the runtime has a state directory (StoreSpec.persistent). */
  readonly persistentStores = new Set<string>();

  constructor(
    readonly definition: AnyProcessorDefinition,
    private readonly options: EngineOptions,
  ) {
    this.applicationId = options.applicationId;
    this.inputs = definition.inputs;
    this.outputs = definition.outputs;
    this.stores = definition.stores ?? {};
    this.storeNames = Object.keys(this.stores);
    this.checkpointTopicName = checkpointTopic(this.applicationId);
    for (const name of this.storeNames) {
      const topic = changelogTopic(this.applicationId, name);
      this.changelogTopics.set(name, topic);
      this.storeByChangelog.set(topic, name);
      const value = this.stores[name].value;
      if (value.sync) this.lazyDecoders.set(name, (bytes) => value.deserialize(topic, bytes));
      const timer = this.stores[name].timer;
      if (timer) {
        if (!value.sync || !(this.stores[name].key ?? stringSerde).sync)
          throw new Error(
            `${this.applicationId}: timed store ${name} needs synchronous key and value serdes`,
          );
        this.timers.set(name, { deadline: timer.deadline, resolutionMs: timer.resolutionMs ?? 60_000 });
      }
      const key = this.stores[name].key ?? stringSerde;
      if (this.stores[name].compact) {
        if (!value.sync || !key.sync)
          throw new Error(
            `${this.applicationId}: compact store ${name} needs synchronous key and value serdes`,
          );
        this.compactStores.add(name);
      }
      if (this.stores[name].persistent) {
        if (!value.sync || !key.sync)
          throw new Error(
            `${this.applicationId}: persistent store ${name} needs synchronous key and value serdes`,
          );
        this.persistentStores.add(name);
      }
      if (value.sync && key.sync)
        this.deferredEncoders.set(name, (k, v) => ({
          key: key.serialize(topic, k) as Buffer,
          value: v === undefined ? null : this.encodeStoreValue(name, topic, v),
        }));
    }
  }

  /**
   * A task's state; with `disk`, the persistent stores live in it (`maxAgeMs`: the oldest local
   * state a restore trusts).
   */
  newTask(id: number, disk?: TaskDisk, maxAgeMs = DEFAULT_LOCAL_STATE_MAX_AGE_MS): TaskState {
    const persistence: TaskPersistence | undefined =
      disk && this.persistentStores.size > 0
        ? {
            disk,
            stores: this.persistentStores,
            topics: new Set(this.persistentTopics),
            maxAgeMs,
          }
        : undefined;
    return new TaskState(
      id,
      this.storeNames,
      this.lazyDecoders,
      this.timers,
      this.compactStores,
      persistence,
    );
  }

  /** The restore topics a task's local state covers: the checkpoint topic and the persistent stores' changelogs. */
  get persistentTopics(): string[] {
    return [this.checkpointTopicName, ...[...this.persistentStores].map((n) => this.changelogTopics.get(n)!)];
  }

  /** What the persistent stores' local data depends on: local state of another layout is wiped. */
  get persistentLayout(): string {
    return [...this.persistentStores]
      .sort()
      .map((name) => {
        const timer = this.timers.get(name);
        return `${this.changelogTopics.get(name)}${timer ? `@${timer.resolutionMs}` : ''}`;
      })
      .join(',');
  }

  /** A store value's changelog bytes (timed stores: the deadline header first). */
  private encodeStoreValue(name: string, topic: string, value: unknown): Buffer {
    const bytes = this.stores[name].value.serialize(topic, value) as Buffer;
    const timer = this.timers.get(name);
    return timer ? withDeadlineHeader(timer.deadline(value), bytes) : bytes;
  }

  beginTxn(task: TaskState): Txn {
    return new Txn(task);
  }

  /**
   * Processes one input record into the transaction. Throws only {@link FatalProcessingError},
   * or a transient serde error ({@link isTransient}: the transaction is to be dropped and the
   * record processed again later).
   */
  async process(txn: Txn, raw: RawRecord): Promise<void> {
    txn.recordsIn++;
    txn.inByTopic.set(raw.topic, (txn.inByTopic.get(raw.topic) ?? 0) + 1);
    this.markConsumed(txn, raw.topic, raw.offset + 1);

    const spec = this.inputs[raw.topic];
    if (!spec) {
      await this.deadLetter(
        txn,
        raw,
        'deserialization',
        `topic ${raw.topic} is not an input of ${this.applicationId}`,
      );
      return;
    }

    let key: unknown;
    let value: unknown;
    let stage = 'key';
    try {
      if (raw.key === null) {
        if (!spec.key.nullable) throw new Error('record has no key');
        key = null;
      } else {
        const k = spec.key.deserialize(raw.topic, raw.key);
        key = isPromiseLike(k) ? await k : k;
      }
      stage = 'value';
      if (raw.value === null) {
        if (!spec.value.nullable) throw new Error('record has a null value (tombstone)');
        value = null;
      } else {
        const v = spec.value.deserialize(raw.topic, raw.value);
        value = isPromiseLike(v) ? await v : v;
      }
    } catch (error) {
      // a dependency away (the registry): not the record's fault; the task retries it later
      if (isTransient(error)) throw error;
      await this.deadLetter(
        txn,
        raw,
        'deserialization',
        `${stage} deserialization failed: ${errorMessage(error)}`,
        undefined,
        {
          key: stage === 'value' ? key : undefined,
        },
      );
      return;
    }

    let timestamp = raw.timestamp;
    if (spec.timestamp) {
      try {
        timestamp = spec.timestamp({ key, value, timestamp: raw.timestamp, headers: raw.headers });
        if (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
          throw new Error(`extracted timestamp ${timestamp} is not a number`);
      } catch (error) {
        await this.deadLetter(
          txn,
          raw,
          'deserialization',
          `timestamp extraction failed: ${errorMessage(error)}`,
          undefined,
          { key, value },
        );
        return;
      }
    }
    if (timestamp > txn.work.streamTime) txn.work.streamTime = timestamp;

    const pending: PendingEmit[] = [];
    const ctx = this.recordContext(txn, raw, timestamp, pending);
    let outcome: 'ok' | Rejection;
    try {
      const returned = this.definition.process(
        {
          topic: raw.topic,
          key,
          value,
          partition: raw.partition,
          offset: raw.offset,
          timestamp,
          headers: raw.headers,
        },
        ctx,
      );
      const result = isPromiseLike(returned) ? await returned : returned;
      outcome = result instanceof Rejection ? result : 'ok';
      if (outcome === 'ok') {
        const staged = this.commitRecordStage(txn, pending);
        if (staged) await staged;
      }
    } catch (error) {
      this.rollbackRecordStage(txn);
      if (error instanceof RejectedRecord) {
        outcome = error.rejection;
      } else {
        if (this.definition.onProcessingError === 'fail') {
          throw new FatalProcessingError(
            `process failed on ${raw.topic}[${raw.partition}]@${raw.offset}: ${errorMessage(error)}`,
            error,
            {
              topic: raw.topic,
              partition: raw.partition,
              offset: raw.offset,
            },
          );
        }
        this.options.logger.warn(
          { topic: raw.topic, partition: raw.partition, offset: raw.offset, err: redactError(error) },
          'process threw; record goes to the dead-letter topic',
        );
        await this.deadLetter(
          txn,
          raw,
          'processing-error',
          `processing failed: ${errorMessage(error)}`,
          undefined,
          { key, value },
        );
        await this.punctuate(txn);
        return;
      }
    }
    if (outcome !== 'ok') {
      this.rollbackRecordStage(txn);
      await this.deadLetter(txn, raw, 'rejected', outcome.reason, outcome, { key, value });
    }
    await this.punctuate(txn);
  }

  /** Advances the task's stream time by hand (test driver) and runs due punctuators. */
  async advanceStreamTime(txn: Txn, timestamp: number): Promise<void> {
    if (timestamp > txn.work.streamTime) txn.work.streamTime = timestamp;
    await this.punctuate(txn);
  }

  /** Records the consumed position (e.g. the batch's last offset + 1, past control records). */
  markConsumed(txn: Txn, topic: string, nextOffset: number): void {
    const current = txn.work.positions.get(topic);
    if (current === undefined || nextOffset > current) txn.work.positions.set(topic, nextOffset);
    const consumed = txn.consumed.get(topic);
    if (consumed === undefined || nextOffset > consumed) txn.consumed.set(topic, nextOffset);
  }

  /** Everything the transaction must write: outputs, DLQ, changelog records, then the checkpoint. */
  changelogRecords(txn: Txn): ProducedRecord[] {
    const task = txn.task;
    const ts = txn.work.streamTime >= 0 ? txn.work.streamTime : Date.now();
    const records: ProducedRecord[] = [];
    for (const [name, store] of task.stores) {
      if (!store.hasPendingChanges) continue;
      const topic = this.changelogTopics.get(name)!;
      for (const change of store.pendingChanges(this.deferredEncoders.get(name))) {
        records.push({ topic, partition: task.id, key: change.key, value: change.value, timestamp: ts });
      }
    }
    const checkpoint = toCheckpoint(txn.work);
    records.push({
      topic: this.checkpointTopicName,
      partition: task.id,
      key: Buffer.from(String(task.id), 'utf8'),
      value: Buffer.from(JSON.stringify(checkpoint), 'utf8'),
      timestamp: ts,
    });
    return records;
  }

  /**
   * The transaction committed: its writes become the committed state. `produced`: the next
   * offset per changelog/checkpoint topic after its records (persistent stores' local checkpoint).
   */
  commitTxn(txn: Txn, produced?: ReadonlyMap<string, number>): void {
    txn.task.commitTransaction(txn.work, produced);
  }

  /** The transaction aborted: drop its writes; the committed state is untouched. */
  abortTxn(txn: Txn): void {
    for (const store of txn.task.stores.values()) store.rollbackTxn();
  }

  /**
   * Restore: applies one changelog record to a task. Synchronous (no promise) when the store's
   * serdes are: a restore applies millions of records.
   */
  restoreRecord(
    task: TaskState,
    topic: string,
    key: Buffer | null,
    value: Buffer | null,
  ): void | Promise<void> {
    if (topic === this.checkpointTopicName) {
      if (value === null) return;
      const cp = JSON.parse(value.toString('utf8')) as TaskCheckpoint;
      if (cp.v !== 1) throw new Error(`unknown checkpoint version ${String(cp.v)}`);
      task.applyCheckpoint(cp);
      return;
    }
    const storeName = this.storeByChangelog.get(topic);
    if (!storeName || key === null) return;
    const spec = this.stores[storeName];
    const store = task.stores.get(storeName)!;
    const k = (spec.key ?? stringSerde).deserialize(topic, key);
    if (isPromiseLike(k)) return k.then((key) => this.restoreValue(store, spec, topic, key, value));
    return this.restoreValue(store, spec, topic, k, value);
  }

  private restoreValue(
    store: LayeredStore<unknown>,
    spec: StoreSpec<unknown>,
    topic: string,
    key: string,
    value: Buffer | null,
  ): void | Promise<void> {
    if (store instanceof DiskStore) {
      store.restoreRaw(key, value);
      return;
    }
    if (value === null) {
      store.restoreDelete(key);
      return;
    }
    if (store.timed) {
      // header with the deadline; a value without one (written before the store was timed) is
      // decoded now, and its deadline computed, below
      const { deadline, payload } = readDeadlineHeader(value);
      if (deadline !== 'unknown') {
        if (payload.length >= LAZY_RESTORE_MIN_BYTES && store.decodesLazily) {
          store.restoreEncoded(key, payload, deadline);
          return;
        }
        value = payload;
      }
    } else if (value.length >= LAZY_RESTORE_MIN_BYTES && store.decodesLazily) {
      store.restoreEncoded(key, value);
      return;
    }
    const v = spec.value.deserialize(topic, value);
    if (isPromiseLike(v)) return v.then((decoded) => store.restorePut(key, decoded));
    store.restorePut(key, v);
  }

  storeForChangelog(topic: string): string | undefined {
    for (const [name, t] of this.changelogTopics) if (t === topic) return name;
    return undefined;
  }

  get restoreTopics(): string[] {
    return [this.checkpointTopicName, ...this.changelogTopics.values()];
  }

  // --- internals -------------------------------------------------------------------------

  private recordContext(txn: Txn, raw: RawRecord, timestamp: number, pending: PendingEmit[]): RecordContext {
    return new RecordContext(this, txn, pending, timestamp, raw);
  }

  /** @internal used by the context classes */
  checkEmit(topic: string): void {
    if (!this.outputs[topic] && !this.prefixOutput(topic))
      throw new Error(`emit to ${JSON.stringify(topic)}: not an output of ${this.applicationId}`);
  }

  /** @internal */
  globalTable(name: string): GlobalTable<unknown> {
    const table = this.options.globals.get(name);
    if (!table)
      throw new Error(
        `unknown global table ${JSON.stringify(name)} (declare it in the definition's globals)`,
      );
    return table;
  }

  /** The spec of the `outputPrefixes` entry `topic` starts with, if any. */
  private prefixOutput(topic: string): OutputSpec<unknown, unknown> | undefined {
    const prefixes = this.definition.outputPrefixes;
    if (!prefixes) return undefined;
    for (const p in prefixes) if (topic.startsWith(p)) return prefixes[p];
    return undefined;
  }

  /** An emit's record; a promise only when one of its serdes answers with one. */
  private encodeEmit(txn: Txn, e: PendingEmit): ProducedRecord | Promise<ProducedRecord> {
    const spec = this.outputs[e.topic] ?? this.prefixOutput(e.topic)!;
    const k = e.key !== null && e.key !== undefined ? spec.key.serialize(e.topic, e.key) : null;
    const v = e.value !== null && e.value !== undefined ? spec.value.serialize(e.topic, e.value) : null;
    if (isPromiseLike(k) || isPromiseLike(v))
      return Promise.all([k, v]).then(([key, value]) => this.emitRecord(txn, e, key, value));
    return this.emitRecord(txn, e, k, v);
  }

  private emitRecord(txn: Txn, e: PendingEmit, key: Buffer | null, value: Buffer | null): ProducedRecord {
    const partitions = this.outputs[e.topic] ? this.options.partitionsOf(e.topic) : e.options?.partitions;
    if (partitions === undefined) {
      if (e.options?.partition === undefined)
        throw new Error(
          `emit to ${e.topic} (a topic of outputPrefixes): give options.partitions or options.partition`,
        );
      return {
        topic: e.topic,
        partition: e.options.partition,
        key,
        value,
        headers: toBufferHeaders(e.headers),
        timestamp: e.options?.timestamp ?? e.defaultTimestamp,
      };
    }
    let partition: number;
    if (e.options?.partition !== undefined) {
      partition = e.options.partition;
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
        throw new Error(`emit to ${e.topic}: partition ${partition} out of range (0..${partitions - 1})`);
      }
    } else {
      partition = key ? partitionForKey(key, partitions) : txn.task.id % partitions;
    }
    return {
      topic: e.topic,
      partition,
      key,
      value,
      headers: toBufferHeaders(e.headers),
      timestamp: e.options?.timestamp ?? e.defaultTimestamp,
    };
  }

  /**
   * Encodes the record's emits and store writes, then moves them into the transaction. Throws on
   * encoding errors. Synchronous (no promise, no microtask) when every serde involved is: the
   * usual case, three times per parcel in the matcher.
   */
  private commitRecordStage(txn: Txn, pending: PendingEmit[]): void | Promise<void> {
    const produced: ProducedRecord[] = [];
    for (let i = 0; i < pending.length; i++) {
      const r = this.encodeEmit(txn, pending[i]);
      if (isPromiseLike(r)) return this.commitRecordStageAsync(txn, pending, produced, r, i);
      produced.push(r);
    }
    let eager = false;
    for (const [name, store] of txn.task.stores)
      if (store.hasRecordWrites && !this.deferredEncoders.has(name)) eager = true;
    if (eager) return this.commitRecordStageAsync(txn, pending, produced, undefined, pending.length);
    this.moveRecordStage(txn, produced, undefined);
  }

  /** The record stage with asynchronous serdes: emits from `from` on (the one at `from` pending), then the eager store writes. */
  private async commitRecordStageAsync(
    txn: Txn,
    pending: PendingEmit[],
    produced: ProducedRecord[],
    current: Promise<ProducedRecord> | undefined,
    from: number,
  ): Promise<void> {
    if (current) produced.push(await current);
    for (let i = current ? from + 1 : from; i < pending.length; i++)
      produced.push(await this.encodeEmit(txn, pending[i]));
    const encodedByStore = new Map<string, Map<string, EncodedChange>>();
    for (const [name, store] of txn.task.stores) {
      if (!store.hasRecordWrites || this.deferredEncoders.has(name)) continue;
      const spec = this.stores[name];
      const topic = this.changelogTopics.get(name)!;
      const encoded = new Map<string, EncodedChange>();
      for (const [key, value] of store.recordWrites()) {
        const kr = (spec.key ?? stringSerde).serialize(topic, key);
        let vb: Buffer | null = null;
        if (value !== undefined) {
          const vr = spec.value.serialize(topic, value);
          vb = isPromiseLike(vr) ? await vr : vr;
        }
        encoded.set(key, { key: isPromiseLike(kr) ? await kr : kr, value: vb });
      }
      encodedByStore.set(name, encoded);
    }
    this.moveRecordStage(txn, produced, encodedByStore);
  }

  private moveRecordStage(
    txn: Txn,
    produced: ProducedRecord[],
    encodedByStore: Map<string, Map<string, EncodedChange>> | undefined,
  ): void {
    if (encodedByStore)
      for (const [name, encoded] of encodedByStore) txn.task.stores.get(name)!.commitRecord(encoded);
    for (const name of this.deferredEncoders.keys()) {
      const store = txn.task.stores.get(name)!;
      if (store.hasRecordWrites) store.commitRecordDeferred();
    }
    for (const record of produced) txn.produced.push(record);
  }

  private rollbackRecordStage(txn: Txn): void {
    for (const store of txn.task.stores.values()) store.rollbackRecord();
  }

  private async deadLetter(
    txn: Txn,
    raw: RawRecord,
    kind: DeadLetterKind,
    reason: string,
    rejection?: Rejection,
    decoded: { key?: unknown; value?: unknown } = {},
  ): Promise<void> {
    this.rollbackRecordStage(txn);
    const dlqTopic = deadLetterTopic(raw.topic);
    const headers: Record<string, Buffer> = { ...raw.headers };
    headers[DLQ_HEADERS.reason] = Buffer.from(reason, 'utf8');
    headers[DLQ_HEADERS.kind] = Buffer.from(kind, 'utf8');
    if (rejection?.code) headers[DLQ_HEADERS.code] = Buffer.from(rejection.code, 'utf8');
    headers[DLQ_HEADERS.topic] = Buffer.from(raw.topic, 'utf8');
    headers[DLQ_HEADERS.partition] = Buffer.from(String(raw.partition), 'utf8');
    headers[DLQ_HEADERS.offset] = Buffer.from(String(raw.offset), 'utf8');
    headers[DLQ_HEADERS.timestamp] = Buffer.from(String(raw.timestamp), 'utf8');
    headers[DLQ_HEADERS.app] = Buffer.from(this.applicationId, 'utf8');
    txn.produced.push({
      topic: dlqTopic,
      partition: raw.partition % this.options.partitionsOf(dlqTopic),
      key: raw.key,
      value: raw.value,
      headers,
      timestamp: raw.timestamp,
    });
    txn.deadLetters.push({ topic: raw.topic, kind });
    // An error's text is scrubbed (it may quote the record: pii.ts); a rejection's reason is the
    // processor's free text about the document and stays in the DLQ header only (its code is logged).
    this.options.logger[kind === 'deserialization' ? 'info' : 'debug'](
      {
        topic: raw.topic,
        partition: raw.partition,
        offset: raw.offset,
        kind,
        ...(rejection ? { code: rejection.code ?? null } : { reason: scrubErrorText(reason) }),
        deadLetterTopic: dlqTopic,
      },
      'record sent to the dead-letter topic',
    );

    const hook = this.definition.onDeadLetter;
    if (!hook) return;
    const info: DeadLetterInfo = {
      kind,
      reason,
      code: rejection?.code,
      details: rejection?.details,
      deadLetterTopic: dlqTopic,
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      timestamp: raw.timestamp,
      headers: raw.headers,
      rawKey: raw.key,
      rawValue: raw.value,
      ...('key' in decoded ? { key: decoded.key } : {}),
      ...('value' in decoded ? { value: decoded.value } : {}),
    };
    const pending: PendingEmit[] = [];
    const ctx = this.recordContext(txn, raw, raw.timestamp, pending);
    try {
      const r = hook.call(this.definition, info, ctx);
      if (isPromiseLike(r)) await r;
      await this.commitRecordStage(txn, pending);
    } catch (error) {
      this.rollbackRecordStage(txn);
      this.options.logger.error(
        { topic: raw.topic, partition: raw.partition, offset: raw.offset, err: redactError(error) },
        'onDeadLetter hook failed; the record is in the DLQ without its receipt',
      );
    }
  }

  private async punctuate(txn: Txn): Promise<void> {
    const punctuators = this.definition.punctuators;
    if (!punctuators || punctuators.length === 0) return;
    const now = txn.work.streamTime;
    if (now < 0) return;
    for (const p of punctuators) {
      const next = txn.work.nextPunctuation.get(p.name);
      const boundaryAfterNow = (Math.floor(now / p.every) + 1) * p.every;
      if (next === undefined) {
        txn.work.nextPunctuation.set(p.name, boundaryAfterNow);
        continue;
      }
      if (now < next) continue;
      txn.work.nextPunctuation.set(p.name, boundaryAfterNow);
      txn.punctuations++;
      const pending: PendingEmit[] = [];
      const ctx = new PunctuationContextImpl(this, txn, pending, now);
      try {
        const r = p.punctuate(ctx);
        if (isPromiseLike(r)) await r;
        const staged = this.commitRecordStage(txn, pending);
        if (staged) await staged;
      } catch (error) {
        this.rollbackRecordStage(txn);
        if (this.definition.onProcessingError === 'fail') {
          throw new FatalProcessingError(`punctuator ${p.name} failed: ${errorMessage(error)}`, error);
        }
        this.options.logger.error(
          { punctuator: p.name, task: txn.task.id, err: redactError(error) },
          'punctuator failed; its writes are dropped',
        );
      }
    }
  }
}

/** The context shared by process, onDeadLetter and punctuators (a class: no closures per record). */
class BaseContextImpl {
  constructor(
    protected readonly engine: TaskEngine,
    protected readonly txn: Txn,
    private readonly pending: PendingEmit[],
    private readonly defaultTimestamp: number,
  ) {}

  get applicationId(): string {
    return this.engine.applicationId;
  }

  get task(): number {
    return this.txn.task.id;
  }

  get streamTime(): number {
    return this.txn.work.streamTime;
  }

  store(name: string): LayeredStore<unknown> {
    const store = this.txn.task.stores.get(name);
    if (!store)
      throw new Error(`unknown store ${JSON.stringify(name)} (declare it in the definition's stores)`);
    return store;
  }

  global(name: string): GlobalTable<unknown> {
    return this.engine.globalTable(name);
  }

  emit(topic: string, key: unknown, value: unknown, headers?: OutputHeaders, options?: EmitOptions): void {
    this.engine.checkEmit(topic);
    this.pending.push({ topic, key, value, headers, options, defaultTimestamp: this.defaultTimestamp });
  }
}

class RecordContext extends BaseContextImpl {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly headers: RecordHeaders;

  constructor(
    engine: TaskEngine,
    txn: Txn,
    pending: PendingEmit[],
    readonly timestamp: number,
    raw: RawRecord,
  ) {
    super(engine, txn, pending, timestamp);
    this.topic = raw.topic;
    this.partition = raw.partition;
    this.offset = raw.offset;
    this.headers = raw.headers;
  }

  reject(reason: string, options?: { code?: string; details?: unknown }): Rejection {
    return new Rejection(reason, options);
  }
}

class PunctuationContextImpl extends BaseContextImpl {
  constructor(
    engine: TaskEngine,
    txn: Txn,
    pending: PendingEmit[],
    readonly timestamp: number,
  ) {
    super(engine, txn, pending, timestamp);
  }
}
