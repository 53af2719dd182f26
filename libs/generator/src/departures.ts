/**
 * CEB509 departures and officers' inspection results for released parcels: the documents the
 * engine receives after its decision, derived deterministically from their inputs.
 */
import {
  departureKey,
  Topics,
  waybillKey,
  type Departure,
  type InspectionOutcome,
  type InspectionResult,
  type Waybill,
} from '@clearance/contracts';
import { chinaDate8, chinaTime14 } from './format';
import { digits, guidFromText } from './ids';
import { hash32 } from './prng';
import type { GeneratedParcel } from './types';

type DepartureWaybill = Pick<
  Waybill,
  | 'logisticsCode'
  | 'logisticsName'
  | 'logisticsNo'
  | 'trafMode'
  | 'trafName'
  | 'voyageNo'
  | 'billNo'
  | 'totalPackageNo'
  | 'portCode'
>;

/** A waybill the engine released, with the event time of its release. */
export interface ReleasedWaybill {
  waybill: DepartureWaybill;
  releasedAt: number;
}

/** The waybills of one carrier on one flight / voyage / train / truck. */
export interface DepartureGroup {
  logisticsCode: string;
  logisticsName: string;
  trafMode: string;
  trafName: string | null;
  voyageNo: string | null;
  billNo: string | null;
  portCode: string;
  /** Latest release among its waybills. */
  lastReleasedAt: number;
  waybills: DepartureWaybill[];
}

export interface DepartureOptions {
  /** Departure time of a group; default the latest release plus 2 to 10 hours (derived from the group). */
  leaveTime?: (group: DepartureGroup) => number;
  /** Lines per CEB509 message before splitting (msgCount / msgSeqNo); default 1000. */
  maxLinesPerMessage?: number;
  /** The carrier reports the departure this long after leaving; default 10 to 40 minutes. */
  reportDelayMs?: (group: DepartureGroup) => number;
}

/** A departure message to produce. */
export interface GeneratedDeparture {
  topic: string;
  /** departureKey: {logisticsCode}:{copNo} (all messages of a split departure share it). */
  key: string;
  /** Event time (ms) to produce with: when the carrier reports it. */
  timestamp: number;
  /** Departure time (ms). */
  leaveAt: number;
  value: Departure;
}

const HOUR = 3_600_000;

/**
 * Groups released waybills by carrier and departure (transport mode, flight/voyage, master bill,
 * exit customs) into CEB509 messages, split at `maxLinesPerMessage` lines. Deterministic:
 * the same input gives the same guids, copNos and times; output sorted by timestamp, then key.
 */
export function departures(
  released: ReadonlyArray<ReleasedWaybill>,
  opts: DepartureOptions = {},
): GeneratedDeparture[] {
  const max = Math.max(1, opts.maxLinesPerMessage ?? 1000);
  const groups = new Map<string, DepartureGroup>();
  for (const { waybill: w, releasedAt } of released) {
    const k = [w.logisticsCode, w.trafMode, w.voyageNo ?? '', w.billNo ?? '', w.portCode].join('|');
    let g = groups.get(k);
    if (!g) {
      g = {
        logisticsCode: w.logisticsCode,
        logisticsName: w.logisticsName,
        trafMode: w.trafMode,
        trafName: w.trafName,
        voyageNo: w.voyageNo,
        billNo: w.billNo,
        portCode: w.portCode,
        lastReleasedAt: releasedAt,
        waybills: [],
      };
      groups.set(k, g);
    }
    if (!g.waybills.some((x) => x.logisticsNo === w.logisticsNo)) g.waybills.push(w);
    g.lastReleasedAt = Math.max(g.lastReleasedAt, releasedAt);
  }
  const out: GeneratedDeparture[] = [];
  for (const k of [...groups.keys()].sort()) {
    const g = groups.get(k)!;
    g.waybills.sort((a, b) => (a.logisticsNo < b.logisticsNo ? -1 : a.logisticsNo > b.logisticsNo ? 1 : 0));
    const h = hash32(k);
    const leaveAt = opts.leaveTime
      ? opts.leaveTime(g)
      : g.lastReleasedAt + 2 * HOUR + (h % (8 * 60)) * 60_000;
    const reportAt =
      leaveAt + (opts.reportDelayMs ? opts.reportDelayMs(g) : 600_000 + ((h >>> 12) % 31) * 60_000);
    const copNo = `LJ${chinaDate8(leaveAt)}${digits(hash32(`${k}|${leaveAt}`) % 10_000_000, 7)}`;
    const msgCount = Math.ceil(g.waybills.length / max);
    for (let m = 0; m < msgCount; m++) {
      const chunk = g.waybills.slice(m * max, (m + 1) * max);
      const value: Departure = {
        guid: guidFromText(`departure|${g.logisticsCode}|${copNo}|${m + 1}`),
        appType: '1',
        appTime: chinaTime14(reportAt),
        appStatus: '2',
        customsCode: g.portCode,
        copNo,
        preNo: null,
        logisticsCode: g.logisticsCode,
        logisticsName: g.logisticsName,
        trafMode: g.trafMode,
        trafName: g.trafName,
        voyageNo: g.voyageNo,
        billNo: g.billNo,
        leaveTime: chinaTime14(leaveAt),
        msgCount,
        msgSeqNo: m + 1,
        note: null,
        lines: chunk.map((w, i) => ({
          gnum: i + 1,
          totalPackageNo: w.totalPackageNo,
          logisticsNo: w.logisticsNo,
          note: null,
        })),
      };
      out.push({
        topic: Topics.departure.name,
        key: departureKey(value),
        timestamp: reportAt,
        leaveAt,
        value,
      });
    }
  }
  return out.sort(
    (a, b) =>
      a.timestamp - b.timestamp ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : a.value.msgSeqNo - b.value.msgSeqNo),
  );
}

export interface InspectionOptions {
  /** Event time (ms) of the result. */
  at: number;
  /** Officer id; default derived from the waybill. */
  officer?: string;
  /** SEIZE only: 501 to clearance, 502 anti-smuggling, 503 legal, 599 other; default 501. */
  detentionCode?: '501' | '502' | '503' | '599';
  note?: string | null;
}

const NOTES: Record<InspectionOutcome, string> = {
  PASS: '查验未见异常,准予放行',
  SEIZE: '查验发现涉嫌违规物品,予以扣留',
  RETURN: '货证不符,责令退运',
};

/** An officer's inspection result for a waybill (keyed by waybill key on customs.inspection.v1). */
export function inspectionResult(
  waybill: Pick<Waybill, 'logisticsCode' | 'logisticsNo'>,
  outcome: InspectionOutcome,
  opts: InspectionOptions,
): InspectionResult {
  const key = waybillKey(waybill);
  if (opts.detentionCode && outcome !== 'SEIZE')
    throw new Error(`detentionCode is for SEIZE only, outcome is ${outcome}`);
  return {
    guid: guidFromText(`inspection|${key}|${outcome}|${opts.at}`),
    logisticsCode: waybill.logisticsCode,
    logisticsNo: waybill.logisticsNo,
    outcome,
    detentionCode: outcome === 'SEIZE' ? (opts.detentionCode ?? '501') : null,
    officer: opts.officer ?? `HG${digits(hash32(key) % 1_000_000, 6)}`,
    inspectedAt: chinaTime14(opts.at),
    note: opts.note === undefined ? NOTES[outcome] : opts.note,
  };
}

/**
 * A plausible inspection outcome for a parcel the engine sent to inspection: what the officer
 * finds follows from what the generator injected (restricted goods without licence are sent back,
 * a watchlisted subject's parcel is detained for anti-smuggling, anything else passes).
 */
export function plausibleInspection(parcel: Pick<GeneratedParcel, 'scenario'>): {
  outcome: InspectionOutcome;
  detentionCode?: '502';
} {
  switch (parcel.scenario) {
    case 'RESTRICTED_NO_LICENCE':
      return { outcome: 'RETURN' };
    case 'WATCHLIST':
      return { outcome: 'SEIZE', detentionCode: '502' };
    default:
      return { outcome: 'PASS' };
  }
}
