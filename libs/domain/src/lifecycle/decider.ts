import {
  waybillKey,
  type ClearedParcel,
  type Decision,
  type DepartureLine,
  type InspectionResult,
  type Manifest,
  type Reason,
  type Receipt,
  type RuleHit,
} from '@clearance/contracts';
import { reason, ReasonCode as R, type ReasonCodeValue } from '../common/reasons';
import { buildReceipt, describeReasons, Status, type Addressee, type CaseRef } from '../common/receipts';

/**
 * Parcel lifecycle after the risk decision, one decider per waybill key:
 *
 *   RELEASE ─────────────────────────────┐
 *   INSPECT ─ PASS ─> released (800) ─────┼─ departure ─> cleared (899, ClearedParcel)
 *           ─ SEIZE ─> detained 501..599   │
 *           ─ RETURN ─> returned (700)     │
 *   HOLD (300) ─ officer result as INSPECT ┘
 *   REJECT (100): final
 *
 * A departure before the release waits in the state and clears the parcel once released; a
 * departure for a parcel that cannot be released is reported to the carrier, never dropped.
 */

export type LifecycleStatus =
  'AWAITING_DECISION' | 'RELEASED' | 'INSPECTING' | 'HELD' | 'REJECTED' | 'SEIZED' | 'RETURNED' | 'CLEARED';

export type LifecycleCommand =
  | { type: 'DecisionReceived'; decision: Decision; at: number }
  | { type: 'InspectionReceived'; result: InspectionResult; at: number }
  | { type: 'DepartureReceived'; line: DepartureLine; at: number };

/** Who and what a parcel is, kept after the manifest is dropped. */
export interface Parties {
  orderKey: string;
  invtNo: string;
  ebpCode: string;
  ebcCode: string;
  orderNo: string;
  logisticsCode: string;
  logisticsNo: string;
}

export interface LifecycleState {
  waybillKey: string;
  status: LifecycleStatus;
  parties: Parties | null;
  decision: { guid: string; outcome: string; ruleSetVersion: string } | null;
  /** Kept only while the parcel may still clear (released, inspecting, held). */
  manifest: Manifest | null;
  /** RELEASE, or PASS after inspection, once released. */
  finalOutcome: 'RELEASE' | 'PASS' | null;
  /** A departure that arrived before the release. */
  pendingDeparture: DepartureLine | null;
  /** An inspection result that arrived before the decision. */
  pendingInspection: InspectionResult | null;
  /** How the parcel left: set once cleared. */
  departedWith: { departureGuid: string; copNo: string; leaveTime: string } | null;
  /** guids already handled (decisions, inspection results, departures); capped. */
  seen: string[];
  /** Event time of the last event applied (absent in states written before it was kept). */
  lastEventAt?: number;
}

export type LifecycleEvent =
  | {
      type: 'Decided';
      decision: Decision;
      status: LifecycleStatus;
      to: Addressee[];
      ref: CaseRef;
      reasons: Reason[];
      at: number;
    }
  | { type: 'DecisionIgnored'; guid: string; note: string; at: number }
  | { type: 'InspectionPending'; result: InspectionResult; to: Addressee; ref: CaseRef; at: number }
  | {
      type: 'InspectionApplied';
      result: InspectionResult;
      status: LifecycleStatus;
      returnStatus: string;
      to: Addressee[];
      ref: CaseRef;
      reasons: Reason[];
      at: number;
    }
  | {
      type: 'InspectionRefused';
      result: InspectionResult;
      to: Addressee;
      ref: CaseRef;
      reasons: Reason[];
      at: number;
    }
  | {
      type: 'DeparturePending';
      line: DepartureLine;
      to: Addressee;
      ref: CaseRef;
      reasons: Reason[];
      at: number;
    }
  | {
      type: 'DepartureRefused';
      line: DepartureLine;
      to: Addressee;
      ref: CaseRef;
      reasons: Reason[];
      at: number;
    }
  | { type: 'DepartureWithdrawn'; line: DepartureLine; to: Addressee; ref: CaseRef; at: number }
  | {
      type: 'Cleared';
      cleared: ClearedParcel;
      line: DepartureLine;
      to: Addressee[];
      ref: CaseRef;
      at: number;
    };

export const LIFECYCLE_SEEN_LIMIT = 32;

/** Receipt reason code for each rule kind (import limits carry the negative business codes). */
const RULE_REASON: Readonly<Record<string, ReasonCodeValue>> = {
  NEGATIVE_LIST_PROHIBITED: R.NEGATIVE_LIST_PROHIBITED,
  NEGATIVE_LIST_RESTRICTED: R.NEGATIVE_LIST_RESTRICTED,
  ENTERPRISE_NOT_ON_FILE: R.ENTERPRISE_NOT_ON_FILE,
  ENTERPRISE_GRADE_D: R.ENTERPRISE_GRADE_D,
  WATCHLIST: R.WATCHLIST,
  PRICE_ANOMALY: R.PRICE_ANOMALY,
  WEIGHT_ANOMALY: R.WEIGHT_ANOMALY,
  IMPORT_SINGLE_LIMIT: R.IMPORT_SINGLE_LIMIT,
  IMPORT_ANNUAL_LIMIT: R.IMPORT_ANNUAL_LIMIT,
  SAMPLING: R.SAMPLING,
};

/** The reasons a decision's receipts carry: one per rule that asked for the decided outcome. */
export const reasonsOfHits = (hits: ReadonlyArray<RuleHit>, outcome: string): Reason[] =>
  hits
    .filter((h) => h.outcome === outcome)
    .map((h) => ({ code: RULE_REASON[h.kind] ?? h.kind, message: `${h.ruleId}: ${h.reason}` }));

const STATUS_OF_OUTCOME: Record<string, LifecycleStatus> = {
  RELEASE: 'RELEASED',
  INSPECT: 'INSPECTING',
  HOLD: 'HELD',
  REJECT: 'REJECTED',
};
const RECEIPT_OF_OUTCOME: Record<string, string> = {
  RELEASE: Status.RELEASED,
  INSPECT: Status.INSPECT,
  HOLD: Status.HELD,
  REJECT: Status.REJECTED,
};
const FINAL_NOT_RELEASED: ReadonlyArray<LifecycleStatus> = ['REJECTED', 'SEIZED', 'RETURNED'];
const MAY_STILL_RELEASE: ReadonlyArray<LifecycleStatus> = ['INSPECTING', 'HELD'];

export const emptyLifecycle = (key: string): LifecycleState => ({
  waybillKey: key,
  status: 'AWAITING_DECISION',
  parties: null,
  decision: null,
  manifest: null,
  finalOutcome: null,
  pendingDeparture: null,
  pendingInspection: null,
  departedWith: null,
  seen: [],
});

const partiesOf = (m: Manifest): Parties => ({
  orderKey: m.orderKey,
  invtNo: m.invtNo,
  ebpCode: m.ebpCode,
  ebcCode: m.ebcCode,
  orderNo: m.orderNo,
  logisticsCode: m.logisticsCode,
  logisticsNo: m.logisticsNo,
});

function refOf(s: LifecycleState, fallback?: { logisticsCode: string; logisticsNo: string }): CaseRef {
  const p = s.parties;
  return {
    caseKey: p?.orderKey ?? s.waybillKey,
    ebpCode: p?.ebpCode ?? null,
    orderNo: p?.orderNo ?? null,
    logisticsCode: p?.logisticsCode ?? fallback?.logisticsCode ?? null,
    logisticsNo: p?.logisticsNo ?? fallback?.logisticsNo ?? null,
    invtNo: p?.invtNo ?? null,
  };
}

/** The parcel's participants: platform, seller, carrier; `docType`/`docGuid` name what caused the receipt. */
const partiesTo = (p: Parties, docType: Addressee['docType'], docGuid: string): Addressee[] => [
  { participant: 'EBP', code: p.ebpCode, docType, docGuid },
  { participant: 'EBC', code: p.ebcCode, docType, docGuid },
  { participant: 'CARRIER', code: p.logisticsCode, docType, docGuid },
];
/**
 * Who gets a decision's receipt: platform, seller and carrier, about the compiled list; in
 * four-document mode also the filed list's filer (its agentCode), about the list it filed. A seller
 * filing its own lists (agentCode = ebcCode) gets the one receipt, about its filed list.
 */
function decisionAddressees(m: Manifest, p: Parties): Addressee[] {
  const to = partiesTo(p, 'LIST', m.guid);
  const filed = m.filedList;
  if (!filed) return to;
  const filer: Addressee = { participant: 'EBC', code: filed.agentCode, docType: 'LIST', docGuid: filed.guid };
  return filed.agentCode === p.ebcCode ? to.map((a) => (a.participant === 'EBC' ? filer : a)) : [...to, filer];
}

const carrierTo = (line: DepartureLine): Addressee => ({
  participant: 'CARRIER',
  code: line.logisticsCode,
  docType: 'DEPARTURE',
  docGuid: line.departureGuid,
});
const officerTo = (r: InspectionResult): Addressee => ({
  participant: 'OFFICER',
  code: r.officer,
  docType: 'INSPECTION',
  docGuid: r.guid,
});

/** Receipt status of a SEIZE: detentionCode 501..599, 599 when absent or invalid. */
export function detentionStatus(code: string | null): { status: string; reasons: Reason[] } {
  if (code === null || code === '') return { status: Status.DETAINED_OTHER, reasons: [] };
  const n = Number(code);
  if (/^\d{3}$/.test(code) && n >= 501 && n <= 599) return { status: code, reasons: [] };
  return {
    status: Status.DETAINED_OTHER,
    reasons: [
      reason(R.INVALID_DETENTION_CODE, `detentionCode ${code} is not 501..599: detained as 599 (other)`),
    ],
  };
}

// ---------------------------------------------------------------------------------- decide
export function decideLifecycle(cmd: LifecycleCommand, state: LifecycleState | undefined): LifecycleEvent[] {
  const key = keyOf(cmd);
  const events: LifecycleEvent[] = [];
  let s = state ?? emptyLifecycle(key);
  const emit = (e: LifecycleEvent): void => {
    events.push(e);
    s = evolveLifecycle(s, e);
  };
  const guid =
    cmd.type === 'DecisionReceived'
      ? cmd.decision.guid
      : cmd.type === 'InspectionReceived'
        ? cmd.result.guid
        : cmd.line.departureGuid;
  if (s.seen.includes(guid)) return events;

  switch (cmd.type) {
    case 'DecisionReceived':
      onDecision(s, cmd.decision, cmd.at).forEach(emit);
      if (s.pendingInspection) onInspection(s, s.pendingInspection, cmd.at).forEach(emit);
      if (s.pendingDeparture && s.status !== 'AWAITING_DECISION')
        onDeparture(s, s.pendingDeparture, cmd.at, true).forEach(emit);
      break;
    case 'InspectionReceived':
      onInspection(s, cmd.result, cmd.at).forEach(emit);
      if (
        s.pendingDeparture &&
        s.status !== 'INSPECTING' &&
        s.status !== 'HELD' &&
        s.status !== 'AWAITING_DECISION'
      ) {
        onDeparture(s, s.pendingDeparture, cmd.at, true).forEach(emit);
      }
      break;
    case 'DepartureReceived':
      onDeparture(s, cmd.line, cmd.at, false).forEach(emit);
      break;
  }
  return events;
}

function keyOf(cmd: LifecycleCommand): string {
  switch (cmd.type) {
    case 'DecisionReceived':
      return cmd.decision.waybillKey;
    case 'InspectionReceived':
      return waybillKey(cmd.result);
    case 'DepartureReceived':
      return waybillKey(cmd.line);
  }
}

function onDecision(s: LifecycleState, d: Decision, at: number): LifecycleEvent[] {
  if (s.decision) {
    return [
      {
        type: 'DecisionIgnored',
        guid: d.guid,
        note: `waybill ${s.waybillKey} already decided ${s.decision.outcome} (${s.decision.guid}); later decision ${d.outcome} (${d.guid}) ignored`,
        at,
      },
    ];
  }
  const status = STATUS_OF_OUTCOME[d.outcome] ?? 'HELD';
  const parties = partiesOf(d.manifest);
  return [
    {
      type: 'Decided',
      decision: d,
      status,
      to: decisionAddressees(d.manifest, parties),
      ref: refOf({ ...s, parties }),
      reasons: reasonsOfHits(d.rulesFired, d.outcome),
      at,
    },
  ];
}

function onInspection(s: LifecycleState, r: InspectionResult, at: number): LifecycleEvent[] {
  if (s.status === 'AWAITING_DECISION') {
    return [{ type: 'InspectionPending', result: r, to: officerTo(r), ref: refOf(s, r), at }];
  }
  if (!MAY_STILL_RELEASE.includes(s.status) || !s.parties) {
    const r0 = reason(
      R.INSPECTION_NOT_EXPECTED,
      `waybill ${s.waybillKey} is ${s.status}: inspection result ${r.outcome} not applied`,
    );
    return [{ type: 'InspectionRefused', result: r, to: officerTo(r), ref: refOf(s, r), reasons: [r0], at }];
  }
  const to = partiesTo(s.parties, 'INSPECTION', r.guid);
  const ref = refOf(s, r);
  switch (r.outcome) {
    case 'PASS':
      return [
        {
          type: 'InspectionApplied',
          result: r,
          status: 'RELEASED',
          returnStatus: Status.RELEASED,
          to,
          ref,
          reasons: [],
          at,
        },
      ];
    case 'RETURN':
      return [
        {
          type: 'InspectionApplied',
          result: r,
          status: 'RETURNED',
          returnStatus: Status.RETURNED,
          to,
          ref,
          reasons: [],
          at,
        },
      ];
    case 'SEIZE': {
      const { status, reasons } = detentionStatus(r.detentionCode);
      return [
        {
          type: 'InspectionApplied',
          result: r,
          status: 'SEIZED',
          returnStatus: status,
          to,
          ref,
          reasons,
          at,
        },
      ];
    }
  }
}

function onDeparture(
  s: LifecycleState,
  line: DepartureLine,
  at: number,
  wasPending: boolean,
): LifecycleEvent[] {
  const to = carrierTo(line);
  const ref = refOf(s, line);
  const refused = (code: ReasonCodeValue, message: string): LifecycleEvent[] => [
    { type: 'DepartureRefused', line, to, ref, reasons: [reason(code, message)], at },
  ];
  if (s.status === 'CLEARED') {
    return refused(
      R.DEPARTURE_AFTER_CLEARANCE,
      `waybill already cleared on departure ${s.departedWith?.copNo} at ${s.departedWith?.leaveTime}: departure ${line.copNo} not applied`,
    );
  }
  if (line.appType === '3') {
    if (s.pendingDeparture && s.pendingDeparture.copNo === line.copNo)
      return [{ type: 'DepartureWithdrawn', line, to, ref, at }];
    return refused(
      R.NOTHING_TO_DELETE,
      `no pending departure ${line.copNo} for waybill ${s.waybillKey} to delete`,
    );
  }
  if (s.status === 'RELEASED') return [cleared(s, line, at)];
  if (FINAL_NOT_RELEASED.includes(s.status)) {
    return refused(
      R.DEPARTED_NOT_RELEASED,
      `waybill ${s.waybillKey} is ${s.status}, not released, but departed on ${line.copNo} at ${line.leaveTime}`,
    );
  }
  if (
    wasPending &&
    s.pendingDeparture?.departureGuid === line.departureGuid &&
    s.status !== 'AWAITING_DECISION'
  ) {
    // still waiting (inspection or review): tell the carrier once more why it cannot clear yet
    return [
      {
        type: 'DeparturePending',
        line,
        to,
        ref,
        reasons: [
          reason(
            R.DEPARTURE_BEFORE_RELEASE,
            `waybill ${s.waybillKey} is ${s.status}: departure kept until released`,
          ),
        ],
        at,
      },
    ];
  }
  const why =
    s.status === 'AWAITING_DECISION'
      ? reason(
          R.DEPARTURE_UNKNOWN_WAYBILL,
          `no decision known for waybill ${s.waybillKey} yet: departure kept, the parcel clears once released`,
        )
      : reason(
          R.DEPARTURE_BEFORE_RELEASE,
          `waybill ${s.waybillKey} is ${s.status}, not released: departure kept until released`,
        );
  return [{ type: 'DeparturePending', line, to, ref, reasons: [why], at }];
}

function cleared(s: LifecycleState, line: DepartureLine, at: number): LifecycleEvent {
  const m = s.manifest!;
  const cleared: ClearedParcel = {
    waybillKey: s.waybillKey,
    orderKey: m.orderKey,
    invtNo: m.invtNo,
    finalOutcome: s.finalOutcome ?? 'RELEASE',
    ruleSetVersion: s.decision?.ruleSetVersion ?? '',
    leaveTime: line.leaveTime,
    departureCopNo: line.copNo,
    voyageNo: line.voyageNo,
    returnStatus: Status.CLEARED,
    manifest: m,
  };
  return {
    type: 'Cleared',
    cleared,
    line,
    to: partiesTo(s.parties!, 'DEPARTURE', line.departureGuid),
    ref: refOf(s, line),
    at,
  };
}

// ---------------------------------------------------------------------------------- evolve
const remember = (seen: ReadonlyArray<string>, guid: string): string[] =>
  seen.includes(guid) ? [...seen] : [...seen, guid].slice(-LIFECYCLE_SEEN_LIMIT);

/** Drops the manifest once the parcel can no longer clear. */
const settle = (s: LifecycleState): LifecycleState =>
  FINAL_NOT_RELEASED.includes(s.status) || s.status === 'CLEARED' ? { ...s, manifest: null } : s;

export function evolveLifecycle(state: LifecycleState | undefined, e: LifecycleEvent): LifecycleState {
  const next = applyLifecycleEvent(state, e);
  return { ...next, lastEventAt: Math.max(next.lastEventAt ?? e.at, e.at) };
}

/**
 * When a parcel's lifecycle state may be forgotten: `retentionMs` after its last event (event
 * time). Whatever its status: a released parcel that never departs, or one inspected and never
 * resolved, is not kept forever either. After that, a late document for it is handled as for an
 * unknown waybill (reported, never dropped). Undefined for a state without a known last event.
 */
export function lifecycleExpiry(state: LifecycleState | undefined, retentionMs: number): number | undefined {
  return state?.lastEventAt === undefined ? undefined : state.lastEventAt + retentionMs;
}

function applyLifecycleEvent(state: LifecycleState | undefined, e: LifecycleEvent): LifecycleState {
  const s = state ?? emptyLifecycle(waybillOfEvent(e));
  switch (e.type) {
    case 'Decided':
      return settle({
        ...s,
        status: e.status,
        parties: partiesOf(e.decision.manifest),
        decision: {
          guid: e.decision.guid,
          outcome: e.decision.outcome,
          ruleSetVersion: e.decision.ruleSetVersion,
        },
        manifest: e.decision.manifest,
        finalOutcome: e.status === 'RELEASED' ? 'RELEASE' : null,
        seen: remember(s.seen, e.decision.guid),
      });
    case 'DecisionIgnored':
      return { ...s, seen: remember(s.seen, e.guid) };
    case 'InspectionPending':
      return { ...s, pendingInspection: e.result, seen: remember(s.seen, e.result.guid) };
    case 'InspectionApplied':
      return settle({
        ...s,
        status: e.status,
        finalOutcome: e.status === 'RELEASED' ? 'PASS' : s.finalOutcome,
        pendingInspection: null,
        seen: remember(s.seen, e.result.guid),
      });
    case 'InspectionRefused':
      return {
        ...s,
        pendingInspection: s.pendingInspection?.guid === e.result.guid ? null : s.pendingInspection,
        seen: remember(s.seen, e.result.guid),
      };
    case 'DeparturePending':
      return { ...s, pendingDeparture: e.line, seen: remember(s.seen, e.line.departureGuid) };
    case 'DepartureRefused':
      return {
        ...s,
        pendingDeparture:
          s.pendingDeparture?.departureGuid === e.line.departureGuid ? null : s.pendingDeparture,
        seen: remember(s.seen, e.line.departureGuid),
      };
    case 'DepartureWithdrawn':
      return { ...s, pendingDeparture: null, seen: remember(s.seen, e.line.departureGuid) };
    case 'Cleared':
      return settle({
        ...s,
        status: 'CLEARED',
        pendingDeparture: null,
        departedWith: {
          departureGuid: e.line.departureGuid,
          copNo: e.line.copNo,
          leaveTime: e.line.leaveTime,
        },
        seen: remember(s.seen, e.line.departureGuid),
      });
  }
}

function waybillOfEvent(e: LifecycleEvent): string {
  switch (e.type) {
    case 'Decided':
      return e.decision.waybillKey;
    case 'Cleared':
      return e.cleared.waybillKey;
    case 'InspectionPending':
    case 'InspectionApplied':
    case 'InspectionRefused':
      return waybillKey(e.result);
    case 'DeparturePending':
    case 'DepartureRefused':
    case 'DepartureWithdrawn':
      return waybillKey(e.line);
    case 'DecisionIgnored':
      return '';
  }
}

// ---------------------------------------------------------------------------------- outputs
export interface LifecycleOutputs {
  receipts: Receipt[];
  cleared: ClearedParcel[];
  /** Things worth a log line or a metric that produce no record (e.g. a conflicting second decision). */
  notes: string[];
}

const OUTCOME_TEXT: Record<string, string> = {
  RELEASE: 'released',
  INSPECT: 'inspection ordered',
  HOLD: 'held for manual review',
  REJECT: 'rejected',
};
const INSPECTION_TEXT: Record<string, string> = {
  PASS: 'inspection passed: released',
  SEIZE: 'detained after inspection',
  RETURN: 'to be returned after inspection',
};

export function lifecycleOutputs(e: LifecycleEvent): LifecycleOutputs {
  const out: LifecycleOutputs = { receipts: [], cleared: [], notes: [] };
  switch (e.type) {
    case 'Decided': {
      const info = `${OUTCOME_TEXT[e.decision.outcome] ?? e.decision.outcome} (rule set ${e.decision.ruleSetVersion}, score ${e.decision.score})${e.reasons.length ? `: ${describeReasons(e.reasons)}` : ''}`;
      const status = RECEIPT_OF_OUTCOME[e.decision.outcome] ?? Status.HELD;
      out.receipts = e.to.map((to) =>
        buildReceipt({
          to,
          ref: e.ref,
          at: e.at,
          returnStatus: status,
          returnInfo: info,
          reasons: e.reasons,
          salt: e.decision.guid,
        }),
      );
      break;
    }
    case 'DecisionIgnored':
      out.notes.push(e.note);
      break;
    case 'InspectionPending':
      out.receipts = [
        buildReceipt({
          to: e.to,
          ref: e.ref,
          at: e.at,
          returnStatus: Status.ACCEPTED,
          returnInfo: 'inspection result recorded; applied once the decision is known',
        }),
      ];
      break;
    case 'InspectionApplied': {
      const info = `${INSPECTION_TEXT[e.result.outcome]}${e.result.note ? ` (${e.result.note})` : ''}${e.reasons.length ? `; ${describeReasons(e.reasons)}` : ''}`;
      out.receipts = e.to.map((to) =>
        buildReceipt({
          to,
          ref: e.ref,
          at: e.at,
          returnStatus: e.returnStatus,
          returnInfo: info,
          reasons: e.reasons,
        }),
      );
      break;
    }
    case 'InspectionRefused':
    case 'DepartureRefused':
      out.receipts = [
        buildReceipt({
          to: e.to,
          ref: e.ref,
          at: e.at,
          returnStatus: Status.REJECTED,
          returnInfo: describeReasons(e.reasons),
          reasons: e.reasons,
        }),
      ];
      break;
    case 'DeparturePending':
      out.receipts = [
        buildReceipt({
          to: e.to,
          ref: e.ref,
          at: e.at,
          returnStatus: Status.ACCEPTED,
          returnInfo: describeReasons(e.reasons),
          reasons: e.reasons,
          salt: e.ref.invtNo ?? '',
        }),
      ];
      break;
    case 'DepartureWithdrawn':
      out.receipts = [
        buildReceipt({
          to: e.to,
          ref: e.ref,
          at: e.at,
          returnStatus: Status.ACCEPTED,
          returnInfo: `departure ${e.line.copNo} withdrawn for this waybill`,
          reasons: [reason(R.DEPARTURE_WITHDRAWN, 'pending departure deleted')],
        }),
      ];
      break;
    case 'Cleared':
      out.receipts = e.to.map((to) =>
        buildReceipt({
          to,
          ref: e.ref,
          at: e.at,
          returnStatus: Status.CLEARED,
          returnInfo: `cleared: departed on ${e.line.copNo}${e.line.voyageNo ? ` (${e.line.voyageNo})` : ''} at ${e.line.leaveTime}`,
        }),
      );
      out.cleared = [e.cleared];
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------- handle
export interface LifecycleResult extends LifecycleOutputs {
  state: LifecycleState;
  events: LifecycleEvent[];
}

/** One step for a stream processor keyed by waybill key. */
export function handleLifecycle(state: LifecycleState | undefined, cmd: LifecycleCommand): LifecycleResult {
  const events = decideLifecycle(cmd, state);
  const next = events.reduce<LifecycleState>(
    (s, e) => evolveLifecycle(s, e),
    state ?? emptyLifecycle(keyOf(cmd)),
  );
  const outs = events.map(lifecycleOutputs);
  return {
    state: next,
    events,
    receipts: outs.flatMap((o) => o.receipts),
    cleared: outs.flatMap((o) => o.cleared),
    notes: outs.flatMap((o) => o.notes),
  };
}
