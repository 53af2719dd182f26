export * from './serdes';
export * from './errors';
export * from './definition';
export * from './partitioner';
export * from './deadline-index';
export type { Logger } from './logger';
export { silentLogger } from './logger';
export * from './testing/test-driver';
export * from './testing/batch-driver';
export { StreamsRuntime } from './runtime/runtime';
export type { StreamsRuntimeConfig, TaskPhase, TaskStatus, AssignmentStatus } from './runtime/runtime';
export { StreamsMetrics } from './runtime/metrics';
export { assignTasks } from './runtime/assigner';
export type { KafkaLogLevel } from './runtime/kafka-logging';
export { runtimeAcls, mergeAcls } from './acls';
export type { AclRule, AclOperation, AclResourceType, AclPatternType } from './acls';
export { ReconfiguringRuntime } from './runtime/reconfiguring';
export { waitForLeaders } from './runtime/topics';
export { GlobalTablesReader } from './runtime/global-reader';
export type { GlobalReaderDeps } from './runtime/global-reader';
export type { ReconfiguringRuntimeOptions } from './runtime/reconfiguring';
export {
  PII_FIELDS,
  PII_CENSOR,
  PII_REDACT_DEPTH,
  piiRedaction,
  piiRedactPaths,
  scrubPii,
  scrubErrorText,
  redactError,
  scrubLogObject,
  isPiiKey,
} from './pii';
