/**
 * Runtime features on the real broker: co-partitioning (and its partition-count check), poison
 * input and rejections to the DLQ with receipts, global tables updated mid-run, and parity of the
 * test driver with the runtime (stores, rejections, processing errors, punctuation).
 */
import { logLevel } from 'kafkajs';
import { defineProcessor, StreamsConfigError, stringSerde, TestDriver, type TestOutputRecord } from '../src';
import {
  counterProcessor,
  enrichProcessor,
  joinProcessor,
  parityProcessor,
  type Enriched,
  type Meeting,
  type Receipt,
} from './support/processors';
import {
  checkExactlyOnce,
  cleanup,
  createTopics,
  kafkaClient,
  produce,
  readAll,
  readTopic,
  sleep,
  testLogger,
  unique,
  waitFor,
  withAdmin,
  type ConsumedRecord,
  type Produced,
} from './support/kafka';
import { Runtimes, testRuntime } from './support/runtime';

jest.setTimeout(120_000);

const runtimes = new Runtimes();
afterAll(async () => {
  await runtimes.stopAll();
  await cleanup();
});

describe('co-partitioning', () => {
  it('records with the same key on two inputs always meet in the same task, across two instances', async () => {
    const id = unique('copart');
    const [left, right, met] = [`${id}.left`, `${id}.right`, `${id}.met`];
    await createTopics([
      { topic: left, partitions: 4 },
      { topic: right, partitions: 4 },
    ]);
    const def = joinProcessor(id, left, right, met);
    const a = await runtimes.start(def);
    const b = await runtimes.start(def);
    await waitFor(
      () =>
        a.isReady() && b.isReady() && a.assignment().tasks.length === 2 && b.assignment().tasks.length === 2,
      30_000,
      'two instances, two tasks each',
    );
    // whole tasks: each instance holds partition p of both inputs
    for (const r of [a, b]) {
      for (const t of r.assignment().tasks)
        expect(t.partitions).toEqual([
          { topic: left, partition: t.task },
          { topic: right, partition: t.task },
        ]);
    }
    const keys = Array.from({ length: 2_000 }, (_, i) => `order-${i}`);
    await produce(
      left,
      keys.map((key) => ({ key, value: 'L' })),
    );
    await produce(
      right,
      [...keys].reverse().map((key) => ({ key, value: 'R' })),
    );
    const meetings = await readTopic(met, (r) => r.length >= keys.length, 60_000);
    expect(meetings).toHaveLength(keys.length);
    for (const m of meetings) {
      const v = JSON.parse(m.value!) as Meeting;
      expect(v.leftPartition).toBe(v.rightPartition);
      expect(v.task).toBe(v.leftPartition);
      expect(m.partition).toBe(v.task);
    }
    expect(new Set(meetings.map((m) => m.key))).toEqual(new Set(keys));
  });

  it('refuses co-partitioned inputs with different partition counts, naming them', async () => {
    const id = unique('copart-bad');
    await createTopics([
      { topic: `${id}.left`, partitions: 4 },
      { topic: `${id}.right`, partitions: 3 },
    ]);
    const runtime = testRuntime(joinProcessor(id, `${id}.left`, `${id}.right`, `${id}.met`));
    const started = runtime.start();
    await expect(started).rejects.toThrow(StreamsConfigError);
    await expect(started).rejects.toThrow(`${id}.left=4, ${id}.right=3`);
    await runtime.stop();
  });
});

describe('dead letters and global tables', () => {
  it('sends poison input to <topic>.dlq with reason and original bytes, emits receipts, loses nothing else; sees global updates mid-run', async () => {
    const id = unique('dlq');
    const t = {
      orders: `${id}.orders`,
      enterprises: `${id}.enterprises`,
      enriched: `${id}.enriched`,
      receipts: `${id}.receipts`,
    };
    await createTopics([
      { topic: t.orders, partitions: 3 },
      { topic: t.enterprises, partitions: 2, compact: true },
    ]);
    await produce(t.enterprises, [
      { key: 'E1', value: JSON.stringify({ name: 'Acme', version: 1 }) },
      { key: 'E3', value: JSON.stringify({ name: 'Gone', version: 1 }) },
      { key: 'E3', value: null }, // deleted before start
    ]);

    const valid: Produced[] = Array.from({ length: 300 }, (_, i) => ({
      key: `o${i}`,
      value: JSON.stringify({ id: `o${i}`, enterprise: 'E1', amount: i }),
    }));
    const poison: Array<Produced & { kind: string; reason: RegExp }> = [
      ...Array.from({ length: 10 }, (_, i) => ({
        key: `bad-json-${i}`,
        value: Buffer.from([0x7b, 0xff, 0x00, i]),
        kind: 'deserialization',
        reason: /value deserialization failed/,
      })),
      ...Array.from({ length: 5 }, (_, i) => ({
        key: `bad-shape-${i}`,
        value: JSON.stringify({ id: 1 }),
        kind: 'deserialization',
        reason: /failed validation/,
      })),
      ...Array.from({ length: 5 }, (_, i) => ({
        key: `tombstone-${i}`,
        value: null,
        kind: 'deserialization',
        reason: /null value/,
      })),
      ...Array.from({ length: 5 }, (_, i) => ({
        key: `negative-${i}`,
        value: JSON.stringify({ id: `n${i}`, enterprise: 'E1', amount: -1 }),
        kind: 'rejected',
        reason: /negative amount -1/,
      })),
      ...Array.from({ length: 5 }, (_, i) => ({
        key: `unknown-${i}`,
        value: JSON.stringify({ id: `u${i}`, enterprise: 'E3', amount: 1 }),
        kind: 'rejected',
        reason: /unknown enterprise E3/,
      })),
    ];
    // interleave poison between valid records
    const batch1: Produced[] = [];
    valid.forEach((v, i) => {
      batch1.push(v);
      if (i % 10 === 0 && poison[i / 10]) batch1.push(poison[i / 10]);
    });

    const runtime = await runtimes.start(enrichProcessor(id, t));
    await runtime.waitUntilReady(30_000);
    expect(runtime.globalTable('enterprises')!.get('E1')).toEqual({ name: 'Acme', version: 1 });
    expect(runtime.globalTable('enterprises')!.has('E3')).toBe(false);

    await produce(t.orders, batch1);
    const enriched1 = await readTopic(t.enriched, (r) => r.length >= valid.length, 60_000);
    const dlq = await readTopic(`${t.orders}.dlq`, (r) => r.length >= poison.length, 30_000);
    const receipts = await readTopic(t.receipts, (r) => r.length >= poison.length, 30_000);
    const inputs = await readAll(t.orders);

    // nothing else lost
    expect(new Set(enriched1.map((r) => (JSON.parse(r.value!) as Enriched).id))).toEqual(
      new Set(valid.map((v) => v.key)),
    );
    expect(enriched1.every((r) => (JSON.parse(r.value!) as Enriched).enterpriseVersion === 1)).toBe(true);
    // every poison record in the DLQ, with its reason, its origin and its exact bytes
    expect(dlq).toHaveLength(poison.length);
    for (const p of poison) {
      const d = dlq.find((x) => x.key === p.key)!;
      expect(d).toBeDefined();
      expect(d.headers['dlq.kind']).toBe(p.kind);
      expect(d.headers['dlq.reason']).toMatch(p.reason);
      const original = inputs.find((x) => x.key === p.key)!;
      expect(d.headers['dlq.topic']).toBe(t.orders);
      expect(Number(d.headers['dlq.partition'])).toBe(original.partition);
      expect(Number(d.headers['dlq.offset'])).toBe(original.offset);
      expect(d.partition).toBe(original.partition);
      expect(d.rawValue).toEqual(original.rawValue);
      expect(d.rawKey).toEqual(original.rawKey);
    }
    // and a receipt for each, keyed like the input
    expect(new Set(receipts.map((r) => r.key))).toEqual(new Set(poison.map((p) => p.key)));
    for (const r of receipts) expect((JSON.parse(r.value!) as Receipt).status).toBe('rejected');

    // global table updates published mid-run are visible without restart
    await produce(t.enterprises, [
      { key: 'E1', value: JSON.stringify({ name: 'Acme Corp', version: 2 }) },
      { key: 'E2', value: JSON.stringify({ name: 'Newco', version: 1 }) },
      { key: 'E9', value: 'not json' }, // undecodable: logged, counted, skipped
    ]);
    await waitFor(
      () =>
        runtime.globalTable('enterprises')!.get('E1')?.valueOf() !== undefined &&
        (runtime.globalTable('enterprises')!.get('E1') as { version: number }).version === 2 &&
        runtime.globalTable('enterprises')!.has('E2'),
      20_000,
      'global update',
    );
    await produce(t.orders, [
      { key: 'late-1', value: JSON.stringify({ id: 'late-1', enterprise: 'E1', amount: 5 }) },
      { key: 'late-2', value: JSON.stringify({ id: 'late-2', enterprise: 'E2', amount: 6 }) },
    ]);
    const enriched2 = await readTopic(t.enriched, (r) => r.length >= valid.length + 2, 30_000);
    const late = enriched2
      .filter((r) => r.key!.startsWith('late-'))
      .map((r) => JSON.parse(r.value!) as Enriched);
    expect(late.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'late-1', amount: 5, enterpriseName: 'Acme Corp', enterpriseVersion: 2 },
      { id: 'late-2', amount: 6, enterpriseName: 'Newco', enterpriseVersion: 1 },
    ]);
    const metrics = await runtime.registry.getSingleMetricAsString('streams_dead_letters_total');
    expect(metrics).toMatch(/kind="rejected"} 10/);
    expect(await runtime.registry.getSingleMetricAsString('streams_global_errors_total')).toMatch(/} 1/);
  });
});

describe('test driver parity', () => {
  it('gives the same outputs, dead letters and punctuations as the runtime for the same input', async () => {
    const id = unique('parity');
    const t = { input: `${id}.in`, totals: `${id}.totals`, summaries: `${id}.summaries` };
    await createTopics([{ topic: t.input, partitions: 4 }]);
    const base = 1_700_000_000_000;
    const records: Array<{ key: string; value: string; timestamp: number }> = [];
    for (let i = 0; i < 3_000; i++) {
      const value = i % 97 === 0 ? 'bad' : i % 89 === 0 ? 'NaN!' : String((i * 13) % 100);
      records.push({
        key: `acct-${(i * 17) % 150}`,
        value,
        timestamp: base + i * 1_000 + ((i * 7) % 5) * 400,
      });
    }
    await produce(t.input, records, 500);

    const runtime = await runtimes.start(parityProcessor(id, t, 60_000));
    const totals = await readTopic(t.totals, (r) => r.length >= 2_933, 60_000);
    await waitFor(async () => runtime.isReady(), 10_000, 'ready');
    await new Promise((r) => setTimeout(r, 1_000));
    await runtime.stop();

    const driver = new TestDriver(parityProcessor(id, t, 60_000), {
      partitions: 4,
      logger: testLogger('driver'),
    });
    for (const r of records) await driver.pipe(t.input, r.key, r.value, { timestamp: r.timestamp });

    const realTotals = await readAll(t.totals);
    const realSummaries = await readAll(t.summaries);
    const realDlq = await readAll(`${t.input}.dlq`);
    expect(realTotals.length).toBe(totals.length);

    const norm = (rs: ConsumedRecord[]) =>
      rs.map((r) => `${r.partition}|${r.key}|${r.value}|${r.timestamp}`).sort();
    const normDriver = (rs: Array<TestOutputRecord<unknown, unknown>>) =>
      rs
        .map(
          (r) =>
            `${r.partition}|${r.key}|${typeof r.value === 'string' ? r.value : JSON.stringify(r.value)}|${r.timestamp}`,
        )
        .sort();
    expect(normDriver(await driver.readOutput(t.totals))).toEqual(norm(realTotals));
    expect(normDriver(await driver.readOutput(t.summaries))).toEqual(norm(realSummaries));
    expect(realSummaries.length).toBeGreaterThan(40);
    const driverDlq = driver.readDeadLetters();
    expect(
      driverDlq.map((d) => `${d.partition}|${d.key}|${d.kind}|${d.reason}|${d.sourceOffset}`).sort(),
    ).toEqual(
      realDlq
        .map(
          (d) =>
            `${d.partition}|${d.key}|${d.headers['dlq.kind']}|${d.headers['dlq.reason']}|${d.headers['dlq.offset']}`,
        )
        .sort(),
    );
    expect(realDlq.length).toBeGreaterThan(50);
    // per-key order too (outputs of one key are in one partition, in input order)
    const seq = (rs: Array<{ key: unknown; value: unknown; partition: number }>) =>
      rs.filter((r) => r.key === 'acct-0').map((r) => String(r.value));
    expect(seq(realTotals.sort((a, b) => a.offset - b.offset))).toEqual(
      seq(
        driver
          .rawRecords(t.totals)
          .map((r) => ({ key: r.key!.toString(), value: r.value!.toString(), partition: r.partition })),
      ),
    );
    // a topic the test created itself still has its own partition count
    expect((await withAdmin((admin) => admin.fetchTopicOffsets(t.totals))).length).toBe(4);
  });
});

describe('fencing and failures', () => {
  it('a task whose producer is fenced recovers (new producer, re-restore, rewind) and stays exactly once', async () => {
    const id = unique('fence');
    const input = `${id}.in`;
    const output = `${id}.out`;
    const N = 20_000;
    await createTopics([{ topic: input, partitions: 4 }]);
    const records = Array.from({ length: N }, (_, i) => ({ key: `k${(i * 13) % 400}`, value: String(i) }));
    const expected = new Map<string, number>();
    for (const r of records) expected.set(r.key, (expected.get(r.key) ?? 0) + 1);
    const runtime = await runtimes.start(counterProcessor(id, input, output), {
      maxRecordsPerTransaction: 500,
    });
    await runtime.waitUntilReady(30_000);

    const producing = (async () => {
      for (let i = 0; i < N; i += 2_000) {
        await produce(input, records.slice(i, i + 2_000));
        await sleep(200);
      }
    })();
    // another producer takes over the transactional ids of tasks 0 and 3 (what a new owner does),
    // leaving an open transaction behind, twice
    const kafka = kafkaClient('fencer', logLevel.NOTHING);
    for (let round = 0; round < 2; round++) {
      await sleep(700);
      for (const task of [0, 3]) {
        const zombieKiller = kafka.producer({
          transactionalId: `${id}-${task}`,
          idempotent: true,
          maxInFlightRequests: 1,
        });
        await zombieKiller.connect();
        try {
          const txn = await zombieKiller.transaction(); // InitProducerId: the runtime's producer of this task is now fenced
          await txn.send({ topic: output, messages: [{ key: 'intruder', value: '999', partition: task }] });
        } catch {
          // the runtime, recovering, may already have fenced us back: fine either way
        } finally {
          await zombieKiller.disconnect(); // an open transaction stays behind: aborted when the runtime re-initializes the id
        }
      }
    }
    await producing;
    await readTopic(output, (r) => r.length >= N, 90_000);
    await waitFor(() => runtime.isReady(), 30_000, 'recovered');
    await runtime.stop();
    const outputs = await readAll(output);
    expect(checkExactlyOnce(outputs, expected)).toEqual([]);
    expect(await runtime.registry.getSingleMetricAsString('streams_transactions_aborted_total')).toMatch(
      /reason="fenced"} [1-9]/,
    );
  });

  it('a record its serde cannot decode now (a transient error: the registry away) waits and is processed once, never dead-lettered', async () => {
    const id = unique('transient');
    const input = `${id}.in`;
    const output = `${id}.out`;
    await createTopics([{ topic: input, partitions: 1 }]);
    // the value serde's "registry" is away for the first 2.5 s after the first 'late' record
    let awaySince = 0;
    const value = {
      serialize: stringSerde.serialize,
      deserialize: (_topic: string, bytes: Buffer) => {
        const v = bytes.toString('utf8');
        if (v.startsWith('late')) {
          awaySince ||= Date.now();
          if (Date.now() - awaySince < 2_500)
            throw Object.assign(new Error('schema registry unreachable (ECONNREFUSED)'), { transient: true });
        }
        return v;
      },
    };
    const def = defineProcessor({
      name: id,
      inputs: { [input]: { key: stringSerde, value } },
      outputs: { [output]: { key: stringSerde, value: stringSerde } },
      process(record, ctx) {
        ctx.emit(output, record.key, record.value);
      },
    });
    const runtime = await runtimes.start(def);
    await runtime.waitUntilReady(30_000);
    await produce(input, [
      { key: 'a', value: 'early' },
      { key: 'a', value: 'late-1' },
      { key: 'a', value: 'late-2' },
    ]);
    await readTopic(output, (r) => r.length >= 3, 60_000);
    await waitFor(() => runtime.isReady(), 30_000, 'ready again');
    await runtime.stop();
    expect((await readAll(output)).map((r) => r.value)).toEqual(['early', 'late-1', 'late-2']);
    expect(awaySince).toBeGreaterThan(0); // the serde did fail transiently
    expect(await readAll(`${input}.dlq`)).toEqual([]);
  });

  it("with onProcessingError 'fail' a throwing processor stops its task, commits nothing and marks the runtime not alive", async () => {
    const id = unique('fatal');
    const input = `${id}.in`;
    await createTopics([{ topic: input, partitions: 1 }]);
    const def = defineProcessor({
      name: id,
      inputs: { [input]: { key: stringSerde, value: stringSerde } },
      outputs: { [`${id}.out`]: { key: stringSerde, value: stringSerde } },
      onProcessingError: 'fail',
      process(record, ctx) {
        if (record.value === 'boom') throw new Error('deterministic bug');
        ctx.emit(`${id}.out`, record.key, record.value);
      },
    });
    let fatal: Error | undefined;
    const runtime = await runtimes.start(def, { onFatalError: (e) => (fatal = e) });
    await runtime.waitUntilReady(30_000);
    await produce(input, [{ key: 'a', value: 'ok' }]);
    await readTopic(`${id}.out`, (r) => r.length >= 1, 30_000);
    await produce(input, [
      { key: 'a', value: 'boom' },
      { key: 'a', value: 'after' },
    ]);
    await waitFor(() => !runtime.isAlive(), 30_000, 'not alive');
    expect(fatal?.message).toMatch(/deterministic bug/);
    expect(runtime.isReady()).toBe(false);
    await runtime.stop();
    const offsets = await withAdmin((admin) => admin.fetchOffsets({ groupId: id, topics: [input] }));
    expect(offsets[0].partitions[0].offset).toBe('1'); // the failing record was not consumed
    expect((await readAll(`${id}.out`)).map((r) => r.value)).toEqual(['ok']);
  });
});
