import { Pool } from 'pg';

export interface OpenPoolOptions {
  /** Connections at most (default 5). */
  max?: number;
  /** Shown in pg_stat_activity (which service holds a connection). */
  applicationName?: string;
  /**
   * How long to wait for a Postgres that does not answer at start, retrying with backoff
   * (default 0: fail at once, naming the address).
   */
  waitMs?: number;
  /** Each failed attempt while waiting (for a log line). */
  onRetry?: (r: { attempt: number; retryInMs: number; error: string }) => void;
  /**
   * An idle connection failed (Postgres restarted, the connection was cut). The pool drops it and
   * opens another when one is needed; without a listener pg's pool would throw the error as an
   * unhandled 'error' event and end the process. Default: one line on stderr.
   */
  onIdleError?: (error: Error) => void;
}

/**
 * A pg pool for `url` that has answered `SELECT 1`; with `waitMs`, an unreachable Postgres is
 * waited for (backoff 250 ms doubling to 5 s), else it fails at once with the address named. A
 * connection lost later does not end the process (see `onIdleError`): queries fail until
 * Postgres answers again, then go on.
 */
export async function openPool(url: string, options: number | OpenPoolOptions = {}): Promise<Pool> {
  const o: OpenPoolOptions = typeof options === 'number' ? { max: options } : options;
  const pool = new Pool({
    connectionString: url,
    max: o.max ?? 5,
    ...(o.applicationName ? { application_name: o.applicationName } : {}),
  });
  pool.on(
    'error',
    o.onIdleError ??
      ((error: Error) =>
        process.stderr.write(
          `postgres: an idle connection failed (${error.message}); it is replaced when needed\n`,
        )),
  );
  const deadline = Date.now() + (o.waitMs ?? 0);
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5_000)) {
    try {
      await pool.query('SELECT 1');
      return pool;
    } catch (e) {
      const error = (e as Error).message;
      if (Date.now() + delay > deadline) {
        await pool.end().catch(() => undefined);
        const waited = o.waitMs ? ` (waited ${Math.round(o.waitMs / 1000)} s)` : '';
        throw new Error(`cannot reach Postgres at ${redact(url)}${waited}: ${error}`);
      }
      o.onRetry?.({ attempt, retryInMs: delay, error });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The URL without its password, for messages. */
export const redact = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
