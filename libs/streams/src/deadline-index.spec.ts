import { DeadlineIndex } from './deadline-index';
import type { KeyValueStore } from './definition';

const T0 = Date.UTC(2026, 10, 1);

/** A plain in-memory KeyValueStore. */
function memoryStore(): KeyValueStore<string> & { size: number } {
  const m = new Map<string, string>();
  return {
    get: (k) => m.get(k),
    has: (k) => m.has(k),
    put: (k, v) => void m.set(k, v),
    delete: (k) => void m.delete(k),
    entries: () => m.entries(),
    get size() {
      return m.size;
    },
  };
}

describe('deadline index', () => {
  const MIN = 60_000;

  it('hands out only due deadlines, in time order, and skips empty stretches in one step', () => {
    const idx = new DeadlineIndex(MIN);
    const store = memoryStore();
    idx.schedule(store, 'late', T0 + 10 * MIN, T0);
    idx.schedule(store, 'early', T0 + 2 * MIN, T0);
    idx.schedule(store, 'far', T0 + 200 * 24 * 60 * MIN, T0);
    const seen: string[] = [];
    idx.fire(store, T0 + 2 * MIN, (k) => seen.push(k));
    expect(seen).toEqual([]); // the bucket of `early` has not ended yet
    idx.fire(store, T0 + 11 * MIN, (k) => seen.push(k));
    expect(seen).toEqual(['early', 'late']);
    let gets = 0;
    const counting = {
      ...store,
      get: (k: string) => (gets++, store.get(k)),
      has: (k: string) => (gets++, store.has(k)),
    };
    idx.fire(counting, T0 + 199 * 24 * 60 * MIN, (k) => seen.push(k));
    expect(seen).toEqual(['early', 'late']);
    expect(gets).toBeLessThan(2_000); // 199 days of minutes = 286,560 buckets, visited by group
    idx.fire(store, T0 + 201 * 24 * 60 * MIN, (k) => seen.push(k));
    expect(seen).toEqual(['early', 'late', 'far']);
    expect(DeadlineIndex.pending(store)).toBe(0);
  });

  it('files a deadline already past into the next unprocessed bucket, also from inside fire', () => {
    const idx = new DeadlineIndex(MIN);
    const store = memoryStore();
    idx.schedule(store, 'a', T0 + MIN, T0);
    idx.fire(store, T0 + 10 * MIN, () => idx.schedule(store, 'again', T0, T0 + 10 * MIN));
    const seen: string[] = [];
    idx.fire(store, T0 + 10 * MIN, (k) => seen.push(k));
    expect(seen).toEqual([]);
    idx.fire(store, T0 + 12 * MIN, (k) => seen.push(k));
    expect(seen).toEqual(['again']);
  });

  it('keeps many pending deadlines at about one entry each and fires a minute of them without a scan', () => {
    // 300,000 deadlines over 72 h (the cost per deadline is constant: a million is the same
    // per-bucket work, about 230 cases a minute).
    const idx = new DeadlineIndex(MIN);
    const store = memoryStore();
    const n = 300_000;
    const span = 72 * 60 * MIN;
    for (let i = 0; i < n; i++) idx.schedule(store, `case-${i}`, T0 + span + Math.floor((i / n) * span), T0);
    expect(store.size).toBeLessThan(n + 2 * (span / MIN) + 100);
    let reads = 0;
    const counting = {
      ...store,
      get: (k: string) => (reads++, store.get(k)),
      has: (k: string) => (reads++, store.has(k)),
    };
    let fired = 0;
    idx.fire(counting, T0 + span + 2 * MIN, () => fired++);
    expect(fired).toBeGreaterThan(60);
    expect(fired).toBeLessThan(300);
    expect(reads).toBeLessThan(10 * fired + 100); // the due slots, not a scan of 300,000
  });
});
