import type { Decision, DecisionOutcome, Manifest, RuleHit, RuleSet } from '@clearance/contracts';
import { formatDecimal, parseDecimal } from '../common/decimal';
import { deterministicGuid } from '../common/ids';
import { Status } from '../common/receipts';
import type { RiskRefs } from './refs';
import { EVALUATORS, toCnyScaled, type BuyerYearState, type RuleInput, type RuleKindValue } from './rules';

/** Outcome precedence: REJECT > HOLD > INSPECT > RELEASE. */
const RANK: Record<DecisionOutcome, number> = { RELEASE: 0, INSPECT: 1, HOLD: 2, REJECT: 3 };

/** Receipt status of an outcome: 800 release, 500 inspect, 300 hold, 100 reject. */
export const OUTCOME_STATUS: Record<DecisionOutcome, string> = {
  RELEASE: Status.RELEASED,
  INSPECT: Status.INSPECT,
  HOLD: Status.HELD,
  REJECT: Status.REJECTED,
};

/** How many counted lists a buyer's yearly state remembers for idempotence. */
export const BUYER_YEAR_COUNTED_LIMIT = 500;

export interface Screening {
  outcome: DecisionOutcome;
  returnStatus: string;
  score: number;
  ruleSetVersion: string;
  rulesFired: RuleHit[];
  /**
   * Import: the buyer's yearly state after this list (the list counted unless rejected); the
   * state passed in, unchanged, for export lists or a rejection. Store it under the buyer key.
   */
  buyerYear: BuyerYearState | undefined;
  /** Import: customs value in CNY (goodsValue + freight + insuredFee); null for export or missing rate. */
  valueCny: string | null;
}

const isOutcome = (o: string): o is DecisionOutcome => o in RANK;

/** The strongest outcome among the hits (RELEASE when none). */
export const strongest = (hits: ReadonlyArray<RuleHit>): DecisionOutcome =>
  hits.reduce<DecisionOutcome>(
    (acc, h) => (isOutcome(h.outcome) && RANK[h.outcome] > RANK[acc] ? h.outcome : acc),
    'RELEASE',
  );

function importValueCny(m: Manifest, refs: RiskRefs, period: string): bigint | undefined {
  const parts = [
    toCnyScaled(m.goodsValue, m.currency, period, refs),
    toCnyScaled(m.freight, m.fCurrency, period, refs),
    toCnyScaled(m.insuredFee, m.iCurrency, period, refs),
  ];
  return parts.some((p) => p === undefined)
    ? undefined
    : parts.reduce<bigint>((a, p) => a + (p as bigint), 0n);
}

/** The buyer's total this year excluding `invtNo` (so re-screening the same list is idempotent). */
function totalBefore(state: BuyerYearState | undefined, year: string, invtNo: string): bigint {
  if (!state || state.year !== year) return 0n;
  const already = state.counted.find(([no]) => no === invtNo);
  return parseDecimal(state.totalCny) - (already ? parseDecimal(already[1]) : 0n);
}

function nextBuyerYear(
  state: BuyerYearState | undefined,
  year: string,
  invtNo: string,
  before: bigint,
  value: bigint,
): BuyerYearState {
  const counted: Array<[string, string]> = [];
  if (state && state.year === year) for (const c of state.counted) if (c[0] !== invtNo) counted.push(c);
  counted.push([invtNo, formatDecimal(value)]);
  return {
    year,
    totalCny: formatDecimal(before + value),
    counted: counted.length > BUYER_YEAR_COUNTED_LIMIT ? counted.slice(-BUYER_YEAR_COUNTED_LIMIT) : counted,
  };
}

/**
 * Screens a list against a rule set and reference data. Pure: the buyer's yearly state comes in
 * and the updated one goes out (import lists only, and only when the list is not rejected).
 */
export function screen(
  manifest: Manifest,
  refs: RiskRefs,
  ruleSet: RuleSet,
  buyerYear?: BuyerYearState,
): Screening {
  const period = manifest.ieDate.slice(0, 6);
  const year = manifest.ieDate.slice(0, 4);
  const imports = manifest.ieFlag === 'I';
  const valueCny = imports ? importValueCny(manifest, refs, period) : undefined;
  const before = imports ? totalBefore(buyerYear, year, manifest.invtNo) : 0n;
  const input: RuleInput = { manifest, refs, ruleSet, valueCny, yearTotalBefore: before, period };
  const rulesFired: RuleHit[] = [];
  for (const r of ruleSet.rules)
    if (r.enabled && r.kind in EVALUATORS)
      for (const h of EVALUATORS[r.kind as RuleKindValue](r, input)) rulesFired.push(h);
  const outcome = strongest(rulesFired);
  const counts = imports && valueCny !== undefined && outcome !== 'REJECT';
  return {
    outcome,
    returnStatus: OUTCOME_STATUS[outcome],
    score: rulesFired.reduce((a, h) => a + h.score, 0),
    ruleSetVersion: ruleSet.version,
    rulesFired,
    buyerYear: counts ? nextBuyerYear(buyerYear, year, manifest.invtNo, before, valueCny) : buyerYear,
    valueCny: valueCny === undefined ? null : formatDecimal(valueCny),
  };
}

/** The Decision record of a screening; its guid derives from the list and the rule-set version. */
export function buildDecision(manifest: Manifest, screening: Screening, decidedAt: number): Decision {
  return {
    guid: deterministicGuid('decision', manifest.guid, screening.ruleSetVersion),
    waybillKey: manifest.waybillKey,
    orderKey: manifest.orderKey,
    invtNo: manifest.invtNo,
    outcome: screening.outcome,
    returnStatus: screening.returnStatus,
    score: screening.score,
    ruleSetVersion: screening.ruleSetVersion,
    rulesFired: screening.rulesFired,
    decidedAt,
    lastDocumentTime: manifest.lastDocumentTime,
    manifest,
  };
}
