/**
 * Personal data never reaches a log line, a logged error, a dead-letter reason or a metric label
 * (issue 15, goal 6), on the real stack (Kafka with SASL/SCRAM over TLS, the schema registry).
 *
 * The matcher and risk run as their own Node processes (tools/cli startService, as on
 * Kubernetes) at LOG_LEVEL=debug, every line they print captured to a file (SERVICE_LOG_DIR).
 * Documents carrying distinctive personal values go through every failure path:
 *  - matcher: a registry-framed order cut short in the middle of its consignee address, an order
 *    that is not Avro at all (its JSON text), registry-framed bytes of the order schema id with a
 *    JSON body, an order the domain rejects (bad buyer id type), and a whole parcel whose waybill
 *    names another consignee (rejected by the checks);
 *  - risk: a list cut short, a list under another key than its riskKey (a rejection), a list
 *    whose goods value holds a telephone number and a name (the domain's decimal parser throws an
 *    error quoting it: a processing error to the DLQ), and a valid list (a decision).
 * Once every record is answered (receipts, DLQ records, the decision) and both groups have
 * committed past every input, the services are stopped and everything they logged is searched:
 * no personal value may appear, while the logs must show the failures (so the test cannot pass
 * on empty or silent logs) and a `[redacted]` where the processing error quoted one. The DLQ
 * reasons, the receipts and each service's /metrics are searched too.
 *
 * Isolation on the shared topics: application / group ids of the run, the groups committed at
 * the end of what the topics held before the run, records told apart by key (order numbers of
 * the run) and DLQ records by their `dlq.app` header.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import {
  LocalCodecs,
  RegistryCodecs,
  Topics,
  allTopics,
  dlqTopic,
  orderKey,
  waybillKey,
  type Decision,
  type Manifest,
  type Order,
  type Receipt,
  type Waybill,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import { matcherService } from '@clearance/matcher';
import type { StreamsServiceSpec } from '@clearance/nest-streams';
import { riskService } from '@clearance/risk';
import { silentLogger, type Logger } from '@clearance/streams';
import { eventually, stackEnv, uniqueName, type StackEnv } from '@clearance/testing';
import { ensureTopics, startService, stopService, type ServiceProcess } from '@clearance/cli';

jest.setTimeout(300_000);

// --- the personal values: distinctive, each searched for in everything logged ----------------
const BUYER_ID = '110101199003077777';
const BUYER_NAME = 'Qiu Qianren';
const BUYER_NAME_ZH = '裘千仞测试';
const BUYER_PHONE = '13987654321';
const ADDRESS = 'Room 1701, 88 Xiangyang Road, Xuhui, Shanghai';
const PAYER_ID = '310104198807074321';
const PAYER_NAME = 'Murong Fuxue';
const PAYER_PHONE = '13566778899';
const OTHER_CONSIGNEE = 'Duan Yuxiao';
const OTHER_PHONE = '13711112222';
const OTHER_ADDRESS = 'No. 7 Erhai Lane, Dali Old Town, Yunnan';
const PII = [
  BUYER_ID,
  BUYER_NAME,
  BUYER_NAME_ZH,
  BUYER_PHONE,
  ADDRESS,
  PAYER_ID,
  PAYER_NAME,
  PAYER_PHONE,
  OTHER_CONSIGNEE,
  OTHER_PHONE,
  OTHER_ADDRESS,
  // parts that would show through a partial scrub
  'Qianren',
  '裘千仞',
  'Xiangyang',
  'Fuxue',
  'Yuxiao',
  'Erhai',
  '7654321',
];

/** The personal values found in `text`, with a little context each. */
function piiIn(text: string): string[] {
  const found: string[] = [];
  for (const v of PII) {
    const at = text.indexOf(v);
    if (at >= 0) found.push(`${v}: …${text.slice(Math.max(0, at - 120), at + v.length + 40)}…`);
  }
  return found;
}

const SPECS: Record<'matcher' | 'risk', StreamsServiceSpec<unknown>> = {
  matcher: matcherService as StreamsServiceSpec<unknown>,
  risk: riskService as StreamsServiceSpec<unknown>,
};

/** The input topics and the changelog / checkpoint topics of a service's processors under `env`. */
function topicsOf(
  spec: StreamsServiceSpec<unknown>,
  env: Record<string, string>,
): { inputs: string[]; internal: Array<{ topic: string; config: Record<string, string> }> } {
  const definitions = spec.definitions({
    env: {} as never,
    config: spec.config.parse(env),
    codecs: new LocalCodecs() as never,
    logger: silentLogger as Logger as never,
  });
  const inputs = new Set<string>();
  const internal: Array<{ topic: string; config: Record<string, string> }> = [];
  for (const d of definitions) {
    for (const t of Object.keys(d.inputs)) inputs.add(t);
    for (const [store, s] of Object.entries(
      (d.stores ?? {}) as Record<string, { changelogConfig?: Record<string, string> }>,
    ))
      internal.push({
        topic: `${d.name}.${store}.changelog`,
        config: { ...(s.changelogConfig ?? {}), 'cleanup.policy': 'compact' },
      });
    internal.push({ topic: `${d.name}.__checkpoint.changelog`, config: { 'cleanup.policy': 'compact' } });
  }
  return { inputs: [...inputs], internal };
}

type Offsets = Map<string, Array<{ partition: number; offset: string }>>;

async function endOffsets(admin: Admin, topics: ReadonlyArray<string>): Promise<Offsets> {
  const out: Offsets = new Map();
  for (const topic of topics)
    out.set(
      topic,
      (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, offset: o.high })),
    );
  return out;
}

/** Commits `offsets` for groups with no members yet (one transaction of offsets, as the runtime commits). */
async function startGroupsAt(
  kafka: Kafka,
  transactionalId: string,
  groups: ReadonlyArray<{ groupId: string; topics: ReadonlyArray<string> }>,
  offsets: Offsets,
): Promise<void> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const txn = await producer.transaction();
    try {
      for (const { groupId, topics } of groups)
        await txn.sendOffsets({
          consumerGroupId: groupId,
          topics: topics.map((topic) => ({ topic, partitions: offsets.get(topic)! })),
        });
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => undefined);
      throw e;
    }
  } finally {
    await producer.disconnect();
  }
}

/** Whether `groupId` has committed at least `offsets` on every partition. */
async function caughtUp(admin: Admin, groupId: string, offsets: Offsets): Promise<boolean> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...offsets.keys()] });
  for (const { topic, partitions } of committed)
    for (const p of partitions) {
      const want = offsets.get(topic)!.find((o) => o.partition === p.partition)!;
      if (Number(p.offset) < Number(want.offset)) return false;
    }
  return true;
}

interface Read {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

describe('personal data in logs, errors and metrics', () => {
  let env: StackEnv;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer | undefined;
  let reader: Consumer | undefined;
  let codecs: RegistryCodecs;
  const services: ServiceProcess[] = [];
  const runId = uniqueName('pii');
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const ids = { matcher: `${runId}-matcher`, risk: `${runId}-risk`, reader: `${runId}-reader` };
  const logDir = mkdtempSync(path.join(tmpdir(), 'pii-logs-'));
  const stateDir = mkdtempSync(path.join(tmpdir(), 'pii-state-'));
  const previousLogDir = process.env.SERVICE_LOG_DIR;

  beforeAll(async () => {
    env = stackEnv();
    kafka = new Kafka({
      clientId: runId,
      ...env.kafka,
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 8 },
    });
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, 12);
    codecs = new RegistryCodecs({ url: env.schemaRegistryUrl });
    await codecs.register(allTopics);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => stopService(s, 15_000).catch(() => undefined)));
    await reader?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    if (admin) {
      const topics = (await admin.listTopics().catch(() => [] as string[])).filter((t) =>
        t.startsWith(runId),
      );
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
      await admin.deleteGroups(Object.values(ids)).catch(() => undefined);
      await admin.disconnect();
    }
    if (previousLogDir === undefined) delete process.env.SERVICE_LOG_DIR;
    else process.env.SERVICE_LOG_DIR = previousLogDir;
    rmSync(stateDir, { recursive: true, force: true });
    if (process.env.PII_KEEP_LOGS !== '1') rmSync(logDir, { recursive: true, force: true });
  });

  it('keeps buyer, payer and consignee data out of what the matcher and risk log, even when documents fail', async () => {
    const partitions = (await admin.fetchTopicMetadata({ topics: [Topics.order.name] })).topics[0].partitions
      .length;
    const serviceEnv: Record<string, string> = {
      ...env.kafkaEnv,
      SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
      PARTITIONS: String(partitions),
      AUTO_OFFSET_RESET: 'earliest',
      LOG_LEVEL: 'debug',
      MATCHER_APPLICATION_ID: ids.matcher,
      RISK_APPLICATION_ID: ids.risk,
      RISK_RULE_SET_KEY: `${runId}-rules`,
    };
    const matcher = topicsOf(SPECS.matcher, serviceEnv);
    const risk = topicsOf(SPECS.risk, serviceEnv);
    expect(matcher.inputs).toContain(Topics.order.name);
    expect(risk.inputs).toContain(Topics.manifest.name);

    // 1. internal topics first (the services would race creating them), groups at the end of the inputs
    await admin.createTopics({
      waitForLeaders: true,
      topics: [...matcher.internal, ...risk.internal].map((t) => ({
        topic: t.topic,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
      })),
    });
    const outputs = [
      Topics.receipt.name,
      Topics.decision.name,
      dlqTopic(Topics.order.name),
      dlqTopic(Topics.manifest.name),
    ];
    const start = await endOffsets(admin, [...new Set([...matcher.inputs, ...risk.inputs, ...outputs])]);
    await startGroupsAt(
      kafka,
      `${runId}-start`,
      [
        { groupId: ids.matcher, topics: matcher.inputs },
        { groupId: ids.risk, topics: risk.inputs },
        { groupId: ids.reader, topics: outputs },
      ],
      start,
    );

    // 2. the services, every line they print into logDir
    process.env.SERVICE_LOG_DIR = logDir;
    const [m, r] = await Promise.all(
      (['matcher', 'risk'] as const).map((name) =>
        startService(
          name,
          { ...serviceEnv, STATE_DIR: path.join(stateDir, name) },
          { instance: `${runId}-${name}`, timeoutMs: 120_000 },
        ),
      ),
    );
    services.push(m, r);

    // 3. a reader of the answers
    const read: Read[] = [];
    reader = kafka.consumer({ groupId: ids.reader });
    await reader.connect();
    await reader.subscribe({ topics: outputs });
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {}))
          if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
        read.push({ topic, key: message.key?.toString('utf8') ?? null, value: message.value, headers });
      },
    });

    // 4. the documents
    const now = Date.now();
    const personal: Partial<Order> = {
      buyerName: BUYER_NAME,
      buyerTelephone: BUYER_PHONE,
      buyerIdNumber: BUYER_ID,
      consignee: BUYER_NAME_ZH,
      consigneeTelephone: BUYER_PHONE,
      consigneeAddress: ADDRESS,
    };
    const guid = () => randomUUID().toUpperCase();
    const order = (no: string, extra: Partial<Order> = {}): Order =>
      D.sampleImportOrder({ guid: guid(), orderNo: `PII-${tag}-${no}`, ...personal, ...extra });
    const payment = (o: Order) =>
      D.sampleImportPayment({
        guid: guid(),
        orderNo: o.orderNo,
        payerIdNumber: PAYER_ID,
        payerName: PAYER_NAME,
        telephone: PAYER_PHONE,
      });
    const waybill = (o: Order, extra: Partial<Waybill> = {}) =>
      D.sampleImportWaybill({
        guid: guid(),
        orderNo: o.orderNo,
        logisticsNo: `LN${tag}${o.orderNo.slice(-2)}`,
        consignee: BUYER_NAME_ZH,
        consigneeTelephone: BUYER_PHONE,
        consigneeAddress: ADDRESS,
        ...extra,
      });

    const truncatedOrder = order('T1');
    const full = await codecs.encode(Topics.order, truncatedOrder);
    const addressAt = full.indexOf(Buffer.from(ADDRESS));
    expect(addressAt).toBeGreaterThan(0);
    const cut = full.subarray(0, addressAt + 12); // ends inside the address, after the name, phone and id
    expect(cut.includes(Buffer.from(BUYER_ID))).toBe(true);
    const jsonOrder = order('J1');
    const framedJsonOrder = order('G1');
    const invalidOrder = order('V1', { buyerIdType: '9' });
    const mismatched = order('P1');

    const messages: Array<{ topic: string; key: string; value: Buffer }> = [
      { topic: Topics.order.name, key: orderKey(truncatedOrder), value: cut },
      { topic: Topics.order.name, key: orderKey(jsonOrder), value: Buffer.from(JSON.stringify(jsonOrder)) },
      {
        topic: Topics.order.name,
        key: orderKey(framedJsonOrder),
        value: Buffer.concat([full.subarray(0, 5), Buffer.from(JSON.stringify(framedJsonOrder))]),
      },
      {
        topic: Topics.order.name,
        key: orderKey(invalidOrder),
        value: await codecs.encode(Topics.order, invalidOrder),
      },
      {
        topic: Topics.order.name,
        key: orderKey(mismatched),
        value: await codecs.encode(Topics.order, mismatched),
      },
      {
        topic: Topics.payment.name,
        key: orderKey(mismatched),
        value: await codecs.encode(Topics.payment, payment(mismatched)),
      },
      {
        topic: Topics.waybill.name,
        key: orderKey(mismatched),
        value: await codecs.encode(
          Topics.waybill,
          waybill(mismatched, {
            consignee: OTHER_CONSIGNEE,
            consigneeTelephone: OTHER_PHONE,
            consigneeAddress: OTHER_ADDRESS,
          }),
        ),
      },
    ];

    let serial = Number.parseInt(tag, 16) % 9_000_000;
    const manifest = (no: string, extra: Partial<Manifest> = {}): Manifest => {
      const o = order(no);
      return { ...D.sampleManifestFrom(o, payment(o), waybill(o), D.invtSerial(0, ++serial), now), ...extra };
    };
    const truncatedList = manifest('M1');
    const listBytes = await codecs.encode(Topics.manifest, truncatedList);
    const wrongKey = manifest('M2');
    const badValue = manifest('M3', { goodsValue: `${BUYER_PHONE} ${BUYER_NAME}` });
    const valid = manifest('M4');
    messages.push(
      {
        topic: Topics.manifest.name,
        key: truncatedList.riskKey,
        value: listBytes.subarray(0, listBytes.indexOf(Buffer.from(BUYER_NAME)) + 6),
      },
      {
        topic: Topics.manifest.name,
        key: `${runId}-not-the-risk-key`,
        value: await codecs.encode(Topics.manifest, wrongKey),
      },
      {
        topic: Topics.manifest.name,
        key: badValue.riskKey,
        value: await codecs.encode(Topics.manifest, badValue),
      },
      { topic: Topics.manifest.name, key: valid.riskKey, value: await codecs.encode(Topics.manifest, valid) },
    );
    producer = kafka.producer();
    await producer.connect();
    for (const msg of messages)
      await producer.send({
        topic: msg.topic,
        acks: -1,
        messages: [{ key: msg.key, value: msg.value, timestamp: String(now) }],
      });
    const produced = await endOffsets(admin, [...new Set([...matcher.inputs, ...risk.inputs])]);

    // 5. every record answered, both groups past every input
    const dlqOf = (topic: string, app: string) =>
      read.filter((x) => x.topic === dlqTopic(topic) && x.headers['dlq.app'] === app);
    const receiptsFor = (o: Order) =>
      read.filter((x) => x.topic === Topics.receipt.name && x.key === orderKey(o)).map((x) => x.value!);
    await eventually(
      'the matcher DLQ records, receipts, the risk DLQ records and the decision',
      () => {
        const orderDlq = dlqOf(Topics.order.name, ids.matcher).map((x) => x.key);
        const listDlq = dlqOf(Topics.manifest.name, ids.risk).map((x) => x.key);
        const done =
          orderDlq.includes(orderKey(truncatedOrder)) &&
          orderDlq.includes(orderKey(jsonOrder)) &&
          [truncatedOrder, jsonOrder, invalidOrder, mismatched].every((o) => receiptsFor(o).length > 0) &&
          listDlq.includes(truncatedList.riskKey) &&
          listDlq.includes(`${runId}-not-the-risk-key`) &&
          listDlq.includes(badValue.riskKey) &&
          read.some((x) => x.topic === Topics.decision.name && x.key === waybillKey(valid));
        return done ? true : undefined;
      },
      120_000,
      250,
    );
    await eventually(
      'both groups committed past every input record',
      async () =>
        (await caughtUp(admin, ids.matcher, new Map(matcher.inputs.map((t) => [t, produced.get(t)!])))) &&
        (await caughtUp(admin, ids.risk, new Map(risk.inputs.map((t) => [t, produced.get(t)!]))))
          ? true
          : undefined,
      60_000,
      250,
    );

    // 6. what each failure produced is as expected, and its texts carry no personal data
    const kinds = (topic: string, app: string) =>
      Object.fromEntries(dlqOf(topic, app).map((x) => [x.key, x.headers['dlq.kind']]));
    expect(kinds(Topics.order.name, ids.matcher)).toMatchObject({
      [orderKey(truncatedOrder)]: 'deserialization',
      [orderKey(jsonOrder)]: 'deserialization',
    });
    expect(kinds(Topics.manifest.name, ids.risk)).toEqual({
      [truncatedList.riskKey]: 'deserialization',
      [`${runId}-not-the-risk-key`]: 'rejected',
      [badValue.riskKey]: 'processing-error',
    });
    const reasons = [...dlqOf(Topics.order.name, ids.matcher), ...dlqOf(Topics.manifest.name, ids.risk)].map(
      (x) => `${x.key}: ${x.headers['dlq.reason']}`,
    );
    expect(reasons.join('\n')).toContain('is not a valid CEB decimal');
    expect(piiIn(reasons.join('\n'))).toEqual([]);
    const receipts: Receipt[] = [];
    for (const o of [truncatedOrder, jsonOrder, framedJsonOrder, invalidOrder, mismatched])
      for (const bytes of receiptsFor(o)) receipts.push(await codecs.decode(Topics.receipt, bytes));
    expect(receipts.filter((x) => x.returnStatus === '100').map((x) => x.caseKey)).toEqual(
      expect.arrayContaining([truncatedOrder, jsonOrder, invalidOrder, mismatched].map(orderKey)),
    );
    expect(piiIn(JSON.stringify(receipts))).toEqual([]);
    const decision = await codecs.decode<Decision>(
      Topics.decision,
      read.find((x) => x.topic === Topics.decision.name && x.key === waybillKey(valid))!.value,
    );
    expect(decision.manifest.buyerName).toBe(BUYER_NAME); // the data flows where it belongs

    // 7. the metrics: labels name topics and kinds, never a value
    const metrics: Record<string, string> = {};
    for (const svc of services)
      metrics[svc.name] = await (await fetch(`http://127.0.0.1:${svc.port}/metrics`)).text();
    expect(metrics[`${runId}-matcher`]).toMatch(
      /dead_letters_total\{[^}]*kind="deserialization"[^}]*\} [1-9]/,
    );
    expect(metrics[`${runId}-risk`]).toMatch(/dead_letters_total\{[^}]*kind="processing-error"[^}]*\} [1-9]/);
    expect(piiIn(Object.values(metrics).join('\n'))).toEqual([]);

    // 8. everything the services logged, after a clean stop (flushed)
    await Promise.all(services.map((s) => stopService(s, 20_000)));
    const logs: Record<string, string> = {};
    for (const f of readdirSync(logDir)) logs[f] = readFileSync(path.join(logDir, f), 'utf8');
    const matcherLog = logs[`${runId}-matcher.log`] ?? '';
    const riskLog = logs[`${runId}-risk.log`] ?? '';
    // not vacuous: both logged, risk at debug level (its rejection line), and they logged the failures
    for (const log of [matcherLog, riskLog]) expect(log.split('\n').length).toBeGreaterThan(20);
    expect(riskLog).toContain('"level":20');
    const deadLettered = (log: string, kind: string) =>
      log
        .split('\n')
        .filter((l) => l.includes('record sent to the dead-letter topic') && l.includes(`"kind":"${kind}"`));
    expect(deadLettered(matcherLog, 'deserialization').length).toBeGreaterThanOrEqual(2);
    expect(deadLettered(riskLog, 'deserialization').length).toBeGreaterThanOrEqual(1);
    expect(deadLettered(riskLog, 'rejected').length).toBeGreaterThanOrEqual(1);
    expect(deadLettered(riskLog, 'processing-error').length).toBeGreaterThanOrEqual(1);
    const threw = riskLog
      .split('\n')
      .find((l) => l.includes('process threw; record goes to the dead-letter topic'));
    expect(threw).toBeDefined();
    expect(threw).toContain('is not a valid CEB decimal');
    expect(threw).toContain('[redacted]'); // the error quoted the value: scrubbed, not dropped silently
    // the point of it all
    expect(piiIn(Object.values(logs).join('\n'))).toEqual([]);
  });
});
