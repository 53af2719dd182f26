/**
 * State restore of the matcher: N orders without their payment and waybill (N pending cases in
 * the `cases` store, each with its deadline in the value's header), then the matcher instance goes away
 * (graceful stop, or SIGKILL) and a new one takes over its tasks: it restores every task from
 * the changelogs before processing. The restore time and records are what the new instance's
 * runtime exports (streams_restore_duration_seconds, streams_restore_records_total) and logs per
 * task.
 */
import { randomInt } from 'node:crypto';
import { Topics } from '@clearance/contracts';
import { prepareLoad, sendLoad } from './load';
import { Metrics, scrape } from './prom';
import { ServiceSet, type Instance } from './services';
import {
  createInternalTopics,
  dropRunArtifacts,
  newRunId,
  serviceEnv,
  startGroupsAtEnd,
  type BenchStack,
} from './setup';
import { round } from './stats';

export interface RestoreOptions {
  pending: number;
  seed?: number;
  /** How the first instance goes away: `stop` (SIGTERM, leaves the group) or `kill` (SIGKILL: the group waits for its session to time out). */
  restart: 'stop' | 'kill';
  /**
   * The new instance's local state directory: `same` as the first instance's (a restarted pod:
   * the persistent `cases` store reads only the changelog tail past its checkpoint) or `fresh`
   * (a new pod: a full restore from the changelogs).
   */
  localState: 'same' | 'fresh';
  env: Record<string, string>;
  /** Heap limit of the matcher processes (MiB); 0 = Node's default. */
  heapMiB: number;
  keep: boolean;
  /** Write a CPU profile of the restoring instance (boot to ready) here. */
  cpuProfileDir?: string;
  /**
   * Restore only: start a matcher on the changelogs an earlier run kept (`--keep`), under that
   * run's application id (nothing is produced; its artifacts are kept).
   */
  restoreFrom?: string;
}

export interface TaskRestore {
  task: number;
  records: number;
  ms: number;
}

export interface RestoreResult {
  runId: string;
  pending: number;
  /** Orders the first matcher took in per second (processing pending orders). */
  ingest: { seconds: number; ordersPerSecond: number };
  /** Committed entries of the first instance's stores once every order was in. */
  storeEntries: Record<string, number>;
  firstInstance: { peakRssMiB: number; cpuSeconds: number };
  restart: 'stop' | 'kill';
  localState: 'same' | 'fresh';
  restore: {
    /** The slowest task's restore (they restore in parallel in one job): the restore time. */
    seconds: number;
    /** How that was read: per-task log lines, or the histogram (mean / bucket bound). */
    source: 'log' | 'histogram';
    tasks: number;
    /** Mean per task from streams_restore_duration_seconds. */
    meanTaskSeconds: number;
    /** Upper bound of the slowest task from the histogram buckets. */
    maxTaskSecondsAtMost: number;
    records: number;
    recordsByTopic: Record<string, number>;
    recordsPerSecond: number;
    perTask: TaskRestore[];
  };
  /** From the first instance going away (stop/kill) to the new one answering ready, s. */
  unavailableSeconds: number;
  /** From spawning the new instance to ready (boot + group join + restore), s. */
  spawnToReadySeconds: number;
  secondInstance: { peakRssMiB: number; cpuSeconds: number; storeEntries: Record<string, number> };
}

export async function runRestore(
  stack: BenchStack,
  opts: RestoreOptions,
  log: (s: string) => void,
): Promise<RestoreResult> {
  if (opts.restoreFrom) return restoreOnly(stack, opts, opts.restoreFrom, log);
  const runId = newRunId();
  const seed = opts.seed ?? randomInt(1, 2 ** 31 - 1);
  const heap: Record<string, string> =
    opts.heapMiB > 0 ? { NODE_OPTIONS: `--max-old-space-size=${opts.heapMiB}` } : {};
  const env = serviceEnv(stack, runId, { ...opts.env, ...heap });
  log(`restore run ${runId}: ${opts.pending} pending cases (orders only), seed ${seed}`);
  const load = await prepareLoad(
    stack.codecs,
    {
      parcels: opts.pending,
      seed,
      errors: 'none',
      // a low event rate keeps the generator's event-time sort small (it holds a minute of event time)
      eventRate: 500,
      documentSpreadMs: 1000,
      only: [Topics.order.name],
    },
    log,
  );
  log(
    `load prepared: ${load.sends.length} orders (${(load.bytes / 1e6).toFixed(0)} MB) in ${load.prepareSeconds.toFixed(1)} s`,
  );
  await createInternalTopics(stack.admin, ['matcher'], env, stack.env.PARTITIONS);
  const { groups } = await startGroupsAtEnd(stack, runId, ['matcher'], env);
  const services = new ServiceSet(env, log, opts.cpuProfileDir);
  try {
    const first = await services.start('matcher');
    services.startSampling();
    services.markBaseline();
    const sent = await sendLoad(stack.kafka, stack.codecs, load, 0, () => undefined);
    log(
      `sent ${sent.records} orders in ${sent.seconds.toFixed(1)} s (${Math.round(sent.records / sent.seconds)}/s)`,
    );

    // every order committed into the store
    let lastIn = -1;
    let lastChange = Date.now();
    let lastLine = 0;
    let inAt = Date.now();
    for (;;) {
      const m = await scrape(first.url);
      const orders = m.sum('streams_records_in_total', { topic: Topics.order.name });
      if (orders >= sent.records) {
        inAt = Date.now();
        break;
      }
      if (orders !== lastIn) {
        lastIn = orders;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > 60_000)
        throw new Error(`the matcher stopped taking orders at ${orders}/${sent.records}`);
      if (Date.now() - lastLine > 5000) {
        lastLine = Date.now();
        log(`matcher has taken ${orders}/${sent.records} orders`);
      }
      const dead = services.unexpectedExits();
      if (dead.length > 0) throw new Error(`the matcher died:\n${dead.join('\n')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const ingestSeconds = (inAt - sent.firstAt) / 1000;
    log(
      `matcher holds ${sent.records} pending orders after ${ingestSeconds.toFixed(1)} s (${Math.round(sent.records / ingestSeconds)} orders/s)`,
    );
    // the store gauges refresh every 5 s
    let entries: Record<string, number> = {};
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      entries = (await scrape(first.url)).by('streams_store_entries', 'store');
      if ((entries.cases ?? 0) >= sent.records) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const firstUsage = services.report()[0];

    const goneAt = Date.now();
    if (opts.restart === 'kill') await services.kill(first);
    else await services.stop(first);
    log(`matcher #1 ${opts.restart === 'kill' ? 'killed' : 'stopped'}; starting a new instance`);
    const spawnAt = Date.now();
    const second = await services.start('matcher', {
      LOG_LEVEL: 'info',
      BENCH_CPU_PROF_FROM_START: '1',
      ...(opts.localState === 'same' ? { STATE_DIR: services.stateDirOf(first) } : {}),
    });
    const readyAt = Date.now();
    await services.toggleProfilers(3000, second);
    const m = await scrape(second.url);
    const perTask = taskRestores(second);
    const result = restoreFigures(m, perTask);
    const secondUsage = services.report()[1];
    return {
      runId,
      pending: sent.records,
      ingest: { seconds: round(ingestSeconds), ordersPerSecond: round(sent.records / ingestSeconds) },
      storeEntries: entries,
      firstInstance: {
        peakRssMiB: round(firstUsage.peakRssMiB),
        cpuSeconds: round(firstUsage.cpuSecondsTotal),
      },
      restart: opts.restart,
      localState: opts.localState,
      restore: result,
      unavailableSeconds: round((readyAt - goneAt) / 1000),
      spawnToReadySeconds: round((readyAt - spawnAt) / 1000),
      secondInstance: {
        peakRssMiB: round(secondUsage.peakRssMiB),
        cpuSeconds: round(secondUsage.cpuSecondsTotal),
        storeEntries: m.by('streams_store_entries', 'store'),
      },
    };
  } finally {
    await services.stopAll();
    if (!opts.keep) await dropRunArtifacts(stack.admin, runId, groups);
  }
}

/** Per-task restore lines the runtime logs at info (`task restored and running`). */
function taskRestores(inst: Instance): TaskRestore[] {
  const out = new Map<number, TaskRestore>();
  for (const line of inst.proc.tail().split('\n')) {
    if (!line.includes('task restored and running')) continue;
    try {
      const j = JSON.parse(line) as { task?: number; restoredRecords?: number; restoreMs?: number };
      if (typeof j.task === 'number' && typeof j.restoreMs === 'number')
        out.set(j.task, { task: j.task, records: j.restoredRecords ?? 0, ms: j.restoreMs });
    } catch {
      // not a JSON log line
    }
  }
  return [...out.values()].sort((a, b) => a.task - b.task);
}

export function restoreFigures(m: Metrics, perTask: TaskRestore[]): RestoreResult['restore'] {
  const h = m.histogram('streams_restore_duration_seconds');
  const recordsByTopic = m.by('streams_restore_records_total', 'topic');
  const records = Object.values(recordsByTopic).reduce((a, b) => a + b, 0);
  const fromLog = perTask.length > 0 && perTask.length >= h.count;
  const seconds = fromLog ? Math.max(...perTask.map((t) => t.ms)) / 1000 : h.count ? h.sum / h.count : 0;
  return {
    seconds: round(seconds),
    source: fromLog ? 'log' : 'histogram',
    tasks: h.count,
    meanTaskSeconds: round(h.count ? h.sum / h.count : 0),
    maxTaskSecondsAtMost: h.maxAtMost,
    records,
    recordsByTopic,
    recordsPerSecond: round(seconds > 0 ? records / seconds : 0),
    perTask,
  };
}

async function restoreOnly(
  stack: BenchStack,
  opts: RestoreOptions,
  runId: string,
  log: (s: string) => void,
): Promise<RestoreResult> {
  const heap: Record<string, string> =
    opts.heapMiB > 0 ? { NODE_OPTIONS: `--max-old-space-size=${opts.heapMiB}` } : {};
  const env = serviceEnv(stack, runId, { ...opts.env, ...heap });
  const topics = await stack.admin.listTopics();
  if (!topics.includes(`${runId}-matcher.cases.changelog`))
    throw new Error(`no changelog of ${runId}-matcher: was that run made with --keep?`);
  log(`restore only: a matcher on the kept changelogs of ${runId}`);
  const services = new ServiceSet(env, log, opts.cpuProfileDir);
  try {
    services.startSampling();
    const spawnAt = Date.now();
    const inst = await services.start('matcher', { LOG_LEVEL: 'info', BENCH_CPU_PROF_FROM_START: '1' });
    const readyAt = Date.now();
    await services.toggleProfilers(3000, inst);
    const m = await scrape(inst.url);
    const usage = services.report()[0];
    const entries = m.by('streams_store_entries', 'store');
    return {
      runId,
      pending: entries.cases ?? 0,
      ingest: { seconds: 0, ordersPerSecond: 0 },
      storeEntries: entries,
      firstInstance: { peakRssMiB: 0, cpuSeconds: 0 },
      restart: opts.restart,
      localState: 'fresh',
      restore: restoreFigures(m, taskRestores(inst)),
      unavailableSeconds: round((readyAt - spawnAt) / 1000),
      spawnToReadySeconds: round((readyAt - spawnAt) / 1000),
      secondInstance: {
        peakRssMiB: round(usage.peakRssMiB),
        cpuSeconds: round(usage.cpuSecondsTotal),
        storeEntries: entries,
      },
    };
  } finally {
    await services.stopAll();
  }
}
