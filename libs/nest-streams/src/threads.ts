import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type pino from 'pino';
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';
import type { AssignmentStatus, StreamsRuntime } from '@clearance/streams';

/**
 * Stream threads: `STREAM_THREADS=N` runs a service's processors in N worker threads of one
 * process, as Kafka Streams' `num.stream.threads`. Each thread is a full member of the consumer
 * groups with its own consumer, producers and stores (tasks are spread over threads as over
 * instances: transactional ids are per task, so nothing changes for exactly-once). A JavaScript
 * thread uses one core; this uses the others of a pod or machine without more processes.
 *
 * The main thread validates the configuration, registers the schemas, serves HTTP (health from
 * every thread's last status, metrics summed over threads) and owns the lifecycle: it starts the
 * threads, stops them on shutdown (each finishes or aborts its open transactions and leaves its
 * groups), and when a thread dies unexpectedly it stops the others and the process exits 1, so the
 * orchestrator restarts one whole instance rather than leaving it half-running.
 */

/** What the health endpoints read: one entry per processor (per thread). */
export interface RuntimeStatus {
  name: string;
  isAlive(): boolean;
  isReady(): boolean;
  assignment(): AssignmentStatus;
}

/** Something the transport starts and stops: a runtime, or a set of stream threads. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Where /metrics comes from: a registry, or the threads' registries summed. */
export interface MetricsSource {
  metrics(): Promise<string>;
}

export function runtimeStatus(
  runtime: Pick<StreamsRuntime, 'definition' | 'isAlive' | 'isReady' | 'assignment'>,
): RuntimeStatus {
  return {
    name: runtime.definition.name,
    isAlive: () => runtime.isAlive(),
    isReady: () => runtime.isReady(),
    assignment: () => runtime.assignment(),
  };
}

// ------------------------------------------------------------------------------- protocol
interface ThreadData {
  role: 'stream-thread';
  index: number;
}

type metric = MetricObjectWithValues<MetricValue<string>>;

interface StatusSnapshot {
  name: string;
  alive: boolean;
  ready: boolean;
  assignment: AssignmentStatus;
}

type FromThread =
  | { type: 'started' }
  | { type: 'start-failed'; message: string }
  | { type: 'status'; runtimes: StatusSnapshot[] }
  | { type: 'metrics'; id: number; metrics: metric[] }
  | { type: 'stopped' };

type ToThread = { type: 'metrics'; id: number } | { type: 'stop' };

/** How often a thread reports its status to the main thread. */
const STATUS_INTERVAL_MS = 500;
/** A status older than this (the thread's event loop stuck) counts as not alive. */
const STATUS_STALE_MS = 15_000;

/** In a worker started by {@link StreamThreads}: its index; otherwise undefined. */
export function streamThreadIndex(): number | undefined {
  if (isMainThread) return undefined;
  const data = workerData as Partial<ThreadData> | undefined;
  return data?.role === 'stream-thread' ? data.index : undefined;
}

// ------------------------------------------------------------------------------- main side
/**
 * The thread's Node options: the process's, plus a TypeScript loader when the entry is a .ts file
 * and the process has none of its own (a test runner transpiles in its own way).
 */
function threadExecArgv(entry: string): string[] {
  const argv = process.execArgv;
  const hasLoader = argv.some(
    (a, i) => a.includes('@swc-node/register') || (a === '-r' && argv[i + 1]?.includes('register')),
  );
  return entry.endsWith('.ts') && !hasLoader ? [...argv, '-r', '@swc-node/register'] : argv;
}

class ThreadHandle {
  readonly worker: Worker;
  statuses: StatusSnapshot[] = [];
  statusAt = 0;
  exited = false;
  private readonly pending = new Map<number, (m: metric[]) => void>();
  private nextId = 0;
  readonly started: Promise<void>;
  readonly exit: Promise<number>;

  constructor(
    readonly index: number,
    entry: string,
    env: NodeJS.ProcessEnv,
    onMessage: (h: ThreadHandle, m: FromThread) => void,
  ) {
    this.worker = new Worker(entry, {
      workerData: { role: 'stream-thread', index } satisfies ThreadData,
      execArgv: threadExecArgv(entry),
      env,
      stdout: false,
      stderr: false,
    });
    this.started = new Promise((resolve, reject) => {
      this.worker.on('message', (m: FromThread) => {
        if (m.type === 'started') resolve();
        else if (m.type === 'start-failed') reject(new Error(`stream thread ${index}: ${m.message}`));
        else if (m.type === 'metrics') {
          this.pending.get(m.id)?.(m.metrics);
          this.pending.delete(m.id);
        }
        onMessage(this, m);
      });
      this.worker.on('error', (e) => reject(e));
      this.worker.once('exit', (code) =>
        reject(new Error(`stream thread ${index} exited with ${code} while starting`)),
      );
    });
    this.started.catch(() => undefined);
    this.exit = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.exited = true;
        for (const r of this.pending.values()) r([]);
        this.pending.clear();
        resolve(code);
      }),
    );
  }

  send(m: ToThread): void {
    if (!this.exited) this.worker.postMessage(m);
  }

  metrics(timeoutMs: number): Promise<metric[]> {
    if (this.exited) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve([]);
      }, timeoutMs);
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.send({ type: 'metrics', id });
    });
  }
}

export class StreamThreads implements Startable, MetricsSource {
  private threads: ThreadHandle[] = [];
  private stopping = false;

  constructor(
    private readonly count: number,
    /** The module the threads run: the service's main module (it calls runStreamsServiceMain). */
    private readonly entry: string,
    /** The threads' environment: the settings the main thread validated. */
    private readonly env: NodeJS.ProcessEnv,
    private readonly logger: pino.Logger,
    /** Called once when a thread dies on its own (not on stop). */
    private readonly onThreadDied: (index: number, code: number) => void,
  ) {}

  private starting?: Promise<void>;

  /** Starts the threads once; later calls return the same promise (resolved when all have joined). */
  start(): Promise<void> {
    this.starting ??= this.startThreads();
    return this.starting;
  }

  private async startThreads(): Promise<void> {
    this.threads = Array.from(
      { length: this.count },
      (_, i) =>
        new ThreadHandle(i, this.entry, this.env, (h, m) => {
          if (m.type === 'status') {
            h.statuses = m.runtimes;
            h.statusAt = Date.now();
          }
        }),
    );
    for (const t of this.threads) {
      t.worker.on('error', (err) => this.logger.error({ err, thread: t.index }, 'stream thread failed'));
      void t.exit.then((code) => {
        if (this.stopping) return;
        this.logger.fatal({ thread: t.index, code }, 'stream thread exited: stopping the others');
        this.onThreadDied(t.index, code);
      });
    }
    try {
      await Promise.all(this.threads.map((t) => t.started));
      this.logger.info({ threads: this.count }, 'stream threads started');
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Every thread finishes or aborts its open transactions and leaves its groups, then exits. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.threads.map(async (t) => {
        t.send({ type: 'stop' });
        const code = await t.exit;
        if (code !== 0) this.logger.warn({ thread: t.index, code }, 'stream thread exited non-zero on stop');
      }),
    );
  }

  /** The worker threads (for tests and diagnostics). */
  workers(): Worker[] {
    return this.threads.map((t) => t.worker);
  }

  statuses(): RuntimeStatus[] {
    return this.threads.flatMap((t) => {
      const fresh = !t.exited && Date.now() - t.statusAt < STATUS_STALE_MS;
      return t.statuses.map((s) => ({
        name: `${s.name}#${t.index}`,
        isAlive: () => fresh && s.alive,
        isReady: () => fresh && s.ready,
        assignment: () => s.assignment,
      }));
    });
  }

  /** The threads' metrics summed (counters, histograms, gauges), in the Prometheus text format. */
  async metrics(): Promise<string> {
    const all = await Promise.all(this.threads.map((t) => t.metrics(5000)));
    return AggregatorRegistry.aggregate(all.filter((m) => m.length > 0)).metrics();
  }
}

// ------------------------------------------------------------------------------- thread side
/**
 * Runs in a stream thread: starts the runtimes, reports status every 500 ms and metrics on
 * request, and on `stop` stops them and exits.
 */
export async function serveStreamThread(
  runtimes: ReadonlyArray<
    Pick<StreamsRuntime, 'definition' | 'isAlive' | 'isReady' | 'assignment' | 'start' | 'stop'>
  >,
  registry: Registry,
  logger: pino.Logger,
): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('serveStreamThread runs only in a worker thread');
  const post = (m: FromThread) => port.postMessage(m);
  const snapshot = (): StatusSnapshot[] =>
    runtimes.map((r) => ({
      name: r.definition.name,
      alive: r.isAlive(),
      ready: r.isReady(),
      assignment: r.assignment(),
    }));
  try {
    for (const r of runtimes) await r.start();
  } catch (e) {
    await Promise.allSettled(runtimes.map((r) => r.stop()));
    post({ type: 'start-failed', message: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  }
  post({ type: 'started' });
  post({ type: 'status', runtimes: snapshot() });
  const timer = setInterval(() => post({ type: 'status', runtimes: snapshot() }), STATUS_INTERVAL_MS);
  port.on('message', (m: ToThread) => {
    if (m.type === 'metrics') {
      void registry.getMetricsAsJSON().then((metrics) => post({ type: 'metrics', id: m.id, metrics }));
    } else if (m.type === 'stop') {
      clearInterval(timer);
      void Promise.allSettled(runtimes.map((r) => r.stop())).then((results) => {
        for (const r of results)
          if (r.status === 'rejected') logger.error({ err: r.reason }, 'runtime did not stop cleanly');
        post({ type: 'stopped' });
        process.exit(0);
      });
    }
  });
}
