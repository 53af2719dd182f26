import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { GlobalSpec, Globals } from '../definition';
import { errorMessage } from '../errors';
import { GlobalTableImpl } from '../internal/global-table';
import type { Logger } from '../logger';
import { redactError } from '../pii';
import { isPromiseLike, stringSerde } from '../serdes';
import type { StreamsMetrics } from './metrics';

export interface GlobalReaderDeps {
  kafka: Kafka;
  admin: Admin;
  groupId: string;
  logger: Logger;
  metrics: StreamsMetrics;
  maxBytesPerPartition: number;
}

const tpKey = (topic: string, partition: number) => `${topic}|${partition}`;

/**
 * Keeps global tables: every partition of every global topic is read (a consumer in a throwaway
 * group `<group>.global.<uuid>`, read-committed, no offset commits) from the beginning up to the
 * end offsets taken at start — `ready` resolves then — and followed afterwards, so updates become
 * visible to processors without a restart. Tombstones delete; undecodable records are logged,
 * counted and skipped.
 */
export class GlobalTablesReader {
  readonly tables = new Map<string, GlobalTableImpl<unknown>>();
  private readonly byTopic = new Map<string, { name: string; spec: GlobalSpec<unknown> }>();
  private consumer?: Consumer;
  private readonly pending = new Set<string>();
  private readonly ends = new Map<string, number>();
  private resolveReady?: () => void;
  private rejectReady?: (e: unknown) => void;
  private isReady = false;
  private deps!: GlobalReaderDeps;

  constructor(globals: Globals) {
    for (const [name, spec] of Object.entries(globals)) {
      this.tables.set(name, new GlobalTableImpl(name));
      if (this.byTopic.has(spec.topic))
        throw new Error(
          `global tables ${this.byTopic.get(spec.topic)!.name} and ${name} read the same topic ${spec.topic}`,
        );
      this.byTopic.set(spec.topic, { name, spec });
    }
  }

  get ready(): boolean {
    return this.isReady;
  }

  /** Loads every table in full; resolves when caught up with the end offsets taken at start. */
  async start(deps: GlobalReaderDeps): Promise<void> {
    this.deps = deps;
    const topics = [...this.byTopic.keys()];
    if (topics.length === 0) {
      this.isReady = true;
      return;
    }
    const started = Date.now();
    for (const topic of topics) {
      for (const o of await this.deps.admin.fetchTopicOffsets(topic)) {
        const key = tpKey(topic, o.partition);
        this.ends.set(key, Number(o.high));
        if (Number(o.low) < Number(o.high)) this.pending.add(key);
      }
    }
    const ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    const consumer = this.deps.kafka.consumer({
      groupId: `${this.deps.groupId}.global.${randomUUID()}`,
      readUncommitted: false,
      maxBytesPerPartition: this.deps.maxBytesPerPartition,
      maxWaitTimeInMs: 100,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const key = tpKey(e.payload.topic, e.payload.partition);
      if (this.pending.has(key) && Number(e.payload.lastOffset) + 1 >= this.ends.get(key)!) {
        this.pending.delete(key);
        this.checkReady(started);
      }
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.deps.logger.error(
        { err: redactError(e.payload.error), restart: e.payload.restart },
        'global table consumer crashed',
      );
      if (!this.isReady && !e.payload.restart) this.rejectReady?.(e.payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const entry = this.byTopic.get(batch.topic);
        if (!entry) return;
        const table = this.tables.get(entry.name)!;
        const keySerde = entry.spec.key ?? stringSerde;
        for (const m of batch.messages) {
          if (m.key === null) continue;
          try {
            const k = keySerde.deserialize(batch.topic, m.key);
            const key = isPromiseLike(k) ? await k : k;
            if (m.value === null) {
              table.delete(key);
            } else {
              const v = entry.spec.value.deserialize(batch.topic, m.value);
              table.set(key, isPromiseLike(v) ? await v : v);
            }
          } catch (error) {
            this.deps.metrics.globalErrors.inc(this.deps.metrics.labels({ table: entry.name }));
            this.deps.logger.error(
              {
                table: entry.name,
                topic: batch.topic,
                partition: batch.partition,
                offset: m.offset,
                error: errorMessage(error),
              },
              'global table record does not decode; skipped',
            );
          }
        }
        this.deps.metrics.globalRecords.inc(
          this.deps.metrics.labels({ table: entry.name }),
          batch.messages.length,
        );
      },
    });
    this.checkReady(started);
    await ready;
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.resolveReady?.();
    if (consumer)
      await consumer
        .disconnect()
        .catch((err) => this.deps?.logger.warn({ err }, 'global consumer disconnect failed'));
  }

  private checkReady(started: number): void {
    if (this.isReady || this.pending.size > 0) return;
    this.isReady = true;
    this.deps.logger.info(
      {
        tables: Object.fromEntries([...this.tables].map(([n, t]) => [n, t.size])),
        durationMs: Date.now() - started,
      },
      'global tables loaded',
    );
    this.resolveReady?.();
  }
}
