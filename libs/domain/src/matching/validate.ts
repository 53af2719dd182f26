import {
  orderKey,
  type Order,
  type OrderItem,
  type Payment,
  type Reason,
  type Waybill,
} from '@clearance/contracts';
import * as decimal from '../common/decimal';
import { reason, ReasonCode as R } from '../common/reasons';
import * as strings from '../common/strings';
import * as time from '../common/time';

// Bound once: swc's CommonJS output (how the services run) reads an imported binding through a
// getter at every use, which costs these per-field checks about a fifth of their time.
const { decimalProblem, parseDecimal } = decimal;
const { isBlank, isGuidForm, isOrderKeyOf } = strings;
const { isCebTime } = time;

/**
 * Validation of one document on its own, before it joins a case. A document that fails is
 * rejected alone (receipt 100 to its sender); the case keeps waiting for a valid version.
 */

export const GUID_PATTERN = /^[0-9A-Z-]{36}$/;
export const ORDER_TYPES = ['I', 'E', 'B', 'W'] as const;
/** Trade modes allowed per orderType: import 9610/1210/1239, B2C export 9610/1210, B2B 9710, overseas warehouse 9810. */
export const TRADE_MODES_BY_ORDER_TYPE: Readonly<Record<string, ReadonlyArray<string>>> = {
  I: ['9610', '1210', '1239'],
  E: ['9610', '1210'],
  B: ['9710'],
  W: ['9810'],
};
export const MAX_ITEMS = 99;

/** The header every CEB data message carries. */
export interface DocumentHeader {
  guid: string;
  appType: string;
  appTime: string;
  appStatus: string;
}

/** Collects reasons for one document (or one goods line of it, into the document's list). */
class Problems {
  constructor(
    private readonly doc: Record<string, unknown>,
    readonly list: Reason[] = [],
  ) {}

  add(code: (typeof R)[keyof typeof R], message: string): void {
    this.list.push(reason(code, message));
  }

  /** A non-empty string field. */
  required(field: string, prefix = ''): boolean {
    const v = this.doc[field];
    if (typeof v === 'string' && !isBlank(v)) return true;
    this.add(R.MISSING_FIELD, `${prefix}${field} is required`);
    return false;
  }

  /** A required string matching a pattern. */
  format(field: string, pattern: RegExp, what: string, prefix = ''): void {
    if (!this.required(field, prefix)) return;
    if (!pattern.test(this.doc[field] as string)) {
      this.add(R.INVALID_FIELD, `${prefix}${field} ${JSON.stringify(this.doc[field])} must be ${what}`);
    }
  }

  /** One of a set of codes. */
  oneOf(
    field: string,
    allowed: ReadonlyArray<string>,
    code: (typeof R)[keyof typeof R] = R.INVALID_FIELD,
    prefix = '',
  ): void {
    if (!this.required(field, prefix)) return;
    if (!allowed.includes(this.doc[field] as string)) {
      this.add(
        code,
        `${prefix}${field} ${JSON.stringify(this.doc[field])} must be one of ${allowed.join(', ')}`,
      );
    }
  }

  /** A CEB decimal, non-negative; `optional` lets null pass. */
  decimal(field: string, optional = false, prefix = ''): void {
    const v = this.doc[field];
    if (v === null || v === undefined) {
      if (!optional) this.add(R.MISSING_FIELD, `${prefix}${field} is required`);
      return;
    }
    const problem = decimalProblem(v);
    if (problem) {
      this.add(R.INVALID_DECIMAL, `${prefix}${field} ${JSON.stringify(v)}: ${problem}`);
    } else if ((v as string).startsWith('-') && parseDecimal(v as string) < 0n) {
      // only a leading minus makes a valid decimal negative ("-0.00" is not)
      this.add(R.INVALID_DECIMAL, `${prefix}${field} ${JSON.stringify(v)} must not be negative`);
    }
  }

  time(field: string, optional = false): void {
    const v = this.doc[field];
    if ((v === null || v === undefined) && optional) return;
    if (!isCebTime(v as string))
      this.add(R.INVALID_FIELD, `${field} ${JSON.stringify(v)} must be a real time YYYYMMDDhhmmss`);
  }
}

const APP_TYPES: ReadonlyArray<string> = ['1', '2', '3'];
const APP_STATUSES: ReadonlyArray<string> = ['1', '2'];

function header(p: Problems, doc: DocumentHeader): void {
  if (!(typeof doc.guid === 'string' ? isGuidForm(doc.guid) : GUID_PATTERN.test(doc.guid ?? ''))) {
    p.add(R.INVALID_GUID, `guid ${JSON.stringify(doc.guid)} must be 36 upper-case characters (A-Z, 0-9, -)`);
  }
  if (!APP_TYPES.includes(doc.appType))
    p.add(R.INVALID_APP_TYPE, `appType ${JSON.stringify(doc.appType)} must be 1, 2 or 3`);
  if (!isCebTime(doc.appTime))
    p.add(R.INVALID_APP_TIME, `appTime ${JSON.stringify(doc.appTime)} must be a real time YYYYMMDDhhmmss`);
  if (!APP_STATUSES.includes(doc.appStatus))
    p.add(R.INVALID_APP_STATUS, `appStatus ${JSON.stringify(doc.appStatus)} must be 1 or 2`);
}

function keyCheck(p: Problems, doc: { ebpCode: string; orderNo: string }, caseKey: string): void {
  if (!isOrderKeyOf(doc, caseKey))
    p.add(
      R.KEY_MISMATCH,
      `document names ${orderKey(doc)} (ebpCode:orderNo) but arrived for case ${caseKey}`,
    );
}

const CODE3 = /^[0-9A-Z]{3}$/;
const DIGITS4 = /^\d{4}$/;
const HS10 = /^\d{10}$/;

const ITEM_QUANTITIES = ['qty', 'qty1', 'price', 'totalPrice'];

function item(p: Problems, it: OrderItem, index: number, imports: boolean): void {
  const q = new Problems(it as unknown as Record<string, unknown>, p.list);
  const prefix = `items[${index}].`;
  if (it.gnum !== index + 1)
    q.add(R.INVALID_ITEMS, `${prefix}gnum ${it.gnum} must be ${index + 1} (consecutive from 1)`);
  q.required('itemName', prefix);
  q.format('gcode', HS10, 'a 10-digit HS code', prefix);
  q.required('gname', prefix);
  q.required('gmodel', prefix);
  q.format('unit', CODE3, 'a 3-character unit code', prefix);
  q.format('unit1', CODE3, 'a 3-character unit code', prefix);
  q.format('currency', CODE3, 'a 3-character currency code', prefix);
  for (const f of ITEM_QUANTITIES) q.decimal(f, false, prefix);
  q.decimal('qty2', true, prefix);
  if (imports) q.format('country', CODE3, 'a 3-character country code (origin)', prefix);
}

const ORDER_PARTIES = ['orderNo', 'ebpCode', 'ebpName', 'ebcCode', 'ebcName', 'ownerCode', 'ownerName'];
const IMPORT_BUYER = [
  'buyerRegNo',
  'buyerName',
  'buyerTelephone',
  'buyerIdNumber',
  'consignee',
  'consigneeTelephone',
  'consigneeAddress',
];
const ID_TYPES: ReadonlyArray<string> = ['1', '2'];
const STATISTICS_FLAGS: ReadonlyArray<string> = ['A', 'B'];
const SUMMARY_FLAGS: ReadonlyArray<string> = ['1', '2'];
const ORDER_AMOUNTS = ['discount', 'taxTotal', 'acturalPaid'];
const IE_FLAGS: ReadonlyArray<string> = ['I', 'E'];

/** Problems of an order (CEB303/CEB311 plus our list fields), for the case `caseKey`. */
export function validateOrder(order: Order, caseKey: string): Reason[] {
  const p = new Problems(order as unknown as Record<string, unknown>);
  header(p, order);
  keyCheck(p, order, caseKey);
  p.oneOf('orderType', ORDER_TYPES, R.INVALID_ORDER_TYPE);
  for (const f of ORDER_PARTIES) p.required(f);
  p.format('currency', CODE3, 'a 3-character currency code');
  p.format('customsCode', DIGITS4, 'a 4-digit customs code');
  p.decimal('goodsValue');
  p.decimal('freight');
  const allowedModes = TRADE_MODES_BY_ORDER_TYPE[order.orderType];
  if (allowedModes) p.oneOf('tradeMode', allowedModes);
  const imports = order.orderType === 'I';
  if (imports) {
    for (const f of IMPORT_BUYER) p.required(f);
    p.oneOf('buyerIdType', ID_TYPES);
    for (const f of ORDER_AMOUNTS) p.decimal(f);
  } else {
    p.oneOf('statisticsFlag', STATISTICS_FLAGS);
    p.oneOf('summaryFlag', SUMMARY_FLAGS);
    for (const f of ORDER_AMOUNTS) p.decimal(f, true);
  }
  const items = Array.isArray(order.items) ? order.items : [];
  if (items.length < 1 || items.length > MAX_ITEMS) {
    p.add(R.INVALID_ITEMS, `an order has 1 to ${MAX_ITEMS} goods lines, this one has ${items.length}`);
  }
  items.forEach((it, i) => item(p, it, i, imports));
  return p.list;
}

const PAYMENT_PARTIES = ['ebpCode', 'ebpName', 'orderNo', 'payCode', 'payName'];
const IMPORT_PAYER = ['payTransactionId', 'payerIdNumber', 'payerName'];
const EXPORT_SELLER = ['ebcCode', 'ebcName'];

/** Problems of a payment (CEB403 export / CEB411 import), for the case `caseKey`. */
export function validatePayment(payment: Payment, caseKey: string): Reason[] {
  const p = new Problems(payment as unknown as Record<string, unknown>);
  header(p, payment);
  keyCheck(p, payment, caseKey);
  p.oneOf('ieFlag', IE_FLAGS, R.INVALID_IE_FLAG);
  for (const f of PAYMENT_PARTIES) p.required(f);
  p.format('currency', CODE3, 'a 3-character currency code');
  if (payment.ieFlag === 'I') {
    for (const f of IMPORT_PAYER) p.required(f);
    p.oneOf('payerIdType', ID_TYPES);
    p.decimal('amountPaid');
    p.time('payTime');
  } else if (payment.ieFlag === 'E') {
    for (const f of EXPORT_SELLER) p.required(f);
    p.decimal('charge');
    p.time('accountingDate');
  }
  return p.list;
}

const WAYBILL_PARTIES = ['logisticsCode', 'logisticsName', 'logisticsNo', 'ebpCode', 'orderNo'];
const IMPORT_CONSIGNEE = ['consignee', 'consigneeAddress', 'consigneeTelephone'];
const TRAF_MODE = /^[0-9A-Z]$/;
const PORT_CODE = /^[0-9A-Z]{3,4}$/;

/** Problems of a waybill (CEB505 export / CEB511 import plus our transport fields), for the case `caseKey`. */
export function validateWaybill(waybill: Waybill, caseKey: string): Reason[] {
  const p = new Problems(waybill as unknown as Record<string, unknown>);
  header(p, waybill);
  keyCheck(p, waybill, caseKey);
  p.oneOf('ieFlag', IE_FLAGS, R.INVALID_IE_FLAG);
  for (const f of WAYBILL_PARTIES) p.required(f);
  p.format('currency', CODE3, 'a 3-character currency code');
  p.decimal('freight');
  p.decimal('insuredFee');
  p.decimal('grossWeight');
  p.decimal('netWeight', true);
  if (!Number.isInteger(waybill.packNo) || waybill.packNo < 1) {
    p.add(R.INVALID_FIELD, `packNo ${JSON.stringify(waybill.packNo)} must be a whole number of at least 1`);
  }
  p.format('trafMode', TRAF_MODE, 'a 1-character transport mode code');
  p.format('portCode', DIGITS4, 'a 4-digit customs code');
  p.format('country', CODE3, 'a 3-character country code');
  p.format('POD', PORT_CODE, 'a 3- or 4-character port code');
  if (waybill.ieFlag === 'I') {
    for (const f of IMPORT_CONSIGNEE) p.required(f);
  }
  return p.list;
}
