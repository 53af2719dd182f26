import {
  orderKey,
  type Commodity,
  type Enterprise,
  type FiledList,
  type Manifest,
  type Order,
  type OrderItem,
  type Payment,
  type Waybill,
} from '@clearance/contracts';
import { deterministicGuid } from '../common/ids';
import type { Held } from '../matching/checks';
import { holdDocument } from '../matching/decider';
import { compileManifest, invtSerial } from '../matching/manifest';

/**
 * Consistent sample documents and reference data (export B2C and import direct-mail cases that
 * match), for tests here and in the services. Every builder takes overrides.
 */

export const SAMPLE_CODES = {
  ebp: 'EBP0000001',
  ebc: 'EBC0000001',
  payer: 'PAY0000001',
  carrier: 'LOG0000001',
  customs: '5141',
  usd: '502',
  cny: '142',
} as const;

export const sampleGuid = (name: string): string => deterministicGuid('sample', name);

export function sampleItem(overrides: Partial<OrderItem> = {}): OrderItem {
  return {
    gnum: 1,
    itemNo: 'SKU-1',
    itemName: 'Cotton T-shirt',
    itemDescribe: null,
    barCode: null,
    gcode: '6109100021',
    gname: 'T-shirt',
    gmodel: 'cotton 100%, knitted',
    unit: '011',
    qty: '2.00000',
    unit1: '011',
    qty1: '2.00000',
    unit2: null,
    qty2: null,
    price: '19.90000',
    totalPrice: '39.80000',
    currency: SAMPLE_CODES.usd,
    country: null,
    note: null,
    ...overrides,
  };
}

/** A B2C export order (9610) of two lines worth 64.80 USD plus 5.00 freight. */
export function sampleExportOrder(overrides: Partial<Order> = {}): Order {
  return {
    guid: sampleGuid('order-e'),
    appType: '1',
    appTime: '20261110120000',
    appStatus: '2',
    orderType: 'E',
    orderNo: 'SO-1001',
    ebpCode: SAMPLE_CODES.ebp,
    ebpName: 'Sample Platform',
    ebcCode: SAMPLE_CODES.ebc,
    ebcName: 'Sample Seller',
    goodsValue: '64.80000',
    freight: '5.00000',
    discount: null,
    taxTotal: null,
    acturalPaid: null,
    currency: SAMPLE_CODES.usd,
    buyerRegNo: null,
    buyerName: null,
    buyerTelephone: null,
    buyerIdType: null,
    buyerIdNumber: null,
    buyerIdVerified: null,
    payCode: SAMPLE_CODES.payer,
    payName: 'Sample Pay',
    payTransactionId: null,
    consignee: null,
    consigneeTelephone: null,
    consigneeAddress: null,
    consigneeDistrict: null,
    tradeMode: '9610',
    customsCode: SAMPLE_CODES.customs,
    ownerCode: SAMPLE_CODES.ebc,
    ownerName: 'Sample Seller',
    agentCode: null,
    agentName: null,
    statisticsFlag: 'B',
    summaryFlag: '1',
    licenseNo: null,
    note: null,
    items: [
      sampleItem(),
      sampleItem({
        gnum: 2,
        itemNo: 'SKU-2',
        itemName: 'Leather wallet',
        gcode: '4202310090',
        gname: 'wallet',
        gmodel: 'leather',
        qty: '1.00000',
        qty1: '1.00000',
        price: '25.00000',
        totalPrice: '25.00000',
      }),
    ],
    ...overrides,
  };
}

export function sampleExportPayment(overrides: Partial<Payment> = {}): Payment {
  return {
    guid: sampleGuid('payment-e'),
    appType: '1',
    appTime: '20261110120500',
    appStatus: '2',
    ieFlag: 'E',
    ebpCode: SAMPLE_CODES.ebp,
    ebpName: 'Sample Platform',
    ebcCode: SAMPLE_CODES.ebc,
    ebcName: 'Sample Seller',
    orderNo: 'SO-1001',
    payCode: SAMPLE_CODES.payer,
    payName: 'Sample Pay',
    payNo: 'PN-1001',
    payTransactionId: null,
    charge: '69.80000',
    amountPaid: null,
    currency: SAMPLE_CODES.usd,
    accountingDate: '20261110120500',
    payTime: null,
    payerIdType: null,
    payerIdNumber: null,
    payerName: null,
    telephone: null,
    note: null,
    ...overrides,
  };
}

export function sampleExportWaybill(overrides: Partial<Waybill> = {}): Waybill {
  return {
    guid: sampleGuid('waybill-e'),
    appType: '1',
    appTime: '20261110130000',
    appStatus: '2',
    ieFlag: 'E',
    logisticsCode: SAMPLE_CODES.carrier,
    logisticsName: 'Sample Express',
    logisticsNo: 'LN000001',
    ebpCode: SAMPLE_CODES.ebp,
    orderNo: 'SO-1001',
    freight: '5.00000',
    insuredFee: '0.00000',
    currency: SAMPLE_CODES.usd,
    grossWeight: '0.80000',
    netWeight: '0.60000',
    packNo: 1,
    goodsInfo: 'T-shirts, wallet',
    ebcCode: SAMPLE_CODES.ebc,
    ebcName: 'Sample Seller',
    ebcTelephone: null,
    consignee: null,
    consigneeAddress: null,
    consigneeTelephone: null,
    trafMode: '5',
    trafName: 'CA',
    voyageNo: 'CA987',
    billNo: '999-12345678',
    totalPackageNo: null,
    portCode: '5141',
    country: '502',
    POD: 'LAX',
    loctNo: null,
    wrapType: '2',
    note: null,
    ...overrides,
  };
}

/**
 * An import direct-mail order (9610): 100 CNY of face cream (3304990099: 15 % consumption tax, 13 %
 * VAT in the shipped reference data) + 10 freight + 25.37 tax (consumption tax 13.59 + VAT 11.78 on
 * the customs value 110, at 70 %) = 135.37 paid.
 */
export function sampleImportOrder(overrides: Partial<Order> = {}): Order {
  return sampleExportOrder({
    guid: sampleGuid('order-i'),
    orderType: 'I',
    orderNo: 'IO-2001',
    goodsValue: '100.00000',
    freight: '10.00000',
    discount: '0.00000',
    taxTotal: '25.37000',
    acturalPaid: '135.37000',
    currency: SAMPLE_CODES.cny,
    buyerRegNo: 'buyer-1',
    buyerName: 'Zhang San',
    buyerTelephone: '13800000000',
    buyerIdType: '1',
    buyerIdNumber: '110101199001011234',
    buyerIdVerified: false,
    payTransactionId: 'TX-2001',
    consignee: 'Zhang San',
    consigneeTelephone: '13800000000',
    consigneeAddress: 'No. 1 Example Road, Beijing',
    consigneeDistrict: '110101',
    statisticsFlag: null,
    summaryFlag: null,
    items: [
      sampleItem({
        gcode: '3304990099',
        itemName: 'Face cream',
        gname: 'face cream',
        gmodel: '50 ml',
        qty: '2.00000',
        qty1: '0.10000',
        unit1: '035',
        price: '50.00000',
        totalPrice: '100.00000',
        currency: SAMPLE_CODES.cny,
        country: '116',
      }),
    ],
    ...overrides,
  });
}

export function sampleImportPayment(overrides: Partial<Payment> = {}): Payment {
  return sampleExportPayment({
    guid: sampleGuid('payment-i'),
    ieFlag: 'I',
    orderNo: 'IO-2001',
    ebcCode: null,
    ebcName: null,
    payNo: null,
    payTransactionId: 'TX-2001',
    charge: null,
    amountPaid: '135.37000',
    currency: SAMPLE_CODES.cny,
    accountingDate: null,
    payTime: '20261110120400',
    payerIdType: '1',
    payerIdNumber: '110101199001011234',
    payerName: 'Zhang San',
    telephone: '13800000000',
    ...overrides,
  });
}

export function sampleImportWaybill(overrides: Partial<Waybill> = {}): Waybill {
  return sampleExportWaybill({
    guid: sampleGuid('waybill-i'),
    ieFlag: 'I',
    logisticsNo: 'LN900001',
    orderNo: 'IO-2001',
    freight: '10.00000',
    currency: SAMPLE_CODES.cny,
    grossWeight: '0.30000',
    netWeight: '0.20000',
    ebcCode: null,
    ebcName: null,
    consignee: 'Zhang San',
    consigneeTelephone: '13800000000',
    consigneeAddress: 'No. 1 Example Road, Beijing',
    country: '116',
    POD: 'PEK',
    ...overrides,
  });
}

export function sampleEnterprise(
  code: string,
  roles: string[],
  overrides: Partial<Enterprise> = {},
): Enterprise {
  return {
    code,
    name: `Enterprise ${code}`,
    creditGrade: 'A',
    roles,
    onFile: true,
    country: null,
    listMode: 'ONE_STEP',
    ...overrides,
  };
}

/** The sample enterprises, all on file with grade A. */
export const sampleEnterprises = (): Enterprise[] => [
  sampleEnterprise(SAMPLE_CODES.ebp, ['EBP']),
  sampleEnterprise(SAMPLE_CODES.ebc, ['EBC', 'OWNER']),
  sampleEnterprise(SAMPLE_CODES.payer, ['PAYER']),
  sampleEnterprise(SAMPLE_CODES.carrier, ['CARRIER']),
];

export function sampleCommodity(gcode: string, overrides: Partial<Commodity> = {}): Commodity {
  return {
    gcode,
    gname: `goods ${gcode}`,
    unit1: '011',
    control: 'NONE',
    exportDuty: false,
    referencePrice: null,
    minKgPerUnit: null,
    maxKgPerUnit: null,
    rebateRate: null,
    vatRate: null,
    consumptionTaxRate: null,
    ...overrides,
  };
}

/** A lookup function over a list (what a global table gives the services). */
export function lookupBy<T>(items: ReadonlyArray<T>, key: (t: T) => string): (k: string) => T | undefined {
  const map = new Map(items.map((t) => [key(t), t]));
  return (k) => map.get(k);
}

/** 2026-11-10 12:00:00 China time, the event time the sample manifests are matched at. */
export const SAMPLE_MATCH_TIME = Date.UTC(2026, 10, 10, 4, 0, 0);

/** A list compiled from (possibly overridden) sample documents, as the matcher would produce it. */
export function sampleManifestFrom(
  order: Order,
  payment: Payment,
  waybill: Waybill,
  serial = invtSerial(0, 1),
  at = SAMPLE_MATCH_TIME,
): Manifest {
  const held = <T>(kind: 'ORDER' | 'PAYMENT' | 'WAYBILL', doc: T): Held<T> =>
    holdDocument(kind, doc as never, at).held as unknown as Held<T>;
  return compileManifest(
    { order: held('ORDER', order), payment: held('PAYMENT', payment), waybill: held('WAYBILL', waybill) },
    { caseKey: orderKey(order), at, firstDocumentTime: at, serial },
  );
}

export const sampleExportManifest = (overrides: Partial<Manifest> = {}): Manifest => ({
  ...sampleManifestFrom(sampleExportOrder(), sampleExportPayment(), sampleExportWaybill()),
  ...overrides,
});

export const sampleImportManifest = (overrides: Partial<Manifest> = {}): Manifest => ({
  ...sampleManifestFrom(sampleImportOrder(), sampleImportPayment(), sampleImportWaybill()),
  ...overrides,
});

/**
 * The list (CEB603 / CEB621) an enterprise or its agent would file in four-document mode for a
 * compiled list: every compared field as the compiled list has it, so compareFiledList(list,
 * manifest) is empty. The compiled list keeps only a hash of the import buyer's id number and not
 * the buyer's telephone or the consignee address: pass them as overrides (sampleImportFiledList
 * does, from sampleImportOrder).
 */
export function sampleFiledListFrom(manifest: Manifest, overrides: Partial<FiledList> = {}): FiledList {
  const imports = manifest.ieFlag === 'I';
  const exportOnly = <T>(v: T): T | null => (imports ? null : v);
  return {
    guid: sampleGuid(`list-${manifest.orderKey}`),
    appType: '1',
    appTime: '20261110140000',
    appStatus: '2',
    customsCode: manifest.customsCode,
    ebpCode: manifest.ebpCode,
    ebpName: manifest.ebpName,
    orderNo: manifest.orderNo,
    logisticsCode: manifest.logisticsCode,
    logisticsName: manifest.logisticsName,
    logisticsNo: manifest.logisticsNo,
    copNo: `L-${manifest.orderNo}`,
    preNo: null,
    invtNo: null,
    ieFlag: manifest.ieFlag,
    declTime: imports ? manifest.ieDate : null,
    portCode: manifest.portCode,
    ieDate: manifest.ieDate,
    statisticsFlag: exportOnly(manifest.statisticsFlag),
    agentCode: manifest.agentCode ?? manifest.ebcCode,
    agentName: manifest.agentName ?? manifest.ebcName,
    ebcCode: manifest.ebcCode,
    ebcName: manifest.ebcName,
    assureCode: imports ? manifest.ebcCode : null,
    ownerCode: exportOnly(manifest.ownerCode),
    ownerName: exportOnly(manifest.ownerName),
    iacCode: null,
    iacName: null,
    emsNo: null,
    areaCode: null,
    areaName: null,
    tradeMode: manifest.tradeMode,
    trafMode: manifest.trafMode,
    trafName: exportOnly(manifest.trafName),
    trafNo: imports ? manifest.trafName : null,
    voyageNo: manifest.voyageNo,
    billNo: manifest.billNo,
    totalPackageNo: exportOnly(manifest.totalPackageNo),
    loctNo: manifest.loctNo,
    licenseNo: manifest.licenseNo,
    country: manifest.country,
    POD: exportOnly(manifest.POD),
    freight: manifest.freight,
    fCurrency: exportOnly(manifest.fCurrency),
    fFlag: exportOnly(manifest.fFlag),
    insuredFee: manifest.insuredFee,
    iCurrency: exportOnly(manifest.iCurrency),
    iFlag: exportOnly(manifest.iFlag),
    currency: imports ? manifest.currency : null,
    buyerIdType: imports ? manifest.buyerIdType : null,
    buyerIdNumber: null,
    buyerName: imports ? manifest.buyerName : null,
    buyerTelephone: null,
    consigneeAddress: null,
    wrapType: manifest.wrapType,
    packNo: manifest.packNo,
    grossWeight: manifest.grossWeight,
    netWeight: manifest.netWeight,
    note: null,
    items: manifest.items.map((it) => ({
      gnum: it.gnum,
      itemNo: it.itemNo,
      itemRecordNo: null,
      itemName: it.itemName,
      gcode: it.gcode,
      gname: it.gname,
      gmodel: it.gmodel,
      barCode: it.barCode,
      country: it.country,
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
    ...overrides,
  };
}

/** The export list (CEB603) agreeing with `manifest` (by default sampleExportManifest()). */
export const sampleExportFiledList = (
  manifest: Manifest = sampleExportManifest(),
  overrides: Partial<FiledList> = {},
): FiledList => sampleFiledListFrom(manifest, overrides);

/**
 * The import list (CEB621) agreeing with `manifest` (by default sampleImportManifest()), with the
 * buyer's id number, telephone and the consignee address of sampleImportOrder().
 */
export function sampleImportFiledList(
  manifest: Manifest = sampleImportManifest(),
  overrides: Partial<FiledList> = {},
): FiledList {
  const order = sampleImportOrder();
  return sampleFiledListFrom(manifest, {
    buyerIdNumber: order.buyerIdNumber,
    buyerTelephone: order.buyerTelephone,
    consigneeAddress: order.consigneeAddress,
    ...overrides,
  });
}
