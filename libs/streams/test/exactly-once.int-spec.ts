/**
 * Exactly once under crashes: a keyed counter (changelogged store, emits every update) runs as
 * two OS processes; while 120,000 records flow in, instances are killed with SIGKILL (open
 * transactions left behind, group membership left to time out) and restarted. A read-committed
 * consumer must then see, per key, the counts 1..n with no gap and no repetition, and the final
 * store state (the changelog) must equal the input counts.
 */
import { RunnerProcess } from './support/processes';
import {
  connection,
  checkExactlyOnce,
  cleanup,
  createTopics,
  latestByKey,
  produce,
  readAll,
  readTopic,
  sleep,
  unique,
} from './support/kafka';

jest.setTimeout(300_000);

describe('exactly once under SIGKILL', () => {
  const running: RunnerProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop(5_000)));
    await cleanup();
  });

  it('every output exactly once and final counts equal input counts, across kills and restarts', async () => {
    const id = unique('eos');
    const input = `${id}.in`;
    const output = `${id}.out`;
    const N = 120_000;
    const KEYS = 3_000;
    await createTopics([{ topic: input, partitions: 6 }]);

    const records = Array.from({ length: N }, (_, i) => ({ key: `k${(i * 7919) % KEYS}`, value: String(i) }));
    const expected = new Map<string, number>();
    for (const r of records) expected.set(r.key, (expected.get(r.key) ?? 0) + 1);

    let generation = 0;
    const start = (name: string) => {
      const p = new RunnerProcess({
        ...connection(),
        app: id,
        input,
        output,
        instance: `${name}${++generation}`,
      });
      running.push(p);
      return p;
    };
    const procs: Record<'a' | 'b', RunnerProcess> = { a: start('a'), b: start('b') };
    await Promise.all([procs.a.waitReady(), procs.b.waitReady()]);

    // produce at ~10k records/s so the kills land while records flow
    const producing = (async () => {
      for (let i = 0; i < N; i += 10_000) {
        await produce(input, records.slice(i, i + 10_000));
        await sleep(700);
      }
    })();

    const log: string[] = [];
    for (const [victim, delay] of [
      ['a', 2_500],
      ['b', 3_500],
      ['a', 3_500],
      ['b', 2_000],
    ] as const) {
      await sleep(delay);
      const p = procs[victim];
      // kill an instance that holds tasks (right after a rebalance it may be waiting for its assignment)
      for (let i = 0; i < 100 && p.tasks.length === 0; i++) await sleep(100);
      const committed = (await readTopic(output, () => false, 300)).length;
      log.push(
        `kill ${p.config.instance} holding tasks [${p.tasks.join(',')}] with ${committed} outputs committed`,
      );
      console.log(log[log.length - 1], JSON.stringify(p.status?.assignment));
      expect(p.tasks.length).toBeGreaterThan(0);
      await p.kill();
      await sleep(300);
      procs[victim] = start(victim);
    }
    await producing;
    await Promise.all([procs.a.waitReady(90_000), procs.b.waitReady(90_000)]);

    const seen = await readTopic(output, (r) => r.length >= N, 150_000);
    expect(seen.length).toBeGreaterThanOrEqual(N);
    await sleep(2_000);
    await Promise.all([procs.a.stop(), procs.b.stop()]);

    const outputs = await readAll(output);
    const problems = checkExactlyOnce(outputs, expected);
    if (problems.length)
      console.error(`exactly-once violations:\n${problems.slice(0, 20).join('\n')}\n${log.join('\n')}`);
    expect(problems).toEqual([]);
    expect(outputs).toHaveLength(N);

    const changelog = latestByKey(await readAll(`${id}.counts.changelog`));
    expect(changelog.size).toBe(expected.size);
    for (const [key, n] of expected) expect(Number(changelog.get(key))).toBe(n);
    console.log(`exactly-once run: ${N} records, ${KEYS} keys\n${log.join('\n')}`);
  });
});
