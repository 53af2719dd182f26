import { decimalProblem } from '@clearance/domain';
import { INVALID, convertBoolean, convertDecimal, convertInt, convertString, type ValueRule } from './values';

const DEC: ValueRule = { conv: 'decimal', totalDigits: 19, fractionDigits: 5 };

function run(
  convert: (t: string, r: ValueRule, fail: (m: string) => void) => unknown,
  text: string,
  rule: ValueRule,
): { value: unknown; problems: string[] } {
  const problems: string[] = [];
  const value = convert(text, rule, (m) => problems.push(m));
  return { value, problems };
}

describe('decimal values', () => {
  it.each([
    ['64.8', '64.80000'],
    ['64.80000', '64.80000'],
    ['0', '0.00000'],
    ['007.5', '7.50000'],
    ['+5', '5.00000'],
    ['-0.000', '0.00000'],
    ['-1.25', '-1.25000'],
    ['.5', '0.50000'],
    ['5.', '5.00000'],
    ['1.1000000', '1.10000'],
    ['99999999999999.99999', '99999999999999.99999'],
  ])('given %s, then the canonical %s, which the engine accepts', (text, canonical) => {
    const { value, problems } = run(convertDecimal, text, DEC);
    expect(problems).toEqual([]);
    expect(value).toBe(canonical);
    expect(decimalProblem(value)).toBeUndefined();
  });

  it.each([
    ['1.123456', 'has 6 digits after the point, at most 5 allowed'],
    ['100000000000000', 'has 15 digits before the point, at most 14 allowed'],
    ['1,5', 'is not a decimal number'],
    ['.', 'is not a decimal number'],
    ['-', 'is not a decimal number'],
    ['1e5', 'is not a decimal number'],
    ['NaN', 'is not a decimal number'],
  ])('given %s, then a problem', (text, message) => {
    const { value, problems } = run(convertDecimal, text, DEC);
    expect(value).toBe(INVALID);
    expect(problems).toEqual([`${JSON.stringify(text)} ${message}`]);
  });
});

describe('int values', () => {
  const INT9: ValueRule = { conv: 'int', totalDigits: 9 };
  it.each([
    ['1', 1],
    ['0042', 42],
    ['+7', 7],
    ['-3', -3],
    ['999999999', 999999999],
  ])('given %s, then %d', (text, n) => {
    expect(run(convertInt, text, INT9)).toEqual({ value: n, problems: [] });
  });

  it.each(['1.0', '', '-', 'one', '1000000000'])('given %j, then a problem', (text) => {
    const { value, problems } = run(convertInt, text, INT9);
    expect(value).toBe(INVALID);
    expect(problems).toHaveLength(1);
  });

  it('given an xs:int without totalDigits, then the 32-bit range holds', () => {
    expect(run(convertInt, '2147483647', { conv: 'int' }).value).toBe(2147483647);
    expect(run(convertInt, '2147483648', { conv: 'int' }).value).toBe(INVALID);
  });
});

describe('string values', () => {
  it('given length / minLength / maxLength, then each is checked in characters', () => {
    expect(run(convertString, 'ABC', { conv: 'string', length: 3 })).toEqual({ value: 'ABC', problems: [] });
    expect(run(convertString, 'AB', { conv: 'string', length: 3 }).problems).toEqual([
      '2 characters, exactly 3 required',
    ]);
    expect(run(convertString, '中文名称', { conv: 'string', maxLength: 4 }).value).toBe('中文名称');
    expect(run(convertString, '𠀀𠀀', { conv: 'string', maxLength: 2 }).value).toBe('𠀀𠀀'); // 2 code points, 4 UTF-16 units
    expect(run(convertString, 'ABCDE', { conv: 'string', maxLength: 4 }).problems).toEqual([
      '5 characters, at most 4 allowed',
    ]);
    expect(run(convertString, 'AB', { conv: 'string', minLength: 3, maxLength: 4 }).problems).toEqual([
      '2 characters, at least 3 required',
    ]);
  });

  it('given whiteSpace=collapse, then runs of white space become one space', () => {
    expect(run(convertString, 'cotton \n\t 100%', { conv: 'string', collapse: true }).value).toBe(
      'cotton 100%',
    );
    expect(run(convertString, 'a  b', { conv: 'string' }).value).toBe('a  b');
  });
});

describe('boolean values', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('given %s, then %s', (text, b) => {
    expect(run(convertBoolean, text, { conv: 'boolean' })).toEqual({ value: b, problems: [] });
  });

  it('given yes, then a problem', () => {
    expect(run(convertBoolean, 'yes', { conv: 'boolean' }).problems).toEqual([
      '"yes" is not a boolean (true, false, 1 or 0)',
    ]);
  });
});
