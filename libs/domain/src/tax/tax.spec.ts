import { schemaByName, type Commodity } from '@clearance/contracts';
import { ParcelGenerator, REALISTIC_ERRORS, type GeneratedParcel } from '@clearance/generator';
import { ReasonCode } from '../common/reasons';
import { lookupBy, sampleCommodity, sampleImportManifest } from '../testing/samples';
import {
  checkDeclaredTax,
  importTaxBill,
  taxBillOf,
  type TaxBillComputation,
  type TaxBillInput,
  type TaxBillInputItem,
} from './tax-bill';

// the HS codes and rates of the shipped reference data (libs/generator/reference/commodities.json)
const COMMODITIES: Commodity[] = [
  sampleCommodity('3304990099', { vatRate: '0.13000', consumptionTaxRate: '0.15000' }), // cosmetics
  sampleCommodity('0402210000', { vatRate: '0.13000' }), // milk powder
  sampleCommodity('0902101000', { vatRate: '0.09000' }), // green tea
  sampleCommodity('2204210000', { vatRate: '0.13000', consumptionTaxRate: '0.10000' }), // wine
  sampleCommodity('1302110000'), // opium sap: prohibited, no rates
];
const commodityOf = lookupBy(COMMODITIES, (c) => c.gcode);

const item = (gnum: number, gcode: string, totalPrice: string, currency = '142'): TaxBillInputItem => ({
  gnum,
  gcode,
  totalPrice,
  currency,
});
const list = (items: TaxBillInputItem[], freight = '0.00000', insuredFee = '0.00000'): TaxBillInput => ({
  items,
  freight,
  insuredFee,
});
const taxes = (b: TaxBillComputation) => ({
  customsValue: b.customsValueTotal,
  duty: b.dutyTotal,
  consumptionTax: b.consumptionTaxTotal,
  vat: b.vatTotal,
  total: b.taxTotal,
});

describe('import tax bill: DOMAIN.md examples', () => {
  it('given goods without consumption tax at 13 % VAT, when billed, then they pay 9.1 %', () => {
    const b = importTaxBill(list([item(1, '0402210000', '100.00000')]), commodityOf);
    expect(taxes(b)).toEqual({
      customsValue: '100.00000',
      duty: '0.00000',
      consumptionTax: '0.00000',
      vat: '9.10000',
      total: '9.10000',
    });
    expect(b.problems).toEqual([]);
    expect(b.consumptionTaxApplies).toBe(false);
  });

  it('given cosmetics at 15 % consumption tax, when billed, then they pay 0.7 × (0.15/0.85 + 0.13/0.85) ≈ 23.06 %', () => {
    const b = importTaxBill(list([item(1, '3304990099', '100.00000')]), commodityOf);
    // consumption tax 100 × 0.15 / 0.85 × 0.7 = 12.3529…; VAT (100 + 17.647…) × 0.13 × 0.7 = 10.7058…
    expect(taxes(b)).toEqual({
      customsValue: '100.00000',
      duty: '0.00000',
      consumptionTax: '12.35000',
      vat: '10.71000',
      total: '23.06000',
    });
    expect(b.items).toEqual([
      {
        gnum: 1,
        gcode: '3304990099',
        customsValue: '100.00000',
        dutyValue: '0.00000',
        consumptionTax: '12.35000',
        vat: '10.71000',
        taxTotal: '23.06000',
      },
    ]);
    expect(b.consumptionTaxApplies).toBe(true);
  });
});

describe('import tax bill: lists', () => {
  it('given several commodities with and without consumption tax and freight + insurance, when billed, then each item is taxed at its rates and the items add up to the totals', () => {
    const b = importTaxBill(
      list(
        [
          item(1, '3304990099', '100.00000'), // cosmetics 13 % + 15 %
          item(2, '0402210000', '200.00000'), // milk powder 13 %
          item(3, '0902101000', '50.00000'), // tea 9 %
          item(4, '2204210000', '80.00000'), // wine 13 % + 10 %
        ],
        '20.00000',
        '1.50000',
      ),
      commodityOf,
    );
    // freight + insurance 21.50 over 430 of goods: 5, 10, 2.50, 4
    expect(b.items.map((i) => i.customsValue)).toEqual(['105.00000', '210.00000', '52.50000', '84.00000']);
    // exact consumption tax 12.9706 + 6.5333 = 19.5039; VAT 11.2412 + 19.11 + 3.3075 + 8.4933 = 42.1520
    expect(taxes(b)).toEqual({
      customsValue: '451.50000',
      duty: '0.00000',
      consumptionTax: '19.50000',
      vat: '42.15000',
      total: '61.65000',
    });
    expect(b.items.map((i) => [i.consumptionTax, i.vat, i.taxTotal])).toEqual([
      ['12.97000', '11.24000', '24.21000'],
      ['0.00000', '19.11000', '19.11000'],
      ['0.00000', '3.31000', '3.31000'], // 3.3075: the largest remainder takes the fen left over
      ['6.53000', '8.49000', '15.02000'],
    ]);
    expect(b.items.every((i) => i.dutyValue === '0.00000')).toBe(true);
    expect(b.consumptionTaxApplies).toBe(true);
  });

  it('given freight and insurance that do not divide evenly, when allocated, then shares go by value (rounded down) and the last item takes the remainder', () => {
    const b = importTaxBill(
      list(
        [
          item(1, '0402210000', '10.00000'),
          item(2, '0402210000', '20.00000'),
          item(3, '0402210000', '30.00000'),
        ],
        '10.00000',
        '0.01000',
      ),
      commodityOf,
    );
    // 10.01 × 10/60 = 1.668333…, × 20/60 = 3.336666…, last 10.01 − 1.66833 − 3.33666 = 5.00501
    expect(b.items.map((i) => i.customsValue)).toEqual(['11.66833', '23.33666', '35.00501']);
    expect(b.customsValueTotal).toBe('70.01000');
    expect(b.vatTotal).toBe('6.37000'); // 70.01 × 0.091 = 6.37091
  });

  it('given insurance only on the waybill (a Manifest as input), when billed, then it is part of the customs value', () => {
    const m = sampleImportManifest({ freight: '0.00000', insuredFee: '10.00000' });
    const b = importTaxBill(
      m,
      lookupBy([sampleCommodity('3304990099', { vatRate: '0.13000' })], (c) => c.gcode),
    );
    expect(b.customsValueTotal).toBe('110.00000');
    expect(b.vatTotal).toBe('10.01000');
  });

  it('given items whose taxes each end in half a fen, when billed, then each tax is rounded once per list, not per item', () => {
    // 38.50 × 0.091 = 3.5035 per item: rounded per item 3.50 + 3.50 = 7.00; per list 7.007 -> 7.01
    const b = importTaxBill(
      list([item(1, '0402210000', '38.50000'), item(2, '0402210000', '38.50000')]),
      commodityOf,
    );
    expect(b.vatTotal).toBe('7.01000');
    expect(b.taxTotal).toBe('7.01000');
    // per item: fen by largest remainder so that they add up (tie: the earlier item)
    expect(b.items.map((i) => i.vat)).toEqual(['3.51000', '3.50000']);
  });

  it('given amounts too small for a fen each, when billed, then the list still pays what their sum rounds to', () => {
    // 5 × 0.05 × 0.091 = 0.02275 -> 0.02 (per item 0.00455 would round to 0.00 each)
    const b = importTaxBill(list([1, 2, 3, 4, 5].map((g) => item(g, '0402210000', '0.05000'))), commodityOf);
    expect(b.vatTotal).toBe('0.02000');
    expect(b.items.map((i) => i.vat)).toEqual(['0.01000', '0.01000', '0.00000', '0.00000', '0.00000']);
  });

  it('given the same list twice, when billed, then the bills are identical (pure)', () => {
    const l = list(
      [item(1, '3304990099', '99.99000'), item(2, '2204210000', '0.01000')],
      '7.77000',
      '0.33000',
    );
    expect(importTaxBill(l, commodityOf)).toEqual(importTaxBill(l, commodityOf));
  });
});

describe('import tax bill: items that cannot be taxed', () => {
  it('given an unknown commodity, when billed, then the item is a TAX_RATE_UNKNOWN problem and the bill is incomplete', () => {
    const b = importTaxBill(
      list([item(1, '0402210000', '100.00000'), item(2, '9999999999', '50.00000')]),
      commodityOf,
    );
    expect(b.problems).toEqual([
      { code: ReasonCode.TAX_RATE_UNKNOWN, message: expect.stringContaining('item 2 (9999999999)') },
    ]);
    expect(b.items[1]).toMatchObject({ customsValue: '50.00000', consumptionTax: '0.00000', vat: '0.00000' });
    expect(b.vatTotal).toBe('9.10000'); // the other items only
    // the declaration cannot be judged on an incomplete bill: its problems are the reasons
    expect(checkDeclaredTax('9.10000', b)).toEqual(b.problems);
  });

  it('given a commodity without a VAT rate, or with a rate out of range, when billed, then the item is a problem', () => {
    const odd = lookupBy(
      [...COMMODITIES, sampleCommodity('0000000001', { vatRate: '0.13000', consumptionTaxRate: '1.00000' })],
      (c) => c.gcode,
    );
    const b = importTaxBill(
      list([item(1, '1302110000', '10.00000'), item(2, '0000000001', '10.00000')]),
      odd,
    );
    expect(b.problems.map((p) => p.code)).toEqual([ReasonCode.TAX_RATE_UNKNOWN, ReasonCode.TAX_RATE_UNKNOWN]);
    expect(b.problems[0].message).toContain('VAT rate missing');
    expect(b.problems[1].message).toContain('consumption-tax rate "1.00000" not in [0, 1)');
  });

  it('given an item in another currency than 142, when billed, then it is a CURRENCY_MISMATCH problem', () => {
    const b = importTaxBill(list([item(1, '0402210000', '10.00000', '502')]), commodityOf);
    expect(b.problems.map((p) => p.code)).toEqual([ReasonCode.CURRENCY_MISMATCH]);
  });
});

describe('declared taxTotal against the bill', () => {
  const vatOnly = importTaxBill(list([item(1, '0402210000', '100.00000')]), commodityOf); // 9.10
  const withConsumption = importTaxBill(list([item(1, '3304990099', '100.00000')]), commodityOf); // 23.06

  it('given VAT alone, when the declared total is within 0.01, then there is no reason', () => {
    for (const d of ['9.10000', '9.11000', '9.09', '9.1']) expect(checkDeclaredTax(d, vatOnly)).toEqual([]);
  });

  it('given VAT alone, when the declared total is off by more than 0.01, then TAX_MISMATCH names both amounts and the kind', () => {
    const [r, ...more] = checkDeclaredTax('9.12000', vatOnly);
    expect(more).toEqual([]);
    expect(r.code).toBe(ReasonCode.TAX_MISMATCH);
    expect(r.message).toBe(
      'taxTotal declared 9.12000 != computed 9.10000 = duty 0.00000 + VAT 9.10000: off by 0.02000, over the tolerance 0.01000 (0.01000 per tax kind: VAT)',
    );
    expect(checkDeclaredTax('9.08000', vatOnly)).toHaveLength(1);
    expect(checkDeclaredTax('9.10001', vatOnly)).toEqual([]);
    expect(checkDeclaredTax('9.11001', vatOnly)).toHaveLength(1);
  });

  it('given consumption tax and VAT, when the declared total is within 0.01 per kind (0.02), then there is no reason', () => {
    for (const d of ['23.06000', '23.08000', '23.04000'])
      expect(checkDeclaredTax(d, withConsumption)).toEqual([]);
  });

  it('given consumption tax and VAT, when the declared total is off by more than 0.02, then TAX_MISMATCH names each kind', () => {
    // the seller withheld VAT at 9.1 % only, forgetting the consumption tax
    const [r] = checkDeclaredTax('9.10000', withConsumption);
    expect(r.code).toBe(ReasonCode.TAX_MISMATCH);
    expect(r.message).toBe(
      'taxTotal declared 9.10000 != computed 23.06000 = duty 0.00000 + consumption tax 12.35000 + VAT 10.71000: off by 13.96000, over the tolerance 0.02000 (0.01000 per tax kind: consumption tax, VAT)',
    );
    expect(checkDeclaredTax('23.09000', withConsumption)).toHaveLength(1);
    expect(checkDeclaredTax('23.03000', withConsumption)).toHaveLength(1);
  });

  it('given no taxTotal declared, when checked, then it counts as 0', () => {
    const [r] = checkDeclaredTax(null, vatOnly);
    expect(r.message).toMatch(/^taxTotal none declared \(0\) != computed 9.10000/);
    const free = importTaxBill(list([item(1, '0402210000', '0.05000')]), commodityOf); // 0.00455 -> 0.00
    expect(checkDeclaredTax(null, free)).toEqual([]);
  });
});

describe('TaxBill event', () => {
  const cream = lookupBy(
    [sampleCommodity('3304990099', { vatRate: '0.13000', consumptionTaxRate: '0.15000' })],
    (c) => c.gcode,
  );

  it('given an import list, when its bill is built, then it is a valid TaxBill with a guid derived from the list', () => {
    // the sample: 100 CNY of face cream + 10 freight = 110 customs value -> 13.59 + 11.78 = 25.37
    const m = sampleImportManifest({ taxTotal: '25.37000' });
    const bill = importTaxBill(m, cream);
    const e = taxBillOf(m, bill, m.taxTotal, 1_700_000_000_000);
    expect(schemaByName('TaxBill').type.isValid(e)).toBe(true);
    expect(e).toMatchObject({
      invtNo: m.invtNo,
      orderKey: m.orderKey,
      waybillKey: m.waybillKey,
      ebpCode: m.ebpCode,
      orderNo: m.orderNo,
      ebcCode: m.ebcCode,
      buyerIdHash: m.buyerIdHash,
      currency: '142',
      customsValueTotal: '110.00000',
      dutyTotal: '0.00000',
      consumptionTaxTotal: '13.59000',
      vatTotal: '11.78000',
      taxTotal: '25.37000',
      declaredTaxTotal: '25.37000',
      status: 'OK',
      computedAt: 1_700_000_000_000,
    });
    expect(e.guid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(taxBillOf(m, importTaxBill(m, cream), m.taxTotal, 1_700_000_000_000)).toEqual(e);
    expect(taxBillOf(sampleImportManifest({ guid: 'OTHER' }), bill, m.taxTotal, 0).guid).not.toBe(e.guid);
  });

  it('given a declared total outside the tolerance or an incomplete bill, when the event is built, then its status says so', () => {
    const m = sampleImportManifest(); // declares 25.37, what the bill computes
    expect(taxBillOf(m, importTaxBill(m, cream), m.taxTotal, 0).status).toBe('OK');
    expect(taxBillOf(m, importTaxBill(m, cream), '9.10000', 0).status).toBe('MISMATCH');
    const incomplete = taxBillOf(
      m,
      importTaxBill(m, () => undefined),
      null,
      0,
    );
    expect(incomplete.status).toBe('INCOMPLETE');
    expect(incomplete.declaredTaxTotal).toBeNull();
    expect(schemaByName('TaxBill').type.isValid(incomplete)).toBe(true);
  });
});

describe('generated import parcels (libs/generator) declare exactly the bill', () => {
  it('given thousands of generated import parcels, when billed from their items, freight and insurance, then the taxTotal is the bill to the fen', () => {
    const gen = new ParcelGenerator({
      seed: 20261117,
      startTime: Date.UTC(2026, 10, 2, 1),
      errors: REALISTIC_ERRORS,
      mix: { importShare: 0.9 },
    });
    const refs = lookupBy(gen.catalog.commodities, (c) => c.gcode);
    const imports: GeneratedParcel[] = gen.take(4000).filter((p) => p.ieFlag === 'I');
    expect(imports.length).toBeGreaterThan(3000);
    let withConsumptionTax = 0;
    let withInsurance = 0;
    let complete = 0;
    for (const p of imports) {
      const bill = importTaxBill(
        { items: p.order.items, freight: p.order.freight, insuredFee: p.waybill.insuredFee },
        refs,
      );
      if (bill.problems.length > 0) {
        // only prohibited goods have no VAT rate (and they are refused)
        expect(p.order.items.some((i) => refs(i.gcode)?.control === 'PROHIBITED')).toBe(true);
        continue;
      }
      complete++;
      if (bill.consumptionTaxApplies) withConsumptionTax++;
      if (p.waybill.insuredFee !== null && p.waybill.insuredFee !== '0.00000') withInsurance++;
      expect({ order: p.orderKey, taxTotal: p.order.taxTotal }).toEqual({
        order: p.orderKey,
        taxTotal: bill.taxTotal,
      });
      expect(checkDeclaredTax(p.order.taxTotal, bill)).toEqual([]);
    }
    expect(complete).toBeGreaterThan(3000);
    expect(withConsumptionTax).toBeGreaterThan(50);
    expect(withInsurance).toBeGreaterThan(300);
  });
});
