/**
 * Runs the risk service alone: `node -r @swc-node/register services/risk/src/main.ts`
 * (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, HTTP_PORT, RISK_RULE_SET_KEY, ... from the environment;
 * see README.md).
 */
import { runStreamsServiceMain } from '@clearance/nest-streams';
import { riskService } from './service';

runStreamsServiceMain(riskService);
