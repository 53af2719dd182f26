import { Kafka, logLevel, type Admin, type logCreator } from 'kafkajs';
import type { KafkaConnection } from '@clearance/contracts';
import type { Logger } from '@clearance/streams';

/** Routes kafkajs logs into our logger (component=kafkajs); errors and warnings only by default. */
export function kafkaLogger(logger: Logger): logCreator {
  const base = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log as { message: string } & Record<string, unknown>;
      delete extra.timestamp;
      delete extra.logger;
      const text = `${namespace ? `[${namespace}] ` : ''}${message}`;
      if (level === logLevel.ERROR) base.error(extra, text);
      else if (level === logLevel.WARN) base.warn(extra, text);
      else base.debug(extra, text);
    };
}

export function kafkaClient(connection: KafkaConnection, clientId: string, logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers: connection.brokers,
    ssl: connection.ssl,
    sasl: connection.sasl,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogger(logger),
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

/** Creates the topics that do not exist yet (partition count for new ones only). */
export async function ensureTopics(
  admin: Admin,
  topics: ReadonlyArray<string>,
  partitions: number,
  /** Topics to create compacted (reference tables). */
  compacted: ReadonlySet<string> = new Set(),
  /** Unset: the broker's default.replication.factor. */
  replicationFactor?: number,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin
      .createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions,
          ...(replicationFactor !== undefined ? { replicationFactor } : {}),
          configEntries: compacted.has(topic) ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        })),
      })
      .catch((e: Error) => {
        if (!/already exists/i.test(e.message)) throw e;
      });
  }
  return missing;
}

/** Low and high watermarks of every partition of `topics` (`topic|partition` -> offsets). */
export async function watermarks(
  admin: Admin,
  topics: ReadonlyArray<string>,
): Promise<Map<string, { low: number; high: number }>> {
  const out = new Map<string, { low: number; high: number }>();
  for (const topic of topics) {
    for (const o of await admin.fetchTopicOffsets(topic))
      out.set(`${topic}|${o.partition}`, { low: Number(o.low), high: Number(o.high) });
  }
  return out;
}
