export * from './types';
export { ParcelGenerator, NO_ERRORS, REALISTIC_ERRORS, DEFAULT_MIX, MAX_LEAD_MS } from './generator';
export { MatchReason, ALL_MATCH_REASONS, RuleKind } from './reason-codes';
export type { MatchReasonCode, RuleKindCode } from './reason-codes';
export {
  loadReferenceData,
  loadGeneratorCatalog,
  fourDocumentPlatforms,
  referenceKeys,
  referenceTopics,
  referenceRecords,
} from './reference';
export type {
  CatalogCommodity,
  CatalogEnterprise,
  CommodityGen,
  EnterpriseGen,
  GeneratorCatalog,
  LogisticsNoFormat,
  ReferenceOptions,
  ReferenceRecord,
} from './reference';
export { filedListOf } from './filed-list';
export type { FiledListFacts, ListFiler } from './filed-list';
export { departures, inspectionResult, plausibleInspection } from './departures';
export type {
  DepartureGroup,
  DepartureOptions,
  GeneratedDeparture,
  InspectionOptions,
  ReleasedWaybill,
} from './departures';
export { inEventTimeOrder, parcels } from './event-order';
export type { TimedAnySend, TimedSend } from './event-order';
export { Rng, Weighted, hash32 } from './prng';
export {
  cents,
  grams,
  chinaTime14,
  chinaTime17,
  chinaDate8,
  chinaPeriod,
  chinaWallToMs,
  toMinor,
} from './format';
export { COUNTRIES, CURRENCIES, UNITS, TRAF_MODES, CUSTOMS, ROUTES, WATCHLISTED_PEOPLE } from './codes';
export type { Route } from './codes';
