import 'reflect-metadata';
import { Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { openPool } from '@clearance/postgres';
import { resolveQueryApiConfig, type QueryApiConfig } from './config';
import {
  DeclarationsController,
  HealthController,
  ParcelsController,
  READ_MODELS,
  StatisticsController,
} from './controllers';
import { ReadModels } from './read-models';

export interface RunningQueryApi {
  app: INestApplication;
  /** Base URL, e.g. http://127.0.0.1:3000 (docs at /api/docs, JSON at /api/docs-json). */
  url: string;
  pool: Pool;
  openapi: OpenAPIObject;
  close(): Promise<void>;
}

export interface QueryApiOptions {
  /** Use this pool instead of opening one from databaseUrl (it is then not closed by close()). */
  pool?: Pool;
  /** Nest's logger; default errors and warnings only. */
  logger?: LoggerService | false;
  /** Close on SIGTERM/SIGINT (main.ts). Default false. */
  shutdownHooks?: boolean;
}

/**
 * The query API over the projector's read models: a NestJS (express) app with its OpenAPI
 * document at /api/docs (JSON at /api/docs-json). The configuration is validated first (PORT,
 * DATABASE_URL, schema prefix), and Postgres must answer before it listens.
 */
export async function createQueryApi(
  config: QueryApiConfig,
  options: QueryApiOptions = {},
): Promise<RunningQueryApi> {
  const cfg = resolveQueryApiConfig(config);
  // a connection cut later fails the requests of that moment (500), not the process
  const pool =
    options.pool ?? (await openPool(cfg.databaseUrl, { max: cfg.poolSize, applicationName: 'query-api' }));
  const readModels = new ReadModels(pool, cfg.schemaPrefix);

  @Module({
    controllers: [ParcelsController, DeclarationsController, StatisticsController, HealthController],
    providers: [{ provide: READ_MODELS, useValue: readModels }],
  })
  class QueryApiModule {}

  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(QueryApiModule, {
      logger: options.logger ?? ['error', 'warn'],
      abortOnError: false,
    });
    if (options.shutdownHooks) app.enableShutdownHooks();
    const openapi = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('clearance-engine query API')
        .setDescription(
          'Read models built by the projector from the event log: parcels (status and audit trail), ' +
            'summary declarations with lines and export tax rebate, trade statistics. Amounts are CEB decimals (strings).',
        )
        .setVersion('1')
        .build(),
    );
    SwaggerModule.setup('api/docs', app, openapi);
    await app.listen(cfg.port, cfg.host);
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    let closed = false;
    const running = app;
    return {
      app,
      url,
      pool,
      openapi,
      close: async () => {
        if (closed) return;
        closed = true;
        await running.close();
        if (!options.pool) await pool.end();
      },
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    if (!options.pool) await pool.end().catch(() => undefined);
    throw e;
  }
}
