// Public API of the query API (for the all-in-one process).
export { createQueryApi } from './app';
export type { RunningQueryApi, QueryApiOptions } from './app';
export { queryApiConfigFromEnv, resolveQueryApiConfig, queryApiConfigSchema } from './config';
export type { QueryApiConfig, ResolvedQueryApiConfig } from './config';
export { ReadModels } from './read-models';
export type { ParcelView, DeclarationView, StatisticsView, StatisticsRow } from './read-models';
