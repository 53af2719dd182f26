import {
  orderKey,
  type Order,
  type OrderItem,
  type Payment,
  type Reason,
  type Waybill,
} from '@clearance/contracts';
import { decimalProblem, parseDecimal } from '../common/decimal';
import { reason, ReasonCode as R } from '../common/reasons';
import { isCebTime } from '../common/time';

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

/** Collects reasons for one document. */
class Problems {
  readonly list: Reason[] = [];
  constructor(private readonly doc: Record<string, unknown>) {}

  add(code: (typeof R)[keyof typeof R], message: string): void {
    this.list.push(reason(code, message));
  }

  /** A non-empty string field. */
  required(field: string, prefix = ''): boolean {
    const v = this.doc[field];
    if (typeof v === 'string' && v.trim().length > 0) return true;
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
  decimal(field: string, opts: { optional?: boolean; prefix?: string } = {}): void {
    const v = this.doc[field];
    const prefix = opts.prefix ?? '';
    if (v === null || v === undefined) {
      if (!opts.optional) this.add(R.MISSING_FIELD, `${prefix}${field} is required`);
      return;
    }
    const problem = decimalProblem(v);
    if (problem) {
      this.add(R.INVALID_DECIMAL, `${prefix}${field} ${JSON.stringify(v)}: ${problem}`);
    } else if (parseDecimal(v as string) < 0n) {
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

function header(p: Problems, doc: DocumentHeader): void {
  if (!GUID_PATTERN.test(doc.guid ?? '')) {
    p.add(R.INVALID_GUID, `guid ${JSON.stringify(doc.guid)} must be 36 upper-case characters (A-Z, 0-9, -)`);
  }
  if (!['1', '2', '3'].includes(doc.appType))
    p.add(R.INVALID_APP_TYPE, `appType ${JSON.stringify(doc.appType)} must be 1, 2 or 3`);
  if (!isCebTime(doc.appTime))
    p.add(R.INVALID_APP_TIME, `appTime ${JSON.stringify(doc.appTime)} must be a real time YYYYMMDDhhmmss`);
  if (!['1', '2'].includes(doc.appStatus))
    p.add(R.INVALID_APP_STATUS, `appStatus ${JSON.stringify(doc.appStatus)} must be 1 or 2`);
}

function keyCheck(p: Problems, doc: { ebpCode: string; orderNo: string }, caseKey: string): void {
  const own = orderKey(doc);
  if (own !== caseKey)
    p.add(R.KEY_MISMATCH, `document names ${own} (ebpCode:orderNo) but arrived for case ${caseKey}`);
}

const CODE3 = /^[0-9A-Z]{3}$/;
const DIGITS4 = /^\d{4}$/;
const HS10 = /^\d{10}$/;

function item(p: Problems, it: OrderItem, index: number, imports: boolean): void {
  const q = new Problems(it as unknown as Record<string, unknown>);
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
  for (const f of ['qty', 'qty1', 'price', 'totalPrice']) q.decimal(f, { prefix });
  q.decimal('qty2', { optional: true, prefix });
  if (imports) q.format('country', CODE3, 'a 3-character country code (origin)', prefix);
  p.list.push(...q.list);
}

/** Problems of an order (CEB303/CEB311 plus our list fields), for the case `caseKey`. */
export function validateOrder(order: Order, caseKey: string): Reason[] {
  const p = new Problems(order as unknown as Record<string, unknown>);
  header(p, order);
  keyCheck(p, order, caseKey);
  p.oneOf('orderType', ORDER_TYPES, R.INVALID_ORDER_TYPE);
  for (const f of ['orderNo', 'ebpCode', 'ebpName', 'ebcCode', 'ebcName', 'ownerCode', 'ownerName'])
    p.required(f);
  p.format('currency', CODE3, 'a 3-character currency code');
  p.format('customsCode', DIGITS4, 'a 4-digit customs code');
  p.decimal('goodsValue');
  p.decimal('freight');
  const allowedModes = TRADE_MODES_BY_ORDER_TYPE[order.orderType];
  if (allowedModes) p.oneOf('tradeMode', allowedModes);
  const imports = order.orderType === 'I';
  if (imports) {
    for (const f of [
      'buyerRegNo',
      'buyerName',
      'buyerTelephone',
      'buyerIdNumber',
      'consignee',
      'consigneeTelephone',
      'consigneeAddress',
    ]) {
      p.required(f);
    }
    p.oneOf('buyerIdType', ['1', '2']);
    for (const f of ['discount', 'taxTotal', 'acturalPaid']) p.decimal(f);
  } else {
    p.oneOf('statisticsFlag', ['A', 'B']);
    p.oneOf('summaryFlag', ['1', '2']);
    for (const f of ['discount', 'taxTotal', 'acturalPaid']) p.decimal(f, { optional: true });
  }
  const items = Array.isArray(order.items) ? order.items : [];
  if (items.length < 1 || items.length > MAX_ITEMS) {
    p.add(R.INVALID_ITEMS, `an order has 1 to ${MAX_ITEMS} goods lines, this one has ${items.length}`);
  }
  items.forEach((it, i) => item(p, it, i, imports));
  return p.list;
}

/** Problems of a payment (CEB403 export / CEB411 import), for the case `caseKey`. */
export function validatePayment(payment: Payment, caseKey: string): Reason[] {
  const p = new Problems(payment as unknown as Record<string, unknown>);
  header(p, payment);
  keyCheck(p, payment, caseKey);
  p.oneOf('ieFlag', ['I', 'E'], R.INVALID_IE_FLAG);
  for (const f of ['ebpCode', 'ebpName', 'orderNo', 'payCode', 'payName']) p.required(f);
  p.format('currency', CODE3, 'a 3-character currency code');
  if (payment.ieFlag === 'I') {
    for (const f of ['payTransactionId', 'payerIdNumber', 'payerName']) p.required(f);
    p.oneOf('payerIdType', ['1', '2']);
    p.decimal('amountPaid');
    p.time('payTime');
  } else if (payment.ieFlag === 'E') {
    for (const f of ['ebcCode', 'ebcName']) p.required(f);
    p.decimal('charge');
    p.time('accountingDate');
  }
  return p.list;
}

/** Problems of a waybill (CEB505 export / CEB511 import plus our transport fields), for the case `caseKey`. */
export function validateWaybill(waybill: Waybill, caseKey: string): Reason[] {
  const p = new Problems(waybill as unknown as Record<string, unknown>);
  header(p, waybill);
  keyCheck(p, waybill, caseKey);
  p.oneOf('ieFlag', ['I', 'E'], R.INVALID_IE_FLAG);
  for (const f of ['logisticsCode', 'logisticsName', 'logisticsNo', 'ebpCode', 'orderNo']) p.required(f);
  p.format('currency', CODE3, 'a 3-character currency code');
  p.decimal('freight');
  p.decimal('insuredFee');
  p.decimal('grossWeight');
  p.decimal('netWeight', { optional: true });
  if (!Number.isInteger(waybill.packNo) || waybill.packNo < 1) {
    p.add(R.INVALID_FIELD, `packNo ${JSON.stringify(waybill.packNo)} must be a whole number of at least 1`);
  }
  p.format('trafMode', /^[0-9A-Z]$/, 'a 1-character transport mode code');
  p.format('portCode', DIGITS4, 'a 4-digit customs code');
  p.format('country', CODE3, 'a 3-character country code');
  p.format('POD', /^[0-9A-Z]{3,4}$/, 'a 3- or 4-character port code');
  if (waybill.ieFlag === 'I') {
    for (const f of ['consignee', 'consigneeAddress', 'consigneeTelephone']) p.required(f);
  }
  return p.list;
}
