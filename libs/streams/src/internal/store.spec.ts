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

  it('restores encoded values lazily: decoded once, on first access, under every layer', () => {
    const decoded: string[] = [];
    const s = new LayeredStore<{ n: number }>('s', (bytes) => {
      const v = JSON.parse(bytes.toString()) as { n: number };
      decoded.push(String(v.n));
      return v;
    });
    expect(s.decodesLazily).toBe(true);
    const source = Buffer.from('{"n":1}{"n":2}{"n":3}');
    s.restoreEncoded('a', source.subarray(0, 7));
    s.restoreEncoded('b', source.subarray(7, 14));
    s.restoreEncoded('c', source.subarray(14));
    source.fill(0); // the store keeps its own copy of the bytes, not a view of the fetch buffer
    expect(s.committedSize).toBe(3);
    expect(s.has('a') && s.has('b') && !s.has('x')).toBe(true);
    expect(decoded).toEqual([]);
    const a = s.get('a');
    expect(a).toEqual({ n: 1 });
    expect(s.get('a')).toBe(a); // decoded once, kept
    expect(decoded).toEqual(['1']);
    s.put('b', { n: 20 }); // a write over an undecoded value never decodes it
    s.delete('c');
    expect([s.get('b'), s.get('c'), s.has('c')]).toEqual([{ n: 20 }, undefined, false]);
    expect(decoded).toEqual(['1']);
    s.rollbackRecord();
    expect(new Map(s.entries())).toEqual(
      new Map([
        ['a', { n: 1 }],
        ['b', { n: 2 }],
        ['c', { n: 3 }],
      ]),
    );
    expect(decoded).toEqual(['1', '2', '3']);
  });

  it('names the store and key of a restored value that does not decode', () => {
    const s = new LayeredStore<unknown>('cases', (bytes) => JSON.parse(bytes.toString()));
    s.restoreEncoded('k1', Buffer.from('{broken'));
    expect(s.has('k1')).toBe(true);
    expect(() => s.get('k1')).toThrow(/store cases: cannot decode the restored value of k1/);
    expect(() => new LayeredStore<number>('plain').restoreEncoded('k', Buffer.from('1'))).toThrow(
      /no synchronous decoder/,
    );
  });

  it('copies restored bytes into shared slabs, large values into their own buffer', () => {
    const s = new LayeredStore<string>('s', (bytes) => bytes.toString());
    const large = 'L'.repeat(300 * 1024);
    const values = Array.from({ length: 3000 }, (_, i) => `value-${i}-${'v'.repeat(500)}`); // > one slab
    values.forEach((v, i) => s.restoreEncoded(`k${i}`, Buffer.from(v)));
    s.restoreEncoded('large', Buffer.from(large));
    expect(s.get('large')).toBe(large);
    values.forEach((v, i) => expect(s.get(`k${i}`)).toBe(v));
    s.clear();
    expect(s.committedSize).toBe(0);
  });
});
