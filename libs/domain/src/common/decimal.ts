/**
 * Exact fixed-point arithmetic on CEB decimals: at most 19 digits, 5 of them after the point
 * (XSD `decimal totalDigits=19 fractionDigits=5`). Values are carried as strings on the wire
 * ("12.50000") and computed as bigint scaled by 10^5, never as floats.
 *
 * String API (`decAdd`, `decMul`, ...) for CEB fields; scaled API (`parseDecimal`, `formatDecimal`,
 * `mulScaled`, ...) for loops that would otherwise re-parse.
 */

/** Digits after the point. */
export const FRACTION_DIGITS = 5;
/** Total significant digits allowed (integer part at most 19 - 5 = 14). */
export const TOTAL_DIGITS = 19;
/** 10^5: one unit in scaled form. */
export const SCALE = 100000n;
const MAX_SCALED = 10n ** BigInt(TOTAL_DIGITS) - 1n;

/** A string that is not a valid CEB decimal, or a result that does not fit one. */
export class DecimalError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
    readonly problem: string,
  ) {
    super(`${field}: ${JSON.stringify(value)} is not a valid CEB decimal (${problem})`);
    this.name = 'DecimalError';
  }
}

const PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Why `text` is not a CEB decimal, or undefined when it is one. */
export function decimalProblem(text: unknown): string | undefined {
  if (typeof text !== 'string') return 'not a string';
  if (text.length === 0) return 'empty';
  const m = PATTERN.exec(text);
  if (!m) return 'expected digits with an optional sign and point, e.g. "12.50000"';
  const intPart = m[2].replace(/^0+(?=\d)/, '');
  const frac = m[3] ?? '';
  if (frac.length > FRACTION_DIGITS) return `more than ${FRACTION_DIGITS} digits after the point`;
  const intDigits = intPart === '0' ? 0 : intPart.length;
  if (intDigits > TOTAL_DIGITS - FRACTION_DIGITS) {
    return `more than ${TOTAL_DIGITS} digits (integer part limited to ${TOTAL_DIGITS - FRACTION_DIGITS})`;
  }
  return undefined;
}

/** True when `text` is a valid CEB decimal. */
export const isDecimal = (text: unknown): text is string => decimalProblem(text) === undefined;

/** Parses a CEB decimal into its scaled bigint; throws DecimalError naming `field`. */
export function parseDecimal(text: string, field = 'value'): bigint {
  const problem = decimalProblem(text);
  if (problem) throw new DecimalError(field, String(text), problem);
  const m = PATTERN.exec(text)!;
  const frac = (m[3] ?? '').padEnd(FRACTION_DIGITS, '0');
  const abs = BigInt(m[2]) * SCALE + BigInt(frac);
  return m[1] === '-' ? -abs : abs;
}

/** True when a scaled value fits 19 digits. */
export const fitsDecimal = (scaled: bigint): boolean => (scaled < 0n ? -scaled : scaled) <= MAX_SCALED;

/** Formats a scaled value with exactly 5 digits after the point; throws when it exceeds 19 digits. */
export function formatDecimal(scaled: bigint, field = 'result'): string {
  const neg = scaled < 0n;
  const abs = neg ? -scaled : scaled;
  const intPart = (abs / SCALE).toString();
  const frac = (abs % SCALE).toString().padStart(FRACTION_DIGITS, '0');
  const text = `${neg ? '-' : ''}${intPart}.${frac}`;
  if (!fitsDecimal(scaled)) throw new DecimalError(field, text, `overflows ${TOTAL_DIGITS} digits`);
  return text;
}

/** Rounds numerator / denominator to the nearest integer, halves away from zero ("half-up"). */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const neg = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (d * 2n);
  return neg ? -q : q;
}

/** Product of two scaled values, rounded half-up to 5 places. */
export const mulScaled = (a: bigint, b: bigint): bigint => divRoundHalfUp(a * b, SCALE);

/** Quotient of two scaled values, rounded half-up to 5 places. */
export const divScaled = (a: bigint, b: bigint): bigint => divRoundHalfUp(a * SCALE, b);

/** Canonical form with exactly 5 fraction digits ("12.5" -> "12.50000"). */
export const normalizeDecimal = (a: string, field?: string): string =>
  formatDecimal(parseDecimal(a, field), field);

export const decAdd = (a: string, b: string): string =>
  formatDecimal(parseDecimal(a, 'a') + parseDecimal(b, 'b'));
export const decSub = (a: string, b: string): string =>
  formatDecimal(parseDecimal(a, 'a') - parseDecimal(b, 'b'));
/** a × b rounded half-up to 5 places. */
export const decMul = (a: string, b: string): string =>
  formatDecimal(mulScaled(parseDecimal(a, 'a'), parseDecimal(b, 'b')));
/** a ÷ b rounded half-up to 5 places; RangeError on division by zero. */
export const decDiv = (a: string, b: string): string =>
  formatDecimal(divScaled(parseDecimal(a, 'a'), parseDecimal(b, 'b')));

/** Sum of decimals ("0.00000" for none). */
export const decSum = (values: ReadonlyArray<string>): string =>
  formatDecimal(values.reduce((acc, v, i) => acc + parseDecimal(v, `values[${i}]`), 0n));

export function decCompare(a: string, b: string): -1 | 0 | 1 {
  const x = parseDecimal(a, 'a');
  const y = parseDecimal(b, 'b');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Numeric equality ("1.5" equals "1.50000"). */
export const decEquals = (a: string, b: string): boolean => decCompare(a, b) === 0;
export const decIsZero = (a: string): boolean => parseDecimal(a) === 0n;
export const decIsPositive = (a: string): boolean => parseDecimal(a) > 0n;
export const decIsNegative = (a: string): boolean => parseDecimal(a) < 0n;
export const decAbs = (a: string): string =>
  formatDecimal(parseDecimal(a) < 0n ? -parseDecimal(a) : parseDecimal(a));
export const decMax = (a: string, b: string): string =>
  decCompare(a, b) >= 0 ? normalizeDecimal(a) : normalizeDecimal(b);
export const decMin = (a: string, b: string): string =>
  decCompare(a, b) <= 0 ? normalizeDecimal(a) : normalizeDecimal(b);

/** Floating-point approximation, for display and metrics only: never compute with it. */
export const decToNumber = (a: string): number => Number(parseDecimal(a)) / Number(SCALE);

/** The zero decimal. */
export const ZERO = '0.00000';
