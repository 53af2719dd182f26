import {
  type FiledList,
  type Manifest,
  type Order,
  type Payment,
  type Reason,
  type Receipt,
  type TaxBill,
  type Waybill,
} from '@clearance/contracts';
import { reason, ReasonCode as R } from '../common/reasons';
import { buildReceipt, describeReasons, Status, type Addressee, type CaseRef } from '../common/receipts';
import { sha256HexOf } from '../common/ids';
import { cebTime } from '../common/time';
import {
  DEFAULT_MATCH_CONFIG,
  runMatchChecks,
  type CommodityLookup,
  type CompleteCase,
  type EnterpriseLookup,
  type Held,
  type MatchConfig,
} from './checks';
import { compareFiledList, filedListKey, validateFiledList } from './filed-list';
import { compileManifest } from './manifest';
import { checkDeclaredTax, importTaxBill, taxBillOf, type TaxBillComputation } from '../tax/tax-bill';
import { validateOrder, validatePayment, validateWaybill } from './validate';

/**
 * Three-document match (三单对碰) as a decider, one instance per order key; in four-document mode
 * (the platform's enterprise record has listMode FOUR_DOCUMENT) the list filed by the enterprise
 * or its agent is a fourth document, compared with the list compiled from the other three.
 *
 *   decide(command, state, ctx) -> events      evolve(state, event) -> state
 *   matchOutputs(event) -> receipts / manifests     handleMatch(...) = all three at once
 *
 * State is JSON, small and bounded: at most one held version of each document (id numbers
 * replaced by their sha256) and a capped list of seen guids while open; a tombstone (status,
 * invtNo, reasons, seen guids) once matched, failed or withdrawn.
 */

export type DocKind = 'ORDER' | 'PAYMENT' | 'WAYBILL' | 'LIST';
const KINDS: ReadonlyArray<DocKind> = ['ORDER', 'PAYMENT', 'WAYBILL'];
/** The documents of a case in four-document mode. */
const FOUR_KINDS: ReadonlyArray<DocKind> = ['ORDER', 'PAYMENT', 'WAYBILL', 'LIST'];

// ---------------------------------------------------------------------------------- commands
export type MatchCommand =
  | { type: 'OrderArrived'; caseKey: string; at: number; order: Order }
  | { type: 'PaymentArrived'; caseKey: string; at: number; payment: Payment }
  | { type: 'WaybillArrived'; caseKey: string; at: number; waybill: Waybill }
  /** The list filed by the e-commerce enterprise or its agent (CEB603 / CEB621; four-document mode). */
  | { type: 'ListArrived'; caseKey: string; at: number; list: FiledList }
  /** Stream time advanced to `now` (event time ms): expires cases past their window, purges old tombstones. */
  | { type: 'TimeAdvanced'; caseKey: string; now: number };

// ---------------------------------------------------------------------------------- state
export interface OpenCase {
  /** OPEN: waiting for documents. REJECTED: all three present but disagreeing; a change re-runs the checks. */
  status: 'OPEN' | 'REJECTED';
  caseKey: string;
  /** Event time of the first document seen (valid or not); purge time of a case that never accepted one. */
  openedAt: number;
  /** Event time of the first accepted document: the match window starts here. */
  firstDocumentTime: number | null;
  order: Held<Order> | null;
  payment: Held<Payment> | null;
  waybill: Held<Waybill> | null;
  /**
   * The filed list (four-document mode only; absent otherwise): the import buyer's id number
   * replaced by its sha256 (`idHash`), as the order's.
   */
  list?: Held<FiledList>;
  /** Reasons of the last rejection (REJECTED). */
  reasons: Reason[];
  /** guids already answered (duplicates get no second receipt); newest last, capped. */
  seen: string[];
}

export interface ClosedCase {
  status: 'MATCHED' | 'FAILED' | 'WITHDRAWN';
  caseKey: string;
  closedAt: number;
  invtNo: string | null;
  reasons: Reason[];
  seen: string[];
}

export type MatchState = OpenCase | ClosedCase;

// ---------------------------------------------------------------------------------- events
type AnyDoc = Order | Payment | Waybill | FiledList;
export type HeldDoc =
  | { kind: 'ORDER'; held: Held<Order> }
  | { kind: 'PAYMENT'; held: Held<Payment> }
  | { kind: 'WAYBILL'; held: Held<Waybill> }
  | { kind: 'LIST'; held: Held<FiledList> };

export type MatchEvent =
  /** appStatus 1 (saved): acknowledged with status 1, takes no part. */
  | { type: 'DocumentSaved'; kind: DocKind; guid: string; to: Addressee; ref: CaseRef; at: number }
  /** The document alone is refused (validation, duplicate, nothing to delete, case decided/closed). */
  | {
      type: 'DocumentRejected';
      kind: DocKind;
      guid: string;
      to: Addressee;
      ref: CaseRef;
      reasons: Reason[];
      at: number;
    }
  | {
      type: 'DocumentAccepted';
      doc: HeldDoc;
      change: boolean;
      waitingFor: DocKind[];
      /** Set (true) in four-document mode only. */
      fourDocument?: true;
      to: Addressee;
      ref: CaseRef;
      at: number;
    }
  | {
      type: 'CaseMatched';
      manifest: Manifest;
      /** Import lists: the retail import tax bill (clearance.tax-bill.v1); null for exports or without commodity data. */
      taxBill: TaxBill | null;
      to: Addressee[];
      ref: CaseRef;
      cause: string;
      at: number;
      /** Set (true) in four-document mode only: the filed list agreed too. */
      fourDocument?: true;
    }
  | {
      type: 'CaseRejected';
      reasons: Reason[];
      to: Addressee[];
      ref: CaseRef;
      cause: string;
      at: number;
      fourDocument?: true;
    }
  | {
      type: 'CaseTimedOut';
      reasons: Reason[];
      to: Addressee[];
      ref: CaseRef;
      at: number;
      fourDocument?: true;
    }
  /** A rejected case not corrected within its window: closed without a new receipt. */
  | { type: 'CaseExpired'; at: number }
  | {
      type: 'CaseWithdrawn';
      kind: DocKind;
      guid: string;
      by: Addressee;
      others: Addressee[];
      ref: CaseRef;
      at: number;
    }
  /** A new document after a withdrawal starts the case afresh. */
  | { type: 'CaseReopened'; at: number }
  /** The state may be deleted (empty case past its window, or tombstone past retention). */
  | { type: 'CasePurged'; at: number };

// ---------------------------------------------------------------------------------- context
export interface MatchContext {
  enterprise: EnterpriseLookup;
  /** Optional: enables the weight plausibility and simplified-declaration commodity checks. */
  commodity?: CommodityLookup;
  /** 9-digit serial for the invtNo if this command produces a match (see invtSerial). */
  invtSerial: string;
  config?: Partial<MatchConfig>;
}

/**
 * The full configuration: merged once per public call (decideMatch, evolveMatch, matchDeadline,
 * handleMatch), then passed on as is.
 */
const fullConfig = (config: Partial<MatchConfig> | undefined): MatchConfig => ({
  ...DEFAULT_MATCH_CONFIG,
  ...config,
});

// ---------------------------------------------------------------------------------- helpers
function docOf(cmd: Exclude<MatchCommand, { type: 'TimeAdvanced' }>): { kind: DocKind; doc: AnyDoc } {
  switch (cmd.type) {
    case 'OrderArrived':
      return { kind: 'ORDER', doc: cmd.order };
    case 'PaymentArrived':
      return { kind: 'PAYMENT', doc: cmd.payment };
    case 'WaybillArrived':
      return { kind: 'WAYBILL', doc: cmd.waybill };
    case 'ListArrived':
      return { kind: 'LIST', doc: cmd.list };
  }
}

/**
 * Whether the case's platform declares in four-document mode: its enterprise record (looked up at
 * each decision) has listMode FOUR_DOCUMENT. A platform not on file, or a record without the
 * field: one-step mode.
 */
export function isFourDocumentMode(caseKey: string, enterprise: EnterpriseLookup): boolean {
  return enterprise(splitKey(caseKey).ebpCode)?.listMode === 'FOUR_DOCUMENT';
}

/**
 * The sender of a document: the platform for an order, the payment institution, the carrier; for
 * a filed list its filer, the agent (agentCode) or else the e-commerce enterprise, as EBC (the
 * receipts' participants have no agent).
 */
export function senderOf(kind: DocKind, doc: AnyDoc): Addressee {
  switch (kind) {
    case 'ORDER':
      return {
        participant: 'EBP',
        code: (doc as Order).ebpCode ?? '',
        docType: 'ORDER',
        docGuid: doc.guid ?? null,
      };
    case 'PAYMENT':
      return {
        participant: 'PAYER',
        code: (doc as Payment).payCode ?? '',
        docType: 'PAYMENT',
        docGuid: doc.guid ?? null,
      };
    case 'WAYBILL':
      return {
        participant: 'CARRIER',
        code: (doc as Waybill).logisticsCode ?? '',
        docType: 'WAYBILL',
        docGuid: doc.guid ?? null,
      };
    case 'LIST':
      return {
        participant: 'EBC',
        code: (doc as FiledList).agentCode || (doc as FiledList).ebcCode || '',
        docType: 'LIST',
        docGuid: doc.guid ?? null,
      };
  }
}

/** Every participant whose document takes part in the case: EBP and EBC (order), PAYER, CARRIER, the list's filer. */
export function participantsOf(s: OpenCase): Addressee[] {
  const out: Addressee[] = [];
  if (s.order) {
    out.push(senderOf('ORDER', s.order.doc));
    out.push({ participant: 'EBC', code: s.order.doc.ebcCode, docType: 'ORDER', docGuid: s.order.doc.guid });
  }
  if (s.payment) out.push(senderOf('PAYMENT', s.payment.doc));
  if (s.waybill) out.push(senderOf('WAYBILL', s.waybill.doc));
  if (s.list) out.push(senderOf('LIST', s.list.doc));
  return out;
}

const slotOf = (s: OpenCase, kind: DocKind): Held<AnyDoc> | null =>
  kind === 'ORDER'
    ? s.order
    : kind === 'PAYMENT'
      ? s.payment
      : kind === 'WAYBILL'
        ? s.waybill
        : (s.list ?? null);

function splitKey(caseKey: string): { ebpCode: string; orderNo: string } {
  const i = caseKey.indexOf(':');
  return i < 0
    ? { ebpCode: caseKey, orderNo: '' }
    : { ebpCode: caseKey.slice(0, i), orderNo: caseKey.slice(i + 1) };
}

function refOf(
  caseKey: string,
  s: MatchState | undefined,
  waybill?: Pick<Waybill, 'logisticsCode' | 'logisticsNo'>,
): CaseRef {
  const w = waybill ?? (s && 'waybill' in s ? s.waybill?.doc : undefined);
  const { ebpCode, orderNo } = splitKey(caseKey);
  return {
    caseKey,
    ebpCode,
    orderNo,
    logisticsCode: w?.logisticsCode ?? null,
    logisticsNo: w?.logisticsNo ?? null,
    invtNo: s && 'invtNo' in s ? s.invtNo : null,
  };
}

/** The held form of a document: personal id numbers replaced by their sha256. */
export function holdDocument(kind: DocKind, doc: AnyDoc, at: number): HeldDoc {
  if (kind === 'ORDER') {
    const o = doc as Order;
    return {
      kind,
      held: {
        doc: { ...o, buyerIdNumber: null },
        at,
        idHash: o.buyerIdNumber ? sha256HexOf(o.buyerIdNumber) : null,
      },
    };
  }
  if (kind === 'PAYMENT') {
    const p = doc as Payment;
    return {
      kind,
      held: {
        doc: { ...p, payerIdNumber: null },
        at,
        idHash: p.payerIdNumber ? sha256HexOf(p.payerIdNumber) : null,
      },
    };
  }
  if (kind === 'LIST') {
    const l = doc as FiledList;
    return {
      kind,
      held: {
        doc: { ...l, buyerIdNumber: null },
        at,
        // as compareFiledList hashes the filed number: a blank one is none
        idHash: l.buyerIdNumber && l.buyerIdNumber.trim() !== '' ? sha256HexOf(l.buyerIdNumber) : null,
      },
    };
  }
  return { kind: 'WAYBILL', held: { doc: doc as Waybill, at, idHash: null } };
}

const emptyCase = (caseKey: string, at: number): OpenCase => ({
  status: 'OPEN',
  caseKey,
  openedAt: at,
  firstDocumentTime: null,
  order: null,
  payment: null,
  waybill: null,
  reasons: [],
  seen: [],
});

const isOpen = (s: MatchState | undefined): s is OpenCase =>
  !!s && (s.status === 'OPEN' || s.status === 'REJECTED');

/** Event time at which the state next changes by itself (window end or tombstone purge), if any. */
export function matchDeadline(
  s: MatchState | undefined,
  config: Partial<MatchConfig> = {},
): number | undefined {
  // called for every state the service stores: the two settings read without merging
  if (!s) return undefined;
  if (isOpen(s)) return (s.firstDocumentTime ?? s.openedAt) + setting(config, 'windowMs');
  return s.closedAt + setting(config, 'tombstoneRetentionMs');
}

/** config[key] as `{ ...DEFAULT_MATCH_CONFIG, ...config }` has it, without building that object. */
function setting<K extends keyof MatchConfig>(config: Partial<MatchConfig>, key: K): MatchConfig[K] {
  return Object.prototype.hasOwnProperty.call(config, key)
    ? (config[key] as MatchConfig[K])
    : DEFAULT_MATCH_CONFIG[key];
}

function deadlineOf(s: MatchState, config: MatchConfig): number {
  if (isOpen(s)) return (s.firstDocumentTime ?? s.openedAt) + config.windowMs;
  return s.closedAt + config.tombstoneRetentionMs;
}

/** The kinds a case still lacks, `arriving` counted as present (the list only in four-document mode). */
const missing = (s: OpenCase, arriving: DocKind | undefined, four: boolean): DocKind[] =>
  (four ? FOUR_KINDS : KINDS).filter((k) => k !== arriving && !slotOf(s, k));

// ---------------------------------------------------------------------------------- decide
/** Events for a command given the current state (pure; `ctx` carries reference data and the serial). */
export function decideMatch(
  cmd: MatchCommand,
  state: MatchState | undefined,
  ctx: MatchContext,
): MatchEvent[] {
  return decideAndEvolve(cmd, state, ctx, fullConfig(ctx.config)).events;
}

/** The events of a command and the state after them (decide evolves as it emits). */
function decideAndEvolve(
  cmd: MatchCommand,
  state: MatchState | undefined,
  ctx: MatchContext,
  config: MatchConfig,
): { events: MatchEvent[]; state: MatchState | undefined } {
  const events: MatchEvent[] = [];
  let s = state;
  const emit = (e: MatchEvent): void => {
    events.push(e);
    s = evolve(s, e, config.seenGuidLimit);
  };
  const result = () => ({ events, state: s });
  const now = cmd.type === 'TimeAdvanced' ? cmd.now : cmd.at;
  let fourMode: boolean | undefined; // looked up once, when first needed
  const four = (): boolean => (fourMode ??= isFourDocumentMode(cmd.caseKey, ctx.enterprise));
  const due = expire(s, cmd.caseKey, now, config, four);
  if (due) emit(due);
  if (cmd.type === 'TimeAdvanced') return result();

  const { kind, doc } = docOf(cmd);
  if (s && s.seen.includes(doc.guid)) return result(); // duplicate: idempotent, no second receipt
  const to = senderOf(kind, doc);
  const ref = refOf(
    cmd.caseKey,
    s,
    kind === 'WAYBILL' || (kind === 'LIST' && !(s && 'waybill' in s && s.waybill))
      ? (doc as Waybill | FiledList)
      : undefined,
  );
  const reject = (reasons: Reason[]): void =>
    emit({ type: 'DocumentRejected', kind, guid: doc.guid, to, ref, reasons, at: cmd.at });

  if (doc.appStatus === '1') {
    emit({ type: 'DocumentSaved', kind, guid: doc.guid, to, ref, at: cmd.at });
    return result();
  }
  const problems = validate(kind, doc, cmd.caseKey);
  if (problems.length > 0) {
    reject(problems);
    return result();
  }
  if (kind === 'LIST' && !four()) {
    reject([
      reason(
        R.LIST_NOT_EXPECTED,
        `platform ${splitKey(cmd.caseKey).ebpCode} declares in one-step mode: the engine compiles the list from order, payment and waybill; a filed list is not accepted`,
      ),
    ]);
    return result();
  }
  const current = s as MatchState | undefined;
  if (current && !isOpen(current)) {
    if (current.status === 'MATCHED') {
      reject([
        reason(
          R.ALREADY_DECIDED,
          `case already matched, list ${current.invtNo} created: document not applied`,
        ),
      ]);
      return result();
    }
    if (current.status === 'FAILED') {
      reject([
        reason(
          R.CASE_CLOSED,
          `case closed as failed (${current.reasons.map((r) => r.code).join(', ')}): document not applied`,
        ),
      ]);
      return result();
    }
    if (doc.appType === '3') {
      reject([reason(R.NOTHING_TO_DELETE, 'case already withdrawn: nothing to delete')]);
      return result();
    }
    emit({ type: 'CaseReopened', at: cmd.at });
  }

  const open = (s as OpenCase | undefined) ?? emptyCase(cmd.caseKey, cmd.at);
  const held = slotOf(open, kind);
  if (doc.appType === '3') {
    if (!held) {
      reject([reason(R.NOTHING_TO_DELETE, `no ${kind.toLowerCase()} in this case to delete`)]);
      return result();
    }
    const others = participantsOf(open).filter((a) => a.docType !== kind);
    emit({ type: 'CaseWithdrawn', kind, guid: doc.guid, by: to, others, ref, at: cmd.at });
    return result();
  }
  if (doc.appType === '1' && held) {
    reject([
      reason(
        R.DUPLICATE_DOCUMENT,
        `duplicate ${kind.toLowerCase()}: ${held.doc.guid} is already in this case (send appType 2 to change it)`,
      ),
    ]);
    return result();
  }
  const accepted = holdDocument(kind, doc, cmd.at);
  const fourDocument = four();
  emit({
    type: 'DocumentAccepted',
    doc: accepted,
    change: !!held,
    waitingFor: missing(open, kind, fourDocument),
    to,
    ref,
    at: cmd.at,
    ...(fourDocument ? { fourDocument } : {}),
  });
  const decided = tryMatch(s as OpenCase, cmd, ctx, config, fourDocument);
  if (decided) emit(decided);
  return result();
}

function validate(kind: DocKind, doc: AnyDoc, caseKey: string): Reason[] {
  switch (kind) {
    case 'ORDER':
      return validateOrder(doc as Order, caseKey);
    case 'PAYMENT':
      return validatePayment(doc as Payment, caseKey);
    case 'WAYBILL':
      return validateWaybill(doc as Waybill, caseKey);
    case 'LIST': {
      const l = doc as FiledList;
      const problems = validateFiledList(l);
      const key = filedListKey(l);
      if (key !== caseKey)
        problems.push(
          reason(R.KEY_MISMATCH, `document names ${key} (ebpCode:orderNo) but arrived for case ${caseKey}`),
        );
      return problems;
    }
  }
}

/** The timeout / purge event due at `now`, if any. */
function expire(
  s: MatchState | undefined,
  caseKey: string,
  now: number,
  config: MatchConfig,
  four: () => boolean,
): MatchEvent | undefined {
  if (!s || now < deadlineOf(s, config)) return undefined;
  if (!isOpen(s)) return { type: 'CasePurged', at: now };
  if (s.status === 'REJECTED') return { type: 'CaseExpired', at: now };
  const to = participantsOf(s);
  if (to.length === 0) return { type: 'CasePurged', at: now };
  const windowH = config.windowMs / 3600000;
  const fourDocument = four();
  const reasons = [
    reason(
      R.MATCH_TIMEOUT,
      `not complete within ${windowH} h of the first document; missing ${missing(s, undefined, fourDocument).join(', ')}`,
    ),
  ];
  return {
    type: 'CaseTimedOut',
    reasons,
    to,
    ref: refOf(caseKey, s),
    at: now,
    ...(fourDocument ? { fourDocument } : {}),
  };
}

/** The import tax bill of a complete import case (freight from the order, insurance from the waybill, as the list has them). */
function importBillOf(c: CompleteCase, ctx: MatchContext): TaxBillComputation | undefined {
  if (c.order.doc.orderType !== 'I' || !ctx.commodity) return undefined;
  return importTaxBill(
    { items: c.order.doc.items, freight: c.order.doc.freight, insuredFee: c.waybill.doc.insuredFee },
    ctx.commodity,
  );
}

/**
 * With all three documents present (four-document mode: and the filed list): the checks, then a
 * match or a rejection. Four-document mode compiles the list first and compares the filed one
 * with it (compareFiledList); every reason of either kind is reported at once.
 */
function tryMatch(
  s: OpenCase,
  cmd: Exclude<MatchCommand, { type: 'TimeAdvanced' }>,
  ctx: MatchContext,
  config: MatchConfig,
  fourDocument: boolean,
): MatchEvent | undefined {
  if (!s.order || !s.payment || !s.waybill) return undefined;
  if (fourDocument && !s.list) return undefined;
  const complete: CompleteCase = { order: s.order, payment: s.payment, waybill: s.waybill };
  const to = participantsOf(s);
  const cause = docOf(cmd).doc.guid;
  const reasons = runMatchChecks(complete, { enterprise: ctx.enterprise, commodity: ctx.commodity, config });
  // import: the retail import tax bill, and the order's declared taxTotal against it. A bill that
  // cannot be computed (a commodity without rates: prohibited or unknown goods, which risk refuses
  // on its own rules) judges nothing here and is published as INCOMPLETE.
  const bill = importBillOf(complete, ctx);
  if (bill && bill.problems.length === 0)
    for (const r of checkDeclaredTax(complete.order.doc.taxTotal, bill)) reasons.push(r);
  const compile = (): Manifest =>
    compileManifest(complete, {
      caseKey: s.caseKey,
      at: cmd.at,
      firstDocumentTime: s.firstDocumentTime ?? cmd.at,
      serial: ctx.invtSerial,
    });
  const mode = fourDocument ? { fourDocument } : {};
  let manifest: Manifest | undefined;
  if (fourDocument && s.list) {
    manifest = compile();
    const differences = compareFiledList(s.list.doc, manifest, {
      order: complete.order.doc,
      waybill: complete.waybill.doc,
      listIdHash: s.list.idHash,
    });
    for (const r of differences) reasons.push(r);
  }
  if (reasons.length > 0)
    return { type: 'CaseRejected', reasons, to, ref: refOf(s.caseKey, s), cause, at: cmd.at, ...mode };
  // the list agreed: the manifest names it, so that its filer gets the decision's receipt
  if (manifest && s.list)
    manifest.filedList = { guid: s.list.doc.guid, agentCode: s.list.doc.agentCode, copNo: s.list.doc.copNo };
  manifest ??= compile();
  return {
    ...mode,
    type: 'CaseMatched',
    manifest,
    taxBill: bill ? taxBillOf(manifest, bill, complete.order.doc.taxTotal, cmd.at) : null,
    to,
    ref: { ...refOf(s.caseKey, s), invtNo: manifest.invtNo },
    cause,
    at: cmd.at,
  };
}

// ---------------------------------------------------------------------------------- evolve
/**
 * `seen` with each guid added that it lacks, newest last, then the newest `limit` kept
 * (as `[...seen, guid].slice(-limit)` per guid): always a new array.
 */
function remember(seen: ReadonlyArray<string>, guids: ReadonlyArray<string>, limit: number): string[] {
  let out = seen.slice();
  for (const guid of guids) {
    if (out.includes(guid)) continue;
    out.push(guid);
    if (out.length > limit) out = out.slice(-limit);
  }
  return out;
}

function heldGuids(s: OpenCase): string[] {
  const out: string[] = [];
  if (s.order) out.push(s.order.doc.guid);
  if (s.payment) out.push(s.payment.doc.guid);
  if (s.waybill) out.push(s.waybill.doc.guid);
  if (s.list) out.push(s.list.doc.guid);
  return out;
}

/** The state after an event (pure). */
export function evolveMatch(
  state: MatchState | undefined,
  e: MatchEvent,
  config: Partial<MatchConfig> = {},
): MatchState | undefined {
  return evolve(state, e, fullConfig(config).seenGuidLimit);
}

/** evolveMatch with the seen-guid limit resolved. */
function evolve(state: MatchState | undefined, e: MatchEvent, limit: number): MatchState | undefined {
  switch (e.type) {
    case 'DocumentSaved':
      return state;
    case 'DocumentRejected': {
      const s = state ?? emptyCase(e.ref.caseKey, e.at);
      return { ...s, seen: remember(s.seen, [e.guid], limit) };
    }
    case 'DocumentAccepted': {
      const s = isOpen(state) ? state : emptyCase(e.ref.caseKey, e.at);
      const key = e.doc.kind.toLowerCase() as 'order' | 'payment' | 'waybill' | 'list';
      return {
        ...s,
        [key]: e.doc.held,
        firstDocumentTime: s.firstDocumentTime ?? e.at,
        seen: remember(s.seen, [e.doc.held.doc.guid], limit),
      } as OpenCase;
    }
    case 'CaseMatched':
      return closed(state, 'MATCHED', e.at, e.manifest.invtNo, [], limit);
    case 'CaseRejected':
      return isOpen(state) ? { ...state, status: 'REJECTED', reasons: e.reasons } : state;
    case 'CaseTimedOut':
      return closed(state, 'FAILED', e.at, null, e.reasons, limit);
    case 'CaseExpired':
      return closed(state, 'FAILED', e.at, null, isOpen(state) ? state.reasons : [], limit);
    case 'CaseWithdrawn': {
      const s = closed(
        state,
        'WITHDRAWN',
        e.at,
        null,
        [reason(R.CASE_WITHDRAWN, `${e.kind.toLowerCase()} deleted`)],
        limit,
      );
      return s ? { ...s, seen: remember(s.seen, [e.guid], limit) } : s;
    }
    case 'CaseReopened':
      return state ? { ...emptyCase(state.caseKey, e.at), seen: [...state.seen] } : state;
    case 'CasePurged':
      return undefined;
  }
}

function closed(
  state: MatchState | undefined,
  status: ClosedCase['status'],
  at: number,
  invtNo: string | null,
  reasons: Reason[],
  limit: number,
): ClosedCase | undefined {
  if (!state) return undefined;
  const seen = isOpen(state) ? remember(state.seen, heldGuids(state), limit) : state.seen;
  return { status, caseKey: state.caseKey, closedAt: at, invtNo, reasons, seen };
}

// ---------------------------------------------------------------------------------- outputs
export interface MatchOutputs {
  receipts: Receipt[];
  manifests: Manifest[];
  /** Import lists' tax bills (clearance.tax-bill.v1, key: the waybill key). */
  taxBills: TaxBill[];
}

const KIND_TEXT: Record<DocKind, string> = {
  ORDER: 'order',
  PAYMENT: 'payment',
  WAYBILL: 'waybill',
  LIST: 'list',
};

/** Receipts and lists an event publishes. */
export function matchOutputs(e: MatchEvent): MatchOutputs {
  const none: MatchOutputs = { receipts: [], manifests: [], taxBills: [] };
  switch (e.type) {
    case 'DocumentSaved':
      return {
        receipts: [
          buildReceipt({
            to: e.to,
            ref: e.ref,
            at: e.at,
            returnStatus: Status.SAVED,
            returnInfo: `${KIND_TEXT[e.kind]} saved (appStatus 1): not declared, takes no part in clearance`,
          }),
        ],
        manifests: [],
        taxBills: [],
      };
    case 'DocumentRejected':
      return {
        receipts: [
          buildReceipt({
            to: e.to,
            ref: e.ref,
            at: e.at,
            returnStatus: Status.REJECTED,
            returnInfo: `${KIND_TEXT[e.kind]} rejected: ${describeReasons(e.reasons)}`,
            reasons: e.reasons,
          }),
        ],
        manifests: [],
        taxBills: [],
      };
    case 'DocumentAccepted': {
      const what = `${KIND_TEXT[e.doc.kind]} ${e.change ? 'change' : ''} accepted`.replace('  ', ' ');
      const info =
        e.waitingFor.length > 0
          ? `${what}; waiting for ${e.waitingFor.map((k) => KIND_TEXT[k]).join(', ')}`
          : `${what}; all ${e.fourDocument ? 'four' : 'three'} documents present`;
      return {
        receipts: [
          buildReceipt({ to: e.to, ref: e.ref, at: e.at, returnStatus: Status.ACCEPTED, returnInfo: info }),
        ],
        manifests: [],
        taxBills: [],
      };
    }
    case 'CaseMatched':
      return {
        receipts: e.to.map((to) =>
          buildReceipt({
            to,
            ref: e.ref,
            at: e.at,
            returnStatus: Status.MATCHED,
            returnInfo: e.fourDocument
              ? `order, payment, waybill and the filed list agree: list ${e.manifest.invtNo} created`
              : `order, payment and waybill agree: list ${e.manifest.invtNo} created`,
            salt: e.cause,
          }),
        ),
        manifests: [e.manifest],
        taxBills: e.taxBill ? [e.taxBill] : [],
      };
    case 'CaseRejected':
    case 'CaseTimedOut':
      return {
        receipts: e.to.map((to) =>
          buildReceipt({
            to,
            ref: e.ref,
            at: e.at,
            returnStatus: Status.REJECTED,
            returnInfo: `${e.fourDocument ? 'four' : 'three'}-document match failed: ${describeReasons(e.reasons)}`,
            reasons: e.reasons,
            salt: e.type === 'CaseRejected' ? e.cause : 'timeout',
          }),
        ),
        manifests: [],
        taxBills: [],
      };
    case 'CaseWithdrawn': {
      const r = [
        reason(
          R.CASE_WITHDRAWN,
          `${KIND_TEXT[e.kind]} deleted (appType 3) at ${cebTime(e.at)}: case withdrawn`,
        ),
      ];
      const by = { ...e.by, docGuid: e.guid };
      return {
        receipts: [
          buildReceipt({
            to: by,
            ref: e.ref,
            at: e.at,
            returnStatus: Status.ACCEPTED,
            returnInfo: `deletion accepted: case withdrawn`,
            reasons: r,
          }),
          ...e.others.map((to) =>
            buildReceipt({
              to,
              ref: e.ref,
              at: e.at,
              returnStatus: Status.REJECTED,
              returnInfo: `case withdrawn: ${KIND_TEXT[e.kind]} deleted by its sender`,
              reasons: r,
              salt: e.guid,
            }),
          ),
        ],
        manifests: [],
        taxBills: [],
      };
    }
    case 'CaseExpired':
    case 'CaseReopened':
    case 'CasePurged':
      return none;
  }
}

// ---------------------------------------------------------------------------------- handle
export interface MatchResult extends MatchOutputs {
  /** New state; undefined means delete the key from the store. */
  state: MatchState | undefined;
  events: MatchEvent[];
  /** True when the invtSerial of the context was used: advance the partition's counter. */
  serialUsed: boolean;
  /** When to send the next TimeAdvanced for this key (event time), if ever. */
  deadline: number | undefined;
}

/** One step for a stream processor: state in, state + outputs out. */
export function handleMatch(
  state: MatchState | undefined,
  cmd: MatchCommand,
  ctx: MatchContext,
): MatchResult {
  const config = fullConfig(ctx.config);
  const { events, state: next } = decideAndEvolve(cmd, state, ctx, config);
  const receipts: Receipt[] = [];
  const manifests: Manifest[] = [];
  const taxBills: TaxBill[] = [];
  for (const e of events) {
    const out = matchOutputs(e);
    for (const r of out.receipts) receipts.push(r);
    for (const m of out.manifests) manifests.push(m);
    for (const t of out.taxBills) taxBills.push(t);
  }
  return {
    state: next,
    events,
    receipts,
    manifests,
    taxBills,
    serialUsed: events.some((e) => e.type === 'CaseMatched'),
    deadline: next ? deadlineOf(next, config) : undefined,
  };
}
