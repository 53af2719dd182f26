/**
 * CEB times are China local time (UTC+8, no daylight saving). The domain never reads a clock:
 * every time is an event time in ms (a record timestamp) passed in as data.
 */

/** China Standard Time offset in ms. */
export const CHINA_OFFSET_MS = 8 * 3600 * 1000;
export const HOUR_MS = 3600 * 1000;
export const DAY_MS = 24 * HOUR_MS;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

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

/** YYYYMMDDhhmmss in China time (appTime, leaveTime, ...). */
export function cebTime(eventTimeMs: number): string {
  const p = chinaParts(eventTimeMs);
  return `${pad(p.year, 4)}${pad(p.month, 2)}${pad(p.day, 2)}${pad(p.hour, 2)}${pad(p.minute, 2)}${pad(p.second, 2)}`;
}

/** yyyyMMddHHmmssfff in China time (receipt returnTime). */
export const returnTime = (eventTimeMs: number): string =>
  `${cebTime(eventTimeMs)}${pad(chinaParts(eventTimeMs).ms, 3)}`;

/** YYYYMMDD in China time (ieDate). */
export const cebDate = (eventTimeMs: number): string => cebTime(eventTimeMs).slice(0, 8);

/** YYYY in China time. */
export const chinaYear = (eventTimeMs: number): string => cebTime(eventTimeMs).slice(0, 4);

const CEB_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** Parses YYYYMMDDhhmmss (China time) into ms; undefined when malformed or not a real date/time. */
export function parseCebTime(text: string | null | undefined): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = CEB_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(utc);
  if (back.getUTCDate() !== day || back.getUTCMonth() !== month - 1) return undefined; // e.g. 20260231
  return utc - CHINA_OFFSET_MS;
}

/** True for a well-formed, real YYYYMMDDhhmmss. */
export const isCebTime = (text: string | null | undefined): boolean => parseCebTime(text) !== undefined;
