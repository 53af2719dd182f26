import { Admin, ITopicConfig } from 'kafkajs';
import { allTopics, dlqTopic } from '@clearance/contracts';
import { waitForLeaders } from '@clearance/streams';

/**
 * Creates the project's topics where missing: every topic of the contracts with `partitions`
 * partitions (compacted for reference tables), and a dead-letter topic for every input topic.
 * Existing topics are left alone; a partition count that differs is reported, not changed.
 * `replicationFactor` unset: the broker's `default.replication.factor` (1 on the local stack).
 */
export async function ensureTopics(
  admin: Admin,
  partitions: number,
  log: (s: string) => void = () => {},
  replicationFactor?: number,
): Promise<string[]> {
  const rf = replicationFactor !== undefined ? { replicationFactor } : {};
  const existing = new Set(await admin.listTopics());
  const wanted: ITopicConfig[] = [];
  for (const t of allTopics) {
    wanted.push({
      topic: t.name,
      numPartitions: partitions,
      ...rf,
      configEntries: t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
    });
    if (!t.compacted) wanted.push({ topic: dlqTopic(t.name), numPartitions: 1, ...rf });
  }
  const missing = wanted.filter((w) => !existing.has(w.topic));
  if (missing.length > 0) {
    // kafkajs's waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a topic just
    // created can answer for a moment (a fresh three-broker cluster did): poll ourselves
    await admin.createTopics({ topics: missing, waitForLeaders: false });
    await waitForLeaders(
      admin,
      missing.map((m) => m.topic),
      60_000,
    );
    log(`created ${missing.length} topics (${partitions} partitions each, DLQs 1)`);
  }
  const meta = await admin.fetchTopicMetadata({ topics: allTopics.map((t) => t.name) });
  for (const t of meta.topics) {
    if (t.partitions.length !== partitions) {
      log(`warning: ${t.name} has ${t.partitions.length} partitions, configuration asks for ${partitions}`);
    }
  }
  return missing.map((m) => m.topic);
}
