/**
 * A realistic, seeded parcel generator: for each parcel the order, payment and waybill a
 * platform, a payment institution and a carrier would send (and, for a share of parcels in
 * four-document mode, the list the seller or its agent files), the event times they are sent at,
 * the error injected (if any) and the outcome the engine must reach.
 *
 * Deterministic: everything comes from one seeded PRNG and the configured start time; the same
 * seed and options give the same parcels, byte for byte. No Date.now(), no Math.random.
 */
import {
  orderKey,
  Topics,
  waybillKey,
  type FiledList,
  type Order,
  type OrderItem,
  type Payment,
  type Waybill,
} from '@clearance/contracts';
import {
  CNY,
  COUNTRIES,
  DISTRICTS,
  GIVEN_CHARS,
  ROUTES,
  SURNAMES,
  WATCHLISTED_PEOPLE,
  type Route,
} from './codes';
import {
  cents,
  chinaDate8,
  chinaPeriod,
  chinaTime14,
  civilFromDays,
  daysFromCivil,
  grams,
  pad2,
  scaled5,
  toMinor,
  whole,
} from './format';
import { filedListOf } from './filed-list';
import { digits, ean13, guid, residentIdCheck, s10 } from './ids';
import { hash32, mix32, Rng, Weighted } from './prng';
import { MatchReason, RuleKind, type MatchReasonCode, type RuleKindCode } from './reason-codes';
import {
  loadGeneratorCatalog,
  type CatalogCommodity,
  type CatalogEnterprise,
  type GeneratorCatalog,
} from './reference';
import { TransportPlanner } from './transport';
import type {
  DocKind,
  ErrorRates,
  ExpectedOutcome,
  ExpectedRisk,
  FlowIE,
  GeneratedParcel,
  GeneratorOptions,
  ListSend,
  Noise,
  Scenario,
  Send,
  SendExpect,
  SendRole,
  TrafficMix,
} from './types';

// ------------------------------------------------------------------------------- presets
/** Every error knob at 0: all parcels match (risk: RELEASE, save random sampling). */
export const NO_ERRORS: ErrorRates = {
  amountMismatch: 0,
  itemTotalMismatch: 0,
  goodsValueMismatch: 0,
  currencyMismatch: 0,
  consigneeMismatch: 0,
  buyerPayerMismatch: 0,
  weightInvalid: 0,
  unknownEnterprise: 0,
  missingDocument: 0,
  deletion: 0,
  change: 0,
  prohibited: 0,
  restrictedNoLicence: 0,
  gradeD: 0,
  watchlist: 0,
  priceAnomaly: 0,
  weightAnomaly: 0,
  overSingleLimit: 0,
  duplicate: 0,
  invalidDocument: 0,
  undecodable: 0,
  keyMismatch: 0,
  listMismatch: 0,
};

/** A plausible day at the border: about 4 % of parcels with a case-level problem, 3 % with noise. */
export const REALISTIC_ERRORS: ErrorRates = {
  amountMismatch: 0.004,
  itemTotalMismatch: 0.002,
  goodsValueMismatch: 0.002,
  currencyMismatch: 0.001,
  consigneeMismatch: 0.004,
  buyerPayerMismatch: 0.003,
  weightInvalid: 0.001,
  unknownEnterprise: 0.002,
  missingDocument: 0.005,
  deletion: 0.003,
  change: 0.006,
  prohibited: 0.0005,
  restrictedNoLicence: 0.001,
  gradeD: 0.002,
  watchlist: 0.001,
  priceAnomaly: 0.002,
  weightAnomaly: 0.002,
  overSingleLimit: 0.002,
  duplicate: 0.02,
  invalidDocument: 0.003,
  undecodable: 0.001,
  keyMismatch: 0.001,
  // four-document parcels only (GeneratorOptions.fourDocument > 0): nothing else draws it
  listMismatch: 0.002,
};

export const DEFAULT_MIX: TrafficMix = {
  importShare: 0.2,
  exportTradeModes: { '9610': 0.88, '9710': 0.08, '9810': 0.04 },
  importTradeModes: { '9610': 0.55, '1210': 0.45 },
  licensedRestricted: 0.003,
  unverifiedBuyer: 0.1,
  payerNotBuyer: 0.15,
  consigneeNotBuyer: 0.2,
};

/**
 * Case-level scenarios in draw order, with the knob and where they apply (`four`: a four-document
 * parcel). A knob that does not apply to a parcel takes no share of the draw, so knobs for
 * four-document parcels leave one-step parcels exactly as they were.
 */
const SCENARIOS: ReadonlyArray<{
  knob: keyof ErrorRates;
  scenario: Scenario;
  applies: (ie: FlowIE, four: boolean) => boolean;
}> = [
  { knob: 'amountMismatch', scenario: 'AMOUNT_MISMATCH', applies: () => true },
  { knob: 'itemTotalMismatch', scenario: 'ITEM_TOTAL_MISMATCH', applies: () => true },
  { knob: 'goodsValueMismatch', scenario: 'GOODS_VALUE_MISMATCH', applies: () => true },
  { knob: 'currencyMismatch', scenario: 'CURRENCY_MISMATCH', applies: () => true },
  { knob: 'consigneeMismatch', scenario: 'CONSIGNEE_MISMATCH', applies: (ie) => ie === 'I' },
  { knob: 'buyerPayerMismatch', scenario: 'BUYER_PAYER_MISMATCH', applies: (ie) => ie === 'I' },
  { knob: 'weightInvalid', scenario: 'WEIGHT_INVALID', applies: () => true },
  { knob: 'unknownEnterprise', scenario: 'UNKNOWN_ENTERPRISE', applies: () => true },
  { knob: 'missingDocument', scenario: 'MISSING_DOCUMENT', applies: () => true },
  { knob: 'deletion', scenario: 'DELETION', applies: () => true },
  { knob: 'change', scenario: 'CHANGE', applies: () => true },
  { knob: 'prohibited', scenario: 'PROHIBITED', applies: () => true },
  { knob: 'restrictedNoLicence', scenario: 'RESTRICTED_NO_LICENCE', applies: (ie) => ie === 'E' },
  { knob: 'gradeD', scenario: 'GRADE_D', applies: (ie) => ie === 'E' },
  { knob: 'watchlist', scenario: 'WATCHLIST', applies: () => true },
  { knob: 'priceAnomaly', scenario: 'PRICE_ANOMALY', applies: () => true },
  { knob: 'weightAnomaly', scenario: 'WEIGHT_ANOMALY', applies: () => true },
  { knob: 'overSingleLimit', scenario: 'OVER_SINGLE_LIMIT', applies: (ie) => ie === 'I' },
  { knob: 'listMismatch', scenario: 'LIST_MISMATCH', applies: (_ie, four) => four },
];

const NOISE_KNOBS: ReadonlyArray<keyof ErrorRates> = [
  'duplicate',
  'invalidDocument',
  'undecodable',
  'keyMismatch',
];

/** Noise sends (invalid, undecodable, wrong key) precede their document by at most this much event time. */
export const MAX_LEAD_MS = 60_000;

/** A parcel's documents: the three, and a four-document parcel's filed list. */
type AnyKind = DocKind | 'LIST';
type AnyDoc = Order | Payment | Waybill | FiledList;

const KINDS: ReadonlyArray<DocKind> = ['ORDER', 'PAYMENT', 'WAYBILL'];
const FOUR_KINDS: ReadonlyArray<AnyKind> = ['ORDER', 'PAYMENT', 'WAYBILL', 'LIST'];
const TOPIC: Record<AnyKind, string> = {
  ORDER: Topics.order.name,
  PAYMENT: Topics.payment.name,
  WAYBILL: Topics.waybill.name,
  LIST: Topics.list.name,
};

// ------------------------------------------------------------------------------- internals
interface Seller {
  e: CatalogEnterprise;
  /** Commodities it sells, per flow and B2C/B2B. */
  pools: Map<string, Weighted<CatalogCommodity>>;
  platforms: Map<FlowIE, Weighted<CatalogEnterprise>>;
  owner: CatalogEnterprise;
  agent: CatalogEnterprise | null;
}

/** Numbers parsed once from a commodity's decimal strings. */
interface CommodityNums {
  min: number;
  max: number;
  maxGrams: number;
  ref: number | null;
  /** VAT and consumption-tax rates in 1/100000 (0.13 -> 13000n); 0n when none. */
  vat5: bigint;
  ct5: bigint;
  qty1Scaled: number;
}

interface Line {
  c: CatalogCommodity;
  n: CommodityNums;
  variant: number;
  qty: number;
  priceCents: number;
  netGramsPerUnit: number;
}

interface Person {
  name: string;
  idNumber: string;
  phone: string;
  districtCode: string;
  address: string;
  regNo: string;
}

interface BuyerSlot {
  person: Person;
  spendCents: number;
}

/**
 * The retail import tax (cents) of an import order: exactly the bill of @clearance/domain
 * `importTaxBill` (DOMAIN.md "Import (beyond export)"), which this testing lib cannot import (the
 * domain's specs import the generator). With amounts in 1/100000 CNY: customs value V = the
 * item's total + its share of freight + insurance (by value, rounded down, the last item taking
 * the remainder); consumption tax V × c / (1 − c) × 0.7 and VAT V × v / (1 − c) × 0.7, each
 * kind summed exactly over the items (fractions, no floats) and rounded half-up to fen per list.
 * Commodities without a VAT rate (prohibited goods, refused anyway) add nothing. libs/domain's
 * tax spec checks the equality on thousands of generated import parcels.
 */
function importTaxCents(lines: ReadonlyArray<Line>, freightCents: number, insuredCents: number): number {
  const SCALE = 100_000n;
  const prices = lines.map((l) => BigInt(l.qty * l.priceCents) * 1000n);
  const sum = prices.reduce((a, b) => a + b, 0n);
  const extra = BigInt(freightCents + insuredCents) * 1000n;
  const shares = prices.map((p) => (sum > 0n && p > 0n ? (extra * p) / sum : 0n));
  if (shares.length > 0) shares[shares.length - 1] = extra - shares.slice(0, -1).reduce((a, b) => a + b, 0n);
  // each tax is a sum of V * rate * 7 / ((SCALE - c) * 10): over a common denominator
  const denominators = [...new Set(lines.map((l) => (SCALE - l.n.ct5) * 10n))];
  const common = denominators.reduce((a, b) => a * b, 1n);
  let ct = 0n;
  let vat = 0n;
  lines.forEach((l, i) => {
    const v = (prices[i] + shares[i]) * 7n * (common / ((SCALE - l.n.ct5) * 10n));
    ct += v * l.n.ct5;
    vat += v * l.n.vat5;
  });
  const fen = (n: bigint): bigint => (2n * n + common * 1000n) / (2n * common * 1000n);
  return Number(fen(ct) + fen(vat));
}

const poolKey = (ie: FlowIE, b2b: boolean): string => `${ie}|${b2b ? 'B2B' : 'B2C'}`;

function checkRates(errors: ErrorRates): void {
  for (const [k, v] of Object.entries(errors)) {
    if (!(typeof v === 'number' && v >= 0 && v <= 1))
      throw new Error(`errors.${k} must be a rate in 0..1, is ${v}`);
  }
  const caseLevel = SCENARIOS.reduce((sum, s) => sum + errors[s.knob], 0);
  if (caseLevel > 1 + 1e-9)
    throw new Error(
      `case-level error rates sum to ${caseLevel.toFixed(4)} > 1 (they are exclusive per parcel)`,
    );
}

/**
 * Generates parcels one at a time.
 *
 *   const gen = new ParcelGenerator({ seed: 42, startTime: Date.UTC(2026, 10, 2, 1), errors: REALISTIC_ERRORS });
 *   const parcel = gen.next(); // parcel.sends: what to produce, parcel.expected: what must happen
 */
export class ParcelGenerator {
  readonly catalog: GeneratorCatalog;
  readonly mix: TrafficMix;
  readonly errors: ErrorRates;
  private readonly rng: Rng;
  private readonly seed: number;
  private readonly salt: number;
  private readonly runTag: string;
  private readonly meanGapMs: number;
  private readonly maxDelay: number;
  private readonly followUp: number;
  private readonly buyerCapCents: number;
  /** Share of four-document parcels (GeneratorOptions.fourDocument). */
  private readonly fourShare: number;
  private clock: number;
  private seq = 0;
  private guidSeq = 0;

  private readonly enterprises = new Map<string, CatalogEnterprise>();
  private readonly sellers = new Map<string, Weighted<Seller>>();
  /** Platforms declaring in four-document mode, per flow (only when fourShare > 0). */
  private readonly fourPlatforms = new Map<FlowIE, Weighted<CatalogEnterprise>>();
  private readonly specialSellers = new Map<string, Seller[]>();
  private readonly routes = new Map<string, Weighted<Route>>();
  private readonly routeCountries = new Map<string, Weighted<string>>();
  private readonly exportModes: Weighted<string>;
  private readonly importModes: Weighted<string>;
  private readonly restricted: CatalogCommodity[];
  private readonly prohibited: CatalogCommodity[];
  private readonly rates = new Map<string, Array<[string, number]>>();
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly buyers: Array<BuyerSlot | undefined>;
  private readonly transport: TransportPlanner;
  private readonly barcodes = new Map<string, Map<CatalogCommodity, string[]>>();
  private readonly nums = new Map<CatalogCommodity, CommodityNums>();

  constructor(options: GeneratorOptions) {
    if (!Number.isFinite(options.seed)) throw new Error('seed must be a number');
    if (!Number.isFinite(options.startTime)) throw new Error('startTime must be epoch milliseconds');
    this.seed = options.seed >>> 0;
    this.rng = new Rng(this.seed);
    this.salt = mix32(this.seed ^ 0x5eed);
    this.runTag = (this.salt % 1_679_616).toString(36).toUpperCase().padStart(4, '0');
    const rate = options.ratePerSecondOfEventTime ?? 50;
    if (!(rate > 0)) throw new Error('ratePerSecondOfEventTime must be > 0');
    this.meanGapMs = 1000 / rate;
    this.maxDelay = Math.max(3000, options.maxDocumentDelayMs ?? 300_000);
    this.followUp = Math.max(60_000, options.followUpDelayMs ?? 1_800_000);
    this.buyerCapCents = (options.buyerYearlyCapCny ?? 20_000) * 100;
    this.buyers = new Array<BuyerSlot | undefined>(Math.max(1, options.buyerPoolSize ?? 20_000));
    this.clock = Math.floor(options.startTime);
    this.mix = { ...DEFAULT_MIX, ...options.mix };
    this.errors = { ...NO_ERRORS, ...options.errors };
    checkRates(this.errors);
    const four = options.fourDocument ?? 0;
    if (!(typeof four === 'number' && four >= 0 && four <= 1))
      throw new Error(`fourDocument must be a share in 0..1, is ${four}`);
    this.fourShare = four;
    this.catalog = options.catalog ?? loadGeneratorCatalog({ fourDocument: four > 0 });
    this.transport = new TransportPlanner(this.seed);

    this.exportModes = Weighted.of(Object.entries(this.mix.exportTradeModes));
    this.importModes = Weighted.of(Object.entries(this.mix.importTradeModes));
    for (const e of this.catalog.enterprises) this.enterprises.set(e.code, e);
    for (const c of this.catalog.commodities) {
      this.nums.set(c, {
        min: Number(c.minKgPerUnit ?? '0'),
        max: Number(c.maxKgPerUnit ?? '0'),
        maxGrams: Math.floor(Number(c.maxKgPerUnit ?? '0') * 1000),
        ref: c.referencePrice === null ? null : Number(c.referencePrice),
        vat5: BigInt(toMinor(c.vatRate ?? '0', 5)),
        ct5: BigInt(toMinor(c.consumptionTaxRate ?? '0', 5)),
        qty1Scaled:
          c.gen.qty1 === 'SAME' || c.gen.qty1 === 'NET_KG' ? 0 : Math.round(Number(c.gen.qty1) * 100_000),
      });
    }
    this.restricted = this.catalog.commodities.filter((c) => c.control === 'RESTRICTED');
    this.prohibited = this.catalog.commodities.filter((c) => c.control === 'PROHIBITED');
    for (const r of this.catalog.exchangeRates) {
      const list = this.rates.get(r.currency) ?? [];
      list.push([r.period, Number(r.cnyPerUnit)]);
      this.rates.set(r.currency, list);
    }
    for (const list of this.rates.values()) list.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    this.indexRoutes();
    this.indexSellers();
    if (this.fourShare > 0) this.indexFourDocumentPlatforms();
  }

  /** The next parcel. */
  next(): GeneratedParcel {
    return this.build();
  }

  /** The next n parcels. */
  take(n: number): GeneratedParcel[] {
    const out: GeneratedParcel[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.build();
    return out;
  }

  /** Event time (ms) the last parcel started at. */
  get eventTime(): number {
    return this.clock;
  }

  /**
   * Moves the event clock forward (never back) so that every send of the parcels generated next,
   * noise included (which may precede its parcel by up to MAX_LEAD_MS), comes after `eventTime`.
   * For loads sent one after the other whose event times must not overlap: pass the last send's
   * timestamp of the first.
   */
  advancePast(eventTime: number): void {
    if (!Number.isFinite(eventTime)) throw new Error('advancePast: eventTime must be epoch milliseconds');
    this.clock = Math.max(this.clock, Math.floor(eventTime) + MAX_LEAD_MS);
  }

  // ----------------------------------------------------------------------------- setup
  private enterprise(code: string): CatalogEnterprise {
    const e = this.enterprises.get(code);
    if (!e) throw new Error(`reference data has no enterprise ${code}`);
    return e;
  }

  private indexRoutes(): void {
    for (const r of ROUTES) {
      for (const c of r.carriers) {
        if (!this.enterprise(c).roles.includes('CARRIER'))
          throw new Error(`route ${r.id}: ${c} is not a carrier`);
      }
      this.routeCountries.set(r.id, Weighted.of(r.countries));
    }
    const keys = new Set(ROUTES.flatMap((r) => r.tradeModes.map((m) => `${r.flow}|${m}`)));
    for (const k of keys) {
      const rs = ROUTES.filter((r) => r.tradeModes.some((m) => `${r.flow}|${m}` === k));
      this.routes.set(
        k,
        new Weighted(
          rs,
          rs.map((r) => r.weight),
        ),
      );
    }
    for (const m of Object.keys(this.mix.exportTradeModes)) {
      if (this.mix.exportTradeModes[m as '9610'] > 0 && !this.routes.has(`E|${m}`))
        throw new Error(`no export route for trade mode ${m}`);
    }
    for (const m of Object.keys(this.mix.importTradeModes)) {
      if (this.mix.importTradeModes[m as '9610'] > 0 && !this.routes.has(`I|${m}`))
        throw new Error(`no import route for trade mode ${m}`);
    }
  }

  private indexSellers(): void {
    const normal = new Map<string, Seller[]>();
    for (const e of this.catalog.enterprises) {
      if (!e.roles.includes('EBC') || !e.gen.flows) continue;
      const pools = new Map<string, Weighted<CatalogCommodity>>();
      const platforms = new Map<FlowIE, Weighted<CatalogEnterprise>>();
      for (const ie of ['E', 'I'] as const) {
        if (!e.gen.flows.includes(ie)) continue;
        const ps = (e.gen.platforms ?? [])
          .map((c) => this.enterprise(c))
          .filter((p) => (p.gen.flows ?? '').includes(ie));
        if (ps.length === 0) continue;
        platforms.set(
          ie,
          new Weighted(
            ps,
            ps.map((p) => p.gen.weight ?? 1),
          ),
        );
        for (const b2b of [false, true]) {
          const cs = this.catalog.commodities.filter(
            (c) =>
              c.control === 'NONE' &&
              c.gen.flows.includes(ie) &&
              (e.gen.chapters ?? []).includes(c.gcode.slice(0, 2)) &&
              (!b2b || c.gen.b2b),
          );
          if (cs.length > 0)
            pools.set(
              poolKey(ie, b2b),
              new Weighted(
                cs,
                cs.map((c) => c.gen.weight),
              ),
            );
        }
      }
      if (pools.size === 0) continue;
      const seller: Seller = {
        e,
        pools,
        platforms,
        owner: e.gen.owner ? this.enterprise(e.gen.owner) : e,
        agent: e.gen.agent ? this.enterprise(e.gen.agent) : null,
      };
      for (const k of pools.keys()) {
        const group = e.gen.special ? `${e.gen.special}|${k}` : k;
        const target = e.gen.special ? this.specialSellers : normal;
        const list = target.get(group) ?? [];
        list.push(seller);
        target.set(group, list);
      }
    }
    for (const [k, list] of normal)
      this.sellers.set(
        k,
        new Weighted(
          list,
          list.map((s) => s.e.gen.weight ?? 1),
        ),
      );
    for (const k of ['E|B2C', 'I|B2C'])
      if (!this.sellers.has(k)) throw new Error(`reference data has no seller for ${k}`);
  }

  /** Platforms whose record says listMode FOUR_DOCUMENT, per flow they serve; one per flow in use. */
  private indexFourDocumentPlatforms(): void {
    const all = this.catalog.enterprises.filter(
      (e) => e.roles.includes('EBP') && e.listMode === 'FOUR_DOCUMENT' && e.onFile,
    );
    for (const ie of ['E', 'I'] as const) {
      const ps = all.filter((p) => (p.gen.flows ?? '').includes(ie));
      if (ps.length > 0)
        this.fourPlatforms.set(
          ie,
          new Weighted(
            ps,
            ps.map((p) => p.gen.weight ?? 1),
          ),
        );
      else if (ie === 'E' ? this.mix.importShare < 1 : this.mix.importShare > 0)
        throw new Error(
          `fourDocument: the reference data has no platform in four-document mode (EBP, listMode FOUR_DOCUMENT) for flow ${ie}`,
        );
    }
  }

  // ----------------------------------------------------------------------------- helpers
  private nextCounter(kind: 'O' | 'W' | 'P' | 'L', code: string): number {
    let m = this.counters.get(kind);
    if (!m) {
      m = new Map<string, number>();
      this.counters.set(kind, m);
    }
    const n = (m.get(code) ?? 0) + 1;
    m.set(code, n);
    return n;
  }

  private newGuid(): string {
    return guid(this.rng, this.guidSeq++, this.salt);
  }

  /** CNY per unit of `currency` for the month of `t` (nearest month when outside the table). */
  private cnyPerUnit(currency: string, t: number): number {
    if (currency === CNY) return 1;
    const list = this.rates.get(currency);
    if (!list || list.length === 0) throw new Error(`no exchange rate for currency ${currency}`);
    const period = chinaPeriod(t);
    let best = list[0];
    for (const entry of list) {
      if (entry[0] <= period) best = entry;
      else break;
    }
    return best[1];
  }

  private toCents(cny: number, rate: number): number {
    return Math.max(1, Math.round((cny / rate) * 100));
  }

  private newPerson(surname?: string, district?: (typeof DISTRICTS)[number]): Person {
    const rng = this.rng;
    const d = district ?? rng.pick(DISTRICTS);
    const name =
      (surname ?? rng.pick(SURNAMES)) +
      rng.pick(GIVEN_CHARS) +
      (rng.next() < 0.6 ? rng.pick(GIVEN_CHARS) : '');
    const [y, m, day] = civilFromDays(rng.int(daysFromCivil(1962, 1, 1), daysFromCivil(2005, 12, 31)));
    const d17 = d.code + y + pad2(m) + pad2(day) + digits(rng.int(0, 999), 3);
    const phone =
      rng.pick(['13', '15', '17', '18', '19']) + rng.int(0, 9) + digits(rng.int(0, 99_999_999), 8);
    const address = `${d.address}${rng.pick(d.streets)}${rng.int(1, 999)}号${rng.int(1, 30)}栋${rng.int(1, 33)}${pad2(rng.int(1, 8))}室`;
    return {
      name,
      idNumber: d17 + residentIdCheck(d17),
      phone,
      districtCode: d.code,
      address,
      regNo: 'U' + digits(rng.u32(), 10),
    };
  }

  /** Someone close to the buyer (payer or consignee): often the same surname and address. */
  private relativeOf(p: Person): Person {
    const sameHome = this.rng.next() < 0.7;
    const other = this.newPerson(this.rng.next() < 0.5 ? p.name[0] : undefined);
    return sameHome ? { ...other, districtCode: p.districtCode, address: p.address } : other;
  }

  /** A buyer from the pool; one near its yearly cap is replaced by a new person. */
  private buyerFor(spendCents: number): Person {
    const i = this.rng.int(0, this.buyers.length - 1);
    let slot = this.buyers[i];
    if (!slot || slot.spendCents + spendCents > this.buyerCapCents) {
      slot = { person: this.newPerson(), spendCents: 0 };
      this.buyers[i] = slot;
    }
    slot.spendCents += spendCents;
    return slot.person;
  }

  private barCode(seller: string, c: CatalogCommodity, variant: number): string {
    let bySeller = this.barcodes.get(seller);
    if (!bySeller) {
      bySeller = new Map<CatalogCommodity, string[]>();
      this.barcodes.set(seller, bySeller);
    }
    let codes = bySeller.get(c);
    if (!codes) {
      codes = c.gen.items.map((_, v) =>
        ean13('69' + digits(hash32(`${seller}|${c.gcode}|${v}`, this.seed) % 10_000_000_000, 10)),
      );
      bySeller.set(c, codes);
    }
    return codes[variant];
  }

  /** Whether the next parcel is a four-document one (no draw when the share is 0 or 1). */
  private drawFourDocument(): boolean {
    if (this.fourShare <= 0) return false;
    return this.fourShare >= 1 || this.rng.next() < this.fourShare;
  }

  private drawScenario(ie: FlowIE, four: boolean): Scenario {
    const u = this.rng.next();
    let acc = 0;
    for (const s of SCENARIOS) {
      if (!s.applies(ie, four)) continue;
      acc += this.errors[s.knob];
      if (u < acc) {
        if (s.scenario === 'DELETION') return this.rng.next() < 0.7 ? 'DELETION' : 'DELETION_TOO_LATE';
        if (s.scenario === 'CHANGE') {
          const v = this.rng.next();
          return v < 0.4 ? 'CHANGE' : v < 0.7 ? 'CHANGE_FIXES_BEFORE_MATCH' : 'CHANGE_FIXES_AFTER_REJECT';
        }
        return s.scenario;
      }
    }
    return 'NONE';
  }

  private qtyFor(c: CatalogCommodity, n: CommodityNums, ie: FlowIE, b2b: boolean): number {
    const rng = this.rng;
    const heavy = n.max > 5;
    if (b2b) return heavy ? rng.int(2, 30) : rng.int(20, 400);
    if (heavy) return 1;
    if (ie === 'I') return c.gen.unit === '122' ? rng.int(1, 4) : rng.next() < 0.7 ? 1 : rng.int(2, 3);
    const u = rng.next();
    return u < 0.65 ? 1 : u < 0.85 ? 2 : rng.int(3, 5);
  }

  private line(c: CatalogCommodity, ie: FlowIE, b2b: boolean, rate: number, priceFactor?: number): Line {
    const rng = this.rng;
    const n = this.nums.get(c)!;
    const ref = n.ref === null ? rng.real(50, 800) : n.ref;
    const factor = priceFactor ?? (b2b ? rng.real(0.45, 0.9) : rng.real(0.6, 1.8));
    return {
      c,
      n,
      variant: rng.int(0, c.gen.items.length - 1),
      qty: this.qtyFor(c, n, ie, b2b),
      priceCents: this.toCents(ref * factor, rate),
      netGramsPerUnit: Math.max(1, Math.round(1000 * rng.real(n.min * 1.02, n.min + 0.4 * (n.max - n.min)))),
    };
  }

  // ----------------------------------------------------------------------------- one parcel
  private build(): GeneratedParcel {
    const rng = this.rng;
    const seq = this.seq++;
    this.clock += Math.floor(rng.exp(this.meanGapMs));
    const t0 = this.clock;
    const ie: FlowIE = rng.next() < this.mix.importShare ? 'I' : 'E';
    const tradeMode = (ie === 'I' ? this.importModes : this.exportModes).pick(rng);
    const b2b = tradeMode === '9710' || tradeMode === '9810';
    const orderType = ie === 'I' ? 'I' : tradeMode === '9710' ? 'B' : tradeMode === '9810' ? 'W' : 'E';
    const four = this.drawFourDocument();
    let scenario = this.drawScenario(ie, four);
    const pk = poolKey(ie, b2b);

    // ---- who
    let watchEntry: { action: string } | null = null;
    let seller: Seller | undefined;
    if (
      scenario === 'GRADE_D' ||
      (scenario === 'WATCHLIST' && ie === 'E') ||
      (scenario === 'UNKNOWN_ENTERPRISE' && ie === 'E' && rng.next() < 0.4)
    ) {
      const special =
        scenario === 'GRADE_D' ? 'GRADE_D' : scenario === 'WATCHLIST' ? 'WATCHLIST' : 'OFF_FILE';
      const list = this.specialSellers.get(`${special}|${pk}`);
      if (list && list.length > 0) seller = rng.pick(list);
      else if (scenario !== 'UNKNOWN_ENTERPRISE') scenario = 'NONE';
      if (seller && scenario === 'WATCHLIST') {
        watchEntry =
          this.catalog.watchlist.find(
            (w) => w.subjectType === 'ENTERPRISE' && w.subject === seller!.e.code && w.active,
          ) ?? null;
        if (!watchEntry) scenario = 'NONE';
      }
    }
    const offFileSeller = !!seller && seller.e.gen.special === 'OFF_FILE';
    if (!seller) seller = (this.sellers.get(pk) ?? this.sellers.get(poolKey(ie, false))!).pick(rng);
    const pool = seller.pools.get(pk) ?? seller.pools.get(poolKey(ie, false))!;
    // a four-document parcel is sold through a platform declaring in that mode (no seller names one)
    const platform = (four ? this.fourPlatforms.get(ie)! : seller.platforms.get(ie)!).pick(rng);
    const payer = this.enterprise(rng.pick(platform.gen.payers ?? []));
    const route = this.routes.get(`${ie}|${tradeMode}`)!.pick(rng);
    const carrier = this.enterprise(rng.pick(route.carriers));
    const country =
      ie === 'I'
        ? (seller.e.gen.origin ?? this.routeCountries.get(route.id)!.pick(rng))
        : this.routeCountries.get(route.id)!.pick(rng);
    const dest = COUNTRIES[country];

    // ---- currency and goods
    let currency: string;
    if (ie === 'I') currency = CNY;
    else {
      const u = rng.next();
      currency = b2b
        ? u < 0.6
          ? '502'
          : u < 0.85
            ? dest.currency
            : CNY
        : u < 0.7
          ? dest.currency
          : u < 0.9
            ? '502'
            : CNY;
    }
    const rate = this.cnyPerUnit(currency, t0);
    const nItems = b2b
      ? rng.int(1, 6)
      : ((u) => (u < 0.6 ? 1 : u < 0.85 ? 2 : u < 0.95 ? 3 : rng.int(4, 5)))(rng.next());
    const lines: Line[] = [];
    for (let i = 0; i < nItems; i++) {
      let c = pool.pick(rng);
      for (let tries = 0; tries < 3 && lines.some((l) => l.c === c); tries++) c = pool.pick(rng);
      if (lines.some((l) => l.c === c)) continue;
      lines.push(this.line(c, ie, b2b, rate));
    }
    let licenseNo: string | null = null;
    if (scenario === 'PROHIBITED') {
      lines[0] = this.line(rng.pick(this.prohibited), ie, false, rate);
      lines[0].qty = 1;
    } else if (
      scenario === 'RESTRICTED_NO_LICENCE' ||
      (scenario === 'NONE' && ie === 'E' && !b2b && rng.next() < this.mix.licensedRestricted)
    ) {
      const l = this.line(rng.pick(this.restricted), ie, false, rate);
      l.qty = 1;
      lines.push(l);
      if (scenario === 'NONE')
        licenseNo = `${chinaDate8(t0).slice(0, 4)}${digits(hash32(`${seq}`, this.salt) % 100, 2)}LK${digits(rng.int(0, 9_999_999), 7)}`;
    } else if (scenario === 'PRICE_ANOMALY') {
      const l = lines[0];
      l.priceCents = this.toCents((l.n.ref ?? 100) * rng.real(0.05, 0.2), rate);
    }

    // ---- freight, import limits and taxes
    let goods = lines.reduce((s, l) => s + l.qty * l.priceCents, 0);
    let freight = 0;
    if (ie === 'E') {
      if (b2b) freight = this.toCents(rng.real(200, 3000), rate);
      else if (rng.next() < 0.7) freight = this.toCents(rng.real(15, 80), rate);
    } else if (rng.next() < 0.4) freight = rng.int(5, 30) * 100;
    if (ie === 'I') {
      if (scenario === 'OVER_SINGLE_LIMIT') {
        const target = 520_000 + rng.int(0, 300_000);
        if (goods + freight < target)
          lines[0].priceCents += Math.ceil((target - goods - freight) / lines[0].qty);
      } else {
        while (goods + freight > 450_000 && lines.length > 1) {
          lines.pop();
          goods = lines.reduce((s, l) => s + l.qty * l.priceCents, 0);
        }
        if (goods + freight > 450_000) {
          lines[0].qty = 1;
          lines[0].priceCents = Math.min(lines[0].priceCents, 400_000);
        }
      }
      goods = lines.reduce((s, l) => s + l.qty * l.priceCents, 0);
    }
    const insured = rng.next() < 0.2 ? Math.max(1, Math.round(goods * 0.003)) : 0;
    let taxTotal = 0;
    let discount = 0;
    if (ie === 'I') {
      taxTotal = importTaxCents(lines, freight, insured);
      if (rng.next() < 0.3) discount = Math.min(Math.floor(goods * 0.1), rng.int(5, 50) * 100);
    }
    const acturalPaid = goods + freight + taxTotal - discount;

    // ---- weights
    let netG = 0;
    let maxG = 0;
    for (const l of lines) {
      netG += l.qty * l.netGramsPerUnit;
      maxG += l.qty * l.n.maxGrams;
    }
    let grossG = Math.round(netG * (b2b ? rng.real(1.08, 1.25) : rng.real(1.05, 1.2)));
    grossG = Math.max(netG + 1, Math.min(grossG, Math.floor(maxG * 0.97)));
    let netOut = netG;
    if (scenario === 'WEIGHT_ANOMALY') {
      grossG = Math.round(maxG * rng.real(2.0, 4.0));
      netOut = Math.round(grossG * 0.85);
    }
    const packNo = b2b ? Math.max(1, Math.ceil(grossG / 20_000)) : 1;

    // ---- people (import)
    let buyer: Person | null = null;
    let payerPerson: Person | null = null;
    let consignee: Person | null = null;
    let verified = true;
    if (ie === 'I') {
      if (scenario === 'WATCHLIST') {
        const candidates = WATCHLISTED_PEOPLE.filter((p) =>
          this.catalog.watchlist.some((w) => w.id === p.entryId && w.active),
        );
        const p = candidates.length > 0 ? rng.pick(candidates) : null;
        if (!p) scenario = 'NONE';
        else {
          const entry = this.catalog.watchlist.find((w) => w.id === p.entryId)!;
          watchEntry = entry;
          const base = this.newPerson();
          const person: Person = { ...base, name: p.name, idNumber: p.idNumber };
          if (p.subjectType === 'BUYER') {
            buyer = person;
            consignee = person;
          } else {
            buyer = this.buyerFor(acturalPaid);
            consignee = { ...person, address: buyer.address, districtCode: buyer.districtCode };
          }
          payerPerson = buyer;
        }
      }
      if (!buyer) {
        buyer = this.buyerFor(acturalPaid);
        verified = scenario === 'BUYER_PAYER_MISMATCH' ? false : rng.next() >= this.mix.unverifiedBuyer;
        payerPerson =
          scenario === 'BUYER_PAYER_MISMATCH' || (verified && rng.next() < this.mix.payerNotBuyer)
            ? this.relativeOf(buyer)
            : buyer;
        consignee = rng.next() < this.mix.consigneeNotBuyer ? this.relativeOf(buyer) : buyer;
      }
    }

    // ---- identifiers
    const day = chinaDate8(t0);
    const orderNo = `${platform.gen.orderPrefix ?? 'OD'}${day.slice(2)}${this.runTag}${digits(this.nextCounter('O', platform.code), 8)}`;
    let logisticsCode = carrier.code;
    let logisticsName = carrier.name;
    let payCode = payer.code;
    let payName = payer.name;
    let ebcCode = seller.e.code;
    const ebcName = seller.e.name;
    if (scenario === 'UNKNOWN_ENTERPRISE' && !offFileSeller) {
      const fake = `${rng.pick(['3301', '3318', '4403', '4401', '3120'])}96Z${digits(rng.int(0, 999), 3)}`;
      const who = rng.next();
      if (who < 0.5) ebcCode = fake;
      else if (who < 0.75) {
        payCode = fake;
        payName = '未备案支付服务有限公司';
      } else {
        logisticsCode = fake;
        logisticsName = '未备案国际货运有限公司';
      }
    }
    const fmt = carrier.gen.noFormat ?? { kind: 'DIGITS' as const, prefix: 'WB', digits: 12 };
    const wbN = this.nextCounter('W', carrier.code);
    const head = hash32(carrier.code, this.salt);
    const headLen = fmt.kind === 'S10' ? 0 : Math.min(7, Math.max(0, fmt.digits - 9));
    const logisticsNo =
      fmt.kind === 'S10'
        ? s10(fmt.prefix, (head % 90_000_000) + wbN)
        : fmt.prefix +
          (headLen > 0 ? digits(head % 10 ** headLen, headLen) : '') +
          digits(wbN % 1_000_000_000, 9);
    const payRef = `${payer.gen.payPrefix ?? 'PAY'}${day}${this.runTag}${digits(this.nextCounter('P', payer.code), 9)}`;
    const carrierTag = (fmt.prefix + 'XX').slice(0, 2);
    const trans = this.transport.plan(rng, route, carrier.code, carrierTag, country, t0);

    // ---- documents
    const statisticsFlag =
      ie === 'I'
        ? null
        : !b2b &&
            seller.e.gen.simplified &&
            licenseNo === null &&
            lines.every(
              (l) =>
                l.c.control === 'NONE' &&
                !l.c.exportDuty &&
                (l.c.rebateRate === null || Number(l.c.rebateRate) === 0),
            )
          ? 'A'
          : 'B';
    const agent = seller.agent && (ie === 'I' || rng.next() < 0.6) ? seller.agent : null;
    const items: OrderItem[] = lines.map((l, i) => {
      const [itemName, gmodel] = l.c.gen.items[l.variant];
      const q1 = l.c.gen.qty1;
      return {
        gnum: i + 1,
        itemNo: `${seller!.e.code.slice(-4)}${l.c.gcode.slice(4, 8)}${l.variant + 1}`,
        itemName,
        itemDescribe: null,
        barCode: this.barCode(seller!.e.code, l.c, l.variant),
        gcode: l.c.gcode,
        gname: l.c.gname,
        gmodel,
        unit: l.c.gen.unit,
        qty: whole(l.qty),
        unit1: l.c.unit1,
        qty1:
          q1 === 'SAME'
            ? whole(l.qty)
            : q1 === 'NET_KG'
              ? grams(l.qty * l.netGramsPerUnit)
              : scaled5(l.qty * l.n.qty1Scaled),
        unit2: null,
        qty2: null,
        price: cents(l.priceCents),
        totalPrice: cents(l.qty * l.priceCents),
        currency,
        country,
        note: null,
      };
    });
    const order: Order = {
      guid: this.newGuid(),
      appType: '1',
      appTime: '',
      appStatus: '2',
      orderType,
      orderNo,
      ebpCode: platform.code,
      ebpName: platform.name,
      ebcCode,
      ebcName,
      goodsValue: cents(goods),
      freight: cents(freight),
      discount: ie === 'I' ? cents(discount) : null,
      taxTotal: ie === 'I' ? cents(taxTotal) : null,
      acturalPaid: ie === 'I' ? cents(acturalPaid) : null,
      currency,
      buyerRegNo: buyer?.regNo ?? null,
      buyerName: buyer?.name ?? null,
      buyerTelephone: buyer?.phone ?? null,
      buyerIdType: buyer ? '1' : null,
      buyerIdNumber: buyer?.idNumber ?? null,
      buyerIdVerified: buyer ? verified : null,
      payCode,
      payName,
      payTransactionId: ie === 'I' ? payRef : null,
      consignee: consignee?.name ?? null,
      consigneeTelephone: consignee?.phone ?? null,
      consigneeAddress: consignee?.address ?? null,
      consigneeDistrict: consignee?.districtCode ?? null,
      tradeMode,
      customsCode: route.customsCode,
      ownerCode: ie === 'I' ? ebcCode : seller.owner.code,
      ownerName: ie === 'I' ? ebcName : seller.owner.name,
      agentCode: agent?.code ?? null,
      agentName: agent?.name ?? null,
      statisticsFlag,
      summaryFlag: ie === 'I' ? null : (seller.e.gen.summaryFlag ?? '1'),
      licenseNo,
      note: null,
      items,
    };
    const payment: Payment = {
      guid: this.newGuid(),
      appType: '1',
      appTime: '',
      appStatus: '2',
      ieFlag: ie,
      ebpCode: platform.code,
      ebpName: platform.name,
      ebcCode: ie === 'E' ? ebcCode : null,
      ebcName: ie === 'E' ? ebcName : null,
      orderNo,
      payCode,
      payName,
      payNo: ie === 'E' ? payRef : null,
      payTransactionId: ie === 'I' ? payRef : null,
      charge: ie === 'E' ? cents(goods + freight) : null,
      amountPaid: ie === 'I' ? cents(acturalPaid) : null,
      currency,
      accountingDate: null,
      payTime: null,
      payerIdType: payerPerson ? '1' : null,
      payerIdNumber: payerPerson?.idNumber ?? null,
      payerName: payerPerson?.name ?? null,
      telephone: payerPerson?.phone ?? null,
      note: null,
    };
    const first = items[0];
    const waybill: Waybill = {
      guid: this.newGuid(),
      appType: '1',
      appTime: '',
      appStatus: '2',
      ieFlag: ie,
      logisticsCode,
      logisticsName,
      logisticsNo,
      ebpCode: platform.code,
      orderNo,
      freight: cents(freight),
      insuredFee: cents(insured),
      currency,
      grossWeight: scenario === 'WEIGHT_INVALID' ? '0.00000' : grams(grossG),
      netWeight: grams(netOut),
      packNo,
      goodsInfo: items.length > 1 ? `${first.gname}等${items.length}种` : first.gname,
      ebcCode: ie === 'E' ? ebcCode : null,
      ebcName: ie === 'E' ? ebcName : null,
      ebcTelephone: ie === 'E' ? (seller.e.gen.telephone ?? null) : null,
      consignee: consignee?.name ?? null,
      consigneeAddress: consignee?.address ?? null,
      consigneeTelephone: consignee?.phone ?? null,
      trafMode: route.trafMode,
      trafName: trans.trafName,
      voyageNo: trans.voyageNo,
      billNo: trans.billNo,
      totalPackageNo: trans.totalPackageNo,
      portCode: route.portCode,
      country,
      POD: trans.POD,
      loctNo: route.loctNo,
      wrapType: b2b ? (tradeMode === '9810' ? '5' : '2') : rng.next() < 0.7 ? '6' : '2',
      note: null,
    };

    // ---- case-level errors on the documents
    const reasons: MatchReasonCode[] = [];
    switch (scenario) {
      case 'AMOUNT_MISMATCH': {
        const off = Math.max(1, Math.round((goods + freight) * rng.real(0.001, 0.1)));
        if (ie === 'E')
          payment.charge = cents(goods + freight + (rng.next() < 0.5 && goods + freight > off ? -off : off));
        else if (rng.next() < 0.5) payment.amountPaid = cents(acturalPaid + off);
        else {
          order.acturalPaid = cents(acturalPaid + off);
          payment.amountPaid = order.acturalPaid;
        }
        reasons.push(MatchReason.AMOUNT_MISMATCH);
        break;
      }
      case 'ITEM_TOTAL_MISMATCH': {
        const it = items[rng.int(0, items.length - 1)];
        it.price = cents(lines[it.gnum - 1].priceCents + rng.int(1, 500));
        reasons.push(MatchReason.ITEM_TOTAL_MISMATCH);
        break;
      }
      case 'GOODS_VALUE_MISMATCH': {
        const g2 = goods + rng.int(1, Math.max(2, Math.round(goods * 0.2)));
        order.goodsValue = cents(g2);
        if (ie === 'E') payment.charge = cents(g2 + freight);
        else {
          order.acturalPaid = cents(g2 + freight + taxTotal - discount);
          payment.amountPaid = order.acturalPaid;
        }
        reasons.push(MatchReason.GOODS_VALUE_MISMATCH);
        break;
      }
      case 'CURRENCY_MISMATCH':
        payment.currency = currency === CNY ? '502' : CNY;
        reasons.push(MatchReason.CURRENCY_MISMATCH);
        break;
      case 'CONSIGNEE_MISMATCH': {
        const v = rng.int(0, 2);
        if (v === 0) waybill.consigneeTelephone = this.newPerson().phone;
        else if (v === 1) waybill.consigneeAddress = this.newPerson().address;
        else waybill.consignee = this.newPerson().name;
        reasons.push(MatchReason.CONSIGNEE_MISMATCH);
        break;
      }
      case 'BUYER_PAYER_MISMATCH':
        reasons.push(MatchReason.BUYER_PAYER_MISMATCH);
        break;
      case 'WEIGHT_INVALID':
        reasons.push(MatchReason.WEIGHT_INVALID);
        break;
      case 'UNKNOWN_ENTERPRISE':
        reasons.push(MatchReason.ENTERPRISE_NOT_ON_FILE);
        break;
      default:
        break;
    }

    // ---- timeline: the documents in random order, at least 1 s apart, within maxDelay
    const key = orderKey(order);
    const kinds: ReadonlyArray<AnyKind> = four ? FOUR_KINDS : KINDS;
    const n = kinds.length;
    const step = Math.max(1000, Math.floor(this.maxDelay / n));
    const slotTimes = [rng.int(0, step)];
    for (let i = 1; i < n; i++) slotTimes.push(slotTimes[i - 1] + rng.int(1000, step));
    const orderOfKinds = [...kinds];
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [orderOfKinds[i], orderOfKinds[j]] = [orderOfKinds[j], orderOfKinds[i]];
    }
    if (scenario === 'CHANGE_FIXES_BEFORE_MATCH' && orderOfKinds[n - 1] === 'PAYMENT')
      [orderOfKinds[0], orderOfKinds[n - 1]] = [orderOfKinds[n - 1], orderOfKinds[0]];
    const at: Record<AnyKind, number> = { ORDER: 0, PAYMENT: 0, WAYBILL: 0, LIST: 0 };
    orderOfKinds.forEach((k, i) => (at[k] = t0 + slotTimes[i]));
    const docs: { ORDER: Order; PAYMENT: Payment; WAYBILL: Waybill; LIST?: FiledList } = {
      ORDER: order,
      PAYMENT: payment,
      WAYBILL: waybill,
    };
    for (const k of KINDS) docs[k].appTime = chinaTime14(at[k]);
    if (ie === 'E') payment.accountingDate = chinaTime14(at.PAYMENT);
    else payment.payTime = chinaTime14(at.PAYMENT - rng.int(60_000, 3_600_000));

    // ---- the filed list (four-document parcels): from the documents as the case will hold them
    let listDetail: string | null = null;
    if (four) {
      const filer = agent ? { code: agent.code, name: agent.name } : { code: ebcCode, name: ebcName };
      const list = filedListOf(order, waybill, {
        guid: this.newGuid(),
        appTime: chinaTime14(at.LIST),
        declDate: chinaDate8(at.LIST),
        filer,
        copNo: `${filer.code.slice(-4)}${day.slice(2)}${this.runTag}${digits(this.nextCounter('L', filer.code) % 1_000_000, 6)}`,
      });
      docs.LIST = list;
      if (scenario === 'GOODS_VALUE_MISMATCH') {
        // the list's lines are the order's: their sum disagrees with goodsValue as well
        reasons.push(MatchReason.LIST_TOTAL_MISMATCH);
      } else if (scenario === 'LIST_MISMATCH') {
        const v = rng.int(0, 2);
        if (v < 2) {
          // one line differs: its qty (the filer's count) or its price, with totalPrice = qty x price
          const it = list.items[rng.int(0, list.items.length - 1)];
          const l = lines[it.gnum - 1];
          let qty = l.qty;
          let price = l.priceCents;
          if (v === 0) qty = qty > 1 && rng.next() < 0.5 ? qty - 1 : qty + 1;
          else {
            const off = Math.max(1, Math.round(price * rng.real(0.02, 0.2)));
            price = price > off && rng.next() < 0.5 ? price - off : price + off;
          }
          it.qty = whole(qty);
          it.price = cents(price);
          it.totalPrice = cents(qty * price);
          listDetail = v === 0 ? 'qty' : 'price';
          reasons.push(MatchReason.LIST_ITEM_MISMATCH, MatchReason.LIST_TOTAL_MISMATCH);
        } else {
          list.grossWeight = grams(grossG + rng.int(50, Math.max(100, Math.round(grossG * 0.2))));
          listDetail = 'grossWeight';
          reasons.push(MatchReason.LIST_WEIGHT_MISMATCH);
        }
      }
    }

    const sends: Send[] = [];
    const listSends: ListSend[] = [];
    const send = (
      doc: AnyKind,
      value: AnyDoc,
      role: SendRole,
      timestamp: number,
      expect: SendExpect,
      rejectReason: string | null = null,
      detail: string | null = null,
      garbage: Uint8Array | null = null,
    ): void => {
      const s = {
        doc,
        value,
        role,
        timestamp,
        topic: TOPIC[doc],
        key,
        expect,
        rejectReason,
        detail,
        garbage,
      };
      if (doc === 'LIST') listSends.push(s as ListSend);
      else sends.push(s as Send);
    };
    /** A new version of a document: new guid, appType, appTime at `t`. */
    const version = <T extends AnyDoc>(doc: T, appType: string, t: number): T => ({
      ...doc,
      guid: this.newGuid(),
      appType,
      appTime: chinaTime14(t),
    });
    /** The first version of each document, as sent (the list with its mismatch detail). */
    const original = (k: AnyKind, value: AnyDoc = docs[k]!): void =>
      send(k, value, 'ORIGINAL', at[k], 'APPLIED', null, k === 'LIST' ? listDetail : null);

    const last = orderOfKinds[n - 1];
    const tLast = at[last];
    let missing: AnyKind | null = null;
    let decidedAt: number | null = tLast;
    let match: ExpectedOutcome['match'] = reasons.length > 0 ? 'REJECTED' : 'MATCHED';
    const interim: MatchReasonCode[] = [];
    const final: { ORDER: Order; PAYMENT: Payment; WAYBILL: Waybill; LIST?: FiledList } = { ...docs };

    switch (scenario) {
      case 'MISSING_DOCUMENT': {
        missing = rng.pick(kinds);
        for (const k of orderOfKinds) if (k !== missing) original(k);
        match = 'TIMED_OUT';
        reasons.push(MatchReason.MATCH_TIMEOUT);
        decidedAt = null;
        break;
      }
      case 'DELETION': {
        // all but the last document, then one of them deleted: the case is withdrawn
        missing = last;
        const sent = orderOfKinds.slice(0, n - 1);
        for (const k of sent) original(k);
        const victim = n === 3 ? (rng.next() < 0.5 ? sent[0] : sent[1]) : rng.pick(sent);
        const tDel = at[sent[n - 2]] + rng.int(1000, this.maxDelay);
        send(victim, version(docs[victim]!, '3', tDel), 'DELETE', tDel, 'APPLIED');
        match = 'WITHDRAWN';
        decidedAt = null;
        break;
      }
      case 'DELETION_TOO_LATE': {
        for (const k of orderOfKinds) original(k);
        const victim = rng.pick(kinds);
        const tDel = tLast + rng.int(60_000, this.followUp);
        send(victim, version(docs[victim]!, '3', tDel), 'DELETE', tDel, 'REJECTED', 'ALREADY_DECIDED');
        break;
      }
      case 'CHANGE': {
        const k = orderOfKinds[0];
        for (const x of orderOfKinds) original(x);
        const tc = rng.int(at[k] + 1, tLast - 1);
        const changed = version(docs[k]!, '2', tc);
        changed.note =
          k === 'ORDER'
            ? '买家修改订单备注'
            : k === 'PAYMENT'
              ? '支付信息补充说明'
              : k === 'WAYBILL'
                ? '更正运单备注'
                : '更正清单备注';
        if (k === 'ORDER') final.ORDER = changed as Order;
        else if (k === 'PAYMENT') final.PAYMENT = changed as Payment;
        else if (k === 'WAYBILL') final.WAYBILL = changed as Waybill;
        else final.LIST = changed as FiledList;
        send(k, changed, 'CHANGE', tc, 'APPLIED', null, 'note');
        break;
      }
      case 'CHANGE_FIXES_BEFORE_MATCH':
      case 'CHANGE_FIXES_AFTER_REJECT': {
        const wrong: Payment = { ...payment };
        const off = Math.max(1, Math.round((goods + freight) * rng.real(0.01, 0.1)));
        if (ie === 'E') wrong.charge = cents(goods + freight + off);
        else wrong.amountPaid = cents(acturalPaid + off);
        for (const x of orderOfKinds) original(x, x === 'PAYMENT' ? wrong : docs[x]);
        const tc =
          scenario === 'CHANGE_FIXES_BEFORE_MATCH'
            ? rng.int(at.PAYMENT + 1, tLast - 1)
            : tLast + rng.int(60_000, this.followUp);
        const fixed = version(payment, '2', tc);
        if (ie === 'E') fixed.accountingDate = wrong.accountingDate;
        final.PAYMENT = fixed;
        send('PAYMENT', fixed, 'CHANGE', tc, 'APPLIED', null, ie === 'E' ? 'charge' : 'amountPaid');
        if (scenario === 'CHANGE_FIXES_AFTER_REJECT') {
          interim.push(MatchReason.AMOUNT_MISMATCH);
          decidedAt = tc;
        }
        break;
      }
      default:
        for (const k of orderOfKinds) original(k);
    }

    // ---- transport noise
    const noise: Noise[] = [];
    if (scenario !== 'DELETION' && scenario !== 'DELETION_TOO_LATE' && !scenario.startsWith('CHANGE')) {
      const sent = KINDS.filter((k) => k !== missing);
      for (const knob of NOISE_KNOBS) {
        if (!(rng.next() < this.errors[knob])) continue;
        if (knob === 'duplicate') {
          const k = rng.pick(sent);
          send(k, docs[k], 'DUPLICATE', at[k] + rng.int(1000, this.followUp), 'IGNORED');
          noise.push('DUPLICATE');
        } else if (knob === 'invalidDocument') {
          const k = rng.pick(sent);
          const t = at[k] - rng.int(1000, MAX_LEAD_MS);
          const bad = version(docs[k], '1', t);
          let detail: string;
          if (rng.next() < 0.4) {
            bad.guid = rng.next() < 0.5 ? bad.guid.toLowerCase() : bad.guid.slice(0, 35);
            detail = 'INVALID_GUID';
          } else {
            const broken = rng.pick(['12,50000', '1.234567', '-5.00000', 'abc', '1e3']);
            if (k === 'ORDER') (bad as Order).goodsValue = broken;
            else if (k === 'PAYMENT') {
              if (ie === 'E') (bad as Payment).charge = broken;
              else (bad as Payment).amountPaid = broken;
            } else (bad as Waybill).grossWeight = broken;
            detail = 'INVALID_DECIMAL';
          }
          send(k, bad, 'INVALID', t, 'REJECTED', MatchReason.INVALID_DOCUMENT, detail);
          noise.push('INVALID');
        } else if (knob === 'undecodable') {
          const k = rng.pick(sent);
          const t = at[k] - rng.int(1000, MAX_LEAD_MS);
          send(k, docs[k], 'UNDECODABLE', t, 'DEAD_LETTER', null, null, this.garbage(k));
          noise.push('UNDECODABLE');
        } else {
          const ks = sent.filter((k) => k !== 'ORDER');
          if (ks.length === 0) continue;
          const k = rng.pick(ks);
          const t = at[k] - rng.int(1000, MAX_LEAD_MS);
          const bad = version(docs[k], '1', t);
          bad.orderNo = orderNo.slice(0, -1) + String((Number(orderNo.slice(-1)) + 1) % 10);
          send(k, bad, 'WRONG_KEY', t, 'REJECTED', MatchReason.KEY_MISMATCH, 'orderNo');
          noise.push('WRONG_KEY');
        }
      }
    }
    sends.sort((a, b) => a.timestamp - b.timestamp);
    listSends.sort((a, b) => a.timestamp - b.timestamp);

    // ---- expectation
    let risk: ExpectedRisk | null = null;
    if (match === 'MATCHED') {
      const rule = (outcome: ExpectedRisk['outcome'], ...rules: RuleKindCode[]): ExpectedRisk => ({
        outcome,
        rules,
      });
      switch (scenario) {
        case 'PROHIBITED':
          risk = rule('REJECT', RuleKind.NEGATIVE_LIST_PROHIBITED);
          break;
        case 'RESTRICTED_NO_LICENCE':
          risk = rule('INSPECT', RuleKind.NEGATIVE_LIST_RESTRICTED);
          break;
        case 'GRADE_D':
          risk = rule('INSPECT', RuleKind.ENTERPRISE_GRADE_D, RuleKind.SAMPLING);
          break;
        case 'WATCHLIST':
          risk = rule(watchEntry?.action === 'HOLD' ? 'HOLD' : 'INSPECT', RuleKind.WATCHLIST);
          break;
        case 'PRICE_ANOMALY':
          risk = rule('INSPECT', RuleKind.PRICE_ANOMALY);
          break;
        case 'WEIGHT_ANOMALY':
          risk = rule('INSPECT', RuleKind.WEIGHT_ANOMALY);
          break;
        case 'OVER_SINGLE_LIMIT':
          risk = rule('REJECT', RuleKind.IMPORT_SINGLE_LIMIT);
          break;
        default:
          risk = rule('RELEASE');
      }
    }
    const firstApplied = (ss: ReadonlyArray<Send | ListSend>): number =>
      ss.find((s) => s.expect === 'APPLIED' && s.role !== 'DELETE')?.timestamp ?? Infinity;
    const earliest = Math.min(firstApplied(sends), firstApplied(listSends));
    const firstDocumentAt = Number.isFinite(earliest) ? earliest : t0;
    const code: ExpectedOutcome['code'] =
      match === 'MATCHED' ? 'MATCH' : match === 'WITHDRAWN' ? 'WITHDRAWN' : reasons[0];
    return {
      seq,
      startedAt: t0,
      orderKey: key,
      waybillKey: waybillKey(waybill),
      ieFlag: ie,
      orderType,
      tradeMode,
      order: final.ORDER,
      payment: final.PAYMENT,
      waybill: final.WAYBILL,
      ...(four ? { list: final.LIST } : {}),
      missing,
      sends,
      ...(four ? { listSends } : {}),
      scenario,
      noise,
      expected: {
        code,
        match,
        reasons: match === 'MATCHED' ? [] : reasons,
        interimReasons: interim,
        firstDocumentAt,
        decidedAt,
        risk,
      },
    };
  }

  /** Bytes that are not registry-framed Avro: an XML message sent to the wrong place, or a broken frame. */
  private garbage(kind: DocKind): Uint8Array {
    const rng = this.rng;
    if (rng.next() < 0.5) {
      const msg = kind === 'ORDER' ? 'CEB303Message' : kind === 'PAYMENT' ? 'CEB403Message' : 'CEB505Message';
      return new TextEncoder().encode(
        `<?xml version="1.0" encoding="UTF-8"?><ceb:${msg} guid="${this.newGuid()}" version="1.0" xmlns:ceb="http://www.chinaport.gov.cn/ceb">`,
      );
    }
    const n = rng.int(6, 48);
    const out = new Uint8Array(n);
    out[0] = 0;
    out[1] = 0x7f;
    for (let i = 2; i < n; i++) out[i] = rng.int(0, 255);
    return out;
  }
}
