import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './env';

/** Services that run as their own process (as on Kubernetes): `services/<name>/src/main.ts`. */
export const SERVICE_NAMES = ['matcher', 'risk', 'lifecycle', 'declaration', 'projector', 'query-api'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  port: number;
  /** Last lines of its output, for error messages. */
  tail(): string;
  exited: Promise<number | null>;
}

let nextPort = 19100;

/**
 * V8 settings every stream service runs with (Dockerfile and deploy/k8s set the same): a 64 MiB
 * young generation. The services keep many mid-lived objects (fetched records, open
 * transactions); with V8's default 16 MiB semi-spaces they survive scavenges and get copied and
 * promoted. Measured on a 250,000-parcel catch-up: 0.342 -> 0.313 CPU ms per parcel (128 MiB
 * was no better). See docs/BENCHMARKS.md.
 */
export const SERVICE_NODE_OPTIONS = '--max-semi-space-size=64';

/** `NODE_OPTIONS` with the services' V8 settings, unless it already sets the semi-space size. */
export function withServiceNodeOptions(current: string | undefined): string {
  const base = (current ?? '').trim();
  return base.includes('--max-semi-space-size') ? base : `${base} ${SERVICE_NODE_OPTIONS}`.trim();
}

/**
 * Starts a service alone, as its own Node process, with the stack addresses in its environment
 * and its own HTTP port; resolves once `/health/ready` answers 200 (or `readyPath`).
 */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  opts: { port?: number; readyPath?: string; timeoutMs?: number; instance?: string } = {},
): Promise<ServiceProcess> {
  const port = opts.port ?? nextPort++;
  const main = path.join(REPO_ROOT, 'services', name, 'src', 'main.ts');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...env,
      NODE_OPTIONS: withServiceNodeOptions(env.NODE_OPTIONS ?? process.env.NODE_OPTIONS),
      HTTP_PORT: String(port),
      PORT: String(port),
      LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // SERVICE_LOG_DIR: every line of every service process also goes to <dir>/<instance>.log
  const logDir = process.env.SERVICE_LOG_DIR;
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    const file = createWriteStream(path.join(logDir, `${(opts.instance ?? name).replace(/[^\w.-]/g, '_')}.log`), {
      flags: 'a',
    });
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const svc: ServiceProcess = { name: opts.instance ?? name, child, port, tail: () => lines.join('\n'), exited };
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const url = `http://127.0.0.1:${port}${opts.readyPath ?? '/health/ready'}`;
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${name} exited with ${exitCode} before it was ready:\n${svc.tail()}`);
    try {
      if ((await fetch(url)).status === 200) return svc;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready within ${opts.timeoutMs ?? 120_000} ms:\n${svc.tail()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** SIGTERM and wait (graceful shutdown); SIGKILL after `graceMs`. */
export async function stopService(svc: ServiceProcess, graceMs = 20_000): Promise<void> {
  if (svc.child.exitCode !== null || svc.child.signalCode !== null) return;
  svc.child.kill('SIGTERM');
  const timer = setTimeout(() => svc.child.kill('SIGKILL'), graceMs);
  await svc.exited;
  clearTimeout(timer);
}

/** SIGKILL: a crash, no chance to finish anything. */
export async function killService(svc: ServiceProcess): Promise<void> {
  svc.child.kill('SIGKILL');
  await svc.exited;
}

export interface ProcessUsage {
  /** Peak resident set size in MiB (VmHWM). */
  peakRssMiB: number;
  /** User + system CPU seconds. */
  cpuSeconds: number;
}

/** Reads peak RSS and CPU time of a live process from /proc (Linux). */
export function processUsage(pid: number): ProcessUsage | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { peakRssMiB: hwm ? Number(hwm[1]) / 1024 : 0, cpuSeconds: ticks / 100 };
  } catch {
    return undefined;
  }
}
