import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Pool } from 'pg';

export interface Migration {
  /** e.g. `001_parcels.sql`; applied in name order. */
  name: string;
  sql: string;
}

/** Reads `NNN_name.sql` files of a folder, in name order. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: readFileSync(path.join(dir, name), 'utf8') }));
}

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex').slice(0, 16);

/**
 * Applies pending migrations of one schema owner (`scope`, e.g. the projector) in order, each in
 * its own transaction, under an advisory lock so concurrent instances do not race. A migration
 * already applied whose file changed is an error: migrations are append-only.
 */
export async function migrate(pool: Pool, scope: string, migrations: Migration[]): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext($1))`, [`migrations:${scope}`]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      scope text NOT NULL, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, name))`);
    const { rows } = await client.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM schema_migrations WHERE scope = $1`,
      [scope],
    );
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    for (const m of migrations) {
      const sum = checksum(m.sql);
      const previous = done.get(m.name);
      if (previous !== undefined) {
        if (previous !== sum) throw new Error(`migration ${scope}/${m.name} was changed after it was applied`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO schema_migrations (scope, name, checksum) VALUES ($1, $2, $3)`, [scope, m.name, sum]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${scope}/${m.name} failed: ${(e as Error).message}`);
      }
      applied.push(m.name);
    }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`migrations:${scope}`]).catch(() => undefined);
    client.release();
  }
  return applied;
}
