/**
 * Persistent stores on the real broker: the local state (LMDB per task under the state
 * directory) is a cache of the changelog that a restart catches up from its checkpoint, that
 * never holds an aborted transaction's writes (SIGKILL mid-transaction), and that is rebuilt from
 * the changelog when it is damaged or missing.
 */
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskStatus } from '../src';
import { StateDirectory, type LocalCheckpoint } from '../src/internal/state-dir';
import { RunnerProcess } from './support/processes';
import { counterProcessor } from './support/processors';
import { Runtimes } from './support/runtime';
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
  testLogger,
  unique,
} from './support/kafka';

jest.setTimeout(300_000);

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'persistent-it-'));
  dirs.push(d);
  return d;
};

function records(from: number, n: number, keys: number) {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${((from + i) * 7919) % keys}`,
    value: String(from + i),
  }));
}

function countInputs(rs: Array<{ key: string }>, into = new Map<string, number>()): Map<string, number> {
  for (const r of rs) into.set(r.key, (into.get(r.key) ?? 0) + 1);
  return into;
}

/** The local checkpoint and the stored counts of one task's directory (read with the process gone). */
function readLocal(stateDir: string, app: string, task: number, layout: string) {
  const disk = new StateDirectory(stateDir, app, testLogger()).task(task, layout);
  disk.open();
  try {
    const cp = disk.checkpoint();
    const values = new Map<string, string>();
    for (const { key, value } of disk.store('counts').values.getRange({}))
      values.set(key, Buffer.from(value).toString('utf8'));
    return { cp, values };
  } finally {
    disk.close();
  }
}

const restoreOf = (tasks: TaskStatus[]) =>
  new Map(tasks.map((t) => [t.task, { records: t.restore?.records, local: t.restore?.local }]));

describe('persistent stores', () => {
  const runtimes = new Runtimes();
  const running: RunnerProcess[] = [];
  afterAll(async () => {
    await runtimes.stopAll();
    await Promise.all(running.map((r) => r.stop(5_000)));
    await cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a clean restart restores only the changelog tail past its checkpoint', async () => {
    const id = unique('persist');
    const input = `${id}.in`;
    const output = `${id}.out`;
    const changelog = `${id}.counts.changelog`;
    const checkpoints = `${id}.__checkpoint.changelog`;
    await createTopics([{ topic: input, partitions: 2 }]);
    const dirA = tempDir();
    const dirB = tempDir();
    const def = () => counterProcessor(id, input, output, true);
    const expected = new Map<string, number>();
    const send = async (from: number, n: number) => {
      const batch = records(from, n, 500);
      countInputs(batch, expected);
      await produce(input, batch);
      const total = [...expected.values()].reduce((a, b) => a + b, 0);
      await readTopic(output, (r) => r.length >= total, 90_000);
    };

    // instance A (its own state directory) processes 10,000 records and stops cleanly
    const a = await runtimes.start(def(), { stateDir: dirA });
    await a.waitUntilReady();
    expect([...restoreOf(a.assignment().tasks).values()].every((r) => r.local === 'empty')).toBe(true);
    await send(0, 10_000);
    await a.stop();

    // A again on the same directory: nothing past its checkpoint, nothing read
    const a2 = await runtimes.start(def(), { stateDir: dirA });
    await a2.waitUntilReady();
    for (const r of restoreOf(a2.assignment().tasks).values())
      expect(r).toEqual({ records: 0, local: 'kept' });
    await a2.stop();
    const layout = `${changelog}`;
    const before = [0, 1].map((t) => readLocal(dirA, id, t, layout).cp!);

    // instance B (another pod, an empty directory) restores everything and moves on 4,000 records
    const b = await runtimes.start(def(), { stateDir: dirB });
    await b.waitUntilReady();
    const bRestore = restoreOf(b.assignment().tasks);
    for (const r of bRestore.values()) {
      expect(r.local).toBe('empty');
      expect(r.records).toBeGreaterThan(0);
    }
    await send(10_000, 4_000);
    await b.stop();

    // A once more: it reads exactly the records B committed past A's checkpoint
    const tail = [...(await readAll(changelog)), ...(await readAll(checkpoints))];
    const a3 = await runtimes.start(def(), { stateDir: dirA });
    await a3.waitUntilReady();
    const a3Restore = restoreOf(a3.assignment().tasks);
    for (const task of [0, 1]) {
      const cp: LocalCheckpoint = before[task];
      const expectedTail = tail.filter(
        (r) =>
          r.partition === task && r.offset >= cp.offsets[r.topic === changelog ? changelog : checkpoints],
      ).length;
      expect(a3Restore.get(task)).toEqual({ records: expectedTail, local: 'kept' });
      expect(expectedTail).toBeGreaterThan(0);
      expect(expectedTail).toBeLessThan(bRestore.get(task)!.records! + 4_000);
    }
    await send(14_000, 2_000);

    // every output exactly once across the three instances; the store holds the input counts
    const outputs = await readAll(output);
    expect(checkExactlyOnce(outputs, expected)).toEqual([]);
    const stored = new Map([
      ...(a3.storeSnapshot(0, 'counts') ?? []),
      ...(a3.storeSnapshot(1, 'counts') ?? []),
    ]);
    expect(stored).toEqual(expected);
    await a3.stop();
  });

  it('after SIGKILL mid-transaction the local state is the committed changelog; damaged or missing state is rebuilt', async () => {
    const id = unique('persist-kill');
    const input = `${id}.in`;
    const output = `${id}.out`;
    const changelog = `${id}.counts.changelog`;
    await createTopics([{ topic: input, partitions: 2 }]);
    const stateDir = tempDir();
    const N = 30_000;
    const all = records(0, N, 2_000);
    const expected = countInputs(all);
    let generation = 0;
    const start = () => {
      const p = new RunnerProcess({
        ...connection(),
        app: id,
        input,
        output,
        instance: `p${++generation}`,
        stateDir,
        // transactions stay open 3 s: the kill lands in one
        commitIntervalMs: 3_000,
      });
      running.push(p);
      return p;
    };

    let p = start();
    await p.waitReady();
    await produce(input, all.slice(0, 20_000));
    await readTopic(output, (r) => r.length >= 2_000, 60_000); // some transactions committed
    await produce(input, all.slice(20_000, 25_000));
    await sleep(1_000); // processed into open transactions, not committed
    await p.kill();

    // the killed process's local state: exactly the committed changelog up to its checkpoint
    const committed = await readAll(changelog);
    for (const task of [0, 1]) {
      const { cp, values } = readLocal(stateDir, id, task, changelog);
      expect(cp).toBeDefined();
      const upTo = cp!.offsets[changelog];
      const expectedLocal = latestByKey(committed.filter((r) => r.partition === task && r.offset < upTo));
      expect(values).toEqual(new Map([...expectedLocal].filter(([, v]) => v !== null)));
    }

    // damage: task 0's data file truncated, task 1's directory gone
    const data0 = join(stateDir, id, '0', 'data.mdb');
    truncateSync(data0, Math.floor(statSync(data0).size / 4));
    rmSync(join(stateDir, id, '1'), { recursive: true, force: true });

    p = start();
    await p.waitReady(90_000);
    const restored = restoreOf(p.status!.assignment!.tasks);
    expect(restored.get(0)!.local).toBe('wiped');
    expect(restored.get(1)!.local).toBe('empty');
    expect(p.output.join('\n')).toMatch(/truncated/);

    await produce(input, all.slice(25_000));
    await readTopic(output, (r) => r.length >= N, 120_000);
    await sleep(500);
    await p.stop();
    const outputs = await readAll(output);
    expect(checkExactlyOnce(outputs, expected)).toEqual([]);
    expect(outputs).toHaveLength(N);
    const final = latestByKey(await readAll(changelog));
    for (const [key, n] of expected) expect(Number(final.get(key))).toBe(n);
  });

  it("a standby takes over a killed instance's tasks with (almost) nothing to restore, outputs exactly once", async () => {
    const id = unique('persist-standby');
    const input = `${id}.in`;
    const output = `${id}.out`;
    const changelog = `${id}.counts.changelog`;
    await createTopics([{ topic: input, partitions: 4 }]);
    const N = 24_000;
    const all = records(0, N, 3_000);
    const expected = countInputs(all);
    const dirs = { a: tempDir(), b: tempDir() };
    let generation = 0;
    const start = (name: 'a' | 'b') => {
      const p = new RunnerProcess({
        ...connection(),
        app: id,
        input,
        output,
        instance: `${name}${++generation}`,
        stateDir: dirs[name],
        numStandbyReplicas: 1,
        logLevel: 'info',
      });
      running.push(p);
      return p;
    };
    const a = start('a');
    await a.waitReady();
    const b = start('b');
    await sleep(2_000);
    await Promise.all([a.waitReady(), b.waitReady()]);
    await produce(input, all.slice(0, 16_000));
    await readTopic(output, (r) => r.length >= 16_000, 90_000);
    // the standbys follow every committed transaction
    const standbyLines = () =>
      a.output.concat(b.output).filter((l) => l.includes('standby task caught up')).length;
    for (let i = 0; i < 100 && standbyLines() < 4; i++) await sleep(200);
    expect(standbyLines()).toBeGreaterThanOrEqual(4);

    const moved = a.tasks;
    expect(moved.length).toBeGreaterThan(0);
    const changelogRecords = (await readAll(changelog)).filter((r) => moved.includes(r.partition)).length;
    await a.kill();
    const killedAt = Date.now();
    for (let i = 0; i < 300 && !(b.tasks.length === 4 && b.isReady); i++) await sleep(100);
    const takeoverMs = Date.now() - killedAt;
    expect(b.tasks).toEqual([0, 1, 2, 3]);
    const restored = restoreOf(b.status!.assignment!.tasks);
    let restoredRecords = 0;
    for (const task of moved) {
      expect(restored.get(task)!.local).toBe('kept');
      restoredRecords += restored.get(task)!.records ?? 0;
    }
    // a full restore would read every changelog record of those tasks
    expect(restoredRecords).toBeLessThan(changelogRecords / 10);
    console.log(
      `standby takeover of tasks [${moved.join(',')}] in ${takeoverMs} ms (6 s session timeout included): ` +
        `${restoredRecords} records restored, ${changelogRecords} in their changelog partitions`,
    );

    // the killed instance comes back (as a standby or an owner); the rest of the input, exactly once
    const a2 = start('a');
    await produce(input, all.slice(16_000));
    await readTopic(output, (r) => r.length >= N, 120_000);
    await a2.waitReady(90_000);
    await sleep(500);
    await Promise.all([a2.stop(), b.stop()]);
    const outputs = await readAll(output);
    expect(checkExactlyOnce(outputs, expected)).toEqual([]);
    expect(outputs).toHaveLength(N);
  });
});
