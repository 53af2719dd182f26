import { buyerKeyFromHash, waybillKey, type Manifest, type ManifestItem } from '@clearance/contracts';
import * as decimal from '../common/decimal';
import { deterministicGuid } from '../common/ids';
import { cebDate, chinaYear } from '../common/time';
import type { CompleteCase } from './checks';

// Bound once: swc's CommonJS output reads an imported binding through a getter at every use
// (see validate.ts); these run for every amount of every list.
const { normalizeDecimal } = decimal;

/**
 * List numbers (invtNo): 4-digit customs code + 4-digit year + I/E + 9-digit serial (18 chars,
 * as CEB604 describes). The serial is `PP` + `NNNNNNN`: the matcher's partition number and a
 * counter kept per partition by the service (a one-entry changelogged store, advanced only when
 * `serialUsed` is returned). Partition + counter is unique across the deployment, and a replay of
 * a partition's records in the same order allocates the same numbers.
 */
export const MAX_SERIAL_PARTITION = 99;
export const MAX_SERIAL_COUNTER = 9_999_999;

/** The 9-digit serial for a partition's counter value. */
export function invtSerial(partition: number, counter: number): string {
  if (!Number.isInteger(partition) || partition < 0 || partition > MAX_SERIAL_PARTITION) {
    throw new RangeError(`invtNo serial: partition ${partition} outside 0..${MAX_SERIAL_PARTITION}`);
  }
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_SERIAL_COUNTER) {
    throw new RangeError(`invtNo serial: counter ${counter} outside 0..${MAX_SERIAL_COUNTER}`);
  }
  return `${String(partition).padStart(2, '0')}${String(counter).padStart(7, '0')}`;
}

/** customsCode(4) + year(4) + I/E + serial(9). */
export function formatInvtNo(customsCode: string, year: string, ieFlag: string, serial: string): string {
  if (
    !/^\d{4}$/.test(customsCode) ||
    !/^\d{4}$/.test(year) ||
    !/^[IE]$/.test(ieFlag) ||
    !/^\d{9}$/.test(serial)
  ) {
    throw new RangeError(`invtNo parts ${customsCode}/${year}/${ieFlag}/${serial} are malformed`);
  }
  return `${customsCode}${year}${ieFlag}${serial}`;
}

const n5 = (v: string | null | undefined, field: string): string => normalizeDecimal(v ?? '0', field);
const n5OrNull = (v: string | null | undefined, field: string): string | null =>
  v === null || v === undefined ? null : normalizeDecimal(v, field);

/** Facts the compiled list needs besides the three documents. */
export interface CompileInput {
  caseKey: string;
  /** Event time (ms) of the document that completed the match. */
  at: number;
  /** Event time (ms) of the first accepted document of the case. */
  firstDocumentTime: number;
  /** 9-digit serial (see invtSerial). */
  serial: string;
}

/** The CEB603-style list compiled from an agreeing order, payment and waybill. */
export function compileManifest(c: CompleteCase, input: CompileInput): Manifest {
  const o = c.order.doc;
  const p = c.payment.doc;
  const w = c.waybill.doc;
  const ieFlag = o.orderType === 'I' ? 'I' : 'E';
  const buyerIdHash = ieFlag === 'I' ? c.order.idHash : null;
  const riskKey =
    ieFlag === 'I' && buyerIdHash && o.buyerIdType
      ? buyerKeyFromHash(o.buyerIdType, buyerIdHash)
      : input.caseKey;
  const items: ManifestItem[] = o.items.map((it) => ({
    gnum: it.gnum,
    itemNo: it.itemNo,
    itemName: it.itemName,
    gcode: it.gcode,
    gname: it.gname,
    gmodel: it.gmodel,
    barCode: it.barCode,
    country: it.country ?? w.country,
    currency: it.currency,
    qty: n5(it.qty, 'qty'),
    unit: it.unit,
    qty1: n5(it.qty1, 'qty1'),
    unit1: it.unit1,
    qty2: n5OrNull(it.qty2, 'qty2'),
    unit2: it.unit2,
    price: n5(it.price, 'price'),
    totalPrice: n5(it.totalPrice, 'totalPrice'),
  }));
  return {
    guid: deterministicGuid('manifest', input.caseKey, o.guid, p.guid, w.guid),
    invtNo: formatInvtNo(o.customsCode, chinaYear(input.at), ieFlag, input.serial),
    orderKey: input.caseKey,
    waybillKey: waybillKey(w),
    riskKey,
    ieFlag,
    orderType: o.orderType,
    customsCode: o.customsCode,
    ebpCode: o.ebpCode,
    ebpName: o.ebpName,
    orderNo: o.orderNo,
    logisticsCode: w.logisticsCode,
    logisticsName: w.logisticsName,
    logisticsNo: w.logisticsNo,
    copNo: o.orderNo,
    portCode: w.portCode,
    ieDate: cebDate(input.at),
    statisticsFlag: o.statisticsFlag ?? 'B',
    summaryFlag: o.summaryFlag ?? '1',
    agentCode: o.agentCode,
    agentName: o.agentName,
    ebcCode: o.ebcCode,
    ebcName: o.ebcName,
    ownerCode: o.ownerCode,
    ownerName: o.ownerName,
    payCode: p.payCode,
    tradeMode: o.tradeMode,
    trafMode: w.trafMode,
    trafName: w.trafName,
    voyageNo: w.voyageNo,
    billNo: w.billNo,
    totalPackageNo: w.totalPackageNo,
    loctNo: w.loctNo,
    licenseNo: o.licenseNo,
    country: w.country,
    POD: w.POD,
    goodsValue: n5(o.goodsValue, 'goodsValue'),
    freight: n5(o.freight, 'freight'),
    fCurrency: o.currency,
    fFlag: '3',
    insuredFee: n5(w.insuredFee, 'insuredFee'),
    iCurrency: w.currency,
    iFlag: '3',
    wrapType: w.wrapType ?? DEFAULT_WRAP_TYPE,
    packNo: w.packNo,
    grossWeight: n5(w.grossWeight, 'grossWeight'),
    netWeight: n5(w.netWeight ?? w.grossWeight, 'netWeight'),
    currency: o.currency,
    acturalPaid: ieFlag === 'I' ? n5OrNull(o.acturalPaid, 'acturalPaid') : null,
    taxTotal: ieFlag === 'I' ? n5OrNull(o.taxTotal, 'taxTotal') : null,
    buyerIdType: ieFlag === 'I' ? o.buyerIdType : null,
    buyerIdHash,
    buyerName: ieFlag === 'I' ? o.buyerName : null,
    consignee: ieFlag === 'I' ? o.consignee : null,
    firstDocumentTime: input.firstDocumentTime,
    lastDocumentTime: input.at,
    items,
    filedList: null,
  };
}

/** Packing type when the waybill gives none: 7 = other (JGS-20 one-character packing codes). */
export const DEFAULT_WRAP_TYPE = '7';
