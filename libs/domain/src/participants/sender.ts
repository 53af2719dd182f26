import type { Departure, FiledList, Order, ParticipantRole, Payment, Receipt, Waybill } from '@clearance/contracts';
import { ReasonCode } from '../common/reasons';
import { buildReceipt, Status, type Addressee, type CaseRef } from '../common/receipts';

/**
 * No spoofing: a participant files documents only for its own enterprise code. A platform's
 * orders name it as ebpCode, a payment institution's payments as payCode, a carrier's waybills and
 * departures as logisticsCode, a list filer's declaration lists (four-document mode) as agentCode
 * (the e-commerce enterprise filing its own lists names itself there, as on the CEB platform). The participants' intake checks every document it takes from a
 * participant's input topic against the code that topic belongs to.
 */
export type FiledDocument =
  | { kind: 'ORDER'; doc: Order }
  | { kind: 'PAYMENT'; doc: Payment }
  | { kind: 'WAYBILL'; doc: Waybill }
  | { kind: 'DEPARTURE'; doc: Departure }
  | { kind: 'LIST'; doc: FiledList };

/** Which role files which kind of document. */
export const FILED_BY: Record<FiledDocument['kind'], ParticipantRole> = {
  ORDER: 'PLATFORM',
  PAYMENT: 'PAYER',
  WAYBILL: 'CARRIER',
  DEPARTURE: 'CARRIER',
  LIST: 'AGENT',
};

/** How the receipts name a participant of the role (a list filer is addressed as the e-commerce enterprise, EBC). */
export const ROLE_AS_ADDRESSEE: Record<ParticipantRole, Addressee['participant']> = {
  PLATFORM: 'EBP',
  PAYER: 'PAYER',
  CARRIER: 'CARRIER',
  AGENT: 'EBC',
};

/** The enterprise code a document names as its sender. */
export function senderCode(d: FiledDocument): string {
  switch (d.kind) {
    case 'ORDER':
      return d.doc.ebpCode;
    case 'PAYMENT':
      return d.doc.payCode;
    case 'WAYBILL':
    case 'DEPARTURE':
      return d.doc.logisticsCode;
    case 'LIST':
      return d.doc.agentCode;
  }
}

function caseRefOf(d: FiledDocument): CaseRef {
  switch (d.kind) {
    case 'ORDER':
    case 'PAYMENT':
      return { caseKey: `${d.doc.ebpCode}:${d.doc.orderNo}`, ebpCode: d.doc.ebpCode, orderNo: d.doc.orderNo, logisticsCode: null, logisticsNo: null, invtNo: null };
    case 'WAYBILL':
    case 'LIST':
      return {
        caseKey: `${d.doc.ebpCode}:${d.doc.orderNo}`,
        ebpCode: d.doc.ebpCode,
        orderNo: d.doc.orderNo,
        logisticsCode: d.doc.logisticsCode,
        logisticsNo: d.doc.logisticsNo,
        invtNo: null,
      };
    case 'DEPARTURE':
      return { caseKey: `${d.doc.logisticsCode}:${d.doc.copNo}`, ebpCode: null, orderNo: null, logisticsCode: d.doc.logisticsCode, logisticsNo: null, invtNo: null };
  }
}

/** The field naming a document's sender (what senderCode reads). */
export const SENDER_FIELD: Record<FiledDocument['kind'], string> = {
  ORDER: 'ebpCode',
  PAYMENT: 'payCode',
  WAYBILL: 'logisticsCode',
  DEPARTURE: 'logisticsCode',
  LIST: 'agentCode',
};

export type SenderVerdict = { ok: true } | { ok: false; reason: string; receipt: Receipt };

/**
 * Given the participant (role and code) whose input topic carried `filed`, and the event time of
 * the record: accepted when the document is of a kind that role files and names that code;
 * otherwise refused with a 100 receipt (SENDER_MISMATCH) addressed to the participant that sent it
 * (never to the enterprise it named: that one did not send anything).
 */
export function verifySender(role: ParticipantRole, code: string, filed: FiledDocument, at: number): SenderVerdict {
  const named = senderCode(filed);
  const kindOk = FILED_BY[filed.kind] === role;
  if (kindOk && named === code) return { ok: true };
  const what = filed.kind.toLowerCase();
  const field = SENDER_FIELD[filed.kind];
  const reason = kindOk
    ? `${what} names ${field} ${named}, but was filed by ${code}: a participant files only its own documents`
    : `${/^[aeiou]/i.test(role) ? 'an' : 'a'} ${role.toLowerCase()} does not file ${what}s`;
  const receipt = buildReceipt({
    to: { participant: ROLE_AS_ADDRESSEE[role], code, docType: filed.kind, docGuid: filed.doc.guid },
    ref: caseRefOf(filed),
    returnStatus: Status.REJECTED,
    at,
    returnInfo: `${what} rejected: ${reason}`,
    reasons: [{ code: ReasonCode.SENDER_MISMATCH, message: reason }],
    salt: `sender:${code}`,
  });
  return { ok: false, reason, receipt };
}
