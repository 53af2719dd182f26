/**
 * The whole pipeline through the domain alone, on generated traffic: match -> risk (with the
 * buyer-year state) -> lifecycle (decisions, inspections, departures) -> declaration lines ->
 * summary declarations. Checks what must hold end to end, and that a replay is byte-identical.
 */
import {
  ParcelGenerator,
  REALISTIC_ERRORS,
  departures,
  inspectionResult,
  loadReferenceData,
  plausibleInspection,
  type GeneratedParcel,
  type Send,
} from '@clearance/generator';
import {
  schemaByName,
  type ClearedParcel,
  type Decision,
  type Receipt,
  type SummaryDeclaration,
} from '@clearance/contracts';
import { decSum } from './common/decimal';
import { HOUR_MS } from './common/time';
import { handleDeclaration, type DeclarationState } from './declaration/decider';
import { declarationLineOf } from './declaration/line';
import { periodClose } from './declaration/period';
import { splitDeparture } from './departure/split';
import { handleLifecycle, type LifecycleCommand, type LifecycleState } from './lifecycle/decider';
import { handleMatch, type MatchCommand, type MatchState } from './matching/decider';
import { invtSerial } from './matching/manifest';
import { riskRefsFrom } from './risk/refs';
import type { BuyerYearState } from './risk/rules';
import { buildDecision, screen } from './risk/screen';

const ref = loadReferenceData();
const refs = riskRefsFrom(ref);

const command = (s: Send): MatchCommand =>
  s.doc === 'ORDER'
    ? { type: 'OrderArrived', caseKey: s.key, at: s.timestamp, order: s.value }
    : s.doc === 'PAYMENT'
      ? { type: 'PaymentArrived', caseKey: s.key, at: s.timestamp, payment: s.value }
      : { type: 'WaybillArrived', caseKey: s.key, at: s.timestamp, waybill: s.value };

interface Outcome {
  receipts: Receipt[];
  decisions: Decision[];
  cleared: ClearedParcel[];
  declarations: SummaryDeclaration[];
  notes: string[];
}

function pipeline(parcels: GeneratedParcel[]): Outcome {
  const out: Outcome = { receipts: [], decisions: [], cleared: [], declarations: [], notes: [] };
  // matcher: all sends in event-time order, one partition, one serial counter
  const matchStore = new Map<string, MatchState>();
  let counter = 0;
  const sends = parcels.flatMap((p) => p.sends).filter((s) => s.expect !== 'DEAD_LETTER');
  sends.sort((a, b) => a.timestamp - b.timestamp);
  const manifests = [];
  for (const s of sends) {
    const r = handleMatch(matchStore.get(s.key), command(s), {
      enterprise: refs.enterprise,
      commodity: refs.commodity,
      invtSerial: invtSerial(0, counter),
    });
    if (r.serialUsed) counter += 1;
    if (r.state) matchStore.set(s.key, r.state);
    else matchStore.delete(s.key);
    out.receipts.push(...r.receipts);
    manifests.push(...r.manifests.map((m) => ({ m, at: s.timestamp })));
  }
  const end = Math.max(...sends.map((s) => s.timestamp)) + 73 * HOUR_MS;
  for (const [key, state] of matchStore)
    out.receipts.push(
      ...handleMatch(
        state,
        { type: 'TimeAdvanced', caseKey: key, now: end },
        { enterprise: refs.enterprise, invtSerial: invtSerial(0, counter) },
      ).receipts,
    );

  // risk, with the buyer-year store
  const years = new Map<string, BuyerYearState | undefined>();
  for (const { m, at } of manifests) {
    const s = screen(m, refs, ref.ruleSet, years.get(m.riskKey));
    years.set(m.riskKey, s.buyerYear);
    out.decisions.push(buildDecision(m, s, at + 1000));
  }

  // lifecycle: decisions, then officers' results, then departures of whatever was released
  const life = new Map<string, LifecycleState>();
  const step = (key: string, cmd: LifecycleCommand) => {
    const r = handleLifecycle(life.get(key), cmd);
    life.set(key, r.state);
    out.receipts.push(...r.receipts);
    out.cleared.push(...r.cleared);
    out.notes.push(...r.notes);
  };
  const byOrder = new Map(parcels.map((p) => [p.orderKey, p]));
  for (const d of out.decisions)
    step(d.waybillKey, { type: 'DecisionReceived', decision: d, at: d.decidedAt });
  for (const d of out.decisions.filter((x) => x.outcome === 'INSPECT' || x.outcome === 'HOLD')) {
    const { outcome, detentionCode } = plausibleInspection(byOrder.get(d.orderKey)!);
    const at = d.decidedAt + HOUR_MS;
    step(d.waybillKey, {
      type: 'InspectionReceived',
      result: inspectionResult(d.manifest, outcome, { at, detentionCode }),
      at,
    });
  }
  const released = out.decisions
    .filter((d) => life.get(d.waybillKey)!.status === 'RELEASED')
    .map((d) => ({ waybill: byOrder.get(d.orderKey)!.waybill, releasedAt: d.decidedAt + HOUR_MS }));
  for (const dep of departures(released)) {
    const split = splitDeparture(dep.value);
    expect(split.errors).toEqual([]);
    for (const line of split.lines)
      step(`${line.logisticsCode}:${line.logisticsNo}`, {
        type: 'DepartureReceived',
        line,
        at: dep.timestamp,
      });
  }

  // declaration: lines of cleared export parcels, then close every period seen
  const decl = new Map<string, DeclarationState | undefined>();
  const periods = new Set<string>();
  for (const c of out.cleared) {
    const line = declarationLineOf(c);
    if (!line) continue;
    periods.add(line.period);
    const r = handleDeclaration(
      decl.get(line.declarationKey),
      { type: 'LineReceived', line, at: 0 },
      { refs },
    );
    decl.set(line.declarationKey, r.state);
  }
  for (const p of [...periods].sort()) {
    for (const [key, state] of decl) {
      const r = handleDeclaration(
        state,
        { type: 'PeriodClosed', close: periodClose(p, end, 'test') },
        { refs },
      );
      decl.set(key, r.state);
      out.declarations.push(...r.declarations);
      out.notes.push(...r.notes);
    }
  }
  return out;
}

describe('pipeline through every decider', () => {
  const parcels = () =>
    new ParcelGenerator({ seed: 11, startTime: Date.UTC(2026, 10, 28, 1), errors: REALISTIC_ERRORS }).take(
      1200,
    );
  const first = pipeline(parcels());

  it('clears every released parcel once, and declares every cleared export list exactly once', () => {
    const matched = first.decisions.length;
    expect(matched).toBeGreaterThan(1100);
    expect(first.cleared.length).toBeGreaterThan(matched * 0.9);
    expect(new Set(first.cleared.map((c) => c.invtNo)).size).toBe(first.cleared.length);
    const exportCleared = first.cleared
      .filter((c) => c.manifest.ieFlag === 'E')
      .map((c) => c.invtNo)
      .sort();
    const declared = first.declarations.flatMap((d) => d.invtNos).sort();
    expect(declared).toEqual(exportCleared);
    expect(first.declarations.reduce((a, d) => a + d.listCount, 0)).toBe(exportCleared.length);
    expect(first.declarations.every((d) => d.kind === 'ORIGINAL')).toBe(true);
  });

  it('declaration lines add up to their header', () => {
    for (const d of first.declarations) {
      expect(decSum(d.lines.map((l) => l.grossWeight))).toBe(d.grossWeight);
      expect(decSum(d.lines.map((l) => l.fobCny))).toBe(d.totalFobCny);
    }
  });

  it('produces only schema-valid records and no unexplained notes', () => {
    const valid = (name: string, xs: unknown[]) => xs.filter((x) => !schemaByName(name).type.isValid(x));
    expect(valid('Receipt', first.receipts)).toEqual([]);
    expect(valid('Decision', first.decisions)).toEqual([]);
    expect(valid('ClearedParcel', first.cleared)).toEqual([]);
    expect(valid('SummaryDeclaration', first.declarations)).toEqual([]);
    expect(first.notes).toEqual([]);
  });

  it('replays byte for byte', () => {
    expect(JSON.stringify(pipeline(parcels()))).toBe(JSON.stringify(first));
  });
});
