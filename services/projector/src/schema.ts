import type { Pool, PoolClient } from 'pg';
import { migrate, readMigrations } from '@clearance/postgres';
import { assertIdentifier, qualified } from './sql';
import type { Projection, ProjectionName } from './sources';

/** Default prefix of projection schemas: `projection_parcels`, `projection_declarations`, ... */
export const DEFAULT_SCHEMA_PREFIX = 'projection_';

/** The live schema of a projection. */
export const projectionSchema = (prefix: string, name: ProjectionName): string =>
  assertIdentifier(`${prefix}${name}`, 'projection schema');

/** Advisory lock id shared by writers of a live schema and taken exclusively by a swap. */
export const schemaLockKey = (liveSchema: string): string => `projection:${liveSchema}`;

export async function schemaExists(pool: Pool | PoolClient, schema: string): Promise<boolean> {
  const { rows } = await pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
  return rows.length > 0;
}

/**
 * Creates the schema if needed and applies the projection's pending migrations inside it (each
 * schema keeps its own schema_migrations, so a replay schema carries its history when swapped in).
 * Returns the migrations applied.
 */
export async function ensureProjectionSchema(
  pool: Pool,
  projection: Projection,
  schema: string,
): Promise<string[]> {
  assertIdentifier(schema, 'schema');
  await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  const client = await pool.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    // migrate() connects and releases; hand it this one session (search_path set) instead of the pool
    const session = {
      connect: async () => ({ query: client.query.bind(client), release: () => undefined }),
    } as unknown as Pool;
    return await migrate(session, `projector.${projection.name}`, readMigrations(projection.migrationsDir));
  } finally {
    await client.query('RESET search_path').catch(() => undefined);
    client.release();
  }
}

export interface SwapResult {
  /** Name the previous live schema was renamed to (dropped unless kept); undefined if there was none. */
  replaced?: string;
  dropped: boolean;
}

/**
 * Swaps `fresh` in as `live` in one transaction (renaming the old one away), under the exclusive
 * advisory lock the live writers take shared: no projector transaction straddles the swap.
 */
export async function swapSchemas(
  pool: Pool,
  live: string,
  fresh: string,
  options: { keepOld?: boolean; suffix?: string } = {},
): Promise<SwapResult> {
  assertIdentifier(live, 'schema');
  assertIdentifier(fresh, 'schema');
  const old = assertIdentifier(
    `${live}__old_${options.suffix ?? Date.now().toString(36)}`.slice(0, 63),
    'schema',
  );
  const client = await pool.connect();
  let replaced: string | undefined;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [schemaLockKey(live)]);
    if (await schemaExists(client, live)) {
      await client.query(`ALTER SCHEMA "${live}" RENAME TO "${old}"`);
      replaced = old;
    }
    await client.query(`ALTER SCHEMA "${fresh}" RENAME TO "${live}"`);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
  let dropped = false;
  if (replaced && !options.keepOld) {
    await pool.query(`DROP SCHEMA "${replaced}" CASCADE`);
    dropped = true;
  }
  return { replaced, dropped };
}

/** Row count of every table of a projection in `schema`. */
export async function countRows(
  pool: Pool,
  schema: string,
  tables: ReadonlyArray<string>,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) {
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(schema, t)}`);
    out[t] = Number(rows[0].n);
  }
  return out;
}
