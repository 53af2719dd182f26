import 'reflect-metadata';
import {
  Controller,
  Get,
  Header,
  Inject,
  Module,
  ServiceUnavailableException,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { piiRedaction } from '@clearance/streams';
import { Registry } from 'prom-client';
import type { Pool } from 'pg';
import { kafkaConnection, RegistryCodecs } from '@clearance/contracts';
import { openPool } from '@clearance/postgres';
import { projectorEnv, type ProjectorEnv } from './config';
import { Projector } from './projector';

const PROJECTOR = Symbol('PROJECTOR');

@Controller()
class ProjectorOpsController {
  constructor(@Inject(PROJECTOR) private readonly projector: Projector) {}

  @Get('health/live')
  live() {
    const status = this.projector.status();
    if (!this.projector.isAlive())
      throw new ServiceUnavailableException({ status: 'down', projector: status });
    return { status: 'up', projector: status };
  }

  @Get('health/ready')
  ready() {
    const status = this.projector.status();
    if (!this.projector.isReady())
      throw new ServiceUnavailableException({ status: 'down', projector: status });
    return { status: 'up', projector: status };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.projector.registry.metrics();
  }
}

export interface RunningProjector {
  app: INestApplication;
  projector: Projector;
  pool: Pool;
  /** Base URL of /health/live, /health/ready, /metrics. */
  url: string;
  close(): Promise<void>;
}

/**
 * The projector as a small NestJS app: the projector's consumer, plus HTTP health and metrics.
 * Config is validated first; Postgres and the registry must answer before anything consumes.
 * `close()` (and SIGTERM/SIGINT with shutdown hooks) stops intake after the batch in hand,
 * leaves the group, then closes the pool.
 */
export async function bootstrapProjectorService(
  source: NodeJS.ProcessEnv | ProjectorEnv = process.env,
  options: { logger?: pino.Logger; shutdownHooks?: boolean } = {},
): Promise<RunningProjector> {
  const env =
    'PROJECTIONS' in source && Array.isArray(source.PROJECTIONS)
      ? (source as ProjectorEnv)
      : projectorEnv(source as NodeJS.ProcessEnv);
  const logger = options.logger ?? pino({ ...piiRedaction, name: 'projector', level: env.LOG_LEVEL });
  const pool = await openPool(env.DATABASE_URL, {
    max: env.PROJECTOR_CONCURRENCY + 2,
    applicationName: `projector ${env.PROJECTOR_GROUP_ID}`,
    waitMs: env.POSTGRES_WAIT_MS,
    onRetry: (r) =>
      logger.warn(
        { attempt: r.attempt, retryInMs: r.retryInMs, error: r.error },
        'Postgres not reachable: retrying',
      ),
    onIdleError: (err) =>
      logger.warn({ err }, 'a Postgres connection failed (cut or restarted); batches retry until it answers'),
  });
  const codecs = new RegistryCodecs({ url: env.SCHEMA_REGISTRY_URL });
  await codecs.register(undefined, {
    waitMs: env.REGISTRY_WAIT_MS,
    onRetry: (r) =>
      logger.warn(
        { attempt: r.attempt, retryInMs: r.delayMs, error: r.error },
        `schema registry ${env.SCHEMA_REGISTRY_URL} not reachable: retrying`,
      ),
  });
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'projector' });
  const projector = new Projector({
    ...kafkaConnection(env),
    pool,
    decoder: codecs,
    groupId: env.PROJECTOR_GROUP_ID,
    schemaPrefix: env.PROJECTION_SCHEMA_PREFIX,
    projections: env.PROJECTIONS,
    concurrency: env.PROJECTOR_CONCURRENCY,
    sessionTimeout: env.SESSION_TIMEOUT_MS,
    partitions: env.PARTITIONS,
    replicationFactor: env.REPLICATION_FACTOR,
    logger,
    registry,
  });

  @Module({ controllers: [ProjectorOpsController], providers: [{ provide: PROJECTOR, useValue: projector }] })
  class ProjectorModule {}

  const app = await NestFactory.create(ProjectorModule, { logger: false, abortOnError: false });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await projector.stop();
    await app.close();
    await pool.end();
  };
  if (options.shutdownHooks !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      process.once(signal, () => {
        logger.info({ signal }, 'projector shutting down');
        close().then(
          () => process.exit(0),
          (err) => {
            logger.error({ err }, 'projector shutdown failed');
            process.exit(1);
          },
        );
      });
  }
  try {
    await projector.start();
    await app.listen(env.HTTP_PORT, env.HTTP_HOST);
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  logger.info(
    { url, topics: projector.topics },
    `projector started: health at ${url}/health/ready, metrics at ${url}/metrics`,
  );
  return { app, projector, pool, url, close };
}
