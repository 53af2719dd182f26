/**
 * Reads output topics the way a downstream consumer does: one consumer group of its own,
 * read-committed (aborted transactions of killed instances never show), starting at offsets
 * recorded before the run, keeping only the records whose key belongs to the run. Records keep
 * their partition and offset so per-key order can be checked, and the wall-clock time they were
 * first seen (throughput).
 */
import type { Admin, Consumer, IHeaders, Kafka } from 'kafkajs';
import { startGroupsAt, type Offsets } from './stack';

export interface Collected<V = unknown> {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  /** Record timestamp (event time the producer set). */
  timestamp: number;
  /** Decoded value (Avro topics) or undefined (raw topics). */
  value: V;
  /** The bytes as they were on the topic. */
  bytes: Buffer | null;
  headers: Record<string, string>;
  /** Date.now() when the collector received it. */
  seenAt: number;
}

export interface CollectorTopic {
  topic: string;
  /** Decoder for the value; omitted: keep the raw bytes only (DLQ topics). */
  decode?: (bytes: Buffer | null, where: { partition: number; offset: string }) => Promise<unknown>;
}

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined && last !== null)
      out[k] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return out;
}

export class Collector {
  private readonly records = new Map<string, Collected[]>();
  /** Next offset to read per `topic|partition` (past control records too). */
  private readonly position = new Map<string, number>();
  private consumer?: Consumer;
  readonly decodeErrors: string[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly topics: ReadonlyArray<CollectorTopic>,
    private readonly keep: (topic: string, key: string) => boolean,
  ) {
    for (const t of topics) this.records.set(t.topic, []);
  }

  /** Starts reading every topic at `from` (offsets recorded before the run). */
  async start(from: Offsets): Promise<void> {
    const names = this.topics.map((t) => t.topic);
    await startGroupsAt(
      this.kafka,
      `${this.groupId}-start`,
      [{ groupId: this.groupId, topics: names }],
      from,
    );
    for (const t of names) for (const [p, o] of from.get(t)!) this.position.set(`${t}|${p}`, o);
    const decoders = new Map(this.topics.map((t) => [t.topic, t.decode]));
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const k = `${e.payload.topic}|${e.payload.partition}`;
      const next = Number(e.payload.lastOffset) + 1;
      if (next > (this.position.get(k) ?? 0)) this.position.set(k, next);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: names, fromBeginning: false });
    let joined!: () => void;
    const join = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const list = this.records.get(batch.topic)!;
        const decode = decoders.get(batch.topic);
        const now = Date.now();
        for (const m of batch.messages) {
          const key = m.key?.toString('utf8') ?? '';
          if (!this.keep(batch.topic, key)) continue;
          let value: unknown;
          if (decode) {
            try {
              value = await decode(m.value, { partition: batch.partition, offset: m.offset });
            } catch (e) {
              this.decodeErrors.push(
                `${batch.topic}[${batch.partition}]@${m.offset} key ${key}: ${(e as Error).message}`,
              );
              continue;
            }
          }
          list.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: Number(m.offset),
            key,
            timestamp: Number(m.timestamp),
            value,
            bytes: m.value,
            headers: headersOf(m.headers),
            seenAt: now,
          });
        }
      },
    });
    await join;
  }

  /** Records kept so far from `topic`, in the order they arrived (offset order per partition). */
  get<V>(topic: string): Collected<V>[] {
    const list = this.records.get(topic);
    if (!list) throw new Error(`collector does not read ${topic}`);
    return list as Collected<V>[];
  }

  /**
   * Waits until everything committed to the collected topics up to now has been read: the
   * position of every partition reaches the high watermark taken at the call.
   */
  async catchUp(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const target = new Map<string, number>();
    for (const { topic } of this.topics)
      for (const o of await this.admin.fetchTopicOffsets(topic))
        target.set(`${topic}|${o.partition}`, Number(o.high));
    for (;;) {
      const behind = [...target].filter(([k, high]) => (this.position.get(k) ?? 0) < high);
      if (behind.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `collector did not catch up within ${timeoutMs} ms: ${behind
            .slice(0, 5)
            .map(([k, high]) => `${k} at ${this.position.get(k)} of ${high}`)
            .join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
