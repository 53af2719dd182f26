import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { sampleExportParcel } from './test-fixtures';
import { AvroDecodeError, RegistryCodecs, SchemaValidationError } from './codec';
import type { Order } from './generated/types';
import { orderKey } from './keys';
import { kafkaConnection } from './kafka-connection';
import { Topics, TopicSpec } from './topics';

// contracts sits below libs/testing in the dependency graph, so this test reads the stack itself.
const env = {
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(','),
  schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? '',
  kafka: kafkaConnection(process.env),
};
const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
async function eventually(what: string, check: () => true | undefined, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('contracts on the real schema registry and Kafka', () => {
  const codecs = new RegistryCodecs({ url: env.schemaRegistryUrl });
  const kafka = new Kafka({ clientId: 'contracts-test', ...env.kafka, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const producer = kafka.producer();

  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
    await codecs.register();
  });
  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  it('registers every topic subject with BACKWARD compatibility', async () => {
    const res = await fetch(`${env.schemaRegistryUrl}/config/${encodeURIComponent('ceb.order.v1-value')}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD');
    // registering again is idempotent: same id
    const again = new RegistryCodecs({ url: env.schemaRegistryUrl });
    const ids = await again.register([Topics.order]);
    expect(ids.get('ceb.order.v1-value')).toBe(codecs.idOf(Topics.order.name));
  });

  it('round-trips an Avro order through the registry and a real Kafka topic', async () => {
    const topic = uniqueName('test.order');
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const spec: TopicSpec<Order> = { ...Topics.order };
    const order = sampleExportParcel(uniqueName('SO')).order;
    await producer.send({ topic, messages: [{ key: orderKey(order), value: await codecs.encode(spec, order) }] });

    const consumer = kafka.consumer({ groupId: uniqueName('contracts-test') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: Order[] = [];
    let key = '';
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        key = message.key?.toString() ?? '';
        received.push(await codecs.decode(spec, message.value, { partition, offset: message.offset }));
      },
    });
    await eventually('the order to come back', () => (received.length > 0 ? true : undefined));
    await consumer.disconnect();
    expect(key).toBe(`3301964J31:${order.orderNo}`);
    expect(received[0]).toEqual(order);
  });

  it('refuses a schema change that breaks BACKWARD compatibility', async () => {
    const subject = `${uniqueName('test.compat')}-value`;
    const v1 = {
      type: 'record', name: 'Parcel', namespace: 'cn.clearance.test',
      fields: [{ name: 'orderNo', type: 'string' }],
    };
    await codecs.registry.register({ type: 'AVRO' as never, schema: JSON.stringify(v1) }, { subject, compatibility: 'BACKWARD' as never });
    // a new required field without a default cannot read old data: not BACKWARD compatible
    const breaking = { ...v1, fields: [...v1.fields, { name: 'grossWeight', type: 'string' }] };
    await expect(
      codecs.registry.register({ type: 'AVRO' as never, schema: JSON.stringify(breaking) }, { subject, compatibility: 'BACKWARD' as never }),
    ).rejects.toThrow(/compatib|409/i);
    // the same change with a default is accepted
    const compatible = { ...v1, fields: [...v1.fields, { name: 'grossWeight', type: ['null', 'string'], default: null }] };
    const { id } = await codecs.registry.register(
      { type: 'AVRO' as never, schema: JSON.stringify(compatible) },
      { subject, compatibility: 'BACKWARD' as never },
    );
    expect(id).toBeGreaterThan(0);
  });

  it('reports bytes that are not valid Avro as a decoding error naming topic, partition and offset', async () => {
    const notFramed = codecs.decode(Topics.order, Buffer.from('<CEB303Message>...</CEB303Message>'), { partition: 4, offset: '17' });
    await expect(notFramed).rejects.toThrow(AvroDecodeError);
    await expect(notFramed).rejects.toThrow('cannot decode a record of ceb.order.v1 partition 4 offset 17: not registry-framed Avro');

    const good = await codecs.encode(Topics.order, sampleExportParcel('SO-TRUNC').order);
    const truncated = good.subarray(0, good.length - 20);
    await expect(codecs.decode(Topics.order, truncated, { partition: 0, offset: '3' })).rejects.toThrow(
      /ceb\.order\.v1 partition 0 offset 3/,
    );

    // a Payment framed with its own schema id is not an Order
    const enterprise = await codecs.encode(Topics.enterprise, { code: 'X', name: 'Y', creditGrade: 'A', roles: [], onFile: true, country: null, listMode: 'ONE_STEP' });
    await expect(codecs.decode(Topics.order, enterprise, { partition: 1, offset: '9' })).rejects.toThrow(/cannot be read as cn\.clearance\.Order/);
  });

  it('refuses to encode a value that does not match its schema, naming the field', async () => {
    const bad = { ...sampleExportParcel('SO-BAD').order, goodsValue: 59.8 as unknown as string };
    await expect(codecs.encode(Topics.order, bad)).rejects.toThrow(SchemaValidationError);
    await expect(codecs.encode(Topics.order, bad)).rejects.toThrow(/goodsValue = 59.8/);
  });
});
