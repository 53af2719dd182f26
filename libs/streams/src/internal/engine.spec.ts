import { defineProcessor } from '../definition';
import { silentLogger } from '../logger';
import { stringSerde } from '../serdes';
import { counterProcessor, parityProcessor } from '../../test/support/processors';
import { LAZY_RESTORE_MIN_BYTES, TaskEngine, type RawRecord } from './engine';

const raw = (
  topic: string,
  offset: number,
  key: string,
  value: string,
  timestamp = 1_000 + offset,
): RawRecord => ({
  topic,
  partition: 0,
  offset,
  timestamp,
  key: Buffer.from(key),
  value: Buffer.from(value),
  headers: {},
});

describe('TaskEngine', () => {
  it('restores stores, positions, stream time and punctuation schedule from its own changelog records', async () => {
    const def = parityProcessor('app', { input: 'in', totals: 'tot', summaries: 'sum' }, 1_000);
    const engine = new TaskEngine(def, {
      applicationId: 'app',
      partitionsOf: () => 1,
      globals: new Map(),
      logger: silentLogger,
    });
    const task = engine.newTask(0);
    const changelog: Array<{ topic: string; key: Buffer | null; value: Buffer | null }> = [];
    for (let batch = 0; batch < 3; batch++) {
      const txn = engine.beginTxn(task);
      for (let i = 0; i < 4; i++)
        await engine.process(
          txn,
          raw('in', batch * 4 + i, `k${i % 3}`, String(i + 1), 100 + batch * 700 + i),
        );
      engine.markConsumed(txn, 'in', batch * 4 + 5); // past a control record
      changelog.push(...engine.changelogRecords(txn));
      engine.commitTxn(txn);
    }
    const restored = engine.newTask(0);
    for (const r of changelog) await engine.restoreRecord(restored, r.topic, r.key, r.value);
    expect(restored.stores.get('totals')!.snapshot()).toEqual(task.stores.get('totals')!.snapshot());
    expect(restored.committed).toEqual(task.committed);
    expect(restored.committed.positions.get('in')).toBe(13);
    expect(restored.committed.streamTime).toBe(100 + 2 * 700 + 3);
    expect(restored.committed.nextPunctuation.get('summary')).toBe(2_000);
  });

  it('given a value serde failing transiently (the registry away), when the record is processed, then the error is thrown for a retry and nothing is dead-lettered; a bad record still is', async () => {
    const away = Object.assign(new Error('registry unreachable'), { transient: true });
    const def = defineProcessor({
      name: 'app',
      inputs: {
        in: {
          key: stringSerde,
          value: {
            serialize: stringSerde.serialize,
            deserialize: (_topic: string, bytes: Buffer) => {
              const v = bytes.toString('utf8');
              if (v === 'away') throw away;
              if (v === 'bad') throw new Error('not Avro');
              return v;
            },
          },
        },
      },
      outputs: { out: { key: stringSerde, value: stringSerde } },
      process: (record, ctx) => ctx.emit('out', record.key, record.value),
    });
    const engine = new TaskEngine(def, {
      applicationId: 'app',
      partitionsOf: () => 1,
      globals: new Map(),
      logger: silentLogger,
    });
    const txn = engine.beginTxn(engine.newTask(0));
    await expect(engine.process(txn, raw('in', 0, 'k', 'away'))).rejects.toBe(away);
    expect(txn.deadLetters).toEqual([]);
    await engine.process(txn, raw('in', 1, 'k', 'bad'));
    expect(txn.deadLetters).toEqual([{ topic: 'in', kind: 'deserialization' }]);
  });

  it('an aborted transaction leaves the committed state and progress untouched', async () => {
    const engine = new TaskEngine(counterProcessor('app', 'in', 'out'), {
      applicationId: 'app',
      partitionsOf: () => 1,
      globals: new Map(),
      logger: silentLogger,
    });
    const task = engine.newTask(0);
    let txn = engine.beginTxn(task);
    await engine.process(txn, raw('in', 0, 'a', 'x'));
    engine.commitTxn(txn);
    txn = engine.beginTxn(task);
    await engine.process(txn, raw('in', 1, 'a', 'x'));
    expect(task.stores.get('counts')!.get('a')).toBe(2);
    expect(txn.produced).toHaveLength(1);
    engine.abortTxn(txn);
    expect(task.stores.get('counts')!.get('a')).toBe(1);
    expect(task.committed.positions.get('in')).toBe(1);
    // the retry produces the same thing again
    txn = engine.beginTxn(task);
    await engine.process(txn, raw('in', 1, 'a', 'x'));
    expect(txn.produced[0].value!.toString()).toBe('2');
  });

  it('restores large values of stores with a synchronous serde lazily, the rest at once', async () => {
    const { defineProcessor } = await import('../definition');
    const { jsonSerde, stringSerde } = await import('../serdes');
    const asyncJson = {
      serialize: async (_t: string, v: unknown) => Buffer.from(JSON.stringify(v)),
      deserialize: async (_t: string, b: Buffer) => JSON.parse(b.toString()) as unknown,
    };
    const def = defineProcessor({
      name: 'app',
      inputs: { in: { key: stringSerde, value: stringSerde } },
      outputs: {},
      stores: { big: { value: jsonSerde<{ text: string }>() }, viaAsync: { value: asyncJson } },
      process() {},
    });
    const engine = new TaskEngine(def, {
      applicationId: 'app',
      partitionsOf: () => 1,
      globals: new Map(),
      logger: silentLogger,
    });
    const task = engine.newTask(0);
    const big = { text: 'x'.repeat(LAZY_RESTORE_MIN_BYTES) };
    const put = (store: string, key: string, value: unknown) =>
      engine.restoreRecord(
        task,
        `app.${store}.changelog`,
        Buffer.from(key),
        Buffer.from(JSON.stringify(value)),
      );
    await put('big', 'large', big);
    await put('big', 'small', { text: 's' });
    await put('viaAsync', 'large', big);
    // an undecodable large value only fails when it is read
    await engine.restoreRecord(
      task,
      'app.big.changelog',
      Buffer.from('bad'),
      Buffer.from(`{${'x'.repeat(200)}`),
    );
    const store = task.stores.get('big')!;
    expect(store.decodesLazily).toBe(true);
    expect(task.stores.get('viaAsync')!.decodesLazily).toBe(false);
    expect(store.get('large')).toEqual(big);
    expect(store.get('small')).toEqual({ text: 's' });
    expect(task.stores.get('viaAsync')!.get('large')).toEqual(big);
    expect(() => store.get('bad')).toThrow(/cannot decode the restored value of bad/);
  });
});
