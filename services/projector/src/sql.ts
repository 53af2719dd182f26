import type { ClientBase, QueryResult, QueryResultRow } from 'pg';

/** Schema and table names we build ourselves: lower-case identifiers only, so they never need quoting. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertIdentifier(name: string, what = 'identifier'): string {
  if (!IDENTIFIER.test(name))
    throw new Error(
      `${what} ${JSON.stringify(name)} must match ${IDENTIFIER} (lower-case letters, digits, _; at most 63)`,
    );
  return name;
}

/** `"schema"."table"`. */
export const qualified = (schema: string, table: string): string =>
  `"${assertIdentifier(schema, 'schema')}"."${assertIdentifier(table, 'table')}"`;

/** A column of a recordset insert: name and Postgres type. */
export type Column = readonly [name: string, type: string];

const quote = (name: string): string => `"${name}"`;

/**
 * One multi-row INSERT of `rows` (objects keyed by column name) through jsonb_to_recordset: a
 * single round trip per table and batch. `suffix` is the ON CONFLICT / RETURNING clause; the
 * target table is aliased `t` for it. Decimals go as strings and are parsed by Postgres, exactly.
 */
export async function insertRecordset<R extends QueryResultRow = QueryResultRow>(
  client: ClientBase,
  table: string,
  columns: ReadonlyArray<Column>,
  rows: ReadonlyArray<object>,
  suffix = '',
): Promise<QueryResult<R> | undefined> {
  if (rows.length === 0) return undefined;
  const names = columns.map(([n]) => quote(n)).join(', ');
  const defs = columns.map(([n, t]) => `${quote(n)} ${t}`).join(', ');
  return client.query<R>(
    `INSERT INTO ${table} AS t (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS x(${defs}) ${suffix}`,
    [JSON.stringify(rows)],
  );
}

/** Postgres error codes worth retrying a whole transaction for. */
export const RETRYABLE_PG_CODES = new Set(['40001', '40P01']);

export function isRetryablePgError(error: unknown): boolean {
  return RETRYABLE_PG_CODES.has((error as { code?: string } | undefined)?.code ?? '');
}
