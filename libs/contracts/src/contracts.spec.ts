import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { generateTypes } from './codegen';
import { buyerKey, orderKey, sha256Hex, waybillKey } from './keys';
import { loadSchemas, schemaByName } from './schemas';
import { allTopics, dlqTopic, Topics, valueSubject } from './topics';
import {
  AvroDecodeError,
  LocalCodecs,
  RegistryCodecs,
  RegistryUnavailableError,
  registryUnreachable,
  SchemaValidationError,
} from './codec';

describe('schemas', () => {
  const loaded = loadSchemas();

  it('holds one schema per event and reference type of the architecture', () => {
    const names = [...loaded.values()].map((s) => s.name).sort();
    expect(names).toEqual(
      [
        'ClearedParcel',
        'Commodity',
        'Decision',
        'DeclarationLine',
        'Departure',
        'DepartureLine',
        'Enterprise',
        'ExchangeRate',
        'InspectionResult',
        'Manifest',
        'Order',
        'Payment',
        'PeriodClose',
        'Receipt',
        'RegisteredParticipant',
        'RuleSet',
        'SummaryDeclaration',
        'Waybill',
        'WatchlistEntry',
        'FiledList',
        'TaxBill',
      ].sort(),
    );
  });

  it('inlines referenced types so each registered schema stands alone', () => {
    const decision = JSON.stringify(schemaByName('Decision').schema);
    expect(decision).toContain('"name":"cn.clearance.Manifest"');
    expect(decision).toContain('"name":"cn.clearance.ManifestItem"');
  });

  it('never uses float or double: amounts are CEB decimal strings', () => {
    for (const s of loaded.values()) {
      const text = readFileSync(path.join(__dirname, '../../../schemas', s.file), 'utf8');
      expect(text).not.toMatch(/"(float|double)"/);
    }
    const order = JSON.parse(readFileSync(path.join(__dirname, '../../../schemas/order.avsc'), 'utf8'));
    const goodsValue = order.fields.find((f: { name: string }) => f.name === 'goodsValue');
    expect(goodsValue.type).toEqual({ type: 'string', 'ceb.decimal': '19,5' });
  });

  it('generated TypeScript types are up to date with the schemas', () => {
    const committed = readFileSync(path.join(__dirname, 'generated/types.ts'), 'utf8');
    expect(generateTypes()).toEqual(committed);
  });
});

describe('topics', () => {
  it('every topic carries a known schema', () => {
    for (const t of allTopics) expect(schemaByName(t.schema).fullName).toBe(t.schema);
  });

  it('names subjects and dead-letter topics from the topic', () => {
    expect(valueSubject(Topics.order.name)).toBe('ceb.order.v1-value');
    expect(dlqTopic(Topics.order.name)).toBe('ceb.order.v1.dlq');
    expect(new Set(allTopics.map((t) => t.name)).size).toBe(allTopics.length);
  });
});

describe('keys', () => {
  it('builds order and waybill keys', () => {
    expect(orderKey({ ebpCode: '3301964J31', orderNo: 'SO-1' })).toBe('3301964J31:SO-1');
    expect(waybillKey({ logisticsCode: '3120980025', logisticsNo: 'YT001' })).toBe('3120980025:YT001');
  });

  it('never puts a buyer id number in clear into a key', () => {
    const key = buyerKey('1', '110101199003071234');
    expect(key).not.toContain('110101199003071234');
    expect(key).toBe(`buyer:1:${sha256Hex('110101199003071234')}`);
  });
});

describe('local codecs (registry-free, for processor unit tests)', () => {
  const codecs = new LocalCodecs();
  const rate = { currency: '502', period: '202611', cnyPerUnit: '7.12340' };

  it('round-trips a value in the registry wire format', async () => {
    const bytes = await codecs.encode(Topics.exchangeRate, rate);
    expect(bytes[0]).toBe(0);
    expect(await codecs.decode(Topics.exchangeRate, bytes)).toEqual(rate);
  });

  it('encodes values of any size in one pass, each into its own buffer', async () => {
    const { sampleExportParcel } = await import('./test-fixtures');
    const { order } = sampleExportParcel('SO-BIG');
    const schemaId = (b: Buffer) => b.readUInt32BE(1);
    // a value larger than avsc's 1 KiB pool and larger than the 64 KiB scratch space
    const big = { ...order, note: 'x'.repeat(2_000) };
    const huge = { ...order, note: '\u4e2d'.repeat(40_000) };
    const small = await codecs.encode(Topics.order, order);
    const bigBytes = await codecs.encode(Topics.order, big);
    const hugeBytes = await codecs.encode(Topics.order, huge);
    const again = await codecs.encode(Topics.order, order);
    expect(hugeBytes.length).toBeGreaterThan(120_000);
    for (const b of [small, bigBytes, hugeBytes, again]) {
      expect(b[0]).toBe(0);
      expect(schemaId(b)).toBe(schemaId(small));
    }
    // earlier results are not views of a buffer that later encodes overwrite
    expect(await codecs.decode(Topics.order, small)).toEqual(order);
    expect(await codecs.decode(Topics.order, bigBytes)).toEqual(big);
    expect(await codecs.decode(Topics.order, hugeBytes)).toEqual(huge);
    expect(again.equals(small)).toBe(true);
    // the same bytes avsc's own toBuffer gives, behind the 5-byte header
    const { schemaByName } = await import('./schemas');
    expect(bigBytes.subarray(5).equals(schemaByName(Topics.order.schema).type.toBuffer(big))).toBe(true);
  });

  it('names the offending fields of a value that does not match its schema', async () => {
    const bad = { ...rate, cnyPerUnit: 7.1234 };
    await expect(codecs.encode(Topics.exchangeRate, bad as never)).rejects.toThrow(SchemaValidationError);
    await expect(codecs.encode(Topics.exchangeRate, bad as never)).rejects.toThrow(/cnyPerUnit = 7.1234/);
    // a failed encode leaves nothing behind for the next one
    expect(await codecs.decode(Topics.exchangeRate, await codecs.encode(Topics.exchangeRate, rate))).toEqual(
      rate,
    );
  });

  it('refuses bytes of another record type and garbage', async () => {
    const bytes = await codecs.encode(Topics.exchangeRate, rate);
    await expect(codecs.decode(Topics.order, bytes)).rejects.toThrow(AvroDecodeError);
    await expect(codecs.decode(Topics.order, Buffer.from('garbage'))).rejects.toThrow(/magic byte/);
  });
});

describe('schema registry unreachable at start', () => {
  it('tells a registry that cannot be reached (retry) from one that refuses the schema (fail)', () => {
    const refused = Object.assign(
      new Error('Confluent_Schema_Registry - Error, status 400: connect ECONNREFUSED 127.0.0.1:1'),
      {
        status: 400,
      },
    );
    const down = Object.assign(new Error('Service Unavailable'), { status: 503 });
    const incompatible = Object.assign(new Error('Incompatible artifact: ceb.order.v1-value'), {
      status: 409,
    });
    expect(registryUnreachable(refused)).toBe(true);
    expect(registryUnreachable(down)).toBe(true);
    expect(registryUnreachable(incompatible)).toBe(false);
  });

  it('given a registry nobody answers, when registering with a wait, then it retries with backoff and fails after the wait naming the subject', async () => {
    const codecs = new RegistryCodecs({ url: 'http://127.0.0.1:9/apis/ccompat/v7' });
    const retries: number[] = [];
    const started = Date.now();
    await expect(
      codecs.register([Topics.order], { waitMs: 1_800, onRetry: (r) => retries.push(r.delayMs) }),
    ).rejects.toThrow(/registering ceb\.order\.v1-value .* failed: .*ECONNREFUSED/);
    // backoff doubling from 0.5 s, stopped by the wait (each refused attempt takes its own time)
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries).toEqual(retries.map((_, i) => 500 * 2 ** i));
    expect(Date.now() - started).toBeGreaterThanOrEqual(retries.reduce((a, b) => a + b, 0));
  });

  it('given a registry nobody answers, when a record of an unknown writer schema is decoded, then it fails as transient (retry later), not as a bad record', async () => {
    const codecs = new RegistryCodecs({ url: 'http://127.0.0.1:9/apis/ccompat/v7' });
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 42]), Buffer.from([2, 0x61])]);
    const error = await codecs.decode(Topics.order, framed, { partition: 3, offset: '7' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as RegistryUnavailableError).transient).toBe(true);
    expect((error as Error).message).toMatch(/schema id 42 of ceb\.order\.v1: .*ECONNREFUSED/);
    // not framed: the record's fault, whatever the registry does
    await expect(codecs.decode(Topics.order, Buffer.from('{}'))).rejects.toBeInstanceOf(AvroDecodeError);
  });

  it('given a registry that accepts connections and never answers, then its requests time out as unreachable (a start fails, a decode is transient)', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket)); // holds every connection, answers nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const codecs = new RegistryCodecs({
        url: `http://127.0.0.1:${port}/apis/ccompat/v7`,
        requestTimeoutMs: 300,
      });
      const started = Date.now();
      await expect(codecs.register([Topics.order])).rejects.toThrow(
        /registering ceb\.order\.v1-value: timed out after 300 ms/,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), Buffer.from([2, 0x61])]);
      await expect(codecs.decode(Topics.order, framed)).rejects.toBeInstanceOf(RegistryUnavailableError);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('without a wait, fails at the first refusal (the CLI and tests)', async () => {
    const codecs = new RegistryCodecs({ url: 'http://127.0.0.1:9/apis/ccompat/v7' });
    const retries: number[] = [];
    await expect(
      codecs.register([Topics.order], { onRetry: (r) => retries.push(r.delayMs) }),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(retries).toEqual([]);
  });
});
