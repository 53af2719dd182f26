/**
 * Failover with a standby: two matchers (NUM_STANDBY_REPLICAS=1, each its own local state
 * directory, a 6 s session timeout), N pending cases split between them, each following the
 * other's tasks as standbys. Once the standbys are caught up, one matcher is killed (SIGKILL: no
 * leave-group) and the clock runs until the other has every task restored and running again:
 * detection (session timeout), rebalance, fencing and restore, end to end.
 */
import { randomInt } from 'node:crypto';
import { Topics } from '@clearance/contracts';
import { prepareLoad, sendLoad } from './load';
import { scrape } from './prom';
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

export interface FailoverOptions {
  pending: number;
  seed?: number;
  env: Record<string, string>;
  keep: boolean;
}

export interface FailoverResult {
  runId: string;
  pending: number;
  sessionTimeoutMs: number;
  /** Tasks the killed matcher owned (they moved to the survivor). */
  tasksMoved: number;
  /** Standby records the survivor applied before the kill (its copies of the victim's tasks). */
  standbyRecordsBeforeKill: number;
  /** From the SIGKILL to every task running on the survivor, s. */
  unavailableSeconds: number;
  /** Changelog records the survivor restored for the moved tasks (tail past its standby copies). */
  recordsRestored: number;
  /** Per moved task: records restored and restore ms (survivor's log). */
  perTask: Array<{ task: number; records: number; ms: number }>;
  survivorPeakRssMiB: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gauge(inst: Instance, name: string, match: Record<string, string> = {}): Promise<number> {
  return (await scrape(inst.url)).sum(name, match);
}

export async function runFailover(
  stack: BenchStack,
  opts: FailoverOptions,
  log: (s: string) => void,
): Promise<FailoverResult> {
  const runId = newRunId();
  const seed = opts.seed ?? randomInt(1, 2 ** 31 - 1);
  const sessionTimeoutMs = 6_000;
  const env = serviceEnv(stack, runId, {
    NUM_STANDBY_REPLICAS: '1',
    SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
    LOG_LEVEL: 'info',
    ...opts.env,
  });
  log(`failover run ${runId}: ${opts.pending} pending cases, two matchers with a standby each, seed ${seed}`);
  const load = await prepareLoad(
    stack.codecs,
    {
      parcels: opts.pending,
      seed,
      errors: 'none',
      eventRate: 500,
      documentSpreadMs: 1000,
      only: [Topics.order.name],
    },
    log,
  );
  await createInternalTopics(stack.admin, ['matcher'], env, stack.env.PARTITIONS);
  const { groups } = await startGroupsAtEnd(stack, runId, ['matcher'], env);
  const services = new ServiceSet(env, log);
  try {
    const a = await services.start('matcher');
    const b = await services.start('matcher');
    services.startSampling();
    const partitions = stack.env.PARTITIONS;
    for (let i = 0; ; i++) {
      const [ra, rb] = [await gauge(a, 'streams_tasks_running'), await gauge(b, 'streams_tasks_running')];
      if (ra > 0 && rb > 0 && ra + rb === partitions) break;
      if (i > 300) throw new Error(`tasks not split between the two matchers (${ra} + ${rb})`);
      await sleep(200);
    }
    const sent = await sendLoad(stack.kafka, stack.codecs, load, 0, () => undefined);
    log(`sent ${sent.records} orders in ${sent.seconds.toFixed(1)} s`);
    for (let i = 0; ; i++) {
      const taken =
        (await gauge(a, 'streams_records_in_total', { topic: Topics.order.name })) +
        (await gauge(b, 'streams_records_in_total', { topic: Topics.order.name }));
      if (taken >= sent.records) break;
      if (i % 25 === 0) log(`matchers have taken ${taken}/${sent.records} orders`);
      await sleep(200);
    }
    // the survivor's standby copies of the victim's tasks at the end of their changelogs
    const moved = await gauge(a, 'streams_tasks_running');
    for (let i = 0; ; i++) {
      const caughtUp = await gauge(b, 'streams_standby_tasks', { state: 'caught_up' });
      if (caughtUp >= moved) break;
      if (i > 150) {
        const text = await (await fetch(`${b.url}/metrics`)).text();
        throw new Error(
          `standbys not caught up: ${caughtUp}/${moved}\n${text
            .split('\n')
            .filter((l) => l.includes('standby') || l.includes('tasks_running'))
            .join('\n')}`,
        );
      }
      await sleep(200);
    }
    await sleep(1_000); // the last commits' records
    const standbyRecords = await gauge(b, 'streams_standby_records_total');
    const restoredBefore = await gauge(b, 'streams_restore_records_total');

    const killedAt = Date.now();
    await services.kill(a);
    log(`matcher #1 killed (it ran ${moved} tasks); waiting for matcher #2 to run all ${partitions}`);
    let readyAt = 0;
    for (;;) {
      if ((await gauge(b, 'streams_tasks_running')) >= partitions) {
        readyAt = Date.now();
        break;
      }
      if (Date.now() - killedAt > 180_000) throw new Error('the survivor did not take over within 180 s');
      await sleep(50);
    }
    const restored = (await gauge(b, 'streams_restore_records_total')) - restoredBefore;
    const perTask: FailoverResult['perTask'] = [];
    for (const line of b.proc.tail().split('\n')) {
      if (!line.includes('task restored and running')) continue;
      try {
        const j = JSON.parse(line) as {
          task: number;
          restoredRecords: number;
          restoreMs: number;
          time: number;
        };
        if (j.time >= killedAt) perTask.push({ task: j.task, records: j.restoredRecords, ms: j.restoreMs });
      } catch {
        // not JSON
      }
    }
    const usage = services.report().find((u) => u.instance === b.name);
    return {
      runId,
      pending: sent.records,
      sessionTimeoutMs,
      tasksMoved: moved,
      standbyRecordsBeforeKill: standbyRecords,
      unavailableSeconds: round((readyAt - killedAt) / 1000),
      recordsRestored: restored,
      perTask: perTask.sort((x, y) => x.task - y.task),
      survivorPeakRssMiB: round(usage?.peakRssMiB ?? 0),
    };
  } finally {
    await services.stopAll();
    if (!opts.keep) await dropRunArtifacts(stack.admin, runId, groups);
  }
}
