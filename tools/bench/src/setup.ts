/**
 * The stack for a benchmark run: the local stack up, the project's topics, the schemas, the
 * reference data; application ids unique to the run with their changelog topics created up
 * front and their consumer groups started at the current end of the shared input topics (so a
 * run starts from fresh state and skips whatever backlog earlier runs and other users left).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { AssignerProtocol, Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkaEnv, LocalCodecs, RegistryCodecs, Topics } from '@clearance/contracts';
import { lifecycleService } from '@clearance/lifecycle';
import { matcherService } from '@clearance/matcher';
import type { StreamsServiceSpec } from '@clearance/nest-streams';
import { riskService } from '@clearance/risk';
import { silentLogger, type Logger } from '@clearance/streams';
// the CLI's own helpers (topics, reference data, producer, processes, watcher): the bench
// measures what `clearance load` and the deployed services do
import { BatchProducer, cliEnv, ensureTopics, publishReference, REPO_ROOT } from '@clearance/cli';
import { loadReferenceData } from '@clearance/generator';

type CliEnv = ReturnType<typeof cliEnv>;

export type BenchService = 'matcher' | 'risk' | 'lifecycle';

export const SPECS: Record<BenchService, StreamsServiceSpec<unknown>> = {
  matcher: matcherService as StreamsServiceSpec<unknown>,
  risk: riskService as StreamsServiceSpec<unknown>,
  lifecycle: lifecycleService as StreamsServiceSpec<unknown>,
};

/** Input topics of each service's consumer groups, by the env key of the group's application id. */
const GROUP_INPUTS: Record<BenchService, Array<{ idVar: string; topics: string[] }>> = {
  matcher: [
    {
      idVar: 'MATCHER_APPLICATION_ID',
      topics: [Topics.order.name, Topics.payment.name, Topics.waybill.name],
    },
  ],
  risk: [{ idVar: 'RISK_APPLICATION_ID', topics: [Topics.manifest.name] }],
  lifecycle: [
    {
      idVar: 'LIFECYCLE_APPLICATION_ID',
      topics: [Topics.decision.name, Topics.inspection.name, Topics.departureLine.name],
    },
    { idVar: 'DEPARTURE_SPLITTER_APPLICATION_ID', topics: [Topics.departure.name] },
  ],
};

export interface BenchStack {
  env: CliEnv;
  kafka: Kafka;
  admin: Admin;
  codecs: RegistryCodecs;
  close(): Promise<void>;
}

/** `deploy/local/stack.sh up` (idempotent), its output on stderr. */
export function stackUp(): void {
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'deploy/local/stack.sh'), 'up'], {
    stdio: ['ignore', 2, 2],
  });
  if (r.status !== 0) throw new Error(`deploy/local/stack.sh up failed (exit ${r.status})`);
}

/** Connects, creates the project's missing topics, registers the schemas, publishes reference data. */
export async function prepareStack(
  log: (s: string) => void,
  opts: { reference: boolean },
): Promise<BenchStack> {
  const env = cliEnv();
  const kafka = new Kafka({
    clientId: 'clearance-bench',
    ...env.kafka,
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 100, retries: 8 },
  });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, env.PARTITIONS, log);
  const codecs = new RegistryCodecs({ url: env.SCHEMA_REGISTRY_URL });
  await codecs.register();
  if (opts.reference) await publishReference(kafka, codecs, log);
  return { env, kafka, admin, codecs, close: () => admin.disconnect() };
}

/** `bench-<utc time>-<random>`: prefix of every application id, group and changelog of a run. */
export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:T]/g, '').slice(2, 14);
  return `bench-${t}-${randomBytes(3).toString('hex')}`;
}

/** The services' environment for a run: unique application ids, groups starting at the end. */
export function serviceEnv(
  stack: BenchStack,
  runId: string,
  extra: Record<string, string>,
): Record<string, string> {
  return {
    // the bench runs its services as the operator: its application ids are per run (bench-...)
    ...kafkaEnv(process.env),
    SCHEMA_REGISTRY_URL: stack.env.SCHEMA_REGISTRY_URL,
    PARTITIONS: String(stack.env.PARTITIONS),
    MATCHER_APPLICATION_ID: `${runId}-matcher`,
    RISK_APPLICATION_ID: `${runId}-risk`,
    LIFECYCLE_APPLICATION_ID: `${runId}-lifecycle`,
    DEPARTURE_SPLITTER_APPLICATION_ID: `${runId}-departure-splitter`,
    // a belt to the braces of startGroupsAt: a group without offsets starts at the end
    AUTO_OFFSET_RESET: 'latest',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/**
 * Publishes the shipped rule set under a key of the run's own with a version naming the run, so
 * the run's risk service stamps its decisions with it: another engine consuming the same shared
 * topics at the same time (a test, a demo) decides the same parcels too, and only the decisions
 * carrying this version are the run's.
 */
export async function publishRunRuleSet(
  stack: BenchStack,
  runId: string,
): Promise<{ key: string; version: string }> {
  const ruleSet = loadReferenceData().ruleSet;
  const key = `${runId}-rules`;
  const version = `${ruleSet.version}+${runId}`;
  const producer = new BatchProducer(stack.kafka, stack.codecs);
  await producer.connect();
  try {
    await producer.add(Topics.ruleSet, key, { ...ruleSet, version });
  } finally {
    await producer.disconnect();
  }
  return { key, version };
}

/** Partition count of a topic as the broker has it. */
export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  return meta.topics[0].partitions.length;
}

/**
 * Creates the changelog and checkpoint topics the services' runtimes would create at start
 * (`<app>.<store>.changelog`, `<app>.__checkpoint.changelog`), from their own definitions, and
 * waits until the broker serves them: kafkajs's createTopics(waitForLeaders) inside a booting
 * service otherwise races the broker's metadata on a loaded machine and the service exits.
 */
export async function createInternalTopics(
  admin: Admin,
  services: ReadonlyArray<BenchService>,
  env: Record<string, string>,
  partitions: number,
): Promise<string[]> {
  const wanted: Array<{ topic: string; config: Record<string, string> }> = [];
  for (const name of services) {
    const spec = SPECS[name];
    const config = spec.config.parse(env);
    const definitions = spec.definitions({
      env: {} as never,
      config,
      codecs: new LocalCodecs() as never,
      logger: silentLogger as Logger as never,
    });
    for (const d of definitions) {
      const stores = (d.stores ?? {}) as Record<string, { changelogConfig?: Record<string, string> }>;
      for (const [store, s] of Object.entries(stores))
        wanted.push({
          topic: `${d.name}.${store}.changelog`,
          config: { ...(s.changelogConfig ?? {}), 'cleanup.policy': 'compact' },
        });
      wanted.push({
        topic: `${d.name}.__checkpoint.changelog`,
        config: { 'segment.ms': '3600000', 'min.cleanable.dirty.ratio': '0.1', 'cleanup.policy': 'compact' },
      });
    }
  }
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((w) => !existing.has(w.topic));
  if (missing.length > 0) {
    await admin
      .createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: partitions,
          // replication factor: the broker default (1 on one broker, 3 on a three-broker stack)
          configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        })),
      })
      .catch((e: Error & { type?: string }) => {
        if (e.type !== 'TOPIC_ALREADY_EXISTS') throw e;
      });
  }
  const topics = wanted.map((w) => w.topic);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      if (
        meta.topics.every(
          (m) => m.partitions.length === partitions && m.partitions.every((p) => p.leader >= 0),
        )
      )
        return topics;
    } catch {
      // not known yet
    }
    if (Date.now() > deadline)
      throw new Error(`internal topics not served within 30 s: ${topics.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** topic -> partition -> next offset */
export type Offsets = Map<string, Map<number, number>>;

export async function endOffsets(admin: Admin, topics: ReadonlyArray<string>): Promise<Offsets> {
  const out: Offsets = new Map();
  for (const topic of topics)
    out.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)])));
  return out;
}

export function totalOf(offsets: Offsets, topics: ReadonlyArray<string> = [...offsets.keys()]): number {
  let n = 0;
  for (const t of topics) for (const v of offsets.get(t)?.values() ?? []) n += v;
  return n;
}

/**
 * Commits the current end offsets of each service group's inputs for the run's (memberless)
 * groups, in one transaction carrying only offsets (as the runtime commits): every group starts
 * exactly at the end of what the shared topics hold now.
 */
export async function startGroupsAtEnd(
  stack: BenchStack,
  runId: string,
  services: ReadonlyArray<BenchService>,
  env: Record<string, string>,
): Promise<{ groups: string[]; offsets: Offsets }> {
  const groups = services.flatMap((s) =>
    GROUP_INPUTS[s].map((g) => ({ groupId: env[g.idVar], topics: g.topics })),
  );
  const offsets = await endOffsets(stack.admin, [...new Set(groups.flatMap((g) => g.topics))]);
  // On a fresh broker the offsets topic is created on first use: the coordinator is "not
  // available" / "not the correct coordinator" for a while, and kafkajs does not retry that here.
  for (let attempt = 1; ; attempt++) {
    try {
      await commitOffsets(stack, `${runId}-start`, groups, offsets);
      break;
    } catch (e) {
      const type = (e as { type?: string }).type ?? '';
      if (attempt >= 30 || !/COORDINATOR|CONCURRENT_TRANSACTIONS/.test(type)) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  return { groups: groups.map((g) => g.groupId), offsets };
}

async function commitOffsets(
  stack: BenchStack,
  transactionalId: string,
  groups: Array<{ groupId: string; topics: string[] }>,
  offsets: Offsets,
): Promise<void> {
  const producer = stack.kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const txn = await producer.transaction();
    try {
      for (const { groupId, topics } of groups) {
        await txn.sendOffsets({
          consumerGroupId: groupId,
          topics: topics.map((topic) => ({
            topic,
            partitions: [...offsets.get(topic)!].map(([partition, offset]) => ({
              partition,
              offset: String(offset),
            })),
          })),
        });
      }
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => undefined);
      throw e;
    }
  } finally {
    await producer.disconnect();
  }
}

/** Deletes the run's topics (changelogs, checkpoints) and consumer groups; best effort. */
export async function dropRunArtifacts(
  admin: Admin,
  runId: string,
  groups: ReadonlyArray<string>,
): Promise<void> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${runId}-`));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 60_000 }).catch(() => undefined);
  if (groups.length > 0) await admin.deleteGroups([...groups]).catch(() => undefined);
}

export { freePort } from '@clearance/testing';

/** Pipeline topics an engine consumes: another engine on them processes the bench's load too. */
export const ENGINE_INPUTS = [
  Topics.order.name,
  Topics.payment.name,
  Topics.waybill.name,
  Topics.manifest.name,
];

/**
 * Consumer groups other than `own` with live members subscribed to any of `topics`: another
 * engine (a test, `npm start`) that processes the bench's documents too, on the same CPUs
 * (readers that are not stream processors are marked `(reader)`).
 */
export async function otherEngines(
  admin: Admin,
  own: ReadonlyArray<string>,
  topics: ReadonlyArray<string> = ENGINE_INPUTS,
): Promise<string[]> {
  const watched = new Set(topics);
  const { groups } = await admin.listGroups();
  const candidates = groups.filter(
    (g) => !own.includes(g.groupId) && (g.protocolType === 'consumer' || g.protocolType === ''),
  );
  if (candidates.length === 0) return [];
  const described = await admin.describeGroups(candidates.map((g) => g.groupId));
  const out: string[] = [];
  for (const g of described.groups) {
    if (g.members.length === 0) continue;
    const hit = g.members.some((m) => {
      try {
        return (AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? []).some((t) =>
          watched.has(t),
        );
      } catch {
        return false;
      }
    });
    // the streams runtime's assigner: a stream processor (it writes outputs); otherwise a reader
    if (hit) out.push(g.protocol === 'ClearanceTaskAssigner' ? g.groupId : `${g.groupId} (reader)`);
  }
  return out.sort();
}

/** Waits up to `seconds` for other engines to leave the pipeline topics; returns those still there. */
export async function waitForQuiet(
  admin: Admin,
  seconds: number,
  log: (s: string) => void,
): Promise<string[]> {
  const deadline = Date.now() + seconds * 1000;
  let others = await otherEngines(admin, []);
  let lastLog = 0;
  while (others.length > 0 && Date.now() < deadline) {
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      log(`waiting for other engines to leave the pipeline topics: ${others.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 2000));
    others = await otherEngines(admin, []);
  }
  return others;
}
