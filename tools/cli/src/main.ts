#!/usr/bin/env node
/**
 * `clearance`: the project's command line. Run through `npm run clearance -- <command>`.
 * Addresses come from the environment or from `.stack/env` (written by `npm run stack:up`).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Command } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { RegistryCodecs } from '@clearance/contracts';
import { cliEnv, REPO_ROOT } from './env';
import { driveLoad } from './load';
import { publishReference } from './reference';
import { smokeRoundTrip } from './smoke';
import { ensureTopics } from './topics';

const log = (s: string) => console.log(`[clearance] ${s}`);

function stack(action: string): void {
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'deploy/local/stack.sh'), action], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`stack ${action} failed (exit ${r.status})`);
}

function clients() {
  const env = cliEnv();
  const kafka = new Kafka({ clientId: 'clearance-cli', brokers: env.KAFKA_BROKERS, logLevel: logLevel.ERROR });
  const codecs = new RegistryCodecs({ url: env.SCHEMA_REGISTRY_URL });
  return { env, kafka, codecs };
}

async function provision(): Promise<ReturnType<typeof clients>> {
  const c = clients();
  const admin = c.kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, c.env.PARTITIONS, log);
  } finally {
    await admin.disconnect();
  }
  const ids = await c.codecs.register();
  log(`schemas registered (BACKWARD): ${ids.size} subjects`);
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

program
  .command('reference')
  .description('publish the reference data shipped in the repo to its compacted topics')
  .action(async () => {
    const c = await provision();
    await publishReference(c.kafka, c.codecs, log);
  });

program
  .command('load')
  .description('produce realistic generated parcels (order, payment, waybill) as Avro')
  .option('--parcels <n>', 'number of parcels', (v) => parseInt(v, 10), 10_000)
  .option('--rate <n>', 'parcels per second (0 = as fast as possible)', (v) => parseFloat(v), 0)
  .option('--seed <n>', 'generator seed', (v) => parseInt(v, 10), 1)
  .option('--errors <profile>', 'none | realistic', 'realistic')
  .option('--start <iso>', 'event time of the first parcel (default now)')
  .option('--event-time', 'stamp records with generated event time instead of the produce time')
  .action(async (o: { parcels: number; rate: number; seed: number; errors: string; start?: string; eventTime?: boolean }) => {
    if (!Number.isInteger(o.parcels) || o.parcels < 1) throw new Error('--parcels must be a positive integer');
    if (!(o.rate >= 0)) throw new Error('--rate must be 0 or more');
    if (o.errors !== 'none' && o.errors !== 'realistic') throw new Error('--errors must be none or realistic');
    const startTime = o.start ? Date.parse(o.start) : Date.now();
    if (Number.isNaN(startTime)) throw new Error(`--start ${o.start} is not a date`);
    const c = await provision();
    await driveLoad(
      c.kafka,
      c.codecs,
      { parcels: o.parcels, seed: o.seed, startTime, errors: o.errors, rate: o.rate, timestamps: o.eventTime ? 'event' : 'wall' },
      log,
    );
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
  .description('start the local stack, provision it and run the engine with a demo load')
  .action(async () => {
    stack('up');
    const c = await provision();
    await smokeRoundTrip(c.kafka, c.codecs, log);
    log('local stack is up; stop it with `npm run stack:down`');
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`[clearance] error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
