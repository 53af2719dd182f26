import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { z } from 'zod';
import { defineProcessor, numberSerde, stringSerde } from '@clearance/streams';
import { eventually, stackEnv, uniqueName } from '@clearance/testing';
import { bootstrapStreamsService } from './bootstrap';

/** A keyed counter: the smallest processor with a store, an output and a DLQ path. */
function counter(input: string, output: string, name: string) {
  return defineProcessor({
    name,
    inputs: { [input]: { key: stringSerde, value: numberSerde } },
    outputs: { [output]: { key: stringSerde, value: numberSerde } },
    stores: { counts: { value: numberSerde } },
    process(record, ctx) {
      const store = ctx.store('counts');
      const next = (store.get(record.key) ?? 0) + record.value;
      store.put(record.key, next);
      ctx.emit(output, record.key, next);
    },
  });
}

describe('a stream-processing service under NestJS', () => {
  const env = stackEnv();
  const kafka = new Kafka({ clientId: 'nest-streams-test', brokers: env.kafkaBrokers, logLevel: logLevel.ERROR });

  it('runs a processor, serves health and metrics, validates config and shuts down cleanly', async () => {
    const input = uniqueName('nest.in');
    const output = uniqueName('nest.out');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: input, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();

    const service = await bootstrapStreamsService(
      {
        name: 'nest-streams-test',
        config: z.object({ COUNTER_NAME: z.string().default(uniqueName('counter')) }),
        definitions: ({ config }) => [counter(input, output, config.COUNTER_NAME)],
      },
      { KAFKA_BROKERS: env.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: env.schemaRegistryUrl, LOG_LEVEL: 'warn' },
      { logger: pino({ level: 'warn' }), shutdownHooks: false },
    );
    try {
      await eventually('readiness', async () => ((await fetch(`${service.url}/health/ready`)).status === 200 ? true : undefined), 60_000, 250);
      const live = (await (await fetch(`${service.url}/health/live`)).json()) as { status: string };
      expect(live.status).toBe('ok');

      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: input, messages: ['a', 'b', 'a', 'a', 'not-a-number'].map((v, i) => ({ key: i === 1 ? 'k2' : 'k1', value: v === 'a' || v === 'b' ? '1' : v })) });
      await producer.disconnect();

      const consumer = kafka.consumer({ groupId: uniqueName('nest-read') });
      await consumer.connect();
      await consumer.subscribe({ topic: output, fromBeginning: true });
      const seen: string[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(`${message.key}=${message.value}`) });
      await eventually('four counts', () => (seen.length >= 4 ? true : undefined), 60_000);
      await consumer.disconnect();
      expect(seen.sort()).toEqual(['k1=1', 'k1=2', 'k1=3', 'k2=1']);

      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toMatch(/service="nest-streams-test"/);
    } finally {
      await service.close();
    }
    expect(service.runtimes.every((r) => !r.isAlive() || !r.isReady())).toBe(true);
  });

  it('refuses to start with a clear message when configuration is invalid', async () => {
    await expect(
      bootstrapStreamsService(
        { name: 'bad', config: z.object({ MATCH_WINDOW_HOURS: z.coerce.number().positive() }), definitions: () => [] },
        { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'not a url', MATCH_WINDOW_HOURS: '-1' },
      ),
    ).rejects.toThrow(/invalid bad configuration:\n {2}SCHEMA_REGISTRY_URL: Invalid url/);
  });
});
