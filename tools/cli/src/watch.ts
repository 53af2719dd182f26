import { randomBytes } from 'node:crypto';
import { Consumer, Kafka } from 'kafkajs';
import type { RegistryCodecs, TopicSpec } from '@clearance/contracts';

export interface Watched<V> {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: V;
  /** Kafka record timestamp (ms). */
  timestamp: number;
  /** When this reader saw it (ms, wall clock). */
  seenAt: number;
}

/**
 * Follows topics from their current end (read committed: only what transactions committed),
 * decoding values through the registry. Start it before producing what you want to see.
 */
export class TopicWatcher {
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly codecs: RegistryCodecs,
    /** Consumer group name prefix (a participant may use only groups named after itself). */
    private readonly groupPrefix = 'watch',
  ) {}

  async start(specs: ReadonlyArray<TopicSpec<unknown>>, onRecord: (r: Watched<unknown>) => void): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const start = new Map<string, Map<number, bigint>>();
    try {
      for (const spec of specs) {
        const offsets = await admin.fetchTopicOffsets(spec.name);
        start.set(spec.name, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
      }
    } finally {
      await admin.disconnect();
    }
    const consumer = this.kafka.consumer({
      groupId: `${this.groupPrefix}${this.groupPrefix === 'watch' ? '-' : '.watch-'}${randomBytes(6).toString('hex')}`,
      readUncommitted: false,
      maxWaitTimeInMs: 200,
      sessionTimeout: 30_000,
    });
    this.consumer = consumer;
    await consumer.connect();
    for (const spec of specs) await consumer.subscribe({ topic: spec.name, fromBeginning: true });
    const bySpec = new Map(specs.map((s) => [s.name, s]));
    // one member: it owns every partition; skip the backlog by seeking to where the topics ended.
    // `start` then follows what was delivered (the next offset per partition): a rejoin after a
    // broker fault seeks there, and a batch fetched again is skipped up to it, so each record is
    // handed over once
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const [topic, partitions] of start) {
          for (const [partition, offset] of partitions) consumer.seek({ topic, partition, offset: offset.toString() });
        }
        resolve();
      }),
    );
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const from = start.get(batch.topic)?.get(batch.partition) ?? 0n;
        const spec = bySpec.get(batch.topic)!;
        for (const m of batch.messages) {
          if (BigInt(m.offset) < from) continue;
          const next = () => start.get(batch.topic)?.set(batch.partition, BigInt(m.offset) + 1n);
          if (!m.value) {
            next();
            continue;
          }
          const value = await this.codecs.decode(spec, m.value, { partition: batch.partition, offset: m.offset });
          onRecord({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString('utf8') ?? '',
            value,
            timestamp: Number(m.timestamp),
            seenAt: Date.now(),
          });
          next();
        }
      },
    });
    await joined;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
