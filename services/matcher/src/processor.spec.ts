import {
  LocalCodecs,
  Topics,
  buyerKey,
  orderKey,
  type Manifest,
  type Order,
  type Payment,
  type Receipt,
  type Waybill,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import { TestDriver } from '@clearance/streams';
import { defaultMatcherConfig } from './config';
import { matcherProcessor, SERIAL_KEY, UNDECODABLE } from './processor';

const HOUR = 3_600_000;
const T0 = D.SAMPLE_MATCH_TIME;
const codecs = new LocalCodecs();
const {
  order: ORDER,
  payment: PAYMENT,
  waybill: WAYBILL,
  receipt: RECEIPT,
  manifest: MANIFEST,
} = {
  order: Topics.order.name,
  payment: Topics.payment.name,
  waybill: Topics.waybill.name,
  receipt: Topics.receipt.name,
  manifest: Topics.manifest.name,
};

/** A consistent export case number n (its own order number, guids and waybill number). */
function exportCase(n: number): { key: string; order: Order; payment: Payment; waybill: Waybill } {
  const orderNo = `SO-${n}`;
  const order = D.sampleExportOrder({ orderNo, guid: D.sampleGuid(`order-${n}`) });
  const payment = D.sampleExportPayment({ orderNo, guid: D.sampleGuid(`payment-${n}`) });
  const waybill = D.sampleExportWaybill({
    orderNo,
    guid: D.sampleGuid(`waybill-${n}`),
    logisticsNo: `LN${String(n).padStart(6, '0')}`,
  });
  return { key: orderKey(order), order, payment, waybill };
}

async function driver(partitions = 1, config = defaultMatcherConfig()) {
  const d = new TestDriver(matcherProcessor({ codecs, config }), { partitions });
  for (const e of D.sampleEnterprises()) await d.pipeGlobal('enterprises', e.code, e);
  return d;
}

type Driver = Awaited<ReturnType<typeof driver>>;

async function sendCase(d: Driver, c: ReturnType<typeof exportCase>, at = T0): Promise<void> {
  await d.pipe(ORDER, c.key, c.order, { timestamp: at });
  await d.pipe(PAYMENT, c.key, c.payment, { timestamp: at + 60_000 });
  await d.pipe(WAYBILL, c.key, c.waybill, { timestamp: at + 120_000 });
}

const receipts = async (d: Driver) =>
  (await d.readOutput(RECEIPT)).map((r) => ({ key: r.key, ...(r.value as Receipt) }));
const manifests = async (d: Driver) =>
  (await d.readOutput(MANIFEST)).map((r) => ({ key: r.key, m: r.value as Manifest }));
const codes = (r: Receipt) => r.reasons.map((x) => x.code);

describe('matcher processor', () => {
  it('matches order, payment and waybill: receipts 2, 2, 2 then 120 to every participant, and the list keyed by riskKey', async () => {
    const d = await driver();
    const c = exportCase(1);
    await sendCase(d, c);

    const rs = await receipts(d);
    expect(rs.map((r) => [r.returnStatus, r.participant, r.docType])).toEqual([
      ['2', 'EBP', 'ORDER'],
      ['2', 'PAYER', 'PAYMENT'],
      ['2', 'CARRIER', 'WAYBILL'],
      ['120', 'EBP', 'ORDER'],
      ['120', 'EBC', 'ORDER'],
      ['120', 'PAYER', 'PAYMENT'],
      ['120', 'CARRIER', 'WAYBILL'],
    ]);
    expect(rs.every((r) => r.key === c.key && r.caseKey === c.key)).toBe(true);

    const ms = await manifests(d);
    expect(ms).toHaveLength(1);
    expect(ms[0].key).toBe(ms[0].m.riskKey);
    expect(ms[0].m.riskKey).toBe(c.key); // export: the order key
    expect(ms[0].m.invtNo).toMatch(/^5141\d{4}E000000000$/); // partition 00, counter 0
    expect(rs[3].invtNo).toBe(ms[0].m.invtNo);

    const state = d.store('cases').get(c.key);
    expect(state?.status).toBe('MATCHED');
    expect(d.store('serial').get(SERIAL_KEY)).toBe(1);
  });

  it('gives every list of a partition its own serial: partition number + per-task counter', async () => {
    const d = await driver(4);
    const cases = Array.from({ length: 12 }, (_, i) => exportCase(100 + i));
    for (const c of cases) await sendCase(d, c);
    const ms = (await manifests(d)).map((x) => x.m);
    expect(ms).toHaveLength(12);
    const serials = ms.map((m) => m.invtNo.slice(-9));
    expect(new Set(serials).size).toBe(12);
    const byTask = new Map<string, string[]>();
    for (const s of serials) byTask.set(s.slice(0, 2), [...(byTask.get(s.slice(0, 2)) ?? []), s.slice(2)]);
    for (const [, counters] of byTask)
      expect(counters).toEqual(counters.map((_, i) => String(i).padStart(7, '0')));
    const total = [0, 1, 2, 3].reduce((a, t) => a + (d.store('serial', t).get(SERIAL_KEY) ?? 0), 0);
    expect(total).toBe(12);
  });

  it('keys an import list by the buyer key (sha256 of the id number, never the number)', async () => {
    const d = await driver();
    const order = D.sampleImportOrder();
    const key = orderKey(order);
    await d.pipe(ORDER, key, order, { timestamp: T0 });
    await d.pipe(PAYMENT, key, D.sampleImportPayment(), { timestamp: T0 + 1000 });
    await d.pipe(WAYBILL, key, D.sampleImportWaybill(), { timestamp: T0 + 2000 });
    const ms = await manifests(d);
    expect(ms).toHaveLength(1);
    expect(ms[0].key).toBe(buyerKey(order.buyerIdType!, order.buyerIdNumber!));
    expect(JSON.stringify(ms[0].m)).not.toContain(order.buyerIdNumber!);
    expect(JSON.stringify([...d.store('cases').values()])).not.toContain(order.buyerIdNumber!);
  });

  it("publishes an import list's tax bill keyed by its waybill key (commodity rates from ref.commodity.v1); none for an export list", async () => {
    const d = await driver();
    await d.pipeGlobal(
      'commodities',
      '3304990099',
      D.sampleCommodity('3304990099', { vatRate: '0.13000', consumptionTaxRate: '0.15000' }),
    );
    const order = D.sampleImportOrder();
    const key = orderKey(order);
    await d.pipe(ORDER, key, order, { timestamp: T0 });
    await d.pipe(PAYMENT, key, D.sampleImportPayment(), { timestamp: T0 + 1000 });
    await d.pipe(WAYBILL, key, D.sampleImportWaybill(), { timestamp: T0 + 2000 });
    await sendCase(d, exportCase(7));
    const bills = await d.readOutput(Topics.taxBill.name);
    const [m] = (await manifests(d)).map((x) => x.m).filter((x) => x.ieFlag === 'I');
    expect(bills.map((b) => b.key)).toEqual([m.waybillKey]);
    expect(bills[0].value).toMatchObject({
      invtNo: m.invtNo,
      taxTotal: '25.37000',
      declaredTaxTotal: '25.37000',
      status: 'OK',
    });
  });

  it('rejects an invalid document alone (100 to its sender) and keeps the case waiting for a valid one', async () => {
    const d = await driver();
    const c = exportCase(2);
    await d.pipe(ORDER, c.key, { ...c.order, guid: 'not-a-guid' }, { timestamp: T0 });
    let rs = await receipts(d);
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ returnStatus: '100', participant: 'EBP', docType: 'ORDER' });
    expect(codes(rs[0])).toContain('INVALID_GUID');

    await sendCase(d, c, T0 + 1000);
    rs = await receipts(d);
    expect(rs.filter((r) => r.returnStatus === '120')).toHaveLength(4);
    expect(await manifests(d)).toHaveLength(1);
  });

  it('rejects a payment naming another order under this key (KEY_MISMATCH)', async () => {
    const d = await driver();
    const c = exportCase(3);
    await d.pipe(PAYMENT, c.key, { ...c.payment, orderNo: 'SO-OTHER' }, { timestamp: T0 });
    const [r] = await receipts(d);
    expect(r).toMatchObject({ returnStatus: '100', participant: 'PAYER' });
    expect(codes(r)).toContain('KEY_MISMATCH');
  });

  it('rejects a case whose documents disagree: 100 with the reason to every participant, no list', async () => {
    const d = await driver();
    const c = exportCase(4);
    c.payment = { ...c.payment, charge: '1.00000' };
    await sendCase(d, c);
    const rejected = (await receipts(d)).filter((r) => r.returnStatus === '100');
    expect(rejected.map((r) => r.participant).sort()).toEqual(['CARRIER', 'EBC', 'EBP', 'PAYER']);
    expect(rejected.every((r) => codes(r).includes('AMOUNT_MISMATCH'))).toBe(true);
    expect(await manifests(d)).toHaveLength(0);
    expect(d.store('serial').get(SERIAL_KEY)).toBeUndefined();
  });

  it('refuses a case whose carrier is not on file (ENTERPRISE_NOT_ON_FILE, from the global table)', async () => {
    const d = await driver();
    await d.pipeGlobal('enterprises', D.SAMPLE_CODES.carrier, null);
    await sendCase(d, exportCase(5));
    const rejected = (await receipts(d)).filter((r) => r.returnStatus === '100');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((r) => codes(r).includes('ENTERPRISE_NOT_ON_FILE'))).toBe(true);
  });

  it('ignores a repeated document (same guid): no second receipt, no state change', async () => {
    const d = await driver();
    const c = exportCase(6);
    await d.pipe(ORDER, c.key, c.order, { timestamp: T0 });
    await receipts(d);
    const before = JSON.stringify(d.store('cases').get(c.key));
    await d.pipe(ORDER, c.key, c.order, { timestamp: T0 + 5000 });
    expect(await receipts(d)).toEqual([]);
    expect(JSON.stringify(d.store('cases').get(c.key))).toBe(before);
  });

  it('withdraws a case when a held document is deleted (appType 3)', async () => {
    const d = await driver();
    const c = exportCase(7);
    await d.pipe(ORDER, c.key, c.order, { timestamp: T0 });
    await d.pipe(PAYMENT, c.key, c.payment, { timestamp: T0 + 1000 });
    await receipts(d);
    await d.pipe(
      PAYMENT,
      c.key,
      { ...c.payment, guid: D.sampleGuid('payment-7-del'), appType: '3' },
      { timestamp: T0 + 2000 },
    );
    const rs = await receipts(d);
    expect(rs.map((r) => [r.participant, r.returnStatus])).toEqual([
      ['PAYER', '2'],
      ['EBP', '100'],
      ['EBC', '100'],
    ]);
    expect(rs.every((r) => codes(r).includes('CASE_WITHDRAWN'))).toBe(true);
    expect(d.store('cases').get(c.key)?.status).toBe('WITHDRAWN');
  });

  it('times a case out on stream time: MATCH_TIMEOUT to whoever took part, naming what is missing', async () => {
    const d = await driver();
    const c = exportCase(8);
    await d.pipe(ORDER, c.key, c.order, { timestamp: T0 });
    await d.pipe(WAYBILL, c.key, c.waybill, { timestamp: T0 + 1000 });
    await receipts(d);

    await d.advanceStreamTime(T0 + 71 * HOUR);
    expect(await receipts(d)).toEqual([]);

    await d.advanceStreamTime(T0 + 72 * HOUR + 2 * 60_000);
    const rs = await receipts(d);
    expect(rs.map((r) => r.participant).sort()).toEqual(['CARRIER', 'EBC', 'EBP']);
    expect(rs.every((r) => r.returnStatus === '100' && codes(r).includes('MATCH_TIMEOUT'))).toBe(true);
    expect(rs[0].reasons[0].message).toContain('PAYMENT');
    expect(d.store('cases').get(c.key)?.status).toBe('FAILED');

    // a late payment meets a closed case
    await d.pipe(PAYMENT, c.key, c.payment, { timestamp: T0 + 73 * HOUR });
    const [late] = await receipts(d);
    expect(late).toMatchObject({ participant: 'PAYER', returnStatus: '100' });
    expect(codes(late)).toContain('CASE_CLOSED');
  });

  it('fires deadlines when records of other cases advance the partition stream time', async () => {
    const d = await driver();
    const slow = exportCase(9);
    await d.pipe(ORDER, slow.key, slow.order, { timestamp: T0 });
    await receipts(d);
    await sendCase(d, exportCase(10), T0 + 73 * HOUR);
    const rs = await receipts(d);
    const timeout = rs.filter((r) => r.caseKey === slow.key);
    expect(timeout).toHaveLength(2); // EBP and EBC of the order
    expect(timeout.every((r) => codes(r).includes('MATCH_TIMEOUT'))).toBe(true);
  });

  it('times out against the configured window and purges tombstones after the retention', async () => {
    const config = defaultMatcherConfig({ matchWindowMs: 2 * HOUR, tombstoneRetentionMs: 24 * HOUR });
    const d = await driver(1, config);
    const c = exportCase(11);
    await d.pipe(ORDER, c.key, c.order, { timestamp: T0 });
    await d.advanceStreamTime(T0 + 2 * HOUR + 60_000);
    expect(codes((await receipts(d))[1])).toContain('MATCH_TIMEOUT');
    expect(d.store('cases').get(c.key)?.status).toBe('FAILED');
    await d.advanceStreamTime(T0 + 27 * HOUR);
    expect(d.store('cases').has(c.key)).toBe(false);
    expect(d.dueIndexSize('cases')).toBe(0); // the deadlines live in the cases store's due index
  });

  it('dead-letters undecodable bytes and answers the sender where the key or the case names it', async () => {
    const d = await driver();
    const c = exportCase(12);
    const key = Buffer.from(c.key);
    // an order: the order key names the platform
    await d.pipeRaw(ORDER, key, Buffer.from('<CEB303Message>not avro</CEB303Message>'), { timestamp: T0 });
    // a waybill before any waybill of this case: the carrier is unknown, no receipt
    await d.pipeRaw(WAYBILL, key, Buffer.from([0, 0, 0, 0, 99, 1, 2]), { timestamp: T0 + 1000 });
    // a payment once the order (naming its payCode) is held
    await d.pipe(ORDER, c.key, c.order, { timestamp: T0 + 2000 });
    await d.pipeRaw(PAYMENT, key, Buffer.from('garbage'), { timestamp: T0 + 3000 });

    const dlq = d.readDeadLetters();
    expect(dlq.map((x) => [x.sourceTopic, x.sourceOffset, x.kind])).toEqual([
      [ORDER, 0, 'deserialization'],
      [PAYMENT, 0, 'deserialization'],
      [WAYBILL, 0, 'deserialization'],
    ]);
    expect(dlq[0].value?.toString()).toContain('CEB303Message');
    expect(dlq[0].key?.toString()).toBe(c.key);
    const rs = (await receipts(d)).filter((r) => codes(r).includes(UNDECODABLE));
    expect(rs.map((r) => [r.participant, r.participantCode, r.docType, r.returnStatus])).toEqual([
      ['EBP', D.SAMPLE_CODES.ebp, 'ORDER', '100'],
      ['PAYER', D.SAMPLE_CODES.payer, 'PAYMENT', '100'],
    ]);
    expect(rs.every((r) => r.key === c.key)).toBe(true);
    // the case goes on: the real documents still match
    await d.pipe(PAYMENT, c.key, c.payment, { timestamp: T0 + 4000 });
    await d.pipe(WAYBILL, c.key, c.waybill, { timestamp: T0 + 5000 });
    expect(await manifests(d)).toHaveLength(1);
  });

  it('replays byte for byte', async () => {
    const run = async () => {
      const d = await driver(2);
      for (let i = 0; i < 6; i++) await sendCase(d, exportCase(200 + i), T0 + i * 1000);
      const partial = exportCase(300);
      await d.pipe(ORDER, partial.key, partial.order, { timestamp: T0 + 10_000 });
      await d.advanceStreamTime(T0 + 80 * HOUR);
      return [...d.rawRecords(RECEIPT), ...d.rawRecords(MANIFEST)].map(
        (r) => `${r.key?.toString('hex')}:${r.value?.toString('hex')}`,
      );
    };
    expect(await run()).toEqual(await run());
  });

  it('four-document mode (the platform listMode FOUR_DOCUMENT): the list is emitted only after the fourth document', async () => {
    const d = await driver();
    const ebp = D.sampleEnterprises().find((e) => e.code === D.SAMPLE_CODES.ebp)!;
    await d.pipeGlobal('enterprises', ebp.code, { ...ebp, listMode: 'FOUR_DOCUMENT' });
    const c = exportCase(1);
    await sendCase(d, c);
    expect(await manifests(d)).toEqual([]);
    const filed = D.sampleExportFiledList(D.sampleManifestFrom(c.order, c.payment, c.waybill), {
      guid: D.sampleGuid('list-1'),
    });
    await d.pipe(Topics.list.name, c.key, filed, { timestamp: T0 + 180_000 });
    const ms = await manifests(d);
    expect(ms).toHaveLength(1);
    const rs = await receipts(d);
    expect(rs.filter((r) => r.docType === 'LIST').map((r) => r.returnStatus)).toEqual(['2', '120']);
    expect(rs.filter((r) => r.returnStatus === '120')).toHaveLength(5);
  });
});
