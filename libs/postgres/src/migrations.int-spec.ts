import { Pool } from 'pg';
import { stackEnv, uniqueName } from '@clearance/testing';
import { migrate } from './migrations';
import { openPool } from './pool';

describe('migrations on the real Postgres', () => {
  let pool: Pool;
  const scope = uniqueName('test');
  const table = scope.replace(/-/g, '_');

  beforeAll(async () => {
    pool = await openPool(stackEnv().databaseUrl);
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.query(`DELETE FROM schema_migrations WHERE scope = $1`, [scope]);
    await pool.end();
  });

  it('applies pending migrations once, in order, and refuses an edited one', async () => {
    const v1 = [{ name: '001_create.sql', sql: `CREATE TABLE ${table} (id int PRIMARY KEY)` }];
    const v2 = [...v1, { name: '002_column.sql', sql: `ALTER TABLE ${table} ADD COLUMN note text` }];
    expect(await migrate(pool, scope, v1)).toEqual(['001_create.sql']);
    expect(await migrate(pool, scope, v2)).toEqual(['002_column.sql']);
    expect(await migrate(pool, scope, v2)).toEqual([]);
    await pool.query(`INSERT INTO ${table} (id, note) VALUES (1, 'x')`);
    const edited = [{ name: '001_create.sql', sql: `CREATE TABLE ${table} (id bigint PRIMARY KEY)` }];
    await expect(migrate(pool, scope, edited)).rejects.toThrow(/was changed after it was applied/);
  });

  it('rolls back a failing migration and names it', async () => {
    const bad = [{ name: '003_bad.sql', sql: `ALTER TABLE ${table} ADD COLUMN nope nosuchtype` }];
    await expect(migrate(pool, scope, bad)).rejects.toThrow(`migration ${scope}/003_bad.sql failed`);
    const { rows } = await pool.query(`SELECT name FROM schema_migrations WHERE scope = $1 ORDER BY name`, [scope]);
    expect(rows.map((r) => r.name)).toEqual(['001_create.sql', '002_column.sql']);
  });

  it('names the address when Postgres does not answer', async () => {
    await expect(openPool('postgres://nobody:secret@127.0.0.1:1/none')).rejects.toThrow(
      'cannot reach Postgres at postgres://nobody:***@127.0.0.1:1/none',
    );
  });
});
