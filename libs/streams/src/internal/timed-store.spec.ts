import { defineProcessor } from '../definition';
import { silentLogger } from '../logger';
import { jsonSerde, stringSerde } from '../serdes';
import { TIMED_HEADER_BYTES, TIMED_VALUE_MAGIC } from './due-index';
import { TaskEngine, type RawRecord } from './engine';

/**
 * A timed store (StoreSpec.timer): the due index is derived from the values, never changelogged,
 * rebuilt on restore from the deadline header of each changelog value (or, for values written
 * before the store was timed, from the decoded value).
 */
interface Item {
  until: number | null;
  note: string;
}

const RES = 1_000;
const def = defineProcessor({
  name: 'app',
  inputs: { in: { key: stringSerde, value: stringSerde } },
  outputs: { expired: { key: stringSerde, value: stringSerde } },
  stores: {
    items: {
      value: jsonSerde<Item>(),
      timer: { deadline: (v: Item) => v.until ?? undefined, resolutionMs: RES },
    },
  },
  process(record, ctx) {
    // value "<until>" puts the item, "-" deletes it
    if (record.value === '-') ctx.store('items').delete(record.key);
    else ctx.store('items').put(record.key, { until: Number(record.value), note: 'x'.repeat(200) });
  },
});

const engine = () =>
  new TaskEngine(def, { applicationId: 'app', partitionsOf: () => 1, globals: new Map(), logger: silentLogger });
let offset = 0;
const raw = (key: string, value: string, timestamp: number): RawRecord => ({
  topic: 'in',
  partition: 0,
  offset: offset++,
  timestamp,
  key: Buffer.from(key),
  value: Buffer.from(value),
  headers: {},
});

async function given(e: TaskEngine, task: ReturnType<TaskEngine['newTask']>, records: RawRecord[]) {
  const txn = e.beginTxn(task);
  for (const r of records) await e.process(txn, r);
  const changelog = e.changelogRecords(txn);
  e.commitTxn(txn);
  return changelog;
}

const due = (task: ReturnType<TaskEngine['newTask']>, now: number) => {
  const e = task.stores.get('items')!;
  return e.due(now);
};

describe('timed store', () => {
  it('lists the keys whose deadline bucket has ended, in deadline then key order, each once', async () => {
    const e = engine();
    const task = e.newTask(0);
    await given(e, task, [raw('b', '5500', 1), raw('a', '5500', 2), raw('c', '5100', 3), raw('d', '9000', 4)]);
    // when stream time is inside the bucket of 5,000-5,999: nothing yet
    expect(due(task, 5_999)).toEqual([]);
    // then once it has ended
    expect(due(task, 6_000)).toEqual(['c', 'a', 'b']);
    expect(due(task, 6_500)).toEqual([]); // handed out already
  });

  it('skips stale entries: a moved deadline or a deleted key', async () => {
    const e = engine();
    const task = e.newTask(0);
    await given(e, task, [raw('a', '2000', 1), raw('b', '2000', 2)]);
    await given(e, task, [raw('a', '8000', 3), raw('b', '-', 4)]);
    expect(due(task, 3_000)).toEqual([]);
    expect(due(task, 9_000)).toEqual(['a']);
  });

  it('hands the keys out again after an aborted transaction', async () => {
    const e = engine();
    const task = e.newTask(0);
    await given(e, task, [raw('a', '2000', 1)]);
    const txn = e.beginTxn(task);
    expect(due(task, 3_000)).toEqual(['a']);
    e.abortTxn(txn);
    expect(due(task, 3_000)).toEqual(['a']);
    e.commitTxn(e.beginTxn(task));
    expect(due(task, 4_000)).toEqual([]);
    expect(task.stores.get('items')!.dueIndexSize).toBe(0);
  });

  it('writes one changelog record per key and transaction, the deadline in a header', async () => {
    const e = engine();
    const task = e.newTask(0);
    const changelog = await given(e, task, [raw('a', '2000', 1), raw('a', '4000', 2)]);
    const items = changelog.filter((r) => r.topic === 'app.items.changelog');
    expect(items).toHaveLength(1);
    const v = items[0].value!;
    expect(v[0]).toBe(TIMED_VALUE_MAGIC);
    expect(v.readDoubleBE(1)).toBe(4000);
    expect(JSON.parse(v.subarray(TIMED_HEADER_BYTES).toString())).toMatchObject({ until: 4000 });
  });

  it('rebuilds the index on restore, without decoding large values', async () => {
    const e = engine();
    const task = e.newTask(0);
    const changelog = [
      ...(await given(e, task, [raw('a', '2000', 1), raw('b', '3000', 2)])),
      ...(await given(e, task, [raw('a', '7000', 3)])),
    ];
    const restored = e.newTask(0);
    for (const r of changelog) await e.restoreRecord(restored, r.topic, r.key, r.value);
    expect(due(restored, 4_000)).toEqual(['b']);
    expect(due(restored, 8_000)).toEqual(['a']);
    expect(restored.stores.get('items')!.get('a')).toMatchObject({ until: 7000 });
  });

  it('restores values written before the store was timed (plain JSON, no header)', async () => {
    const e = engine();
    const restored = e.newTask(0);
    const legacy = Buffer.from(JSON.stringify({ until: 2500, note: 'y'.repeat(300) }));
    await e.restoreRecord(restored, 'app.items.changelog', Buffer.from('old'), legacy);
    expect(restored.stores.get('items')!.get('old')).toMatchObject({ until: 2500 });
    expect(due(restored, 3_000)).toEqual(['old']);
  });
});
