/**
 * Acceptance test of the clearance pipeline on the real stack (Kafka, schema registry): matcher,
 * risk and lifecycle run as their own Node processes (as on Kubernetes), fed by a few thousand
 * generated parcels whose documents arrive shuffled, duplicated, changed, deleted, invalid and
 * undecodable; a rule set is replaced mid-run; a matcher and a risk instance are SIGKILLed while
 * the load flows and restarted; officers' inspection results and carriers' departures finish the
 * parcels. Everything is reconciled, parcel by parcel, with what the generator expects, from the
 * committed output topics (read-committed), as a downstream consumer sees them.
 *
 * Isolation on shared, fixed topic names: application / group ids unique to the run, the groups
 * started at the end of what the topics held before the run, a fresh generator seed (order
 * numbers carry a run tag derived from it), a rule-set key of the run's own, and every
 * assertion filtered to the run's keys. Another engine consuming the same topics makes the run
 * meaningless (it would process these documents too), so the test refuses to start then.
 *
 * Knobs: PIPELINE_PARCELS (3000), PIPELINE_PACE (parcels per second produced, 100),
 * PIPELINE_SEED (random), PIPELINE_LOG_LEVEL (services' log level, warn),
 * PIPELINE_STRICT_EVENT_ORDER (default 1: documents processed out of event-time order fail the run;
 * 0: such parcels are reported, and listed as deviations where that changed the outcome).
 * See README.md.
 */
import { randomInt } from 'node:crypto';
import {
  Topics,
  buyerKey,
  dlqTopic,
  waybillKey,
  type ClearedParcel,
  type Decision,
  type Manifest,
  type InspectionOutcome,
  type Receipt,
  type RuleSet,
  type TaxBill,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import {
  ParcelGenerator,
  REALISTIC_ERRORS,
  chinaTime14,
  departures,
  inEventTimeOrder,
  inspectionResult,
  loadReferenceData,
  type ErrorRates,
  type GeneratedDeparture,
  type GeneratedParcel,
  type TimedSend,
} from '@clearance/generator';
import { eventually, foreignConsumers, uniqueName } from '@clearance/testing';
import { BatchProducer, provisionRunPrincipals, publishReference, type RunPrincipals } from '@clearance/cli';
import {
  binomial,
  collapse,
  countBy,
  groupBy,
  processingOrder,
  Problems,
  sleep,
  type ProcessingOrder,
} from './support/checks';
import { Collector } from './support/collector';

import { internalTopics, pipelineIds, Services } from './support/services';
import {
  connectStack,
  createTopicsAndWait,
  dropRunArtifacts,
  endOffsets,
  partitionCount,
  startGroupsAt,
  type Stack,
} from './support/stack';
import { tickParcels } from './support/ticks';

const intEnv = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number.parseInt(v, 10);
};

const PARCELS = intEnv('PIPELINE_PARCELS', 3000);
/** Parcels per second of wall clock while producing: the kills happen while the load flows. */
const PACE = intEnv('PIPELINE_PACE', 100);
const SEED = intEnv('PIPELINE_SEED', randomInt(1, 2 ** 31 - 1));
/** Parcels generated after the scenario's, for the rule-set probe and the stream-time ticks. */
const SPARES = 400;

/** Event-time shape: a parcel's documents within 1 min, follow-ups within 2 min, noise at most 1 min early. */
const DOCUMENT_DELAY_MS = 60_000;
const FOLLOW_UP_MS = 120_000;
/** The matcher's window, far wider than any parcel's spread (≤ 4 min) yet short enough to tick past. */
const WINDOW_HOURS = 0.25;
const WINDOW_MS = WINDOW_HOURS * 3_600_000;
const TIMER_RESOLUTION_MS = 10_000;

/** REALISTIC_ERRORS with the rare kinds raised so each occurs several times in a few thousand parcels. */
const ERRORS: ErrorRates = {
  ...REALISTIC_ERRORS,
  missingDocument: 0.006,
  deletion: 0.006,
  prohibited: 0.004,
  restrictedNoLicence: 0.003,
  gradeD: 0.004,
  watchlist: 0.003,
  currencyMismatch: 0.002,
  weightInvalid: 0.002,
  unknownEnterprise: 0.003,
  overSingleLimit: 0.01,
  duplicate: 0.03,
  invalidDocument: 0.01,
  undecodable: 0.01,
  keyMismatch: 0.01,
};

/** Sampling rates of the rule set published mid-run: high enough for a sharp rate check. */
const V2_SAMPLING = { A: '0.1', B: '0.25' };

const RANK: Record<string, number> = { RELEASE: 0, INSPECT: 1, HOLD: 2, REJECT: 3 };
const DECISION_STATUS: Record<string, string> = {
  RELEASE: '800',
  INSPECT: '500',
  HOLD: '300',
  REJECT: '100',
};
const OUTCOME_STATUS: Record<InspectionOutcome, string> = { PASS: '800', RETURN: '700', SEIZE: '501' };
/** Reasons of a 100 that answers one rejected send (noise), not the case. */
const SEND_LEVEL_REASONS = new Set([
  'INVALID_GUID',
  'INVALID_APP_TYPE',
  'INVALID_APP_TIME',
  'INVALID_APP_STATUS',
  'INVALID_DECIMAL',
  'INVALID_ORDER_TYPE',
  'INVALID_IE_FLAG',
  'INVALID_FIELD',
  'MISSING_FIELD',
  'INVALID_ITEMS',
  'KEY_MISMATCH',
  'ALREADY_DECIDED',
  'CASE_CLOSED',
  'NOTHING_TO_DELETE',
  '-101',
  'UNDECODABLE',
]);

const DOCUMENT_TOPICS = [Topics.order.name, Topics.payment.name, Topics.waybill.name];
const LIFECYCLE_INPUTS = [Topics.decision.name, Topics.inspection.name, Topics.departureLine.name];
const SERVICE_INPUTS = [...DOCUMENT_TOPICS, Topics.manifest.name, ...LIFECYCLE_INPUTS, Topics.departure.name];
const OTHER_DLQS = [
  Topics.manifest.name,
  Topics.decision.name,
  Topics.inspection.name,
  Topics.departureLine.name,
  Topics.departure.name,
].map(dlqTopic);

interface Kill {
  service: string;
  /** Sends produced when it was killed, of all. */
  produced: number;
  of: number;
  /** The run's outputs seen when it was killed (lists for the matcher, decisions for risk). */
  progress: number;
  expected: number;
  restartMs: number;
}

interface Run {
  /** Other engines' consumer groups on the pipeline topics at the end of the run. */
  foreignAtEnd: string[];
  parcels: GeneratedParcel[];
  secondHalf: Set<string>;
  v1: RuleSet;
  v2: RuleSet;
  kills: Kill[];
  inspected: Map<string, InspectionOutcome>;
  departures: GeneratedDeparture[];
  released: Set<string>;
}

describe('clearance pipeline on the real stack: matcher -> risk -> lifecycle as processes', () => {
  const runId = uniqueName('pipeline');
  const ids = pipelineIds(runId);
  const ruleSetKey = `${runId}-rules`;
  /** The run's consumer groups: the services' and the collector's. */
  const ownGroups = [...Object.values(ids), `${runId}-reader`];
  const started = Date.now();
  const timeline: string[] = [];
  const note = (what: string) =>
    timeline.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${what}`);

  let stack: Stack | undefined;
  let services: Services | undefined;
  let principals: RunPrincipals | undefined;
  let collector: Collector | undefined;
  let producer: BatchProducer | undefined;
  let run: Run;

  // what the run keeps from the shared output topics
  const mine = new Set<string>();
  const reference = loadReferenceData();
  const refs = D.riskRefsFrom({ enterprises: reference.enterprises });

  const decisionsOf = (parcels: ReadonlyArray<GeneratedParcel>) => {
    const keys = new Set(parcels.map((p) => p.orderKey));
    return collector!.get<Decision>(Topics.decision.name).filter((r) => keys.has(r.value.orderKey));
  };
  const receipts = () => collector!.get<Receipt>(Topics.receipt.name);

  beforeAll(async () => {
    try {
      await runScenario();
    } catch (e) {
      const err = e as Error;
      const foreign = stack
        ? await foreignConsumers(stack.admin, SERVICE_INPUTS, ownGroups).catch(() => [])
        : [];
      if (foreign.length > 0)
        err.message = `another clearance engine consumes the pipeline topics now (${foreign.map((f) => f.groupId).join(', ')}): it processes this run's documents too, which explains missing or foreign outputs.\n${err.message}`;
      err.message = `${err.message}\n\ntimeline:\n${timeline.join('\n')}\n\n${services?.tails() ?? ''}`;
      throw err;
    }
  }, 330_000);

  /** Waits until `missing()` is empty; on timeout names what is still missing. */
  const waitForAll = (what: string, missing: () => string[], timeoutMs = 120_000) =>
    eventually(
      what,
      () => {
        const m = missing();
        if (m.length === 0) return true;
        throw new Error(`${m.length} still missing, e.g. ${m.slice(0, 5).join('; ')}`);
      },
      timeoutMs,
      250,
    );

  async function runScenario(): Promise<void> {
    stack = await connectStack(runId);
    const { kafka, admin, codecs } = stack;
    const partitions = await partitionCount(admin, Topics.order.name);

    // 0. nobody else may process this run's documents
    const foreign = await foreignConsumers(admin, SERVICE_INPUTS, ownGroups);
    if (foreign.length > 0)
      throw new Error(
        `another clearance engine consumes the pipeline topics (${foreign
          .map((f) => `group ${f.groupId}: ${f.members} member(s) on ${f.topics.join(', ')}`)
          .join(
            '; ',
          )}). It would process this test's documents too and put a second list, decision and receipts ` +
          `for each parcel on the shared topics. Stop it (the \`npm start\` engine, another pipeline test or bench run on this broker) and run again.`,
      );

    // 1. reference data, and the run's own rule set (v1) under its own key
    await publishReference(kafka, codecs, () => undefined);
    const v1: RuleSet = {
      ...reference.ruleSet,
      version: `${runId}.v1`,
      publishedAt: chinaTime14(Date.now()),
    };
    const v2: RuleSet = {
      ...reference.ruleSet,
      version: `${runId}.v2`,
      samplingRates: { ...reference.ruleSet.samplingRates, ...V2_SAMPLING },
    };
    producer = new BatchProducer(kafka, codecs);
    await producer.connect();
    await producer.add(Topics.ruleSet, ruleSetKey, v1);
    await producer.flush();

    // 2. where the run starts on every topic it reads or writes
    const collected = [
      Topics.manifest.name,
      Topics.taxBill.name,
      Topics.decision.name,
      Topics.receipt.name,
      Topics.cleared.name,
      ...DOCUMENT_TOPICS.map(dlqTopic),
      ...OTHER_DLQS,
    ];
    const from = await endOffsets(admin, [...new Set([...SERVICE_INPUTS, ...collected])]);
    await startGroupsAt(
      kafka,
      `${runId}-start`,
      [
        { groupId: ids.matcher, topics: DOCUMENT_TOPICS },
        { groupId: ids.risk, topics: [Topics.manifest.name] },
        { groupId: ids.lifecycle, topics: LIFECYCLE_INPUTS },
        { groupId: ids.splitter, topics: [Topics.departure.name] },
      ],
      from,
    );

    // 3. the traffic: event times from now on, one generator (keys unique within the run)
    const gen = new ParcelGenerator({
      seed: SEED,
      startTime: Date.now(),
      errors: ERRORS,
      maxDocumentDelayMs: DOCUMENT_DELAY_MS,
      followUpDelayMs: FOLLOW_UP_MS,
    });
    // The halves are sent one after the other, so their event times must not overlap: a second
    // half starting inside the first one's tail of late documents would put records with earlier
    // timestamps behind later ones in every partition, and no merge by timestamp can undo that
    // (it showed as parcels processed out of event-time order around the boundary). The probes
    // go out between the halves, so they come between them in event time too.
    const lastEvent = (ps: GeneratedParcel[]) =>
      Math.max(...ps.flatMap((p) => p.sends.map((s) => s.timestamp)));
    const half = Math.floor(PARCELS / 2);
    const firstHalf = gen.take(half);
    gen.advancePast(lastEvent(firstHalf));
    const spares = gen.take(SPARES);
    const clean = spares.filter(
      (p) => p.scenario === 'NONE' && p.noise.length === 0 && p.expected.match === 'MATCHED',
    );
    const probes = clean.slice(0, 5);
    gen.advancePast(lastEvent(probes));
    const parcels = [...firstHalf, ...gen.take(PARCELS - half)];
    const ticks = tickParcels(
      spares.filter((p) => !probes.includes(p)),
      partitions,
    );
    for (const p of [...parcels, ...probes]) {
      mine.add(p.orderKey);
      mine.add(p.waybillKey);
      if (p.ieFlag === 'I' && p.order.buyerIdType && p.order.buyerIdNumber)
        mine.add(buyerKey(p.order.buyerIdType, p.order.buyerIdNumber));
    }
    const sendsA = [...inEventTimeOrder(parcels.slice(0, half))];
    const sendsB = [...inEventTimeOrder(parcels.slice(half))];
    const total = sendsA.length + sendsB.length;
    note(
      `seed ${SEED}: ${PARCELS} parcels, ${total} sends (${sendsA.length} + ${sendsB.length}), ${partitions} partitions`,
    );

    collector = new Collector(
      kafka,
      admin,
      `${runId}-reader`,
      collected.map((topic) => {
        const spec = [Topics.manifest, Topics.taxBill, Topics.decision, Topics.receipt, Topics.cleared].find(
          (t) => t.name === topic,
        );
        return spec
          ? {
              topic,
              decode: (b: Buffer | null, w: { partition: number; offset: string }) =>
                codecs.decode(spec as never, b, w),
            }
          : { topic };
      }),
      (_topic, key) => mine.has(key),
    );
    await collector.start(from);

    // 4. the services, ids of the run; the groups start where the topics ended before the run
    const serviceEnv: Record<string, string> = {
      ...stack.env.kafkaEnv,
      SCHEMA_REGISTRY_URL: stack.env.schemaRegistryUrl,
      PARTITIONS: String(partitions),
      AUTO_OFFSET_RESET: 'earliest',
      LOG_LEVEL: process.env.PIPELINE_LOG_LEVEL ?? 'warn',
      MATCHER_APPLICATION_ID: ids.matcher,
      MATCH_WINDOW_HOURS: String(WINDOW_HOURS),
      MATCH_TIMER_RESOLUTION_MS: String(TIMER_RESOLUTION_MS),
      RISK_APPLICATION_ID: ids.risk,
      RISK_RULE_SET_KEY: ruleSetKey,
      LIFECYCLE_APPLICATION_ID: ids.lifecycle,
      DEPARTURE_SPLITTER_APPLICATION_ID: ids.splitter,
    };
    await createTopicsAndWait(admin, internalTopics(serviceEnv, partitions));
    // each service as its own principal with exactly the ACLs its processors need (this run's ids)
    principals = await provisionRunPrincipals(
      admin,
      serviceEnv,
      ['matcher', 'risk', 'lifecycle'],
      `${runId}-`,
    );
    note(
      `principals: ${principals.principals.map((p) => `${p.name} (${p.rules.length} ACL rules)`).join(', ')}`,
    );
    services = new Services(serviceEnv, (env, name) => principals!.envFor(env, name));
    await Promise.all([services.start('matcher'), services.start('risk'), services.start('lifecycle')]);
    note('matcher, risk and lifecycle ready');

    // 5. the load, paced; SIGKILL the matcher at 1/3 of the sends and risk at 2/3
    const sendRate = (PACE * total) / PARCELS;
    const kills: Kill[] = [];
    let produced = 0;
    let paceStart = 0;
    let paceCount = 0;
    const firstProduceAt = Date.now();
    const crash = async (service: 'matcher' | 'risk', progress: () => number, expected: number) => {
      const at = Date.now();
      const kill: Kill = { service, produced, of: total, progress: progress(), expected, restartMs: 0 };
      kills.push(kill);
      note(
        `SIGKILL ${service} (${produced}/${total} sends produced, ${kill.progress}/${expected} of its outputs seen)`,
      );
      const restarted = services!.crashAndRestart(service).then(() => {
        kill.restartMs = Date.now() - at;
        note(`${service} restarted and ready after ${(kill.restartMs / 1000).toFixed(1)} s`);
      });
      return restarted;
    };
    const matched = parcels.filter((p) => p.expected.match === 'MATCHED').length;
    const produce = async (sends: TimedSend[], killAt?: { at: number; kill: () => Promise<void> }) => {
      paceStart = Date.now();
      paceCount = 0;
      let pending: Promise<void> | undefined;
      for (const s of sends) {
        const due = paceStart + (paceCount / sendRate) * 1000;
        const wait = due - Date.now();
        if (wait > 5) {
          await producer!.flush();
          await sleep(wait);
        }
        await producer!.addSend(s);
        produced++;
        paceCount++;
        if (killAt && produced === killAt.at) {
          await producer!.flush();
          pending = killAt.kill();
        }
      }
      await producer!.flush();
      return pending;
    };

    const matcherBack = await produce(sendsA, {
      at: Math.ceil(total / 3),
      kill: () => crash('matcher', () => collector!.get<Manifest>(Topics.manifest.name).length, matched),
    });
    note(`first half produced (${sendsA.length} sends)`);

    // 6. rule set v2 between the halves; B starts once risk is seen deciding with it
    await producer.add(Topics.ruleSet, ruleSetKey, { ...v2, publishedAt: chinaTime14(Date.now()) });
    await producer.flush();
    note(`rule set ${v2.version} published under ${ruleSetKey}`);
    await matcherBack;
    const seesV2 = () =>
      collector!.get<Decision>(Topics.decision.name).some((d) => d.value.ruleSetVersion === v2.version);
    for (const probe of probes) {
      if (seesV2()) break;
      for (const send of probe.sends) await producer.addSend({ parcel: probe, send });
      await producer.flush();
      await eventually(
        `a decision for probe ${probe.orderKey} or one naming ${v2.version}`,
        () => (seesV2() || decisionsOf([probe]).length > 0 ? true : undefined),
        90_000,
        100,
      );
    }
    if (!seesV2())
      throw new Error(
        `no decision names ${v2.version} after ${probes.length} probe parcels: risk does not apply a new rule set`,
      );
    note(`a decision names ${v2.version}: second half starts`);

    const riskBack = await produce(sendsB, {
      at: Math.ceil((2 * total) / 3),
      kill: () => crash('risk', () => decisionsOf(parcels).length, matched),
    });
    note(`second half produced (${sendsB.length} sends)`);

    // 7. stream time past every deadline: one order per partition, timestamped after the window
    const lastEventTime = Math.max(
      ...parcels.flatMap((p) => p.sends.map((s) => s.timestamp)),
      ...probes.flatMap((p) => p.sends.map((s) => s.timestamp)),
    );
    const tickAt = lastEventTime + WINDOW_MS + 2 * TIMER_RESOLUTION_MS + 60_000;
    for (const t of ticks) await producer.add(Topics.order, t.orderKey, t.order, tickAt);
    await producer.flush();
    note(
      `${ticks.length} stream-time ticks produced at event time +${((tickAt - lastEventTime) / 60_000).toFixed(1)} min`,
    );
    await riskBack;

    // 8. every parcel settled: matched ones decided, failed cases answered with their final 100
    //    (either counts: a parcel whose documents were processed out of order may end otherwise)
    const failed = parcels.filter((p) => p.expected.match !== 'MATCHED');
    const finalReasons = new Set(['MATCH_TIMEOUT', 'CASE_WITHDRAWN', ...failedReasons]);
    await waitForAll(
      `a decision for each of ${matched} matched parcels and a final 100 for each of ${failed.length} failed cases`,
      () => {
        const settled = new Set(decisionsOf(parcels).map((d) => d.value.orderKey));
        for (const r of receipts())
          if (r.value.returnStatus === '100' && r.value.reasons.some((x) => finalReasons.has(x.code)))
            settled.add(r.key);
        return parcels
          .filter((p) => !settled.has(p.orderKey))
          .map((p) => `${p.orderKey} (${p.scenario}, ${p.expected.match})`);
      },
    );
    const decisions = decisionsOf(parcels);
    const lastDecisionSeen = Math.max(...decisions.map((d) => d.seenAt));
    note(`all ${matched} matched parcels decided (last decision seen)`);

    // 9. lifecycle has every decision: officers answer the inspected and held ones
    const decided = new Map(decisions.map((d) => [d.value.waybillKey, d.value]));
    await waitForAll('the lifecycle receipt of every decision', () => {
      const got = groupBy(
        receipts().filter((r) => r.value.docType === 'LIST'),
        (r) => r.key,
      );
      return [...decided.values()]
        .filter((d) => !(got.get(d.orderKey) ?? []).some((r) => r.value.invtNo === d.invtNo))
        .map(
          (d) =>
            `${d.orderKey} ${d.outcome} list ${d.invtNo}${got.has(d.orderKey) ? ` (receipts name list(s) ${[...new Set(got.get(d.orderKey)!.map((r) => r.value.invtNo))].join(', ')}: another engine's decision?)` : ''}`,
        );
    });
    const inspected = new Map<string, InspectionOutcome>();
    const turn: InspectionOutcome[] = ['PASS', 'RETURN', 'SEIZE'];
    const toInspect = [...decided.values()]
      .filter((d) => d.outcome === 'INSPECT' || d.outcome === 'HOLD')
      .sort((a, b) => a.waybillKey.localeCompare(b.waybillKey));
    for (const d of toInspect) {
      const outcome = turn[inspected.size % turn.length];
      inspected.set(d.waybillKey, outcome);
      const at = d.decidedAt + 10 * 60_000;
      const result = inspectionResult(d.manifest, outcome, {
        at,
        ...(outcome === 'SEIZE' ? { detentionCode: '501' as const } : {}),
      });
      await producer.add(Topics.inspection, waybillKey(result), result, at);
    }
    await producer.flush();
    note(`${inspected.size} inspection results produced`);
    await waitForAll('the receipt of every inspection result', () => {
      const got = new Set(
        receipts()
          .filter((r) => r.value.docType === 'INSPECTION')
          .map((r) => `${r.value.logisticsCode}:${r.value.logisticsNo}`),
      );
      return [...inspected].filter(([k]) => !got.has(k)).map(([k, o]) => `${k} ${o}`);
    });

    // 10. carriers report the departures of every released parcel
    const byWaybill = new Map(parcels.map((p) => [p.waybillKey, p]));
    const releasedDecisions = [...decided.values()].filter(
      (d) => d.outcome === 'RELEASE' || inspected.get(d.waybillKey) === 'PASS',
    );
    const deps = departures(
      releasedDecisions.map((d) => ({
        waybill: byWaybill.get(d.waybillKey)!.waybill,
        releasedAt: d.decidedAt + 10 * 60_000,
      })),
      {
        maxLinesPerMessage: 100,
        leaveTime: (g) => g.lastReleasedAt + 30 * 60_000,
        reportDelayMs: () => 5 * 60_000,
      },
    );
    for (const dep of deps) mine.add(dep.key);
    for (const dep of deps) await producer.add(Topics.departure, dep.key, dep.value, dep.timestamp);
    await producer.flush();
    note(`${deps.length} departure messages for ${releasedDecisions.length} released parcels produced`);
    await waitForAll(
      `a cleared parcel for each of ${releasedDecisions.length} released and departed parcels`,
      () => {
        const got = new Set(
          collector!.get<ClearedParcel>(Topics.cleared.name).map((c) => c.value.waybillKey),
        );
        return releasedDecisions
          .filter((d) => !got.has(d.waybillKey))
          .map((d) => `${d.waybillKey} (${d.outcome})`);
      },
    );
    note('every released parcel cleared');

    // 11. everything committed so far has been read
    await collector.catchUp(60_000);
    note('collector caught up with the output topics');

    const elapsed = (lastDecisionSeen - firstProduceAt) / 1000;
    console.log(
      [
        `pipeline acceptance run ${runId} (seed ${SEED})`,
        ...timeline,
        `end-to-end: ${PARCELS} parcels in ${elapsed.toFixed(1)} s from the first produce to the last decision seen = ` +
          `${(PARCELS / elapsed).toFixed(0)} parcels/s (${(total / elapsed) | 0} documents/s), produced at ${PACE} parcels/s, ` +
          `including the matcher and risk restarts (${kills.map((k) => `${k.service} ${(k.restartMs / 1000).toFixed(1)} s`).join(', ')})`,
        `peak decision rate: ${peakRate(
          decisions.map((d) => d.seenAt),
          5_000,
        ).toFixed(0)} parcels/s over 5 s`,
      ].join('\n'),
    );

    const foreignAtEnd = await foreignConsumers(admin, SERVICE_INPUTS, ownGroups);
    run = {
      foreignAtEnd: foreignAtEnd.map((f) => `${f.groupId} (${f.topics.join(', ')})`),
      parcels,
      secondHalf: new Set(parcels.slice(half).map((p) => p.orderKey)),
      v1,
      v2,
      kills,
      inspected,
      departures: deps,
      released: new Set(releasedDecisions.map((d) => d.waybillKey)),
    };
  }

  /** Reason codes a failed case's final 100 names (for waiting only; the checks are exact). */
  const failedReasons = [
    'AMOUNT_MISMATCH',
    'ITEM_TOTAL_MISMATCH',
    'GOODS_VALUE_MISMATCH',
    'CURRENCY_MISMATCH',
    'CONSIGNEE_MISMATCH',
    'BUYER_PAYER_MISMATCH',
    'WEIGHT_INVALID',
    'ENTERPRISE_NOT_ON_FILE',
    'ENTERPRISE_GRADE_D',
  ];

  afterAll(async () => {
    await collector?.stop();
    await producer?.disconnect().catch(() => undefined);
    await services?.stopAll();
    if (stack && principals) await principals.remove().catch(() => undefined);
    if (stack) {
      await dropRunArtifacts(stack.admin, `${runId}-`, ownGroups).catch(() => undefined);
      await stack.close();
    }
  }, 120_000);

  const expectedOf = (p: GeneratedParcel) => p.expected;

  /**
   * The generator's expectations assume each parcel's documents are processed in event-time
   * order (the order they were produced in). The three document topics are separate logs, so
   * only the matcher can keep that order, by merging a task's partitions by timestamp. Where it
   * did not (read from the parcel's receipts), an order-sensitive scenario (a deletion, a fix
   * before the match) may legitimately end differently. The matcher's runtime merges them by
   * timestamp, and the input is produced in timestamp order per partition (the halves do not
   * overlap in event time); the rare parcels still reordered (see README) are reported, and
   * listed as deviations where that changed the outcome; strict by default (PIPELINE_STRICT_EVENT_ORDER=0: only reported), fails the
   * run on any.
   */
  const strictOrder = process.env.PIPELINE_STRICT_EVENT_ORDER !== '0';
  const deviations = new Map<string, string[]>();
  let analysed: { order: Map<string, ProcessingOrder>; byCase: Map<string, Receipt[]> } | undefined;
  const analysis = () => {
    if (analysed) return analysed;
    const byCase = new Map<string, Receipt[]>();
    for (const [k, rs] of groupBy(receipts(), (r) => r.key))
      byCase.set(
        k,
        [...rs].sort((a, b) => a.offset - b.offset).map((r) => r.value),
      );
    const order = new Map(
      run.parcels.map((p) => [p.orderKey, processingOrder(p.sends, byCase.get(p.orderKey) ?? [])]),
    );
    return (analysed = { order, byCase });
  };
  const receiptsOf = (orderKey: string) => analysis().byCase.get(orderKey) ?? [];
  const outOfOrder = (p: GeneratedParcel) => !analysis().order.get(p.orderKey)!.inOrder;
  /** A failed expectation: a deviation when the parcel's documents were processed out of event-time order, else a problem. */
  const expectFor = (problems: Problems, p: GeneratedParcel, ok: boolean, what: () => string) => {
    if (ok) return;
    if (outOfOrder(p) && !strictOrder) {
      const o = analysis().order.get(p.orderKey)!;
      const list = deviations.get(p.orderKey) ?? [];
      list.push(
        `${what()} — processed ${o.observed.map((k) => k.split(':')[0]).join(' > ')}, sent ${o.expected.map((k) => k.split(':')[0]).join(' > ')}`,
      );
      deviations.set(p.orderKey, list);
    } else problems.check(false, what);
  };
  const describeReceipts = (rs: ReadonlyArray<Receipt>) =>
    rs
      .map((r) => `${r.returnStatus}${r.reasons.length ? `[${r.reasons.map((x) => x.code).join('+')}]` : ''}`)
      .join(' ');

  it('covers what it should: every kind of error, both rule-set versions, inspections, crashes mid-run', () => {
    const { parcels } = run;
    const sends = parcels.flatMap((p) => p.sends);
    const by = countBy(parcels, (p) => expectedOf(p).match);
    const scen = countBy(parcels, (p) => p.scenario);
    const kinds = countBy(sends, (s) => `${s.role}/${s.expect}`);
    const problems = new Problems();
    const atLeast = (what: string, n: number, min = 1) =>
      problems.check(n >= min, () => `${what}: ${n}, want at least ${min}`);
    atLeast('matched parcels', by.get('MATCHED') ?? 0, PARCELS * 0.9);
    atLeast('rejected cases', by.get('REJECTED') ?? 0, 3);
    atLeast('timed-out cases', by.get('TIMED_OUT') ?? 0, 3);
    atLeast('withdrawn cases', by.get('WITHDRAWN') ?? 0, 2);
    atLeast('prohibited goods', scen.get('PROHIBITED') ?? 0, 2);
    atLeast('grade-D sellers', scen.get('GRADE_D') ?? 0, 2);
    atLeast('undecodable sends', kinds.get('UNDECODABLE/DEAD_LETTER') ?? 0, 3);
    atLeast('invalid sends', kinds.get('INVALID/REJECTED') ?? 0, 3);
    atLeast('wrong-key sends', kinds.get('WRONG_KEY/REJECTED') ?? 0, 3);
    atLeast('duplicate sends', kinds.get('DUPLICATE/IGNORED') ?? 0, 3);
    atLeast('changes', kinds.get('CHANGE/APPLIED') ?? 0, 2);
    const outcomes = countBy(run.inspected.values(), (o) => o);
    for (const o of ['PASS', 'RETURN', 'SEIZE']) atLeast(`inspection results ${o}`, outcomes.get(o) ?? 0, 2);
    atLeast('departure messages', run.departures.length, 2);
    for (const k of run.kills) {
      // killed while its input was flowing and its output not complete: a crash mid-run
      problems.check(
        k.produced > 0 && k.produced < k.of,
        () => `${k.service} killed at ${k.produced}/${k.of} sends: not while producing`,
      );
      problems.check(
        k.progress < k.expected,
        () => `${k.service} killed after all its outputs (${k.progress}/${k.expected}): not mid-run`,
      );
    }
    problems.check(
      run.foreignAtEnd.length === 0,
      () =>
        `another clearance engine started during the run and processed its documents too (${run.foreignAtEnd.join('; ')}): the results are not this run's alone`,
    );
    problems.check(run.kills.length === 2, () => `${run.kills.length} kills, want 2`);
    problems.check(
      services!.unexpectedExits().length === 0,
      () => `services died on their own:\n${services!.unexpectedExits().join('\n')}`,
    );
    problems.check(
      collector!.decodeErrors.length === 0,
      () => `undecodable output records:\n${collector!.decodeErrors.slice(0, 5).join('\n')}`,
    );
    if (services!.startRetries.length > 0)
      console.warn(`service starts retried (topic-creation race):\n${services!.startRetries.join('\n')}`);
    problems.assertNone('scenario coverage');
  });

  it('gives every matched parcel exactly one list and one decision, every list exactly one decision', () => {
    const { parcels } = run;
    const keys = new Set(parcels.map((p) => p.orderKey));
    const manifests = collector!
      .get<Manifest>(Topics.manifest.name)
      .filter((m) => keys.has(m.value.orderKey));
    const decisions = decisionsOf(parcels);
    const lists = countBy(manifests, (m) => m.value.orderKey);
    const decided = countBy(decisions, (d) => d.value.orderKey);
    const problems = new Problems();
    for (const p of parcels) {
      const n = lists.get(p.orderKey) ?? 0;
      const want = expectedOf(p).match === 'MATCHED' ? 1 : 0;
      // exactly once, whatever the order: never two lists, one decision per list
      problems.check(
        n <= 1,
        () =>
          `${p.orderKey} (${p.scenario}): ${n} lists (${manifests
            .filter((m) => m.value.orderKey === p.orderKey)
            .map((m) => `${m.value.invtNo} @${m.partition}:${m.offset}`)
            .join(', ')})`,
      );
      problems.check(
        (decided.get(p.orderKey) ?? 0) === n,
        () =>
          `${p.orderKey} (${p.scenario}): ${decided.get(p.orderKey) ?? 0} decisions for ${n} list(s)${
            (decided.get(p.orderKey) ?? 0) > 1
              ? ` (${decisions
                  .filter((d) => d.value.orderKey === p.orderKey)
                  .map((d) => `${d.value.invtNo} ${d.value.ruleSetVersion} @${d.partition}:${d.offset}`)
                  .join(', ')})`
              : ''
          }`,
      );
      expectFor(
        problems,
        p,
        n === want,
        () => `${p.orderKey} (${p.scenario}, expected ${expectedOf(p).match}): ${n} lists, want ${want}`,
      );
    }
    for (const d of decisions)
      problems.check(
        d.key === d.value.waybillKey,
        () => `decision of ${d.value.orderKey} keyed ${d.key}, not by its waybill key ${d.value.waybillKey}`,
      );
    problems.check(
      new Set(manifests.map((m) => m.value.invtNo)).size === manifests.length,
      () => `invtNo not unique across ${manifests.length} lists`,
    );
    problems.check(
      decisions.length === manifests.length,
      () => `${decisions.length} decisions on ${Topics.decision.name} for ${manifests.length} lists`,
    );
    problems.assertNone('one list and one decision per matched parcel');
  });

  it("gives every import list exactly one tax bill, keyed by its waybill, agreeing with the order's declared tax; exports none", () => {
    const keys = new Set(run.parcels.map((p) => p.orderKey));
    const manifests = collector!
      .get<Manifest>(Topics.manifest.name)
      .filter((m) => keys.has(m.value.orderKey));
    const bills = collector!.get<TaxBill>(Topics.taxBill.name).filter((b) => keys.has(b.value.orderKey));
    const billsOf = countBy(bills, (b) => b.value.invtNo);
    const problems = new Problems();
    let imports = 0;
    for (const m of manifests) {
      const n = billsOf.get(m.value.invtNo) ?? 0;
      if (m.value.ieFlag === 'I') imports++;
      problems.check(
        n === (m.value.ieFlag === 'I' ? 1 : 0),
        () => `${m.value.orderKey} (${m.value.ieFlag}, list ${m.value.invtNo}): ${n} tax bills`,
      );
    }
    for (const b of bills) {
      problems.check(b.key === b.value.waybillKey, () => `tax bill of ${b.value.invtNo} keyed ${b.key}`);
      // prohibited goods have no rates (INCOMPLETE); every other bill agrees with the order to the fen
      problems.check(
        b.value.status === 'INCOMPLETE' ||
          (b.value.status === 'OK' && b.value.taxTotal === b.value.declaredTaxTotal),
        () =>
          `tax bill of ${b.value.invtNo}: ${b.value.status}, computed ${b.value.taxTotal}, declared ${b.value.declaredTaxTotal}`,
      );
    }
    problems.check(imports === 0 || bills.length > 0, () => `${imports} import lists and no tax bill`);
    problems.assertNone('one tax bill per import list');
  });

  it('answers every invalid document with a 100 naming the expected reason, every failed case with its reasons', () => {
    const problems = new Problems();
    let rejectedSends = 0;
    for (const p of run.parcels) {
      const rs = receiptsOf(p.orderKey);
      const ex = expectedOf(p);
      if (ex.match === 'REJECTED' || ex.match === 'TIMED_OUT') {
        const final = rs.filter(
          (r) => r.returnStatus === '100' && ex.reasons.every((c) => r.reasons.some((x) => x.code === c)),
        );
        expectFor(
          problems,
          p,
          final.length > 0,
          () =>
            `${p.orderKey} ${ex.code}: no 100 naming ${ex.reasons.join('+')} (receipts: ${describeReceipts(rs)})`,
        );
      }
      if (ex.match === 'WITHDRAWN')
        expectFor(
          problems,
          p,
          rs.some((r) => r.returnStatus === '100' && r.reasons.some((x) => x.code === 'CASE_WITHDRAWN')),
          () => `${p.orderKey} ${ex.code}: no 100 CASE_WITHDRAWN (receipts: ${describeReceipts(rs)})`,
        );
      for (const s of p.sends.filter((x) => x.expect === 'REJECTED')) {
        rejectedSends++;
        const want = s.rejectReason === 'INVALID_DOCUMENT' ? s.detail : s.rejectReason;
        const answers = rs.filter(
          (r) =>
            r.docGuid === s.value.guid &&
            r.docType === s.doc &&
            r.returnStatus === '100' &&
            r.reasons.some((x) => x.code === want),
        );
        // invalid and wrong-key documents are refused whatever the case's state; a late delete depends on it
        const ok = answers.length === 1;
        const what = () =>
          `${p.orderKey} ${s.role} ${s.doc} ${s.value.guid}: ${answers.length} receipts 100 ${want}, want 1 (receipts: ${describeReceipts(rs)})`;
        if (want === 'ALREADY_DECIDED') expectFor(problems, p, ok, what);
        else problems.check(ok, what);
      }
    }
    expect(rejectedSends).toBeGreaterThan(0);
    problems.assertNone('receipts 100 for invalid documents and failed cases');
  });

  it('dead-letters every undecodable send on <topic>.dlq with its bytes, and nothing else of the run anywhere', () => {
    const garbage = run.parcels.flatMap((p) => p.sends).filter((s) => s.garbage);
    expect(garbage.length).toBeGreaterThan(0);
    const dlq = DOCUMENT_TOPICS.flatMap((t) => collector!.get(dlqTopic(t)));
    const problems = new Problems();
    problems.check(
      dlq.length === garbage.length,
      () => `${dlq.length} records of the run on the document DLQs, ${garbage.length} undecodable sends`,
    );
    const onDlq = countBy(dlq, (r) => `${r.topic}|${r.key}|${r.bytes?.toString('hex')}`);
    for (const s of garbage) {
      const k = `${dlqTopic(s.topic)}|${s.key}|${Buffer.from(s.garbage!).toString('hex')}`;
      problems.check(
        onDlq.get(k) === 1,
        () =>
          `${s.key} ${s.doc} (undecodable): ${onDlq.get(k) ?? 0} records on ${dlqTopic(s.topic)} with its bytes, want 1`,
      );
    }
    for (const t of OTHER_DLQS) {
      const there = collector!.get(t);
      problems.check(
        there.length === 0,
        () =>
          `${there.length} records of the run on ${t}: ${there
            .slice(0, 3)
            .map((r) => `${r.key} (${r.headers['dlq.reason'] ?? '?'})`)
            .join('; ')}`,
      );
    }
    // the platform of an undecodable order is known from the key: one 100 UNDECODABLE each
    const undecodable = receipts().filter((r) => r.value.reasons.some((x) => x.code === 'UNDECODABLE'));
    const orders = garbage.filter((s) => s.doc === 'ORDER');
    const perOrder = countBy(
      undecodable.filter((r) => r.value.docType === 'ORDER'),
      (r) => r.key,
    );
    for (const s of orders)
      problems.check(
        perOrder.get(s.key) === 1,
        () => `${s.key}: ${perOrder.get(s.key) ?? 0} receipts 100 UNDECODABLE to the platform, want 1`,
      );
    problems.check(
      undecodable.length <= garbage.length,
      () => `${undecodable.length} UNDECODABLE receipts for ${garbage.length} undecodable sends`,
    );
    problems.assertNone('dead letters');
  });

  it('reconciles receipt counts with what was sent, and sends no receipt twice (exactly once across the crashes)', () => {
    const keys = new Set(run.parcels.map((p) => p.orderKey));
    // the run's parcels (order or waybill key) and departures; not the rule-set probes
    const ours = new Set([
      ...keys,
      ...run.parcels.map((p) => p.waybillKey),
      ...run.departures.map((d) => d.key),
    ]);
    const rs = receipts().filter((r) => ours.has(r.key));
    const problems = new Problems();
    const guids = countBy(rs, (r) => r.value.guid);
    for (const [g, n] of guids)
      if (n > 1)
        problems.add(
          `receipt ${g} on ${Topics.receipt.name} ${n} times: ${rs
            .filter((r) => r.value.guid === g)
            .map((r) => `${r.key} ${r.value.returnStatus} ${r.value.participant} @${r.partition}:${r.offset}`)
            .join(', ')}`,
        );
    const decisions = decisionsOf(run.parcels).map((d) => d.value);
    const listed = new Set(collector!.get<Manifest>(Topics.manifest.name).map((m) => m.value.orderKey));
    for (const p of run.parcels) {
      const mineRs = receiptsOf(p.orderKey);
      const matched = countBy(
        mineRs.filter((r) => r.returnStatus === '120'),
        (r) => r.participant,
      );
      if (listed.has(p.orderKey)) {
        for (const who of ['EBP', 'EBC', 'PAYER', 'CARRIER'])
          problems.check(
            matched.get(who) === 1,
            () => `${p.orderKey}: ${matched.get(who) ?? 0} receipts 120 to ${who}, want 1`,
          );
      } else problems.check(matched.size === 0, () => `${p.orderKey} (no list): receipts 120 sent`);
      // a duplicate send (same guid) is answered once at most
      for (const s of p.sends.filter((x) => x.expect === 'IGNORED')) {
        const answers = countBy(
          mineRs.filter((r) => r.docGuid === s.value.guid && r.docType === s.doc && r.returnStatus === '2'),
          (r) => r.participant,
        );
        for (const [who, n] of answers)
          problems.check(
            n <= 1,
            () => `${p.orderKey} ${s.doc} ${s.value.guid} sent twice: ${n} receipts 2 to ${who}`,
          );
      }
    }
    for (const d of decisions) {
      const onList = receiptsOf(d.orderKey).filter((r) => r.docType === 'LIST');
      const got = countBy(onList, (r) => `${r.participant}:${r.returnStatus}`);
      for (const who of ['EBP', 'EBC', 'CARRIER'])
        problems.check(
          got.get(`${who}:${DECISION_STATUS[d.outcome]}`) === 1 &&
            onList.filter((r) => r.participant === who).length === 1,
          () =>
            `${d.orderKey} ${d.outcome}: decision receipts to ${who}: ${
              onList
                .filter((r) => r.participant === who)
                .map((r) => r.returnStatus)
                .join(',') || 'none'
            }, want one ${DECISION_STATUS[d.outcome]}`,
        );
    }
    const count = (status: string, docType: string) =>
      rs.filter((r) => keys.has(r.key) && r.value.returnStatus === status && r.value.docType === docType)
        .length;
    const all120 = rs.filter((r) => keys.has(r.key) && r.value.returnStatus === '120').length;
    problems.check(
      all120 === 4 * decisions.length,
      () => `receipts 120: ${all120}, want 4 per list (${4 * decisions.length})`,
    );
    const onLists = rs.filter((r) => keys.has(r.key) && r.value.docType === 'LIST').length;
    problems.check(
      onLists === 3 * decisions.length,
      () => `decision receipts: ${onLists}, want 3 per decision (${3 * decisions.length})`,
    );
    const outcomes = countBy(run.inspected.values(), (o) => o);
    for (const [o, status] of Object.entries(OUTCOME_STATUS)) {
      const n = outcomes.get(o) ?? 0;
      problems.check(
        count(status, 'INSPECTION') === 3 * n,
        () =>
          `receipts ${status} for inspection results ${o}: ${count(status, 'INSPECTION')}, want 3 per result (${3 * n})`,
      );
    }
    problems.check(
      count('899', 'DEPARTURE') === 3 * run.released.size,
      () =>
        `receipts 899: ${count('899', 'DEPARTURE')}, want 3 per released and departed parcel (${3 * run.released.size})`,
    );
    // the carrier's receipt for each departure message
    const depReceipts = countBy(
      rs.filter((r) => r.value.docType === 'DEPARTURE' && r.value.returnStatus === '2'),
      (r) => r.value.docGuid ?? '',
    );
    for (const dep of run.departures)
      problems.check(
        depReceipts.get(dep.value.guid) === 1,
        () =>
          `departure ${dep.key} ${dep.value.msgSeqNo}/${dep.value.msgCount}: ${depReceipts.get(dep.value.guid) ?? 0} receipts 2 to the carrier, want 1`,
      );
    problems.assertNone('receipt counts');
  });

  it('screens by the rules: prohibited goods REJECTed naming the rule, grade-D sellers INSPECTed, every expected rule fired', () => {
    const decisions = new Map(decisionsOf(run.parcels).map((d) => [d.value.orderKey, d.value]));
    const byCase = groupBy(receipts(), (r) => r.key);
    const problems = new Problems();
    let prohibited = 0;
    let gradeD = 0;
    for (const p of run.parcels) {
      const d = decisions.get(p.orderKey);
      const risk = expectedOf(p).risk;
      if (!d || !risk) continue;
      const fired = d.rulesFired.map((h) => h.kind);
      problems.check(
        RANK[d.outcome] >= RANK[risk.outcome],
        () => `${p.orderKey} (${p.scenario}): ${d.outcome}, want at least ${risk.outcome}`,
      );
      for (const k of risk.rules)
        problems.check(
          fired.includes(k),
          () => `${p.orderKey} (${p.scenario}): rule ${k} did not fire (${fired.join(', ') || 'none'})`,
        );
      if (p.scenario === 'PROHIBITED') {
        prohibited++;
        problems.check(
          d.outcome === 'REJECT' &&
            d.rulesFired.some((h) => h.kind === 'NEGATIVE_LIST_PROHIBITED' && h.outcome === 'REJECT'),
          () =>
            `${p.orderKey} prohibited goods: ${d.outcome} (${fired.join(', ')}), want REJECT by NEGATIVE_LIST_PROHIBITED`,
        );
        const refusal = (byCase.get(p.orderKey) ?? [])
          .map((r) => r.value)
          .filter((r) => r.docType === 'LIST' && r.returnStatus === '100');
        problems.check(
          refusal.length === 3 &&
            refusal.every((r) => r.reasons.some((x) => x.code === 'NEGATIVE_LIST_PROHIBITED')),
          () =>
            `${p.orderKey} prohibited goods: the 100 receipts do not name NEGATIVE_LIST_PROHIBITED (${refusal.map((r) => r.reasons.map((x) => x.code).join('+')).join('; ')})`,
        );
      }
      const grade = D.samplingGrade(d.manifest, refs, 'EBC');
      if (grade === 'D') {
        gradeD++;
        problems.check(
          d.outcome === 'INSPECT' && fired.includes('ENTERPRISE_GRADE_D'),
          () =>
            `${p.orderKey} seller ${d.manifest.ebcCode} grade D: ${d.outcome} (${fired.join(', ')}), want INSPECT by ENTERPRISE_GRADE_D`,
        );
      }
    }
    problems.check(prohibited > 0, () => 'no parcel with prohibited goods was decided');
    problems.check(gradeD > 0, () => 'no parcel of a grade-D seller was decided');
    problems.assertNone('risk rules');
  });

  it('applies the rule set published mid-run without a restart: every decision names a published version, the second half the new one', () => {
    const { v1, v2 } = run;
    const problems = new Problems();
    const decisions = decisionsOf(run.parcels).map((d) => d.value);
    const versions = countBy(decisions, (d) => d.ruleSetVersion);
    for (const d of decisions) {
      problems.check(
        d.ruleSetVersion === v1.version || d.ruleSetVersion === v2.version,
        () => `${d.orderKey}: decided by ${d.ruleSetVersion}, published were ${v1.version} and ${v2.version}`,
      );
      if (run.secondHalf.has(d.orderKey))
        problems.check(
          d.ruleSetVersion === v2.version,
          () =>
            `${d.orderKey} (second half, after ${v2.version} was in force): decided by ${d.ruleSetVersion}`,
        );
    }
    problems.check(
      (versions.get(v1.version) ?? 0) > 0,
      () => `no decision by ${v1.version} (${[...versions].join(', ')})`,
    );
    problems.assertNone('rule-set versions');
  });

  it('samples each grade at its rule set rate (4 sigma), deterministically from the order key and version', () => {
    const { v1, v2 } = run;
    const sets = new Map([v1, v2].map((s) => [s.version, s]));
    const problems = new Problems();
    const tally = new Map<string, { n: number; k: number; rate: number }>();
    for (const d of decisionsOf(run.parcels).map((r) => r.value)) {
      const set = sets.get(d.ruleSetVersion);
      if (!set) continue;
      const grade = D.samplingGrade(d.manifest, refs, 'EBC');
      const rate = set.samplingRates[grade] ?? set.samplingRates.UNKNOWN ?? '0';
      const sampledHere = d.rulesFired.some((h) => h.kind === 'SAMPLING');
      problems.check(
        sampledHere === D.sampled(d.orderKey, d.ruleSetVersion, rate),
        () =>
          `${d.orderKey} grade ${grade} under ${d.ruleSetVersion}: SAMPLING ${sampledHere ? 'fired' : 'did not fire'}, the hash says ${sampledHere ? 'not' : 'it should'}`,
      );
      if (d.rulesFired.some((h) => h.kind !== 'SAMPLING')) continue; // only parcels no other rule touched
      const k = `${d.ruleSetVersion}|${grade}`;
      const t = tally.get(k) ?? { n: 0, k: 0, rate: Number(rate) };
      t.n++;
      if (sampledHere) t.k++;
      tally.set(k, t);
    }
    const lines: string[] = [];
    let sharp = 0;
    for (const [key, t] of [...tally].sort()) {
      const b = binomial(t.n, t.k, t.rate, 4);
      lines.push(
        `${key}: ${t.k}/${t.n} sampled = ${((100 * t.k) / Math.max(1, t.n)).toFixed(2)} %, rate ${(100 * t.rate).toFixed(2)} % (expected ${b.expected.toFixed(1)} ± ${(4 * b.sd).toFixed(1)})${b.meaningful ? '' : ' [sample too small to judge]'}`,
      );
      if (!b.meaningful) continue;
      if (key.startsWith(`${v2.version}|`)) sharp++;
      problems.check(
        b.ok,
        () =>
          `${key}: ${t.k} of ${t.n} sampled, expected ${b.expected.toFixed(1)} ± ${(4 * b.sd).toFixed(1)} at rate ${t.rate}`,
      );
    }
    console.log(`sampling among parcels no other rule touched:\n  ${lines.join('\n  ')}`);
    problems.check(
      sharp > 0,
      () => `no grade had a sample large enough to judge under ${v2.version}:\n  ${lines.join('\n  ')}`,
    );
    problems.assertNone('sampling rates');
  });

  it('drives inspected and released parcels to 899 / 700 / 501: cleared holds exactly the released and departed ones', () => {
    const problems = new Problems();
    const decisions = decisionsOf(run.parcels).map((d) => d.value);
    const waybills = new Set(run.parcels.map((p) => p.waybillKey));
    const cleared = collector!.get<ClearedParcel>(Topics.cleared.name).filter((c) => waybills.has(c.key));
    const clearedCount = countBy(cleared, (c) => c.value.waybillKey);
    const byCase = groupBy(receipts(), (r) => r.key);
    for (const d of decisions) {
      const statuses = new Set((byCase.get(d.orderKey) ?? []).map((r) => r.value.returnStatus));
      const result = run.inspected.get(d.waybillKey);
      const released = run.released.has(d.waybillKey);
      problems.check(
        (clearedCount.get(d.waybillKey) ?? 0) === (released ? 1 : 0),
        () =>
          `${d.waybillKey} (${d.outcome}${result ? ` then ${result}` : ''}): ${clearedCount.get(d.waybillKey) ?? 0} cleared records, want ${released ? 1 : 0}`,
      );
      const final =
        d.outcome === 'REJECT'
          ? '100'
          : result
            ? result === 'PASS'
              ? '899'
              : OUTCOME_STATUS[result]
            : '899';
      problems.check(
        statuses.has(final),
        () => `${d.orderKey} (${d.outcome}${result ? ` then ${result}` : ''}): no receipt ${final}`,
      );
      if (final !== '899')
        problems.check(
          !statuses.has('899'),
          () =>
            `${d.orderKey} (${d.outcome}${result ? ` then ${result}` : ''}): cleared (899) though not released`,
        );
    }
    for (const c of cleared)
      problems.check(
        run.released.has(c.value.waybillKey),
        () => `${c.value.waybillKey}: cleared but never released and departed`,
      );
    problems.check(
      cleared.length === run.released.size,
      () =>
        `${cleared.length} records on ${Topics.cleared.name}, ${run.released.size} parcels released and departed`,
    );
    problems.check(
      new Set(cleared.map((c) => c.value.invtNo)).size === cleared.length,
      () => 'a list cleared twice',
    );
    problems.assertNone('final states');
  });

  it("tells each parcel's whole story in its receipts, in order: 2 … 120 … 800/500 … 899, or the failure", () => {
    const decisions = new Map(decisionsOf(run.parcels).map((d) => [d.value.orderKey, d.value]));
    const problems = new Problems();
    for (const p of run.parcels) {
      const ex = expectedOf(p);
      const interim = new Set<string>(ex.interimReasons);
      const rs = receiptsOf(p.orderKey);
      const story = collapse(
        rs
          .filter(
            (r) =>
              !(
                r.returnStatus === '100' &&
                r.docType !== 'LIST' &&
                r.reasons.length > 0 &&
                r.reasons.every((x) => SEND_LEVEL_REASONS.has(x.code) || interim.has(x.code))
              ),
          )
          .map((r) => r.returnStatus),
      );
      let want: string[];
      const d = decisions.get(p.orderKey);
      if (ex.match !== 'MATCHED') want = ['2', '100'];
      else if (!d) want = ['2', '120', '(decision)'];
      else {
        const result = run.inspected.get(d.waybillKey);
        want = ['2', '120', DECISION_STATUS[d.outcome]];
        if (result === 'PASS') want.push('800', '899');
        else if (result) want.push(OUTCOME_STATUS[result]);
        else if (d.outcome === 'RELEASE') want.push('899');
      }
      const result = d ? run.inspected.get(d.waybillKey) : undefined;
      expectFor(
        problems,
        p,
        story.join(' ') === want.join(' '),
        () =>
          `${p.orderKey} (${p.scenario}${p.noise.length ? ` + ${p.noise.join(',')}` : ''}${d ? `, ${d.outcome}${result ? ` then ${result}` : ''}` : ''}): story ${story.join(' ')}, want ${want.join(' ')} (receipts: ${describeReceipts(rs)})`,
      );
    }
    problems.assertNone('receipt stories');
  });

  it("processes each parcel's documents in event-time order (strict; PIPELINE_STRICT_EVENT_ORDER=0: reported only)", () => {
    const reordered = run.parcels.filter((p) => outOfOrder(p));
    if (reordered.length === 0) return;
    const lines = [...deviations].map(([k, what]) => `${k}: ${what.join('; ')}`);
    const sentAt = (p: GeneratedParcel) =>
      new Map(p.sends.map((s) => [`${s.doc}:${s.value.guid}`, s.timestamp]));
    const orders = reordered.slice(0, 10).map((p) => {
      const o = analysis().order.get(p.orderKey)!;
      const at = sentAt(p);
      const t0 = Math.min(...at.values());
      const show = (ks: string[]) => ks.map((k) => `${k.split(':')[0]}@+${at.get(k)! - t0}ms`).join(' > ');
      const sends = p.sends.map((x) => `${x.doc}/${x.expect}@+${x.timestamp - t0}`).join(' ');
      const rs = receiptsOf(p.orderKey)
        .map((r) => `${r.docType}:${r.returnStatus}${r.docGuid === null ? '' : `:${r.docGuid.slice(-4)}`}`)
        .join(' ');
      return `${p.orderKey}: processed ${show(o.observed)}, event time ${show(o.expected)}; sends ${sends}; receipts ${rs}`;
    });
    console.warn(
      `${reordered.length} of ${run.parcels.length} parcels had their documents processed in another order than their event time; ` +
        `${deviations.size} of them ended otherwise than in event-time order:\n  ${[...orders, ...lines.slice(0, 30)].join('\n  ')}`,
    );
    if (strictOrder) expect(reordered.map((p) => `${p.orderKey} (${p.scenario})`)).toEqual([]);
  });
});

/** Highest count of `times` within any `windowMs`, per second. */
function peakRate(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] > windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return (best * 1000) / windowMs;
}
