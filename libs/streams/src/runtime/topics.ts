import type { Admin, ITopicConfig } from 'kafkajs';
import { StreamsConfigError } from '../errors';
import type { Logger } from '../logger';

export interface TopicPlan {
  /** Co-partitioned inputs; their (common) partition count is the task count. */
  inputs: string[];
  outputs: Array<{ topic: string; partitions?: number; config?: Record<string, string> }>;
  /** Changelogs and the checkpoint topic: compacted, exactly one partition per task. */
  changelogs: Array<{ topic: string; config?: Record<string, string> }>;
  deadLetters: string[];
  globals: string[];
}

export interface TopicOptions {
  create: boolean;
  /** Partition count for inputs when none exists yet. */
  defaultPartitions: number;
  replicationFactor?: number;
  /** Extra configs for every topic the runtime creates. */
  config?: Record<string, string>;
}

export interface TopicLayout {
  taskCount: number;
  partitions: Map<string, number>;
}

const toEntries = (config: Record<string, string>) =>
  Object.entries(config).map(([name, value]) => ({ name, value }));

/**
 * Checks the partition layout and creates missing topics:
 *  - co-partitioned inputs must have equal partition counts (their count is the task count);
 *  - changelogs must have exactly one partition per task (created compacted);
 *  - outputs, DLQs and global topics are created if missing (default: the task count).
 */
export async function ensureTopics(
  admin: Admin,
  plan: TopicPlan,
  options: TopicOptions,
  logger: Logger,
): Promise<TopicLayout> {
  const wanted = new Set([
    ...plan.inputs,
    ...plan.outputs.map((o) => o.topic),
    ...plan.changelogs.map((c) => c.topic),
    ...plan.deadLetters,
    ...plan.globals,
  ]);
  const partitions = await describe(admin, [...wanted]);

  const existingInputs = plan.inputs.filter((t) => partitions.has(t));
  const counts = new Set(existingInputs.map((t) => partitions.get(t)!));
  if (counts.size > 1) {
    throw new StreamsConfigError(
      `co-partitioned input topics must have the same partition count, found ${existingInputs.map((t) => `${t}=${partitions.get(t)}`).join(', ')}`,
    );
  }
  const taskCount = counts.size === 1 ? [...counts][0] : options.defaultPartitions;

  for (const c of plan.changelogs) {
    const n = partitions.get(c.topic);
    if (n !== undefined && n !== taskCount) {
      throw new StreamsConfigError(
        `changelog ${c.topic} has ${n} partitions but the inputs have ${taskCount} (one changelog partition per task is required)`,
      );
    }
  }

  const toCreate: ITopicConfig[] = [];
  const base = options.config ?? {};
  const add = (topic: string, numPartitions: number, config: Record<string, string>) => {
    if (partitions.has(topic) || toCreate.some((t) => t.topic === topic)) return;
    toCreate.push({
      topic,
      numPartitions,
      ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {}),
      configEntries: toEntries({ ...base, ...config }),
    });
  };
  for (const t of plan.inputs) add(t, taskCount, {});
  for (const c of plan.changelogs)
    add(c.topic, taskCount, { ...(c.config ?? {}), 'cleanup.policy': 'compact' });
  for (const t of plan.deadLetters) add(t, taskCount, {});
  for (const o of plan.outputs) add(o.topic, o.partitions ?? taskCount, o.config ?? {});
  for (const t of plan.globals) add(t, taskCount, { 'cleanup.policy': 'compact' });

  if (toCreate.length > 0) {
    if (!options.create)
      throw new StreamsConfigError(
        `missing topics (topic creation is disabled): ${toCreate.map((t) => t.topic).join(', ')}`,
      );
    logger.info({ topics: toCreate.map((t) => `${t.topic}(${t.numPartitions})`) }, 'creating missing topics');
    // false when another instance created one of them first: fine, we re-read the layout below
    // kafkajs's waitForLeaders retries only LEADER_NOT_AVAILABLE, and a topic that was just
    // created can answer UNKNOWN_TOPIC_OR_PARTITION for a moment: create, then poll ourselves.
    await admin.createTopics({ topics: toCreate, waitForLeaders: false });
    const created = await waitForLeaders(
      admin,
      toCreate.map((t) => t.topic),
    );
    for (const [topic, n] of created) partitions.set(topic, n);
    for (const t of toCreate)
      if (!partitions.has(t.topic)) throw new Error(`topic ${t.topic} was not created`);
    // re-check what a concurrent creator may have decided
    const inputCounts = new Set(plan.inputs.map((t) => partitions.get(t)));
    if (inputCounts.size > 1)
      throw new StreamsConfigError(
        `co-partitioned input topics ended up with different partition counts: ${plan.inputs.map((t) => `${t}=${partitions.get(t)}`).join(', ')}`,
      );
  }
  for (const c of plan.changelogs) {
    if (partitions.get(c.topic) !== taskCount)
      throw new StreamsConfigError(
        `changelog ${c.topic} has ${partitions.get(c.topic)} partitions, expected ${taskCount}`,
      );
  }
  return { taskCount, partitions };
}

/**
 * Partition counts of `topics` once every partition of each has a leader that answers for it
 * (polls up to `timeoutMs`). Metadata names a leader a moment before that broker serves the
 * partition: a ListOffsets then fails with NOT_LEADER_FOR_PARTITION (a service that had just
 * created its changelogs exited on it at start), so the offsets are read once as well.
 */
export async function waitForLeaders(
  admin: Admin,
  topics: string[],
  timeoutMs = 30_000,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const led = metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (led && metadata.length === topics.length) {
        for (const t of topics) await admin.fetchTopicOffsets(t);
        return new Map(metadata.map((t) => [t.name, t.partitions.length]));
      }
      last = 'partitions without a leader';
    } catch (e) {
      last = e; // UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_FOR_PARTITION right after creation: retry
    }
    if (Date.now() > deadline) {
      throw new Error(
        `topics ${topics.join(', ')} have no leader after ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function describe(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  const result = new Map<string, number>();
  if (present.length === 0) return result;
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: present });
  for (const t of metadata) result.set(t.name, t.partitions.length);
  return result;
}
