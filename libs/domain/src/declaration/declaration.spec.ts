import { schemaByName, type ClearedParcel, type DeclarationLine, type Manifest } from '@clearance/contracts';
import { riskRefsFrom } from '../risk/refs';
import {
  sampleCommodity,
  sampleExportManifest,
  sampleImportManifest,
  SAMPLE_CODES,
} from '../testing/samples';
import { allocate } from './aggregate';
import {
  declarationNo,
  handleDeclaration,
  type DeclarationCommand,
  type DeclarationContext,
  type DeclarationResult,
  type DeclarationState,
} from './decider';
import { declarationKeyOf, declarationLineOf } from './line';
import { lastEndedPeriod, periodBounds, periodClose, periodOf, periodOfTime, previousPeriod } from './period';

const NOV_CLOSE_AT = Date.UTC(2026, 11, 1, 0, 0, 0);
const ctx: DeclarationContext = {
  refs: riskRefsFrom({
    commodities: [sampleCommodity('6109100021', { rebateRate: '0.13' }), sampleCommodity('4202310090')],
    exchangeRates: [
      { currency: SAMPLE_CODES.usd, period: '202611', cnyPerUnit: '7.10000' },
      { currency: SAMPLE_CODES.usd, period: '202612', cnyPerUnit: '7.20000' },
    ],
  }),
};

function cleared(invtNo: string, leaveTime = '20261115100000', m: Partial<Manifest> = {}): ClearedParcel {
  const manifest = sampleExportManifest({ invtNo, ...m });
  return {
    waybillKey: `${manifest.waybillKey}-${invtNo}`,
    orderKey: manifest.orderKey,
    invtNo,
    finalOutcome: 'RELEASE',
    ruleSetVersion: 'v1',
    leaveTime,
    departureCopNo: 'COP-1',
    voyageNo: 'CA987',
    returnStatus: '899',
    manifest,
  };
}
const lineOf = (c: ClearedParcel): DeclarationLine => declarationLineOf(c)!;
const add = (invtNo: string, leaveTime?: string, m?: Partial<Manifest>, at = 0): DeclarationCommand => ({
  type: 'LineReceived',
  line: lineOf(cleared(invtNo, leaveTime, m)),
  at,
});
const close = (period: string, closedAt = NOV_CLOSE_AT): DeclarationCommand => ({
  type: 'PeriodClosed',
  close: periodClose(period, closedAt, 'scheduler'),
});

function given(cmds: DeclarationCommand[]): {
  state: DeclarationState | undefined;
  when: (c: DeclarationCommand) => DeclarationResult;
} {
  const state = cmds.reduce<DeclarationState | undefined>(
    (s, c) => handleDeclaration(s, c, ctx).state,
    undefined,
  );
  return { state, when: (c) => handleDeclaration(state, c, ctx) };
}

describe('declaration keys and lines', () => {
  const m = sampleExportManifest();

  it('keys by consignor, transport, country, exit port and trade mode (+ owner when summaryFlag 2)', () => {
    expect(declarationKeyOf(m)).toBe('EBC0000001|5|502|5141|9610');
    expect(declarationKeyOf({ ...m, tradeMode: '9710' })).not.toBe(declarationKeyOf(m));
    expect(declarationKeyOf({ ...m, tradeMode: '9810' })).not.toBe(
      declarationKeyOf({ ...m, tradeMode: '9710' }),
    );
    expect(declarationKeyOf({ ...m, summaryFlag: '2', ownerCode: 'OWN0000001' })).toBe(
      'EBC0000001|5|502|5141|9610|OWN0000001',
    );
    expect(declarationKeyOf({ ...m, statisticsFlag: 'A' })).toBe('EBC0000001|5|502|5141|9610|A');
  });

  it('builds a schema-valid line from a cleared export parcel, period by leaveTime (China time)', () => {
    const l = lineOf(cleared('INV1', '20261130235959'));
    expect(schemaByName('DeclarationLine').type.isValid(l)).toBe(true);
    expect(l).toMatchObject({
      declarationKey: 'EBC0000001|5|502|5141|9610',
      period: '202611',
      invtNo: 'INV1',
      grossWeight: '0.80000',
    });
    expect(lineOf(cleared('INV1', '20261201000000')).period).toBe('202612');
    expect(declarationLineOf(cleared('INV1'), { granularity: 'DAY' })!.period).toBe('20261115');
  });

  it('has no line for an import parcel', () => {
    expect(declarationLineOf({ ...cleared('I1'), manifest: sampleImportManifest() })).toBeUndefined();
  });
});

describe('periods', () => {
  it('are China-time calendar months by default', () => {
    expect(periodOf('20261130235959')).toBe('202611');
    expect(periodOfTime(Date.UTC(2026, 10, 30, 16, 0, 0))).toBe('202612'); // 00:00 on 1 Dec in China
    expect(periodBounds('202612')).toEqual({ startTime: '20261201000000', endTime: '20270101000000' });
    expect(periodBounds('20261130')).toEqual({ startTime: '20261130000000', endTime: '20261201000000' });
    expect(previousPeriod('202701')).toBe('202612');
    expect(previousPeriod('20270101')).toBe('20261231');
    expect(() => periodOf('2026')).toThrow(RangeError);
  });

  it('the last ended period is taken in China time (UTC+8)', () => {
    // 2026-11-30 16:30 UTC is 2026-12-01 00:30 in China: November has ended there
    const t = Date.UTC(2026, 10, 30, 16, 30);
    expect(lastEndedPeriod(t)).toBe('202611');
    expect(lastEndedPeriod(t, { granularity: 'DAY' })).toBe('20261130');
    // an hour earlier it is still November 30 in China
    expect(lastEndedPeriod(t - 3_600_000)).toBe('202610');
    expect(lastEndedPeriod(t - 3_600_000, { granularity: 'DAY' })).toBe('20261129');
  });
});

describe('summary declaration decider', () => {
  it('declares a period on its close: lines by HS code, sums, list count, invtNos, FOB in CNY and rebate', () => {
    const r = given([add('INV1'), add('INV2', '20261120100000')]).when(close('202611'));
    expect(r.declarations).toHaveLength(1);
    const d = r.declarations[0];
    expect(schemaByName('SummaryDeclaration').type.isValid(d)).toBe(true);
    expect(d).toMatchObject({
      declarationKey: 'EBC0000001|5|502|5141|9610',
      period: '202611',
      sequence: 0,
      kind: 'ORIGINAL',
      startTime: '20261101000000',
      endTime: '20261201000000',
      listCount: 2,
      grossWeight: '1.60000',
      netWeight: '1.20000',
      invtNos: ['INV1', 'INV2'],
      closedAt: NOV_CLOSE_AT,
      ownerCode: null,
    });
    expect(
      d.lines.map((l) => [
        l.lineNo,
        l.gcode,
        l.qty,
        l.totalPrice,
        l.listCount,
        l.fobCny,
        l.rebateRate,
        l.rebateAmount,
      ]),
    ).toEqual([
      [1, '4202310090', '2.00000', '50.00000', 2, '355.00000', null, '0.00000'],
      [2, '6109100021', '4.00000', '79.60000', 2, '565.16000', '0.13000', '73.47080'],
    ]);
    expect(d.totalFobCny).toBe('920.16000');
    expect(d.totalRebateCny).toBe('73.47080');
    // weights allocated by value, and exactly summed
    const gross = d.lines.reduce((a, l) => a + Number(l.grossWeight) * 1e5, 0);
    expect(Math.round(gross)).toBe(160000);
    expect(r.state!.pending).toEqual({});
  });

  it('leaves later periods open, and a repeated close declares nothing more', () => {
    const r = given([add('INV1'), add('DEC1', '20261202100000')]).when(close('202611'));
    expect(r.declarations.map((d) => d.period)).toEqual(['202611']);
    expect(Object.keys(r.state!.pending)).toEqual(['202612']);
    expect(handleDeclaration(r.state, close('202611'), ctx).declarations).toEqual([]);
  });

  it('a late list goes into an amendment of its own period at the next close', () => {
    const g = given([add('INV1'), close('202611')]);
    const late = g.when(add('LATE1', '20261129100000'));
    expect(late.notes[0]).toContain('goes into an amendment');
    const dec = handleDeclaration(
      handleDeclaration(late.state, add('DEC1', '20261205100000'), ctx).state,
      close('202612', NOV_CLOSE_AT + 31 * 86400000),
      ctx,
    );
    expect(dec.declarations.map((d) => [d.period, d.kind, d.sequence, d.invtNos])).toEqual([
      ['202611', 'AMENDMENT', 1, ['LATE1']],
      ['202612', 'ORIGINAL', 0, ['DEC1']],
    ]);
    expect(dec.declarations[0].declarationNo).toBe(declarationNo('EBC0000001|5|502|5141|9610', '202611', 1));
    expect(dec.declarations[0].declarationNo).not.toBe(
      declarationNo('EBC0000001|5|502|5141|9610', '202611', 0),
    );
    // a second late list: amendment 2, flushed by re-publishing a close
    const again = handleDeclaration(
      handleDeclaration(dec.state, add('LATE2', '20261130100000'), ctx).state,
      close('202612'),
      ctx,
    );
    expect(again.declarations.map((d) => [d.kind, d.sequence, d.invtNos])).toEqual([
      ['AMENDMENT', 2, ['LATE2']],
    ]);
  });

  it('a list late into a period that closed while this key had none in it: an amendment (sequence 1), no original', () => {
    const g = given([close('202611')]);
    expect(g.state).toBeUndefined();
    // the processor has seen 202611 closed
    const afterClose = { ...ctx, closedThrough: '202611' };
    const late = handleDeclaration(g.state, add('LATE1'), afterClose);
    expect(late.notes[0]).toContain('goes into an amendment');
    const r = handleDeclaration(late.state, close('202612', NOV_CLOSE_AT + 31 * 86400000), {
      ...ctx,
      closedThrough: '202612',
    });
    expect(r.declarations.map((d) => [d.period, d.kind, d.sequence, d.invtNos])).toEqual([
      ['202611', 'AMENDMENT', 1, ['LATE1']],
    ]);
    expect(r.declarations[0].declarationNo).toBe(declarationNo('EBC0000001|5|502|5141|9610', '202611', 1));
    // a later list of that period: amendment 2
    const again = handleDeclaration(
      handleDeclaration(r.state, add('LATE2', '20261130100000'), afterClose).state,
      close('202612'),
      ctx,
    );
    expect(again.declarations.map((d) => [d.kind, d.sequence, d.invtNos])).toEqual([
      ['AMENDMENT', 2, ['LATE2']],
    ]);
  });

  it('a list of a period not closed yet (closedThrough earlier, or another granularity) is on time: the original', () => {
    for (const closedThrough of [undefined, '202610', '20261130']) {
      const r = handleDeclaration(
        handleDeclaration(undefined, add('INV1'), { ...ctx, closedThrough }).state,
        close('202611'),
        ctx,
      );
      expect(r.declarations.map((d) => [d.period, d.kind, d.sequence])).toEqual([['202611', 'ORIGINAL', 0]]);
    }
  });

  it('ignores a list it already has, before and after the close', () => {
    const g = given([add('INV1')]);
    const dup = g.when(add('INV1', undefined, undefined, 5));
    expect(dup.notes).toEqual(['list INV1 already in period 202611']);
    expect(dup.state).toEqual(g.state);
    const closed = handleDeclaration(g.state, close('202611'), ctx).state;
    expect(handleDeclaration(closed, add('INV1'), ctx).state!.pending).toEqual({});
  });

  it('simplified mode A merges on the 4-digit heading with no rebate', () => {
    const a = { statisticsFlag: 'A' };
    const r = given([add('A1', undefined, a), add('A2', undefined, a)]).when(close('202611'));
    const d = r.declarations[0];
    expect(d.statisticsFlag).toBe('A');
    expect(d.lines.map((l) => [l.gcode, l.rebateRate, l.rebateAmount])).toEqual([
      ['4202', null, '0.00000'],
      ['6109', null, '0.00000'],
    ]);
  });

  it('reports a currency with no exchange rate instead of guessing', () => {
    const r = given([add('INV1', '20261015100000')]).when(close('202610'));
    expect(r.declarations[0].totalFobCny).toBe('0.00000');
    expect(r.notes).toHaveLength(2);
    expect(r.notes[0]).toContain('no exchange rate for currency 502 in 202610');
  });

  it('replays to the same declarations, and state survives JSON', () => {
    const cmds = [add('INV1'), add('INV2'), close('202611'), add('LATE1'), close('202612')];
    const run = () =>
      cmds.reduce<{ s?: DeclarationState; out: unknown[] }>(
        (acc, c) => {
          const r = handleDeclaration(
            acc.s === undefined ? undefined : JSON.parse(JSON.stringify(acc.s)),
            c,
            ctx,
          );
          return { s: r.state, out: [...acc.out, r.declarations] };
        },
        { out: [] },
      );
    expect(JSON.stringify(run())).toBe(JSON.stringify(run()));
  });
});

describe('exact allocation', () => {
  it('splits a total by weights and always sums back', () => {
    expect(allocate(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
    expect(allocate(80000n, [3980000n, 2500000n])).toEqual([49136n, 30864n]);
    expect(allocate(5n, [0n, 0n])).toEqual([3n, 2n]);
    expect(allocate(0n, [1n])).toEqual([0n]);
  });
});
