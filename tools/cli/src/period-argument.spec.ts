import { closePeriodArgument } from './period-argument';

// 2026-12-01 00:30 in China (UTC+8) is 2026-11-30 16:30 UTC
const FIRST_OF_DECEMBER_CHINA = Date.UTC(2026, 10, 30, 16, 30);

describe('close-period argument', () => {
  it('takes a given month or day as is', () => {
    expect(closePeriodArgument('202611', undefined, FIRST_OF_DECEMBER_CHINA)).toBe('202611');
    expect(closePeriodArgument('20261130', undefined, FIRST_OF_DECEMBER_CHINA)).toBe('20261130');
  });

  it('--last-ended gives the latest period that has ended in China time', () => {
    expect(closePeriodArgument(undefined, 'MONTH', FIRST_OF_DECEMBER_CHINA)).toBe('202611');
    expect(closePeriodArgument(undefined, 'day', FIRST_OF_DECEMBER_CHINA)).toBe('20261130');
  });

  it('refuses both, neither, a bad granularity and a bad period with a message', () => {
    expect(() => closePeriodArgument('202611', 'MONTH', 0)).toThrow(/not both/);
    expect(() => closePeriodArgument(undefined, undefined, 0)).toThrow(/give a period/);
    expect(() => closePeriodArgument(undefined, 'WEEK', 0)).toThrow(/MONTH or DAY/);
    expect(() => closePeriodArgument('2026-11', undefined, 0)).toThrow(RangeError);
  });
});
