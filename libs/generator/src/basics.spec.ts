import {
  cents,
  chinaDate8,
  chinaPeriod,
  chinaTime14,
  chinaTime17,
  chinaWallToMs,
  civilFromDays,
  daysFromCivil,
  grams,
  scaled5,
  toMinor,
  whole,
} from './format';
import {
  airWaybill,
  ean13,
  guid,
  GUID_PATTERN,
  isResidentId,
  isUscc,
  orgCodeCheck,
  residentIdCheck,
  s10,
  usccCheck,
} from './ids';
import { hash32, Rng, Weighted } from './prng';

describe('prng', () => {
  it('same seed, same stream; different seeds differ', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 100 }, () => a.u32());
    expect(Array.from({ length: 100 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.u32())).not.toEqual(xs);
  });

  it('uniform enough and within bounds', () => {
    const r = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(3, 5);
      expect(n >= 3 && n <= 5 && Number.isInteger(n)).toBe(true);
    }
  });

  it('weighted choice follows the weights', () => {
    const w = Weighted.of([
      ['a', 1],
      ['b', 3],
      ['c', 0],
    ] as const);
    const r = new Rng(3);
    const n: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 40_000; i++) n[w.pick(r)]++;
    expect(n.c).toBe(0);
    expect(n.b / n.a).toBeGreaterThan(2.7);
    expect(n.b / n.a).toBeLessThan(3.3);
  });

  it('hash32 is stable', () => {
    expect(hash32('abc')).toBe(hash32('abc'));
    expect(hash32('abc', 1)).not.toBe(hash32('abc', 2));
  });
});

describe('decimals and time', () => {
  it('formats integer minor units as CEB decimals with 5 places', () => {
    expect(cents(1250)).toBe('12.50000');
    expect(cents(5)).toBe('0.05000');
    expect(cents(0)).toBe('0.00000');
    expect(cents(-101)).toBe('-1.01000');
    expect(grams(1234)).toBe('1.23400');
    expect(grams(7)).toBe('0.00700');
    expect(whole(3)).toBe('3.00000');
    expect(scaled5(75000)).toBe('0.75000');
    expect(toMinor('12.50000', 2)).toBe(1250);
    expect(toMinor('1.23400', 3)).toBe(1234);
    expect(() => toMinor('1.23456', 2)).toThrow();
    expect(() => cents(1.5)).toThrow();
  });

  it('China time is UTC+8', () => {
    const ms = Date.UTC(2026, 10, 1, 16, 0, 0, 123); // 2026-11-02 00:00:00.123 in China
    expect(chinaTime14(ms)).toBe('20261102000000');
    expect(chinaTime17(ms)).toBe('20261102000000123');
    expect(chinaDate8(ms - 124)).toBe('20261101');
    expect(chinaPeriod(Date.UTC(2026, 11, 31, 16))).toBe('202701');
    expect(chinaWallToMs(2026, 11, 2, 0, 0, 0)).toBe(Date.UTC(2026, 10, 1, 16));
  });

  it('civil date conversion agrees with Date over decades', () => {
    for (let day = daysFromCivil(1960, 1, 1); day < daysFromCivil(2040, 1, 1); day += 37) {
      const d = new Date(day * 86_400_000);
      expect(civilFromDays(day)).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
      expect(daysFromCivil(...civilFromDays(day))).toBe(day);
    }
  });
});

describe('identifiers', () => {
  it('guids: 36 upper-case characters, unique per sequence', () => {
    const r = new Rng(1);
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const g = guid(r, i, 0xabc);
      expect(g).toMatch(GUID_PATTERN);
      seen.add(g);
    }
    expect(seen.size).toBe(20_000);
  });

  it('check digits of the real schemes', () => {
    expect(s10('RR', 12345678)).toBe('RR123456785CN'); // UPU S10 textbook example
    expect(airWaybill('176', 1234567)).toBe('176-12345675'); // IATA: serial mod 7
    expect(ean13('400638133393')).toBe('4006381333931');
    expect(residentIdCheck('11010519491231002')).toBe('X'); // GB 11643 example
    expect(isResidentId('11010519491231002X')).toBe(true);
    expect(isResidentId('110105194912310021')).toBe(false);
    const body = 'MA1K4UXW';
    const c17 = `91310115${body}${orgCodeCheck(body)}`;
    expect(isUscc(c17 + usccCheck(c17))).toBe(true);
    expect(isUscc(c17 + (usccCheck(c17) === '0' ? '1' : '0'))).toBe(false);
  });
});
