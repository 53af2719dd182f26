/**
 * Throughput and restore rate of the keyed counter (a changelogged store, one output per input)
 * on the real broker, exactly-once:
 *
 *   set -a; . .stack/env; set +a
 *   node -r @swc-node/register libs/streams/bench/counter-bench.ts [--records 200000] [--keys 50000] [--partitions 6] [--value-bytes 100]
 *
 * 1. produces the input (non-transactional, batched), then starts one runtime and measures the
 *    time from "ready" until every input record is committed (records_in_total == N, read from
 *    the runtime's metrics, so no extra consumer competes for the CPU);
 * 2. stops it and starts a fresh runtime with the same application id: every task restores its
 *    store from the changelog; restore rate = changelog records applied / restore wall time.
 */
import { StreamsRuntime } from '../src';
import { counterProcessor } from '../test/support/processors';
import {
  connection,
  createTopics,
  deleteTopicsLike,
  produce,
  testLogger,
  unique,
  withAdmin,
} from '../test/support/kafka';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function recordsIn(runtime: StreamsRuntime): Promise<number> {
  const metric = await runtime.registry.getSingleMetric('streams_records_in_total')!.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

async function main(): Promise<void> {
  const N = arg('records', 200_000);
  const KEYS = arg('keys', 50_000);
  const PARTITIONS = arg('partitions', 6);
  const VALUE_BYTES = arg('value-bytes', 100);
  const id = unique('bench');
  const input = `${id}.in`;
  const output = `${id}.out`;
  const logger = testLogger('bench');
  process.env.KAFKA_BROKERS ??= '127.0.0.1:9092';

  await createTopics([{ topic: input, partitions: PARTITIONS }]);
  const pad = 'x'.repeat(Math.max(0, VALUE_BYTES - 10));
  const records = Array.from({ length: N }, (_, i) => ({
    key: `key-${(i * 7919) % KEYS}`,
    value: `${i}-${pad}`,
  }));
  let t = Date.now();
  await produce(input, records, Math.max(200, Math.min(10_000, Math.floor(3_000_000 / VALUE_BYTES))));
  const produceMs = Date.now() - t;

  const config = {
    ...connection(),
    logger,
    maxRecordsPerTransaction: arg('records-per-txn', 5_000),
    producer: { maxMessagesPerPartition: arg('messages-per-partition', 1_000) },
    consumer: { maxWaitTimeInMs: 100, partitionsConsumedConcurrently: arg('concurrency', 4) },
  };
  const first = new StreamsRuntime(counterProcessor(id, input, output), config);
  await first.start();
  await first.waitUntilReady(60_000);
  t = Date.now();
  while ((await recordsIn(first)) < N) await new Promise((r) => setTimeout(r, 50));
  const processMs = Date.now() - t;
  const commits = await first.registry.getSingleMetric('streams_transaction_commit_seconds')!.get();
  const histogram = commits.values as Array<{ metricName?: string; value: number }>;
  const commitSum = histogram.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  const commitCount = histogram.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  await first.stop();

  const changelogRecords = await withAdmin(async (admin) =>
    (await admin.fetchTopicOffsets(`${id}.counts.changelog`)).reduce(
      (n, o) => n + Number(o.high) - Number(o.low),
      0,
    ),
  );

  t = Date.now();
  const second = new StreamsRuntime(counterProcessor(id, input, output), config);
  await second.start();
  await second.waitUntilReady(300_000);
  const readyMs = Date.now() - t;
  const tasks = second.assignment().tasks;
  const restored = tasks.reduce((n, task) => n + (task.restore?.records ?? 0), 0);
  const restoreMs = Math.max(...tasks.map((task) => task.restore?.durationMs ?? 0));
  let entries = 0;
  for (const task of tasks) entries += second.storeSnapshot(task.task, 'counts')!.size;
  await second.stop();

  const result = {
    records: N,
    keys: KEYS,
    partitions: PARTITIONS,
    valueBytes: VALUE_BYTES,
    produceRecordsPerSec: Math.round(N / (produceMs / 1000)),
    processMs,
    throughputRecordsPerSec: Math.round(N / (processMs / 1000)),
    transactions: commitCount,
    avgCommitMs: commitCount ? Math.round((commitSum / commitCount) * 1000) : 0,
    changelogRecords,
    restoredRecords: restored,
    restoredKeys: entries,
    restoreMs,
    restoreRecordsPerSec: Math.round(restored / (restoreMs / 1000)),
    startToReadyMs: readyMs,
  };
  console.log(JSON.stringify(result, null, 2));
  if (entries !== KEYS) throw new Error(`restored ${entries} keys, expected ${KEYS}`);
  await deleteTopicsLike(id);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
