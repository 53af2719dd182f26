import type { TaskStore } from '../definition';
import { DueIndex, readDeadlineHeader } from './due-index';

/** @internal the record/transaction layers' mark of a deleted key. */
export const TOMBSTONE: unique symbol = Symbol('tombstone');
export type Slot<V> = V | typeof TOMBSTONE;

/** An encoded changelog entry of the open transaction (`value === null` is a tombstone). */
export interface EncodedChange {
  key: Buffer;
  value: Buffer | null;
}

export interface TxnEntry<V> {
  slot: Slot<V>;
  /** Undefined for a deferred store until the transaction's changelog records are built. */
  encoded?: EncodedChange;
}

/** Encodes a store entry for the changelog (`value === undefined`: a delete). */
export type ChangeEncoder<V> = (key: string, value: V | undefined) => EncodedChange;

/** A committed value restored from its changelog and not decoded yet: bytes `start..end` of `slab`. */
class Encoded {
  constructor(
    readonly slab: Buffer,
    readonly start: number,
    readonly end: number,
    /** Deadline of a timed store's value (from the changelog header), NaN when none. */
    readonly deadline: number = Number.NaN,
  ) {}
}

/** A store whose values carry a due time (StoreSpec.timer): an in-memory index of the due keys. */
export interface StoreTimer<V> {
  deadline: (value: V) => number | undefined;
  resolutionMs: number;
}

/**
 * Restored bytes are copied into slabs of this size (one allocation per slab instead of one per
 * value; a value larger than a quarter of it gets its own buffer). A slab is freed once none of
 * its values is left undecoded.
 */
const SLAB_BYTES = 1024 * 1024;
/** Chunk size for committed values kept by processing (small: a chunk lives while any value in it does). */
const VALUE_SLAB_BYTES = 8 * 1024;

/**
 * @internal
 * An in-memory store of one task with two staging layers:
 *  - `record`: writes of the record being processed (dropped when the record is rejected/fails);
 *  - `txn`: writes of the open transaction, already encoded for the changelog (merged into
 *    `committed` after the commit succeeds, dropped when it aborts).
 * The committed layer always equals what the changelog holds as committed.
 */
export class LayeredStore<V> implements TaskStore<V> {
  private readonly committed = new Map<string, V | Encoded>();
  protected readonly txn = new Map<string, TxnEntry<V>>();
  protected readonly record = new Map<string, Slot<V>>();
  /** The slab restored bytes are being copied into. */
  private slab?: Buffer;
  private slabUsed = 0;
  private valueSlab?: Buffer;
  private valueSlabUsed = 0;

  /**
   * @param decode a synchronous decoder of changelog values: with it, `restoreEncoded` keeps
   *   restored values as bytes and decodes each on first access (a restore then costs no
   *   decoding for the entries nobody reads, and bytes take less memory than decoded objects).
   */
  private readonly index?: DueIndex;

  constructor(
    readonly name: string,
    protected readonly decode?: (bytes: Buffer) => V,
    protected readonly timer?: StoreTimer<V>,
    /** Keep committed values as their changelog bytes, decoded on each read (StoreSpec.compact). */
    private readonly compact = false,
  ) {
    if (timer && !this.keepsIndexElsewhere) this.index = new DueIndex(timer.resolutionMs);
    if (compact && !decode) throw new Error(`store ${name}: a compact store needs a synchronous decoder`);
  }

  get timed(): boolean {
    return this.timer !== undefined;
  }

  /** Deadline of a (non-tombstone) value. */
  deadlineOfValue(value: V): number | undefined {
    return this.timer!.deadline(value);
  }

  /** A subclass that keeps the due index itself (on disk) says so: no in-memory index is built. */
  protected get keepsIndexElsewhere(): boolean {
    return false;
  }

  /** Deadline of the key's value in the transaction or committed layer (the record layer left out). */
  protected committedDeadline(key: string): number | undefined {
    const entry = this.txn.get(key);
    if (entry !== undefined) return entry.slot === TOMBSTONE ? undefined : this.timer!.deadline(entry.slot);
    return this.committedLayerDeadline(key);
  }

  /** Deadline of the key's committed value (from its header when it is kept encoded). */
  protected committedLayerDeadline(key: string): number | undefined {
    const value = this.committed.get(key);
    if (value === undefined) return undefined;
    if (value instanceof Encoded) return Number.isNaN(value.deadline) ? undefined : value.deadline;
    return this.timer!.deadline(value);
  }

  /** Deadline of the key's current value, every layer (a restored value is not decoded for it). */
  protected currentDeadline(key: string): number | undefined {
    const slot = this.record.get(key);
    if (slot !== undefined) return slot === TOMBSTONE ? undefined : this.timer!.deadline(slot);
    return this.committedDeadline(key);
  }

  /** Files a value written in the open transaction into the due index, unless its deadline is already filed. */
  protected fileWrite(key: string, slot: Slot<V>): void {
    if (slot === TOMBSTONE) return;
    const deadline = this.timer!.deadline(slot);
    if (deadline === undefined) return;
    const index = this.index!;
    if (this.committedDeadline(key) === deadline && index.bucketOf(deadline) > index.handedOutUpTo) return;
    index.file(key, deadline);
  }

  /**
   * The keys whose value's deadline lies in a bucket that ended at or before `now` (event time)
   * and that were not handed out before (in this transaction or a committed one): in bucket
   * order, then by deadline, then by key (deterministic, whatever the filing or restore order).
   * Each key once. Only for stores declared with a `timer`.
   */
  due(now: number): string[] {
    if (!this.index) throw new Error(`store ${this.name} has no timer (declare StoreSpec.timer)`);
    const out: string[] = [];
    const seen = new Set<string>();
    for (const { bucket, keys } of this.index.take(now)) {
      const batch: Array<{ key: string; deadline: number }> = [];
      for (const key of keys) {
        if (seen.has(key)) continue;
        const deadline = this.currentDeadline(key);
        if (deadline === undefined || this.index.bucketOf(deadline) > bucket) continue; // stale entry
        seen.add(key);
        batch.push({ key, deadline });
      }
      batch.sort((a, b) => a.deadline - b.deadline || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (const b of batch) out.push(b.key);
    }
    return out;
  }

  /** Entries of the due index, stale ones included (metrics, tests). */
  get dueIndexSize(): number {
    return this.index?.size ?? 0;
  }

  get(key: string): V | undefined {
    const slot = this.record.get(key);
    if (slot !== undefined) return slot === TOMBSTONE ? undefined : slot;
    const entry = this.txn.get(key);
    if (entry !== undefined) return entry.slot === TOMBSTONE ? undefined : entry.slot;
    return this.committedValue(key);
  }

  has(key: string): boolean {
    const slot = this.record.get(key);
    if (slot !== undefined) return slot !== TOMBSTONE;
    const entry = this.txn.get(key);
    if (entry !== undefined) return entry.slot !== TOMBSTONE;
    return this.committedHas(key);
  }

  protected committedHas(key: string): boolean {
    return this.committed.has(key);
  }

  protected committedValue(key: string): V | undefined {
    const value = this.committed.get(key);
    if (!(value instanceof Encoded)) return value;
    let decoded: V;
    try {
      decoded = this.decode!(value.slab.subarray(value.start, value.end));
    } catch (error) {
      throw new Error(
        `store ${this.name}: cannot decode the restored value of ${key}: ${(error as Error).message}`,
      );
    }
    if (!this.compact) this.committed.set(key, decoded);
    return decoded;
  }

  put(key: string, value: V): void {
    if (typeof key !== 'string')
      throw new TypeError(`store ${this.name}: keys are strings, got ${typeof key}`);
    if (value === undefined || value === null)
      throw new TypeError(`store ${this.name}: use delete() instead of putting ${value}`);
    this.record.set(key, value);
  }

  delete(key: string): void {
    if (typeof key !== 'string')
      throw new TypeError(`store ${this.name}: keys are strings, got ${typeof key}`);
    this.record.set(key, TOMBSTONE);
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [key, slot] of this.record) if (slot !== TOMBSTONE) yield [key, slot];
    for (const [key, entry] of this.txn)
      if (entry.slot !== TOMBSTONE && !this.record.has(key)) yield [key, entry.slot];
    for (const [key, value] of this.committedEntries())
      if (!this.record.has(key) && !this.txn.has(key)) yield [key, value];
  }

  /** The committed entries, decoded. */
  protected *committedEntries(): IterableIterator<[string, V]> {
    // (decoding replaces the value of an existing key: the iteration is not disturbed)
    for (const [key, value] of this.committed)
      yield [key, value instanceof Encoded ? this.committedValue(key)! : value];
  }

  /** Number of committed entries (for metrics). */
  get committedSize(): number {
    return this.committed.size;
  }

  /** Writes of the current record: `value === undefined` is a delete. */
  *recordWrites(): IterableIterator<[string, V | undefined]> {
    for (const [key, slot] of this.record) yield [key, slot === TOMBSTONE ? undefined : slot];
  }

  get hasRecordWrites(): boolean {
    return this.record.size > 0;
  }

  /**
   * Moves the record's writes into the transaction unencoded: the changelog record of each key is
   * encoded once per transaction, from its last value (`pendingChanges(encoder)`), instead of once
   * per record that wrote it. For stores with a synchronous serde that cannot fail on the values
   * the processor puts (an encoding error then fails the whole transaction, not one record).
   */
  commitRecordDeferred(): void {
    for (const [key, slot] of this.record) {
      if (this.timer) this.fileWrite(key, slot);
      this.txn.set(key, { slot });
    }
    this.record.clear();
  }

  /** Moves the record's writes into the transaction, with their encodings (keyed like `recordWrites`). */
  commitRecord(encoded: ReadonlyMap<string, EncodedChange>): void {
    for (const [key, slot] of this.record) {
      const enc = encoded.get(key);
      if (!enc) throw new Error(`store ${this.name}: missing encoding for ${key}`);
      if (this.timer) this.fileWrite(key, slot);
      this.txn.set(key, { slot, encoded: enc });
    }
    this.record.clear();
  }

  rollbackRecord(): void {
    this.record.clear();
  }

  /** The net changelog writes of the open transaction, one per key (deferred ones encoded by `encode`). */
  pendingChanges(encode?: ChangeEncoder<V>): EncodedChange[] {
    const changes: EncodedChange[] = [];
    for (const [key, entry] of this.txn) {
      if (entry.encoded === undefined) {
        if (!encode) throw new Error(`store ${this.name}: no encoder for the deferred write of ${key}`);
        entry.encoded = encode(key, entry.slot === TOMBSTONE ? undefined : entry.slot);
      }
      changes.push(entry.encoded);
    }
    return changes;
  }

  get hasPendingChanges(): boolean {
    return this.txn.size > 0;
  }

  commitTxn(): void {
    for (const [key, entry] of this.txn) {
      if (entry.slot === TOMBSTONE) this.committed.delete(key);
      else if (this.compact && entry.encoded?.value) this.keepEncoded(key, entry.encoded.value);
      else this.committed.set(key, entry.slot);
    }
    this.txn.clear();
    this.index?.commit();
  }

  rollbackTxn(): void {
    this.record.clear();
    this.txn.clear();
    this.index?.rollback();
  }

  /** Restore path: write straight into the committed layer. */
  restorePut(key: string, value: V): void {
    if (this.index) this.fileRestored(key, this.timer!.deadline(value));
    this.committed.set(key, value);
  }

  /**
   * Files a restored value's deadline, unless the key's previous restored value (an earlier
   * record of the same key in the changelog) was due at the same time.
   */
  private fileRestored(key: string, deadline: number | undefined): void {
    if (deadline === undefined || this.committedDeadline(key) === deadline) return;
    this.index!.file(key, deadline);
  }

  /**
   * Restore path, lazily: keeps the changelog bytes (copied), decoded on first access. Needs
   * `decode`. `deadline`: a timed store's value deadline, from the changelog header.
   */
  restoreEncoded(key: string, bytes: Buffer, deadline?: number): void {
    if (!this.decode) throw new Error(`store ${this.name}: no synchronous decoder for lazy restore`);
    if (this.index) this.fileRestored(key, deadline);
    const d = deadline ?? Number.NaN;
    const n = bytes.length;
    if (n > SLAB_BYTES / 4) {
      this.committed.set(key, new Encoded(Buffer.from(bytes), 0, n, d));
      return;
    }
    if (!this.slab || this.slabUsed + n > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.slabUsed = 0;
    }
    bytes.copy(this.slab, this.slabUsed);
    this.committed.set(key, new Encoded(this.slab, this.slabUsed, this.slabUsed + n, d));
    this.slabUsed += n;
  }

  /**
   * A compact store keeps a committed value as its changelog bytes (its own copy, off the V8
   * heap: no object graph for the collector to trace), the timed header's deadline aside. Values
   * under 2 KiB are copied into 8 KiB chunks shared by consecutive values and referenced by offset
   * (no Buffer object per value), not an ArrayBuffer of its own each: with a million open cases,
   * one ArrayBuffer per value made allocation and the collector's external-memory work ~12-17 % of
   * a catch-up's CPU, and the per-value Buffer objects ~120 MiB (docs/BENCHMARKS.md, 2026-12-07).
   * The copy never points into a fetch buffer, so no fetch buffer is retained. Trade-off: a chunk
   * lives while any value in it does, so a long-lived value among short-lived ones can keep up to
   * 8 KiB; persistent stores (LMDB, every deployment) do not keep committed values in memory at all.
   */
  private keepEncoded(key: string, value: Buffer): void {
    let start = 0;
    let deadline = Number.NaN;
    if (this.timer) {
      const { deadline: d, payload } = readDeadlineHeader(value);
      if (d !== 'unknown') {
        deadline = d ?? Number.NaN;
        start = value.length - payload.length;
      }
    }
    const n = value.length - start;
    if (n > VALUE_SLAB_BYTES / 4) {
      const copy = Buffer.allocUnsafeSlow(n);
      value.copy(copy, 0, start);
      this.committed.set(key, new Encoded(copy, 0, n, deadline));
      return;
    }
    if (!this.valueSlab || this.valueSlabUsed + n > this.valueSlab.length) {
      this.valueSlab = Buffer.allocUnsafeSlow(VALUE_SLAB_BYTES);
      this.valueSlabUsed = 0;
    }
    value.copy(this.valueSlab, this.valueSlabUsed, start);
    this.committed.set(key, new Encoded(this.valueSlab, this.valueSlabUsed, this.valueSlabUsed + n, deadline));
    this.valueSlabUsed += n;
  }

  get decodesLazily(): boolean {
    return this.decode !== undefined;
  }

  restoreDelete(key: string): void {
    this.committed.delete(key);
  }

  /** Drops everything (revocation, or before a re-restore). */
  clear(): void {
    this.slab = undefined;
    this.committed.clear();
    this.txn.clear();
    this.record.clear();
    this.index?.clear();
  }

  /** A copy of the committed entries (inspection in tests). */
  snapshot(): Map<string, V> {
    const out = new Map<string, V>();
    for (const [key, value] of this.committed)
      out.set(key, value instanceof Encoded ? this.committedValue(key)! : value);
    return out;
  }
}
