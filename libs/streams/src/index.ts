export * from './serdes';
export * from './errors';
export * from './definition';
export * from './partitioner';
export type { Logger } from './logger';
export { silentLogger } from './logger';
export * from './testing/test-driver';
