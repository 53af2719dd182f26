/**
 * `node -r @swc-node/register tools/bench/src/domain-micro.ts [parcels] [rounds] [errorScale]`:
 * CPU the pure domain spends per parcel, without runtime, stores or codecs. Parcels come from the generator
 * (NO_ERRORS, seed 42) in event-time order; each document goes through `handleMatch` with an
 * in-memory Map as the `cases` store, and each compiled list through `screen` + `buildDecision`
 * as services/risk does, in batches of 500 records (match, then risk on the batch's lists: the
 * lists do not pile up in memory, as they do not in the services), each batch's documents freshly
 * copied first as if just decoded (untimed). Prints one JSON object:
 *
 * - `domainMicrosPerParcel`: median over `rounds` (after a warm-up round) of process CPU time
 *   (user + system, never wall time: the machine is shared) per parcel, matcher + risk;
 * - `matchMicrosPerParcel` / `riskMicrosPerParcel`: the same split in two (each batch's match and
 *   risk timed apart);
 * - `allocatedBytesPerParcel`: bytes allocated on the V8 heap per parcel (one extra round, from
 *   v8.GCProfiler heap statistics around every GC);
 * - `digest`: sha256 of every state, event, receipt, list, screening and decision produced, in
 *   order (JSON), then of the timeouts and purges once stream time passes every deadline: it must
 *   not change when the domain gets faster. With `errorScale` (1..20) the parcels carry
 *   REALISTIC_ERRORS times that factor, so the digest covers rejections, changes, deletions,
 *   duplicates and timeouts too.
 *
 * Profile it with `node --cpu-prof -r @swc-node/register tools/bench/src/domain-micro.ts`. The
 * functions are exported with the domain as a parameter, so a harness can alternate two versions
 * of the domain in one process (A/B on a noisy machine).
 */
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import type { Commodity, Enterprise, Manifest, RuleSet } from '@clearance/contracts';
import * as D from '@clearance/domain';
import {
  inEventTimeOrder,
  type ErrorRates,
  loadReferenceData,
  NO_ERRORS,
  ParcelGenerator,
  REALISTIC_ERRORS,
  referenceRecords,
} from '@clearance/generator';

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const round2 = (v: number): number => Math.round(v * 100) / 100;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Window of the matcher's default configuration (services/matcher config). */
const MATCH_CONFIG: Partial<D.MatchConfig> = {
  windowMs: 72 * 3600 * 1000,
  tombstoneRetentionMs: 180 * 24 * 3600 * 1000,
};

export interface Reference {
  enterprises: Map<string, Enterprise>;
  commodities: Map<string, Commodity>;
  refs: Omit<D.RiskRefs, 'watchlist'>;
  watchlist: ReturnType<typeof loadReferenceData>['watchlist'];
  ruleSet: RuleSet;
}

export function reference(): Reference {
  const enterprises = new Map<string, Enterprise>();
  const commodities = new Map<string, Commodity>();
  const rates = new Map<string, { currency: string; period: string; cnyPerUnit: string }>();
  const watchlist: Reference['watchlist'] = [];
  let ruleSet: RuleSet | undefined;
  for (const r of referenceRecords()) {
    if (r.type === 'enterprise') enterprises.set(r.key, r.value);
    else if (r.type === 'commodity') commodities.set(r.key, r.value);
    else if (r.type === 'exchangeRate') rates.set(r.key, r.value);
    else if (r.type === 'watchlist') watchlist.push(r.value);
    else ruleSet = r.value;
  }
  return {
    enterprises,
    commodities,
    refs: {
      enterprise: (code) => enterprises.get(code),
      commodity: (gcode) => commodities.get(gcode),
      exchangeRate: (currency, period) => rates.get(`${currency}:${period}`) as never,
    },
    watchlist,
    ruleSet: ruleSet ?? D.DEFAULT_RULE_SET,
  };
}

export type Domain = typeof D;
export type DocCommand = Exclude<D.MatchCommand, { type: 'TimeAdvanced' }>;

/** REALISTIC_ERRORS, each rate times `factor` (at most 20: the case-level rates must stay below 1). */
export const scaledErrors = (factor: number): ErrorRates =>
  Object.fromEntries(
    Object.entries(REALISTIC_ERRORS).map(([k, v]) => [k, Math.min(1, v * factor)]),
  ) as unknown as ErrorRates;

/** The documents of `parcels` generated parcels in event-time order (undecodable sends left out). */
export function commands(parcels: number, errors: ErrorRates = NO_ERRORS): DocCommand[] {
  const generator = new ParcelGenerator({
    seed: 42,
    startTime: Date.UTC(2026, 10, 23),
    errors,
    ratePerSecondOfEventTime: 1000,
    maxDocumentDelayMs: 1000,
  });
  const generated = Array.from({ length: parcels }, () => generator.next());
  const sends = [...inEventTimeOrder(generated)].filter(({ send }) => send.role !== 'UNDECODABLE');
  return sends.map(({ send: s }): DocCommand => {
    const base = { caseKey: s.key, at: s.timestamp };
    switch (s.doc) {
      case 'ORDER':
        return { type: 'OrderArrived', ...base, order: s.value };
      case 'PAYMENT':
        return { type: 'PaymentArrived', ...base, payment: s.value };
      case 'WAYBILL':
        return { type: 'WaybillArrived', ...base, waybill: s.value };
    }
  });
}

export interface Sink {
  match(r: D.MatchResult): void;
  risk(s: D.Screening, d: ReturnType<typeof D.buildDecision>): void;
}

/** What the services keep between records: the matcher's cases and serial, risk's buyer years. */
export interface Stores {
  cases: Map<string, D.MatchState>;
  counter: number;
  years: Map<string, D.BuyerYearState>;
}

export const emptyStores = (): Stores => ({ cases: new Map(), counter: 0, years: new Map() });

/** The matcher's step (services/matcher/src/processor.ts) for each command; returns the lists. */
export function runMatch(
  domain: Domain,
  cmds: ReadonlyArray<D.MatchCommand>,
  ref: Reference,
  stores: Stores = emptyStores(),
  sink?: Sink,
): Manifest[] {
  const { cases } = stores;
  const manifests: Manifest[] = [];
  const enterprise = (code: string) => ref.enterprises.get(code);
  const commodity = (gcode: string) => ref.commodities.get(gcode);
  for (const cmd of cmds) {
    const state = cases.get(cmd.caseKey);
    const r = domain.handleMatch(state, cmd, {
      enterprise,
      commodity,
      invtSerial: domain.invtSerial(0, stores.counter),
      config: MATCH_CONFIG,
    });
    sink?.match(r);
    if (r.events.length === 0) continue;
    if (r.state) cases.set(cmd.caseKey, r.state);
    else cases.delete(cmd.caseKey);
    if (r.serialUsed) stores.counter++;
    for (const m of r.manifests) manifests.push(m);
    if (r.deadline !== undefined && r.deadline !== domain.matchDeadline(state, MATCH_CONFIG)) {
      // the service schedules a timer here; nothing to do in memory
    }
  }
  return manifests;
}

/** The risk processor's step (services/risk/src/processor.ts) for each list. */
export function runRisk(
  domain: Domain,
  manifests: ReadonlyArray<Manifest>,
  ref: Reference,
  stores: Stores = emptyStores(),
  sink?: Sink,
): void {
  const { years } = stores;
  for (const manifest of manifests) {
    let watchIndex: D.RiskRefs | undefined; // built on first use, once per list, as the service does
    const refs: D.RiskRefs = {
      ...ref.refs,
      watchlist: (type, subject) =>
        (watchIndex ??= domain.riskRefsFrom({ watchlist: [...ref.watchlist] })).watchlist(type, subject),
    };
    const imports = manifest.ieFlag === 'I';
    const before = imports ? years.get(manifest.riskKey) : undefined;
    const screening = domain.screen(manifest, refs, ref.ruleSet, before);
    if (imports && screening.buyerYear && screening.buyerYear !== before)
      years.set(manifest.riskKey, screening.buyerYear);
    const decision = domain.buildDecision(manifest, screening, manifest.lastDocumentTime);
    sink?.risk(screening, decision);
  }
}

/** Records per batch: a consumer's batch, so the lists reach risk batch by batch (not all kept). */
export const BATCH_RECORDS = 500;

/**
 * A fresh copy of the command's document, as the service decodes one per record: the domain
 * reads documents just written, in cache and in the young generation, not 60,000 generated ones
 * long ago (which made reading their fields the cost, and kept the held documents in old space).
 */
function decoded(cmd: DocCommand): DocCommand {
  switch (cmd.type) {
    case 'OrderArrived':
      return { ...cmd, order: structuredClone(cmd.order) };
    case 'PaymentArrived':
      return { ...cmd, payment: structuredClone(cmd.payment) };
    case 'WaybillArrived':
      return { ...cmd, waybill: structuredClone(cmd.waybill) };
    case 'ListArrived':
      return { ...cmd, list: structuredClone(cmd.list) };
  }
}

/**
 * Every command, batch by batch: the batch's documents copied (untimed), then match, then risk on
 * the batch's lists. CPU µs of each side.
 */
export function runBatches(
  domain: Domain,
  cmds: ReadonlyArray<DocCommand>,
  ref: Reference,
  sink?: Sink,
  stores: Stores = emptyStores(),
): { matchMicros: number; riskMicros: number; manifests: number } {
  let matchMicros = 0;
  let riskMicros = 0;
  let manifests = 0;
  for (let i = 0; i < cmds.length; i += BATCH_RECORDS) {
    const batch = cmds.slice(i, i + BATCH_RECORDS).map(decoded);
    const t0 = cpuMicros();
    const lists = runMatch(domain, batch, ref, stores, sink);
    const t1 = cpuMicros();
    runRisk(domain, lists, ref, stores, sink);
    const t2 = cpuMicros();
    matchMicros += t1 - t0;
    riskMicros += t2 - t1;
    manifests += lists.length;
  }
  return { matchMicros, riskMicros, manifests };
}

/**
 * sha256 of everything the domain produces for `cmds`, then for stream time moved past every
 * match window (timeouts) and past the tombstone retention (purges).
 */
export function digest(domain: Domain, cmds: ReadonlyArray<DocCommand>, ref: Reference): string {
  const h = createHash('sha256');
  const sink: Sink = {
    match: (r) => h.update(JSON.stringify(r)).update('\n'),
    risk: (s, d) => h.update(JSON.stringify(s)).update(JSON.stringify(d)).update('\n'),
  };
  const stores = emptyStores();
  runBatches(domain, cmds, ref, sink, stores);
  const end = cmds.length > 0 ? cmds[cmds.length - 1].at : 0;
  for (const now of [end + 73 * D.HOUR_MS, end + 73 * D.HOUR_MS + 181 * D.DAY_MS]) {
    const ticks = [...stores.cases.keys()].map((caseKey): D.MatchCommand => ({
      type: 'TimeAdvanced',
      caseKey,
      now,
    }));
    runMatch(domain, ticks, ref, stores, sink);
  }
  return h.digest('hex');
}

/** Bytes allocated on the V8 heap while `f` runs. */
export function allocatedBytes(f: () => void): number {
  const profiler = new v8.GCProfiler();
  const start = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  f();
  const end = v8.getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  const freed = statistics.reduce(
    (acc, s) => acc + s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize,
    0,
  );
  return end - start + freed;
}

function main(): void {
  const parcels = Number(process.argv[2] ?? 20_000);
  const rounds = Number(process.argv[3] ?? 5);
  // optional: REALISTIC_ERRORS times this factor (rejections, changes, deletions, timeouts...)
  const errorScale = Number(process.argv[4] ?? 0);
  const ref = reference();
  const cmds = commands(parcels, errorScale > 0 ? scaledErrors(errorScale) : NO_ERRORS);

  runBatches(D, cmds, ref); // warm-up
  const match: number[] = [];
  const risk: number[] = [];
  const total: number[] = [];
  let manifests = 0;
  for (let i = 0; i < rounds; i++) {
    const r = runBatches(D, cmds, ref);
    manifests = r.manifests;
    match.push(r.matchMicros / parcels);
    risk.push(r.riskMicros / parcels);
    total.push((r.matchMicros + r.riskMicros) / parcels);
  }
  let lists: Manifest[] = [];
  const matchBytes = allocatedBytes(() => (lists = runMatch(D, cmds, ref)));
  const riskBytes = allocatedBytes(() => runRisk(D, lists, ref));
  const result = {
    parcels,
    records: cmds.length,
    manifests,
    rounds,
    domainMicrosPerParcel: round2(median(total)),
    matchMicrosPerParcel: round2(median(match)),
    riskMicrosPerParcel: round2(median(risk)),
    allRoundsMicrosPerParcel: { total: total.map(round2), match: match.map(round2), risk: risk.map(round2) },
    allocatedBytesPerParcel: {
      match: Math.round(matchBytes / parcels),
      risk: Math.round(riskBytes / parcels),
    },
    digest: digest(D, cmds, ref),
  };
  console.log(JSON.stringify(result, null, 2));
}

if (require.main === module) main();
