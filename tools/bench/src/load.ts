/**
 * The benchmark's load: parcels from libs/generator, generated and Avro-encoded before the
 * clock starts (the platforms, payers and carriers that send documents are not the system under
 * test, and the generator's event-time sort holds a minute of parcels back anyway), then sent in
 * event-time order through the CLI's BatchProducer, each record stamped with the wall clock at
 * the moment it is handed to the producer — as fast as possible, or paced to a parcel rate.
 */
import type { Kafka } from 'kafkajs';
import { Topics, topicByName, type RegistryCodecs, type TopicSpec } from '@clearance/contracts';
import {
  inEventTimeOrder,
  NO_ERRORS,
  ParcelGenerator,
  REALISTIC_ERRORS,
  type GeneratedParcel,
} from '@clearance/generator';
import { BatchProducer } from '@clearance/cli';

export interface PreparedSend {
  topic: TopicSpec<unknown>;
  key: string;
  value: Buffer;
  /** Index of the parcel in the load. */
  parcel: number;
  /** Generated event time (ms): paced sends go out at the generated pace of documents. */
  eventTime: number;
  /** The document's guid (undefined for undecodable noise): what its receipts name as docGuid. */
  docGuid?: string;
}

export interface ParcelInfo {
  waybillKey: string;
  orderKey: string;
  /** The risk processor must decide this parcel (its three documents match). */
  decides: boolean;
}

export interface PreparedLoad {
  sends: PreparedSend[];
  /** Parcels per second of event time the load was generated at. */
  eventRate: number;
  parcels: ParcelInfo[];
  bytes: number;
  prepareSeconds: number;
}

export interface PrepareOptions {
  parcels: number;
  seed: number;
  errors: 'none' | 'realistic';
  /**
   * Parcels per second of event time (the pace the load will be sent at, or a nominal rate):
   * with the document spread it sets how many parcels' documents interleave. The generator's
   * event-time sort holds a minute of event time (noise documents may lead by that much): keep
   * rate x 60 s of parcels affordable in memory.
   */
  eventRate: number;
  /** Spread of one parcel's documents in event time (ms). */
  documentSpreadMs: number;
  /** Only these document kinds (e.g. orders only for pending cases). */
  only?: ReadonlyArray<string>;
}

/** Generates and encodes the load (noise documents included in realistic mode). */
export async function prepareLoad(
  codecs: RegistryCodecs,
  opts: PrepareOptions,
  log: (s: string) => void,
): Promise<PreparedLoad> {
  const started = Date.now();
  const generator = new ParcelGenerator({
    seed: opts.seed,
    startTime: Date.now(),
    errors: opts.errors === 'none' ? NO_ERRORS : REALISTIC_ERRORS,
    ratePerSecondOfEventTime: opts.eventRate,
    maxDocumentDelayMs: opts.documentSpreadMs,
    followUpDelayMs: opts.documentSpreadMs * 2,
  });
  const parcels: ParcelInfo[] = [];
  const only = opts.only ? new Set(opts.only) : undefined;
  function* generate(): Generator<GeneratedParcel> {
    for (let i = 0; i < opts.parcels; i++) {
      const p = generator.next();
      parcels.push({
        waybillKey: p.waybillKey,
        orderKey: p.orderKey,
        decides: p.expected.match === 'MATCHED',
      });
      yield p;
    }
  }
  const sends: PreparedSend[] = [];
  let bytes = 0;
  let lastLog = Date.now();
  for (const { parcel, send } of inEventTimeOrder(generate())) {
    if (only && !only.has(send.topic)) continue;
    const topic = topicByName(send.topic);
    const value = send.garbage ? Buffer.from(send.garbage) : await codecs.encode(topic, send.value as never);
    bytes += value.length + send.key.length;
    const docGuid = send.garbage ? undefined : (send.value as { guid?: string }).guid;
    sends.push({ topic, key: send.key, value, parcel: parcel.seq, eventTime: send.timestamp, docGuid });
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(
        `preparing the load: ${parcels.length}/${opts.parcels} parcels generated, ${sends.length} records encoded`,
      );
    }
  }
  return { sends, parcels, bytes, eventRate: opts.eventRate, prepareSeconds: (Date.now() - started) / 1000 };
}

/** Paced sends: how long a record may wait in the producer's batch. */
const LINGER_MS = 5;
/** Records a paced sender may put in one produce request when it is behind schedule. */
const CATCH_UP_BATCH = 500;

export interface SendResult {
  records: number;
  /** Wall clock of the first record handed to the producer. */
  firstAt: number;
  /** Wall clock when the last record was acknowledged. */
  lastAckAt: number;
  seconds: number;
}

/**
 * Sends the prepared load: as fast as the producer goes (`rate` 0), or paced so that parcel i
 * goes at first + i / rate seconds. `onProgress` is called about every second.
 */
export async function sendLoad(
  kafka: Kafka,
  codecs: RegistryCodecs,
  load: PreparedLoad,
  rate: number,
  onProgress: (parcelsSent: number, recordsSent: number) => void,
): Promise<SendResult> {
  // Paced, a record waits at most LINGER_MS in the producer (its timestamp is taken when it is
  // handed over): batches of about LINGER_MS worth of records, and a flush when one is older.
  const recordsPerSecond = rate > 0 ? (rate * load.sends.length) / Math.max(1, load.parcels.length) : 0;
  // At least CATCH_UP_BATCH: on schedule the linger flush below sends a batch every LINGER_MS
  // anyway; behind schedule (a slow acknowledgement: three brokers, a fault) a batch of a few
  // records per round trip held the sender to a few dozen parcels per second.
  const batchSize =
    rate > 0 ? Math.max(CATCH_UP_BATCH, Math.ceil((recordsPerSecond * LINGER_MS) / 1000)) : undefined;
  const producer = new BatchProducer(kafka, codecs, batchSize);
  await producer.connect();
  // event time stretched so that the whole load takes parcels / rate seconds
  const t0 = load.sends[0]?.eventTime ?? 0;
  const span = (load.sends[load.sends.length - 1]?.eventTime ?? 0) - t0;
  const scale = rate > 0 && span > 0 ? ((load.parcels.length / rate) * 1000) / span : 0;
  const firstAt = Date.now();
  let lastProgress = firstAt;
  let oldestQueued = 0;
  let i = 0;
  try {
    for (; i < load.sends.length; i++) {
      const s = load.sends[i];
      if (rate > 0) {
        // the sends are in event-time order, generated at `rate` parcels per second of event time
        // (pacing by parcel number instead would hold a parcel's later documents back and send the
        // last spread of documents at once at the end)
        const due = firstAt + (s.eventTime - t0) * scale;
        if (due - Date.now() > 1 || (oldestQueued > 0 && Date.now() - oldestQueued >= LINGER_MS)) {
          await producer.flush();
          oldestQueued = 0;
          const rest = due - Date.now();
          if (rest > 1) await new Promise((r) => setTimeout(r, rest));
        }
        if (oldestQueued === 0) oldestQueued = Date.now();
      }
      await producer.add(s.topic, s.key, null, Date.now(), s.value);
      if (Date.now() - lastProgress >= 1000) {
        lastProgress = Date.now();
        onProgress(s.parcel, i + 1);
      }
    }
    await producer.flush();
  } finally {
    await producer.disconnect();
  }
  const lastAckAt = Date.now();
  onProgress(load.parcels.length, i);
  return { records: i, firstAt, lastAckAt, seconds: (lastAckAt - firstAt) / 1000 };
}

/** Input topics of the load. */
export const DOCUMENT_TOPICS = [Topics.order.name, Topics.payment.name, Topics.waybill.name];
