import type { DeclarationLine, DeclarationLineItem, SummaryDeclarationLine } from '@clearance/contracts';
import { formatDecimal, mulScaled, parseDecimal } from '../common/decimal';
import { CNY } from '../matching/checks';
import type { RiskRefs } from '../risk/refs';

/**
 * Accumulation of the cleared lists of one declaration key and period, JSON-serialisable
 * (decimals as strings). Goods lines merge on (HS code — 10 digits, or the 4-digit heading in
 * simplified mode A — declared unit, currency, legal unit): for a 10-digit code the legal unit is
 * fixed, so this is DOMAIN.md's rule; for headings it keeps different legal units from being summed.
 */

export type DeclarationHeader = Pick<
  DeclarationLine,
  | 'ebcCode'
  | 'ebcName'
  | 'ownerCode'
  | 'summaryFlag'
  | 'statisticsFlag'
  | 'tradeMode'
  | 'trafMode'
  | 'country'
  | 'portCode'
  | 'customsCode'
>;

export interface AccumulatedLine {
  gcode: string;
  gname: string;
  unit: string;
  unit1: string;
  currency: string;
  qty: string;
  qty1: string;
  totalPrice: string;
  grossWeight: string;
  netWeight: string;
  listCount: number;
}

export interface PeriodAccumulation {
  period: string;
  header: DeclarationHeader;
  invtNos: string[];
  grossWeight: string;
  netWeight: string;
  /** Sorted by merge key, so line numbers do not depend on arrival order. */
  lines: AccumulatedLine[];
}

const d = (v: string): bigint => parseDecimal(v);
const f = (v: bigint): string => formatDecimal(v);

export const mergeCode = (gcode: string, statisticsFlag: string): string =>
  statisticsFlag === 'A' ? gcode.slice(0, 4) : gcode;
const mergeKey = (l: Pick<AccumulatedLine, 'gcode' | 'unit' | 'currency' | 'unit1'>): string =>
  `${l.gcode}|${l.unit}|${l.currency}|${l.unit1}`;

/**
 * Splits `total` (scaled) over `weights` in proportion, exactly: shares sum to `total`, the
 * leftover 0.00001 units going to the largest remainders (ties: earlier first). Equal split when
 * all weights are zero.
 */
export function allocate(total: bigint, weights: ReadonlyArray<bigint>): bigint[] {
  if (weights.length === 0) return [];
  const w = weights.every((x) => x <= 0n) ? weights.map(() => 1n) : weights.map((x) => (x > 0n ? x : 0n));
  const sum = w.reduce((a, b) => a + b, 0n);
  const shares = w.map((x) => (total * x) / sum);
  const remainders = w.map((x, i) => ({ i, r: (total * x) % sum }));
  let left = total - shares.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left <= 0n) break;
    shares[i] += 1n;
    left -= 1n;
  }
  return shares;
}

/** The goods lines one list contributes, merged within the list, with its weights allocated by value. */
function contributions(line: DeclarationLine): AccumulatedLine[] {
  const items: DeclarationLineItem[] = line.items;
  const values = items.map((it) => d(it.totalPrice));
  const gross = allocate(d(line.grossWeight), values);
  const net = allocate(d(line.netWeight), values);
  const byKey = new Map<string, AccumulatedLine>();
  items.forEach((it, i) => {
    const c: AccumulatedLine = {
      gcode: mergeCode(it.gcode, line.statisticsFlag),
      gname: it.gname,
      unit: it.unit,
      unit1: it.unit1,
      currency: it.currency,
      qty: it.qty,
      qty1: it.qty1,
      totalPrice: it.totalPrice,
      grossWeight: f(gross[i]),
      netWeight: f(net[i]),
      listCount: 1,
    };
    const prev = byKey.get(mergeKey(c));
    byKey.set(mergeKey(c), prev ? { ...merge(prev, c), listCount: 1 } : c);
  });
  return [...byKey.values()];
}

function merge(a: AccumulatedLine, b: AccumulatedLine): AccumulatedLine {
  return {
    ...a,
    qty: f(d(a.qty) + d(b.qty)),
    qty1: f(d(a.qty1) + d(b.qty1)),
    totalPrice: f(d(a.totalPrice) + d(b.totalPrice)),
    grossWeight: f(d(a.grossWeight) + d(b.grossWeight)),
    netWeight: f(d(a.netWeight) + d(b.netWeight)),
    listCount: a.listCount + b.listCount,
  };
}

export const headerOf = (l: DeclarationLine): DeclarationHeader => ({
  ebcCode: l.ebcCode,
  ebcName: l.ebcName,
  ownerCode: l.ownerCode,
  summaryFlag: l.summaryFlag,
  statisticsFlag: l.statisticsFlag,
  tradeMode: l.tradeMode,
  trafMode: l.trafMode,
  country: l.country,
  portCode: l.portCode,
  customsCode: l.customsCode,
});

/** Adds one cleared list to a period's accumulation. */
export function addToPeriod(acc: PeriodAccumulation | undefined, line: DeclarationLine): PeriodAccumulation {
  const base: PeriodAccumulation = acc ?? {
    period: line.period,
    header: headerOf(line),
    invtNos: [],
    grossWeight: '0.00000',
    netWeight: '0.00000',
    lines: [],
  };
  const byKey = new Map(base.lines.map((l) => [mergeKey(l), l]));
  for (const c of contributions(line)) {
    const prev = byKey.get(mergeKey(c));
    byKey.set(mergeKey(c), prev ? merge(prev, c) : c);
  }
  return {
    ...base,
    invtNos: [...base.invtNos, line.invtNo],
    grossWeight: f(d(base.grossWeight) + d(line.grossWeight)),
    netWeight: f(d(base.netWeight) + d(line.netWeight)),
    lines: [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, l]) => l),
  };
}

export type RebateRefs = Pick<RiskRefs, 'commodity' | 'exchangeRate'>;

/**
 * Summary lines with FOB in CNY (customs rate of the period's month) and export tax rebate
 * (FOB CNY × the HS code's rebate rate; none in simplified mode or without a rate). A currency
 * with no rate gives FOB 0 and a problem, so the gap is visible rather than guessed.
 */
export function summaryLines(
  acc: PeriodAccumulation,
  refs: RebateRefs,
): { lines: SummaryDeclarationLine[]; problems: string[] } {
  const month = acc.period.slice(0, 6);
  const problems: string[] = [];
  const lines = acc.lines.map((l, i): SummaryDeclarationLine => {
    const rate = l.currency === CNY ? '1' : refs.exchangeRate(l.currency, month)?.cnyPerUnit;
    if (rate === undefined)
      problems.push(
        `no exchange rate for currency ${l.currency} in ${month}: line ${i + 1} (${l.gcode}) FOB in CNY left at 0`,
      );
    const fobCny = rate === undefined ? 0n : mulScaled(d(l.totalPrice), d(rate));
    const rebateRate =
      acc.header.statisticsFlag === 'A' ? null : (refs.commodity(l.gcode)?.rebateRate ?? null);
    const rebate = rebateRate === null ? 0n : mulScaled(fobCny, d(rebateRate));
    return {
      lineNo: i + 1,
      gcode: l.gcode,
      gname: l.gname,
      unit: l.unit,
      currency: l.currency,
      qty: l.qty,
      unit1: l.unit1,
      qty1: l.qty1,
      totalPrice: l.totalPrice,
      grossWeight: l.grossWeight,
      netWeight: l.netWeight,
      listCount: l.listCount,
      fobCny: f(fobCny),
      rebateRate: rebateRate === null ? null : f(d(rebateRate)),
      rebateAmount: f(rebate),
    };
  });
  return { lines, problems };
}
