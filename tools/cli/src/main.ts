#!/usr/bin/env node
/**
 * `clearance`: the project's command line. Run through `npm run clearance -- <command>`.
 * Addresses come from the environment or from `.stack/env` (written by `npm run stack:up`).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Command } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { checkEnterpriseCode, kafkaEnv, parseRole, participantPrincipal, RegistryCodecs, Topics } from '@clearance/contracts';
import { cliEnv, REPO_ROOT, STACK_DIR } from './env';
import { periodClose } from '@clearance/domain';
import { openPool } from '@clearance/postgres';
import { PROJECTION_NAMES, PROJECTIONS, ProjectionName, replayProjection } from '@clearance/projector';

/** Projections a replay can rebuild (the CEB returns cannot: their sequence numbers are participants' cursors). */
const REPLAYABLE = PROJECTION_NAMES.filter((n) => !PROJECTIONS[n].replayRefusal);
import { formatReport, publishPeriodClose, runDemo } from './demo';
import { engineGroups, startEngine, waitEngineReady } from './engine';
import { driveLoad } from './load';
import { publishReference } from './reference';
import { smokeRoundTrip } from './smoke';
import { ensureTopics } from './topics';
import { closePeriodArgument } from './period-argument';
import { waitForBacklog } from './backlog';
import { addParticipant, listParticipants, participantAcls, participantTopicList, removeParticipant, requireSasl } from './security/participants';
import { asServicePrincipal, CredentialStore, enginePrincipals, provisionEnginePrincipals } from './security/principals';
import { DEFAULT_KAFKA_CLUSTER, kafkaUserManifests, participantManifests } from './security/k8s-users';
import { formatParticipantsReport, registerDemoParticipants, runParticipantsDemo, type Registered } from './participants-demo';
import { readFileSync, writeFileSync } from 'node:fs';
import { apiKeyFrom, fetchReturns, gatewayUrlFrom, postCeb } from './xml';
import { formatXmlDemoReport, runXmlDemo, sampleCebMessage } from './xml-demo';

const log = (s: string) => console.log(`[clearance] ${s}`);

/** Passwords of the engine's principals on the local stack (next to its CA and operator secret). */
const localCredentials = () => new CredentialStore(path.join(STACK_DIR, 'security', 'principals.json'));
/** Earlier records the engine works through before the demo load without being asked to. */
const DEMO_MAX_BACKLOG = 100_000;

function stack(action: string): void {
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'deploy/local/stack.sh'), action], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`stack ${action} failed (exit ${r.status})`);
}

function clients() {
  const env = cliEnv();
  const kafka = new Kafka({ clientId: 'clearance-cli', ...env.kafka, logLevel: logLevel.ERROR });
  const codecs = new RegistryCodecs({ url: env.SCHEMA_REGISTRY_URL });
  return { env, kafka, codecs };
}

async function provision(say: (s: string) => void = log): Promise<ReturnType<typeof clients>> {
  const c = clients();
  const admin = c.kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, c.env.PARTITIONS, say, c.env.REPLICATION_FACTOR);
  } finally {
    await admin.disconnect();
  }
  const ids = await c.codecs.register();
  say(`schemas registered (BACKWARD): ${ids.size} subjects`);
  return c;
}

const program = new Command('clearance').description('clearance-engine command line');

program
  .command('stack')
  .argument('<action>', 'up | down | status')
  .description('start, stop or inspect the local stack (Kafka, schema registry, Postgres)')
  .action((action: string) => stack(action));

program
  .command('provision')
  .description('create the topics (and DLQs) and register every schema')
  .action(async () => {
    await provision();
  });

const principals = program.command('principals').description("the engine's own Kafka principals (one per service, least privilege)");

principals
  .command('apply')
  .description(
    'create every service principal (SCRAM user, password kept in .stack/security/principals.json) with exactly its ACLs; ' +
      'on Kubernetes the KafkaUser resources of deploy/k8s do this',
  )
  .action(async () => {
    const c = await provision();
    requireSasl(c.env.kafka);
    const admin = c.kafka.admin();
    await admin.connect();
    try {
      await provisionEnginePrincipals(admin, localCredentials(), process.env, log);
    } finally {
      await admin.disconnect();
    }
  });

principals
  .command('list')
  .description('print each service principal and its ACLs')
  .option('--json', 'one JSON array')
  .action((o: { json?: boolean }) => {
    const all = enginePrincipals(process.env);
    if (o.json) {
      console.log(JSON.stringify(all, null, 2));
      return;
    }
    for (const p of all) {
      console.log(`User:${p.name} (${p.service})`);
      for (const r of p.rules) console.log(`  ${r.resourceType} ${r.patternType} ${r.name}: ${r.operations.join(', ')}`);
    }
  });

principals
  .command('k8s')
  .description('print the Strimzi KafkaUser resources of the service principals and the operator (deploy/k8s/kafka-users.yaml)')
  .option('--cluster <name>', 'the Strimzi Kafka cluster (label strimzi.io/cluster)', DEFAULT_KAFKA_CLUSTER)
  .action((o: { cluster: string }) => {
    process.stdout.write(kafkaUserManifests(enginePrincipals(process.env), { cluster: o.cluster }));
  });

const participants = program
  .command('participants')
  .description('register and remove participants (platforms, payment institutions, carriers)');

participants
  .command('add')
  .argument('<enterpriseCode>', "the enterprise's customs code")
  .requiredOption('--role <role>', 'platform | payer | carrier | agent (list filer)')
  .option('--partitions <n>', 'partitions of its input and feed topics (default: PARTICIPANT_PARTITIONS, 3)', (v) => parseInt(v, 10))
  .option('--json', 'print the client settings as one JSON object')
  .option('--registry-only', 'only register it: its user, ACLs and topics are managed by Strimzi (see `participants manifest`)')
  .description('create its SCRAM user, ACLs, input and feed topics; print the client settings (the password is shown once)')
  .action(async (code: string, o: { role: string; partitions?: number; json?: boolean; registryOnly?: boolean }) => {
    const role = parseRole(o.role);
    const c = await provision(o.json ? () => undefined : log);
    requireSasl(c.env.kafka);
    const admin = c.kafka.admin();
    await admin.connect();
    try {
      const settings = await addParticipant(c.kafka, admin, c.codecs, {
        role,
        code,
        partitions: o.partitions ?? c.env.PARTICIPANT_PARTITIONS,
        replicationFactor: c.env.REPLICATION_FACTOR,
        connection: c.env.kafka,
        env: { ...process.env, SCHEMA_REGISTRY_URL: c.env.SCHEMA_REGISTRY_URL },
        registryOnly: o.registryOnly,
      });
      if (o.json) console.log(JSON.stringify(settings));
      else {
        log(`participant ${settings.username} registered`);
        for (const [k, v] of Object.entries(settings)) console.log(`  ${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`);
      }
    } finally {
      await admin.disconnect();
    }
  });

participants
  .command('list')
  .option('--json', 'one JSON array')
  .description('the registered participants (ref.participant.v1)')
  .action(async (o: { json?: boolean }) => {
    const c = clients();
    await c.codecs.register([Topics.participant]);
    const admin = c.kafka.admin();
    await admin.connect();
    try {
      const all = await listParticipants(c.kafka, admin, c.codecs);
      if (o.json) console.log(JSON.stringify(all));
      else if (all.length === 0) log('no participant registered');
      else
        for (const p of all)
          console.log(
            `${p.role.toLowerCase().padEnd(8)} ${p.code.padEnd(20)} principal ${p.principal}, ${p.partitions} partitions, ` +
              `registered ${new Date(p.registeredAt).toISOString()}, gateway API key ${p.apiKeySha256 ? 'issued' : 'none'}`,
          );
    } finally {
      await admin.disconnect();
    }
  });

participants
  .command('manifest')
  .argument('<enterpriseCode>', "the enterprise's customs code")
  .requiredOption('--role <role>', 'platform | payer | carrier | agent (list filer)')
  .option('--cluster <name>', 'the Strimzi Kafka cluster (label strimzi.io/cluster)', DEFAULT_KAFKA_CLUSTER)
  .option('--partitions <n>', 'partitions of its input and feed topics (default: PARTICIPANT_PARTITIONS, 3)', (v) => parseInt(v, 10))
  .option('--replicas <n>', 'replication factor of its topics', (v) => parseInt(v, 10), 3)
  .description(
    'print its Strimzi KafkaUser (SCRAM, ACLs) and KafkaTopic resources, for a cluster whose operators own users and topics; ' +
      'then `participants add --registry-only` registers it',
  )
  .action((code: string, o: { role: string; cluster: string; partitions?: number; replicas: number }) => {
    const role = parseRole(o.role);
    checkEnterpriseCode(code);
    const partitions = o.partitions ?? Number(process.env.PARTICIPANT_PARTITIONS ?? 3);
    process.stdout.write(
      participantManifests(
        {
          principal: participantPrincipal(role, code),
          role,
          code,
          rules: participantAcls(role, code),
          topics: participantTopicList(role, code, partitions),
        },
        { cluster: o.cluster, replicas: o.replicas },
      ),
    );
  });

participants
  .command('remove')
  .argument('<enterpriseCode>', "the enterprise's customs code")
  .requiredOption('--role <role>', 'platform | payer | carrier | agent (list filer)')
  .option('--keep-topics', 'keep its input and feed topics (only revoke access and unregister)')
  .option('--json', 'print what was removed as JSON')
  .description('unregister it, revoke its ACLs, delete its SCRAM user and (unless kept) its topics')
  .action(async (code: string, o: { role: string; keepTopics?: boolean; json?: boolean }) => {
    const role = parseRole(o.role);
    const c = clients();
    requireSasl(c.env.kafka);
    await c.codecs.register([Topics.participant]);
    const admin = c.kafka.admin();
    await admin.connect();
    try {
      const r = await removeParticipant(c.kafka, admin, { role, code, keepTopics: o.keepTopics ?? false });
      if (o.json) console.log(JSON.stringify(r));
      else
        log(
          `participant ${r.principal} removed: ${r.acls} ACL entries revoked, SCRAM user ${r.user ? 'deleted' : 'was absent'}, ` +
            `${r.topicsDeleted.length} topics deleted`,
        );
    } finally {
      await admin.disconnect();
    }
  });

const xml = program.command('xml').description('talk to the CEB XML gateway as a participant (API key from `participants add`)');

xml
  .command('send')
  .argument('<files...>', 'CEB messages (XML files), each posted to POST /ceb')
  .option('--url <url>', 'the gateway (default CLEARANCE_GATEWAY_URL, else http://127.0.0.1:8090)')
  .option('--api-key <key>', 'the participant\'s API key (default CLEARANCE_API_KEY)')
  .option('--quiet', 'one line per return instead of the returned XML')
  .description('post each file and print the returned CEB receipt message (one return per business node)')
  .action(async (files: string[], o: { url?: string; apiKey?: string; quiet?: boolean }) => {
    const url = gatewayUrlFrom(o.url);
    const key = apiKeyFrom(o.apiKey);
    let failed = 0;
    for (const file of files) {
      const a = await postCeb(url, key, readFileSync(file));
      if (a.status !== 200) failed++;
      log(`${file}: HTTP ${a.status}, ${a.returns.length} return(s)`);
      if (o.quiet) for (const r of a.returns) console.log(`  ${r.message} ${r.guid} ${r.returnStatus} ${r.returnInfo}`);
      else console.log(a.body);
    }
    if (failed > 0) process.exitCode = 1;
  });

xml
  .command('returns')
  .option('--url <url>', 'the gateway (default CLEARANCE_GATEWAY_URL, else http://127.0.0.1:8090)')
  .option('--api-key <key>', 'the participant\'s API key (default CLEARANCE_API_KEY)')
  .option('--after <cursor>', 'the `next` of the previous call (default: from the start)', '0')
  .option('--limit <n>', 'returns per call (1..1000)', (v) => parseInt(v, 10), 100)
  .option('--quiet', 'one line per return instead of the XML')
  .description("print the participant's later returns (receipts, list results, decisions) from its cursor on, and the next cursor")
  .action(async (o: { url?: string; apiKey?: string; after: string; limit: number; quiet?: boolean }) => {
    const a = await fetchReturns(gatewayUrlFrom(o.url), apiKeyFrom(o.apiKey), o.after, o.limit);
    if (a.status !== 200) {
      console.log(a.body);
      throw new Error(`GET /ceb/returns answered ${a.status}`);
    }
    if (o.quiet) for (const r of a.returns) console.log(`${r.message} ${r.guid} ${r.returnStatus} ${r.returnInfo}`);
    else console.log(a.body);
    log(`${a.returns.length} return(s); next cursor ${a.next}${a.more ? ' (more waiting)' : ''}`);
  });

xml
  .command('sample')
  .requiredOption('--kind <kind>', 'order | payment | waybill | departure | list')
  .option('--ie <flag>', 'E (export: CEB303/403/505) or I (import: CEB311/411/511)', 'E')
  .option('--nodes <n>', 'business nodes in the message (1..100)', (v) => parseInt(v, 10), 1)
  .option('--seed <n>', 'generator seed', (v) => parseInt(v, 10), 1)
  .option('--out <file>', 'write it to this file (default: stdout)')
  .description("a valid CEB message of generated documents (the sender is the first node's enterprise), to try `xml send` with")
  .action((o: { kind: string; ie: string; nodes: number; seed: number; out?: string }) => {
    const { xml: text, sender } = sampleCebMessage({ kind: o.kind, ie: o.ie, nodes: o.nodes, seed: o.seed });
    if (o.out) {
      writeFileSync(o.out, text);
      log(`${o.out}: ${o.nodes} node(s), sender ${sender} (send it with that participant's API key)`);
    } else process.stdout.write(text);
  });

program
  .command('reference')
  .description('publish the reference data shipped in the repo to its compacted topics')
  .action(async () => {
    const c = await provision();
    await publishReference(c.kafka, c.codecs, log);
  });

program
  .command('load')
  .description('produce realistic generated parcels (order, payment, waybill; with --four-document also filed lists) as Avro')
  .option('--parcels <n>', 'number of parcels', (v) => parseInt(v, 10), 10_000)
  .option('--rate <n>', 'parcels per second (0 = as fast as possible)', (v) => parseFloat(v), 0)
  .option('--seed <n>', 'generator seed', (v) => parseInt(v, 10), 1)
  .option('--errors <profile>', 'none | realistic', 'realistic')
  .option('--start <iso>', 'event time of the first parcel (default now)')
  .option('--event-time', 'stamp records with generated event time instead of the produce time')
  .option('--four-document <share>', 'share of parcels (0..1) in four-document mode: sold through the platforms declaring in that mode (their enterprise records, listMode FOUR_DOCUMENT, are published first), each also filing its list (CEB603/CEB621) on ceb.list.v1; with --errors realistic a few lists disagree or never come', (v) => parseFloat(v), 0)
  .action(async (o: { parcels: number; rate: number; seed: number; errors: string; start?: string; eventTime?: boolean; fourDocument: number }) => {
    if (!Number.isInteger(o.parcels) || o.parcels < 1) throw new Error('--parcels must be a positive integer');
    if (!(o.fourDocument >= 0 && o.fourDocument <= 1)) throw new Error('--four-document must be a share in 0..1');
    if (!(o.rate >= 0)) throw new Error('--rate must be 0 or more');
    if (o.errors !== 'none' && o.errors !== 'realistic') throw new Error('--errors must be none or realistic');
    const startTime = o.start ? Date.parse(o.start) : Date.now();
    if (Number.isNaN(startTime)) throw new Error(`--start ${o.start} is not a date`);
    const c = await provision();
    await driveLoad(
      c.kafka,
      c.codecs,
      { parcels: o.parcels, seed: o.seed, startTime, errors: o.errors, rate: o.rate, timestamps: o.eventTime ? 'event' : 'wall', fourDocument: o.fourDocument },
      log,
    );
  });

program
  .command('replay')
  .argument('<projection>', `one of: ${REPLAYABLE.join(', ')}`)
  .description('rebuild a projection from offset 0 into a fresh schema and swap it in')
  .option('--no-swap', 'build the new schema but leave the live one in place')
  .option('--keep-old', 'keep the replaced schema instead of dropping it')
  .action(async (projection: string, o: { swap: boolean; keepOld?: boolean }) => {
    if (!(PROJECTION_NAMES as readonly string[]).includes(projection)) {
      throw new Error(`unknown projection ${projection}: one of ${PROJECTION_NAMES.join(', ')}`);
    }
    const c = clients();
    await c.codecs.register();
    const pool = await openPool(c.env.DATABASE_URL);
    try {
      await replayProjection({
        projection: projection as ProjectionName,
        ...c.env.kafka,
        pool,
        decoder: c.codecs,
        swap: o.swap,
        keepOld: o.keepOld,
        print: log,
      });
    } finally {
      await pool.end();
    }
  });

program
  .command('close-period')
  .argument('[period]', 'YYYYMM (month) or YYYYMMDD (day)')
  .option('--last-ended <granularity>', 'instead of a period: the latest MONTH or DAY that has ended in China time (for a scheduler)')
  .description('publish a period-close event to every partition of control.period.v1')
  .action(async (given: string | undefined, opts: { lastEnded?: string }) => {
    const period = closePeriodArgument(given, opts.lastEnded, Date.now());
    const close = periodClose(period, Date.now(), 'clearance-cli');
    // no provisioning: the scheduler's principal may only write control.period.v1
    const c = clients();
    await c.codecs.register([Topics.periodClose]);
    const n = await publishPeriodClose(c.kafka, c.codecs, close);
    log(`period ${period} closed (${close.startTime} .. ${close.endTime}) on ${n} partitions`);
  });

program
  .command('smoke')
  .description('round-trip a sample parcel through the registry and Kafka')
  .action(async () => {
    const c = await provision();
    await smokeRoundTrip(c.kafka, c.codecs, log);
  });

program
  .command('start')
  .description('start the local stack, run the whole engine in this process and drive a demo load')
  .option('--parcels <n>', 'demo parcels', (v) => parseInt(v, 10), 2000)
  .option('--seed <n>', 'generator seed (default: from the clock, so each run sends new parcels)', (v) => parseInt(v, 10))
  .option('--no-demo', 'only start the engine')
  .option('--process-backlog', 'however far behind the engine is (earlier traffic on this stack), work through it before the demo')
  .action(async (o: { parcels: number; seed?: number; demo: boolean; processBacklog?: boolean }) => {
    stack('up');
    const c = await provision();
    await publishReference(c.kafka, c.codecs, log);
    // on a SASL broker (the local stack): each service as its own principal, the demo's participants registered
    let asService: ((e: NodeJS.ProcessEnv, service: string) => NodeJS.ProcessEnv) | undefined;
    let registered: Registered | undefined;
    if (c.env.kafka.sasl) {
      const store = localCredentials();
      const admin = c.kafka.admin();
      await admin.connect();
      try {
        await provisionEnginePrincipals(admin, store, process.env, log);
        if (o.demo)
          registered = await registerDemoParticipants(
            c.kafka,
            admin,
            c.codecs,
            { ...process.env, SCHEMA_REGISTRY_URL: c.env.SCHEMA_REGISTRY_URL },
            c.env.PARTICIPANT_PARTITIONS,
            log,
          );
      } finally {
        await admin.disconnect();
      }
      asService = (e, service) => asServicePrincipal(e, store, service);
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...kafkaEnv(process.env),
      SCHEMA_REGISTRY_URL: c.env.SCHEMA_REGISTRY_URL,
      DATABASE_URL: c.env.DATABASE_URL,
      // the demo closes today's period instead of waiting for the month to end
      DECLARATION_PERIOD: process.env.DECLARATION_PERIOD ?? 'DAY',
      // warnings (undecodable demo documents, …) go to the DLQ and receipts; keep the console readable
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    };
    const engine = await startEngine(env, log, asService);
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: stopping the engine (open transactions finish or abort, groups are left)`);
      await engine.stop();
      log('engine stopped; the stack keeps running (`npm run stack:down` stops it)');
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    await waitEngineReady(engine);
    log('engine ready: every task restored and running');
    let demo = o.demo;
    if (demo) {
      const admin = c.kafka.admin();
      await admin.connect();
      try {
        const maxWait = o.processBacklog ? Number.POSITIVE_INFINITY : DEMO_MAX_BACKLOG;
        demo = await waitForBacklog(admin, engineGroups(engine), log, { maxWait });
      } finally {
        await admin.disconnect();
      }
      if (!demo)
        log(
          `more than ${DEMO_MAX_BACKLOG} records: the demo load is skipped, so that its report does not wait behind them. ` +
            'The engine keeps running and works through them (the query API serves meanwhile). ' +
            '`npm start -- --process-backlog` waits for them and then runs the demo.',
        );
    }
    if (demo) {
      const report = await runDemo(
        c.kafka,
        c.codecs,
        { parcels: o.parcels, seed: o.seed ?? Date.now() % 2_147_483_647, granularity: env.DECLARATION_PERIOD === 'MONTH' ? 'MONTH' : 'DAY' },
        log,
      );
      console.log(formatReport(report, engine.queryApi.url));
      if (registered) {
        const seed = (o.seed ?? Date.now() % 2_147_483_647) + 1;
        const participantsReport = await runParticipantsDemo(c.codecs, process.env, registered, { parcels: 20, seed }, log);
        console.log(formatParticipantsReport(participantsReport));
        const xmlReport = await runXmlDemo(engine.gateway.url, registered, { parcels: 30, seed: seed + 1 }, log);
        console.log(formatXmlDemoReport(xmlReport, engine.gateway.url));
      }
    }
    log('the engine keeps running; Ctrl-C stops it');
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  const protocol = (process.env.KAFKA_SECURITY_PROTOCOL ?? 'PLAINTEXT').toUpperCase();
  // a plaintext client on a TLS listener only sees the connection close: say what is likely missing
  const hint =
    protocol === 'PLAINTEXT' && /Closed connection|Connection error|ECONNRESET/i.test(message)
      ? ' (the broker closed the connection: it may require TLS and SASL; set KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_CA_FILE, e.g. from .stack/env)'
      : '';
  console.error(`[clearance] error: ${message}${hint}`);
  process.exit(1);
});
