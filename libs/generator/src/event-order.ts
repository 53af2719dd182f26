/**
 * The sends of consecutive parcels interleave in event time (a parcel's documents spread over
 * minutes, follow-ups over up to an hour). `inEventTimeOrder` merges them into one stream sorted
 * by timestamp with a bounded buffer, for producers that want monotonic record timestamps.
 */
import { MAX_LEAD_MS } from './generator';
import type { AnySend, GeneratedParcel, Send } from './types';

export interface TimedSend {
  parcel: GeneratedParcel;
  send: Send;
}

/** A send of any document of a parcel, four-document parcels' filed lists included. */
export interface TimedAnySend {
  parcel: GeneratedParcel;
  send: AnySend;
}

/** Min-heap on (timestamp, arrival order): ties keep the order they were pushed in. */
class SendHeap {
  private readonly items: Array<{ t: number; n: number; v: TimedAnySend }> = [];
  private n = 0;

  get size(): number {
    return this.items.length;
  }

  peekTime(): number {
    return this.items[0].t;
  }

  push(v: TimedAnySend): void {
    const it = { t: v.send.timestamp, n: this.n++, v };
    const a = this.items;
    a.push(it);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(a[p], a[i])) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  pop(): TimedAnySend {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top.v;
  }

  private less(x: { t: number; n: number }, y: { t: number; n: number }): boolean {
    return x.t < y.t || (x.t === y.t && x.n < y.n);
  }
}

/**
 * Every send of `parcels` in timestamp order. Parcels must come in generation order (as
 * ParcelGenerator produces them); a send is released once no later parcel can precede it.
 *
 * With `{ lists: true }` four-document parcels' filed lists (`listSends`, topic ceb.list.v1) come
 * in the same stream. Without it the stream has the three documents only, and a parcel with a
 * filed list is an error (its case could never complete): four-document traffic needs the option.
 */
export function inEventTimeOrder(parcels: Iterable<GeneratedParcel>): Generator<TimedSend>;
export function inEventTimeOrder(
  parcels: Iterable<GeneratedParcel>,
  options: { lists: true },
): Generator<TimedAnySend>;
export function* inEventTimeOrder(
  parcels: Iterable<GeneratedParcel>,
  options: { lists?: boolean } = {},
): Generator<TimedAnySend> {
  const heap = new SendHeap();
  for (const parcel of parcels) {
    const horizon = parcel.startedAt - MAX_LEAD_MS;
    while (heap.size > 0 && heap.peekTime() < horizon) yield heap.pop();
    for (const send of parcel.sends) heap.push({ parcel, send });
    if (parcel.listSends) {
      if (!options.lists)
        throw new Error(
          `parcel ${parcel.seq} (${parcel.orderKey}) is a four-document parcel: use inEventTimeOrder(parcels, { lists: true }) to send its filed list too`,
        );
      for (const send of parcel.listSends) heap.push({ parcel, send });
    }
  }
  while (heap.size > 0) yield heap.pop();
}

/** The next n parcels of a generator as an iterable (for inEventTimeOrder). */
export function* parcels(gen: { next(): GeneratedParcel }, n: number): Generator<GeneratedParcel> {
  for (let i = 0; i < n; i++) yield gen.next();
}
