import { departureKey, schemaByName, Topics, waybillKey } from '@clearance/contracts';
import { departures, inspectionResult, plausibleInspection, type ReleasedWaybill } from './departures';
import { inEventTimeOrder, parcels } from './event-order';
import { chinaTime14, chinaWallToMs } from './format';
import { MAX_LEAD_MS, ParcelGenerator, REALISTIC_ERRORS } from './generator';
import { GUID_PATTERN } from './ids';

const START = chinaWallToMs(2026, 11, 20, 9);
const exported = (n: number): ReleasedWaybill[] =>
  new ParcelGenerator({ seed: 5, startTime: START, mix: { importShare: 0 } })
    .take(n)
    .map((p) => ({ waybill: p.waybill, releasedAt: p.expected.decidedAt! + 60_000 }));

describe('departures (CEB509)', () => {
  const released = exported(3000);
  const deps = departures(released, { maxLinesPerMessage: 200 });

  it('one departure per carrier and flight/voyage/train/truck, every released waybill on exactly one', () => {
    const seen = new Map<string, string>();
    for (const d of deps) {
      expect(schemaByName('Departure').type.isValid(d.value)).toBe(true);
      expect(d.topic).toBe(Topics.departure.name);
      expect(d.key).toBe(departureKey(d.value));
      expect(d.value.guid).toMatch(GUID_PATTERN);
      expect(d.value.lines.length).toBeLessThanOrEqual(200);
      d.value.lines.forEach((l, i) => expect(l.gnum).toBe(i + 1));
      for (const l of d.value.lines) {
        const k = waybillKey({ logisticsCode: d.value.logisticsCode, logisticsNo: l.logisticsNo });
        expect(seen.has(k)).toBe(false);
        seen.set(k, d.value.copNo);
      }
    }
    expect(seen.size).toBe(released.length);
    for (const r of released) {
      const d = deps.find((x) => x.value.copNo === seen.get(waybillKey(r.waybill)))!;
      expect([d.value.logisticsCode, d.value.voyageNo, d.value.billNo, d.value.trafMode]).toEqual([
        r.waybill.logisticsCode,
        r.waybill.voyageNo,
        r.waybill.billNo,
        r.waybill.trafMode,
      ]);
      expect(d.leaveAt).toBeGreaterThan(r.releasedAt);
      expect(d.value.leaveTime).toBe(chinaTime14(d.leaveAt));
      expect(d.timestamp).toBeGreaterThan(d.leaveAt);
      expect(d.value.appTime).toBe(chinaTime14(d.timestamp));
    }
    expect(deps.length).toBeLessThan(released.length / 5);
  });

  it('splits large departures into numbered messages sharing the copNo', () => {
    const big = departures(released, { maxLinesPerMessage: 5 });
    const byCop = new Map<string, number[]>();
    for (const d of big) byCop.set(d.key, [...(byCop.get(d.key) ?? []), d.value.msgSeqNo]);
    const split = [...byCop.entries()].filter(([, seqs]) => seqs.length > 1);
    expect(split.length).toBeGreaterThan(0);
    for (const [key, seqs] of split) {
      const count = big.find((d) => d.key === key)!.value.msgCount;
      expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    }
    const ts = big.map((d) => d.timestamp);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });

  it('is deterministic and honours a given leave time', () => {
    expect(JSON.stringify(departures(released))).toEqual(JSON.stringify(departures(released)));
    const at = START + 86_400_000;
    const fixed = departures(released.slice(0, 10), { leaveTime: () => at, reportDelayMs: () => 0 });
    for (const d of fixed) expect([d.leaveAt, d.timestamp]).toEqual([at, at]);
  });
});

describe('inspectionResult', () => {
  const w = { logisticsCode: '3301966L02', logisticsNo: 'YC1234567000000001' };

  it('produces a valid result, stable for the same input', () => {
    const at = START + 7_200_000;
    const pass = inspectionResult(w, 'PASS', { at });
    expect(schemaByName('InspectionResult').type.isValid(pass)).toBe(true);
    expect(pass).toMatchObject({
      outcome: 'PASS',
      detentionCode: null,
      inspectedAt: chinaTime14(at),
      logisticsNo: w.logisticsNo,
    });
    expect(pass.guid).toMatch(GUID_PATTERN);
    expect(inspectionResult(w, 'PASS', { at })).toEqual(pass);
    expect(inspectionResult(w, 'SEIZE', { at }).detentionCode).toBe('501');
    expect(
      inspectionResult(w, 'SEIZE', { at, detentionCode: '502', officer: 'HG000001', note: null }),
    ).toMatchObject({
      detentionCode: '502',
      officer: 'HG000001',
      note: null,
    });
    expect(() => inspectionResult(w, 'RETURN', { at, detentionCode: '503' })).toThrow();
    expect(plausibleInspection({ scenario: 'RESTRICTED_NO_LICENCE' }).outcome).toBe('RETURN');
    expect(plausibleInspection({ scenario: 'NONE' }).outcome).toBe('PASS');
  });
});

describe('inEventTimeOrder', () => {
  it('yields every send exactly once, in timestamp order', () => {
    const n = 2000;
    const gen = new ParcelGenerator({
      seed: 8,
      startTime: START,
      errors: REALISTIC_ERRORS,
      ratePerSecondOfEventTime: 200,
    });
    const expected = new ParcelGenerator({
      seed: 8,
      startTime: START,
      errors: REALISTIC_ERRORS,
      ratePerSecondOfEventTime: 200,
    })
      .take(n)
      .reduce((s, p) => s + p.sends.length, 0);
    let last = -Infinity;
    let count = 0;
    for (const { send, parcel } of inEventTimeOrder(parcels(gen, n))) {
      expect(send.timestamp).toBeGreaterThanOrEqual(last);
      expect(send.timestamp).toBeGreaterThanOrEqual(parcel.startedAt - MAX_LEAD_MS);
      last = send.timestamp;
      count++;
    }
    expect(count).toBe(expected);
  });
});
