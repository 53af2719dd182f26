/**
 * Participants on the real broker (SASL/SCRAM over TLS, StandardAuthorizer, no ACL = no access):
 * two platforms, a payment institution and two carriers registered with `participants add`; the
 * matcher, risk, intake and feed running in this process, each as its own least-privilege
 * principal. Checks who can connect, who sees what, who may write where, and that a document filed
 * under another enterprise's code is refused with a receipt, and that a participant registered
 * while the intake runs is taken up (the intake restarts on its topics).
 *
 * The run's enterprises have codes of their own. Its intake (an application id of the run) reads
 * every registered participant's input topics from their start: on a shared development stack
 * that includes participants of earlier `npm start` demos, whose documents it forwards once more
 * (the engine takes a repeated document idempotently: same guid, no second receipt).
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import pino from 'pino';
import {
  asPrincipal,
  kafkaConnection,
  orderKey,
  RegistryCodecs,
  Topics,
  type Decision,
  type Enterprise,
  type ParticipantRole,
  type Receipt,
  type TopicSpec,
} from '@clearance/contracts';
import {
  addParticipant,
  listParticipants,
  provisionRunPrincipals,
  publishReference,
  removeParticipant,
  TopicWatcher,
  type ParticipantSettings,
  type RunPrincipals,
  type Watched,
} from '@clearance/cli';
import { feedService } from '@clearance/feed';
import { intakeService } from '@clearance/intake';
import { matcherService } from '@clearance/matcher';
import { bootstrapStreamsService, type RunningStreamsService, type StreamsServiceSpec } from '@clearance/nest-streams';
import { riskService } from '@clearance/risk';
import { loadReferenceData, NO_ERRORS, ParcelGenerator, type GeneratedParcel } from '@clearance/generator';
import { eventually, foreignConsumers, stackEnv } from '@clearance/testing';

jest.setTimeout(240_000);

const run = `sec${randomBytes(3).toString('hex')}`;
const RUN = run.toUpperCase();
/** The run's enterprises: unique codes, so nothing else on the stack is touched. */
const CODES = { p1: `${RUN}P1`, p2: `${RUN}P2`, payer: `${RUN}Y1`, c1: `${RUN}C1`, c2: `${RUN}C2`, c3: `${RUN}C3` };

describe('participants: authentication, feeds, least privilege, no spoofing', () => {
  const env = stackEnv();
  const operator = new Kafka({ clientId: `${run}-operator`, ...env.kafka, logLevel: logLevel.NOTHING });
  const codecs = new RegistryCodecs({ url: env.schemaRegistryUrl });
  let admin: Admin;
  const participants = new Map<string, ParticipantSettings>();
  let principals: RunPrincipals | undefined;
  const services: RunningStreamsService[] = [];
  const watchers: TopicWatcher[] = [];
  const serviceEnv: Record<string, string> = {
    ...env.kafkaEnv,
    SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
    AUTO_OFFSET_RESET: 'latest',
    LOG_LEVEL: 'warn',
    MATCHER_APPLICATION_ID: `${run}-matcher`,
    RISK_APPLICATION_ID: `${run}-risk`,
    INTAKE_APPLICATION_ID: `${run}-intake`,
    FEED_APPLICATION_ID: `${run}-feed`,
  };

  const as = (s: ParticipantSettings, id = s.username) =>
    new Kafka({
      clientId: id,
      ...kafkaConnection(asPrincipal(env.kafkaEnv, s.username, s.password)),
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 100 },
    });
  const feedSpec = <V>(spec: TopicSpec<V>, topic: string): TopicSpec<V> => ({ ...spec, name: topic });
  /** Follows a participant's feed topics as that participant, from their current end. */
  async function watch(s: ParticipantSettings, kinds: Array<'receipt' | 'decision'>): Promise<Array<Watched<unknown>>> {
    const seen: Array<Watched<unknown>> = [];
    const w = new TopicWatcher(as(s, `${s.username}-watch`), codecs, s.username);
    watchers.push(w);
    const spec: Record<string, TopicSpec<unknown>> = { receipt: Topics.receipt, decision: Topics.decision };
    await w.start(
      kinds.map((k) => feedSpec(spec[k], s.feedTopics[k])),
      (r) => seen.push(r),
    );
    return seen;
  }
  async function file<V>(s: ParticipantSettings, document: string, spec: TopicSpec<V>, doc: V, key: string): Promise<void> {
    const producer = as(s).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic: s.inputTopics[document], acks: -1, messages: [{ key, value: await codecs.encode(spec, doc) }] });
    } finally {
      await producer.disconnect();
    }
  }
  const settings = (role: ParticipantRole, code: string) => participants.get(`${role}:${code}`)!;

  /** A generated clean parcel re-issued under the run's enterprises. */
  function parcelFor(p: GeneratedParcel, carrier: string): GeneratedParcel {
    const order = { ...p.order, ebpCode: CODES.p1, payCode: CODES.payer };
    const payment = { ...p.payment, ebpCode: CODES.p1, payCode: CODES.payer };
    const waybill = { ...p.waybill, ebpCode: CODES.p1, logisticsCode: carrier };
    return { ...p, order, payment, waybill, orderKey: orderKey(order), waybillKey: `${carrier}:${waybill.logisticsNo}` };
  }
  async function fileParcel(p: GeneratedParcel): Promise<void> {
    const key = orderKey(p.order);
    await file(settings('PLATFORM', CODES.p1), 'order', Topics.order, p.order, key);
    await file(settings('PAYER', CODES.payer), 'payment', Topics.payment, p.payment, key);
    await file(settings('CARRIER', p.waybill.logisticsCode), 'waybill', Topics.waybill, p.waybill, key);
  }

  beforeAll(async () => {
    admin = operator.admin();
    await admin.connect();
    // another engine on this stack (`npm start`) would take the run's documents and fan its records
    // out to the participants' feeds a second time: the counts below could not hold
    const foreign = await foreignConsumers(admin, [Topics.participant.name, Topics.decision.name, Topics.order.name], []);
    if (foreign.length > 0)
      throw new Error(
        `another clearance engine runs on this stack (${foreign.map((f) => f.groupId).join(', ')}): its intake and feed ` +
          'would forward and fan out this run\'s records too. Stop it (Ctrl-C on `npm start`) and run the test again.',
      );
    await codecs.register();
    await publishReference(operator, codecs, () => undefined);
    // the run's enterprises on file (the matcher checks every enterprise a document names)
    const template = loadReferenceData().enterprises.find((e) => e.roles.includes('EBP'))!;
    const enterprise = (code: string, role: string): Enterprise => ({ ...template, code, name: `${run} ${role}`, roles: [role] as never });
    const producer = operator.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const records: Array<[string, string]> = [
      [CODES.p1, 'EBP'],
      [CODES.p2, 'EBP'],
      [CODES.payer, 'PAYER'],
      [CODES.c1, 'CARRIER'],
      [CODES.c2, 'CARRIER'],
      [CODES.c3, 'CARRIER'],
    ];
    for (const [code, role] of records) {
      await producer.send({
        topic: Topics.enterprise.name,
        acks: -1,
        messages: [{ key: code, value: await codecs.encode(Topics.enterprise, enterprise(code, role)) }],
      });
    }
    await producer.disconnect();
    for (const [role, code] of [
      ['PLATFORM', CODES.p1],
      ['PLATFORM', CODES.p2],
      ['PAYER', CODES.payer],
      ['CARRIER', CODES.c1],
      ['CARRIER', CODES.c2],
    ] as Array<[ParticipantRole, string]>) {
      const s = await addParticipant(operator, admin, codecs, {
        role,
        code,
        partitions: 3,
        connection: env.kafka,
        env: { ...env.kafkaEnv, SCHEMA_REGISTRY_URL: env.schemaRegistryUrl },
      });
      participants.set(`${role}:${code}`, s);
    }
    principals = await provisionRunPrincipals(admin, serviceEnv, ['matcher', 'risk', 'intake', 'feed'], `${run}-`);
    const logger = pino({ level: 'warn' });
    const specs: Array<[string, StreamsServiceSpec<unknown>]> = [
      ['matcher', matcherService as StreamsServiceSpec<unknown>],
      ['risk', riskService as StreamsServiceSpec<unknown>],
      ['intake', intakeService as StreamsServiceSpec<unknown>],
      ['feed', feedService as StreamsServiceSpec<unknown>],
    ];
    for (const [name, spec] of specs) {
      services.push(
        await bootstrapStreamsService(spec, principals.envFor(serviceEnv, name), {
          logger: logger.child({ service: name }),
          shutdownHooks: false,
        }),
      );
    }
    await eventually('every service ready', () => (services.every((s) => s.runtimes.every((r) => r.isReady())) ? true : undefined), 120_000, 250);
  });

  afterAll(async () => {
    await Promise.allSettled(watchers.map((w) => w.stop()));
    for (const s of [...services].reverse()) await s.close().catch(() => undefined);
    for (const s of participants.values()) {
      await removeParticipant(operator, admin, { role: s.role.toUpperCase() as ParticipantRole, code: s.enterpriseCode, keepTopics: false }).catch(
        () => undefined,
      );
    }
    await principals?.remove().catch(() => undefined);
    const producer = operator.producer();
    await producer.connect();
    await producer.send({ topic: Topics.enterprise.name, messages: Object.values(CODES).map((key) => ({ key, value: null })) });
    await producer.disconnect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${run}-`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('refuses a client without credentials, and a wrong password, with a clear error', async () => {
    const plain = new Kafka({ clientId: `${run}-plain`, brokers: env.kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000 });
    await expect(plain.admin().connect()).rejects.toThrow(/Connection|closed|timeout/i);
    const tlsOnly = new Kafka({
      clientId: `${run}-tls-only`,
      brokers: env.kafka.brokers,
      ssl: env.kafka.ssl,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const a = tlsOnly.admin();
    await expect(a.connect().then(() => a.listTopics())).rejects.toThrow();
    await a.disconnect().catch(() => undefined);
    const c1 = settings('CARRIER', CODES.c1);
    const wrong = new Kafka({
      clientId: `${run}-wrong`,
      ...kafkaConnection(asPrincipal(env.kafkaEnv, c1.username, `${c1.password}x`)),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    await expect(wrong.admin().connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed.*invalid credentials/);
  });

  it("gives each carrier its own decisions and receipts, and nobody else's", async () => {
    const c1 = settings('CARRIER', CODES.c1);
    const c2 = settings('CARRIER', CODES.c2);
    const [feed1, feed2] = await Promise.all([watch(c1, ['decision', 'receipt']), watch(c2, ['decision', 'receipt'])]);
    const generator = new ParcelGenerator({ seed: Number.parseInt(randomBytes(3).toString('hex'), 16), startTime: Date.now(), errors: NO_ERRORS });
    const mine = [parcelFor(generator.next(), CODES.c1), parcelFor(generator.next(), CODES.c1)];
    const theirs = [parcelFor(generator.next(), CODES.c2)];
    for (const p of [...mine, ...theirs]) await fileParcel(p);
    const decisionsOf = (seen: Array<Watched<unknown>>, topic: string) =>
      seen.filter((r) => r.topic === topic).map((r) => (r.value as Decision).waybillKey);
    await eventually(
      'a decision for each parcel in its carrier feed',
      () =>
        decisionsOf(feed1, c1.feedTopics.decision).length >= 2 && decisionsOf(feed2, c2.feedTopics.decision).length >= 1 ? true : undefined,
      120_000,
      250,
    );
    await new Promise((r) => setTimeout(r, 1500)); // anything stray would have arrived by now
    expect(decisionsOf(feed1, c1.feedTopics.decision).sort()).toEqual(mine.map((p) => p.waybillKey).sort());
    expect(decisionsOf(feed2, c2.feedTopics.decision)).toEqual(theirs.map((p) => p.waybillKey));
    const receipts1 = feed1.filter((r) => r.topic === c1.feedTopics.receipt).map((r) => r.value as Receipt);
    expect(receipts1.length).toBeGreaterThan(0);
    expect(receipts1.every((r) => r.participant === 'CARRIER' && r.participantCode === CODES.c1)).toBe(true);
  });

  it("denies a carrier another carrier's feed, the shared topics, reference data and rule sets", async () => {
    const c1 = as(settings('CARRIER', CODES.c1));
    const c2 = settings('CARRIER', CODES.c2);
    const a = c1.admin();
    await a.connect();
    try {
      await expect(a.fetchTopicOffsets(c2.feedTopics.decision)).rejects.toThrow(/Not authorized to access topics/);
      await expect(a.fetchTopicOffsets(Topics.decision.name)).rejects.toThrow(/Not authorized to access topics/);
    } finally {
      await a.disconnect();
    }
    const consumer = c1.consumer({ groupId: `${settings('CARRIER', CODES.c1).username}.steal` });
    await consumer.connect();
    await expect(consumer.subscribe({ topics: [c2.feedTopics.decision], fromBeginning: true })).rejects.toThrow(/Not authorized/);
    await consumer.disconnect();
    const producer = c1.producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      for (const topic of [Topics.enterprise.name, Topics.ruleSet.name, Topics.waybill.name, c2.inputTopics.waybill]) {
        await expect(producer.send({ topic, messages: [{ key: 'x', value: 'y' }] })).rejects.toThrow(/Not authorized|authorization/i);
      }
    } finally {
      await producer.disconnect();
    }
  });

  it('keeps services to their own grants too', async () => {
    const matcher = new Kafka({
      clientId: `${run}-as-matcher`,
      ...kafkaConnection(principals!.envFor(serviceEnv, 'matcher')),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = matcher.producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      await expect(producer.send({ topic: Topics.ruleSet.name, messages: [{ key: 'active', value: 'forged' }] })).rejects.toThrow(
        /Not authorized|authorization/i,
      );
    } finally {
      await producer.disconnect();
    }
  });

  it("refuses an order a platform files under another platform's code, with a 100 receipt to the sender", async () => {
    const p1 = settings('PLATFORM', CODES.p1);
    const p2 = settings('PLATFORM', CODES.p2);
    const [feedP1, feedP2] = await Promise.all([watch(p1, ['receipt']), watch(p2, ['receipt'])]);
    // the input topic's DLQ, read committed as the operator
    const dlq: Array<Watched<unknown>> = [];
    const dlqWatcher = new TopicWatcher(operator, codecs);
    watchers.push(dlqWatcher);
    await dlqWatcher.start([feedSpec(Topics.order, `${p1.inputTopics.order}.dlq`)], (r) => dlq.push(r));
    const generator = new ParcelGenerator({ seed: 7, startTime: Date.now(), errors: NO_ERRORS });
    const forged = { ...generator.next().order, ebpCode: CODES.p2, orderNo: `${run}-forged` };
    await file(p1, 'order', Topics.order, forged, orderKey(forged));
    const receipt = await eventually(
      'the refusal in the sender’s receipt feed',
      () => feedP1.map((r) => r.value as Receipt).find((r) => r.orderNo === forged.orderNo),
      60_000,
      250,
    );
    expect(receipt).toMatchObject({ participant: 'EBP', participantCode: CODES.p1, returnStatus: '100', docType: 'ORDER', docGuid: forged.guid });
    expect(receipt.reasons.map((r) => r.code)).toEqual(['SENDER_MISMATCH']);
    expect(receipt.returnInfo).toContain(`ebpCode ${CODES.p2}`);
    // the record kept on the input topic's DLQ, once; nothing reached the enterprise it named
    await eventually('the refused order on the DLQ', () => (dlq.length > 0 ? true : undefined), 30_000, 250);
    await new Promise((r) => setTimeout(r, 1000));
    expect(dlq.map((r) => r.key)).toEqual([orderKey(forged)]);
    expect(feedP2.map((r) => (r.value as Receipt).orderNo)).not.toContain(forged.orderNo);
  });

  it('takes a participant registered while the engine runs: the intake restarts on its topics, its feed fills', async () => {
    const intake = services.flatMap((s) => s.runtimes).find((r) => r.definition.name === `${run}-intake` || r.groupId === `${run}-intake`);
    expect(intake).toBeDefined();
    const restartsBefore = (intake as unknown as { reconfigurations: number }).reconfigurations;
    const s = await addParticipant(operator, admin, codecs, {
      role: 'CARRIER',
      code: CODES.c3,
      partitions: 3,
      connection: env.kafka,
      env: { ...env.kafkaEnv, SCHEMA_REGISTRY_URL: env.schemaRegistryUrl },
    });
    participants.set(`CARRIER:${CODES.c3}`, s);
    const feed = await watch(s, ['decision']);
    const generator = new ParcelGenerator({ seed: 11, startTime: Date.now(), errors: NO_ERRORS });
    const p = parcelFor(generator.next(), CODES.c3);
    await fileParcel(p);
    const d = await eventually(
      'its decision in the new carrier’s feed',
      () => feed.map((r) => r.value as Decision).find((x) => x.waybillKey === p.waybillKey),
      120_000,
      250,
    );
    expect(d.outcome).toBeDefined();
    expect((intake as unknown as { reconfigurations: number }).reconfigurations).toBeGreaterThan(restartsBefore);
  });

  it('revokes a removed participant at once: it can no longer sign in', async () => {
    const c2 = settings('CARRIER', CODES.c2);
    const registered = async () => (await listParticipants(operator, admin, codecs)).map((p) => `${p.role}:${p.code}`);
    expect(await registered()).toEqual(expect.arrayContaining([`CARRIER:${CODES.c1}`, `CARRIER:${CODES.c2}`, `PLATFORM:${CODES.p1}`]));
    const r = await removeParticipant(operator, admin, { role: 'CARRIER', code: CODES.c2, keepTopics: false });
    const after = await registered();
    expect(after).not.toContain(`CARRIER:${CODES.c2}`);
    expect(after).toContain(`CARRIER:${CODES.c1}`);
    participants.delete(`CARRIER:${CODES.c2}`);
    expect(r.user).toBe(true);
    expect(r.acls).toBeGreaterThan(0);
    expect(r.topicsDeleted).toContain(c2.feedTopics.decision);
    await eventually(
      'the credential to be gone',
      async () => {
        const k = as(c2, `${run}-removed`);
        const a = k.admin();
        try {
          await a.connect();
          await a.disconnect();
          return undefined;
        } catch (e) {
          return /authentication failed/.test((e as Error).message) ? true : undefined;
        }
      },
      20_000,
      500,
    );
  });
});
