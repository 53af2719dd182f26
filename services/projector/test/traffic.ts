/**
 * Realistic records of every topic the projector reads, from generated traffic run through the
 * domain alone (match -> risk -> lifecycle with inspections and departures -> declaration), each
 * with the event time (record timestamp) a processor would give it.
 */
import type {
  ClearedParcel,
  Decision,
  ExchangeRate,
  Manifest,
  Receipt,
  SummaryDeclaration,
  TaxBill,
} from '@clearance/contracts';
import {
  buildDecision,
  declarationLineOf,
  handleDeclaration,
  handleLifecycle,
  handleMatch,
  HOUR_MS,
  invtSerial,
  periodClose,
  riskRefsFrom,
  screen,
  splitDeparture,
  type BuyerYearState,
  type DeclarationState,
  type LifecycleCommand,
  type LifecycleState,
  type MatchCommand,
  type MatchState,
} from '@clearance/domain';
import {
  departures,
  inspectionResult,
  loadReferenceData,
  ParcelGenerator,
  plausibleInspection,
  REALISTIC_ERRORS,
  type Send,
} from '@clearance/generator';

export interface Timed<V> {
  key: string;
  value: V;
  timestamp: number;
}

export interface Traffic {
  receipt: Array<Timed<Receipt>>;
  manifest: Array<Timed<Manifest>>;
  /** Import lists' tax bills (key: the waybill key), with the list's event time. */
  taxBill: Array<Timed<TaxBill>>;
  decision: Array<Timed<Decision>>;
  cleared: Array<Timed<ClearedParcel>>;
  summary: Array<Timed<SummaryDeclaration>>;
  exchangeRate: Array<Timed<ExchangeRate>>;
}

const command = (s: Send): MatchCommand =>
  s.doc === 'ORDER'
    ? { type: 'OrderArrived', caseKey: s.key, at: s.timestamp, order: s.value }
    : s.doc === 'PAYMENT'
      ? { type: 'PaymentArrived', caseKey: s.key, at: s.timestamp, payment: s.value }
      : { type: 'WaybillArrived', caseKey: s.key, at: s.timestamp, waybill: s.value };

export function traffic(count: number, seed: number, startTime = Date.UTC(2026, 10, 28, 1)): Traffic {
  const ref = loadReferenceData();
  const refs = riskRefsFrom(ref);
  const out: Traffic = {
    receipt: [],
    manifest: [],
    taxBill: [],
    decision: [],
    cleared: [],
    summary: [],
    exchangeRate: [],
  };
  const receipts = (rs: Receipt[], at: number) =>
    rs.forEach((r) => out.receipt.push({ key: r.caseKey, value: r, timestamp: at }));
  const parcels = new ParcelGenerator({ seed, startTime, errors: REALISTIC_ERRORS }).take(count);

  const match = new Map<string, MatchState>();
  let counter = 0;
  const sends = parcels.flatMap((p) => p.sends).filter((s) => s.expect !== 'DEAD_LETTER');
  sends.sort((a, b) => a.timestamp - b.timestamp);
  for (const s of sends) {
    const r = handleMatch(match.get(s.key), command(s), {
      enterprise: refs.enterprise,
      commodity: refs.commodity,
      invtSerial: invtSerial(0, counter),
    });
    if (r.serialUsed) counter += 1;
    if (r.state) match.set(s.key, r.state);
    else match.delete(s.key);
    receipts(r.receipts, s.timestamp);
    for (const m of r.manifests) out.manifest.push({ key: m.riskKey, value: m, timestamp: s.timestamp });
    for (const t of r.taxBills) out.taxBill.push({ key: t.waybillKey, value: t, timestamp: s.timestamp });
  }
  const end = Math.max(...sends.map((s) => s.timestamp)) + 73 * HOUR_MS;
  for (const [key, state] of match)
    receipts(
      handleMatch(
        state,
        { type: 'TimeAdvanced', caseKey: key, now: end },
        { enterprise: refs.enterprise, invtSerial: invtSerial(0, counter) },
      ).receipts,
      end,
    );

  const years = new Map<string, BuyerYearState | undefined>();
  for (const { value: m, timestamp } of out.manifest) {
    const s = screen(m, refs, ref.ruleSet, years.get(m.riskKey));
    years.set(m.riskKey, s.buyerYear);
    const d = buildDecision(m, s, timestamp);
    out.decision.push({ key: d.waybillKey, value: d, timestamp });
  }

  const life = new Map<string, LifecycleState>();
  const step = (key: string, cmd: LifecycleCommand, at: number) => {
    const r = handleLifecycle(life.get(key), cmd);
    life.set(key, r.state!);
    receipts(r.receipts, at);
    for (const c of r.cleared) out.cleared.push({ key: c.waybillKey, value: c, timestamp: at });
  };
  const byOrder = new Map(parcels.map((p) => [p.orderKey, p]));
  for (const { value: d } of out.decision)
    step(d.waybillKey, { type: 'DecisionReceived', decision: d, at: d.decidedAt }, d.decidedAt);
  for (const { value: d } of out.decision.filter(
    (x) => x.value.outcome === 'INSPECT' || x.value.outcome === 'HOLD',
  )) {
    const { outcome, detentionCode } = plausibleInspection(byOrder.get(d.orderKey)!);
    const at = d.decidedAt + HOUR_MS;
    step(
      d.waybillKey,
      {
        type: 'InspectionReceived',
        result: inspectionResult(d.manifest, outcome, { at, detentionCode }),
        at,
      },
      at,
    );
  }
  const released = out.decision
    .filter(({ value: d }) => life.get(d.waybillKey)!.status === 'RELEASED')
    .map(({ value: d }) => ({
      waybill: byOrder.get(d.orderKey)!.waybill,
      releasedAt: d.decidedAt + HOUR_MS,
    }));
  for (const dep of departures(released)) {
    for (const line of splitDeparture(dep.value).lines)
      step(
        `${line.logisticsCode}:${line.logisticsNo}`,
        { type: 'DepartureReceived', line, at: dep.timestamp },
        dep.timestamp,
      );
  }

  const decl = new Map<string, DeclarationState | undefined>();
  const periods = new Set<string>();
  for (const { value: c } of out.cleared) {
    const line = declarationLineOf(c);
    if (!line) continue;
    periods.add(line.period);
    decl.set(
      line.declarationKey,
      handleDeclaration(decl.get(line.declarationKey), { type: 'LineReceived', line, at: 0 }, { refs }).state,
    );
  }
  const closeAt = end + 24 * HOUR_MS;
  for (const p of [...periods].sort())
    for (const [key, state] of decl) {
      const r = handleDeclaration(
        state,
        { type: 'PeriodClosed', close: periodClose(p, closeAt, 'test') },
        { refs },
      );
      decl.set(key, r.state);
      for (const d of r.declarations)
        out.summary.push({ key: d.declarationKey, value: d, timestamp: closeAt });
    }
  for (const r of ref.exchangeRates)
    out.exchangeRate.push({ key: `${r.currency}:${r.period}`, value: r, timestamp: startTime });
  return out;
}
