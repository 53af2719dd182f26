import { type Manifest, type RuleDefinition, type RuleHit, type RuleSet } from '@clearance/contracts';
import * as decimal from '../common/decimal';
import { hashDraw64, sha256HexOf } from '../common/ids';
import * as checks from '../matching/checks';
import type { EnterpriseRole } from '../matching/checks';
import type { RiskRefs, WatchSubjectType } from './refs';

// Bound once: swc's CommonJS output reads an imported binding through a getter at every use
// (see validate.ts); these run for every amount of every list.
const { formatDecimal, isDecimal, mulScaled, parseDecimal, SCALE } = decimal;
const { CNY, onFileAs } = checks;

/**
 * Risk rules as data: each RuleDefinition of a RuleSet names a `kind` below, whether it is
 * enabled, the outcome it asks for, the score it adds and its parameters (decimals as strings).
 */
export const RuleKind = {
  NEGATIVE_LIST_PROHIBITED: 'NEGATIVE_LIST_PROHIBITED',
  NEGATIVE_LIST_RESTRICTED: 'NEGATIVE_LIST_RESTRICTED',
  ENTERPRISE_NOT_ON_FILE: 'ENTERPRISE_NOT_ON_FILE',
  ENTERPRISE_GRADE_D: 'ENTERPRISE_GRADE_D',
  WATCHLIST: 'WATCHLIST',
  PRICE_ANOMALY: 'PRICE_ANOMALY',
  WEIGHT_ANOMALY: 'WEIGHT_ANOMALY',
  IMPORT_SINGLE_LIMIT: 'IMPORT_SINGLE_LIMIT',
  IMPORT_ANNUAL_LIMIT: 'IMPORT_ANNUAL_LIMIT',
  SAMPLING: 'SAMPLING',
} as const;
export type RuleKindValue = (typeof RuleKind)[keyof typeof RuleKind];

export const OUTCOMES = ['RELEASE', 'INSPECT', 'HOLD', 'REJECT'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A buyer's running total of import value in one calendar year (state keyed by buyer key). */
export interface BuyerYearState {
  /** Calendar year YYYY (China time, of the list's ieDate). */
  year: string;
  /** Sum of the customs values (CNY) of the buyer's lists that were not rejected this year. */
  totalCny: string;
  /** Lists already counted, [invtNo, valueCny], newest last (idempotence); capped. */
  counted: Array<[string, string]>;
}

/** What every rule sees. */
export interface RuleInput {
  manifest: Manifest;
  refs: RiskRefs;
  ruleSet: RuleSet;
  /** Import: customs value in CNY (goodsValue + freight + insuredFee), undefined when a rate is missing. */
  valueCny: bigint | undefined;
  /** Import: the buyer's total this year before this list (scaled), 0 when none. */
  yearTotalBefore: bigint;
  /** YYYYMM of the list, for exchange rates. */
  period: string;
}

type Evaluator = (rule: RuleDefinition, input: RuleInput) => RuleHit[];

const hit = (rule: RuleDefinition, reason: string, outcome: string = rule.outcome): RuleHit => ({
  ruleId: rule.ruleId,
  kind: rule.kind,
  outcome,
  score: rule.score,
  reason,
});

const param = (rule: RuleDefinition, name: string, fallback: string): string => rule.params[name] ?? fallback;
const paramScaled = (rule: RuleDefinition, name: string, fallback: string): bigint =>
  parseDecimal(param(rule, name, fallback), `${rule.ruleId}.params.${name}`);

/** Converts an amount to CNY scaled; undefined when no rate is known. */
export function toCnyScaled(
  amount: string,
  currency: string,
  period: string,
  refs: RiskRefs,
): bigint | undefined {
  const value = parseDecimal(amount);
  if (currency === CNY) return value;
  const rate = refs.exchangeRate(currency, period);
  return rate ? mulScaled(value, parseDecimal(rate.cnyPerUnit, 'cnyPerUnit')) : undefined;
}

const ALL_ROLES = 'EBP,EBC,OWNER,AGENT,PAYER,CARRIER';

/** The role of each enterprise field of a list, in the order rules report them. */
const ROLE_FIELDS: ReadonlyArray<
  readonly [EnterpriseRole, 'ebpCode' | 'ebcCode' | 'ownerCode' | 'agentCode' | 'payCode' | 'logisticsCode']
> = [
  ['EBP', 'ebpCode'],
  ['EBC', 'ebcCode'],
  ['OWNER', 'ownerCode'],
  ['AGENT', 'agentCode'],
  ['PAYER', 'payCode'],
  ['CARRIER', 'logisticsCode'],
];

/** Parsed `roles` parameters ("EBP,EBC,..."): a rule set has a handful, each list reads them. */
const roleSets = new Map<string, ReadonlySet<string>>();

function roleSet(roles: string): ReadonlySet<string> {
  let set = roleSets.get(roles);
  if (!set) {
    if (roleSets.size >= 64) roleSets.clear(); // rule sets come and go: keep the cache small
    set = new Set(roles.split(',').map((r) => r.trim()));
    roleSets.set(roles, set);
  }
  return set;
}

function enterprisesOf(m: Manifest, roles: string): Array<{ role: EnterpriseRole; code: string }> {
  const wanted = roleSet(roles);
  const out: Array<{ role: EnterpriseRole; code: string }> = [];
  for (const [role, field] of ROLE_FIELDS) {
    const code = m[field];
    if (code && wanted.has(role)) out.push({ role, code });
  }
  return out;
}

const prohibited: Evaluator = (rule, { manifest, refs }) => {
  const items = manifest.items.filter((it) => refs.commodity(it.gcode)?.control === 'PROHIBITED');
  return items.length === 0
    ? []
    : [hit(rule, `prohibited goods: ${items.map((it) => `item ${it.gnum} ${it.gcode}`).join(', ')}`)];
};

const restricted: Evaluator = (rule, { manifest, refs }) => {
  if (manifest.licenseNo) return [];
  const items = manifest.items.filter((it) => refs.commodity(it.gcode)?.control === 'RESTRICTED');
  return items.length === 0
    ? []
    : [
        hit(
          rule,
          `licence required, none declared: ${items.map((it) => `item ${it.gnum} ${it.gcode}`).join(', ')}`,
        ),
      ];
};

const notOnFile: Evaluator = (rule, { manifest, refs }) => {
  const missing = enterprisesOf(manifest, param(rule, 'roles', ALL_ROLES)).filter(
    ({ role, code }) => !onFileAs(refs.enterprise(code), role),
  );
  return missing.length === 0
    ? []
    : [hit(rule, `not on file: ${missing.map((e) => `${e.role} ${e.code}`).join(', ')}`)];
};

const gradeD: Evaluator = (rule, { manifest, refs }) => {
  const d = enterprisesOf(manifest, param(rule, 'roles', ALL_ROLES)).filter(
    ({ code }) => refs.enterprise(code)?.creditGrade === 'D',
  );
  return d.length === 0
    ? []
    : [hit(rule, `credit grade D: ${d.map((e) => `${e.role} ${e.code}`).join(', ')}`)];
};

const watchlist: Evaluator = (rule, { manifest, refs }) => {
  const hits: RuleHit[] = [];
  const check = (type: WatchSubjectType, subject: string, label: () => string): void => {
    for (const w of refs.watchlist(type, subject)) {
      const action = w.action === 'HOLD' || w.action === 'INSPECT' ? w.action : rule.outcome;
      hits.push(hit(rule, `${label()} on watchlist (${w.id}): ${w.reason}`, action));
    }
  };
  if (manifest.buyerIdHash) check('BUYER', manifest.buyerIdHash, () => 'buyer');
  if (manifest.consignee) check('CONSIGNEE', sha256HexOf(manifest.consignee), () => 'consignee');
  for (const e of enterprisesOf(manifest, ALL_ROLES))
    check('ENTERPRISE', e.code, () => `${e.role} ${e.code}`);
  return hits;
};

const priceAnomaly: Evaluator = (rule, { manifest, refs, period }) => {
  const ratio = paramScaled(rule, 'ratio', '0.3');
  const low = manifest.items.filter((it) => {
    const ref = refs.commodity(it.gcode)?.referencePrice;
    const priceCny = toCnyScaled(it.price, it.currency, period, refs);
    return !!ref && priceCny !== undefined && priceCny < mulScaled(parseDecimal(ref), ratio);
  });
  return low.length === 0
    ? []
    : [
        hit(
          rule,
          `unit price below ${formatDecimal(ratio)} × reference price: ${low.map((it) => `item ${it.gnum} ${it.gcode} at ${it.price} ${it.currency}`).join(', ')}`,
        ),
      ];
};

const weightAnomaly: Evaluator = (rule, { manifest, refs }) => {
  const tol = paramScaled(rule, 'tolerance', '0.2');
  let minNet = 0n;
  let maxGross = 0n;
  let allMax = true;
  for (const it of manifest.items) {
    const c = refs.commodity(it.gcode);
    const qty = parseDecimal(it.qty);
    if (c?.minKgPerUnit) minNet += mulScaled(qty, parseDecimal(c.minKgPerUnit));
    if (c?.maxKgPerUnit) maxGross += mulScaled(qty, parseDecimal(c.maxKgPerUnit));
    else allMax = false;
  }
  const net = parseDecimal(manifest.netWeight);
  const gross = parseDecimal(manifest.grossWeight);
  if (minNet > 0n && net < mulScaled(minNet, SCALE - tol)) {
    return [
      hit(
        rule,
        `net weight ${manifest.netWeight} kg below the plausible ${formatDecimal(minNet)} kg for the goods`,
      ),
    ];
  }
  if (allMax && manifest.items.length > 0 && gross > mulScaled(maxGross, SCALE + tol)) {
    return [
      hit(
        rule,
        `gross weight ${manifest.grossWeight} kg above the plausible ${formatDecimal(maxGross)} kg for the goods`,
      ),
    ];
  }
  return [];
};

const missingRate = (rule: RuleDefinition, m: Manifest): RuleHit[] => [
  hit(
    rule,
    `no exchange rate for ${[m.currency, m.fCurrency, m.iCurrency].filter((c) => c !== CNY).join('/')}: limit cannot be checked`,
    'HOLD',
  ),
];

const singleLimit: Evaluator = (rule, { manifest, valueCny }) => {
  if (manifest.ieFlag !== 'I') return [];
  if (valueCny === undefined) return missingRate(rule, manifest);
  const limit = paramScaled(rule, 'limitCny', '5000');
  return valueCny > limit
    ? [
        hit(
          rule,
          `value ${formatDecimal(valueCny)} CNY over the single-transaction limit ${formatDecimal(limit)} CNY`,
        ),
      ]
    : [];
};

const annualLimit: Evaluator = (rule, { manifest, valueCny, yearTotalBefore }) => {
  if (manifest.ieFlag !== 'I') return [];
  if (valueCny === undefined) return missingRate(rule, manifest);
  const limit = paramScaled(rule, 'limitCny', '26000');
  const total = yearTotalBefore + valueCny;
  return total > limit
    ? [
        hit(
          rule,
          `buyer's yearly total would be ${formatDecimal(total)} CNY, over the annual limit ${formatDecimal(limit)} CNY`,
        ),
      ]
    : [];
};

/** The credit grade that sets the sampling rate: of the enterprise in role `params.gradeOf` (default EBC). */
export function samplingGrade(m: Manifest, refs: RiskRefs, role = 'EBC'): string {
  const code = enterprisesOf(m, role)[0]?.code;
  const e = code ? refs.enterprise(code) : undefined;
  return e && e.onFile ? e.creditGrade : 'UNKNOWN';
}

const TWO_TO_64 = 2n ** 64n;

/** Deterministic sampling: sha256(case key, rule-set version) as a fraction of 2^64, below the rate. */
export function sampled(caseKey: string, version: string, rate: string): boolean {
  const draw = hashDraw64(caseKey, version);
  return draw * SCALE < parseDecimal(rate, 'sampling rate') * TWO_TO_64;
}

const sampling: Evaluator = (rule, { manifest, refs, ruleSet }) => {
  const grade = samplingGrade(manifest, refs, param(rule, 'gradeOf', 'EBC'));
  const rate = ruleSet.samplingRates[grade] ?? ruleSet.samplingRates.UNKNOWN ?? '0';
  return sampled(manifest.orderKey, ruleSet.version, rate)
    ? [hit(rule, `random inspection: grade ${grade}, rate ${rate}`)]
    : [];
};

export const EVALUATORS: Readonly<Record<RuleKindValue, Evaluator>> = {
  NEGATIVE_LIST_PROHIBITED: prohibited,
  NEGATIVE_LIST_RESTRICTED: restricted,
  ENTERPRISE_NOT_ON_FILE: notOnFile,
  ENTERPRISE_GRADE_D: gradeD,
  WATCHLIST: watchlist,
  PRICE_ANOMALY: priceAnomaly,
  WEIGHT_ANOMALY: weightAnomaly,
  IMPORT_SINGLE_LIMIT: singleLimit,
  IMPORT_ANNUAL_LIMIT: annualLimit,
  SAMPLING: sampling,
};

/** Problems of a rule set (unknown kinds, outcomes, malformed decimals); empty when usable. */
export function validateRuleSet(rs: RuleSet): string[] {
  const problems: string[] = [];
  if (!rs.version) problems.push('version is empty');
  for (const [grade, rate] of Object.entries(rs.samplingRates ?? {})) {
    if (!isDecimal(rate) || parseDecimal(rate) < 0n || parseDecimal(rate) > SCALE)
      problems.push(`samplingRates.${grade} ${JSON.stringify(rate)} must be a decimal in [0, 1]`);
  }
  const ids = new Set<string>();
  for (const r of rs.rules ?? []) {
    if (ids.has(r.ruleId)) problems.push(`rule ${r.ruleId} appears twice`);
    ids.add(r.ruleId);
    if (!(r.kind in EVALUATORS)) problems.push(`rule ${r.ruleId}: unknown kind ${r.kind}`);
    if (!(OUTCOMES as ReadonlyArray<string>).includes(r.outcome))
      problems.push(`rule ${r.ruleId}: outcome ${r.outcome} is not one of ${OUTCOMES.join(', ')}`);
    for (const [k, v] of Object.entries(r.params ?? {})) {
      if (k !== 'roles' && k !== 'gradeOf' && !isDecimal(v))
        problems.push(`rule ${r.ruleId}: param ${k} ${JSON.stringify(v)} is not a decimal`);
    }
  }
  return problems;
}
