/**
 * Rebalance: a second instance joins mid-run and the first one leaves; tasks move with their
 * state restored, and the outputs equal those of a single-instance run (and of the test driver).
 */
import { TestDriver } from '../src';
import { counterProcessor } from './support/processors';
import {
  checkExactlyOnce,
  cleanup,
  createTopics,
  produce,
  readAll,
  readTopic,
  sleep,
  unique,
  waitFor,
} from './support/kafka';
import { Runtimes } from './support/runtime';

jest.setTimeout(180_000);

describe('rebalance', () => {
  const runtimes = new Runtimes();
  afterAll(async () => {
    await runtimes.stopAll();
    await cleanup();
  });

  it('moves tasks with restored state when an instance joins and another leaves; outputs equal a single-instance run', async () => {
    const id = unique('rebal');
    const input = `${id}.in`;
    const N = 30_000;
    await createTopics([{ topic: input, partitions: 6 }]);
    const records = Array.from({ length: N }, (_, i) => ({ key: `k${(i * 31) % 600}`, value: String(i) }));
    const expected = new Map<string, number>();
    for (const r of records) expected.set(r.key, (expected.get(r.key) ?? 0) + 1);

    const first = await runtimes.start(counterProcessor(id, input, `${id}.out`));
    await first.waitUntilReady(30_000);
    expect(first.assignment().tasks.map((t) => t.task)).toEqual([0, 1, 2, 3, 4, 5]);

    const producing = (async () => {
      for (let i = 0; i < N; i += 3_000) {
        await produce(input, records.slice(i, i + 3_000));
        await sleep(250);
      }
    })();
    await waitFor(
      async () => (await readTopic(`${id}.out`, (r) => r.length > 3_000, 2_000)).length > 3_000,
      30_000,
      'first outputs',
    );

    // a second instance joins: the first keeps half its tasks (sticky), the other half moves
    const second = await runtimes.start(counterProcessor(id, input, `${id}.out`));
    await waitFor(
      () => first.isReady() && second.isReady() && second.assignment().tasks.length === 3,
      30_000,
      'both instances ready with 3 tasks each',
    );
    const moved = second.assignment().tasks;
    expect(first.assignment().tasks).toHaveLength(3);
    expect(moved.reduce((n, t) => n + (t.restore?.records ?? 0), 0)).toBeGreaterThan(0); // state came from the changelogs

    await sleep(1_000);
    // the first instance leaves: the second takes everything, restoring the other three tasks
    await first.stop();
    await waitFor(
      () => second.isReady() && second.assignment().tasks.length === 6,
      30_000,
      'second instance owns all tasks',
    );
    const takenOver = second.assignment().tasks.filter((t) => !moved.some((m) => m.task === t.task));
    expect(takenOver).toHaveLength(3);
    for (const t of takenOver) expect(t.restore!.records).toBeGreaterThan(0);

    await producing;
    await readTopic(`${id}.out`, (r) => r.length >= N, 60_000);
    await second.stop();
    const outputs = await readAll(`${id}.out`);
    expect(checkExactlyOnce(outputs, expected)).toEqual([]);

    // a single instance over the same input, from scratch
    const single = await runtimes.start(counterProcessor(`${id}-single`, input, `${id}.single`));
    await readTopic(`${id}.single`, (r) => r.length >= N, 60_000);
    await single.stop();
    const singleOutputs = await readAll(`${id}.single`);
    const perPartition = (rs: typeof outputs) => {
      const m = new Map<number, string[]>();
      for (const r of [...rs].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
        m.set(r.partition, [...(m.get(r.partition) ?? []), `${r.key}=${r.value}`]);
      }
      return m;
    };
    expect(perPartition(outputs)).toEqual(perPartition(singleOutputs));

    // and the test driver agrees with both
    const driver = new TestDriver(counterProcessor(id, input, `${id}.out`), { partitions: 6 });
    for (const r of records) await driver.pipe(input, r.key, r.value);
    const driven = await driver.readOutput(`${id}.out`);
    const drivenPerPartition = new Map<number, string[]>();
    for (const r of driven)
      drivenPerPartition.set(r.partition, [
        ...(drivenPerPartition.get(r.partition) ?? []),
        `${r.key}=${r.value}`,
      ]);
    expect(drivenPerPartition).toEqual(perPartition(outputs));
  });
});
