/**
 * The declaration list (清单: CEB603 export / CEB621 import, `FiledList`) that the e-commerce
 * enterprise or its customs agent files for a four-document parcel (DOMAIN.md "Four-document
 * mode").
 *
 * Every field the engine compares (compareFiledList in @clearance/domain) is taken from the same
 * order and waybill field that the engine's own list compilation (compileManifest) reads, so a
 * clean parcel's list agrees with the compiled one. The generator cannot call compileManifest:
 * the domain's specs import the generator, so importing the domain back would be a circular
 * project dependency, which `@nx/enforce-module-boundaries` refuses in `npm run lint` (the same
 * reason `importTaxCents` restates the domain's tax bill). The mapping is therefore restated here
 * field by field. The generator's oracle (generator.spec.ts, comparing the list with the documents
 * as DOMAIN.md describes) checks it; a domain-side spec running generated lists through
 * validateFiledList / compareFiledList / handleMatch is what pins it to the domain itself.
 */
import type { FiledList, Order, Waybill } from '@clearance/contracts';

/** Who files the list: the seller's customs agent when the order names one, else the seller. */
export interface ListFiler {
  code: string;
  name: string;
}

export interface FiledListFacts {
  guid: string;
  /** Event time of the list, as `appTime` (YYYYMMDDhhmmss, China time). */
  appTime: string;
  /** The day the filer declares (YYYYMMDD, China time): CEB603 ieDate, CEB621 declTime. */
  declDate: string;
  filer: ListFiler;
  /** The filer's own reference for the list. */
  copNo: string;
}

/** compileManifest's default packing type, for a waybill without one (the generator always gives one). */
const DEFAULT_WRAP_TYPE = '7';

/**
 * The list the filer would file for `order` and `waybill`, agreeing with what the engine compiles
 * from them. Export (CEB603): owner, statistics flag, freight and insurance currencies and flags,
 * POD, transport name, bags. Import (CEB621): the buyer (name, id type and number, telephone, as
 * in the order), the consignee address (the waybill's, as the engine compares it), the currency,
 * the guarantor (the filer), transport as trafNo.
 */
export function filedListOf(order: Order, waybill: Waybill, facts: FiledListFacts): FiledList {
  const o = order;
  const w = waybill;
  const imports = o.orderType === 'I';
  const exportOnly = <T>(v: T): T | null => (imports ? null : v);
  const importOnly = <T>(v: T): T | null => (imports ? v : null);
  return {
    guid: facts.guid,
    appType: '1',
    appTime: facts.appTime,
    appStatus: '2',
    customsCode: o.customsCode,
    ebpCode: o.ebpCode,
    ebpName: o.ebpName,
    orderNo: o.orderNo,
    logisticsCode: w.logisticsCode,
    logisticsName: w.logisticsName,
    logisticsNo: w.logisticsNo,
    copNo: facts.copNo,
    preNo: null,
    invtNo: null,
    ieFlag: imports ? 'I' : 'E',
    declTime: importOnly(facts.declDate),
    portCode: w.portCode,
    ieDate: exportOnly(facts.declDate),
    statisticsFlag: exportOnly(o.statisticsFlag ?? 'B'),
    agentCode: facts.filer.code,
    agentName: facts.filer.name,
    ebcCode: o.ebcCode,
    ebcName: o.ebcName,
    assureCode: importOnly(facts.filer.code),
    ownerCode: exportOnly(o.ownerCode),
    ownerName: exportOnly(o.ownerName),
    iacCode: null,
    iacName: null,
    emsNo: null,
    areaCode: null,
    areaName: null,
    tradeMode: o.tradeMode,
    trafMode: w.trafMode,
    trafName: exportOnly(w.trafName),
    trafNo: importOnly(w.trafName),
    voyageNo: w.voyageNo,
    billNo: w.billNo,
    totalPackageNo: exportOnly(w.totalPackageNo),
    loctNo: w.loctNo,
    licenseNo: o.licenseNo,
    country: w.country,
    POD: exportOnly(w.POD),
    freight: o.freight,
    fCurrency: exportOnly(o.currency),
    fFlag: exportOnly('3'),
    insuredFee: w.insuredFee,
    iCurrency: exportOnly(w.currency),
    iFlag: exportOnly('3'),
    currency: importOnly(o.currency),
    buyerIdType: importOnly(o.buyerIdType),
    buyerIdNumber: importOnly(o.buyerIdNumber),
    buyerName: importOnly(o.buyerName),
    buyerTelephone: importOnly(o.buyerTelephone),
    consigneeAddress: importOnly(w.consigneeAddress ?? o.consigneeAddress),
    wrapType: w.wrapType ?? DEFAULT_WRAP_TYPE,
    packNo: w.packNo,
    grossWeight: w.grossWeight,
    netWeight: w.netWeight ?? w.grossWeight,
    note: null,
    items: o.items.map((it) => ({
      gnum: it.gnum,
      itemNo: it.itemNo,
      itemRecordNo: null,
      itemName: it.itemName,
      gcode: it.gcode,
      gname: it.gname,
      gmodel: it.gmodel,
      barCode: it.barCode,
      country: it.country ?? w.country,
      tradeCountry: null,
      currency: it.currency,
      qty: it.qty,
      unit: it.unit,
      qty1: it.qty1,
      unit1: it.unit1,
      qty2: it.qty2,
      unit2: it.unit2,
      price: it.price,
      totalPrice: it.totalPrice,
      note: null,
    })),
  };
}
