import 'reflect-metadata';
import { INestApplication, Logger as NestLogger, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { RegistryCodecs } from '@clearance/contracts';
import { AnyProcessorDefinition, Logger, StreamsRuntime } from '@clearance/streams';
import { StreamsEnv, streamsEnvSchema, validateConfig } from './config';
import { StreamsOpsModule } from './health';
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
}

export interface RunningStreamsService {
  app: INestApplication;
  runtimes: StreamsRuntime[];
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
  options: { logger?: pino.Logger; shutdownHooks?: boolean } = {},
): Promise<RunningStreamsService> {
  const env = validateConfig(streamsEnvSchema, source, spec.name);
  const config = validateConfig(spec.config, source, spec.name);
  const logger = options.logger ?? pino({ name: spec.name, level: env.LOG_LEVEL });
  const codecs = new RegistryCodecs({ url: env.SCHEMA_REGISTRY_URL });
  await codecs.register();

  const registry = new Registry();
  registry.setDefaultLabels({ service: spec.name });
  const definitions = spec.definitions({ env, config, codecs, logger });
  const runtimes = definitions.map(
    (definition) =>
      new StreamsRuntime(definition, {
        brokers: env.KAFKA_BROKERS,
        clientId: `${spec.name}-${definition.name}`,
        groupId: spec.groupId ? spec.groupId(definition, config) : definition.name,
        partitions: env.PARTITIONS,
        replicationFactor: env.REPLICATION_FACTOR,
        maxRecordsPerTransaction: env.MAX_RECORDS_PER_TRANSACTION,
        autoOffsetReset: env.AUTO_OFFSET_RESET,
        maxTaskIdleMs: env.MAX_TASK_IDLE_MS,
        maxBufferedRecords: env.MAX_BUFFERED_RECORDS,
        commitIntervalMs: env.COMMIT_INTERVAL_MS,
        consumer: {
          partitionsConsumedConcurrently: env.CONCURRENT_TASKS,
          sessionTimeout: env.SESSION_TIMEOUT_MS,
          heartbeatInterval: Math.max(1000, Math.floor(env.SESSION_TIMEOUT_MS / 10)),
        },
        logger: logger.child({ processor: definition.name }),
        registry,
        onFatalError: (error) => logger.fatal({ err: error, processor: definition.name }, 'processor cannot go on'),
      }),
  );

  @Module({ imports: [StreamsOpsModule.forRuntimes(runtimes, registry)] })
  class StreamsServiceModule {}

  const app = await NestFactory.create(StreamsServiceModule, { logger: new PinoNestLogger(logger), abortOnError: false });
  if (options.shutdownHooks !== false) app.enableShutdownHooks();
  app.connectMicroservice({ strategy: new StreamsTransport(runtimes) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(env.HTTP_PORT, env.HTTP_HOST);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  logger.info({ url, processors: definitions.map((d) => d.name) }, `${spec.name} started: health at ${url}/health/ready, metrics at ${url}/metrics`);
  NestLogger.flush();

  let closed = false;
  return {
    app,
    runtimes,
    url,
    logger,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

/** `main.ts` helper: boots the service, exits non-zero with the reason when it cannot start. */
export function runStreamsServiceMain<C>(spec: StreamsServiceSpec<C>): void {
  bootstrapStreamsService(spec).catch((e: unknown) => {
    console.error(`${spec.name} failed to start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
