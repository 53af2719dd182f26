import type { KeyValueStore } from './definition';

/**
 * A persistent index of the deadlines of keyed state (a matcher's cases, a parcel's lifecycle) in
 * one task store, so that a punctuation touches only the keys that are due instead of scanning
 * them all (a partition may hold a million open cases and, for duplicate detection, every
 * tombstone of the retention period).
 *
 * Time is cut into buckets of `resolutionMs` (the punctuation interval). Entries of the store:
 *
 *   `s:<bucket>:<i>` -> case key   the i-th deadline filed into the bucket
 *   `n:<bucket>`     -> count      slots filed into the bucket
 *   `g:<group>`      -> "1"        some bucket of the group (GROUP_SIZE buckets) has slots
 *   `c`              -> bucket     the last bucket processed (the cursor)
 *
 * Filing a deadline writes two small entries (slot and count), whatever the number of pending
 * cases. A bucket is processed once stream time has passed its end; an empty group is skipped
 * in one step, so a jump of stream time costs (jump / resolution / GROUP_SIZE) lookups.
 *
 * Slots are never updated in place: when a case's deadline moves, a new slot is filed and the
 * old one becomes stale. `fire` hands every slot of a due bucket to the caller, who checks the
 * case's current deadline (stale slots are then ignored). A deadline already in the past when
 * filed goes into the first unprocessed bucket.
 */
export const GROUP_SIZE = 1024;
const CURSOR = 'c';

const slotKey = (bucket: number, i: number): string => `s:${bucket}:${i}`;
const countKey = (bucket: number): string => `n:${bucket}`;
const groupKey = (group: number): string => `g:${group}`;

function readInt(store: KeyValueStore<string>, key: string): number | undefined {
  const v = store.get(key);
  return v === undefined ? undefined : Number(v);
}

export class DeadlineIndex {
  constructor(readonly resolutionMs: number) {
    if (!Number.isInteger(resolutionMs) || resolutionMs <= 0)
      throw new RangeError(`resolution ${resolutionMs} ms`);
  }

  bucketOf(time: number): number {
    return Math.floor(time / this.resolutionMs);
  }

  /** Files `caseKey` to be handed out once stream time passes the end of `deadline`'s bucket. */
  schedule(store: KeyValueStore<string>, caseKey: string, deadline: number, streamTime: number): void {
    let cursor = readInt(store, CURSOR);
    if (cursor === undefined) {
      cursor = this.bucketOf(Math.max(0, streamTime)) - 1;
      store.put(CURSOR, String(cursor));
    }
    const bucket = Math.max(this.bucketOf(deadline), cursor + 1);
    const n = readInt(store, countKey(bucket)) ?? 0;
    store.put(slotKey(bucket, n), caseKey);
    store.put(countKey(bucket), String(n + 1));
    const group = Math.floor(bucket / GROUP_SIZE);
    if (!store.has(groupKey(group))) store.put(groupKey(group), '1');
  }

  /**
   * Hands every slot of the buckets that ended at or before `now` to `onDue` (in bucket, then
   * filing order), deleting them. `onDue` may file new deadlines: they land after the bucket
   * being processed. Returns the number of slots handed out.
   */
  fire(store: KeyValueStore<string>, now: number, onDue: (caseKey: string) => void): number {
    const cursor = readInt(store, CURSOR);
    if (cursor === undefined) return 0; // nothing was ever filed
    const last = this.bucketOf(now) - 1;
    let handed = 0;
    let bucket = cursor + 1;
    while (bucket <= last) {
      const group = Math.floor(bucket / GROUP_SIZE);
      if (!store.has(groupKey(group))) {
        bucket = (group + 1) * GROUP_SIZE;
        continue;
      }
      store.put(CURSOR, String(bucket)); // deadlines filed by onDue now go after this bucket
      if (store.has(countKey(bucket))) {
        for (let i = 0; i < (readInt(store, countKey(bucket)) ?? 0); i++) {
          const key = store.get(slotKey(bucket, i));
          if (key === undefined) continue;
          store.delete(slotKey(bucket, i));
          handed++;
          onDue(key);
        }
        store.delete(countKey(bucket));
      }
      if ((bucket + 1) % GROUP_SIZE === 0) store.delete(groupKey(group));
      bucket++;
    }
    if (last > (readInt(store, CURSOR) ?? cursor)) store.put(CURSOR, String(last));
    return handed;
  }

  /** Slots currently filed (for tests and metrics; scans the store). */
  static pending(store: KeyValueStore<string> | Map<string, string>): number {
    let n = 0;
    for (const [key] of store.entries()) if (key.startsWith('s:')) n++;
    return n;
  }
}
