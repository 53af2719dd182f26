/**
 * Independent recount, written from DOMAIN.md ("List release, summary declaration", "Trade
 * statistics") and the query API's documented semantics, of what the engine must have declared
 * and counted for the cleared lists of a run. Only the decimal helpers of libs/domain are used
 * (exact CEB decimals); keys, grouping, line merging, weight allocation, FOB, rebate and the
 * statistics aggregation are computed here, not by the code under test.
 */
import type { ClearedParcel, Decision, Manifest } from '@clearance/contracts';
import { decMul, decSum, formatDecimal, parseDecimal } from '@clearance/domain';

const CNY = '142';
const ZERO = '0.00000';

/** Reference data the recount needs: customs rate of a month, rebate rate of an HS code. */
export interface RecountRefs {
  /** CNY per unit of `currency` in month YYYYMM, or undefined when there is none. */
  rate(currency: string, month: string): string | undefined;
  /** The HS code's export rebate rate, or null (none). */
  rebateRate(gcode: string): string | null;
}

// ------------------------------------------------------------------------------ declarations

/**
 * One declaration per consignor, transport mode, country of arrival, exit customs and trade
 * mode (9610 never with 9710/9810); the production/sales unit when summaryFlag is 2; simplified
 * (statisticsFlag A) lists apart. The string form follows libs/domain's documented key
 * (`ebcCode|trafMode|country|portCode|tradeMode[|ownerCode][|A]`) so numbers can be compared.
 */
export function declarationKey(m: Manifest): string {
  const parts = [m.ebcCode, m.trafMode, m.country, m.portCode, m.tradeMode];
  if (m.summaryFlag === '2') parts.push(m.ownerCode);
  if (m.statisticsFlag === 'A') parts.push('A');
  return parts.join('|');
}

/** DAY period (YYYYMMDD) or MONTH period (YYYYMM) of a China-time leaveTime. */
export const periodOfLeave = (leaveTime: string, granularity: 'DAY' | 'MONTH'): string =>
  leaveTime.slice(0, granularity === 'DAY' ? 8 : 6);

/**
 * Splits `total` (scaled by 10^5) over `weights` in proportion, exactly: the shares sum to
 * `total`, the units left over go to the largest remainders (ties: the earlier item). All
 * weights zero: equal split.
 */
export function largestRemainder(total: bigint, weights: ReadonlyArray<bigint>): bigint[] {
  if (weights.length === 0) return [];
  const w = weights.every((x) => x <= 0n) ? weights.map(() => 1n) : weights.map((x) => (x > 0n ? x : 0n));
  const sum = w.reduce((a, b) => a + b, 0n);
  const shares = w.map((x) => (total * x) / sum);
  let left = total - shares.reduce((a, b) => a + b, 0n);
  const order = w
    .map((x, i) => ({ i, r: (total * x) % sum }))
    .sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of order) {
    if (left <= 0n) break;
    shares[i] += 1n;
    left -= 1n;
  }
  return shares;
}

export interface ExpectedLine {
  /** gcode, or its 4-digit heading for simplified lists. */
  gcode: string;
  unit: string;
  currency: string;
  unit1: string;
  qty: string;
  qty1: string;
  totalPrice: string;
  grossWeight: string;
  netWeight: string;
  listCount: number;
  fobCny: string;
  rebateRate: string | null;
  rebateAmount: string;
  /** The item names merged into this line. */
  gnames: Set<string>;
}

export interface ExpectedDeclaration {
  declarationKey: string;
  period: string;
  header: Pick<
    Manifest,
    | 'ebcCode'
    | 'trafMode'
    | 'country'
    | 'portCode'
    | 'tradeMode'
    | 'summaryFlag'
    | 'statisticsFlag'
    | 'customsCode'
  > & { ownerCode: string | null };
  invtNos: string[];
  listCount: number;
  grossWeight: string;
  netWeight: string;
  totalFobCny: string;
  totalRebateCny: string;
  /** Sorted by merge key (gcode|unit|currency|unit1): line numbers are positions + 1. */
  lines: ExpectedLine[];
}

/** What a declaration of `lists` (one key, one period) must contain. */
export function expectDeclaration(
  key: string,
  period: string,
  lists: ReadonlyArray<Manifest>,
  refs: RecountRefs,
): ExpectedDeclaration {
  if (lists.length === 0) throw new Error(`no list for ${key} ${period}`);
  const first = lists[0];
  const simplified = first.statisticsFlag === 'A';
  interface Acc {
    gcode: string;
    unit: string;
    currency: string;
    unit1: string;
    qty: bigint;
    qty1: bigint;
    totalPrice: bigint;
    gross: bigint;
    net: bigint;
    lists: Set<string>;
    gnames: Set<string>;
  }
  const byKey = new Map<string, Acc>();
  for (const m of lists) {
    const values = m.items.map((it) => parseDecimal(it.totalPrice));
    const gross = largestRemainder(parseDecimal(m.grossWeight), values);
    const net = largestRemainder(parseDecimal(m.netWeight), values);
    m.items.forEach((it, i) => {
      const gcode = simplified ? it.gcode.slice(0, 4) : it.gcode;
      const k = `${gcode}|${it.unit}|${it.currency}|${it.unit1}`;
      const a = byKey.get(k) ?? {
        gcode,
        unit: it.unit,
        currency: it.currency,
        unit1: it.unit1,
        qty: 0n,
        qty1: 0n,
        totalPrice: 0n,
        gross: 0n,
        net: 0n,
        lists: new Set<string>(),
        gnames: new Set<string>(),
      };
      a.qty += parseDecimal(it.qty);
      a.qty1 += parseDecimal(it.qty1);
      a.totalPrice += parseDecimal(it.totalPrice);
      a.gross += gross[i];
      a.net += net[i];
      a.lists.add(m.invtNo);
      a.gnames.add(it.gname);
      byKey.set(k, a);
    });
  }
  const month = period.slice(0, 6);
  const lines = [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, a]): ExpectedLine => {
      const totalPrice = formatDecimal(a.totalPrice);
      const rate = a.currency === CNY ? '1' : refs.rate(a.currency, month);
      const fobCny = rate === undefined ? ZERO : decMul(totalPrice, rate);
      const rebateRate = simplified ? null : refs.rebateRate(a.gcode);
      return {
        gcode: a.gcode,
        unit: a.unit,
        currency: a.currency,
        unit1: a.unit1,
        qty: formatDecimal(a.qty),
        qty1: formatDecimal(a.qty1),
        totalPrice,
        grossWeight: formatDecimal(a.gross),
        netWeight: formatDecimal(a.net),
        listCount: a.lists.size,
        fobCny,
        rebateRate: rebateRate === null ? null : formatDecimal(parseDecimal(rebateRate)),
        rebateAmount: rebateRate === null ? ZERO : decMul(fobCny, rebateRate),
        gnames: a.gnames,
      };
    });
  return {
    declarationKey: key,
    period,
    header: {
      ebcCode: first.ebcCode,
      trafMode: first.trafMode,
      country: first.country,
      portCode: first.portCode,
      tradeMode: first.tradeMode,
      summaryFlag: first.summaryFlag,
      statisticsFlag: first.statisticsFlag,
      customsCode: first.customsCode,
      ownerCode: first.summaryFlag === '2' ? first.ownerCode : null,
    },
    invtNos: lists.map((m) => m.invtNo).sort(),
    listCount: lists.length,
    grossWeight: decSum(lists.map((m) => m.grossWeight)),
    netWeight: decSum(lists.map((m) => m.netWeight)),
    totalFobCny: decSum(lines.map((l) => l.fobCny)),
    totalRebateCny: decSum(lines.map((l) => l.rebateAmount)),
    lines,
  };
}

// -------------------------------------------------------------------------------- statistics

/** The query API's dimensions and what each one is of a list (or of a goods line, or a rule). */
export const STAT_DIMENSIONS = [
  'period',
  'flow',
  'country',
  'chapter',
  'heading',
  'port',
  'trafMode',
  'tradeMode',
  'platform',
  'carrier',
  'consignor',
  'customs',
  'outcome',
  'rule',
] as const;
export type StatDimension = (typeof STAT_DIMENSIONS)[number];
export type StatBasis = 'DECIDED' | 'CLEARED';

/** One list fact: a decided list (period: China-time month of the decision) or a cleared one (month of leaveTime). */
export interface StatFact {
  basis: StatBasis;
  invtNo: string;
  period: string;
  outcome: string;
  returnStatus: string;
  ruleSetVersion: string;
  eventTime: number;
  manifest: Manifest;
  /** Rules fired (decided basis). */
  rules: Array<{ ruleId: string; kind: string; outcome: string }>;
}

/** China-time month YYYYMM of an event time. */
export const chinaMonth = (ms: number): string =>
  new Date(ms + 8 * 3_600_000).toISOString().slice(0, 7).replace('-', '');

export const decidedFact = (d: Decision): StatFact => ({
  basis: 'DECIDED',
  invtNo: d.invtNo,
  period: chinaMonth(d.decidedAt),
  outcome: d.outcome,
  returnStatus: d.returnStatus,
  ruleSetVersion: d.ruleSetVersion,
  eventTime: d.decidedAt,
  manifest: d.manifest,
  rules: d.rulesFired.map((h) => ({ ruleId: h.ruleId, kind: h.kind, outcome: h.outcome })),
});

export const clearedFact = (c: ClearedParcel, recordTimestamp: number): StatFact => ({
  basis: 'CLEARED',
  invtNo: c.invtNo,
  period: c.leaveTime.slice(0, 6),
  outcome: c.finalOutcome,
  returnStatus: c.returnStatus,
  ruleSetVersion: c.ruleSetVersion,
  eventTime: recordTimestamp,
  manifest: c.manifest,
  rules: [],
});

export interface StatTotals {
  lists: number;
  items: number;
  valueCny: string;
  grossWeight: string;
  unconvertedItems: number;
}

const listDimension = (f: StatFact, d: StatDimension): string => {
  const m = f.manifest;
  switch (d) {
    case 'period':
      return f.period;
    case 'flow':
      return m.ieFlag;
    case 'country':
      return m.country;
    case 'port':
      return m.portCode;
    case 'trafMode':
      return m.trafMode;
    case 'tradeMode':
      return m.tradeMode;
    case 'platform':
      return m.ebpCode;
    case 'carrier':
      return m.logisticsCode;
    case 'consignor':
      return m.ebcCode;
    case 'customs':
      return m.customsCode;
    case 'outcome':
      return f.outcome;
    default:
      throw new Error(`${d} is not a list dimension`);
  }
};

/**
 * Lists, goods lines, value in CNY (Σ item totalPrice × the customs rate of the period's month,
 * CNY at 1; items without a rate counted apart and left out), gross weight (once per list and
 * group), grouped by `dimensions`: a list counts in every group one of its goods lines (chapter,
 * heading) or rules fired (rule; `(none)` without) falls in. Key: the dimension values joined by '|'.
 */
export function aggregate(
  facts: ReadonlyArray<StatFact>,
  dimensions: ReadonlyArray<StatDimension>,
  refs: Pick<RecountRefs, 'rate'>,
): Map<string, StatTotals> {
  // per (list, group): items, value (scaled 10^10), unconverted
  interface PerList {
    group: string;
    items: number;
    value: bigint;
    unconverted: number;
    gross: bigint;
  }
  const perList = new Map<string, PerList>();
  for (const f of facts) {
    const rules = dimensions.includes('rule')
      ? f.rules.length > 0
        ? f.rules.map((r) => r.ruleId)
        : ['(none)']
      : [undefined];
    for (const rule of rules)
      for (const it of f.manifest.items) {
        const group = dimensions
          .map((d) =>
            d === 'chapter'
              ? it.gcode.slice(0, 2)
              : d === 'heading'
                ? it.gcode.slice(0, 4)
                : d === 'rule'
                  ? rule!
                  : listDimension(f, d),
          )
          .join('|');
        const k = `${f.invtNo}\u0000${group}`;
        const p = perList.get(k) ?? {
          group,
          items: 0,
          value: 0n,
          unconverted: 0,
          gross: parseDecimal(f.manifest.grossWeight),
        };
        p.items++;
        const rate = it.currency === CNY ? '1' : refs.rate(it.currency, f.period.slice(0, 6));
        if (rate === undefined) p.unconverted++;
        else p.value += parseDecimal(it.totalPrice) * parseDecimal(rate);
        perList.set(k, p);
      }
  }
  const groups = new Map<
    string,
    { lists: number; items: number; value: bigint; gross: bigint; unconverted: number }
  >();
  for (const p of perList.values()) {
    const g = groups.get(p.group) ?? { lists: 0, items: 0, value: 0n, gross: 0n, unconverted: 0 };
    g.lists++;
    g.items += p.items;
    g.value += p.value;
    g.gross += p.gross;
    g.unconverted += p.unconverted;
    groups.set(p.group, g);
  }
  const SCALE = 100_000n;
  // value is scaled 10^10: round half away from zero to 5 places (values are never negative)
  const round = (v: bigint) => (v + SCALE / 2n) / SCALE;
  return new Map(
    [...groups].map(([k, g]) => [
      k,
      {
        lists: g.lists,
        items: g.items,
        valueCny: formatDecimal(round(g.value)),
        grossWeight: formatDecimal(g.gross),
        unconvertedItems: g.unconverted,
      },
    ]),
  );
}
