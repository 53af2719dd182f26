import { Pool } from 'pg';

/** A pg pool for `url`; fails fast with the address named when nothing answers. */
export async function openPool(url: string, max = 5): Promise<Pool> {
  const pool = new Pool({ connectionString: url, max });
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot reach Postgres at ${redact(url)}: ${(e as Error).message}`);
  }
  return pool;
}

/** The URL without its password, for messages. */
export const redact = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
