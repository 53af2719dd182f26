import type { Decision, InspectionResult, ParticipantRole, Receipt } from '@clearance/contracts';

/**
 * Who sees what: each receipt, decision and inspection result goes to the feeds of the
 * participants it concerns and to nobody else's. Competitors never see each other's records.
 *  - a receipt: its addressee (EBP -> the platform, PAYER -> the payment institution, CARRIER ->
 *    the carrier, a list's receipts to its filer (EBC, docType LIST) -> the list filer (AGENT);
 *    the e-commerce enterprise's other receipts and an officer's have no participant feed);
 *  - a decision: the carrier of its waybill and the platform of its order;
 *  - an inspection result: the carrier of the waybill.
 */
export interface FeedTarget {
  role: ParticipantRole;
  code: string;
  kind: 'receipt' | 'decision' | 'inspection';
}

const RECEIPT_ROLE: Partial<Record<Receipt['participant'], ParticipantRole>> = {
  EBP: 'PLATFORM',
  PAYER: 'PAYER',
  CARRIER: 'CARRIER',
};

/** The part of a `{code}:{number}` key before the first colon; undefined when there is none. */
function codeOfKey(key: string | null | undefined): string | undefined {
  if (!key) return undefined;
  const i = key.indexOf(':');
  return i > 0 ? key.slice(0, i) : undefined;
}

export function receiptTargets(r: Receipt): FeedTarget[] {
  const role = r.participant === 'EBC' && r.docType === 'LIST' ? 'AGENT' : RECEIPT_ROLE[r.participant];
  return role && r.participantCode ? [{ role, code: r.participantCode, kind: 'receipt' }] : [];
}

export function decisionTargets(d: Decision): FeedTarget[] {
  const out: FeedTarget[] = [];
  const carrier = codeOfKey(d.waybillKey);
  const platform = codeOfKey(d.orderKey);
  if (carrier) out.push({ role: 'CARRIER', code: carrier, kind: 'decision' });
  if (platform) out.push({ role: 'PLATFORM', code: platform, kind: 'decision' });
  return out;
}

export function inspectionTargets(i: InspectionResult): FeedTarget[] {
  return i.logisticsCode ? [{ role: 'CARRIER', code: i.logisticsCode, kind: 'inspection' }] : [];
}
