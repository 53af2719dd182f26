'use strict';
// Readiness probes used by deploy/local/stack.sh. Exit 0 (and print one line) when the service answers.
//   node check.js kafka 127.0.0.1:9092[,host:port...] [N] metadata request: describeCluster + listTopics;
//                                                        with N: fail unless N brokers are registered
//                                                        (and only report a listTopics failure)
//   node check.js pg postgres://user@host:port/db       connect + SELECT
//   node check.js kafka-warm 127.0.0.1:9092 [tx]        on a fresh cluster: have the broker create and load
//                                                        __consumer_offsets now (group coordinator lookup),
//                                                        with tx also __transaction_state (transactional
//                                                        producer init), instead of during the first test
//   node check.js kafka-quorum <brokers> [N]             KRaft controller quorum (DescribeQuorum, forwarded by
//                                                        a broker to the active controller): fail unless there
//                                                        is a leader and N voters (default: any) that all fetch
//   node check.js kafka-replicas <brokers>               every topic's replication factor and min.insync.replicas
//                                                        (describeConfigs); fail if a partition is offline or
//                                                        under-replicated (ISR smaller than its replicas)
// Kafka security settings come from KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_CA_FILE
// (kafka-auth.js); stack.sh sets them to the operator principal for its own broker.
const { kafkaSecurity } = require('./kafka-auth');
const [what, target, expected] = process.argv.slice(2);
const LIMIT_MS = Number(process.env.CHECK_TIMEOUT_MS || (what === 'kafka-warm' ? 60000 : 8000));

// Of several addresses, those that accept a TCP connection (all of them if none does): kafkajs
// without retries fails when the seed broker it picks is a stopped node of a multi-broker stack.
async function reachable(list) {
  if (list.length < 2) return list;
  const net = require('node:net');
  const open = (address) =>
    new Promise((resolve) => {
      const i = address.lastIndexOf(':');
      const socket = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
      const done = (ok) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  const ok = await Promise.all(list.map(open));
  const up = list.filter((_, i) => ok[i]);
  return up.length > 0 ? up : list;
}

async function checkClient(brokers, clientId) {
  const { Kafka, logLevel } = require('kafkajs');
  const list = brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  return new Kafka({
    ...kafkaSecurity(),
    clientId,
    brokers: await reachable(list),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
}

async function kafka(brokers, want) {
  const admin = (await checkClient(brokers, 'stack-check')).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (want && cluster.brokers.length < Number(want)) {
      const ids = cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
      throw new Error(`${cluster.brokers.length} of ${want} brokers registered (node ids ${ids.join(',')})`);
    }
    if (want) {
      // kafkajs fails a metadata request for all topics when one partition has no leader (e.g. a topic
      // of replication factor 1 on a stopped node): with N, the brokers are what is asked
      const topics = await admin.listTopics().then(
        (t) => `${t.length} topic(s)`,
        (e) => `topics: ${e.message}`,
      );
      return `kafka cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), ${topics}`;
    }
    const topics = await admin.listTopics();
    return `kafka cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), ${topics.length} topic(s)`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// DescribeQuorum (api key 55) v0, flexible, on __cluster_metadata-0; kafkajs 2.2.4 has no such
// request, so it is sent over a connection of kafkajs's own cluster (SASL/TLS done by kafkajs).
const describeQuorumV0 = {
  request: {
    apiKey: 55,
    apiVersion: 0,
    apiName: 'DescribeQuorum',
    encode: async () => {
      const Encoder = require('kafkajs/src/protocol/encoder');
      const partition = new Encoder().writeInt32(0).writeUVarInt(0);
      const topic = new Encoder()
        .writeUVarIntString('__cluster_metadata')
        .writeUVarIntArray([partition])
        .writeUVarInt(0);
      return new Encoder()
        .writeUVarInt(0) // request header v2 tag buffer (kafkajs writes header v1)
        .writeUVarIntArray([topic])
        .writeUVarInt(0);
    },
  },
  response: {
    decode: async (raw) => {
      const Decoder = require('kafkajs/src/protocol/decoder');
      const d = new Decoder(raw);
      d.readTaggedFields(); // response header v1
      const replica = (r) => {
        const state = { id: r.readInt32(), logEndOffset: Number(r.readInt64().toString()) };
        r.readTaggedFields();
        return state;
      };
      const errorCode = d.readInt16();
      const topics = d.readUVarIntArray((t) => {
        const name = t.readUVarIntString();
        const partitions = t.readUVarIntArray((p) => {
          const part = {
            partition: p.readInt32(),
            errorCode: p.readInt16(),
            leaderId: p.readInt32(),
            leaderEpoch: p.readInt32(),
            highWatermark: Number(p.readInt64().toString()),
            voters: p.readUVarIntArray(replica) || [],
            observers: p.readUVarIntArray(replica) || [],
          };
          p.readTaggedFields();
          return part;
        });
        t.readTaggedFields();
        return { name, partitions };
      });
      return { errorCode, topics };
    },
    parse: async (data) => {
      const { failure, createErrorFromCode } = require('kafkajs/src/protocol/error');
      const code = data.errorCode || data.topics?.[0]?.partitions?.[0]?.errorCode || 0;
      if (failure(code)) throw createErrorFromCode(code);
      return data;
    },
  },
};

async function kafkaQuorum(brokers, want) {
  const client = await checkClient(brokers, 'stack-check');
  const createCluster =
    client[Object.getOwnPropertySymbols(client).find((s) => s.description === 'private:Kafka:createCluster')];
  const cluster = createCluster({ allowAutoTopicCreation: false });
  await cluster.connect();
  try {
    const data = await cluster.brokerPool.seedBroker.connectionPool.send({
      ...describeQuorumV0,
      requestTimeout: 3000,
    });
    const q = data.topics[0].partitions[0];
    const voters = [...q.voters].sort((a, b) => a.id - b.id);
    const lags = voters.map(
      (v) => `${v.id}:${v.logEndOffset < 0 ? 'none' : Math.max(0, q.highWatermark - v.logEndOffset)}`,
    );
    const line = `controller quorum leader ${q.leaderId} (epoch ${q.leaderEpoch}), voters ${voters.map((v) => v.id).join(',')}, lag ${lags.join(' ')}`;
    if (q.leaderId < 0) throw new Error(`no quorum leader (${line})`);
    if (want && voters.length !== Number(want))
      throw new Error(`${voters.length} of ${want} voters (${line})`);
    const silent = voters.filter((v) => v.logEndOffset < 0);
    if (silent.length > 0)
      throw new Error(`voter(s) ${silent.map((v) => v.id).join(',')} not fetching (${line})`);
    return line;
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}

async function kafkaReplicas(brokers) {
  const admin = (await checkClient(brokers, 'stack-check')).admin();
  await admin.connect();
  try {
    const names = await admin.listTopics();
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const count = (m, k) => m.set(k, (m.get(k) || 0) + 1);
    const rf = new Map();
    const minIsr = new Map();
    let partitions = 0;
    let under = 0;
    let offline = 0;
    for (const t of topics) {
      count(
        rf,
        t.partitions.reduce((max, p) => Math.max(max, p.replicas.length), 0),
      );
      for (const p of t.partitions) {
        partitions++;
        if (p.leader < 0) offline++;
        else if (p.isr.length < p.replicas.length) under++;
      }
    }
    if (names.length > 0) {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: 2, name, configNames: ['min.insync.replicas'] })), // 2: TOPIC
      });
      for (const r of resources)
        count(
          minIsr,
          r.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue ?? '?',
        );
    }
    const hist = (m) =>
      [...m]
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
        .map(([k, n]) => `${k} (${n})`)
        .join(', ') || '-';
    const line =
      `${names.length} topic(s), ${partitions} partition(s): replication factor ${hist(rf)}; ` +
      `min.insync.replicas ${hist(minIsr)}; ${under} under-replicated, ${offline} offline`;
    if (under > 0 || offline > 0) throw new Error(line);
    return line;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function kafkaWarm(brokers, mode) {
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
  await producer.connect(); // an idempotent InitProducerId only: it does not create __transaction_state
  try {
    // `kafka-warm <brokers> tx`: a transactional InitProducerId (FindCoordinator(TRANSACTION)) creates
    // __transaction_state, with the replication factor it needs (3 brokers alive on a 3-broker stack)
    if (mode === 'tx') await (await producer.transaction()).abort();
  } finally {
    await producer.disconnect();
  }
  return mode === 'tx'
    ? 'kafka internal topics ready (__consumer_offsets, __transaction_state)'
    : 'kafka internal topics ready';
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

const probes = {
  kafka,
  'kafka-warm': kafkaWarm,
  'kafka-quorum': kafkaQuorum,
  'kafka-replicas': kafkaReplicas,
  pg,
};
if (!probes[what] || !target) {
  console.error(
    'usage: node check.js kafka|kafka-quorum <brokers> [N] | kafka-warm|kafka-replicas <brokers> | pg <url>',
  );
  process.exit(2);
}
const timer = setTimeout(() => {
  console.error(`${what}: no answer within ${LIMIT_MS} ms`);
  process.exit(1);
}, LIMIT_MS);
probes[what](target, expected).then(
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
