import { CompressionTypes, Kafka, Message, Producer } from 'kafkajs';
import type { Codecs, TopicSpec } from '@clearance/contracts';
import { topicByName } from '@clearance/contracts';
import type { TimedSend } from '@clearance/generator';

/**
 * Batching Avro producer for generated traffic and reference data: encodes through the codecs
 * (or sends a generated parcel's garbage bytes as they are), groups messages per topic and sends
 * them with an idempotent producer (acks all). `flush()` waits for everything queued.
 */
export class BatchProducer {
  private readonly producer: Producer;
  private queue = new Map<string, Message[]>();
  private queued = 0;
  private inFlight: Promise<unknown> = Promise.resolve();
  sent = 0;

  constructor(
    kafka: Kafka,
    private readonly codecs: Codecs & { encode<V>(spec: TopicSpec<V>, value: V): Promise<Buffer> },
    private readonly batchSize = 2000,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async add<V>(spec: TopicSpec<V>, key: string, value: V | null, timestamp?: number, raw?: Buffer, partition?: number): Promise<void> {
    const bytes = raw ?? (value === null ? null : await this.codecs.encode(spec, value));
    const list = this.queue.get(spec.name) ?? [];
    list.push({ key, value: bytes, timestamp: timestamp !== undefined ? String(timestamp) : undefined, partition });
    this.queue.set(spec.name, list);
    if (++this.queued >= this.batchSize) await this.send();
  }

  /** Adds one generated send (garbage bytes as they are). */
  addSend({ send }: TimedSend, timestamp: number = send.timestamp): Promise<void> {
    const spec = topicByName(send.topic);
    return this.add(spec, send.key, send.value, timestamp, send.garbage ? Buffer.from(send.garbage) : undefined);
  }

  private async send(): Promise<void> {
    const topicMessages = [...this.queue].map(([topic, messages]) => ({ topic, messages }));
    const count = this.queued;
    this.queue = new Map();
    this.queued = 0;
    if (count === 0) return;
    // one request in flight while the next batch is encoded
    await this.inFlight;
    this.inFlight = this.producer
      .sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None })
      .then(() => {
        this.sent += count;
      });
  }

  async flush(): Promise<void> {
    await this.send();
    await this.inFlight;
  }

  async disconnect(): Promise<void> {
    await this.flush().finally(() => this.producer.disconnect());
  }
}
