/**
 * `npm run chaos -- --parcels N [--rate R] [--json]`: a run of N generated parcels through the
 * matcher, risk and lifecycle (each its own process, application ids of the run's own) during
 * which faults are injected on a schedule, checked from outside by an independent read_committed
 * reader of the decisions and receipts:
 *
 *   - kill -9 of each service kind in turn (matcher, risk, lifecycle), restarted on its state
 *     directory at once (a pod restart on its volume);
 *   - on a stack of three or more brokers (`STACK_BROKERS=3`, deploy/local/stack.sh): kill -9 of a
 *     broker, restarted after `--broker-down` seconds (decisions must go on meanwhile: RF 3,
 *     min.insync.replicas 2);
 *   - with `--registry-down S` (S > 0): the schema registry killed (kill -9) and started again
 *     after S seconds (`stack.sh registry`): the services keep the schemas they know; a record of
 *     a writer schema they do not know waits for the registry instead of being dead-lettered.
 *
 * At the end: every parcel that should be decided has exactly one decision, every document of
 * the load at least one receipt, no receipt twice (receipts are deterministic: a record replayed
 * after a kill gives the same guid), no service died on its own. Prints the faults with the time
 * each took to recover (killed -> replaced instance ready -> first decision after it), records
 * lost and duplicated, and exits non-zero on any loss or duplicate.
 *
 * Not here (issue 18): the declaration, projector and query API services and Postgres
 * connections cut (the declarations acceptance test runs those faults with its checks).
 */
import { randomInt } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { Topics, type Decision, type Receipt } from '@clearance/contracts';
import { TopicWatcher } from '@clearance/cli';
import { DecisionLog, waitForDecisions } from './decisions';
import { prepareLoad, sendLoad } from './load';
import { ServiceSet, type Instance } from './services';
import {
  createInternalTopics,
  dropRunArtifacts,
  newRunId,
  prepareStack,
  publishRunRuleSet,
  serviceEnv,
  stackUp,
  startGroupsAtEnd,
  type BenchService,
  type BenchStack,
} from './setup';
import { round } from './stats';
import { waitAllReady } from './throughput';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const SERVICES: BenchService[] = ['matcher', 'risk', 'lifecycle'];

export interface ChaosOptions {
  parcels: number;
  rate: number;
  seed?: number;
  /** Seconds a killed broker stays down. */
  brokerDownSeconds: number;
  /** Seconds the registry stays down (0: no registry fault). */
  registryDownSeconds: number;
  /** Service kinds to kill, in order. */
  kill: BenchService[];
  /** Give up waiting for missing decisions after this long without a new one, ms. */
  idleTimeoutMs: number;
  env: Record<string, string>;
  keep: boolean;
}

export interface FaultReport {
  fault: string;
  /** Seconds from the run's first record. */
  at: number;
  /** Seconds from the fault to the replacement ready (a service) or the broker back in the cluster. */
  replacedAfter: number;
  /** Seconds from the fault to the first decision seen after it. */
  firstDecisionAfter: number | null;
  /** Decisions seen while the fault lasted (a broker down: decisions must go on). */
  decisionsDuring: number;
}

export interface ChaosReport {
  runId: string;
  parcels: number;
  records: number;
  rate: number;
  seed: number;
  brokers: number;
  faults: FaultReport[];
  decisions: { expected: number; decided: number; missing: number; duplicates: number; unexpected: number };
  receipts: { seen: number; duplicates: number; documents: number; documentsWithoutReceipt: number };
  /** Records the checking reader was handed again at an offset it had seen (its own rejoins; not duplicates). */
  readerRedeliveries: number;
  unexpectedExits: string[];
  seconds: number;
  lost: number;
  duplicated: number;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * deploy/local/stack.sh broker <action> <n> or registry <action>, in a child process the run
 * does not block on (a start waits for the node or the registry: the reader and the sender go on).
 */
async function stackCommand(...args: string[]): Promise<void> {
  const child = spawn('bash', [path.join(REPO_ROOT, 'deploy/local/stack.sh'), ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`stack.sh ${args.join(' ')} failed (exit ${code})`);
}

/**
 * The broker and registry faults go through deploy/local/stack.sh, which works on the stack of
 * STACK_DIR (default .stack): refuse to start when that stack is not the one KAFKA_BROKERS and
 * SCHEMA_REGISTRY_URL name (a stack in another directory with STACK_DIR unset would have the
 * faults hit the wrong stack, or fail half-way through the run).
 */
function checkStackControl(): void {
  const dir = process.env.STACK_DIR ?? path.join(REPO_ROOT, '.stack');
  const envFile = path.join(dir, 'env');
  const text = existsSync(envFile) ? readFileSync(envFile, 'utf8') : undefined;
  for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL']) {
    const listed = text === undefined ? undefined : new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1]?.trim();
    if (listed !== process.env[name])
      throw new Error(
        `the broker and registry faults need deploy/local/stack.sh to control the stack of ${name} (${process.env[name]}), but ${envFile} ${
          listed === undefined ? 'does not name it' : `lists ${listed}`
        }: set STACK_DIR to that stack's directory`,
      );
  }
}

export async function runChaos(
  stack: BenchStack,
  opts: ChaosOptions,
  log: (s: string) => void,
): Promise<ChaosReport> {
  const runId = newRunId();
  const seed = opts.seed ?? randomInt(1, 2 ** 31 - 1);
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean).length;
  if (brokers >= 3 || opts.registryDownSeconds > 0) checkStackControl();
  const rules = await publishRunRuleSet(stack, runId);
  const env = serviceEnv(stack, runId, { RISK_RULE_SET_KEY: rules.key, LOG_LEVEL: 'warn', ...opts.env });
  log(
    `chaos run ${runId}: ${opts.parcels} parcels at ${opts.rate}/s, seed ${seed}, ${brokers} broker(s); ` +
      `faults: kill -9 ${opts.kill.join(', ')}${brokers >= 3 ? `, a broker down ${opts.brokerDownSeconds} s` : ''}${
        opts.registryDownSeconds > 0 ? `, the registry down ${opts.registryDownSeconds} s` : ''
      }`,
  );
  const load = await prepareLoad(
    stack.codecs,
    { parcels: opts.parcels, seed, errors: 'none', eventRate: opts.rate, documentSpreadMs: 1000 },
    log,
  );
  const documents = new Set(load.sends.flatMap((s) => (s.docGuid ? [s.docGuid] : [])));
  const keys = new Set(load.parcels.flatMap((p) => [p.orderKey, p.waybillKey]));
  await createInternalTopics(stack.admin, SERVICES, env, stack.env.PARTITIONS);
  const { groups } = await startGroupsAtEnd(stack, runId, SERVICES, env);
  const services = new ServiceSet(env, log);
  const watcher = new TopicWatcher(stack.kafka, stack.codecs);
  const decisions = new DecisionLog(load.parcels, rules.version);
  const receiptGuids = new Map<string, number>();
  const receiptedDocs = new Set<string>();
  let receiptsSeen = 0;
  let redelivered = 0;
  const faults: FaultReport[] = [];
  const decisionTimes: number[] = [];
  try {
    for (const s of SERVICES) await services.start(s);
    await waitAllReady(services, 120_000);
    services.startSampling();
    // the reader's own consumer may be handed the same records again (a rejoin after a broker
    // fault re-seeks it to its start): a record at an offset already seen is not a duplicate on
    // the topic; a second record for the same parcel or receipt guid at another offset is
    const offsetsSeen = new Set<string>();
    await watcher.start([Topics.decision, Topics.receipt], (r) => {
      const at = `${r.topic}/${r.partition}/${r.offset}`;
      if (offsetsSeen.has(at)) {
        redelivered++;
        return;
      }
      offsetsSeen.add(at);
      if (r.topic === Topics.decision.name) {
        const before = decisions.decided;
        decisions.onDecision(r.key, r.value as Decision, r.seenAt);
        if (decisions.decided > before) decisionTimes.push(r.seenAt);
        return;
      }
      const receipt = r.value as Receipt;
      if (!keys.has(receipt.caseKey)) return;
      receiptsSeen++;
      receiptGuids.set(receipt.guid, (receiptGuids.get(receipt.guid) ?? 0) + 1);
      if (receipt.docGuid) receiptedDocs.add(receipt.docGuid);
    });
    const live = new Map<BenchService, Instance>(
      SERVICES.map((s) => [s, services.instances.find((i) => i.service === s)!]),
    );
    decisions.origin = Date.now();
    const origin = decisions.origin;
    const sendSeconds = opts.parcels / opts.rate;
    const schedule: Array<{ fault: string; run: () => Promise<{ replacedAt: number; endedAt: number }> }> =
      opts.kill.map((service) => ({
        fault: `kill -9 ${service}`,
        run: async () => {
          const victim = live.get(service)!;
          await services.kill(victim);
          const next = await services.start(service, { STATE_DIR: services.stateDirOf(victim) });
          live.set(service, next);
          const t = Date.now();
          return { replacedAt: t, endedAt: t };
        },
      }));
    if (brokers >= 3) {
      const n = 2;
      schedule.push({
        fault: `kill -9 broker ${n}, down ${opts.brokerDownSeconds} s`,
        run: async () => {
          await stackCommand('broker', 'kill', String(n));
          await sleep(opts.brokerDownSeconds * 1000);
          const endedAt = Date.now();
          await stackCommand('broker', 'start', String(n));
          return { replacedAt: Date.now(), endedAt };
        },
      });
    }
    if (opts.registryDownSeconds > 0)
      schedule.push({
        fault: `kill -9 registry, down ${opts.registryDownSeconds} s`,
        run: async () => {
          await stackCommand('registry', 'kill');
          await sleep(opts.registryDownSeconds * 1000);
          const endedAt = Date.now();
          await stackCommand('registry', 'start');
          return { replacedAt: Date.now(), endedAt };
        },
      });
    // faults spread over the sending window, the first after a tenth of it
    const injecting = (async () => {
      for (let i = 0; i < schedule.length; i++) {
        const dueAt = origin + ((i + 1) / (schedule.length + 1)) * sendSeconds * 1000;
        if (dueAt > Date.now()) await sleep(dueAt - Date.now());
        const f = schedule[i];
        const at = Date.now();
        log(`fault ${i + 1}/${schedule.length}: ${f.fault}`);
        const { replacedAt, endedAt } = await f.run();
        const during = decisionTimes.filter((t) => t >= at && t <= endedAt).length;
        faults.push({
          fault: f.fault,
          at: round((at - origin) / 1000),
          replacedAfter: round((replacedAt - at) / 1000),
          firstDecisionAfter: null,
          decisionsDuring: during,
        });
        log(`  replaced / back after ${((replacedAt - at) / 1000).toFixed(1)} s`);
      }
    })();
    injecting.catch(() => undefined); // awaited below: a failed fault ends the run through the finally (services stopped)
    let lastLog = 0;
    const sent = await sendLoad(stack.kafka, stack.codecs, load, opts.rate, (p) => {
      if (Date.now() - lastLog < 5000) return;
      lastLog = Date.now();
      log(
        `${((Date.now() - origin) / 1000).toFixed(0)} s: sent ${p}/${opts.parcels}, decided ${decisions.decided}/${decisions.expected}`,
      );
    });
    await injecting;
    await waitForDecisions(decisions, opts.idleTimeoutMs, log, () => undefined, 200);
    // the lifecycle's receipts of the last decisions, and any straggler duplicate
    await sleep(5_000);
    for (const f of faults) {
      const at = origin + f.at * 1000;
      const first = decisionTimes.find((t) => t > at);
      f.firstDecisionAfter = first === undefined ? null : round((first - at) / 1000);
    }
    const receiptDuplicates = [...receiptGuids.values()].reduce((a, n) => a + (n - 1), 0);
    const documentsWithoutReceipt = [...documents].filter((g) => !receiptedDocs.has(g)).length;
    const missing = Math.max(0, decisions.expected - decisions.decided);
    const unexpectedExits = services.unexpectedExits();
    const lost = missing + documentsWithoutReceipt;
    const duplicated = decisions.duplicates + receiptDuplicates;
    return {
      runId,
      parcels: opts.parcels,
      records: sent.records,
      rate: opts.rate,
      seed,
      brokers,
      faults,
      decisions: {
        expected: decisions.expected,
        decided: decisions.decided,
        missing,
        duplicates: decisions.duplicates,
        unexpected: decisions.unexpected,
      },
      receipts: {
        seen: receiptsSeen,
        duplicates: receiptDuplicates,
        documents: documents.size,
        documentsWithoutReceipt,
      },
      readerRedeliveries: redelivered,
      unexpectedExits,
      seconds: round((Date.now() - origin) / 1000),
      lost,
      duplicated,
      ok: lost === 0 && duplicated === 0 && unexpectedExits.length === 0,
    };
  } finally {
    await watcher.stop().catch(() => undefined);
    await services.stopAll();
    if (!opts.keep) await dropRunArtifacts(stack.admin, runId, groups);
  }
}

export function formatChaosReport(r: ChaosReport): string {
  return [
    `chaos run ${r.runId}: ${r.parcels} parcels (${r.records} records) at ${r.rate}/s on ${r.brokers} broker(s), ${r.seconds} s`,
    'faults (at s: replaced or back after s; first decision after s; decisions while it lasted):',
    ...r.faults.map(
      (f) =>
        `  ${String(f.at).padStart(6)} s  ${f.fault}: ${f.replacedAfter} s; ${f.firstDecisionAfter ?? 'none'} s; ${f.decisionsDuring}`,
    ),
    `decisions: ${r.decisions.decided}/${r.decisions.expected}, missing ${r.decisions.missing}, duplicates ${r.decisions.duplicates}`,
    `receipts: ${r.receipts.seen} seen, duplicates ${r.receipts.duplicates}; documents without a receipt ${r.receipts.documentsWithoutReceipt}/${r.receipts.documents}`,
    `records the checking reader was handed again at offsets it had seen (not counted): ${r.readerRedeliveries}`,
    ...(r.unexpectedExits.length > 0 ? ['services that died on their own:', ...r.unexpectedExits] : []),
    `records lost ${r.lost}, duplicated ${r.duplicated}: ${r.ok ? 'OK' : 'FAILED'}`,
  ].join('\n');
}

const log = (s: string) => process.stderr.write(`[chaos] ${s}\n`);

function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

if (require.main === module) {
  new Command('chaos')
    .description(
      'a run of generated parcels with faults injected on a schedule, checked from outside for losses and duplicates',
    )
    .option('--parcels <n>', 'parcels', positive('--parcels'), 5000)
    .option('--rate <n>', 'parcels per second (paced)', positive('--rate'), 250)
    .option('--seed <n>', 'generator seed', (v) => parseInt(v, 10))
    .option('--kill <services>', 'service kinds killed in turn (comma-separated)', 'matcher,risk,lifecycle')
    .option(
      '--broker-down <s>',
      'seconds a killed broker stays down (three-broker stacks)',
      positive('--broker-down'),
      60,
    )
    .option(
      '--registry-down <s>',
      'seconds the schema registry stays down (default 0: no registry fault; see docs/RELIABILITY.md for the stall it found)',
      (v: string) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0)
          throw new InvalidArgumentError('--registry-down: a number of seconds, 0 or more');
        return n;
      },
      0,
    )
    .option(
      '--idle-timeout <s>',
      'give up on missing decisions after this long without a new one',
      positive('--idle-timeout'),
      120,
    )
    .option(
      '--env <k=v...>',
      'extra environment for every service',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--keep', "keep the run's internal topics and groups")
    .option('--no-stack', 'do not run deploy/local/stack.sh up')
    .option('--json', 'one JSON object on stdout')
    .action(
      async (o: {
        parcels: number;
        rate: number;
        seed?: number;
        kill: string;
        brokerDown: number;
        registryDown: number;
        idleTimeout: number;
        env: string[];
        keep?: boolean;
        stack: boolean;
        json?: boolean;
      }) => {
        const kill = o.kill
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean) as BenchService[];
        for (const k of kill)
          if (!SERVICES.includes(k)) throw new Error(`--kill: ${k} is not one of ${SERVICES.join(', ')}`);
        if (o.stack) stackUp();
        const stack = await prepareStack(log, { reference: true });
        try {
          const report = await runChaos(
            stack,
            {
              parcels: Math.floor(o.parcels),
              rate: o.rate,
              seed: o.seed,
              kill,
              brokerDownSeconds: o.brokerDown,
              registryDownSeconds: o.registryDown,
              idleTimeoutMs: o.idleTimeout * 1000,
              env: Object.fromEntries(
                o.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
              ),
              keep: o.keep === true,
            },
            log,
          );
          process.stdout.write(o.json ? `${JSON.stringify(report)}\n` : `${formatChaosReport(report)}\n`);
          process.exitCode = report.ok ? 0 : 1;
        } finally {
          await stack.close();
        }
      },
    )
    .parseAsync(process.argv)
    .then(() => process.exit(process.exitCode ?? 0))
    .catch((e: unknown) => {
      log(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(2);
    });
}
