import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { TaskEngine, TaskState } from '../internal/engine';
import type { TaskDisk } from '../internal/state-dir';
import type { Logger } from '../logger';
import type { StreamsMetrics } from './metrics';

export interface StandbyDeps {
  kafka: Kafka;
  admin: Admin;
  engine: TaskEngine;
  groupId: string;
  logger: Logger;
  metrics: StreamsMetrics;
  maxBytesPerPartition: number;
  /** The task's local state (the runtime's, shared with the task when it becomes active here). */
  diskFor(task: number): TaskDisk | undefined;
}

interface Standby {
  task: number;
  state: TaskState;
  /** Next offset to apply, per topic. */
  positions: Map<string, number>;
  caughtUp: boolean;
}

const tpKey = (topic: string, partition: number) => `${topic}|${partition}`;

/**
 * Standby replicas (Kafka Streams' num.standby.replicas): warm copies of tasks this instance does
 * not own, kept in their local state directories by following the persistent stores' changelogs
 * and the checkpoint topic, read-committed. Each fetched batch is applied in one LMDB transaction
 * with the local checkpoint, as a restore does, so when the task moves here (the assigner
 * prefers the member with its local state) its restore reads only what the owner committed
 * since the last batch.
 *
 * One consumer in a throwaway group (`<group>.standby.<uuid>`: kafkajs has no `assign()`), every
 * partition of those topics assigned to it and the ones of no standby task paused; a task added
 * is positioned at its local checkpoint (seek), a task removed paused before anything else uses
 * its directory.
 */
export class StandbyKeeper {
  private consumer?: Consumer;
  private running?: Promise<void>;
  private readonly standbys = new Map<number, Standby>();
  private readonly topics: string[];
  /** The consumer's partitions per topic (every partition: it is alone in its group). */
  private assigned?: Record<string, number[]>;
  private stopped = false;

  constructor(private readonly deps: StandbyDeps) {
    this.topics = deps.engine.persistentTopics;
  }

  get tasks(): number[] {
    return [...this.standbys.keys()].sort((a, b) => a - b);
  }

  /** Lag (records not applied yet) per standby task, at the last fetch. */
  status(): Array<{ task: number; caughtUp: boolean; positions: Record<string, number> }> {
    return [...this.standbys.values()].map((s) => ({
      task: s.task,
      caughtUp: s.caughtUp,
      positions: Object.fromEntries(s.positions),
    }));
  }

  private gauges(): void {
    const m = this.deps.metrics;
    let caughtUp = 0;
    for (const s of this.standbys.values()) if (s.caughtUp) caughtUp++;
    m.standbyTasks.set(m.labels({ state: 'caught_up' }), caughtUp);
    m.standbyTasks.set(m.labels({ state: 'following' }), this.standbys.size - caughtUp);
  }

  /** Stops following a task (it becomes active here, or went elsewhere). Synchronous: no batch of it is applied after. */
  remove(task: number): void {
    if (!this.standbys.delete(task)) return;
    this.gauges();
    this.pause([task]);
    this.deps.logger.info({ task }, 'standby task dropped');
  }

  /** Sets the standby tasks (after a rebalance): drops the others, starts following the new ones. */
  async update(tasks: number[]): Promise<void> {
    if (this.stopped) return;
    const wanted = new Set(tasks);
    for (const task of [...this.standbys.keys()]) if (!wanted.has(task)) this.remove(task);
    const added = tasks.filter((t) => !this.standbys.has(t) && this.deps.diskFor(t) !== undefined);
    if (added.length === 0) return;
    const bounds = await this.bounds();
    for (const task of added) {
      if (this.stopped) return;
      const disk = this.deps.diskFor(task)!;
      const state = this.deps.engine.newTask(task, disk);
      state.reset();
      const b = new Map(this.topics.map((t) => [t, bounds.get(tpKey(t, task))!]));
      let plan;
      try {
        plan = state.planRestore(b);
      } catch (error) {
        this.deps.logger.warn(
          { task, err: error },
          'standby task not started: its local state cannot be opened',
        );
        continue;
      }
      const positions = new Map<string, number>();
      for (const t of this.topics) positions.set(t, Math.max(plan.starts.get(t) ?? 0, b.get(t)!.low));
      this.standbys.set(task, { task, state, positions, caughtUp: false });
      this.gauges();
      this.deps.logger.info(
        {
          task,
          local: plan.wiped ? 'wiped' : plan.starts.size > 0 ? 'kept' : 'empty',
          positions: Object.fromEntries(positions),
        },
        'standby task following its changelogs',
      );
    }
    if (!this.consumer) this.running = this.start();
    else if (this.assigned) this.positionAll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.standbys.clear();
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer)
      await consumer
        .disconnect()
        .catch((err) => this.deps.logger.warn({ err }, 'standby consumer disconnect failed'));
    await this.running?.catch(() => undefined);
  }

  private async bounds(): Promise<Map<string, { low: number; high: number }>> {
    const out = new Map<string, { low: number; high: number }>();
    for (const topic of this.topics)
      for (const o of await this.deps.admin.fetchTopicOffsets(topic))
        out.set(tpKey(topic, o.partition), { low: Number(o.low), high: Number(o.high) });
    return out;
  }

  private async start(): Promise<void> {
    const consumer = this.deps.kafka.consumer({
      groupId: `${this.deps.groupId}.standby.${randomUUID()}`,
      readUncommitted: false,
      maxBytesPerPartition: this.deps.maxBytesPerPartition,
      maxWaitTimeInMs: 250,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.assigned = e.payload.memberAssignment;
      this.positionAll();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        const standby = this.standbys.get(batch.partition);
        if (!standby) return;
        const from = standby.positions.get(batch.topic) ?? 0;
        try {
          let n = 0;
          for (const m of batch.messages) {
            if (Number(m.offset) < from) continue;
            const pending = this.deps.engine.restoreRecord(standby.state, batch.topic, m.key, m.value);
            if (pending) throw new Error('a persistent store needs synchronous serdes');
            n++;
          }
          standby.positions.set(batch.topic, Number(batch.lastOffset()) + 1);
          standby.state.restoreFinished(standby.positions);
          if (n > 0)
            this.deps.metrics.standbyRecords.inc(this.deps.metrics.labels({ topic: batch.topic }), n);
          if (!standby.caughtUp && batch.offsetLag() === '0') {
            standby.caughtUp = true;
            this.gauges();
            this.deps.logger.info({ task: standby.task }, 'standby task caught up');
          }
        } catch (error) {
          this.deps.logger.warn(
            { task: standby.task, err: error },
            'standby task stopped: cannot apply its changelog',
          );
          this.remove(standby.task);
        }
      },
    });
  }

  /** Pauses every partition of no standby task; seeks and resumes those of the standby tasks. */
  private positionAll(): void {
    const consumer = this.consumer;
    if (!consumer) return;
    const pause: Array<{ topic: string; partitions: number[] }> = [];
    const resume: Array<{ topic: string; partitions: number[] }> = [];
    for (const topic of this.topics) {
      const partitions = this.assigned?.[topic] ?? [];
      pause.push({ topic, partitions: partitions.filter((p) => !this.standbys.has(p)) });
      const mine = partitions.filter((p) => this.standbys.has(p));
      for (const p of mine)
        consumer.seek({ topic, partition: p, offset: String(this.standbys.get(p)!.positions.get(topic)) });
      resume.push({ topic, partitions: mine });
    }
    consumer.pause(pause.filter((x) => x.partitions.length > 0));
    consumer.resume(resume.filter((x) => x.partitions.length > 0));
  }

  private pause(tasks: number[]): void {
    const consumer = this.consumer;
    if (!consumer) return;
    try {
      consumer.pause(this.topics.map((topic) => ({ topic, partitions: tasks })));
    } catch {
      // not running yet: positionAll pauses it at the join
    }
  }
}
