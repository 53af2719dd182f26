import { createHash, type Hash } from 'node:crypto';
import type { AnyProcessorDefinition } from '../definition';
import { TaskEngine, type RawRecord, type TaskState, type Txn } from '../internal/engine';
import { GlobalTableImpl } from '../internal/global-table';
import { silentLogger } from '../logger';
import { partitionForKey } from '../partitioner';
import { isPromiseLike } from '../serdes';

const resolve = async <T>(v: T | Promise<T>): Promise<T> => (isPromiseLike(v) ? await v : v);

export interface BatchDriverOptions {
  applicationId?: string;
  /** Partition count of the inputs = number of tasks. Default 12. */
  partitions?: number;
  /** Records per task transaction (the runtime's are bounded by size and commit interval). Default 500. */
  recordsPerTxn?: number;
}

/** What a batch run wrote, per topic: record count, bytes, and a sha256 over keys and values. */
export interface BatchTopicSummary {
  records: number;
  bytes: number;
  sha256: string;
}

/**
 * The engine without Kafka, for measuring a processor's own cost per record: records are processed
 * in transactions of `recordsPerTxn` per task, like the runtime's (outputs encoded, store writes
 * staged and encoded once per transaction and key, committed values kept as the runtime keeps
 * them), and what they produce is only counted and digested, not kept. Not a test harness (see
 * {@link TestDriver}): no DLQ inspection, no punctuation by hand, no re-piping.
 */
export class BatchDriver {
  private readonly engine: TaskEngine;
  private readonly globals = new Map<string, GlobalTableImpl<unknown>>();
  private readonly tasks = new Map<number, { state: TaskState; txn: Txn | null; n: number }>();
  private readonly summary = new Map<string, { records: number; bytes: number; hash: Hash }>();
  private readonly offsets = new Map<string, number>();
  readonly partitions: number;
  private readonly recordsPerTxn: number;

  constructor(
    private readonly definition: AnyProcessorDefinition,
    options: BatchDriverOptions = {},
  ) {
    this.partitions = options.partitions ?? 12;
    this.recordsPerTxn = options.recordsPerTxn ?? 500;
    for (const name of Object.keys(definition.globals ?? {}))
      this.globals.set(name, new GlobalTableImpl(name));
    this.engine = new TaskEngine(definition, {
      applicationId: options.applicationId ?? definition.name,
      partitionsOf: () => this.partitions,
      globals: this.globals,
      logger: silentLogger,
    });
  }

  /** Sets a global table entry (the value round-tripped through the table's serde); null deletes. */
  async setGlobal(name: string, key: string, value: unknown): Promise<void> {
    const spec = (this.definition.globals ?? {})[name];
    const table = this.globals.get(name);
    if (!spec || !table) throw new Error(`unknown global table ${name}`);
    if (value === null) {
      table.delete(key);
      return;
    }
    const bytes = await resolve(spec.value.serialize(spec.topic, value));
    table.set(key, await resolve(spec.value.deserialize(spec.topic, bytes)));
  }

  /** Processes one input record (partition by the key's murmur2, as a producer would pick). */
  async process(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number): Promise<void> {
    const partition = key ? partitionForKey(key, this.partitions) : 0;
    let t = this.tasks.get(partition);
    if (!t) {
      t = { state: this.engine.newTask(partition), txn: null, n: 0 };
      this.tasks.set(partition, t);
    }
    t.txn ??= this.engine.beginTxn(t.state);
    const offsetKey = `${topic}/${partition}`;
    const offset = this.offsets.get(offsetKey) ?? 0;
    this.offsets.set(offsetKey, offset + 1);
    const raw: RawRecord = { topic, partition, offset, timestamp, key, value, headers: {} };
    await this.engine.process(t.txn, raw);
    if (++t.n >= this.recordsPerTxn) this.commit(t);
  }

  /** Commits every open transaction. */
  flush(): void {
    for (const t of this.tasks.values()) this.commit(t);
  }

  /** Per topic written so far (outputs, DLQs, changelogs, checkpoints). */
  written(): Record<string, BatchTopicSummary> {
    const out: Record<string, BatchTopicSummary> = {};
    for (const [topic, s] of [...this.summary].sort(([a], [b]) => a.localeCompare(b)))
      out[topic] = { records: s.records, bytes: s.bytes, sha256: s.hash.copy().digest('hex') };
    return out;
  }

  private commit(t: { state: TaskState; txn: Txn | null; n: number }): void {
    const txn = t.txn;
    if (!txn) return;
    for (const r of [...txn.produced, ...this.engine.changelogRecords(txn)]) {
      let s = this.summary.get(r.topic);
      if (!s) {
        s = { records: 0, bytes: 0, hash: createHash('sha256') };
        this.summary.set(r.topic, s);
      }
      s.records++;
      // checkpoints carry positions only; their bytes do not depend on the processor's work
      if (r.topic.endsWith('.__checkpoint.changelog')) continue;
      s.bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      if (r.key) s.hash.update(r.key);
      if (r.value) s.hash.update(r.value);
    }
    this.engine.commitTxn(txn);
    t.txn = null;
    t.n = 0;
  }
}
