import type { KafkaConnection } from '@clearance/contracts';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { Counter, Histogram, Registry } from 'prom-client';
import { silentLogger, type Logger } from '@clearance/streams';
import { decodeMessage, type RecordDecoder } from './decode';
import { ensureTopics, kafkaClient } from './kafka';
import { PROJECTION_NAMES, projectionByName } from './projections';
import { DEFAULT_SCHEMA_PREFIX, ensureProjectionSchema, projectionSchema } from './schema';
import { SOURCES, topicNames, type ProjectionName, type SourceKey, type TopicNames } from './sources';
import { ProjectionWriter, type ProjectionBatch } from './writer';
import { filteredBatch, PartitionQueue } from './filtered';
import { bindToCluster } from './cluster';

/** Kafka connection (brokers, TLS, SASL) plus what the projector needs. */
export interface ProjectorOptions extends KafkaConnection {
  pool: Pool;
  /** RegistryCodecs (or anything that decodes registry-framed Avro). */
  decoder: RecordDecoder;
  /** Consumer group id, used exactly as given. Default `projector`. */
  groupId?: string;
  clientId?: string;
  /** Schemas are `<prefix><projection>`. Default `projection_`. */
  schemaPrefix?: string;
  /** Which projections to build. Default all. */
  projections?: ReadonlyArray<ProjectionName>;
  /** Topic name overrides per source (tests). */
  topics?: Partial<TopicNames>;
  /** Partitions processed concurrently. Default 4. */
  concurrency?: number;
  /** Partition count for source topics the projector has to create. Default 12. */
  partitions?: number;
  /** Replication factor of topics it creates; unset: the broker's default. */
  replicationFactor?: number;
  /** Create missing source topics. Default true. */
  createTopics?: boolean;
  sessionTimeout?: number;
  maxBytesPerPartition?: number;
  logger?: Logger;
  registry?: Registry;
}

export interface ProjectorStatus {
  state: 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';
  groupId: string;
  joined: boolean;
  generation: number;
  projections: Array<{ name: ProjectionName; schema: string }>;
  records: number;
  lastBatchAt?: number;
  error?: string;
}

/**
 * Reads the projector's source topics (read committed, offsets committed by hand) and writes
 * every projection's read model into its Postgres schema, exactly once: the consumed offsets go in
 * the same database transaction as the rows ({@link ProjectionWriter}); Kafka's committed offsets
 * are only a starting hint and may lag.
 */
export class Projector {
  readonly groupId: string;
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private readonly names: TopicNames;
  private readonly writers: ProjectionWriter[];
  private readonly bySource = new Map<SourceKey, ProjectionWriter[]>();
  private readonly sourceOfTopic = new Map<string, SourceKey>();
  /** Per topic-partition: offset writes past filtered-out records still running (see storeFilteredGap). */
  private readonly pendingGaps = new PartitionQueue();
  private consumer?: Consumer;
  private state: ProjectorStatus['state'] = 'created';
  private joined = false;
  private generation = 0;
  private records = 0;
  private lastBatchAt?: number;
  private lastActivity = Date.now();
  private error?: Error;
  private stopPromise?: Promise<void>;
  readonly registry: Registry;
  private readonly metrics: {
    records: Counter<'projection' | 'result'>;
    batches: Counter<'projection'>;
    seeks: Counter<'projection'>;
    duration: Histogram<'projection'>;
  };

  constructor(private readonly options: ProjectorOptions) {
    this.groupId = options.groupId ?? 'projector';
    this.logger = (options.logger ?? silentLogger).child({ component: 'projector', groupId: this.groupId });
    this.names = topicNames(options.topics);
    this.kafka = kafkaClient(options, options.clientId ?? this.groupId, this.logger);
    const prefix = options.schemaPrefix ?? DEFAULT_SCHEMA_PREFIX;
    const selected = options.projections ?? PROJECTION_NAMES;
    if (selected.length === 0) throw new Error('the projector needs at least one projection');
    this.writers = selected.map((name) => {
      const projection = projectionByName(name);
      return new ProjectionWriter(options.pool, projection, projectionSchema(prefix, name), {
        logger: this.logger,
      });
    });
    for (const w of this.writers) {
      for (const s of w.projection.sources) {
        this.bySource.set(s, [...(this.bySource.get(s) ?? []), w]);
        this.sourceOfTopic.set(this.names[s], s);
      }
    }
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    const get = <M>(name: string, make: () => M): M =>
      (this.registry.getSingleMetric(name) as M | undefined) ?? make();
    this.metrics = {
      records: get(
        'projector_records_total',
        () =>
          new Counter({
            name: 'projector_records_total',
            help: 'Records written to a projection (result: applied, skipped, failed)',
            labelNames: ['projection', 'result'],
            registers,
          }),
      ),
      batches: get(
        'projector_transactions_total',
        () =>
          new Counter({
            name: 'projector_transactions_total',
            help: 'Projection transactions committed',
            labelNames: ['projection'],
            registers,
          }),
      ),
      seeks: get(
        'projector_seeks_total',
        () =>
          new Counter({
            name: 'projector_seeks_total',
            help: 'Seeks back to a stored offset behind the consumer',
            labelNames: ['projection'],
            registers,
          }),
      ),
      duration: get(
        'projector_transaction_seconds',
        () =>
          new Histogram({
            name: 'projector_transaction_seconds',
            help: 'Time of one projection transaction',
            labelNames: ['projection'],
            buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
            registers,
          }),
      ),
    };
  }

  /** The topics read (actual names). */
  get topics(): string[] {
    return [...this.sourceOfTopic.keys()];
  }

  /** Migrates every projection's live schema, joins the group and starts consuming. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`projector already ${this.state}`);
    this.state = 'starting';
    try {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        const { clusterId } = await admin.describeCluster();
        for (const w of this.writers) {
          const applied = await ensureProjectionSchema(this.options.pool, w.projection, w.schema);
          if (applied.length > 0)
            this.logger.info({ schema: w.schema, applied }, 'projection migrations applied');
          await bindToCluster(this.options.pool, w.schema, clusterId);
        }
        if (this.options.createTopics ?? true) {
          const compacted = new Set(
            [...this.sourceOfTopic].filter(([, source]) => SOURCES[source].compacted).map(([topic]) => topic),
          );
          const created = await ensureTopics(
            admin,
            this.topics,
            this.options.partitions ?? 12,
            compacted,
            this.options.replicationFactor,
          );
          if (created.length > 0) this.logger.info({ created }, 'source topics created');
        }
      } finally {
        await admin.disconnect();
      }
      const consumer = this.kafka.consumer({
        groupId: this.groupId,
        readUncommitted: false,
        allowAutoTopicCreation: false,
        sessionTimeout: this.options.sessionTimeout ?? 30_000,
        maxBytesPerPartition: this.options.maxBytesPerPartition ?? 2 * 1024 * 1024,
        maxWaitTimeInMs: 250,
      });
      this.consumer = consumer;
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        this.joined = true;
        this.generation += 1;
        this.lastActivity = Date.now();
        for (const w of this.writers) w.forget(); // re-check stored offsets of whatever we got
        this.logger.info({ assignment: e.payload.memberAssignment }, 'projector joined the group');
      });
      // A fetch whose records were all filtered out (an aborted transaction, transaction markers)
      // never reaches eachBatch: kafkajs moves its position past them by itself. Store that
      // progress too, or the stored offsets stay behind the log's end (lag that never clears).
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
        const gap = filteredBatch(e.payload);
        if (gap) this.storeFilteredGap(gap);
      });
      consumer.on(consumer.events.HEARTBEAT, () => (this.lastActivity = Date.now()));
      consumer.on(consumer.events.FETCH, () => (this.lastActivity = Date.now()));
      consumer.on(consumer.events.REBALANCING, () => (this.joined = false));
      consumer.on(consumer.events.CRASH, (e) => {
        this.logger.error({ err: e.payload.error, restart: e.payload.restart }, 'projector consumer crashed');
        if (!e.payload.restart) {
          this.state = 'failed';
          this.error = e.payload.error;
        }
      });
      await consumer.connect();
      await consumer.subscribe({ topics: this.topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.concurrency ?? 4,
        eachBatch: (payload) => this.eachBatch(payload),
      });
      this.state = 'running';
      this.logger.info(
        { topics: this.topics, schemas: this.writers.map((w) => w.schema) },
        'projector started',
      );
    } catch (e) {
      this.state = 'failed';
      this.error = e as Error;
      await this.consumer?.disconnect().catch(() => undefined);
      throw e;
    }
  }

  /** Stores the offset past a fetch kafkajs filtered to nothing (see filtered.ts), before the partition's next batch. */
  private storeFilteredGap(batch: ProjectionBatch): void {
    const source = this.sourceOfTopic.get(batch.topic);
    if (!source) return;
    const { topic, partition } = batch;
    this.pendingGaps
      .push(`${topic}|${partition}`, async () => {
        for (const w of this.bySource.get(source) ?? []) {
          const r = await w.write(batch);
          if (r.seekTo !== undefined) {
            this.consumer?.seek({ topic, partition, offset: String(r.seekTo) });
            return;
          }
        }
      })
      .catch((err) =>
        this.logger.warn(
          { err, topic, partition, endOffset: batch.endOffset },
          'could not store the offset past filtered records; the next batch will',
        ),
      );
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const source = this.sourceOfTopic.get(batch.topic);
    if (!source || batch.messages.length === 0) return;
    await this.pendingGaps.idle(`${batch.topic}|${batch.partition}`);
    const writers = this.bySource.get(source) ?? [];
    const fetched = (batch as unknown as { fetchedOffset?: string }).fetchedOffset;
    const projectionBatch: ProjectionBatch = {
      topic: batch.topic,
      partition: batch.partition,
      fetchedOffset: Number(fetched ?? batch.firstOffset() ?? 0),
      endOffset: Number(batch.lastOffset()) + 1,
      records: await Promise.all(
        batch.messages.map((m) =>
          decodeMessage(this.options.decoder, source, batch.topic, batch.partition, m),
        ),
      ),
    };
    let seekTo: number | undefined;
    for (const w of writers) {
      if (!payload.isRunning() || payload.isStale()) return;
      const started = Date.now();
      const r = await w.write(projectionBatch);
      const labels = { projection: w.projection.name };
      if (r.seekTo !== undefined) {
        seekTo = Math.min(seekTo ?? Number.MAX_SAFE_INTEGER, r.seekTo);
        this.metrics.seeks.inc(labels);
        continue;
      }
      this.metrics.duration.observe(labels, (Date.now() - started) / 1000);
      this.metrics.batches.inc(labels);
      this.metrics.records.inc({ ...labels, result: 'applied' }, r.applied);
      if (r.skipped) this.metrics.records.inc({ ...labels, result: 'skipped' }, r.skipped);
      if (r.failed) this.metrics.records.inc({ ...labels, result: 'failed' }, r.failed);
    }
    if (seekTo !== undefined) {
      this.consumer!.seek({ topic: batch.topic, partition: batch.partition, offset: String(seekTo) });
      return;
    }
    payload.resolveOffset(batch.lastOffset());
    this.records += batch.messages.length;
    this.lastBatchAt = this.lastActivity = Date.now();
    // Kafka's copy of the position: a hint for the next start, the database has the truth
    await this.consumer!.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: String(projectionBatch.endOffset) },
    ]).catch((err) =>
      this.logger.warn({ err }, 'offset commit to Kafka failed (the database keeps the position)'),
    );
    await payload.heartbeat().catch(() => undefined);
  }

  /** Graceful: finishes the batch in hand, commits, leaves the group. */
  stop(): Promise<void> {
    if (!this.stopPromise) {
      this.stopPromise = (async () => {
        if (this.state !== 'failed') this.state = 'stopping';
        await this.consumer
          ?.disconnect()
          .catch((err) => this.logger.warn({ err }, 'consumer disconnect failed'));
        await this.pendingGaps.drain();
        if (this.state !== 'failed') this.state = 'stopped';
        this.logger.info({ records: this.records }, 'projector stopped');
      })();
    }
    return this.stopPromise;
  }

  /** Joined and consuming. */
  isReady(): boolean {
    return this.state === 'running' && this.joined;
  }

  /** Not crashed; the consumer showed life within the session timeout (or is rebalancing). */
  isAlive(): boolean {
    if (this.state === 'failed') return false;
    if (this.state !== 'running') return true;
    return !this.joined || Date.now() - this.lastActivity < (this.options.sessionTimeout ?? 30_000) * 2;
  }

  status(): ProjectorStatus {
    return {
      state: this.state,
      groupId: this.groupId,
      joined: this.joined,
      generation: this.generation,
      projections: this.writers.map((w) => ({ name: w.projection.name, schema: w.schema })),
      records: this.records,
      lastBatchAt: this.lastBatchAt,
      error: this.error?.message,
    };
  }

  /** Stored offsets of every projection (`projection` -> `topic|partition` -> next offset). */
  async storedOffsets(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const w of this.writers) out[w.projection.name] = Object.fromEntries(await w.storedOffsets());
    return out;
  }
}

/** A projector (not started) from options; see {@link Projector}. */
export const createProjector = (options: ProjectorOptions): Projector => new Projector(options);
