import type { Decision, InspectionResult, Receipt } from '@clearance/contracts';
import { ReasonCode } from '../common/reasons';
import {
  SAMPLE_CODES,
  sampleExportFiledList,
  sampleExportOrder,
  sampleExportPayment,
  sampleExportWaybill,
} from '../testing/samples';
import { decisionTargets, inspectionTargets, receiptTargets } from './feeds';
import { verifySender, type FiledDocument } from './sender';
import type { ParticipantRole } from '@clearance/contracts';

const AT = Date.UTC(2026, 11, 7, 3, 0, 0);

/** given a participant's input topic (role, code), when a document arrives on it */
const given = (role: ParticipantRole, code: string) => ({
  when: (filed: FiledDocument) => verifySender(role, code, filed, AT),
});

describe('no spoofing: a participant files only its own documents', () => {
  const order = sampleExportOrder();
  const payment = sampleExportPayment();
  const waybill = sampleExportWaybill();

  it('accepts an order the platform names itself on', () => {
    expect(given('PLATFORM', order.ebpCode).when({ kind: 'ORDER', doc: order })).toEqual({ ok: true });
  });

  it('accepts a payment under its own payCode and a waybill under its own logisticsCode', () => {
    expect(given('PAYER', payment.payCode).when({ kind: 'PAYMENT', doc: payment })).toEqual({ ok: true });
    expect(given('CARRIER', waybill.logisticsCode).when({ kind: 'WAYBILL', doc: waybill })).toEqual({ ok: true });
  });

  it("refuses an order filed under another platform's ebpCode, with a 100 receipt to the sender", () => {
    const v = given('PLATFORM', 'OTHERPLAT1').when({ kind: 'ORDER', doc: order });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.receipt).toMatchObject({
      participant: 'EBP',
      participantCode: 'OTHERPLAT1',
      docType: 'ORDER',
      docGuid: order.guid,
      returnStatus: '100',
      caseKey: `${order.ebpCode}:${order.orderNo}`,
      returnTime: '20261207110000000',
    });
    expect(v.receipt.reasons.map((r) => r.code)).toEqual([ReasonCode.SENDER_MISMATCH]);
    expect(v.receipt.returnInfo).toContain(`ebpCode ${order.ebpCode}`);
  });

  it("refuses a waybill filed under another carrier's code", () => {
    const v = given('CARRIER', 'OTHERCARR1').when({ kind: 'WAYBILL', doc: waybill });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.receipt).toMatchObject({ participant: 'CARRIER', participantCode: 'OTHERCARR1', returnStatus: '100' });
  });

  it('refuses a document of a kind the role does not file, even under its own code', () => {
    const v = given('PAYER', order.ebpCode).when({ kind: 'ORDER', doc: order });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toBe('a payer does not file orders');
  });

  it('accepts a list its filer names itself on as agentCode, and refuses one naming another filer', () => {
    const list = sampleExportFiledList(undefined, { agentCode: 'AGT0000001' });
    expect(given('AGENT', 'AGT0000001').when({ kind: 'LIST', doc: list })).toEqual({ ok: true });
    const v = given('AGENT', 'AGT0000002').when({ kind: 'LIST', doc: list });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.reason).toBe('list names agentCode AGT0000001, but was filed by AGT0000002: a participant files only its own documents');
    expect(v.receipt).toMatchObject({
      participant: 'EBC',
      participantCode: 'AGT0000002',
      docType: 'LIST',
      docGuid: list.guid,
      returnStatus: '100',
      caseKey: `${list.ebpCode}:${list.orderNo}`,
    });
    expect(receiptTargets(v.receipt)).toEqual([{ role: 'AGENT', code: 'AGT0000002', kind: 'receipt' }]);
  });

  it('refuses a list from a platform, and an order from a list filer', () => {
    const list = sampleExportFiledList();
    const v = given('PLATFORM', list.ebpCode).when({ kind: 'LIST', doc: list });
    expect(v.ok ? '' : v.reason).toBe('a platform does not file lists');
    const w = given('AGENT', order.ebcCode).when({ kind: 'ORDER', doc: order });
    expect(w.ok ? '' : w.reason).toBe('an agent does not file orders');
  });

  it('gives the same receipt for the same record (replay is byte-identical)', () => {
    const a = given('PLATFORM', 'OTHERPLAT1').when({ kind: 'ORDER', doc: order });
    const b = given('PLATFORM', 'OTHERPLAT1').when({ kind: 'ORDER', doc: order });
    expect(a).toEqual(b);
  });
});

describe('feeds: who sees what', () => {
  const receipt = (participant: Receipt['participant'], code: string): Receipt =>
    ({ participant, participantCode: code }) as Receipt;

  it('sends a receipt to its addressee only', () => {
    expect(receiptTargets(receipt('EBP', 'P1'))).toEqual([{ role: 'PLATFORM', code: 'P1', kind: 'receipt' }]);
    expect(receiptTargets(receipt('PAYER', 'X1'))).toEqual([{ role: 'PAYER', code: 'X1', kind: 'receipt' }]);
    expect(receiptTargets(receipt('CARRIER', 'C1'))).toEqual([{ role: 'CARRIER', code: 'C1', kind: 'receipt' }]);
  });

  it("sends a list's receipts to its filer's feed (EBC, docType LIST -> AGENT)", () => {
    expect(receiptTargets({ ...receipt('EBC', 'A1'), docType: 'LIST' })).toEqual([{ role: 'AGENT', code: 'A1', kind: 'receipt' }]);
  });

  it("has no participant feed for the e-commerce enterprise's other receipts or an officer's", () => {
    expect(receiptTargets({ ...receipt('EBC', 'E1'), docType: 'ORDER' })).toEqual([]);
    expect(receiptTargets(receipt('EBC', 'E1'))).toEqual([]);
    expect(receiptTargets(receipt('OFFICER', 'O1'))).toEqual([]);
  });

  it("sends a decision to its waybill's carrier and its order's platform", () => {
    const d = { waybillKey: `${SAMPLE_CODES.carrier}:LN1`, orderKey: 'PLAT01:ORD-1' } as Decision;
    expect(decisionTargets(d)).toEqual([
      { role: 'CARRIER', code: SAMPLE_CODES.carrier, kind: 'decision' },
      { role: 'PLATFORM', code: 'PLAT01', kind: 'decision' },
    ]);
  });

  it("sends an inspection result to the waybill's carrier", () => {
    expect(inspectionTargets({ logisticsCode: 'C9' } as InspectionResult)).toEqual([
      { role: 'CARRIER', code: 'C9', kind: 'inspection' },
    ]);
  });
});
