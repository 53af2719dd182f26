import { createHash } from 'node:crypto';
import { schemaByName, sha256Hex } from '@clearance/contracts';
import { deterministicGuid, guidOfBytes, hashDraw64, hashParts, sha256HexOf } from './ids';
import { buildReceipt, Status } from './receipts';
import { cebDate, cebTime, chinaYear, isCebTime, parseCebTime, returnTime } from './time';
import { seededRandom } from '../testing/random';

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

describe('the fast time and id functions match the implementations they replaced', () => {
  // seeded, so a failure reproduces
  const { random, int } = seededRandom(20261206);
  const outcome = <T>(f: () => T): T | string => {
    try {
      return f();
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  };
  /** Inputs on which `actual` and `expected` differ, at most 10. */
  function differences<I>(inputs: Iterable<I>, actual: (i: I) => unknown, expected: (i: I) => unknown) {
    const out: string[] = [];
    for (const i of inputs) {
      const a = outcome(() => actual(i));
      const e = outcome(() => expected(i));
      if (a !== e && out.length < 10) out.push(`${JSON.stringify(i)}: ${String(a)} (reference ${String(e)})`);
    }
    return out;
  }

  // The former Date-based implementation, kept as the reference.
  const OFFSET = 8 * 3600 * 1000;
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  function refParts(ms: number) {
    if (!Number.isFinite(ms)) throw new RangeError(`event time ${ms} is not a finite number`);
    const d = new Date(ms + OFFSET);
    return [
      d.getUTCFullYear(),
      d.getUTCMonth() + 1,
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ];
  }
  function refCebTime(ms: number): string {
    const [y, mo, d, h, mi, s] = refParts(ms);
    return `${pad(y, 4)}${pad(mo, 2)}${pad(d, 2)}${pad(h, 2)}${pad(mi, 2)}${pad(s, 2)}`;
  }
  const refReturnTime = (ms: number): string => `${refCebTime(ms)}${pad(refParts(ms)[6], 3)}`;
  const CEB_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
  function refParseCebTime(text: string | null | undefined): number | undefined {
    if (typeof text !== 'string') return undefined;
    const m = CEB_TIME.exec(text);
    if (!m) return undefined;
    const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
    if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
    const utc = Date.UTC(year, month - 1, day, hour, minute, second);
    const back = new Date(utc);
    if (back.getUTCDate() !== day || back.getUTCMonth() !== month - 1) return undefined;
    return utc - OFFSET;
  }

  it('cebTime, returnTime, cebDate and chinaYear agree on 200,000 event times, 1900 to 2200', () => {
    const from = Date.UTC(1900, 0, 1);
    const to = Date.UTC(2200, 0, 1);
    const times: number[] = [
      0,
      -1,
      0.5,
      -0.5,
      59.9,
      Date.UTC(2099, 11, 31, 15, 59, 59, 999),
      Date.UTC(2099, 11, 31, 16),
    ];
    times.push(Date.UTC(2100, 0, 1) - 0.25, Date.UTC(2100, 0, 1), NaN, Infinity, 8.64e15, -8.64e15, 8.7e15);
    for (let n = 0; n < 200_000; n++) {
      const t = from + Math.floor(random() * (to - from));
      times.push(n % 10 === 0 ? t + random() : t); // some fractional milliseconds
    }
    // midnights and leap days, China time
    for (let d = Date.UTC(1999, 11, 20); d < Date.UTC(2001, 0, 10); d += 24 * 3600 * 1000)
      times.push(d - OFFSET - 1, d - OFFSET, d - OFFSET + 1);
    expect(differences(times, cebTime, refCebTime)).toEqual([]);
    expect(differences(times, returnTime, refReturnTime)).toEqual([]);
    expect(differences(times, cebDate, (t) => refCebTime(t).slice(0, 8))).toEqual([]);
    expect(differences(times, chinaYear, (t) => refCebTime(t).slice(0, 4))).toEqual([]);
  });

  it('parseCebTime and isCebTime agree on 200,000 strings', () => {
    const texts: Array<string | null | undefined> = [
      null,
      undefined,
      '',
      '20261201003000 ',
      ' 20261201003000',
    ];
    texts.push('00000229000000', '00040229000000', '19000229000000', '20000229000000', '21000229000000');
    texts.push('٢٠٢٦1201003000', '2026-201003000', '+0261201003000', '202612010030001');
    for (let n = 0; n < 200_000; n++) {
      const year = n % 3 === 0 ? pad(int(10000), 4) : String(1990 + int(120));
      const two = (max: number) => pad(int(max), 2);
      let text = `${year}${two(14)}${two(33)}${two(26)}${two(62)}${two(62)}`;
      if (n % 17 === 0) {
        const at = int(text.length);
        text = `${text.slice(0, at)}${['a', '-', ' ', '.', '9'][int(5)]}${text.slice(at + 1)}`;
      }
      if (n % 31 === 0) text = text.slice(0, int(text.length));
      texts.push(text);
    }
    expect(differences(texts, parseCebTime, refParseCebTime)).toEqual([]);
    expect(differences(texts, isCebTime, (t) => refParseCebTime(t) !== undefined)).toEqual([]);
  });

  // The former hashing, kept as the reference.
  const refHashParts = (...parts: ReadonlyArray<string | number>): string =>
    createHash('sha256').update(parts.map(String).join('\u001f'), 'utf8').digest('hex');
  function refGuid(...parts: ReadonlyArray<string | number>): string {
    const h = refHashParts(...parts)
      .slice(0, 32)
      .toUpperCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  it('hashParts, deterministicGuid, hashDraw64 and sha256HexOf agree on 20,000 part lists', () => {
    const alphabet = ['a', 'Z', '0', ':', '-', ' ', '\u001f', 'é', '中', '😀', ''];
    const text = () => Array.from({ length: int(12) }, () => alphabet[int(alphabet.length)]).join('');
    const lists: Array<Array<string | number>> = [[], [''], ['', ''], [0], [-1.5, 'x']];
    // not in the types, but a null from a record must hash as before ("null")
    lists.push(['a', null as never, 'b'], [undefined as never], ['x', 1, undefined as never]);
    for (let n = 0; n < 20_000; n++)
      lists.push(Array.from({ length: int(11) }, () => (random() < 0.2 ? int(2e12) : text())));
    expect(
      differences(
        lists,
        (p) => hashParts(...p),
        (p) => refHashParts(...p),
      ),
    ).toEqual([]);
    expect(
      differences(
        lists,
        (p) => deterministicGuid(...p),
        (p) => refGuid(...p),
      ),
    ).toEqual([]);
    expect(
      differences(
        lists,
        (p) => hashDraw64(...p),
        (p) => BigInt(`0x${refHashParts(...p).slice(0, 16)}`),
      ),
    ).toEqual([]);
    const texts = lists.map((p) => p.join(''));
    expect(differences(texts, sha256HexOf, (t) => sha256Hex(t))).toEqual([]);
  });

  it('a receipt guid is the one the former implementation gave', () => {
    // pinned (computed with the former implementation): downstream consumers dedupe on guids
    const parts = ['receipt', 'EBP0000001:O1', 'EBP', 'EBP0000001', 'ORDER', 'X', '2', 0, '', ''];
    expect(deterministicGuid(...parts)).toBe('FD3DD1CC-9B1F-D315-27E4-86D0C999F41E');
    expect(refGuid(...parts)).toBe('FD3DD1CC-9B1F-D315-27E4-86D0C999F41E');
  });
});

describe('guids from sha256', () => {
  it('given any parts, then the guid is the first 32 hex digits of sha256 of the joined parts, upper case, 8-4-4-4-12', () => {
    const { createHash } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    for (let i = 0; i < 200; i++) {
      const parts = ['receipt', `EBP${i}:ORD-${i * 7919}`, 'EBP', i, 'CNY 北京 ' + 'x'.repeat(i % 50)];
      const hex = createHash('sha256').update(parts.join('\u001f'), 'utf8').digest('hex');
      const want =
        `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`.toUpperCase();
      expect(deterministicGuid(...parts)).toBe(want);
    }
  });

  it('given 16 bytes, then guidOfBytes spells them as a canonical guid', () => {
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => i * 13);
    expect(guidOfBytes(bytes)).toBe('000D1A27-3441-4E5B-6875-828F9CA9B6C3');
    expect(guidOfBytes(bytes, 4)).toBe('34414E5B-6875-828F-9CA9-B6C3D0DDEAF7');
  });
});
