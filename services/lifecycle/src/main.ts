/**
 * Runs the lifecycle service (departure splitter + lifecycle) alone:
 * `node -r @swc-node/register services/lifecycle/src/main.ts` (KAFKA_BROKERS,
 * SCHEMA_REGISTRY_URL, HTTP_PORT, ... from the environment; see README.md).
 */
import { runStreamsServiceMain } from '@clearance/nest-streams';
import { lifecycleService } from './service';

runStreamsServiceMain(lifecycleService);
