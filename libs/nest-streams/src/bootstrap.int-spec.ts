import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { z } from 'zod';
import { eventually, freePort, stackEnv, uniqueName } from '@clearance/testing';
import * as net from 'node:net';
import * as path from 'node:path';
import { bootstrapStreamsService } from './bootstrap';
import { counter, counterService } from './testing/counter-service';

describe('a stream-processing service under NestJS', () => {
  const env = stackEnv();
  const kafka = new Kafka({
    clientId: 'nest-streams-test',
    ...env.kafka,
    logLevel: logLevel.ERROR,
  });

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
      {
        ...env.kafkaEnv,
        SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
        LOG_LEVEL: 'warn',
      },
      { logger: pino({ level: 'warn' }), shutdownHooks: false },
    );
    try {
      await eventually(
        'readiness',
        async () => ((await fetch(`${service.url}/health/ready`)).status === 200 ? true : undefined),
        60_000,
        250,
      );
      const live = (await (await fetch(`${service.url}/health/live`)).json()) as { status: string };
      expect(live.status).toBe('ok');

      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: input,
        messages: ['a', 'b', 'a', 'a', 'not-a-number'].map((v, i) => ({
          key: i === 1 ? 'k2' : 'k1',
          value: v === 'a' || v === 'b' ? '1' : v,
        })),
      });
      await producer.disconnect();

      const consumer = kafka.consumer({ groupId: uniqueName('nest-read') });
      await consumer.connect();
      await consumer.subscribe({ topic: output, fromBeginning: true });
      const seen: string[] = [];
      await consumer.run({
        eachMessage: async ({ message }) => void seen.push(`${message.key}=${message.value}`),
      });
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

  it('waits for an unreachable schema registry: alive and not ready meanwhile, ready once it answers', async () => {
    const input = uniqueName('nest.in');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: input, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    // the registry behind a port that refuses connections until the proxy opens it
    const real = new URL(env.schemaRegistryUrl);
    const [registryPort, httpPort] = [await freePort(), await freePort()];
    const proxied = new URL(env.schemaRegistryUrl);
    proxied.port = String(registryPort);
    const starting = bootstrapStreamsService(
      {
        name: 'nest-streams-test',
        config: z.object({}),
        definitions: () => [counter(input, uniqueName('nest.out'), uniqueName('counter'))],
      },
      {
        ...env.kafkaEnv,
        SCHEMA_REGISTRY_URL: proxied.toString(),
        REGISTRY_WAIT_MS: '120000',
        HTTP_PORT: String(httpPort),
        LOG_LEVEL: 'warn',
      },
      { logger: pino({ level: 'silent' }), shutdownHooks: false },
    );
    starting.catch(() => undefined); // awaited below
    const base = `http://127.0.0.1:${httpPort}`;
    let proxy: net.Server | undefined;
    try {
      const status = async (p: string) => (await fetch(`${base}${p}`).catch(() => undefined))?.status;
      await eventually(
        'liveness while the registry is away',
        async () => ((await status('/health/live')) === 200 ? true : undefined),
        60_000,
        250,
      );
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toMatch(/schema-registry/);

      proxy = net.createServer((client) => {
        const upstream = net.connect(Number(real.port), real.hostname);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve) => proxy!.listen(registryPort, '127.0.0.1', resolve));
      const service = await starting;
      try {
        await eventually(
          'readiness once the registry answers',
          async () => ((await status('/health/ready')) === 200 ? true : undefined),
          60_000,
          250,
        );
      } finally {
        await service.close();
      }
    } finally {
      await starting.then((s) => s.close()).catch(() => undefined);
      proxy?.close();
    }
  });

  it('runs the processors in stream threads: tasks spread over them, health per thread, metrics summed, clean stop', async () => {
    const input = uniqueName('nest.thr.in');
    const output = uniqueName('nest.thr.out');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: input, numPartitions: 4 }], waitForLeaders: true });
    await admin.disconnect();
    const name = uniqueName('counter');

    const service = await bootstrapStreamsService(
      counterService,
      {
        ...env.kafkaEnv,
        SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
        LOG_LEVEL: 'warn',
        STREAM_THREADS: '2',
        PARTITIONS: '4',
        COUNTER_INPUT: input,
        COUNTER_OUTPUT: output,
        COUNTER_NAME: name,
      },
      {
        logger: pino({ level: 'warn' }),
        shutdownHooks: false,
        threadEntry: path.join(__dirname, 'testing/counter-service.ts'),
      },
    );
    let threadsExited: Promise<number[]> | undefined;
    try {
      expect(service.runtimes).toEqual([]);
      type Health = { status: string; info: Record<string, { tasks: string[] }> };
      const health = await eventually(
        'both threads ready with two tasks each',
        async () => {
          const res = await fetch(`${service.url}/health/ready`);
          const body = (await res.json()) as Health;
          const tasks = Object.values(body.info ?? {}).map((t) => t.tasks.length);
          return res.status === 200 && tasks.length === 2 && tasks.every((n) => n === 2) ? body : undefined;
        },
        90_000,
        250,
      );
      expect(Object.keys(health.info).sort()).toEqual([`${name}#0`, `${name}#1`]);

      const producer = kafka.producer();
      await producer.connect();
      const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
      await producer.send({
        topic: input,
        messages: keys.flatMap((key) => [
          { key, value: '1' },
          { key, value: '2' },
        ]),
      });
      await producer.disconnect();

      const consumer = kafka.consumer({ groupId: uniqueName('nest-thr-read') });
      await consumer.connect();
      await consumer.subscribe({ topic: output, fromBeginning: true });
      const seen: string[] = [];
      await consumer.run({
        eachMessage: async ({ message }) => void seen.push(`${message.key}=${message.value}`),
      });
      await eventually('twelve counts', () => (seen.length >= 12 ? true : undefined), 60_000);
      await consumer.disconnect();
      expect(seen.sort()).toEqual(keys.flatMap((k) => [`${k}=1`, `${k}=3`]).sort());

      // records in, summed over the two threads' registries
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      const recordsIn = metrics
        .split('\n')
        .filter((l) => l.startsWith('streams_records_in_total{') && l.includes(`topic="${input}"`))
        .map((l) => Number(l.split(' ').pop()));
      expect(recordsIn).toEqual([12]);
      threadsExited = Promise.all(
        service.threads!.workers().map((w) => new Promise<number>((r) => w.once('exit', r))),
      );
    } finally {
      await service.close();
    }
    expect(await threadsExited).toEqual([0, 0]);
  });

  it('refuses to start with a clear message when configuration is invalid', async () => {
    await expect(
      bootstrapStreamsService(
        {
          name: 'bad',
          config: z.object({ MATCH_WINDOW_HOURS: z.coerce.number().positive() }),
          definitions: () => [],
        },
        { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'not a url', MATCH_WINDOW_HOURS: '-1' },
      ),
    ).rejects.toThrow(/invalid bad configuration:\n {2}SCHEMA_REGISTRY_URL: Invalid url/);
  });
});
