/**
 * The services under measurement, each instance its own Node process (tools/cli startService),
 * with CPU and peak RSS read from /proc and counters from their /metrics endpoints.
 */
import {
  killService,
  processUsage,
  startService,
  stopService,
  type ProcessUsage,
  type ServiceProcess,
} from '@clearance/cli';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Metrics, scrape } from './prom';
import { freePort, type BenchService } from './setup';

export interface Instance {
  service: BenchService;
  name: string;
  proc: ServiceProcess;
  url: string;
  /** /proc usage when the measured window opened. */
  baseline?: ProcessUsage;
  /** Last /proc usage read while it was alive. */
  last?: ProcessUsage;
}

export interface InstanceReport {
  instance: string;
  pid: number;
  /** CPU seconds (user + system) spent inside the measured window. */
  cpuSeconds: number;
  /** CPU seconds since the process started (boot, restore, run). */
  cpuSecondsTotal: number;
  peakRssMiB: number;
}

export class ServiceSet {
  readonly instances: Instance[] = [];
  private sampler?: NodeJS.Timeout;
  private counter = 0;
  /** Instances the bench stopped or killed itself. */
  private readonly ended = new Set<Instance>();
  /** Local state directories of the instances (persistent stores), removed by `stopAll`. */
  readonly stateRoot = mkdtempSync(path.join(tmpdir(), 'bench-state-'));

  constructor(
    private readonly env: Record<string, string>,
    private readonly log: (s: string) => void,
    /** Where CPU profiles of the measured window go (src/profiler.js in every instance), if anywhere. */
    private readonly cpuProfileDir?: string,
  ) {}

  private profilerEnv(service: BenchService, extra: Record<string, string>): Record<string, string> {
    if (!this.cpuProfileDir) return {};
    const base = extra.NODE_OPTIONS ?? this.env.NODE_OPTIONS ?? '';
    return {
      NODE_OPTIONS: `${base} --require ${path.join(__dirname, 'profiler.js')}`.trim(),
      BENCH_CPU_PROF_DIR: path.resolve(this.cpuProfileDir),
      BENCH_CPU_PROF_NAME: service,
    };
  }

  /** Starts (first call) or stops and writes (second call) the CPU profile of every live instance (or of `only`). */
  async toggleProfilers(waitMs: number, only?: Instance): Promise<void> {
    if (!this.cpuProfileDir) return;
    for (const i of only ? [only] : this.instances)
      if (i.proc.child.exitCode === null && i.proc.child.signalCode === null) i.proc.child.kill('SIGWINCH');
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }

  private stateDirFor(name: string): string {
    return path.join(this.stateRoot, name.replace('#', '-'));
  }

  /** The local state directory an instance was started with (unless its caller named another). */
  stateDirOf(inst: Instance): string {
    return this.stateDirFor(inst.name);
  }

  /** Starts one instance and waits for /health/ready; retries the known topic-creation race. */
  async start(service: BenchService, extraEnv: Record<string, string> = {}): Promise<Instance> {
    const name = `${service}#${++this.counter}`;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const started = Date.now();
      try {
        const proc = await startService(
          service,
          {
            // each instance its own local state directory unless the caller names one (a restart on the same state)
            STATE_DIR: this.stateDirFor(name),
            ...this.env,
            ...extraEnv,
            ...this.profilerEnv(service, extraEnv),
          },
          { port, instance: name, timeoutMs: 180_000 },
        );
        const inst: Instance = { service, name, proc, url: `http://127.0.0.1:${port}` };
        this.instances.push(inst);
        this.log(
          `${name} ready (pid ${proc.child.pid}, port ${port}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        return inst;
      } catch (e) {
        const message = (e as Error).message;
        if (attempt >= 3 || !/does not host this topic-partition|EADDRINUSE/.test(message)) throw e;
        this.log(`${name} start attempt ${attempt} failed (${message.split('\n').pop()}); retrying`);
      }
    }
  }

  /** Reads /proc usage of every live instance now (kept as `last`; dead processes keep their last reading). */
  sample(): void {
    for (const i of this.instances) {
      const pid = i.proc.child.pid;
      if (pid === undefined || i.proc.child.exitCode !== null || i.proc.child.signalCode !== null) continue;
      const u = processUsage(pid);
      if (u) i.last = u;
    }
  }

  /** Samples every second in the background (peak RSS and CPU survive a kill). */
  startSampling(): void {
    this.sample();
    this.sampler = setInterval(() => this.sample(), 1000);
    this.sampler.unref();
  }

  /** Opens the measured window: CPU counted from here. */
  markBaseline(): void {
    this.sample();
    for (const i of this.instances) i.baseline = i.last;
  }

  report(): InstanceReport[] {
    this.sample();
    return this.instances.map((i) => ({
      instance: i.name,
      pid: i.proc.child.pid ?? -1,
      cpuSeconds: Math.max(0, (i.last?.cpuSeconds ?? 0) - (i.baseline?.cpuSeconds ?? 0)),
      cpuSecondsTotal: i.last?.cpuSeconds ?? 0,
      peakRssMiB: i.last?.peakRssMiB ?? 0,
    }));
  }

  /** /metrics of every live instance of a service. */
  async metrics(service: BenchService): Promise<Metrics[]> {
    const live = this.instances.filter(
      (i) => i.service === service && i.proc.child.exitCode === null && i.proc.child.signalCode === null,
    );
    return Promise.all(live.map((i) => scrape(i.url)));
  }

  /** Processes that died without the bench stopping or killing them. */
  unexpectedExits(): string[] {
    return this.instances
      .filter(
        (i) => !this.ended.has(i) && (i.proc.child.exitCode !== null || i.proc.child.signalCode !== null),
      )
      .map(
        (i) => `${i.name} exited (${i.proc.child.exitCode ?? i.proc.child.signalCode}):\n${i.proc.tail()}`,
      );
  }

  async kill(inst: Instance): Promise<void> {
    this.sample();
    this.ended.add(inst);
    await killService(inst.proc);
  }

  async stop(inst: Instance): Promise<void> {
    this.sample();
    this.ended.add(inst);
    await stopService(inst.proc, 30_000);
  }

  async stopAll(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.sample();
    for (const i of this.instances) this.ended.add(i);
    await Promise.all(this.instances.map((i) => stopService(i.proc, 30_000).catch(() => undefined)));
    rmSync(this.stateRoot, { recursive: true, force: true });
  }
}
