/**
 * Check: the statistics projection rebuilt twice from the same log gives identical tables.
 *
 * It used not to when a list number (invtNo) occurred in several records of
 * clearance.decision.v1 / clearance.cleared.v1 in different partitions (every test or bench run on
 * the shared local stack starts a matcher under a new application id, whose serials start at 0
 * again): facts were keyed by (basis, invtNo), the first one written won, and which one was first
 * depended on the order partitions were read in. Facts are keyed by (basis, invtNo, waybill key)
 * since migration 002, and a key's records share a partition.
 *
 *   node -r @swc-node/register tests/declarations/scripts/statistics-replay-twice.ts
 *
 * Prints how many rows differ, table by table, between the two rebuilt schemas (both dropped at
 * the end) and exits 1 if any do. Reads the whole log twice: minutes on a log of several hundred
 * thousand decisions.
 */
import { Pool } from 'pg';
import { RegistryCodecs } from '@clearance/contracts';
import { cliEnv } from '@clearance/cli';
import { replayProjection } from '@clearance/projector';

async function main(): Promise<void> {
  const env = cliEnv();
  const pool = new Pool({ connectionString: env.DATABASE_URL });
  const codecs = new RegistryCodecs({ url: env.SCHEMA_REGISTRY_URL });
  const built: string[] = [];
  try {
    for (const i of [1, 2]) {
      const r = await replayProjection({
        projection: 'statistics',
        ...env.kafka,
        pool,
        decoder: codecs,
        schemaPrefix: 'repro_stats_twice_',
        swap: false,
        progress: 'log',
        clientId: `repro-stats-twice-${i}-${Date.now()}`,
      });
      built.push(r.builtSchema);
    }
    for (const t of ['stat_list', 'stat_item', 'stat_rule', 'exchange_rate']) {
      const [a, b] = built.map((s) => `"${s}"."${t}"`);
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM ((SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) UNION ALL (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a})) d`,
      );
      console.log(`${t}: ${rows[0].n} rows differ between the two rebuilds`);
      if (Number(rows[0].n) > 0) process.exitCode = 1;
    }
  } finally {
    for (const s of built) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await pool.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
