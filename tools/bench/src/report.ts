import type { MachineInfo } from './machine';
import type { RestoreResult } from './restore';
import type { FailoverResult } from './failover';
import type { RetainedResult } from './retained';
import { round, table } from './stats';
import type { ThroughputResult } from './throughput';

/** The issue's targets: measured against, never asserted. */
export const TARGETS = {
  parcelsPerSecond: 10_000,
  p99LatencyMsAtHalfRate: 500,
  restoreSecondsFor1M: 10,
} as const;

export interface BenchReport {
  startedAt: string;
  machine: MachineInfo;
  /** Load average when the bench started (the machine may be shared). */
  loadAverageAtStart: number[];
  partitions: number;
  throughput?: ThroughputResult;
  restore?: RestoreResult;
  failover?: FailoverResult;
  retained?: RetainedResult;
  targets: {
    parcelsPerSecond: { target: number; measured?: number; met?: boolean };
    p99LatencyMs: { target: number; measured?: number; atRate?: number; paced: boolean; met?: boolean };
    restoreSeconds: {
      target: number;
      pending?: number;
      measured?: number;
      linearTo1M?: number;
      met?: boolean;
    };
  };
}

export function compareWithTargets(r: Omit<BenchReport, 'targets'>): BenchReport['targets'] {
  const t = r.throughput;
  const s = r.restore;
  const linear = s && s.pending > 0 ? round((s.restore.seconds * 1_000_000) / s.pending) : undefined;
  return {
    parcelsPerSecond: {
      target: TARGETS.parcelsPerSecond,
      measured: t?.parcelsPerSecond,
      met: t ? t.parcelsPerSecond >= TARGETS.parcelsPerSecond : undefined,
    },
    p99LatencyMs: {
      target: TARGETS.p99LatencyMsAtHalfRate,
      measured: t?.latencyMs.p99,
      atRate: t?.mode === 'paced' ? t.targetRate : undefined,
      paced: t?.mode === 'paced',
      met: t ? t.latencyMs.p99 < TARGETS.p99LatencyMsAtHalfRate : undefined,
    },
    restoreSeconds: {
      target: TARGETS.restoreSecondsFor1M,
      pending: s?.pending,
      measured: s?.restore.seconds,
      linearTo1M: linear,
      met: linear !== undefined ? linear < TARGETS.restoreSecondsFor1M : undefined,
    },
  };
}

const yes = (b: boolean | undefined) => (b === undefined ? '-' : b ? 'yes' : 'NO');

/** The human-readable report. */
export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `machine: ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, Kafka ${m.kafka}, ${r.partitions} partitions; load average at start ${r.loadAverageAtStart.join(' / ')}`,
  );
  const t = r.throughput;
  if (t) {
    out.push('');
    out.push(
      `throughput run ${t.runId}: ${t.parcels} parcels (${t.records} records, ${t.produce.megabytes} MB), errors ${t.errors}, ` +
        (t.mode === 'paced' ? `paced at ${t.targetRate} parcels/s` : 'as fast as possible'),
    );
    out.push(
      table([
        ['figure', 'value'],
        ['parcels decided / expected', `${t.decisions.decided} / ${t.decisions.expected}`],
        ['parcels/s (decided / (last decision - first produce))', t.parcelsPerSecond],
        ['parcels/s sustained (10th..90th pct decision)', t.sustainedParcelsPerSecond],
        [
          'produce rate parcels/s (records/s)',
          `${t.produce.parcelsPerSecond} (${t.produce.recordsPerSecond})`,
        ],
        ['run time s (drain after last produce s)', `${t.seconds} (${t.drainSeconds})`],
        ['latency ms p50', t.latencyMs.p50],
        ['latency ms p95', t.latencyMs.p95],
        ['latency ms p99', t.latencyMs.p99],
        ['latency ms max', t.latencyMs.max],
        [
          'latency ms after the first 15 s: p50 / p95 / p99 / max',
          `${t.latencyMsAfterWarmup.p50} / ${t.latencyMsAfterWarmup.p95} / ${t.latencyMsAfterWarmup.p99} / ${t.latencyMsAfterWarmup.max}`,
        ],
        [
          'duplicates / foreign decisions / foreign input records',
          `${t.decisions.duplicates} / ${t.decisions.foreign} / ${t.foreignInputRecords}`,
        ],
        [
          'CPU s: broker / bench process / machine busy of capacity',
          `${t.cpu.brokerSeconds ?? '-'} / ${t.cpu.benchSeconds} / ${t.cpu.machineBusySeconds ?? '-'} of ${t.cpu.machineCapacitySeconds}`,
        ],
        [
          'load average before / after',
          `${t.loadAverage.before.join(' ')} / ${t.loadAverage.after.join(' ')}`,
        ],
      ]),
    );
    out.push('');
    out.push(
      table([
        ['process', 'CPU s in run', 'CPU s total', 'peak RSS MiB'],
        ...t.services.map(
          (s) => [s.instance, s.cpuSeconds, s.cpuSecondsTotal, s.peakRssMiB] as Array<string | number>,
        ),
      ]),
    );
    out.push('');
    out.push(
      table([
        [
          'service',
          'records in',
          'records out',
          'txns',
          'in/txn',
          'commit ms',
          'batch ms',
          'aborts',
          'rebalances',
        ],
        ...Object.entries(t.runtime).map(
          ([name, f]) =>
            [
              name,
              sumOf(f!.recordsIn),
              sumOf(f!.recordsOut),
              f!.transactionsCommitted,
              f!.avgTransactionRecords,
              f!.avgCommitMs,
              f!.avgBatchMs,
              f!.transactionsAborted,
              f!.rebalances,
            ] as Array<string | number>,
        ),
      ]),
    );
    if (Object.keys(t.settings).length)
      out.push(
        `service settings: ${Object.entries(t.settings)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
  }
  const s = r.restore;
  if (s) {
    out.push('');
    out.push(
      `restore run ${s.runId}: ${s.pending} pending cases, restart by ${s.restart}, ${s.localState === 'same' ? 'on the same local state directory' : 'on a fresh local state directory'}`,
    );
    out.push(
      table([
        ['figure', 'value'],
        ['orders taken in /s', s.ingest.ordersPerSecond],
        [
          'store entries before restart',
          Object.entries(s.storeEntries)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ],
        ['matcher #1 peak RSS MiB', s.firstInstance.peakRssMiB],
        [`restore s (slowest task, from ${s.restore.source})`, s.restore.seconds],
        [
          'restore tasks / mean task s / slowest at most s',
          `${s.restore.tasks} / ${s.restore.meanTaskSeconds} / ${s.restore.maxTaskSecondsAtMost}`,
        ],
        ['records restored', s.restore.records],
        ['records restored /s', s.restore.recordsPerSecond],
        ['spawn to ready s', s.spawnToReadySeconds],
        ['unavailable s (old gone -> new ready)', s.unavailableSeconds],
        ['matcher #2 peak RSS MiB', s.secondInstance.peakRssMiB],
      ]),
    );
  }
  const k = r.retained;
  if (k) {
    out.push('');
    out.push(
      `retained run ${k.runId}: ${k.parcels} parcels' lifecycle states, stores ${k.state === 'disk' ? 'on disk' : 'in memory'}`,
    );
    out.push(
      table([
        ['figure', 'value'],
        ['decisions taken in /s', k.intakePerSecond],
        [
          'store entries',
          Object.entries(k.storeEntries)
            .map(([s, n]) => `${s} ${n}`)
            .join(', '),
        ],
        ['peak RSS MiB', k.peakRssMiB],
        ['RSS at the end: anonymous / file-backed MiB', `${k.rssAnonMiB} / ${k.rssFileMiB}`],
        ['CPU s', k.cpuSeconds],
        ...(k.cgroup
          ? [
              [
                `memory cgroup (limit ${k.cgroup.limitMiB} MiB): max usage / rss / cache MiB`,
                `${k.cgroup.maxUsageMiB} / ${k.cgroup.rssMiB} / ${k.cgroup.cacheMiB}`,
              ],
              ['memory cgroup: limit hits (failcnt) / OOM kills', `${k.cgroup.failcnt} / ${k.cgroup.oomKills}`],
            ]
          : []),
      ]),
    );
  }
  const f = r.failover;
  if (f) {
    out.push('');
    out.push(
      `failover run ${f.runId}: ${f.pending} pending cases, two matchers with a standby each, one killed`,
    );
    out.push(
      table([
        ['figure', 'value'],
        ['session timeout ms', f.sessionTimeoutMs],
        ['tasks moved', f.tasksMoved],
        ['standby records applied before the kill', f.standbyRecordsBeforeKill],
        ['unavailable s (kill -> every task running)', f.unavailableSeconds],
        ['records restored after the kill', f.recordsRestored],
        ['survivor peak RSS MiB', f.survivorPeakRssMiB],
      ]),
    );
  }
  const g = r.targets;
  out.push('');
  out.push(
    table([
      ['target', 'wanted', 'measured', 'met'],
      [
        'parcels/s end to end',
        `>= ${g.parcelsPerSecond.target}`,
        g.parcelsPerSecond.measured ?? '-',
        yes(g.parcelsPerSecond.met),
      ],
      [
        `p99 latency ms${g.p99LatencyMs.paced ? ` at ${g.p99LatencyMs.atRate}/s` : ' (unpaced run: not the half-rate figure)'}`,
        `< ${g.p99LatencyMs.target}`,
        g.p99LatencyMs.measured ?? '-',
        g.p99LatencyMs.paced ? yes(g.p99LatencyMs.met) : '-',
      ],
      [
        `restore s for 1M pending${g.restoreSeconds.pending && g.restoreSeconds.pending !== 1_000_000 ? ` (linear from ${g.restoreSeconds.pending})` : ''}`,
        `< ${g.restoreSeconds.target}`,
        g.restoreSeconds.linearTo1M ?? '-',
        yes(g.restoreSeconds.met),
      ],
    ]),
  );
  return out.join('\n');
}

function sumOf(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}
