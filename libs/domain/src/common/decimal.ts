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

const DIGIT_0 = 48; // '0'
const DIGIT_9 = 57; // '9'
const MINUS = 45; // '-'
const POINT = 46; // '.'
const SYNTAX_PROBLEM = 'expected digits with an optional sign and point, e.g. "12.50000"';
const FRACTION_PROBLEM = `more than ${FRACTION_DIGITS} digits after the point`;
const TOTAL_PROBLEM = `more than ${TOTAL_DIGITS} digits (integer part limited to ${TOTAL_DIGITS - FRACTION_DIGITS})`;
/** 10^(5 - n): scales a fraction of n digits to 5 digits. */
const FRACTION_SCALE = [100000, 10000, 1000, 100, 10, 1];
/** Largest integer part whose scaled value is a safe integer (computed in a double, exactly). */
const MAX_FAST_INTEGER = Math.floor(Number.MAX_SAFE_INTEGER / 100000) - 1;

const isDigit = (c: number): boolean => c >= DIGIT_0 && c <= DIGIT_9;

/**
 * Why `text` is not a CEB decimal, or undefined when it is one: `-?\d+(\.\d+)?` with at most 5
 * digits after the point and 14 before it (leading zeros not counted). A character scan: this
 * runs for every amount of every document.
 */
export function decimalProblem(text: unknown): string | undefined {
  if (typeof text !== 'string') return 'not a string';
  const n = text.length;
  if (n === 0) return 'empty';
  let i = text.charCodeAt(0) === MINUS ? 1 : 0;
  const intStart = i;
  let significant = -1; // index of the first non-zero digit of the integer part
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) break;
    if (significant < 0 && c !== DIGIT_0) significant = i;
  }
  const intEnd = i;
  if (intEnd === intStart) return SYNTAX_PROBLEM;
  let fractionDigits = 0;
  if (i < n) {
    if (text.charCodeAt(i) !== POINT) return SYNTAX_PROBLEM;
    const fracStart = ++i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i === fracStart || i < n) return SYNTAX_PROBLEM;
    fractionDigits = i - fracStart;
  }
  if (fractionDigits > FRACTION_DIGITS) return FRACTION_PROBLEM;
  const intDigits = significant < 0 ? 0 : intEnd - significant;
  if (intDigits > TOTAL_DIGITS - FRACTION_DIGITS) return TOTAL_PROBLEM;
  return undefined;
}

/** True when `text` is a valid CEB decimal. */
export const isDecimal = (text: unknown): text is string => decimalProblem(text) === undefined;

/** Parses a CEB decimal into its scaled bigint; throws DecimalError naming `field`. */
export function parseDecimal(text: string, field = 'value'): bigint {
  const small = typeof text === 'string' ? smallScaled(text) : NaN;
  if (!Number.isNaN(small)) return BigInt(small); // the common case, in one scan
  const problem = decimalProblem(text);
  if (problem) throw new DecimalError(field, String(text), problem);
  // valid: [-]digits[.digits], integer part below 10^14 once leading zeros are dropped
  const negative = text.charCodeAt(0) === MINUS;
  let int = 0;
  let frac = 0;
  let fractionDigits = -1; // -1: no point seen yet
  for (let i = negative ? 1 : 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === POINT) fractionDigits = 0;
    else if (fractionDigits < 0) int = int * 10 + (c - DIGIT_0);
    else {
      frac = frac * 10 + (c - DIGIT_0);
      fractionDigits++;
    }
  }
  const scaledFrac = frac * FRACTION_SCALE[fractionDigits < 0 ? 0 : fractionDigits];
  const abs = BigInt(int) * SCALE + BigInt(scaledFrac);
  return negative ? -abs : abs;
}

/**
 * The scaled value of `text` when it is a valid decimal whose scaled value a double holds
 * exactly (integer part at most MAX_FAST_INTEGER); NaN otherwise, every invalid text included.
 */
function smallScaled(text: string): number {
  const n = text.length;
  const start = text.charCodeAt(0) === MINUS ? 1 : 0;
  let i = start;
  let int = 0;
  for (; i < n; i++) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) break;
    int = int * 10 + d;
  }
  if (i === start || int > MAX_FAST_INTEGER) return NaN;
  let frac = 0;
  let fractionDigits = 0;
  if (i < n) {
    if (text.charCodeAt(i) !== POINT) return NaN;
    for (i++; i < n; i++) {
      const d = text.charCodeAt(i) - DIGIT_0;
      if (d < 0 || d > 9) return NaN;
      frac = frac * 10 + d;
      fractionDigits++;
    }
    if (fractionDigits === 0 || fractionDigits > FRACTION_DIGITS) return NaN;
  }
  const abs = int * 100000 + frac * FRACTION_SCALE[fractionDigits];
  return start === 1 ? -abs : abs;
}

/** True when a scaled value fits 19 digits. */
export const fitsDecimal = (scaled: bigint): boolean => (scaled < 0n ? -scaled : scaled) <= MAX_SCALED;

const MAX_FAST_SCALED = BigInt(Number.MAX_SAFE_INTEGER);

/** Formats a scaled value with exactly 5 digits after the point; throws when it exceeds 19 digits. */
export function formatDecimal(scaled: bigint, field = 'result'): string {
  if (scaled <= MAX_FAST_SCALED && scaled >= -MAX_FAST_SCALED) {
    // a safe integer: exact in a double, and far below 19 digits
    const value = Number(scaled);
    const abs = value < 0 ? -value : value;
    const frac = abs % 100000;
    const int = (abs - frac) / 100000;
    return `${value < 0 ? '-' : ''}${int}.${String(100000 + frac).slice(1)}`;
  }
  const neg = scaled < 0n;
  const abs = neg ? -scaled : scaled;
  const intPart = (abs / SCALE).toString();
  const frac = (abs % SCALE).toString().padStart(FRACTION_DIGITS, '0');
  const text = `${neg ? '-' : ''}${intPart}.${frac}`;
  if (!fitsDecimal(scaled)) throw new DecimalError(field, text, `overflows ${TOTAL_DIGITS} digits`);
  return text;
}

/**
 * True when `text` is already in the form formatDecimal writes: valid, exactly 5 digits after
 * the point, no leading zero before it (other than "0."), and no minus on zero.
 */
function isCanonical(text: string): boolean {
  const point = text.length - FRACTION_DIGITS - 1;
  if (point < 1 || text.charCodeAt(point) !== POINT || decimalProblem(text) !== undefined) return false;
  const negative = text.charCodeAt(0) === MINUS;
  const intStart = negative ? 1 : 0;
  if (text.charCodeAt(intStart) === DIGIT_0 && point - intStart > 1) return false; // leading zero
  if (!negative) return true;
  for (let i = intStart; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== DIGIT_0 && c !== POINT) return true;
  }
  return false; // "-0.00000"
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
  typeof a === 'string' && isCanonical(a) ? a : formatDecimal(parseDecimal(a, field), field);

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
