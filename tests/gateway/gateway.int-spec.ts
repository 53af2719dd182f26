/**
 * The CEB XML gateway on the real stack (SASL/TLS Kafka, registry, Postgres): the run's platforms,
 * payment institution and carrier registered with `participants add` (each its API key); the
 * matcher, risk, lifecycle (departures), intake and projector (returns) running in this process
 * as their own least-privilege principals, and the gateway as its own. CEB XML in -> Avro on the
 * participant's input topic -> the engine -> CEB returns back through GET /ceb/returns, for every
 * supported message type; multi-node messages, a resent message, every kind of bad input, and a
 * caller sending under another enterprise's code.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Pool } from 'pg';
import pino from 'pino';
import {
  orderKey,
  participantTopics,
  RegistryCodecs,
  Topics,
  type Enterprise,
  type FiledList,
  type ParticipantRole,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import { toCebXml, type FiledDoc } from '@clearance/ceb-xml';
import {
  addParticipant,
  baseTransferOf,
  fetchReturns,
  postCeb,
  provisionRunPrincipals,
  publishReference,
  removeParticipant,
  type ParticipantSettings,
  type ReturnSummary,
  type RunPrincipals,
} from '@clearance/cli';
import { createGateway, gatewayConfigFromEnv, type RunningGateway } from '@clearance/gateway';
import { intakeService } from '@clearance/intake';
import { lifecycleService } from '@clearance/lifecycle';
import { matcherService } from '@clearance/matcher';
import {
  bootstrapStreamsService,
  type RunningStreamsService,
  type StreamsServiceSpec,
} from '@clearance/nest-streams';
import {
  bootstrapProjectorService,
  ensureProjectionSchema,
  PROJECTIONS,
  type RunningProjector,
} from '@clearance/projector';
import { riskService } from '@clearance/risk';
import {
  departures,
  loadReferenceData,
  NO_ERRORS,
  ParcelGenerator,
  type GeneratedParcel,
} from '@clearance/generator';
import { eventually, foreignConsumers, stackEnv } from '@clearance/testing';

jest.setTimeout(300_000);

const run = `gw${randomBytes(3).toString('hex')}`;
const RUN = run.toUpperCase();
const CODES = {
  p1: `${RUN}P1`,
  p2: `${RUN}P2`,
  /** a platform in four-document mode: its parcels wait for the list its agent files */
  p4: `${RUN}P4`,
  payer: `${RUN}Y1`,
  carrier: `${RUN}C1`,
  agent: `${RUN}A1`,
};

describe('CEB XML gateway: CEB messages in, CEB returns out, over authenticated HTTP', () => {
  const env = stackEnv();
  const operator = new Kafka({ clientId: `${run}-operator`, ...env.kafka, logLevel: logLevel.NOTHING });
  const codecs = new RegistryCodecs({ url: env.schemaRegistryUrl });
  const pool = new Pool({ connectionString: env.databaseUrl, max: 2 });
  let admin: Admin;
  const participants = new Map<string, ParticipantSettings>();
  let principals: RunPrincipals | undefined;
  const services: RunningStreamsService[] = [];
  let projector: RunningProjector | undefined;
  let gateway: RunningGateway;
  const prefix = `${run}_`;
  const gatewaySchema = `${run}_gateway`;
  const serviceEnv: Record<string, string> = {
    ...env.kafkaEnv,
    SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
    DATABASE_URL: env.databaseUrl,
    AUTO_OFFSET_RESET: 'latest',
    LOG_LEVEL: 'warn',
    MATCHER_APPLICATION_ID: `${run}-matcher`,
    RISK_APPLICATION_ID: `${run}-risk`,
    LIFECYCLE_APPLICATION_ID: `${run}-lifecycle`,
    DEPARTURE_SPLITTER_APPLICATION_ID: `${run}-departure-splitter`,
    INTAKE_APPLICATION_ID: `${run}-intake`,
    PROJECTOR_GROUP_ID: `${run}-projector`,
    PROJECTION_SCHEMA_PREFIX: prefix,
    PROJECTIONS: 'returns',
    GATEWAY_APPLICATION_ID: `${run}-gateway`,
  };
  const settings = (role: ParticipantRole, code: string) => participants.get(`${role}:${code}`)!;
  const key = (role: ParticipantRole, code: string) => settings(role, code).apiKey;

  /** Clean generated parcels re-issued under the run's enterprises. */
  const generator = (importShare: number) =>
    new ParcelGenerator({
      seed: Number.parseInt(randomBytes(3).toString('hex'), 16),
      startTime: Date.now(),
      errors: NO_ERRORS,
      mix: { importShare },
      maxDocumentDelayMs: 500,
    });
  function ours(p: GeneratedParcel, ebpCode = CODES.p1): GeneratedParcel {
    // in four-document mode the list's filer is the order's agent where it names one: the run's agent
    const agentCode = ebpCode === CODES.p4 && p.order.agentCode ? CODES.agent : p.order.agentCode;
    const order = { ...p.order, ebpCode, payCode: CODES.payer, agentCode };
    const payment = { ...p.payment, ebpCode, payCode: CODES.payer };
    const waybill = { ...p.waybill, ebpCode, logisticsCode: CODES.carrier };
    return {
      ...p,
      order,
      payment,
      waybill,
      orderKey: orderKey(order),
      waybillKey: `${CODES.carrier}:${waybill.logisticsNo}`,
    };
  }
  const xmlOf = (docs: FiledDoc[], sender: string) => toCebXml(docs, baseTransferOf(sender));
  const orders = (ps: GeneratedParcel[]): FiledDoc[] => ps.map((p) => ({ kind: 'ORDER', doc: p.order }));
  const payments = (ps: GeneratedParcel[]): FiledDoc[] =>
    ps.map((p) => ({ kind: 'PAYMENT', doc: p.payment }));
  const waybills = (ps: GeneratedParcel[]): FiledDoc[] =>
    ps.map((p) => ({ kind: 'WAYBILL', doc: p.waybill }));

  /**
   * The list the agent files for a parcel (CEB603 / CEB621 fields): what the engine compiles from
   * the three documents, under the agent's code and its own reference (copNo).
   */
  function listOf(p: GeneratedParcel, overrides: Partial<FiledList> = {}): FiledList {
    const held = <T>(doc: T) => ({ doc, at: Date.now(), idHash: null });
    const manifest = D.compileManifest(
      { order: held(p.order), payment: held(p.payment), waybill: held(p.waybill) },
      { caseKey: p.orderKey, at: Date.now(), firstDocumentTime: Date.now(), serial: D.invtSerial(0, 0) },
    );
    const list = D.sampleFiledListFrom(manifest, {
      guid: D.deterministicGuid('list', run, p.orderKey),
      copNo: `AG-${p.order.orderNo}`.slice(0, 20),
      agentCode: CODES.agent,
      agentName: `${run} agent`,
      ...(p.order.orderType === 'I'
        ? {
            buyerIdNumber: p.order.buyerIdNumber,
            buyerTelephone: p.order.buyerTelephone,
            consigneeAddress: p.order.consigneeAddress,
          }
        : {}),
      ...overrides,
    });
    // CEB603 requires a bar code on every line ("无" where the goods have none)
    return { ...list, items: list.items.map((it) => ({ ...it, barCode: it.barCode ?? '无' })) };
  }
  const lists = (ls: FiledList[]): FiledDoc[] => ls.map((doc) => ({ kind: 'LIST', doc }));

  /** The order a return is about: orderNo, or for a list return without it (CEB622) its copNo, which is the orderNo. */
  const orderNoOf = (r: ReturnSummary) => r.fields.orderNo || r.fields.copNo;
  /** Every return of a participant from the start, fetched `limit` at a time. */
  async function allReturns(role: ParticipantRole, code: string, limit = 1000): Promise<ReturnSummary[]> {
    const out: ReturnSummary[] = [];
    let after = '0';
    for (;;) {
      const a = await fetchReturns(gateway.url, key(role, code), after, limit);
      expect(a.status).toBe(200);
      out.push(...a.returns);
      if (!a.more) return out;
      after = a.next!;
    }
  }
  /** Records on a participant's input topic (all partitions). */
  async function inputRecords(role: ParticipantRole, code: string, document: string): Promise<number> {
    const topic = participantTopics(role, code).inputs.find((i) => i.document === document)!.topic;
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  }

  beforeAll(async () => {
    admin = operator.admin();
    await admin.connect();
    const foreign = await foreignConsumers(
      admin,
      [Topics.participant.name, Topics.decision.name, Topics.order.name],
      [],
    );
    if (foreign.length > 0)
      throw new Error(
        `another clearance engine runs on this stack (${foreign.map((f) => f.groupId).join(', ')}): its intake would forward ` +
          "this run's documents too. Stop it (Ctrl-C on `npm start`) and run the test again.",
      );
    await codecs.register();
    await publishReference(operator, codecs, () => undefined);
    const template = loadReferenceData().enterprises.find((e) => e.roles.includes('EBP'))!;
    const enterprise = (code: string, role: string): Enterprise => ({
      ...template,
      code,
      name: `${run} ${role}`,
      roles: [role] as never,
      listMode: code === CODES.p4 ? 'FOUR_DOCUMENT' : 'ONE_STEP',
    });
    const producer = operator.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const [code, role] of [
      [CODES.p1, 'EBP'],
      [CODES.p2, 'EBP'],
      [CODES.p4, 'EBP'],
      [CODES.payer, 'PAYER'],
      [CODES.carrier, 'CARRIER'],
      [CODES.agent, 'AGENT'],
    ])
      await producer.send({
        topic: Topics.enterprise.name,
        acks: -1,
        messages: [{ key: code, value: await codecs.encode(Topics.enterprise, enterprise(code, role)) }],
      });
    await producer.disconnect();
    for (const [role, code] of [
      ['PLATFORM', CODES.p1],
      ['PLATFORM', CODES.p2],
      ['PLATFORM', CODES.p4],
      ['PAYER', CODES.payer],
      ['CARRIER', CODES.carrier],
      ['AGENT', CODES.agent],
    ] as Array<[ParticipantRole, string]>) {
      participants.set(
        `${role}:${code}`,
        await addParticipant(operator, admin, codecs, {
          role,
          code,
          partitions: 3,
          connection: env.kafka,
          env: { ...env.kafkaEnv, SCHEMA_REGISTRY_URL: env.schemaRegistryUrl },
        }),
      );
    }
    principals = await provisionRunPrincipals(
      admin,
      serviceEnv,
      ['matcher', 'risk', 'lifecycle', 'intake', 'projector', 'gateway'],
      `${run}-`,
    );
    const logger = pino({ level: 'warn' });
    const specs: Array<[string, StreamsServiceSpec<unknown>]> = [
      ['matcher', matcherService as StreamsServiceSpec<unknown>],
      ['risk', riskService as StreamsServiceSpec<unknown>],
      ['lifecycle', lifecycleService as StreamsServiceSpec<unknown>],
      ['intake', intakeService as StreamsServiceSpec<unknown>],
    ];
    for (const [name, spec] of specs)
      services.push(
        await bootstrapStreamsService(spec, principals.envFor(serviceEnv, name), {
          logger: logger.child({ service: name }),
          shutdownHooks: false,
        }),
      );
    // the run's returns start at the topics' current end: a shared development stack may hold
    // millions of earlier receipts, none of them this run's (stored offsets and the group's both)
    const returnsSchema = `${prefix}returns`;
    await ensureProjectionSchema(pool, PROJECTIONS.returns, returnsSchema);
    for (const topic of [Topics.receipt.name, Topics.decision.name, Topics.inspection.name]) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const o of ends)
        await pool.query(
          `INSERT INTO "${returnsSchema}".projection_offset (topic, partition, next_offset) VALUES ($1, $2, $3)`,
          [topic, o.partition, Number(o.high)],
        );
      await admin.setOffsets({
        groupId: `${run}-projector`,
        topic,
        partitions: ends.map((o) => ({ partition: o.partition, offset: o.high })),
      });
    }
    projector = await bootstrapProjectorService(principals.envFor(serviceEnv, 'projector'), {
      logger: logger.child({ service: 'projector' }),
      shutdownHooks: false,
    });
    gateway = await createGateway(
      gatewayConfigFromEnv({
        ...principals.envFor(serviceEnv, 'gateway'),
        GATEWAY_PORT: '0',
        GATEWAY_SCHEMA: gatewaySchema,
        GATEWAY_MAX_BODY_BYTES: String(1024 * 1024),
      }),
      { logger: logger.child({ service: 'gateway' }) },
    );
    await eventually(
      'every service ready',
      () =>
        services.every((s) => s.runtimes.every((r) => r.isReady())) && projector!.projector.isReady()
          ? true
          : undefined,
      120_000,
      250,
    );
  });

  afterAll(async () => {
    await gateway?.close().catch(() => undefined);
    for (const s of [...services].reverse()) await s.close().catch(() => undefined);
    await projector?.close().catch(() => undefined);
    for (const s of participants.values())
      await removeParticipant(operator, admin, {
        role: s.role.toUpperCase() as ParticipantRole,
        code: s.enterpriseCode,
        keepTopics: false,
      }).catch(() => undefined);
    await principals?.remove().catch(() => undefined);
    const producer = operator.producer();
    await producer.connect();
    await producer.send({
      topic: Topics.enterprise.name,
      messages: Object.values(CODES).map((k) => ({ key: k, value: null })),
    });
    await producer.disconnect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${run}-`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await pool.query(`DROP SCHEMA IF EXISTS "${gatewaySchema}" CASCADE`).catch(() => undefined);
    for (const name of ['returns'])
      await pool.query(`DROP SCHEMA IF EXISTS "${prefix}${name}" CASCADE`).catch(() => undefined);
    await pool.end();
  });

  it.each([
    ['export', 0, ['CEB304Message', 'CEB404Message', 'CEB506Message'], 'CEB604Message'],
    ['import', 1, ['CEB312Message', 'CEB412Message', 'CEB512Message'], 'CEB622Message'],
  ] as const)(
    '%s: order, payment and waybill as CEB XML, answered 2 per node, decided, and the returns fetched by each participant',
    async (_flow, importShare, answers, listReturn) => {
      const g = generator(importShare);
      const parcels = [ours(g.next()), ours(g.next())];
      const sent = [
        await postCeb(gateway.url, key('PLATFORM', CODES.p1), xmlOf(orders(parcels), CODES.p1)),
        await postCeb(gateway.url, key('PAYER', CODES.payer), xmlOf(payments(parcels), CODES.payer)),
        await postCeb(gateway.url, key('CARRIER', CODES.carrier), xmlOf(waybills(parcels), CODES.carrier)),
      ];
      sent.forEach((a, i) => {
        expect(a.status).toBe(200);
        expect(a.returns.map((r) => r.message)).toEqual([answers[i], answers[i]]);
        expect(a.returns.map((r) => r.returnStatus)).toEqual(['2', '2']);
      });
      expect(sent[0].returns.map((r) => r.returnInfo)).toEqual(
        parcels.map((p) => `新增申报成功[${p.order.guid}]`),
      );
      expect(sent[0].returns.map((r) => r.fields.orderNo)).toEqual(parcels.map((p) => p.order.orderNo));

      // the platform: its orders' receipts and each parcel's list result (the decision)
      const platform = await eventually(
        'a list return for each parcel in the platform returns',
        async () => {
          const r = await allReturns('PLATFORM', CODES.p1);
          return parcels.every((p) =>
            r.some((x) => x.message === listReturn && orderNoOf(x) === p.order.orderNo),
          )
            ? r
            : undefined;
        },
        120_000,
        500,
      );
      for (const p of parcels) {
        const mine = platform.filter((x) => orderNoOf(x) === p.order.orderNo);
        expect(mine.some((x) => x.message === answers[0] && x.returnStatus === '2')).toBe(true);
        const list = mine.find((x) => x.message === listReturn)!;
        expect(['800', '500', '300']).toContain(list.returnStatus);
        expect(list.fields.invtNo).toMatch(importShare ? /^\d{8}I/ : /^\d{8}E/);
      }
      // the payment institution: receipts for its payments only, as payment returns
      const payer = await allReturns('PAYER', CODES.payer);
      for (const p of parcels) {
        const mine = payer.filter((x) => x.message === answers[1] && x.guid === p.payment.guid);
        expect(mine.length).toBeGreaterThan(0);
        // the payment's own identifiers, also where the engine's receipt does not carry them
        if (importShare) expect(mine[0].fields.payTransactionId).toBe(p.payment.payTransactionId);
        else expect(mine[0].fields.orderNo).toBe(p.payment.orderNo);
      }
      expect(payer.every((x) => x.message === 'CEB404Message' || x.message === 'CEB412Message')).toBe(true);
      // the carrier: its waybills' receipts and the decisions on its waybills
      const carrier = await eventually(
        'the carrier returns',
        async () => {
          const r = await allReturns('CARRIER', CODES.carrier);
          return parcels.every((p) =>
            r.some((x) => x.message === answers[2] && x.fields.logisticsNo === p.waybill.logisticsNo),
          )
            ? r
            : undefined;
        },
        60_000,
        500,
      );
      expect(carrier.filter((x) => x.message === listReturn).length).toBeGreaterThanOrEqual(parcels.length);
      // nobody else's: the other platform has none of these
      const other = await allReturns('PLATFORM', CODES.p2);
      expect(other.filter((x) => parcels.some((p) => p.order.orderNo === orderNoOf(x)))).toEqual([]);
    },
  );

  it('departure (CEB509): accepted, and its return (CEB510) in the carrier returns', async () => {
    const g = generator(0);
    const parcels = [ours(g.next()), ours(g.next())];
    const d = departures(parcels.map((p) => ({ waybill: p.waybill, releasedAt: p.startedAt })))[0].value;
    const a = await postCeb(
      gateway.url,
      key('CARRIER', CODES.carrier),
      xmlOf([{ kind: 'DEPARTURE', doc: d }], CODES.carrier),
    );
    expect(a.status).toBe(200);
    expect(a.returns).toHaveLength(1);
    expect(a.returns[0]).toMatchObject({ message: 'CEB510Message', returnStatus: '2' });
    expect(a.returns[0].fields.copNo).toBe(d.copNo);
    await eventually(
      'the departure return',
      async () =>
        (await allReturns('CARRIER', CODES.carrier)).find(
          (x) => x.message === 'CEB510Message' && x.fields.copNo === d.copNo,
        )
          ? true
          : undefined,
      60_000,
      500,
    );
  });

  it('a multi-node message with a bad node: the good nodes published, the bad one answered 100 naming its field', async () => {
    const g = generator(0);
    const parcels = [ours(g.next()), ours(g.next()), ours(g.next())];
    const xml = xmlOf(orders(parcels), CODES.p1).replace(
      `<ceb:orderNo>${parcels[1].order.orderNo}</ceb:orderNo>`,
      `<ceb:orderNo>${'X'.repeat(61)}</ceb:orderNo>`,
    );
    expect(xml).toContain('X'.repeat(61));
    const before = await inputRecords('PLATFORM', CODES.p1, 'order');
    const a = await postCeb(gateway.url, key('PLATFORM', CODES.p1), xml);
    expect(a.status).toBe(200);
    expect(a.returns.map((r) => r.returnStatus)).toEqual(['2', '100', '2']);
    expect(a.returns[1].returnInfo).toMatch(/orderNo/);
    expect(a.returns[1].guid).toBe(parcels[1].order.guid);
    expect(await inputRecords('PLATFORM', CODES.p1, 'order')).toBe(before + 2);
  });

  it('a resent message is answered again but not published a second time; a reused guid with other content is refused', async () => {
    const g = generator(0);
    const parcels = [ours(g.next()), ours(g.next())];
    const xml = xmlOf(orders(parcels), CODES.p1);
    const first = await postCeb(gateway.url, key('PLATFORM', CODES.p1), xml);
    expect(first.returns.map((r) => r.returnStatus)).toEqual(['2', '2']);
    const afterFirst = await inputRecords('PLATFORM', CODES.p1, 'order');
    const again = await postCeb(gateway.url, key('PLATFORM', CODES.p1), xml);
    expect(again.status).toBe(200);
    expect(again.returns.map((r) => r.returnStatus)).toEqual(['2', '2']);
    expect(again.returns[0].returnInfo).toContain('重复');
    // the same two at once from concurrent requests: still nothing new
    const concurrent = await Promise.all(
      [1, 2, 3].map(() => postCeb(gateway.url, key('PLATFORM', CODES.p1), xml)),
    );
    for (const c of concurrent) expect(c.returns.map((r) => r.returnStatus)).toEqual(['2', '2']);
    expect(await inputRecords('PLATFORM', CODES.p1, 'order')).toBe(afterFirst);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM "${gatewaySchema}".ceb_node WHERE guid = ANY($1)`,
      [parcels.map((p) => p.order.guid)],
    );
    expect(rows[0].n).toBe(2);
    // the first guid with another order number: another document under a guid already used
    const reused = await postCeb(
      gateway.url,
      key('PLATFORM', CODES.p1),
      xmlOf(
        orders([{ ...parcels[0], order: { ...parcels[0].order, orderNo: `${parcels[0].order.orderNo}R` } }]),
        CODES.p1,
      ),
    );
    expect(reused.returns.map((r) => r.returnStatus)).toEqual(['100']);
    expect(reused.returns[0].returnInfo).toContain('GUID_REUSED');
    expect(await inputRecords('PLATFORM', CODES.p1, 'order')).toBe(afterFirst);
  });

  it('refuses bad input with a clear error and publishes nothing of it', async () => {
    const k = key('PLATFORM', CODES.p1);
    const before = await inputRecords('PLATFORM', CODES.p1, 'order');
    const good = xmlOf(orders([ours(generator(0).next())]), CODES.p1);
    const cases: Array<[string, string, number, RegExp]> = [
      ['malformed XML', good.slice(0, good.length - 40), 400, /./],
      [
        'a wrong namespace',
        good.replace('http://www.chinaport.gov.cn/ceb', 'http://example.com/not-ceb'),
        400,
        /namespace/i,
      ],
      [
        'an unknown message type',
        good.replace(/CEB303Message/g, 'CEB999Message'),
        400,
        /CEB999Message|unknown/i,
      ],
    ];
    for (const [what, body, status, info] of cases) {
      const a = await postCeb(gateway.url, k, body);
      expect({ what, status: a.status }).toEqual({ what, status });
      expect(a.returns).toHaveLength(1);
      expect(a.returns[0].element).toBe('MessageReturn');
      expect(Number(a.returns[0].returnStatus)).toBeLessThan(0);
      expect(a.returns[0].returnInfo).toMatch(info);
    }
    // more than 100 nodes
    const g = generator(0);
    const many = Array.from({ length: 101 }, () => ours(g.next()));
    const tooMany = await postCeb(
      gateway.url,
      k,
      xmlOf(orders(many.slice(0, 100)), CODES.p1).replace(
        '</ceb:Order>',
        `</ceb:Order>${xmlOf(orders(many.slice(100)), CODES.p1).match(/<ceb:Order>[\s\S]*<\/ceb:Order>/)![0]}`,
      ),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.returns[0].returnInfo).toMatch(/100/);
    // a body over the limit (1 MiB in this run)
    const huge = await postCeb(
      gateway.url,
      k,
      good.replace('</ceb:OrderHead>', `<ceb:note>${'x'.repeat(1024 * 1024)}</ceb:note></ceb:OrderHead>`),
    );
    expect(huge.status).toBe(413);
    // no key, a wrong key
    const noKey = await fetch(`${gateway.url}/ceb`, {
      method: 'POST',
      body: good,
      headers: { 'Content-Type': 'application/xml' },
    });
    expect(noKey.status).toBe(401);
    expect((await postCeb(gateway.url, `${k}x`, good)).status).toBe(401);
    expect(await inputRecords('PLATFORM', CODES.p1, 'order')).toBe(before);
  });

  it.each([
    ['export', 0, 'CEB604Message'],
    ['import', 1, 'CEB622Message'],
  ] as const)(
    "four-document mode (%s): the agent's list as CEB XML, answered 2, compared with the documents; its returns carry the match and the decision",
    async (_flow, importShare, listReturn) => {
      const g = generator(importShare);
      const parcels = [ours(g.next(), CODES.p4), ours(g.next(), CODES.p4)];
      for (const [role, code, docs] of [
        ['PLATFORM', CODES.p4, orders(parcels)],
        ['PAYER', CODES.payer, payments(parcels)],
        ['CARRIER', CODES.carrier, waybills(parcels)],
      ] as const) {
        const a = await postCeb(gateway.url, key(role, code), xmlOf([...docs], code));
        expect(a.status).toBe(200);
        expect(a.returns.map((r) => r.returnStatus)).toEqual(['2', '2']);
      }
      // the first parcel's list agrees; the second's declares another quantity on its first line
      const filed = [
        listOf(parcels[0]),
        (() => {
          const l = listOf(parcels[1]);
          return {
            ...l,
            items: l.items.map((it, i) => (i === 0 ? { ...it, qty: `${Number(it.qty) + 1}` } : it)),
          };
        })(),
      ];
      const sent = await postCeb(gateway.url, key('AGENT', CODES.agent), xmlOf(lists(filed), CODES.agent));
      expect(sent.status).toBe(200);
      expect(sent.returns.map((r) => [r.message, r.returnStatus, r.guid])).toEqual(
        filed.map((l) => [listReturn, '2', l.guid]),
      );
      expect(sent.returns[0].fields).toMatchObject({ agentCode: CODES.agent, copNo: filed[0].copNo });

      const agent = await eventually(
        "the agent's returns: the agreeing list's decision, the other's refusal",
        async () => {
          const r = await allReturns('AGENT', CODES.agent);
          const decided = r.some(
            (x) =>
              x.guid === filed[0].guid &&
              ['800', '500', '300', '100'].includes(x.returnStatus) &&
              x.fields.invtNo,
          );
          const refused = r.some((x) => x.guid === filed[1].guid && x.returnStatus === '100');
          return decided && refused ? r : undefined;
        },
        120_000,
        500,
      );
      // every return about these lists is the list return of their flow
      expect(
        agent.filter((x) => filed.some((l) => l.guid === x.guid)).every((x) => x.message === listReturn),
      ).toBe(true);
      const first = agent.filter((x) => x.guid === filed[0].guid);
      // 2 when the engine took it in, 120 with the engine's list number when matched, then the decision's code
      expect(first.map((x) => x.returnStatus).slice(0, 2)).toEqual(['2', '120']);
      const decision = first[first.length - 1];
      expect(['800', '500', '300']).toContain(decision.returnStatus);
      expect(decision.fields).toMatchObject({ agentCode: CODES.agent, copNo: filed[0].copNo });
      expect(decision.fields.invtNo).toMatch(importShare ? /^\d{8}I/ : /^\d{8}E/);
      const refusal = agent.find((x) => x.guid === filed[1].guid && x.returnStatus === '100')!;
      expect(refusal.returnInfo).toContain('LIST_ITEM_MISMATCH');
      // the platform sees its parcel decided (a list return), the refused one refused
      const platform = await eventually(
        'the four-document platform returns',
        async () => {
          const r = await allReturns('PLATFORM', CODES.p4);
          const decided = r.some(
            (x) => x.message === listReturn && orderNoOf(x) === parcels[0].order.orderNo,
          );
          const refused = r.some(
            (x) =>
              orderNoOf(x) === parcels[1].order.orderNo &&
              x.returnStatus === '100' &&
              x.returnInfo.includes('LIST_ITEM_MISMATCH'),
          );
          return decided && refused ? r : undefined;
        },
        60_000,
        500,
      );
      // no decision for the refused parcel
      expect(
        platform.some((x) => x.message === listReturn && orderNoOf(x) === parcels[1].order.orderNo),
      ).toBe(false);
    },
  );

  it('a list from a platform, or naming another filer, is refused with 403 and not published', async () => {
    const parcel = ours(generator(0).next(), CODES.p4);
    const before = await inputRecords('AGENT', CODES.agent, 'list');
    const fromPlatform = await postCeb(
      gateway.url,
      key('PLATFORM', CODES.p4),
      xmlOf(lists([listOf(parcel)]), CODES.p4),
    );
    expect(fromPlatform.status).toBe(403);
    expect(fromPlatform.returns[0].returnInfo).toContain('filed by an agent');
    const otherFiler = await postCeb(
      gateway.url,
      key('AGENT', CODES.agent),
      xmlOf(lists([listOf(parcel, { agentCode: CODES.p2 })]), CODES.agent),
    );
    expect(otherFiler.status).toBe(403);
    expect(otherFiler.returns[0].returnInfo).toContain(`agentCode ${CODES.p2}`);
    expect(await inputRecords('AGENT', CODES.agent, 'list')).toBe(before);
  });

  it("refuses with 403, publishing nothing, a message under another enterprise's code or of another role", async () => {
    const g = generator(0);
    const parcel = ours(g.next());
    const [p1, p2] = [
      await inputRecords('PLATFORM', CODES.p1, 'order'),
      await inputRecords('PLATFORM', CODES.p2, 'order'),
    ];
    // platform 2 sends platform 1's order (ebpCode and copCode P1) with its own key
    const spoofed = await postCeb(gateway.url, key('PLATFORM', CODES.p2), xmlOf(orders([parcel]), CODES.p1));
    expect(spoofed.status).toBe(403);
    expect(spoofed.returns[0].returnInfo).toContain(CODES.p2);
    // platform 2's own copCode, but a node naming platform 1
    const node = await postCeb(gateway.url, key('PLATFORM', CODES.p2), xmlOf(orders([parcel]), CODES.p2));
    expect(node.status).toBe(403);
    expect(node.returns[0].returnInfo).toMatch(/ebpCode/);
    // a carrier sending an order
    const role = await postCeb(
      gateway.url,
      key('CARRIER', CODES.carrier),
      xmlOf(orders([parcel]), CODES.carrier),
    );
    expect(role.status).toBe(403);
    expect([
      await inputRecords('PLATFORM', CODES.p1, 'order'),
      await inputRecords('PLATFORM', CODES.p2, 'order'),
    ]).toEqual([p1, p2]);
  });

  it('returns are resumable by cursor: one at a time gives the same sequence as all at once, nothing skipped or repeated', async () => {
    const all = await allReturns('PLATFORM', CODES.p1, 1000);
    expect(all.length).toBeGreaterThan(3);
    const oneByOne = await allReturns('PLATFORM', CODES.p1, 1);
    expect(
      oneByOne.slice(0, all.length).map((r) => `${r.message}|${r.guid}|${r.returnStatus}|${r.returnInfo}`),
    ).toEqual(all.map((r) => `${r.message}|${r.guid}|${r.returnStatus}|${r.returnInfo}`));
    const bad = await fetchReturns(gateway.url, key('PLATFORM', CODES.p1), 'abc', 10);
    expect(bad.status).toBe(400);
  });
});
