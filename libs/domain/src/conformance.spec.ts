/**
 * Conformance with the traffic generator (libs/generator, a testing lib): its parcels, sent in
 * event-time order through the matcher, risk and reference data it ships, must end the way the
 * generator says they should — same match outcome and reason codes, same per-send treatment, and
 * at least the risk outcome and rules it predicts.
 */
import {
  ParcelGenerator,
  REALISTIC_ERRORS,
  loadReferenceData,
  type ErrorRates,
  type GeneratedParcel,
  type Send,
} from '@clearance/generator';
import type { Receipt } from '@clearance/contracts';
import { HOUR_MS } from './common/time';
import { handleMatch, type MatchCommand, type MatchContext, type MatchState } from './matching/decider';
import { invtSerial } from './matching/manifest';
import { riskRefsFrom } from './risk/refs';
import { screen } from './risk/screen';

const ref = loadReferenceData();
const refs = riskRefsFrom(ref);
const RANK: Record<string, number> = { RELEASE: 0, INSPECT: 1, HOLD: 2, REJECT: 3 };

function command(send: Send): MatchCommand {
  switch (send.doc) {
    case 'ORDER':
      return { type: 'OrderArrived', caseKey: send.key, at: send.timestamp, order: send.value };
    case 'PAYMENT':
      return { type: 'PaymentArrived', caseKey: send.key, at: send.timestamp, payment: send.value };
    case 'WAYBILL':
      return { type: 'WaybillArrived', caseKey: send.key, at: send.timestamp, waybill: send.value };
  }
}

interface Run {
  problems: string[];
  state: MatchState | undefined;
  manifest: ReturnType<typeof handleMatch>['manifests'][number] | undefined;
}

function run(p: GeneratedParcel, serial: number): Run {
  const ctx: MatchContext = {
    enterprise: refs.enterprise,
    commodity: refs.commodity,
    invtSerial: invtSerial(0, serial),
  };
  const problems: string[] = [];
  let state: MatchState | undefined;
  let manifest: Run['manifest'];
  const senderReceipts = (rs: Receipt[], s: Send) =>
    rs.filter((r) => r.docGuid === s.value.guid && r.docType === s.doc);
  for (const s of p.sends) {
    if (s.expect === 'DEAD_LETTER') continue; // bytes that do not decode never reach the domain
    const r = handleMatch(state, command(s), ctx);
    state = r.state;
    manifest = manifest ?? r.manifests[0];
    const mine = senderReceipts(r.receipts, s);
    const label = `${s.role} ${s.doc} ${s.value.guid}`;
    if (s.expect === 'IGNORED' && r.receipts.length > 0)
      problems.push(`${label}: expected no receipt, got ${mine.map((x) => x.returnStatus)}`);
    if (s.expect === 'APPLIED' && !mine.some((x) => x.returnStatus === '2')) {
      problems.push(
        `${label}: expected accepted (2), got ${JSON.stringify(mine.map((x) => [x.returnStatus, x.reasons.map((y) => y.code)]))}`,
      );
    }
    if (s.expect === 'REJECTED') {
      const codes = mine.filter((x) => x.returnStatus === '100').flatMap((x) => x.reasons.map((y) => y.code));
      const want = s.rejectReason === 'INVALID_DOCUMENT' ? s.detail : s.rejectReason;
      if (!want || !codes.includes(want))
        problems.push(`${label}: expected 100 ${want}, got ${JSON.stringify(codes)}`);
    }
  }
  const end = handleMatch(
    state,
    { type: 'TimeAdvanced', caseKey: p.orderKey, now: p.expected.firstDocumentAt + 72 * HOUR_MS },
    ctx,
  );
  return { problems, state: state?.status === 'REJECTED' ? state : (end.state ?? state), manifest };
}

function check(p: GeneratedParcel, serial: number): string[] {
  const { problems, state, manifest } = run(p, serial);
  const e = p.expected;
  const status = state?.status;
  const want = { MATCHED: 'MATCHED', REJECTED: 'REJECTED', TIMED_OUT: 'FAILED', WITHDRAWN: 'WITHDRAWN' }[
    e.match
  ];
  if (status !== want)
    problems.push(
      `case ends ${status} ${JSON.stringify(state?.reasons.map((r) => r.code))}, generator expects ${e.match} ${e.code}`,
    );
  const codes = state?.reasons.map((r) => r.code) ?? [];
  for (const c of e.reasons)
    if (!codes.includes(c)) problems.push(`final reasons ${JSON.stringify(codes)} lack ${c}`);
  if (e.match === 'REJECTED') {
    const extra = codes.filter((c) => !(e.reasons as string[]).includes(c));
    if (extra.length) problems.push(`final reasons have unexpected ${JSON.stringify(extra)}`);
  }
  if (e.risk && manifest) {
    const s = screen(manifest, refs, ref.ruleSet);
    if (RANK[s.outcome] < RANK[e.risk.outcome])
      problems.push(`risk ${s.outcome} below expected ${e.risk.outcome}`);
    const fired = s.rulesFired.map((h) => h.kind);
    for (const k of e.risk.rules)
      if (!fired.includes(k)) problems.push(`risk rule ${k} did not fire (fired ${JSON.stringify(fired)})`);
    const unexpected = fired.filter((k) => k !== 'SAMPLING' && !(e.risk!.rules as string[]).includes(k));
    if (unexpected.length)
      problems.push(
        `risk rules fired unexpectedly: ${JSON.stringify(s.rulesFired.filter((h) => unexpected.includes(h.kind)))}`,
      );
  }
  return problems.map((x) => `parcel ${p.seq} ${p.scenario} [${p.noise.join(',')}] ${p.orderKey}: ${x}`);
}

const NOISE: ReadonlyArray<keyof ErrorRates> = ['duplicate', 'invalidDocument', 'undecodable', 'keyMismatch'];
/** Every knob frequent: case-level errors share 85 % of the parcels, noise on 15 % each. */
const HEAVY_ERRORS = Object.fromEntries(
  Object.keys(REALISTIC_ERRORS).map((k) => [
    k,
    NOISE.includes(k as keyof ErrorRates)
      ? 0.15
      : 0.85 / (Object.keys(REALISTIC_ERRORS).length - NOISE.length),
  ]),
) as unknown as ErrorRates;

describe('conformance with the traffic generator', () => {
  it.each([
    ['clean traffic', {}],
    ['realistic errors', REALISTIC_ERRORS],
    ['every error often', HEAVY_ERRORS],
  ])('%s: every parcel ends as the generator expects', (_name, errors) => {
    const gen = new ParcelGenerator({ seed: 7, startTime: Date.UTC(2026, 10, 2, 1), errors });
    const problems = gen.take(1500).flatMap((p, i) => check(p, i));
    expect(problems.slice(0, 20)).toEqual([]);
  });
});
