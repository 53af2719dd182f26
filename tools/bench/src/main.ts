#!/usr/bin/env node
/**
 * `npm run bench -- [options]`: throughput, latency and restore time of the pipeline on the real
 * stack (see docs/BENCHMARKS.md). Progress goes to stderr; the report to stdout (with --json one
 * JSON object and nothing else).
 */
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { REPO_ROOT } from '@clearance/cli';
import { loadAverage, machineInfo } from './machine';
import { compareWithTargets, formatReport, type BenchReport } from './report';
import { runRestore } from './restore';
import { runFailover } from './failover';
import { runRetained } from './retained';
import { prepareStack, stackUp, waitForQuiet } from './setup';
import { runThroughput } from './throughput';

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

const int = (what: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer >= ${min}`);
  return n;
};
const num = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${what} must be a number >= 0`);
  return n;
};
const envPair = (v: string, acc: Record<string, string>) => {
  const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`--env wants KEY=VALUE, got ${v}`);
  return { ...acc, [m[1]]: m[2] };
};

export interface BenchCliOptions {
  parcels: number;
  rate: number;
  errors: 'none' | 'realistic';
  seed?: number;
  spreadMs: number;
  lifecycle?: boolean;
  instances: number;
  env: Record<string, string>;
  pending: number;
  restart: 'stop' | 'kill';
  localState: 'same' | 'fresh';
  heapMb: number;
  idleTimeout: number;
  keep?: boolean;
  cpuProf?: string;
  quietWait: number;
  hops?: boolean;
  restoreFrom?: string;
  failover?: boolean;
  retained: number;
  memoryLimitMib: number;
  state: 'disk' | 'memory';
  json?: boolean;
  stack: boolean;
}

export function benchCommand(run: (o: BenchCliOptions) => Promise<void>): Command {
  return new Command('bench')
    .description('throughput, latency and restore time of the clearance pipeline on the real stack')
    .option('--parcels <n>', 'parcels to send (0: no throughput run)', int('--parcels', 0), 200_000)
    .option(
      '--rate <n>',
      'parcels per second (paced, for latency at a given rate); 0 = as fast as possible',
      num('--rate'),
      0,
    )
    .option(
      '--errors <profile>',
      'none | realistic (duplicates, changes, invalid and undecodable documents, ...)',
      (v) => {
        if (v !== 'none' && v !== 'realistic')
          throw new InvalidArgumentError('--errors must be none or realistic');
        return v;
      },
      'none',
    )
    .option('--seed <n>', 'generator seed (default random)', int('--seed', 1))
    .option(
      '--spread-ms <ms>',
      "spread of one parcel's three documents in event time",
      int('--spread-ms', 0),
      1000,
    )
    .option('--lifecycle', 'run the lifecycle service too (decisions -> receipts)')
    .option('--hops', "also read clearance.manifest.v1: latency of the matcher's hop (costs the bench CPU)")
    .option('--instances <n>', 'instances (processes) of each service', int('--instances', 1), 1)
    .option(
      '--env <KEY=VALUE>',
      'environment for the services, repeatable (MAX_RECORDS_PER_TRANSACTION, CONCURRENT_TASKS, ...)',
      envPair,
      {},
    )
    .option(
      '--pending <n>',
      'restore run: pending cases (orders without payment and waybill); 0 = none',
      int('--pending', 0),
      0,
    )
    .option(
      '--restart <how>',
      'restore run: how the first matcher goes: stop (SIGTERM) | kill (SIGKILL)',
      (v) => {
        if (v !== 'stop' && v !== 'kill') throw new InvalidArgumentError('--restart must be stop or kill');
        return v;
      },
      'stop',
    )
    .option(
      '--local-state <which>',
      "restore run: the new matcher's state directory: same (the first one's: a restarted pod, tail-only restore) | fresh (a new pod: full restore)",
      (v) => {
        if (v !== 'same' && v !== 'fresh')
          throw new InvalidArgumentError('--local-state must be same or fresh');
        return v;
      },
      'same',
    )
    .option(
      '--heap-mb <n>',
      'restore run: --max-old-space-size of the matchers (0 = Node default)',
      int('--heap-mb', 0),
      0,
    )
    .option(
      '--idle-timeout <s>',
      'stop waiting for missing decisions after this many seconds without one',
      int('--idle-timeout', 1),
      60,
    )
    .option(
      '--failover',
      'with --pending: two matchers with a standby each; one is killed, the other takes over (time and records restored)',
    )
    .option(
      '--retained <n>',
      "retained run: n parcels' lifecycle states held by one lifecycle instance (intake rate, RSS)",
      int('--retained', 0),
      0,
    )
    .option(
      '--memory-limit-mib <n>',
      'retained run: the lifecycle instance in a memory cgroup with this limit (Linux cgroup v1, root); 0 = none',
      int('--memory-limit-mib', 0),
      0,
    )
    .option(
      '--state <where>',
      'retained run: the persistent stores on disk (STATE_DIR) or in memory',
      (v) => {
        if (v !== 'disk' && v !== 'memory') throw new InvalidArgumentError('--state must be disk or memory');
        return v;
      },
      'disk',
    )
    .option('--keep', "keep the run's changelog topics and consumer groups")
    .option(
      '--restore-from <runId>',
      'restore only: a matcher on the changelogs a --keep run left (its run id); no load is produced',
    )
    .option(
      '--cpu-prof <dir>',
      'write a V8 CPU profile of each service instance over the measured window into <dir>',
    )
    .option(
      '--no-stack',
      'do not run deploy/local/stack.sh up (use KAFKA_BROKERS / SCHEMA_REGISTRY_URL as set)',
    )
    .option('--json', 'print one JSON object on stdout (progress stays on stderr)')
    .action(run);
}

async function main(o: BenchCliOptions): Promise<void> {
  if (o.restoreFrom) {
    o.parcels = 0;
    o.pending = Math.max(o.pending, 1);
  }
  if (o.parcels === 0 && o.pending === 0 && o.retained === 0)
    throw new Error('nothing to measure: --parcels 0, --pending 0 and --retained 0');
  const loadAtStart = loadAverage();
  const startedAt = new Date().toISOString();
  if (o.stack) stackUp();
  const stack = await prepareStack(log, { reference: true });
  const stackDir = process.env.STACK_DIR ?? path.join(REPO_ROOT, '.stack');
  if (o.quietWait > 0) {
    const others = await waitForQuiet(stack.admin, o.quietWait, log);
    if (others.length > 0)
      log(`other engines still on the pipeline topics: ${others.join(', ')}; measuring anyway`);
  }
  try {
    const partial: Omit<BenchReport, 'targets'> = {
      startedAt,
      machine: machineInfo(stackDir),
      loadAverageAtStart: loadAtStart,
      partitions: stack.env.PARTITIONS,
    };
    if (o.parcels > 0) {
      partial.throughput = await runThroughput(
        stack,
        {
          parcels: o.parcels,
          rate: o.rate,
          errors: o.errors,
          seed: o.seed,
          documentSpreadMs: o.spreadMs,
          lifecycle: o.lifecycle === true,
          instances: o.instances,
          env: o.env,
          idleTimeoutMs: o.idleTimeout * 1000,
          keep: o.keep === true,
          cpuProfileDir: o.cpuProf,
          hops: o.hops === true,
        },
        stackDir,
        log,
      );
    }
    if (o.retained > 0)
      partial.retained = await runRetained(
        stack,
        {
          parcels: o.retained,
          state: o.state,
          env: o.env,
          keep: o.keep === true,
          memoryLimitMiB: o.memoryLimitMib || undefined,
        },
        log,
      );
    if (o.pending > 0 && o.failover) {
      partial.failover = await runFailover(
        stack,
        { pending: o.pending, seed: o.seed, env: o.env, keep: o.keep === true },
        log,
      );
    } else if (o.pending > 0) {
      partial.restore = await runRestore(
        stack,
        {
          pending: o.pending,
          seed: o.seed,
          restart: o.restart,
          localState: o.localState,
          env: o.env,
          heapMiB: o.heapMb,
          keep: o.keep === true,
          cpuProfileDir: o.cpuProf,
          restoreFrom: o.restoreFrom,
        },
        log,
      );
    }
    const report: BenchReport = { ...partial, targets: compareWithTargets(partial) };
    process.stdout.write(o.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
  } finally {
    await stack.close();
  }
}

if (require.main === module) {
  benchCommand(main)
    .parseAsync(process.argv)
    .then(() => process.exit(0))
    .catch((e: unknown) => {
      log(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(1);
    });
}
