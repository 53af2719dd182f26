/**
 * Conformance with the traffic generator's four-document parcels (GeneratorOptions.fourDocument):
 * each filed list is valid (validateFiledList) and, for a parcel whose list should agree, agrees
 * with the list the domain compiles (compareFiledList); sent with the other documents in event
 * time order through the match decider (reference data with the FOUR_DOCUMENT platforms), every
 * parcel ends as the generator expects. The generator restates compileManifest's field mapping
 * (it cannot import the domain): this spec is what keeps the two from drifting.
 */
import {
  ParcelGenerator,
  REALISTIC_ERRORS,
  loadReferenceData,
  type AnySend,
  type ErrorRates,
  type GeneratedParcel,
} from '@clearance/generator';
import { HOUR_MS } from './common/time';
import { handleMatch, type MatchCommand, type MatchContext, type MatchState } from './matching/decider';
import { compareFiledList, validateFiledList } from './matching/filed-list';
import { invtSerial } from './matching/manifest';
import { riskRefsFrom } from './risk/refs';
import { screen } from './risk/screen';

const ref = loadReferenceData({ fourDocument: true });
const refs = riskRefsFrom(ref);
const RANK: Record<string, number> = { RELEASE: 0, INSPECT: 1, HOLD: 2, REJECT: 3 };

function command(send: AnySend): MatchCommand {
  switch (send.doc) {
    case 'ORDER':
      return { type: 'OrderArrived', caseKey: send.key, at: send.timestamp, order: send.value };
    case 'PAYMENT':
      return { type: 'PaymentArrived', caseKey: send.key, at: send.timestamp, payment: send.value };
    case 'WAYBILL':
      return { type: 'WaybillArrived', caseKey: send.key, at: send.timestamp, waybill: send.value };
    case 'LIST':
      return { type: 'ListArrived', caseKey: send.key, at: send.timestamp, list: send.value };
  }
}

function check(p: GeneratedParcel, serial: number): string[] {
  const ctx: MatchContext = {
    enterprise: refs.enterprise,
    commodity: refs.commodity,
    invtSerial: invtSerial(0, serial),
  };
  const problems: string[] = [];
  if (!p.list) problems.push('no filed list');
  else for (const r of validateFiledList(p.list)) problems.push(`list invalid: ${r.code} ${r.message}`);
  let state: MatchState | undefined;
  let manifest: ReturnType<typeof handleMatch>['manifests'][number] | undefined;
  const sends = [...p.sends, ...(p.listSends ?? [])].sort((a, b) => a.timestamp - b.timestamp);
  for (const s of sends) {
    if (s.expect === 'DEAD_LETTER') continue;
    const r = handleMatch(state, command(s), ctx);
    state = r.state;
    manifest = manifest ?? r.manifests[0];
    const mine = r.receipts.filter((x) => x.docGuid === s.value.guid && x.docType === s.doc);
    const label = `${s.role} ${s.doc} ${s.value.guid}`;
    if (s.expect === 'IGNORED' && r.receipts.length > 0) problems.push(`${label}: expected no receipt`);
    if (s.expect === 'APPLIED' && !mine.some((x) => x.returnStatus === '2'))
      problems.push(
        `${label}: expected accepted (2), got ${JSON.stringify(mine.map((x) => [x.returnStatus, x.reasons.map((y) => y.code)]))}`,
      );
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
  const final = state?.status === 'REJECTED' ? state : (end.state ?? state);
  const e = p.expected;
  const want = { MATCHED: 'MATCHED', REJECTED: 'REJECTED', TIMED_OUT: 'FAILED', WITHDRAWN: 'WITHDRAWN' }[
    e.match
  ];
  if (final?.status !== want)
    problems.push(
      `case ends ${final?.status} ${JSON.stringify(final?.reasons.map((r) => r.code))}, expected ${e.match} ${e.code}`,
    );
  const codes = final?.reasons.map((r) => r.code) ?? [];
  for (const c of e.reasons)
    if (!codes.includes(c)) problems.push(`final reasons ${JSON.stringify(codes)} lack ${c}`);
  if (e.match === 'REJECTED') {
    const extra = codes.filter((c) => !(e.reasons as string[]).includes(c));
    if (extra.length)
      problems.push(
        `final reasons have unexpected ${JSON.stringify(final?.reasons.filter((r) => extra.includes(r.code)))}`,
      );
  }
  if (e.match === 'MATCHED' && p.list && manifest) {
    const differences = compareFiledList(p.list, manifest, { order: p.order, waybill: p.waybill });
    if (differences.length) problems.push(`compareFiledList: ${JSON.stringify(differences)}`);
    if (manifest.filedList?.guid !== p.list.guid)
      problems.push('the manifest does not name the agreeing list');
  }
  if (e.risk && manifest) {
    const s = screen(manifest, refs, ref.ruleSet);
    if (RANK[s.outcome] < RANK[e.risk.outcome])
      problems.push(`risk ${s.outcome} below expected ${e.risk.outcome}`);
    const fired = s.rulesFired.map((h) => h.kind);
    for (const k of e.risk.rules) if (!fired.includes(k)) problems.push(`risk rule ${k} did not fire`);
  }
  return problems.map((x) => `parcel ${p.seq} ${p.scenario} [${p.noise.join(',')}] ${p.orderKey}: ${x}`);
}

const NOISE: ReadonlyArray<keyof ErrorRates> = ['duplicate', 'invalidDocument', 'undecodable', 'keyMismatch'];
const HEAVY_ERRORS = Object.fromEntries(
  Object.keys(REALISTIC_ERRORS).map((k) => [
    k,
    NOISE.includes(k as keyof ErrorRates)
      ? 0.15
      : 0.85 / (Object.keys(REALISTIC_ERRORS).length - NOISE.length),
  ]),
) as unknown as ErrorRates;

describe('conformance with the traffic generator: four-document parcels', () => {
  it.each([
    ['clean traffic', {}, 0.2],
    ['clean imports', {}, 1],
    ['realistic errors', REALISTIC_ERRORS, 0.2],
    ['every error often', HEAVY_ERRORS, 0.2],
    ['every error often, imports', HEAVY_ERRORS, 1],
  ])(
    '%s: every list valid, agreeing ones equal to the compiled list, every parcel ends as expected',
    (_name, errors, importShare) => {
      const gen = new ParcelGenerator({
        seed: 7,
        startTime: Date.UTC(2026, 10, 2, 1),
        errors,
        fourDocument: 1,
        mix: { importShare },
      });
      const problems = gen.take(1500).flatMap((p, i) => check(p, i));
      expect(problems.slice(0, 20)).toEqual([]);
    },
  );
});
