#!/usr/bin/env node
/**
 * `npm run -s bench:gateway -- [--messages N] [--nodes K] [--concurrency C] [--json]`: throughput of
 * the CEB XML gateway on the real stack: N CEB303 messages of K order nodes each (generated, every
 * guid new), posted by C concurrent keep-alive connections to a gateway running as its own process
 * (services/gateway/src/main.ts, as the operator), each node published to the participant's input
 * topic. Reports messages/s, nodes/s, latency per request and CPU per message of the gateway and
 * the broker, and checks the topic got exactly the nodes (nothing lost, nothing twice).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaEnv, participantTopics, RegistryCodecs } from '@clearance/contracts';
import { toCebXml, type FiledDoc } from '@clearance/ceb-xml';
import {
  addParticipant,
  baseTransferOf,
  cliEnv,
  processUsage,
  removeParticipant,
  REPO_ROOT,
} from '@clearance/cli';
import { NO_ERRORS, ParcelGenerator } from '@clearance/generator';
import { openPool } from '@clearance/postgres';
import { loadAverage, machineInfo, brokerPids, cpuSecondsOf } from './machine';
import { stackUp } from './setup';

const stackDir = process.env.STACK_DIR ?? path.join(REPO_ROOT, '.stack');
const log = (s: string) => process.stderr.write(`[bench:gateway] ${s}\n`);
const int =
  (what: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${what} must be an integer ${min}..${max}`);
    return n;
  };

interface Options {
  messages: number;
  nodes: number;
  concurrency: number;
  port: number;
  json?: boolean;
  stack: boolean;
  cpuProf?: string;
  workers: number;
}

/** CPU seconds and summed peak RSS of a process and its descendants (the gateway's workers). */
function treeUsage(root: number): { cpuSeconds: number; peakRssMiB: number } | undefined {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p))
      if (p === root) return true;
    return false;
  };
  let cpuSeconds = 0;
  let peakRssMiB = 0;
  let found = false;
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    const u = processUsage(pid);
    if (!u) continue;
    found = true;
    cpuSeconds += u.cpuSeconds;
    peakRssMiB += u.peakRssMiB;
  }
  return found ? { cpuSeconds, peakRssMiB } : undefined;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

async function post(
  agent: http.Agent,
  port: number,
  apiKey: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/ceb',
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/xml; charset=utf-8',
          'X-API-Key': apiKey,
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function waitHealthy(port: number, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the gateway exited (${child.exitCode}) before it was healthy`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the gateway was not healthy within 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(o: Options): Promise<void> {
  if (o.stack) stackUp();
  const env = cliEnv();
  const kafka = new Kafka({ clientId: 'bench-gateway', ...env.kafka, logLevel: logLevel.ERROR });
  const codecs = new RegistryCodecs({ url: env.SCHEMA_REGISTRY_URL });
  await codecs.register();
  const admin = kafka.admin();
  await admin.connect();
  const code = `BENCH${randomBytes(3).toString('hex').toUpperCase()}`;
  const schema = `bench_gw_${code.toLowerCase()}`;
  log(`registering platform ${code} (its API key, its input topics)`);
  const s = await addParticipant(kafka, admin, codecs, {
    role: 'PLATFORM',
    code,
    partitions: env.PARTICIPANT_PARTITIONS,
    connection: env.kafka,
    env: { ...process.env, SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL },
  });
  const topic = participantTopics('PLATFORM', code).inputs[0].topic;

  log(`generating ${o.messages} messages of ${o.nodes} node(s)`);
  const generator = new ParcelGenerator({
    seed: 7,
    startTime: Date.now(),
    errors: NO_ERRORS,
    mix: { importShare: 0 },
  });
  const bodies: string[] = [];
  for (let i = 0; i < o.messages; i++) {
    const docs: FiledDoc[] = [];
    for (let j = 0; j < o.nodes; j++) {
      const p = generator.next();
      docs.push({ kind: 'ORDER', doc: { ...p.order, ebpCode: code } });
    }
    bodies.push(toCebXml(docs, baseTransferOf(code)));
  }
  const bytes = bodies.reduce((n, b) => n + Buffer.byteLength(b), 0);

  const profile = o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(o.cpuProf)] : [];
  const child = spawn(
    process.execPath,
    [...profile, '-r', '@swc-node/register', path.join(REPO_ROOT, 'services/gateway/src/main.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...kafkaEnv(process.env),
        SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
        DATABASE_URL: env.DATABASE_URL,
        GATEWAY_PORT: String(o.port),
        GATEWAY_SCHEMA: schema,
        GATEWAY_APPLICATION_ID: `bench-gateway-${code.toLowerCase()}`,
        GATEWAY_WORKERS: String(o.workers),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const pool = await openPool(env.DATABASE_URL, 1);
  try {
    await waitHealthy(o.port, child);
    log(`gateway up (pid ${child.pid}); posting with ${o.concurrency} connections`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
    // warm-up: a few messages of their own (JIT, registry ids, connections)
    const warm = Array.from({ length: Math.min(50, Math.ceil(o.messages / 20)) }, () => {
      const p = generator.next();
      return toCebXml([{ kind: 'ORDER', doc: { ...p.order, ebpCode: code } }], baseTransferOf(code));
    });
    for (const b of warm) await post(agent, o.port, s.apiKey, b);
    const bpids = brokerPids(stackDir);
    const g0 = treeUsage(child.pid!);
    const b0 = cpuSecondsOf(bpids, processUsage);
    const c0 = process.cpuUsage();
    const started = Date.now();
    const latencies: number[] = [];
    let next = 0;
    let accepted = 0;
    let failed = 0;
    let lastLog = Date.now();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= bodies.length) return;
          const t = Date.now();
          const r = await post(agent, o.port, s.apiKey, bodies[i]);
          latencies.push(Date.now() - t);
          if (r.status !== 200) failed++;
          else accepted += (r.text.match(/<ceb:returnStatus>2<\/ceb:returnStatus>/g) ?? []).length;
          if (Date.now() - lastLog > 2000) {
            lastLog = Date.now();
            log(`${next}/${bodies.length} messages`);
          }
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const client = process.cpuUsage(c0);
    const g1 = treeUsage(child.pid!);
    const b1 = cpuSecondsOf(bpids, processUsage);
    agent.destroy();
    const offsets = await admin.fetchTopicOffsets(topic);
    const onTopic = offsets.reduce((n, x) => n + Number(x.high) - Number(x.low), 0) - warm.length;
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".ceb_node`);
    latencies.sort((a, b) => a - b);
    const nodes = o.messages * o.nodes;
    const report = {
      machine: machineInfo(stackDir),
      loadAverage: loadAverage(),
      messages: o.messages,
      nodesPerMessage: o.nodes,
      concurrency: o.concurrency,
      workers: o.workers,
      megabytes: Math.round(bytes / 1e5) / 10,
      seconds: Math.round(seconds * 100) / 100,
      messagesPerSecond: Math.round(o.messages / seconds),
      nodesPerSecond: Math.round(nodes / seconds),
      latencyMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1],
      },
      acceptedNodes: accepted,
      failedRequests: failed,
      nodesOnTopic: onTopic,
      rowsInReceiptBook: rows[0].n - warm.length,
      cpuMsPerMessage: {
        gateway: g0 && g1 ? Math.round(((g1.cpuSeconds - g0.cpuSeconds) * 1e6) / o.messages) / 1000 : null,
        broker: b0 && b1 ? Math.round(((b1.cpuSeconds - b0.cpuSeconds) * 1e6) / o.messages) / 1000 : null,
        benchClient: Math.round((client.user + client.system) / o.messages) / 1000,
      },
      gatewayPeakRssMiB: g1 ? Math.round(g1.peakRssMiB) : null,
    };
    if (o.json) console.log(JSON.stringify(report));
    else console.log(JSON.stringify(report, null, 2));
    if (onTopic !== nodes || accepted !== nodes) {
      log(`MISMATCH: ${nodes} nodes sent, ${accepted} accepted, ${onTopic} on the topic`);
      process.exitCode = 1;
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
    await removeParticipant(kafka, admin, { role: 'PLATFORM', code, keepTopics: false }).catch(
      () => undefined,
    );
    await admin.disconnect();
  }
}

const program = new Command()
  .name('bench:gateway')
  .option('--messages <n>', 'messages to post', int('--messages', 1), 20_000)
  .option('--nodes <k>', 'order nodes per message (1..100)', int('--nodes', 1, 100), 1)
  .option('--concurrency <c>', 'concurrent keep-alive connections', int('--concurrency', 1, 1024), 64)
  .option('--port <p>', "the gateway's port for the run", int('--port', 1, 65535), 18090)
  .option('--no-stack', 'do not run deploy/local/stack.sh up first')
  .option('--workers <n>', 'gateway processes (GATEWAY_WORKERS)', int('--workers', 1, 64), 1)
  .option('--cpu-prof <dir>', "write the gateway's V8 CPU profile (whole run) into this directory")
  .option('--json', 'one JSON object on stdout');
program.parse(process.argv);
main(program.opts<Options>()).catch((e: unknown) => {
  log(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
