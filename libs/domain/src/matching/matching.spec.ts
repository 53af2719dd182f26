import {
  buyerKey,
  orderKey,
  schemaByName,
  sha256Hex,
  type Enterprise,
  type Order,
  type Payment,
  type Waybill,
} from '@clearance/contracts';
import { HOUR_MS } from '../common/time';
import {
  lookupBy,
  sampleCommodity,
  sampleEnterprise,
  sampleEnterprises,
  sampleExportOrder,
  sampleExportPayment,
  sampleExportWaybill,
  sampleGuid,
  sampleImportOrder,
  sampleImportPayment,
  sampleImportWaybill,
  SAMPLE_CODES,
} from '../testing/samples';
import { DEFAULT_MATCH_CONFIG, type CommodityLookup, type MatchConfig } from './checks';
import {
  evolveMatch,
  handleMatch,
  matchDeadline,
  type ClosedCase,
  type MatchCommand,
  type MatchContext,
  type MatchEvent,
  type MatchResult,
  type MatchState,
} from './decider';
import { invtSerial } from './manifest';

const T0 = Date.UTC(2026, 10, 10, 4, 0, 0); // 2026-11-10 12:00 China time
const EXPORT_KEY = orderKey({ ebpCode: SAMPLE_CODES.ebp, orderNo: 'SO-1001' });

function ctxWith(enterprises: Enterprise[] = sampleEnterprises(), commodity?: CommodityLookup): MatchContext {
  return { enterprise: lookupBy(enterprises, (e) => e.code), commodity, invtSerial: invtSerial(3, 42) };
}

const order = (o: Order, at = T0, caseKey = orderKey(o)): MatchCommand => ({
  type: 'OrderArrived',
  caseKey,
  at,
  order: o,
});
const payment = (p: Payment, at = T0 + 1000, caseKey = orderKey(p)): MatchCommand => ({
  type: 'PaymentArrived',
  caseKey,
  at,
  payment: p,
});
const waybill = (w: Waybill, at = T0 + 2000, caseKey = orderKey(w)): MatchCommand => ({
  type: 'WaybillArrived',
  caseKey,
  at,
  waybill: w,
});
const tick = (caseKey: string, now: number): MatchCommand => ({ type: 'TimeAdvanced', caseKey, now });

/** Given these commands (state built by the decider itself), when `cmd`, then the result. */
function given(
  cmds: MatchCommand[],
  ctx = ctxWith(),
): { state: MatchState | undefined; when: (cmd: MatchCommand) => MatchResult } {
  const state = cmds.reduce<MatchState | undefined>((s, c) => handleMatch(s, c, ctx).state, undefined);
  return { state, when: (cmd) => handleMatch(state, cmd, ctx) };
}

const statuses = (r: MatchResult): string[] => r.receipts.map((x) => `${x.participant}:${x.returnStatus}`);
const codes = (r: MatchResult): string[] =>
  [...new Set(r.receipts.flatMap((x) => x.reasons.map((y) => y.code)))].sort();
const exportDocs = (): MatchCommand[] => [
  order(sampleExportOrder()),
  payment(sampleExportPayment()),
  waybill(sampleExportWaybill()),
];
const importDocs = (): MatchCommand[] => [
  order(sampleImportOrder()),
  payment(sampleImportPayment()),
  waybill(sampleImportWaybill()),
];

/** The match outcome of a case after the first two documents, when the third arrives. */
function third(docs: MatchCommand[], ctx = ctxWith()): MatchResult {
  return given(docs.slice(0, 2), ctx).when(docs[2]);
}

describe('three-document match: success', () => {
  const permutations = (xs: MatchCommand[]): MatchCommand[][] =>
    xs.length <= 1
      ? [xs]
      : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

  it.each(permutations(exportDocs()).map((p) => [p.map((c) => c.type).join(' > '), p]))(
    'matches in any order: %s',
    (_name, cmds) => {
      const result = third(cmds as MatchCommand[]);
      expect(statuses(result)).toEqual(
        expect.arrayContaining(['EBP:120', 'EBC:120', 'PAYER:120', 'CARRIER:120']),
      );
      expect(result.manifests).toHaveLength(1);
      expect(result.serialUsed).toBe(true);
      expect(result.state).toMatchObject({ status: 'MATCHED', invtNo: '51412026E030000042' });
    },
  );

  it('acknowledges each document with status 2, naming what is still missing', () => {
    const first = given([]).when(order(sampleExportOrder()));
    expect(statuses(first)).toEqual(['EBP:2']);
    expect(first.receipts[0].returnInfo).toBe('order accepted; waiting for payment, waybill');
    expect(first.receipts[0].caseKey).toBe(EXPORT_KEY);
    expect(first.deadline).toBe(T0 + 72 * HOUR_MS);
    expect(first.serialUsed).toBe(false);
  });

  it('compiles a schema-valid CEB603 list from the three documents', () => {
    const [m] = third(exportDocs()).manifests;
    expect(schemaByName('Manifest').type.isValid(m)).toBe(true);
    expect(m).toMatchObject({
      invtNo: '51412026E030000042',
      orderKey: EXPORT_KEY,
      waybillKey: `${SAMPLE_CODES.carrier}:LN000001`,
      riskKey: EXPORT_KEY,
      ieFlag: 'E',
      ieDate: '20261110',
      copNo: 'SO-1001',
      goodsValue: '64.80000',
      freight: '5.00000',
      grossWeight: '0.80000',
      country: '502',
      portCode: '5141',
      firstDocumentTime: T0,
      lastDocumentTime: T0 + 2000,
      buyerIdHash: null,
    });
    expect(m.items.map((i) => [i.gnum, i.gcode, i.totalPrice, i.country])).toEqual([
      [1, '6109100021', '39.80000', '502'],
      [2, '4202310090', '25.00000', '502'],
    ]);
  });

  it('keys an import list by buyer and never keeps the id number in clear', () => {
    const result = third(importDocs());
    const [m] = result.manifests;
    expect(m.riskKey).toBe(buyerKey('1', '110101199001011234'));
    expect(m.buyerIdHash).toBe(sha256Hex('110101199001011234'));
    expect(m.acturalPaid).toBe('135.37000');
    expect(m.invtNo).toBe('51412026I030000042');
    const everything = JSON.stringify([result, given(importDocs().slice(0, 2)).state]);
    expect(everything).not.toContain('110101199001011234');
  });

  it('lets the serial come from the partition counter', () => {
    expect(invtSerial(0, 1)).toBe('000000001');
    expect(invtSerial(11, 9_999_999)).toBe('119999999');
    expect(() => invtSerial(100, 1)).toThrow(RangeError);
    expect(() => invtSerial(1, 10_000_000)).toThrow(RangeError);
  });

  it('replays byte for byte', () => {
    const run = () =>
      exportDocs().reduce<{ s?: MatchState; out: unknown[] }>(
        (acc, c) => {
          const r = handleMatch(acc.s, c, ctxWith());
          return { s: r.state, out: [...acc.out, r.receipts, r.manifests] };
        },
        { out: [] },
      );
    expect(JSON.stringify(run())).toBe(JSON.stringify(run()));
  });

  it('state survives a JSON round trip (changelog store)', () => {
    const docs = exportDocs();
    const { state } = given(docs.slice(0, 2));
    const restored = JSON.parse(JSON.stringify(state)) as MatchState;
    expect(handleMatch(restored, docs[2], ctxWith())).toEqual(handleMatch(state, docs[2], ctxWith()));
  });

  it('keeps only a small tombstone once matched', () => {
    const { state } = given(exportDocs());
    expect(Object.keys(state!).sort()).toEqual([
      'caseKey',
      'closedAt',
      'invtNo',
      'reasons',
      'seen',
      'status',
    ]);
    expect(state!.seen).toEqual([sampleGuid('order-e'), sampleGuid('payment-e'), sampleGuid('waybill-e')]);
  });
});

describe('three-document match: duplicates, saved documents, changes, deletions', () => {
  it('ignores a repeated document (same guid) with no second receipt', () => {
    const g = given([order(sampleExportOrder())]);
    const r = g.when(order(sampleExportOrder(), T0 + 5000));
    expect(r.receipts).toEqual([]);
    expect(r.state).toEqual(g.state);
  });

  it('ignores repeats after the match too', () => {
    const r = given(exportDocs()).when(payment(sampleExportPayment(), T0 + 9000));
    expect(r.receipts).toEqual([]);
  });

  it('acknowledges a saved document (appStatus 1) with status 1 and keeps nothing', () => {
    const r = given([]).when(order(sampleExportOrder({ appStatus: '1' })));
    expect(statuses(r)).toEqual(['EBP:1']);
    expect(r.state).toBeUndefined();
  });

  it('rejects a second new document of the same kind as a duplicate order (business error)', () => {
    const r = given([order(sampleExportOrder())]).when(
      order(sampleExportOrder({ guid: sampleGuid('order-e-2') })),
    );
    expect(statuses(r)).toEqual(['EBP:100']);
    expect(codes(r)).toEqual(['-101']);
  });

  it('re-runs the checks on a change (appType 2) of a rejected case', () => {
    const bad = exportDocs();
    bad[1] = payment(sampleExportPayment({ charge: '60.00000' }));
    const g = given(bad);
    expect(g.state).toMatchObject({ status: 'REJECTED' });
    const fixed = g.when(
      payment(
        sampleExportPayment({ guid: sampleGuid('payment-e-2'), appType: '2', charge: '69.80000' }),
        T0 + 10_000,
      ),
    );
    expect(statuses(fixed)).toEqual(['PAYER:2', 'EBP:120', 'EBC:120', 'PAYER:120', 'CARRIER:120']);
    expect(fixed.manifests).toHaveLength(1);
  });

  it('a change replaces the earlier version before completion', () => {
    const g = given([order(sampleExportOrder({ goodsValue: '1.00000' }))]);
    const changed = g.when(
      order(sampleExportOrder({ guid: sampleGuid('order-e-2'), appType: '2' }), T0 + 100),
    );
    expect(changed.receipts[0].returnInfo).toContain('order change accepted');
    const r = [payment(sampleExportPayment()), waybill(sampleExportWaybill())].reduce(
      (acc, c) => handleMatch(acc.state, c, ctxWith()),
      changed,
    );
    expect(r.manifests).toHaveLength(1);
    expect(r.manifests[0].goodsValue).toBe('64.80000');
  });

  it('accepts a change with no earlier version as the first version', () => {
    const r = given([]).when(order(sampleExportOrder({ appType: '2' })));
    expect(statuses(r)).toEqual(['EBP:2']);
  });

  it('a deletion withdraws the case and tells the other participants', () => {
    const g = given([order(sampleExportOrder()), payment(sampleExportPayment())]);
    const r = g.when(order(sampleExportOrder({ guid: sampleGuid('order-del'), appType: '3' }), T0 + 5000));
    expect(statuses(r)).toEqual(['EBP:2', 'PAYER:100']);
    expect(codes(r)).toEqual(['CASE_WITHDRAWN']);
    expect(r.state).toMatchObject({ status: 'WITHDRAWN' });
    // the withdrawn documents redelivered: ignored; a new waybill starts the case afresh
    const after = [order(sampleExportOrder(), T0 + 6000), payment(sampleExportPayment(), T0 + 6000)].reduce(
      (acc, c) => handleMatch(acc.state, c, ctxWith()),
      r,
    );
    expect(after.receipts).toEqual([]);
    const fresh = handleMatch(after.state, waybill(sampleExportWaybill(), T0 + 7000), ctxWith());
    expect(statuses(fresh)).toEqual(['CARRIER:2']);
    expect(fresh.state).toMatchObject({ status: 'OPEN', firstDocumentTime: T0 + 7000 });
  });

  it('refuses to delete a document the case does not hold', () => {
    const r = given([order(sampleExportOrder())]).when(payment(sampleExportPayment({ appType: '3' })));
    expect(codes(r)).toEqual(['NOTHING_TO_DELETE']);
  });

  it('refuses deletions and changes once matched (already decided)', () => {
    const g = given(exportDocs());
    const del = g.when(order(sampleExportOrder({ guid: sampleGuid('order-del'), appType: '3' }), T0 + 5000));
    expect(statuses(del)).toEqual(['EBP:100']);
    expect(codes(del)).toEqual(['ALREADY_DECIDED']);
    expect(del.receipts[0].invtNo).toBe('51412026E030000042');
    expect(del.state).toMatchObject({ status: 'MATCHED' });
    const change = g.when(
      waybill(sampleExportWaybill({ guid: sampleGuid('wb-2'), appType: '2' }), T0 + 5000),
    );
    expect(codes(change)).toEqual(['ALREADY_DECIDED']);
  });
});

describe('three-document match: timeout', () => {
  const window = 72 * HOUR_MS;

  it('fails with MATCH_TIMEOUT 72 h after the first document, telling whoever took part', () => {
    const g = given([order(sampleExportOrder()), waybill(sampleExportWaybill(), T0 + HOUR_MS)]);
    expect(g.when(tick(EXPORT_KEY, T0 + window - 1)).receipts).toEqual([]);
    const r = g.when(tick(EXPORT_KEY, T0 + window));
    expect(statuses(r)).toEqual(['EBP:100', 'EBC:100', 'CARRIER:100']);
    expect(codes(r)).toEqual(['MATCH_TIMEOUT']);
    expect(r.receipts[0].returnInfo).toContain('missing PAYMENT');
    expect(r.state).toMatchObject({ status: 'FAILED' });
  });

  it('a document arriving after the window (before any tick) finds the case timed out', () => {
    const g = given([order(sampleExportOrder()), waybill(sampleExportWaybill())]);
    const r = g.when(payment(sampleExportPayment(), T0 + window + 1));
    expect(statuses(r)).toEqual(['EBP:100', 'EBC:100', 'CARRIER:100', 'PAYER:100']);
    expect(codes(r)).toEqual(['CASE_CLOSED', 'MATCH_TIMEOUT']);
    expect(r.manifests).toEqual([]);
  });

  it('a rejected case not corrected in time closes without a new receipt', () => {
    const bad = exportDocs();
    bad[1] = payment(sampleExportPayment({ charge: '1.00000' }));
    const r = given(bad).when(tick(EXPORT_KEY, T0 + window));
    expect(r.receipts).toEqual([]);
    expect(r.state).toMatchObject({ status: 'FAILED', reasons: [{ code: 'AMOUNT_MISMATCH' }] });
  });

  it('purges tombstones after their retention, and empty cases after the window', () => {
    const matched = given(exportDocs());
    expect(matched.when(tick(EXPORT_KEY, T0 + 2000 + 180 * 24 * HOUR_MS)).state).toBeUndefined();
    const invalidOnly = given([order(sampleExportOrder({ guid: 'bad' }))]);
    expect(invalidOnly.state).toMatchObject({ status: 'OPEN', seen: ['bad'] });
    const purged = invalidOnly.when(tick(EXPORT_KEY, T0 + window));
    expect(purged.state).toBeUndefined();
    expect(purged.receipts).toEqual([]);
  });

  it('remembers a bounded number of guids', () => {
    const cmds = Array.from({ length: 50 }, (_, i) => order(sampleExportOrder({ guid: `BAD${i}` }), T0 + i));
    expect(given(cmds).state!.seen).toHaveLength(32);
  });
});

describe('three-document match: document validation', () => {
  const rejectOrder = (o: Partial<Order>, caseKey = EXPORT_KEY) =>
    given([]).when(order(sampleExportOrder(o), T0, caseKey));

  it.each<[string, Partial<Order>, string]>([
    ['lower-case guid', { guid: sampleGuid('x').toLowerCase() }, 'INVALID_GUID'],
    ['short guid', { guid: 'ABC' }, 'INVALID_GUID'],
    ['appType 4', { appType: '4' }, 'INVALID_APP_TYPE'],
    ['appTime not a date', { appTime: '20261332120000' }, 'INVALID_APP_TIME'],
    ['appStatus 3', { appStatus: '3' }, 'INVALID_APP_STATUS'],
    ['bad decimal', { goodsValue: '64.800001' }, 'INVALID_DECIMAL'],
    ['negative freight', { freight: '-1' }, 'INVALID_DECIMAL'],
    ['orderType X', { orderType: 'X' }, 'INVALID_ORDER_TYPE'],
    ['trade mode of B2B on a B2C order', { tradeMode: '9710' }, 'INVALID_FIELD'],
    ['customs code', { customsCode: '51' }, 'INVALID_FIELD'],
    ['export without statisticsFlag', { statisticsFlag: null }, 'MISSING_FIELD'],
    ['no items', { items: [] }, 'INVALID_ITEMS'],
  ])('rejects an order with %s', (_name, o, code) => {
    const r = rejectOrder(o);
    expect(statuses(r)).toEqual(['EBP:100']);
    expect(codes(r)).toContain(code);
    expect(r.state).toMatchObject({ order: null });
  });

  it('rejects an item with a short HS code or a gap in gnum', () => {
    const base = sampleExportOrder();
    const r = rejectOrder({
      items: [
        { ...base.items[0], gcode: '6109' },
        { ...base.items[1], gnum: 3 },
      ],
    });
    expect(codes(r)).toEqual(['INVALID_FIELD', 'INVALID_ITEMS']);
  });

  it('requires the import fields on an import order', () => {
    const r = given([]).when(
      order(sampleImportOrder({ buyerIdNumber: null, consignee: '', acturalPaid: null })),
    );
    expect(codes(r)).toEqual(['MISSING_FIELD']);
    expect(r.receipts[0].reasons.map((x) => x.message)).toEqual([
      'buyerIdNumber is required',
      'consignee is required',
      'acturalPaid is required',
    ]);
  });

  it('requires the import fields on an import payment and waybill', () => {
    expect(
      codes(given([]).when(payment(sampleImportPayment({ payerIdNumber: null, payTime: '2026' })))),
    ).toEqual(['INVALID_FIELD', 'MISSING_FIELD']);
    expect(codes(given([]).when(waybill(sampleImportWaybill({ consigneeAddress: null }))))).toEqual([
      'MISSING_FIELD',
    ]);
    expect(codes(given([]).when(payment(sampleExportPayment({ ieFlag: 'X' }))))).toEqual(['INVALID_IE_FLAG']);
    expect(codes(given([]).when(waybill(sampleExportWaybill({ packNo: 0, portCode: 'X' }))))).toEqual([
      'INVALID_FIELD',
    ]);
  });

  it('rejects a document that names another order (KEY_MISMATCH) without touching the case', () => {
    const g = given([order(sampleExportOrder())]);
    const r = g.when(payment(sampleExportPayment({ orderNo: 'SO-9999' }), T0 + 10, EXPORT_KEY));
    expect(statuses(r)).toEqual(['PAYER:100']);
    expect(codes(r)).toEqual(['KEY_MISMATCH']);
    expect(r.state).toMatchObject({ payment: null });
  });
});

describe('three-document match: consistency checks', () => {
  const failsWith = (docs: MatchCommand[], ctx = ctxWith()) => {
    const r = third(docs, ctx);
    expect(r.manifests).toEqual([]);
    expect(r.state).toMatchObject({ status: 'REJECTED' });
    return codes(r);
  };
  const exp = (o: Partial<Order> = {}, p: Partial<Payment> = {}, w: Partial<Waybill> = {}) => [
    order(sampleExportOrder(o)),
    payment(sampleExportPayment(p)),
    waybill(sampleExportWaybill(w)),
  ];
  const imp = (o: Partial<Order> = {}, p: Partial<Payment> = {}, w: Partial<Waybill> = {}) => [
    order(sampleImportOrder(o)),
    payment(sampleImportPayment(p)),
    waybill(sampleImportWaybill(w)),
  ];

  it('tells every participant whose document took part', () => {
    const r = third(exp({}, { charge: '1.00000' }));
    expect(statuses(r)).toEqual(['CARRIER:2', 'EBP:100', 'EBC:100', 'PAYER:100', 'CARRIER:100']);
  });

  it('AMOUNT_MISMATCH: export charge != goodsValue + freight', () => {
    expect(failsWith(exp({}, { charge: '64.80000' }))).toEqual(['AMOUNT_MISMATCH']);
  });

  it('AMOUNT_MISMATCH: import acturalPaid formula and payment amountPaid', () => {
    expect(failsWith(imp({ acturalPaid: '120.00000' }, { amountPaid: '120.00000' }))).toEqual([
      'AMOUNT_MISMATCH',
    ]);
    expect(failsWith(imp({}, { amountPaid: '119.00000' }))).toEqual(['AMOUNT_MISMATCH']);
  });

  it('ITEM_TOTAL_MISMATCH: qty × price != totalPrice', () => {
    const items = sampleExportOrder().items;
    items[0] = { ...items[0], price: '19.00000' };
    expect(failsWith(exp({ items }))).toEqual(['ITEM_TOTAL_MISMATCH']);
  });

  it('GOODS_VALUE_MISMATCH: Σ totalPrice != goodsValue', () => {
    expect(failsWith(exp({ goodsValue: '60.00000' }, { charge: '65.00000' }))).toEqual([
      'GOODS_VALUE_MISMATCH',
    ]);
  });

  it('CURRENCY_MISMATCH: payment in another currency; import not in CNY', () => {
    expect(failsWith(exp({}, { currency: '142' }))).toEqual(['CURRENCY_MISMATCH']);
    expect(failsWith(imp({}, {}, { currency: '502' }))).toEqual(['CURRENCY_MISMATCH']);
  });

  it('CONSIGNEE_MISMATCH: the waybill consignee differs from the order', () => {
    expect(failsWith(imp({}, {}, { consigneeTelephone: '13900000000' }))).toEqual(['CONSIGNEE_MISMATCH']);
  });

  it('BUYER_PAYER_MISMATCH only when the identity is not verified', () => {
    const otherPayer = { payerIdNumber: '110101199001019999', payerName: 'Li Si' };
    expect(failsWith(imp({}, otherPayer))).toEqual(['BUYER_PAYER_MISMATCH']);
    expect(third(imp({ buyerIdVerified: true }, otherPayer)).manifests).toHaveLength(1);
  });

  it('WEIGHT_INVALID: not positive, net above gross, or an order of magnitude off the goods', () => {
    expect(failsWith(exp({}, {}, { grossWeight: '0' }))).toEqual(['WEIGHT_INVALID']);
    expect(failsWith(exp({}, {}, { netWeight: '0.90000' }))).toEqual(['WEIGHT_INVALID']);
    const heavy = lookupBy(
      [
        sampleCommodity('6109100021', { minKgPerUnit: '0.20000', maxKgPerUnit: '0.50000' }),
        sampleCommodity('4202310090', { minKgPerUnit: '0.10000', maxKgPerUnit: '0.30000' }),
      ],
      (c) => c.gcode,
    );
    expect(
      failsWith(exp({}, {}, { grossWeight: '13.00001', netWeight: null }), ctxWith(undefined, heavy)),
    ).toEqual(['WEIGHT_INVALID']);
    expect(
      failsWith(exp({}, {}, { grossWeight: '0.04000', netWeight: null }), ctxWith(undefined, heavy)),
    ).toEqual(['WEIGHT_INVALID']);
    expect(third(exportDocs(), ctxWith(undefined, heavy)).manifests).toHaveLength(1);
  });

  it('ENTERPRISE_NOT_ON_FILE: unknown, revoked, or not on file in that role', () => {
    const without = (code: string) => sampleEnterprises().filter((e) => e.code !== code);
    expect(failsWith(exportDocs(), ctxWith(without(SAMPLE_CODES.carrier)))).toEqual([
      'ENTERPRISE_NOT_ON_FILE',
    ]);
    const revoked = [
      ...without(SAMPLE_CODES.payer),
      sampleEnterprise(SAMPLE_CODES.payer, ['PAYER'], { onFile: false }),
    ];
    expect(failsWith(exportDocs(), ctxWith(revoked))).toEqual(['ENTERPRISE_NOT_ON_FILE']);
    const wrongRole = [...without(SAMPLE_CODES.payer), sampleEnterprise(SAMPLE_CODES.payer, ['CARRIER'])];
    expect(failsWith(exportDocs(), ctxWith(wrongRole))).toEqual(['ENTERPRISE_NOT_ON_FILE']);
    expect(failsWith(exp({ agentCode: 'AGT0000001', agentName: 'Agent' }))).toEqual([
      'ENTERPRISE_NOT_ON_FILE',
    ]);
  });

  it('ENTERPRISE_GRADE_D: forbidden for platform, payer and carrier; a grade-D seller is left to risk', () => {
    const gradeD = (code: string, roles: string[]) => [
      ...sampleEnterprises().filter((e) => e.code !== code),
      sampleEnterprise(code, roles, { creditGrade: 'D' }),
    ];
    expect(failsWith(exportDocs(), ctxWith(gradeD(SAMPLE_CODES.payer, ['PAYER'])))).toEqual([
      'ENTERPRISE_GRADE_D',
    ]);
    expect(third(exportDocs(), ctxWith(gradeD(SAMPLE_CODES.ebc, ['EBC']))).manifests).toHaveLength(1);
  });

  it('IE_FLAG_MISMATCH, EBC_MISMATCH and PAYMENT_REF_MISMATCH', () => {
    expect(
      failsWith(exp({}, {}, { ieFlag: 'I', consignee: 'a', consigneeAddress: 'b', consigneeTelephone: 'c' })),
    ).toEqual(['IE_FLAG_MISMATCH']);
    expect(failsWith(exp({}, { ebcCode: 'EBC0000009' }))).toEqual(['EBC_MISMATCH']);
    expect(
      failsWith(
        exp({}, { payCode: 'PAY0000009' }),
        ctxWith([...sampleEnterprises(), sampleEnterprise('PAY0000009', ['PAYER'])]),
      ),
    ).toEqual(['PAYMENT_REF_MISMATCH']);
    expect(failsWith(imp({}, { payTransactionId: 'TX-OTHER' }))).toEqual(['PAYMENT_REF_MISMATCH']);
  });

  it('SIMPLIFIED_NOT_ALLOWED: mode A with a licence, export duty, rebate or control', () => {
    expect(failsWith(exp({ statisticsFlag: 'A', licenseNo: 'L-1' }))).toEqual(['SIMPLIFIED_NOT_ALLOWED']);
    const rebate = lookupBy([sampleCommodity('6109100021', { rebateRate: '0.13000' })], (c) => c.gcode);
    expect(failsWith(exp({ statisticsFlag: 'A' }), ctxWith(undefined, rebate))).toEqual([
      'SIMPLIFIED_NOT_ALLOWED',
    ]);
    expect(third(exp({ statisticsFlag: 'A' })).manifests[0].statisticsFlag).toBe('A');
  });

  it('reports every failing check at once', () => {
    expect(failsWith(imp({ consignee: 'Wang Wu' }, { amountPaid: '1.00000', payerName: 'Li Si' }))).toEqual([
      'AMOUNT_MISMATCH',
      'BUYER_PAYER_MISMATCH',
      'CONSIGNEE_MISMATCH',
    ]);
  });
});

describe('three-document match: the seen guids', () => {
  // The former way of remembering a guid, kept as the reference.
  const refRemember = (seen: ReadonlyArray<string>, guid: string, limit: number): string[] =>
    seen.includes(guid) ? [...seen] : [...seen, guid].slice(-limit);

  it('are remembered as before, one event at a time and when a case closes, whatever the limit', () => {
    let seed = 7; // mulberry32
    const int = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const ref = {
      caseKey: EXPORT_KEY,
      ebpCode: null,
      orderNo: null,
      logisticsCode: null,
      logisticsNo: null,
      invtNo: null,
    };
    const to = { participant: 'EBP' as const, code: 'X', docType: 'ORDER' as const, docGuid: null };
    const kinds = ['ORDER', 'PAYMENT', 'WAYBILL'] as const;
    const differences: string[] = [];
    for (let run = 0; run < 2000; run++) {
      const limit = [-2, -1, 0, 1, 2, 3, 5, 32][int(8)];
      const config = { seenGuidLimit: limit };
      let state: MatchState | undefined;
      let expected: string[] = [];
      const held = new Map<string, string>();
      for (let n = int(12); n >= 0; n--) {
        const guid = `G${int(8)}`;
        const kind = kinds[int(3)];
        const e: MatchEvent =
          int(2) === 0
            ? { type: 'DocumentRejected', kind, guid, to, ref, reasons: [], at: T0 }
            : ({
                type: 'DocumentAccepted',
                doc: { kind, held: { doc: { guid }, at: T0, idHash: null } },
                change: false,
                waitingFor: [],
                to,
                ref,
                at: T0,
              } as unknown as MatchEvent);
        if (e.type === 'DocumentAccepted') held.set(kind, guid);
        expected = refRemember(expected, guid, limit);
        state = evolveMatch(state, e, config);
        if (JSON.stringify(state!.seen) !== JSON.stringify(expected))
          differences.push(
            `limit ${limit}: ${JSON.stringify(state!.seen)}, reference ${JSON.stringify(expected)}`,
          );
      }
      state = evolveMatch(state, { type: 'CaseTimedOut', reasons: [], to: [], ref, at: T0 }, config);
      for (const kind of kinds) if (held.has(kind)) expected = refRemember(expected, held.get(kind)!, limit);
      if (JSON.stringify(state!.seen) !== JSON.stringify(expected))
        differences.push(
          `closed, limit ${limit}: ${JSON.stringify(state!.seen)}, reference ${JSON.stringify(expected)}`,
        );
    }
    expect(differences.slice(0, 10)).toEqual([]);
  });
});

describe('three-document match: deadlines', () => {
  it('matchDeadline reads the settings as the merged config did, explicit undefined included', () => {
    // the former implementation, kept as the reference
    const reference = (s: MatchState | undefined, config: Partial<MatchConfig> = {}) => {
      if (!s) return undefined;
      const c = { ...DEFAULT_MATCH_CONFIG, ...config };
      if (s.status === 'OPEN' || s.status === 'REJECTED')
        return (s.firstDocumentTime ?? s.openedAt) + c.windowMs;
      return (s as ClosedCase).closedAt + c.tombstoneRetentionMs;
    };
    const open = given(exportDocs().slice(0, 1)).state;
    const closed = given(exportDocs()).state;
    const configs: Array<Partial<MatchConfig> | undefined> = [
      undefined,
      {},
      { windowMs: 1000 },
      { tombstoneRetentionMs: 5 },
      { windowMs: undefined },
      { tombstoneRetentionMs: undefined, seenGuidLimit: 3 },
      Object.create({ windowMs: 7 }),
    ];
    for (const s of [undefined, open, closed, { ...open!, firstDocumentTime: null } as MatchState])
      for (const c of configs) expect(matchDeadline(s, c)).toEqual(reference(s, c));
  });
});

describe('import tax bill at the match (DOMAIN.md "Import")', () => {
  // face cream: 15 % consumption tax, 13 % VAT (the shipped reference data's rates)
  const cosmetics: CommodityLookup = lookupBy(
    [sampleCommodity('3304990099', { vatRate: '0.13000', consumptionTaxRate: '0.15000' })],
    (c) => c.gcode,
  );
  const importDocs = (o = sampleImportOrder(), p = sampleImportPayment()): MatchCommand[] => [
    order(o),
    payment(p),
  ];

  it('given an import order declaring the tax the bill computes, when the waybill completes it, then the list and an OK tax bill', () => {
    const r = given(importDocs(), ctxWith(sampleEnterprises(), cosmetics)).when(
      waybill(sampleImportWaybill()),
    );
    expect(r.manifests).toHaveLength(1);
    expect(r.taxBills).toHaveLength(1);
    const bill = r.taxBills[0];
    expect(bill).toMatchObject({
      invtNo: r.manifests[0].invtNo,
      waybillKey: r.manifests[0].waybillKey,
      currency: '142',
      consumptionTaxTotal: '13.59000',
      vatTotal: '11.78000',
      taxTotal: '25.37000',
      declaredTaxTotal: '25.37000',
      status: 'OK',
    });
    expect(bill.items.map((i) => [i.gnum, i.customsValue])).toEqual([[1, '110.00000']]);
  });

  it('given an import order declaring too little tax, when complete, then the case is refused with TAX_MISMATCH and no tax bill', () => {
    const o = sampleImportOrder({ taxTotal: '9.10000', acturalPaid: '119.10000' });
    const p = sampleImportPayment({ amountPaid: '119.10000' });
    const r = given(importDocs(o, p), ctxWith(sampleEnterprises(), cosmetics)).when(
      waybill(sampleImportWaybill()),
    );
    expect(r.manifests).toEqual([]);
    expect(r.taxBills).toEqual([]);
    expect(codes(r)).toEqual(['TAX_MISMATCH']);
    const refusal = r.receipts.flatMap((x) => x.reasons).find((x) => x.code === 'TAX_MISMATCH')!;
    expect(refusal.message).toContain('computed 25.37000');
  });

  it('given a declared tax within 0.01 per tax kind, when complete, then matched (two kinds here: 0.02)', () => {
    const o = sampleImportOrder({ taxTotal: '25.39000', acturalPaid: '135.39000' });
    const p = sampleImportPayment({ amountPaid: '135.39000' });
    const r = given(importDocs(o, p), ctxWith(sampleEnterprises(), cosmetics)).when(
      waybill(sampleImportWaybill()),
    );
    expect(r.manifests).toHaveLength(1);
    expect(r.taxBills[0]).toMatchObject({ status: 'OK', declaredTaxTotal: '25.39000', taxTotal: '25.37000' });
  });

  it('given goods without rates in the reference data, when complete, then matched with an INCOMPLETE bill (risk judges the goods)', () => {
    const none: CommodityLookup = lookupBy([sampleCommodity('3304990099')], (c) => c.gcode);
    const r = given(importDocs(), ctxWith(sampleEnterprises(), none)).when(waybill(sampleImportWaybill()));
    expect(r.manifests).toHaveLength(1);
    expect(r.taxBills.map((b) => b.status)).toEqual(['INCOMPLETE']);
  });

  it('given an export case, when matched, then no tax bill', () => {
    const r = given(
      [order(sampleExportOrder()), payment(sampleExportPayment())],
      ctxWith(sampleEnterprises(), cosmetics),
    ).when(waybill(sampleExportWaybill()));
    expect(r.manifests).toHaveLength(1);
    expect(r.taxBills).toEqual([]);
  });
});
