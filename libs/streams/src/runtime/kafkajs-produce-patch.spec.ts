/**
 * patches/kafkajs+2.2.4.patch (applied by `patch-package` on install) also makes kafkajs's produce
 * path cheaper: records sized first and written straight into one buffer per request, varints
 * without Long objects, no zero-filled buffer per record, slicing-by-8 CRC32C, grouping per
 * partition without a copy per message. The bytes on the wire must not change. These tests compare
 * the installed (patched) kafkajs with the original one, rebuilt in a temporary directory from the
 * installed sources and the patch reversed, on many shapes of messages and requests. They fail
 * where the patch was not applied (the reverse does not apply, and the marker is missing).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKAJS, originalKafkajs } from '../../test/support/kafkajs-original';

interface EncoderLike {
  buffer: Buffer;
  size(): number;
}
interface EncoderClass {
  new (): EncoderLike & {
    writeVarLong(v: unknown): EncoderLike;
    writeVarInt(v: unknown): EncoderLike;
    writeUVarInt(v: unknown): EncoderLike;
    writeVarIntBytes(v: unknown): EncoderLike;
    writeString(v: unknown): EncoderLike;
  };
  sizeOfVarLong(v: unknown): number;
}
type Args = Record<string, unknown>;
interface Kafkajs {
  produce(args: Args): { encode(): Promise<EncoderLike> };
  frame(args: Args): Promise<EncoderLike>;
  record(args: Args): EncoderLike;
  recordBatch(args: Args): Promise<EncoderLike>;
  group(args: Args): Record<string, unknown[]>;
  crc32C(buffer: Buffer): number;
  Encoder: EncoderClass;
  Long: { fromValue(v: unknown): unknown };
  compression: { None: number; GZIP: number };
}

const load = (root: string): Kafkajs => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs internal modules, no types
  const r = (path: string) => require(join(root, 'src', path));
  return {
    produce: r('protocol/requests/produce/v3/request'),
    frame: r('protocol/request'),
    record: r('protocol/recordBatch/record/v0'),
    recordBatch: r('protocol/recordBatch/v0').RecordBatch,
    group: r('producer/groupMessagesPerPartition'),
    crc32C: r('protocol/recordBatch/crc32C'),
    Encoder: r('protocol/encoder'),
    Long: r('utils/long'),
    compression: r('protocol/message/compression').Types,
  };
};

let copy: ReturnType<typeof originalKafkajs> | undefined;
let original: Kafkajs;
let patched: Kafkajs;

beforeAll(() => {
  copy = originalKafkajs(); // fails unless the installed kafkajs holds exactly the patched sources
  original = load(copy.root);
  patched = load(KAFKAJS);
});

afterAll(() => copy?.dispose());

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(1_764_000_000_000);
});

afterEach(() => {
  jest.restoreAllMocks();
});

type Outcome = { bytes: Buffer } | { error: string };

async function outcome(run: () => Promise<EncoderLike> | EncoderLike): Promise<Outcome> {
  try {
    return { bytes: Buffer.from((await run()).buffer) };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** undefined when both produced the same bytes or the same error, else where they differ */
function difference(patchedOutcome: Outcome, originalOutcome: Outcome): string | undefined {
  if ('error' in patchedOutcome || 'error' in originalOutcome) {
    const p = 'error' in patchedOutcome ? patchedOutcome.error : 'bytes';
    const o = 'error' in originalOutcome ? originalOutcome.error : 'bytes';
    return p === o ? undefined : `patched: ${p}, original: ${o}`;
  }
  const a = patchedOutcome.bytes;
  const b = originalOutcome.bytes;
  if (a.equals(b)) return undefined;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `${a.length} bytes patched, ${b.length} original, first difference at ${i}: ${a
    .subarray(i, i + 16)
    .toString('hex')} / ${b.subarray(i, i + 16).toString('hex')}`;
}

async function compare(run: (k: Kafkajs) => Promise<EncoderLike> | EncoderLike): Promise<Outcome> {
  const o = await outcome(() => run(original));
  const p = await outcome(() => run(patched));
  expect(difference(p, o)).toBeUndefined();
  return p;
}

const encodeProduce = (args: Args) => (k: Kafkajs) =>
  k.produce({ acks: -1, timeout: 30000, compression: k.compression.None, ...args }).encode();

let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const bytes = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = between(0, 255);
  return b;
};

class Parcel {
  constructor(
    public value: Buffer,
    public timestamp: string,
  ) {}
  /** inherited: the original spread each message, so this never reached the record */
  get key(): Buffer {
    return Buffer.from('inherited');
  }
}

const manyHeaders = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`h${i}`, `v${i}`]));

/** messages of every shape the encoders take */
const shapes = (): Args[] => [
  { key: null, value: null },
  { value: null },
  { key: Buffer.alloc(0), value: Buffer.alloc(0) },
  { key: '', value: '' },
  { key: 'order-123', value: 'a string value' },
  { key: 'clé 📦 貨物', value: 'ünïcødé ✓ \u{1F600} and a lone surrogate \uD800 here' },
  { key: bytes(33), value: bytes(600) },
  { key: bytes(20), value: bytes(63) },
  { key: bytes(40), value: bytes(64) },
  { key: bytes(64), value: bytes(8191) },
  { key: bytes(25), value: bytes(8192) },
  { key: bytes(30), value: bytes(70 * 1024) },
  { key: 'x'.repeat(300), value: 'é'.repeat(40_000) },
  { key: bytes(30), value: bytes(300), headers: { trace: bytes(16) } },
  { key: bytes(30), value: bytes(300), headers: { a: 'x', 'b-ü': 'ÿ', '': '' } },
  { key: bytes(30), value: bytes(300), headers: { multi: ['one', Buffer.from('two'), '', Buffer.alloc(0)] } },
  { key: bytes(30), value: bytes(300), headers: { none: [] } },
  { key: bytes(30), value: bytes(300), headers: { z: 'last', '10': 'ten', '2': 'two' } },
  { key: bytes(30), value: bytes(300), headers: {} },
  { key: bytes(30), value: bytes(300), headers: undefined },
  { key: bytes(30), value: bytes(300), headers: manyHeaders },
  { key: bytes(30), value: bytes(2000), headers: { big: bytes(5000) }, partition: 3, extra: true },
  new Parcel(bytes(100), '1764000000005') as unknown as Args,
];

describe('kafkajs produce encoding (patched)', () => {
  it('is the patched kafkajs', () => {
    const source = readFileSync(require.resolve('kafkajs/src/protocol/requests/produce/v3/request'), 'utf8');
    expect(source).toContain('clearance-engine patch');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs internal module, no types
    expect(typeof require('kafkajs/src/protocol/recordBatch/v0').writeRecordBatch).toBe('function');
  });

  it('encodes every shape of message as the original, in requests with and without a transaction', async () => {
    const partitions = shapes().map((message, i) => ({
      partition: i,
      messages: [message, ...shapes().slice(i, i + 3)],
      firstSequence: i * 10,
    }));
    for (const transactionalId of ['clearance-matcher-0', 'tx-ü', null, undefined]) {
      await compare(
        encodeProduce({
          transactionalId,
          producerId: patched.Long.fromValue(4711),
          producerEpoch: 3,
          topicData: [{ topic: 'clearance.manifest', partitions }],
        }),
      );
    }
  });

  it('encodes timestamps as the original: missing, strings, numbers, sorted as strings, zero, negative and large deltas', async () => {
    const at = (...timestamps: unknown[]) =>
      timestamps.map((timestamp) => ({ key: 'k', value: bytes(40), timestamp }));
    const cases = [
      at(undefined, undefined),
      at(null, '1764000000001', undefined),
      at('1764000000000', '1764000000000', '1764000000007'),
      at('1764000000009', '1764000000001', '1764000000005'), // negative deltas
      at('999', '1000', '10000', '99'), // sorted as strings: '1000' first, '999' greatest
      at(5, '5', 5, '5'), // equal as strings
      at(1e21, '1e+21'), // equal as strings: the first is the first, the greatest the last of them
      at('1e+21', 1e21), // (BigInt('1e+21') throws, BigInt(1e21) does not)
      at(1e21, '1e+21', 1e21),
      at(1e21, '1e+21', '2'),
      at('1', '1e+21', 1e21),
      at(1764000000000, 1764000000003, '1764000000002'),
      at(0, '0', 1764000000000), // 0 is falsy: Date.now() for its delta
      at('-5', '17'),
      at('10', String(2 ** 40)), // large delta
      at('10', String(2 ** 52 + 20), String(2 ** 52 - 20)), // deltas around 2^52 (Long path)
      at('1', String(2 ** 60)), // beyond exact numbers: the same rounding
      at('-' + String(2 ** 52 + 9), '3'),
      at('1.5', '2'), // not an int64: both fail
    ];
    for (const messages of cases) {
      await compare(
        encodeProduce({
          transactionalId: 'tx',
          producerId: 12,
          producerEpoch: 0,
          topicData: [{ topic: 't', partitions: [{ partition: 0, messages, firstSequence: 0 }] }],
        }),
      );
    }
  });

  it('encodes many partitions of many topics with many records as the original', async () => {
    const topics = ['clearance.manifest', 'clearance.receipt', 'matcher.__store.changelog'];
    const topicData = topics.map((topic, t) => ({
      topic,
      partitions: Array.from({ length: 12 }, (_, partition) => ({
        partition,
        firstSequence: partition === 5 ? undefined : partition * 1000,
        messages: Array.from(
          { length: between(0, 120) + (t === 1 && partition === 2 ? 9000 : 0) },
          (_, i) => ({
            key: random() < 0.05 ? null : random() < 0.5 ? bytes(between(20, 40)) : `key-${i}`,
            value: random() < 0.05 ? null : bytes(between(300, 1200)),
            headers: random() < 0.3 ? { 'clearance-trace': bytes(16), kind: ['a', 'b'] } : undefined,
            timestamp: random() < 0.1 ? undefined : String(1764000000000 + between(-500, 500)),
          }),
        ),
      })),
    }));
    for (const transactionalId of ['clearance-matcher-0', null]) {
      for (const acks of [-1, 0, 1]) {
        await compare(
          encodeProduce({
            transactionalId,
            acks,
            producerId: patched.Long.fromValue(-1),
            producerEpoch: 7,
            topicData,
          }),
        );
      }
    }
    await compare(encodeProduce({ topicData }));
    await compare(encodeProduce({ topicData: [] }));
    await compare(encodeProduce({ topicData: [{ topic: 'empty', partitions: [] }] }));
    await compare(
      encodeProduce({ topicData: [{ topic: 'e', partitions: [{ partition: 1, messages: [] }] }] }),
    );
  });

  it('encodes compressed requests as the original', async () => {
    const partitions = shapes().map((message, i) => ({ partition: i, messages: [message, message] }));
    await compare((k) =>
      k
        .produce({
          acks: -1,
          timeout: 30000,
          transactionalId: 'tx',
          compression: k.compression.GZIP,
          topicData: [{ topic: 'gz', partitions }],
        })
        .encode(),
    );
  });

  it('rejects what the original rejects, and encodes odd keys, values and headers as it did', async () => {
    const odd: Args[] = [
      { key: 42, value: 'v' }, // number key: Buffer.byteLength throws
      { key: 'k', value: new Uint8Array([1, 2, 3]) }, // not a Buffer: sized as 3 bytes, written as "1,2,3"
      { key: 'k', value: 'v', headers: { h: null } },
      { key: 'k', value: 'v', headers: { h: 7 } },
      { key: 'k', value: 'v', headers: { h: [Buffer.from('ok'), null] } },
      { key: 'k', value: 'v', headers: null },
      { key: 'k', value: 'v', headers: 'ab' },
    ];
    for (const message of odd) {
      await compare(
        encodeProduce({ topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [message] }] }] }),
      );
      await compare((k) => k.record({ ...message, offsetDelta: 3, timestampDelta: 9 }));
    }
    await compare(encodeProduce({ topicData: [{ topic: 7, partitions: [] }] }));
    await compare(encodeProduce({ transactionalId: 7, topicData: [] }));
  });

  it('encodes records as the original, whatever their offset and timestamp deltas', async () => {
    const deltas: unknown[] = [0, 1, -1, 63, 64, -64, -65, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, -(2 ** 40)];
    deltas.push(2 ** 52 - 1, 2 ** 52, -(2 ** 52) + 1, -(2 ** 52), -(2 ** 52) - 1, 2 ** 53, -(2 ** 53) + 1);
    deltas.push(2 ** 62, NaN, 1.5, '12', '-3', 7n);
    deltas.push(patched.Long.fromValue(-12), undefined);
    const all = shapes();
    const messages = [all[0], all[6], all[15]];
    for (const timestampDelta of deltas) {
      for (const offsetDelta of [0, 1, 63, 64, 8191, 8192, 2 ** 31 - 1, undefined]) {
        for (const message of messages) {
          await compare((k) => k.record({ ...message, offsetDelta, timestampDelta }));
        }
      }
    }
    await compare((k) => k.record({}));
  });

  it('builds record batches as the original', async () => {
    const messages = shapes();
    for (const compression of ['None', 'GZIP'] as const) {
      await compare((k) =>
        k.recordBatch({
          compression: k.compression[compression],
          records: messages.map((m, i) => k.record({ ...m, offsetDelta: i, timestampDelta: i * 3 })),
          firstTimestamp: '1764000000000',
          maxTimestamp: 1764000000099,
          transactional: compression === 'None',
          lastOffsetDelta: messages.length - 1,
          producerId: 33,
          producerEpoch: 2,
          firstSequence: 1000,
        }),
      );
    }
  });

  it('frames requests as the original', async () => {
    const topicData = [{ topic: 't', partitions: [{ partition: 0, messages: shapes() }] }];
    for (const clientId of ['clearance-matcher', 'clïent 📦', '', null, undefined, 12]) {
      await compare((k) =>
        k.frame({
          correlationId: 99,
          clientId,
          request: k.produce({ acks: -1, timeout: 30000, transactionalId: 'tx', topicData }),
        }),
      );
    }
    await compare((k) =>
      k.frame({
        correlationId: 1,
        clientId: 'c',
        request: { apiKey: 1, apiVersion: 2, encode: async () => Buffer.from('x') },
      }),
    );
  });

  it('groups messages per partition as the original', () => {
    const messages = Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, partition: between(0, 11) }));
    messages.push({ key: 'named', partition: 'p' as unknown as number }, { key: 'other', partition: -1 });
    const partitioner = ({ message }: { message: { partition: number } }) => message.partition;
    const partitionMetadata = [{ partitionId: 0, leader: 1 }];
    const grouped = (k: Kafkajs) => k.group({ topic: 't', partitionMetadata, messages, partitioner });
    const p = grouped(patched);
    const o = grouped(original);
    expect(Object.keys(p)).toEqual(Object.keys(o));
    expect(p).toEqual(o);
    expect(patched.group({ topic: 't', partitionMetadata: [], messages, partitioner })).toEqual({});
  });

  it('computes the same CRC32C', () => {
    const data = bytes(70_000);
    for (let length = 0; length < 300; length++) {
      for (const offset of [0, 1, 3, 7]) {
        const b = data.subarray(offset, offset + length);
        expect(patched.crc32C(b)).toBe(original.crc32C(b));
      }
    }
    expect(patched.crc32C(data)).toBe(original.crc32C(data));
    expect(patched.crc32C(Buffer.from('123456789'))).toBe(0xe3069283); // the CRC-32C check value
  });

  it('writes varints and strings as the original encoder', () => {
    const values: unknown[] = [
      0,
      1,
      -1,
      63,
      64,
      -64,
      -65,
      127,
      128,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 32,
      2 ** 40,
    ];
    values.push(
      -(2 ** 40),
      2 ** 52 - 1,
      2 ** 52,
      -(2 ** 52),
      -(2 ** 52) - 1,
      2 ** 53,
      -(2 ** 53) + 1,
      2 ** 62,
    );
    values.push(-(2 ** 62), NaN, 0.5, -0, 300.7);
    values.push('12', '-9007199254740993', 5n, -(2n ** 63n), patched.Long.fromValue('9223372036854775807'));
    const encoded = (k: Kafkajs, write: (e: InstanceType<EncoderClass>) => unknown) =>
      outcome(() => {
        const e = new k.Encoder();
        write(e);
        return e;
      });
    return Promise.all(
      values.flatMap((v) =>
        [
          (e: InstanceType<EncoderClass>) => e.writeVarLong(v),
          (e: InstanceType<EncoderClass>) => e.writeVarInt(v),
          (e: InstanceType<EncoderClass>) => e.writeUVarInt(v),
          (e: InstanceType<EncoderClass>) =>
            e.writeVarIntBytes(Buffer.alloc(typeof v === 'number' && v > 0 && v < 1e6 ? v : 3)),
          (e: InstanceType<EncoderClass>) => e.writeString(String(v)),
        ].map(async (write) => {
          expect(difference(await encoded(patched, write), await encoded(original, write))).toBeUndefined();
          const size = (k: Kafkajs) => {
            try {
              return k.Encoder.sizeOfVarLong(v);
            } catch (e) {
              return (e as Error).message;
            }
          };
          expect(size(patched)).toBe(size(original));
        }),
      ),
    );
  });
});
