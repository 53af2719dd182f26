/**
 * `node -r @swc-node/register tools/bench/src/produce-encode.ts [records]`: CPU cost of kafkajs's
 * produce path without a broker — grouping messages per partition and encoding transactional
 * produce requests (records, record batches, request and its framing) the way the runtime sends
 * them (requests of up to 900 KiB, at most 1,000 messages per partition; 12 partitions x 3 topics;
 * 20-40-byte keys, 300-1,200-byte values, a header on every third record). Measures process CPU
 * time (process.cpuUsage: includes GC threads; the machine is shared, wall time is meaningless),
 * then, in separate passes, JS heap bytes allocated (V8 sampling heap profiler, counting collected
 * objects too) and Buffer bytes requested (outside the JS heap). Prints one JSON object.
 */
import { Session } from 'node:inspector';
import { cpuMicros } from './cpu';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internal modules, no types */
const produceRequest = require('kafkajs/src/protocol/requests/produce/v3/request') as (args: unknown) => {
  encode: () => Promise<{ size(): number }>;
};
const frameRequest = require('kafkajs/src/protocol/request') as (
  args: unknown,
) => Promise<{ size(): number }>;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (
  args: unknown,
) => Record<string, Message[]>;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: number): unknown };
const { Partitioners } = require('kafkajs') as typeof import('kafkajs');
/* eslint-enable @typescript-eslint/no-require-imports */

interface Message {
  key: Buffer | null;
  value: Buffer | null;
  partition: number;
  headers?: Record<string, Buffer>;
  timestamp: string;
}

const TOPICS = ['clearance.manifest', 'clearance.receipt', 'matcher.__store.changelog'];
const PARTITIONS = 12;
const MAX_REQUEST_BYTES = 900 * 1024;
const MAX_MESSAGES_PER_PARTITION = 1000;


function messages(count: number): Array<{ topic: string; message: Message }> {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const bytes = (n: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = between(0, 255);
    return b;
  };
  const start = Date.UTC(2026, 10, 23);
  return Array.from({ length: count }, (_, i) => ({
    topic: TOPICS[i % TOPICS.length],
    message: {
      key: bytes(between(20, 40)),
      value: bytes(between(300, 1200)),
      partition: between(0, PARTITIONS - 1),
      headers: i % 3 === 0 ? { 'clearance-trace': bytes(16) } : undefined,
      timestamp: String(start + i * 3 + between(0, 50)),
    },
  }));
}

/** The runtime's chunking: requests bounded in bytes and in messages per partition. */
function requests(all: Array<{ topic: string; message: Message }>): Array<Map<string, Message[]>> {
  const out: Array<Map<string, Message[]>> = [];
  let chunk = new Map<string, Message[]>();
  let bytes = 0;
  let perPartition = new Map<string, number>();
  for (const { topic, message } of all) {
    const size = 70 + (message.key?.length ?? 0) + (message.value?.length ?? 0) + (message.headers ? 35 : 0);
    const tp = `${topic}|${message.partition}`;
    if (bytes + size > MAX_REQUEST_BYTES || (perPartition.get(tp) ?? 0) >= MAX_MESSAGES_PER_PARTITION) {
      out.push(chunk);
      chunk = new Map();
      bytes = 0;
      perPartition = new Map();
    }
    let list = chunk.get(topic);
    if (!list) chunk.set(topic, (list = []));
    list.push(message);
    bytes += size;
    perPartition.set(tp, (perPartition.get(tp) ?? 0) + 1);
  }
  if (chunk.size) out.push(chunk);
  return out;
}

const partitionMetadata = Array.from({ length: PARTITIONS }, (_, p) => ({ partitionId: p, leader: 1 }));
const partitioner = Partitioners.DefaultPartitioner();
const producerId = Long.fromValue(4711);
let sequence = 0;

/** Groups and encodes every request (as sendMessages and the connection do); returns the bytes. */
async function encodeAll(chunks: Array<Map<string, Message[]>>): Promise<number> {
  let total = 0;
  let correlationId = 0;
  for (const chunk of chunks) {
    const topicData = [...chunk].map(([topic, messages]) => {
      const perPartition = groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner });
      return {
        topic,
        partitions: Object.keys(perPartition).map((partition) => ({
          partition: Number(partition),
          messages: perPartition[partition],
          firstSequence: (sequence += perPartition[partition].length),
        })),
      };
    });
    const request = produceRequest({
      acks: -1,
      timeout: 30000,
      transactionalId: 'clearance-matcher-0',
      producerId,
      producerEpoch: 3,
      topicData,
    });
    const framed = await frameRequest({
      correlationId: correlationId++,
      clientId: 'clearance-matcher',
      request,
    });
    total += framed.size();
  }
  return total;
}

async function heapBytesAllocated(run: () => Promise<unknown>): Promise<number> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<{ profile?: { samples: Array<{ size: number }> } }>((resolve, reject) =>
      session.post(method, params, (e, r) => (e ? reject(e) : resolve(r as object))),
    );
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await run();
  const { profile } = await post('HeapProfiler.stopSampling');
  session.disconnect();
  let bytes = 0;
  for (const s of profile?.samples ?? []) bytes += s.size;
  return bytes;
}

async function bufferBytesRequested(run: () => Promise<unknown>): Promise<number> {
  let bytes = 0;
  const B = Buffer as unknown as Record<string, (...args: unknown[]) => Buffer>;
  const originals = Object.fromEntries(
    ['alloc', 'allocUnsafe', 'allocUnsafeSlow', 'from'].map((m) => [m, B[m]]),
  );
  for (const [m, fn] of Object.entries(originals))
    B[m] = function (this: unknown, ...args: unknown[]) {
      const b = fn.apply(this, args);
      bytes += b.length;
      return b;
    };
  try {
    await run();
  } finally {
    Object.assign(B, originals);
  }
  return bytes;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 200_000);
  const all = messages(count);
  const chunks = requests(all);
  await encodeAll(requests(all.slice(0, 20_000))); // warm up
  const t = cpuMicros();
  const bytes = await encodeAll(chunks);
  const cpu = cpuMicros() - t;
  const heap = await heapBytesAllocated(() => encodeAll(chunks));
  const buffers = await bufferBytesRequested(() => encodeAll(chunks));
  console.log(
    JSON.stringify({
      records: count,
      requests: chunks.length,
      requestBytesPerRecord: Math.round(bytes / count),
      cpuMicrosPerRecord: Math.round((cpu / count) * 100) / 100,
      heapBytesAllocatedPerRecord: Math.round(heap / count),
      bufferBytesRequestedPerRecord: Math.round(buffers / count),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
