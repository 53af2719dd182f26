/**
 * Runs the projector alone: `node -r @swc-node/register services/projector/src/main.ts`
 * (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL, HTTP_PORT, ... from the environment).
 */
import { bootstrapProjectorService } from './service';

bootstrapProjectorService().catch((e: unknown) => {
  console.error(`projector failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
