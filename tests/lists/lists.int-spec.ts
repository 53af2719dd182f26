/**
 * Four-document mode on the real stack (SASL/TLS Kafka, registry): the run's platforms on file,
 * one in FOUR_DOCUMENT mode and one in ONE_STEP mode (`Enterprise.listMode`), the matcher and
 * risk running in this process as their own least-privilege principals. Orders, payments,
 * waybills and filed lists (CEB603 `FiledList` on ceb.list.v1) are produced as the operator.
 * Checks: a four-document parcel is listed and decided only once its filed list has arrived and
 * agrees; a disagreeing list refuses the case naming the field, and its correction matches it; a
 * one-step parcel is unchanged (three documents) and a list filed for it is refused alone.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import pino from 'pino';
import {
  orderKey,
  RegistryCodecs,
  Topics,
  type Decision,
  type Enterprise,
  type FiledList,
  type Manifest,
  type Receipt,
  type TopicSpec,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import {
  BatchProducer,
  provisionRunPrincipals,
  publishReference,
  TopicWatcher,
  type RunPrincipals,
  type Watched,
} from '@clearance/cli';
import { matcherService } from '@clearance/matcher';
import {
  bootstrapStreamsService,
  type RunningStreamsService,
  type StreamsServiceSpec,
} from '@clearance/nest-streams';
import { riskService } from '@clearance/risk';
import { loadReferenceData, NO_ERRORS, ParcelGenerator, type GeneratedParcel } from '@clearance/generator';
import { eventually, foreignConsumers, stackEnv } from '@clearance/testing';

jest.setTimeout(240_000);

const run = `ls${randomBytes(3).toString('hex')}`;
const RUN = run.toUpperCase();
const CODES = { four: `${RUN}F4`, one: `${RUN}O1` };

describe('four-document mode: the filed list as a fourth document, compared with the compiled list', () => {
  const env = stackEnv();
  const operator = new Kafka({ clientId: `${run}-operator`, ...env.kafka, logLevel: logLevel.NOTHING });
  const codecs = new RegistryCodecs({ url: env.schemaRegistryUrl });
  let admin: Admin;
  let principals: RunPrincipals | undefined;
  let producer: BatchProducer;
  const services: RunningStreamsService[] = [];
  const watcher = new TopicWatcher(operator, codecs, `${run}-watch`);
  const seen: Array<Watched<unknown>> = [];
  const serviceEnv: Record<string, string> = {
    ...env.kafkaEnv,
    SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
    AUTO_OFFSET_RESET: 'latest',
    LOG_LEVEL: 'warn',
    MATCHER_APPLICATION_ID: `${run}-matcher`,
    RISK_APPLICATION_ID: `${run}-risk`,
  };

  const generator = new ParcelGenerator({
    seed: Number.parseInt(randomBytes(3).toString('hex'), 16),
    startTime: Date.now(),
    errors: NO_ERRORS,
    mix: { importShare: 0 },
    maxDocumentDelayMs: 500,
  });
  /** A clean export parcel under one of the run's platforms. */
  function parcelOf(ebpCode: string): GeneratedParcel {
    const p = generator.next();
    const order = { ...p.order, ebpCode };
    const payment = { ...p.payment, ebpCode };
    const waybill = { ...p.waybill, ebpCode };
    return { ...p, order, payment, waybill, orderKey: orderKey(order) };
  }
  /** The list the platform's agent files: the engine's own compilation of the three documents (CEB603 fields). */
  function listOf(p: GeneratedParcel, overrides: Partial<FiledList> = {}): FiledList {
    const held = <T>(doc: T) => ({ doc, at: Date.now(), idHash: null });
    const manifest = D.compileManifest(
      { order: held(p.order), payment: held(p.payment), waybill: held(p.waybill) },
      { caseKey: p.orderKey, at: Date.now(), firstDocumentTime: Date.now(), serial: D.invtSerial(0, 0) },
    );
    return D.sampleFiledListFrom(manifest, {
      guid: D.deterministicGuid('list', p.orderKey, overrides.appType ?? '1'),
      ...overrides,
    });
  }
  async function send<V>(spec: TopicSpec<V>, key: string, value: V): Promise<void> {
    await producer.add(spec, key, value, Date.now());
    await producer.flush();
  }
  const fileDocuments = async (p: GeneratedParcel) => {
    await send(Topics.order, p.orderKey, p.order);
    await send(Topics.payment, p.orderKey, p.payment);
    await send(Topics.waybill, p.orderKey, p.waybill);
  };
  const of = <V>(topic: string, key: string) =>
    seen.filter((r) => r.topic === topic && r.key === key).map((r) => r.value as V);
  const manifestsOf = (p: GeneratedParcel) => of<Manifest>(Topics.manifest.name, p.orderKey);
  const receiptsOf = (p: GeneratedParcel) => of<Receipt>(Topics.receipt.name, p.orderKey);
  const decisionsOf = (p: GeneratedParcel) =>
    seen
      .filter((r) => r.topic === Topics.decision.name && (r.value as Decision).orderKey === p.orderKey)
      .map((r) => r.value as Decision);
  const settle = () => new Promise((r) => setTimeout(r, 2500));

  beforeAll(async () => {
    admin = operator.admin();
    await admin.connect();
    const foreign = await foreignConsumers(admin, [Topics.order.name, Topics.list.name], []);
    if (foreign.length > 0)
      throw new Error(
        `another clearance engine runs on this stack (${foreign.map((f) => f.groupId).join(', ')}): it would match this run's documents too. ` +
          'Stop it (Ctrl-C on `npm start`) and run the test again.',
      );
    await codecs.register();
    await publishReference(operator, codecs, () => undefined);
    producer = new BatchProducer(operator, codecs);
    await producer.connect();
    // the run's platforms on file: one in each mode (the other enterprises of the generated parcels are the shipped ones)
    const template = loadReferenceData().enterprises.find((e) => e.roles.includes('EBP'))!;
    const platform = (code: string, listMode: Enterprise['listMode']): Enterprise => ({
      ...template,
      code,
      name: `${run} ${listMode}`,
      roles: ['EBP'],
      listMode,
    });
    await producer.add(Topics.enterprise, CODES.four, platform(CODES.four, 'FOUR_DOCUMENT'));
    await producer.add(Topics.enterprise, CODES.one, platform(CODES.one, 'ONE_STEP'));
    await producer.flush();
    principals = await provisionRunPrincipals(admin, serviceEnv, ['matcher', 'risk'], `${run}-`);
    const logger = pino({ level: 'warn' });
    for (const [name, spec] of [
      ['matcher', matcherService],
      ['risk', riskService],
    ] as Array<[string, StreamsServiceSpec<unknown>]>)
      services.push(
        await bootstrapStreamsService(spec, principals.envFor(serviceEnv, name), {
          logger: logger.child({ service: name }),
          shutdownHooks: false,
        }),
      );
    await eventually(
      'services ready',
      () => (services.every((s) => s.runtimes.every((r) => r.isReady())) ? true : undefined),
      120_000,
      250,
    );
    await watcher.start([Topics.receipt, Topics.manifest, Topics.decision], (r) => seen.push(r));
  });

  afterAll(async () => {
    await watcher.stop().catch(() => undefined);
    for (const s of [...services].reverse()) await s.close().catch(() => undefined);
    await principals?.remove().catch(() => undefined);
    await producer?.add(Topics.enterprise, CODES.four, null).catch(() => undefined);
    await producer?.add(Topics.enterprise, CODES.one, null).catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${run}-`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('lists and decides a four-document parcel only once its filed list has arrived and agrees; the filer gets 2 then 120', async () => {
    const p = parcelOf(CODES.four);
    await fileDocuments(p);
    await eventually(
      'the three documents answered',
      () => (receiptsOf(p).filter((r) => r.returnStatus === '2').length >= 3 ? true : undefined),
      60_000,
      200,
    );
    await settle();
    expect(manifestsOf(p)).toEqual([]);
    expect(receiptsOf(p).some((r) => /LIST|list/.test(r.returnInfo))).toBe(true); // waiting for the list
    const list = listOf(p);
    await send(Topics.list, p.orderKey, list);
    const [m] = await eventually(
      'the list',
      () => (manifestsOf(p).length > 0 ? manifestsOf(p) : undefined),
      60_000,
      200,
    );
    expect(m.invtNo).toMatch(/^\d{8}E\d{9}$/);
    const filer = receiptsOf(p).filter((r) => r.docType === 'LIST');
    expect(filer.map((r) => [r.participant, r.participantCode, r.returnStatus])).toEqual([
      ['EBC', list.agentCode ?? list.ebcCode, '2'],
      ['EBC', list.agentCode ?? list.ebcCode, '120'],
    ]);
    expect(filer[1].invtNo).toBe(m.invtNo);
    await eventually('its decision', () => (decisionsOf(p).length > 0 ? true : undefined), 60_000, 200);
    expect(decisionsOf(p)).toHaveLength(1);
  });

  it('refuses a four-document parcel whose filed list disagrees, naming the field; a corrected list (appType 2) matches it', async () => {
    const p = parcelOf(CODES.four);
    await fileDocuments(p);
    const wrong = listOf(p);
    wrong.items = wrong.items.map((it, i) => (i === 0 ? { ...it, qty: `${Number(it.qty) + 1}.00000` } : it));
    await send(Topics.list, p.orderKey, wrong);
    const refusal = await eventually(
      'the refusal',
      () =>
        receiptsOf(p).find(
          (r) => r.returnStatus === '100' && r.reasons.some((x) => x.code === 'LIST_ITEM_MISMATCH'),
        ),
      60_000,
      200,
    );
    expect(refusal.reasons.find((x) => x.code === 'LIST_ITEM_MISMATCH')!.message).toMatch(/item 1 qty/);
    expect(manifestsOf(p)).toEqual([]);
    await send(Topics.list, p.orderKey, listOf(p, { appType: '2' }));
    await eventually(
      'the list after the correction',
      () => (manifestsOf(p).length === 1 ? true : undefined),
      60_000,
      200,
    );
    await settle();
    expect(manifestsOf(p)).toHaveLength(1);
  });

  it('leaves a one-step parcel as it was (three documents), and refuses a list filed for it alone', async () => {
    const p = parcelOf(CODES.one);
    await fileDocuments(p);
    await eventually(
      'the list of a one-step parcel',
      () => (manifestsOf(p).length === 1 ? true : undefined),
      60_000,
      200,
    );
    await send(Topics.list, p.orderKey, listOf(p));
    const refused = await eventually(
      'the list refused',
      () => receiptsOf(p).find((r) => r.docType === 'LIST' && r.returnStatus === '100'),
      60_000,
      200,
    );
    expect(refused.reasons.map((r) => r.code)).toEqual(['LIST_NOT_EXPECTED']);
    await settle();
    expect(manifestsOf(p)).toHaveLength(1);
    expect(decisionsOf(p)).toHaveLength(1);
  });
});
