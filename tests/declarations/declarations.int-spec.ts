/**
 * Acceptance test of summary declaration (issue 5) on the real stack. The pipeline runs as
 * separate Node processes (matcher, risk, lifecycle, declaration, projector; tools/cli
 * startService), fed by generated export and import parcels; officers answer the inspections,
 * carriers report departures with leaveTime in two declaration periods (DAY periods: yesterday P1
 * and today P2, China time), the scheduler closes P1, a late parcel of P1 departs after the close
 * and the next close declares it as an AMENDMENT of P1. Then:
 *
 *  - every declaration equals an independent recount (support/recount.ts) from the manifests the
 *    run saw on clearance.cleared.v1: lists, lines, quantities, values, weights, FOB in CNY,
 *    rebate, list numbers; original / amendment; numbers from key, period and sequence;
 *  - the statistics projection holds exactly the facts of the topics for the run's lists, and
 *    the query API aggregates them as a recount does, by every dimension;
 *  - the query API serves each parcel's audit trail and the declarations;
 *  - replaying the declarations projection from offset 0 into a fresh schema gives the live
 *    tables row for row; so does the statistics projection replayed from a log of exactly the
 *    run's decisions and clearances (copied byte for byte to topics of the run).
 *
 * The parcels and statistics projections start at the run's offsets (stored in their schemas
 * before the projector starts): the shared receipt and decision topics hold hundreds of
 * thousands of records of earlier runs. Declarations and exchange rates are projected from
 * offset 0.
 *
 * Isolation on the shared, fixed topics: application / group ids, schema prefix, rule-set key
 * and generator seed of the run; every group starts where the topics ended before the run; the
 * run's invtNo serials start at a random base (a fresh matcher counts from 0, so runs would
 * reuse each other's list numbers); assertions filtered to the run's keys. Another engine
 * processing the same inputs makes the run meaningless, so it refuses to start then.
 *
 * Faults (on unless DECLARATION_FAULTS=0), the checks unchanged: the declaration service is killed
 * (SIGKILL) right after the first close and started again before the late departures; the
 * projector's Postgres connections are cut and the projector is killed and started again while
 * it catches up; the query API's connections are cut before it is queried. Services run with
 * SESSION_TIMEOUT_MS=6000, so a killed member's partitions move within seconds.
 *
 * Knobs: DECLARATION_PARCELS (400), DECLARATION_SEED (random), DECLARATION_LOG_LEVEL (warn),
 * DECLARATION_WAIT_FOR_OTHERS_MS (90000: how long to wait for another engine on the same topics),
 * DECLARATION_KEEP_SCHEMAS=1 (leave the read models in Postgres), DECLARATION_REPLAY_STATISTICS=full
 * (also rebuild statistics from the whole shared log: minutes, 600 k decisions and growing).
 */
import { randomInt } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Pool } from 'pg';
import {
  RegistryCodecs,
  Topics,
  allTopics,
  waybillKey as waybillKeyOf,
  type ClearedParcel,
  type Decision,
  type DeclarationLine,
  type InspectionOutcome,
  type Manifest,
  type Receipt,
  type RuleSet,
  type SummaryDeclaration,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import {
  NO_ERRORS,
  ParcelGenerator,
  chinaDate8,
  chinaTime14,
  departures,
  inEventTimeOrder,
  inspectionResult,
  loadReferenceData,
  type GeneratedDeparture,
  type GeneratedParcel,
} from '@clearance/generator';
import {
  BatchProducer,
  ensureTopics,
  publishPeriodClose,
  publishReference,
  killService,
  startService,
  stopService,
  type ServiceName,
  type ServiceProcess,
} from '@clearance/cli';
import { SERIAL_KEY } from '@clearance/matcher';
import {
  projectionByName,
  projectionSchema,
  replayProjection,
  type ProjectionName,
} from '@clearance/projector';
import {
  createQueryApi,
  type DeclarationView,
  type ParcelView,
  type StatisticsView,
} from '@clearance/query-api';
import { openPool } from '@clearance/postgres';
import { eventually, stackEnv, uniqueName } from '@clearance/testing';
import {
  compareSchemas,
  dropSchemas,
  rowCount,
  startProjectionAt,
  storedOffsets,
  type TableDiff,
} from './support/db';
import {
  Collector,
  committedOffsets,
  copyRecords,
  createTopicsAndWait,
  dropRunArtifacts,
  endOffsets,
  foreignProcessors,
  internalTopics,
  partitionCount,
  startGroupsAt,
  storeValueBytes,
  type Collected,
  type Offsets,
} from './support/kafka';
import {
  STAT_DIMENSIONS,
  aggregate,
  clearedFact,
  decidedFact,
  declarationKey,
  expectDeclaration,
  periodOfLeave,
  type ExpectedDeclaration,
  type RecountRefs,
  type StatDimension,
  type StatFact,
} from './support/recount';

const intEnv = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number.parseInt(v, 10);
};
const PARCELS = intEnv('DECLARATION_PARCELS', 400);
const SEED = intEnv('DECLARATION_SEED', randomInt(1, 2 ** 31 - 1));
const KEEP_SCHEMAS = process.env.DECLARATION_KEEP_SCHEMAS === '1';
const FULL_STATISTICS_REPLAY = process.env.DECLARATION_REPLAY_STATISTICS === 'full';
/** How long to wait for another engine on the same topics (a bench, another test) to stop. */
const WAIT_FOR_OTHERS_MS = intEnv('DECLARATION_WAIT_FOR_OTHERS_MS', 90_000);
/** Kill services and cut Postgres connections during the run (see the header). */
const FAULTS = process.env.DECLARATION_FAULTS !== '0';

const H = 3_600_000;
const DAY = 24 * H;
const CHINA = 8 * H;

/** Risk-level scenarios (every one still matches), a few match failures and duplicate sends. */
const ERRORS = {
  ...NO_ERRORS,
  amountMismatch: 0.02,
  prohibited: 0.02,
  restrictedNoLicence: 0.02,
  gradeD: 0.02,
  watchlist: 0.01,
  priceAnomaly: 0.02,
  weightAnomaly: 0.02,
  duplicate: 0.02,
};
/** Sampling of the run's rule set: enough INSPECT decisions for inspections and outcome statistics. */
const SAMPLING = { AA: '0.05', A: '0.1', B: '0.15' };

const DECISION_STATUS: Record<string, string> = {
  RELEASE: '800',
  INSPECT: '500',
  HOLD: '300',
  REJECT: '100',
};
const OUTCOME_STATUS: Record<InspectionOutcome, string> = { PASS: '800', SEIZE: '501', RETURN: '700' };

const DOCUMENT_TOPICS = [Topics.order.name, Topics.payment.name, Topics.waybill.name];
/**
 * Inputs of the stream services the run starts: nobody else may process them meanwhile (the
 * decision topic is left out: readers watch it; a lifecycle also reads inspections and departures).
 */
const SERVICE_INPUTS = [
  ...DOCUMENT_TOPICS,
  Topics.manifest.name,
  Topics.inspection.name,
  Topics.departure.name,
  Topics.departureLine.name,
  Topics.cleared.name,
  Topics.declarationLine.name,
  Topics.periodClose.name,
];
const PARCEL_SOURCES = [
  Topics.receipt.name,
  Topics.manifest.name,
  Topics.taxBill.name,
  Topics.decision.name,
  Topics.cleared.name,
];

function collapse(xs: ReadonlyArray<string>): string[] {
  const out: string[] = [];
  for (const x of xs) if (out[out.length - 1] !== x) out.push(x);
  return out;
}

function groupBy<T>(xs: Iterable<T>, key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const l = m.get(k);
    if (l) l.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** Collects failed checks so a test reports all of them, not the first. */
class Problems {
  private readonly list: string[] = [];
  check(ok: boolean, what: () => string): void {
    if (!ok) this.list.push(what());
  }
  add(what: string): void {
    this.list.push(what);
  }
  assertNone(title: string, shown = 25): void {
    if (this.list.length === 0) return;
    const more = this.list.length > shown ? `\n  … and ${this.list.length - shown} more` : '';
    throw new Error(
      `${title}: ${this.list.length} problem(s)\n  ${this.list.slice(0, shown).join('\n  ')}${more}`,
    );
  }
}

/** The stream services and the projector as processes; everything started is stopped in afterAll. */
class Processes {
  readonly all: ServiceProcess[] = [];
  readonly retries: string[] = [];
  constructor(private readonly env: Record<string, string>) {}

  async start(name: ServiceName): Promise<ServiceProcess> {
    for (let attempt = 1; ; attempt++) {
      try {
        const svc = await startService(name, this.env, { instance: name, timeoutMs: 120_000 });
        this.all.push(svc);
        return svc;
      } catch (e) {
        // kafkajs createTopics(waitForLeaders) may give up on a topic the broker has just
        // created; the topics exist by then and a second start goes through
        const message = (e as Error).message;
        if (attempt >= 3 || !/does not host this topic-partition/.test(message)) throw e;
        this.retries.push(`${name} attempt ${attempt}: ${message.split('\n').pop()}`);
      }
    }
  }

  async stop(svc: ServiceProcess): Promise<void> {
    await stopService(svc, 15_000).catch(() => undefined);
  }

  private readonly killed = new Set<ServiceProcess>();

  /** A fault: SIGKILL, then a new process of the same service. */
  async killAndRestart(svc: ServiceProcess, name: ServiceName): Promise<ServiceProcess> {
    if (svc.child.exitCode !== null || svc.child.signalCode !== null)
      throw new Error(
        `${svc.name} had exited (${svc.child.exitCode ?? svc.child.signalCode}) before it was to be killed:\n${svc.tail()}`,
      );
    this.killed.add(svc);
    await killService(svc);
    return this.start(name);
  }

  /** Processes that exited though nobody stopped or killed them. */
  died(stopped: ReadonlySet<ServiceProcess>): string[] {
    return this.all
      .filter(
        (s) =>
          !stopped.has(s) &&
          !this.killed.has(s) &&
          (s.child.exitCode !== null || s.child.signalCode !== null),
      )
      .map((s) => `${s.name} exited (${s.child.exitCode ?? s.child.signalCode}):\n${s.tail()}`);
  }

  tails(): string {
    return this.all
      .map(
        (s) =>
          `--- ${s.name} (pid ${s.child.pid}, exit ${s.child.exitCode ?? s.child.signalCode ?? 'running'})\n${s.tail()}`,
      )
      .join('\n');
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((s) => this.stop(s)));
  }
}

interface Run {
  P1: string;
  P2: string;
  parcels: GeneratedParcel[];
  byOrder: Map<string, GeneratedParcel>;
  decisions: Map<string, Collected<Decision>>; // by order key
  inspected: Map<string, InspectionOutcome>; // by waybill key
  /** Waybill keys of export parcels that departed, by departure group. */
  onTimeP1: Set<string>;
  onTimeP2: Set<string>;
  lateAmend: Set<string>;
  lateFirst: Set<string>;
  departures: GeneratedDeparture[];
  /** Declaration numbers expected after close 1 (P1) and close 2 (P2). */
  expectedAtClose1: Map<string, ExpectedDeclaration & { sequence: number }>;
  expectedAtClose2: Map<string, ExpectedDeclaration & { sequence: number }>;
  /** Summary records of the run seen when close 1 was declared (before the late departures). */
  summariesAfterClose1: number;
  /** Summary records of the run when the second close was re-published. */
  summariesAtRepublish: number;
  /** The run's invtNo serials start here (the matcher's serial changelog was seeded). */
  serialBase: number;
}

describe('summary declaration on the real stack: periods, amendments, statistics, query API, replay', () => {
  const runId = uniqueName('decl');
  const hex = runId.slice('decl-'.length);
  const prefix = `dt_${hex}_`;
  const ids = {
    matcher: `${runId}-matcher`,
    risk: `${runId}-risk`,
    splitter: `${runId}-departure-splitter`,
    lifecycle: `${runId}-lifecycle`,
    rekey: `${runId}-declaration-rekey`,
    declaration: `${runId}-declaration`,
    projector: `${runId}-projector`,
    reader: `${runId}-reader`,
  };
  const ruleSetKey = `${runId}-rules`;
  const started = Date.now();
  const timeline: string[] = [];
  const durations: Record<string, number> = {};
  const note = (what: string) =>
    timeline.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${what}`);
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      durations[what] = Date.now() - t0;
      note(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  };

  const env = stackEnv();
  const reference = loadReferenceData();
  const rates = new Map(reference.exchangeRates.map((r) => [`${r.currency}:${r.period}`, r.cnyPerUnit]));
  const commodities = new Map(reference.commodities.map((c) => [c.gcode, c]));
  const refs: RecountRefs = {
    rate: (currency, month) => rates.get(`${currency}:${month}`),
    rebateRate: (gcode) => commodities.get(gcode)?.rebateRate ?? null,
  };

  let kafka: Kafka;
  let admin: Admin | undefined;
  let codecs: RegistryCodecs;
  let pool: Pool | undefined;
  let producer: BatchProducer | undefined;
  let collector: Collector | undefined;
  let processes: Processes | undefined;
  const stopped = new Set<ServiceProcess>();
  let api: { url: string; close(): Promise<void> } | undefined;
  let apiPool: Pool | undefined;
  let run: Run;
  let from: Offsets;

  const mineOrders = new Set<string>();
  const mineWaybills = new Set<string>();

  const receipts = () => collector!.get<Receipt>(Topics.receipt.name);
  const cleared = () => collector!.get<ClearedParcel>(Topics.cleared.name);
  const decisionRecords = () => collector!.get<Decision>(Topics.decision.name);
  /** invtNos of the run's lists (from its manifests). */
  const invtNos = () => new Set(collector!.get<Manifest>(Topics.manifest.name).map((m) => m.value.invtNo));
  const lines = () => {
    const mine = invtNos();
    return collector!
      .get<DeclarationLine>(Topics.declarationLine.name)
      .filter((l) => mine.has(l.value.invtNo));
  };
  /** Summary declarations of the run: every list number in them is one of the run's. */
  const summaries = () => {
    const mine = invtNos();
    return collector!
      .get<SummaryDeclaration>(Topics.summary.name)
      .filter((s) => s.value.invtNos.some((n) => mine.has(n)));
  };

  const waitFor = (what: string, missing: () => string[] | Promise<string[]>, timeoutMs = 90_000) =>
    eventually(
      what,
      async () => {
        const m = await missing();
        if (m.length === 0) return true;
        throw new Error(`${m.length} still missing, e.g. ${m.slice(0, 5).join('; ')}`);
      },
      timeoutMs,
      200,
    );

  /** The declaration aggregator has consumed every line of the run (its committed offsets are past them). */
  const aggregatorCaughtUp = async (): Promise<string[]> => {
    const committed = await committedOffsets(admin!, ids.declaration, Topics.declarationLine.name);
    const last = new Map<number, number>();
    for (const l of lines()) last.set(l.partition, Math.max(last.get(l.partition) ?? -1, l.offset));
    return [...last]
      .filter(([p, o]) => (committed.get(p) ?? -1) <= o)
      .map(([p, o]) => `${Topics.declarationLine.name}[${p}] committed ${committed.get(p)} <= line at ${o}`);
  };

  let scenarioDone = false;
  beforeAll(async () => {
    try {
      await runScenario();
      scenarioDone = true;
    } catch (e) {
      scenarioDone = true; // reported with the error
      const err = e as Error;
      err.message = `${err.message}\n\ntimeline:\n${timeline.join('\n')}\n\n${processes?.tails() ?? ''}`;
      throw err;
    }
  }, 240_000 + WAIT_FOR_OTHERS_MS);

  afterAll(async () => {
    const t0 = Date.now();
    // the scenario did not end (a hook timeout): show how far it got before stopping everything
    if (!scenarioDone)
      console.log(`scenario unfinished; timeline:\n${timeline.join('\n')}\n\n${processes?.tails() ?? ''}`);
    await api?.close().catch(() => undefined);
    await apiPool?.end().catch(() => undefined);
    await collector?.stop();
    await producer?.disconnect().catch(() => undefined);
    await processes?.stopAll();
    if (pool) {
      if (!KEEP_SCHEMAS) await dropSchemas(pool, prefix).catch(() => undefined);
      await pool.end().catch(() => undefined);
    }
    if (admin) {
      await dropRunArtifacts(admin, `${runId}-`, [...Object.values(ids), `${ids.reader}`]).catch(
        () => undefined,
      );
      await admin.disconnect().catch(() => undefined);
    }
    console.log(
      `declaration acceptance run ${runId}: shut down in ${((Date.now() - t0) / 1000).toFixed(1)} s; whole run ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 120_000);

  async function runScenario(): Promise<void> {
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
    pool = new Pool({ connectionString: env.databaseUrl, max: 8 });
    const partitions = await partitionCount(admin, Topics.order.name);
    const isOwn = (g: string) => g.startsWith(`${runId}-`);

    // 0. nobody else may process this run's inputs: wait a while for another run to end
    let foreign = await foreignProcessors(admin, SERVICE_INPUTS, isOwn, Topics.receipt.name);
    const waitUntil = Date.now() + WAIT_FOR_OTHERS_MS;
    if (foreign.length > 0) note(`waiting for ${foreign.map((f) => f.groupId).join(', ')} to stop`);
    while (foreign.length > 0 && Date.now() < waitUntil) {
      await new Promise((r) => setTimeout(r, 2_000));
      foreign = await foreignProcessors(admin, SERVICE_INPUTS, isOwn, Topics.receipt.name);
    }
    if (foreign.length > 0)
      throw new Error(
        `another clearance engine processes the pipeline topics (${foreign
          .map((f) => `group ${f.groupId}: ${f.members} member(s) on ${f.topics.join(', ')}`)
          .join(
            '; ',
          )}) and did not stop within ${WAIT_FOR_OTHERS_MS / 1000} s: it would process this run's documents and period closes too. Stop it (e.g. \`npm start\`, another test run) and run again.`,
      );

    // 1. periods: P1 = yesterday, P2 = today (China time); documents yesterday afternoon
    const now = Date.now();
    const dayStart = Math.floor((now + CHINA) / DAY) * DAY - CHINA;
    const P1 = chinaDate8(dayStart - 1);
    const P2 = chinaDate8(now);
    const docsStart = dayStart - 8 * H;

    // 2. reference data and the run's own rule set
    await publishReference(kafka, codecs, () => undefined);
    const ruleSet: RuleSet = {
      ...reference.ruleSet,
      version: `${runId}`,
      publishedAt: chinaTime14(docsStart - H),
      samplingRates: { ...reference.ruleSet.samplingRates, ...SAMPLING },
    };
    producer = new BatchProducer(kafka, codecs);
    await producer.connect();
    await producer.add(Topics.ruleSet, ruleSetKey, ruleSet);
    await producer.flush();

    // 3. where the run starts; every group of the run starts there
    const readTopics = [
      Topics.receipt.name,
      Topics.manifest.name,
      Topics.taxBill.name,
      Topics.decision.name,
      Topics.cleared.name,
      Topics.declarationLine.name,
      Topics.summary.name,
    ];
    from = await endOffsets(admin, [...new Set([...SERVICE_INPUTS, ...readTopics])]);
    await startGroupsAt(
      kafka,
      `${runId}-start`,
      [
        { groupId: ids.matcher, topics: DOCUMENT_TOPICS },
        { groupId: ids.risk, topics: [Topics.manifest.name] },
        {
          groupId: ids.lifecycle,
          topics: [Topics.decision.name, Topics.inspection.name, Topics.departureLine.name],
        },
        { groupId: ids.splitter, topics: [Topics.departure.name] },
        { groupId: ids.rekey, topics: [Topics.cleared.name] },
        { groupId: ids.declaration, topics: [Topics.declarationLine.name, Topics.periodClose.name] },
        // the projector: parcels and statistics from the run's start (their projections start
        // there too, see startProjectionAt); declarations and exchange rates from offset 0
        { groupId: ids.projector, topics: PARCEL_SOURCES },
      ],
      from,
    );
    await startProjectionAt(pool, prefix, 'parcels', from, PARCEL_SOURCES);
    await startProjectionAt(pool, prefix, 'statistics', from, [Topics.decision.name, Topics.cleared.name]);

    // 4. the services' settings; their changelogs; the run's invtNo serials from a random base
    const serviceEnv: Record<string, string> = {
      ...env.kafkaEnv,
      SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
      DATABASE_URL: env.databaseUrl,
      PARTITIONS: String(partitions),
      AUTO_OFFSET_RESET: 'earliest',
      LOG_LEVEL: process.env.DECLARATION_LOG_LEVEL ?? 'warn',
      MATCHER_APPLICATION_ID: ids.matcher,
      RISK_APPLICATION_ID: ids.risk,
      RISK_RULE_SET_KEY: ruleSetKey,
      LIFECYCLE_APPLICATION_ID: ids.lifecycle,
      DEPARTURE_SPLITTER_APPLICATION_ID: ids.splitter,
      DECLARATION_REKEY_APP_ID: ids.rekey,
      DECLARATION_APP_ID: ids.declaration,
      DECLARATION_PERIOD: 'DAY',
      // a killed member's partitions move (and its restart gets in) within seconds
      SESSION_TIMEOUT_MS: '6000',
      PROJECTOR_GROUP_ID: ids.projector,
      PROJECTION_SCHEMA_PREFIX: prefix,
      // what this test checks; the participants' returns would read the shared receipts from offset 0
      PROJECTIONS: 'parcels,declarations,statistics',
    };
    await createTopicsAndWait(admin, internalTopics(serviceEnv, partitions));
    const serialBase = randomInt(1_000_000, 9_000_000);
    const seed = storeValueBytes('matcher', serviceEnv, 'serial', serialBase);
    const seeder = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await seeder.connect();
    await seeder.send({
      topic: seed.topic,
      acks: -1,
      messages: Array.from({ length: partitions }, (_, p) => ({
        partition: p,
        key: SERIAL_KEY,
        value: seed.bytes,
      })),
    });
    await seeder.disconnect();

    // 5. the traffic (generated now, so the run's keys are known to the collector)
    const gen = new ParcelGenerator({
      seed: SEED,
      startTime: docsStart,
      errors: ERRORS,
      maxDocumentDelayMs: 60_000,
      followUpDelayMs: 120_000,
    });
    const parcels = gen.take(PARCELS);
    for (const p of parcels) {
      mineOrders.add(p.orderKey);
      mineWaybills.add(p.waybillKey);
    }
    const byOrder = new Map(parcels.map((p) => [p.orderKey, p]));
    const decode =
      (spec: (typeof Topics)[keyof typeof Topics]) =>
      (b: Buffer | null, w: { partition: number; offset: string }) =>
        codecs.decode(spec as never, b, w);
    collector = new Collector(kafka, ids.reader, [
      {
        topic: Topics.receipt.name,
        decode: decode(Topics.receipt),
        keepKey: (k) => mineOrders.has(k) || mineWaybills.has(k),
      },
      {
        topic: Topics.manifest.name,
        decode: decode(Topics.manifest),
        keepValue: (v) => mineOrders.has((v as Manifest).orderKey),
      },
      { topic: Topics.decision.name, decode: decode(Topics.decision), keepKey: (k) => mineWaybills.has(k) },
      { topic: Topics.cleared.name, decode: decode(Topics.cleared), keepKey: (k) => mineWaybills.has(k) },
      { topic: Topics.declarationLine.name, decode: decode(Topics.declarationLine) },
      { topic: Topics.summary.name, decode: decode(Topics.summary) },
    ]);
    await collector.start(from);

    // 6. the services, each its own process
    processes = new Processes(serviceEnv);
    const procs = processes;
    let [declaration, projector] = await timed(
      'services started (matcher, risk, lifecycle, declaration, projector)',
      async () => {
        const [, , , decl, proj] = await Promise.all([
          procs.start('matcher'),
          procs.start('risk'),
          procs.start('lifecycle'),
          procs.start('declaration'),
          procs.start('projector'),
        ]);
        return [decl, proj];
      },
    );
    const projectorApp = `projector ${ids.projector}`;
    /** A fault: the Postgres connections of an application name are terminated; returns how many. */
    const cutConnections = async (applicationName: string): Promise<number> => {
      const r = await pool!.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      note(`fault: ${r.rowCount} Postgres connection(s) of "${applicationName}" cut`);
      return r.rowCount ?? 0;
    };

    // 7. documents of every parcel, in event-time order
    const sends = [...inEventTimeOrder(parcels)];
    const firstProduce = Date.now();
    await timed(`${parcels.length} parcels produced (${sends.length} documents)`, async () => {
      for (const s of sends) await producer!.addSend(s);
      await producer!.flush();
    });
    // fault: the projector's connections cut while it projects the run's receipts (it must live on)
    if (FAULTS) await cutConnections(projectorApp);
    const matched = parcels.filter((p) => p.expected.match === 'MATCHED');
    const decisionsByOrder = () => new Map(decisionRecords().map((d) => [d.value.orderKey, d]));
    await timed(`a decision for each of ${matched.length} matched parcels`, () =>
      waitFor('a decision for every matched parcel', () => {
        const got = decisionsByOrder();
        return matched.filter((p) => !got.has(p.orderKey)).map((p) => `${p.orderKey} (${p.scenario})`);
      }),
    );
    const decisions = decisionsByOrder();
    durations['documents -> decisions'] =
      Math.max(...[...decisions.values()].map((d) => d.seenAt)) - firstProduce;

    // 8. officers answer the inspected and held parcels: mostly PASS, some SEIZE and RETURN
    const inspected = new Map<string, InspectionOutcome>();
    const toInspect = [...decisions.values()]
      .map((d) => d.value)
      .filter((d) => d.outcome === 'INSPECT' || d.outcome === 'HOLD')
      .sort((a, b) => a.waybillKey.localeCompare(b.waybillKey));
    toInspect.forEach((d, i) =>
      inspected.set(d.waybillKey, i % 5 === 3 ? 'SEIZE' : i % 5 === 4 ? 'RETURN' : 'PASS'),
    );
    for (const d of toInspect) {
      const outcome = inspected.get(d.waybillKey)!;
      const at = d.decidedAt + 10 * 60_000;
      const result = inspectionResult(d.manifest, outcome, {
        at,
        ...(outcome === 'SEIZE' ? { detentionCode: '501' as const } : {}),
      });
      await producer.add(Topics.inspection, waybillKeyOf(result), result, at);
    }
    await producer.flush();
    await timed(`${inspected.size} inspection results answered`, () =>
      waitFor('the receipt of every inspection result', () => {
        const got = new Set(
          receipts()
            .filter((r) => r.value.docType === 'INSPECTION' && r.value.returnStatus !== '2')
            .map((r) => `${r.value.logisticsCode}:${r.value.logisticsNo}`),
        );
        return [...inspected.keys()].filter((k) => !got.has(k));
      }),
    );

    // 9. released export parcels depart: half in P1, half in P2; some of P1 held back (late)
    const released = [...decisions.values()]
      .map((d) => d.value)
      .filter(
        (d) =>
          d.manifest.ieFlag === 'E' && (d.outcome === 'RELEASE' || inspected.get(d.waybillKey) === 'PASS'),
      )
      .sort((a, b) => a.orderKey.localeCompare(b.orderKey));
    const inP1 = released.filter((_, i) => i % 2 === 0);
    const inP2 = released.filter((_, i) => i % 2 === 1);
    const p1ByKey = groupBy(inP1, (d) => declarationKey(d.manifest));
    // late into an amendment: P1 lists of keys that have other P1 lists (one per key, at most 2)
    const lateAmend = [...p1ByKey.values()]
      .filter((ds) => ds.length >= 2)
      .slice(0, 2)
      .map((ds) => ds[ds.length - 1]);
    // late, and the key's first P1 list (P1 closed with nothing of it): an AMENDMENT #1 of P1 at the
    // next close, no original (it was filed after the close)
    const lateFirst = [...p1ByKey.values()]
      .filter((ds) => ds.length === 1)
      .slice(0, 1)
      .map((ds) => ds[0]);
    if (lateAmend.length === 0)
      throw new Error(`no declaration key with two P1 lists among ${inP1.length}: raise DECLARATION_PARCELS`);
    const late = new Set([...lateAmend, ...lateFirst].map((d) => d.waybillKey));
    const onTimeP1 = inP1.filter((d) => !late.has(d.waybillKey));
    const waybillOf = (d: Decision) => byOrder.get(d.orderKey)!.waybill;
    const nowAt = Date.now();
    const p1Leave = dayStart - 2 * H;
    const p2Leave = dayStart + Math.floor((nowAt - dayStart) / 2);
    const depP1 = departures(
      onTimeP1.map((d) => ({ waybill: waybillOf(d), releasedAt: d.decidedAt })),
      { leaveTime: () => p1Leave, reportDelayMs: () => 10 * 60_000, maxLinesPerMessage: 50 },
    );
    const depP2 = departures(
      inP2.map((d) => ({ waybill: waybillOf(d), releasedAt: d.decidedAt })),
      {
        leaveTime: () => p2Leave,
        reportDelayMs: () => Math.min(10 * 60_000, Math.floor((nowAt - p2Leave) / 2)),
        maxLinesPerMessage: 50,
      },
    );
    for (const dep of [...depP1, ...depP2])
      await producer.add(Topics.departure, dep.key, dep.value, dep.timestamp);
    await producer.flush();
    // fault: the projector dies while the clearances come (its positions are in its tables)
    if (FAULTS)
      projector = await timed('fault: projector killed (SIGKILL) and started again', () =>
        procs.killAndRestart(projector, 'projector'),
      );
    const onTime = new Set([...onTimeP1, ...inP2].map((d) => d.waybillKey));
    await timed(`${onTime.size} parcels cleared (899) and their declaration lines out`, () =>
      waitFor('a cleared record and a declaration line for every departed parcel', () => {
        const c = new Set(cleared().map((r) => r.value.waybillKey));
        const l = new Set(lines().map((r) => r.value.waybillKey));
        return [...onTime]
          .filter((k) => !c.has(k) || !l.has(k))
          .map((k) => `${k}${c.has(k) ? ' (cleared, no line)' : ''}`);
      }),
    );
    await waitFor('the aggregator to consume every line of the run', aggregatorCaughtUp, 60_000);

    // 10. the scheduler closes P1 -> an ORIGINAL per key with P1 lists
    // a declaration's header (customsCode: not part of the key) is its first list's, in the
    // order the aggregator took them: the lines of one key share a partition, so by offset
    const listsOf = (ds: Decision[]) => {
      const at = new Map(lines().map((l) => [l.value.invtNo, l.offset]));
      return ds.map((d) => d.manifest).sort((a, b) => (at.get(a.invtNo) ?? 0) - (at.get(b.invtNo) ?? 0));
    };
    const expectFor = (ds: Decision[], period: string, sequence: number) => {
      const out = new Map<string, ExpectedDeclaration & { sequence: number }>();
      for (const [key, group] of groupBy(ds, (d) => declarationKey(d.manifest))) {
        const e = { ...expectDeclaration(key, period, listsOf(group), refs), sequence };
        out.set(D.declarationNo(key, period, sequence), e);
      }
      return out;
    };
    const expectedAtClose1 = expectFor(onTimeP1, P1, 0);
    const haveNumbers = (want: Map<string, unknown>) => () => {
      const got = new Set(summaries().map((s) => s.value.declarationNo));
      return [...want.keys()].filter((n) => !got.has(n));
    };
    await timed(`close of ${P1} -> ${expectedAtClose1.size} original declarations`, async () => {
      await publishPeriodClose(kafka, codecs, D.periodClose(P1, Date.now(), `${runId}-scheduler`));
      await waitFor(
        `the ${expectedAtClose1.size} declarations of ${P1}`,
        haveNumbers(expectedAtClose1),
        60_000,
      );
    });
    const summariesAfterClose1 = summaries().length;

    // fault: the declaration service dies right after the close (its closed periods, open
    // declarations and dedupe state come back from its changelogs)
    if (FAULTS)
      declaration = await timed('fault: declaration killed (SIGKILL) and started again', () =>
        procs.killAndRestart(declaration, 'declaration'),
      );

    // 11. late P1 parcels depart (leaveTime in P1, reported now) -> the next close declares them
    const lateAt = Date.now();
    const depLate = departures(
      [...lateAmend, ...lateFirst].map((d) => ({ waybill: waybillOf(d), releasedAt: d.decidedAt })),
      {
        leaveTime: () => dayStart - 90 * 60_000,
        reportDelayMs: () => lateAt - (dayStart - 90 * 60_000),
        maxLinesPerMessage: 50,
      },
    );
    for (const dep of depLate) await producer.add(Topics.departure, dep.key, dep.value, dep.timestamp);
    await producer.flush();
    await timed(`${late.size} late P1 parcels cleared and their lines consumed`, async () => {
      await waitFor('the late parcels cleared with their lines', () => {
        const l = new Set(lines().map((r) => r.value.waybillKey));
        return [...late].filter((k) => !l.has(k));
      });
      await waitFor('the aggregator to consume the late lines', aggregatorCaughtUp, 60_000);
    });

    // 12. close P2 -> P2 originals, the P1 amendments (also of a key that had no list at the first close)
    const expectedAtClose2 = new Map([
      ...expectFor(inP2, P2, 0),
      ...expectFor(lateAmend, P1, 1),
      ...expectFor(lateFirst, P1, 1),
    ]);
    await timed(
      `close of ${P2} -> ${expectedAtClose2.size} declarations (${lateAmend.length + lateFirst.length} amendments of ${P1})`,
      async () => {
        await publishPeriodClose(kafka, codecs, D.periodClose(P2, Date.now(), `${runId}-scheduler`));
        await waitFor(`the declarations of the second close`, haveNumbers(expectedAtClose2), 60_000);
      },
    );
    // a re-published close declares nothing twice (checked at the end of the run)
    const summariesAtRepublish = summaries().length;
    await publishPeriodClose(kafka, codecs, D.periodClose(P2, Date.now(), `${runId}-scheduler`));

    // 13. the projector has every record of the run; stopped, its tables stay as they are
    const mustHave = (records: ReadonlyArray<Collected>) => {
      const need = new Map<string, number>();
      for (const r of records) {
        const k = `${r.topic}|${r.partition}`;
        need.set(k, Math.max(need.get(k) ?? 0, r.offset + 1));
      }
      return need;
    };
    const parcelRecords = [
      ...receipts(),
      ...collector.get<Manifest>(Topics.manifest.name),
      ...decisionRecords(),
      ...cleared(),
    ];
    const needs: Array<[ProjectionName, Map<string, number>]> = [
      ['parcels', mustHave(parcelRecords)],
      ['statistics', mustHave([...decisionRecords(), ...cleared()])],
      ['declarations', mustHave(summaries())],
    ];
    // fault: the projector's new connections cut before it catches up
    if (FAULTS) await cutConnections(projectorApp);
    await timed('projector caught up with the run', () =>
      waitFor(
        'the projector to store offsets past every record of the run',
        async () => {
          const out: string[] = [];
          for (const [name, need] of needs) {
            const stored = await storedOffsets(pool!, projectionSchema(prefix, name));
            for (const [tp, n] of need)
              if ((stored.get(tp) ?? 0) < n) out.push(`${name} ${tp} at ${stored.get(tp) ?? 0} < ${n}`);
          }
          return out;
        },
        150_000,
      ),
    );
    await processes.stop(projector);
    stopped.add(projector);

    // 14. the query API over the run's read models
    apiPool = await openPool(env.databaseUrl, { max: 10, applicationName: `query-api ${runId}` });
    api = await createQueryApi(
      { port: 0, databaseUrl: env.databaseUrl, schemaPrefix: prefix },
      { pool: apiPool },
    );
    if (FAULTS) {
      // the API's connections cut before it is queried: the pool replaces them
      await apiPool.query('SELECT 1'); // an idle connection in the pool, to cut
      await cutConnections(`query-api ${runId}`);
    }

    // another engine that joined after the documents were produced does not see them (its groups
    // start at the end of the topics too); one that did would leave second lists, decisions and
    // receipts of the run's parcels, which the last check looks for
    const foreignAtEnd = await foreignProcessors(admin, SERVICE_INPUTS, isOwn, Topics.receipt.name);
    if (foreignAtEnd.length > 0)
      note(
        `other engines on the pipeline topics at the end: ${foreignAtEnd.map((f) => f.groupId).join(', ')}`,
      );

    run = {
      P1,
      P2,
      parcels,
      byOrder,
      decisions,
      inspected,
      onTimeP1: new Set(onTimeP1.map((d) => d.waybillKey)),
      onTimeP2: new Set(inP2.map((d) => d.waybillKey)),
      lateAmend: new Set(lateAmend.map((d) => d.waybillKey)),
      lateFirst: new Set(lateFirst.map((d) => d.waybillKey)),
      departures: [...depP1, ...depP2, ...depLate],
      expectedAtClose1,
      expectedAtClose2,
      summariesAfterClose1,
      summariesAtRepublish,
      serialBase,
    };
    const outcomes = [...decisions.values()].reduce<Record<string, number>>(
      (a, d) => ({ ...a, [d.value.outcome]: (a[d.value.outcome] ?? 0) + 1 }),
      {},
    );
    console.log(
      [
        `declaration acceptance run ${runId} (seed ${SEED}, invtNo serial base ${serialBase}), periods ${P1} / ${P2}`,
        `parcels ${parcels.length}: matched ${matched.length} (${Object.entries(outcomes)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}), ` +
          `inspections ${inspected.size}, export released ${released.length}: ${onTimeP1.length} in ${P1}, ${inP2.length} in ${P2}, ` +
          `${lateAmend.length} late into amendments, ${lateFirst.length} late as a first list`,
        `declarations: ${expectedAtClose1.size} at the close of ${P1}, ${expectedAtClose2.size} at the close of ${P2}`,
        ...timeline,
      ].join('\n'),
    );
    if (processes.retries.length > 0)
      console.warn(`service starts retried:\n${processes.retries.join('\n')}`);
  }

  // ------------------------------------------------------------------------------------ checks

  const expectedAll = () => new Map([...run.expectedAtClose1, ...run.expectedAtClose2]);
  const summaryByNo = () => new Map(summaries().map((s) => [s.value.declarationNo, s]));

  function compareDeclaration(
    problems: Problems,
    no: string,
    e: ExpectedDeclaration & { sequence: number },
    d: SummaryDeclaration | DeclarationView,
    where: string,
  ): void {
    const same = (field: string, got: unknown, want: unknown) =>
      problems.check(got === want, () => `${where} ${no} ${field}: ${String(got)}, recount ${String(want)}`);
    same('declarationKey', d.declarationKey, e.declarationKey);
    same('period', d.period, e.period);
    same('sequence', d.sequence, e.sequence);
    same('kind', d.kind, e.sequence === 0 ? 'ORIGINAL' : 'AMENDMENT');
    for (const [k, v] of Object.entries(e.header)) same(k, (d as unknown as Record<string, unknown>)[k], v);
    same('listCount', d.listCount, e.listCount);
    same('grossWeight', d.grossWeight, e.grossWeight);
    same('netWeight', d.netWeight, e.netWeight);
    same('totalFobCny', d.totalFobCny, e.totalFobCny);
    same('totalRebateCny', d.totalRebateCny, e.totalRebateCny);
    same('invtNos', [...d.invtNos].sort().join(','), e.invtNos.join(','));
    same('lines', d.lines.length, e.lines.length);
    e.lines.forEach((l, i) => {
      const got = d.lines[i];
      if (!got) return;
      const line = `line ${i + 1}`;
      same(`${line} lineNo`, got.lineNo, i + 1);
      for (const f of [
        'gcode',
        'unit',
        'currency',
        'unit1',
        'qty',
        'qty1',
        'totalPrice',
        'grossWeight',
        'netWeight',
        'listCount',
        'fobCny',
        'rebateRate',
        'rebateAmount',
      ] as const)
        same(`${line} (${l.gcode}) ${f}`, got[f], l[f]);
      problems.check(
        l.gnames.has(got.gname),
        () =>
          `${where} ${no} ${line}: gname ${got.gname} is none of the merged items' (${[...l.gnames].join(', ')})`,
      );
    });
    const { periodBounds } = D;
    const b = periodBounds(e.period);
    same('startTime', d.startTime, b.startTime);
    same('endTime', d.endTime, b.endTime);
  }

  it('declares every cleared export list of the run exactly once, in the period of its leaveTime, with totals equal to an independent recount', () => {
    const problems = new Problems();
    const expected = expectedAll();
    const got = summaries();
    const byNo = groupBy(got, (s) => s.value.declarationNo);
    for (const [no, e] of expected) {
      const ds = byNo.get(no) ?? [];
      problems.check(
        ds.length === 1,
        () =>
          `${no} (${e.declarationKey} ${e.period} #${e.sequence}): ${ds.length} records on ${Topics.summary.name}, want 1`,
      );
      if (ds[0]) {
        compareDeclaration(problems, no, e, ds[0].value, 'topic');
        problems.check(
          ds[0].key === e.declarationKey,
          () => `${no} keyed ${ds[0].key}, not by its declaration key`,
        );
      }
    }
    for (const no of byNo.keys())
      problems.check(
        expected.has(no),
        () =>
          `unexpected declaration ${no} (${byNo.get(no)![0].value.kind}, lists ${byNo.get(no)![0].value.invtNos.join(',')})`,
      );
    // every cleared export list of the run in exactly one declaration, of its own period
    const declaredIn = new Map<string, string[]>();
    for (const s of got)
      for (const n of s.value.invtNos)
        declaredIn.set(n, [...(declaredIn.get(n) ?? []), s.value.declarationNo]);
    const exportsCleared = cleared().filter((c) => c.value.manifest.ieFlag === 'E');
    for (const c of exportsCleared) {
      const where = declaredIn.get(c.value.invtNo) ?? [];
      problems.check(
        where.length === 1,
        () =>
          `list ${c.value.invtNo} (${c.value.waybillKey}) in ${where.length} declarations (${where.join(', ')})`,
      );
      const period = periodOfLeave(c.value.leaveTime, 'DAY');
      for (const no of where)
        problems.check(
          no.startsWith(`SD${period}`),
          () =>
            `list ${c.value.invtNo} left ${c.value.leaveTime}: declared in ${no}, not in period ${period}`,
        );
    }
    problems.check(
      declaredIn.size === exportsCleared.length,
      () => `${declaredIn.size} lists declared, ${exportsCleared.length} export lists cleared`,
    );
    // one declaration line record per cleared export list, keyed by its declaration key
    const lineCount = groupBy(lines(), (l) => l.value.invtNo);
    for (const c of exportsCleared) {
      const ls = lineCount.get(c.value.invtNo) ?? [];
      problems.check(
        ls.length === 1 &&
          ls[0].key === declarationKey(c.value.manifest) &&
          ls[0].value.period === periodOfLeave(c.value.leaveTime, 'DAY'),
        () =>
          `list ${c.value.invtNo}: ${ls.length} lines on ${Topics.declarationLine.name} (${ls.map((l) => `${l.key} ${l.value.period}`).join('; ')})`,
      );
    }
    const imports = cleared()
      .filter((c) => c.value.manifest.ieFlag !== 'E')
      .map((c) => c.value.invtNo);
    problems.check(
      imports.every((n) => !lineCount.has(n)),
      () => 'an import list got a declaration line',
    );
    expect(exportsCleared.length).toBeGreaterThan(20);
    problems.assertNone('declarations against the recount');
  });

  it('closes P1 with originals only; a P1 parcel departing after the close goes into an AMENDMENT of P1 (sequence 1) at the next close, never into P2', () => {
    const problems = new Problems();
    const all = summaries();
    const first = all.slice(0, run.summariesAfterClose1);
    problems.check(
      first.every((s) => s.value.period === run.P1 && s.value.kind === 'ORIGINAL' && s.value.sequence === 0),
      () =>
        `the first close declared ${first.map((s) => `${s.value.declarationNo} ${s.value.kind}`).join(', ')}`,
    );
    problems.check(
      first.length === run.expectedAtClose1.size,
      () => `${first.length} declarations at the first close, want ${run.expectedAtClose1.size}`,
    );
    const invtOf = (wk: string) =>
      run.decisions.get([...run.byOrder.values()].find((p) => p.waybillKey === wk)!.orderKey)!.value.invtNo;
    const byInvt = new Map(all.flatMap((s) => s.value.invtNos.map((n) => [n, s.value] as const)));
    for (const wk of run.lateAmend) {
      const d = byInvt.get(invtOf(wk));
      problems.check(
        d?.period === run.P1 && d.kind === 'AMENDMENT' && d.sequence === 1,
        () =>
          `late list ${wk}: declared in ${d ? `${d.declarationNo} ${d.period} ${d.kind} #${d.sequence}` : 'nothing'}, want an AMENDMENT #1 of ${run.P1}`,
      );
      if (d) {
        const original = all.find(
          (s) =>
            s.value.declarationKey === d.declarationKey &&
            s.value.period === run.P1 &&
            s.value.sequence === 0,
        );
        problems.check(
          !!original && !original.value.invtNos.includes(invtOf(wk)),
          () => `late list ${wk}: the original of its key ${original ? 'lists it' : 'is missing'}`,
        );
      }
    }
    for (const wk of run.lateFirst) {
      const d = byInvt.get(invtOf(wk));
      problems.check(
        d?.period === run.P1 && d.kind === 'AMENDMENT' && d.sequence === 1 && d.invtNos.length === 1,
        () =>
          `late first list of its key ${wk}: declared in ${d ? `${d.declarationNo} ${d.period} ${d.kind} #${d.sequence}` : 'nothing'}, want an AMENDMENT #1 of ${run.P1} at the second close (filed after the close, though the key had no original)`,
      );
    }
    // the re-published close (step 12) declared nothing
    problems.check(
      all.length === run.summariesAtRepublish,
      () =>
        `the re-published close of ${run.P2} declared ${all.length - run.summariesAtRepublish} more: ${all
          .slice(run.summariesAtRepublish)
          .map((s) => s.value.declarationNo)
          .join(', ')}`,
    );
    expect(run.lateAmend.size).toBeGreaterThan(0);
    problems.assertNone('original and amendment');
  });

  it('numbers declarations from key, period and sequence; the read model holds each under that number (the API and replay tests look them up by it)', async () => {
    const problems = new Problems();
    const { rows } = await pool!.query<{
      declaration_no: string;
      declaration_key: string;
      period: string;
      sequence: number;
      offset: string;
    }>(
      `SELECT declaration_no, declaration_key, period, sequence, "offset" FROM "${projectionSchema(prefix, 'declarations')}".declaration WHERE declaration_no = ANY($1::text[])`,
      [summaries().map((s) => s.value.declarationNo)],
    );
    const stored = new Map(rows.map((r) => [r.declaration_no, r]));
    for (const s of summaries()) {
      const r = stored.get(s.value.declarationNo);
      problems.check(
        !!r &&
          r.declaration_key === s.value.declarationKey &&
          r.period === s.value.period &&
          r.sequence === s.value.sequence &&
          Number(r.offset) === s.offset,
        () =>
          `read model ${s.value.declarationNo}: ${r ? `${r.declaration_key} ${r.period} #${r.sequence} @${r.offset}` : 'missing'}, topic ${s.value.declarationKey} ${s.value.period} #${s.value.sequence} @${s.offset}`,
      );
    }
    for (const s of summaries()) {
      const d = s.value;
      problems.check(
        /^SD\d{8}[0-9A-F]{12}\d{2}$/.test(d.declarationNo),
        () => `${d.declarationNo}: not SD + period + 12 hex + 2-digit sequence`,
      );
      problems.check(
        d.declarationNo === D.declarationNo(d.declarationKey, d.period, d.sequence),
        () => `${d.declarationNo} is not derived from (${d.declarationKey}, ${d.period}, ${d.sequence})`,
      );
      problems.check(
        d.declarationNo.startsWith(`SD${d.period}`) &&
          d.declarationNo.endsWith(String(d.sequence).padStart(2, '0')),
        () => `${d.declarationNo}: period/sequence not in the number`,
      );
    }
    // same key and period: the numbers differ only in the sequence
    for (const [, ds] of groupBy(summaries(), (s) => `${s.value.declarationKey}|${s.value.period}`)) {
      const stems = new Set(ds.map((s) => s.value.declarationNo.slice(0, -2)));
      problems.check(
        stems.size === 1,
        () => `one key and period, several stems: ${ds.map((s) => s.value.declarationNo).join(', ')}`,
      );
    }
    problems.assertNone('declaration numbers');
  });

  it('query API: serves every declaration of the run as declared, by number, by period and consignor, and as CSV', async () => {
    const problems = new Problems();
    const expected = expectedAll();
    const records = summaryByNo();
    for (const [no, e] of expected) {
      const res = await fetch(`${api!.url}/declarations/${no}`);
      problems.check(res.status === 200, () => `GET /declarations/${no}: ${res.status}`);
      if (res.status !== 200) continue;
      const view = (await res.json()) as DeclarationView;
      compareDeclaration(problems, no, e, view, 'API');
      const rec = records.get(no)?.value;
      if (rec) {
        problems.check(
          view.closedAt === new Date(rec.closedAt).toISOString(),
          () => `API ${no} closedAt ${view.closedAt}, record ${rec.closedAt}`,
        );
        problems.check(
          JSON.stringify(view.invtNos) === JSON.stringify(rec.invtNos),
          () => `API ${no} invtNos in another order than the record's`,
        );
      }
    }
    // by period and consignor (paged), and kind
    for (const [period, kind] of [
      [run.P1, 'AMENDMENT'],
      [run.P1, 'ORIGINAL'],
      [run.P2, 'ORIGINAL'],
    ] as const) {
      const want = [...expected].filter(
        ([, e]) => e.period === period && (e.sequence === 0) === (kind === 'ORIGINAL'),
      );
      for (const [consignor, ds] of groupBy(want, ([, e]) => e.header.ebcCode)) {
        const res = await fetch(
          `${api!.url}/declarations?period=${period}&consignor=${consignor}&kind=${kind}&limit=1000`,
        );
        const body = (await res.json()) as { total: number; items: DeclarationView[] };
        const got = new Set(body.items.map((d) => d.declarationNo));
        for (const [no] of ds)
          problems.check(
            got.has(no),
            () =>
              `GET /declarations?period=${period}&consignor=${consignor}&kind=${kind}: ${no} missing (${res.status}, ${body.total} found)`,
          );
        problems.check(
          body.items.every((d) => d.period === period && d.ebcCode === consignor && d.kind === kind),
          () => `GET /declarations?period=${period}&consignor=${consignor}&kind=${kind} returned others`,
        );
      }
    }
    // CSV: one row per line
    const [aNo, aDecl] = [...run.expectedAtClose2].find(([, e]) => e.sequence === 1)!;
    const csv = await (
      await fetch(
        `${api!.url}/declarations.csv?period=${run.P1}&consignor=${aDecl.header.ebcCode}&kind=AMENDMENT`,
      )
    ).text();
    const rows = csv.split('\r\n').filter((r) => r.includes(aNo));
    problems.check(
      rows.length === aDecl.lines.length,
      () => `CSV: ${rows.length} rows for ${aNo}, want one per line (${aDecl.lines.length})`,
    );
    problems.assertNone('query API declarations');
  });

  it("query API: serves each parcel's audit trail in the order the engine acted, ending in its final status", async () => {
    const problems = new Problems();
    const receiptsByOrder = groupBy(
      receipts().filter((r) => mineOrders.has(r.key)),
      (r) => r.key,
    );
    const manifests = new Map(
      collector!.get<Manifest>(Topics.manifest.name).map((m) => [m.value.orderKey, m]),
    );
    const clearedBy = new Map(cleared().map((c) => [c.value.orderKey, c]));
    const departed = new Set([...run.onTimeP1, ...run.onTimeP2, ...run.lateAmend, ...run.lateFirst]);
    const check = async (p: GeneratedParcel) => {
      const res = await fetch(
        `${api!.url}/parcels/by-order/${encodeURIComponent(p.order.ebpCode)}/${encodeURIComponent(p.order.orderNo)}`,
      );
      if (res.status !== 200) return problems.add(`GET /parcels/by-order ${p.orderKey}: ${res.status}`);
      const view = (await res.json()) as ParcelView;
      const d = run.decisions.get(p.orderKey)?.value;
      const result = run.inspected.get(p.waybillKey);
      const isDeparted = departed.has(p.waybillKey);
      let want: string;
      let story: string[] | undefined;
      if (p.expected.match !== 'MATCHED') want = '100';
      else if (!d) return problems.add(`${p.orderKey}: matched but no decision`);
      else {
        story = ['2', '120', DECISION_STATUS[d.outcome]];
        if (result) story.push(OUTCOME_STATUS[result]);
        if (isDeparted) story.push('899');
        want = story[story.length - 1];
      }
      problems.check(
        view.status.code === want,
        () =>
          `${p.orderKey} (${p.scenario}${d ? `, ${d.outcome}${result ? ` then ${result}` : ''}` : ''}): status ${view.status.code}, want ${want}`,
      );
      const events = view.events;
      const rs = events.filter((e) => e.kind === 'RECEIPT' && e.orderKey === p.orderKey);
      const at = (e: { source: { topic: string; partition: number; offset: number } }) =>
        `${e.source.topic}|${e.source.partition}|${e.source.offset}`;
      const wantReceipts = (receiptsByOrder.get(p.orderKey) ?? [])
        .map((r) => `${r.topic}|${r.partition}|${r.offset}`)
        .sort();
      problems.check(
        JSON.stringify(rs.map(at).sort()) === JSON.stringify(wantReceipts),
        () => `${p.orderKey}: trail has ${rs.length} receipts, the topic ${wantReceipts.length}`,
      );
      if (story) {
        const got = collapse(rs.map((e) => e.status ?? ''));
        problems.check(
          got.join(' ') === story.join(' '),
          () =>
            `${p.orderKey} (${p.scenario}, ${d!.outcome}${result ? ` then ${result}` : ''}): trail ${got.join(' ')}, want ${story!.join(' ')}`,
        );
        const one = (
          kind: string,
          rec: Collected | undefined,
          before: (e: (typeof events)[number]) => boolean,
        ) => {
          const es = events.filter((e) => e.kind === kind);
          problems.check(
            rec
              ? es.length === 1 && at(es[0]) === `${rec.topic}|${rec.partition}|${rec.offset}`
              : es.length === 0,
            () =>
              `${p.orderKey}: ${es.length} ${kind} events (${es.map(at).join(', ')}), want ${rec ? `the record at ${rec.topic}|${rec.partition}|${rec.offset}` : 'none'}`,
          );
          if (es.length === 1) {
            const i = events.indexOf(es[0]);
            const j = events.findIndex(before);
            problems.check(j < 0 || i < j, () => `${p.orderKey}: ${kind} after the receipts it caused`);
          }
        };
        one('MANIFEST', manifests.get(p.orderKey), (e) => e.kind === 'RECEIPT' && e.status === '120');
        one('DECISION', run.decisions.get(p.orderKey), (e) => e.kind === 'RECEIPT' && e.docType === 'LIST');
        one('CLEARED', clearedBy.get(p.orderKey), (e) => e.kind === 'RECEIPT' && e.status === '899');
        problems.check(
          view.decisions.length === 1 &&
            view.decisions[0].guid === d!.guid &&
            view.decisions[0].rules.length === d!.rulesFired.length,
          () =>
            `${p.orderKey}: decisions in the view ${JSON.stringify(view.decisions.map((x) => x.guid))}, want ${d!.guid}`,
        );
        problems.check(
          view.invtNo === d!.invtNo,
          () => `${p.orderKey}: invtNo ${view.invtNo}, want ${d!.invtNo}`,
        );
        // an import parcel's tax bill, equal to what the order declared (the generator declares the
        // bill to the fen); an export parcel has none
        const bill = view.taxBill;
        problems.check(
          p.ieFlag === 'I'
            ? bill !== null &&
                bill.invtNo === d!.invtNo &&
                (bill.status === 'INCOMPLETE' ||
                  D.normalizeDecimal(bill.taxTotal) === D.normalizeDecimal(p.order.taxTotal ?? '0'))
            : bill === null,
          () =>
            `${p.orderKey} (${p.ieFlag}): tax bill ${JSON.stringify(bill && { invtNo: bill.invtNo, status: bill.status, taxTotal: bill.taxTotal })}, declared ${p.order.taxTotal}`,
        );
      }
    };
    const queue = [...run.parcels];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) await check(p);
      }),
    );
    // by waybill: the same parcel
    const sample = [...run.lateAmend][0];
    const p = run.parcels.find((x) => x.waybillKey === sample)!;
    const byWaybill = (await (
      await fetch(
        `${api!.url}/parcels/by-waybill/${encodeURIComponent(p.waybill.logisticsCode)}/${encodeURIComponent(p.waybill.logisticsNo)}`,
      )
    ).json()) as ParcelView;
    problems.check(
      byWaybill.orderKey === p.orderKey && byWaybill.status.code === '899',
      () => `by waybill ${sample}: ${byWaybill.orderKey} ${byWaybill.status.code}`,
    );
    problems.assertNone('audit trails');
  });

  const facts = (): StatFact[] => [
    ...decisionRecords().map((d) => decidedFact(d.value)),
    ...cleared().map((c) => clearedFact(c.value, c.timestamp)),
  ];

  it('statistics tables hold exactly the facts of the topics for every list of the run (decided and cleared)', async () => {
    const problems = new Problems();
    const schema = projectionSchema(prefix, 'statistics');
    const mine = [...invtNos()];
    const q = async (table: string) =>
      (await pool!.query(`SELECT * FROM "${schema}"."${table}" WHERE invt_no = ANY($1::text[])`, [mine]))
        .rows as Record<string, unknown>[];
    const [lists, items, rules] = await Promise.all([q('stat_list'), q('stat_item'), q('stat_rule')]);
    // the projection started at the run: any other list is another producer's, during the run
    const others = await pool!.query(
      `SELECT invt_no FROM "${schema}".stat_list WHERE NOT invt_no = ANY($1::text[]) LIMIT 5`,
      [mine],
    );
    problems.check(
      others.rows.length === 0,
      () =>
        `lists of another producer in the run's statistics: ${others.rows.map((r) => r.invt_no).join(', ')}`,
    );
    const norm = (v: string) => D.formatDecimal(D.parseDecimal(v));
    const want = {
      lists: new Map<string, Record<string, unknown>>(),
      items: new Map<string, Record<string, unknown>>(),
      rules: new Map<string, Record<string, unknown>>(),
    };
    for (const f of facts()) {
      const m = f.manifest;
      const wk = waybillKeyOf(m);
      want.lists.set(`${f.basis}|${f.invtNo}|${wk}`, {
        basis: f.basis,
        invt_no: f.invtNo,
        waybill_key: wk,
        period: f.period,
        ie_flag: m.ieFlag,
        country: m.country,
        port_code: m.portCode,
        traf_mode: m.trafMode,
        trade_mode: m.tradeMode,
        ebp_code: m.ebpCode,
        logistics_code: m.logisticsCode,
        ebc_code: m.ebcCode,
        customs_code: m.customsCode,
        outcome: f.outcome,
        return_status: f.returnStatus,
        rule_set_version: f.ruleSetVersion,
        currency: m.currency,
        goods_value: norm(m.goodsValue),
        gross_weight: norm(m.grossWeight),
        event_time: String(f.eventTime),
      });
      for (const it of m.items)
        want.items.set(`${f.basis}|${f.invtNo}|${wk}|${it.gnum}`, {
          basis: f.basis,
          invt_no: f.invtNo,
          waybill_key: wk,
          gnum: it.gnum,
          gcode: it.gcode,
          chapter: it.gcode.slice(0, 2),
          heading: it.gcode.slice(0, 4),
          currency: it.currency,
          qty: norm(it.qty),
          total_price: norm(it.totalPrice),
        });
      f.rules.forEach((r, seq) =>
        want.rules.set(`${f.invtNo}|${wk}|${seq}`, {
          invt_no: f.invtNo,
          waybill_key: wk,
          seq,
          rule_id: r.ruleId,
          kind: r.kind,
          outcome: r.outcome,
        }),
      );
    }
    const compare = (
      table: string,
      rows: Record<string, unknown>[],
      key: (r: Record<string, unknown>) => string,
      expected: Map<string, Record<string, unknown>>,
    ) => {
      const got = new Map(rows.map((r) => [key(r), r]));
      for (const [k, w] of expected) {
        const g = got.get(k);
        if (!g) problems.add(`${table} ${k}: missing`);
        else
          for (const [c, v] of Object.entries(w))
            problems.check(
              String(g[c]) === String(v),
              () => `${table} ${k} ${c}: ${String(g[c])}, from the topic ${String(v)}`,
            );
      }
      for (const k of got.keys())
        problems.check(expected.has(k), () => `${table} ${k}: not a fact of the run's topics`);
    };
    compare('stat_list', lists, (r) => `${r.basis}|${r.invt_no}|${r.waybill_key}`, want.lists);
    compare('stat_item', items, (r) => `${r.basis}|${r.invt_no}|${r.waybill_key}|${r.gnum}`, want.items);
    compare('stat_rule', rules, (r) => `${r.invt_no}|${r.waybill_key}|${r.seq}`, want.rules);
    expect(want.lists.size).toBeGreaterThan(run.decisions.size);
    problems.assertNone('statistics facts');
  });

  it('query API statistics: counts and values by period, flow, country, HS chapter and heading, port, transport and trade mode, platform, carrier, consignor, customs, outcome and rule equal a recount', async () => {
    const problems = new Problems();
    const all = facts();
    const queries: Array<{
      basis: 'DECIDED' | 'CLEARED';
      dims: StatDimension[];
      filter?: [StatDimension, string];
    }> = [];
    for (const dim of STAT_DIMENSIONS) queries.push({ basis: 'DECIDED', dims: [dim] });
    for (const dim of STAT_DIMENSIONS.filter((d) => d !== 'rule'))
      queries.push({ basis: 'CLEARED', dims: [dim] });
    queries.push(
      { basis: 'DECIDED', dims: ['chapter', 'outcome'] },
      { basis: 'DECIDED', dims: ['country', 'trafMode', 'port'] },
      { basis: 'DECIDED', dims: ['outcome', 'rule'] },
    );
    queries.push(
      { basis: 'CLEARED', dims: ['period', 'consignor'] },
      { basis: 'CLEARED', dims: ['platform', 'carrier', 'heading'] },
    );
    const topConsignor = [
      ...groupBy(
        all.filter((f) => f.basis === 'CLEARED'),
        (f) => f.manifest.ebcCode,
      ),
    ].sort((a, b) => b[1].length - a[1].length)[0][0];
    queries.push({ basis: 'CLEARED', dims: ['heading'], filter: ['consignor', topConsignor] });
    const filterOf = (f: StatFact, [dim, v]: [StatDimension, string]) =>
      dim === 'consignor' ? f.manifest.ebcCode === v : true;
    let groupsChecked = 0;
    for (const q of queries) {
      const chosen = all.filter((f) => f.basis === q.basis && (!q.filter || filterOf(f, q.filter)));
      const want = aggregate(chosen, q.dims, refs);
      const url = `${api!.url}/statistics?basis=${q.basis.toLowerCase()}&dimension=${q.dims.join(',')}${q.filter ? `&${q.filter[0]}=${q.filter[1]}` : ''}`;
      const res = await fetch(url);
      if (res.status !== 200) {
        problems.add(`GET ${url}: ${res.status} ${await res.text()}`);
        continue;
      }
      const view = (await res.json()) as StatisticsView;
      const got = new Map(view.rows.map((r) => [q.dims.map((d) => String(r.keys[d])).join('|'), r]));
      const label = `${q.basis} by ${q.dims.join('×')}${q.filter ? ` (${q.filter.join('=')})` : ''}`;
      for (const [k, w] of want) {
        const g = got.get(k);
        groupsChecked++;
        if (!g) {
          problems.add(`${label} ${k}: missing (${JSON.stringify(w)})`);
          continue;
        }
        for (const f of ['lists', 'items', 'valueCny', 'grossWeight', 'unconvertedItems'] as const)
          problems.check(g[f] === w[f], () => `${label} ${k} ${f}: API ${g[f]}, recount ${w[f]}`);
      }
      for (const k of got.keys())
        problems.check(want.has(k), () => `${label} ${k}: in the API, not in the recount`);
      const total = aggregate(chosen, [], refs).get('')!;
      for (const f of ['lists', 'items', 'valueCny', 'grossWeight', 'unconvertedItems'] as const)
        problems.check(
          view.totals[f] === total[f],
          () => `${label} totals ${f}: API ${view.totals[f]}, recount ${total[f]}`,
        );
    }
    console.log(
      `statistics: ${queries.length} API queries, ${groupsChecked} groups compared with the recount`,
    );
    problems.assertNone('statistics by dimension');
  });

  /** Replays a projection from offset 0 into a fresh schema beside the live one (no swap). */
  async function replay(name: ProjectionName) {
    const r = await replayProjection({
      projection: name,
      ...env.kafka,
      pool: pool!,
      decoder: codecs,
      schemaPrefix: prefix,
      swap: false,
      progress: 'none',
      clientId: `${runId}-replay`,
      print: (line) => note(line),
    });
    durations[`replay ${name}`] = r.durationMs;
    return r;
  }

  const describeDiffs = (diffs: TableDiff[]) =>
    diffs
      .filter((d) => d.onlyA.length + d.onlyB.length > 0)
      .map(
        (d) =>
          `${d.table}: ${d.onlyA.length} rows only live, ${d.onlyB.length} only replay; e.g. ${JSON.stringify(d.onlyA[0] ?? d.onlyB[0]).slice(0, 400)}`,
      )
      .join('\n  ');

  it('replay: the declarations projection rebuilt from the whole log into a fresh schema equals the live tables row for row', async () => {
    const r = await replay('declarations');
    const live = projectionSchema(prefix, 'declarations');
    const tables = [...projectionByName('declarations').tables, 'projection_offset', 'projection_error'];
    const diffs = await compareSchemas(pool!, live, r.builtSchema, tables);
    console.log(
      `replay declarations: ${r.records} records in ${(r.durationMs / 1000).toFixed(1)} s; ${await rowCount(pool!, live, 'declaration')} declarations, ${await rowCount(pool!, live, 'declaration_line')} lines, live and rebuilt`,
    );
    const offsetsDiffer = diffs.filter(
      (d) => d.table === 'projection_offset' && d.onlyA.length + d.onlyB.length > 0,
    );
    if (offsetsDiffer.length > 0)
      throw new Error(
        `${Topics.summary.name} moved between the live projector's stop and the replay (another aggregator?): ${describeDiffs(offsetsDiffer)}`,
      );
    expect(describeDiffs(diffs)).toBe('');
    const ours = await pool!.query(
      `SELECT count(*)::int AS n FROM "${r.builtSchema}".declaration WHERE declaration_no = ANY($1::text[])`,
      [[...expectedAll().keys()]],
    );
    expect(ours.rows[0].n).toBe(expectedAll().size);
  }, 120_000);

  it("replay: the statistics projection rebuilt by replayProjection from a log of the run's records equals the live tables row for row", async () => {
    // The live statistics projection started at the run; replaying it from offset 0 of the shared
    // topics means reading every earlier run's decisions too (600 k records and growing: minutes).
    // The run's decisions and clearances, copied byte for byte (same keys, partitions, order and
    // timestamps) to topics of their own, are the log the live tables were built from: replayed
    // into a fresh schema (other batches, other interleaving of partitions) they must give the
    // same rows. DECLARATION_REPLAY_STATISTICS=full also replays the whole shared log.
    const partitions = await partitionCount(admin!, Topics.decision.name);
    const copies = {
      decision: `${runId}-copy.${Topics.decision.name}`,
      cleared: `${runId}-copy.${Topics.cleared.name}`,
    };
    await copyRecords(kafka, admin!, copies.decision, partitions, decisionRecords());
    await copyRecords(kafka, admin!, copies.cleared, partitions, cleared());
    const r = await replayProjection({
      projection: 'statistics',
      ...env.kafka,
      pool: pool!,
      decoder: codecs,
      schemaPrefix: prefix,
      topics: copies,
      swap: false,
      progress: 'none',
      clientId: `${runId}-replay-copy`,
      print: (line) => note(line),
    });
    durations["replay statistics (the run's records)"] = r.durationMs;
    const live = projectionSchema(prefix, 'statistics');
    const diffs = await compareSchemas(pool!, live, r.builtSchema, [
      ...projectionByName('statistics').tables,
      'projection_error',
    ]);
    console.log(
      `replay statistics from the run's records: ${r.records} records in ${(r.durationMs / 1000).toFixed(1)} s; ` +
        `rows ${JSON.stringify(r.rows)} live and rebuilt`,
    );
    expect(describeDiffs(diffs)).toBe('');
    expect(r.rows.stat_list).toBe(decisionRecords().length + cleared().length);
    // the copies hold the run's records only, in the partitions they came from
    const copied = Object.entries(r.offsets).reduce((a, [, n]) => a + n, 0);
    expect(copied).toBeGreaterThanOrEqual(decisionRecords().length + cleared().length);
  }, 120_000);

  it('replay (DECLARATION_REPLAY_STATISTICS=full): the statistics projection rebuilt from the whole shared log holds the live rows of every list of the run', async () => {
    if (!FULL_STATISTICS_REPLAY) {
      console.log('whole-log statistics replay not run (DECLARATION_REPLAY_STATISTICS=full to run it)');
      return;
    }
    const r = await replay('statistics');
    const live = projectionSchema(prefix, 'statistics');
    const mine = [...new Set(facts().map((f) => `${f.invtNo}|${waybillKeyOf(f.manifest)}`))];
    const diffs = await compareSchemas(
      pool!,
      live,
      r.builtSchema,
      ['stat_list', 'stat_item', 'stat_rule', 'exchange_rate', 'projection_error'],
      {
        tables: ['stat_list', 'stat_item', 'stat_rule'],
        columns: ['invt_no', 'waybill_key'],
        values: mine,
      },
    );
    const problems = new Problems();
    for (const d of diffs) {
      problems.check(
        d.onlyA.length === 0,
        () =>
          `${d.table}: ${d.onlyA.length} live rows not rebuilt, e.g. ${JSON.stringify(d.onlyA[0]).slice(0, 400)}`,
      );
      if (d.table !== 'projection_error')
        problems.check(
          d.onlyB.length === 0,
          () =>
            `${d.table}: ${d.onlyB.length} rebuilt rows not live, e.g. ${JSON.stringify(d.onlyB[0]).slice(0, 400)}`,
        );
    }
    const liveAt = await storedOffsets(pool!, live);
    for (const [tp, n] of liveAt)
      problems.check(
        (r.offsets[tp] ?? 0) >= n,
        () => `replay stopped at ${tp} ${r.offsets[tp]}, before the live projector (${n})`,
      );
    const rows = await pool!.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${r.builtSchema}".stat_list WHERE concat_ws('|', invt_no, waybill_key) = ANY($1::text[])`,
      [mine],
    );
    const liveFacts = await rowCount(pool!, live, 'stat_list');
    problems.check(
      rows.rows[0].n === liveFacts,
      () => `the rebuilt projection has ${rows.rows[0].n} facts of the run, the live one ${liveFacts}`,
    );
    console.log(
      `replay statistics: ${r.records} records (the whole log) in ${(r.durationMs / 1000).toFixed(1)} s; ${rows.rows[0].n} facts of the run's lists identical live and rebuilt; rebuilt stat_list ${r.rows.stat_list} rows in all`,
    );
    problems.assertNone('statistics replay');
  }, 600_000);

  it('ran as intended: no other engine processed the run (one list, decision, clearance, receipt each), services alive until stopped, nothing undecodable, durations', () => {
    const problems = new Problems();
    const twice = <T>(what: string, records: ReadonlyArray<Collected<T>>, key: (v: T) => string) => {
      const n = new Map<string, number>();
      for (const r of records) n.set(key(r.value), (n.get(key(r.value)) ?? 0) + 1);
      const dup = [...n].filter(([, c]) => c > 1);
      problems.check(
        dup.length === 0,
        () =>
          `${dup.length} ${what} more than once (another engine processed the run's records?): ${dup
            .slice(0, 3)
            .map(([k, c]) => `${k} ×${c}`)
            .join(', ')}`,
      );
    };
    twice('lists for one order', collector!.get<Manifest>(Topics.manifest.name), (m) => m.orderKey);
    twice('decisions for one waybill', decisionRecords(), (d) => d.waybillKey);
    twice('clearances of one waybill', cleared(), (c) => c.waybillKey);
    twice('receipts with one guid', receipts(), (r) => r.guid);
    const died = processes!.died(stopped);
    problems.check(died.length === 0, () => `services died:\n${died.join('\n')}`);
    problems.check(
      collector!.decodeErrors.length === 0,
      () => `undecodable records: ${collector!.decodeErrors.slice(0, 3).join('; ')}`,
    );
    // list numbers: 4-digit customs, year, I/E, 2-digit task, 7-digit serial from the seeded base
    const numbers = [...invtNos()];
    const low = numbers.filter((n) => Number(n.slice(-7)) < run.serialBase);
    problems.check(
      numbers.length > 0 && low.length === 0,
      () => `invtNos below the seeded serial base ${run.serialBase}: ${low.slice(0, 5).join(', ')}`,
    );
    console.log(`durations (ms): ${JSON.stringify(durations, null, 1)}`);
    problems.assertNone('run');
  });
});
