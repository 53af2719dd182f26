/**
 * Postgres side of the declaration acceptance test: the projector's schemas of the run, a
 * projection started at the run's offsets, row-for-row comparison of two schemas, and a view
 * schema that shows the query API only the run's statistics facts.
 */
import type { Pool } from 'pg';
import { ensureProjectionSchema, projectionByName, projectionSchema } from '@clearance/projector';
import type { Offsets } from './kafka';

const ident = (s: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(s)) throw new Error(`not a plain identifier: ${s}`);
  return `"${s}"`;
};

/**
 * Creates the `parcels` projection schema of `prefix` and stores `from` as its offsets, so the
 * projector projects only what the run produced: the shared receipt topic holds about a million
 * records of earlier runs, minutes of work that says nothing about this run.
 */
export async function startParcelsProjectionAt(
  pool: Pool,
  prefix: string,
  from: Offsets,
  topics: ReadonlyArray<string>,
): Promise<string> {
  const schema = projectionSchema(prefix, 'parcels');
  await ensureProjectionSchema(pool, projectionByName('parcels'), schema);
  const rows = topics.flatMap((topic) =>
    [...(from.get(topic) ?? [])].map(([p, o]) => [topic, p, o] as const),
  );
  for (const [topic, partition, offset] of rows)
    await pool.query(
      `INSERT INTO ${ident(schema)}.projection_offset (topic, partition, next_offset) VALUES ($1, $2, $3)
       ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`,
      [topic, partition, offset],
    );
  return schema;
}

/** Stored offsets of a projection schema: `topic|partition` -> next offset. */
export async function storedOffsets(pool: Pool, schema: string): Promise<Map<string, number>> {
  const { rows } = await pool
    .query<{ topic: string; partition: number; next_offset: string }>(
      `SELECT topic, partition, next_offset FROM ${ident(schema)}.projection_offset`,
    )
    .catch((e: { code?: string }) => {
      if (e.code === '42P01' || e.code === '3F000') return { rows: [] };
      throw e;
    });
  return new Map(rows.map((r) => [`${r.topic}|${r.partition}`, Number(r.next_offset)]));
}

export interface TableDiff {
  table: string;
  /** Rows of `a` not in `b` (EXCEPT ALL), as JSON objects. */
  onlyA: Record<string, unknown>[];
  onlyB: Record<string, unknown>[];
}

/** Every table of schema `a` compared row for row (multiset) with the same table of `b`. */
export async function compareSchemas(
  pool: Pool,
  a: string,
  b: string,
  tables: ReadonlyArray<string>,
): Promise<TableDiff[]> {
  const out: TableDiff[] = [];
  for (const t of tables) {
    const q = (x: string, y: string) =>
      pool
        .query<{ r: Record<string, unknown> }>(
          `SELECT to_jsonb(d) AS r FROM (SELECT * FROM ${ident(x)}.${ident(t)} EXCEPT ALL SELECT * FROM ${ident(y)}.${ident(t)}) d`,
        )
        .then((res) => res.rows.map((row) => row.r));
    const [onlyA, onlyB] = await Promise.all([q(a, b), q(b, a)]);
    out.push({ table: t, onlyA, onlyB });
  }
  return out;
}

export async function rowCount(pool: Pool, schema: string, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${ident(schema)}.${ident(table)}`,
  );
  return Number(rows[0].n);
}

/**
 * Schema `<viewPrefix>statistics` whose stat_* views show only the facts of `invtNos` (exchange
 * rates all), over the live tables of `liveSchema`: the query API pointed at `viewPrefix` then
 * aggregates exactly the run's lists with its own SQL.
 */
export async function createRunStatisticsView(
  pool: Pool,
  viewPrefix: string,
  liveSchema: string,
  invtNos: ReadonlyArray<string>,
): Promise<string> {
  const v = `${viewPrefix}statistics`;
  const V = ident(v);
  const L = ident(liveSchema);
  await pool.query(`DROP SCHEMA IF EXISTS ${V} CASCADE`);
  await pool.query(`CREATE SCHEMA ${V}`);
  await pool.query(`CREATE TABLE ${V}.run_list (invt_no text PRIMARY KEY)`);
  await pool.query(`INSERT INTO ${V}.run_list SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [invtNos]);
  await pool.query(
    `CREATE VIEW ${V}.stat_list AS SELECT l.* FROM ${L}.stat_list l WHERE l.invt_no IN (SELECT invt_no FROM ${V}.run_list)`,
  );
  await pool.query(
    `CREATE VIEW ${V}.stat_item AS SELECT i.* FROM ${L}.stat_item i WHERE i.invt_no IN (SELECT invt_no FROM ${V}.run_list)`,
  );
  await pool.query(
    `CREATE VIEW ${V}.stat_rule AS SELECT r.* FROM ${L}.stat_rule r WHERE r.invt_no IN (SELECT invt_no FROM ${V}.run_list)`,
  );
  await pool.query(`CREATE VIEW ${V}.exchange_rate AS SELECT * FROM ${L}.exchange_rate`);
  return v;
}

/** Drops every schema whose name starts with `prefix`. */
export async function dropSchemas(pool: Pool, prefix: string): Promise<string[]> {
  const { rows } = await pool.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1`,
    [prefix],
  );
  for (const r of rows) await pool.query(`DROP SCHEMA IF EXISTS ${ident(r.nspname)} CASCADE`);
  return rows.map((r) => r.nspname);
}
