import { LayeredStore } from './store';

const enc = (keys: string[], store: LayeredStore<number>) => {
  const m = new Map<string, { key: Buffer; value: Buffer | null }>();
  for (const [k, v] of store.recordWrites())
    m.set(k, { key: Buffer.from(k), value: v === undefined ? null : Buffer.from(String(v)) });
  for (const k of keys) if (!m.has(k)) throw new Error(`no write for ${k}`);
  return m;
};

describe('LayeredStore', () => {
  it('reads through record, transaction and committed layers, tombstones included', () => {
    const s = new LayeredStore<number>('s');
    s.restorePut('a', 1);
    s.restorePut('b', 2);
    s.put('a', 10);
    s.delete('b');
    s.put('c', 3);
    expect([s.get('a'), s.get('b'), s.get('c')]).toEqual([10, undefined, 3]);
    expect(new Map(s.entries())).toEqual(
      new Map([
        ['a', 10],
        ['c', 3],
      ]),
    );
    s.commitRecord(enc(['a', 'b', 'c'], s));
    s.put('c', 4);
    expect(s.get('c')).toBe(4);
    s.rollbackRecord();
    expect(s.get('c')).toBe(3);
    expect(s.pendingChanges().map((c) => [c.key.toString(), c.value?.toString() ?? null])).toEqual([
      ['a', '10'],
      ['b', null],
      ['c', '3'],
    ]);
    expect(s.snapshot()).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    s.commitTxn();
    expect(s.snapshot()).toEqual(
      new Map([
        ['a', 10],
        ['c', 3],
      ]),
    );
    expect(s.hasPendingChanges).toBe(false);
  });

  it('keeps one changelog write per key per transaction and drops everything on abort', () => {
    const s = new LayeredStore<number>('s');
    for (let i = 1; i <= 5; i++) {
      s.put('k', i);
      s.commitRecord(enc(['k'], s));
    }
    expect(s.pendingChanges()).toHaveLength(1);
    expect(s.pendingChanges()[0].value!.toString()).toBe('5');
    s.rollbackTxn();
    expect(s.get('k')).toBeUndefined();
    expect(s.pendingChanges()).toHaveLength(0);
  });

  it('refuses non-string keys and null values', () => {
    const s = new LayeredStore<unknown>('s');
    expect(() => s.put(1 as unknown as string, 1)).toThrow(/keys are strings/);
    expect(() => s.put('k', null)).toThrow(/delete/);
  });
});
