/**
 * Runs the CEB XML gateway alone: `node -r @swc-node/register services/gateway/src/main.ts`
 * (GATEWAY_PORT, DATABASE_URL, SCHEMA_REGISTRY_URL, KAFKA_* from the environment; see README.md).
 */
import pino from 'pino';
import { piiRedaction } from '@clearance/streams';
import { createGateway } from './app';
import { gatewayConfigFromEnv } from './config';

async function main(): Promise<void> {
  const logger = pino({ ...piiRedaction, name: 'gateway', level: process.env.LOG_LEVEL ?? 'info' });
  const config = gatewayConfigFromEnv(process.env);
  const gateway = await createGateway(config, { logger });
  logger.info({ url: gateway.url }, 'CEB XML gateway listening (POST /ceb, GET /ceb/returns)');
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

main().catch((e: unknown) => {
  console.error(`[gateway] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
