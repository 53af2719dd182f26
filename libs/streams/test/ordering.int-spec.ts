/**
 * Event-time order across co-partitioned inputs on the real broker: a task merges its input
 * partitions by record timestamp and, while catching up a backlog, waits for an input whose
 * records are on the broker but not fetched yet instead of running ahead on the others
 * (Kafka Streams' PartitionGroup with max.task.idle.ms = 0). With `maxTaskIdleMs: -1` the same
 * backlog is processed out of timestamp order, which shows the test can see the difference.
 */
import { defineProcessor, stringSerde } from '../src';
import {
  cleanup,
  createTopics,
  kafkaClient,
  produce,
  readTopic,
  sleep,
  unique,
  type Produced,
} from './support/kafka';
import { Runtimes } from './support/runtime';

jest.setTimeout(120_000);

const runtimes = new Runtimes();
afterAll(async () => {
  await runtimes.stopAll();
  await cleanup();
});

const PARTITIONS = 2;
const PER_PARTITION = 6_000;
const T0 = Date.UTC(2026, 10, 1);

/** Emits, for every input record, `<task> <timestamp> <topic>` in processing order (after `workMs` of busy work). */
function orderProcessor(name: string, wide: string, narrow: string, output: string, workMs = 0) {
  return defineProcessor({
    name,
    inputs: {
      [wide]: { key: stringSerde, value: stringSerde },
      [narrow]: { key: stringSerde, value: stringSerde },
    },
    outputs: { [output]: { key: stringSerde, value: stringSerde, partitions: 1 } },
    process(record, ctx) {
      const until = performance.now() + workMs;
      while (performance.now() < until);
      ctx.emit(
        output,
        String(ctx.task),
        `${ctx.task} ${record.timestamp} ${record.topic === wide ? 'W' : 'N'}`,
      );
    },
  });
}

/**
 * The wide topic's records are ~10 times larger than the narrow one's, so a fetch of a few KiB
 * per partition covers ten times less event time on the wide input: merging only what one fetch
 * brought runs the narrow input ahead.
 */
async function backlog(id: string) {
  const [wide, narrow, out] = [`${id}.wide`, `${id}.narrow`, `${id}.out`];
  await createTopics([
    { topic: wide, partitions: PARTITIONS },
    { topic: narrow, partitions: PARTITIONS },
  ]);
  const records = (topic: 'W' | 'N'): Produced[] =>
    Array.from({ length: PARTITIONS * PER_PARTITION }, (_, n) => {
      const partition = n % PARTITIONS;
      const i = Math.floor(n / PARTITIONS);
      return {
        key: `k${i % 97}`,
        partition,
        // interleaved event times: wide at even, narrow at odd milliseconds
        timestamp: T0 + 2 * i + (topic === 'W' ? 0 : 1),
        value: topic === 'W' ? 'w'.repeat(300) : 'n',
      };
    });
  await produce(wide, records('W'));
  await produce(narrow, records('N'));
  return { wide, narrow, out };
}

/** Per task, the timestamps in the order the task processed them. */
async function processingOrder(
  out: string,
  total = 2 * PARTITIONS * PER_PARTITION,
): Promise<Map<number, number[]>> {
  const records = await readTopic(out, (r) => r.length >= total, 90_000);
  expect(records).toHaveLength(total);
  const byTask = new Map<number, number[]>();
  for (const r of records.sort((a, b) => a.offset - b.offset)) {
    const [task, timestamp] = r.value!.split(' ').map(Number);
    byTask.set(task, [...(byTask.get(task) ?? []), timestamp]);
  }
  return byTask;
}

const inversions = (timestamps: number[]) =>
  timestamps.filter((t, i) => i > 0 && t < timestamps[i - 1]).length;

describe('event-time order across co-partitioned inputs', () => {
  it('a task catching up a backlog processes its inputs merged by timestamp, waiting for unfetched records', async () => {
    const id = unique('order');
    const { wide, narrow, out } = await backlog(id);
    const runtime = await runtimes.start(orderProcessor(id, wide, narrow, out), {
      consumer: { maxBytesPerPartition: 8 * 1024 },
    });
    const byTask = await processingOrder(out);
    expect([...byTask.keys()].sort()).toEqual([0, 1]);
    for (const [task, timestamps] of byTask) {
      expect(timestamps).toHaveLength(2 * PER_PARTITION);
      expect({ task, inversions: inversions(timestamps) }).toEqual({ task, inversions: 0 });
    }
    const metrics = await runtime.registry.getMetricsAsJSON();
    const total = (name: string) =>
      (metrics.find((m) => m.name === name)?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
    expect(total('streams_task_idle_waits_total')).toBeGreaterThan(0); // the wait was needed, and happened
    expect(total('streams_enforced_processing_total')).toBe(0);
  });

  it('records arriving while it runs are processed in timestamp order too', async () => {
    // Not a backlog this time: produced in timestamp order while the runtime runs — chunk by
    // chunk, each acknowledged before the next is sent, every chunk's timestamps after the
    // previous one's — with a processor slow enough to fall behind, so fetches bring the two
    // inputs' records in varying amounts. A record processed after one with a later timestamp
    // was on the broker before that one was even sent: any inversion is the runtime's.
    const id = unique('order-live');
    const [wide, narrow, out] = [`${id}.wide`, `${id}.narrow`, `${id}.out`];
    const LIVE_PARTITIONS = 4;
    const CHUNKS = 40;
    const PER_CHUNK = 100; // records of a chunk, over the partitions
    await createTopics([
      { topic: wide, partitions: LIVE_PARTITIONS },
      { topic: narrow, partitions: LIVE_PARTITIONS },
    ]);
    // ~1 ms of work per record: the task falls behind
    const runtime = await runtimes.start(orderProcessor(id, wide, narrow, out, 1), {
      consumer: { partitionsConsumedConcurrently: 3 },
    });
    // chunk c: wide records, then narrow ones, timestamps ascending throughout
    const chunk = (topic: 'W' | 'N', c: number): Produced[] =>
      Array.from({ length: PER_CHUNK }, (_, k) => ({
        key: `k${k % 89}`,
        partition: k % LIVE_PARTITIONS,
        timestamp: T0 + 2 * c * PER_CHUNK + (topic === 'W' ? 0 : PER_CHUNK) + k,
        value: topic === 'W' ? 'w'.repeat(300) : 'n',
      }));
    await runtime.waitUntilReady(60_000); // tasks assigned: what follows arrives while it runs
    const producer = kafkaClient('order-live-producer').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const send = (topic: string, records: Produced[]) =>
      producer.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({
          key: r.key,
          value: r.value,
          partition: r.partition,
          timestamp: String(r.timestamp),
        })),
      });
    try {
      // narrow c and wide c + 1 back to back, a pause before the next pair: the fetch after the
      // pause often brings both, and hands the wide batches to the workers first
      await send(wide, chunk('W', 0));
      for (let c = 0; c < CHUNKS; c++) {
        await sleep(20);
        await send(narrow, chunk('N', c));
        if (c + 1 < CHUNKS) await send(wide, chunk('W', c + 1));
      }
    } finally {
      await producer.disconnect();
    }
    const byTask = await processingOrder(out, 2 * CHUNKS * PER_CHUNK);
    expect([...byTask.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const [task, timestamps] of byTask)
      expect({ task, inversions: inversions(timestamps) }).toEqual({ task, inversions: 0 });
  });

  it('without waiting (maxTaskIdleMs -1) the same backlog is processed out of timestamp order', async () => {
    const id = unique('order-nowait');
    const { wide, narrow, out } = await backlog(id);
    await runtimes.start(orderProcessor(id, wide, narrow, out), {
      consumer: { maxBytesPerPartition: 8 * 1024 },
      maxTaskIdleMs: -1,
    });
    const byTask = await processingOrder(out);
    const total = [...byTask.values()].reduce((sum, ts) => sum + inversions(ts), 0);
    expect(total).toBeGreaterThan(0);
  });
});
