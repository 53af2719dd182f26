import { schemaByName } from '@clearance/contracts';
import { deterministicGuid, hashDraw64 } from './ids';
import { buildReceipt, Status } from './receipts';
import { cebDate, cebTime, chinaYear, isCebTime, parseCebTime, returnTime } from './time';

describe('China time', () => {
  // 2026-11-30T16:30:00.123Z is 2026-12-01 00:30:00.123 in China
  const t = Date.UTC(2026, 10, 30, 16, 30, 0, 123);

  it('formats event times in UTC+8', () => {
    expect(cebTime(t)).toBe('20261201003000');
    expect(returnTime(t)).toBe('20261201003000123');
    expect(cebDate(t)).toBe('20261201');
    expect(chinaYear(Date.UTC(2026, 11, 31, 16, 0, 0))).toBe('2027');
  });

  it('parses CEB times back', () => {
    expect(parseCebTime('20261201003000')).toBe(t - 123);
    expect(isCebTime('20260229120000')).toBe(false); // 2026 is not a leap year
    expect(isCebTime('20280229120000')).toBe(true);
    expect(isCebTime('20261301000000')).toBe(false);
    expect(isCebTime('20261201240000')).toBe(false);
    expect(isCebTime('2026120100300')).toBe(false);
    expect(isCebTime(null)).toBe(false);
  });
});

describe('deterministic ids', () => {
  it('gives a 36-char upper-case guid, stable for the same parts', () => {
    const g = deterministicGuid('a', 'b', 1);
    expect(g).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(deterministicGuid('a', 'b', 1)).toBe(g);
    expect(deterministicGuid('ab', '', 1)).not.toBe(g);
  });

  it('draws a 64-bit number from a hash', () => {
    const d = hashDraw64('k', 'v1');
    expect(d).toBe(hashDraw64('k', 'v1'));
    expect(d < 2n ** 64n).toBe(true);
  });
});

describe('receipts', () => {
  it('are schema-valid and reproducible', () => {
    const spec = {
      to: { participant: 'EBP' as const, code: 'EBP0000001', docType: 'ORDER' as const, docGuid: 'X' },
      ref: {
        caseKey: 'EBP0000001:O1',
        ebpCode: 'EBP0000001',
        orderNo: 'O1',
        logisticsCode: null,
        logisticsNo: null,
        invtNo: null,
      },
      returnStatus: Status.ACCEPTED,
      at: Date.UTC(2026, 0, 1),
      returnInfo: 'x'.repeat(2000),
    };
    const r = buildReceipt(spec);
    expect(schemaByName('Receipt').type.isValid(r)).toBe(true);
    expect(r.returnInfo.length).toBe(1000);
    expect(r.returnTime).toBe('20260101080000000');
    expect(buildReceipt(spec)).toEqual(r);
    expect(buildReceipt({ ...spec, returnStatus: Status.REJECTED }).guid).not.toBe(r.guid);
  });
});
