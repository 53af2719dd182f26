/**
 * Checks and converts one element's text by its rule (XSD type and facets) into the Avro value.
 * Character scans, no regular expressions built per call: these run for every field of every
 * node. Each returns the value, or INVALID after calling `fail` with what is wrong.
 */

/** A rule as the converters need it (a compiled field). */
export interface ValueRule {
  readonly conv: 'string' | 'decimal' | 'int' | 'boolean';
  readonly length?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly totalDigits?: number;
  readonly fractionDigits?: number;
  readonly collapse?: boolean;
}

/** Returned (after `fail`) when the text does not satisfy the rule. */
export const INVALID: unique symbol = Symbol('invalid');
export type Converted = string | number | boolean | typeof INVALID;
export type Fail = (message: string) => void;

/** Digits after the point in the engine's canonical decimals ("64.80000"). */
export const CANONICAL_FRACTION_DIGITS = 5;
const ZEROS = '00000';

const PLUS = 43;
const MINUS = 45;
const POINT = 46;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const WHITE_SPACE_RUN = /\s+/g;

/** Characters as XSD counts them (code points), counted only when the UTF-16 length breaks a limit. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

export function convertString(text: string, rule: ValueRule, fail: Fail): Converted {
  const s = rule.collapse ? text.replace(WHITE_SPACE_RUN, ' ') : text;
  const n = s.length;
  if (rule.length !== undefined && n !== rule.length) {
    const cp = n > rule.length ? codePoints(s) : n;
    if (cp !== rule.length) {
      fail(`${cp} characters, exactly ${rule.length} required`);
      return INVALID;
    }
  }
  if (rule.maxLength !== undefined && n > rule.maxLength) {
    const cp = codePoints(s);
    if (cp > rule.maxLength) {
      fail(`${cp} characters, at most ${rule.maxLength} allowed`);
      return INVALID;
    }
  }
  if (rule.minLength !== undefined && n < rule.minLength) {
    fail(`${n} characters, at least ${rule.minLength} required`);
    return INVALID;
  }
  return s;
}

/**
 * An XSD decimal (`[+-]?(digits[.digits?] | .digits)`) within totalDigits / fractionDigits (as the
 * value counts them: leading and trailing zeros are not significant), as the engine's canonical
 * string with exactly 5 fraction digits. The integer part is held to totalDigits - fractionDigits
 * (14) digits, as the engine's CEB decimals are.
 */
export function convertDecimal(text: string, rule: ValueRule, fail: Fail): Converted {
  const n = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === PLUS || first === MINUS) {
    negative = first === MINUS;
    i = 1;
  }
  let intStart = -1; // first significant integer digit
  const intFrom = i;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) break;
    if (intStart < 0 && c !== DIGIT_0) intStart = i;
  }
  const intEnd = i;
  let fracFrom = i;
  let fracEnd = i; // after the last significant fraction digit
  if (i < n && text.charCodeAt(i) === POINT) {
    fracFrom = ++i;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < DIGIT_0 || c > DIGIT_9) break;
      if (c !== DIGIT_0) fracEnd = i + 1;
    }
    if (fracEnd < fracFrom) fracEnd = fracFrom;
  }
  if (i < n || (intEnd === intFrom && i === fracFrom)) {
    fail(`${JSON.stringify(text)} is not a decimal number`);
    return INVALID;
  }
  const fractionDigits = fracEnd - fracFrom;
  const maxFraction = Math.min(rule.fractionDigits ?? CANONICAL_FRACTION_DIGITS, CANONICAL_FRACTION_DIGITS);
  if (fractionDigits > maxFraction) {
    fail(
      `${JSON.stringify(text)} has ${fractionDigits} digits after the point, at most ${maxFraction} allowed`,
    );
    return INVALID;
  }
  const intDigits = intStart < 0 ? 0 : intEnd - intStart;
  const maxInt = (rule.totalDigits ?? 19) - maxFraction;
  if (intDigits > maxInt) {
    fail(`${JSON.stringify(text)} has ${intDigits} digits before the point, at most ${maxInt} allowed`);
    return INVALID;
  }
  const int = intDigits === 0 ? '0' : text.slice(intStart, intEnd);
  const frac = text.slice(fracFrom, fracEnd) + ZEROS.slice(fractionDigits);
  const zero = intDigits === 0 && fractionDigits === 0;
  return `${negative && !zero ? '-' : ''}${int}.${frac}`;
}

const INT_MAX = 2147483647;

/** An XSD int (`[+-]?digits`) within totalDigits and the 32-bit range (Avro int). */
export function convertInt(text: string, rule: ValueRule, fail: Fail): Converted {
  const n = text.length;
  let i = 0;
  const first = text.charCodeAt(0);
  const negative = first === MINUS;
  if (negative || first === PLUS) i = 1;
  if (i === n) {
    fail(`${JSON.stringify(text)} is not a whole number`);
    return INVALID;
  }
  let value = 0;
  let significant = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) {
      fail(`${JSON.stringify(text)} is not a whole number`);
      return INVALID;
    }
    if (significant > 0 || c !== DIGIT_0) significant++;
    if (significant <= 10) value = value * 10 + (c - DIGIT_0);
  }
  const maxDigits = rule.totalDigits ?? 10;
  if (significant > maxDigits || value > INT_MAX + (negative ? 1 : 0)) {
    fail(`${JSON.stringify(text)} has more than ${Math.min(maxDigits, 10)} digits or exceeds a 32-bit int`);
    return INVALID;
  }
  return negative && value !== 0 ? -value : value;
}

/** An XSD boolean: true, false, 1, 0. */
export function convertBoolean(text: string, _rule: ValueRule, fail: Fail): Converted {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  fail(`${JSON.stringify(text)} is not a boolean (true, false, 1 or 0)`);
  return INVALID;
}

export const CONVERTERS = {
  string: convertString,
  decimal: convertDecimal,
  int: convertInt,
  boolean: convertBoolean,
} as const;

/** The element text of an Avro value (the inverse of the converters). */
export function valueText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  throw new TypeError(`cannot write ${typeof v} as an element value`);
}
