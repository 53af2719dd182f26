/**
 * @internal
 * The in-memory index of a timed store's due times (see `StoreSpec.deadline`): keys filed by the
 * bucket (`resolutionMs` of event time) of the deadline their value had when it was written or
 * restored. Derived from the values, never written to a changelog: a restore rebuilds it from the
 * restored entries (their deadline travels in the changelog value's header, so no value is
 * decoded for it).
 *
 * Entries are never updated in place: when a value's deadline moves, the key is filed again and
 * the old entry becomes stale; `due` checks each key's current deadline, so stale entries are
 * skipped. Transactions: `due` advances a working cursor over the buckets it handed out; they are
 * dropped when the transaction commits (`commit`), and handed out again after an abort
 * (`rollback`), as the store's writes are.
 */
export class DueIndex {
  /** Keys per bucket, in filing order. */
  private readonly buckets = new Map<number, string[]>();
  /** The bucket numbers of `buckets`, ascending. */
  private order: number[] = [];
  /** Buckets up to here were handed out by committed transactions (and dropped). */
  private cursor = Number.NEGATIVE_INFINITY;
  /** Buckets up to here were handed out in the open transaction. */
  private working = Number.NEGATIVE_INFINITY;
  private filed = 0;

  constructor(readonly resolutionMs: number) {
    if (!Number.isInteger(resolutionMs) || resolutionMs <= 0)
      throw new RangeError(`due index resolution ${resolutionMs} ms`);
  }

  bucketOf(time: number): number {
    return Math.floor(time / this.resolutionMs);
  }

  /** Files `key` as due at `deadline` (a deadline already handed out goes into the next bucket). */
  file(key: string, deadline: number): void {
    const bucket = Math.max(this.bucketOf(deadline), this.working + 1);
    let keys = this.buckets.get(bucket);
    if (keys === undefined) {
      keys = [];
      this.buckets.set(bucket, keys);
      this.insertBucket(bucket);
    }
    keys.push(key);
    this.filed++;
  }

  /**
   * The keys filed into buckets that ended at or before `now` and not handed out yet, bucket by
   * bucket; the caller filters stale ones. Advances the working cursor past them.
   */
  take(now: number): Array<{ bucket: number; keys: string[] }> {
    const last = this.bucketOf(now) - 1;
    const out: Array<{ bucket: number; keys: string[] }> = [];
    if (last <= this.working) return out;
    for (const bucket of this.order) {
      if (bucket > last) break;
      if (bucket <= this.working) continue;
      out.push({ bucket, keys: this.buckets.get(bucket)! });
    }
    this.working = last;
    return out;
  }

  /** The open transaction committed: the buckets it handed out are gone. */
  commit(): void {
    if (this.working === this.cursor) return;
    this.cursor = this.working;
    let n = 0;
    while (n < this.order.length && this.order[n] <= this.cursor) {
      this.filed -= this.buckets.get(this.order[n])!.length;
      this.buckets.delete(this.order[n]);
      n++;
    }
    if (n > 0) this.order = this.order.slice(n);
  }

  /** The open transaction aborted: what it handed out is due again. */
  rollback(): void {
    this.working = this.cursor;
  }

  clear(): void {
    this.buckets.clear();
    this.order = [];
    this.cursor = this.working = Number.NEGATIVE_INFINITY;
    this.filed = 0;
  }

  /** Buckets up to here were handed out (open transaction included). */
  get handedOutUpTo(): number {
    return this.working;
  }

  /** Entries filed (stale ones included). */
  get size(): number {
    return this.filed;
  }

  private insertBucket(bucket: number): void {
    const order = this.order;
    if (order.length === 0 || bucket > order[order.length - 1]) {
      order.push(bucket);
      return;
    }
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid] < bucket) lo = mid + 1;
      else hi = mid;
    }
    order.splice(lo, 0, bucket);
  }
}

/** First byte of a timed store's changelog value: a header with the entry's deadline follows. */
export const TIMED_VALUE_MAGIC = 0xd0;
/** magic + float64 deadline (NaN: none). */
export const TIMED_HEADER_BYTES = 9;

/** The changelog value of a timed store: header (magic, deadline) + the serde's bytes. */
export function withDeadlineHeader(deadline: number | undefined, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(TIMED_HEADER_BYTES + payload.length);
  out[0] = TIMED_VALUE_MAGIC;
  out.writeDoubleBE(deadline ?? Number.NaN, 1);
  payload.copy(out, TIMED_HEADER_BYTES);
  return out;
}

/**
 * Splits a timed store's changelog value. Values written before the store was timed (no header:
 * the first byte of JSON text, or of any serde that never starts with 0xD0) come back with
 * `deadline: 'unknown'`: the caller decodes them and asks the store's deadline function.
 */
export function readDeadlineHeader(bytes: Buffer): { deadline: number | undefined | 'unknown'; payload: Buffer } {
  if (bytes.length < TIMED_HEADER_BYTES || bytes[0] !== TIMED_VALUE_MAGIC)
    return { deadline: 'unknown', payload: bytes };
  const d = bytes.readDoubleBE(1);
  return { deadline: Number.isNaN(d) ? undefined : d, payload: bytes.subarray(TIMED_HEADER_BYTES) };
}
