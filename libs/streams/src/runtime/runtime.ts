import {
  Kafka,
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type KafkaMessage,
  type Message,
  type Producer,
  type SASLOptions,
  type Transaction,
} from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import pino from 'pino';
import type { Registry } from 'prom-client';
import type { AnyProcessorDefinition, Globals, Outputs, Stores } from '../definition';
import { errorMessage, isTransient } from '../errors';
import { piiRedaction, redactError } from '../pii';
import {
  FatalProcessingError,
  TaskEngine,
  type ProducedRecord,
  type RawRecord,
  type TaskState,
  type Txn,
} from '../internal/engine';
import { Mutex, Semaphore } from '../internal/mutex';
import { StateDirectory, type TaskDisk } from '../internal/state-dir';
import { choose, type IdleState, type QueueHead } from '../internal/partition-group';
import { changelogTopic, checkpointTopic, deadLetterTopic, transactionalId } from '../internal/names';
import type { Logger } from '../logger';
import { createTaskAssigner } from './assigner';
import { GlobalTablesReader } from './global-reader';
import { KAFKA_LOG_LEVELS, kafkaLogCreator, type KafkaLogLevel } from './kafka-logging';
import { createRegistry, StreamsMetrics } from './metrics';
import { RestoreJob, type RestoreStats } from './restorer';
import { StandbyKeeper } from './standby';
import { decodeStandbyTasks } from './assigner';
import { ensureTopics } from './topics';

export interface StreamsRuntimeConfig {
  brokers: string[];
  clientId?: string;
  ssl?: boolean | ConnectionOptions;
  sasl?: SASLOptions;
  /** Default: the definition's name. Transactional ids are `<applicationId>-<task>`. */
  applicationId?: string;
  /** Consumer group id, used exactly as given. Default: the application id. */
  groupId?: string;
  /** Create missing topics (inputs, outputs, changelogs, DLQs, globals). Default true. */
  createTopics?: boolean;
  /** Partition count for inputs the runtime has to create (other topics default to the task count). Default 12. */
  partitions?: number;
  replicationFactor?: number;
  /** Extra configs for every topic the runtime creates. */
  topicConfig?: Record<string, string>;
  /** Where a task starts when neither its checkpoint nor the group has a position. Default earliest. */
  autoOffsetReset?: 'earliest' | 'latest';
  consumer?: {
    sessionTimeout?: number;
    rebalanceTimeout?: number;
    heartbeatInterval?: number;
    /**
     * Default: `maxBytes` shared by every input partition (at most 1 MiB, at least 64 KiB), so
     * that one fetch brings records of every partition of a task and no input starves.
     */
    maxBytesPerPartition?: number;
    maxBytes?: number;
    maxWaitTimeInMs?: number;
    /** Task batches processed concurrently (each task is still serial). Default 4. */
    partitionsConsumedConcurrently?: number;
  };
  producer?: {
    /** Broker-side timeout of a transaction. Default 10000 ms (Kafka Streams' EOS default). */
    transactionTimeout?: number;
    /** Max bytes per produce request inside a transaction (keeps record batches under message.max.bytes). Default 900 KiB. */
    maxRequestBytes?: number;
    /** Max messages per partition per produce request. Default 1000. */
    maxMessagesPerPartition?: number;
  };
  /** Input records per transaction: a larger fetched batch is committed in several transactions. Default 5000. */
  maxRecordsPerTransaction?: number;
  /**
   * A task merges its input partitions by record timestamp (the smallest head first, as Kafka
   * Streams' PartitionGroup does). When an input has no fetched records left but the broker is
   * known to hold more (its high watermark lies past the task's position), the task stops and
   * waits for the next fetch instead of running ahead on its other inputs; after this long it
   * goes on without that input (counted in `enforced_processing_total`). -1: never wait
   * (batches are merged as fetched). Default 5000 ms.
   */
  maxTaskIdleMs?: number;
  /**
   * Before processing a record while another input of its task is empty, wait until a fetch
   * started after that record arrived has come back (one or two fetch round trips), so that a
   * record already on the broker with an older timestamp is never overtaken (default true).
   * false: go on as soon as the empty input looks caught up (Kafka Streams' max.task.idle.ms=0).
   */
  confirmEmptyInputs?: boolean;
  /** Fetched records an input partition may hold waiting for its task before it stops fetching (Kafka Streams' buffered.records.per.partition). Default 2000 (measured: 10,000 cost more memory and CPU in a catch-up, 1,000 more CPU). */
  maxBufferedRecords?: number;
  /**
   * How long a task's transaction stays open for more records (Kafka Streams' commit.interval.ms;
   * default 100): a task commits when its transaction holds `maxRecordsPerTransaction` records or
   * is this old. Larger: fewer, fuller transactions (less CPU per record at moderate rates), more
   * latency. 0: commit as soon as the queued records are processed.
   */
  commitIntervalMs?: number;
  restore?: { maxBytesPerPartition?: number };
  /**
   * Local state directory (Kafka Streams' state.dir): the persistent stores
   * (StoreSpec.persistent) keep their committed entries there, one LMDB environment per task
   * under `<stateDir>/<applicationId>/<task>`, with a checkpoint so that a restart restores only
   * the changelog tail. A cache of the changelogs: deleting it costs a full restore, nothing else.
   * One process per directory (a lock file). Without it persistent stores are held in memory.
   */
  stateDir?: string;
  /** Local state written longer ago than this is wiped and restored in full. Default 12 h. */
  localStateMaxAgeMs?: number;
  /**
   * Standby copies of every task on other instances (Kafka Streams' num.standby.replicas),
   * kept warm in their local state directories from the changelogs, so that a task moving
   * there restores (almost) nothing. Needs `stateDir` and persistent stores. Default 0.
   */
  numStandbyReplicas?: number;
  logger?: Logger;
  /** kafkajs's own log level (routed into `logger`). Default warn. */
  kafkaLogLevel?: KafkaLogLevel;
  /** Where metrics go; default a new Registry per runtime (never the global one). */
  registry?: Registry;
  metricsPrefix?: string;
  /** Called once when the runtime cannot go on (a fatal processing error, a consumer that will not restart). */
  onFatalError?: (error: Error) => void;
}

export type TaskPhase = 'initializing' | 'restoring' | 'running' | 'recovering' | 'failed' | 'closed';

export interface TaskStatus {
  task: number;
  phase: TaskPhase;
  partitions: Array<{ topic: string; partition: number }>;
  restore?: RestoreStats;
}

export interface AssignmentStatus {
  memberId?: string;
  generation: number;
  tasks: TaskStatus[];
}

type RuntimeState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** Fetched records of one input partition of a task that the task has not processed yet. */
class InputQueue implements QueueHead {
  /** Records from `index` on wait (offsets ascending). */
  records: KafkaMessage[] = [];
  /** When each record was delivered (ms), parallel to `records`. */
  arrivals: number[] = [];
  index = 0;
  /** Paused because the queue is full. */
  paused = false;

  constructor(
    readonly topic: string,
    /** The offset after the last record fetched, control records and records kafkajs filtered out included. */
    public next: number,
    /** The partition's high watermark as last fetched (or looked up when the task was positioned). */
    public hw: number,
  ) {}

  get size(): number {
    return this.records.length - this.index;
  }

  get head(): number | undefined {
    return this.index < this.records.length ? Number(this.records[this.index].timestamp) : undefined;
  }

  get arrivedAt(): number | undefined {
    return this.index < this.arrivals.length ? this.arrivals[this.index] : undefined;
  }

  get unfetched(): boolean {
    return this.hw > this.next;
  }
}

/** Start positions for partitions without a checkpoint, and every input partition's high watermark, by `topic|partition`. */
interface Fallback {
  positions: Map<string, number>;
  highs: Map<string, number>;
}

/** A task's transaction while it is open: records processed into it, not sent yet. */
class OpenTxn {
  /** Input queues the transaction read (their positions are committed with it). */
  readonly used = new Set<InputQueue>();
  /** Commits the transaction once it is commitIntervalMs old. */
  timer?: NodeJS.Timeout;
  /** The timer fired: commit at the next chance. */
  due = false;

  constructor(
    readonly txn: Txn,
    readonly started: number,
  ) {}
}

class RuntimeTask {
  phase: TaskPhase = 'initializing';
  /** The open transaction (processing goes on into it until it is due, see commitIntervalMs). */
  open?: OpenTxn;
  producer?: Producer;
  readonly lock = new Mutex();
  /** Per input topic, what was fetched and not processed yet. */
  readonly queues = new Map<string, InputQueue>();
  epoch = 0;
  failures = 0;
  /** Transient input failures in a row (a dependency away), for the backoff of their retries. */
  transientFailures = 0;
  restore?: RestoreStats;
  /** Whether the task waits for an input with records on the broker not fetched yet, since when. */
  readonly idle: IdleState = { waitingSince: 0, enforcing: false };
  /** A drive of the task is scheduled and has not started processing yet (further ones would find nothing new). */
  driveScheduled = false;
  recoveryTimer?: NodeJS.Timeout;

  constructor(
    readonly id: number,
    readonly state: TaskState,
    readonly partitions: Array<{ topic: string; partition: number }>,
  ) {}
}

const FENCED = new Set([
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

function isFenced(error: unknown): boolean {
  for (
    let e = error as { type?: string; code?: number; cause?: unknown; message?: string } | undefined, i = 0;
    e && i < 6;
    e = e.cause as typeof e, i++
  ) {
    if ((e.type && FENCED.has(e.type)) || e.code === 90 || /fenced/i.test(e.message ?? '')) return true;
  }
  return false;
}

function normalizeHeaders(headers: IHeaders | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (!headers) return out;
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined || value === null) continue;
    out[name] = Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
  }
  return out;
}

function approxSize(r: ProducedRecord): number {
  let size = 70 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  if (r.headers) for (const [k, v] of Object.entries(r.headers)) size += k.length + v.length + 4;
  return size;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Runs a processor definition on Kafka with exactly-once semantics (see README.md):
 * one consumer group with a task assigner, one transactional producer per task
 * (`<app>-<task>`, fencing zombies), one transaction per task batch carrying outputs, DLQ
 * records, changelog writes, the task checkpoint and the consumed offsets; state restored from
 * changelogs before a task processes anything; global tables loaded before processing starts.
 */
export class StreamsRuntime {
  readonly applicationId: string;
  readonly groupId: string;
  readonly registry: Registry;
  readonly metrics: StreamsMetrics;
  private readonly logger: Logger;
  private readonly kafka: Kafka;
  private readonly engine: TaskEngine;
  private readonly globals: GlobalTablesReader;
  private readonly inputTopics: string[];
  private readonly tasks = new Map<number, RuntimeTask>();
  private readonly restoreJobs = new Set<RestoreJob>();
  /** The local state directory, when there are persistent stores and a `stateDir`. */
  private stateDirectory?: StateDirectory;
  /** Local state of the tasks this runtime has owned (kept open across reassignments). */
  private readonly disks = new Map<number, TaskDisk>();
  /** Standby tasks (warm copies followed from the changelogs), when `numStandbyReplicas` > 0. */
  private standby?: StandbyKeeper;
  private readonly closing = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Per broker: when its fetcher started its last two fetches (the batches of a fetch are delivered before the next one starts). */
  private readonly fetchStarts = new Map<number, { previous: number; last: number }>();
  /**
   * Whether every active fetcher has delivered a fetch that started after `arrivedAt`: then an
   * input queue that is empty and looks caught up really had nothing older than a record that
   * arrived at `arrivedAt` (see partition-group.ts). Undefined when disabled.
   */
  private readonly confirmed?: (arrivedAt: number) => boolean;
  /** Tasks processing at a time (`consumer.partitionsConsumedConcurrently`). */
  private slots = new Semaphore(1);
  private admin?: Admin;
  private consumer?: Consumer;
  private partitions = new Map<string, number>();
  private taskCount = 0;
  private state: RuntimeState = 'created';
  private stopping = false;
  private stopPromise?: Promise<void>;
  private memberId?: string;
  private generation = 0;
  private joined = false;
  private rebalancing = false;
  private rebalanceStarted = 0;
  private lastActivity = Date.now();
  private fatal?: Error;
  private readonly cfg: {
    sessionTimeout: number;
    rebalanceTimeout: number;
    heartbeatInterval: number;
    maxBytesPerPartition?: number;
    maxBytes: number;
    maxWaitTimeInMs: number;
    concurrency: number;
    transactionTimeout: number;
    maxRequestBytes: number;
    maxMessagesPerPartition: number;
    maxRecordsPerTransaction: number;
    restoreMaxBytesPerPartition: number;
    maxTaskIdleMs: number;
    confirmEmptyInputs: boolean;
    maxBufferedRecords: number;
    commitIntervalMs: number;
  };

  constructor(
    readonly definition: AnyProcessorDefinition,
    private readonly config: StreamsRuntimeConfig,
  ) {
    this.applicationId = config.applicationId ?? definition.name;
    this.groupId = config.groupId ?? this.applicationId;
    this.logger = (config.logger ?? (pino({ ...piiRedaction, name: 'streams' }) as unknown as Logger)).child({
      app: this.applicationId,
    });
    this.registry = config.registry ?? createRegistry();
    this.metrics = new StreamsMetrics(this.registry, this.applicationId, config.metricsPrefix);
    this.inputTopics = Object.keys(definition.inputs);
    if (this.inputTopics.length === 0)
      throw new Error(`${this.applicationId}: a processor needs at least one input topic`);
    const c = config.consumer ?? {};
    this.cfg = {
      sessionTimeout: c.sessionTimeout ?? 30_000,
      rebalanceTimeout: c.rebalanceTimeout ?? 60_000,
      heartbeatInterval: c.heartbeatInterval ?? 3_000,
      maxBytesPerPartition: c.maxBytesPerPartition,
      maxBytes: c.maxBytes ?? 16 * 1024 * 1024,
      maxWaitTimeInMs: c.maxWaitTimeInMs ?? 250,
      concurrency: c.partitionsConsumedConcurrently ?? 4,
      transactionTimeout: config.producer?.transactionTimeout ?? 10_000,
      maxRequestBytes: config.producer?.maxRequestBytes ?? 900 * 1024,
      maxMessagesPerPartition: config.producer?.maxMessagesPerPartition ?? 1000,
      maxRecordsPerTransaction: config.maxRecordsPerTransaction ?? 5000,
      restoreMaxBytesPerPartition: config.restore?.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxTaskIdleMs: config.maxTaskIdleMs ?? 5_000,
      confirmEmptyInputs: config.confirmEmptyInputs ?? true,
      maxBufferedRecords: config.maxBufferedRecords ?? 2_000,
      commitIntervalMs: config.commitIntervalMs ?? 100,
    };
    if (this.cfg.confirmEmptyInputs) {
      this.confirmed = (arrivedAt: number): boolean => {
        const now = Date.now();
        for (const s of this.fetchStarts.values()) {
          if (now - s.last > 5_000) continue; // a fetcher that stopped (no partition on that broker any more)
          if (s.previous <= arrivedAt) return false;
        }
        return true;
      };
    }
    this.kafka = new Kafka({
      clientId: config.clientId ?? this.applicationId,
      brokers: config.brokers,
      ssl: config.ssl,
      sasl: config.sasl,
      logLevel: KAFKA_LOG_LEVELS[config.kafkaLogLevel ?? 'warn'],
      logCreator: kafkaLogCreator(this.logger),
      retry: { initialRetryTime: 100, retries: 8 },
    });
    this.globals = new GlobalTablesReader(definition.globals ?? {});
    this.engine = new TaskEngine(definition, {
      applicationId: this.applicationId,
      partitionsOf: (topic) => {
        const n = this.partitions.get(topic);
        if (n === undefined) throw new Error(`unknown partition count of ${topic}`);
        return n;
      },
      globals: this.globals.tables,
      logger: this.logger,
    });
  }

  // --- lifecycle --------------------------------------------------------------------------

  /** Creates/checks topics, loads global tables, joins the group. Resolves once the consumer runs. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`runtime already ${this.state}`);
    this.state = 'starting';
    try {
      this.openStateDirectory();
      const admin = this.kafka.admin();
      this.admin = admin;
      await admin.connect();
      if (this.stateDirectory && (this.config.numStandbyReplicas ?? 0) > 0)
        this.standby = new StandbyKeeper({
          kafka: this.kafka,
          admin,
          engine: this.engine,
          groupId: this.groupId,
          logger: this.logger,
          metrics: this.metrics,
          maxBytesPerPartition: this.cfg.restoreMaxBytesPerPartition,
          diskFor: (task) => this.diskFor(task),
        });
      else if ((this.config.numStandbyReplicas ?? 0) > 0)
        this.logger.warn(
          { numStandbyReplicas: this.config.numStandbyReplicas },
          'standbys ignored: they need a state directory and persistent stores',
        );
      const stores: Stores = this.definition.stores ?? {};
      const outputs: Outputs = this.definition.outputs;
      const globals: Globals = this.definition.globals ?? {};
      const layout = await ensureTopics(
        admin,
        {
          inputs: this.inputTopics,
          outputs: Object.entries(outputs).map(([topic, spec]) => ({
            topic,
            partitions: spec.partitions,
            config: spec.config,
          })),
          changelogs: [
            ...Object.entries(stores).map(([name, spec]) => ({
              topic: changelogTopic(this.applicationId, name),
              config: spec.changelogConfig,
            })),
            {
              topic: checkpointTopic(this.applicationId),
              config: { 'segment.ms': '3600000', 'min.cleanable.dirty.ratio': '0.1' },
            },
          ],
          deadLetters: this.inputTopics.map(deadLetterTopic),
          globals: Object.values(globals).map((g) => g.topic),
        },
        {
          create: this.config.createTopics ?? true,
          defaultPartitions: this.config.partitions ?? 12,
          replicationFactor: this.config.replicationFactor,
          config: this.config.topicConfig,
        },
        this.logger,
      );
      this.partitions = layout.partitions;
      this.taskCount = layout.taskCount;

      await this.globals.start({
        kafka: this.kafka,
        admin,
        groupId: this.groupId,
        logger: this.logger,
        metrics: this.metrics,
        maxBytesPerPartition: this.cfg.restoreMaxBytesPerPartition,
      });
      if (this.stopping) return;

      const consumer = this.kafka.consumer({
        groupId: this.groupId,
        partitionAssigners: [
          createTaskAssigner(
            () => [...this.tasks.keys()],
            () => this.standby?.tasks ?? [],
            this.standby ? (this.config.numStandbyReplicas ?? 0) : 0,
          ),
        ],
        sessionTimeout: this.cfg.sessionTimeout,
        rebalanceTimeout: this.cfg.rebalanceTimeout,
        heartbeatInterval: this.cfg.heartbeatInterval,
        maxBytesPerPartition:
          this.cfg.maxBytesPerPartition ??
          Math.max(
            64 * 1024,
            Math.min(1024 * 1024, Math.floor(this.cfg.maxBytes / (this.taskCount * this.inputTopics.length))),
          ),
        maxBytes: this.cfg.maxBytes,
        maxWaitTimeInMs: this.cfg.maxWaitTimeInMs,
        readUncommitted: false,
        allowAutoTopicCreation: false,
      });
      this.consumer = consumer;
      this.slots = new Semaphore(Math.max(1, Math.min(this.cfg.concurrency, this.taskCount)));
      this.listen(consumer);
      await consumer.connect();
      await consumer.subscribe({
        topics: this.inputTopics,
        fromBeginning: (this.config.autoOffsetReset ?? 'earliest') === 'earliest',
      });
      const gauges = setInterval(() => this.updateGauges(), 5_000);
      gauges.unref();
      this.timers.add(gauges);
      this.state = 'running';
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // every batch of a fetch at once (so a task's batches meet in one transaction); the
        // runtime's own slots bound how many tasks process at a time
        partitionsConsumedConcurrently: Math.max(1, this.taskCount * this.inputTopics.length),
        eachBatch: (payload) => this.eachBatch(payload),
      });
      this.logger.info(
        { groupId: this.groupId, tasks: this.taskCount, inputs: this.inputTopics },
        'streams runtime started',
      );
    } catch (error) {
      this.state = 'failed';
      this.fatal = error instanceof Error ? error : new Error(String(error));
      await this.shutdown().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Graceful shutdown: stop intake (open batches stop after the current record and commit),
   * leave the group, close every task producer, stop restores and global tables.
   */
  stop(): Promise<void> {
    if (!this.stopPromise) this.stopPromise = this.shutdown();
    return this.stopPromise;
  }

  private openStateDirectory(): void {
    const persistent = [...this.engine.persistentStores];
    if (persistent.length === 0) return;
    if (!this.config.stateDir) {
      this.logger.info(
        { stores: persistent },
        'no state directory: persistent stores are held in memory and restored in full at each start',
      );
      return;
    }
    const dir = new StateDirectory(this.config.stateDir, this.applicationId, this.logger);
    dir.lock();
    this.stateDirectory = dir;
    this.logger.info({ stores: persistent, dir: dir.root }, 'persistent stores on disk');
  }

  private diskFor(task: number): TaskDisk | undefined {
    if (!this.stateDirectory) return undefined;
    let disk = this.disks.get(task);
    if (!disk) this.disks.set(task, (disk = this.stateDirectory.task(task, this.engine.persistentLayout)));
    return disk;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.state !== 'failed') this.state = 'stopping';
    const started = Date.now();
    for (const timer of this.timers) clearInterval(timer);
    for (const job of this.restoreJobs) await job.stop();
    await this.standby?.stop();
    if (this.consumer)
      await this.consumer
        .disconnect()
        .catch((err) => this.logger.warn({ err }, 'consumer disconnect failed'));
    // what the tasks processed into their open transactions is committed before they close
    await Promise.all(
      [...this.tasks.values()].map((task) =>
        task.lock
          .run(async () => {
            if (task.open && task.phase === 'running') await this.commitOpenTxn(task);
          })
          .catch((err) => this.logger.warn({ err, task: task.id }, 'final commit failed')),
      ),
    );
    for (const task of [...this.tasks.values()]) this.closeTask(task, 'shutdown');
    await Promise.all([...this.closing]);
    await this.globals.stop();
    if (this.admin) await this.admin.disconnect().catch(() => undefined);
    for (const disk of this.disks.values()) disk.close();
    this.disks.clear();
    if (this.state !== 'failed') this.state = 'stopped';
    this.logger.info({ durationMs: Date.now() - started }, 'streams runtime stopped');
  }

  // --- health ------------------------------------------------------------------------------

  /** Group joined, no rebalance under way, global tables loaded, every assigned task restored and running. */
  isReady(): boolean {
    if (this.state !== 'running' || !this.joined || this.rebalancing || !this.globals.ready) return false;
    for (const task of this.tasks.values()) if (task.phase !== 'running') return false;
    return true;
  }

  /**
   * Not failed, and the consumer loop showed life (heartbeat, fetch, batch) within the session
   * timeout, or a rebalance is under way (for at most rebalance timeout + session timeout).
   * Lag plays no part.
   */
  isAlive(): boolean {
    if (this.state === 'failed' || this.fatal) return false;
    if (this.state !== 'running') return true;
    const now = Date.now();
    if (this.rebalancing && now - this.rebalanceStarted < this.cfg.rebalanceTimeout + this.cfg.sessionTimeout)
      return true;
    return now - this.lastActivity < this.cfg.sessionTimeout;
  }

  assignment(): AssignmentStatus {
    return {
      memberId: this.memberId,
      generation: this.generation,
      tasks: [...this.tasks.values()]
        .sort((a, b) => a.id - b.id)
        .map((t) => ({ task: t.id, phase: t.phase, partitions: t.partitions, restore: t.restore })),
    };
  }

  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isReady()) {
      if (this.fatal) throw this.fatal;
      if (Date.now() > deadline)
        throw new Error(
          `${this.applicationId} not ready after ${timeoutMs} ms: ${JSON.stringify(this.assignment())}`,
        );
      await sleep(50);
    }
  }

  /** Committed contents of a store of an assigned task (inspection in tests and tools). */
  storeSnapshot(task: number, store: string): Map<string, unknown> | undefined {
    return this.tasks.get(task)?.state.stores.get(store)?.snapshot();
  }

  globalTable(name: string) {
    return this.globals.tables.get(name);
  }

  // --- group membership --------------------------------------------------------------------

  private listen(consumer: Consumer): void {
    const touch = () => (this.lastActivity = Date.now());
    consumer.on(consumer.events.HEARTBEAT, touch);
    consumer.on(consumer.events.FETCH, touch);
    consumer.on(consumer.events.FETCH_START, (e) => {
      // a fetcher starts its next fetch once the batches of its last one were delivered
      const node = Number(e.payload.nodeId);
      const now = Date.now();
      const starts = this.fetchStarts.get(node);
      this.fetchStarts.set(node, { previous: starts?.last ?? 0, last: now });
      for (const task of this.tasks.values()) if (task.idle.waitingSince > 0) void this.drive(task);
    });
    consumer.on(consumer.events.START_BATCH_PROCESS, (e) => {
      touch();
      // kafkajs resolves a fetched batch it filtered to nothing (control records, an aborted
      // transaction) itself, without eachBatch: the queue learns here that it reaches further
      const { topic, partition, highWatermark, firstOffset, lastOffset, batchSize } = e.payload;
      if (batchSize !== 0) return;
      const task = this.tasks.get(partition);
      const queue = task?.queues.get(topic);
      if (!task || !queue || firstOffset === null || Number(firstOffset) > queue.next) return; // not contiguous: stale
      queue.next = Math.max(queue.next, Number(lastOffset) + 1);
      queue.hw = Math.max(queue.hw, Number(highWatermark));
      if (task.idle.waitingSince > 0) void this.drive(task);
    });
    consumer.on(consumer.events.REBALANCING, () => {
      if (!this.rebalancing) this.rebalanceStarted = Date.now();
      this.rebalancing = true;
      touch();
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      touch();
      try {
        // memberUserData: the assignment's user data (patches/kafkajs), the standby tasks
        const standbys = decodeStandbyTasks((e.payload as { memberUserData?: Buffer | null }).memberUserData);
        this.onGroupJoin(e.payload.memberId, e.payload.memberAssignment, standbys);
      } catch (error) {
        this.fail(error);
      }
    });
    consumer.on(consumer.events.CRASH, (e) => {
      const error = e.payload.error;
      this.logger.error({ err: redactError(error), restart: e.payload.restart }, 'consumer crashed');
      this.joined = false;
      for (const task of [...this.tasks.values()]) this.closeTask(task, 'consumer crash');
      if (!e.payload.restart && !this.stopping) this.fail(error);
    });
  }

  /** Runs synchronously inside kafkajs's join, before the first fetch of the new generation. */
  private onGroupJoin(
    memberId: string,
    memberAssignment: Record<string, number[]>,
    standbys: number[] = [],
  ): void {
    const assigned = new Set<number>();
    for (const topic of this.inputTopics) for (const p of memberAssignment[topic] ?? []) assigned.add(p);
    const lost = this.memberId !== undefined && this.memberId !== memberId;
    this.memberId = memberId;
    this.generation++;
    this.joined = true;
    this.rebalancing = false;
    this.metrics.rebalances.inc(this.metrics.labels());

    const revoked: number[] = [];
    for (const task of [...this.tasks.values()]) {
      if (lost || !assigned.has(task.id)) {
        revoked.push(task.id);
        this.closeTask(task, lost ? 'lost (member id changed)' : 'revoked');
      }
    }
    const created: RuntimeTask[] = [];
    for (const id of [...assigned].sort((a, b) => a - b)) {
      this.standby?.remove(id); // a standby becoming active: its local state is the task's now
      const existing = this.tasks.get(id);
      if (existing) {
        this.pause(existing);
        if (existing.phase === 'running') this.repositionKept(existing);
        continue;
      }
      const task = new RuntimeTask(
        id,
        this.engine.newTask(id, this.diskFor(id), this.config.localStateMaxAgeMs),
        this.inputTopics
          .filter((t) => (memberAssignment[t] ?? []).includes(id))
          .map((topic) => ({ topic, partition: id })),
      );
      this.tasks.set(id, task);
      this.pause(task);
      created.push(task);
    }
    this.logger.info(
      {
        memberId,
        generation: this.generation,
        tasks: [...assigned].sort((a, b) => a - b),
        created: created.map((t) => t.id),
        revoked,
        ...(this.standby ? { standbys } : {}),
      },
      'group joined',
    );
    this.updateGauges();
    if (created.length > 0) void this.activate(created);
    if (this.standby)
      void this.standby
        .update(standbys.filter((t) => !assigned.has(t)))
        .catch((err) => this.logger.warn({ err }, 'standby tasks not updated'));
  }

  /**
   * A task kept across a rebalance: kafkajs restarts its partitions from the group's committed
   * offsets, which can lag behind the task's own positions, and a transaction of the task may be
   * in flight (processing runs beside the consumer loop). Paused meanwhile; once that transaction
   * is done (the task lock), the task is positioned at its committed positions and resumed.
   */
  private repositionKept(task: RuntimeTask): void {
    const epoch = task.epoch;
    void task.lock
      .run(async () => {
        if (this.tasks.get(task.id) !== task || task.epoch !== epoch || task.phase !== 'running') return;
        if (task.open) await this.commitOpenTxn(task); // what it processed stays processed
        if (this.tasks.get(task.id) !== task || task.epoch !== epoch || task.phase !== 'running') return;
        this.seekToCommitted(task);
        if (!this.stopping) this.resume(task);
      })
      .catch((error) => this.taskFailed(task, error, 'repositioning after a rebalance failed'));
  }

  private pause(task: RuntimeTask): void {
    try {
      this.consumer?.pause(
        task.partitions.map(({ topic, partition }) => ({ topic, partitions: [partition] })),
      );
    } catch (err) {
      this.logger.debug({ err, task: task.id }, 'pause failed (consumer not running)');
    }
  }

  private resume(task: RuntimeTask): void {
    this.resumePartitions(
      task.partitions.map(({ topic, partition }) => ({ topic, partitions: [partition] })),
    );
  }

  /**
   * Resumes fetching; a no-op once the consumer has stopped (a transaction committed during
   * shutdown works its queue down: kafkajs throws on resume then, which failed the task after
   * its commit had succeeded).
   */
  private resumePartitions(partitions: Array<{ topic: string; partitions: number[] }>): void {
    if (this.stopping) return;
    try {
      this.consumer?.resume(partitions);
    } catch (err) {
      this.logger.debug({ err }, 'resume failed (consumer not running)');
    }
  }

  /** Positions the task's inputs at its committed positions, with empty queues. */
  private seekToCommitted(task: RuntimeTask): void {
    this.dropOpenTxn(task); // processing restarts from the committed positions
    task.idle.waitingSince = 0;
    task.idle.enforcing = false;
    for (const { topic, partition } of task.partitions) {
      const position = task.state.committed.positions.get(topic);
      const old = task.queues.get(topic);
      if (old?.paused) {
        old.paused = false;
        this.resumePartitions([{ topic, partitions: [partition] }]);
      }
      task.queues.set(topic, new InputQueue(topic, position ?? 0, old?.hw ?? 0));
      if (position !== undefined) this.consumer!.seek({ topic, partition, offset: String(position) });
    }
  }

  private closeTask(task: RuntimeTask, reason: string): void {
    if (this.tasks.get(task.id) === task) this.tasks.delete(task.id);
    if (task.phase === 'closed') return;
    task.phase = 'closed';
    task.epoch++;
    if (task.recoveryTimer) clearTimeout(task.recoveryTimer);
    for (const job of this.restoreJobs) if (job.taskIds.includes(task.id)) job.cancel(task.id);
    this.logger.info({ task: task.id, reason }, 'task closed');
    const closing = task.lock
      .run(async () => {
        this.dropOpenTxn(task);
        const producer = task.producer;
        task.producer = undefined;
        if (producer)
          await producer
            .disconnect()
            .catch((err) => this.logger.warn({ err, task: task.id }, 'producer disconnect failed'));
        task.state.reset();
        task.queues.clear();
      })
      .finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }

  // --- task activation: fence, restore, position, resume ------------------------------------

  private async activate(tasks: RuntimeTask[]): Promise<void> {
    const epochs = new Map(tasks.map((t) => [t.id, t.epoch]));
    const alive = (t: RuntimeTask) =>
      !this.stopping && this.tasks.get(t.id) === t && t.epoch === epochs.get(t.id);
    for (const t of tasks) t.phase = 'initializing';

    // 1. a fresh transactional producer per task: InitProducerId fences a zombie owner and
    //    completes its open transaction before we read the changelog
    await Promise.all(
      tasks.map((t) =>
        t.lock
          .run(async () => {
            if (!alive(t)) return;
            await this.resetProducer(t);
            if (!alive(t)) await this.dropProducer(t);
          })
          .catch((error) => alive(t) && this.taskFailed(t, error, 'producer init failed')),
      ),
    );
    const live = tasks.filter((t) => alive(t) && t.phase === 'initializing');
    if (live.length === 0) return;
    for (const t of live) t.phase = 'restoring';

    let fallback: Fallback;
    try {
      fallback = await this.fallbackPositions();
    } catch (error) {
      for (const t of live) if (alive(t)) this.taskFailed(t, error, 'offset lookup failed');
      return;
    }

    // 2. restore stores + checkpoint, then 3. seek and resume
    const job = new RestoreJob(
      {
        kafka: this.kafka,
        admin: this.admin!,
        engine: this.engine,
        groupId: this.groupId,
        logger: this.logger,
        metrics: this.metrics,
        maxBytesPerPartition: this.cfg.restoreMaxBytesPerPartition,
      },
      live.filter(alive).map((t) => ({ id: t.id, state: t.state })),
      {
        restored: (id, stats) => {
          const t = live.find((x) => x.id === id);
          if (t && alive(t)) this.onRestored(t, stats, fallback);
        },
        failed: (id, error) => {
          const t = live.find((x) => x.id === id);
          if (t && alive(t)) this.taskFailed(t, error, 'restore failed');
        },
      },
    );
    this.restoreJobs.add(job);
    try {
      await job.run();
    } catch (error) {
      for (const t of live)
        if (alive(t) && t.phase === 'restoring') this.taskFailed(t, error, 'restore failed');
    } finally {
      this.restoreJobs.delete(job);
      await job.stop();
    }
  }

  private onRestored(task: RuntimeTask, stats: RestoreStats, fallback: Fallback): void {
    for (const { topic, partition } of task.partitions) {
      const checkpointed = task.state.committed.positions.get(topic);
      const position = checkpointed ?? fallback.positions.get(`${topic}|${partition}`) ?? 0;
      task.state.committed.positions.set(topic, position);
    }
    try {
      this.seekToCommitted(task);
      // what the broker held before the restore: the task waits for it before merging past it
      for (const q of task.queues.values())
        q.hw = Math.max(q.hw, fallback.highs.get(`${q.topic}|${task.id}`) ?? 0);
      task.phase = 'running';
      task.failures = 0;
      task.restore = stats;
      this.resume(task);
    } catch (error) {
      this.taskFailed(task, error, 'seek/resume failed');
      return;
    }
    this.updateGauges();
    this.logger.info(
      {
        task: task.id,
        restoredRecords: stats.records,
        restoreMs: stats.durationMs,
        positions: Object.fromEntries(task.state.committed.positions),
      },
      'task restored and running',
    );
  }

  /** Group offsets, or the reset policy, for input partitions a checkpoint does not cover; and their high watermarks. */
  private async fallbackPositions(): Promise<Fallback> {
    const admin = this.admin!;
    const result = new Map<string, number>();
    const highs = new Map<string, number>();
    const committed = await admin.fetchOffsets({ groupId: this.groupId, topics: this.inputTopics });
    for (const topic of this.inputTopics) {
      const bounds = new Map(
        (await admin.fetchTopicOffsets(topic)).map((o) => [
          o.partition,
          { low: Number(o.low), high: Number(o.high) },
        ]),
      );
      const offsets = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const [partition, { low, high }] of bounds) {
        const c = Number(offsets.find((o) => o.partition === partition)?.offset ?? -1);
        const reset = (this.config.autoOffsetReset ?? 'earliest') === 'earliest' ? low : high;
        result.set(`${topic}|${partition}`, c < 0 ? reset : Math.min(Math.max(c, low), high));
        highs.set(`${topic}|${partition}`, high);
      }
    }
    return { positions: result, highs };
  }

  private async resetProducer(task: RuntimeTask): Promise<void> {
    await this.dropProducer(task);
    const producer = this.kafka.producer({
      transactionalId: transactionalId(this.applicationId, task.id),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.cfg.transactionTimeout,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // short first backoff: right after a commit the coordinator answers CONCURRENT_TRANSACTIONS until its markers are written
      retry: { initialRetryTime: 20, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER },
    });
    await producer.connect();
    task.producer = producer;
    const init = await producer.transaction(); // InitProducerId: bumps the epoch of <app>-<task>, fencing any zombie
    await init.abort(); // nothing was added: no EndTxn, back to ready
  }

  private async dropProducer(task: RuntimeTask): Promise<void> {
    const producer = task.producer;
    task.producer = undefined;
    if (producer)
      await producer
        .disconnect()
        .catch((err) => this.logger.warn({ err, task: task.id }, 'producer disconnect failed'));
  }

  private taskFailed(task: RuntimeTask, error: unknown, what: string, delayMs?: number): void {
    if (this.tasks.get(task.id) !== task || task.phase === 'closed') return;
    this.dropOpenTxn(task);
    task.phase = 'recovering';
    task.failures++;
    task.epoch++;
    this.pause(task);
    const delay = delayMs ?? Math.min(30_000, 200 * 2 ** Math.min(task.failures - 1, 8));
    this.logger.error(
      { task: task.id, err: redactError(error), failures: task.failures, retryInMs: delay },
      `task ${what}; recovering`,
    );
    this.updateGauges();
    if (this.stopping) return;
    task.recoveryTimer = setTimeout(() => {
      task.recoveryTimer = undefined;
      if (this.tasks.get(task.id) === task && task.phase === 'recovering') void this.activate([task]);
    }, delay);
    task.recoveryTimer.unref();
  }

  /**
   * A record that cannot be processed now (a transient serde error: the schema registry away):
   * the task's open transaction was dropped; it waits (not ready, backoff 0.5 s doubling to 30 s,
   * each wait logged) and then goes on from its committed positions, the same record first. Its
   * producer and stores stay as they are: nothing was sent.
   */
  private retryLater(task: RuntimeTask, error: unknown): void {
    if (this.tasks.get(task.id) !== task || task.phase !== 'running') return;
    task.phase = 'recovering';
    task.transientFailures++;
    const epoch = task.epoch;
    this.pause(task);
    const delay = Math.min(30_000, 500 * 2 ** Math.min(task.transientFailures - 1, 6));
    this.logger.warn(
      { task: task.id, err: redactError(error), attempt: task.transientFailures, retryInMs: delay },
      'an input record cannot be processed now (a dependency is away); retrying it',
    );
    this.updateGauges();
    if (this.stopping) return;
    const current = () =>
      this.tasks.get(task.id) === task && task.phase === 'recovering' && task.epoch === epoch;
    task.recoveryTimer = setTimeout(() => {
      task.recoveryTimer = undefined;
      if (!current()) return;
      void task.lock
        .run(async () => {
          if (!current()) return;
          this.seekToCommitted(task);
          task.phase = 'running';
          this.resume(task);
          this.updateGauges();
        })
        .catch((e) => this.taskFailed(task, e, 'resuming after a transient failure failed'));
    }, delay);
    task.recoveryTimer.unref();
  }

  private fail(error: unknown): void {
    if (this.fatal) return;
    this.fatal = error instanceof Error ? error : new Error(String(error));
    this.state = 'failed';
    this.logger.error({ err: redactError(error) }, 'streams runtime failed');
    try {
      this.config.onFatalError?.(this.fatal);
    } catch (err) {
      this.logger.error({ err: redactError(err) }, 'onFatalError threw');
    }
  }

  // --- processing -----------------------------------------------------------------------------

  /**
   * kafkajs hands over one batch per topic-partition. Its records join the task's queue of that
   * input and the batch is resolved at once; the task is driven in the background, so kafkajs
   * fetches the next batches while tasks process and commit (kafkajs waits for every eachBatch of
   * a fetch before it fetches again: awaiting the processing here would leave the fetch idle
   * during processing and the processing idle during every fetch). What is committed is only
   * what the task's transactions send as offsets. A full queue pauses its partition
   * (backpressure), so the queues stay bounded.
   */
  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const task = this.tasks.get(batch.partition);
    if (!task || this.stopping || task.phase !== 'running' || payload.isStale()) return; // not resolved: fetched again after the seek
    const queue = task.queues.get(batch.topic);
    if (!queue) return;
    // below the queue's end: fetched twice; below the committed position: processed (a rejoin's seek)
    const from = Math.max(queue.next, task.state.committed.positions.get(batch.topic) ?? 0);
    const now = Date.now();
    for (const m of batch.messages)
      if (Number(m.offset) >= from) {
        queue.records.push(m);
        queue.arrivals.push(now);
      }
    queue.next = Math.max(queue.next, Number(batch.lastOffset()) + 1);
    queue.hw = Math.max(queue.hw, Number(batch.highWatermark));
    payload.resolveOffset(batch.lastOffset());
    if (!queue.paused && queue.size >= this.cfg.maxBufferedRecords) {
      queue.paused = true; // backpressure: the partition fetches again once the task has worked its queue down
      this.consumer?.pause([{ topic: batch.topic, partitions: [task.id] }]);
    }
    void this.drive(task);
  }

  /**
   * Processes the task's queued records while there are any and no input must be waited for, in
   * transactions of at most `maxRecordsPerTransaction` records. One turn of the event loop first,
   * so the other batches of the same fetch join the queues and the same transaction. At most
   * `concurrency` tasks process at a time. A drive that is scheduled and has not started yet
   * covers later calls (it will see their records).
   */
  private async drive(task: RuntimeTask): Promise<void> {
    if (task.driveScheduled) return;
    task.driveScheduled = true;
    try {
      await task.lock.run(async () => {
        if (!this.runnable(task)) return;
        await this.slots.acquire();
        try {
          await new Promise<void>((resolve) => setImmediate(resolve));
          task.driveScheduled = false;
          while (this.runnable(task) && (await this.processSlice(task))) {
            // next transaction
          }
        } finally {
          this.slots.release();
        }
      });
    } catch (error) {
      // never let an error escape (an unhandled rejection would end the process)
      this.taskFailed(task, error, 'batch failed unexpectedly');
    } finally {
      task.driveScheduled = false;
    }
  }

  private runnable(task: RuntimeTask): boolean {
    return task.phase === 'running' && this.tasks.get(task.id) === task && !this.stopping;
  }

  /**
   * The queue to process next, merged by timestamp (see `choose`); `'wait'` while the task waits
   * for an input with records on the broker not fetched yet; undefined when every queue is empty.
   */
  private nextQueue(task: RuntimeTask): InputQueue | 'wait' | undefined {
    const c = choose(task.queues.values(), task.idle, Date.now(), this.cfg.maxTaskIdleMs, this.confirmed);
    switch (c.kind) {
      case 'empty':
        return undefined;
      case 'wait':
        if (c.started) {
          this.metrics.idleWaits.inc(this.metrics.labels({ topic: c.input.topic }));
          // the fetch that ends the wait drives the task; this timer ends it in any case
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            if (this.tasks.get(task.id) === task && task.idle.waitingSince > 0) void this.drive(task);
          }, this.cfg.maxTaskIdleMs + 1);
          timer.unref();
          this.timers.add(timer);
        }
        return 'wait';
      case 'next':
        if (c.enforced) {
          this.metrics.enforcedProcessing.inc(this.metrics.labels({ topic: c.enforced.input.topic }));
          this.logger.warn(
            {
              task: task.id,
              topic: c.enforced.input.topic,
              waitedMs: c.enforced.waitedMs,
              fetched: c.enforced.input.next,
              highWatermark: c.enforced.input.hw,
            },
            'input still not fetched after maxTaskIdleMs: going on without it (its records may be processed out of timestamp order)',
          );
        }
        return c.queue;
    }
  }

  /**
   * Processes up to `maxRecordsPerTransaction` queued records, merged by timestamp, in one
   * transaction; returns whether to go on with another.
   */
  private async processSlice(task: RuntimeTask): Promise<boolean> {
    if (!task.producer) return false;
    const limit = this.cfg.maxRecordsPerTransaction;
    let open = task.open;
    if (!open) open = task.open = new OpenTxn(this.engine.beginTxn(task.state), Date.now());
    const { txn, used } = open;
    let more = true;
    try {
      for (;;) {
        if (txn.recordsIn >= limit || (this.stopping && txn.recordsIn > 0)) break;
        const q = this.nextQueue(task);
        if (q === undefined || q === 'wait') {
          more = false;
          break;
        }
        used.add(q);
        const message = q.records[q.index];
        await this.engine.process(txn, this.toRaw(q.topic, task.id, message));
        q.records[q.index++] = undefined as unknown as KafkaMessage; // let it go
      }
    } catch (error) {
      this.dropOpenTxn(task);
      if (error instanceof FatalProcessingError) {
        task.phase = 'failed';
        this.pause(task);
        this.fail(error);
        return false;
      }
      if (isTransient(error)) {
        this.retryLater(task, error);
        return false;
      }
      this.taskFailed(task, error, 'processing failed');
      return false;
    }
    if (txn.isEmpty) {
      this.dropOpenTxn(task);
      return false;
    }
    // commit when full, when stopping, or once the transaction is commitIntervalMs old;
    // until then the task goes on adding what is fetched to the same transaction
    const age = Date.now() - open.started;
    if (txn.recordsIn < limit && !this.stopping && !open.due && age < this.cfg.commitIntervalMs) {
      if (!open.timer) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          // due by the timer, whatever Date.now() says (a timer may fire a millisecond early by it)
          open.timer = undefined;
          open.due = true;
          if (task.open === open) void this.drive(task);
        }, this.cfg.commitIntervalMs - age);
        timer.unref();
        open.timer = timer;
        this.timers.add(timer);
      }
      return false;
    }
    return (await this.commitOpenTxn(task)) && more && !this.stopping;
  }

  /** Drops the task's open transaction uncommitted (its store writes are rolled back). */
  private dropOpenTxn(task: RuntimeTask): void {
    const open = task.open;
    if (!open) return;
    task.open = undefined;
    if (open.timer) {
      clearTimeout(open.timer);
      this.timers.delete(open.timer);
    }
    this.engine.abortTxn(open.txn);
  }

  /**
   * Commits the task's open transaction: outputs, changelog and checkpoint records, the consumed
   * offsets, then EndTxn; returns whether it committed. Called under the task lock.
   */
  private async commitOpenTxn(task: RuntimeTask): Promise<boolean> {
    const open = task.open;
    const producer = task.producer;
    if (!open) return true;
    task.open = undefined;
    if (open.timer) {
      clearTimeout(open.timer);
      this.timers.delete(open.timer);
    }
    const { txn, used, started } = open;
    if (!producer) {
      this.engine.abortTxn(txn);
      return false;
    }

    // positions: past the last record processed; past what was fetched (control records
    // included) where the queue is empty
    const offsets = new Map<string, number>();
    for (const q of used) {
      const next = q.size === 0 ? q.next : Number(q.records[q.index].offset);
      this.engine.markConsumed(txn, q.topic, next);
      offsets.set(q.topic, Math.max(next, offsets.get(q.topic) ?? 0)); // a rejoin's seek may have replaced the queue mid-slice
    }

    const records = [...txn.produced, ...this.engine.changelogRecords(txn)];
    const commitStarted = Date.now();
    let transaction: Transaction | undefined;
    let produced: Map<string, number>;
    try {
      transaction = await producer.transaction();
      produced = await this.send(transaction, records);
      await transaction.sendOffsets({
        consumerGroupId: this.groupId,
        topics: [...offsets].map(([topic, next]) => ({
          topic,
          partitions: [{ partition: task.id, offset: String(next) }],
        })),
      });
      await transaction.commit();
    } catch (error) {
      let aborted = false;
      if (transaction?.isActive()) {
        try {
          await transaction.abort();
          aborted = true;
        } catch (abortError) {
          this.logger.warn({ task: task.id, err: abortError }, 'abort failed; the producer will be rebuilt');
        }
      }
      await this.onTransactionFailed(task, txn, error, aborted);
      return false;
    }
    const now = Date.now();
    try {
      this.engine.commitTxn(txn, produced);
    } catch (error) {
      // committed in Kafka, not on disk: the local state is behind its changelog; restore the tail
      this.taskFailed(task, error, 'local state write failed');
      return false;
    }
    task.failures = 0;
    task.transientFailures = 0;
    for (const q of used) this.compact(task, q);

    const m = this.metrics;
    m.commitDuration.observe(m.labels(), (now - commitStarted) / 1000);
    m.batchDuration.observe(m.labels(), (now - started) / 1000);
    m.batchSize.observe(m.labels(), txn.recordsIn);
    m.transactionsCommitted.inc(m.labels());
    for (const [topic, n] of txn.inByTopic) m.recordsIn.inc(m.labels({ topic }), n);
    const outByTopic = new Map<string, number>();
    for (const r of txn.produced) outByTopic.set(r.topic, (outByTopic.get(r.topic) ?? 0) + 1);
    for (const [topic, n] of outByTopic) m.recordsOut.inc(m.labels({ topic }), n);
    for (const d of txn.deadLetters) m.deadLetters.inc(m.labels({ topic: d.topic, kind: d.kind }));
    if (txn.punctuations) m.punctuations.inc(m.labels(), txn.punctuations);
    for (const q of used)
      m.lag.set(m.labels({ topic: q.topic, partition: task.id }), Math.max(0, q.hw - offsets.get(q.topic)!));
    return true;
  }

  /** Drops a queue's processed records; resumes its partition once the queue is worked down. */
  private compact(task: RuntimeTask, q: InputQueue): void {
    if (q.index > 0 && (q.size === 0 || q.index > 4096)) {
      q.records = q.size === 0 ? [] : q.records.slice(q.index);
      q.arrivals = q.size === 0 ? [] : q.arrivals.slice(q.index);
      q.index = 0;
    }
    if (q.paused && q.size < this.cfg.maxBufferedRecords / 2) {
      q.paused = false;
      this.resumePartitions([{ topic: q.topic, partitions: [task.id] }]);
    }
  }

  private async onTransactionFailed(
    task: RuntimeTask,
    txn: Txn,
    error: unknown,
    aborted: boolean,
  ): Promise<void> {
    this.engine.abortTxn(txn);
    const fenced = isFenced(error);
    this.metrics.transactionsAborted.inc(
      this.metrics.labels({ reason: fenced ? 'fenced' : aborted ? 'aborted' : 'abort-failed' }),
    );
    task.failures++;
    if (aborted && !fenced && task.failures <= 3) {
      // clean abort: stores dropped the transaction's writes, so only the input needs rewinding.
      // The producer is replaced all the same (InitProducerId: a new epoch, sequences from 0): a
      // batch whose produce failed may still have been appended, and the producer would give its
      // sequence numbers to the next transaction's records, which the broker would then take for
      // that batch again and drop.
      this.logger.warn(
        { task: task.id, err: redactError(error), failures: task.failures },
        'transaction aborted; rewinding the task to its committed offsets',
      );
      const current = () => this.tasks.get(task.id) === task && task.phase === 'running';
      try {
        if (!current()) return; // closed meanwhile: a new epoch now would fence the task's next owner
        await this.resetProducer(task);
        if (!current()) return;
        this.seekToCommitted(task);
        return;
      } catch (seekError) {
        error = seekError;
      }
    }
    // unknown outcome, fenced, or repeated failures: new producer (fences/aborts), re-restore from the changelog
    this.taskFailed(
      task,
      error,
      fenced ? 'transaction fenced (another instance owns this task id?)' : 'transaction failed',
      fenced ? Math.max(1_000, this.cfg.heartbeatInterval * 2) : undefined,
    );
  }

  /**
   * Sends the transaction's records in produce requests of bounded size. Requests are also capped
   * per partition: kafkajs groups messages per partition with an array spread per message
   * (quadratic in the messages of one partition in one request).
   */
  private async send(transaction: Transaction, records: ProducedRecord[]): Promise<Map<string, number>> {
    /** Next offset per topic after the records sent (partition = task for changelogs and checkpoints). */
    const produced = new Map<string, number>();
    let chunk: ProducedRecord[] = [];
    let bytes = 0;
    let perPartition = new Map<string, number>();
    const flush = async () => {
      if (chunk.length === 0) return;
      const byTopic = new Map<string, Message[]>();
      for (const r of chunk) {
        let messages = byTopic.get(r.topic);
        if (!messages) byTopic.set(r.topic, (messages = []));
        messages.push({
          key: r.key,
          value: r.value,
          partition: r.partition,
          headers: r.headers,
          timestamp: String(r.timestamp),
        });
      }
      const acks = await transaction.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      for (const ack of acks) {
        if (ack.baseOffset === undefined) continue;
        const n = perPartition.get(`${ack.topicName}|${ack.partition}`) ?? 0;
        const next = Number(ack.baseOffset) + n;
        if (next > (produced.get(ack.topicName) ?? -1)) produced.set(ack.topicName, next);
      }
      chunk = [];
      bytes = 0;
      perPartition = new Map();
    };
    for (const r of records) {
      const size = approxSize(r);
      const tp = `${r.topic}|${r.partition}`;
      const count = perPartition.get(tp) ?? 0;
      if (bytes + size > this.cfg.maxRequestBytes || count >= this.cfg.maxMessagesPerPartition) {
        await flush();
      }
      chunk.push(r);
      bytes += size;
      perPartition.set(tp, (perPartition.get(tp) ?? 0) + 1);
    }
    await flush();
    return produced;
  }

  private toRaw(topic: string, partition: number, m: KafkaMessage): RawRecord {
    return {
      topic,
      partition,
      offset: Number(m.offset),
      timestamp: Number(m.timestamp),
      key: m.key ?? null,
      value: m.value ?? null,
      headers: normalizeHeaders(m.headers),
    };
  }

  private updateGauges(): void {
    const m = this.metrics;
    m.tasksAssigned.set(m.labels(), this.tasks.size);
    let running = 0;
    const entries = new Map<string, number>();
    for (const t of this.tasks.values()) {
      if (t.phase === 'running') running++;
      for (const [name, store] of t.state.stores)
        entries.set(name, (entries.get(name) ?? 0) + store.committedSize);
    }
    m.tasksRunning.set(m.labels(), running);
    for (const [store, n] of entries) m.storeEntries.set(m.labels({ store }), n);
  }

  /** @internal for tests: error message of the fatal failure, if any. */
  get failure(): string | undefined {
    return this.fatal ? errorMessage(this.fatal) : undefined;
  }
}
