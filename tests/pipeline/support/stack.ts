/**
 * The real stack for the pipeline acceptance test: a kafkajs client and admin, the registry
 * codecs, the project's topics (tools/cli ensureTopics) and the reference data
 * (tools/cli publishReference), plus the offset bookkeeping that keeps one test run apart from
 * whatever else the shared topics hold.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { RegistryCodecs, allTopics } from '@clearance/contracts';
import { stackEnv, type StackEnv } from '@clearance/testing';
import { ensureTopics } from '@clearance/cli';

/** Partition count the project's topics are created with when missing (the deployment default). */
export const DEFAULT_PARTITIONS = 12;

export interface Stack {
  env: StackEnv;
  kafka: Kafka;
  admin: Admin;
  codecs: RegistryCodecs;
  close(): Promise<void>;
}

/** Connects to the stack, creates missing project topics and registers every value schema. */
export async function connectStack(clientId: string): Promise<Stack> {
  const env = stackEnv();
  const kafka = new Kafka({
    clientId,
    ...env.kafka,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
  });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, DEFAULT_PARTITIONS);
  const codecs = new RegistryCodecs({ url: env.schemaRegistryUrl });
  await codecs.register(allTopics);
  return { env, kafka, admin, codecs, close: () => admin.disconnect() };
}

/** topic -> partition -> offset */
export type Offsets = Map<string, Map<number, number>>;

/** High watermarks (next offset to be written) of every partition of `topics`. */
export async function endOffsets(admin: Admin, topics: ReadonlyArray<string>): Promise<Offsets> {
  const out: Offsets = new Map();
  for (const topic of topics) {
    const parts = new Map<number, number>();
    for (const o of await admin.fetchTopicOffsets(topic)) parts.set(o.partition, Number(o.high));
    out.set(topic, parts);
  }
  return out;
}

/** Number of partitions of a topic, as the broker has it (not as the deployment default says). */
export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  return meta.topics[0].partitions.length;
}

/**
 * Commits `offsets` for consumer groups that have no members yet, so each group starts exactly
 * there: for the services of one test run, the end of what the shared topics held before the
 * run. Without it a fresh group starts at the earliest offset (AUTO_OFFSET_RESET) and replays
 * every earlier run's traffic: minutes of backlog that grow with each run, and earlier runs'
 * stream-time ticks (timestamped past their match window) would push the matcher's stream time
 * ahead of this run's documents and time out its open cases before their last document came.
 *
 * Written with TxnOffsetCommit (a transaction that only carries offsets), the way the runtime
 * commits: kafkajs's admin.setOffsets instead joins each group with a throwaway consumer, which
 * takes seconds per topic.
 */
export async function startGroupsAt(
  kafka: Kafka,
  transactionalId: string,
  groups: ReadonlyArray<{ groupId: string; topics: ReadonlyArray<string> }>,
  offsets: Offsets,
): Promise<void> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const txn = await producer.transaction();
    try {
      for (const { groupId, topics } of groups) {
        await txn.sendOffsets({
          consumerGroupId: groupId,
          topics: topics.map((topic) => {
            const parts = offsets.get(topic);
            if (!parts) throw new Error(`no start offsets recorded for ${topic}`);
            return {
              topic,
              partitions: [...parts].map(([partition, offset]) => ({ partition, offset: String(offset) })),
            };
          }),
        });
      }
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => undefined);
      throw e;
    }
  } finally {
    await producer.disconnect();
  }
}

/** Deletes the topics a run created (changelogs, checkpoints) and its consumer groups; best effort. */
export async function dropRunArtifacts(
  admin: Admin,
  prefix: string,
  groups: ReadonlyArray<string>,
): Promise<void> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
  if (groups.length > 0) await admin.deleteGroups([...groups]).catch(() => undefined);
}

export interface TopicToCreate {
  topic: string;
  partitions: number;
  config: Record<string, string>;
}

/**
 * Creates topics and waits until the broker serves their metadata. The services create their
 * changelog topics themselves at start, but kafkajs's createTopics(waitForLeaders) fails with
 * UNKNOWN_TOPIC_OR_PARTITION when the broker has not caught up with a topic it just created,
 * and the service exits (a race that three services booting at once on two cores hit often);
 * created here first, the services find them.
 */
export async function createTopicsAndWait(
  admin: Admin,
  topics: ReadonlyArray<TopicToCreate>,
  timeoutMs = 30_000,
): Promise<void> {
  if (topics.length === 0) return;
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    await admin
      .createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          // replication factor: the broker default (1 on one broker, 3 on a three-broker stack)
          configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        })),
      })
      .catch((e: Error & { type?: string }) => {
        if (e.type !== 'TOPIC_ALREADY_EXISTS') throw e;
      });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      const ready = meta.topics.every((m) => {
        const want = topics.find((t) => t.topic === m.name)!;
        return m.partitions.length === want.partitions && m.partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline)
      throw new Error(`topics not ready within ${timeoutMs} ms: ${topics.map((t) => t.topic).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
