/**
 * The returns projection on the real stack: receipts, decisions and inspection results (Avro
 * through the registry) for two companies (a platform and a carrier each, and a payment
 * institution they share) on uniquely named 4-partition topics, projected into a uniquely prefixed
 * schema; each participant reads only its own rows through readReturns, numbered 1..n with no
 * gaps, in offset order per partition, and paging by cursor neither skips nor repeats. Records
 * arriving on every partition at once while readers poll: no reader ever sees a number appear
 * below one it has seen. And the same under many writers on one participant's counters directly.
 */
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import type { Pool } from 'pg';
import {
  RegistryCodecs,
  Topics,
  waybillKey,
  type Decision,
  type InspectionResult,
  type Receipt,
} from '@clearance/contracts';
import { decisionTargets, inspectionTargets, receiptTargets, sampleExportManifest } from '@clearance/domain';
import { openPool } from '@clearance/postgres';
import type { Logger } from '@clearance/streams';
import { eventually, stackEnv, uniqueName } from '@clearance/testing';
import { createProjector, type Projector } from '../src/projector';
import { returnsProjection } from '../src/projections';
import { readReturns, type ReturnRow } from '../src/read-returns';
import { replayProjection, ReplayRefusedError } from '../src/replay';
import { ensureProjectionSchema, projectionSchema } from '../src/schema';
import type { SourceRecord } from '../src/sources';
import { ProjectionWriter } from '../src/writer';

type Source = 'receipt' | 'decision' | 'inspection';
type Role = 'PLATFORM' | 'PAYER' | 'CARRIER';
interface Sent {
  source: Source;
  key: string;
  partition: number;
  value: Receipt | Decision | InspectionResult;
}

const env = stackEnv();
const id = uniqueName('returns');
const prefix = `t_${id.split('-')[1]}_`;
const PARTITIONS = 4;
const topics: Record<Source, string> = {
  receipt: `${id}.receipt`,
  decision: `${id}.decision`,
  inspection: `${id}.inspection`,
};
const liveSchema = projectionSchema(prefix, 'returns');

const COMPANIES = {
  A: { platform: 'PA01', carrier: 'CA01' },
  B: { platform: 'PB01', carrier: 'CB01' },
} as const;
const PAYER = 'PY01';
const PARTICIPANTS: Array<{ role: Role; code: string }> = [
  { role: 'PLATFORM', code: 'PA01' },
  { role: 'CARRIER', code: 'CA01' },
  { role: 'PLATFORM', code: 'PB01' },
  { role: 'CARRIER', code: 'CB01' },
  { role: 'PAYER', code: PAYER },
];

let pool: Pool;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let codecs: RegistryCodecs;
let projector: Projector | undefined;
const sent: Sent[] = [];
const manifest = sampleExportManifest();
let serial = 0;

/** `count` records of one company, of every kind, round-robin over the partitions. */
function recordsOf(company: keyof typeof COMPANIES, count: number): Sent[] {
  const { platform, carrier } = COMPANIES[company];
  const out: Sent[] = [];
  for (let i = 0; i < count; i++) {
    const n = serial++;
    const guid = `${id}-${company}-${n}`;
    const orderKey = `${platform}:O${n}`;
    const wb = { logisticsCode: carrier, logisticsNo: `WB${n}` };
    const partition = n % PARTITIONS;
    const receipt = (participant: Receipt['participant'], participantCode: string): Receipt => ({
      guid,
      caseKey: orderKey,
      participant,
      participantCode,
      docType: 'ORDER',
      docGuid: `DOC-${guid}`,
      ebpCode: platform,
      orderNo: `O${n}`,
      logisticsCode: carrier,
      logisticsNo: wb.logisticsNo,
      invtNo: null,
      returnStatus: '120',
      returnTime: '20261128090000000',
      returnInfo: `receipt ${n}`,
      reasons: [],
    });
    switch (n % 6) {
      case 0:
        out.push({ source: 'receipt', key: orderKey, partition, value: receipt('EBP', platform) });
        break;
      case 1:
        out.push({ source: 'receipt', key: orderKey, partition, value: receipt('CARRIER', carrier) });
        break;
      case 2:
        out.push({ source: 'receipt', key: orderKey, partition, value: receipt('PAYER', PAYER) });
        break;
      case 3: // to the e-commerce enterprise: nobody's return
        out.push({ source: 'receipt', key: orderKey, partition, value: receipt('EBC', `EBC${company}`) });
        break;
      case 4: {
        const decision: Decision = {
          guid,
          waybillKey: waybillKey(wb),
          orderKey,
          invtNo: manifest.invtNo,
          outcome: 'RELEASE',
          returnStatus: '800',
          score: 0,
          ruleSetVersion: 'v1',
          rulesFired: [],
          decidedAt: 1_764_291_600_000 + n,
          lastDocumentTime: 1_764_291_500_000 + n,
          manifest,
        };
        out.push({ source: 'decision', key: waybillKey(wb), partition, value: decision });
        break;
      }
      default: {
        const inspection: InspectionResult = {
          guid,
          ...wb,
          outcome: 'PASS',
          detentionCode: null,
          officer: 'HG000001',
          inspectedAt: '20261128100000',
          note: null,
        };
        out.push({ source: 'inspection', key: waybillKey(wb), partition, value: inspection });
      }
    }
  }
  return out;
}

/** Sends records (one request per topic) and remembers them. */
async function produce(records: Sent[]): Promise<void> {
  sent.push(...records);
  for (const source of ['receipt', 'decision', 'inspection'] as const) {
    const mine = records.filter((r) => r.source === source);
    if (mine.length === 0) continue;
    await producer.send({
      topic: topics[source],
      acks: -1,
      messages: await Promise.all(
        mine.map(async (r) => ({
          key: r.key,
          partition: r.partition,
          value: await codecs.encode(Topics[source], r.value),
          timestamp: String(Date.now()),
        })),
      ),
    });
  }
}

const targetsOf = (r: Sent) =>
  r.source === 'receipt'
    ? receiptTargets(r.value as Receipt)
    : r.source === 'decision'
      ? decisionTargets(r.value as Decision)
      : inspectionTargets(r.value as InspectionResult);

/** guid -> record of every record sent that concerns the participant. */
function expectedFor(role: Role, code: string): Map<string, Sent> {
  return new Map(
    sent
      .filter((r) => targetsOf(r).some((t) => t.role === role && t.code === code))
      .map((r) => [r.value.guid, r]),
  );
}

const read = (role: Role, code: string, after: number, limit: number, schemaPrefix = prefix) =>
  readReturns(pool, { schemaPrefix, role, code, after, limit });

/** Every row of a participant, page by page (`limit` each) from cursor 0. */
async function readAll(role: Role, code: string, limit = 1000): Promise<ReturnRow[]> {
  const out: ReturnRow[] = [];
  for (;;) {
    const page = await read(role, code, out.length === 0 ? 0 : out[out.length - 1].seq, limit);
    out.push(...page);
    if (page.length < limit) return out;
  }
}

async function caughtUp(p: Projector): Promise<void> {
  await eventually(
    'returns projection caught up',
    async () => {
      const stored = (await p.storedOffsets()).returns ?? {};
      const behind: string[] = [];
      for (const topic of Object.values(topics))
        for (const o of await admin.fetchTopicOffsets(topic))
          if ((stored[`${topic}|${o.partition}`] ?? 0) < Number(o.high))
            behind.push(`${topic}|${o.partition} at ${stored[`${topic}|${o.partition}`] ?? 0} of ${o.high}`);
      if (behind.length > 0) throw new Error(`behind: ${behind.join(', ')}`);
      return true;
    },
    60_000,
    200,
  );
}

/** A participant's rows are exactly its records, numbered 1..n, in offset order within each partition. */
function expectExactly(role: Role, code: string, rows: ReturnRow[]): void {
  const expected = expectedFor(role, code);
  expect(expected.size).toBeGreaterThan(0);
  expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: expected.size }, (_, i) => i + 1));
  const guids = rows.map((r) => (r.payload as { guid: string }).guid);
  expect(new Set(guids).size).toBe(rows.length);
  expect([...guids].sort()).toEqual([...expected.keys()].sort());
  const lastOffset = new Map<string, number>();
  for (const r of rows) {
    const want = expected.get((r.payload as { guid: string }).guid)!;
    expect(r.kind).toBe(want.source);
    expect(r.topic).toBe(topics[want.source]);
    expect(r.partition).toBe(want.partition);
    expect(r.payload).toEqual(want.value);
    expect(r.docGuid).toBe(want.source === 'receipt' ? (want.value as Receipt).docGuid : null);
    const tp = `${r.topic}|${r.partition}`;
    expect(r.offset).toBeGreaterThan(lastOffset.get(tp) ?? -1);
    lastOffset.set(tp, r.offset);
  }
}

beforeAll(async () => {
  pool = await openPool(env.databaseUrl, 24);
  codecs = new RegistryCodecs({ url: env.schemaRegistryUrl });
  await codecs.register([Topics.receipt, Topics.decision, Topics.inspection]);
  kafka = new Kafka({ clientId: id, ...env.kafka, logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS })),
  });
  producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    idempotent: true,
  });
  await producer.connect();
});

afterAll(async () => {
  await projector?.stop().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  const { rows } = await pool.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
    [`${prefix}%`],
  );
  for (const r of rows) await pool.query(`DROP SCHEMA "${r.nspname}" CASCADE`);
  await admin?.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin?.deleteGroups([id]).catch(() => undefined);
  await admin?.disconnect();
  await pool?.end();
});

describe('returns projection on the real stack', () => {
  it('gives each participant exactly its records, numbered 1..n, and paging by cursor skips and repeats nothing', async () => {
    await produce([...recordsOf('A', 60), ...recordsOf('B', 60)]);
    projector = createProjector({
      ...env.kafka,
      pool,
      decoder: codecs,
      groupId: id,
      schemaPrefix: prefix,
      topics,
      projections: ['returns'],
      concurrency: 3 * PARTITIONS,
      sessionTimeout: 10_000,
    });
    await projector.start();
    await caughtUp(projector);

    for (const { role, code } of PARTICIPANTS) {
      const rows = await readAll(role, code);
      expectExactly(role, code, rows);
      // paging by 7: the same rows, no gap, no repeat
      expect(await readAll(role, code, 7)).toEqual(rows);
      // a cursor in the middle resumes right after it
      expect(await read(role, code, 5, 3)).toEqual(rows.slice(5, 8));
      expect(await read(role, code, rows.length, 10)).toEqual([]);
      const { rows: counter } = await pool.query<{ last_seq: string }>(
        `SELECT last_seq FROM "${liveSchema}".ceb_return_counter WHERE role = $1 AND code = $2`,
        [role, code],
      );
      expect(Number(counter[0].last_seq)).toBe(rows.length);
    }
    // a company never sees the other's codes; nobody sees the e-commerce enterprise's receipts
    for (const [mine, theirs] of [
      ['A', 'B'],
      ['B', 'A'],
    ] as const)
      for (const role of ['platform', 'carrier'] as const) {
        const rows = await readAll(role === 'platform' ? 'PLATFORM' : 'CARRIER', COMPANIES[mine][role]);
        for (const r of rows) {
          const json = JSON.stringify(r.payload);
          expect(json).not.toContain(COMPANIES[theirs].platform);
          expect(json).not.toContain(COMPANIES[theirs].carrier);
        }
      }
    const { rows: ebc } = await pool.query(
      `SELECT 1 FROM "${liveSchema}".ceb_return WHERE payload->>'participant' = 'EBC'`,
    );
    expect(ebc).toEqual([]);
    expect(await read('CARRIER', 'NOBODY', 0, 10)).toEqual([]);
    // a schema that does not exist is the pg error (the gateway's 503)
    await expect(read('CARRIER', 'CA01', 0, 10, `${prefix}missing_`)).rejects.toMatchObject({
      code: expect.stringMatching(/^(3F000|42P01)$/),
    });
  });

  it('keeps every participant gapless and in order while records arrive on every partition at once', async () => {
    const target = () =>
      new Map(PARTICIPANTS.map((p) => [`${p.role}|${p.code}`, expectedFor(p.role, p.code).size]));
    let producing = true;
    const violations: string[] = [];
    // readers poll with their cursor while the projector writes: a page must start right after the
    // cursor and be consecutive; a number below one seen, or a hole, would show up here
    const readers = PARTICIPANTS.map(async ({ role, code }) => {
      let cursor = 0;
      const seen = new Set<string>();
      for (;;) {
        const page = await read(role, code, cursor, 25);
        page.forEach((r, i) => {
          if (r.seq !== cursor + 1 + i)
            violations.push(`${role} ${code}: seq ${r.seq} after cursor ${cursor} at ${i}`);
          const guid = (r.payload as { guid: string }).guid;
          if (seen.has(guid)) violations.push(`${role} ${code}: ${guid} twice`);
          seen.add(guid);
        });
        if (page.length > 0) cursor = page[page.length - 1].seq;
        if (!producing && cursor >= target().get(`${role}|${code}`)!) return { role, code, cursor, seen };
        if (page.length === 0) await new Promise((r) => setTimeout(r, 5));
      }
    });
    for (let round = 0; round < 12; round++) {
      await produce([...recordsOf('A', 48), ...recordsOf('B', 48)]);
      await new Promise((r) => setTimeout(r, 20));
    }
    producing = false;
    await caughtUp(projector!);
    const done = await Promise.all(readers);
    expect(violations).toEqual([]);
    for (const { role, code, cursor, seen } of done) {
      expect([role, code, cursor]).toEqual([role, code, expectedFor(role, code).size]);
      expect(seen.size).toBe(cursor);
      expectExactly(role, code, await readAll(role, code));
    }
  });

  it('refuses a replay of returns, leaving the live schema as it is', async () => {
    const before = await pool.query(`SELECT count(*)::int n FROM "${liveSchema}".ceb_return`);
    await expect(
      replayProjection({
        projection: 'returns',
        ...env.kafka,
        pool,
        decoder: codecs,
        schemaPrefix: prefix,
        topics,
        progress: 'none',
        print: () => undefined,
      }),
    ).rejects.toThrow(ReplayRefusedError);
    expect((await pool.query(`SELECT count(*)::int n FROM "${liveSchema}".ceb_return`)).rows).toEqual(
      before.rows,
    );
    const { rows } = await pool.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [
      `${liveSchema}\\_\\_%`,
    ]);
    expect(rows).toEqual([]);
  });

  it('numbers gaplessly, without deadlocks, under many concurrent writers sharing counters', async () => {
    const schema = projectionSchema(`${prefix}w_`, 'returns');
    await ensureProjectionSchema(pool, returnsProjection, schema);
    const retries: unknown[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (obj) => retries.push(obj),
      error: () => undefined,
      child: () => logger,
    };
    const WRITERS = 16;
    const BATCHES = 25;
    const PER_BATCH = 6;
    // every batch touches both carriers and both platforms, in a different order each time
    const decisionAt = (w: number, b: number, i: number): SourceRecord => {
      const k = (w + b + i) % 4;
      const carrier = k < 2 ? 'CA01' : 'CB01';
      const platform = k % 2 === 0 ? 'PB01' : 'PA01';
      return {
        source: 'decision',
        topic: `${id}.w`,
        partition: w,
        offset: b * PER_BATCH + i,
        timestamp: Date.now(),
        key: null,
        value: {
          guid: `w${w}-${b}-${i}`,
          waybillKey: `${carrier}:W${w}-${b}-${i}`,
          orderKey: `${platform}:O${w}-${b}-${i}`,
          invtNo: manifest.invtNo,
          outcome: 'RELEASE',
          returnStatus: '800',
          score: 0,
          ruleSetVersion: 'v1',
          rulesFired: [],
          decidedAt: 1,
          lastDocumentTime: 1,
          manifest,
        },
      };
    };
    let writing = true;
    const violations: string[] = [];
    const reader = (async () => {
      let cursor = 0;
      while (writing || cursor < (WRITERS * BATCHES * PER_BATCH) / 2) {
        const page = await read('CARRIER', 'CA01', cursor, 100, `${prefix}w_`);
        page.forEach((r, i) => {
          if (r.seq !== cursor + 1 + i) violations.push(`seq ${r.seq} after cursor ${cursor} at ${i}`);
        });
        if (page.length > 0) cursor = page[page.length - 1].seq;
        else await new Promise((r) => setTimeout(r, 2));
      }
      return cursor;
    })();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const writer = new ProjectionWriter(pool, returnsProjection, schema, { logger });
        for (let b = 0; b < BATCHES; b++) {
          const records = Array.from({ length: PER_BATCH }, (__, i) => decisionAt(w, b, i));
          const r = await writer.write({
            topic: `${id}.w`,
            partition: w,
            fetchedOffset: b * PER_BATCH,
            endOffset: (b + 1) * PER_BATCH,
            records,
          });
          expect(r.applied).toBe(PER_BATCH);
        }
      }),
    );
    writing = false;
    const total = WRITERS * BATCHES * PER_BATCH;
    expect(await reader).toBe(total / 2);
    expect(violations).toEqual([]);
    expect(retries).toEqual([]); // no deadlock had to be retried: counters are locked in one order
    for (const [role, code] of [
      ['CARRIER', 'CA01'],
      ['CARRIER', 'CB01'],
      ['PLATFORM', 'PA01'],
      ['PLATFORM', 'PB01'],
    ] as const) {
      const { rows } = await pool.query<{ n: number; lo: string; hi: string; distinct_records: number }>(
        `SELECT count(*)::int n, min(seq) lo, max(seq) hi, count(DISTINCT (partition, "offset"))::int distinct_records
           FROM "${schema}".ceb_return WHERE role = $1 AND code = $2`,
        [role, code],
      );
      expect(rows[0]).toEqual({ n: total / 2, lo: '1', hi: String(total / 2), distinct_records: total / 2 });
      // within a partition, numbers follow offsets
      const { rows: disorder } = await pool.query(
        `SELECT 1 FROM (SELECT "offset", lag("offset") OVER (PARTITION BY partition ORDER BY seq) prev
                          FROM "${schema}".ceb_return WHERE role = $1 AND code = $2) x WHERE prev > "offset"`,
        [role, code],
      );
      expect(disorder).toEqual([]);
    }
  });
});
