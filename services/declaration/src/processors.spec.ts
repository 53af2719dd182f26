import {
  LocalCodecs,
  Topics,
  type ClearedParcel,
  type DeclarationLine,
  type Manifest,
  type SummaryDeclaration,
} from '@clearance/contracts';
import {
  declarationNo,
  decSum,
  periodClose,
  sampleCommodity,
  sampleExportManifest,
  sampleImportManifest,
  SAMPLE_CODES,
} from '@clearance/domain';
import { TestDriver } from '@clearance/streams';
import {
  DECLARATION_TOPICS as T,
  declarationAggregatorProcessor,
  declarationRekeyProcessor,
} from './processors';

const PARTITIONS = 3;
const NOV_CLOSE_AT = Date.UTC(2026, 11, 1, 0, 0, 0);
const DEC_CLOSE_AT = Date.UTC(2027, 0, 1, 0, 0, 0);

function cleared(invtNo: string, leaveTime: string, m: Partial<Manifest> = {}): ClearedParcel {
  const manifest = sampleExportManifest({ invtNo, logisticsNo: `LN${invtNo}`, ...m });
  return {
    waybillKey: `${manifest.logisticsCode}:LN${invtNo}`,
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

/** Re-key driver and aggregator driver wired the way Kafka would: lines piped by key. */
async function pipeline() {
  const codecs = new LocalCodecs();
  const rekey = new TestDriver(declarationRekeyProcessor({ codecs }), { partitions: PARTITIONS });
  const agg = new TestDriver(declarationAggregatorProcessor({ codecs }), { partitions: PARTITIONS });
  await agg.pipeGlobal('commodity', '6109100021', sampleCommodity('6109100021', { rebateRate: '0.13' }));
  await agg.pipeGlobal('commodity', '4202310090', sampleCommodity('4202310090'));
  for (const [period, rate] of [
    ['202611', '7.10000'],
    ['202612', '7.20000'],
  ])
    await agg.pipeGlobal('exchangeRate', `${SAMPLE_CODES.usd}:${period}`, {
      currency: SAMPLE_CODES.usd,
      period,
      cnyPerUnit: rate,
    });
  const summaries: SummaryDeclaration[] = [];
  const lines: DeclarationLine[] = [];
  return {
    rekey,
    agg,
    summaries,
    lines,
    /** A cleared parcel through re-key and into the aggregator; returns the line (if any). */
    async clear(c: ClearedParcel, timestamp: number) {
      await rekey.pipe(T.cleared, c.waybillKey, c, { timestamp });
      const out = await rekey.readOutput(T.lines);
      for (const r of out) {
        lines.push(r.value!);
        await agg.pipe(T.lines, r.key!, r.value!, { timestamp });
      }
      summaries.push(...(await drain()));
      return out.map((r) => r.value!);
    },
    /** A period close published to every partition, as the scheduler does. */
    async close(period: string, closedAt: number) {
      for (let p = 0; p < PARTITIONS; p++)
        await agg.pipe(T.periodClose, period, periodClose(period, closedAt, 'test'), {
          partition: p,
          timestamp: closedAt,
        });
      const out = await drain();
      summaries.push(...out);
      return out;
    },
  };
  async function drain() {
    return (await agg.readOutput(T.summary)).map((r) => {
      expect(r.key).toBe(r.value!.declarationKey);
      return r.value!;
    });
  }
}

// two consignors (two declaration keys, likely in different tasks), two periods, one late parcel
const OTHER = { ebcCode: 'EBC0000002', ebcName: 'Other Seller Co', ownerCode: 'EBC0000002' };
const scenario = async () => {
  const p = await pipeline();
  await p.clear(cleared('INV01', '20261105100000'), Date.UTC(2026, 10, 5));
  await p.clear(cleared('INV02', '20261120100000'), Date.UTC(2026, 10, 20));
  await p.clear(cleared('INV03', '20261121100000', OTHER), Date.UTC(2026, 10, 21));
  await p.clear(cleared('DEC01', '20261202100000'), Date.UTC(2026, 11, 2));
  const novClose = await p.close('202611', NOV_CLOSE_AT);
  // a parcel that departed in November, cleared (and so re-keyed) after November closed
  await p.clear(cleared('LATE1', '20261130230000'), NOV_CLOSE_AT + 3_600_000);
  const afterLate = [...p.summaries];
  const decClose = await p.close('202612', DEC_CLOSE_AT);
  return { p, novClose, afterLate, decClose };
};

const KEY = 'EBC0000001|5|502|5141|9610';
const KEY2 = 'EBC0000002|5|502|5141|9610';

describe('declaration re-key', () => {
  it('re-keys export parcels by declaration key and period, drops import parcels', async () => {
    const p = await pipeline();
    const [line] = await p.clear(cleared('INV01', '20261105100000'), 0);
    expect(line).toMatchObject({ declarationKey: KEY, period: '202611', invtNo: 'INV01' });
    const imp = {
      ...cleared('IMP01', '20261105100000'),
      manifest: sampleImportManifest({ invtNo: 'IMP01' }),
    };
    expect(await p.clear(imp, 0)).toEqual([]);
    expect(p.rekey.readDeadLetters()).toEqual([]);
  });

  it('keys by day with DAY granularity', async () => {
    const codecs = new LocalCodecs();
    const d = new TestDriver(declarationRekeyProcessor({ codecs, config: { granularity: 'DAY' } }));
    await d.pipe(T.cleared, 'w', cleared('INV01', '20261105100000'));
    expect((await d.readOutput(T.lines))[0].value!.period).toBe('20261105');
  });
});

describe('declaration aggregator', () => {
  it('declares each key on the close of its period, once per partition-wide close, keeps the next period open', async () => {
    const { novClose } = await scenario();
    expect(novClose.map((d) => [d.declarationKey, d.period, d.kind, d.sequence, d.invtNos])).toEqual(
      expect.arrayContaining([
        [KEY, '202611', 'ORIGINAL', 0, ['INV01', 'INV02']],
        [KEY2, '202611', 'ORIGINAL', 0, ['INV03']],
      ]),
    );
    expect(novClose).toHaveLength(2);
    expect(novClose.find((d) => d.declarationKey === KEY)!.declarationNo).toBe(
      declarationNo(KEY, '202611', 0),
    );
  });

  it('puts a parcel departing in a closed period into an amendment at the next close, never into another period', async () => {
    const { afterLate, decClose, novClose } = await scenario();
    expect(afterLate).toHaveLength(novClose.length); // the late list waits for the next close
    expect(decClose.map((d) => [d.declarationKey, d.period, d.kind, d.sequence, d.invtNos])).toEqual([
      [KEY, '202611', 'AMENDMENT', 1, ['LATE1']],
      [KEY, '202612', 'ORIGINAL', 0, ['DEC01']],
    ]);
    expect(decClose[0].declarationNo).toBe(declarationNo(KEY, '202611', 1));
  });

  it("a consignor's first parcel of a period that already closed: an amendment (sequence 1), not an original", async () => {
    const p = await pipeline();
    await p.clear(cleared('INV01', '20261105100000'), Date.UTC(2026, 10, 5));
    await p.close('202611', NOV_CLOSE_AT);
    // a third consignor, with nothing in November when it closed
    const THIRD = { ebcCode: 'EBC0000003', ebcName: 'Third Seller Co', ownerCode: 'EBC0000003' };
    await p.clear(cleared('LATE3', '20261130220000', THIRD), NOV_CLOSE_AT + 3_600_000);
    const decClose = await p.close('202612', DEC_CLOSE_AT);
    const key3 = 'EBC0000003|5|502|5141|9610';
    expect(decClose.map((d) => [d.declarationKey, d.period, d.kind, d.sequence, d.invtNos])).toEqual([
      [key3, '202611', 'AMENDMENT', 1, ['LATE3']],
    ]);
    expect(decClose[0].declarationNo).toBe(declarationNo(key3, '202611', 1));
    // and never an original for that key and period
    expect(p.summaries.filter((d) => d.declarationKey === key3 && d.sequence === 0)).toEqual([]);
  });

  it('has totals equal to the sum of its lines, and lines equal to the sum of the lists', async () => {
    const { p } = await scenario();
    for (const d of p.summaries) {
      expect(d.totalFobCny).toBe(decSum(d.lines.map((l) => l.fobCny)));
      expect(d.totalRebateCny).toBe(decSum(d.lines.map((l) => l.rebateAmount)));
      expect(d.grossWeight).toBe(decSum(d.lines.map((l) => l.grossWeight)));
      expect(d.netWeight).toBe(decSum(d.lines.map((l) => l.netWeight)));
      expect(d.listCount).toBe(d.invtNos.length);
      const lists = p.lines.filter((l) => d.invtNos.includes(l.invtNo));
      expect(lists).toHaveLength(d.listCount);
      expect(d.grossWeight).toBe(decSum(lists.map((l) => l.grossWeight)));
      const byCode = (code: string) => lists.flatMap((l) => l.items).filter((i) => i.gcode === code);
      for (const line of d.lines) {
        expect(line.totalPrice).toBe(decSum(byCode(line.gcode).map((i) => i.totalPrice)));
        expect(line.qty).toBe(decSum(byCode(line.gcode).map((i) => i.qty)));
      }
    }
    // FOB in CNY at the period's rate, rebate only where the HS code has a rate
    const nov = p.summaries.find(
      (d) => d.declarationKey === KEY && d.period === '202611' && d.sequence === 0,
    )!;
    expect(nov.lines.map((l) => [l.gcode, l.totalPrice, l.fobCny, l.rebateRate, l.rebateAmount])).toEqual([
      ['4202310090', '50.00000', '355.00000', null, '0.00000'],
      ['6109100021', '79.60000', '565.16000', '0.13000', '73.47080'],
    ]);
    const dec = p.summaries.find((d) => d.period === '202612')!;
    expect(dec.lines[1].fobCny).toBe('286.56000'); // 39.80 x 7.20
  });

  it('keeps the index store to the keys with something pending', async () => {
    const { p } = await scenario();
    expect([...p.agg.store('open').keys()]).toEqual([]);
    expect([...p.agg.store('declarations').keys()].sort()).toEqual([KEY, KEY2]);
    await p.clear(cleared('JAN01', '20270102100000'), DEC_CLOSE_AT + 1);
    expect(Object.fromEntries(p.agg.store('open'))).toEqual({ [KEY]: { periods: ['202701'] } });
  });

  it('a re-published close declares nothing twice', async () => {
    const { p } = await scenario();
    expect(await p.close('202612', DEC_CLOSE_AT + 1)).toEqual([]);
  });

  it('replays to identical declaration numbers and bytes', async () => {
    const a = await scenario();
    const b = await scenario();
    expect(b.p.summaries.map((d) => d.declarationNo)).toEqual(a.p.summaries.map((d) => d.declarationNo));
    const codecs = new LocalCodecs();
    const bytes = (ds: SummaryDeclaration[]) =>
      Promise.all(ds.map((d) => codecs.encode(Topics.summary, d).then((x) => x.toString('hex'))));
    expect(await bytes(b.p.summaries)).toEqual(await bytes(a.p.summaries));
    expect(new Set(a.p.summaries.map((d) => d.declarationNo)).size).toBe(a.p.summaries.length);
  });

  it('dead-letters a line whose record key is not its declaration key, and a malformed close', async () => {
    const p = await pipeline();
    const c = cleared('INV01', '20261105100000');
    await p.rekey.pipe(T.cleared, c.waybillKey, c);
    const [line] = await p.rekey.readOutput(T.lines);
    await p.agg.pipe(T.lines, 'wrong-key', line.value!);
    await p.agg.pipe(
      T.periodClose,
      'x',
      { ...periodClose('202611', 0, 't'), period: '2026-11' },
      { partition: 0 },
    );
    expect(p.agg.readDeadLetters().map((d) => [d.sourceTopic, d.code])).toEqual([
      [T.lines, 'KEY_MISMATCH'],
      [T.periodClose, 'INVALID_FIELD'],
    ]);
    expect(p.agg.store('declarations').size).toBe(0);
  });

  it('names the same topics as the contracts', () => {
    expect(T).toEqual({
      cleared: Topics.cleared.name,
      lines: Topics.declarationLine.name,
      periodClose: Topics.periodClose.name,
      summary: Topics.summary.name,
      commodity: Topics.commodity.name,
      exchangeRate: Topics.exchangeRate.name,
    });
  });
});
