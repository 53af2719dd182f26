import type { DocType, Participant, Reason, Receipt } from '@clearance/contracts';
import { deterministicGuid } from './ids';
import { returnTime } from './time';

/** Receipt status codes (DOMAIN.md "Receipts"). */
export const Status = {
  SAVED: '1',
  ACCEPTED: '2',
  REJECTED: '100',
  MATCHED: '120',
  HELD: '300',
  REVIEW_CONCLUDED: '399',
  INSPECT: '500',
  DETAINED_CLEARANCE: '501',
  DETAINED_ANTI_SMUGGLING: '502',
  DETAINED_LEGAL: '503',
  DETAINED_OTHER: '599',
  RETURNED: '700',
  RELEASED: '800',
  CLEARED: '899',
} as const;

/** Who a receipt goes to: a role, its customs code, and the document of theirs it answers. */
export interface Addressee {
  participant: Participant;
  code: string;
  docType: DocType;
  docGuid: string | null;
}

/** What identifies the parcel on a receipt. */
export interface CaseRef {
  caseKey: string;
  ebpCode: string | null;
  orderNo: string | null;
  logisticsCode: string | null;
  logisticsNo: string | null;
  invtNo: string | null;
}

export interface ReceiptSpec {
  to: Addressee;
  ref: CaseRef;
  returnStatus: string;
  /** Event time (ms) of what caused the receipt: returnTime and guid derive from it. */
  at: number;
  returnInfo: string;
  reasons?: Reason[];
  /** Extra discriminator for the guid when one cause yields two receipts with the same status. */
  salt?: string;
}

/**
 * Builds a receipt whose guid is derived from the case, addressee, document, status, time and
 * reasons, so a replay of the same input produces byte-identical receipts.
 */
export function buildReceipt(spec: ReceiptSpec): Receipt {
  const reasons = spec.reasons ?? [];
  const guid = deterministicGuid(
    'receipt',
    spec.ref.caseKey,
    spec.to.participant,
    spec.to.code,
    spec.to.docType,
    spec.to.docGuid ?? '',
    spec.returnStatus,
    spec.at,
    reasons.map((r) => r.code).join(','),
    spec.salt ?? '',
  );
  return {
    guid,
    caseKey: spec.ref.caseKey,
    participant: spec.to.participant,
    participantCode: spec.to.code,
    docType: spec.to.docType,
    docGuid: spec.to.docGuid,
    ebpCode: spec.ref.ebpCode,
    orderNo: spec.ref.orderNo,
    logisticsCode: spec.ref.logisticsCode,
    logisticsNo: spec.ref.logisticsNo,
    invtNo: spec.ref.invtNo,
    returnStatus: spec.returnStatus,
    returnTime: returnTime(spec.at),
    returnInfo: truncate(spec.returnInfo, 1000),
    reasons,
  };
}

/** One receipt per addressee, same content. */
export const receiptsTo = (to: ReadonlyArray<Addressee>, spec: Omit<ReceiptSpec, 'to'>): Receipt[] =>
  to.map((a) => buildReceipt({ ...spec, to: a }));

/** CEB returnInfo is at most 1000 characters. */
function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** "A; B; C" from reasons, for returnInfo. */
export const describeReasons = (reasons: ReadonlyArray<Reason>): string =>
  reasons.map((r) => `${r.code}: ${r.message}`).join('; ');
