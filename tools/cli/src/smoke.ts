import { randomBytes } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { orderKey, RegistryCodecs, Topics, TopicSpec } from '@clearance/contracts';
import { sampleExportOrder, sampleExportPayment, sampleExportWaybill } from '@clearance/domain';

/**
 * Round-trips one sample parcel (order, payment, waybill) through the real registry and Kafka:
 * encodes each document as Avro, produces it to its topic, reads it back (read committed) and
 * checks it decodes to what was sent. Proves the stack and the contracts work together.
 */
export async function smokeRoundTrip(kafka: Kafka, codecs: RegistryCodecs, log: (s: string) => void): Promise<void> {
  const orderNo = `SMOKE-${randomBytes(4).toString('hex').toUpperCase()}`;
  const parcel = {
    order: sampleExportOrder({ orderNo }),
    payment: sampleExportPayment({ orderNo }),
    waybill: sampleExportWaybill({ orderNo }),
  };
  const key = orderKey(parcel.order);
  const docs: Array<[TopicSpec<unknown>, unknown]> = [
    [Topics.order, parcel.order],
    [Topics.payment, parcel.payment],
    [Topics.waybill, parcel.waybill],
  ];
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const sent = new Map<string, { partition: number; offset: string }>();
  try {
    for (const [spec, value] of docs) {
      const [meta] = await producer.send({ topic: spec.name, acks: -1, messages: [{ key, value: await codecs.encode(spec, value) }] });
      sent.set(spec.name, { partition: meta.partition, offset: meta.baseOffset ?? '0' });
    }
  } finally {
    await producer.disconnect();
  }
  const partitions = new Set([...sent.values()].map((s) => s.partition));
  log(`produced order, payment and waybill of ${key} as Avro (partition ${[...partitions].join(',')}: co-partitioned)`);

  const consumer = kafka.consumer({ groupId: `smoke-${orderNo}`, readUncommitted: false });
  await consumer.connect();
  const received = new Map<string, unknown>();
  try {
    for (const [spec] of docs) await consumer.subscribe({ topic: spec.name });
    const done = new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            if (message.key?.toString() !== key) return;
            const spec = docs.find(([s]) => s.name === topic)![0];
            received.set(topic, await codecs.decode(spec, message.value, { partition, offset: message.offset }));
            if (received.size === docs.length) resolve();
          },
        })
        .catch(reject);
    });
    consumer.on(consumer.events.GROUP_JOIN, async () => {
      for (const [topic, at] of sent) consumer.seek({ topic, partition: at.partition, offset: at.offset });
    });
    await Promise.race([
      done,
      new Promise((_, reject) => setTimeout(() => reject(new Error('smoke round-trip timed out after 30 s')), 30_000)),
    ]);
  } finally {
    await consumer.disconnect();
  }
  for (const [spec, value] of docs) {
    if (JSON.stringify(received.get(spec.name)) !== JSON.stringify(value)) {
      throw new Error(`${spec.name}: decoded value differs from what was sent`);
    }
  }
  log(`read back and decoded all three documents intact from ${docs.map(([s]) => s.name).join(', ')}`);
}
