import type { Decision } from '@clearance/contracts';
import type { ParcelInfo } from './load';
import { summarize, type LatencySummary } from './stats';

/**
 * What a read-committed reader of clearance.decision.v1 sees of the run's parcels: when each
 * parcel's first decision arrived, and its latency = arrival − Decision.lastDocumentTime (the
 * Kafka timestamp of the document that completed the match, stamped with the wall clock by the
 * bench's producer).
 */
export class DecisionLog {
  private readonly index = new Map<string, number>();
  /** Arrival time (ms) per parcel; NaN while undecided. */
  readonly seenAt: Float64Array;
  readonly latency: Float64Array;
  readonly expected: number;
  decided = 0;
  duplicates = 0;
  /** Decisions of other parcels, or of these parcels by another engine. */
  foreign = 0;
  /** Decisions of the run that were not expected (the generator thought the case would fail). */
  unexpected = 0;
  firstSeenAt = NaN;
  lastSeenAt = NaN;
  /** Decisions per second since `origin`. */
  readonly perSecond: number[] = [];
  origin = 0;

  /**
   * @param ruleSetVersion only decisions stamped with it are the run's (another engine on the
   *   shared topics decides the same parcels under another rule set version).
   */
  /** Manifest arrival per parcel (when lists are watched too): the matcher's hop. */
  readonly manifestLatency: Float64Array;
  private readonly orderIndex = new Map<string, number>();

  constructor(
    readonly parcels: ReadonlyArray<ParcelInfo>,
    readonly ruleSetVersion?: string,
  ) {
    parcels.forEach((p, i) => this.index.set(p.waybillKey, i));
    parcels.forEach((p, i) => this.orderIndex.set(p.orderKey, i));
    this.manifestLatency = new Float64Array(parcels.length).fill(NaN);
    this.seenAt = new Float64Array(parcels.length).fill(NaN);
    this.latency = new Float64Array(parcels.length).fill(NaN);
    this.expected = parcels.filter((p) => p.decides).length;
  }

  onDecision(
    key: string,
    decision: Pick<Decision, 'lastDocumentTime' | 'ruleSetVersion'>,
    seenAt: number,
  ): void {
    const i = this.index.get(key);
    if (
      i === undefined ||
      (this.ruleSetVersion !== undefined && decision.ruleSetVersion !== this.ruleSetVersion)
    ) {
      this.foreign++;
      return;
    }
    if (!Number.isNaN(this.seenAt[i])) {
      this.duplicates++;
      return;
    }
    if (!this.parcels[i].decides) this.unexpected++;
    this.seenAt[i] = seenAt;
    this.latency[i] = seenAt - decision.lastDocumentTime;
    this.decided++;
    if (Number.isNaN(this.firstSeenAt)) this.firstSeenAt = seenAt;
    this.lastSeenAt = seenAt;
    if (this.origin > 0) {
      const s = Math.max(0, Math.floor((seenAt - this.origin) / 1000));
      while (this.perSecond.length <= s) this.perSecond.push(0);
      this.perSecond[s]++;
    }
  }

  /** A list on clearance.manifest.v1 (first one per parcel; another engine's cannot be told apart). */
  onManifest(manifest: { orderKey: string; lastDocumentTime: number }, seenAt: number): void {
    const i = this.orderIndex.get(manifest.orderKey);
    if (i === undefined || !Number.isNaN(this.manifestLatency[i])) return;
    this.manifestLatency[i] = seenAt - manifest.lastDocumentTime;
  }

  get complete(): boolean {
    return this.decided >= this.expected;
  }

  latencySummary(): LatencySummary {
    return summarize(this.latency);
  }

  /** Latency of the parcels decided at least `ms` after `origin` (without the warm-up). */
  latencyAfter(ms: number): LatencySummary {
    const from = this.origin + ms;
    return summarize(this.latency.filter((_, i) => this.seenAt[i] >= from));
  }

  /** p50 / p99 / max latency of the decisions of each `windowMs` window since `origin`. */
  latencyTimeline(windowMs: number): Array<{ at: number; n: number; p50: number; p99: number; max: number }> {
    const windows: number[][] = [];
    for (let i = 0; i < this.seenAt.length; i++) {
      if (Number.isNaN(this.seenAt[i])) continue;
      const w = Math.max(0, Math.floor((this.seenAt[i] - this.origin) / windowMs));
      (windows[w] ??= []).push(this.latency[i]);
    }
    const out: Array<{ at: number; n: number; p50: number; p99: number; max: number }> = [];
    windows.forEach((values, w) => {
      if (!values) return;
      const s = summarize(values);
      out.push({ at: (w * windowMs) / 1000, n: s.count, p50: s.p50, p99: s.p99, max: s.max });
    });
    return out;
  }

  /**
   * Decisions per second between the arrival of the 10th and the 90th percentile decision: the
   * rate once the pipeline is full, without the ramp-up and the tail.
   */
  sustainedRate(): number {
    const times = Float64Array.from(this.seenAt.filter((t) => !Number.isNaN(t))).sort();
    if (times.length < 20) return NaN;
    const a = Math.floor(times.length * 0.1);
    const b = Math.floor(times.length * 0.9);
    const seconds = (times[b] - times[a]) / 1000;
    return seconds > 0 ? (b - a) / seconds : NaN;
  }
}

/**
 * Waits until every expected decision is in, or none has come for `idleTimeoutMs` (logged, then
 * returns with the rest missing). `onTick` runs every `tickMs` (progress lines, dead services).
 */
export async function waitForDecisions(
  decisions: DecisionLog,
  idleTimeoutMs: number,
  log: (s: string) => void,
  onTick: () => void = () => undefined,
  tickMs = 100,
): Promise<void> {
  let lastCount = -1;
  let lastChange = Date.now();
  while (!decisions.complete) {
    if (decisions.decided !== lastCount) {
      lastCount = decisions.decided;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > idleTimeoutMs) {
      log(`no new decision for ${idleTimeoutMs / 1000} s: ${decisions.expected - decisions.decided} missing`);
      return;
    }
    onTick();
    await new Promise((r) => setTimeout(r, tickMs));
  }
}
