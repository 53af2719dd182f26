import 'reflect-metadata';
import { INestApplication, Logger as NestLogger, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { piiRedaction } from '@clearance/streams';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { kafkaConnection, RegistryCodecs } from '@clearance/contracts';
import {
  AnyProcessorDefinition,
  ReconfiguringRuntime,
  StreamsRuntime,
  type AclRule,
  type GlobalSpec,
  type GlobalTable,
  type Logger,
  type StreamsRuntimeConfig,
} from '@clearance/streams';
import { type StreamsEnv, streamsEnvSchema, validateConfig } from './config';
import { StreamsOpsModule } from './health';
import {
  runtimeStatus,
  serveStreamThread,
  StreamThreads,
  streamThreadIndex,
  type RuntimeStatus,
} from './threads';
import { StreamsTransport } from './transport';

export interface StreamsServiceContext<C> {
  env: StreamsEnv;
  config: C;
  codecs: RegistryCodecs;
  logger: Logger;
}

export interface StreamsServiceSpec<C> {
  /** Service name: log name and default application ids. */
  name: string;
  /** The service's own settings (group ids, windows, …), read from the environment. */
  config: z.ZodType<C, z.ZodTypeDef, unknown>;
  /** The processors this service runs. */
  definitions(ctx: StreamsServiceContext<C>): AnyProcessorDefinition[];
  /** Consumer group id of a definition; default its name (used exactly as given). */
  groupId?(definition: AnyProcessorDefinition, config: C): string;
  /**
   * Processors whose topics are data (a {@link ReconfiguringRuntime} each): the definition is
   * built from a compacted table and rebuilt when the table changes its topics.
   */
  reconfiguring?(ctx: StreamsServiceContext<C>): ReconfiguringSpec[];
  /** ACL rules its principal needs beyond what its definitions name (data-driven topic prefixes). */
  acls?(config: C): AclRule[];
}

export interface ReconfiguringSpec {
  /** Application id (and default group id) of the processors it builds. */
  name: string;
  groupId?: string;
  source: GlobalSpec<unknown>;
  build(table: GlobalTable<unknown>): AnyProcessorDefinition | undefined;
  /** Where its group starts on a topic without a committed offset (default: AUTO_OFFSET_RESET). */
  autoOffsetReset?: 'earliest' | 'latest';
}

/** What a service runs: exactly-once runtimes, some of them rebuilt when their topics change. */
export type ServiceRuntime = StreamsRuntime | ReconfiguringRuntime<unknown>;

export interface RunningStreamsService {
  app: INestApplication;
  /** The runtimes of this thread (none with stream threads: they run in the workers). */
  runtimes: ServiceRuntime[];
  threads?: StreamThreads;
  /** Base URL of the health / metrics endpoints. */
  url: string;
  logger: pino.Logger;
  close(): Promise<void>;
}

/** Routes Nest's own log lines into pino. */
class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: pino.Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

/**
 * Boots a stream-processing service as a NestJS hybrid application: the processors run under
 * {@link StreamsTransport} (one exactly-once runtime per definition), and HTTP serves
 * `/health/live`, `/health/ready` (terminus) and `/metrics` (prom-client). Configuration is
 * validated before anything starts; schemas are registered before the first record; SIGTERM /
 * SIGINT stop intake, finish or abort open transactions and leave the groups.
 */
export async function bootstrapStreamsService<C>(
  spec: StreamsServiceSpec<C>,
  source: NodeJS.ProcessEnv = process.env,
  options: {
    logger?: pino.Logger;
    shutdownHooks?: boolean;
    /** Module each stream thread runs when STREAM_THREADS > 1 (the service's main); none: one thread. */
    threadEntry?: string;
  } = {},
): Promise<RunningStreamsService> {
  const env = validateConfig(streamsEnvSchema, source, spec.name);
  kafkaConnection(env); // bad security settings (missing credentials, unreadable CA file) fail here, at start
  const config = validateConfig(spec.config, source, spec.name);
  const logger = options.logger ?? pino({ ...piiRedaction, name: spec.name, level: env.LOG_LEVEL });
  const threadCount = env.STREAM_THREADS;
  if (threadCount > 1 && !options.threadEntry) {
    logger.warn(
      { STREAM_THREADS: threadCount },
      'STREAM_THREADS ignored: this service runs in-process (one thread)',
    );
  }
  const threaded = threadCount > 1 && options.threadEntry !== undefined;
  const afterThreadDied: { close?: () => void } = {};
  const threads = threaded
    ? new StreamThreads(
        threadCount,
        options.threadEntry as string,
        { ...process.env, ...source },
        logger,
        () => afterThreadDied.close?.(),
      )
    : undefined;
  // the threads load and join while this thread sets up HTTP (the transport awaits the same start)
  threads?.start().catch(() => undefined);
  try {
    return await serve(spec, options, { env, config, logger }, threads, afterThreadDied);
  } catch (e) {
    await threads?.stop();
    throw e;
  }
}

async function serve<C>(
  spec: StreamsServiceSpec<C>,
  options: { shutdownHooks?: boolean },
  { env, config, logger }: { env: StreamsEnv; config: C; logger: pino.Logger },
  threads: StreamThreads | undefined,
  afterThreadDied: { close?: () => void },
): Promise<RunningStreamsService> {
  const threadCount = env.STREAM_THREADS;
  const codecs = new RegistryCodecs({ url: env.SCHEMA_REGISTRY_URL });
  const registry = new Registry();
  registry.setDefaultLabels({ service: spec.name });
  // until the schema registry has answered there are no runtimes: alive, not ready
  let runtimes: ServiceRuntime[] = [];
  let registered = false;
  const waiting: RuntimeStatus = {
    name: 'schema-registry',
    isAlive: () => true,
    isReady: () => false,
    assignment: () => ({ generation: 0, tasks: [] }),
  };
  const statuses: () => RuntimeStatus[] = threads
    ? () => threads.statuses()
    : () => (registered ? runtimes.map(runtimeStatus) : [waiting]);

  @Module({ imports: [StreamsOpsModule.forRuntimes(statuses, threads ?? registry)] })
  class StreamsServiceModule {}

  const app = await NestFactory.create(StreamsServiceModule, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  if (options.shutdownHooks !== false) app.enableShutdownHooks();
  // health and metrics answer from here on: not ready while the registry is waited for
  await app.listen(env.HTTP_PORT, env.HTTP_HOST);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  try {
    await codecs.register(undefined, registryWait(env, logger));
    if (!threads) runtimes = createRuntimes(spec, { env, config, codecs, logger }, registry, logger);
    registered = true;
    app.connectMicroservice(
      { strategy: new StreamsTransport(threads ? [threads] : runtimes) },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
  logger.info(
    { url, processors: runtimes.map((r) => r.definition.name), threads: threads ? threadCount : 1 },
    `${spec.name} started: health at ${url}/health/ready, metrics at ${url}/metrics`,
  );
  NestLogger.flush();

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
  };
  afterThreadDied.close = () => {
    process.exitCode = 1;
    void close().finally(() => process.exit(1));
  };
  return { app, runtimes, threads, url, logger, close };
}

/** One exactly-once runtime per processor definition of the service. */
function createRuntimes<C>(
  spec: StreamsServiceSpec<C>,
  ctx: StreamsServiceContext<C>,
  registry: Registry,
  logger: pino.Logger,
): ServiceRuntime[] {
  const { env, config } = ctx;
  const settings = (name: string, groupId: string): StreamsRuntimeConfig => ({
    ...kafkaConnection(env),
    clientId: `${spec.name}-${name}`,
    groupId,
    partitions: env.PARTITIONS,
    replicationFactor: env.REPLICATION_FACTOR,
    maxRecordsPerTransaction: env.MAX_RECORDS_PER_TRANSACTION,
    autoOffsetReset: env.AUTO_OFFSET_RESET,
    maxTaskIdleMs: env.MAX_TASK_IDLE_MS,
    confirmEmptyInputs: env.CONFIRM_EMPTY_INPUTS,
    maxBufferedRecords: env.MAX_BUFFERED_RECORDS,
    commitIntervalMs: env.COMMIT_INTERVAL_MS,
    stateDir: env.STATE_DIR,
    localStateMaxAgeMs: env.LOCAL_STATE_MAX_AGE_MS,
    numStandbyReplicas: env.NUM_STANDBY_REPLICAS,
    consumer: {
      partitionsConsumedConcurrently: env.CONCURRENT_TASKS,
      sessionTimeout: env.SESSION_TIMEOUT_MS,
      // 1 s: a member learns of a rebalance at its next heartbeat (a thread or instance joining)
      heartbeatInterval: 1000,
    },
    logger: logger.child({ processor: name }),
    registry,
    onFatalError: (error) => logger.fatal({ err: error, processor: name }, 'processor cannot go on'),
  });
  const fixed: ServiceRuntime[] = spec
    .definitions(ctx)
    .map(
      (definition) =>
        new StreamsRuntime(
          definition,
          settings(definition.name, spec.groupId ? spec.groupId(definition, config) : definition.name),
        ),
    );
  const dynamic: ServiceRuntime[] = (spec.reconfiguring?.(ctx) ?? []).map(
    (r) =>
      new ReconfiguringRuntime({
        name: r.name,
        source: r.source,
        build: r.build,
        config: {
          ...settings(r.name, r.groupId ?? r.name),
          ...(r.autoOffsetReset ? { autoOffsetReset: r.autoOffsetReset } : {}),
        },
      }),
  );
  return [...fixed, ...dynamic];
}

/**
 * A stream thread's body (see threads.ts): the service's runtimes, without HTTP; the main thread
 * serves health and metrics from what the thread reports.
 */
async function runStreamThread<C>(spec: StreamsServiceSpec<C>, index: number): Promise<void> {
  const source = process.env;
  const env = validateConfig(streamsEnvSchema, source, spec.name);
  kafkaConnection(env); // bad security settings (missing credentials, unreadable CA file) fail here, at start
  const config = validateConfig(spec.config, source, spec.name);
  const logger = pino({ ...piiRedaction, name: spec.name, level: env.LOG_LEVEL }).child({ thread: index });
  const codecs = new RegistryCodecs({ url: env.SCHEMA_REGISTRY_URL });
  await codecs.register(undefined, registryWait(env, logger));
  const registry = new Registry();
  registry.setDefaultLabels({ service: spec.name });
  await serveStreamThread(
    createRuntimes(spec, { env, config, codecs, logger }, registry, logger),
    registry,
    logger,
  );
}

/**
 * `main.ts` helper: boots the service, exits non-zero with the reason when it cannot start. With
 * `STREAM_THREADS` > 1 the main module is also what each stream thread runs (as a worker, where
 * this runs the thread's part instead).
 */
export function runStreamsServiceMain<C>(spec: StreamsServiceSpec<C>): void {
  const thread = streamThreadIndex();
  if (thread !== undefined) {
    runStreamThread(spec, thread).catch((e: unknown) => {
      console.error(
        `${spec.name} stream thread ${thread} failed: ${e instanceof Error ? e.message : String(e)}`,
      );
      process.exit(1);
    });
    return;
  }
  bootstrapStreamsService(spec, process.env, { threadEntry: require.main?.filename }).catch((e: unknown) => {
    console.error(`${spec.name} failed to start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}

/** A schema registry that cannot be reached at start is waited for (REGISTRY_WAIT_MS), each retry logged. */
function registryWait(env: StreamsEnv, logger: pino.Logger) {
  return {
    waitMs: env.REGISTRY_WAIT_MS,
    onRetry: (r: { attempt: number; delayMs: number; error: string }) =>
      logger.warn(
        { attempt: r.attempt, retryInMs: r.delayMs, waitMs: env.REGISTRY_WAIT_MS, error: r.error },
        `schema registry ${env.SCHEMA_REGISTRY_URL} not reachable: retrying`,
      ),
  };
}
