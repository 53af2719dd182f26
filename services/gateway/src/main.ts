/**
 * Runs the CEB XML gateway alone: `node -r @swc-node/register services/gateway/src/main.ts`
 * (GATEWAY_PORT, DATABASE_URL, SCHEMA_REGISTRY_URL, KAFKA_* from the environment; see README.md).
 * GATEWAY_WORKERS > 1: that many processes share the port (node:cluster), a worker that dies is
 * replaced; SIGTERM stops them all gracefully.
 */
import cluster from 'node:cluster';
import pino from 'pino';
import { piiRedaction } from '@clearance/streams';
import { createGateway } from './app';
import { gatewayConfigFromEnv } from './config';

const logger = pino({ ...piiRedaction, name: 'gateway', level: process.env.LOG_LEVEL ?? 'info' });

async function serve(): Promise<void> {
  const config = gatewayConfigFromEnv(process.env);
  const gateway = await createGateway(config, { logger });
  logger.info(
    { url: gateway.url, worker: cluster.worker?.id },
    'CEB XML gateway listening (POST /ceb, GET /ceb/returns)',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal },
      'stopping: no new requests, queued nodes published, then Kafka and Postgres closed',
    );
    gateway
      .close()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function supervise(workers: number): void {
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'gateway worker died; starting another');
    setTimeout(fork, 1000).unref();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers }, 'stopping the workers');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

try {
  const workers = gatewayConfigFromEnv(process.env).workers; // validates everything before any fork
  if (workers > 1 && cluster.isPrimary) supervise(workers);
  else
    serve().catch((e: unknown) => {
      console.error(`[gateway] ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    });
} catch (e) {
  console.error(`[gateway] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
