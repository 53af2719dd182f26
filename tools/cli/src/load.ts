import type { Kafka } from 'kafkajs';
import type { RegistryCodecs } from '@clearance/contracts';
import { ErrorRates, GeneratedParcel, inEventTimeOrder, NO_ERRORS, ParcelGenerator, REALISTIC_ERRORS } from '@clearance/generator';
import { BatchProducer } from './produce';
import { progress } from './progress';

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
 */
export async function driveLoad(kafka: Kafka, codecs: RegistryCodecs, opts: LoadOptions, log: (s: string) => void): Promise<LoadResult> {
  const errors = opts.errors === 'none' ? NO_ERRORS : opts.errors === 'realistic' ? REALISTIC_ERRORS : { ...NO_ERRORS, ...opts.errors };
  const generator = new ParcelGenerator({
    seed: opts.seed,
    startTime: opts.startTime,
    errors,
    ratePerSecondOfEventTime: opts.rate > 0 ? opts.rate : 10_000,
    ...(opts.maxDocumentDelayMs !== undefined ? { maxDocumentDelayMs: opts.maxDocumentDelayMs, followUpDelayMs: opts.maxDocumentDelayMs * 2 } : {}),
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
  const bar = opts.quiet ? undefined : progress('producing parcels', opts.parcels, log);
  const started = Date.now();
  let records = 0;
  let lastSeq = -1;
  try {
    for (const timed of inEventTimeOrder(parcels())) {
      if (opts.rate > 0) {
        const due = started + (timed.parcel.seq / opts.rate) * 1000;
        const wait = due - Date.now();
        if (wait > 5) {
          await producer.flush();
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      await producer.addSend(timed, opts.timestamps === 'wall' ? Date.now() : timed.send.timestamp);
      records++;
      if (timed.parcel.seq > lastSeq) {
        lastSeq = timed.parcel.seq;
        if (lastSeq % 500 === 0) bar?.update(lastSeq, `${Math.round(records / Math.max(0.001, (Date.now() - started) / 1000))} records/s`);
      }
    }
    await producer.flush();
  } finally {
    await producer.disconnect();
  }
  const seconds = (Date.now() - started) / 1000;
  bar?.update(opts.parcels);
  bar?.stop(`produced ${opts.parcels} parcels (${records} records) in ${seconds.toFixed(1)} s: ${Math.round(opts.parcels / seconds)} parcels/s`);
  return { parcels: opts.parcels, records, seconds, kept };
}
