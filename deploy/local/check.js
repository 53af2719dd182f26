'use strict';
// Readiness probes used by deploy/local/stack.sh. Exit 0 (and print one line) when the service answers.
//   node check.js kafka 127.0.0.1:9092[,host:port...]   metadata request: describeCluster + listTopics
//   node check.js pg postgres://user@host:port/db       connect + SELECT
//   node check.js kafka-warm 127.0.0.1:9092             on a fresh cluster: have the broker create and load
//                                                        __consumer_offsets and __transaction_state now
//                                                        (group coordinator lookup + transactional producer
//                                                        init), instead of during the first test
// Kafka security settings come from KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_CA_FILE
// (kafka-auth.js); stack.sh sets them to the operator principal for its own broker.
const { kafkaSecurity } = require('./kafka-auth');
const [what, target] = process.argv.slice(2);
const LIMIT_MS = Number(process.env.CHECK_TIMEOUT_MS || (what === 'kafka-warm' ? 60000 : 8000));

async function kafka(brokers) {
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({
    ...kafkaSecurity(),
    clientId: 'stack-check',
    brokers: brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  }).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    const topics = await admin.listTopics();
    return `kafka cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), ${topics.length} topic(s)`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function kafkaWarm(brokers) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({
    ...kafkaSecurity(),
    clientId: 'stack-warm',
    brokers: brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.describeGroups(['stack-warm']); // FindCoordinator(GROUP) creates __consumer_offsets
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const producer = kafka.producer({
    transactionalId: 'stack-warm',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect(); // InitProducerId creates __transaction_state
  await producer.disconnect();
  return 'kafka internal topics ready';
}

async function pg(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query("select current_setting('server_version') as v");
    return `postgres ${rows[0].v}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const probes = { kafka, 'kafka-warm': kafkaWarm, pg };
if (!probes[what] || !target) {
  console.error('usage: node check.js kafka|kafka-warm <brokers> | pg <url>');
  process.exit(2);
}
const timer = setTimeout(() => {
  console.error(`${what}: no answer within ${LIMIT_MS} ms`);
  process.exit(1);
}, LIMIT_MS);
probes[what](target).then(
  (line) => {
    clearTimeout(timer);
    console.log(line);
    process.exit(0);
  },
  (err) => {
    clearTimeout(timer);
    console.error(`${what}: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
