import type { DecisionOutcome, FiledList, Order, Payment, Waybill } from '@clearance/contracts';
import type { MatchReasonCode, RuleKindCode } from './reason-codes';
import type { ReferenceData } from './reference';

/** The three documents of every parcel. A four-document parcel's filed list is `'LIST'` (see ListSend). */
export type DocKind = 'ORDER' | 'PAYMENT' | 'WAYBILL';
export type FlowIE = 'E' | 'I';

/** Why a send exists. */
export type SendRole =
  /** First version of a document (appType 1). */
  | 'ORIGINAL'
  /** The same document again, same guid (must be idempotent). */
  | 'DUPLICATE'
  /** appType 2: a new guid replacing the earlier version. */
  | 'CHANGE'
  /** appType 3: withdraws the document (and the case). */
  | 'DELETE'
  /** A malformed version (guid or decimal) sent before the valid one. */
  | 'INVALID'
  /** A version naming another orderNo than its record key, sent before the valid one. */
  | 'WRONG_KEY'
  /** Bytes that are not Avro: the producer must send `garbage` instead of encoding `value`. */
  | 'UNDECODABLE';

/** What the engine should do with one send. */
export type SendExpect =
  /** Taken into the case (new version, change or delete). */
  | 'APPLIED'
  /** Same guid seen before: no effect, no second receipt. */
  | 'IGNORED'
  /** Rejected alone, receipt 100 to the sender (see `rejectReason`); the case is not touched. */
  | 'REJECTED'
  /** Does not decode: a record on `<topic>.dlq`. */
  | 'DEAD_LETTER';

interface SendBase {
  role: SendRole;
  /** Event time (ms): the Kafka record timestamp to produce with. */
  timestamp: number;
  /** Topic name (ceb.order.v1 / ceb.payment.v1 / ceb.waybill.v1; ceb.list.v1 for a ListSend). */
  topic: string;
  /** Record key: the parcel's order key. Always use this, never recompute it from the value (WRONG_KEY sends differ). */
  key: string;
  expect: SendExpect;
  /** For REJECTED sends: KEY_MISMATCH, INVALID_DOCUMENT (with `detail`), or the domain's ALREADY_DECIDED for a late delete. */
  rejectReason: string | null;
  /** Finer detail: which validation fails (INVALID_GUID / INVALID_DECIMAL), which field changed, or (LIST_MISMATCH) which field of the filed list differs (qty / price / grossWeight). */
  detail: string | null;
  /** UNDECODABLE only: the bytes to send instead of the encoded value. */
  garbage: Uint8Array | null;
}

/** One record a producer sends for a parcel: one of its three documents. */
export type Send =
  | (SendBase & { doc: 'ORDER'; value: Order })
  | (SendBase & { doc: 'PAYMENT'; value: Payment })
  | (SendBase & { doc: 'WAYBILL'; value: Waybill });

/**
 * A send of the filed list (CEB603 / CEB621 `FiledList`, topic ceb.list.v1, keyed by the order
 * key), four-document parcels only. Kept apart from `Send` so that code handling the three
 * documents stays exhaustive; `AnySend` is either.
 */
export type ListSend = SendBase & { doc: 'LIST'; value: FiledList };

/** A send of any of a parcel's documents, the filed list included. */
export type AnySend = Send | ListSend;

/** The least the risk decision must be for a matched parcel. */
export interface ExpectedRisk {
  /** Least severe outcome: RELEASE can still become INSPECT by random sampling. */
  outcome: DecisionOutcome;
  /** Rule kinds that must fire (SAMPLING may fire besides, at the grade's rate). */
  rules: RuleKindCode[];
}

/** What the three-document match must end in, so tests can reconcile. */
export interface ExpectedOutcome {
  /** "MATCH", "WITHDRAWN", or the reason code the case fails with (MATCH_TIMEOUT, AMOUNT_MISMATCH, ...). */
  code: 'MATCH' | 'WITHDRAWN' | MatchReasonCode;
  /** Final state of the case. */
  match: 'MATCHED' | 'REJECTED' | 'TIMED_OUT' | 'WITHDRAWN';
  /** Reasons the final rejection must include (REJECTED / TIMED_OUT); empty otherwise. */
  reasons: MatchReasonCode[];
  /** Reasons of an earlier rejection that a later change fixed. */
  interimReasons: MatchReasonCode[];
  /** Event time of the first document the case accepts (start of the match window). */
  firstDocumentAt: number;
  /** Event time of the send that decides the match (MATCHED or REJECTED); null for TIMED_OUT / WITHDRAWN. */
  decidedAt: number | null;
  /** For MATCHED: the risk decision expected; null otherwise. */
  risk: ExpectedRisk | null;
}

/** Case-level scenario injected into a parcel (at most one per parcel). */
export type Scenario =
  | 'NONE'
  | 'AMOUNT_MISMATCH'
  | 'ITEM_TOTAL_MISMATCH'
  | 'GOODS_VALUE_MISMATCH'
  | 'CURRENCY_MISMATCH'
  | 'CONSIGNEE_MISMATCH'
  | 'BUYER_PAYER_MISMATCH'
  | 'WEIGHT_INVALID'
  | 'UNKNOWN_ENTERPRISE'
  | 'MISSING_DOCUMENT'
  | 'DELETION'
  | 'DELETION_TOO_LATE'
  | 'CHANGE'
  | 'CHANGE_FIXES_BEFORE_MATCH'
  | 'CHANGE_FIXES_AFTER_REJECT'
  | 'PROHIBITED'
  | 'RESTRICTED_NO_LICENCE'
  | 'GRADE_D'
  | 'WATCHLIST'
  | 'PRICE_ANOMALY'
  | 'WEIGHT_ANOMALY'
  | 'OVER_SINGLE_LIMIT'
  /** Four-document parcels only: the filed list disagrees with the three documents. */
  | 'LIST_MISMATCH';

/** Per-document transport noise (independent of the scenario). */
export type Noise = 'DUPLICATE' | 'INVALID' | 'UNDECODABLE' | 'WRONG_KEY';

export interface GeneratedParcel {
  /** 0-based index in the generator's stream. */
  seq: number;
  /** Event time (ms) the parcel starts at; no send of it or of a later parcel is earlier than this minus MAX_LEAD_MS. */
  startedAt: number;
  orderKey: string;
  waybillKey: string;
  /** E (orderType E, B, W) or I. */
  ieFlag: FlowIE;
  orderType: string;
  tradeMode: string;
  /** The versions the case should end with (for a missing document: the one that was never sent). */
  order: Order;
  payment: Payment;
  waybill: Waybill;
  /**
   * Four-document parcels only (absent otherwise): the filed list (CEB603 / CEB621) its filer,
   * the seller's customs agent or else the seller, files (`agentCode`), as the case should end
   * with. Sold through a platform whose enterprise record has listMode FOUR_DOCUMENT.
   */
  list?: FiledList;
  /** The document never sent (MISSING_DOCUMENT, DELETION), if any; 'LIST' for a four-document parcel's list. */
  missing: DocKind | 'LIST' | null;
  /** Everything to produce for the three documents, sorted by timestamp. */
  sends: Send[];
  /**
   * Four-document parcels only (absent otherwise): the sends of the filed list, sorted by
   * timestamp; produce them with `sends` (`inEventTimeOrder(parcels, { lists: true })` merges both).
   */
  listSends?: ListSend[];
  scenario: Scenario;
  noise: Noise[];
  expected: ExpectedOutcome;
}

/** Error knobs: rates in 0..1. Case-level ones are exclusive per parcel (their sum must be <= 1);
 *  a rate applies to the parcels it can apply to (import-only knobs to import parcels, etc.). */
export interface ErrorRates {
  /** Payment amount disagrees (export charge; import amountPaid or the acturalPaid formula). */
  amountMismatch: number;
  /** An item's qty x price != totalPrice. */
  itemTotalMismatch: number;
  /** Sum of item totals != goodsValue. */
  goodsValueMismatch: number;
  /** Payment currency differs from the order's. */
  currencyMismatch: number;
  /** import: waybill consignee / telephone / address differ from the order's. */
  consigneeMismatch: number;
  /** import: buyer not verified and the payer is someone else. */
  buyerPayerMismatch: number;
  /** grossWeight 0. */
  weightInvalid: number;
  /** Seller, payer or carrier not on file (unknown code or filing revoked). */
  unknownEnterprise: number;
  /** One of the three documents (four-document parcels: of the four, the list included) is never sent (MATCH_TIMEOUT). */
  missingDocument: number;
  /** appType 3: two documents sent, one deleted, the third never sent (WITHDRAWN); a share comes after the match (rejected, ALREADY_DECIDED). */
  deletion: number;
  /** appType 2 changes: consistent, fixing an error before the match, or fixing an AMOUNT_MISMATCH after the rejection. */
  change: number;
  /** An item on the prohibited list (risk REJECT). */
  prohibited: number;
  /** export: a restricted item without licenseNo (risk INSPECT). */
  restrictedNoLicence: number;
  /** export: a grade-D seller (matches; risk INSPECT). */
  gradeD: number;
  /** Seller (export) or buyer / consignee (import) on the watchlist (risk INSPECT or HOLD per entry). */
  watchlist: number;
  /** An item priced at 5-20 % of its reference price (risk INSPECT). */
  priceAnomaly: number;
  /** Gross weight 2-4 x the plausible maximum, within the match's x10 bound (risk INSPECT). */
  weightAnomaly: number;
  /** import: over 5,000 CNY in one transaction (risk REJECT). */
  overSingleLimit: number;
  /** Per parcel: one document sent twice with the same guid. */
  duplicate: number;
  /** Per parcel: a malformed version (guid or decimal) of one document precedes the valid one. */
  invalidDocument: number;
  /** Per parcel: garbage bytes for one document precede the valid one (same guid). */
  undecodable: number;
  /** Per parcel: a version of the payment or waybill naming another orderNo precedes the valid one (KEY_MISMATCH). */
  keyMismatch: number;
  /**
   * Four-document parcels only (case-level): the filed list disagrees with the three documents
   * (an item's qty or price, or the gross weight), so the case is refused (LIST_ITEM_MISMATCH +
   * LIST_TOTAL_MISMATCH, or LIST_WEIGHT_MISMATCH).
   */
  listMismatch: number;
}

/** Shape of the traffic. */
export interface TrafficMix {
  /** Share of import parcels (orderType I). */
  importShare: number;
  /** Export trade modes: 9610 B2C (orderType E), 9710 B2B (B), 9810 overseas warehouse (W). */
  exportTradeModes: Record<'9610' | '9710' | '9810', number>;
  /** Import trade modes: 9610 direct mail, 1210 bonded. */
  importTradeModes: Record<'9610' | '1210', number>;
  /** Share of export B2C parcels with a restricted item and its licence (no rule fires). */
  licensedRestricted: number;
  /** import: share of buyers whose identity the platform did not verify (then payer = buyer). */
  unverifiedBuyer: number;
  /** import, verified buyers: share paid by another person. */
  payerNotBuyer: number;
  /** import: share shipped to another person than the buyer. */
  consigneeNotBuyer: number;
}

export interface GeneratorOptions {
  seed: number;
  /** Event time (ms) of the first parcel. */
  startTime: number;
  /** Parcels per second of event time (Poisson arrivals); default 50. */
  ratePerSecondOfEventTime?: number;
  mix?: Partial<TrafficMix>;
  errors?: Partial<ErrorRates>;
  /** Spread of a parcel's three documents (ms of event time); default 5 minutes. */
  maxDocumentDelayMs?: number;
  /** Delay of follow-ups (duplicates, late changes and deletes); default 30 minutes. */
  followUpDelayMs?: number;
  /** Import buyers drawn from a pool this large (they come back); default 20,000. */
  buyerPoolSize?: number;
  /** A buyer is retired before its yearly spend passes this many CNY (stays under the 26,000 limit); default 20,000. */
  buyerYearlyCapCny?: number;
  /**
   * Share of parcels (0..1) in four-document mode; default 0 (then the output is exactly as
   * without the option). Such a parcel is sold through a platform declaring in four-document mode
   * (listMode FOUR_DOCUMENT, reference/four-document-platforms.json) and gets a filed list
   * (`list`, `listSends`) agreeing with its documents, unless an error knob says otherwise.
   */
  fourDocument?: number;
  /** Reference data to draw from; default the shipped catalog (with the four-document platforms when `fourDocument` > 0). */
  catalog?: import('./reference').GeneratorCatalog;
}

export type { ReferenceData };
