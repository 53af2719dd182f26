/**
 * The services under test, each as its own Node process (tools/cli startService): matcher, risk
 * and lifecycle (departure splitter + lifecycle), with application ids / group ids unique to the
 * run. Keeps every process it started so afterAll can stop them whatever happened.
 */
import { LocalCodecs } from '@clearance/contracts';
import { lifecycleService } from '@clearance/lifecycle';
import { matcherService } from '@clearance/matcher';
import type { StreamsServiceSpec } from '@clearance/nest-streams';
import { riskService } from '@clearance/risk';
import { silentLogger, type Logger } from '@clearance/streams';
import {
  killService,
  startService,
  stopService,
  type ServiceName,
  type ServiceProcess,
} from '@clearance/cli';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TopicToCreate } from './stack';

export type PipelineService = Extract<ServiceName, 'matcher' | 'risk' | 'lifecycle'>;

export interface PipelineIds {
  matcher: string;
  risk: string;
  splitter: string;
  lifecycle: string;
}

/** Application ids (= group ids) of one run: `<runId>-<processor>`. */
export const pipelineIds = (runId: string): PipelineIds => ({
  matcher: `${runId}-matcher`,
  risk: `${runId}-risk`,
  splitter: `${runId}-departure-splitter`,
  lifecycle: `${runId}-lifecycle`,
});

const SPECS: Record<PipelineService, StreamsServiceSpec<unknown>> = {
  matcher: matcherService as StreamsServiceSpec<unknown>,
  risk: riskService as StreamsServiceSpec<unknown>,
  lifecycle: lifecycleService as StreamsServiceSpec<unknown>,
};

/**
 * The changelog and checkpoint topics the services' runtimes would create at start
 * (`<applicationId>.<store>.changelog`, `<applicationId>.__checkpoint.changelog`), from the
 * services' own processor definitions under `env`.
 */
export function internalTopics(env: Record<string, string>, partitions: number): TopicToCreate[] {
  const out: TopicToCreate[] = [];
  for (const spec of Object.values(SPECS)) {
    const config = spec.config.parse(env);
    const definitions = spec.definitions({
      env: {} as never,
      config,
      codecs: new LocalCodecs() as never,
      logger: silentLogger as Logger as never,
    });
    for (const d of definitions) {
      for (const [store, s] of Object.entries(
        (d.stores ?? {}) as Record<string, { changelogConfig?: Record<string, string> }>,
      ))
        out.push({
          topic: `${d.name}.${store}.changelog`,
          partitions,
          config: { ...(s.changelogConfig ?? {}), 'cleanup.policy': 'compact' },
        });
      out.push({
        topic: `${d.name}.__checkpoint.changelog`,
        partitions,
        config: { 'segment.ms': '3600000', 'min.cleanable.dirty.ratio': '0.1', 'cleanup.policy': 'compact' },
      });
    }
  }
  return out;
}

export class Services {
  private readonly running = new Map<PipelineService, ServiceProcess>();
  /** Every process ever started, for the final cleanup. */
  private readonly all: ServiceProcess[] = [];
  private starts = 0;
  /** Starts that failed on the known topic-creation race and were retried. */
  readonly startRetries: string[] = [];

  /**
   * Local state of the persistent stores, one directory per service: a restarted process (after
   * SIGKILL too) finds its predecessor's state and restores only the changelog tail past it.
   */
  private readonly stateRoot = mkdtempSync(path.join(tmpdir(), 'pipeline-state-'));

  constructor(
    private readonly env: Record<string, string>,
    /** The environment of one service: with its own least-privilege principal (default: `env`). */
    private readonly envOf: (env: Record<string, string>, name: PipelineService) => Record<string, string> = (e) => e,
  ) {}

  async start(name: PipelineService): Promise<ServiceProcess> {
    for (let attempt = 1; ; attempt++) {
      try {
        const svc = await startService(name, { STATE_DIR: path.join(this.stateRoot, name), ...this.envOf(this.env, name) }, {
          instance: `${name}#${++this.starts}`,
          timeoutMs: 120_000,
        });
        this.all.push(svc);
        this.running.set(name, svc);
        return svc;
      } catch (e) {
        // Known start-up race (reported): kafkajs createTopics(waitForLeaders) gives up when the
        // broker answers UNKNOWN_TOPIC_OR_PARTITION for a topic it has just created, and the
        // runtime exits. The topics exist by then, so a second start goes through.
        const message = (e as Error).message;
        if (attempt >= 3 || !/does not host this topic-partition/.test(message)) throw e;
        this.startRetries.push(`${name} attempt ${attempt}: ${message.split('\n').pop()}`);
      }
    }
  }

  /** SIGKILL (a crash: no commit, no leave-group), then a new process with the same ids. */
  async crashAndRestart(name: PipelineService): Promise<ServiceProcess> {
    const svc = this.running.get(name);
    if (!svc) throw new Error(`${name} is not running`);
    await killService(svc);
    this.running.delete(name);
    return this.start(name);
  }

  /** Last output lines of every process started, for failure messages. */
  tails(): string {
    return this.all
      .map(
        (s) =>
          `--- ${s.name} (pid ${s.child.pid}, exit ${s.child.exitCode ?? s.child.signalCode ?? 'running'})\n${s.tail()}`,
      )
      .join('\n');
  }

  /** Processes that died on their own (not killed by the test). */
  unexpectedExits(): string[] {
    return [...this.running.values()]
      .filter(
        (s) => s.child.exitCode !== null || (s.child.signalCode !== null && s.child.signalCode !== 'SIGKILL'),
      )
      .map((s) => `${s.name} exited (${s.child.exitCode ?? s.child.signalCode}):\n${s.tail()}`);
  }

  /** Graceful stop of everything still running (SIGTERM, SIGKILL after the grace period). */
  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((s) => stopService(s, 15_000).catch(() => undefined)));
    this.running.clear();
    rmSync(this.stateRoot, { recursive: true, force: true });
  }
}
