import type { GlobalTable } from '../definition';

/** @internal the in-memory contents of a global table, filled by the reader (or the test driver). */
export class GlobalTableImpl<V> implements GlobalTable<V> {
  private readonly map = new Map<string, V>();
  private changes = 0;

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

  get version(): number {
    return this.changes;
  }

  set(key: string, value: V): void {
    this.map.set(key, value);
    this.changes++;
  }

  delete(key: string): void {
    if (this.map.delete(key)) this.changes++;
  }

  clear(): void {
    this.map.clear();
    this.changes++;
  }
}
