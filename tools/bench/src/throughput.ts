/**
 * Throughput and latency of the pipeline on the real stack: matcher and risk (and optionally
 * lifecycle) as their own processes with application ids unique to the run, N generated parcels
 * sent as fast as possible (or paced), every decision timed by a read-committed reader.
 */
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Topics, type Decision, type Manifest } from '@clearance/contracts';
import { processUsage, TopicWatcher } from '@clearance/cli';
import { DecisionLog, waitForDecisions } from './decisions';
import { DOCUMENT_TOPICS, prepareLoad, sendLoad } from './load';
import { brokerPids, busySeconds, cpuSecondsOf, loadAverage, machineTicks } from './machine';
import { runtimeFigures, type RuntimeFigures } from './service-metrics';
import { ServiceSet, type InstanceReport } from './services';
import {
  createInternalTopics,
  dropRunArtifacts,
  endOffsets,
  newRunId,
  otherEngines,
  publishRunRuleSet,
  serviceEnv,
  startGroupsAtEnd,
  totalOf,
  type BenchService,
  type BenchStack,
} from './setup';
import { round, summarize, type LatencySummary } from './stats';

export interface ThroughputOptions {
  parcels: number;
  /** Parcels per second (paced); 0 = as fast as possible. */
  rate: number;
  errors: 'none' | 'realistic';
  seed?: number;
  /** Spread of one parcel's documents in event time, ms. */
  documentSpreadMs: number;
  lifecycle: boolean;
  /** Instances of each service. */
  instances: number;
  /** Extra environment for every service (MAX_RECORDS_PER_TRANSACTION, CONCURRENT_TASKS, ...). */
  env: Record<string, string>;
  /** Give up waiting for missing decisions after this long without a new one. */
  idleTimeoutMs: number;
  keep: boolean;
  /** Also read the lists (clearance.manifest.v1): latency of the matcher's hop alone. */
  hops?: boolean;
  /** Write CPU profiles of the measured window of every service instance here. */
  cpuProfileDir?: string;
}

export interface ThroughputResult {
  runId: string;
  mode: 'max' | 'paced';
  parcels: number;
  records: number;
  seed: number;
  errors: 'none' | 'realistic';
  targetRate: number;
  produce: { seconds: number; parcelsPerSecond: number; recordsPerSecond: number; megabytes: number };
  decisions: {
    expected: number;
    decided: number;
    missing: number;
    duplicates: number;
    unexpected: number;
    /** Decisions of other parcels, or of these parcels by another engine (another rule set version), seen during the run. */
    foreign: number;
  };
  /** Parcels decided / (last decision − first produce), per second. */
  parcelsPerSecond: number;
  /** Decisions per second between the 10th and 90th percentile decision. */
  sustainedParcelsPerSecond: number;
  /** Last decision − first produce, s. */
  seconds: number;
  /** Last decision after the last document was acknowledged, s (the backlog left when producing ended). */
  drainSeconds: number;
  latencyMs: LatencySummary;
  /** Latency of the parcels decided after the first 15 s (JIT, broker and group warm-up left out). */
  latencyMsAfterWarmup: LatencySummary;
  /** With --hops: from the last document to the list on clearance.manifest.v1 (the matcher's hop). */
  manifestLatencyMs?: LatencySummary;
  /** p50 / p99 / max latency per 5 s of decisions. */
  latencyTimeline: Array<{ at: number; n: number; p50: number; p99: number; max: number }>;
  services: InstanceReport[];
  runtime: Partial<Record<BenchService, RuntimeFigures>>;
  /**
   * CPU milliseconds per parcel decided: each service (all its instances), the broker, the bench
   * process (producer + reader). On a shared machine throughput follows the CPU share the run
   * gets; these figures do not (much), and give what the pipeline would do with the cores alone:
   * `dedicatedEstimate` = cores / (services + broker) per parcel, the producer left out.
   */
  cpuPerParcelMs: Record<string, number> & { pipeline: number; dedicatedEstimate: number };
  /** CPU seconds inside the window: broker, the bench process (producer + reader), the whole machine. */
  cpu: {
    brokerSeconds?: number;
    benchSeconds: number;
    machineBusySeconds?: number;
    machineCapacitySeconds: number;
  };
  /** Input records on the document topics during the run that the bench did not send (another user). */
  foreignInputRecords: number;
  loadAverage: { before: number[]; after: number[] };
  /**
   * Consumer groups of other engines on the pipeline topics before or after the run: they
   * processed the bench's documents too, on the same CPUs (the topic names are fixed).
   */
  otherEngines: string[];
  /** Event-loop delay of the bench process (producer + reader): how late arrivals may be stamped. */
  benchEventLoopDelayMs: { p99: number; max: number };
  /** Decisions per second, second by second from the first produce. */
  timeline: number[];
  settings: Record<string, string>;
}

const WARMUP_MS = 15_000;

export async function runThroughput(
  stack: BenchStack,
  opts: ThroughputOptions,
  stackDir: string,
  log: (s: string) => void,
): Promise<ThroughputResult> {
  const runId = newRunId();
  const seed = opts.seed ?? randomInt(1, 2 ** 31 - 1);
  const rules = await publishRunRuleSet(stack, runId);
  const env = serviceEnv(stack, runId, { RISK_RULE_SET_KEY: rules.key, ...opts.env });
  const names: BenchService[] = opts.lifecycle ? ['matcher', 'risk', 'lifecycle'] : ['matcher', 'risk'];
  log(
    `run ${runId}: ${opts.parcels} parcels, ${opts.rate > 0 ? `${opts.rate} parcels/s` : 'as fast as possible'}, errors ${opts.errors}, seed ${seed}, services ${names.join(', ')} x${opts.instances}`,
  );

  const load = await prepareLoad(
    stack.codecs,
    {
      parcels: opts.parcels,
      seed,
      errors: opts.errors,
      eventRate: opts.rate > 0 ? opts.rate : 2_000,
      documentSpreadMs: opts.documentSpreadMs,
    },
    log,
  );
  log(
    `load prepared: ${load.sends.length} records (${(load.bytes / 1e6).toFixed(0)} MB) in ${load.prepareSeconds.toFixed(1)} s`,
  );

  await createInternalTopics(stack.admin, names, env, stack.env.PARTITIONS);
  const { groups } = await startGroupsAtEnd(stack, runId, names, env);
  const services = new ServiceSet(env, log, opts.cpuProfileDir);
  const watcher = new TopicWatcher(stack.kafka, stack.codecs);
  try {
    for (const name of names) for (let i = 0; i < opts.instances; i++) await services.start(name);
    await waitAllReady(services, 120_000);
    services.startSampling();

    const decisions = new DecisionLog(load.parcels, rules.version);
    await watcher.start(opts.hops ? [Topics.decision, Topics.manifest] : [Topics.decision], (r) => {
      if (r.topic === Topics.manifest.name) decisions.onManifest(r.value as Manifest, r.seenAt);
      else decisions.onDecision(r.key, r.value as Decision, r.seenAt);
    });
    const inputsBefore = await endOffsets(stack.admin, DOCUMENT_TOPICS);
    const othersBefore = await otherEngines(stack.admin, groups);
    if (othersBefore.length > 0)
      log(
        `warning: other engines consume the pipeline topics and will process this load too: ${othersBefore.join(', ')}`,
      );
    const brokers = brokerPids(stackDir);
    const brokerBefore = cpuSecondsOf(brokers, processUsage);
    const ticksBefore = machineTicks();
    const benchBefore = process.cpuUsage();
    const loadBefore = loadAverage();
    await services.toggleProfilers(0);
    services.markBaseline();

    // the reader stamps arrivals on this process's event loop: its delay bounds their accuracy
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    decisions.origin = Date.now();
    let sentParcels = 0;
    let lastLine = 0;
    const progress = (final = false) => {
      if (!final && Date.now() - lastLine < 2000) return;
      lastLine = Date.now();
      const s = (Date.now() - decisions.origin) / 1000;
      log(
        `${s.toFixed(0)} s: sent ${sentParcels}/${opts.parcels} parcels, decided ${decisions.decided}/${decisions.expected}`,
      );
    };
    const sent = await sendLoad(stack.kafka, stack.codecs, load, opts.rate, (p) => {
      sentParcels = p;
      progress();
    });
    log(
      `sent ${sent.records} records in ${sent.seconds.toFixed(1)} s (${Math.round(opts.parcels / sent.seconds)} parcels/s)`,
    );
    const inputsAfter = await endOffsets(stack.admin, DOCUMENT_TOPICS);

    await waitForDecisions(decisions, opts.idleTimeoutMs, log, () => {
      const dead = services.unexpectedExits();
      if (dead.length > 0) throw new Error(`a service died during the run:\n${dead.join('\n')}`);
      progress();
    });
    progress(true);

    loopDelay.disable();
    const benchCpu = process.cpuUsage(benchBefore);
    const ticksAfter = machineTicks();
    const brokerAfter = cpuSecondsOf(brokers, processUsage);
    const loadAfter = loadAverage();
    const usage = services.report();
    const others = [...new Set([...othersBefore, ...(await otherEngines(stack.admin, groups))])].sort();
    await services.toggleProfilers(3000);
    if (opts.cpuProfileDir) log(`CPU profiles of the window in ${opts.cpuProfileDir}`);
    const runtime: Partial<Record<BenchService, RuntimeFigures>> = {};
    for (const name of names) runtime[name] = runtimeFigures(await services.metrics(name));

    const end = Number.isNaN(decisions.lastSeenAt) ? Date.now() : decisions.lastSeenAt;
    const seconds = (end - sent.firstAt) / 1000;
    const windowSeconds = (Date.now() - decisions.origin) / 1000;
    if (process.env.BENCH_DUMP_DECISIONS) {
      // debugging aid: parcel index, decision seen at (ms from the first produce), latency
      const rows: string[] = [];
      for (let i = 0; i < load.parcels.length; i++)
        rows.push(
          `${i},${decisions.seenAt[i] - sent.firstAt},${decisions.latency[i]},${decisions.manifestLatency[i]}`,
        );
      writeFileSync(
        process.env.BENCH_DUMP_DECISIONS,
        `parcel,seenMs,latencyMs,manifestLatencyMs\n${rows.join('\n')}\n`,
      );
    }
    const perParcel = (seconds: number) =>
      decisions.decided > 0 ? (seconds * 1000) / decisions.decided : NaN;
    const cpuPerParcelMs: Record<string, number> = {};
    for (const u of usage) {
      const name = u.instance.replace(/#\d+$/, '');
      cpuPerParcelMs[name] = (cpuPerParcelMs[name] ?? 0) + perParcel(u.cpuSeconds);
    }
    const brokerSeconds =
      brokerBefore && brokerAfter ? brokerAfter.cpuSeconds - brokerBefore.cpuSeconds : NaN;
    cpuPerParcelMs.broker = perParcel(brokerSeconds);
    const pipelineMs = Object.values(cpuPerParcelMs).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    cpuPerParcelMs.bench = perParcel((benchCpu.user + benchCpu.system) / 1e6);
    const result: ThroughputResult = {
      runId,
      mode: opts.rate > 0 ? 'paced' : 'max',
      parcels: opts.parcels,
      records: sent.records,
      seed,
      errors: opts.errors,
      targetRate: opts.rate,
      produce: {
        seconds: round(sent.seconds),
        parcelsPerSecond: round(opts.parcels / sent.seconds),
        recordsPerSecond: round(sent.records / sent.seconds),
        megabytes: round(load.bytes / 1e6),
      },
      decisions: {
        expected: decisions.expected,
        decided: decisions.decided,
        missing: Math.max(0, decisions.expected - decisions.decided),
        duplicates: decisions.duplicates,
        unexpected: decisions.unexpected,
        foreign: decisions.foreign,
      },
      parcelsPerSecond: round(decisions.decided / seconds),
      sustainedParcelsPerSecond: round(decisions.sustainedRate()),
      seconds: round(seconds),
      drainSeconds: round(Math.max(0, (end - sent.lastAckAt) / 1000)),
      latencyMs: roundAll(decisions.latencySummary()),
      latencyMsAfterWarmup: roundAll(decisions.latencyAfter(WARMUP_MS)),
      latencyTimeline: decisions.latencyTimeline(5000),
      manifestLatencyMs: opts.hops ? roundAll(summarize(decisions.manifestLatency)) : undefined,
      services: usage.map((u) => ({
        ...u,
        cpuSeconds: round(u.cpuSeconds),
        cpuSecondsTotal: round(u.cpuSecondsTotal),
        peakRssMiB: round(u.peakRssMiB),
      })),
      runtime,
      cpuPerParcelMs: {
        ...Object.fromEntries(
          Object.entries(cpuPerParcelMs).map(([k, v]) => [k, Math.round(v * 1000) / 1000]),
        ),
        pipeline: Math.round(pipelineMs * 1000) / 1000,
        dedicatedEstimate: round(pipelineMs > 0 ? (cpus().length * 1000) / pipelineMs : NaN),
      },
      cpu: {
        brokerSeconds:
          brokerBefore && brokerAfter ? round(brokerAfter.cpuSeconds - brokerBefore.cpuSeconds) : undefined,
        benchSeconds: round((benchCpu.user + benchCpu.system) / 1e6),
        machineBusySeconds: round(busySeconds(ticksBefore, ticksAfter) ?? NaN),
        machineCapacitySeconds: round(windowSeconds * cpus().length),
      },
      foreignInputRecords: Math.max(0, totalOf(inputsAfter) - totalOf(inputsBefore) - sent.records),
      loadAverage: { before: loadBefore, after: loadAfter },
      benchEventLoopDelayMs: {
        p99: round(loopDelay.percentile(99) / 1e6),
        max: round(loopDelay.max / 1e6),
      },
      otherEngines: others,
      timeline: decisions.perSecond,
      settings: Object.fromEntries(Object.entries(opts.env)),
    };
    return result;
  } finally {
    await watcher.stop().catch(() => undefined);
    await services.stopAll();
    if (!opts.keep) await dropRunArtifacts(stack.admin, runId, groups);
  }
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]),
  ) as T;
}

/** Every instance answers /health/ready (after the last one joined, the others rebalanced). */
export async function waitAllReady(services: ServiceSet, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(
      services.instances.map((i) =>
        fetch(`${i.url}/health/ready`)
          .then((r) => r.status === 200)
          .catch(() => false),
      ),
    );
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`services not ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
