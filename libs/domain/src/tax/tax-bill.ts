import type { Commodity, Manifest, Reason, TaxBill, TaxBillItem, TaxBillStatus } from '@clearance/contracts';
import {
  decimalProblem,
  formatDecimal,
  isDecimal,
  normalizeDecimal,
  parseDecimal,
  SCALE,
  ZERO,
} from '../common/decimal';
import { deterministicGuid } from '../common/ids';
import { reason, ReasonCode as R } from '../common/reasons';

/**
 * The retail import tax bill of a list (DOMAIN.md "Import (beyond export)"; 财关税〔2016〕18号,
 * 〔2018〕49号; the role of the CEB816 electronic tax bill).
 *
 * Within the limits the duty is 0 and VAT and consumption tax are due at 70 % of the statutory
 * amount. Per item, with V its customs value, c its consumption-tax rate (ad valorem; 0 when the
 * commodity has none) and v its VAT rate, both from the commodity reference data:
 *
 *   consumption tax = V × c / (1 − c) × 70 %
 *   VAT             = (V + V × c / (1 − c)) × v × 70 %  =  V × v / (1 − c) × 70 %
 *
 * Money is never a float. Amounts are CEB decimals (bigint × 10^5); the taxes are computed as
 * exact fractions of those (rates are CEB decimals too), so nothing is rounded before the end:
 * - **customs value** of an item = its totalPrice + its share of freight + insurance, by the
 *   items' share of the total price, each share rounded down to 0.00001 and the last item taking
 *   the remainder (so the shares add up to freight + insurance exactly and none is negative);
 * - **per list** ("rounded to 2 decimals (fen) per tax per list"): each tax kind is summed
 *   exactly over the items, then rounded half-up to fen: those are the bill's totals;
 * - **per item** (display): each item's tax is its exact amount rounded to fen so that the items
 *   add up to the list's total: rounded down, the fen left over going to the largest remainders
 *   (ties: the earlier item). Each figure is within 1 fen of the exact amount.
 *
 * Currency: 142 (CNY) throughout.
 */

/** Currency of import amounts and of the tax bill: 142 (CNY). */
export const TAX_CURRENCY = '142';

/** Share of the statutory amount due within the retail import limits: 70 %, as 7 / 10. */
const DUE_NUMERATOR = 7n;
const DUE_DENOMINATOR = 10n;
/** One fen in scaled units (10^5 / 100). */
const FEN = 1000n;
/** Tolerance on the declared taxTotal, per tax kind that applies: 0.01 CNY. */
export const TAX_TOLERANCE_PER_KIND = '0.01000';

/** One item of the list as the bill needs it (a ManifestItem or an OrderItem fits). */
export interface TaxBillInputItem {
  gnum: number;
  gcode: string;
  /** CEB decimal, CNY. */
  totalPrice: string;
  currency: string;
}

/** What the bill is computed from: a Manifest fits (freight from the order, insuredFee from the waybill). */
export interface TaxBillInput {
  items: ReadonlyArray<TaxBillInputItem>;
  /** Freight not included in the goods price (CEB decimal, CNY). */
  freight: string;
  /** Insurance (CEB decimal, CNY). */
  insuredFee: string;
}

/** The bill of a list: per item and in total, every amount a CEB decimal ("12.35000"). */
export interface TaxBillComputation {
  /** Every item of the list, in list order; an item with a problem carries 0 taxes. */
  items: TaxBillItem[];
  customsValueTotal: string;
  /** Always "0.00000" within the limits. */
  dutyTotal: string;
  consumptionTaxTotal: string;
  vatTotal: string;
  /** dutyTotal + consumptionTaxTotal + vatTotal. */
  taxTotal: string;
  /** Some item has a consumption-tax rate above 0 (the tax kind applies to the list). */
  consumptionTaxApplies: boolean;
  /**
   * Items whose tax cannot be computed (commodity unknown, no or an invalid VAT rate, an invalid
   * consumption-tax rate, a currency other than 142, an invalid amount): TAX_RATE_UNKNOWN or
   * CURRENCY_MISMATCH / INVALID_DECIMAL. Non-empty means the bill is incomplete: its totals cover
   * only the other items and must not be used to accept a declared tax.
   */
  problems: Reason[];
}

/** A non-negative exact fraction n / d of scaled units (d > 0). */
interface Fraction {
  n: bigint;
  d: bigint;
}

const gcd = (a: bigint, b: bigint): bigint => {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
};

const addFractions = (a: Fraction, b: Fraction): Fraction => {
  if (a.d === b.d) return { n: a.n + b.n, d: a.d };
  const n = a.n * b.d + b.n * a.d;
  const d = a.d * b.d;
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
};

/** Rounded half-up to fen, in scaled units (values here are never negative). */
const roundToFen = (q: Fraction): bigint => ((2n * q.n + q.d * FEN) / (2n * q.d * FEN)) * FEN;

/**
 * Splits `total` fen (scaled) over items with exact amounts `parts`: each rounded down to fen,
 * the fen left over going to the largest remainders (ties: the earlier item).
 */
function fenByLargestRemainder(total: bigint, parts: ReadonlyArray<Fraction>): bigint[] {
  const unit = parts.map((p) => p.d * FEN);
  const fen = parts.map((p, i) => p.n / unit[i]);
  let left = total / FEN - fen.reduce((a, b) => a + b, 0n);
  const order = parts
    .map((p, i) => ({ i, r: p.n % unit[i] }))
    .sort((a, b) => {
      const x = a.r * unit[b.i];
      const y = b.r * unit[a.i];
      return x === y ? a.i - b.i : x > y ? -1 : 1;
    });
  for (const { i } of order) {
    if (left <= 0n) break;
    fen[i] += 1n;
    left -= 1n;
  }
  return fen.map((f) => f * FEN);
}

/**
 * Shares of `extra` (freight + insurance, scaled) by the items' prices: each rounded down to
 * 0.00001, the last item taking the remainder (all of it when the prices sum to 0).
 */
function allocateByPrice(extra: bigint, prices: ReadonlyArray<bigint>): bigint[] {
  const sum = prices.reduce((a, b) => a + b, 0n);
  const shares = prices.map((p) => (sum > 0n && p > 0n ? (extra * p) / sum : 0n));
  if (shares.length > 0) shares[shares.length - 1] = extra - shares.slice(0, -1).reduce((a, b) => a + b, 0n);
  return shares;
}

/** A rate of the commodity reference data as scaled units in [0, 1), or why it is not one. */
function rateOf(text: string | null | undefined): bigint | string {
  if (text === null || text === undefined) return 'none';
  const problem = decimalProblem(text);
  if (problem) return problem;
  const r = parseDecimal(text);
  return r < 0n || r >= SCALE ? 'not in [0, 1)' : r;
}

/** Exact consumption tax and VAT of an item of customs value `value` (scaled). */
function itemTaxes(value: bigint, vatRate: bigint, ctRate: bigint): { ct: Fraction; vat: Fraction } {
  const d = (SCALE - ctRate) * DUE_DENOMINATOR;
  return {
    ct: { n: value * ctRate * DUE_NUMERATOR, d },
    vat: { n: value * vatRate * DUE_NUMERATOR, d },
  };
}

/**
 * The tax bill of an import list. `commodityOf` looks an HS code up in the commodity reference
 * data (ref.commodity.v1). Pure and deterministic.
 */
export function importTaxBill(
  input: TaxBillInput,
  commodityOf: (gcode: string) => Commodity | undefined,
): TaxBillComputation {
  const problems: Reason[] = [];
  const amount = (text: string, what: string): bigint => {
    const problem = decimalProblem(text);
    if (problem === undefined && parseDecimal(text) >= 0n) return parseDecimal(text);
    problems.push(reason(R.INVALID_DECIMAL, `${what} ${JSON.stringify(text)}: ${problem ?? 'negative'}`));
    return 0n;
  };
  const prices = input.items.map((it) => amount(it.totalPrice, `item ${it.gnum} totalPrice`));
  const extra = amount(input.freight, 'freight') + amount(input.insuredFee, 'insuredFee');
  const shares = allocateByPrice(extra, prices);
  const values = prices.map((p, i) => p + shares[i]);

  const computed: Array<{ i: number; ct: Fraction; vat: Fraction }> = [];
  let consumptionTaxApplies = false;
  input.items.forEach((it, i) => {
    const where = `item ${it.gnum} (${it.gcode})`;
    if (it.currency !== TAX_CURRENCY) {
      problems.push(
        reason(
          R.CURRENCY_MISMATCH,
          `${where}: import tax is computed in ${TAX_CURRENCY} (CNY), item is in ${it.currency}`,
        ),
      );
      return;
    }
    const c = commodityOf(it.gcode);
    if (!c) {
      problems.push(
        reason(R.TAX_RATE_UNKNOWN, `${where}: commodity not in the reference data, no tax rates`),
      );
      return;
    }
    const vatRate = rateOf(c.vatRate);
    const ctRate = c.consumptionTaxRate === null ? 0n : rateOf(c.consumptionTaxRate);
    if (typeof vatRate === 'string') {
      problems.push(
        reason(
          R.TAX_RATE_UNKNOWN,
          `${where}: VAT rate ${vatRate === 'none' ? 'missing' : `${JSON.stringify(c.vatRate)} ${vatRate}`}`,
        ),
      );
      return;
    }
    if (typeof ctRate === 'string') {
      problems.push(
        reason(
          R.TAX_RATE_UNKNOWN,
          `${where}: consumption-tax rate ${JSON.stringify(c.consumptionTaxRate)} ${ctRate}`,
        ),
      );
      return;
    }
    if (ctRate > 0n) consumptionTaxApplies = true;
    computed.push({ i, ...itemTaxes(values[i], vatRate, ctRate) });
  });

  const zero: Fraction = { n: 0n, d: 1n };
  const ctTotal = roundToFen(computed.reduce((a, x) => addFractions(a, x.ct), zero));
  const vatTotal = roundToFen(computed.reduce((a, x) => addFractions(a, x.vat), zero));
  const ctItems = fenByLargestRemainder(
    ctTotal,
    computed.map((x) => x.ct),
  );
  const vatItems = fenByLargestRemainder(
    vatTotal,
    computed.map((x) => x.vat),
  );
  const ct = input.items.map(() => 0n);
  const vat = input.items.map(() => 0n);
  computed.forEach((x, k) => {
    ct[x.i] = ctItems[k];
    vat[x.i] = vatItems[k];
  });

  return {
    items: input.items.map((it, i) => ({
      gnum: it.gnum,
      gcode: it.gcode,
      customsValue: formatDecimal(values[i]),
      dutyValue: ZERO,
      consumptionTax: formatDecimal(ct[i]),
      vat: formatDecimal(vat[i]),
      taxTotal: formatDecimal(ct[i] + vat[i]),
    })),
    customsValueTotal: formatDecimal(values.reduce((a, b) => a + b, 0n)),
    dutyTotal: ZERO,
    consumptionTaxTotal: formatDecimal(ctTotal),
    vatTotal: formatDecimal(vatTotal),
    taxTotal: formatDecimal(ctTotal + vatTotal),
    consumptionTaxApplies,
    problems,
  };
}

/** The tax kinds that apply to a bill, as the tolerance counts them: VAT always, consumption tax when some item has c > 0. */
export const taxKindsOf = (bill: Pick<TaxBillComputation, 'consumptionTaxApplies'>): string[] =>
  bill.consumptionTaxApplies ? ['consumption tax', 'VAT'] : ['VAT'];

/**
 * The order's declared taxTotal against the bill. The order declares one total, so the
 * tolerance is 0.01 CNY per tax kind that applies (duty is always 0 and never counts): 0.01 with
 * VAT alone, 0.02 with consumption tax and VAT. A larger difference gives one TAX_MISMATCH
 * naming the declared and computed amounts and each tax kind; no taxTotal declared counts as 0.
 * An incomplete bill cannot judge the declaration: its problems are returned instead.
 */
export function checkDeclaredTax(declaredTaxTotal: string | null, bill: TaxBillComputation): Reason[] {
  if (bill.problems.length > 0) return [...bill.problems];
  const computed = parseDecimal(bill.taxTotal);
  const kinds = taxKindsOf(bill);
  const tolerance = parseDecimal(TAX_TOLERANCE_PER_KIND) * BigInt(kinds.length);
  const breakdown =
    `duty ${bill.dutyTotal}` +
    (bill.consumptionTaxApplies ? ` + consumption tax ${bill.consumptionTaxTotal}` : '') +
    ` + VAT ${bill.vatTotal}`;
  const rule = `tolerance ${formatDecimal(tolerance)} (${TAX_TOLERANCE_PER_KIND} per tax kind: ${kinds.join(', ')})`;
  if (declaredTaxTotal !== null && !isDecimal(declaredTaxTotal)) {
    return [
      reason(
        R.TAX_MISMATCH,
        `taxTotal declared ${JSON.stringify(declaredTaxTotal)} is not an amount; computed ${bill.taxTotal} = ${breakdown}`,
      ),
    ];
  }
  const declared = declaredTaxTotal === null ? 0n : parseDecimal(declaredTaxTotal);
  const diff = declared > computed ? declared - computed : computed - declared;
  if (diff <= tolerance) return [];
  const said = declaredTaxTotal === null ? 'none declared (0)' : `declared ${formatDecimal(declared)}`;
  return [
    reason(
      R.TAX_MISMATCH,
      `taxTotal ${said} != computed ${bill.taxTotal} = ${breakdown}: off by ${formatDecimal(diff)}, over the ${rule}`,
    ),
  ];
}

/** Status of a bill against the declared taxTotal. */
export function taxBillStatus(declaredTaxTotal: string | null, bill: TaxBillComputation): TaxBillStatus {
  if (bill.problems.length > 0) return 'INCOMPLETE';
  return checkDeclaredTax(declaredTaxTotal, bill).length > 0 ? 'MISMATCH' : 'OK';
}

/**
 * The TaxBill event (clearance.tax-bill.v1, key: the waybill key) of an import list: the bill
 * computed by `importTaxBill(manifest, ...)`, the declared taxTotal (normally `manifest.taxTotal`)
 * and the event time `at` (ms, the list's record timestamp). Its guid derives from the list, so
 * a replay gives the same event.
 */
export function taxBillOf(
  manifest: Manifest,
  computation: TaxBillComputation,
  declaredTaxTotal: string | null,
  at: number,
): TaxBill {
  return {
    guid: deterministicGuid('tax-bill', manifest.guid, manifest.invtNo),
    invtNo: manifest.invtNo,
    orderKey: manifest.orderKey,
    waybillKey: manifest.waybillKey,
    ebpCode: manifest.ebpCode,
    orderNo: manifest.orderNo,
    ebcCode: manifest.ebcCode,
    buyerIdHash: manifest.buyerIdHash,
    currency: TAX_CURRENCY,
    items: computation.items.map((it) => ({ ...it })),
    customsValueTotal: computation.customsValueTotal,
    dutyTotal: computation.dutyTotal,
    consumptionTaxTotal: computation.consumptionTaxTotal,
    vatTotal: computation.vatTotal,
    taxTotal: computation.taxTotal,
    declaredTaxTotal:
      declaredTaxTotal !== null && isDecimal(declaredTaxTotal) ? normalizeDecimal(declaredTaxTotal) : null,
    status: taxBillStatus(declaredTaxTotal, computation),
    computedAt: at,
  };
}
