import type { Order, Payment, Waybill } from './generated/types';

/**
 * One consistent export parcel (order, payment, waybill), hand-written as a platform, a payment
 * institution and a carrier would send it. For contract tests and the smoke round-trip; realistic
 * volumes come from libs/generator.
 */
export function sampleExportParcel(orderNo: string): { order: Order; payment: Payment; waybill: Waybill } {
  const order = sampleOrder(orderNo);
  const payment: Payment = {
    guid: 'A1B2C3D4-0000-4000-8000-00000000000B', appType: '1', appTime: '20261123101700', appStatus: '2',
    ieFlag: 'E', ebpCode: order.ebpCode, ebpName: order.ebpName, ebcCode: order.ebcCode, ebcName: order.ebcName,
    orderNo, payCode: '312226T001', payName: 'Lianlian Pay', payNo: `PAY${orderNo}`, payTransactionId: null,
    charge: '71.80000', amountPaid: null, currency: '502', accountingDate: '20261123101700', payTime: null,
    payerIdType: null, payerIdNumber: null, payerName: null, telephone: null, note: null,
  };
  const waybill: Waybill = {
    guid: 'A1B2C3D4-0000-4000-8000-00000000000C', appType: '1', appTime: '20261123112000', appStatus: '2',
    ieFlag: 'E', logisticsCode: '3120980025', logisticsName: 'YTO Express International', logisticsNo: `YT${orderNo}`,
    ebpCode: order.ebpCode, orderNo, freight: '12.00000', insuredFee: '0.00000', currency: '502',
    grossWeight: '0.42000', netWeight: '0.30000', packNo: 1, goodsInfo: 'silk scarves x2',
    ebcCode: order.ebcCode, ebcName: order.ebcName, ebcTelephone: '0571-88886666',
    consignee: null, consigneeAddress: null, consigneeTelephone: null,
    trafMode: '5', trafName: 'CK 221', voyageNo: 'CK221', billNo: '112-48213377', totalPackageNo: null,
    portCode: '2921', country: '502', POD: 'USLAX', loctNo: null, wrapType: '2', note: null,
  };
  return { order, payment, waybill };
}

/** A valid export order as a platform would send it. */
function sampleOrder(orderNo: string): Order {
  return {
    guid: 'A1B2C3D4-0000-4000-8000-00000000000A',
    appType: '1',
    appTime: '20261123101500',
    appStatus: '2',
    orderType: 'E',
    orderNo,
    ebpCode: '3301964J31',
    ebpName: 'Hangzhou Crossborder Mall',
    ebcCode: '3301960K52',
    ebcName: 'Zhejiang Silk Export Co',
    goodsValue: '59.80000',
    freight: '12.00000',
    discount: null,
    taxTotal: null,
    acturalPaid: null,
    currency: '502',
    buyerRegNo: null,
    buyerName: null,
    buyerTelephone: null,
    buyerIdType: null,
    buyerIdNumber: null,
    buyerIdVerified: null,
    payCode: '312226T001',
    payName: 'Lianlian Pay',
    payTransactionId: null,
    consignee: null,
    consigneeTelephone: null,
    consigneeAddress: null,
    consigneeDistrict: null,
    tradeMode: '9610',
    customsCode: '2921',
    ownerCode: '3301960K52',
    ownerName: 'Zhejiang Silk Export Co',
    agentCode: null,
    agentName: null,
    statisticsFlag: 'B',
    summaryFlag: '1',
    licenseNo: null,
    note: null,
    items: [
      {
        gnum: 1, itemNo: 'SKU-1', itemName: 'Silk scarf', itemDescribe: null, barCode: null,
        gcode: '6214100090', gname: 'Silk scarf', gmodel: '90x90cm, 100% mulberry silk',
        unit: '011', qty: '2.00000', unit1: '011', qty1: '2.00000', unit2: null, qty2: null,
        price: '29.90000', totalPrice: '59.80000', currency: '502', country: '502', note: null,
      },
    ],
  };
}

