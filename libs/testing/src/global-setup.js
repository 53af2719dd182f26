// jest globalSetup for the integration project: take KAFKA_BROKERS / SCHEMA_REGISTRY_URL /
// DATABASE_URL from the environment, or else from the env file that `npm run stack:up` writes
// (.stack/env). Fails fast with a clear message when no stack is reachable.
const { readFileSync, existsSync } = require('node:fs');
const path = require('node:path');

module.exports = async function globalSetup() {
  const envFile = path.join(process.env.STACK_DIR || path.join(__dirname, '../../../.stack'), 'env');
  if (existsSync(envFile)) {
    for (const line of readFileSync(envFile, 'utf8').split('\n')) {
      const m = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
    }
  }
  const missing = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL'].filter((k) => !process.env[k]);
  if (missing.length > 0) {
    throw new Error(
      `integration tests need ${missing.join(', ')}: start the local stack with \`npm run stack:up\` ` +
        `or export the addresses of a running Kafka / schema registry / Postgres`,
    );
  }
};
