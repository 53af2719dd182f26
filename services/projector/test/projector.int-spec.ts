/**
 * The projector on the real stack: Avro records (through the schema registry) of every source
 * topic, on uniquely named topics, projected into uniquely prefixed schemas; exactly once across a
 * restart whose Kafka offsets were reset; a replay compared row for row with the live tables; a
 * swap under a running projector that has to seek back to the swapped-in offsets.
 */
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { RegistryCodecs, type TopicSpec } from '@clearance/contracts';
import { openPool } from '@clearance/postgres';
import { eventually, stackEnv, uniqueName } from '@clearance/testing';
import { ClusterMismatchError } from '../src/cluster';
import { createProjector, type Projector } from '../src/projector';
import { PROJECTION_NAMES, PROJECTIONS } from '../src/projections';
import { replayProjection } from '../src/replay';
import { projectionSchema, swapSchemas } from '../src/schema';
import { SOURCES, type ProjectionName, type SourceKey, type TopicNames } from '../src/sources';
import { traffic, type Timed, type Traffic } from './traffic';

const env = stackEnv();
const id = uniqueName('projector');
const prefix = `t_${id.split('-')[1]}_`;
const topics = Object.fromEntries(
  (Object.keys(SOURCES) as SourceKey[]).map((k) => [k, `${id}.${k}`]),
) as TopicNames;
const schema = (p: ProjectionName) => projectionSchema(prefix, p);

let pool: Pool;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let codecs: RegistryCodecs;
let data: Traffic;
const projectors: Projector[] = [];

async function produce<V>(source: SourceKey, records: Array<Timed<V>>): Promise<void> {
  const spec = SOURCES[source] as TopicSpec<unknown>;
  await producer.send({
    topic: topics[source],
    acks: -1,
    messages: await Promise.all(
      records.map(async (r) => ({
        key: r.key,
        value: await codecs.encode(spec, r.value),
        timestamp: String(r.timestamp),
      })),
    ),
  });
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(sql, params);
  return Number(rows[0].n);
}

const ends = async (keys: ReadonlyArray<SourceKey>) => {
  const out = new Map<string, number>();
  for (const k of keys)
    for (const o of await admin.fetchTopicOffsets(topics[k]))
      out.set(`${topics[k]}|${o.partition}`, Number(o.high));
  return out;
};

/** Waits until every projection's stored offsets reach the current end of its topics. */
async function caughtUp(projector: Projector): Promise<void> {
  await eventually(
    'projector caught up',
    async () => {
      const stored = await projector.storedOffsets();
      const behind: string[] = [];
      for (const p of PROJECTION_NAMES) {
        for (const [tp, high] of await ends(PROJECTIONS[p].sources))
          if ((stored[p]?.[tp] ?? 0) < high) behind.push(`${p} ${tp} at ${stored[p]?.[tp] ?? 0} of ${high}`);
      }
      if (behind.length > 0) throw new Error(`behind: ${behind.join(', ')}`);
      return true;
    },
    60_000,
    200,
  );
}

function startProjector(groupId = id): Promise<Projector> {
  const projector = createProjector({
    ...env.kafka,
    pool,
    decoder: codecs,
    groupId,
    schemaPrefix: prefix,
    topics,
    concurrency: 4,
    sessionTimeout: 10_000,
  });
  projectors.push(projector);
  return projector.start().then(() => projector);
}

const fakeReceipt = (n: number) => {
  const r = data.receipt[0].value;
  return {
    key: r.caseKey,
    value: { ...r, guid: `${r.guid.slice(0, 30)}${String(900000 + n)}`, returnInfo: `extra ${n}` },
    timestamp: data.receipt[0].timestamp + n,
  };
};

beforeAll(async () => {
  pool = await openPool(env.databaseUrl, 12);
  codecs = new RegistryCodecs({ url: env.schemaRegistryUrl });
  await codecs.register();
  kafka = new Kafka({ clientId: id, ...env.kafka, logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.entries(topics).map(([k, topic]) => ({
      topic,
      numPartitions: 3,
      configEntries: k === 'exchangeRate' ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
    })),
  });
  producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    idempotent: true,
  });
  await producer.connect();

  data = traffic(40, 7);
  for (const k of Object.keys(data) as Array<keyof Traffic>)
    await produce(k, data[k] as Array<Timed<unknown>>);
  // a tax bill published again with other content: the first (by offset, one partition) wins
  await produce('taxBill', [{ ...data.taxBill[0], value: { ...data.taxBill[0].value, status: 'MISMATCH' } }]);
  // bytes that are not Avro: kept in projection_error, never dropped
  await producer.send({
    topic: topics.receipt,
    messages: [{ key: 'garbage', value: Buffer.from('not avro at all') }],
  });
  // an aborted transaction: read committed never sees it
  const tx = kafka.producer({
    transactionalId: `${id}-aborter`,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await tx.connect();
  const t = await tx.transaction();
  const d = data.decision[0].value;
  await t.send({
    topic: topics.decision,
    messages: [
      { key: d.waybillKey, value: await codecs.encode(SOURCES.decision, { ...d, guid: 'ABORTED-DECISION' }) },
    ],
  });
  await t.abort();
  await tx.disconnect();
});

afterAll(async () => {
  for (const p of projectors) await p.stop().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  const { rows } = await pool.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
    [`${prefix}%`],
  );
  for (const r of rows) await pool.query(`DROP SCHEMA "${r.nspname}" CASCADE`);
  await admin?.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin?.deleteGroups([id, `${id}-b`]).catch(() => undefined);
  await admin?.disconnect();
  await pool?.end();
});

describe('projector on the real stack', () => {
  let live: Projector;
  const parcelTables = (t: string) => `"${schema('parcels')}"."${t}"`;

  it('projects receipts, lists, tax bills, decisions, clearances, declarations and statistics, once each', async () => {
    live = await startProjector();
    await caughtUp(live);
    const P = parcelTables;
    const events =
      data.receipt.length +
      data.manifest.length +
      data.taxBill.length +
      1 + // the tax bill published again: in the trail, not in tax_bill
      data.decision.length +
      data.cleared.length;
    expect(await count(`SELECT count(*) n FROM ${P('parcel_event')}`)).toBe(events);
    expect(await count(`SELECT count(*) n FROM ${P('receipt')}`)).toBe(
      new Set(data.receipt.map((r) => r.value.guid)).size,
    );
    expect(await count(`SELECT count(*) n FROM ${P('decision')}`)).toBe(data.decision.length);
    expect(await count(`SELECT count(*) n FROM ${P('decision')} WHERE guid = 'ABORTED-DECISION'`)).toBe(0);
    expect(await count(`SELECT count(*) n FROM ${P('decision_rule')}`)).toBe(
      data.decision.reduce((a, d) => a + d.value.rulesFired.length, 0),
    );

    // tax bills: one row per bill, first wins; in the trail with no status; never a parcel's status
    expect(data.taxBill.length).toBeGreaterThan(0);
    const bills = await pool.query(
      `SELECT guid, invt_no, order_key, waybill_key, status, tax_total::text, vat_total::text, declared_tax_total::text,
              computed_at::bigint AS computed_at, topic, payload FROM ${P('tax_bill')} ORDER BY guid COLLATE "C"`,
    );
    expect(bills.rows).toEqual(
      data.taxBill
        .map(({ value: b }) => ({
          guid: b.guid,
          invt_no: b.invtNo,
          order_key: b.orderKey,
          waybill_key: b.waybillKey,
          status: b.status,
          tax_total: b.taxTotal,
          vat_total: b.vatTotal,
          declared_tax_total: b.declaredTaxTotal,
          computed_at: String(b.computedAt),
          topic: topics.taxBill,
          payload: b,
        }))
        .sort((a, b) => (a.guid < b.guid ? -1 : 1)),
    );
    expect(
      await count(
        `SELECT count(*) n FROM ${P('parcel_event')} WHERE kind = 'TAX_BILL' AND status IS NULL AND rank = 1`,
      ),
    ).toBe(data.taxBill.length + 1);
    expect(
      await count(
        `SELECT count(*) n FROM ${P('parcel')} WHERE order_key = ANY($1) AND (status IS NULL OR status_order LIKE $2)`,
        [data.taxBill.map((b) => b.value.orderKey), `%|${topics.taxBill}|%`],
      ),
    ).toBe(0);
    const importParcels = await pool.query(
      `SELECT order_key, invt_no, ie_flag, status FROM ${P('parcel')} WHERE order_key = ANY($1) ORDER BY order_key`,
      [data.taxBill.map((b) => b.value.orderKey)],
    );
    expect(importParcels.rows).toHaveLength(data.taxBill.length);
    for (const r of importParcels.rows) {
      expect(r.ie_flag).toBe('I');
      expect(r.invt_no).toBe(data.taxBill.find((b) => b.value.orderKey === r.order_key)!.value.invtNo);
    }

    const errors = await pool.query(`SELECT topic, reason FROM ${P('projection_error')}`);
    expect(errors.rows).toEqual([
      { topic: topics.receipt, reason: expect.stringContaining('does not decode') },
    ]);

    // every cleared parcel shows 899 and its whole trail; each parcel counts its own events
    const cleared = await pool.query(
      `SELECT status, status_name, invt_no FROM ${P('parcel')} WHERE order_key = ANY($1)`,
      [data.cleared.map((c) => c.value.orderKey)],
    );
    expect(cleared.rows).toHaveLength(data.cleared.length);
    for (const r of cleared.rows) expect([r.status, r.status_name]).toEqual(['899', 'CLEARED']);
    expect(
      await count(
        `SELECT count(*) n FROM ${P('parcel')} p WHERE event_count <> (SELECT count(*) FROM ${P('parcel_event')} e WHERE e.order_key = p.order_key)`,
      ),
    ).toBe(0);
    const rejected = data.decision.filter((d) => d.value.outcome === 'REJECT').map((d) => d.value.orderKey);
    if (rejected.length > 0)
      expect(
        await count(`SELECT count(*) n FROM ${P('parcel')} WHERE order_key = ANY($1) AND status <> '100'`, [
          rejected,
        ]),
      ).toBe(0);

    // declarations with lines whose sums are the header's
    const D = (t: string) => `"${schema('declarations')}"."${t}"`;
    expect(await count(`SELECT count(*) n FROM ${D('declaration')}`)).toBe(data.summary.length);
    expect(await count(`SELECT count(*) n FROM ${D('declaration_line')}`)).toBe(
      data.summary.reduce((a, s) => a + s.value.lines.length, 0),
    );
    expect(
      await count(
        `SELECT count(*) n FROM ${D('declaration')} d WHERE total_fob_cny <> (SELECT sum(fob_cny) FROM ${D('declaration_line')} l WHERE l.declaration_no = d.declaration_no)`,
      ),
    ).toBe(0);

    const S = (t: string) => `"${schema('statistics')}"."${t}"`;
    expect(await count(`SELECT count(*) n FROM ${S('stat_list')} WHERE basis = 'DECIDED'`)).toBe(
      data.decision.length,
    );
    expect(await count(`SELECT count(*) n FROM ${S('stat_list')} WHERE basis = 'CLEARED'`)).toBe(
      data.cleared.length,
    );
    expect(await count(`SELECT count(*) n FROM ${S('exchange_rate')}`)).toBe(
      new Set(data.exchangeRate.map((r) => r.key)).size,
    );
  });

  it("restarts exactly once from the database offsets although Kafka's committed offsets lag (a new group)", async () => {
    const before = await count(`SELECT count(*) n FROM ${parcelTables('parcel_event')}`);
    await live.stop();
    // a new consumer group has no committed offsets at all: Kafka's position lags to 0
    await produce('receipt', [fakeReceipt(1), fakeReceipt(2)]);
    live = await startProjector(`${id}-b`);
    await caughtUp(live);
    expect(await count(`SELECT count(*) n FROM ${parcelTables('parcel_event')}`)).toBe(before + 2);
    expect(await count(`SELECT count(*) n FROM "${schema('statistics')}"."stat_list"`)).toBe(
      data.decision.length + data.cleared.length,
    );
    expect(await count(`SELECT coalesce(sum(event_count), 0) n FROM ${parcelTables('parcel')}`)).toBe(
      await count(`SELECT count(*) n FROM ${parcelTables('parcel_event')} WHERE order_key IS NOT NULL`),
    );
  });

  it('replays every projection into a fresh schema identical to the live one, row for row', async () => {
    // returns is never replayed (its seqs follow commit order): returns.int-spec.ts checks the refusal
    for (const p of PROJECTION_NAMES.filter((n) => !PROJECTIONS[n].replayRefusal)) {
      const r = await replayProjection({
        projection: p,
        ...env.kafka,
        pool,
        decoder: codecs,
        schemaPrefix: prefix,
        topics,
        swap: false,
        progress: 'none',
        print: () => undefined,
      });
      expect(r.swapped).toBe(false);
      for (const table of [...PROJECTIONS[p].tables, 'projection_offset', 'projection_error']) {
        const a = `"${schema(p)}"."${table}"`;
        const b = `"${r.builtSchema}"."${table}"`;
        const n = await count(`SELECT count(*) n FROM ${a}`);
        expect([table, await count(`SELECT count(*) n FROM ${b}`)]).toEqual([table, n]);
        expect([
          table,
          await count(`SELECT count(*) n FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) x`),
        ]).toEqual([table, 0]);
        expect([
          table,
          await count(`SELECT count(*) n FROM (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a}) x`),
        ]).toEqual([table, 0]);
      }
      expect(r.rows.parcel ?? r.rows.declaration ?? r.rows.stat_list).toBeGreaterThan(0);
      await pool.query(`DROP SCHEMA "${r.builtSchema}" CASCADE`);
    }
  });

  it('swaps a replay in under the running projector, which seeks back to the swapped-in offsets', async () => {
    const events = () => count(`SELECT count(*) n FROM ${parcelTables('parcel_event')}`);
    const built = await replayProjection({
      projection: 'parcels',
      ...env.kafka,
      pool,
      decoder: codecs,
      schemaPrefix: prefix,
      topics,
      swap: false,
      progress: 'none',
      print: () => undefined,
    });
    const atReplay = await events();
    await produce('receipt', [fakeReceipt(3), fakeReceipt(4), fakeReceipt(5)]);
    await eventually(
      'live projector has the new receipts',
      async () => ((await events()) === atReplay + 3 ? true : undefined),
      30_000,
    );
    // the replay schema, behind by three records, becomes the live one
    await swapSchemas(pool, schema('parcels'), built.builtSchema);
    expect(await events()).toBe(atReplay);
    await produce('receipt', [fakeReceipt(6)]);
    await eventually(
      'swapped-in schema caught up',
      async () => ((await events()) === atReplay + 4 ? true : undefined),
      30_000,
    );
    await caughtUp(live);
    expect(await events()).toBe(atReplay + 4);
    expect(await live.registry.getSingleMetricAsString('projector_seeks_total')).toMatch(
      /projection="parcels"\} [1-9]/,
    );

    // and the replay command's default: rebuild and swap in one go
    const r = await replayProjection({
      projection: 'declarations',
      ...env.kafka,
      pool,
      decoder: codecs,
      schemaPrefix: prefix,
      topics,
      progress: 'none',
      print: () => undefined,
    });
    expect(r).toMatchObject({
      swapped: true,
      schema: schema('declarations'),
      rows: { declaration: data.summary.length },
    });
    expect(
      await count(`SELECT count(*) n FROM pg_namespace WHERE nspname LIKE $1`, [
        `${schema('declarations')}%`,
      ]),
    ).toBe(1);
  });
  it('refuses to write into a schema whose offsets belong to another Kafka cluster', async () => {
    const source = `"${schema('parcels')}"."projection_source"`;
    const { rows } = await pool.query<{ cluster_id: string }>(`SELECT cluster_id FROM ${source}`);
    const { clusterId } = await admin.describeCluster();
    expect(rows).toEqual([{ cluster_id: clusterId }]); // bound on first use
    // as if this database had been used with another cluster before
    await pool.query(`UPDATE ${source} SET cluster_id = 'another-cluster'`);
    try {
      const other = createProjector({
        ...env.kafka,
        pool,
        decoder: codecs,
        groupId: `${id}-c`,
        schemaPrefix: prefix,
        topics,
      });
      projectors.push(other);
      await expect(other.start()).rejects.toThrow(ClusterMismatchError);
    } finally {
      await pool.query(`UPDATE ${source} SET cluster_id = $1`, [clusterId]);
    }
  });
});
