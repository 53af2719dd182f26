/**
 * The query API on the real Postgres: the projector's schemas (its migration files) under a unique
 * prefix, rows inserted directly, the app listening on port 0 and called with fetch.
 */
import * as path from 'node:path';
import type { Pool } from 'pg';
import { openPool, readMigrations } from '@clearance/postgres';
import { stackEnv, uniqueName } from '@clearance/testing';
import { createQueryApi, type RunningQueryApi } from '../src/app';

const prefix = `q_${uniqueName('x').split('-')[1]}_`;
const S = (p: string, t: string) => `"${prefix}${p}"."${t}"`;
let pool: Pool;
let api: RunningQueryApi;

async function insert(table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  for (const r of rows) {
    const cols = Object.keys(r);
    await pool.query(
      `INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
      cols.map((c) =>
        r[c] !== null && typeof r[c] === 'object' && !Array.isArray(r[c]) ? JSON.stringify(r[c]) : r[c],
      ),
    );
  }
}

const T0 = Date.UTC(2026, 10, 20, 2);
const ev = (offset: number, kind: string, extra: Record<string, unknown>) => ({
  topic: kind === 'RECEIPT' ? 'clearance.receipt.v1' : `clearance.${kind.toLowerCase()}.v1`,
  partition: 0,
  offset,
  order_key: 'EBP0000001:ORD1',
  waybill_key: 'LOG0000001:WB1',
  event_time: T0 + offset * 60_000,
  rank: 0,
  kind,
  status: null,
  participant: null,
  doc_type: null,
  info: null,
  payload: { n: offset },
  ...extra,
});

async function fixtures(): Promise<void> {
  await insert(S('parcels', 'parcel'), [
    {
      order_key: 'EBP0000001:ORD1',
      ebp_code: 'EBP0000001',
      order_no: 'ORD1',
      waybill_key: 'LOG0000001:WB1',
      logistics_code: 'LOG0000001',
      logistics_no: 'WB1',
      invt_no: '514120260E000000001',
      ie_flag: 'E',
      ebc_code: 'EBC0000001',
      trade_mode: '9610',
      outcome: 'RELEASE',
      rule_set_version: 'v1',
      status: '899',
      status_name: 'CLEARED',
      status_info: 'cleared: departed',
      status_time: T0 + 5 * 60_000,
      status_order: '4|x',
      first_event_time: T0,
      last_event_time: T0 + 5 * 60_000,
      event_count: 6,
    },
  ]);
  await insert(S('parcels', 'parcel_event'), [
    ev(5, 'CLEARED', { rank: 4, status: '899', info: 'cleared: departed' }),
    ev(0, 'RECEIPT', { status: '2', participant: 'EBP', doc_type: 'ORDER', info: 'accepted' }),
    ev(2, 'MANIFEST', { rank: 1, status: '120' }),
    ev(1, 'RECEIPT', {
      rank: 1,
      status: '120',
      participant: 'EBP',
      doc_type: 'ORDER',
      info: 'matched',
      event_time: T0 + 2 * 60_000,
    }),
    ev(3, 'DECISION', { rank: 2, status: '800', info: 'RELEASE' }),
    ev(4, 'RECEIPT', {
      rank: 2,
      status: '800',
      participant: 'EBP',
      doc_type: 'LIST',
      info: 'released',
      event_time: T0 + 3 * 60_000,
    }),
    // a departure line before any decision names only the waybill
    {
      ...ev(6, 'RECEIPT', { rank: 4, status: '2', participant: 'CARRIER', doc_type: 'DEPARTURE' }),
      order_key: null,
      waybill_key: 'LOG0000001:WB9',
    },
  ]);
  await insert(S('parcels', 'decision'), [
    {
      guid: 'DEC-1',
      waybill_key: 'LOG0000001:WB1',
      order_key: 'EBP0000001:ORD1',
      invt_no: '514120260E000000001',
      ie_flag: 'E',
      outcome: 'RELEASE',
      return_status: '800',
      score: 0,
      rule_set_version: 'v1',
      decided_at: T0 + 3 * 60_000,
      last_document_time: T0,
      topic: 'd',
      partition: 0,
      offset: 3,
    },
  ]);
  await insert(S('parcels', 'decision_rule'), [
    {
      decision_guid: 'DEC-1',
      seq: 0,
      rule_id: 'R-SAMPLE',
      kind: 'SAMPLING',
      outcome: 'INSPECT',
      score: 0,
      reason: 'not sampled',
    },
  ]);

  // an import parcel: its list's tax bill, in the trail with the list (and an older bill of another
  // list number for the same order, which the view does not pick)
  const imp = { order_key: 'EBP0000001:ORD2', waybill_key: 'LOG0000001:WB2' };
  await insert(S('parcels', 'parcel'), [
    {
      ...imp,
      ebp_code: 'EBP0000001',
      order_no: 'ORD2',
      logistics_code: 'LOG0000001',
      logistics_no: 'WB2',
      invt_no: '514120260I000000002',
      ie_flag: 'I',
      ebc_code: 'EBC0000009',
      trade_mode: '9610',
      outcome: 'RELEASE',
      rule_set_version: 'v1',
      status: '800',
      status_name: 'RELEASED',
      status_info: 'released',
      status_time: T0 + 13 * 60_000,
      status_order: '2|1|x',
      first_event_time: T0 + 10 * 60_000,
      last_event_time: T0 + 13 * 60_000,
      event_count: 6,
    },
  ]);
  await insert(S('parcels', 'parcel_event'), [
    ev(10, 'RECEIPT', { ...imp, status: '2', participant: 'EBP', doc_type: 'ORDER', info: 'accepted' }),
    ev(12, 'RECEIPT', {
      ...imp,
      rank: 1,
      status: '120',
      participant: 'EBP',
      doc_type: 'ORDER',
      event_time: T0 + 11 * 60_000,
    }),
    ev(14, 'RECEIPT', {
      ...imp,
      rank: 2,
      status: '800',
      participant: 'EBP',
      doc_type: 'LIST',
      event_time: T0 + 13 * 60_000,
    }),
    ev(11, 'MANIFEST', { ...imp, rank: 1, status: '120', event_time: T0 + 11 * 60_000 }),
    ev(11, 'TAX_BILL', {
      ...imp,
      topic: 'clearance.tax-bill.v1',
      rank: 1,
      status: null,
      info: 'tax bill OK: tax 127.86000 142',
      event_time: T0 + 11 * 60_000,
    }),
    ev(13, 'DECISION', { ...imp, rank: 2, status: '800', event_time: T0 + 12 * 60_000 }),
  ]);
  const bill = (guid: string, invtNo: string, computedAt: number, offset: number) => ({
    guid,
    invt_no: invtNo,
    ...imp,
    status: 'OK',
    customs_value_total: '928.85',
    duty_total: '0',
    consumption_tax_total: '38.35',
    vat_total: '89.51',
    tax_total: '127.86',
    declared_tax_total: '127.86000',
    computed_at: computedAt,
    topic: 'clearance.tax-bill.v1',
    partition: 0,
    offset,
    payload: {
      guid,
      invtNo,
      orderKey: imp.order_key,
      waybillKey: imp.waybill_key,
      ebcCode: 'EBC0000009',
      currency: '142',
      items: [
        {
          gnum: 1,
          gcode: '8516310000',
          customsValue: '618.39000',
          dutyValue: '0.00000',
          consumptionTax: '0.00000',
          vat: '56.27000',
          taxTotal: '56.27000',
        },
        {
          gnum: 2,
          gcode: '3304990099',
          customsValue: '310.46000',
          dutyValue: '0.00000',
          consumptionTax: '38.35000',
          vat: '33.24000',
          taxTotal: '71.59000',
        },
      ],
    },
  });
  await insert(S('parcels', 'tax_bill'), [
    bill('TB-2', '514120260I000000002', T0 + 11 * 60_000, 11),
    bill('TB-OTHER', '514120260I000000099', T0 + 20 * 60_000, 20),
  ]);

  const decl = (no: string, period: string, ebc: string, sequence: number, lines: number) => ({
    declaration_no: no,
    declaration_key: `${ebc}|5|502|5141|9610`,
    period,
    sequence,
    kind: sequence === 0 ? 'ORIGINAL' : 'AMENDMENT',
    ebc_code: ebc,
    ebc_name: `Seller ${ebc}, Ltd`,
    owner_code: null,
    summary_flag: '1',
    statistics_flag: 'B',
    trade_mode: '9610',
    traf_mode: '5',
    country: '502',
    port_code: '5141',
    customs_code: '5141',
    start_time: `${period}01000000`,
    end_time: '20261201000000',
    list_count: lines,
    gross_weight: '1.60000',
    net_weight: '1.20000',
    total_fob_cny: '920.16000',
    total_rebate_cny: '73.47080',
    closed_at: Date.UTC(2026, 11, 1),
    invt_nos: Array.from({ length: lines }, (_, i) => `INV${no}${i}`),
    topic: 's',
    partition: 0,
    offset: 0,
  });
  const line = (no: string, lineNo: number, gcode: string) => ({
    declaration_no: no,
    line_no: lineNo,
    gcode,
    gname: `goods "${gcode}"`,
    unit: '011',
    currency: '502',
    qty: '2.00000',
    unit1: '011',
    qty1: '2.00000',
    total_price: '50.00000',
    gross_weight: '0.80000',
    net_weight: '0.60000',
    list_count: 2,
    fob_cny: '355.00000',
    rebate_rate: gcode.startsWith('61') ? '0.13000' : null,
    rebate_amount: gcode.startsWith('61') ? '46.15000' : '0.00000',
  });
  await insert(S('declarations', 'declaration'), [
    decl('SD202611AAAAAAAAAAAA00', '202611', 'EBC0000001', 0, 2),
    decl('SD202611AAAAAAAAAAAA01', '202611', 'EBC0000001', 1, 1),
    decl('SD202611BBBBBBBBBBBB00', '202611', 'EBC0000002', 0, 1),
    decl('SD202612AAAAAAAAAAAA00', '202612', 'EBC0000001', 0, 1),
  ]);
  await insert(S('declarations', 'declaration_line'), [
    line('SD202611AAAAAAAAAAAA00', 1, '4202310090'),
    line('SD202611AAAAAAAAAAAA00', 2, '6109100021'),
    line('SD202611AAAAAAAAAAAA01', 1, '6109100021'),
    line('SD202611BBBBBBBBBBBB00', 1, '6109100021'),
    line('SD202612AAAAAAAAAAAA00', 1, '6109100021'),
  ]);

  const wb = (invt: string) => `LOG0000001:W${invt}`;
  const list = (invt: string, o: Record<string, unknown>) => ({
    basis: 'DECIDED',
    invt_no: invt,
    waybill_key: wb(invt),
    period: '202611',
    ie_flag: 'E',
    country: '502',
    port_code: '5141',
    traf_mode: '5',
    trade_mode: '9610',
    ebp_code: 'EBP0000001',
    logistics_code: 'LOG0000001',
    ebc_code: 'EBC0000001',
    customs_code: '5141',
    outcome: 'RELEASE',
    return_status: '800',
    rule_set_version: 'v1',
    currency: '502',
    goods_value: '10.00000',
    gross_weight: '1.00000',
    event_time: T0,
    ...o,
  });
  const item = (
    invt: string,
    gnum: number,
    gcode: string,
    price: string,
    currency = '502',
    basis = 'DECIDED',
  ) => ({
    basis,
    invt_no: invt,
    waybill_key: wb(invt),
    gnum,
    gcode,
    chapter: gcode.slice(0, 2),
    heading: gcode.slice(0, 4),
    currency,
    qty: '1.00000',
    total_price: price,
  });
  await insert(S('statistics', 'stat_list'), [
    list('L1', {}),
    list('L2', { outcome: 'INSPECT', return_status: '500', gross_weight: '2.00000' }),
    list('L3', { country: '303', currency: '300', gross_weight: '3.00000' }),
    list('L4', { period: '202612' }),
    list('L1', { basis: 'CLEARED', outcome: 'RELEASE', return_status: '899' }),
  ]);
  await insert(S('statistics', 'stat_item'), [
    item('L1', 1, '6109100021', '10.00000'),
    item('L2', 1, '4202310090', '20.00000'),
    item('L2', 2, '6109100021', '5.00000'),
    item('L3', 1, '6109100021', '7.00000', '300'), // no EUR rate: unconverted
    item('L4', 1, '6109100021', '1.00000'),
    item('L1', 1, '6109100021', '10.00000', '502', 'CLEARED'),
  ]);
  await insert(S('statistics', 'stat_rule'), [
    { invt_no: 'L1', waybill_key: wb('L1'), seq: 0, rule_id: 'R1', kind: 'SAMPLING', outcome: 'INSPECT' },
    { invt_no: 'L2', waybill_key: wb('L2'), seq: 0, rule_id: 'R1', kind: 'SAMPLING', outcome: 'INSPECT' },
    {
      invt_no: 'L2',
      waybill_key: wb('L2'),
      seq: 1,
      rule_id: 'R2',
      kind: 'PRICE_ANOMALY',
      outcome: 'INSPECT',
    },
  ]);
  await insert(S('statistics', 'exchange_rate'), [
    { currency: '502', period: '202611', cny_per_unit: '7.10000' },
    { currency: '502', period: '202612', cny_per_unit: '7.20000' },
  ]);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Body = any;
const get = async (p: string): Promise<{ status: number; type: string; body: Body }> => {
  const res = await fetch(`${api.url}${p}`);
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, body: type.includes('json') ? await res.json() : await res.text() };
};

beforeAll(async () => {
  pool = await openPool(stackEnv().databaseUrl, 4);
  const dir = path.join(__dirname, '../../projector/migrations');
  for (const p of ['parcels', 'declarations', 'statistics']) {
    await pool.query(`CREATE SCHEMA "${prefix}${p}"`);
    const client = await pool.connect();
    try {
      await client.query(`SET search_path TO "${prefix}${p}"`);
      for (const m of readMigrations(path.join(dir, p))) await client.query(m.sql);
      await client.query('RESET search_path');
    } finally {
      client.release();
    }
  }
  await fixtures();
  api = await createQueryApi(
    { port: 0, databaseUrl: stackEnv().databaseUrl, schemaPrefix: prefix },
    { logger: false },
  );
});

afterAll(async () => {
  await api?.close();
  for (const p of ['parcels', 'declarations', 'statistics'])
    await pool.query(`DROP SCHEMA IF EXISTS "${prefix}${p}" CASCADE`);
  await pool?.end();
});

describe('query API', () => {
  it('serves a parcel by order and by waybill: status and the audit trail in event order', async () => {
    const r = await get('/parcels/by-order/EBP0000001/ORD1');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      orderKey: 'EBP0000001:ORD1',
      waybillKey: 'LOG0000001:WB1',
      invtNo: '514120260E000000001',
      status: { code: '899', name: 'CLEARED', at: new Date(T0 + 5 * 60_000).toISOString() },
      eventCount: 6,
      decisions: [{ guid: 'DEC-1', outcome: 'RELEASE', rules: [{ ruleId: 'R-SAMPLE', kind: 'SAMPLING' }] }],
    });
    expect(r.body.events.map((e: { kind: string; status: string }) => `${e.kind}:${e.status}`)).toEqual([
      'RECEIPT:2',
      'MANIFEST:120',
      'RECEIPT:120',
      'DECISION:800',
      'RECEIPT:800',
      'CLEARED:899',
    ]);
    expect(r.body.events[0]).toMatchObject({
      participant: 'EBP',
      docType: 'ORDER',
      source: { topic: 'clearance.receipt.v1', partition: 0, offset: 0 },
      payload: { n: 0 },
    });
    expect(r.body.taxBill).toBeNull(); // an export parcel has no tax bill
    const w = await get('/parcels/by-waybill/LOG0000001/WB1');
    expect(w.status).toBe(200);
    expect(w.body.orderKey).toBe('EBP0000001:ORD1');
    expect(w.body.taxBill).toBeNull();
    const early = await get('/parcels/by-waybill/LOG0000001/WB9');
    expect(early.body).toMatchObject({
      orderKey: null,
      waybillKey: 'LOG0000001:WB9',
      status: { code: null },
      eventCount: 1,
    });
  });

  it("shows an import parcel's tax bill, by order and by waybill; the bill is in the trail with its list and sets no status", async () => {
    const taxBill = {
      guid: 'TB-2',
      invtNo: '514120260I000000002',
      ebcCode: 'EBC0000009',
      currency: '142',
      status: 'OK',
      customsValueTotal: '928.85000',
      dutyTotal: '0.00000',
      consumptionTaxTotal: '38.35000',
      vatTotal: '89.51000',
      taxTotal: '127.86000',
      declaredTaxTotal: '127.86000',
      computedAt: new Date(T0 + 11 * 60_000).toISOString(),
      items: [
        {
          gnum: 1,
          gcode: '8516310000',
          customsValue: '618.39000',
          dutyValue: '0.00000',
          consumptionTax: '0.00000',
          vat: '56.27000',
          taxTotal: '56.27000',
        },
        {
          gnum: 2,
          gcode: '3304990099',
          customsValue: '310.46000',
          dutyValue: '0.00000',
          consumptionTax: '38.35000',
          vat: '33.24000',
          taxTotal: '71.59000',
        },
      ],
      source: { topic: 'clearance.tax-bill.v1', partition: 0, offset: 11 },
    };
    for (const p of ['/parcels/by-order/EBP0000001/ORD2', '/parcels/by-waybill/LOG0000001/WB2']) {
      const r = await get(p);
      expect([p, r.status]).toEqual([p, 200]);
      expect(r.body).toMatchObject({
        orderKey: 'EBP0000001:ORD2',
        ieFlag: 'I',
        status: { code: '800', name: 'RELEASED' },
        eventCount: 6,
      });
      expect(r.body.taxBill).toEqual(taxBill);
      expect(r.body.events.map((e: { kind: string; status: string }) => `${e.kind}:${e.status}`)).toEqual([
        'RECEIPT:2',
        'MANIFEST:120',
        'TAX_BILL:null',
        'RECEIPT:120',
        'DECISION:800',
        'RECEIPT:800',
      ]);
    }
  });

  it('answers 404 for unknown ids and 400 with a message for bad ones', async () => {
    expect(await get('/parcels/by-order/EBP0000001/NOPE')).toMatchObject({
      status: 404,
      body: { message: 'no parcel with order EBP0000001:NOPE' },
    });
    expect(await get('/parcels/by-waybill/LOG0000001/NOPE')).toMatchObject({ status: 404 });
    expect(await get('/parcels/by-order/EBP0000001/bad%20no')).toMatchObject({
      status: 400,
      body: { message: 'invalid path: orderNo: orderNo must be printable ASCII without spaces' },
    });
    expect(await get('/declarations/SD202611FFFFFFFFFFFF00')).toMatchObject({
      status: 404,
      body: { message: 'no declaration SD202611FFFFFFFFFFFF00' },
    });
    expect((await get('/declarations/nope')).status).toBe(400);
    expect(await get('/declarations?period=2026-11')).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('period must be YYYYMM') },
    });
    expect(await get('/declarations?perod=202611')).toMatchObject({
      status: 400,
      body: { message: 'invalid query: unknown query parameter(s): perod' },
    });
    expect(await get('/statistics?dimension=colour')).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('dimension must be one of') },
    });
    expect(await get('/statistics?basis=cleared&dimension=rule')).toMatchObject({ status: 400 });
  });

  it('lists declarations by period and consignor with their lines, and fetches one', async () => {
    const r = await get('/declarations?period=202611&consignor=EBC0000001');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(2);
    expect(
      r.body.items.map((d: { declarationNo: string; kind: string; lines: unknown[] }) => [
        d.declarationNo,
        d.kind,
        d.lines.length,
      ]),
    ).toEqual([
      ['SD202611AAAAAAAAAAAA00', 'ORIGINAL', 2],
      ['SD202611AAAAAAAAAAAA01', 'AMENDMENT', 1],
    ]);
    expect(r.body.items[0]).toMatchObject({
      totalFobCny: '920.16000',
      closedAt: '2026-12-01T00:00:00.000Z',
      invtNos: ['INVSD202611AAAAAAAAAAAA000', 'INVSD202611AAAAAAAAAAAA001'],
    });
    expect(r.body.items[0].lines[1]).toMatchObject({
      lineNo: 2,
      gcode: '6109100021',
      rebateRate: '0.13000',
      rebateAmount: '46.15000',
    });
    expect((await get('/declarations?period=202611')).body.total).toBe(3);
    expect((await get('/declarations?consignor=EBC0000001&limit=1&offset=1')).body).toMatchObject({
      total: 3,
      limit: 1,
      offset: 1,
      items: [{ sequence: 1 }],
    });
    const one = await get('/declarations/SD202612AAAAAAAAAAAA00');
    expect(one).toMatchObject({ status: 200, body: { period: '202612', lines: [{ lineNo: 1 }] } });
  });

  it('exports declarations as CSV, one row per line', async () => {
    for (const p of ['/declarations.csv?period=202611', '/declarations?period=202611&format=csv']) {
      const r = await get(p);
      expect(r.status).toBe(200);
      expect(r.type).toContain('text/csv');
      const rows = (r.body as string).trimEnd().split('\r\n');
      expect(rows).toHaveLength(1 + 4);
      expect(rows[0].startsWith('declarationNo,kind,sequence,period,ebcCode,ebcName')).toBe(true);
      expect(rows[1]).toContain('"Seller EBC0000001, Ltd"');
      expect(rows[1]).toContain('"goods ""4202310090"""');
    }
  });

  it("aggregates statistics by any dimension with filters, values in CNY at the month's rate", async () => {
    const byCountry = await get('/statistics?period=202611&dimension=country');
    expect(byCountry.status).toBe(200);
    expect(byCountry.body.rows).toEqual([
      {
        keys: { country: '303' },
        lists: 1,
        items: 1,
        valueCny: '0.00000',
        grossWeight: '3.00000',
        unconvertedItems: 1,
      },
      {
        keys: { country: '502' },
        lists: 2,
        items: 3,
        valueCny: '248.50000',
        grossWeight: '3.00000',
        unconvertedItems: 0,
      },
    ]);
    expect(byCountry.body.totals).toEqual({
      lists: 3,
      items: 4,
      valueCny: '248.50000',
      grossWeight: '6.00000',
      unconvertedItems: 1,
    });

    const chapters = await get('/statistics?period=202611&dimension=chapter,outcome&country=502');
    expect(
      chapters.body.rows.map((r: { keys: object; lists: number; valueCny: string }) => [
        r.keys,
        r.lists,
        r.valueCny,
      ]),
    ).toEqual([
      [{ chapter: '42', outcome: 'INSPECT' }, 1, '142.00000'],
      [{ chapter: '61', outcome: 'INSPECT' }, 1, '35.50000'],
      [{ chapter: '61', outcome: 'RELEASE' }, 1, '71.00000'],
    ]);
    const rules = await get('/statistics?dimension=rule&period=202611');
    expect(
      rules.body.rows.map((r: { keys: { rule: string }; lists: number }) => [r.keys.rule, r.lists]),
    ).toEqual([
      ['(none)', 1],
      ['R1', 2],
      ['R2', 1],
    ]);
    const r2 = await get('/statistics?dimension=heading&rule=R2');
    expect(r2.body.totals.lists).toBe(1);
    expect(r2.body.rows.map((r: { keys: { heading: string } }) => r.keys.heading)).toEqual(['4202', '6109']);
    const periods = await get('/statistics?periodFrom=202611&periodTo=202612&dimension=period&heading=6109');
    expect(
      periods.body.rows.map((r: { keys: { period: string }; items: number; valueCny: string }) => [
        r.keys.period,
        r.items,
        r.valueCny,
      ]),
    ).toEqual([
      ['202611', 3, '106.50000'],
      ['202612', 1, '7.20000'],
    ]);
    const cleared = await get('/statistics?basis=cleared&dimension=carrier');
    expect(cleared.body).toMatchObject({
      basis: 'CLEARED',
      rows: [{ keys: { carrier: 'LOG0000001' }, lists: 1, valueCny: '71.00000' }],
    });
  });

  it('exports statistics as CSV', async () => {
    const r = await get('/statistics.csv?period=202611&dimension=country,flow');
    expect(r.type).toContain('text/csv');
    expect(r.body).toBe(
      'country,flow,lists,items,valueCny,grossWeight,unconvertedItems\r\n303,E,1,1,0.00000,3.00000,1\r\n502,E,2,3,248.50000,3.00000,0\r\n',
    );
  });

  it('publishes its OpenAPI document at /api/docs (JSON at /api/docs-json), and a health check', async () => {
    const doc = await get('/api/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/declarations',
      '/declarations.csv',
      '/declarations/{declarationNo}',
      '/health',
      '/parcels/by-order/{ebpCode}/{orderNo}',
      '/parcels/by-waybill/{logisticsCode}/{logisticsNo}',
      '/statistics',
      '/statistics.csv',
    ]);
    const parcel =
      doc.body.paths['/parcels/by-order/{ebpCode}/{orderNo}'].get.responses['200'].content['application/json']
        .schema;
    expect(parcel.properties.taxBill).toMatchObject({
      nullable: true,
      properties: { status: { enum: ['OK', 'MISMATCH', 'INCOMPLETE'] }, items: { type: 'array' } },
    });
    expect(doc.body.paths['/statistics'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['dimension', 'period', 'country', 'chapter', 'rule', 'format']),
    );
    const html = await get('/api/docs');
    expect(html.status).toBe(200);
    expect(html.body).toContain('swagger');
    expect(await get('/health')).toMatchObject({ status: 200, body: { status: 'up' } });
  });
});
