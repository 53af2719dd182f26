import {
  LocalCodecs,
  Topics,
  departureKey,
  waybillKey,
  type ClearedParcel,
  type Decision,
  type DecisionOutcome,
  type Departure,
  type DepartureLine,
  type InspectionResult,
  type Receipt,
  type RuleHit,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import { TestDriver } from '@clearance/streams';
import { defaultLifecycleConfig } from './config';
import { departureSplitterProcessor, lifecycleProcessor, UNDECODABLE } from './processor';

const codecs = new LocalCodecs();
const config = defaultLifecycleConfig();
const T0 = D.SAMPLE_MATCH_TIME;
const HOUR = 3_600_000;
const CARRIER = D.SAMPLE_CODES.carrier;
const {
  departure: DEPARTURE,
  departureLine: LINE,
  receipt: RECEIPT,
  cleared: CLEARED,
} = {
  departure: Topics.departure.name,
  departureLine: Topics.departureLine.name,
  receipt: Topics.receipt.name,
  cleared: Topics.cleared.name,
};
const DECISION = Topics.decision.name;
const INSPECTION = Topics.inspection.name;

const codes = (r: Receipt) => r.reasons.map((x) => x.code);

function departure(logisticsNos: string[], overrides: Partial<Departure> = {}): Departure {
  return {
    guid: D.sampleGuid(`departure-${logisticsNos.join(',')}-${overrides.copNo ?? 'LJ1'}`),
    appType: '1',
    appTime: '20261111100000',
    appStatus: '2',
    customsCode: '5141',
    copNo: 'LJ1',
    preNo: null,
    logisticsCode: CARRIER,
    logisticsName: 'Carrier',
    trafMode: '5',
    trafName: 'MU',
    voyageNo: 'MU5101',
    billNo: '781-12345675',
    leaveTime: '20261111090000',
    msgCount: 1,
    msgSeqNo: 1,
    note: null,
    lines: logisticsNos.map((logisticsNo, i) => ({
      gnum: i + 1,
      totalPackageNo: null,
      logisticsNo,
      note: null,
    })),
    ...overrides,
  };
}

describe('departure splitter', () => {
  const driver = () => new TestDriver(departureSplitterProcessor({ codecs, config }), { partitions: 3 });

  it('splits a departure into one line per waybill, keyed by waybill key, and answers the carrier (2)', async () => {
    const d = driver();
    const dep = departure(['LN1', 'LN2', 'LN3']);
    await d.pipe(DEPARTURE, departureKey(dep), dep, { timestamp: T0 });
    const lines = await d.readOutput(LINE);
    expect(lines.map((l) => l.key)).toEqual([`${CARRIER}:LN1`, `${CARRIER}:LN2`, `${CARRIER}:LN3`]);
    expect(lines.every((l) => l.key === waybillKey(l.value as DepartureLine))).toBe(true);
    expect((lines[0].value as DepartureLine).leaveTime).toBe(dep.leaveTime);
    const [r] = await d.readOutput(RECEIPT);
    expect(r.key).toBe(departureKey(dep));
    expect(r.value).toMatchObject({
      participant: 'CARRIER',
      returnStatus: '2',
      docType: 'DEPARTURE',
      docGuid: dep.guid,
    });
  });

  it('leaves out a waybill listed twice and says so; the other lines go on', async () => {
    const d = driver();
    const dep = departure(['LN1', 'LN1', 'LN2']);
    await d.pipe(DEPARTURE, departureKey(dep), dep, { timestamp: T0 });
    expect((await d.readOutput(LINE)).map((l) => l.key)).toEqual([`${CARRIER}:LN1`, `${CARRIER}:LN2`]);
    const [r] = await d.readOutput(RECEIPT);
    expect((r.value as Receipt).returnStatus).toBe('2');
    expect(codes(r.value as Receipt)).toEqual(['DUPLICATE_WAYBILL_IN_DEPARTURE']);
  });

  it('rejects a departure with a bad header (100 with the reasons, no lines)', async () => {
    const d = driver();
    const dep = departure(['LN1'], { msgSeqNo: 3, msgCount: 2, leaveTime: '20261399000000' });
    await d.pipe(DEPARTURE, departureKey(dep), dep, { timestamp: T0 });
    expect(await d.readOutput(LINE)).toEqual([]);
    const [r] = await d.readOutput(RECEIPT);
    expect((r.value as Receipt).returnStatus).toBe('100');
    expect(codes(r.value as Receipt)).toEqual(['INVALID_FIELD', 'INVALID_FIELD']);
  });

  it('dead-letters undecodable bytes and answers the carrier the departure key names', async () => {
    const d = driver();
    await d.pipeRaw(DEPARTURE, Buffer.from(`${CARRIER}:LJ9`), Buffer.from('<CEB509Message/>'), {
      timestamp: T0,
    });
    await d.pipeRaw(DEPARTURE, null, Buffer.from('no key either'), { timestamp: T0 });
    expect(d.readDeadLetters().map((x) => x.kind)).toEqual(['deserialization', 'deserialization']);
    const rs = await d.readOutput(RECEIPT);
    expect(rs).toHaveLength(1);
    expect(rs[0].value).toMatchObject({
      participant: 'CARRIER',
      participantCode: CARRIER,
      returnStatus: '100',
      caseKey: `${CARRIER}:LJ9`,
    });
    expect(codes(rs[0].value as Receipt)).toEqual([UNDECODABLE]);
  });
});

describe('lifecycle processor', () => {
  const driver = () => new TestDriver(lifecycleProcessor({ codecs, config }), { partitions: 3 });
  type Driver = ReturnType<typeof driver>;

  /** A decision for parcel n (its own waybill number) with the given outcome. */
  function decision(n: number, outcome: DecisionOutcome, rulesFired: RuleHit[] = []): Decision {
    const manifest = D.sampleExportManifest({
      logisticsNo: `LN${n}`,
      waybillKey: `${CARRIER}:LN${n}`,
      invtNo: `51412026E00000000${n}`.slice(0, 18),
      guid: D.sampleGuid(`list-${n}`),
    });
    const screening: D.Screening = {
      outcome,
      returnStatus: D.OUTCOME_STATUS[outcome],
      score: 0,
      ruleSetVersion: 'test-1',
      rulesFired,
      buyerYear: undefined,
      valueCny: null,
    };
    return D.buildDecision(manifest, screening, T0);
  }
  const hit = (kind: string, outcome: string): RuleHit => ({
    ruleId: kind,
    kind,
    outcome,
    score: 10,
    reason: kind.toLowerCase(),
  });
  const inspection = (
    n: number,
    outcome: 'PASS' | 'SEIZE' | 'RETURN',
    detentionCode: string | null = null,
  ): InspectionResult => ({
    guid: D.sampleGuid(`inspection-${n}-${outcome}`),
    logisticsCode: CARRIER,
    logisticsNo: `LN${n}`,
    outcome,
    detentionCode,
    officer: 'OFF001',
    inspectedAt: '20261110140000',
    note: null,
  });
  const line = (n: number, copNo = 'LJ1'): DepartureLine => ({
    departureGuid: D.sampleGuid(`dep-${copNo}`),
    appType: '1',
    copNo,
    customsCode: '5141',
    logisticsCode: CARRIER,
    logisticsNo: `LN${n}`,
    trafMode: '5',
    voyageNo: 'MU5101',
    billNo: null,
    leaveTime: '20261111090000',
  });
  const key = (n: number) => `${CARRIER}:LN${n}`;

  const receipts = async (d: Driver) =>
    (await d.readOutput(RECEIPT)).map((r) => ({ key: r.key, ...(r.value as Receipt) }));
  const statuses = async (d: Driver) => (await receipts(d)).map((r) => `${r.participant}:${r.returnStatus}`);
  const cleared = async (d: Driver) =>
    (await d.readOutput(CLEARED)).map((r) => ({ key: r.key, c: r.value as ClearedParcel }));

  it('releases (800 to platform, seller, carrier) and clears on departure (899 and the ClearedParcel)', async () => {
    const d = driver();
    const dec = decision(1, 'RELEASE');
    await d.pipe(DECISION, dec.waybillKey, dec, { timestamp: T0 });
    const rs = await receipts(d);
    expect(rs.map((r) => `${r.participant}:${r.returnStatus}`)).toEqual([
      'EBP:800',
      'EBC:800',
      'CARRIER:800',
    ]);
    expect(rs.every((r) => r.key === dec.orderKey && r.invtNo === dec.invtNo)).toBe(true);

    await d.pipe(LINE, key(1), line(1), { timestamp: T0 + 3 * HOUR });
    expect(await statuses(d)).toEqual(['EBP:899', 'EBC:899', 'CARRIER:899']);
    const cs = await cleared(d);
    expect(cs).toHaveLength(1);
    expect(cs[0].key).toBe(key(1));
    expect(cs[0].c.waybillKey).toBe(key(1));
    expect(cs[0].c).toMatchObject({ invtNo: dec.invtNo, finalOutcome: 'RELEASE' });
    expect(d.store('parcels').get(key(1))?.status).toBe('CLEARED');
  });

  it('orders inspection (500); PASS releases (800) and the departure clears it', async () => {
    const d = driver();
    const dec = decision(2, 'INSPECT', [hit('PRICE_ANOMALY', 'INSPECT')]);
    await d.pipe(DECISION, dec.waybillKey, dec, { timestamp: T0 });
    const rs = await receipts(d);
    expect(rs.map((r) => r.returnStatus)).toEqual(['500', '500', '500']);
    expect(codes(rs[0])).toEqual(['PRICE_ANOMALY']);
    await d.pipe(INSPECTION, key(2), inspection(2, 'PASS'), { timestamp: T0 + HOUR });
    expect(await statuses(d)).toEqual(['EBP:800', 'EBC:800', 'CARRIER:800']);
    await d.pipe(LINE, key(2), line(2), { timestamp: T0 + 2 * HOUR });
    expect(await statuses(d)).toEqual(['EBP:899', 'EBC:899', 'CARRIER:899']);
    expect((await cleared(d))[0].c.finalOutcome).toBe('PASS');
  });

  it('detains a seized parcel (501) and reports its departure as not released', async () => {
    const d = driver();
    const dec = decision(3, 'INSPECT');
    await d.pipe(DECISION, dec.waybillKey, dec, { timestamp: T0 });
    await receipts(d);
    await d.pipe(INSPECTION, key(3), inspection(3, 'SEIZE', '501'), { timestamp: T0 + HOUR });
    expect(await statuses(d)).toEqual(['EBP:501', 'EBC:501', 'CARRIER:501']);
    await d.pipe(LINE, key(3), line(3), { timestamp: T0 + 2 * HOUR });
    const [r] = await receipts(d);
    expect(r).toMatchObject({ participant: 'CARRIER', returnStatus: '100' });
    expect(codes(r)).toEqual(['DEPARTED_NOT_RELEASED']);
    expect(await cleared(d)).toEqual([]);
  });

  it('returns a parcel (700); a hold (300) goes on with the officer review', async () => {
    const d = driver();
    const ret = decision(4, 'INSPECT');
    await d.pipe(DECISION, ret.waybillKey, ret, { timestamp: T0 });
    await d.pipe(INSPECTION, key(4), inspection(4, 'RETURN'), { timestamp: T0 + HOUR });
    expect((await statuses(d)).slice(3)).toEqual(['EBP:700', 'EBC:700', 'CARRIER:700']);

    const hold = decision(5, 'HOLD', [hit('WATCHLIST', 'HOLD')]);
    await d.pipe(DECISION, hold.waybillKey, hold, { timestamp: T0 });
    expect(await statuses(d)).toEqual(['EBP:300', 'EBC:300', 'CARRIER:300']);
    await d.pipe(INSPECTION, key(5), inspection(5, 'PASS'), { timestamp: T0 + HOUR });
    expect(await statuses(d)).toEqual(['EBP:800', 'EBC:800', 'CARRIER:800']);
  });

  it('rejects (100 with the rules that asked for it, import limits as negative codes)', async () => {
    const d = driver();
    const dec = decision(6, 'REJECT', [hit('IMPORT_SINGLE_LIMIT', 'REJECT'), hit('SAMPLING', 'INSPECT')]);
    await d.pipe(DECISION, dec.waybillKey, dec, { timestamp: T0 });
    const rs = await receipts(d);
    expect(rs.map((r) => r.returnStatus)).toEqual(['100', '100', '100']);
    expect(codes(rs[0])).toEqual(['-201']);
  });

  it('keeps a departure that comes before the decision and clears the parcel once released', async () => {
    const d = driver();
    await d.pipe(LINE, key(7), line(7), { timestamp: T0 });
    const [kept] = await receipts(d);
    expect(kept).toMatchObject({ participant: 'CARRIER', returnStatus: '2', key: key(7) });
    expect(codes(kept)).toEqual(['DEPARTURE_UNKNOWN_WAYBILL']);
    const dec = decision(7, 'RELEASE');
    await d.pipe(DECISION, dec.waybillKey, dec, { timestamp: T0 + HOUR });
    expect(await statuses(d)).toEqual([
      'EBP:800',
      'EBC:800',
      'CARRIER:800',
      'EBP:899',
      'EBC:899',
      'CARRIER:899',
    ]);
    expect(await cleared(d)).toHaveLength(1);
  });

  it('refuses an inspection result for a parcel not under inspection (100 to the officer)', async () => {
    const d = driver();
    const dec = decision(8, 'RELEASE');
    await d.pipe(DECISION, dec.waybillKey, dec, { timestamp: T0 });
    await receipts(d);
    await d.pipe(INSPECTION, key(8), inspection(8, 'SEIZE', '502'), { timestamp: T0 + HOUR });
    const [r] = await receipts(d);
    expect(r).toMatchObject({ participant: 'OFFICER', participantCode: 'OFF001', returnStatus: '100' });
    expect(codes(r)).toEqual(['INSPECTION_NOT_EXPECTED']);
  });

  it('ignores a repeated decision, inspection result or departure (same guid)', async () => {
    const d = driver();
    const dec = decision(9, 'INSPECT');
    await d.pipe(DECISION, dec.waybillKey, dec, { timestamp: T0 });
    await d.pipe(INSPECTION, key(9), inspection(9, 'PASS'), { timestamp: T0 + HOUR });
    await d.pipe(LINE, key(9), line(9), { timestamp: T0 + 2 * HOUR });
    expect(await receipts(d)).toHaveLength(9);
    await d.pipe(DECISION, dec.waybillKey, dec, { timestamp: T0 + 3 * HOUR });
    await d.pipe(INSPECTION, key(9), inspection(9, 'PASS'), { timestamp: T0 + 3 * HOUR });
    await d.pipe(LINE, key(9), line(9), { timestamp: T0 + 3 * HOUR });
    expect(await receipts(d)).toEqual([]);
    expect(await d.readOutput(CLEARED)).toHaveLength(1);
  });

  it('dead-letters an inspection result under another key (100 KEY_MISMATCH to the officer) and undecodable bytes', async () => {
    const d = driver();
    await d.pipe(INSPECTION, key(99), inspection(10, 'PASS'), { timestamp: T0 });
    await d.pipeRaw(INSPECTION, Buffer.from(key(10)), Buffer.from('garbage'), { timestamp: T0 });
    expect(d.readDeadLetters().map((x) => [x.kind, x.code ?? null])).toEqual([
      ['rejected', 'KEY_MISMATCH'],
      ['deserialization', null],
    ]);
    const rs = await receipts(d);
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ participant: 'OFFICER', returnStatus: '100', key: key(10) });
    expect(codes(rs[0])).toEqual(['KEY_MISMATCH']);
    expect(d.store('parcels').size).toBe(0);
  });

  it('forgets a parcel its retention after its last event; a later departure for it is answered as for an unknown waybill', async () => {
    const DAY = 24 * HOUR;
    const base = defaultLifecycleConfig();
    const cfg = { ...base, lifecycle: { ...base.lifecycle, retentionMs: 10 * DAY, timerResolutionMs: HOUR } };
    const d = new TestDriver(lifecycleProcessor({ codecs, config: cfg }), { partitions: 3 });
    await d.pipe(DECISION, key(1), decision(1, 'RELEASE'), { timestamp: T0 });
    await d.pipe(DECISION, key(2), decision(2, 'INSPECT'), { timestamp: T0 });
    await d.pipe(INSPECTION, key(2), inspection(2, 'PASS'), { timestamp: T0 + 5 * DAY });
    await d.readOutput(RECEIPT);

    await d.advanceStreamTime(T0 + 10 * DAY + 2 * HOUR);
    expect(d.store('parcels').has(key(1))).toBe(false); // released, never departed: forgotten
    expect(d.store('parcels').get(key(2))?.status).toBe('RELEASED'); // its last event was later

    await d.pipe(LINE, key(1), line(1), { timestamp: T0 + 10 * DAY + 3 * HOUR });
    const late = await receipts(d);
    expect(late.map((r) => r.participant)).toEqual(['CARRIER']);
    expect(late[0].key).toBe(key(1));
    expect(d.store('parcels').get(key(1))?.pendingDeparture).not.toBeNull();

    await d.advanceStreamTime(T0 + 15 * DAY + 2 * HOUR);
    expect(d.store('parcels').has(key(2))).toBe(false);
    expect(d.store('parcels').has(key(1))).toBe(true); // the late departure's own retention runs
  });
});
