import {
  LocalCodecs,
  Topics,
  waybillKey,
  type Decision,
  type Manifest,
  type RuleSet,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import { TestDriver, type Logger } from '@clearance/streams';
import { defaultRiskConfig } from './config';
import { exchangeRateKey, riskProcessor } from './processor';

const codecs = new LocalCodecs();
const MANIFEST = Topics.manifest.name;
const DECISION = Topics.decision.name;
const T0 = D.SAMPLE_MATCH_TIME;

/** The default rules without random sampling, under a version of our own. */
const ruleSet = (version: string, overrides: Partial<RuleSet> = {}): RuleSet => ({
  ...D.DEFAULT_RULE_SET,
  version,
  samplingRates: { AA: '0', A: '0', B: '0', D: '0', UNKNOWN: '0' },
  ...overrides,
});

function recordingLogger(lines: Array<{ level: string; msg?: string; obj: object }>): Logger {
  const logger: Logger = {
    debug: (obj, msg) => void lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
    child: () => logger,
  };
  return logger;
}

async function driver(opts: { rules?: RuleSet | null; logger?: Logger } = {}) {
  const d = new TestDriver(riskProcessor({ codecs, config: defaultRiskConfig(), logger: opts.logger }), {
    partitions: 2,
  });
  for (const e of D.sampleEnterprises()) await d.pipeGlobal('enterprises', e.code, e);
  if (opts.rules !== null) await d.pipeGlobal('ruleSets', 'active', opts.rules ?? ruleSet('test-1'));
  return d;
}
type Driver = Awaited<ReturnType<typeof driver>>;

const screen = async (d: Driver, m: Manifest, at = T0) => {
  await d.pipe(MANIFEST, m.riskKey, m, { timestamp: at });
  return (await d.readOutput(DECISION)).map((r) => ({ key: r.key, ...(r.value as Decision) }));
};
const kinds = (x: Decision) => x.rulesFired.map((h) => h.kind);

/** An import list of `value` CNY goods (no freight or insurance), with its own list number. */
const importList = (n: number, value: string): Manifest =>
  D.sampleImportManifest({
    invtNo: `5141${'2026'}I${String(n).padStart(9, '0')}`,
    guid: D.sampleGuid(`import-list-${n}`),
    goodsValue: value,
    freight: '0.00000',
    insuredFee: '0.00000',
  });

describe('risk processor', () => {
  it('releases a clean export list: a Decision keyed by waybill key, naming the rule-set version', async () => {
    const d = await driver();
    const m = D.sampleExportManifest();
    const [dec] = await screen(d, m);
    expect(dec.key).toBe(waybillKey(m));
    expect(dec.waybillKey).toBe(dec.key);
    expect(dec).toMatchObject({
      outcome: 'RELEASE',
      returnStatus: '800',
      ruleSetVersion: 'test-1',
      invtNo: m.invtNo,
    });
    expect(dec.rulesFired).toEqual([]);
    expect(dec.decidedAt).toBe(T0);
    expect(d.store('buyer-years').size).toBe(0); // export lists keep no buyer state
  });

  it('rejects a list with a prohibited item (negative list, from the commodity table)', async () => {
    const d = await driver();
    const m = D.sampleExportManifest();
    await d.pipeGlobal(
      'commodities',
      m.items[0].gcode,
      D.sampleCommodity(m.items[0].gcode, { control: 'PROHIBITED' }),
    );
    const [dec] = await screen(d, m);
    expect(dec).toMatchObject({ outcome: 'REJECT', returnStatus: '100' });
    expect(kinds(dec)).toContain('NEGATIVE_LIST_PROHIBITED');
  });

  it('holds a list whose seller is on the watchlist (entry action HOLD); inactive entries do not count', async () => {
    const d = await driver();
    const m = D.sampleExportManifest();
    const entry = {
      id: 'WL-1',
      subjectType: 'ENTERPRISE',
      subject: m.ebcCode,
      action: 'HOLD',
      reason: 'test',
      active: false,
    };
    await d.pipeGlobal('watchlist', entry.id, entry);
    expect((await screen(d, m))[0].outcome).toBe('RELEASE');
    await d.pipeGlobal('watchlist', entry.id, { ...entry, active: true });
    const [dec] = await screen(d, m, T0 + 1000);
    expect(dec).toMatchObject({ outcome: 'HOLD', returnStatus: '300' });
    expect(new Set(kinds(dec))).toEqual(new Set(['WATCHLIST'])); // once per role the seller holds
  });

  it('inspects a seller of grade D and rejects one not on file', async () => {
    const d = await driver();
    const m = D.sampleExportManifest();
    const seller = D.sampleEnterprises().find((e) => e.code === m.ebcCode)!;
    await d.pipeGlobal('enterprises', seller.code, { ...seller, creditGrade: 'D' });
    expect(kinds((await screen(d, m))[0])).toContain('ENTERPRISE_GRADE_D');
    await d.pipeGlobal('enterprises', seller.code, null);
    const [dec] = await screen(d, m, T0 + 1000);
    expect(dec.outcome).toBe('REJECT');
    expect(kinds(dec)).toContain('ENTERPRISE_NOT_ON_FILE');
  });

  it('converts foreign currencies with the exchange-rate table for the import limits', async () => {
    const d = await driver();
    const m = { ...importList(1, '800.00000'), currency: '502' };
    const [held] = await screen(d, m);
    expect(held.outcome).toBe('HOLD'); // no USD rate: the limits cannot be checked
    const period = m.ieDate.slice(0, 6);
    await d.pipeGlobal('exchangeRates', exchangeRateKey('502', period), {
      currency: '502',
      period,
      cnyPerUnit: '7.10000',
    });
    const [dec] = await screen(
      d,
      { ...m, invtNo: `${m.invtNo.slice(0, -1)}2`, guid: D.sampleGuid('usd-2') },
      T0 + 1000,
    );
    expect(dec.outcome).toBe('REJECT'); // 800 USD = 5,680 CNY > 5,000
    expect(kinds(dec)).toContain('IMPORT_SINGLE_LIMIT');
  });

  it('keeps the buyer yearly total in its store and rejects the list that would pass 26,000 CNY', async () => {
    const d = await driver();
    const outcomes: string[] = [];
    for (let i = 1; i <= 7; i++)
      outcomes.push((await screen(d, importList(i, '4000.00000'), T0 + i * 1000))[0].outcome);
    expect(outcomes).toEqual(['RELEASE', 'RELEASE', 'RELEASE', 'RELEASE', 'RELEASE', 'RELEASE', 'REJECT']);
    const m = importList(1, '4000.00000');
    const year = d.store('buyer-years').get(m.riskKey)!;
    expect(year.totalCny).toBe('24000.00000'); // the rejected list does not count
    expect(year.counted).toHaveLength(6);
    expect(m.riskKey.startsWith('buyer:')).toBe(true);

    // the same list again (a redelivery): same decision guid, counted once
    const again = await screen(d, importList(3, '4000.00000'), T0 + 9000);
    expect(again[0].outcome).toBe('RELEASE');
    expect(d.store('buyer-years').get(m.riskKey)!.totalCny).toBe('24000.00000');
  });

  it('applies a rule set published mid-run from the next list on, and names its version', async () => {
    const d = await driver({ rules: ruleSet('2026.11-1') });
    const first = await screen(d, D.sampleExportManifest());
    expect(first[0]).toMatchObject({ outcome: 'RELEASE', ruleSetVersion: '2026.11-1' });
    await d.pipeGlobal(
      'ruleSets',
      'active',
      ruleSet('2026.12-1', { samplingRates: { A: '1', UNKNOWN: '1' } }),
    );
    const second = await screen(d, D.sampleExportManifest(), T0 + 1000);
    expect(second[0]).toMatchObject({ outcome: 'INSPECT', ruleSetVersion: '2026.12-1' });
    expect(kinds(second[0])).toEqual(['SAMPLING']);
    expect(second[0].guid).not.toBe(first[0].guid); // the decision guid derives from list and version
  });

  it('screens with the domain default rule set while none is published, and says so in the log', async () => {
    const lines: Array<{ level: string; msg?: string; obj: object }> = [];
    const d = await driver({ rules: null, logger: recordingLogger(lines) });
    const [dec] = await screen(d, D.sampleExportManifest());
    expect(dec.ruleSetVersion).toBe(D.DEFAULT_RULE_SET.version);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      'no rule set published: screening with the domain default rule set',
    ]);
    await screen(d, D.sampleExportManifest(), T0 + 1000);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1); // said once, not per list
  });

  it('dead-letters a list under a key other than its riskKey, and bytes that do not decode', async () => {
    const d = await driver();
    const m = D.sampleExportManifest();
    await d.pipe(MANIFEST, 'somebody-else', m, { timestamp: T0 });
    await d.pipeRaw(MANIFEST, Buffer.from(m.riskKey), Buffer.from('not avro'), { timestamp: T0 });
    expect(await d.readOutput(DECISION)).toEqual([]);
    expect(d.readDeadLetters().map((x) => [x.kind, x.code ?? null])).toEqual([
      ['rejected', 'KEY_MISMATCH'],
      ['deserialization', null],
    ]);
  });
});
