/**
 * Return elements (回执) for inbound nodes and for the engine's later events: receipts, risk
 * decisions and inspection results. Each is a ReturnItem whose fields are those of the return
 * element in the catalog, filled from what identifies the answered document.
 */
import type { Decision, InspectionResult, Receipt } from '@clearance/contracts';
import { returnTime } from '@clearance/domain';
import { returnPlanOf, type ReturnPlan } from './compile';
import { rawHeadOf } from './parse';
import { capText } from './render';
import type { CebMessage, CebNode, FieldProblem, ReturnItem, ReturnMessageType } from './types';

const STATUS_FIELDS = new Set(['returnStatus', 'returnTime', 'returnInfo']);

/**
 * The return element from identifying values: every field of the return in the standard's
 * order; a required one without a value is '' (e.g. preNo, which the engine does not assign),
 * an optional one is left out; returnInfo is capped to the standard's length.
 */
function fill(
  plan: ReturnPlan,
  values: Readonly<Record<string, string | null | undefined>>,
  status: { returnStatus: string; returnTime: string; returnInfo: string },
): ReturnItem {
  const item: ReturnItem = {};
  for (const f of plan.fields) {
    let v: string | null | undefined;
    if (STATUS_FIELDS.has(f.name)) {
      v = status[f.name as keyof typeof status];
      if (f.name === 'returnInfo') v = capText(v, f.maxLength);
    } else v = values[f.name];
    if (v === null || v === undefined) {
      if (!f.required) continue;
      v = '';
    }
    item[f.name] = v;
  }
  return item;
}

/** "OrderHead.orderNo: 61 characters, at most 60 allowed; ..." for a refused node's returnInfo. */
export const describeProblems = (problems: ReadonlyArray<FieldProblem>): string =>
  problems.map((p) => `${p.field}: ${p.message}`).join('; ');

/** The return element for one inbound node (identifying fields as read, for a refused node too). */
export function nodeReturn(
  message: CebMessage,
  node: CebNode,
  returnStatus: string,
  returnInfo: string,
  at: number,
): ReturnItem {
  return fill(returnPlanOf(message.returnType), rawHeadOf(node), {
    returnStatus,
    returnTime: returnTime(at),
    returnInfo,
  });
}

const RECEIPT_RETURN_TYPES: Readonly<
  Record<Receipt['docType'], Readonly<Record<'I' | 'E', ReturnMessageType>>>
> = {
  ORDER: { E: 'CEB304Message', I: 'CEB312Message' },
  PAYMENT: { E: 'CEB404Message', I: 'CEB412Message' },
  WAYBILL: { E: 'CEB506Message', I: 'CEB512Message' },
  DEPARTURE: { E: 'CEB510Message', I: 'CEB510Message' },
  LIST: { E: 'CEB604Message', I: 'CEB622Message' },
  INSPECTION: { E: 'CEB604Message', I: 'CEB622Message' },
};

/** The copNo of a departure receipt: its case key is `{logisticsCode}:{copNo}`. */
function departureCopNo(r: Receipt): string | null {
  const prefix = `${r.logisticsCode ?? ''}:`;
  return r.logisticsCode && r.caseKey.startsWith(prefix) ? r.caseKey.slice(prefix.length) : null;
}

/**
 * A receipt as the return of its document type for the given direction.
 *
 * A filed list's receipt (docType LIST) is addressed to its filer as participant EBC with
 * participantCode = the list's agentCode: that is the return's agentCode, not its ebcCode. What a
 * receipt does not carry (the list's copNo, ebcCode, statisticsFlag) is left '' where required (and
 * out where optional), for the caller to fill from the node as it came in. An inspection receipt
 * answers the engine's compiled list, whose copNo is the order number (Manifest.copNo).
 */
export function returnForReceipt(
  r: Receipt,
  ieFlag: 'I' | 'E',
): { type: ReturnMessageType; item: ReturnItem } {
  const type = RECEIPT_RETURN_TYPES[r.docType][ieFlag];
  const filedList = r.docType === 'LIST';
  const reasons = r.reasons.map((x) => `[${x.code}] ${x.message}`).join('; ');
  const returnInfo = [r.returnInfo, reasons].filter((s) => s.length > 0).join(' ');
  const own = (role: Receipt['participant']): string | null =>
    r.participant === role ? r.participantCode : null;
  const values: Record<string, string | null> = {
    guid: r.docGuid ?? r.guid,
    ebpCode: r.ebpCode ?? own('EBP'),
    ebcCode: filedList ? null : own('EBC'),
    agentCode: filedList ? own('EBC') : null,
    orderNo: r.orderNo,
    payCode: own('PAYER'),
    logisticsCode: r.logisticsCode ?? own('CARRIER'),
    logisticsNo: r.logisticsNo,
    invtNo: r.invtNo,
    customsCode: r.invtNo ? r.invtNo.slice(0, 4) : null,
    // a filed list's copNo is the filer's own (not in the receipt); the compiled list's is the
    // order number (Manifest.copNo); a departure's is in its case key
    copNo: filedList
      ? null
      : r.docType === 'INSPECTION'
        ? r.orderNo
        : r.docType === 'DEPARTURE'
          ? departureCopNo(r)
          : null,
  };
  return {
    type,
    item: fill(returnPlanOf(type), values, {
      returnStatus: r.returnStatus,
      returnTime: r.returnTime,
      returnInfo,
    }),
  };
}

/** A risk decision as a list return (CEB604 export / CEB622 import). */
export function returnForDecision(d: Decision): { type: ReturnMessageType; item: ReturnItem } {
  const m = d.manifest;
  const type: ReturnMessageType = m.ieFlag === 'I' ? 'CEB622Message' : 'CEB604Message';
  const fired = d.rulesFired.map((h) => `[${h.ruleId} ${h.kind} -> ${h.outcome}] ${h.reason}`).join('; ');
  const returnInfo = `${d.outcome} (score ${d.score}, rule set ${d.ruleSetVersion}): ${fired || 'no rule fired'}`;
  const values: Record<string, string | null> = {
    guid: m.guid,
    customsCode: m.customsCode,
    agentCode: m.agentCode,
    copNo: m.copNo,
    invtNo: d.invtNo || m.invtNo,
    ebcCode: m.ebcCode,
    ebpCode: m.ebpCode,
    orderNo: m.orderNo,
    statisticsFlag: m.statisticsFlag,
  };
  return {
    type,
    item: fill(returnPlanOf(type), values, {
      returnStatus: d.returnStatus,
      returnTime: returnTime(d.decidedAt),
      returnInfo,
    }),
  };
}

/** returnStatus of an inspection result: PASS 800, SEIZE its detention code (501..599, else 599), RETURN 700. */
export function inspectionStatus(i: InspectionResult): string {
  if (i.outcome === 'PASS') return '800';
  if (i.outcome === 'RETURN') return '700';
  const code = Number(i.detentionCode);
  return i.detentionCode && /^\d{3}$/.test(i.detentionCode) && code >= 501 && code <= 599
    ? i.detentionCode
    : '599';
}

/** An inspection result as a LogisticsReturn (CEB506 export / CEB512 import). */
export function returnForInspection(
  i: InspectionResult,
  ieFlag: 'I' | 'E',
): { type: ReturnMessageType; item: ReturnItem } {
  const type: ReturnMessageType = ieFlag === 'I' ? 'CEB512Message' : 'CEB506Message';
  const status = inspectionStatus(i);
  const outcome = i.outcome === 'SEIZE' ? `SEIZE (detained, ${status})` : i.outcome;
  const returnInfo = `inspection ${outcome} by officer ${i.officer}${i.note ? `: ${i.note}` : ''}`;
  return {
    type,
    item: fill(
      returnPlanOf(type),
      { guid: i.guid, logisticsCode: i.logisticsCode, logisticsNo: i.logisticsNo },
      {
        returnStatus: status,
        returnTime: i.inspectedAt.length === 14 ? `${i.inspectedAt}000` : i.inspectedAt,
        returnInfo,
      },
    ),
  };
}
