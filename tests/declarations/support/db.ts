/**
 * Postgres side of the declaration acceptance test: the projector's schemas of the run,
 * projections started at the run's offsets, row-for-row comparison of two schemas.
 */
import type { Pool } from 'pg';
import {
  ensureProjectionSchema,
  projectionByName,
  projectionSchema,
  type ProjectionName,
} from '@clearance/projector';
import type { Offsets } from './kafka';

const ident = (s: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(s)) throw new Error(`not a plain identifier: ${s}`);
  return `"${s}"`;
};

/**
 * Creates a projection's schema under `prefix` and stores `from` as its offsets for `topics`, so
 * the projector projects only what the run produced there: the shared topics hold hundreds of
 * thousands of records of earlier runs (minutes of work that say nothing about this run).
 */
export async function startProjectionAt(
  pool: Pool,
  prefix: string,
  name: ProjectionName,
  from: Offsets,
  topics: ReadonlyArray<string>,
): Promise<string> {
  const schema = projectionSchema(prefix, name);
  await ensureProjectionSchema(pool, projectionByName(name), schema);
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

/**
 * Every table of schema `a` compared row for row (multiset) with the same table of `b`; tables
 * named in `restrict` only on the rows whose `column` is one of `values` (both sides).
 */
export async function compareSchemas(
  pool: Pool,
  a: string,
  b: string,
  tables: ReadonlyArray<string>,
  /** Compare only rows whose `columns`, joined by '|', are one of `values`. */
  restrict?: { tables: ReadonlyArray<string>; columns: ReadonlyArray<string>; values: ReadonlyArray<string> },
): Promise<TableDiff[]> {
  const out: TableDiff[] = [];
  for (const t of tables) {
    const filtered = restrict?.tables.includes(t);
    const where = filtered
      ? ` WHERE concat_ws('|', ${restrict!.columns.map(ident).join(', ')}) = ANY($1::text[])`
      : '';
    const params = filtered ? [restrict!.values] : [];
    const q = (x: string, y: string) =>
      pool
        .query<{ r: Record<string, unknown> }>(
          `SELECT to_jsonb(d) AS r FROM (SELECT * FROM ${ident(x)}.${ident(t)}${where} EXCEPT ALL SELECT * FROM ${ident(y)}.${ident(t)}${where}) d`,
          params,
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

/** Drops every schema whose name starts with `prefix`. */
export async function dropSchemas(pool: Pool, prefix: string): Promise<string[]> {
  const { rows } = await pool.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1`,
    [prefix],
  );
  for (const r of rows) await pool.query(`DROP SCHEMA IF EXISTS ${ident(r.nspname)} CASCADE`);
  return rows.map((r) => r.nspname);
}
