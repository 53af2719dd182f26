import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import {
  Controller,
  Get,
  Inject,
  Module,
  Post,
  Query,
  Req,
  Res,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { RegistryCodecs, Topics } from '@clearance/contracts';
import { migrate, openPool, readMigrations } from '@clearance/postgres';
import { silentLogger, type Logger } from '@clearance/streams';
import type { ResolvedGatewayConfig } from './config';
import { ParticipantDirectory, type Caller } from './directory';
import { CebGateway, requestError, unauthenticated, type Answer } from './gateway';
import { NodeIngest } from './ingest';
import { GatewayMetrics } from './metrics';

const MIGRATIONS = path.join(__dirname, '..', 'migrations');
const GATEWAY = Symbol('gateway');

/** What the controllers need: the gateway, who the caller is, the body limit, health. */
interface GatewayContext {
  gateway: CebGateway;
  directory: ParticipantDirectory;
  metrics: GatewayMetrics;
  maxBodyBytes: number;
  health(): Promise<{ ok: boolean; detail: Record<string, unknown> }>;
}

interface HttpResponse {
  status(code: number): HttpResponse;
  set(headers: Record<string, string>): HttpResponse;
  type(t: string): HttpResponse;
  send(body: string): void;
  headersSent: boolean;
}

class BodyTooLarge extends Error {}

/** The request body, at most `limit` bytes (a larger declared or actual body: BodyTooLarge). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** The API key of a request: header X-API-Key, or Authorization: Bearer <key>. */
export function apiKeyOf(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key) return key.trim();
  const auth = req.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return m ? m[1] : undefined;
}

function send(res: HttpResponse, a: Answer): void {
  res
    .status(a.status)
    .set({ ...(a.headers ?? {}) })
    .type('application/xml; charset=utf-8')
    .send(a.body);
}

@Controller('ceb')
class CebController {
  constructor(@Inject(GATEWAY) private readonly ctx: GatewayContext) {}

  private caller(req: IncomingMessage): Caller | undefined {
    const key = apiKeyOf(req);
    return key ? this.ctx.directory.byApiKey(key) : undefined;
  }

  /** One CEB message (XML, UTF-8) in; its return message out. */
  @Post()
  async submit(@Req() req: IncomingMessage, @Res() res: HttpResponse): Promise<void> {
    const caller = this.caller(req);
    if (!caller) {
      this.ctx.metrics.messages.inc({ type: 'Unknown', outcome: 'unauthenticated' });
      req.resume();
      send(res, unauthenticated());
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.ctx.maxBodyBytes);
    } catch (e) {
      if (!(e instanceof BodyTooLarge)) throw e;
      this.ctx.metrics.messages.inc({ type: 'Unknown', outcome: 'too-large' });
      res.set({ Connection: 'close' });
      send(
        res,
        requestError(413, '-413', `body larger than ${this.ctx.maxBodyBytes} bytes (GATEWAY_MAX_BODY_BYTES)`),
      );
      return;
    }
    send(res, await this.ctx.gateway.submit(caller, body));
  }

  /** The caller's later returns (receipts, list results, decisions) from its cursor on. */
  @Get('returns')
  async returns(
    @Req() req: IncomingMessage,
    @Res() res: HttpResponse,
    @Query('after') after?: string,
    @Query('limit') limit?: string,
  ): Promise<void> {
    const caller = this.caller(req);
    if (!caller) {
      send(res, unauthenticated());
      return;
    }
    send(res, await this.ctx.gateway.returns(caller, after, limit));
  }
}

@Controller()
class OpsController {
  constructor(@Inject(GATEWAY) private readonly ctx: GatewayContext) {}

  @Get('health')
  async health(@Res() res: HttpResponse): Promise<void> {
    const h = await this.ctx.health();
    res
      .status(h.ok ? 200 : 503)
      .type('application/json')
      .send(JSON.stringify({ status: h.ok ? 'ok' : 'unavailable', ...h.detail }));
  }

  @Get('metrics')
  async metrics(@Res() res: HttpResponse): Promise<void> {
    res
      .status(200)
      .type(this.ctx.metrics.registry.contentType)
      .send(await this.ctx.metrics.registry.metrics());
  }
}

export interface RunningGateway {
  app: INestApplication;
  /** Base URL, e.g. http://127.0.0.1:8090 */
  url: string;
  pool: Pool;
  close(): Promise<void>;
}

export interface GatewayOptions {
  logger?: Logger;
  /** Use this pool (not closed by close()). */
  pool?: Pool;
}

/** Creates the gateway's schema and applies its migrations (idempotent, under an advisory lock). */
export async function migrateGateway(pool: Pool, schema: string): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    const session = {
      connect: async () => ({ query: client.query.bind(client), release: () => undefined }),
    } as unknown as Pool;
    return await migrate(session, `gateway.${schema}`, readMigrations(MIGRATIONS));
  } finally {
    await client.query('RESET search_path').catch(() => undefined);
    client.release();
  }
}

/**
 * The CEB XML gateway: Postgres migrated, the schemas registered, the participant registry read
 * to its end and the producer connected before it listens. close() stops taking requests, writes
 * what is queued, then disconnects.
 */
export async function createGateway(
  cfg: ResolvedGatewayConfig,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const logger = options.logger ?? silentLogger;
  const pool =
    options.pool ??
    (await openPool(cfg.databaseUrl, {
      max: cfg.poolSize,
      applicationName: `gateway ${cfg.applicationId}`,
      onIdleError: (err) =>
        logger.warn({ err }, 'a Postgres connection failed (cut or restarted); replaced when needed'),
    }));
  const kafka = new Kafka({
    clientId: cfg.applicationId,
    ...cfg.kafka,
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 100, retries: 8 },
  });
  const directory = new ParticipantDirectory(new RegistryCodecs({ url: cfg.schemaRegistryUrl }));
  let producer: Producer | undefined;
  let app: INestApplication | undefined;
  let ingest: NodeIngest | undefined;
  const cleanup = async () => {
    await app?.close().catch(() => undefined);
    await ingest?.close().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await directory.stop().catch(() => undefined);
    if (!options.pool) await pool.end().catch(() => undefined);
  };
  try {
    await migrateGateway(pool, cfg.schema);
    const codecs = new RegistryCodecs({ url: cfg.schemaRegistryUrl });
    await codecs.register([
      Topics.order,
      Topics.payment,
      Topics.waybill,
      Topics.departure,
      Topics.list,
      Topics.participant,
    ]);
    // the directory decodes with its own codecs: register the registry topic's schema there too
    const admin = kafka.admin();
    await admin.connect();
    try {
      await directory.start({ kafka, admin, groupId: cfg.applicationId, logger });
    } finally {
      await admin.disconnect();
    }
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    ingest = new NodeIngest(
      pool,
      cfg.schema,
      producer,
      { lingerMs: cfg.lingerMs, maxBatchNodes: cfg.maxBatchNodes },
      logger,
    );
    const metrics = new GatewayMetrics();
    const gateway = new CebGateway({
      codecs,
      ingest,
      pool,
      schema: cfg.schema,
      returnsSchema: `${cfg.projectionSchemaPrefix}returns`,
      metrics,
    });
    const ctx: GatewayContext = {
      gateway,
      directory,
      metrics,
      maxBodyBytes: cfg.maxBodyBytes,
      health: async () => {
        let db = true;
        try {
          await pool.query('SELECT 1');
        } catch {
          db = false;
        }
        return {
          ok: db && directory.ready,
          detail: { postgres: db, registry: directory.ready, participants: directory.size },
        };
      },
    };

    @Module({ controllers: [CebController, OpsController], providers: [{ provide: GATEWAY, useValue: ctx }] })
    class GatewayModule {}

    app = await NestFactory.create(GatewayModule, {
      logger: ['error', 'warn'],
      abortOnError: false,
      bodyParser: false,
    });
    await app.listen(cfg.port, cfg.host);
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    let closed = false;
    return {
      app,
      url,
      pool,
      close: async () => {
        if (closed) return;
        closed = true;
        await cleanup();
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
