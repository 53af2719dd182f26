import { readDeadlineHeader, TIMED_HEADER_BYTES, TIMED_VALUE_MAGIC, withDeadlineHeader } from './due-index';
import { LayeredStore, TOMBSTONE, type Slot, type StoreTimer } from './store';
import type { StoreDbs, TaskDisk } from './state-dir';

const EMPTY = Buffer.alloc(0);

/** The deadline in a timed value's header, `undefined` when none; NaN when the value has no header. */
function headerDeadline(bytes: Buffer): number | undefined {
  if (bytes.length < TIMED_HEADER_BYTES || bytes[0] !== TIMED_VALUE_MAGIC) return Number.NaN;
  const d = bytes.readDoubleBE(1);
  return Number.isNaN(d) ? undefined : d;
}

/**
 * @internal
 * A persistent store (StoreSpec.persistent with a state directory): the committed layer lives in
 * the task's LMDB environment as the changelog values' bytes, decoded on each read; the record
 * and transaction layers are the in-memory ones of `LayeredStore`. A timed store keeps its due
 * index on disk as well (`[bucket, key]` entries), so neither values nor deadlines take heap per
 * entry and a restart reads nothing but the changelog tail.
 *
 * The transaction's writes reach LMDB in `commitTxn`, which the engine calls inside the task's
 * LMDB transaction after the Kafka transaction committed (with the local checkpoint).
 */
export class DiskStore<V> extends LayeredStore<V> {
  /** Due-index filings of the open transaction, by bucket (written to LMDB when it commits). */
  private pendingDue = new Map<number, string[]>();
  /** Buckets up to here were handed out by committed transactions (and their entries deleted). */
  private dueCursor = Number.NEGATIVE_INFINITY;
  /** Buckets up to here were handed out in the open transaction. */
  private dueWorking = Number.NEGATIVE_INFINITY;
  private readonly resolutionMs: number;
  /** Restored changelog records not written yet (`flushRestored`, in the restore's LMDB transaction). */
  private restored: Array<{ key: string; value: Buffer | null }> = [];

  constructor(
    name: string,
    decode: (bytes: Buffer) => V,
    timer: StoreTimer<V> | undefined,
    private readonly disk: TaskDisk,
  ) {
    super(name, decode, timer, true);
    this.resolutionMs = timer?.resolutionMs ?? 1;
  }

  protected override get keepsIndexElsewhere(): boolean {
    return true;
  }

  private get dbs(): StoreDbs {
    return this.disk.store(this.name);
  }

  private bucketOf(time: number): number {
    return Math.floor(time / this.resolutionMs);
  }

  /** The stored bytes without a timed store's header. */
  private payload(bytes: Buffer): Buffer {
    return this.timer && bytes.length >= TIMED_HEADER_BYTES && bytes[0] === TIMED_VALUE_MAGIC
      ? bytes.subarray(TIMED_HEADER_BYTES)
      : bytes;
  }

  protected override committedValue(key: string): V | undefined {
    // a copy: decoders may keep slices of the bytes (LMDB's fast read reuses one buffer)
    const bytes = this.dbs.values.getBinary(key);
    if (bytes === undefined) return undefined;
    try {
      return this.decode!(this.payload(bytes));
    } catch (error) {
      throw new Error(
        `store ${this.name}: cannot decode the stored value of ${key}: ${(error as Error).message}`,
      );
    }
  }

  protected override committedHas(key: string): boolean {
    return this.dbs.values.doesExist(key);
  }

  protected override committedLayerDeadline(key: string): number | undefined {
    const bytes = this.dbs.values.getBinaryFast(key);
    if (bytes === undefined) return undefined;
    const d = headerDeadline(bytes);
    if (d === undefined || !Number.isNaN(d)) return d;
    return this.timer!.deadline(this.committedValue(key)!);
  }

  protected override *committedEntries(): IterableIterator<[string, V]> {
    for (const { key, value } of this.dbs.values.getRange({}))
      yield [key, this.decode!(this.payload(Buffer.from(value)))];
  }

  override get committedSize(): number {
    if (!this.disk.isOpen) return 0; // before the task's restore opened it
    return (this.dbs.values.getStats() as { entryCount: number }).entryCount;
  }

  override get dueIndexSize(): number {
    let n = 0;
    for (const keys of this.pendingDue.values()) n += keys.length;
    if (!this.disk.isOpen) return n;
    return n + (this.dbs.due.getStats() as { entryCount: number }).entryCount;
  }

  protected override fileWrite(key: string, slot: Slot<V>): void {
    if (slot === TOMBSTONE) return;
    const deadline = this.timer!.deadline(slot);
    if (deadline === undefined) return;
    const natural = this.bucketOf(deadline);
    if (natural > this.dueWorking && this.committedDeadline(key) === deadline) return;
    const bucket = Math.max(natural, this.dueWorking + 1);
    let keys = this.pendingDue.get(bucket);
    if (!keys) this.pendingDue.set(bucket, (keys = []));
    keys.push(key);
  }

  override due(now: number): string[] {
    if (!this.timer) throw new Error(`store ${this.name} has no timer (declare StoreSpec.timer)`);
    const last = this.bucketOf(now) - 1;
    if (last <= this.dueWorking) return [];
    const byBucket = new Map<number, string[]>();
    const range = Number.isFinite(this.dueWorking)
      ? { start: [this.dueWorking + 1], end: [last + 1] }
      : { end: [last + 1] };
    for (const key of this.dbs.due.getKeys(range)) {
      const [bucket, k] = key as [number, string];
      let keys = byBucket.get(bucket);
      if (!keys) byBucket.set(bucket, (keys = []));
      keys.push(k);
    }
    for (const [bucket, keys] of this.pendingDue) {
      if (bucket <= this.dueWorking || bucket > last) continue;
      const list = byBucket.get(bucket);
      if (list) list.push(...keys);
      else byBucket.set(bucket, [...keys]);
    }
    this.dueWorking = last;
    const out: string[] = [];
    const seen = new Set<string>();
    for (const bucket of [...byBucket.keys()].sort((a, b) => a - b)) {
      const batch: Array<{ key: string; deadline: number }> = [];
      for (const key of byBucket.get(bucket)!) {
        if (seen.has(key)) continue;
        const deadline = this.currentDeadline(key);
        if (deadline === undefined || this.bucketOf(deadline) > bucket) continue; // stale entry
        seen.add(key);
        batch.push({ key, deadline });
      }
      batch.sort((a, b) => a.deadline - b.deadline || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (const b of batch) out.push(b.key);
    }
    return out;
  }

  /** Writes the committed transaction to LMDB. Call inside the task's LMDB transaction (`TaskDisk.commit`). */
  override commitTxn(): void {
    const { values, due } = this.dbs;
    for (const [key, entry] of this.txn) {
      if (entry.slot === TOMBSTONE) values.removeSync(key);
      else if (entry.encoded?.value) values.putSync(key, entry.encoded.value);
      else throw new Error(`store ${this.name}: the write of ${key} was not encoded for the changelog`);
    }
    this.txn.clear();
    if (this.timer) {
      for (const [bucket, keys] of this.pendingDue)
        if (bucket > this.dueWorking) for (const key of keys) due.putSync([bucket, key], EMPTY);
      if (this.dueWorking > this.dueCursor) {
        const gone = [...due.getKeys({ end: [this.dueWorking + 1] })];
        for (const key of gone) due.removeSync(key as [number, string]);
        this.disk.putMeta(`due-cursor:${this.name}`, this.dueWorking);
      }
      this.dueCursor = this.dueWorking;
    }
    this.pendingDue = new Map();
  }

  override rollbackTxn(): void {
    this.record.clear();
    this.txn.clear();
    this.pendingDue = new Map();
    this.dueWorking = this.dueCursor;
  }

  /**
   * Revocation or a re-restore: the in-memory layers go; the committed state stays on disk (its
   * due cursor is read back from it when the environment is open).
   */
  override clear(): void {
    this.record.clear();
    this.txn.clear();
    this.restored = [];
    this.pendingDue = new Map();
    const cursor = this.disk.isOpen ? this.disk.getMeta<number>(`due-cursor:${this.name}`) : undefined;
    this.dueCursor = this.dueWorking = cursor ?? Number.NEGATIVE_INFINITY;
  }

  /**
   * Restore path: a changelog record, as its bytes (`null`: a tombstone). Kept until
   * `flushRestored`, which writes the batch in one LMDB transaction.
   */
  restoreRaw(key: string, value: Buffer | null): void {
    if (value !== null && this.timer && readDeadlineHeader(value).deadline === 'unknown')
      // written before the store was timed: give it its header
      value = withDeadlineHeader(this.timer.deadline(this.decode!(value)), value);
    this.restored.push({ key, value });
  }

  /** Writes the restored records kept so far. Call inside the task's LMDB transaction. */
  flushRestored(): void {
    if (this.restored.length === 0) return;
    const { values, due } = this.dbs;
    for (const { key, value } of this.restored) {
      if (value === null) {
        values.removeSync(key);
        continue;
      }
      values.putSync(key, value);
      if (this.timer) {
        const deadline = headerDeadline(value);
        if (deadline !== undefined && !Number.isNaN(deadline))
          due.putSync([Math.max(this.bucketOf(deadline), this.dueCursor + 1), key], EMPTY);
      }
    }
    this.restored = [];
  }

  override restorePut(): void {
    throw new Error(`store ${this.name}: a persistent store restores changelog bytes (restoreRaw)`);
  }

  override restoreEncoded(): void {
    throw new Error(`store ${this.name}: a persistent store restores changelog bytes (restoreRaw)`);
  }

  override restoreDelete(key: string): void {
    this.restored.push({ key, value: null });
  }

  override snapshot(): Map<string, V> {
    return new Map(this.committedEntries());
  }
}
