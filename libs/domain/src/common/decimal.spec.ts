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
