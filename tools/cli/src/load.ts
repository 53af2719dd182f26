import type { Kafka } from 'kafkajs';
import { Topics, type RegistryCodecs } from '@clearance/contracts';
import {
  ErrorRates,
  fourDocumentPlatforms,
  GeneratedParcel,
  inEventTimeOrder,
  NO_ERRORS,
  ParcelGenerator,
  REALISTIC_ERRORS,
  referenceKeys,
} from '@clearance/generator';
import { BatchProducer } from './produce';
import { progress } from './progress';

/** After publishing the four-document platforms: time for the engine's reference tables to take them before the first parcel. */
const REFERENCE_SETTLE_MS = 2000;

export interface LoadOptions {
  parcels: number;
  seed: number;
  /** Event time of the first parcel (ms). */
  startTime: number;
  errors: 'none' | 'realistic' | Partial<ErrorRates>;
  /** Parcels per second of produce (wall clock); 0 = as fast as possible. */
  rate: number;
  /**
   * `event`: each record carries its generated event time (deterministic replays, demo periods).
   * `wall`: each record carries the time it was produced (latency measurement in the benchmark).
   */
  timestamps: 'event' | 'wall';
  /** Spread of one parcel's documents in event time (ms). */
  maxDocumentDelayMs?: number;
  /**
   * Share of parcels (0..1, default 0) in four-document mode: sold through the platforms declaring
   * in that mode (whose enterprise records are published first) and filing a list on ceb.list.v1.
   */
  fourDocument?: number;
  /** Keep the generated parcels (expected outcomes) for reconciliation. */
  keep?: boolean;
  /** Called for each parcel as it is generated (e.g. to keep only what a report needs). */
  onParcel?: (p: GeneratedParcel) => void;
  quiet?: boolean;
}

export interface LoadResult {
  parcels: number;
  records: number;
  seconds: number;
  kept: GeneratedParcel[];
}

/**
 * Generates realistic parcels (libs/generator) and produces their documents in event-time order
 * as Avro through the registry: shuffled arrivals, duplicates, changes, deletions, invalid
 * documents and undecodable bytes, as the error profile asks. Shows progress; paces to `rate`.
 *
 * With `fourDocument` > 0 that share of parcels is in four-document mode: first the enterprise
 * records of the platforms declaring in that mode (listMode FOUR_DOCUMENT; not in the default
 * reference data) go to ref.enterprise.v1, then each such parcel's filed list goes to ceb.list.v1
 * among its other documents, in event-time order.
 */
export async function driveLoad(
  kafka: Kafka,
  codecs: RegistryCodecs,
  opts: LoadOptions,
  log: (s: string) => void,
): Promise<LoadResult> {
  const errors =
    opts.errors === 'none'
      ? NO_ERRORS
      : opts.errors === 'realistic'
        ? REALISTIC_ERRORS
        : { ...NO_ERRORS, ...opts.errors };
  const generator = new ParcelGenerator({
    seed: opts.seed,
    startTime: opts.startTime,
    errors,
    ratePerSecondOfEventTime: opts.rate > 0 ? opts.rate : 10_000,
    ...(opts.maxDocumentDelayMs !== undefined
      ? { maxDocumentDelayMs: opts.maxDocumentDelayMs, followUpDelayMs: opts.maxDocumentDelayMs * 2 }
      : {}),
    ...(opts.fourDocument ? { fourDocument: opts.fourDocument } : {}),
  });
  const kept: GeneratedParcel[] = [];
  function* parcels(): Generator<GeneratedParcel> {
    for (let i = 0; i < opts.parcels; i++) {
      const p = generator.next();
      if (opts.keep) kept.push(p);
      opts.onParcel?.(p);
      yield p;
    }
  }
  const producer = new BatchProducer(kafka, codecs);
  await producer.connect();
  if (opts.fourDocument) {
    // the engine reads each platform's listMode from its enterprise record: publish those first
    const platforms = fourDocumentPlatforms();
    try {
      for (const e of platforms) await producer.add(Topics.enterprise, referenceKeys.enterprise(e), e);
      await producer.flush();
    } catch (e) {
      await producer.disconnect().catch(() => undefined);
      throw e;
    }
    if (!opts.quiet)
      log(
        `four-document platforms published to ${Topics.enterprise.name}: ${platforms.map((e) => e.code).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, REFERENCE_SETTLE_MS));
  }
  const bar = opts.quiet ? undefined : progress('producing parcels', opts.parcels, log);
  const started = Date.now();
  let records = 0;
  let lists = 0;
  let lastSeq = -1;
  try {
    for (const timed of inEventTimeOrder(parcels(), { lists: true })) {
      if (opts.rate > 0) {
        const due = started + (timed.parcel.seq / opts.rate) * 1000;
        const wait = due - Date.now();
        if (wait > 5) {
          await producer.flush();
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      const timestamp = opts.timestamps === 'wall' ? Date.now() : timed.send.timestamp;
      const { parcel, send } = timed;
      if (send.doc === 'LIST') {
        await producer.add(Topics.list, send.key, send.value, timestamp);
        lists++;
      } else await producer.addSend({ parcel, send }, timestamp);
      records++;
      if (timed.parcel.seq > lastSeq) {
        lastSeq = timed.parcel.seq;
        if (lastSeq % 500 === 0)
          bar?.update(
            lastSeq,
            `${Math.round(records / Math.max(0.001, (Date.now() - started) / 1000))} records/s`,
          );
      }
    }
    await producer.flush();
  } finally {
    await producer.disconnect();
  }
  const seconds = (Date.now() - started) / 1000;
  bar?.update(opts.parcels);
  bar?.stop(
    `produced ${opts.parcels} parcels (${records} records${lists > 0 ? `, ${lists} filed lists` : ''}) in ${seconds.toFixed(1)} s: ${Math.round(opts.parcels / seconds)} parcels/s`,
  );
  return { parcels: opts.parcels, records, seconds, kept };
}
