import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { TaskEngine, TaskState } from '../internal/engine';
import type { Logger } from '../logger';
import { redactError } from '../pii';
import type { StreamsMetrics } from './metrics';

export interface RestoreTarget {
  id: number;
  state: TaskState;
}

export interface RestoreStats {
  records: number;
  durationMs: number;
  /** Persistent stores: whether the local state was kept (only the changelog tail read). */
  local?: 'kept' | 'empty' | 'wiped';
}

export interface RestoreCallbacks {
  restored(task: number, stats: RestoreStats): void;
  failed(task: number, error: unknown): void;
}

export interface RestoreDeps {
  kafka: Kafka;
  admin: Admin;
  engine: TaskEngine;
  groupId: string;
  logger: Logger;
  metrics: StreamsMetrics;
  maxBytesPerPartition: number;
}

const tpKey = (topic: string, partition: number) => `${topic}|${partition}`;

/**
 * Restores tasks from their changelogs (the stores' changelogs and the checkpoint topic, partition
 * = task) before they process anything. kafkajs has no `assign()`, so a job uses its own consumer
 * in a throwaway group (`<group>.restore.<uuid>`, read-committed, no offset commits) that is
 * assigned every partition of those topics, pauses the ones it does not need, reads from the
 * beginning, and declares a partition restored when its position (advanced past control records
 * too) reaches the end offset taken at the start (read-committed end offset: the last offset may
 * be a transaction marker, so positions are compared, as Kafka Streams does).
 */
export class RestoreJob {
  private consumer?: Consumer;
  private readonly pendingByTask = new Map<number, Set<string>>();
  private readonly ends = new Map<string, number>();
  private readonly positions = new Map<string, number>();
  private readonly recordsByTask = new Map<number, number>();
  /** Start offsets past the log start (a persistent store's local checkpoint), by topic|partition. */
  private readonly seeks = new Map<string, number>();
  private readonly localByTask = new Map<number, RestoreStats['local']>();
  private readonly targets = new Map<number, RestoreTarget>();
  private readonly closed = new Set<number>();
  private started = 0;
  private resolveDone?: () => void;
  private stopped = false;

  constructor(
    private readonly deps: RestoreDeps,
    targets: RestoreTarget[],
    private readonly callbacks: RestoreCallbacks,
  ) {
    for (const t of targets) this.targets.set(t.id, t);
  }

  get taskIds(): number[] {
    return [...this.targets.keys()];
  }

  /** Stops caring about a task (revoked while restoring). */
  cancel(task: number): void {
    if (this.closed.has(task)) return;
    this.closed.add(task);
    this.pendingByTask.delete(task);
    this.pauseTask(task);
    this.checkAllDone();
  }

  async run(): Promise<void> {
    const { admin, engine, logger } = this.deps;
    this.started = Date.now();
    const topics = engine.restoreTopics;
    const lows = new Map<string, number>();
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        this.ends.set(tpKey(topic, o.partition), Number(o.high));
        this.positions.set(tpKey(topic, o.partition), Number(o.low));
        lows.set(tpKey(topic, o.partition), Number(o.low));
      }
    }
    for (const [id, target] of this.targets) {
      if (this.closed.has(id)) continue;
      target.state.reset();
      this.recordsByTask.set(id, 0);
      const bounds = new Map<string, { low: number; high: number }>();
      for (const topic of topics) {
        const key = tpKey(topic, id);
        const end = this.ends.get(key);
        if (end === undefined) throw new Error(`restore: ${topic} has no partition ${id}`);
        bounds.set(topic, { low: lows.get(key)!, high: end });
      }
      // persistent stores: the local state says where their changelogs' tails begin
      const plan = target.state.planRestore(bounds);
      if (target.state.persistence)
        this.localByTask.set(id, plan.wiped ? 'wiped' : plan.starts.size > 0 ? 'kept' : 'empty');
      const needed = new Set<string>();
      for (const topic of topics) {
        const key = tpKey(topic, id);
        const start = plan.starts.get(topic);
        if (start !== undefined && start > this.positions.get(key)!) {
          this.positions.set(key, start);
          this.seeks.set(key, start);
        }
        if (this.positions.get(key)! < this.ends.get(key)!) needed.add(key);
      }
      this.pendingByTask.set(id, needed);
    }
    for (const id of [...this.pendingByTask.keys()]) this.maybeTaskDone(id);
    if (this.pendingByTask.size === 0 || this.stopped) return;

    const groupId = `${this.deps.groupId}.restore.${randomUUID()}`;
    logger.debug({ groupId, tasks: [...this.pendingByTask.keys()] }, 'restore consumer starting');
    const consumer = this.deps.kafka.consumer({
      groupId,
      readUncommitted: false,
      maxBytesPerPartition: this.deps.maxBytesPerPartition,
      maxBytes: Math.max(this.deps.maxBytesPerPartition * 4, 10 * 1024 * 1024),
      maxWaitTimeInMs: 50,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    this.consumer = consumer;
    const done = new Promise<void>((resolve) => (this.resolveDone = resolve));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const toPause: Array<{ topic: string; partitions: number[] }> = [];
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
        const idle = (partitions as number[]).filter((p) => !this.isActive(tpKey(topic, p)));
        if (idle.length) toPause.push({ topic, partitions: idle });
      }
      if (toPause.length) consumer.pause(toPause);
      for (const [key, offset] of this.seeks) {
        if (!this.isActive(key)) continue;
        const cut = key.lastIndexOf('|');
        consumer.seek({ topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)), offset: String(offset) });
      }
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      this.advance(e.payload.topic, e.payload.partition, Number(e.payload.lastOffset) + 1);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      for (const id of [...this.pendingByTask.keys()]) this.fail(id, e.payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        const key = tpKey(batch.topic, batch.partition);
        if (!this.isActive(key)) return;
        const target = this.targets.get(batch.partition)!;
        try {
          for (const m of batch.messages) {
            if (Number(m.offset) < (this.seeks.get(key) ?? 0)) continue; // before the local checkpoint
            const pending = engine.restoreRecord(target.state, batch.topic, m.key, m.value);
            if (pending) await pending;
          }
          target.state.flushRestored();
          this.recordsByTask.set(target.id, (this.recordsByTask.get(target.id) ?? 0) + batch.messages.length);
          this.deps.metrics.restoreRecords.inc(
            this.deps.metrics.labels({ topic: batch.topic }),
            batch.messages.length,
          );
        } catch (error) {
          this.fail(target.id, error);
        }
      },
    });
    this.checkAllDone();
    await done;
    await this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resolveDone?.();
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer)
      await consumer
        .disconnect()
        .catch((err) => this.deps.logger.warn({ err }, 'restore consumer disconnect failed'));
  }

  private isActive(key: string): boolean {
    const task = Number(key.slice(key.lastIndexOf('|') + 1));
    return this.pendingByTask.get(task)?.has(key) === true;
  }

  private advance(topic: string, partition: number, position: number): void {
    const key = tpKey(topic, partition);
    if ((this.positions.get(key) ?? -1) < position) this.positions.set(key, position);
    const pending = this.pendingByTask.get(partition);
    if (!pending?.has(key)) return;
    if (position >= this.ends.get(key)!) {
      pending.delete(key);
      this.consumer?.pause([{ topic, partitions: [partition] }]);
      this.maybeTaskDone(partition);
    }
  }

  private maybeTaskDone(task: number): void {
    const pending = this.pendingByTask.get(task);
    if (!pending || pending.size > 0) return;
    this.pendingByTask.delete(task);
    if (this.closed.has(task)) return;
    const target = this.targets.get(task)!;
    try {
      const positions = new Map<string, number>();
      for (const topic of this.deps.engine.restoreTopics) positions.set(topic, this.positions.get(tpKey(topic, task))!);
      target.state.restoreFinished(positions);
    } catch (error) {
      this.fail(task, error);
      return;
    }
    this.closed.add(task);
    const stats: RestoreStats = {
      records: this.recordsByTask.get(task) ?? 0,
      durationMs: Date.now() - this.started,
      local: this.localByTask.get(task),
    };
    this.deps.metrics.restoreDuration.observe(this.deps.metrics.labels(), stats.durationMs / 1000);
    try {
      this.callbacks.restored(task, stats);
    } catch (error) {
      this.deps.logger.error({ task, err: redactError(error) }, 'restore callback failed');
    }
    this.checkAllDone();
  }

  private fail(task: number, error: unknown): void {
    if (this.closed.has(task)) return;
    this.closed.add(task);
    this.pendingByTask.delete(task);
    this.pauseTask(task);
    this.callbacks.failed(task, error);
    this.checkAllDone();
  }

  private pauseTask(task: number): void {
    if (!this.consumer) return;
    try {
      this.consumer.pause(this.deps.engine.restoreTopics.map((topic) => ({ topic, partitions: [task] })));
    } catch {
      // not running yet: the GROUP_JOIN handler pauses inactive partitions
    }
  }

  private checkAllDone(): void {
    if (this.pendingByTask.size === 0) this.resolveDone?.();
  }
}
