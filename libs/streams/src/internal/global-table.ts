import type { GlobalTable } from '../definition';

/** @internal the in-memory contents of a global table, filled by the reader (or the test driver). */
export class GlobalTableImpl<V> implements GlobalTable<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly name: string) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }

  set(key: string, value: V): void {
    this.map.set(key, value);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }
}
