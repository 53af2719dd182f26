import * as net from 'node:net';
import { Pool } from 'pg';
import { freePort, stackEnv, uniqueName } from '@clearance/testing';
import { openPool } from './pool';

describe('a pool when Postgres goes away (real Postgres)', () => {
  const url = stackEnv().databaseUrl;

  it('given its connections are cut while idle, then the process lives on, the pool says so, and the next query works', async () => {
    const name = uniqueName('pool-cut');
    const idleErrors: string[] = [];
    const pool = await openPool(url, {
      max: 3,
      applicationName: name,
      onIdleError: (e) => idleErrors.push(e.message),
    });
    const admin = new Pool({ connectionString: url, max: 1 });
    try {
      // three idle connections of the pool
      await Promise.all([1, 2, 3].map(() => pool.query('SELECT pg_sleep(0.05)')));
      const cut = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [name],
      );
      expect(cut.rowCount).toBeGreaterThan(0);
      for (let i = 0; i < 50 && idleErrors.length < cut.rowCount!; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(idleErrors.length).toBe(cut.rowCount);
      expect(idleErrors[0]).toMatch(/terminating connection/);
      expect((await pool.query('SELECT 41 + 1 AS answer')).rows[0].answer).toBe(42);
    } finally {
      await admin.end();
      await pool.end();
    }
  });

  it('given Postgres does not answer at start, then it waits (each retry reported) and opens once Postgres answers', async () => {
    const real = new URL(url);
    const port = await freePort();
    const proxied = new URL(url);
    proxied.port = String(port);
    const retries: number[] = [];
    let proxy: net.Server | undefined;
    const opening = openPool(proxied.toString(), {
      waitMs: 60_000,
      onRetry: (r) => {
        retries.push(r.attempt);
        // after two refused attempts, Postgres "comes back": a proxy on the port
        if (r.attempt === 2 && !proxy) {
          proxy = net.createServer((client) => {
            const upstream = net.connect(Number(real.port || 5432), real.hostname);
            client.pipe(upstream).pipe(client);
            client.on('error', () => upstream.destroy());
            upstream.on('error', () => client.destroy());
          });
          proxy.listen(port, '127.0.0.1');
        }
      },
    });
    try {
      const pool = await opening;
      expect(retries.slice(0, 2)).toEqual([1, 2]);
      expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
      await pool.end();
    } finally {
      proxy?.close();
    }
  });

  it('given Postgres never answers, then it fails after waitMs naming the address without its password', async () => {
    const port = await freePort();
    await expect(openPool(`postgres://app:secret@127.0.0.1:${port}/db`, { waitMs: 600 })).rejects.toThrow(
      new RegExp(
        `cannot reach Postgres at postgres://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/db \\(waited 1 s\\)`,
      ),
    );
  });
});
