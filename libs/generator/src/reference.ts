/**
 * Reference data shipped with the repo (libs/generator/reference/*.json): enterprises on file,
 * commodities (HS codes), customs exchange rates, the watchlist and the default risk rule set,
 * as the contracts types, plus what a publisher needs (topic and record key per type).
 *
 * The JSON also carries a `gen` object per enterprise and commodity: how the generator uses it
 * (platform order prefix, seller's chapters, carrier number format, declared unit, item names).
 * `loadReferenceData()` strips it; `loadGeneratorCatalog()` keeps it.
 */
import {
  Topics,
  type Commodity,
  type Enterprise,
  type ExchangeRate,
  type RuleSet,
  type TopicSpec,
  type WatchlistEntry,
} from '@clearance/contracts';
import commoditiesJson from '../reference/commodities.json';
import enterprisesJson from '../reference/enterprises.json';
import fourDocumentPlatformsJson from '../reference/four-document-platforms.json';
import exchangeRatesJson from '../reference/exchange-rates.json';
import ruleSetJson from '../reference/rule-set.json';
import watchlistJson from '../reference/watchlist.json';

export interface ReferenceData {
  enterprises: Enterprise[];
  commodities: Commodity[];
  exchangeRates: ExchangeRate[];
  watchlist: WatchlistEntry[];
  ruleSet: RuleSet;
}

/** Carrier waybill-number formats. */
export type LogisticsNoFormat =
  { kind: 'S10'; prefix: string } | { kind: 'DIGITS'; prefix: string; digits: number };

/** How the generator uses an enterprise (not part of the Enterprise contract). */
export interface EnterpriseGen {
  telephone: string;
  /** EBP: order-number prefix, flows served (E, I or EI), payment institutions used, popularity. */
  orderPrefix?: string;
  flows?: string;
  payers?: string[];
  weight?: number;
  /** EBC: HS chapters sold, production/sales unit when not itself, summary/simplified habits, platforms, agent. */
  chapters?: string[];
  owner?: string;
  summaryFlag?: string;
  simplified?: boolean;
  platforms?: string[];
  agent?: string;
  /** Import seller: country of origin of its goods. */
  origin?: string;
  /** Used only by error knobs: grade-D seller, filing revoked, on the watchlist. */
  special?: 'GRADE_D' | 'OFF_FILE' | 'WATCHLIST';
  /** CARRIER: waybill number format. */
  noFormat?: LogisticsNoFormat;
  /** PAYER: payment number prefix. */
  payPrefix?: string;
}

/** How the generator uses a commodity (not part of the Commodity contract). */
export interface CommodityGen {
  /** Declared unit (JGS-20). */
  unit: string;
  /** qty1 in unit1: SAME as qty, NET_KG (net weight of the line), or a fixed legal quantity per declared unit. */
  qty1: string;
  /** Flows it appears in: E, I, EI; empty = only through error knobs. */
  flows: string;
  /** Popularity weight within a seller's chapters. */
  weight: number;
  /** Traded B2B / to overseas warehouses (9710/9810) too. */
  b2b: boolean;
  /** Seller item names and specifications (gmodel). */
  items: Array<[string, string]>;
}

export interface CatalogEnterprise extends Enterprise {
  gen: EnterpriseGen;
}
export interface CatalogCommodity extends Commodity {
  gen: CommodityGen;
}

/** Reference data plus the generator's `gen` annotations. */
export interface GeneratorCatalog extends ReferenceData {
  enterprises: CatalogEnterprise[];
  commodities: CatalogCommodity[];
}

/** Deep copy so callers may mutate what they get. */
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Which reference data to load. */
export interface ReferenceOptions {
  /**
   * Add the platforms that declare in four-document mode (listMode FOUR_DOCUMENT,
   * reference/four-document-platforms.json) after the other enterprises. Default false: the
   * reference data without them, as published by default; the generator draws them only for its
   * four-document parcels (GeneratorOptions.fourDocument).
   */
  fourDocument?: boolean;
}

/** The reference data with the generator annotations (fresh copy on every call). */
export function loadGeneratorCatalog(options: ReferenceOptions = {}): GeneratorCatalog {
  const enterprises = options.fourDocument
    ? [...enterprisesJson, ...fourDocumentPlatformsJson]
    : enterprisesJson;
  return {
    enterprises: clone(enterprises) as unknown as CatalogEnterprise[],
    commodities: clone(commoditiesJson) as unknown as CatalogCommodity[],
    exchangeRates: clone(exchangeRatesJson) as ExchangeRate[],
    watchlist: clone(watchlistJson) as WatchlistEntry[],
    ruleSet: clone(ruleSetJson) as unknown as RuleSet,
  };
}

/** The reference data as the contracts types (exactly the schema fields), fresh copy on every call. */
export function loadReferenceData(options: ReferenceOptions = {}): ReferenceData {
  const c = loadGeneratorCatalog(options);
  return {
    enterprises: c.enterprises.map(({ gen: _gen, ...e }) => e),
    commodities: c.commodities.map(({ gen: _gen, ...x }) => x),
    exchangeRates: c.exchangeRates,
    watchlist: c.watchlist,
    ruleSet: c.ruleSet,
  };
}

/**
 * Only the platforms declaring in four-document mode (listMode FOUR_DOCUMENT), as the contracts
 * type: what to publish besides the default reference data before four-document traffic.
 */
export function fourDocumentPlatforms(): Enterprise[] {
  return (clone(fourDocumentPlatformsJson) as unknown as CatalogEnterprise[]).map(({ gen: _gen, ...e }) => e);
}

// ------------------------------------------------------------------------------- publishing
/** Record key of each reference type on its compacted topic. */
export const referenceKeys = {
  enterprise: (e: Enterprise): string => e.code,
  commodity: (c: Commodity): string => c.gcode,
  exchangeRate: (r: ExchangeRate): string => `${r.currency}:${r.period}`,
  watchlist: (w: WatchlistEntry): string => w.id,
  /** One rule set is in force: the newest published under this key. */
  ruleSet: (_r: RuleSet): string => 'active',
} as const;

/** Topic and key function per reference type. */
export const referenceTopics = {
  enterprise: { topic: Topics.enterprise, key: referenceKeys.enterprise },
  commodity: { topic: Topics.commodity, key: referenceKeys.commodity },
  exchangeRate: { topic: Topics.exchangeRate, key: referenceKeys.exchangeRate },
  watchlist: { topic: Topics.watchlist, key: referenceKeys.watchlist },
  ruleSet: { topic: Topics.ruleSet, key: referenceKeys.ruleSet },
} as const;

/** One record to publish: topic spec (name, schema), key, value. */
export type ReferenceRecord =
  | { type: 'enterprise'; topic: TopicSpec<Enterprise>; key: string; value: Enterprise }
  | { type: 'commodity'; topic: TopicSpec<Commodity>; key: string; value: Commodity }
  | { type: 'exchangeRate'; topic: TopicSpec<ExchangeRate>; key: string; value: ExchangeRate }
  | { type: 'watchlist'; topic: TopicSpec<WatchlistEntry>; key: string; value: WatchlistEntry }
  | { type: 'ruleSet'; topic: TopicSpec<RuleSet>; key: string; value: RuleSet };

/** Every reference record to publish, in a stable order (rule set last, after what it refers to). */
export function referenceRecords(data: ReferenceData = loadReferenceData()): ReferenceRecord[] {
  return [
    ...data.enterprises.map((value): ReferenceRecord => ({
      type: 'enterprise',
      topic: Topics.enterprise,
      key: referenceKeys.enterprise(value),
      value,
    })),
    ...data.commodities.map((value): ReferenceRecord => ({
      type: 'commodity',
      topic: Topics.commodity,
      key: referenceKeys.commodity(value),
      value,
    })),
    ...data.exchangeRates.map((value): ReferenceRecord => ({
      type: 'exchangeRate',
      topic: Topics.exchangeRate,
      key: referenceKeys.exchangeRate(value),
      value,
    })),
    ...data.watchlist.map((value): ReferenceRecord => ({
      type: 'watchlist',
      topic: Topics.watchlist,
      key: referenceKeys.watchlist(value),
      value,
    })),
    { type: 'ruleSet', topic: Topics.ruleSet, key: referenceKeys.ruleSet(data.ruleSet), value: data.ruleSet },
  ];
}
