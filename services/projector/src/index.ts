// Public API of the projector (for the CLI and the all-in-one process).
export { Projector, createProjector } from './projector';
export type { ProjectorOptions, ProjectorStatus } from './projector';
export { replayProjection, ReplayRefusedError } from './replay';
export type { ReplayOptions, ReplayResult, ReplayProgress } from './replay';
export { bootstrapProjectorService } from './service';
export type { RunningProjector } from './service';
export { projectorEnv, projectorEnvSchema } from './config';
export type { ProjectorEnv } from './config';
export { PROJECTIONS, PROJECTION_NAMES, projectionByName } from './projections';
export { readReturns, RETURN_ROLES } from './read-returns';
export type { ReadReturnsOptions, ReturnRow } from './read-returns';
export {
  DEFAULT_SCHEMA_PREFIX,
  projectionSchema,
  ensureProjectionSchema,
  swapSchemas,
  countRows,
} from './schema';
export { SOURCES, topicNames } from './sources';
export { watermarks } from './kafka';
export type { ProjectionName, Projection, SourceKey, TopicNames } from './sources';
export type { RecordDecoder } from './decode';
