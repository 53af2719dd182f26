import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskStore } from './disk-store';
import { withDeadlineHeader } from './due-index';
import { TaskState, type TaskPersistence } from './engine';
import { StateDirectory, type TaskDisk } from './state-dir';
import type { EncodedChange } from './store';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent } as never;

interface Case {
  n: number;
  due?: number;
}

const CHANGELOG = 'app.cases.changelog';
const KV = 'app.kv.changelog';
const CHECKPOINTS = 'app.__checkpoint.changelog';
const decode = (b: Buffer): Case => JSON.parse(b.toString('utf8')) as Case;
const timedEncode = (key: string, v: Case | undefined): EncodedChange => ({
  key: Buffer.from(key),
  value: v === undefined ? null : withDeadlineHeader(v.due, Buffer.from(JSON.stringify(v))),
});
const plainEncode = (key: string, v: Case | undefined): EncodedChange => ({
  key: Buffer.from(key),
  value: v === undefined ? null : Buffer.from(JSON.stringify(v)),
});

let root: string;
let disks: TaskDisk[];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'disk-store-'));
  disks = [];
});
afterEach(() => {
  for (const d of disks) d.close();
  rmSync(root, { recursive: true, force: true });
});

/** A task whose `cases` (timed, 1,000 ms buckets) and `kv` stores are persistent, in `root`. */
function task(layout = 'v1', maxAgeMs = 60_000): TaskState {
  const disk = new StateDirectory(root, 'app', silent).task(0, layout);
  disks.push(disk);
  const persistence: TaskPersistence = {
    disk,
    stores: new Set(['cases', 'kv']),
    topics: new Set([CHECKPOINTS, CHANGELOG, KV]),
    maxAgeMs,
  };
  return new TaskState(
    0,
    ['cases', 'kv'],
    new Map([
      ['cases', decode],
      ['kv', decode],
    ]),
    new Map([['cases', { deadline: (v: unknown) => (v as Case).due, resolutionMs: 1000 }]]),
    new Set(),
    persistence,
  );
}

const bounds = (high: number, low = 0) =>
  new Map([CHECKPOINTS, CHANGELOG, KV].map((t) => [t, { low, high }] as const));

function cases(t: TaskState): DiskStore<Case> {
  return t.stores.get('cases') as DiskStore<Case>;
}
function kv(t: TaskState): DiskStore<Case> {
  return t.stores.get('kv') as DiskStore<Case>;
}

/** Stages `writes` as one transaction's records, encodes them, and commits them with `produced` offsets. */
function commit(
  t: TaskState,
  writes: Array<[string, Case | undefined]>,
  produced: number,
  store = cases(t),
): void {
  for (const [k, v] of writes) {
    if (v === undefined) store.delete(k);
    else store.put(k, v);
    store.commitRecordDeferred();
  }
  store.pendingChanges(store === cases(t) ? timedEncode : plainEncode);
  t.commitTransaction(
    { positions: new Map([['in', produced]]), streamTime: produced, nextPunctuation: new Map() },
    new Map([
      [CHANGELOG, produced],
      [CHECKPOINTS, produced],
      [KV, produced],
    ]),
  );
}

describe('DiskStore and the task state directory', () => {
  it('given a fresh directory, when a transaction commits, then its writes are on disk with a checkpoint a new process restores from', () => {
    const t = task();
    expect(t.planRestore(bounds(0))).toEqual({ starts: new Map(), wiped: undefined });
    commit(
      t,
      [
        ['a', { n: 1 }],
        ['b', { n: 2 }],
      ],
      10,
    );
    commit(t, [['a', undefined]], 12);
    expect(cases(t).get('a')).toBeUndefined();
    expect(cases(t).get('b')).toEqual({ n: 2 });

    disks[0].close();
    const again = task();
    const plan = again.planRestore(bounds(12));
    expect(plan.wiped).toBeUndefined();
    expect(plan.starts).toEqual(
      new Map([
        [CHECKPOINTS, 12],
        [CHANGELOG, 12],
        [KV, 12],
      ]),
    );
    expect(again.committed.positions.get('in')).toBe(12);
    expect(cases(again).snapshot()).toEqual(new Map([['b', { n: 2 }]]));
  });

  it('given an open transaction, when it aborts, then nothing of it reaches the disk', () => {
    const t = task();
    t.planRestore(bounds(0));
    commit(t, [['a', { n: 1 }]], 5);
    cases(t).put('a', { n: 99 });
    cases(t).put('z', { n: 100 });
    cases(t).commitRecordDeferred();
    cases(t).rollbackTxn();
    expect(cases(t).get('a')).toEqual({ n: 1 });
    disks[0].close();
    const again = task();
    again.planRestore(bounds(5));
    expect(cases(again).snapshot()).toEqual(new Map([['a', { n: 1 }]]));
  });

  it('given restored changelog records, when the restore finishes, then they are stored and the checkpoint is the restore position', () => {
    const t = task();
    t.planRestore(bounds(0));
    const s = cases(t);
    s.restoreRaw('a', withDeadlineHeader(5_000, Buffer.from(JSON.stringify({ n: 1, due: 5_000 }))));
    s.restoreRaw('b', withDeadlineHeader(undefined, Buffer.from(JSON.stringify({ n: 2 }))));
    s.restoreRaw('a', null);
    s.restoreRaw('c', Buffer.from(JSON.stringify({ n: 3, due: 2_500 }))); // written before the store was timed
    t.flushRestored();
    t.restoreFinished(
      new Map([
        [CHANGELOG, 40],
        [CHECKPOINTS, 41],
        [KV, 0],
      ]),
    );
    expect(s.snapshot()).toEqual(
      new Map([
        ['b', { n: 2 }],
        ['c', { n: 3, due: 2_500 }],
      ]),
    );
    expect(s.due(10_000)).toEqual(['c']);
    expect(disks[0].checkpoint()?.offsets).toEqual({ [CHANGELOG]: 40, [CHECKPOINTS]: 41, [KV]: 0 });
  });

  it('given timed values, when stream time passes their buckets, then they are due once, and again after an abort', () => {
    const t = task();
    t.planRestore(bounds(0));
    commit(
      t,
      [
        ['late', { n: 1, due: 3_500 }],
        ['early', { n: 2, due: 1_200 }],
        ['never', { n: 3 }],
      ],
      3,
    );
    const s = cases(t);
    expect(s.due(1_999)).toEqual([]);
    expect(s.due(2_000)).toEqual(['early']);
    s.rollbackTxn();
    expect(s.due(4_000)).toEqual(['early', 'late']);
    commit(t, [], 4); // the hand-out committed: those entries are gone
    expect(s.due(9_000)).toEqual([]);
    expect(s.dueIndexSize).toBe(0);

    // a deadline moved: the old entry is stale
    commit(t, [['m', { n: 4, due: 12_000 }]], 5);
    commit(t, [['m', { n: 4, due: 20_000 }]], 6);
    expect(s.due(15_000)).toEqual([]);
    expect(s.due(21_000)).toEqual(['m']);
    commit(t, [], 7);

    // the due cursor survives a restart: nothing handed out comes back
    disks[0].close();
    const again = task();
    again.planRestore(bounds(7));
    expect(cases(again).due(30_000)).toEqual([]);
  });

  it('given a non-timed persistent store, when written, then entries() merges the layers', () => {
    const t = task();
    t.planRestore(bounds(0));
    commit(
      t,
      [
        ['x', { n: 1 }],
        ['y', { n: 2 }],
      ],
      2,
      kv(t),
    );
    kv(t).put('y', { n: 20 });
    kv(t).delete('x');
    kv(t).put('w', { n: 3 });
    expect(new Map(kv(t).entries())).toEqual(
      new Map([
        ['y', { n: 20 }],
        ['w', { n: 3 }],
      ]),
    );
    expect(kv(t).committedSize).toBe(2);
  });

  it('given a truncated data file, when the task restores, then the state is wiped and restored from the changelog', () => {
    const t = task();
    t.planRestore(bounds(0));
    for (let i = 0; i < 50; i++) commit(t, [[`k${i}`, { n: i, due: 1 }]], i + 1);
    disks[0].close();
    const file = join(root, 'app', '0', 'data.mdb');
    truncateSync(file, Math.floor(statSync(file).size / 3));
    const again = task();
    const plan = again.planRestore(bounds(50));
    expect(plan.wiped).toMatch(/truncated/);
    expect(plan.starts.size).toBe(0);
    expect(cases(again).snapshot().size).toBe(0);
  });

  it('given local state of another layout, too old, or past the changelog, when the task restores, then it is wiped', () => {
    const t = task();
    t.planRestore(bounds(0));
    commit(t, [['a', { n: 1 }]], 9);
    disks[0].close();
    expect(task('v2').planRestore(bounds(9)).wiped).toMatch(/another layout/);

    const t2 = task();
    t2.planRestore(bounds(0));
    commit(t2, [['a', { n: 1 }]], 9);
    disks[disks.length - 1].close();
    expect(task().planRestore(bounds(5)).wiped).toMatch(/outside the changelog/);

    const t3 = task();
    t3.planRestore(bounds(0));
    commit(t3, [['a', { n: 1 }]], 9);
    disks[disks.length - 1].close();
    expect(task('v1', -1).planRestore(bounds(9)).wiped).toMatch(/min old/);
  });

  it('given a directory locked by another live process, when locked again, then a clear error names it', () => {
    const dir = new StateDirectory(root, 'app', silent);
    dir.lock();
    const { writeFileSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
    writeFileSync(join(dir.root, '.lock'), `${process.ppid}\n`);
    expect(() => new StateDirectory(root, 'app', silent).lock()).toThrow(/in use by process/);
  });
});
