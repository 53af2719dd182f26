/**
 * The clearance pipeline through the three services' processors under the in-memory TestDriver:
 * generated traffic (ParcelGenerator, REALISTIC_ERRORS with more noise, sent in event-time order, garbage as raw
 * bytes) -> matcher -> risk -> lifecycle, with officers' inspection results and carriers'
 * departures, every hop carrying the exact bytes the previous processor produced (real Avro,
 * registry wire format). Reconciles each parcel with what the generator expects.
 */
import {
  LocalCodecs,
  Topics,
  waybillKey,
  type ClearedParcel,
  type Decision,
  type InspectionOutcome,
  type Manifest,
  type Receipt,
} from '@clearance/contracts';
import {
  ParcelGenerator,
  REALISTIC_ERRORS,
  chinaWallToMs,
  departures,
  inEventTimeOrder,
  inspectionResult,
  loadReferenceData,
  referenceRecords,
  type GeneratedParcel,
  type Send,
} from '@clearance/generator';
import { TestDriver } from '@clearance/streams';
import { defaultLifecycleConfig, departureSplitterProcessor, lifecycleProcessor } from '@clearance/lifecycle';
import { defaultMatcherConfig, matcherProcessor, UNDECODABLE } from '@clearance/matcher';
import { defaultRiskConfig, riskProcessor } from '@clearance/risk';

const HOUR = 3_600_000;
const PARTITIONS = 4;
const PARCELS = 500;
/**
 * REALISTIC_ERRORS, with the rarest noise made frequent enough that a few hundred parcels carry
 * some of it (undecodable is 0.1 % there: about one send in 2,000 parcels).
 */
const ERRORS = { ...REALISTIC_ERRORS, undecodable: 0.02, keyMismatch: 0.01, invalidDocument: 0.01 };
const RANK: Record<string, number> = { RELEASE: 0, INSPECT: 1, HOLD: 2, REJECT: 3 };
const T = {
  order: Topics.order.name,
  payment: Topics.payment.name,
  waybill: Topics.waybill.name,
  manifest: Topics.manifest.name,
  decision: Topics.decision.name,
  inspection: Topics.inspection.name,
  departure: Topics.departure.name,
  line: Topics.departureLine.name,
  receipt: Topics.receipt.name,
  cleared: Topics.cleared.name,
};
/** Where each reference topic goes in the processors' globals. */
const GLOBAL_OF: Record<string, string> = {
  [Topics.enterprise.name]: 'enterprises',
  [Topics.commodity.name]: 'commodities',
  [Topics.watchlist.name]: 'watchlist',
  [Topics.exchangeRate.name]: 'exchangeRates',
  [Topics.ruleSet.name]: 'ruleSets',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDriver = TestDriver<any, any, any, any>;

/** Loads the reference data (generator's reference JSON) into the driver's global tables. */
async function withReference<Dr extends AnyDriver>(d: Dr): Promise<Dr> {
  const wanted = new Set(Object.keys(d.definition.globals ?? {}));
  for (const r of referenceRecords(loadReferenceData())) {
    const name = GLOBAL_OF[r.topic.name];
    if (wanted.has(name)) await d.pipeGlobal(name, r.key, r.value);
  }
  return d;
}

/** Pipes every record `from` produced on `topic` into `to`, bytes and timestamps unchanged. */
async function forward(from: AnyDriver, to: AnyDriver, topic: string, already = 0): Promise<number> {
  const records = from.rawRecords(topic);
  for (const r of records.slice(already)) await to.pipeRaw(topic, r.key, r.value, { timestamp: r.timestamp });
  return records.length;
}

interface Run {
  parcels: GeneratedParcel[];
  sends: Send[];
  receipts: Receipt[];
  manifests: Manifest[];
  decisions: Decision[];
  cleared: ClearedParcel[];
  matcherDlq: ReturnType<AnyDriver['readDeadLetters']>;
  finalStatus: Map<string, string>;
  inspected: Map<string, InspectionOutcome>;
  bytes: string[];
}

async function runPipeline(): Promise<Run> {
  const codecs = new LocalCodecs();
  const options = { partitions: PARTITIONS };
  const matcher = await withReference(
    new TestDriver(matcherProcessor({ codecs, config: defaultMatcherConfig() }), options),
  );
  const risk = await withReference(
    new TestDriver(riskProcessor({ codecs, config: defaultRiskConfig() }), options),
  );
  const splitter = new TestDriver(
    departureSplitterProcessor({ codecs, config: defaultLifecycleConfig() }),
    options,
  );
  const lifecycle = new TestDriver(lifecycleProcessor({ codecs, config: defaultLifecycleConfig() }), options);

  // 1. documents, in event-time order; garbage as the raw bytes the generator gives
  const gen = new ParcelGenerator({
    seed: 2026,
    startTime: chinaWallToMs(2026, 11, 2, 9),
    errors: ERRORS,
  });
  const parcels = gen.take(PARCELS);
  const sends: Send[] = [];
  let last = 0;
  for (const { send } of inEventTimeOrder(parcels)) {
    sends.push(send);
    last = Math.max(last, send.timestamp);
    if (send.garbage)
      await matcher.pipeRaw(send.topic, Buffer.from(send.key), Buffer.from(send.garbage), {
        timestamp: send.timestamp,
      });
    else await matcher.pipe(send.topic, send.key, send.value, { timestamp: send.timestamp });
  }
  await matcher.advanceStreamTime(last + 73 * HOUR); // every open case past its window

  // 2. lists -> risk; 3. decisions -> lifecycle
  await forward(matcher, risk, T.manifest);
  await forward(risk, lifecycle, T.decision);

  // 4. officers: every inspected or held parcel gets a result, in turn PASS, RETURN, SEIZE (501)
  const decisions = (await risk.readOutput(T.decision)).map((r) => r.value as Decision);
  const inspected = new Map<string, InspectionOutcome>();
  const turn: InspectionOutcome[] = ['PASS', 'RETURN', 'SEIZE'];
  for (const d of decisions.filter((x) => x.outcome === 'INSPECT' || x.outcome === 'HOLD')) {
    const outcome = turn[inspected.size % 3];
    inspected.set(d.waybillKey, outcome);
    const at = d.decidedAt + HOUR;
    const result = inspectionResult(d.manifest, outcome, {
      at,
      ...(outcome === 'SEIZE' ? { detentionCode: '501' } : {}),
    });
    await lifecycle.pipe(T.inspection, waybillKey(result), result, { timestamp: at });
  }

  // 5. carriers: departures of every released parcel -> splitter -> lifecycle
  const released = decisions
    .filter((d) => lifecycle.store('parcels').get(d.waybillKey)?.status === 'RELEASED')
    .map((d) => ({
      waybill: parcels.find((p) => p.orderKey === d.orderKey)!.waybill,
      releasedAt: d.decidedAt + HOUR,
    }));
  for (const dep of departures(released, { maxLinesPerMessage: 50 }))
    await splitter.pipe(T.departure, dep.key, dep.value, { timestamp: dep.timestamp });
  await forward(splitter, lifecycle, T.line);

  const receipts: Receipt[] = [];
  for (const d of [matcher, splitter, lifecycle])
    receipts.push(...(await d.readOutput(T.receipt)).map((r) => r.value as Receipt));
  const finalStatus = new Map<string, string>();
  for (const [key, s] of lifecycle.store('parcels')) finalStatus.set(key, s.status);
  const bytes = [matcher, risk, splitter, lifecycle].flatMap((d) =>
    [T.receipt, T.manifest, T.decision, T.line, T.cleared].flatMap((t) =>
      d.rawRecords(t).map((r) => `${t}:${r.partition}:${r.key?.toString('hex')}:${r.value?.toString('hex')}`),
    ),
  );
  return {
    parcels,
    sends,
    receipts,
    manifests: (await matcher.readOutput(T.manifest)).map((r) => r.value as Manifest),
    decisions,
    cleared: (await lifecycle.readOutput(T.cleared)).map((r) => r.value as ClearedParcel),
    matcherDlq: matcher.readDeadLetters(),
    finalStatus,
    inspected,
    bytes,
  };
}

describe('clearance pipeline: matcher -> risk -> lifecycle on generated traffic', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runPipeline();
  }, 120_000);

  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  afterEach(() => {
    expect(problems.splice(0).slice(0, 20)).toEqual([]);
  });

  it('covers what it should: failures, noise, inspections and departures', () => {
    const byMatch = (m: string) => run.parcels.filter((p) => p.expected.match === m).length;
    expect(byMatch('MATCHED')).toBeGreaterThan(PARCELS * 0.9);
    expect(byMatch('REJECTED') + byMatch('TIMED_OUT') + byMatch('WITHDRAWN')).toBeGreaterThan(3);
    expect(run.sends.filter((s) => s.garbage).length).toBeGreaterThan(0);
    expect(run.sends.filter((s) => s.expect === 'REJECTED').length).toBeGreaterThan(0);
    expect(run.inspected.size).toBeGreaterThanOrEqual(3);
  });

  it('gives every matched parcel exactly one list and one decision, at least as severe as expected', () => {
    const lists = countBy(run.manifests.map((m) => m.orderKey));
    const decisions = countBy(run.decisions.map((d) => d.orderKey));
    expect(new Set(run.manifests.map((m) => m.invtNo)).size).toBe(run.manifests.length);
    for (const p of run.parcels) {
      const n = p.expected.match === 'MATCHED' ? 1 : 0;
      check(
        lists.get(p.orderKey) === (n || undefined),
        `${p.orderKey} ${p.scenario}: ${lists.get(p.orderKey) ?? 0} lists, want ${n}`,
      );
      check(
        decisions.get(p.orderKey) === (n || undefined),
        `${p.orderKey}: ${decisions.get(p.orderKey) ?? 0} decisions, want ${n}`,
      );
      const d = run.decisions.find((x) => x.orderKey === p.orderKey);
      if (!p.expected.risk || !d) continue;
      check(
        RANK[d.outcome] >= RANK[p.expected.risk.outcome],
        `${p.orderKey}: risk ${d.outcome} below ${p.expected.risk.outcome}`,
      );
      const fired = d.rulesFired.map((h) => h.kind);
      for (const k of p.expected.risk.rules)
        check(fired.includes(k), `${p.orderKey}: rule ${k} did not fire (${fired})`);
      check(
        d.ruleSetVersion === loadReferenceData().ruleSet.version,
        `${p.orderKey}: rule set ${d.ruleSetVersion}`,
      );
    }
  });

  it('answers every failed case with 100 and the expected reasons, and every rejected send alone', () => {
    const byCase = groupBy(run.receipts, (r) => r.caseKey);
    for (const p of run.parcels) {
      const rs = byCase.get(p.orderKey) ?? [];
      if (p.expected.match === 'REJECTED' || p.expected.match === 'TIMED_OUT') {
        const failed = rs.filter(
          (r) =>
            r.returnStatus === '100' && p.expected.reasons.every((c) => r.reasons.some((x) => x.code === c)),
        );
        check(
          failed.length > 0,
          `${p.orderKey} ${p.expected.code}: no 100 with ${p.expected.reasons} (${rs.map((r) => r.returnStatus + r.reasons.map((x) => x.code))})`,
        );
      }
      if (p.expected.match === 'WITHDRAWN')
        check(
          rs.some((r) => r.reasons.some((x) => x.code === 'CASE_WITHDRAWN')),
          `${p.orderKey}: not withdrawn`,
        );
      for (const s of p.sends.filter((x) => x.expect === 'REJECTED')) {
        const want = s.rejectReason === 'INVALID_DOCUMENT' ? s.detail : s.rejectReason;
        const mine = rs.filter(
          (r) => r.docGuid === s.value.guid && r.docType === s.doc && r.returnStatus === '100',
        );
        check(
          mine.some((r) => r.reasons.some((x) => x.code === want)),
          `${p.orderKey} ${s.role} ${s.doc}: no 100 ${want}`,
        );
      }
    }
  });

  it('dead-letters every garbage send, bytes intact, and answers the platform of an undecodable order', () => {
    const garbage = run.sends.filter((s) => s.garbage);
    expect(run.matcherDlq).toHaveLength(garbage.length);
    const dlq = new Set(
      run.matcherDlq.map((x) => `${x.sourceTopic}|${x.key?.toString()}|${x.value?.toString('hex')}`),
    );
    for (const s of garbage)
      check(
        dlq.has(`${s.topic}|${s.key}|${Buffer.from(s.garbage!).toString('hex')}`),
        `${s.key} ${s.doc}: not on the DLQ`,
      );
    const undecodable = run.receipts.filter((r) => r.reasons.some((x) => x.code === UNDECODABLE));
    const orders = garbage.filter((s) => s.doc === 'ORDER');
    expect(undecodable.filter((r) => r.docType === 'ORDER')).toHaveLength(orders.length);
    expect(undecodable.every((r) => r.returnStatus === '100')).toBe(true);
  });

  it('drives inspected, held, released and rejected parcels to 899 / 700 / 501 / 100', () => {
    const statusOf = groupBy(run.receipts, (r) => r.caseKey);
    const has = (orderKey: string, status: string) =>
      (statusOf.get(orderKey) ?? []).some((r) => r.returnStatus === status);
    const clearedKeys = new Set(run.cleared.map((c) => c.waybillKey));
    const counts = new Map<string, number>();
    for (const d of run.decisions) {
      const inspection = run.inspected.get(d.waybillKey);
      const want =
        d.outcome === 'REJECT'
          ? { status: 'REJECTED', receipt: '100' }
          : inspection === 'RETURN'
            ? { status: 'RETURNED', receipt: '700' }
            : inspection === 'SEIZE'
              ? { status: 'SEIZED', receipt: '501' }
              : { status: 'CLEARED', receipt: '899' };
      counts.set(want.receipt, (counts.get(want.receipt) ?? 0) + 1);
      check(
        run.finalStatus.get(d.waybillKey) === want.status,
        `${d.waybillKey}: ${run.finalStatus.get(d.waybillKey)}, want ${want.status}`,
      );
      check(has(d.orderKey, want.receipt), `${d.orderKey}: no ${want.receipt} receipt`);
      check(
        clearedKeys.has(d.waybillKey) === (want.status === 'CLEARED'),
        `${d.waybillKey}: cleared ${clearedKeys.has(d.waybillKey)}`,
      );
    }
    expect(run.cleared).toHaveLength(counts.get('899') ?? 0);
    expect(new Set(run.cleared.map((c) => c.invtNo)).size).toBe(run.cleared.length);
    for (const s of ['899', '700', '501']) expect(counts.get(s) ?? 0).toBeGreaterThan(0);
  });

  it('replays byte for byte', async () => {
    const again = await runPipeline();
    expect(again.bytes.length).toBe(run.bytes.length);
    expect(again.bytes).toEqual(run.bytes);
  }, 120_000);
});

function countBy(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}
