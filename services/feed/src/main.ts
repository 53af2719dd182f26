/**
 * Runs the feed service alone: `node -r @swc-node/register services/feed/src/main.ts`
 * (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, SCHEMA_REGISTRY_URL, HTTP_PORT, ... from
 * the environment; see README.md).
 */
import { runStreamsServiceMain } from '@clearance/nest-streams';
import { feedService } from './service';

runStreamsServiceMain(feedService);
