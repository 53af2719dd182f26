import type { Pool } from 'pg';
import type { TaxBill } from '@clearance/contracts';
import { sampleExportManifest, sampleImportManifest } from '@clearance/domain';
import { projectorEnv } from './config';
import { parcelsProjection, receiptRank, statusName, statusOrder } from './projections';
import { taxBillInfo, taxBillProblem } from './projections/parcels';
import { topicNames, type FailedRecord, type Projection, type SourceRecord } from './sources';
import { ProjectionWriter, type ProjectionBatch } from './writer';

/** A pg stand-in that keeps the offsets table and records every other statement. */
function fakePool() {
  const offsets = new Map<string, number>();
  const statements: Array<{ sql: string; params: unknown[] }> = [];
  let pending: Map<string, number> | undefined;
  const client = {
    async query(sql: string, params: unknown[] = []) {
      statements.push({ sql, params });
      if (sql === 'BEGIN') pending = new Map(offsets);
      else if (sql === 'COMMIT') {
        for (const [k, v] of pending!) offsets.set(k, v);
        pending = undefined;
      } else if (sql === 'ROLLBACK') pending = undefined;
      else if (/INSERT INTO .*projection_offset/.test(sql)) {
        const k = `${params[0]}|${params[1]}`;
        if (!pending!.has(k)) pending!.set(k, 0);
      } else if (/SELECT next_offset/.test(sql))
        return { rows: [{ next_offset: String(pending!.get(`${params[0]}|${params[1]}`)) }] };
      else if (/UPDATE .*projection_offset/.test(sql))
        pending!.set(`${params[0]}|${params[1]}`, params[2] as number);
      return { rows: [] };
    },
    release() {},
  };
  return { pool: { connect: async () => client } as unknown as Pool, offsets, statements };
}

function stubProjection(applied: number[]): Projection {
  return {
    name: 'declarations',
    sources: ['summary'],
    migrationsDir: '',
    tables: [],
    apply: async (_tx, records) => {
      applied.push(...records.map((r) => r.offset));
    },
  };
}

const rec = (offset: number): SourceRecord =>
  ({
    source: 'summary',
    topic: 't',
    partition: 0,
    offset,
    timestamp: 0,
    key: 'k',
    value: {},
  }) as SourceRecord;
const batch = (
  fetchedOffset: number,
  offsets: number[],
  end = offsets[offsets.length - 1] + 1,
): ProjectionBatch => ({
  topic: 't',
  partition: 0,
  fetchedOffset,
  endOffset: end,
  records: offsets.map(rec),
});

describe('ProjectionWriter: offsets in the same transaction as the rows', () => {
  it('writes, stores the next offset, and skips what is below the stored offset (Kafka position lagging)', async () => {
    const db = fakePool();
    const applied: number[] = [];
    const w = new ProjectionWriter(db.pool, stubProjection(applied), 's');
    expect(await w.write(batch(0, [0, 1, 2]))).toMatchObject({ applied: 3, skipped: 0, nextOffset: 3 });
    expect(db.offsets.get('t|0')).toBe(3);
    // a restart whose consumer starts from 1 (lagging group offsets): 1 and 2 are not written again
    const w2 = new ProjectionWriter(db.pool, stubProjection(applied), 's');
    expect(await w2.write(batch(1, [1, 2, 3, 4]))).toMatchObject({ applied: 2, skipped: 2, nextOffset: 5 });
    expect(applied).toEqual([0, 1, 2, 3, 4]);
    expect(db.statements.some((s) => /pg_advisory_xact_lock_shared/.test(s.sql))).toBe(true);
  });

  it('seeks back when the stored offset is behind the consumer and was not written by this writer (a swapped-in schema)', async () => {
    const db = fakePool();
    const applied: number[] = [];
    const w = new ProjectionWriter(db.pool, stubProjection(applied), 's');
    await w.write(batch(0, [0, 1, 2, 3, 4]));
    db.offsets.set('t|0', 2); // another schema, two records behind, swapped in
    expect(await w.write(batch(5, [5, 6]))).toMatchObject({ seekTo: 2, applied: 0 });
    expect(db.offsets.get('t|0')).toBe(2);
    expect(await w.write(batch(2, [2, 3, 4, 5, 6]))).toMatchObject({ applied: 5, nextOffset: 7 });
  });

  it('does not seek for a gap it caused itself (transaction markers, aborted records filtered by the consumer)', async () => {
    const db = fakePool();
    const applied: number[] = [];
    const w = new ProjectionWriter(db.pool, stubProjection(applied), 's');
    await w.write(batch(0, [0, 1], 2));
    // offset 2 was a commit marker, 3..5 an aborted transaction: the next batch starts at 7
    expect(await w.write(batch(7, [7, 8]))).toMatchObject({ applied: 2, nextOffset: 9 });
    expect(applied).toEqual([0, 1, 7, 8]);
  });

  it('a fresh (replay) schema never seeks, and undecodable records land in projection_error', async () => {
    const db = fakePool();
    const w = new ProjectionWriter(db.pool, stubProjection([]), 's', { fresh: true });
    const bad: FailedRecord = {
      topic: 't',
      partition: 0,
      offset: 4,
      reason: 'does not decode',
      key: null,
      value: Buffer.from([1, 2]),
    };
    const r = await w.write({
      topic: 't',
      partition: 0,
      fetchedOffset: 4,
      endOffset: 6,
      records: [bad, rec(5)],
    });
    expect(r).toMatchObject({ applied: 1, failed: 1, nextOffset: 6 });
    const insert = db.statements.find((s) => /projection_error/.test(s.sql))!;
    expect(JSON.parse(insert.params[0] as string)).toEqual([{ ...bad, value: '\\x0102' }]);
  });
});

describe('parcels projection', () => {
  it('ranks receipts so that the most advanced state wins, whatever order the topics are read in', () => {
    const r = (docType: string, returnStatus: string, participant = 'EBP') =>
      receiptRank({ docType, returnStatus, participant } as never);
    expect(r('ORDER', '2')).toEqual({ rank: 0, setsStatus: true });
    expect(r('WAYBILL', '120')).toEqual({ rank: 1, setsStatus: true });
    expect(r('LIST', '500')).toEqual({ rank: 2, setsStatus: true });
    expect(r('INSPECTION', '800')).toEqual({ rank: 3, setsStatus: true });
    expect(r('INSPECTION', '2', 'OFFICER')).toEqual({ rank: 3, setsStatus: false });
    expect(r('DEPARTURE', '100', 'CARRIER')).toEqual({ rank: 4, setsStatus: false });
    expect(r('DEPARTURE', '899')).toEqual({ rank: 4, setsStatus: true });
    const at = { topic: 'a', partition: 1, offset: 2 };
    expect(statusOrder(4, false, at) > statusOrder(3, true, { ...at, offset: 99 })).toBe(true);
    expect(statusOrder(2, true, at) > statusOrder(2, false, { ...at, offset: 99 })).toBe(true);
    expect(statusOrder(0, true, { ...at, offset: 10 }) > statusOrder(0, true, { ...at, offset: 9 })).toBe(
      true,
    );
    expect([statusName('501'), statusName('899'), statusName('42')]).toEqual([
      'DETAINED',
      'CLEARED',
      'STATUS_42',
    ]);
  });

  it('writes one merged parcel row per batch, the audit trail, and rules of decisions actually inserted', async () => {
    const m = sampleExportManifest();
    const statements: Array<{ sql: string; params: unknown[] }> = [];
    const client = {
      query: async (sql: string, params: unknown[] = []) => {
        statements.push({ sql, params });
        return { rows: /RETURNING guid/.test(sql) ? [{ guid: 'D1' }] : [] };
      },
    };
    const at = (offset: number, source: string, value: unknown, timestamp: number) =>
      ({ source, topic: source, partition: 0, offset, timestamp, key: 'k', value }) as SourceRecord;
    const decision = {
      guid: 'D1',
      waybillKey: m.waybillKey,
      orderKey: m.orderKey,
      invtNo: m.invtNo,
      outcome: 'RELEASE',
      returnStatus: '800',
      score: 0,
      ruleSetVersion: 'v1',
      rulesFired: [{ ruleId: 'R1', kind: 'SAMPLING', outcome: 'INSPECT', score: 1, reason: 'x' }],
      decidedAt: 20,
      lastDocumentTime: 10,
      manifest: m,
    };
    await parcelsProjection.apply({ client: client as never, table: (n) => n, fail: () => undefined }, [
      at(0, 'decision', decision, 20),
      at(1, 'manifest', m, 10),
      at(2, 'decision', { ...decision, guid: 'D2' }, 30),
    ]);
    const params = (re: RegExp) => JSON.parse(statements.find((s) => re.test(s.sql))!.params[0] as string);
    const [parcel] = params(/INSERT INTO parcel AS/);
    expect(parcel).toMatchObject({
      order_key: m.orderKey,
      status: '800',
      status_name: 'RELEASED',
      invt_no: m.invtNo,
      outcome: 'RELEASE',
      event_count: 3,
      first_event_time: 10,
      last_event_time: 30,
    });
    expect(params(/INSERT INTO parcel_event/).map((e: { kind: string }) => e.kind)).toEqual([
      'DECISION',
      'MANIFEST',
      'DECISION',
    ]);
    expect(params(/INSERT INTO parcel_event/)[0].payload.manifest).toBeUndefined();
    expect(params(/INSERT INTO decision_rule/)).toEqual([
      {
        decision_guid: 'D1',
        seq: 0,
        rule_id: 'R1',
        kind: 'SAMPLING',
        outcome: 'INSPECT',
        score: 1,
        reason: 'x',
      },
    ]);
  });
});

describe('parcels projection: tax bills', () => {
  const m = sampleImportManifest();
  const bill: TaxBill = {
    guid: 'TB1',
    invtNo: m.invtNo,
    orderKey: m.orderKey,
    waybillKey: m.waybillKey,
    ebpCode: m.ebpCode,
    orderNo: m.orderNo,
    ebcCode: m.ebcCode,
    buyerIdHash: m.buyerIdHash,
    currency: '142',
    items: [
      {
        gnum: 1,
        gcode: '3304990099',
        customsValue: '310.46000',
        dutyValue: '0.00000',
        consumptionTax: '38.35000',
        vat: '33.24000',
        taxTotal: '71.59000',
      },
    ],
    customsValueTotal: '310.46000',
    dutyTotal: '0.00000',
    consumptionTaxTotal: '38.35000',
    vatTotal: '33.24000',
    taxTotal: '71.59000',
    declaredTaxTotal: '71.59000',
    status: 'OK',
    computedAt: 10,
  };
  const at = (offset: number, source: string, value: unknown, timestamp: number) =>
    ({ source, topic: source, partition: 0, offset, timestamp, key: 'k', value }) as SourceRecord;
  async function run(records: SourceRecord[]) {
    const statements: Array<{ sql: string; params: unknown[] }> = [];
    const failed: string[] = [];
    const client = {
      query: async (sql: string, params: unknown[] = []) => {
        statements.push({ sql, params });
        return { rows: [] };
      },
    };
    await parcelsProjection.apply(
      { client: client as never, table: (n) => n, fail: (_r, reason) => failed.push(reason) },
      records,
    );
    const params = (re: RegExp) => {
      const s = statements.find((x) => re.test(x.sql));
      return s ? JSON.parse(s.params[0] as string) : undefined;
    };
    return { statements, failed, params };
  }

  it('reads the tax-bill topic and compares its table in a replay', () => {
    expect(parcelsProjection.sources).toContain('taxBill');
    expect(parcelsProjection.tables).toContain('tax_bill');
  });

  it('writes the bill (first wins by guid) and a TAX_BILL trail event that states no status', async () => {
    const { params, statements, failed } = await run([
      at(0, 'taxBill', bill, 10),
      at(1, 'manifest', m, 10),
      at(2, 'taxBill', { ...bill, guid: 'TB2', status: 'INCOMPLETE' }, 12),
    ]);
    expect(failed).toEqual([]);
    expect(params(/INSERT INTO tax_bill/)).toEqual([
      {
        guid: 'TB1',
        invt_no: m.invtNo,
        order_key: m.orderKey,
        waybill_key: m.waybillKey,
        status: 'OK',
        customs_value_total: '310.46000',
        duty_total: '0.00000',
        consumption_tax_total: '38.35000',
        vat_total: '33.24000',
        tax_total: '71.59000',
        declared_tax_total: '71.59000',
        computed_at: 10,
        topic: 'taxBill',
        partition: 0,
        offset: 0,
        payload: bill,
      },
      expect.objectContaining({ guid: 'TB2', status: 'INCOMPLETE', offset: 2 }),
    ]);
    expect(statements.find((s) => /INSERT INTO tax_bill/.test(s.sql))!.sql).toMatch(
      /ON CONFLICT DO NOTHING$/,
    );
    const events = params(/INSERT INTO parcel_event/);
    expect(
      events.map((e: { kind: string; status: string | null; rank: number }) => [e.kind, e.status, e.rank]),
    ).toEqual([
      ['TAX_BILL', null, 1],
      ['MANIFEST', '120', 1],
      ['TAX_BILL', null, 1],
    ]);
    expect(events[0]).toMatchObject({
      order_key: m.orderKey,
      waybill_key: m.waybillKey,
      info: taxBillInfo(bill),
    });
    // the status is the list's (the bills, before and after it, change nothing); they count as events
    const [parcel] = params(/INSERT INTO parcel AS/);
    expect(parcel).toMatchObject({
      order_key: m.orderKey,
      status: '120',
      status_name: 'MATCHED',
      status_time: 10,
      invt_no: m.invtNo,
      waybill_key: m.waybillKey,
      ie_flag: 'I',
      event_count: 3,
      last_event_time: 12,
    });
  });

  it('a bill read before anything else of its parcel leaves the status unset (status_order never wins)', async () => {
    const { params } = await run([at(0, 'taxBill', bill, 10)]);
    const [parcel] = params(/INSERT INTO parcel AS/);
    expect(parcel).toMatchObject({
      order_key: m.orderKey,
      status: null,
      status_name: null,
      status_time: null,
      status_order: '',
      invt_no: m.invtNo,
      logistics_code: m.logisticsCode,
      logistics_no: m.logisticsNo,
      ebc_code: m.ebcCode,
      event_count: 1,
    });
    expect(taxBillInfo(bill)).toBe(
      'tax bill OK: tax 71.59000 142 (consumption tax 38.35000, VAT 33.24000; declared 71.59000)',
    );
  });

  it('keeps a bill whose amounts are not decimals in projection_error (it would fail the whole transaction)', async () => {
    const bad = { ...bill, vatTotal: 'NaN' };
    expect(taxBillProblem(bad)).toBe('tax bill TB1: vatTotal "NaN" is not a decimal');
    expect(taxBillProblem({ ...bill, declaredTaxTotal: '1e3' })).toMatch(/declaredTaxTotal "1e3"/);
    expect(taxBillProblem({ ...bill, declaredTaxTotal: null })).toBeNull();
    const { failed, params } = await run([at(0, 'taxBill', bad, 10)]);
    expect(failed).toEqual(['tax bill TB1: vatTotal "NaN" is not a decimal']);
    expect(params(/INSERT INTO tax_bill/)).toBeUndefined();
    expect(params(/INSERT INTO parcel_event/)).toBeUndefined();
  });
});

describe('configuration', () => {
  it('names every missing or bad setting at once', () => {
    expect(() => projectorEnv({ KAFKA_BROKERS: 'k:1', PROJECTIONS: 'parcels,nope' })).toThrow(
      /SCHEMA_REGISTRY_URL[\s\S]*DATABASE_URL[\s\S]*PROJECTIONS/,
    );
    const env = projectorEnv({
      KAFKA_BROKERS: 'a:1, b:2',
      SCHEMA_REGISTRY_URL: 'http://r:1/x',
      DATABASE_URL: 'postgres://p@h/db',
    });
    expect(env).toMatchObject({
      KAFKA_BROKERS: ['a:1', 'b:2'],
      PROJECTIONS: ['parcels', 'declarations', 'statistics', 'returns'],
      PROJECTION_SCHEMA_PREFIX: 'projection_',
    });
  });

  it('refuses two sources on one topic', () => {
    expect(() => topicNames({ receipt: 'x', manifest: 'x' })).toThrow(/both name topic x/);
  });
});
