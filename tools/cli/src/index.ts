// What tests and scripts reuse from the CLI (main.ts is the command line itself).
export { BatchProducer } from './produce';
export { publishReference } from './reference';
export { ensureTopics } from './topics';
export { driveLoad } from './load';
export type { LoadOptions, LoadResult } from './load';
export { startService, stopService, killService, processUsage, SERVICE_NAMES } from './processes';
export type { ServiceProcess, ServiceName, ProcessUsage } from './processes';
export { TopicWatcher } from './watch';
export type { Watched } from './watch';
export { startEngine, waitEngineReady, STREAM_SERVICES } from './engine';
export { runDemo, formatReport, publishPeriodClose } from './demo';
export { cliEnv, loadStackEnv, REPO_ROOT } from './env';
export { closePeriodArgument } from './period-argument';
