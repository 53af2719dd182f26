/** Small helpers for reconciling many parcels with readable failure messages. */

export function countBy<T>(xs: Iterable<T>, key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

export function groupBy<T>(xs: Iterable<T>, key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/**
 * Collects failed checks so one test reports every parcel that is wrong (the first `shown` of
 * them, and how many in all) instead of stopping at the first.
 */
export class Problems {
  private readonly list: string[] = [];

  check(ok: boolean, what: () => string): void {
    if (!ok) this.list.push(what());
  }

  add(what: string): void {
    this.list.push(what);
  }

  get count(): number {
    return this.list.length;
  }

  /** Throws one error listing the problems, if any. */
  assertNone(title: string, shown = 25): void {
    if (this.list.length === 0) return;
    const more = this.list.length > shown ? `\n  … and ${this.list.length - shown} more` : '';
    throw new Error(
      `${title}: ${this.list.length} problem(s)\n  ${this.list.slice(0, shown).join('\n  ')}${more}`,
    );
  }
}

export interface BinomialCheck {
  n: number;
  k: number;
  rate: number;
  expected: number;
  sd: number;
  /** |k - n·rate| within `sigmas` standard deviations. */
  ok: boolean;
  /** n·rate and n·(1 − rate) both at least 10: the normal approximation means something. */
  meaningful: boolean;
}

/** Observed count `k` of `n` Bernoulli trials at `rate`, against a `sigmas`-sigma band. */
export function binomial(n: number, k: number, rate: number, sigmas = 4): BinomialCheck {
  const expected = n * rate;
  const sd = Math.sqrt(n * rate * (1 - rate));
  return {
    n,
    k,
    rate,
    expected,
    sd,
    ok: Math.abs(k - expected) <= sigmas * sd + 0.5,
    meaningful: expected >= 10 && n * (1 - rate) >= 10,
  };
}

/** The same status repeated (one receipt per participant) counts once in a story. */
export function collapse(statuses: ReadonlyArray<string>): string[] {
  const out: string[] = [];
  for (const s of statuses) if (out[out.length - 1] !== s) out.push(s);
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A document as the generator sent it, enough to follow it through its receipts. */
export interface SentDocument {
  doc: string;
  timestamp: number;
  expect: string;
  value: { guid: string };
}

export interface ProcessingOrder {
  /** `doc:guid` of the parcel's applied documents in event-time order (the order they were produced in). */
  expected: string[];
  /** The same documents in the order the matcher answered them (first receipt naming each). */
  observed: string[];
  inOrder: boolean;
}

/**
 * The order in which the matcher processed a parcel's documents, read from its receipts: each
 * applied document is answered (2, 120, 100, …) in the transaction that processed it, so the
 * first receipt naming a document marks its place; receipts of one parcel share a partition and
 * a task producer, so their offsets follow the processing order.
 */
export function processingOrder(
  sends: ReadonlyArray<SentDocument>,
  receipts: ReadonlyArray<{ docType: string; docGuid: string | null }>,
): ProcessingOrder {
  const expected = sends
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.expect === 'APPLIED')
    .sort((a, b) => a.s.timestamp - b.s.timestamp || a.i - b.i)
    .map(({ s }) => `${s.doc}:${s.value.guid}`);
  const wanted = new Set(expected);
  const observed: string[] = [];
  for (const r of receipts) {
    const k = `${r.docType}:${r.docGuid}`;
    if (wanted.has(k) && !observed.includes(k)) observed.push(k);
  }
  const seen = new Set(observed);
  const comparable = expected.filter((k) => seen.has(k));
  return { expected, observed, inOrder: comparable.join(' ') === observed.join(' ') };
}
