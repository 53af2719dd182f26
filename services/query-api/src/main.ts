/**
 * Runs the query API alone: `node -r @swc-node/register services/query-api/src/main.ts`
 * (PORT, HOST, DATABASE_URL, PROJECTION_SCHEMA_PREFIX from the environment).
 */
import { createQueryApi } from './app';
import { queryApiConfigFromEnv } from './config';

async function main(): Promise<void> {
  const config = queryApiConfigFromEnv();
  const api = await createQueryApi(config, { shutdownHooks: true });
  console.log(
    `query-api listening on ${api.url} (OpenAPI at ${api.url}/api/docs, JSON at ${api.url}/api/docs-json)`,
  );
}

main().catch((e: unknown) => {
  console.error(`query-api failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
