/**
 * Retained lifecycle state: N parcels' states held by one lifecycle instance (its `parcels` store
 * and `expiries` index), with the persistent stores on disk (`--state disk`, the default) or in
 * the heap (`--state memory`: no STATE_DIR). The load is N rejection decisions for N distinct
 * waybills (a rejected parcel keeps no manifest: its state is the size of a departed parcel's,
 * which is what the retention period is made of), cloned from decisions the real matcher and
 * risk processors made for generated parcels, produced while the instance takes them in.
 * Reported: intake rate, the instance's RSS (peak; anonymous and file-backed at the end), store
 * entries.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LocalCodecs, Topics, type Decision } from '@clearance/contracts';
import { inEventTimeOrder, NO_ERRORS, ParcelGenerator, referenceRecords } from '@clearance/generator';
import { defaultMatcherConfig, matcherProcessor } from '@clearance/matcher';
import { defaultRiskConfig, riskProcessor } from '@clearance/risk';
import { BatchProducer } from '@clearance/cli';
import { TestDriver, type AnyProcessorDefinition } from '@clearance/streams';
import { scrape } from './prom';
import { ServiceSet } from './services';
import {
  createInternalTopics,
  dropRunArtifacts,
  newRunId,
  serviceEnv,
  startGroupsAtEnd,
  type BenchStack,
} from './setup';
import { round } from './stats';

export interface RetainedOptions {
  parcels: number;
  state: 'disk' | 'memory';
  env: Record<string, string>;
  keep: boolean;
  /** Run the lifecycle instance in a memory cgroup with this limit (MiB; Linux, cgroup v1 memory controller, root). */
  memoryLimitMiB?: number;
}

export interface RetainedResult {
  runId: string;
  parcels: number;
  state: 'disk' | 'memory';
  /** Decisions taken in per second (first send to the last one counted in). */
  intakePerSecond: number;
  intakeSeconds: number;
  storeEntries: Record<string, number>;
  peakRssMiB: number;
  /** At the end: anonymous memory (heap and native) and file-backed pages (LMDB's map) in RSS. */
  rssAnonMiB: number;
  rssFileMiB: number;
  cpuSeconds: number;
  /**
   * With a memory limit: the cgroup's figures (page cache counts against the limit and is
   * reclaimed under it). The instance joins the cgroup once ready: what it held at that moment
   * (~150 MiB at boot) stays charged outside it.
   */
  cgroup?: {
    limitMiB: number;
    maxUsageMiB: number;
    failcnt: number;
    oomKills: number;
    rssMiB: number;
    cacheMiB: number;
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDriver = TestDriver<any, any, any, any>;

/** Decisions of the real matcher and risk processors for `n` generated parcels. */
async function templateDecisions(n: number): Promise<Decision[]> {
  const codecs = new LocalCodecs();
  const driver = async (definition: AnyProcessorDefinition): Promise<AnyDriver> => {
    const d: AnyDriver = new TestDriver(definition, {
      partitions: 12,
      roundTripStores: false,
      repipe: false,
    });
    const globals = (definition.globals ?? {}) as Record<string, { topic: string }>;
    const byTopic = new Map(Object.entries(globals).map(([name, g]) => [g.topic, name]));
    for (const r of referenceRecords()) {
      const name = byTopic.get(r.topic.name);
      if (name) await d.pipeGlobal(name, r.key, r.value);
    }
    return d;
  };
  const generator = new ParcelGenerator({
    seed: 7,
    startTime: Date.now() - 3_600_000,
    errors: NO_ERRORS,
    ratePerSecondOfEventTime: 1000,
    maxDocumentDelayMs: 1000,
  });
  const parcels = Array.from({ length: n }, () => generator.next());
  const matcher = await driver(
    matcherProcessor({ codecs, config: defaultMatcherConfig() }) as AnyProcessorDefinition,
  );
  for (const { send } of inEventTimeOrder(parcels))
    await matcher.pipe(send.topic, send.key, send.value as never, { timestamp: send.timestamp });
  const risk = await driver(riskProcessor({ codecs, config: defaultRiskConfig() }) as AnyProcessorDefinition);
  for (const m of matcher.rawRecords(Topics.manifest.name))
    await risk.pipeRaw(Topics.manifest.name, m.key, m.value, { timestamp: m.timestamp });
  return Promise.all(
    risk.rawRecords(Topics.decision.name).map((d) => codecs.decode(Topics.decision, d.value)),
  );
}

const CGROUP_ROOT = '/sys/fs/cgroup/memory';

/** A memory cgroup (v1) holding one process, limited to `limitMiB`. */
class MemoryCgroup {
  readonly dir: string;
  constructor(
    name: string,
    readonly limitMiB: number,
  ) {
    if (!existsSync(path.join(CGROUP_ROOT, 'memory.limit_in_bytes')))
      throw new Error(
        `--memory-limit-mib needs the cgroup v1 memory controller at ${CGROUP_ROOT} (and root)`,
      );
    this.dir = path.join(CGROUP_ROOT, name);
    mkdirSync(this.dir);
    writeFileSync(path.join(this.dir, 'memory.limit_in_bytes'), String(limitMiB * 2 ** 20));
  }
  add(pid: number): void {
    writeFileSync(path.join(this.dir, 'cgroup.procs'), String(pid));
  }
  private read(file: string): string {
    return readFileSync(path.join(this.dir, file), 'utf8');
  }
  figures(): NonNullable<RetainedResult['cgroup']> {
    const stat = new Map(
      this.read('memory.stat')
        .split('\n')
        .map((l) => l.split(' '))
        .filter((p) => p.length === 2)
        .map(([k, v]) => [k, Number(v)] as const),
    );
    const oom = /oom_kill (\d+)/.exec(this.read('memory.oom_control'));
    return {
      limitMiB: this.limitMiB,
      maxUsageMiB: round(Number(this.read('memory.max_usage_in_bytes')) / 2 ** 20),
      failcnt: Number(this.read('memory.failcnt')),
      oomKills: oom ? Number(oom[1]) : 0,
      rssMiB: round((stat.get('rss') ?? 0) / 2 ** 20),
      cacheMiB: round((stat.get('cache') ?? 0) / 2 ** 20),
    };
  }
  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      // a process still in it: left for the operator
    }
  }
}

function rssBreakdown(pid: number): { anon: number; file: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
  } catch {
    return { anon: 0, file: 0 };
  }
}

export async function runRetained(
  stack: BenchStack,
  opts: RetainedOptions,
  log: (s: string) => void,
): Promise<RetainedResult> {
  const runId = newRunId();
  const env = serviceEnv(stack, runId, {
    ...opts.env,
    ...(opts.state === 'memory' ? { STATE_DIR: '' } : {}),
  });
  const templates = await templateDecisions(2_000);
  log(
    `retained run ${runId}: ${opts.parcels} parcels' lifecycle states (${opts.state}), ${templates.length} template decisions`,
  );
  await createInternalTopics(stack.admin, ['lifecycle'], env, stack.env.PARTITIONS);
  const { groups } = await startGroupsAtEnd(stack, runId, ['lifecycle'], env);
  const services = new ServiceSet(env, log);
  const cgroup = opts.memoryLimitMiB
    ? new MemoryCgroup(`clearance-${runId}`, opts.memoryLimitMiB)
    : undefined;
  try {
    const inst = await services.start('lifecycle');
    if (cgroup) {
      cgroup.add(inst.proc.child.pid!);
      log(`lifecycle instance in memory cgroup ${cgroup.dir} (limit ${cgroup.limitMiB} MiB)`);
    }
    services.startSampling();
    services.markBaseline();
    const producer = new BatchProducer(stack.kafka, stack.codecs);
    await producer.connect();
    const firstAt = Date.now();
    const now = Date.now();
    let lastLine = Date.now();
    const counted = async () =>
      (await scrape(inst.url)).sum('streams_records_in_total', { topic: Topics.decision.name });
    for (let i = 0; i < opts.parcels; i++) {
      const t = templates[i % templates.length];
      const waybillKey = `${t.manifest.logisticsCode}|RB${runId.slice(-6)}${String(i).padStart(10, '0')}`;
      const decision: Decision = {
        ...t,
        guid: `${runId}-${i}`,
        waybillKey,
        outcome: 'REJECT',
        decidedAt: now,
        lastDocumentTime: now,
      };
      await producer.add(Topics.decision, waybillKey, decision, now);
      if (Date.now() - lastLine > 10_000) {
        lastLine = Date.now();
        log(`sent ${i + 1}/${opts.parcels} decisions; the lifecycle has taken ${await counted()}`);
      }
    }
    await producer.flush();
    await producer.disconnect();
    log(`sent ${opts.parcels} decisions in ${((Date.now() - firstAt) / 1000).toFixed(0)} s`);
    let lastIn = -1;
    let lastChange = Date.now();
    for (;;) {
      const n = await counted();
      if (n >= opts.parcels) break;
      if (n !== lastIn) {
        lastIn = n;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > 120_000)
        throw new Error(`the lifecycle stopped at ${n}/${opts.parcels}`);
      if (Date.now() - lastLine > 10_000) {
        lastLine = Date.now();
        log(`the lifecycle has taken ${n}/${opts.parcels}`);
      }
      const dead = services.unexpectedExits();
      if (dead.length > 0) throw new Error(`the lifecycle died:\n${dead.join('\n')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const intakeSeconds = (Date.now() - firstAt) / 1000;
    await new Promise((r) => setTimeout(r, 6_000)); // store gauges refresh every 5 s
    const m = await scrape(inst.url);
    const usage = services.report()[0];
    const rss = rssBreakdown(inst.proc.child.pid!);
    return {
      runId,
      parcels: opts.parcels,
      state: opts.state,
      intakePerSecond: round(opts.parcels / intakeSeconds),
      intakeSeconds: round(intakeSeconds),
      storeEntries: m.by('streams_store_entries', 'store'),
      peakRssMiB: round(usage.peakRssMiB),
      rssAnonMiB: round(rss.anon),
      rssFileMiB: round(rss.file),
      cpuSeconds: round(usage.cpuSeconds),
      ...(cgroup ? { cgroup: cgroup.figures() } : {}),
    };
  } finally {
    await services.stopAll();
    cgroup?.remove();
    if (!opts.keep) await dropRunArtifacts(stack.admin, runId, groups);
  }
}
