import {
  orderKey,
  sha256Hex,
  type Enterprise,
  type FiledList,
  type Order,
  type Payment,
  type Waybill,
} from '@clearance/contracts';
import { HOUR_MS } from '../common/time';
import {
  lookupBy,
  sampleEnterprise,
  sampleEnterprises,
  sampleExportFiledList,
  sampleExportOrder,
  sampleExportPayment,
  sampleExportWaybill,
  sampleGuid,
  sampleImportFiledList,
  sampleImportOrder,
  sampleImportPayment,
  sampleImportWaybill,
  SAMPLE_CODES,
} from '../testing/samples';
import {
  handleMatch,
  isFourDocumentMode,
  type MatchCommand,
  type MatchContext,
  type MatchResult,
  type MatchState,
  type OpenCase,
} from './decider';
import { invtSerial } from './manifest';

const T0 = Date.UTC(2026, 10, 10, 4, 0, 0); // 2026-11-10 12:00 China time (SAMPLE_MATCH_TIME)
const EXPORT_KEY = orderKey({ ebpCode: SAMPLE_CODES.ebp, orderNo: 'SO-1001' });

/** The sample enterprises, the platform declaring in `mode`. */
function enterprises(mode: Enterprise['listMode']): Enterprise[] {
  return sampleEnterprises().map((e) => (e.code === SAMPLE_CODES.ebp ? { ...e, listMode: mode } : e));
}
const ctxOf = (list: Enterprise[]): MatchContext => ({
  enterprise: lookupBy(list, (e) => e.code),
  invtSerial: invtSerial(3, 42),
});
const FOUR = ctxOf(enterprises('FOUR_DOCUMENT'));
const ONE = ctxOf(enterprises('ONE_STEP'));

const order = (o: Order = sampleExportOrder(), at = T0): MatchCommand => ({
  type: 'OrderArrived',
  caseKey: orderKey(o),
  at,
  order: o,
});
const payment = (p: Payment = sampleExportPayment(), at = T0 + 1000): MatchCommand => ({
  type: 'PaymentArrived',
  caseKey: orderKey(p),
  at,
  payment: p,
});
const waybill = (w: Waybill = sampleExportWaybill(), at = T0 + 2000): MatchCommand => ({
  type: 'WaybillArrived',
  caseKey: orderKey(w),
  at,
  waybill: w,
});
const list = (l: FiledList = sampleExportFiledList(), at = T0 + 3000): MatchCommand => ({
  type: 'ListArrived',
  caseKey: orderKey(l),
  at,
  list: l,
});
const tick = (caseKey: string, now: number): MatchCommand => ({ type: 'TimeAdvanced', caseKey, now });
const guid = (name: string): string => sampleGuid(name);

/** Given these commands (state built by the decider itself), when `cmd`, then the result. */
function given(
  cmds: MatchCommand[],
  ctx = FOUR,
): { state: MatchState | undefined; when: (cmd: MatchCommand) => MatchResult } {
  const state = cmds.reduce<MatchState | undefined>((s, c) => handleMatch(s, c, ctx).state, undefined);
  return { state, when: (cmd) => handleMatch(state, cmd, ctx) };
}

const statuses = (r: MatchResult): string[] =>
  r.receipts.map((x) => `${x.participant}:${x.docType}:${x.returnStatus}`);
const codes = (r: MatchResult): string[] =>
  [...new Set(r.receipts.flatMap((x) => x.reasons.map((y) => y.code)))].sort();
const threeDocs = (): MatchCommand[] => [order(), payment(), waybill()];
const MATCHED_ALL = [
  'EBP:ORDER:120',
  'EBC:ORDER:120',
  'PAYER:PAYMENT:120',
  'CARRIER:WAYBILL:120',
  'EBC:LIST:120',
];

describe('four-document mode: the platform decides', () => {
  it('reads listMode from the platform (ebpCode) record; missing enterprise or field: one-step', () => {
    expect(isFourDocumentMode(EXPORT_KEY, FOUR.enterprise)).toBe(true);
    expect(isFourDocumentMode(EXPORT_KEY, ONE.enterprise)).toBe(false);
    expect(isFourDocumentMode(EXPORT_KEY, () => undefined)).toBe(false);
    const { listMode: _omitted, ...old } = sampleEnterprise(SAMPLE_CODES.ebp, ['EBP']);
    expect(isFourDocumentMode(EXPORT_KEY, () => old as Enterprise)).toBe(false);
  });

  it('one-step mode: order, payment and waybill match as before (no list awaited)', () => {
    const r = given(threeDocs().slice(0, 2), ONE).when(waybill());
    expect(statuses(r)).toEqual([
      'CARRIER:WAYBILL:2',
      'EBP:ORDER:120',
      'EBC:ORDER:120',
      'PAYER:PAYMENT:120',
      'CARRIER:WAYBILL:120',
    ]);
    expect(r.receipts[0].returnInfo).toBe('waybill accepted; all three documents present');
    expect(r.receipts[1].returnInfo).toMatch(/^order, payment and waybill agree/);
    expect(r.events.every((e) => !('fourDocument' in e))).toBe(true);
  });

  it('one-step mode: a filed list is refused alone (100 LIST_NOT_EXPECTED to its filer), the case unchanged', () => {
    const g = given([order()], ONE);
    const r = g.when(list());
    expect(statuses(r)).toEqual(['EBC:LIST:100']);
    expect(r.receipts[0].participantCode).toBe(SAMPLE_CODES.ebc);
    expect(codes(r)).toEqual(['LIST_NOT_EXPECTED']);
    expect(r.receipts[0].returnInfo).toMatch(/one-step mode/);
    expect(r.state).not.toHaveProperty('list');
    // the rest of the case goes on as in one-step mode
    const rest = [payment(), waybill()].reduce((s, c) => handleMatch(s, c, ONE).state, r.state);
    expect(rest).toMatchObject({ status: 'MATCHED' });
  });
});

describe('four-document mode: matching', () => {
  it('waits for the list after the three documents: 2 naming the list, no list compiled yet', () => {
    const r = given(threeDocs().slice(0, 2)).when(waybill());
    expect(statuses(r)).toEqual(['CARRIER:WAYBILL:2']);
    expect(r.receipts[0].returnInfo).toBe('waybill accepted; waiting for list');
    expect(r.manifests).toEqual([]);
    expect(r.state).toMatchObject({ status: 'OPEN' });
  });

  it('an agreeing list after the three documents: matched, 120 to every participant and the filer', () => {
    const r = given(threeDocs()).when(list());
    expect(statuses(r)).toEqual(['EBC:LIST:2', ...MATCHED_ALL]);
    expect(r.receipts[0].returnInfo).toBe('list accepted; all four documents present');
    expect(r.receipts[1].returnInfo).toMatch(
      /^order, payment, waybill and the filed list agree: list 51412026E030000042/,
    );
    const toFiler = r.receipts[5];
    expect(toFiler).toMatchObject({ participantCode: SAMPLE_CODES.ebc, invtNo: '51412026E030000042' });
    expect(toFiler.docGuid).toBe(sampleExportFiledList().guid);
    expect(r.manifests).toHaveLength(1);
    expect(r.manifests[0].invtNo).toBe('51412026E030000042'); // the engine's, not the filer's copNo
    const filed = sampleExportFiledList();
    expect(r.manifests[0].filedList).toEqual({ guid: filed.guid, agentCode: filed.agentCode, copNo: filed.copNo });
    expect(r.serialUsed).toBe(true);
    expect(r.state).toMatchObject({ status: 'MATCHED', invtNo: '51412026E030000042' });
    expect(r.state?.seen).toContain(sampleExportFiledList().guid);
  });

  it('the list first: 2 naming the three documents; the window starts with it', () => {
    const r = given([]).when(list(sampleExportFiledList(), T0));
    expect(statuses(r)).toEqual(['EBC:LIST:2']);
    expect(r.receipts[0].returnInfo).toBe('list accepted; waiting for order, payment, waybill');
    expect(r.receipts[0].logisticsNo).toBe(sampleExportFiledList().logisticsNo);
    expect(r.deadline).toBe(T0 + 72 * HOUR_MS);
    const done = given([list(sampleExportFiledList(), T0), order(), payment()]).when(waybill());
    expect(statuses(done)).toEqual(['CARRIER:WAYBILL:2', ...MATCHED_ALL]);
  });

  it('the list between the documents', () => {
    const r = given([order(), list(), payment()]).when(waybill());
    expect(statuses(r)).toEqual(['CARRIER:WAYBILL:2', ...MATCHED_ALL]);
    expect(r.manifests).toHaveLength(1);
  });

  it('the filer is the agent when the list names one', () => {
    const l = sampleExportFiledList(undefined, { agentCode: 'AGT0000001' });
    const r = given([order()]).when(list(l));
    expect(r.receipts[0]).toMatchObject({
      participant: 'EBC',
      participantCode: 'AGT0000001',
      docType: 'LIST',
    });
  });

  it('an import list agreeing (buyer id number compared by hash): matched; the held list keeps only the hash', () => {
    const docs = [order(sampleImportOrder()), payment(sampleImportPayment()), waybill(sampleImportWaybill())];
    const g = given([...docs.slice(0, 2), list(sampleImportFiledList())]);
    const held = (g.state as OpenCase).list!;
    expect(held.doc.buyerIdNumber).toBeNull();
    expect(held.idHash).toBe(sha256Hex(sampleImportFiledList().buyerIdNumber!));
    expect(JSON.stringify(g.state)).not.toContain(sampleImportFiledList().buyerIdNumber!);
    const r = g.when(docs[2]);
    expect(codes(r)).toEqual([]);
    expect(r.state).toMatchObject({ status: 'MATCHED' });
  });

  it('a duplicate list (same guid) is ignored: no receipt, no change', () => {
    const g = given([order(), list()]);
    const r = g.when(list());
    expect(r.receipts).toEqual([]);
    expect(r.events).toEqual([]);
    expect(r.state).toBe(g.state);
  });

  it('a second list (appType 1, another guid): 100 -101 duplicate to its filer', () => {
    const r = given([order(), list()]).when(list(sampleExportFiledList(undefined, { guid: guid('list-2') })));
    expect(statuses(r)).toEqual(['EBC:LIST:100']);
    expect(codes(r)).toEqual(['-101']);
  });

  it('an invalid list is refused alone (100 to the filer); the case keeps waiting', () => {
    const bad = sampleExportFiledList(undefined, { customsCode: '51' });
    const r = given([order()]).when(list(bad));
    expect(statuses(r)).toEqual(['EBC:LIST:100']);
    expect(codes(r)).toEqual(['INVALID_FIELD']);
    expect(r.state).toMatchObject({ status: 'OPEN' });
    expect(r.state).not.toHaveProperty('list');
  });

  it('a list for another order key: KEY_MISMATCH', () => {
    const l = sampleExportFiledList();
    const r = given([]).when({ type: 'ListArrived', caseKey: `${SAMPLE_CODES.ebp}:OTHER`, at: T0, list: l });
    expect(codes(r)).toEqual(['KEY_MISMATCH']);
  });

  it('a saved list (appStatus 1): receipt 1, nothing kept', () => {
    const r = given([order()]).when(list(sampleExportFiledList(undefined, { appStatus: '1' })));
    expect(statuses(r)).toEqual(['EBC:LIST:1']);
    expect(r.state).not.toHaveProperty('list');
  });
});

describe('four-document mode: disagreement', () => {
  const base = sampleExportFiledList();
  const cases: Array<[string, Partial<FiledList>]> = [
    ['LIST_WAYBILL_MISMATCH', { logisticsNo: 'LN999999' }],
    ['LIST_ENTERPRISE_MISMATCH', { ebcCode: 'EBC0000009' }],
    ['LIST_DECLARATION_MISMATCH', { portCode: '5100' }],
    ['LIST_TRANSPORT_MISMATCH', { trafMode: '2' }],
    ['LIST_ITEM_MISMATCH', { items: base.items.map((it) => ({ ...it, gcode: '9999999999' })) }],
    ['LIST_TOTAL_MISMATCH', { freight: '99' }],
    ['LIST_WEIGHT_MISMATCH', { grossWeight: '99' }],
  ];
  it.each(cases)('%s: refused, 100 with the reason to every participant and the filer', (code, overrides) => {
    const r = given(threeDocs()).when(list(sampleExportFiledList(undefined, overrides)));
    expect(statuses(r)).toEqual([
      'EBC:LIST:2',
      'EBP:ORDER:100',
      'EBC:ORDER:100',
      'PAYER:PAYMENT:100',
      'CARRIER:WAYBILL:100',
      'EBC:LIST:100',
    ]);
    expect(codes(r)).toContain(code);
    expect(r.receipts[1].returnInfo).toMatch(/^four-document match failed: /);
    expect(r.manifests).toEqual([]);
    expect(r.serialUsed).toBe(false);
    expect(r.state).toMatchObject({ status: 'REJECTED' });
  });

  it('import buyer and consignee: LIST_BUYER_MISMATCH / LIST_CONSIGNEE_MISMATCH, values not shown', () => {
    const l = sampleImportFiledList(undefined, {
      buyerIdNumber: '320102198805054329',
      consigneeAddress: 'elsewhere',
    });
    const docs = [order(sampleImportOrder()), payment(sampleImportPayment()), waybill(sampleImportWaybill())];
    const r = given(docs).when(list(l));
    expect(codes(r)).toEqual(['LIST_BUYER_MISMATCH', 'LIST_CONSIGNEE_MISMATCH']);
    expect(JSON.stringify(r.receipts)).not.toContain('320102198805054329');
    expect(JSON.stringify(r.receipts)).not.toContain('elsewhere');
  });

  it('three-document failures and list differences are reported together', () => {
    const r = given([order(), payment()]).when(list(sampleExportFiledList(undefined, { freight: '99' })));
    const w = waybill(sampleExportWaybill({ grossWeight: '0' }));
    const rr = handleMatch(r.state, w, FOUR);
    expect(codes(rr)).toEqual(expect.arrayContaining(['WEIGHT_INVALID', 'LIST_TOTAL_MISMATCH']));
  });

  it('a corrected list (appType 2) after a refusal: matched', () => {
    const wrong = sampleExportFiledList(undefined, { freight: '99' });
    const fixed = sampleExportFiledList(undefined, { guid: guid('list-fixed'), appType: '2' });
    const g = given([...threeDocs(), list(wrong)]);
    expect(g.state).toMatchObject({ status: 'REJECTED' });
    const r = g.when(list(fixed, T0 + 5000));
    expect(statuses(r)).toEqual(['EBC:LIST:2', ...MATCHED_ALL]);
    expect(r.receipts[0].returnInfo).toBe('list change accepted; all four documents present');
    expect(r.state).toMatchObject({ status: 'MATCHED' });
    expect(r.state?.seen).toEqual(expect.arrayContaining([wrong.guid, fixed.guid]));
  });
});

describe('four-document mode: deletion and timeout', () => {
  it('a deleted list withdraws the case: 2 to the filer, 100 CASE_WITHDRAWN to the others', () => {
    const del = sampleExportFiledList(undefined, { guid: guid('list-del'), appType: '3' });
    const r = given([order(), payment(), list()]).when(list(del, T0 + 5000));
    expect(statuses(r)).toEqual(['EBC:LIST:2', 'EBP:ORDER:100', 'EBC:ORDER:100', 'PAYER:PAYMENT:100']);
    expect(codes(r)).toEqual(['CASE_WITHDRAWN']);
    expect(r.state).toMatchObject({ status: 'WITHDRAWN' });
  });

  it('deleting a list the case does not hold: NOTHING_TO_DELETE', () => {
    const del = sampleExportFiledList(undefined, { appType: '3' });
    const r = given([order()]).when(list(del));
    expect(codes(r)).toEqual(['NOTHING_TO_DELETE']);
  });

  it('a deleted order tells the list filer too', () => {
    const del = sampleExportOrder({ guid: guid('order-del'), appType: '3' });
    const r = given([order(), list()]).when(order(del, T0 + 5000));
    expect(statuses(r)).toEqual(['EBP:ORDER:2', 'EBC:LIST:100']);
  });

  it('a list after the case matched: ALREADY_DECIDED', () => {
    const l = sampleExportFiledList(undefined, { guid: guid('list-late'), appType: '2' });
    const r = given([...threeDocs(), list()]).when(list(l, T0 + 5000));
    expect(statuses(r)).toEqual(['EBC:LIST:100']);
    expect(codes(r)).toEqual(['ALREADY_DECIDED']);
  });

  it('a missing list at the window end: MATCH_TIMEOUT naming the list', () => {
    const r = given(threeDocs()).when(tick(EXPORT_KEY, T0 + 72 * HOUR_MS));
    expect(statuses(r)).toEqual([
      'EBP:ORDER:100',
      'EBC:ORDER:100',
      'PAYER:PAYMENT:100',
      'CARRIER:WAYBILL:100',
    ]);
    expect(codes(r)).toEqual(['MATCH_TIMEOUT']);
    expect(r.receipts[0].reasons[0].message).toMatch(/missing LIST$/);
    expect(r.receipts[0].returnInfo).toMatch(/^four-document match failed/);
    expect(r.state).toMatchObject({ status: 'FAILED' });
  });

  it('a list alone at the window end: its filer gets the timeout, naming the three documents', () => {
    const r = given([list(sampleExportFiledList(), T0)]).when(tick(EXPORT_KEY, T0 + 72 * HOUR_MS));
    expect(statuses(r)).toEqual(['EBC:LIST:100']);
    expect(r.receipts[0].reasons[0].message).toMatch(/missing ORDER, PAYMENT, WAYBILL$/);
  });
});
