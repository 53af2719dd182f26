import {
  schemaByName,
  type Decision,
  type DecisionOutcome,
  type DepartureLine,
  type InspectionResult,
  type RuleHit,
} from '@clearance/contracts';
import { sampleExportManifest, sampleGuid, SAMPLE_CODES } from '../testing/samples';
import { buildDecision } from '../risk/screen';
import {
  detentionStatus,
  handleLifecycle,
  lifecycleExpiry,
  type LifecycleCommand,
  type LifecycleResult,
  type LifecycleState,
} from './decider';

const T = Date.UTC(2026, 10, 11, 0, 0, 0);
const manifest = sampleExportManifest();
const WB = manifest.waybillKey;

function decision(outcome: DecisionOutcome, rulesFired: RuleHit[] = []): Decision {
  const status = { RELEASE: '800', INSPECT: '500', HOLD: '300', REJECT: '100' }[outcome];
  return buildDecision(
    manifest,
    {
      outcome,
      returnStatus: status,
      score: 0,
      ruleSetVersion: 'v1',
      rulesFired,
      buyerYear: undefined,
      valueCny: null,
    },
    T,
  );
}
const decided = (outcome: DecisionOutcome, rulesFired: RuleHit[] = [], at = T): LifecycleCommand => ({
  type: 'DecisionReceived',
  decision: decision(outcome, rulesFired),
  at,
});
const inspected = (
  outcome: InspectionResult['outcome'],
  detentionCode: string | null = null,
  name = 'insp-1',
  at = T + 1000,
): LifecycleCommand => ({
  type: 'InspectionReceived',
  result: {
    guid: sampleGuid(name),
    logisticsCode: SAMPLE_CODES.carrier,
    logisticsNo: 'LN000001',
    outcome,
    detentionCode,
    officer: 'OFF-7',
    inspectedAt: '20261111090000',
    note: null,
  },
  at,
});
const line = (name = 'dep-1', overrides: Partial<DepartureLine> = {}): DepartureLine => ({
  departureGuid: sampleGuid(name),
  appType: '1',
  copNo: `COP-${name}`,
  customsCode: '5141',
  logisticsCode: SAMPLE_CODES.carrier,
  logisticsNo: 'LN000001',
  trafMode: '5',
  voyageNo: 'CA987',
  billNo: null,
  leaveTime: '20261112100000',
  ...overrides,
});
const departed = (
  name = 'dep-1',
  overrides: Partial<DepartureLine> = {},
  at = T + 2000,
): LifecycleCommand => ({ type: 'DepartureReceived', line: line(name, overrides), at });

function given(cmds: LifecycleCommand[]): {
  state: LifecycleState | undefined;
  when: (c: LifecycleCommand) => LifecycleResult;
} {
  const state = cmds.reduce<LifecycleState | undefined>((s, c) => handleLifecycle(s, c).state, undefined);
  return { state, when: (c) => handleLifecycle(state, c) };
}
const statuses = (r: LifecycleResult) => r.receipts.map((x) => `${x.participant}:${x.returnStatus}`);
const codes = (r: LifecycleResult) => r.receipts.flatMap((x) => x.reasons.map((y) => y.code));
const PARTIES = (status: string) => [`EBP:${status}`, `EBC:${status}`, `CARRIER:${status}`];

describe('lifecycle: decisions', () => {
  it.each<[DecisionOutcome, string, string]>([
    ['RELEASE', '800', 'RELEASED'],
    ['INSPECT', '500', 'INSPECTING'],
    ['HOLD', '300', 'HELD'],
    ['REJECT', '100', 'REJECTED'],
  ])('%s: receipts %s to platform, seller and carrier', (outcome, status, state) => {
    const r = given([]).when(decided(outcome));
    expect(statuses(r)).toEqual(PARTIES(status));
    expect(r.state.status).toBe(state);
    expect(r.receipts[0]).toMatchObject({
      caseKey: manifest.orderKey,
      invtNo: manifest.invtNo,
      docType: 'LIST',
      logisticsNo: 'LN000001',
    });
    r.receipts.forEach((x) => expect(schemaByName('Receipt').type.isValid(x)).toBe(true));
  });

  it("four-document mode: the filed list's filer gets the decision's code too, about the list it filed", () => {
    const filed = { guid: sampleGuid('filed-list'), agentCode: 'AGT0000001', copNo: 'AGT-REF-1' };
    const d = { ...decision('RELEASE'), manifest: { ...manifest, filedList: filed } };
    const r = given([]).when({ type: 'DecisionReceived', decision: d, at: T });
    expect(statuses(r)).toEqual([...PARTIES('800'), 'EBC:800']);
    expect(r.receipts[3]).toMatchObject({
      participantCode: 'AGT0000001',
      docType: 'LIST',
      docGuid: filed.guid,
      invtNo: manifest.invtNo,
      returnStatus: '800',
    });
    r.receipts.forEach((x) => expect(schemaByName('Receipt').type.isValid(x)).toBe(true));
  });

  it('four-document mode: a seller filing its own list gets one receipt, about its filed list', () => {
    const filed = { guid: sampleGuid('filed-list'), agentCode: manifest.ebcCode, copNo: 'OWN-REF-1' };
    const d = { ...decision('REJECT'), manifest: { ...manifest, filedList: filed } };
    const r = given([]).when({ type: 'DecisionReceived', decision: d, at: T });
    expect(statuses(r)).toEqual(PARTIES('100'));
    expect(r.receipts[1]).toMatchObject({ participantCode: manifest.ebcCode, docGuid: filed.guid });
  });

  it('a rejection carries the rules that asked for it, import limits as negative business codes', () => {
    const hits: RuleHit[] = [
      { ruleId: 'IMPORT-ANNUAL', kind: 'IMPORT_ANNUAL_LIMIT', outcome: 'REJECT', score: 100, reason: 'over' },
      { ruleId: 'SAMPLING', kind: 'SAMPLING', outcome: 'INSPECT', score: 0, reason: 'random' },
    ];
    const r = given([]).when(decided('REJECT', hits));
    expect(codes(r)).toEqual(['-202', '-202', '-202']);
    expect(r.state.manifest).toBeNull(); // final: the list is not kept
  });

  it('ignores a repeated decision, and notes a conflicting second one', () => {
    const g = given([decided('RELEASE')]);
    expect(g.when(decided('RELEASE', [], T + 5)).receipts).toEqual([]);
    const other = { ...decision('REJECT'), guid: sampleGuid('other-decision') };
    const r = g.when({ type: 'DecisionReceived', decision: other, at: T + 5 });
    expect(r.receipts).toEqual([]);
    expect(r.notes[0]).toContain('already decided RELEASE');
    expect(r.state.status).toBe('RELEASED');
  });
});

describe('lifecycle: inspection', () => {
  it('PASS releases (800)', () => {
    const r = given([decided('INSPECT')]).when(inspected('PASS'));
    expect(statuses(r)).toEqual(PARTIES('800'));
    expect(r.state).toMatchObject({ status: 'RELEASED', finalOutcome: 'PASS' });
  });

  it('SEIZE detains with the detention code, 599 by default', () => {
    expect(statuses(given([decided('INSPECT')]).when(inspected('SEIZE', '502')))).toEqual(PARTIES('502'));
    const r = given([decided('INSPECT')]).when(inspected('SEIZE'));
    expect(statuses(r)).toEqual(PARTIES('599'));
    expect(r.state.status).toBe('SEIZED');
    expect(detentionStatus('777')).toMatchObject({
      status: '599',
      reasons: [{ code: 'INVALID_DETENTION_CODE' }],
    });
  });

  it('RETURN sends back (700)', () => {
    const r = given([decided('INSPECT')]).when(inspected('RETURN'));
    expect(statuses(r)).toEqual(PARTIES('700'));
    expect(r.state).toMatchObject({ status: 'RETURNED', manifest: null });
  });

  it('an officer result concludes a hold like an inspection', () => {
    expect(given([decided('HOLD')]).when(inspected('PASS')).state.status).toBe('RELEASED');
  });

  it('a result for a parcel not under inspection is refused to the officer', () => {
    const r = given([decided('RELEASE')]).when(inspected('SEIZE'));
    expect(statuses(r)).toEqual(['OFFICER:100']);
    expect(codes(r)).toEqual(['INSPECTION_NOT_EXPECTED']);
    expect(r.state.status).toBe('RELEASED');
  });

  it('a result before the decision waits for it', () => {
    const g = given([inspected('PASS')]);
    expect(g.state).toMatchObject({ status: 'AWAITING_DECISION', pendingInspection: { outcome: 'PASS' } });
    const r = g.when(decided('INSPECT', [], T + 3000));
    expect(statuses(r)).toEqual([...PARTIES('500'), ...PARTIES('800')]);
    expect(r.state.pendingInspection).toBeNull();
  });

  it('ignores a repeated inspection result', () => {
    expect(
      given([decided('INSPECT'), inspected('PASS')]).when(inspected('PASS', null, 'insp-1', T + 9000))
        .receipts,
    ).toEqual([]);
  });
});

describe('lifecycle: departure and clearance', () => {
  it('RELEASE + departure clears (899) and publishes the cleared parcel', () => {
    const r = given([decided('RELEASE')]).when(departed());
    expect(statuses(r)).toEqual(PARTIES('899'));
    expect(r.cleared).toHaveLength(1);
    const c = r.cleared[0];
    expect(c).toMatchObject({
      waybillKey: WB,
      orderKey: manifest.orderKey,
      invtNo: manifest.invtNo,
      finalOutcome: 'RELEASE',
      ruleSetVersion: 'v1',
      leaveTime: '20261112100000',
      departureCopNo: 'COP-dep-1',
      voyageNo: 'CA987',
      returnStatus: '899',
    });
    expect(schemaByName('ClearedParcel').type.isValid(c)).toBe(true);
    expect(r.state).toMatchObject({
      status: 'CLEARED',
      manifest: null,
      departedWith: { copNo: 'COP-dep-1' },
    });
  });

  it('PASS + departure clears with finalOutcome PASS', () => {
    const r = given([decided('INSPECT'), inspected('PASS')]).when(departed());
    expect(r.cleared[0].finalOutcome).toBe('PASS');
  });

  it('a departure before the decision waits, reported to the carrier, then clears on release', () => {
    const g = given([departed()]);
    expect(g.state).toMatchObject({ status: 'AWAITING_DECISION', pendingDeparture: { copNo: 'COP-dep-1' } });
    const first = handleLifecycle(undefined, departed());
    expect(statuses(first)).toEqual(['CARRIER:2']);
    expect(codes(first)).toEqual(['DEPARTURE_UNKNOWN_WAYBILL']);
    expect(first.receipts[0].caseKey).toBe(WB);
    const r = g.when(decided('RELEASE', [], T + 5000));
    expect(statuses(r)).toEqual([...PARTIES('800'), ...PARTIES('899')]);
    expect(r.cleared).toHaveLength(1);
  });

  it('a departure during inspection waits, and clears after PASS', () => {
    const g = given([decided('INSPECT'), departed()]);
    expect(g.state!.pendingDeparture).not.toBeNull();
    const r = g.when(inspected('PASS', null, 'insp-1', T + 9000));
    expect(statuses(r)).toEqual([...PARTIES('800'), ...PARTIES('899')]);
  });

  it('a pending departure of a parcel later seized is reported as departed without release', () => {
    const r = given([decided('INSPECT'), departed()]).when(inspected('SEIZE', '501', 'insp-1', T + 9000));
    expect(statuses(r)).toEqual([...PARTIES('501'), 'CARRIER:100']);
    expect(codes(r)).toEqual(['DEPARTED_NOT_RELEASED']);
    expect(r.state.pendingDeparture).toBeNull();
  });

  it.each<[string, LifecycleCommand[]]>([
    ['rejected', [decided('REJECT')]],
    ['seized', [decided('INSPECT'), inspected('SEIZE')]],
    ['returned', [decided('INSPECT'), inspected('RETURN')]],
  ])('a departure of a %s parcel is reported to the carrier (100), never dropped', (_n, cmds) => {
    const r = given(cmds).when(departed());
    expect(statuses(r)).toEqual(['CARRIER:100']);
    expect(codes(r)).toEqual(['DEPARTED_NOT_RELEASED']);
    expect(r.cleared).toEqual([]);
  });

  it('a departure of a held parcel is reported and kept until released', () => {
    const r = given([decided('HOLD')]).when(departed());
    expect(statuses(r)).toEqual(['CARRIER:2']);
    expect(codes(r)).toEqual(['DEPARTURE_BEFORE_RELEASE']);
    expect(r.state.pendingDeparture).not.toBeNull();
  });

  it('a repeated departure is idempotent; a second departure after clearance is reported', () => {
    const g = given([decided('RELEASE'), departed()]);
    expect(g.when(departed('dep-1', {}, T + 7000)).receipts).toEqual([]);
    const r = g.when(departed('dep-2'));
    expect(codes(r)).toEqual(['DEPARTURE_AFTER_CLEARANCE']);
    expect(r.cleared).toEqual([]);
  });

  it('a deletion withdraws a pending departure', () => {
    const g = given([departed()]);
    const r = g.when(departed('dep-1-del', { appType: '3', copNo: 'COP-dep-1' }));
    expect(codes(r)).toEqual(['DEPARTURE_WITHDRAWN']);
    expect(r.state.pendingDeparture).toBeNull();
    expect(handleLifecycle(r.state, decided('RELEASE')).cleared).toEqual([]);
  });

  it('state survives JSON and replays identically', () => {
    const cmds = [departed(), decided('INSPECT'), inspected('PASS')];
    const run = () =>
      cmds.reduce<{ s?: LifecycleState; out: unknown[] }>(
        (acc, c) => {
          const r = handleLifecycle(acc.s === undefined ? undefined : JSON.parse(JSON.stringify(acc.s)), c);
          return { s: r.state, out: [...acc.out, r.receipts, r.cleared] };
        },
        { out: [] },
      );
    expect(JSON.stringify(run())).toBe(JSON.stringify(run()));
  });
});

describe('lifecycle: retention', () => {
  const DAY = 24 * 3600 * 1000;

  it('a state expires its retention after its last event, whatever its status', () => {
    const released = given([decided('RELEASE', [], T)]).state;
    expect(lifecycleExpiry(released, 180 * DAY)).toBe(T + 180 * DAY);
    const cleared = given([decided('RELEASE', [], T), departed('dep-1', {}, T + 5 * DAY)]).state;
    expect(cleared!.status).toBe('CLEARED');
    expect(lifecycleExpiry(cleared, 180 * DAY)).toBe(T + 185 * DAY);
  });

  it('a duplicate changes nothing, so it does not extend the retention', () => {
    const g = given([decided('RELEASE', [], T)]);
    const r = g.when(decided('RELEASE', [], T + 30 * DAY));
    expect(r.events).toEqual([]);
    expect(lifecycleExpiry(r.state, DAY)).toBe(T + DAY);
  });

  it('a state written before the last event was kept has no expiry until its next event', () => {
    const old = { ...given([decided('INSPECT', [], T)]).state! };
    delete old.lastEventAt;
    expect(lifecycleExpiry(old, DAY)).toBeUndefined();
    expect(
      lifecycleExpiry(handleLifecycle(old, inspected('PASS', null, 'insp-1', T + 2 * DAY)).state, DAY),
    ).toBe(T + 3 * DAY);
  });
});
