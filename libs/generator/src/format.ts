/**
 * Formatting without floats in the output and without Date: CEB decimals from integer minor
 * units, China-time (UTC+8) timestamps from event-time milliseconds, upper-case hex.
 */

const PAD2: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);
const PAD3: string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
export const HEX2: string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).toUpperCase().padStart(2, '0'),
);

// ------------------------------------------------------------------------------- decimals
/** CEB decimal (5 fraction digits) of an amount in cents (1/100): 1250 -> "12.50000". */
export function cents(c: number): string {
  if (!Number.isSafeInteger(c)) throw new Error(`cents(${c}): not an integer`);
  const neg = c < 0;
  const a = neg ? -c : c;
  const whole = Math.floor(a / 100);
  return (neg ? '-' : '') + whole + '.' + PAD2[a - whole * 100] + '000';
}

/** CEB decimal of a weight in grams, as kilograms: 1234 -> "1.23400". */
export function grams(g: number): string {
  if (!Number.isSafeInteger(g)) throw new Error(`grams(${g}): not an integer`);
  const neg = g < 0;
  const a = neg ? -g : g;
  const whole = Math.floor(a / 1000);
  return (neg ? '-' : '') + whole + '.' + PAD3[a - whole * 1000] + '00';
}

/** CEB decimal of a whole number: 3 -> "3.00000". */
export function whole(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`whole(${n}): not an integer`);
  return n + '.00000';
}

/** CEB decimal of a value in 1/100000 units: 5 -> "0.00005". */
export function scaled5(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`scaled5(${n}): not an integer`);
  const neg = n < 0;
  const a = neg ? -n : n;
  const w = Math.floor(a / 100000);
  return (neg ? '-' : '') + w + '.' + String(a - w * 100000).padStart(5, '0');
}

/**
 * A CEB decimal string as an integer number of 1/10^digits units (exact for the amounts this
 * library produces; throws when the text has more fraction digits than `digits` can hold).
 */
export function toMinor(text: string, digits: number): number {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${JSON.stringify(text)}`);
  const frac = (m[3] ?? '').padEnd(5, '0');
  if (/[1-9]/.test(frac.slice(digits)))
    throw new Error(`${text} has more than ${digits} significant fraction digits`);
  const v = Number(m[2]) * 10 ** digits + Number(frac.slice(0, digits) || '0');
  return m[1] === '-' ? -v : v;
}

/** A reference decimal ("7.10350") as a number, for computing prices (never written back as is). */
export const decimalNumber = (text: string): number => Number(text);

// ------------------------------------------------------------------------------- time
const DAY_MS = 86_400_000;
/** China Standard Time is UTC+8 all year (no daylight saving). */
export const CHINA_OFFSET_MS = 8 * 3_600_000;

/** Days since 1970-01-01 of the China-time calendar day containing `ms`. */
export const chinaDayNumber = (ms: number): number => Math.floor((ms + CHINA_OFFSET_MS) / DAY_MS);

/** Civil date (year, month 1-12, day) of a day number (Howard Hinnant's days_from_civil inverse). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return [y, m, d];
}

/** Day number of a civil date (the inverse of civilFromDays). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Epoch ms of a China-time wall clock (month 1-12). */
export const chinaWallToMs = (y: number, m: number, d: number, hh = 0, mi = 0, ss = 0): number =>
  daysFromCivil(y, m, d) * DAY_MS + ((hh * 60 + mi) * 60 + ss) * 1000 - CHINA_OFFSET_MS;

let cachedDay = NaN;
let cachedDate = '';
function dateOfDay(day: number): string {
  if (day !== cachedDay) {
    const [y, m, d] = civilFromDays(day);
    cachedDate = String(y).padStart(4, '0') + PAD2[m] + PAD2[d];
    cachedDay = day;
  }
  return cachedDate;
}

/** YYYYMMDD in China time. */
export const chinaDate8 = (ms: number): string => dateOfDay(chinaDayNumber(ms));

/** YYYYMM (declaration / exchange-rate period) in China time. */
export const chinaPeriod = (ms: number): string => chinaDate8(ms).slice(0, 6);

/** YYYYMMDDhhmmss in China time (CEB appTime, leaveTime, ...). */
export function chinaTime14(ms: number): string {
  const local = ms + CHINA_OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  const sec = Math.floor((local - day * DAY_MS) / 1000);
  const hh = Math.floor(sec / 3600);
  const mi = Math.floor((sec - hh * 3600) / 60);
  return dateOfDay(day) + PAD2[hh] + PAD2[mi] + PAD2[sec - hh * 3600 - mi * 60];
}

/** yyyyMMddHHmmssfff in China time (receipt returnTime). */
export function chinaTime17(ms: number): string {
  const milli = ((ms % 1000) + 1000) % 1000;
  return chinaTime14(ms) + PAD3[milli];
}

// ------------------------------------------------------------------------------- hex
/** 8 upper-case hex digits of an unsigned 32-bit value. */
export const hex8 = (x: number): string =>
  HEX2[x >>> 24] + HEX2[(x >>> 16) & 255] + HEX2[(x >>> 8) & 255] + HEX2[x & 255];

/** 4 upper-case hex digits of the low 16 bits. */
export const hex4 = (x: number): string => HEX2[(x >>> 8) & 255] + HEX2[x & 255];

export const pad2 = (n: number): string => PAD2[n];
