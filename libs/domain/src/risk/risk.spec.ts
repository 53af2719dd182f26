import {
  schemaByName,
  sha256Hex,
  type Commodity,
  type Enterprise,
  type Manifest,
  type RuleSet,
  type WatchlistEntry,
} from '@clearance/contracts';
import {
  sampleCommodity,
  sampleEnterprise,
  sampleEnterprises,
  sampleExportManifest,
  sampleImportManifest,
  SAMPLE_CODES,
} from '../testing/samples';
import { DEFAULT_RULE_SET } from './default-rule-set';
import { riskRefsFrom, type RiskRefData } from './refs';
import { sampled, samplingGrade, validateRuleSet, type BuyerYearState } from './rules';
import { buildDecision, screen, strongest } from './screen';

/** The default rules with no random sampling, so each test sees only the rule it provokes. */
const NO_SAMPLING: RuleSet = {
  ...DEFAULT_RULE_SET,
  samplingRates: { AA: '0', A: '0', B: '0', D: '0', UNKNOWN: '0' },
};
const USD_RATE = { currency: SAMPLE_CODES.usd, period: '202611', cnyPerUnit: '7.10000' };

function refs(extra: RiskRefData = {}) {
  return riskRefsFrom({
    enterprises: extra.enterprises ?? sampleEnterprises(),
    commodities: extra.commodities ?? [],
    watchlist: extra.watchlist ?? [],
    exchangeRates: extra.exchangeRates ?? [USD_RATE],
  });
}

const kinds = (m: Manifest, data: RiskRefData = {}, rs: RuleSet = NO_SAMPLING, year?: BuyerYearState) => {
  const s = screen(m, refs(data), rs, year);
  return { outcome: s.outcome, status: s.returnStatus, fired: s.rulesFired.map((h) => h.kind), s };
};
const withCommodity = (gcode: string, c: Partial<Commodity>) => ({
  commodities: [sampleCommodity(gcode, c)],
});
const gradeOf = (code: string, roles: string[], grade: Enterprise['creditGrade']) => [
  ...sampleEnterprises().filter((e) => e.code !== code),
  sampleEnterprise(code, roles, { creditGrade: grade }),
];

describe('risk screening: outcomes', () => {
  it('releases a clean list (800), recording the rule-set version', () => {
    const r = kinds(sampleExportManifest());
    expect(r).toMatchObject({ outcome: 'RELEASE', status: '800', fired: [] });
    expect(r.s.ruleSetVersion).toBe('default-2026.1');
    expect(r.s.score).toBe(0);
  });

  it('negative list: prohibited goods are rejected (100)', () => {
    expect(
      kinds(sampleExportManifest(), withCommodity('6109100021', { control: 'PROHIBITED' })),
    ).toMatchObject({ outcome: 'REJECT', status: '100', fired: ['NEGATIVE_LIST_PROHIBITED'] });
  });

  it('negative list: restricted goods without a licence are inspected, with one released', () => {
    const data = withCommodity('4202310090', { control: 'RESTRICTED' });
    expect(kinds(sampleExportManifest(), data)).toMatchObject({
      outcome: 'INSPECT',
      status: '500',
      fired: ['NEGATIVE_LIST_RESTRICTED'],
    });
    expect(kinds(sampleExportManifest({ licenseNo: 'LIC-1' }), data).outcome).toBe('RELEASE');
  });

  it('enterprise not on file is rejected; grade D is inspected', () => {
    const without = sampleEnterprises().filter((e) => e.code !== SAMPLE_CODES.carrier);
    expect(kinds(sampleExportManifest(), { enterprises: without })).toMatchObject({
      outcome: 'REJECT',
      fired: ['ENTERPRISE_NOT_ON_FILE'],
    });
    expect(
      kinds(sampleExportManifest(), { enterprises: gradeOf(SAMPLE_CODES.ebc, ['EBC'], 'D') }),
    ).toMatchObject({ outcome: 'INSPECT', fired: ['ENTERPRISE_GRADE_D'] });
  });

  it('watchlist: buyer (sha256 of id), consignee (sha256 of name) and enterprise, with the entry action', () => {
    const m = sampleImportManifest();
    const entry = (
      id: string,
      subjectType: string,
      subject: string,
      action: string,
      active = true,
    ): WatchlistEntry => ({ id, subjectType, subject, action, reason: 'tip-off', active });
    const buyer = entry('W1', 'BUYER', m.buyerIdHash!, 'HOLD');
    expect(kinds(m, { watchlist: [buyer] })).toMatchObject({
      outcome: 'HOLD',
      status: '300',
      fired: ['WATCHLIST'],
    });
    expect(
      kinds(m, { watchlist: [entry('W2', 'CONSIGNEE', sha256Hex('Zhang San'), 'INSPECT')] }),
    ).toMatchObject({ outcome: 'INSPECT', fired: ['WATCHLIST'] });
    expect(
      kinds(m, { watchlist: [entry('W3', 'ENTERPRISE', SAMPLE_CODES.carrier, 'INSPECT')] }).s.rulesFired[0]
        .reason,
    ).toContain('CARRIER LOG0000001 on watchlist (W3)');
    expect(kinds(m, { watchlist: [{ ...buyer, active: false }] }).outcome).toBe('RELEASE');
  });

  it('price anomaly: unit price (converted to CNY) far below the reference price', () => {
    // 19.90 USD × 7.1 = 141.29 CNY; 0.3 × 500 = 150 > 141.29
    expect(
      kinds(sampleExportManifest(), withCommodity('6109100021', { referencePrice: '500' })),
    ).toMatchObject({ outcome: 'INSPECT', fired: ['PRICE_ANOMALY'] });
    expect(
      kinds(sampleExportManifest(), withCommodity('6109100021', { referencePrice: '400' })).fired,
    ).toEqual([]);
    // no rate for the currency: the price cannot be judged and the rule stays quiet
    expect(
      kinds(sampleExportManifest(), {
        ...withCommodity('6109100021', { referencePrice: '500' }),
        exchangeRates: [],
      }).fired,
    ).toEqual([]);
  });

  it('weight anomaly: net weight below the goods minimum or gross above the maximum (±20 %)', () => {
    const bounds = {
      commodities: [
        sampleCommodity('6109100021', { minKgPerUnit: '0.20000', maxKgPerUnit: '0.40000' }),
        sampleCommodity('4202310090', { minKgPerUnit: '0.10000', maxKgPerUnit: '0.30000' }),
      ],
    };
    // min net 0.5 kg (×0.8 = 0.4), max gross 1.1 kg (×1.2 = 1.32)
    expect(kinds(sampleExportManifest(), bounds).fired).toEqual([]);
    expect(kinds(sampleExportManifest({ netWeight: '0.39999' }), bounds)).toMatchObject({
      outcome: 'INSPECT',
      fired: ['WEIGHT_ANOMALY'],
    });
    expect(kinds(sampleExportManifest({ grossWeight: '1.32001' }), bounds)).toMatchObject({
      outcome: 'INSPECT',
      fired: ['WEIGHT_ANOMALY'],
    });
  });

  it('precedence REJECT > HOLD > INSPECT > RELEASE, scores add up', () => {
    const hit = (outcome: string) => ({ ruleId: outcome, kind: 'X', outcome, score: 1, reason: '' });
    expect(strongest([hit('INSPECT'), hit('REJECT'), hit('HOLD')])).toBe('REJECT');
    expect(strongest([hit('INSPECT'), hit('HOLD')])).toBe('HOLD');
    expect(strongest([hit('RELEASE')])).toBe('RELEASE');
    const r = kinds(sampleExportManifest({ licenseNo: null }), {
      commodities: [
        sampleCommodity('6109100021', { control: 'PROHIBITED' }),
        sampleCommodity('4202310090', { control: 'RESTRICTED' }),
      ],
    });
    expect(r).toMatchObject({
      outcome: 'REJECT',
      fired: ['NEGATIVE_LIST_PROHIBITED', 'NEGATIVE_LIST_RESTRICTED'],
    });
    expect(r.s.score).toBe(140);
  });

  it('ignores disabled rules', () => {
    const rs = {
      ...NO_SAMPLING,
      rules: NO_SAMPLING.rules.map((r) => ({ ...r, enabled: r.kind !== 'NEGATIVE_LIST_PROHIBITED' })),
    };
    expect(
      kinds(sampleExportManifest(), withCommodity('6109100021', { control: 'PROHIBITED' }), rs).outcome,
    ).toBe('RELEASE');
  });
});

describe('risk screening: import limits and the buyer year', () => {
  const m = (goodsValue: string, extra: Partial<Manifest> = {}) =>
    sampleImportManifest({ goodsValue, freight: '0.00000', insuredFee: '0.00000', ...extra });

  it('rejects over 5,000 CNY per transaction (customs value = goods + freight + insurance)', () => {
    expect(kinds(m('5000.00000')).outcome).toBe('RELEASE');
    expect(kinds(m('4990.00000', { freight: '10.00001' }))).toMatchObject({
      outcome: 'REJECT',
      fired: ['IMPORT_SINGLE_LIMIT'],
    });
  });

  it('counts the list into the buyer year unless rejected', () => {
    const first = screen(m('3000.00000', { invtNo: 'A' }), refs(), NO_SAMPLING);
    expect(first.buyerYear).toEqual({ year: '2026', totalCny: '3000.00000', counted: [['A', '3000.00000']] });
    const second = screen(m('1000.00000', { invtNo: 'B' }), refs(), NO_SAMPLING, first.buyerYear);
    expect(second.buyerYear!.totalCny).toBe('4000.00000');
    const rejected = screen(m('6000.00000', { invtNo: 'C' }), refs(), NO_SAMPLING, second.buyerYear);
    expect(rejected.outcome).toBe('REJECT');
    expect(rejected.buyerYear).toBe(second.buyerYear);
  });

  it('rejects over 26,000 CNY per buyer per calendar year, and starts afresh in a new year', () => {
    const year: BuyerYearState = { year: '2026', totalCny: '25900.00000', counted: [] };
    const over = kinds(m('100.00001'), {}, NO_SAMPLING, year);
    expect(over).toMatchObject({ outcome: 'REJECT', fired: ['IMPORT_ANNUAL_LIMIT'] });
    expect(over.s.buyerYear).toBe(year);
    expect(kinds(m('100.00000'), {}, NO_SAMPLING, year).outcome).toBe('RELEASE');
    const nextYear = kinds(m('100.00001', { ieDate: '20270102' }), {}, NO_SAMPLING, year);
    expect(nextYear.outcome).toBe('RELEASE');
    expect(nextYear.s.buyerYear).toMatchObject({ year: '2027', totalCny: '100.00001' });
  });

  it('is idempotent when the same list is screened again', () => {
    const once = screen(m('3000.00000', { invtNo: 'A' }), refs(), NO_SAMPLING);
    const twice = screen(m('3000.00000', { invtNo: 'A' }), refs(), NO_SAMPLING, once.buyerYear);
    expect(twice.buyerYear).toEqual(once.buyerYear);
  });

  it('remembers the newest 500 counted lists, a re-screened list moved to the end', () => {
    const counted = Array.from({ length: 500 }, (_, i): [string, string] => [`L${i}`, '0.00001']);
    const full: BuyerYearState = { year: '2026', totalCny: '0.00500', counted };
    const added = screen(m('1.00000', { invtNo: 'NEW' }), refs(), NO_SAMPLING, full).buyerYear!;
    expect(added.counted).toEqual([...counted.slice(1), ['NEW', '1.00000']]);
    expect(added.totalCny).toBe('1.00500');
    const again = screen(m('2.00000', { invtNo: 'L7' }), refs(), NO_SAMPLING, full).buyerYear!;
    expect(again.counted).toEqual([...counted.filter(([no]) => no !== 'L7'), ['L7', '2.00000']]);
    expect(again.totalCny).toBe('2.00499');
  });

  it('reads the roles parameter of a rule with spaces around the commas', () => {
    const rs: RuleSet = {
      ...NO_SAMPLING,
      rules: NO_SAMPLING.rules.map((r) =>
        r.kind === 'ENTERPRISE_GRADE_D' ? { ...r, params: { roles: ' EBP , CARRIER ' } } : r,
      ),
    };
    const carrierD = gradeOf(SAMPLE_CODES.carrier, ['CARRIER'], 'D');
    expect(kinds(m('1.00000'), { enterprises: carrierD }, rs).fired).toEqual(['ENTERPRISE_GRADE_D']);
    const payerD = gradeOf(SAMPLE_CODES.payer, ['PAYER'], 'D');
    expect(kinds(m('1.00000'), { enterprises: payerD }, rs).fired).toEqual([]);
  });

  it('holds an import list whose currency has no exchange rate (limits cannot be checked)', () => {
    const r = kinds(m('100.00000', { currency: SAMPLE_CODES.usd }), { exchangeRates: [] });
    expect(r).toMatchObject({ outcome: 'HOLD', fired: ['IMPORT_SINGLE_LIMIT', 'IMPORT_ANNUAL_LIMIT'] });
    expect(r.s.buyerYear).toBeUndefined();
  });

  it('does not apply import limits or touch the buyer year for export lists', () => {
    const r = kinds(sampleExportManifest({ goodsValue: '99999.00000' }));
    expect(r.fired).toEqual([]);
    expect(r.s.buyerYear).toBeUndefined();
  });
});

describe('risk screening: deterministic sampling', () => {
  it('samples by hash(case key, rule-set version) against the rate', () => {
    const keys = Array.from({ length: 20000 }, (_, i) => `EBP:${i}`);
    const hits = keys.filter((k) => sampled(k, 'v1', '0.03')).length;
    expect(hits).toBeGreaterThan(20000 * 0.03 * 0.8);
    expect(hits).toBeLessThan(20000 * 0.03 * 1.2);
    expect(keys.filter((k) => sampled(k, 'v1', '0.03'))).toEqual(
      keys.filter((k) => sampled(k, 'v1', '0.03')),
    );
    expect(keys.some((k) => sampled(k, 'v1', '0'))).toBe(false);
    expect(keys.every((k) => sampled(k, 'v1', '1'))).toBe(true);
  });

  it('the grade of the seller sets the rate (D: 100 %)', () => {
    const enterprises = gradeOf(SAMPLE_CODES.ebc, ['EBC'], 'D');
    expect(samplingGrade(sampleExportManifest(), refs({ enterprises }))).toBe('D');
    const rs = { ...NO_SAMPLING, samplingRates: { ...NO_SAMPLING.samplingRates, D: '1' } };
    expect(kinds(sampleExportManifest(), { enterprises }, rs).fired).toEqual([
      'ENTERPRISE_GRADE_D',
      'SAMPLING',
    ]);
    expect(samplingGrade(sampleExportManifest(), refs({ enterprises: [] }))).toBe('UNKNOWN');
  });
});

describe('rule sets and decisions', () => {
  it('the default rule set is valid and covers every rule kind', () => {
    expect(validateRuleSet(DEFAULT_RULE_SET)).toEqual([]);
    expect(schemaByName('RuleSet').type.isValid(DEFAULT_RULE_SET)).toBe(true);
    expect(new Set(DEFAULT_RULE_SET.rules.map((r) => r.kind)).size).toBe(10);
  });

  it('reports problems of a rule set', () => {
    const bad: RuleSet = {
      ...DEFAULT_RULE_SET,
      samplingRates: { A: '2' },
      rules: [
        { ruleId: 'X', kind: 'NOPE', enabled: true, outcome: 'MAYBE', score: 0, params: { ratio: 'abc' } },
        { ruleId: 'X', kind: 'SAMPLING', enabled: true, outcome: 'INSPECT', score: 0, params: {} },
      ],
    };
    expect(validateRuleSet(bad)).toEqual([
      'samplingRates.A "2" must be a decimal in [0, 1]',
      'rule X: unknown kind NOPE',
      'rule X: outcome MAYBE is not one of RELEASE, INSPECT, HOLD, REJECT',
      'rule X: param ratio "abc" is not a decimal',
      'rule X appears twice',
    ]);
  });

  it('builds a schema-valid decision with a guid derived from list and rule-set version', () => {
    const manifest = sampleExportManifest();
    const s = screen(manifest, refs(), NO_SAMPLING);
    const d = buildDecision(manifest, s, 1_800_000_000_000);
    expect(schemaByName('Decision').type.isValid(d)).toBe(true);
    expect(d).toMatchObject({
      outcome: 'RELEASE',
      returnStatus: '800',
      waybillKey: manifest.waybillKey,
      decidedAt: 1_800_000_000_000,
      lastDocumentTime: manifest.lastDocumentTime,
    });
    expect(buildDecision(manifest, s, 1).guid).toBe(d.guid);
    expect(buildDecision(manifest, { ...s, ruleSetVersion: 'v2' }, 1).guid).not.toBe(d.guid);
  });
});

describe('risk reference lookups over plain lists', () => {
  it('index the active watchlist entries by subject type and subject, in list order', () => {
    const entry = (id: string, subjectType: string, subject: string, active = true): WatchlistEntry => ({
      id,
      subjectType,
      subject,
      action: 'INSPECT',
      reason: id,
      active,
    });
    const list = [
      entry('W1', 'BUYER', 'h1'),
      entry('W2', 'ENTERPRISE', 'h1'),
      entry('W3', 'BUYER', 'h1', false),
      entry('W4', 'BUYER', 'h1'),
      entry('W5', 'CONSIGNEE', 'h2'),
    ];
    const r = riskRefsFrom({ watchlist: list });
    expect(r.watchlist('BUYER', 'h1').map((w) => w.id)).toEqual(['W1', 'W4']);
    expect(r.watchlist('ENTERPRISE', 'h1').map((w) => w.id)).toEqual(['W2']);
    expect(r.watchlist('CONSIGNEE', 'h2').map((w) => w.id)).toEqual(['W5']);
    expect(r.watchlist('CONSIGNEE', 'h1')).toEqual([]);
    expect(r.watchlist('BUYER', 'h2')).toEqual([]);
    expect(riskRefsFrom({}).watchlist('BUYER', 'h1')).toEqual([]);
    expect(riskRefsFrom({}).enterprise('X')).toBeUndefined();
    expect(riskRefsFrom({ exchangeRates: [USD_RATE] }).exchangeRate(USD_RATE.currency, '202611')).toBe(
      USD_RATE,
    );
  });
});
