/**
 * Kafka plumbing of the declaration acceptance test on the shared stack: where the run starts on
 * every topic, consumer groups committed there before their first member joins, the services'
 * changelog topics created up front, other engines consuming the same inputs, and a read-committed
 * collector of the run's output records.
 */
import { AssignerProtocol, type Admin, type Consumer, type Kafka } from 'kafkajs';
import { LocalCodecs } from '@clearance/contracts';
import { declarationService } from '@clearance/declaration';
import { lifecycleService } from '@clearance/lifecycle';
import { matcherService } from '@clearance/matcher';
import type { StreamsServiceSpec } from '@clearance/nest-streams';
import { riskService } from '@clearance/risk';
import { silentLogger, type Logger } from '@clearance/streams';

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

export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  return meta.topics[0].partitions.length;
}

/**
 * Commits `offsets` for groups that have no member yet (TxnOffsetCommit, as the stream runtime
 * commits), so each starts exactly where the shared topics ended before the run instead of
 * replaying every earlier run's traffic.
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
      for (const { groupId, topics } of groups)
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
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => undefined);
      throw e;
    }
  } finally {
    await producer.disconnect();
  }
}

/** Committed offsets of a group on `topic` (partition -> next offset; -1 when none). */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

export interface TopicToCreate {
  topic: string;
  partitions: number;
  config: Record<string, string>;
}

const SPECS: Record<string, StreamsServiceSpec<unknown>> = {
  matcher: matcherService as StreamsServiceSpec<unknown>,
  risk: riskService as StreamsServiceSpec<unknown>,
  lifecycle: lifecycleService as StreamsServiceSpec<unknown>,
  declaration: declarationService as StreamsServiceSpec<unknown>,
};

/**
 * The changelog and checkpoint topics the services' runtimes create at start
 * (`<applicationId>.<store>.changelog`, `<applicationId>.__checkpoint.changelog`), from the
 * services' own processor definitions under `env`. Created before the services start: several
 * services creating topics at once on a small broker hit a metadata race at start.
 */
export function internalTopics(env: Record<string, string>, partitions: number): TopicToCreate[] {
  const out: TopicToCreate[] = [];
  for (const spec of Object.values(SPECS)) {
    const config = spec.config.parse(env);
    const definitions = spec.definitions({
      env: {} as never,
      config,
      codecs: new LocalCodecs() as never,
      logger: silentLogger as Logger as never,
    });
    for (const d of definitions) {
      for (const [store, s] of Object.entries(
        (d.stores ?? {}) as Record<string, { changelogConfig?: Record<string, string> }>,
      ))
        out.push({
          topic: `${d.name}.${store}.changelog`,
          partitions,
          config: { ...(s.changelogConfig ?? {}), 'cleanup.policy': 'compact' },
        });
      out.push({
        topic: `${d.name}.__checkpoint.changelog`,
        partitions,
        config: { 'segment.ms': '3600000', 'min.cleanable.dirty.ratio': '0.1', 'cleanup.policy': 'compact' },
      });
    }
  }
  return out;
}

/**
 * The bytes a store of a service's processor keeps for `value` in its changelog, through the
 * store's own value serde (e.g. to seed the matcher's invtNo serial counter).
 */
export function storeValueBytes(
  service: keyof typeof SPECS,
  env: Record<string, string>,
  store: string,
  value: unknown,
): { topic: string; bytes: Buffer } {
  const spec = SPECS[service];
  const definitions = spec.definitions({
    env: {} as never,
    config: spec.config.parse(env),
    codecs: new LocalCodecs() as never,
    logger: silentLogger as Logger as never,
  });
  for (const d of definitions) {
    const s = (
      d.stores as Record<string, { value: { serialize(t: string, v: unknown): unknown } }> | undefined
    )?.[store];
    if (!s) continue;
    const topic = `${d.name}.${store}.changelog`;
    const bytes = s.value.serialize(topic, value);
    if (!Buffer.isBuffer(bytes)) throw new Error(`${service} store ${store}: asynchronous serde`);
    return { topic, bytes };
  }
  throw new Error(`${service} has no store named ${store}`);
}

/** Creates topics and waits until the broker serves their metadata with leaders. */
export async function createTopicsAndWait(
  admin: Admin,
  topics: ReadonlyArray<TopicToCreate>,
  timeoutMs = 30_000,
): Promise<void> {
  if (topics.length === 0) return;
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0)
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

export interface ForeignConsumer {
  groupId: string;
  members: number;
  topics: string[];
}

/**
 * Consumer groups with live members subscribed to any of `topics` (the inputs of the stream
 * services the test runs), other than the run's own. Groups that also read the receipt topic
 * are readers (projectors, other tests' collectors), not processors, and are left out: they do
 * not write to the pipeline's topics.
 */
export async function foreignProcessors(
  admin: Admin,
  topics: ReadonlyArray<string>,
  isOwn: (groupId: string) => boolean,
  readerTopic: string,
): Promise<ForeignConsumer[]> {
  const watched = new Set(topics);
  const { groups } = await admin.listGroups();
  const candidates = groups.filter(
    (g) => !isOwn(g.groupId) && (g.protocolType === 'consumer' || g.protocolType === ''),
  );
  if (candidates.length === 0) return [];
  const described = await admin.describeGroups(candidates.map((g) => g.groupId));
  const out: ForeignConsumer[] = [];
  for (const g of described.groups) {
    if (g.members.length === 0) continue;
    const subscribed = new Set<string>();
    for (const m of g.members) {
      try {
        for (const t of AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? [])
          subscribed.add(t);
      } catch {
        // not the standard consumer protocol metadata: cannot tell
      }
    }
    if (subscribed.has(readerTopic)) continue;
    const hit = [...subscribed].filter((t) => watched.has(t)).sort();
    if (hit.length > 0) out.push({ groupId: g.groupId, members: g.members.length, topics: hit });
  }
  return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
}

export interface Collected<V = unknown> {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  /** Record timestamp. */
  timestamp: number;
  value: V;
  /** The value's bytes as they are on the topic. */
  bytes: Buffer | null;
  /** Date.now() when the collector received it. */
  seenAt: number;
}

export interface CollectorTopic {
  topic: string;
  decode: (bytes: Buffer | null, where: { partition: number; offset: string }) => Promise<unknown>;
  /** Keep a record by key (checked before decoding); default all. */
  keepKey?: (key: string) => boolean;
  /** Keep a decoded record by value; default all. */
  keepValue?: (value: unknown) => boolean;
}

/**
 * Reads output topics as a downstream consumer does (own group, read committed) from offsets
 * recorded before the run, keeping the run's records with their partition and offset.
 */
export class Collector {
  private readonly records = new Map<string, Collected[]>();
  private consumer?: Consumer;
  readonly decodeErrors: string[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly topics: ReadonlyArray<CollectorTopic>,
  ) {
    for (const t of topics) this.records.set(t.topic, []);
  }

  async start(from: Offsets): Promise<void> {
    const names = this.topics.map((t) => t.topic);
    await startGroupsAt(
      this.kafka,
      `${this.groupId}-start`,
      [{ groupId: this.groupId, topics: names }],
      from,
    );
    const byTopic = new Map(this.topics.map((t) => [t.topic, t]));
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: names, fromBeginning: false });
    let joined!: () => void;
    const join = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const t = byTopic.get(batch.topic)!;
        const list = this.records.get(batch.topic)!;
        const now = Date.now();
        for (const m of batch.messages) {
          const key = m.key?.toString('utf8') ?? '';
          if (t.keepKey && !t.keepKey(key)) continue;
          let value: unknown;
          try {
            value = await t.decode(m.value, { partition: batch.partition, offset: m.offset });
          } catch (e) {
            this.decodeErrors.push(
              `${batch.topic}[${batch.partition}]@${m.offset} ${key}: ${(e as Error).message}`,
            );
            continue;
          }
          if (t.keepValue && !t.keepValue(value)) continue;
          list.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: Number(m.offset),
            key,
            timestamp: Number(m.timestamp),
            value,
            bytes: m.value,
            seenAt: now,
          });
        }
      },
    });
    await join;
  }

  get<V>(topic: string): Collected<V>[] {
    const list = this.records.get(topic);
    if (!list) throw new Error(`collector does not read ${topic}`);
    return list as Collected<V>[];
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

/**
 * Copies records (bytes, keys, timestamps) into `topic`, each into the partition it came from,
 * in offset order per partition: a log that holds exactly these records.
 */
export async function copyRecords(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  partitions: number,
  records: ReadonlyArray<Collected>,
): Promise<void> {
  await createTopicsAndWait(admin, [{ topic, partitions, config: {} }]);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    const sorted = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    for (let i = 0; i < sorted.length; i += 500)
      await producer.send({
        topic,
        acks: -1,
        messages: sorted.slice(i, i + 500).map((r) => ({
          partition: r.partition,
          key: r.key,
          value: r.bytes,
          timestamp: String(r.timestamp),
        })),
      });
  } finally {
    await producer.disconnect();
  }
}
