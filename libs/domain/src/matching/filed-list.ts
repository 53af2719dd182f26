import {
  orderKey,
  type FiledList,
  type FiledListItem,
  type Manifest,
  type ManifestItem,
  type Order,
  type Reason,
  type Waybill,
} from '@clearance/contracts';
import * as decimal from '../common/decimal';
import { sha256HexOf } from '../common/ids';
import { reason, ReasonCode as R, type ReasonCodeValue } from '../common/reasons';
import * as strings from '../common/strings';
import * as time from '../common/time';
import { MAX_ITEMS, TRADE_MODES_BY_ORDER_TYPE } from './validate';

// Bound once (see validate.ts: swc's CommonJS output reads imported bindings through a getter).
const { decimalProblem, formatDecimal, parseDecimal } = decimal;
const { isBlank, isGuidForm } = strings;
const { isCebTime } = time;

/**
 * The list filed by the e-commerce enterprise or its customs agent in four-document mode
 * (CEB603 export / CEB621 import, DOMAIN.md "Four-document mode"): its validation as a document,
 * how it finds its case, and its field-by-field comparison (四单比对) with the list the engine
 * compiles itself from order, payment and waybill (`compileManifest`).
 */

/** The case a filed list belongs to: its order key `{ebpCode}:{orderNo}` (as the order's). */
export const filedListKey = (l: Pick<FiledList, 'ebpCode' | 'orderNo'>): string => orderKey(l);

// ---------------------------------------------------------------------------------------------
// Validation of the list on its own

/** Trade modes a filed list may carry: import as an import order, export as any export order type. */
export const FILED_LIST_TRADE_MODES: Readonly<Record<'I' | 'E', ReadonlyArray<string>>> = {
  I: TRADE_MODES_BY_ORDER_TYPE.I,
  E: [
    ...new Set([
      ...TRADE_MODES_BY_ORDER_TYPE.E,
      ...TRADE_MODES_BY_ORDER_TYPE.B,
      ...TRADE_MODES_BY_ORDER_TYPE.W,
    ]),
  ],
};

const APP_TYPES: ReadonlyArray<string> = ['1', '2', '3'];
const APP_STATUSES: ReadonlyArray<string> = ['1', '2'];
const IE_FLAGS: ReadonlyArray<string> = ['I', 'E'];
const ID_TYPES: ReadonlyArray<string> = ['1', '2'];
const STATISTICS_FLAGS: ReadonlyArray<string> = ['A', 'B'];
const CODE3 = /^[0-9A-Z]{3}$/;
const DIGITS4 = /^\d{4}$/;
const HS10 = /^\d{10}$/;
const TRAF_MODE = /^[0-9A-Z]$/;
const PORT_CODE = /^[0-9A-Z]{3,4}$/;
const ONE_CHAR = /^[0-9A-Z]$/;

/** Collects the problems of a list (or of one of its lines, into the list's). */
class Problems {
  constructor(
    private readonly doc: Record<string, unknown>,
    readonly list: Reason[] = [],
    private readonly prefix = '',
  ) {}

  add(code: ReasonCodeValue, message: string): void {
    this.list.push(reason(code, message));
  }

  required(field: string): boolean {
    const v = this.doc[field];
    if (typeof v === 'string' && !isBlank(v)) return true;
    this.add(R.MISSING_FIELD, `${this.prefix}${field} is required`);
    return false;
  }

  format(field: string, pattern: RegExp, what: string, optional = false): void {
    const v = this.doc[field];
    if (optional && (v === null || v === undefined)) return;
    if (!this.required(field)) return;
    if (!pattern.test(v as string))
      this.add(R.INVALID_FIELD, `${this.prefix}${field} ${JSON.stringify(v)} must be ${what}`);
  }

  oneOf(field: string, allowed: ReadonlyArray<string>, code: ReasonCodeValue = R.INVALID_FIELD): void {
    if (!this.required(field)) return;
    const v = this.doc[field] as string;
    if (!allowed.includes(v))
      this.add(code, `${this.prefix}${field} ${JSON.stringify(v)} must be one of ${allowed.join(', ')}`);
  }

  /** A non-negative CEB decimal; `optional` lets null pass. */
  decimal(field: string, optional = false): void {
    const v = this.doc[field];
    if (v === null || v === undefined) {
      if (!optional) this.add(R.MISSING_FIELD, `${this.prefix}${field} is required`);
      return;
    }
    const problem = decimalProblem(v);
    if (problem) this.add(R.INVALID_DECIMAL, `${this.prefix}${field} ${JSON.stringify(v)}: ${problem}`);
    else if (parseDecimal(v as string) < 0n)
      this.add(R.INVALID_DECIMAL, `${this.prefix}${field} ${JSON.stringify(v)} must not be negative`);
  }

  /** A real date YYYYMMDD; `optional` lets null pass. */
  date(field: string, optional = false): void {
    const v = this.doc[field];
    if (optional && (v === null || v === undefined)) return;
    if (!this.required(field)) return;
    if (!/^\d{8}$/.test(v as string) || !isCebTime(`${v as string}000000`))
      this.add(R.INVALID_FIELD, `${this.prefix}${field} ${JSON.stringify(v)} must be a real date YYYYMMDD`);
  }
}

/** Required in both messages (and what the engine compares or returns). */
const LIST_PARTIES = ['orderNo', 'ebpCode', 'ebcCode', 'logisticsCode', 'logisticsNo', 'copNo', 'agentCode'];
/** CEB621 requires these (minLength 1); CEB603 allows them empty. */
const IMPORT_NAMES = ['ebpName', 'ebcName', 'logisticsName', 'agentName', 'assureCode'];
const IMPORT_BUYER = ['buyerIdNumber', 'buyerName', 'buyerTelephone', 'consigneeAddress'];
const EXPORT_OWNER = ['ownerCode', 'ownerName', 'fFlag', 'iFlag'];
const AMOUNTS = ['freight', 'insuredFee', 'grossWeight', 'netWeight'];
const ITEM_QUANTITIES = ['qty', 'qty1', 'price', 'totalPrice'];

function item(p: Problems, it: FiledListItem, index: number): void {
  const prefix = `items[${index}].`;
  const q = new Problems(it as unknown as Record<string, unknown>, p.list, prefix);
  if (it.gnum !== index + 1)
    q.add(R.INVALID_ITEMS, `${prefix}gnum ${it.gnum} must be ${index + 1} (consecutive from 1)`);
  q.format('gcode', HS10, 'a 10-digit HS code');
  q.required('gname');
  q.required('gmodel');
  q.format('unit', CODE3, 'a 3-character unit code');
  q.format('unit1', CODE3, 'a 3-character unit code');
  q.format('currency', CODE3, 'a 3-character currency code');
  q.format('country', CODE3, 'a 3-character country code');
  for (const f of ITEM_QUANTITIES) q.decimal(f);
  q.decimal('qty2', true);
}

/**
 * Problems of a filed list as a document (CEB603 / CEB621 as our schema carries them): header,
 * I/E flag, the fields both messages require, those the message of its direction requires, codes,
 * decimals (non-negative), packages and goods lines (1..99, gnum consecutive from 1). A list that
 * fails is refused alone (receipt 100 to its filer); the case keeps waiting for a valid version.
 */
export function validateFiledList(l: FiledList): Reason[] {
  const p = new Problems(l as unknown as Record<string, unknown>);
  if (typeof l.guid !== 'string' || !isGuidForm(l.guid))
    p.add(R.INVALID_GUID, `guid ${JSON.stringify(l.guid)} must be 36 upper-case characters (A-Z, 0-9, -)`);
  if (!APP_TYPES.includes(l.appType))
    p.add(R.INVALID_APP_TYPE, `appType ${JSON.stringify(l.appType)} must be 1, 2 or 3`);
  if (!isCebTime(l.appTime))
    p.add(R.INVALID_APP_TIME, `appTime ${JSON.stringify(l.appTime)} must be a real time YYYYMMDDhhmmss`);
  if (!APP_STATUSES.includes(l.appStatus))
    p.add(R.INVALID_APP_STATUS, `appStatus ${JSON.stringify(l.appStatus)} must be 1 or 2`);
  p.oneOf('ieFlag', IE_FLAGS, R.INVALID_IE_FLAG);
  for (const f of LIST_PARTIES) p.required(f);
  p.format('customsCode', DIGITS4, 'a 4-digit customs code');
  p.format('portCode', DIGITS4, 'a 4-digit customs code');
  p.format('trafMode', TRAF_MODE, 'a 1-character transport mode code');
  p.format('country', CODE3, 'a 3-character country code');
  for (const f of AMOUNTS) p.decimal(f);
  if (!Number.isInteger(l.packNo) || l.packNo < 1)
    p.add(R.INVALID_FIELD, `packNo ${JSON.stringify(l.packNo)} must be a whole number of at least 1`);
  const ie = l.ieFlag === 'I' || l.ieFlag === 'E' ? l.ieFlag : undefined;
  if (ie) p.oneOf('tradeMode', FILED_LIST_TRADE_MODES[ie]);
  else p.required('tradeMode');
  if (ie === 'I') {
    for (const f of [...IMPORT_NAMES, ...IMPORT_BUYER]) p.required(f);
    p.oneOf('buyerIdType', ID_TYPES);
    p.format('currency', CODE3, 'a 3-character currency code');
    p.date('declTime');
    p.date('ieDate', true);
    p.format('wrapType', ONE_CHAR, 'a 1-character packing code', true);
  } else if (ie === 'E') {
    for (const f of EXPORT_OWNER) p.required(f);
    p.oneOf('statisticsFlag', STATISTICS_FLAGS);
    p.date('ieDate');
    p.format('POD', PORT_CODE, 'a 3- or 4-character port code');
    p.format('fCurrency', CODE3, 'a 3-character currency code');
    p.format('iCurrency', CODE3, 'a 3-character currency code');
    p.format('wrapType', ONE_CHAR, 'a 1-character packing code');
  }
  const items = Array.isArray(l.items) ? l.items : [];
  if (items.length < 1 || items.length > MAX_ITEMS)
    p.add(R.INVALID_ITEMS, `a list has 1 to ${MAX_ITEMS} goods lines, this one has ${items.length}`);
  items.forEach((it, i) => item(p, it, i));
  return p.list;
}

// ---------------------------------------------------------------------------------------------
// Comparison with the compiled list (四单比对)

/**
 * What the compiled list does not keep but the case's documents do: the import buyer's telephone
 * (order) and the consignee address (waybill; the order's when no waybill is given: the match
 * made them equal). Without them these two fields are not compared.
 */
export interface FiledListCaseDocuments {
  order?: Pick<Order, 'buyerTelephone' | 'consigneeAddress'>;
  waybill?: Pick<Waybill, 'consigneeAddress'>;
  /**
   * The filed list's buyer id number already hashed (sha256 hex, null: none), for a list held
   * without it (the matcher's held form): used instead of hashing `filed.buyerIdNumber`.
   */
  listIdHash?: string | null;
}

type Text = string | null | undefined;

const isPresent = (v: Text): v is string => typeof v === 'string' && !isBlank(v);
const sameText = (a: Text, b: Text): boolean => (a ?? '').trim() === (b ?? '').trim();
const shown = (v: Text | number): string =>
  v === null || v === undefined || v === '' ? '(none)' : JSON.stringify(v);

/** Numeric equality of two CEB decimals ("1.5" = "1.50000"); text equality when one is not a decimal. */
function sameAmount(a: Text, b: Text): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (decimalProblem(a) || decimalProblem(b)) return a.trim() === b.trim();
  return parseDecimal(a) === parseDecimal(b);
}

/** Σ totalPrice of the lines, or undefined when one of them is not a decimal (validation says which). */
function goodsValueOf(items: ReadonlyArray<FiledListItem>): string | undefined {
  let sum = 0n;
  for (const it of items) {
    if (decimalProblem(it.totalPrice)) return undefined;
    sum += parseDecimal(it.totalPrice);
  }
  return formatDecimal(sum);
}

/** Collects one reason per differing field. */
class Differences {
  readonly list: Reason[] = [];

  private differs(code: ReasonCodeValue, field: string, filed: Text | number, compiled: Text | number): void {
    this.list.push(reason(code, `${field}: filed ${shown(filed)}, compiled ${shown(compiled)}`));
  }

  text(code: ReasonCodeValue, field: string, filed: Text, compiled: Text): void {
    if (!sameText(filed, compiled)) this.differs(code, field, filed, compiled);
  }

  /** Compared only where both lists have a value. */
  textWhereBoth(code: ReasonCodeValue, field: string, filed: Text, compiled: Text): void {
    if (isPresent(filed) && isPresent(compiled)) this.text(code, field, filed, compiled);
  }

  amount(code: ReasonCodeValue, field: string, filed: Text, compiled: Text): void {
    if (!sameAmount(filed, compiled)) this.differs(code, field, filed, compiled);
  }

  integer(code: ReasonCodeValue, field: string, filed: number, compiled: number): void {
    if (filed !== compiled) this.differs(code, field, filed, compiled);
  }

  /** Personal data: the field is named, its values are not. */
  personal(code: ReasonCodeValue, field: string, equal: boolean): void {
    if (!equal)
      this.list.push(reason(code, `${field}: filed and compiled differ (personal data, values not shown)`));
  }

  note(code: ReasonCodeValue, message: string): void {
    this.list.push(reason(code, message));
  }
}

/**
 * The filed list names the case's waybill: its logisticsCode and logisticsNo are the waybill's
 * (one LIST_WAYBILL_MISMATCH per differing field). Usable as soon as the case holds a waybill.
 */
export function checkFiledListWaybill(
  filed: Pick<FiledList, 'logisticsCode' | 'logisticsNo'>,
  waybill: Pick<Waybill, 'logisticsCode' | 'logisticsNo'>,
): Reason[] {
  const d = new Differences();
  waybillFields(d, filed, waybill);
  return d.list;
}

function waybillFields(
  d: Differences,
  filed: Pick<FiledList, 'logisticsCode' | 'logisticsNo'>,
  waybill: Pick<Waybill, 'logisticsCode' | 'logisticsNo'>,
): void {
  d.text(R.LIST_WAYBILL_MISMATCH, 'logisticsCode', filed.logisticsCode, waybill.logisticsCode);
  d.text(R.LIST_WAYBILL_MISMATCH, 'logisticsNo', filed.logisticsNo, waybill.logisticsNo);
}

function itemFields(
  d: Differences,
  filed: ReadonlyArray<FiledListItem>,
  compiled: ReadonlyArray<ManifestItem>,
): void {
  const C = R.LIST_ITEM_MISMATCH;
  const byGnum = new Map(compiled.map((it) => [it.gnum, it]));
  const seen = new Set<number>();
  for (const f of filed) {
    if (seen.has(f.gnum)) {
      d.note(C, `item ${f.gnum}: appears more than once in the filed list`);
      continue;
    }
    seen.add(f.gnum);
    const c = byGnum.get(f.gnum);
    if (!c) {
      d.note(C, `item ${f.gnum}: filed (gcode ${shown(f.gcode)}), not in the compiled list`);
      continue;
    }
    const at = `item ${f.gnum} `;
    d.text(C, `${at}gcode`, f.gcode, c.gcode);
    d.amount(C, `${at}qty`, f.qty, c.qty);
    d.text(C, `${at}unit`, f.unit, c.unit);
    d.amount(C, `${at}price`, f.price, c.price);
    d.amount(C, `${at}totalPrice`, f.totalPrice, c.totalPrice);
    d.text(C, `${at}currency`, f.currency, c.currency);
  }
  for (const c of compiled) {
    if (!seen.has(c.gnum))
      d.note(C, `item ${c.gnum}: compiled (gcode ${shown(c.gcode)}), missing from the filed list`);
  }
}

/**
 * 四单比对: the filed list against the list compiled from order, payment and waybill, one reason
 * per differing field, each naming the field and both values (personal data: the field only).
 * Decimals are compared as numbers, codes and numbers as trimmed text. Groups, in this order:
 * - LIST_WAYBILL_MISMATCH: logisticsCode, logisticsNo (the list names another waybill);
 * - LIST_ORDER_MISMATCH: orderNo;
 * - LIST_ENTERPRISE_MISMATCH: ebpCode, ebcCode, ownerCode (where the list has one: CEB621 has
 *   none), agentCode (where the compiled list has one, i.e. the order named an agent);
 * - LIST_DECLARATION_MISMATCH: ieFlag, tradeMode, customsCode, portCode, country, statisticsFlag
 *   (where the list has one);
 * - LIST_TRANSPORT_MISMATCH: trafMode; voyageNo, billNo, POD where both have them;
 * - LIST_ITEM_MISMATCH: per gnum gcode, qty, unit, price, totalPrice, currency; a line missing
 *   from the filed list, one not in the compiled list, a gnum filed twice;
 * - LIST_TOTAL_MISMATCH: goods value (Σ filed totalPrice against goodsValue: neither list head
 *   carries one), freight, insuredFee; currency, fCurrency, iCurrency where the list has them;
 * - LIST_WEIGHT_MISMATCH: grossWeight, netWeight, packNo;
 * - imports: LIST_BUYER_MISMATCH: buyerIdType, buyerName, buyerIdNumber (its sha256, as the
 *   matcher hashes the order's, against buyerIdHash), buyerTelephone (with `documents.order`);
 *   LIST_CONSIGNEE_MISMATCH: consigneeAddress (with `documents`). The compiled list's `consignee`
 *   (a name) has no counterpart in CEB621.
 * Not compared: guid, app*, copNo (the filer's reference), preNo, invtNo (assigned by the engine),
 * ieDate / declTime, names, agentName, assureCode, bonded-mode fields, gname/gmodel/qty1/unit1.
 */
export function compareFiledList(
  filed: FiledList,
  compiled: Manifest,
  documents: FiledListCaseDocuments = {},
): Reason[] {
  const d = new Differences();
  waybillFields(d, filed, compiled);
  d.text(R.LIST_ORDER_MISMATCH, 'orderNo', filed.orderNo, compiled.orderNo);

  const E = R.LIST_ENTERPRISE_MISMATCH;
  d.text(E, 'ebpCode', filed.ebpCode, compiled.ebpCode);
  d.text(E, 'ebcCode', filed.ebcCode, compiled.ebcCode);
  if (isPresent(filed.ownerCode)) d.text(E, 'ownerCode', filed.ownerCode, compiled.ownerCode);
  if (isPresent(compiled.agentCode)) d.text(E, 'agentCode', filed.agentCode, compiled.agentCode);

  const H = R.LIST_DECLARATION_MISMATCH;
  d.text(H, 'ieFlag', filed.ieFlag, compiled.ieFlag);
  d.text(H, 'tradeMode', filed.tradeMode, compiled.tradeMode);
  d.text(H, 'customsCode', filed.customsCode, compiled.customsCode);
  d.text(H, 'portCode', filed.portCode, compiled.portCode);
  d.text(H, 'country', filed.country, compiled.country);
  if (isPresent(filed.statisticsFlag))
    d.text(H, 'statisticsFlag', filed.statisticsFlag, compiled.statisticsFlag);

  const T = R.LIST_TRANSPORT_MISMATCH;
  d.text(T, 'trafMode', filed.trafMode, compiled.trafMode);
  d.textWhereBoth(T, 'voyageNo', filed.voyageNo, compiled.voyageNo);
  d.textWhereBoth(T, 'billNo', filed.billNo, compiled.billNo);
  d.textWhereBoth(T, 'POD', filed.POD, compiled.POD);

  const items = Array.isArray(filed.items) ? filed.items : [];
  itemFields(d, items, compiled.items);

  const V = R.LIST_TOTAL_MISMATCH;
  const goodsValue = goodsValueOf(items);
  if (goodsValue !== undefined)
    d.amount(V, 'goodsValue (Σ items totalPrice)', goodsValue, compiled.goodsValue);
  d.amount(V, 'freight', filed.freight, compiled.freight);
  d.amount(V, 'insuredFee', filed.insuredFee, compiled.insuredFee);
  if (isPresent(filed.currency)) d.text(V, 'currency', filed.currency, compiled.currency);
  if (isPresent(filed.fCurrency)) d.text(V, 'fCurrency', filed.fCurrency, compiled.fCurrency);
  if (isPresent(filed.iCurrency)) d.text(V, 'iCurrency', filed.iCurrency, compiled.iCurrency);

  const W = R.LIST_WEIGHT_MISMATCH;
  d.amount(W, 'grossWeight', filed.grossWeight, compiled.grossWeight);
  d.amount(W, 'netWeight', filed.netWeight, compiled.netWeight);
  d.integer(W, 'packNo', filed.packNo, compiled.packNo);

  if (compiled.ieFlag === 'I') {
    const B = R.LIST_BUYER_MISMATCH;
    d.text(B, 'buyerIdType', filed.buyerIdType, compiled.buyerIdType);
    d.personal(B, 'buyerName', sameText(filed.buyerName, compiled.buyerName));
    const idHash =
      documents.listIdHash !== undefined
        ? documents.listIdHash
        : isPresent(filed.buyerIdNumber)
          ? sha256HexOf(filed.buyerIdNumber)
          : null;
    d.personal(B, 'buyerIdNumber', idHash === (compiled.buyerIdHash ?? null));
    if (documents.order)
      d.personal(B, 'buyerTelephone', sameText(filed.buyerTelephone, documents.order.buyerTelephone));
    const address = documents.waybill ?? documents.order;
    if (address)
      d.personal(
        R.LIST_CONSIGNEE_MISMATCH,
        'consigneeAddress',
        sameText(filed.consigneeAddress, address.consigneeAddress),
      );
  }
  return d.list;
}
