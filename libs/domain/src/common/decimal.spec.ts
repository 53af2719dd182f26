import {
  decAbs,
  decAdd,
  decCompare,
  decDiv,
  decEquals,
  decimalProblem,
  DecimalError,
  decIsNegative,
  decIsPositive,
  decIsZero,
  decMax,
  decMin,
  decMul,
  decSub,
  decSum,
  decToNumber,
  divRoundHalfUp,
  fitsDecimal,
  formatDecimal,
  isDecimal,
  normalizeDecimal,
  parseDecimal,
} from './decimal';
import { seededRandom } from '../testing/random';

describe('CEB decimal parsing', () => {
  it.each([
    ['0', 0n],
    ['12.5', 1250000n],
    ['12.50000', 1250000n],
    ['-3.00001', -300001n],
    ['007.1', 710000n],
    ['99999999999999.99999', 9999999999999999999n],
    ['0.00001', 1n],
  ])('parses %s', (text, scaled) => {
    expect(parseDecimal(text)).toBe(scaled);
    expect(isDecimal(text)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['1.000001', 'more than 5 digits after the point'],
    ['100000000000000', 'more than 19 digits'],
    ['1e5', 'expected digits'],
    ['.5', 'expected digits'],
    ['5.', 'expected digits'],
    ['+5', 'expected digits'],
    [' 5', 'expected digits'],
    ['1,5', 'expected digits'],
    ['NaN', 'expected digits'],
  ])('rejects %j (%s)', (text, problem) => {
    expect(decimalProblem(text)).toContain(problem);
    expect(() => parseDecimal(text, 'goodsValue')).toThrow(DecimalError);
    expect(() => parseDecimal(text, 'goodsValue')).toThrow(/goodsValue/);
  });

  it('rejects non-strings', () => {
    expect(decimalProblem(12.5)).toBe('not a string');
    expect(isDecimal(null)).toBe(false);
  });

  it('leading zeros do not count towards the 19 digits', () => {
    expect(isDecimal('00000000000000000001.5')).toBe(true);
  });
});

describe('CEB decimal formatting', () => {
  it('always writes 5 fraction digits', () => {
    expect(formatDecimal(0n)).toBe('0.00000');
    expect(formatDecimal(1n)).toBe('0.00001');
    expect(formatDecimal(-1n)).toBe('-0.00001');
    expect(formatDecimal(1250000n)).toBe('12.50000');
    expect(normalizeDecimal('12.5')).toBe('12.50000');
  });

  it('refuses results beyond 19 digits', () => {
    expect(fitsDecimal(10n ** 19n - 1n)).toBe(true);
    expect(fitsDecimal(10n ** 19n)).toBe(false);
    expect(() => formatDecimal(10n ** 19n)).toThrow(/overflows 19 digits/);
    expect(() => decAdd('99999999999999.99999', '0.00001')).toThrow(DecimalError);
  });
});

describe('CEB decimal arithmetic', () => {
  it('adds and subtracts exactly where floats do not', () => {
    expect(decAdd('0.1', '0.2')).toBe('0.30000');
    expect(decSub('0.3', '0.1')).toBe('0.20000');
    expect(decSub('1', '2.5')).toBe('-1.50000');
    expect(decSum(['0.1', '0.2', '0.3'])).toBe('0.60000');
    expect(decSum([])).toBe('0.00000');
  });

  it('multiplies with half-up rounding to 5 places', () => {
    expect(decMul('3', '33.33333')).toBe('99.99999');
    expect(decMul('2', '19.9')).toBe('39.80000');
    expect(decMul('0.00001', '0.5')).toBe('0.00001'); // 0.000005 rounds up
    expect(decMul('0.00001', '0.49999')).toBe('0.00000');
    expect(decMul('-0.00001', '0.5')).toBe('-0.00001'); // halves away from zero
    expect(decMul('1234567.89', '0.13')).toBe('160493.82570');
  });

  it('divides with half-up rounding', () => {
    expect(decDiv('1', '3')).toBe('0.33333');
    expect(decDiv('2', '3')).toBe('0.66667');
    expect(decDiv('-2', '3')).toBe('-0.66667');
    expect(() => decDiv('1', '0')).toThrow(RangeError);
    expect(divRoundHalfUp(5n, 2n)).toBe(3n);
    expect(divRoundHalfUp(-5n, 2n)).toBe(-3n);
    expect(divRoundHalfUp(5n, -2n)).toBe(-3n);
  });

  it('compares numerically', () => {
    expect(decCompare('1.5', '1.50000')).toBe(0);
    expect(decCompare('1.5', '1.49999')).toBe(1);
    expect(decCompare('-1', '0')).toBe(-1);
    expect(decEquals('100', '100.00000')).toBe(true);
    expect(decIsZero('0.00000')).toBe(true);
    expect(decIsPositive('0.00001')).toBe(true);
    expect(decIsNegative('-0.00001')).toBe(true);
    expect(decAbs('-2.5')).toBe('2.50000');
    expect(decMax('1', '2')).toBe('2.00000');
    expect(decMin('1', '2')).toBe('1.00000');
  });

  it('converts to a number for display only', () => {
    expect(decToNumber('12.34500')).toBeCloseTo(12.345);
  });
});

describe('the character-scan decimals match the regex implementation they replaced', () => {
  // The former implementation, kept as the reference.
  const PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;
  function refProblem(text: unknown): string | undefined {
    if (typeof text !== 'string') return 'not a string';
    if (text.length === 0) return 'empty';
    const m = PATTERN.exec(text);
    if (!m) return 'expected digits with an optional sign and point, e.g. "12.50000"';
    const intPart = m[2].replace(/^0+(?=\d)/, '');
    const frac = m[3] ?? '';
    if (frac.length > 5) return `more than 5 digits after the point`;
    const intDigits = intPart === '0' ? 0 : intPart.length;
    if (intDigits > 14) return `more than 19 digits (integer part limited to 14)`;
    return undefined;
  }
  function refParse(text: string): bigint {
    const problem = refProblem(text);
    if (problem) throw new DecimalError('value', String(text), problem);
    const m = PATTERN.exec(text)!;
    const frac = (m[3] ?? '').padEnd(5, '0');
    const abs = BigInt(m[2]) * 100000n + BigInt(frac);
    return m[1] === '-' ? -abs : abs;
  }
  function refFormat(scaled: bigint): string {
    const neg = scaled < 0n;
    const abs = neg ? -scaled : scaled;
    const text = `${neg ? '-' : ''}${(abs / 100000n).toString()}.${(abs % 100000n).toString().padStart(5, '0')}`;
    if ((neg ? -scaled : scaled) > 10n ** 19n - 1n)
      throw new DecimalError('result', text, 'overflows 19 digits');
    return text;
  }
  const outcome = <T>(f: () => T): T | string => {
    try {
      return f();
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  };

  // seeded, so a failure reproduces
  const { random, int } = seededRandom(20261206);
  const digits = (n: number, zeros = 0.3): string =>
    Array.from({ length: n }, () => (random() < zeros ? '0' : String(int(10)))).join('');
  /** Mostly well-formed decimals of every size, some with stray characters. */
  function candidate(): string {
    const kind = int(10);
    if (kind === 0) {
      const alphabet = ['0', '1', '9', '-', '.', '+', ' ', 'e', '\n', '٣', 'x', ','];
      return Array.from({ length: int(8) }, () => alphabet[int(alphabet.length)]).join('');
    }
    const sign = random() < 0.3 ? '-' : '';
    const intPart = kind === 1 ? '' : digits(int(kind < 5 ? 4 : 21));
    const frac = random() < 0.2 ? '' : `.${digits(int(8))}`;
    const text = `${sign}${intPart}${frac}`;
    if (kind === 2 && text.length > 0) {
      const at = int(text.length);
      return `${text.slice(0, at)}${['.', '-', 'a', ' '][int(4)]}${text.slice(at + 1)}`;
    }
    return text;
  }

  /** Inputs on which `actual` and `expected` differ (JSON of both), at most 10. */
  function differences<I>(inputs: Iterable<I>, actual: (i: I) => unknown, expected: (i: I) => unknown) {
    const out: string[] = [];
    for (const i of inputs) {
      const a = outcome(() => actual(i));
      const e = outcome(() => expected(i));
      if (a !== e && out.length < 10) out.push(`${String(i)}: ${String(a)} (reference ${String(e)})`);
    }
    return out;
  }
  const strings = (count: number): string[] => Array.from({ length: count }, candidate);

  it('decimalProblem, isDecimal, parseDecimal and normalizeDecimal agree on 200,000 strings', () => {
    const texts = strings(200_000);
    expect(texts.filter((t) => refProblem(t) === undefined).length).toBeGreaterThan(50_000);
    expect(differences(texts, decimalProblem, refProblem)).toEqual([]);
    expect(differences(texts, isDecimal, (t) => refProblem(t) === undefined)).toEqual([]);
    expect(differences(texts, (t) => parseDecimal(t), refParse)).toEqual([]);
    expect(
      differences(
        texts,
        (t) => normalizeDecimal(t, 'f'),
        (t) => {
          const problem = refProblem(t);
          if (problem) throw new DecimalError('f', t, problem);
          return refFormat(refParse(t));
        },
      ),
    ).toEqual([]);
  });

  it('the edges of the fast paths', () => {
    const edges = [
      '0',
      '-0',
      '-0.00000',
      '0.00000',
      '00.00000',
      '-00000000000000000000.00000',
      '90071992546.99999',
      '90071992547.00000',
      '90071992548.00001',
      '-90071992547.99999',
      '99999999999999.99999',
      '-99999999999999.99999',
      '09999999999999.99999',
      '100000000000000',
      '1.',
      '-',
      '-.',
      '.',
      '1.2.3',
      '12.50000',
      '-12.50000',
      '012.50000',
    ];
    expect(differences(edges, decimalProblem, refProblem)).toEqual([]);
    expect(differences(edges, (t) => parseDecimal(t), refParse)).toEqual([]);
    expect(
      differences(
        edges,
        (t) => normalizeDecimal(t),
        (t) => refFormat(refParse(t)),
      ),
    ).toEqual([]);
  });

  it('formatDecimal agrees on 200,000 scaled values of every magnitude, overflow included', () => {
    const specials = [
      0n,
      1n,
      -1n,
      BigInt(Number.MAX_SAFE_INTEGER),
      -BigInt(Number.MAX_SAFE_INTEGER),
      BigInt(Number.MAX_SAFE_INTEGER) + 1n,
      -BigInt(Number.MAX_SAFE_INTEGER) - 1n,
      10n ** 19n - 1n,
      10n ** 19n,
      -(10n ** 19n),
    ];
    const values = [...specials];
    for (let n = 0; n < 200_000; n++) {
      const magnitude = BigInt(digits(1 + int(21), 0.1));
      values.push(random() < 0.4 ? -magnitude : magnitude);
    }
    expect(differences(values, (v) => formatDecimal(v), refFormat)).toEqual([]);
  });
});
