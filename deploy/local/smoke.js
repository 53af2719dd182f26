'use strict';
// End-to-end smoke check of the local stack (bash deploy/local/stack.sh smoke):
//  - kafkajs: create a topic, produce, consume in a group;
//  - transactional producer (transactionalId, idempotent, maxInFlightRequests 1): commit is visible to a
//    read_committed consumer, abort is not;
//  - schema registry: global config BACKWARD, a subject registered without its own config answers
//    BACKWARD on GET /config/{subject}, @kafkajs/confluent-schema-registry registers, evolves and
//    rejects an incompatible change;
//  - Postgres: a query.
// Everything it creates (topic, subjects, table) is removed again. Addresses come from the environment
// or $STACK_DIR/env (default <repo>/.stack/env).
const { readFileSync, existsSync } = require('node:fs');
const path = require('node:path');
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');
const { Client } = require('pg');
const { kafkaSecurity } = require('./kafka-auth');

const stackDir = process.env.STACK_DIR || path.join(__dirname, '../../.stack');
const envFile = path.join(stackDir, 'env');
if (existsSync(envFile)) {
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2].replace(/^'|'$/g, '');
  }
}
const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL } = process.env;
if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !DATABASE_URL) {
  console.error(`smoke: KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL are needed (${envFile})`);
  process.exit(2);
}

const ok = (msg) => console.log(`  ok  ${msg}`);
const assert = (cond, msg) => {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
};
const run = Date.now().toString(36);

async function kafkaChecks() {
  const kafka = new Kafka({
    ...kafkaSecurity(),
    clientId: 'stack-smoke',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `stack-smoke-${run}`;
  try {
    assert(
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: false }),
      'topic created',
    );
    // kafkajs's waitForLeaders retries LEADER_NOT_AVAILABLE only; another broker of a multi-broker
    // cluster can answer UNKNOWN_TOPIC_OR_PARTITION until it has the new topic's metadata
    for (let i = 0; ; i++) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        if (topics[0].partitions.length === 3 && topics[0].partitions.every((p) => p.leader >= 0)) break;
      } catch (e) {
        if (i >= 100 || !['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE'].includes(e.type)) throw e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    ok(`created topic ${topic} (3 partitions)`);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [1, 2, 3].map((i) => ({ key: `k${i}`, value: `plain-${i}` })) });
    await producer.disconnect();
    ok('produced 3 records');

    const tx = kafka.producer({
      transactionalId: `stack-smoke-tx-${run}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await tx.connect();
    let t = await tx.transaction();
    await t.send({ topic, messages: [{ key: 'tx', value: 'committed' }] });
    await t.commit();
    t = await tx.transaction();
    await t.send({ topic, messages: [{ key: 'tx', value: 'aborted' }] });
    await t.abort();
    await tx.disconnect();
    ok('transactional producer (idempotent, maxInFlightRequests 1): one transaction committed, one aborted');

    const seen = [];
    const consumer = kafka.consumer({ groupId: `stack-smoke-${run}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`consumer saw only ${JSON.stringify(seen)} within 30 s`)),
        30000,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push(message.value.toString());
            if (seen.length >= 4) {
              clearTimeout(timer);
              setTimeout(resolve, 1000); // give a stray aborted record the chance to show up
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    assert(seen.length === 4, `4 visible records, got ${JSON.stringify(seen)}`);
    assert(
      seen.includes('committed') && !seen.includes('aborted'),
      `committed visible, aborted not: ${JSON.stringify(seen)}`,
    );
    ok(`consumer group (read_committed) read ${seen.length} records: 3 plain + committed, aborted hidden`);
  } finally {
    await admin.deleteGroups([`stack-smoke-${run}`]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function registryChecks() {
  const base = SCHEMA_REGISTRY_URL.replace(/\/$/, '');
  const json = async (res) => ({ status: res.status, body: await res.json().catch(() => null) });
  const get = async (p) => json(await fetch(`${base}${p}`));
  const ct = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };

  const global = await get('/config');
  assert(
    global.body && global.body.compatibilityLevel === 'BACKWARD',
    `GET /config = ${JSON.stringify(global.body)}`,
  );
  ok('GET /config -> {"compatibilityLevel":"BACKWARD"}');

  const rec = (fields) => JSON.stringify({ type: 'record', name: 'Smoke', namespace: 'stack.smoke', fields });
  const v1 = rec([{ name: 'a', type: 'string' }]);
  const v2 = rec([
    { name: 'a', type: 'string' },
    { name: 'b', type: 'int', default: 0 },
  ]);
  const bad = rec([
    { name: 'a', type: 'string' },
    { name: 'c', type: 'int' },
  ]);

  const raw = `stack-smoke-raw-${run}-value`;
  const lib = `stack-smoke-lib-${run}-value`;
  try {
    // registered without any subject-level config (as another tool would): must inherit BACKWARD
    const r = await json(
      await fetch(`${base}/subjects/${raw}/versions`, {
        method: 'POST',
        headers: ct,
        body: JSON.stringify({ schema: v1 }),
      }),
    );
    assert(r.status === 200 && r.body && r.body.id, `raw register: ${r.status} ${JSON.stringify(r.body)}`);
    const sc = await get(`/config/${raw}`);
    assert(
      sc.body && sc.body.compatibilityLevel === 'BACKWARD',
      `GET /config/${raw} = ${sc.status} ${JSON.stringify(sc.body)}`,
    );
    ok(`GET /config/<subject> for a subject without own config -> BACKWARD`);

    const registry = new SchemaRegistry({ host: base });
    const a = await registry.register({ type: SchemaType.AVRO, schema: v1 }, { subject: lib });
    const again = await registry.register({ type: SchemaType.AVRO, schema: v1 }, { subject: lib });
    assert(a.id === again.id, 'same schema, same id');
    const b = await registry.register({ type: SchemaType.AVRO, schema: v2 }, { subject: lib });
    const decoded = await registry.decode(await registry.encode(b.id, { a: 'x', b: 7 }));
    assert(decoded.a === 'x' && decoded.b === 7, 'round trip');
    let rejected = false;
    try {
      await registry.register({ type: SchemaType.AVRO, schema: bad }, { subject: lib });
    } catch {
      rejected = true;
    }
    assert(rejected, 'incompatible schema must be rejected');
    ok(
      `@kafkajs/confluent-schema-registry: register (id ${a.id}), re-register, evolve (id ${b.id}), encode/decode; incompatible change rejected`,
    );
  } finally {
    for (const s of [raw, lib]) {
      await fetch(`${base}/subjects/${s}`, { method: 'DELETE' }).catch(() => undefined);
      await fetch(`${base}/subjects/${s}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
    }
  }
}

async function pgChecks() {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const table = `stack_smoke_${run}`;
    await client.query(`create table ${table} (id int primary key, v text)`);
    await client.query(`insert into ${table} values (1, 'x')`);
    const { rows } = await client.query(
      `select v, current_setting('server_version') as version from ${table}`,
    );
    await client.query(`drop table ${table}`);
    assert(rows[0].v === 'x', 'row read back');
    ok(`postgres ${rows[0].version}: create/insert/select/drop`);
  } finally {
    await client.end();
  }
}

(async () => {
  const t0 = Date.now();
  console.log(`smoke: kafka ${KAFKA_BROKERS}`);
  await kafkaChecks();
  console.log(`smoke: schema registry ${SCHEMA_REGISTRY_URL}`);
  await registryChecks();
  console.log(`smoke: postgres ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}`);
  await pgChecks();
  console.log(`smoke: PASS in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
})().catch((err) => {
  console.error(`smoke: FAIL: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
