/**
 * Runs the declaration service alone: `node -r @swc-node/register services/declaration/src/main.ts`
 * (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, HTTP_PORT, DECLARATION_PERIOD, ... from the environment).
 */
import { runStreamsServiceMain } from '@clearance/nest-streams';
import { declarationService } from './service';

runStreamsServiceMain(declarationService);
