/**
 * The acceptance test's independent recount, checked on small hand-made lists (and against the
 * domain's own declaration decider, so a failure on the real stack points at the engine, not at
 * the recount).
 */
import type { ClearedParcel, Manifest, ManifestItem } from '@clearance/contracts';
import * as D from '@clearance/domain';
import {
  aggregate,
  chinaMonth,
  clearedFact,
  declarationKey,
  expectDeclaration,
  largestRemainder,
  type RecountRefs,
} from './recount';

const item = (gnum: number, o: Partial<ManifestItem>): ManifestItem => ({
  ...D.sampleExportManifest().items[0],
  gnum,
  ...o,
});

const manifest = (invtNo: string, o: Partial<Manifest>): Manifest => ({
  ...D.sampleExportManifest(),
  invtNo,
  ...o,
});

const refs: RecountRefs = {
  rate: (currency, month) => (currency === '502' && month === '202611' ? '7.12345' : undefined),
  rebateRate: (gcode) => (gcode === '6109100021' ? '0.13000' : gcode === '8517130000' ? '0.09000' : null),
};

const cleared = (m: Manifest, leaveTime: string): ClearedParcel => ({
  waybillKey: m.waybillKey,
  orderKey: m.orderKey,
  invtNo: m.invtNo,
  finalOutcome: 'RELEASE',
  ruleSetVersion: 'v',
  leaveTime,
  departureCopNo: 'LJ1',
  voyageNo: null,
  returnStatus: '899',
  manifest: m,
});

describe('recount helpers', () => {
  it('allocates exactly, leftovers to the largest remainders, ties to the earlier item, equal split for zero weights', () => {
    expect(largestRemainder(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
    expect(largestRemainder(10n, [1n, 2n, 3n])).toEqual([2n, 3n, 5n]);
    expect(largestRemainder(7n, [0n, 0n])).toEqual([4n, 3n]);
    const s = largestRemainder(123457n, [3n, 7n, 11n, 13n]);
    expect(s.reduce((a, b) => a + b, 0n)).toBe(123457n);
  });

  it('keys declarations by consignor, transport, country, exit port, trade mode (+ owner when summaryFlag 2, + A when simplified)', () => {
    const m = manifest('1', {});
    expect(declarationKey(m)).toBe([m.ebcCode, m.trafMode, m.country, m.portCode, m.tradeMode].join('|'));
    expect(declarationKey({ ...m, summaryFlag: '2', ownerCode: 'OWN' })).toMatch(/\|OWN$/);
    expect(declarationKey({ ...m, statisticsFlag: 'A' })).toMatch(/\|A$/);
  });

  it('merges lines on HS code, unit, currency and legal unit across lists, FOB at the month rate, rebate at the HS rate', () => {
    const a = manifest('A1', {
      grossWeight: '3.00000',
      netWeight: '2.00000',
      items: [
        item(1, {
          gcode: '6109100021',
          qty: '2.00000',
          qty1: '2.00000',
          totalPrice: '10.00000',
          currency: '502',
        }),
        item(2, {
          gcode: '8517130000',
          unit: '001',
          unit1: '001',
          qty: '1.00000',
          qty1: '1.00000',
          totalPrice: '20.00000',
          currency: '502',
        }),
      ],
    });
    const b = manifest('A2', {
      grossWeight: '1.00001',
      netWeight: '0.50000',
      items: [
        item(1, {
          gcode: '6109100021',
          qty: '1.00000',
          qty1: '1.00000',
          totalPrice: '5.00000',
          currency: '502',
        }),
      ],
    });
    const e = expectDeclaration('K', '20261123', [a, b], refs);
    expect(e.listCount).toBe(2);
    expect(e.grossWeight).toBe('4.00001');
    expect(e.lines.map((l) => [l.gcode, l.qty, l.totalPrice, l.listCount])).toEqual([
      ['6109100021', '3.00000', '15.00000', 2],
      ['8517130000', '1.00000', '20.00000', 1],
    ]);
    // a's 3 kg split 1:2 by value, plus b's 1.00001
    expect(e.lines.map((l) => l.grossWeight)).toEqual(['2.00001', '2.00000']);
    expect(e.lines[0].fobCny).toBe('106.85175'); // 15 × 7.12345
    expect(e.lines[0].rebateAmount).toBe('13.89073'); // 106.85175 × 0.13 = 13.8907275
    expect(e.totalFobCny).toBe(D.decAdd('106.85175', '142.46900'));
  });

  it('agrees with the domain decider on the same lists (original, then a late list as amendment)', () => {
    const lists = [
      manifest('L1', {
        grossWeight: '2.71828',
        netWeight: '1.41421',
        items: [
          item(1, {
            gcode: '6109100021',
            qty: '3.00000',
            qty1: '3.00000',
            totalPrice: '33.33333',
            currency: '502',
          }),
          item(2, {
            gcode: '6109100021',
            qty: '1.00000',
            qty1: '1.00000',
            totalPrice: '0.00001',
            currency: '502',
          }),
          item(3, {
            gcode: '8517130000',
            unit: '001',
            unit1: '001',
            qty: '1.00000',
            qty1: '1.00000',
            totalPrice: '66.66666',
            currency: '502',
          }),
        ],
      }),
      manifest('L2', {
        grossWeight: '0.33333',
        netWeight: '0.11111',
        items: [item(1, { gcode: '9503008900', totalPrice: '7.00000', currency: '142' })],
      }),
      manifest('L3', {
        grossWeight: '1.00000',
        netWeight: '0.90000',
        items: [item(1, { gcode: '6109100021', totalPrice: '9.99999', currency: '502' })],
      }),
    ];
    const ctx = {
      refs: {
        commodity: (g: string) => {
          const r = refs.rebateRate(g);
          return r === null ? undefined : D.sampleCommodity(g, { rebateRate: r });
        },
        exchangeRate: (c: string, p: string) => {
          const r = refs.rate(c, p);
          return r === undefined ? undefined : { currency: c, period: p, cnyPerUnit: r };
        },
      },
    };
    const key = declarationKey(lists[0]);
    let state: D.DeclarationState | undefined;
    const add = (m: Manifest) => {
      const line = D.declarationLineOf(cleared(m, '20261123220000'), { granularity: 'DAY' })!;
      state = D.handleDeclaration(state, { type: 'LineReceived', line, at: 0 }, ctx).state;
    };
    add(lists[0]);
    add(lists[1]);
    const first = D.handleDeclaration(
      state,
      { type: 'PeriodClosed', close: D.periodClose('20261123', 1, 't') },
      ctx,
    );
    state = first.state;
    add(lists[2]);
    const second = D.handleDeclaration(
      state,
      { type: 'PeriodClosed', close: D.periodClose('20261124', 2, 't') },
      ctx,
    );
    const pick = (d: {
      listCount: number;
      grossWeight: string;
      netWeight: string;
      totalFobCny: string;
      totalRebateCny: string;
      lines: ReadonlyArray<object>;
    }) => ({
      listCount: d.listCount,
      grossWeight: d.grossWeight,
      netWeight: d.netWeight,
      totalFobCny: d.totalFobCny,
      totalRebateCny: d.totalRebateCny,
      lines: d.lines.map((l) => {
        const { gnames: _g, gname: _n, lineNo: _i, ...rest } = l as Record<string, unknown>;
        void [_g, _n, _i];
        return rest;
      }),
    });
    expect(first.declarations).toHaveLength(1);
    expect(pick(first.declarations[0])).toEqual(
      pick(expectDeclaration(key, '20261123', lists.slice(0, 2), refs)),
    );
    expect(second.declarations.map((d) => [d.kind, d.sequence])).toEqual([['AMENDMENT', 1]]);
    expect(pick(second.declarations[0])).toEqual(
      pick(expectDeclaration(key, '20261123', lists.slice(2), refs)),
    );
  });

  it('aggregates statistics like the query API: a list per group it falls in, values exact then rounded, unconverted items apart', () => {
    const m = manifest('S1', {
      grossWeight: '2.00000',
      items: [
        item(1, { gcode: '6109100021', totalPrice: '1.00001', currency: '502' }),
        item(2, { gcode: '8517130000', totalPrice: '1.00001', currency: '502' }),
        item(3, { gcode: '8517130000', totalPrice: '5.00000', currency: '303' }),
      ],
    });
    const f = clearedFact(cleared(m, '20261123220000'), 0);
    const byChapter = aggregate([f], ['chapter'], refs);
    expect(byChapter.get('61')).toEqual({
      lists: 1,
      items: 1,
      valueCny: '7.12352',
      grossWeight: '2.00000',
      unconvertedItems: 0,
    });
    expect(byChapter.get('85')).toEqual({
      lists: 1,
      items: 2,
      valueCny: '7.12352',
      grossWeight: '2.00000',
      unconvertedItems: 1,
    });
    // 2 × 1.00001 × 7.12345 = 14.247042469 -> 14.24704 (not 2 × 7.12352)
    expect(aggregate([f], [], refs).get('')!.valueCny).toBe('14.24704');
    expect(chinaMonth(Date.UTC(2026, 9, 31, 16, 0, 0))).toBe('202611');
  });
});
