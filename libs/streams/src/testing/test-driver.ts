import type {
  Globals,
  GlobalTable,
  GlobalValueOf,
  Inputs,
  KeyOf,
  OutputHeaders,
  Outputs,
  ProcessorDefinition,
  StoreValueOf,
  Stores,
  ValueOf,
} from '../definition';
import { TaskEngine, type ProducedRecord, type RawRecord, type TaskState } from '../internal/engine';
import { GlobalTableImpl } from '../internal/global-table';
import { deadLetterTopic, DLQ_HEADERS } from '../internal/names';
import { silentLogger, type Logger } from '../logger';
import { partitionForKey } from '../partitioner';
import { isPromiseLike, stringSerde, type Serde } from '../serdes';

export interface TestDriverOptions {
  /** Default: the definition's name. */
  applicationId?: string;
  /** Partition count of the (co-partitioned) inputs = number of tasks. Default 1. */
  partitions?: number;
  /** Partition counts of other topics (outputs, DLQs); default `partitions`. */
  topicPartitions?: Record<string, number>;
  /**
   * Outputs to a topic that is also an input of the definition are processed again (like
   * TopologyTestDriver re-piping internal topics). Default true.
   */
  repipe?: boolean;
  /**
   * After each commit, store values are replaced by their changelog round trip (serialize then
   * deserialize), so a store serde that loses information shows up. Default true.
   */
  roundTripStores?: boolean;
  logger?: Logger;
}

export interface PipeOptions {
  /** Record timestamp; default: the largest timestamp piped so far (0 at first). */
  timestamp?: number;
  headers?: OutputHeaders;
  /** Explicit partition; default murmur2 of the key bytes, as a Kafka producer would pick. */
  partition?: number;
}

export interface TestOutputRecord<K, V> {
  topic: string;
  partition: number;
  offset: number;
  key: K | null;
  value: V | null;
  headers: Record<string, string>;
  timestamp: number;
}

export interface TestDeadLetter {
  /** The DLQ topic (`<source>.dlq`). */
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  reason: string;
  kind: string;
  code?: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
  timestamp: number;
}

interface LoggedRecord extends ProducedRecord {
  offset: number;
}

function headersToStrings(headers: Record<string, Buffer> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = v.toString('utf8');
  return out;
}

async function resolve<T>(value: T | Promise<T>): Promise<T> {
  return isPromiseLike(value) ? await value : value;
}

/**
 * Runs a processor definition in memory, like Kafka Streams' TopologyTestDriver: pipe input
 * records (encoded with the definition's serdes, so encoding bugs show), read outputs per topic,
 * look at dead letters and stores, feed global tables and advance stream time by hand.
 *
 * Every piped record is processed in its own transaction by the same engine the Kafka runtime
 * uses (decoding, staging, rejection, DLQ, punctuation, changelog encoding).
 */
export class TestDriver<I extends Inputs, O extends Outputs, S extends Stores, G extends Globals> {
  readonly applicationId: string;
  readonly partitions: number;
  private readonly engine: TaskEngine;
  private readonly tasks = new Map<number, TaskState>();
  private readonly globals = new Map<string, GlobalTableImpl<unknown>>();
  private readonly logs = new Map<string, LoggedRecord[]>();
  private readonly readPositions = new Map<string, number>();
  private readonly nextOffsets = new Map<string, number>();
  private clock = 0;
  private readonly options: Required<Pick<TestDriverOptions, 'repipe' | 'roundTripStores'>> &
    TestDriverOptions;

  constructor(
    readonly definition: ProcessorDefinition<I, O, S, G>,
    options: TestDriverOptions = {},
  ) {
    this.options = { repipe: true, roundTripStores: true, ...options };
    this.applicationId = options.applicationId ?? definition.name;
    this.partitions = options.partitions ?? 1;
    for (const name of Object.keys(definition.globals ?? {}))
      this.globals.set(name, new GlobalTableImpl(name));
    this.engine = new TaskEngine(definition, {
      applicationId: this.applicationId,
      partitionsOf: (topic) => this.options.topicPartitions?.[topic] ?? this.partitions,
      globals: this.globals,
      logger: options.logger ?? silentLogger,
    });
  }

  /** Encodes `key`/`value` with the input topic's serdes and processes the record. */
  async pipe<T extends keyof I & string>(
    topic: T,
    key: KeyOf<I[T]> | null,
    value: ValueOf<I[T]> | null,
    options: PipeOptions = {},
  ): Promise<void> {
    const spec = this.definition.inputs[topic];
    if (!spec) throw new Error(`${topic} is not an input of ${this.applicationId}`);
    const keyBytes = key === null ? null : await resolve(spec.key.serialize(topic, key));
    const valueBytes = value === null ? null : await resolve(spec.value.serialize(topic, value));
    await this.pipeRaw(topic, keyBytes, valueBytes, options);
  }

  /** Pipes raw bytes (e.g. poison input that does not decode). */
  async pipeRaw(
    topic: keyof I & string,
    key: Buffer | null,
    value: Buffer | null,
    options: PipeOptions = {},
  ): Promise<void> {
    const partition = options.partition ?? (key ? partitionForKey(key, this.partitions) : 0);
    if (partition < 0 || partition >= this.partitions)
      throw new Error(`partition ${partition} out of range (0..${this.partitions - 1})`);
    const timestamp = options.timestamp ?? this.clock;
    if (timestamp > this.clock) this.clock = timestamp;
    const headers: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(options.headers ?? {}))
      headers[k] = Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8');
    const logged = this.append({ topic, partition, key, value, headers, timestamp });
    await this.run([{ topic, partition, offset: logged.offset, timestamp, key, value, headers }]);
  }

  /** Publishes a record to a global table (encoded and decoded with its serdes); `null` deletes. */
  async pipeGlobal<N extends keyof G & string>(
    name: N,
    key: string,
    value: GlobalValueOf<G[N]> | null,
  ): Promise<void> {
    const spec = this.definition.globals?.[name];
    const table = this.globals.get(name);
    if (!spec || !table) throw new Error(`unknown global table ${name}`);
    const keySerde: Serde<string> = spec.key ?? stringSerde;
    const k = await resolve(
      keySerde.deserialize(spec.topic, await resolve(keySerde.serialize(spec.topic, key))),
    );
    if (value === null) {
      table.delete(k);
      return;
    }
    const bytes = await resolve(spec.value.serialize(spec.topic, value));
    table.set(k, await resolve(spec.value.deserialize(spec.topic, bytes)));
  }

  /** Advances stream time of every task (or one) to `timestamp`, firing due punctuators. */
  async advanceStreamTime(timestamp: number, task?: number): Promise<void> {
    if (timestamp > this.clock) this.clock = timestamp;
    const ids = task === undefined ? [...Array(this.partitions).keys()] : [task];
    for (const id of ids) {
      const state = this.task(id);
      const txn = this.engine.beginTxn(state);
      await this.engine.advanceStreamTime(txn, timestamp);
      await this.commit(txn);
    }
  }

  /** Returns (and consumes) the records emitted to an output topic since the last read, decoded. */
  async readOutput<T extends keyof O & string>(
    topic: T,
  ): Promise<Array<TestOutputRecord<KeyOf<O[T]>, ValueOf<O[T]>>>> {
    const spec =
      this.definition.outputs[topic] ??
      Object.entries(this.definition.outputPrefixes ?? {}).find(([prefix]) => topic.startsWith(prefix))?.[1];
    if (!spec) throw new Error(`${topic} is not an output of ${this.applicationId}`);
    const out: Array<TestOutputRecord<KeyOf<O[T]>, ValueOf<O[T]>>> = [];
    for (const r of this.consume(topic)) {
      out.push({
        topic,
        partition: r.partition,
        offset: r.offset,
        key: r.key === null ? null : await resolve(spec.key.deserialize(topic, r.key)),
        value: r.value === null ? null : await resolve(spec.value.deserialize(topic, r.value)),
        headers: headersToStrings(r.headers),
        timestamp: r.timestamp,
      });
    }
    return out;
  }

  /** Returns (and consumes) the dead letters of one input topic, or of all inputs. */
  readDeadLetters(inputTopic?: keyof I & string): TestDeadLetter[] {
    const topics = inputTopic ? [inputTopic] : Object.keys(this.definition.inputs);
    const out: TestDeadLetter[] = [];
    for (const source of topics) {
      const topic = deadLetterTopic(source);
      for (const r of this.consume(topic)) {
        const headers = headersToStrings(r.headers);
        out.push({
          topic,
          partition: r.partition,
          key: r.key,
          value: r.value,
          headers,
          reason: headers[DLQ_HEADERS.reason],
          kind: headers[DLQ_HEADERS.kind],
          code: headers[DLQ_HEADERS.code],
          sourceTopic: headers[DLQ_HEADERS.topic],
          sourcePartition: Number(headers[DLQ_HEADERS.partition]),
          sourceOffset: Number(headers[DLQ_HEADERS.offset]),
          timestamp: r.timestamp,
        });
      }
    }
    return out;
  }

  /** All raw records written to a topic so far (outputs, DLQs, changelogs, checkpoint), not consumed. */
  rawRecords(topic: string): ReadonlyArray<ProducedRecord & { offset: number }> {
    return this.logs.get(topic) ?? [];
  }

  /** Committed contents of a store: of one task, or merged over all tasks. */
  store<N extends keyof S & string>(name: N, task?: number): Map<string, StoreValueOf<S[N]>> {
    if (!this.definition.stores || !(name in this.definition.stores))
      throw new Error(`unknown store ${name}`);
    const merged = new Map<string, StoreValueOf<S[N]>>();
    const ids = task === undefined ? [...this.tasks.keys()] : [task];
    for (const id of ids) {
      const store = this.tasks.get(id)?.stores.get(name);
      if (!store) continue;
      for (const [k, v] of store.snapshot()) merged.set(k, v as StoreValueOf<S[N]>);
    }
    return merged;
  }

  /** Entries of a timed store's due index (stale ones included), of one task or all. */
  dueIndexSize<N extends keyof S & string>(name: N, task?: number): number {
    const ids = task === undefined ? [...this.tasks.keys()] : [task];
    let n = 0;
    for (const id of ids) n += this.tasks.get(id)?.stores.get(name)?.dueIndexSize ?? 0;
    return n;
  }

  global<N extends keyof G & string>(name: N): GlobalTable<GlobalValueOf<G[N]>> {
    const table = this.globals.get(name);
    if (!table) throw new Error(`unknown global table ${name}`);
    return table as GlobalTable<GlobalValueOf<G[N]>>;
  }

  /** Stream time of a task (-1 before its first record). */
  streamTime(task = 0): number {
    return this.tasks.get(task)?.streamTime ?? -1;
  }

  // --- internals -------------------------------------------------------------------------

  private task(id: number): TaskState {
    let state = this.tasks.get(id);
    if (!state) {
      state = this.engine.newTask(id);
      this.tasks.set(id, state);
    }
    return state;
  }

  private append(record: ProducedRecord): LoggedRecord {
    const tp = `${record.topic}|${record.partition}`;
    const offset = this.nextOffsets.get(tp) ?? 0;
    this.nextOffsets.set(tp, offset + 1);
    const logged = { ...record, offset };
    let log = this.logs.get(record.topic);
    if (!log) this.logs.set(record.topic, (log = []));
    log.push(logged);
    return logged;
  }

  private consume(topic: string): LoggedRecord[] {
    const log = this.logs.get(topic) ?? [];
    const from = this.readPositions.get(topic) ?? 0;
    this.readPositions.set(topic, log.length);
    return log.slice(from);
  }

  private async run(initial: RawRecord[]): Promise<void> {
    const queue = [...initial];
    let steps = 0;
    while (queue.length > 0) {
      if (++steps > 100_000)
        throw new Error('test driver: more than 100000 re-piped records; is there a loop?');
      const raw = queue.shift()!;
      const txn = this.engine.beginTxn(this.task(raw.partition));
      try {
        await this.engine.process(txn, raw);
      } catch (error) {
        this.engine.abortTxn(txn); // onProcessingError 'fail': nothing of this record is kept
        throw error;
      }
      const produced = await this.commit(txn);
      if (this.options.repipe) {
        for (const r of produced) {
          if (this.definition.inputs[r.topic] && r.partition < this.partitions) {
            queue.push({
              topic: r.topic,
              partition: r.partition,
              offset: r.offset,
              timestamp: r.timestamp,
              key: r.key,
              value: r.value,
              headers: r.headers ?? {},
            });
          }
        }
      }
    }
  }

  private async commit(txn: ReturnType<TaskEngine['beginTxn']>): Promise<LoggedRecord[]> {
    const changelog = this.engine.changelogRecords(txn);
    const produced = txn.produced.map((r) => this.append(r));
    for (const r of changelog) this.append(r);
    this.engine.commitTxn(txn);
    if (this.options.roundTripStores) {
      for (const r of changelog) {
        if (this.engine.storeForChangelog(r.topic))
          await this.engine.restoreRecord(txn.task, r.topic, r.key, r.value);
      }
    }
    return produced;
  }
}
