import { orderKey, schemaByName, type FiledList, type Manifest, type Reason } from '@clearance/contracts';
import { ReasonCode as R } from '../common/reasons';
import {
  sampleExportFiledList,
  sampleExportManifest,
  sampleExportOrder,
  sampleExportWaybill,
  sampleImportFiledList,
  sampleImportManifest,
  sampleImportOrder,
  sampleImportWaybill,
} from '../testing/samples';
import { checkFiledListWaybill, compareFiledList, filedListKey, validateFiledList } from './filed-list';

const codes = (rs: Reason[]) => rs.map((r) => r.code);
const exportList = (o: Partial<FiledList> = {}) => sampleExportFiledList(sampleExportManifest(), o);
const importList = (o: Partial<FiledList> = {}) => sampleImportFiledList(sampleImportManifest(), o);
const item = (l: FiledList, gnum: number) =>
  l.items.find((it) => it.gnum === gnum) as FiledList['items'][number];
const withItem = (l: FiledList, gnum: number, o: Partial<FiledList['items'][number]>): FiledList => ({
  ...l,
  items: l.items.map((it) => (it.gnum === gnum ? { ...it, ...o } : it)),
});

/** Exactly one reason, of `code`, whose message names the field and both values. */
function expectOne(rs: Reason[], code: string, ...mentions: string[]): void {
  expect(codes(rs)).toEqual([code]);
  for (const m of mentions) expect(rs[0].message).toContain(m);
}

describe('the sample filed lists', () => {
  it.each([
    ['export', exportList(), sampleExportManifest()],
    ['import', importList(), sampleImportManifest()],
  ])(
    'given the %s sample list, then it fits the FiledList schema, is valid and agrees with its manifest',
    (_, list, manifest) => {
      expect(schemaByName('FiledList').type.isValid(list)).toBe(true);
      expect(validateFiledList(list)).toEqual([]);
      expect(compareFiledList(list, manifest)).toEqual([]);
    },
  );

  it('given the import sample and the case documents, then buyer telephone and consignee address agree too', () => {
    const docs = { order: sampleImportOrder(), waybill: sampleImportWaybill() };
    expect(compareFiledList(importList(), sampleImportManifest(), docs)).toEqual([]);
  });

  it('given another manifest, then the sample list follows it', () => {
    const manifest = sampleExportManifest({ agentCode: 'AGT0000001', agentName: 'Agent' });
    expect(compareFiledList(sampleExportFiledList(manifest), manifest)).toEqual([]);
  });
});

describe('matching a filed list to its case', () => {
  it('when keyed, then the list has the order key of its order and manifest', () => {
    expect(filedListKey(exportList())).toBe(orderKey(sampleExportOrder()));
    expect(filedListKey(importList())).toBe(sampleImportManifest().orderKey);
  });

  it("given the case's waybill, when the list names it, then no reason", () => {
    expect(checkFiledListWaybill(exportList(), sampleExportWaybill())).toEqual([]);
  });

  it('given a list naming another waybill number, then LIST_WAYBILL_MISMATCH names logisticsNo and both values', () => {
    const list = exportList({ logisticsNo: 'LN999999' });
    expectOne(
      checkFiledListWaybill(list, sampleExportWaybill()),
      R.LIST_WAYBILL_MISMATCH,
      'logisticsNo',
      'LN999999',
      'LN000001',
    );
    expectOne(
      compareFiledList(list, sampleExportManifest()),
      R.LIST_WAYBILL_MISMATCH,
      'logisticsNo',
      'LN999999',
      'LN000001',
    );
  });

  it('given a list naming another carrier, then LIST_WAYBILL_MISMATCH names logisticsCode', () => {
    const rs = compareFiledList(exportList({ logisticsCode: 'LOG0000009' }), sampleExportManifest());
    expectOne(rs, R.LIST_WAYBILL_MISMATCH, 'logisticsCode', 'LOG0000009', 'LOG0000001');
  });

  it('given a list of another order number, then LIST_ORDER_MISMATCH', () => {
    expectOne(
      compareFiledList(exportList({ orderNo: 'SO-9' }), sampleExportManifest()),
      R.LIST_ORDER_MISMATCH,
      'orderNo',
      'SO-9',
      'SO-1001',
    );
  });
});

describe('compareFiledList: each group of fields', () => {
  const m = sampleExportManifest();

  it.each<[string, Partial<FiledList>, string, string, string]>([
    ['ebpCode', { ebpCode: 'EBP0000009' }, R.LIST_ENTERPRISE_MISMATCH, 'EBP0000009', 'EBP0000001'],
    ['ebcCode', { ebcCode: 'EBC0000009' }, R.LIST_ENTERPRISE_MISMATCH, 'EBC0000009', 'EBC0000001'],
    ['ownerCode', { ownerCode: 'OWN0000009' }, R.LIST_ENTERPRISE_MISMATCH, 'OWN0000009', 'EBC0000001'],
    ['ieFlag', { ieFlag: 'I' }, R.LIST_DECLARATION_MISMATCH, '"I"', '"E"'],
    ['tradeMode', { tradeMode: '1210' }, R.LIST_DECLARATION_MISMATCH, '1210', '9610'],
    ['customsCode', { customsCode: '5100' }, R.LIST_DECLARATION_MISMATCH, '5100', '5141'],
    ['portCode', { portCode: '5130' }, R.LIST_DECLARATION_MISMATCH, '5130', '5141'],
    ['country', { country: '304' }, R.LIST_DECLARATION_MISMATCH, '304', '502'],
    ['statisticsFlag', { statisticsFlag: 'A' }, R.LIST_DECLARATION_MISMATCH, '"A"', '"B"'],
    ['trafMode', { trafMode: '2' }, R.LIST_TRANSPORT_MISMATCH, '"2"', '"5"'],
    ['voyageNo', { voyageNo: 'MU583' }, R.LIST_TRANSPORT_MISMATCH, 'MU583', 'CA987'],
    ['billNo', { billNo: '781-0000001' }, R.LIST_TRANSPORT_MISMATCH, '781-0000001', '999-12345678'],
    ['freight', { freight: '6.00000' }, R.LIST_TOTAL_MISMATCH, '6.00000', '5.00000'],
    ['insuredFee', { insuredFee: '1' }, R.LIST_TOTAL_MISMATCH, '"1"', '0.00000'],
    ['fCurrency', { fCurrency: '142' }, R.LIST_TOTAL_MISMATCH, '142', '502'],
    ['grossWeight', { grossWeight: '0.9' }, R.LIST_WEIGHT_MISMATCH, '0.9', '0.80000'],
    ['netWeight', { netWeight: '0.5' }, R.LIST_WEIGHT_MISMATCH, '0.5', '0.60000'],
    ['packNo', { packNo: 2 }, R.LIST_WEIGHT_MISMATCH, '2', '1'],
  ])(
    'given a list whose %s differs, then one reason names it and both values',
    (field, o, code, filed, compiled) => {
      expectOne(compareFiledList(exportList(o), m), code, field, filed, compiled);
    },
  );

  it('given several groups differing, then one reason per field, in group order', () => {
    const rs = compareFiledList(
      exportList({ tradeMode: '1210', ebcCode: 'EBC0000009', grossWeight: '1' }),
      m,
    );
    expect(codes(rs)).toEqual([
      R.LIST_ENTERPRISE_MISMATCH,
      R.LIST_DECLARATION_MISMATCH,
      R.LIST_WEIGHT_MISMATCH,
    ]);
  });

  it('given an agent on the compiled list, when the filed agent differs, then LIST_ENTERPRISE_MISMATCH names agentCode', () => {
    const withAgent = sampleExportManifest({ agentCode: 'AGT0000001' });
    expect(compareFiledList(exportList({ agentCode: 'AGT0000001' }), withAgent)).toEqual([]);
    expectOne(
      compareFiledList(exportList({ agentCode: 'AGT0000009' }), withAgent),
      R.LIST_ENTERPRISE_MISMATCH,
      'agentCode',
      'AGT0000009',
      'AGT0000001',
    );
  });

  it('given no agent on the compiled list, then the filer may declare as its own agent', () => {
    expect(compareFiledList(exportList({ agentCode: 'AGT0000009' }), m)).toEqual([]);
  });

  it('given voyageNo, billNo or POD only on one side, then they are not compared', () => {
    expect(compareFiledList(exportList({ voyageNo: null, billNo: '', POD: null }), m)).toEqual([]);
    expect(compareFiledList(exportList({ voyageNo: 'X1' }), { ...m, voyageNo: null })).toEqual([]);
  });

  it('given an import list (CEB621, no ownerCode / statisticsFlag), then those are not compared', () => {
    expect(
      compareFiledList(importList({ ownerCode: null, statisticsFlag: null }), sampleImportManifest()),
    ).toEqual([]);
  });
});

describe('compareFiledList: goods lines, matched by gnum', () => {
  const m = sampleExportManifest();

  it('given a compiled line missing from the list, then LIST_ITEM_MISMATCH names it (and the goods value differs)', () => {
    const list = exportList();
    const rs = compareFiledList({ ...list, items: [item(list, 1)] }, m);
    expect(codes(rs)).toEqual([R.LIST_ITEM_MISMATCH, R.LIST_TOTAL_MISMATCH]);
    expect(rs[0].message).toMatch(/item 2: .*4202310090.*missing from the filed list/);
    expect(rs[1].message).toContain('goodsValue');
    expect(rs[1].message).toContain('39.80000');
    expect(rs[1].message).toContain('64.80000');
  });

  it('given an extra line, then LIST_ITEM_MISMATCH names it', () => {
    const list = exportList();
    const extra = { ...item(list, 2), gnum: 3, totalPrice: '0', qty: '0' };
    const rs = compareFiledList({ ...list, items: [...list.items, extra] }, m);
    expectOne(rs, R.LIST_ITEM_MISMATCH, 'item 3', 'not in the compiled list');
  });

  it('given a gnum filed twice, then LIST_ITEM_MISMATCH says so', () => {
    const list = exportList();
    const twice = { ...item(list, 2), totalPrice: '0' };
    expectOne(
      compareFiledList({ ...list, items: [...list.items, twice] }, m),
      R.LIST_ITEM_MISMATCH,
      'item 2',
      'more than once',
    );
  });

  it('given a line with another qty, then one reason names the line, qty and both values', () => {
    expectOne(
      compareFiledList(withItem(exportList(), 1, { qty: '3' }), m),
      R.LIST_ITEM_MISMATCH,
      'item 1 qty',
      '"3"',
      '2.00000',
    );
  });

  it.each<[string, Partial<FiledList['items'][number]>, string, string]>([
    ['gcode', { gcode: '6109909000' }, '6109909000', '6109100021'],
    ['unit', { unit: '035' }, '035', '011'],
    ['price', { price: '20.00000' }, '20.00000', '19.90000'],
    ['currency', { currency: '142' }, '142', '502'],
  ])('given a line with another %s, then LIST_ITEM_MISMATCH names it', (field, o, filed, compiled) => {
    expectOne(
      compareFiledList(withItem(exportList(), 1, o), m),
      R.LIST_ITEM_MISMATCH,
      `item 1 ${field}`,
      filed,
      compiled,
    );
  });

  it('given a line with another totalPrice, then the line and the goods value are named', () => {
    const rs = compareFiledList(withItem(exportList(), 2, { totalPrice: '26' }), m);
    expect(codes(rs)).toEqual([R.LIST_ITEM_MISMATCH, R.LIST_TOTAL_MISMATCH]);
    expect(rs[0].message).toContain('item 2 totalPrice');
    expect(rs[1].message).toContain('65.80000');
  });
});

describe('compareFiledList: decimals are compared as numbers', () => {
  it('given amounts written differently but equal ("1.5" vs "1.50000"), then no reason', () => {
    const m = sampleExportManifest({ freight: '1.50000' });
    let list = exportList({ freight: '1.5', insuredFee: '0', grossWeight: '0.8', netWeight: '000.60' });
    list = withItem(list, 1, { qty: '2', price: '19.9', totalPrice: '39.80' });
    expect(compareFiledList(list, m)).toEqual([]);
  });

  it('given an amount that is not a decimal, then it is reported, not thrown', () => {
    const rs = compareFiledList(exportList({ freight: 'five' }), sampleExportManifest());
    expectOne(rs, R.LIST_TOTAL_MISMATCH, 'freight', 'five');
  });
});

describe('compareFiledList: import buyer and consignee', () => {
  const m: Manifest = sampleImportManifest();
  const docs = { order: sampleImportOrder(), waybill: sampleImportWaybill() };

  it('given another buyer id number, then LIST_BUYER_MISMATCH names buyerIdNumber, never the number', () => {
    const rs = compareFiledList(importList({ buyerIdNumber: '110101199001019999' }), m);
    expectOne(rs, R.LIST_BUYER_MISMATCH, 'buyerIdNumber');
    expect(rs[0].message).not.toContain('110101199001019999');
    expect(rs[0].message).not.toContain('110101199001011234');
  });

  it('given no buyer id number, then LIST_BUYER_MISMATCH', () => {
    expectOne(
      compareFiledList(importList({ buyerIdNumber: null }), m),
      R.LIST_BUYER_MISMATCH,
      'buyerIdNumber',
    );
  });

  it('given another buyer id type, then LIST_BUYER_MISMATCH names it and both values', () => {
    expectOne(
      compareFiledList(importList({ buyerIdType: '2' }), m),
      R.LIST_BUYER_MISMATCH,
      'buyerIdType',
      '"2"',
      '"1"',
    );
  });

  it('given another buyer name, then LIST_BUYER_MISMATCH names the field, not the names', () => {
    const rs = compareFiledList(importList({ buyerName: 'Li Si' }), m);
    expectOne(rs, R.LIST_BUYER_MISMATCH, 'buyerName');
    expect(rs[0].message).not.toContain('Li Si');
    expect(rs[0].message).not.toContain('Zhang San');
  });

  it('given the case documents, when telephone or address differ, then buyer and consignee reasons', () => {
    const list = importList({ buyerTelephone: '13900000000', consigneeAddress: 'No. 2 Other Road' });
    const rs = compareFiledList(list, m, docs);
    expect(codes(rs)).toEqual([R.LIST_BUYER_MISMATCH, R.LIST_CONSIGNEE_MISMATCH]);
    expect(rs[0].message).toContain('buyerTelephone');
    expect(rs[1].message).toContain('consigneeAddress');
    expect(rs.map((r) => r.message).join(' ')).not.toContain('Other Road');
    // without the documents the compiled list alone cannot tell
    expect(compareFiledList(list, m)).toEqual([]);
  });

  it('given an import list with another currency, then LIST_TOTAL_MISMATCH names currency', () => {
    expectOne(
      compareFiledList(importList({ currency: '502' }), m),
      R.LIST_TOTAL_MISMATCH,
      'currency',
      '502',
      '142',
    );
  });
});

describe('validateFiledList', () => {
  it.each<[string, Partial<FiledList>, string]>([
    ['a malformed guid', { guid: 'abc' }, R.INVALID_GUID],
    ['appType 4', { appType: '4' }, R.INVALID_APP_TYPE],
    ['a 31 February appTime', { appTime: '20260231120000' }, R.INVALID_APP_TIME],
    ['appStatus 3', { appStatus: '3' }, R.INVALID_APP_STATUS],
    ['ieFlag X', { ieFlag: 'X' }, R.INVALID_IE_FLAG],
    ['no copNo', { copNo: '' }, R.MISSING_FIELD],
    ['no agentCode', { agentCode: ' ' }, R.MISSING_FIELD],
    ['a 3-digit customsCode', { customsCode: '514' }, R.INVALID_FIELD],
    ['the import-only trade mode 1239', { tradeMode: '1239' }, R.INVALID_FIELD],
    ['a freight with 6 fraction digits', { freight: '1.000001' }, R.INVALID_DECIMAL],
    ['a negative gross weight', { grossWeight: '-1' }, R.INVALID_DECIMAL],
    ['packNo 0', { packNo: 0 }, R.INVALID_FIELD],
    ['no statisticsFlag', { statisticsFlag: null }, R.MISSING_FIELD],
    ['a 31 November ieDate', { ieDate: '20261131' }, R.INVALID_FIELD],
    ['no goods lines', { items: [] }, R.INVALID_ITEMS],
  ])('given an export list with %s, then it is refused with that code', (_, o, code) => {
    expect(codes(validateFiledList(exportList(o)))).toEqual([code]);
  });

  it.each<[string, Partial<FiledList>, string]>([
    ['no buyer id number', { buyerIdNumber: null }, R.MISSING_FIELD],
    ['buyerIdType 3', { buyerIdType: '3' }, R.INVALID_FIELD],
    ['no consignee address', { consigneeAddress: '' }, R.MISSING_FIELD],
    ['no currency', { currency: null }, R.MISSING_FIELD],
    ['no declTime', { declTime: null }, R.MISSING_FIELD],
    ['no platform name', { ebpName: null }, R.MISSING_FIELD],
    ['trade mode 9710', { tradeMode: '9710' }, R.INVALID_FIELD],
  ])('given an import list with %s, then it is refused with that code', (_, o, code) => {
    expect(codes(validateFiledList(importList(o)))).toEqual([code]);
  });

  it('given an export list without buyer and an import list without owner, then both are valid (each its own message)', () => {
    expect(validateFiledList(exportList({ buyerIdNumber: null, currency: null }))).toEqual([]);
    expect(
      validateFiledList(importList({ ownerCode: null, POD: null, fCurrency: null, ieDate: null })),
    ).toEqual([]);
  });

  it('given goods-line problems, then each is named with its line', () => {
    let list = withItem(exportList(), 1, { gcode: '61091000', qty: '1.5.0' });
    list = withItem(list, 2, { gnum: 5, unit: '' });
    const rs = validateFiledList(list);
    expect(codes(rs)).toEqual([R.INVALID_FIELD, R.INVALID_DECIMAL, R.INVALID_ITEMS, R.MISSING_FIELD]);
    expect(rs.map((r) => r.message)).toEqual([
      expect.stringContaining('items[0].gcode'),
      expect.stringContaining('items[0].qty'),
      expect.stringContaining('items[1].gnum 5 must be 2'),
      expect.stringContaining('items[1].unit is required'),
    ]);
  });
});
