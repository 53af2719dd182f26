import type { Pool } from 'pg';
import type { Decision, InspectionResult, Receipt } from '@clearance/contracts';
import { sampleExportManifest } from '@clearance/domain';
import { lockOrder, numberRows, participantKey, returnRows, returnsProjection } from './projections';
import type { ReturnDraft } from './projections';
import { readReturns } from './read-returns';
import { replayProjection, ReplayRefusedError } from './replay';
import type { SourceRecord } from './sources';

const receipt = (overrides: Partial<Receipt> = {}): Receipt => ({
  guid: 'R-1',
  caseKey: 'EBP01:ORDER1',
  participant: 'EBP',
  participantCode: 'EBP01',
  docType: 'ORDER',
  docGuid: 'DOC-1',
  ebpCode: 'EBP01',
  orderNo: 'ORDER1',
  logisticsCode: null,
  logisticsNo: null,
  invtNo: null,
  returnStatus: '120',
  returnTime: '20261128090000000',
  returnInfo: 'accepted',
  reasons: [],
  ...overrides,
});

const manifest = sampleExportManifest();
const decision = (overrides: Partial<Decision> = {}): Decision => ({
  guid: 'D-1',
  waybillKey: 'CARR01:WB1',
  orderKey: 'EBP01:ORDER1',
  invtNo: manifest.invtNo,
  outcome: 'RELEASE',
  returnStatus: '800',
  score: 0,
  ruleSetVersion: 'v1',
  rulesFired: [],
  decidedAt: 1_700_000_000_123,
  lastDocumentTime: 1_700_000_000_000,
  manifest,
  ...overrides,
});

const inspection = (overrides: Partial<InspectionResult> = {}): InspectionResult => ({
  guid: 'I-1',
  logisticsCode: 'CARR01',
  logisticsNo: 'WB1',
  outcome: 'PASS',
  detentionCode: null,
  officer: 'HG000001',
  inspectedAt: '20261128100000',
  note: null,
  ...overrides,
});

const TOPIC = {
  receipt: 'clearance.receipt.v1',
  decision: 'clearance.decision.v1',
  inspection: 'customs.inspection.v1',
} as const;

const at = (offset: number, source: 'receipt' | 'decision' | 'inspection', value: unknown, partition = 0) =>
  ({
    source,
    topic: TOPIC[source],
    partition,
    offset,
    timestamp: 1000 + offset,
    key: 'k',
    value,
  }) as SourceRecord;

/** Rows of `records` and what failed. */
function project(records: SourceRecord[]) {
  const failed: Array<{ offset: number; reason: string }> = [];
  const rows = returnRows(records, (r, reason) => failed.push({ offset: r.offset, reason }));
  return { rows, failed };
}

const who = (rows: ReturnDraft[]) => rows.map((r) => `${r.role} ${r.code} ${r.kind}`);

describe('returns: who gets a row for which record', () => {
  it('given a receipt to the platform, when projected, then one PLATFORM row carrying its docGuid and the record', () => {
    const r = receipt();
    const { rows, failed } = project([at(7, 'receipt', r)]);
    expect(failed).toEqual([]);
    expect(rows).toEqual([
      {
        role: 'PLATFORM',
        code: 'EBP01',
        kind: 'receipt',
        topic: 'clearance.receipt.v1',
        partition: 0,
        offset: 7,
        event_time: 1007,
        doc_guid: 'DOC-1',
        payload: r,
      },
    ]);
  });

  it('given receipts to the payer and the carrier, when projected, then a PAYER and a CARRIER row', () => {
    const { rows } = project([
      at(0, 'receipt', receipt({ participant: 'PAYER', participantCode: 'PAY01', docType: 'PAYMENT' })),
      at(1, 'receipt', receipt({ participant: 'CARRIER', participantCode: 'CARR01', docGuid: null })),
    ]);
    expect(who(rows)).toEqual(['PAYER PAY01 receipt', 'CARRIER CARR01 receipt']);
    expect(rows[1].doc_guid).toBeNull();
  });

  it('given receipts to the e-commerce enterprise, an officer or no code, when projected, then no rows and no errors', () => {
    const { rows, failed } = project([
      at(0, 'receipt', receipt({ participant: 'EBC', participantCode: 'EBC01' })),
      at(1, 'receipt', receipt({ participant: 'OFFICER', participantCode: 'HG01' })),
      at(2, 'receipt', receipt({ participantCode: '' })),
    ]);
    expect(rows).toEqual([]);
    expect(failed).toEqual([]);
  });

  it('given a decision, when projected, then the carrier of its waybill and the platform of its order each get a row', () => {
    const d = decision();
    const { rows } = project([at(3, 'decision', d, 2)]);
    expect(who(rows)).toEqual(['CARRIER CARR01 decision', 'PLATFORM EBP01 decision']);
    for (const r of rows)
      expect(r).toMatchObject({
        topic: 'clearance.decision.v1',
        partition: 2,
        offset: 3,
        doc_guid: null,
        payload: d,
      });
    // longs stay numbers
    expect((rows[0].payload as Decision).decidedAt).toBe(1_700_000_000_123);
  });

  it('given a decision whose order key has no platform code, when projected, then only the carrier gets it', () => {
    const { rows } = project([at(0, 'decision', decision({ orderKey: 'NOCOLON' }))]);
    expect(who(rows)).toEqual(['CARRIER CARR01 decision']);
  });

  it('given an inspection result, when projected, then its carrier gets a row; without a carrier code nobody does', () => {
    const { rows } = project([
      at(0, 'inspection', inspection()),
      at(1, 'inspection', inspection({ logisticsCode: '' })),
    ]);
    expect(who(rows)).toEqual(['CARRIER CARR01 inspection']);
    expect(rows[0]).toMatchObject({ topic: 'customs.inspection.v1', doc_guid: null });
  });

  it('given tombstones or a record of another topic, when projected, then they are kept as failures and the rest is written', () => {
    const { rows, failed } = project([
      at(0, 'receipt', null),
      at(1, 'decision', null),
      at(2, 'inspection', null),
      { ...at(3, 'receipt', receipt()), source: 'summary', topic: 'declaration.summary.v1' } as SourceRecord,
      at(4, 'inspection', inspection()),
    ]);
    expect(failed.map((f) => f.offset)).toEqual([0, 1, 2, 3]);
    expect(failed[0].reason).toMatch(/tombstone/);
    expect(failed[3].reason).toMatch(/does not read declaration\.summary\.v1/);
    expect(who(rows)).toEqual(['CARRIER CARR01 inspection']);
  });
});

describe('returns: sequence numbers', () => {
  const rows = project([
    at(0, 'decision', decision({ waybillKey: 'CARR02:WB9', orderKey: 'EBP01:O9' })),
    at(1, 'receipt', receipt()),
    at(2, 'inspection', inspection({ logisticsCode: 'CARR02' })),
    at(3, 'receipt', receipt({ participant: 'PAYER', participantCode: 'PAY01' })),
    at(4, 'decision', decision()),
  ]).rows;

  it('given a batch, when counters are taken, then each participant once with its row count, sorted by role then code', () => {
    expect(lockOrder(rows)).toEqual([
      { role: 'CARRIER', code: 'CARR01', n: 1 },
      { role: 'CARRIER', code: 'CARR02', n: 2 },
      { role: 'PAYER', code: 'PAY01', n: 1 },
      { role: 'PLATFORM', code: 'EBP01', n: 3 },
    ]);
  });

  it("given the counters after the increment, when numbered, then each participant's rows are consecutive in offset order", () => {
    const last = new Map([
      [participantKey('CARRIER', 'CARR01'), 1],
      [participantKey('CARRIER', 'CARR02'), 12],
      [participantKey('PAYER', 'PAY01'), 5],
      [participantKey('PLATFORM', 'EBP01'), 103],
    ]);
    const numbered = numberRows(rows, last).map((r) => `${r.role} ${r.code} @${r.offset} #${r.seq}`);
    expect(numbered).toEqual([
      'CARRIER CARR02 @0 #11',
      'PLATFORM EBP01 @0 #101',
      'PLATFORM EBP01 @1 #102',
      'CARRIER CARR02 @2 #12',
      'PAYER PAY01 @3 #5',
      'CARRIER CARR01 @4 #1',
      'PLATFORM EBP01 @4 #103',
    ]);
  });

  it('given a counter missing or below the rows numbered, when numbered, then it fails rather than leave a gap', () => {
    expect(() => numberRows(rows, new Map())).toThrow(/no counter returned/);
    const low = new Map(lockOrder(rows).map((c) => [participantKey(c.role, c.code), c.n]));
    low.set(participantKey('PLATFORM', 'EBP01'), 2);
    expect(() => numberRows(rows, low)).toThrow(/below the 3 rows/);
  });

  it('given a batch, when applied, then counters are upserted in lock order in one statement and rows inserted with their seqs', async () => {
    const statements: Array<{ sql: string; params: unknown[] }> = [];
    const client = {
      query: async (sql: string, params: unknown[] = []) => {
        statements.push({ sql, params });
        if (/INSERT INTO ceb_return_counter/.test(sql))
          return {
            rows: (JSON.parse(params[0] as string) as Array<{ role: string; code: string; n: number }>).map(
              (c) => ({ ...c, last_seq: String(c.n + 10) }),
            ),
          };
        // offset 1 to the platform was written before (a stored offset moved back by hand)
        if (/SELECT "offset", role, code FROM ceb_return/.test(sql) && params[0] === TOPIC.receipt)
          return { rows: [{ offset: '1', role: 'PLATFORM', code: 'EBP01' }] };
        return { rows: [] };
      },
    };
    const records = [
      at(0, 'decision', decision({ waybillKey: 'CARR02:WB9', orderKey: 'EBP01:O9' })),
      at(1, 'receipt', receipt()),
      at(4, 'decision', decision()),
    ];
    await returnsProjection.apply(
      { client: client as never, table: (n) => n, fail: () => undefined },
      records,
    );
    // what is already there is looked up per topic-partition over the batch's offset range
    expect(statements.map((s) => s.sql.split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'SELECT "offset", role,',
      'SELECT "offset", role,',
      'INSERT INTO ceb_return_counter',
      'INSERT INTO ceb_return',
    ]);
    expect(statements.slice(0, 2).map((s) => s.params)).toEqual([
      [TOPIC.decision, 0, 0, 4],
      [TOPIC.receipt, 0, 1, 1],
    ]);
    const [, , upsert, insert] = statements;
    expect(upsert.sql).toMatch(/ORDER BY ord[\s\S]*ON CONFLICT \(role, code\) DO UPDATE/);
    expect(JSON.parse(upsert.params[0] as string)).toEqual([
      { role: 'CARRIER', code: 'CARR01', n: 1, ord: 0 },
      { role: 'CARRIER', code: 'CARR02', n: 1, ord: 1 },
      { role: 'PLATFORM', code: 'EBP01', n: 2, ord: 2 },
    ]);
    const inserted = JSON.parse(insert.params[0] as string) as Array<Record<string, unknown>>;
    expect(inserted.map((r) => `${r.role} ${r.code} @${r.offset} #${r.seq}`)).toEqual([
      'CARRIER CARR02 @0 #11',
      'PLATFORM EBP01 @0 #11',
      'CARRIER CARR01 @4 #11',
      'PLATFORM EBP01 @4 #12',
    ]);
  });

  it('given a batch with no participant, when applied, then nothing is written', async () => {
    const client = { query: jest.fn() };
    await returnsProjection.apply({ client: client as never, table: (n) => n, fail: () => undefined }, [
      at(0, 'receipt', receipt({ participant: 'EBC' })),
    ]);
    expect(client.query).not.toHaveBeenCalled();
  });
});

describe('returns: replay and reader', () => {
  it('given the returns projection, when a replay is asked for, then it is refused before anything is touched', async () => {
    const pool = {
      query: jest.fn(),
      connect: jest.fn(),
    };
    const attempt = replayProjection({
      projection: 'returns',
      brokers: ['127.0.0.1:1'],
      pool: pool as unknown as Pool,
      decoder: { decode: jest.fn() },
      progress: 'none',
    });
    await expect(attempt).rejects.toThrow(ReplayRefusedError);
    await expect(attempt).rejects.toThrow(/replay of returns refused: .*cursors participants hold/);
    expect(pool.query).not.toHaveBeenCalled();
    expect(pool.connect).not.toHaveBeenCalled();
  });

  it('given a participant and a cursor, when read, then one parameterised query on its schema and numbers for the bigints', async () => {
    const query = jest.fn(async () => ({
      rows: [
        {
          seq: '4',
          kind: 'receipt',
          topic: 'clearance.receipt.v1',
          partition: 1,
          offset: '99',
          event_time: '1700000000123',
          doc_guid: 'DOC-1',
          payload: { guid: 'R-1' },
        },
      ],
    }));
    const rows = await readReturns({ query } as unknown as Pool, {
      schemaPrefix: 'p_',
      role: 'PLATFORM',
      code: "EBP01'; --",
      after: 3,
      limit: 2,
    });
    expect(rows).toEqual([
      {
        seq: 4,
        kind: 'receipt',
        topic: 'clearance.receipt.v1',
        partition: 1,
        offset: 99,
        eventTime: 1_700_000_000_123,
        docGuid: 'DOC-1',
        payload: { guid: 'R-1' },
      },
    ]);
    const [sql, params] = query.mock.calls[0] as unknown as [string, unknown[]];
    expect(sql).toMatch(/FROM "p_returns"\."ceb_return"[\s\S]*seq > \$3[\s\S]*ORDER BY seq[\s\S]*LIMIT \$4/);
    expect(params).toEqual(['PLATFORM', "EBP01'; --", 3, 2]);
  });

  it('given bad arguments, when read, then a RangeError and no query', async () => {
    const query = jest.fn();
    const pool = { query } as unknown as Pool;
    const base = { role: 'CARRIER' as const, code: 'C1', after: 0, limit: 10 };
    await expect(readReturns(pool, { ...base, role: 'EBC' as never })).rejects.toThrow(RangeError);
    await expect(readReturns(pool, { ...base, code: '' })).rejects.toThrow(RangeError);
    await expect(readReturns(pool, { ...base, after: -1 })).rejects.toThrow(RangeError);
    await expect(readReturns(pool, { ...base, after: 1.5 })).rejects.toThrow(RangeError);
    await expect(readReturns(pool, { ...base, limit: Number.NaN })).rejects.toThrow(RangeError);
    await expect(readReturns(pool, { ...base, schemaPrefix: 'Bad-Prefix' })).rejects.toThrow(/schema/);
    expect(query).not.toHaveBeenCalled();
  });
});
