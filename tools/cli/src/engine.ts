import * as path from 'node:path';
import { STACK_DIR } from './env';
import pino from 'pino';
import { piiRedaction } from '@clearance/streams';
import { declarationService } from '@clearance/declaration';
import { lifecycleService } from '@clearance/lifecycle';
import { matcherService } from '@clearance/matcher';
import { bootstrapStreamsService, RunningStreamsService, StreamsServiceSpec } from '@clearance/nest-streams';
import { bootstrapProjectorService, RunningProjector } from '@clearance/projector';
import { createQueryApi, RunningQueryApi } from '@clearance/query-api';
import { createGateway, gatewayConfigFromEnv, type RunningGateway } from '@clearance/gateway';
import { riskService } from '@clearance/risk';
import { feedService } from '@clearance/feed';
import { intakeService } from '@clearance/intake';
import type { GroupInputs } from './backlog';

/** The stream-processing services of the engine, in pipeline order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const STREAM_SERVICES: ReadonlyArray<StreamsServiceSpec<any>> = [matcherService, riskService, lifecycleService, declarationService];

/** The services that connect participants: their intake (input topics -> shared topics) and their feeds. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const PARTICIPANT_SERVICES: ReadonlyArray<StreamsServiceSpec<any>> = [intakeService, feedService];

export interface Engine {
  services: RunningStreamsService[];
  projector: RunningProjector;
  queryApi: RunningQueryApi;
  /** The CEB XML gateway (POST /ceb, GET /ceb/returns). */
  gateway: RunningGateway;
  stop(): Promise<void>;
}

/**
 * Runs every stream service in this one process (each as its own NestJS app with its own
 * health/metrics port), as `npm start` does locally. On Kubernetes each runs alone from its
 * `services/<name>/src/main.ts`; the processors and settings are the same.
 */
export async function startEngine(
  env: NodeJS.ProcessEnv,
  log: (s: string) => void,
  /** The environment of one service: with its own principal's credentials (default: `env` as is). */
  asService: (env: NodeJS.ProcessEnv, service: string) => NodeJS.ProcessEnv = (e) => e,
): Promise<Engine> {
  // the persistent stores' local state (a cache of the changelogs) next to the stack's data
  env = { STATE_DIR: path.join(STACK_DIR, 'state'), ...env };
  const logger = pino({ ...piiRedaction, level: env.LOG_LEVEL ?? 'warn' });
  const services: RunningStreamsService[] = [];
  let projector: RunningProjector | undefined;
  let queryApi: RunningQueryApi | undefined;
  let gateway: RunningGateway | undefined;
  const stop = async () => {
    await gateway?.close();
    await queryApi?.close();
    for (const s of [...services].reverse()) await s.close();
    await projector?.close();
  };
  try {
    for (const spec of [...STREAM_SERVICES, ...PARTICIPANT_SERVICES]) {
      const svc = await bootstrapStreamsService(spec, asService(env, spec.name), {
        logger: logger.child({ service: spec.name }),
        shutdownHooks: false,
      });
      services.push(svc);
      log(`${spec.name} running (${svc.runtimes.map((r) => r.definition.name).join(', ')}), health ${svc.url}/health/ready`);
    }
    projector = await bootstrapProjectorService(asService(env, 'projector'), { logger: logger.child({ service: 'projector' }), shutdownHooks: false });
    log(`projector running (read models in Postgres), health ${projector.url}/health/ready`);
    queryApi = await createQueryApi(
      { port: Number(env.QUERY_API_PORT ?? 3000), databaseUrl: env.DATABASE_URL ?? '' },
      { shutdownHooks: false },
    );
    log(`query API at ${queryApi.url} (OpenAPI: ${queryApi.url}/api/docs)`);
    gateway = await createGateway(gatewayConfigFromEnv({ GATEWAY_PORT: '8090', ...asService(env, 'gateway') }), {
      logger: logger.child({ service: 'gateway' }),
    });
    log(`CEB XML gateway at ${gateway.url} (POST /ceb, GET /ceb/returns; X-API-Key from \`clearance participants add\`)`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { services, projector, queryApi, gateway, stop };
}

/** Every consumer group of the engine with the topics it reads. */
export function engineGroups(engine: Engine): GroupInputs[] {
  return [
    ...engine.services.flatMap((s) => s.runtimes.map((r) => ({ groupId: r.groupId, topics: Object.keys(r.definition.inputs) }))),
    { groupId: engine.projector.projector.groupId, topics: engine.projector.projector.topics },
  ];
}

/** Waits until every runtime of every service reports ready (tasks restored and running). */
export async function waitEngineReady(engine: Engine, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const notReady = engine.services.flatMap((s) => s.runtimes.filter((r) => !r.isReady()).map((r) => r.definition.name));
    if (!engine.projector.projector.isReady()) notReady.push('projector');
    if (notReady.length === 0) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms: ${notReady.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
