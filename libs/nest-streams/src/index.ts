export { StreamsTransport } from './transport';
export {
  StreamsOpsModule,
  StreamsHealthController,
  MetricsController,
  STREAMS_RUNTIMES,
  METRICS_REGISTRY,
} from './health';
export { streamsEnvSchema, validateConfig } from './config';
export type { StreamsEnv } from './config';
export { bootstrapStreamsService, runStreamsServiceMain } from './bootstrap';
export type {
  StreamsServiceSpec,
  StreamsServiceContext,
  RunningStreamsService,
  ReconfiguringSpec,
  ServiceRuntime,
} from './bootstrap';
export { StreamThreads, runtimeStatus, streamThreadIndex } from './threads';
export type { RuntimeStatus, Startable, MetricsSource } from './threads';
export { serviceAcls } from './acls';
