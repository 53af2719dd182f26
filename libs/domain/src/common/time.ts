/**
 * CEB times are China local time (UTC+8, no daylight saving). The domain never reads a clock:
 * every time is an event time in ms (a record timestamp) passed in as data.
 */

/** China Standard Time offset in ms. */
export const CHINA_OFFSET_MS = 8 * 3600 * 1000;
export const HOUR_MS = 3600 * 1000;
export const DAY_MS = 24 * HOUR_MS;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** "00".."99". */
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => pad(n, 2));

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/** Through Date: any event time, Date's own rounding and range (NaN fields beyond it). */
function chinaParts(eventTimeMs: number): Parts {
  if (!Number.isFinite(eventTimeMs)) throw new RangeError(`event time ${eventTimeMs} is not a finite number`);
  const d = new Date(eventTimeMs + CHINA_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
  };
}

/** Event times from 1970 up to 2100 are formatted by arithmetic; others go through Date. */
const FAST_UNTIL_MS = Date.UTC(2100, 0, 1);

/**
 * YYYYMMDD as a number for a count of days since 1970-01-01 (proleptic Gregorian; H. Hinnant's
 * civil_from_days).
 */
function yyyymmdd(days: number): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097; // day of the 400-year era, 0..146096
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // from March 1st
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 10000 + month * 100 + day;
}

/** YYYYMMDDhhmmss in China time (appTime, leaveTime, ...). */
export function cebTime(eventTimeMs: number): string {
  if (eventTimeMs >= 0 && eventTimeMs < FAST_UNTIL_MS) {
    const local = Math.floor(eventTimeMs + CHINA_OFFSET_MS);
    const days = Math.floor(local / DAY_MS);
    const seconds = Math.floor((local - days * DAY_MS) / 1000);
    const hour = Math.floor(seconds / 3600);
    const minute = Math.floor((seconds - hour * 3600) / 60);
    return `${yyyymmdd(days)}${TWO_DIGITS[hour]}${TWO_DIGITS[minute]}${TWO_DIGITS[seconds % 60]}`;
  }
  const p = chinaParts(eventTimeMs);
  return `${pad(p.year, 4)}${pad(p.month, 2)}${pad(p.day, 2)}${pad(p.hour, 2)}${pad(p.minute, 2)}${pad(p.second, 2)}`;
}

/** yyyyMMddHHmmssfff in China time (receipt returnTime). */
export function returnTime(eventTimeMs: number): string {
  if (eventTimeMs >= 0 && eventTimeMs < FAST_UNTIL_MS) {
    const ms = Math.floor(eventTimeMs + CHINA_OFFSET_MS) % 1000;
    return `${cebTime(eventTimeMs)}${String(1000 + ms).slice(1)}`;
  }
  return `${cebTime(eventTimeMs)}${pad(chinaParts(eventTimeMs).ms, 3)}`;
}

/** YYYYMMDD in China time (ieDate). */
export const cebDate = (eventTimeMs: number): string => cebTime(eventTimeMs).slice(0, 8);

/** YYYY in China time. */
export const chinaYear = (eventTimeMs: number): string => cebTime(eventTimeMs).slice(0, 4);

const DIGIT_0 = 48;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month (1..12) of a year as Date.UTC reads it (0..99 mean 1900..1999). */
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1];
  const y = year <= 99 ? 1900 + year : year;
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
}

/** The number written by text[from, from + width), or -1 unless all of them are ASCII digits. */
function digitsAt(text: string, from: number, width: number): number {
  let n = 0;
  for (let i = from; i < from + width; i++) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Parses YYYYMMDDhhmmss (China time) into ms; undefined when malformed or not a real date/time. */
export function parseCebTime(text: string | null | undefined): number | undefined {
  if (!isCebTime(text)) return undefined;
  const t = text as string;
  const utc = Date.UTC(
    digitsAt(t, 0, 4),
    digitsAt(t, 4, 2) - 1,
    digitsAt(t, 6, 2),
    digitsAt(t, 8, 2),
    digitsAt(t, 10, 2),
    digitsAt(t, 12, 2),
  );
  return utc - CHINA_OFFSET_MS;
}

/** True for a well-formed, real YYYYMMDDhhmmss (every document's appTime: no Date here). */
export function isCebTime(text: string | null | undefined): boolean {
  if (typeof text !== 'string' || text.length !== 14) return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 4, 2);
  const day = digitsAt(text, 6, 2);
  const hour = digitsAt(text, 8, 2);
  const minute = digitsAt(text, 10, 2);
  const second = digitsAt(text, 12, 2);
  if (year < 0 || hour < 0 || minute < 0 || second < 0) return false; // month, day: below
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  return day <= daysInMonth(year, month); // not e.g. 20260231
}
