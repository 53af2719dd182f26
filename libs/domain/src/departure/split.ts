import {
  departureKey,
  type Departure,
  type DepartureLine,
  type Reason,
  type Receipt,
} from '@clearance/contracts';
import { reason, ReasonCode as R } from '../common/reasons';
import { buildReceipt, describeReasons, Status } from '../common/receipts';
import { isCebTime } from '../common/time';
import { GUID_PATTERN } from '../matching/validate';

/**
 * Departure (CEB509) split: one DepartureLine per waybill, re-keyed by waybill key for the
 * lifecycle processor. A header problem rejects the whole message (no lines); a bad or repeated
 * line is reported and left out while the other lines go on. A saved message (appStatus 1) takes
 * no part: no lines, status 1.
 */
export interface DepartureSplit {
  /** 2 accepted (maybe with line problems), 100 rejected, 1 saved. */
  status: '1' | '2' | '100';
  lines: DepartureLine[];
  errors: Reason[];
}

function headerProblems(d: Departure): Reason[] {
  const out: Reason[] = [];
  if (!GUID_PATTERN.test(d.guid ?? ''))
    out.push(reason(R.INVALID_GUID, `guid ${JSON.stringify(d.guid)} must be 36 upper-case characters`));
  if (!['1', '2', '3'].includes(d.appType))
    out.push(reason(R.INVALID_APP_TYPE, `appType ${JSON.stringify(d.appType)} must be 1, 2 or 3`));
  if (!isCebTime(d.appTime))
    out.push(reason(R.INVALID_APP_TIME, `appTime ${JSON.stringify(d.appTime)} must be YYYYMMDDhhmmss`));
  if (!['1', '2'].includes(d.appStatus))
    out.push(reason(R.INVALID_APP_STATUS, `appStatus ${JSON.stringify(d.appStatus)} must be 1 or 2`));
  if (!/^\d{4}$/.test(d.customsCode ?? ''))
    out.push(reason(R.INVALID_FIELD, `customsCode ${JSON.stringify(d.customsCode)} must be 4 digits`));
  for (const f of ['copNo', 'logisticsCode', 'logisticsName', 'trafMode'] as const) {
    if (!d[f] || !d[f].trim()) out.push(reason(R.MISSING_FIELD, `${f} is required`));
  }
  if (!isCebTime(d.leaveTime))
    out.push(
      reason(R.INVALID_FIELD, `leaveTime ${JSON.stringify(d.leaveTime)} must be a real time YYYYMMDDhhmmss`),
    );
  if (
    !Number.isInteger(d.msgCount) ||
    d.msgCount < 1 ||
    !Number.isInteger(d.msgSeqNo) ||
    d.msgSeqNo < 1 ||
    d.msgSeqNo > d.msgCount
  ) {
    out.push(
      reason(
        R.INVALID_FIELD,
        `msgSeqNo ${d.msgSeqNo} of msgCount ${d.msgCount}: need 1 <= msgSeqNo <= msgCount`,
      ),
    );
  }
  if (!Array.isArray(d.lines) || d.lines.length === 0)
    out.push(reason(R.MISSING_FIELD, 'a departure lists at least one waybill'));
  return out;
}

/** Splits a departure into one line per waybill, with every problem found. */
export function splitDeparture(d: Departure): DepartureSplit {
  const header = headerProblems(d);
  if (header.length > 0) return { status: '100', lines: [], errors: header };
  if (d.appStatus === '1') return { status: '1', lines: [], errors: [] };
  const errors: Reason[] = [];
  const seen = new Set<string>();
  const lines: DepartureLine[] = [];
  d.lines.forEach((item, i) => {
    const no = (item.logisticsNo ?? '').trim();
    if (!no) {
      errors.push(reason(R.MISSING_FIELD, `lines[${i}] (gnum ${item.gnum}): logisticsNo is required`));
      return;
    }
    if (seen.has(no)) {
      errors.push(
        reason(
          R.DUPLICATE_WAYBILL_IN_DEPARTURE,
          `lines[${i}] (gnum ${item.gnum}): waybill ${no} listed twice; counted once`,
        ),
      );
      return;
    }
    seen.add(no);
    lines.push({
      departureGuid: d.guid,
      appType: d.appType,
      copNo: d.copNo,
      customsCode: d.customsCode,
      logisticsCode: d.logisticsCode,
      logisticsNo: no,
      trafMode: d.trafMode,
      voyageNo: d.voyageNo,
      billNo: d.billNo,
      leaveTime: d.leaveTime,
    });
  });
  return { status: lines.length > 0 ? '2' : '100', lines, errors };
}

/** The carrier's receipt for a departure message (case key: the departure key). */
export function departureReceipt(d: Departure, split: DepartureSplit, at: number): Receipt {
  const info =
    split.status === '1'
      ? 'departure saved (appStatus 1): not declared, takes no part'
      : split.status === '100'
        ? `departure rejected: ${describeReasons(split.errors)}`
        : `departure accepted: ${split.lines.length} waybill(s)${split.errors.length ? `; ${describeReasons(split.errors)}` : ''}`;
  return buildReceipt({
    to: {
      participant: 'CARRIER',
      code: d.logisticsCode ?? '',
      docType: 'DEPARTURE',
      docGuid: d.guid ?? null,
    },
    ref: {
      caseKey: departureKey(d),
      ebpCode: null,
      orderNo: null,
      logisticsCode: d.logisticsCode ?? null,
      logisticsNo: null,
      invtNo: null,
    },
    returnStatus:
      split.status === '1' ? Status.SAVED : split.status === '2' ? Status.ACCEPTED : Status.REJECTED,
    at,
    returnInfo: info,
    reasons: split.errors,
  });
}
