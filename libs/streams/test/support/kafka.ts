/** Helpers for the integration tests and the bench: topics, fast producing, read-committed reading. */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type IHeaders } from 'kafkajs';
import pino from 'pino';
import { kafkaConnection, type KafkaConnection } from '@clearance/contracts';
import type { Logger } from '../../src';

/** The operator's connection settings (brokers, TLS, SASL) from the environment (.stack/env). */
export function connection(): KafkaConnection {
  if (!process.env.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS is not set (start the stack: npm run stack:up)');
  return kafkaConnection(process.env);
}

const created: string[] = [];

/** A unique name (random suffix) per test; `cleanup()` deletes the topics and groups that start with it. */
export const unique = (prefix: string) => {
  const name = `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  created.push(name);
  return name;
};

/** Best effort: deletes the topics and consumer groups of every name `unique()` handed out in this file. */
export async function cleanup(): Promise<void> {
  const prefixes = created.splice(0);
  if (prefixes.length === 0) return;
  await withAdmin(async (admin) => {
    const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
    if (topics.length) await admin.deleteTopics({ topics });
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => prefixes.some((p) => g.startsWith(p)));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
  }).catch(() => undefined);
}

export function testLogger(name = 'test'): Logger {
  return pino({ name, level: process.env.STREAMS_LOG_LEVEL ?? 'error' }) as unknown as Logger;
}

export function kafkaClient(clientId = 'streams-test', level: logLevel = logLevel.ERROR): Kafka {
  return new Kafka({ clientId, ...connection(), logLevel: level });
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient('streams-test-admin').admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopics(
  topics: Array<{ topic: string; partitions: number; compact?: boolean }>,
): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        configEntries: t.compact ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
  });
}

export async function deleteTopicsLike(prefix: string): Promise<void> {
  await withAdmin(async (admin) => {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics });
  }).catch(() => undefined);
}

export interface Produced {
  key: string | Buffer | null;
  value: string | Buffer | null;
  partition?: number;
  headers?: IHeaders;
  timestamp?: number;
}

/** Fast non-transactional producing in large batches (default partitioner = murmur2, like the runtime). */
export async function produce(topic: string, records: Produced[], batchSize = 5_000): Promise<void> {
  const producer = kafkaClient('streams-test-producer').producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += batchSize) {
      await producer.send({
        topic,
        acks: -1,
        messages: records.slice(i, i + batchSize).map((r) => ({
          key: r.key,
          value: r.value,
          partition: r.partition,
          headers: r.headers,
          timestamp: r.timestamp === undefined ? undefined : String(r.timestamp),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  rawKey: Buffer | null;
  rawValue: Buffer | null;
  headers: Record<string, string>;
  timestamp: number;
}

/**
 * Reads a topic from the beginning with a read-committed consumer (throwaway group) until
 * `until(records)` holds, or `timeoutMs` passes (then returns what it has).
 */
export async function readTopic(
  topic: string,
  until: (records: ConsumedRecord[]) => boolean,
  timeoutMs = 60_000,
): Promise<ConsumedRecord[]> {
  const consumer = kafkaClient('streams-test-reader').consumer({
    groupId: unique('reader'),
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const timer = setTimeout(() => done(), timeoutMs);
  const check = () => {
    if (until(records)) done();
  };
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.headers ?? {}))
          if (v !== undefined) headers[k] = (Array.isArray(v) ? v[v.length - 1] : v).toString();
        records.push({
          topic: batch.topic,
          partition: batch.partition,
          offset: Number(m.offset),
          key: m.key ? m.key.toString() : null,
          value: m.value ? m.value.toString() : null,
          rawKey: m.key,
          rawValue: m.value,
          headers,
          timestamp: Number(m.timestamp),
        });
      }
      check();
    },
  });
  check();
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  return records;
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Per key, the emitted counts in output order (partition order = per-key order). */
export function countsByKey(records: ConsumedRecord[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  const sorted = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of sorted) {
    const list = byKey.get(r.key!) ?? [];
    list.push(Number(r.value));
    byKey.set(r.key!, list);
  }
  return byKey;
}

/** Checks "every output exactly once": per key the counts are 1..n, and n equals the input count. */
export function checkExactlyOnce(outputs: ConsumedRecord[], inputCounts: Map<string, number>): string[] {
  const problems: string[] = [];
  const byKey = countsByKey(outputs);
  for (const [key, expected] of inputCounts) {
    const counts = byKey.get(key) ?? [];
    if (counts.length !== expected) problems.push(`${key}: ${counts.length} outputs for ${expected} inputs`);
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] !== i + 1) {
        problems.push(
          `${key}: output #${i + 1} is ${counts[i]} (around ${counts.slice(Math.max(0, i - 2), i + 3).join(',')})`,
        );
        break;
      }
    }
  }
  for (const key of byKey.keys())
    if (!inputCounts.has(key)) problems.push(`${key}: output for a key never produced`);
  return problems;
}

function toConsumed(topic: string, partition: number, m: import('kafkajs').KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {}))
    if (v !== undefined) headers[k] = (Array.isArray(v) ? v[v.length - 1] : v).toString();
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key ? m.key.toString() : null,
    value: m.value ? m.value.toString() : null,
    rawKey: m.key,
    rawValue: m.value,
    headers,
    timestamp: Number(m.timestamp),
  };
}

/**
 * Reads a whole topic, read-committed, up to the end offsets it has now (positions are compared
 * with the end offsets, since the last offsets may be transaction markers).
 */
export async function readAll(topic: string, timeoutMs = 60_000): Promise<ConsumedRecord[]> {
  const ends = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
  const pending = new Set(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => e.partition));
  const end = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const records: ConsumedRecord[] = [];
  if (pending.size === 0) return records;
  const consumer = kafkaClient('streams-test-reader').consumer({
    groupId: unique('reader'),
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const timer = setTimeout(() => done(), timeoutMs);
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    if (Number(e.payload.lastOffset) + 1 >= end.get(e.payload.partition)!)
      pending.delete(e.payload.partition);
    if (pending.size === 0) done();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages)
        if (Number(m.offset) < end.get(batch.partition)!)
          records.push(toConsumed(batch.topic, batch.partition, m));
    },
  });
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  if (pending.size > 0)
    throw new Error(
      `readAll(${topic}): partitions ${[...pending].join(',')} not read to the end within ${timeoutMs} ms`,
    );
  return records;
}

/** Latest value per key of a (changelog) topic. */
export function latestByKey(records: ConsumedRecord[]): Map<string, string | null> {
  const latest = new Map<string, string | null>();
  for (const r of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset))
    latest.set(r.key!, r.value);
  return latest;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
