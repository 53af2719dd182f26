import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** CPU time of the whole machine from /proc/stat (ticks of 10 ms): busy and total. */
export interface CpuTicks {
  busy: number;
  total: number;
}

export function machineTicks(): CpuTicks | undefined {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const f = first.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the machine between two readings (all cores). */
export function busySeconds(from: CpuTicks | undefined, to: CpuTicks | undefined): number | undefined {
  return from && to ? (to.busy - from.busy) / 100 : undefined;
}

export function loadAverage(): number[] {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kafka: string;
  os: string;
}

/** Kafka's version from the broker jar the local stack runs (kafka_2.13-<version>.jar). */
function kafkaVersion(stackDir: string): string {
  try {
    const libs = path.join(stackDir, 'kafka', 'libs');
    if (!existsSync(libs)) return 'unknown';
    const jar = readdirSync(libs).find((f) => /^kafka_\d+\.\d+-[\d.]+\.jar$/.test(f));
    return jar ? jar.replace(/^kafka_[\d.]+-/, '').replace(/\.jar$/, '') : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machineInfo(stackDir: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kafka: kafkaVersion(stackDir),
    os: `${os.type()} ${os.release()}`,
  };
}

/**
 * PIDs of the Kafka brokers: BENCH_BROKER_PID (comma-separated), else the local stack's (its one
 * broker, or each node of a STACK_BROKERS=3 stack).
 */
export function brokerPids(stackDir: string): number[] {
  if (process.env.BENCH_BROKER_PID)
    return process.env.BENCH_BROKER_PID.split(',')
      .map((x) => Number(x.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
  const home = path.join(stackDir, 'kafka');
  const files = [path.join(home, 'kafka.pid')];
  try {
    for (const d of readdirSync(home)) if (/^node-\d+$/.test(d)) files.push(path.join(home, d, 'kafka.pid'));
  } catch {
    // no local stack
  }
  const pids: number[] = [];
  for (const f of files) {
    try {
      const pid = Number(readFileSync(f, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) pids.push(pid);
    } catch {
      // not there
    }
  }
  return pids;
}

/** CPU seconds of these processes together (user + system); undefined when one cannot be read. */
export function cpuSecondsOf(
  pids: ReadonlyArray<number>,
  read: (pid: number) => { cpuSeconds: number } | undefined,
): { cpuSeconds: number } | undefined {
  if (pids.length === 0) return undefined;
  let total = 0;
  for (const pid of pids) {
    const u = read(pid);
    if (!u) return undefined;
    total += u.cpuSeconds;
  }
  return { cpuSeconds: total };
}
