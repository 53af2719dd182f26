import type { Decision, InspectionResult, Receipt } from '@clearance/contracts';
import {
  buildReceipt,
  SAMPLE_CODES,
  SAMPLE_MATCH_TIME,
  sampleExportManifest,
  sampleExportOrder,
  sampleExportPayment,
  sampleExportWaybill,
  sampleGuid,
  sampleImportManifest,
  sampleImportPayment,
  sampleImportWaybill,
} from '@clearance/domain';
import {
  CEB_NAMESPACE,
  describeProblems,
  nodeReturn,
  parseCebMessage,
  renderReturnBatch,
  renderReturnMessage,
  returnForDecision,
  returnForInspection,
  returnForReceipt,
  toCebXml,
  type CebNode,
  type FiledDoc,
} from './index';
import {
  editXml,
  findAll,
  orderOf,
  readXml,
  sampleBaseTransfer,
  sampleDeparture,
  setLeaf,
  toTree,
} from './test-fixtures';

const AT = Date.UTC(2026, 10, 10, 4, 5, 6, 789); // 2026-11-10 12:05:06.789 China time
const RETURN_TIME = '20261110120506789';

const parsed = (filed: FiledDoc) => parseCebMessage(toCebXml([filed], sampleBaseTransfer()));

describe('nodeReturn', () => {
  it('given an accepted export order, then the OrderReturn carries its identifying fields and the status', () => {
    // given
    const m = parsed({ kind: 'ORDER', doc: sampleExportOrder() });
    // when
    const item = nodeReturn(m, m.nodes[0], '2', 'accepted', AT);
    // then
    expect(item).toEqual({
      guid: sampleExportOrder().guid,
      ebpCode: SAMPLE_CODES.ebp,
      ebcCode: SAMPLE_CODES.ebc,
      orderNo: 'SO-1001',
      returnStatus: '2',
      returnTime: RETURN_TIME,
      returnInfo: 'accepted',
    });
    expect(Object.keys(item)).toEqual([
      'guid',
      'ebpCode',
      'ebcCode',
      'orderNo',
      'returnStatus',
      'returnTime',
      'returnInfo',
    ]);
  });

  it('given a refused node, then the return still carries what could be read, and the problems as info', () => {
    // given: the second of two orders lacks ebcCode and has a too-long note
    const docs: FiledDoc[] = [
      { kind: 'ORDER', doc: sampleExportOrder() },
      { kind: 'ORDER', doc: sampleExportOrder({ guid: sampleGuid('o2'), orderNo: 'SO-2' }) },
    ];
    const xml = editXml(toCebXml(docs, sampleBaseTransfer()), (tree) => {
      const head = findAll(tree, 'ceb:OrderHead')[1];
      setLeaf(head, 'ceb:ebcCode', null);
      setLeaf(head, 'ceb:goodsValue', 'abc');
    });
    const m = parseCebMessage(xml);
    const node = m.nodes[1];
    expect(node.ok).toBe(false);
    // when
    const info = node.ok ? '' : describeProblems(node.problems);
    const item = nodeReturn(m, node, '100', info, AT);
    // then
    expect(item).toEqual({
      guid: sampleGuid('o2'),
      ebpCode: SAMPLE_CODES.ebp,
      ebcCode: '',
      orderNo: 'SO-2',
      returnStatus: '100',
      returnTime: RETURN_TIME,
      returnInfo: 'OrderHead.goodsValue: "abc" is not a decimal number; OrderHead.ebcCode: required, missing',
    });
  });

  it('given payments, then CEB404 and CEB412 returns carry the standard fields of each', () => {
    const e = parsed({ kind: 'PAYMENT', doc: sampleExportPayment() });
    expect(nodeReturn(e, e.nodes[0], '2', 'ok', AT)).toEqual({
      guid: sampleExportPayment().guid,
      ebcCode: SAMPLE_CODES.ebc,
      orderNo: 'SO-1001',
      payNo: 'PN-1001',
      returnStatus: '2',
      returnTime: RETURN_TIME,
      returnInfo: 'ok',
    });
    const i = parsed({ kind: 'PAYMENT', doc: sampleImportPayment() });
    expect(i.returnType).toBe('CEB412Message');
    expect(nodeReturn(i, i.nodes[0], '2', 'ok', AT)).toEqual({
      guid: sampleImportPayment().guid,
      payCode: SAMPLE_CODES.payer,
      payTransactionId: 'TX-2001',
      returnStatus: '2',
      returnTime: RETURN_TIME,
      returnInfo: 'ok',
    });
  });

  it('given waybills, then LogisticsReturn carries logisticsCode and logisticsNo', () => {
    for (const doc of [sampleExportWaybill(), sampleImportWaybill()]) {
      const m = parsed({ kind: 'WAYBILL', doc });
      expect(nodeReturn(m, m.nodes[0], '2', 'ok', AT)).toEqual({
        guid: doc.guid,
        logisticsCode: SAMPLE_CODES.carrier,
        logisticsNo: doc.logisticsNo,
        returnStatus: '2',
        returnTime: RETURN_TIME,
        returnInfo: 'ok',
      });
    }
  });

  it('given a departure, then DepartureReturn carries copNo, msgSeqNo and an empty preNo', () => {
    const m = parsed({ kind: 'DEPARTURE', doc: sampleDeparture() });
    expect(nodeReturn(m, m.nodes[0], '2', 'ok', AT)).toEqual({
      guid: sampleDeparture().guid,
      logisticsCode: SAMPLE_CODES.carrier,
      copNo: 'COP-1',
      preNo: '',
      msgSeqNo: '1',
      returnStatus: '2',
      returnTime: RETURN_TIME,
      returnInfo: 'ok',
    });
  });

  it('given a copy of an accepted node (e.g. rebuilt from storage), then the fields come from its document', () => {
    const m = parsed({ kind: 'DEPARTURE', doc: sampleDeparture() });
    const copy = JSON.parse(JSON.stringify(m.nodes[0])) as CebNode;
    expect(nodeReturn(m, copy, '2', 'ok', AT)).toEqual(nodeReturn(m, m.nodes[0], '2', 'ok', AT));
  });

  it('given a returnInfo beyond 1000 characters, then it is capped', () => {
    const m = parsed({ kind: 'ORDER', doc: sampleExportOrder() });
    const item = nodeReturn(m, m.nodes[0], '100', 'x'.repeat(1500), AT);
    expect(item.returnInfo).toHaveLength(1000);
    expect(item.returnInfo.endsWith('…')).toBe(true);
  });
});

describe('renderReturnMessage', () => {
  it('given two items, when rendered, then one CEB304Message in the CEB namespace with the fields in standard order', () => {
    // given
    const m = parsed({ kind: 'ORDER', doc: sampleExportOrder() });
    const a = nodeReturn(m, m.nodes[0], '2', 'accepted & <queued>', AT);
    const b = { ...a, orderNo: 'SO-2', returnStatus: '100', returnInfo: '退单' };
    // when
    const xml = renderReturnMessage('CEB304Message', [b, a], { guid: sampleGuid('ret') });
    // then
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const root = (readXml(xml) as Record<string, Record<string, unknown>>)['ceb:CEB304Message'];
    expect(root['@_xmlns:ceb']).toBe(CEB_NAMESPACE);
    expect(root['@_guid']).toBe(sampleGuid('ret'));
    expect(root['@_version']).toBe('1.0');
    const returns = root['ceb:OrderReturn'] as Array<Record<string, string>>;
    expect(returns.map((r) => [r['ceb:orderNo'], r['ceb:returnStatus'], r['ceb:returnInfo']])).toEqual([
      ['SO-2', '100', '退单'],
      ['SO-1001', '2', 'accepted & <queued>'],
    ]);
    expect(orderOf(xml, 'ceb:OrderReturn')[0]).toEqual(
      ['guid', 'ebpCode', 'ebcCode', 'orderNo', 'returnStatus', 'returnTime', 'returnInfo'].map(
        (n) => `ceb:${n}`,
      ),
    );
  });

  it('given no guid, then a fresh upper-case 36-character one', () => {
    const xml = renderReturnMessage('CEB506Message', []);
    const root = (readXml(xml) as Record<string, Record<string, string>>)['ceb:CEB506Message'];
    expect(root['@_guid']).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  });

  it('given an item missing an optional field and a required one, then the optional is omitted and the required empty', () => {
    const xml = renderReturnMessage('CEB404Message', [
      { guid: 'G', orderNo: 'SO-1', returnStatus: '2', returnTime: RETURN_TIME, returnInfo: 'ok' },
    ]);
    expect(orderOf(xml, 'ceb:ReceiptsReturn')[0]).toEqual(
      ['guid', 'ebcCode', 'orderNo', 'returnStatus', 'returnTime', 'returnInfo'].map((n) => `ceb:${n}`),
    );
  });
});

describe('renderReturnBatch', () => {
  it('given returns of several types, then one batch keeps their order, each its own message', () => {
    // given
    const entries = [
      returnForInspection(inspection('PASS'), 'E'),
      returnForDecision(decision(sampleExportManifest())),
      returnForInspection(inspection('RETURN'), 'E'),
    ];
    // when
    const xml = renderReturnBatch(entries, '42', true);
    // then
    const tree = readXml(xml) as Record<string, Record<string, unknown>>;
    const batch = tree['ceb:CEBReturnBatch'];
    expect(batch['@_xmlns:ceb']).toBe(CEB_NAMESPACE);
    expect(batch['@_next']).toBe('42');
    expect(batch['@_more']).toBe('true');
    expect(batch['@_count']).toBe('3');
    const names = orderOf(xml, 'ceb:CEBReturnBatch')[0];
    expect(names).toEqual(['ceb:CEB506Message', 'ceb:CEB604Message', 'ceb:CEB506Message']);
    const statuses = findAll(toTree(xml), 'ceb:returnStatus').map((t) => t[0]['#text']);
    expect(statuses).toEqual(['800', '800', '700']);
  });

  it('given nothing, then an empty batch with more=false', () => {
    const batch = (readXml(renderReturnBatch([], '', false)) as Record<string, Record<string, string>>)[
      'ceb:CEBReturnBatch'
    ];
    expect(batch['@_count']).toBe('0');
    expect(batch['@_more']).toBe('false');
  });
});

function receipt(overrides: Partial<Parameters<typeof buildReceipt>[0]> = {}): Receipt {
  return buildReceipt({
    to: { participant: 'EBP', code: SAMPLE_CODES.ebp, docType: 'ORDER', docGuid: sampleExportOrder().guid },
    ref: {
      caseKey: `${SAMPLE_CODES.ebp}:SO-1001`,
      ebpCode: SAMPLE_CODES.ebp,
      orderNo: 'SO-1001',
      logisticsCode: SAMPLE_CODES.carrier,
      logisticsNo: 'LN000001',
      invtNo: null,
    },
    returnStatus: '100',
    at: AT,
    returnInfo: 'rejected',
    reasons: [
      { code: 'AMOUNT_MISMATCH', message: 'charge 69.80 differs from 70.00' },
      { code: 'MATCH_TIMEOUT', message: 'no waybill within 72 h' },
    ],
    ...overrides,
  });
}

describe('returnForReceipt', () => {
  it('given an order receipt, then CEB304 (export) / CEB312 (import) with the reasons in returnInfo', () => {
    const r = receipt();
    const e = returnForReceipt(r, 'E');
    expect(e.type).toBe('CEB304Message');
    expect(e.item).toEqual({
      guid: sampleExportOrder().guid,
      ebpCode: SAMPLE_CODES.ebp,
      ebcCode: '',
      orderNo: 'SO-1001',
      returnStatus: '100',
      returnTime: RETURN_TIME,
      returnInfo:
        'rejected [AMOUNT_MISMATCH] charge 69.80 differs from 70.00; [MATCH_TIMEOUT] no waybill within 72 h',
    });
    expect(returnForReceipt(r, 'I').type).toBe('CEB312Message');
  });

  it('given a payment receipt, then CEB404 / CEB412 with the payer code', () => {
    const r = receipt({
      to: {
        participant: 'PAYER',
        code: SAMPLE_CODES.payer,
        docType: 'PAYMENT',
        docGuid: sampleImportPayment().guid,
      },
      reasons: [],
      returnInfo: 'accepted',
      returnStatus: '2',
    });
    expect(returnForReceipt(r, 'E')).toEqual({
      type: 'CEB404Message',
      item: {
        guid: sampleImportPayment().guid,
        ebcCode: '',
        orderNo: 'SO-1001',
        returnStatus: '2',
        returnTime: RETURN_TIME,
        returnInfo: 'accepted',
      },
    });
    expect(returnForReceipt(r, 'I').item).toMatchObject({
      payCode: SAMPLE_CODES.payer,
      payTransactionId: '',
    });
  });

  it('given a waybill receipt, then CEB506 / CEB512 with carrier and waybill number', () => {
    const r = receipt({
      to: { participant: 'CARRIER', code: SAMPLE_CODES.carrier, docType: 'WAYBILL', docGuid: 'W-GUID' },
      returnStatus: '800',
      reasons: [],
      returnInfo: 'released',
    });
    const e = returnForReceipt(r, 'E');
    const i = returnForReceipt(r, 'I');
    expect([e.type, i.type]).toEqual(['CEB506Message', 'CEB512Message']);
    expect(i.item).toEqual({
      guid: 'W-GUID',
      logisticsCode: SAMPLE_CODES.carrier,
      logisticsNo: 'LN000001',
      returnStatus: '800',
      returnTime: RETURN_TIME,
      returnInfo: 'released',
    });
  });

  it('given a departure receipt, then CEB510 with the copNo from its case key', () => {
    const r = receipt({
      to: { participant: 'CARRIER', code: SAMPLE_CODES.carrier, docType: 'DEPARTURE', docGuid: 'D-GUID' },
      ref: {
        caseKey: `${SAMPLE_CODES.carrier}:COP-1`,
        ebpCode: null,
        orderNo: null,
        logisticsCode: SAMPLE_CODES.carrier,
        logisticsNo: null,
        invtNo: null,
      },
      returnStatus: '2',
      reasons: [],
      returnInfo: 'departure accepted: 2 waybill(s)',
    });
    expect(returnForReceipt(r, 'E')).toEqual({
      type: 'CEB510Message',
      item: {
        guid: 'D-GUID',
        logisticsCode: SAMPLE_CODES.carrier,
        copNo: 'COP-1',
        preNo: '',
        msgSeqNo: '',
        returnStatus: '2',
        returnTime: RETURN_TIME,
        returnInfo: 'departure accepted: 2 waybill(s)',
      },
    });
  });

  it('given inspection receipts, then CEB604 (export) / CEB622 (import) with the compiled list number and copNo (the order number)', () => {
    const r = receipt({
      to: { participant: 'EBC', code: SAMPLE_CODES.ebc, docType: 'INSPECTION', docGuid: 'L-GUID' },
      ref: {
        caseKey: `${SAMPLE_CODES.ebp}:SO-1001`,
        ebpCode: SAMPLE_CODES.ebp,
        orderNo: 'SO-1001',
        logisticsCode: SAMPLE_CODES.carrier,
        logisticsNo: 'LN000001',
        invtNo: '51412026E000000001',
      },
      returnStatus: '120',
      reasons: [],
      returnInfo: 'matched',
    });
    const e = returnForReceipt(r, 'E');
    expect(e.type).toBe('CEB604Message');
    expect(e.item).toEqual({
      guid: 'L-GUID',
      agentCode: '',
      copNo: 'SO-1001',
      preNo: '',
      invtNo: '51412026E000000001',
      ebcCode: SAMPLE_CODES.ebc,
      ebpCode: SAMPLE_CODES.ebp,
      orderNo: 'SO-1001',
      statisticsFlag: '',
      returnStatus: '120',
      returnTime: RETURN_TIME,
      returnInfo: 'matched',
    });
    const i = returnForReceipt(r, 'I');
    expect(i.type).toBe('CEB622Message');
    expect(Object.keys(i.item)).toEqual([
      'guid',
      'customsCode',
      'ebpCode',
      'ebcCode',
      'copNo',
      'preNo',
      'invtNo',
      'returnStatus',
      'returnTime',
      'returnInfo',
    ]);
    expect(i.item.customsCode).toBe('5141');
  });

  it('given a very long reason list, then returnInfo is capped at 1000 characters', () => {
    const reasons = Array.from({ length: 60 }, (_, k) => ({ code: `R${k}`, message: 'x'.repeat(30) }));
    expect(returnForReceipt(receipt({ reasons }), 'E').item.returnInfo).toHaveLength(1000);
  });
});

function decision(manifest: Decision['manifest'], overrides: Partial<Decision> = {}): Decision {
  return {
    guid: sampleGuid('decision'),
    waybillKey: manifest.waybillKey,
    orderKey: manifest.orderKey,
    invtNo: manifest.invtNo,
    outcome: 'RELEASE',
    returnStatus: '800',
    score: 0,
    ruleSetVersion: 'rs-1',
    rulesFired: [],
    decidedAt: AT,
    lastDocumentTime: SAMPLE_MATCH_TIME,
    manifest,
    ...overrides,
  };
}

describe('returnForDecision', () => {
  it('given an export release, then a CEB604 InventoryReturn with the list fields', () => {
    const m = sampleExportManifest();
    const { type, item } = returnForDecision(decision(m));
    expect(type).toBe('CEB604Message');
    expect(item).toEqual({
      guid: m.guid,
      agentCode: '',
      copNo: m.copNo,
      preNo: '',
      invtNo: m.invtNo,
      ebcCode: m.ebcCode,
      ebpCode: m.ebpCode,
      orderNo: m.orderNo,
      statisticsFlag: m.statisticsFlag,
      returnStatus: '800',
      returnTime: RETURN_TIME,
      returnInfo: 'RELEASE (score 0, rule set rs-1): no rule fired',
    });
  });

  it('given an import inspection, then a CEB622 naming every rule fired', () => {
    const m = sampleImportManifest();
    const d = decision(m, {
      outcome: 'INSPECT',
      returnStatus: '500',
      score: 45,
      rulesFired: [
        { ruleId: 'r-sampling', kind: 'SAMPLING', outcome: 'INSPECT', score: 5, reason: 'random sample' },
        {
          ruleId: 'r-price',
          kind: 'PRICE_ANOMALY',
          outcome: 'INSPECT',
          score: 40,
          reason: 'price 1% of reference',
        },
      ],
    });
    const { type, item } = returnForDecision(d);
    expect(type).toBe('CEB622Message');
    expect(item).toMatchObject({
      guid: m.guid,
      customsCode: m.customsCode,
      ebpCode: m.ebpCode,
      ebcCode: m.ebcCode,
      copNo: m.copNo,
      preNo: '',
      invtNo: m.invtNo,
      returnStatus: '500',
    });
    expect(item.returnInfo).toBe(
      'INSPECT (score 45, rule set rs-1): [r-sampling SAMPLING -> INSPECT] random sample; [r-price PRICE_ANOMALY -> INSPECT] price 1% of reference',
    );
    expect(item).not.toHaveProperty('agentCode'); // optional in CEB622 and null on the list
  });
});

function inspection(
  outcome: InspectionResult['outcome'],
  overrides: Partial<InspectionResult> = {},
): InspectionResult {
  return {
    guid: sampleGuid(`inspection-${outcome}`),
    logisticsCode: SAMPLE_CODES.carrier,
    logisticsNo: 'LN000001',
    outcome,
    detentionCode: null,
    officer: 'officer-7',
    inspectedAt: '20261111093000',
    note: null,
    ...overrides,
  };
}

describe('returnForInspection', () => {
  it('given PASS for an export waybill, then a CEB506 LogisticsReturn with 800', () => {
    expect(returnForInspection(inspection('PASS', { note: 'goods as declared' }), 'E')).toEqual({
      type: 'CEB506Message',
      item: {
        guid: sampleGuid('inspection-PASS'),
        logisticsCode: SAMPLE_CODES.carrier,
        logisticsNo: 'LN000001',
        returnStatus: '800',
        returnTime: '20261111093000000',
        returnInfo: 'inspection PASS by officer officer-7: goods as declared',
      },
    });
  });

  it('given SEIZE for an import waybill, then a CEB512 with its detention code, 599 by default', () => {
    const seized = returnForInspection(inspection('SEIZE', { detentionCode: '502' }), 'I');
    expect(seized.type).toBe('CEB512Message');
    expect(seized.item.returnStatus).toBe('502');
    expect(seized.item.returnInfo).toBe('inspection SEIZE (detained, 502) by officer officer-7');
    expect(returnForInspection(inspection('SEIZE'), 'I').item.returnStatus).toBe('599');
    expect(returnForInspection(inspection('SEIZE', { detentionCode: '800' }), 'I').item.returnStatus).toBe(
      '599',
    );
  });

  it('given RETURN, then 700', () => {
    expect(returnForInspection(inspection('RETURN'), 'E').item.returnStatus).toBe('700');
  });
});
