import type { PeriodClose } from '@clearance/contracts';
import { cebTime, isCebTime } from '../common/time';

/**
 * Declaration periods, in China time (leaveTime is already China time). By default the calendar
 * month (YYYYMM); DAY (YYYYMMDD) is there for demos and tests that close periods quickly. One
 * deployment uses one granularity: period ids of different lengths are never compared.
 */
export type PeriodGranularity = 'MONTH' | 'DAY';

export interface PeriodConfig {
  granularity: PeriodGranularity;
}

export const DEFAULT_PERIOD_CONFIG: PeriodConfig = { granularity: 'MONTH' };

const LENGTH: Record<PeriodGranularity, number> = { MONTH: 6, DAY: 8 };

/** The period a China-time YYYYMMDDhhmmss falls in. */
export function periodOf(cebChinaTime: string, config: PeriodConfig = DEFAULT_PERIOD_CONFIG): string {
  if (!isCebTime(cebChinaTime))
    throw new RangeError(`${JSON.stringify(cebChinaTime)} is not a YYYYMMDDhhmmss time`);
  return cebChinaTime.slice(0, LENGTH[config.granularity]);
}

/** The period an event time (ms) falls in, in China time. */
export const periodOfTime = (eventTimeMs: number, config: PeriodConfig = DEFAULT_PERIOD_CONFIG): string =>
  periodOf(cebTime(eventTimeMs), config);

function granularityOf(period: string): PeriodGranularity {
  if (/^\d{6}$/.test(period)) return 'MONTH';
  if (/^\d{8}$/.test(period)) return 'DAY';
  throw new RangeError(`period ${JSON.stringify(period)} is neither YYYYMM nor YYYYMMDD`);
}

/** Start (inclusive) and end (exclusive) of a period, YYYYMMDDhhmmss China time. */
export function periodBounds(period: string): { startTime: string; endTime: string } {
  const y = Number(period.slice(0, 4));
  const m = Number(period.slice(4, 6));
  if (granularityOf(period) === 'MONTH') {
    const end = m === 12 ? `${y + 1}01` : `${y}${String(m + 1).padStart(2, '0')}`;
    return { startTime: `${period}01000000`, endTime: `${end}01000000` };
  }
  const next = new Date(Date.UTC(y, m - 1, Number(period.slice(6, 8)) + 1));
  const end = `${next.getUTCFullYear()}${String(next.getUTCMonth() + 1).padStart(2, '0')}${String(next.getUTCDate()).padStart(2, '0')}`;
  return { startTime: `${period}000000`, endTime: `${end}000000` };
}

/** The period just before `period` (same granularity). */
export function previousPeriod(period: string): string {
  const y = Number(period.slice(0, 4));
  const m = Number(period.slice(4, 6));
  if (granularityOf(period) === 'MONTH')
    return m === 1 ? `${y - 1}12` : `${y}${String(m - 1).padStart(2, '0')}`;
  const prev = new Date(Date.UTC(y, m - 1, Number(period.slice(6, 8)) - 1));
  return `${prev.getUTCFullYear()}${String(prev.getUTCMonth() + 1).padStart(2, '0')}${String(prev.getUTCDate()).padStart(2, '0')}`;
}

/**
 * The latest period that has ended at `nowMs`, in China time: what a scheduler closes (a monthly
 * job early on the 1st closes the month before, whatever the UTC date is then).
 */
export const lastEndedPeriod = (nowMs: number, config: PeriodConfig = DEFAULT_PERIOD_CONFIG): string =>
  previousPeriod(periodOfTime(nowMs, config));

/** The PeriodClose record for a period (what the scheduler / CLI publishes on control.period.v1). */
export function periodClose(period: string, closedAt: number, issuedBy: string): PeriodClose {
  return { period, ...periodBounds(period), closedAt, issuedBy };
}

/** True when closing `closed` also closes `period`: same granularity and not later. */
export const closes = (closed: string, period: string): boolean =>
  closed.length === period.length && period <= closed;
