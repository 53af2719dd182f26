/**
 * Runs the matcher alone: `node -r @swc-node/register services/matcher/src/main.ts`
 * (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, HTTP_PORT, PARTITIONS, MATCH_WINDOW_HOURS, ... from the
 * environment; see README.md).
 */
import { runStreamsServiceMain } from '@clearance/nest-streams';
import { matcherService } from './service';

runStreamsServiceMain(matcherService);
