/**
 * `node --max-semi-space-size=64 -r @swc-node/register tools/bench/src/engine-micro.ts [parcels] [--profile dir]`:
 * the matcher's own CPU per parcel without Kafka, with the runtime's engine and transactions of
 * 500 records per task (BatchDriver): input decode, domain, store reads and writes (compact
 * values, changelog encoding), output encoding. Prints one JSON object with CPU µs per parcel
 * (best of three rounds over fresh tasks) and a digest per written topic, so a change that should
 * not alter any output byte can be checked to not alter them.
 */
import { LocalCodecs, topicByName } from '@clearance/contracts';
import { inEventTimeOrder, NO_ERRORS, ParcelGenerator, referenceRecords } from '@clearance/generator';
import { defaultMatcherConfig, matcherProcessor } from '@clearance/matcher';
import { BatchDriver, type AnyProcessorDefinition } from '@clearance/streams';
import { cpuMicros } from './cpu';


async function main(): Promise<void> {
  const parcels = Number(process.argv[2] ?? 50_000);
  const rounds = Number(process.env.ROUNDS ?? 3);
  const codecs = new LocalCodecs();
  const generator = new ParcelGenerator({
    seed: 42,
    startTime: Date.UTC(2026, 10, 23),
    errors: NO_ERRORS,
    ratePerSecondOfEventTime: 1000,
    maxDocumentDelayMs: 60_000,
  });
  // the input as one buffer of values plus offsets: the harness itself keeps few heap objects, so
  // the garbage collector's work is the engine's (the heap's size drives its cost)
  const topics: string[] = [];
  const keys: string[] = [];
  const timestamps: number[] = [];
  const ends: number[] = [];
  const chunks: Buffer[] = [];
  let size = 0;
  {
    const generated = Array.from({ length: parcels }, () => generator.next());
    for (const { send } of inEventTimeOrder(generated)) {
      const value = await codecs.encode(topicByName(send.topic), send.value as never);
      topics.push(send.topic);
      keys.push(send.key);
      timestamps.push(send.timestamp);
      chunks.push(value);
      size += value.length;
      ends.push(size);
    }
  }
  const values = Buffer.concat(chunks, size);
  chunks.length = 0;
  const records = { length: topics.length };
  const results: Array<{ us: number; written: ReturnType<BatchDriver['written']> }> = [];
  for (let round = 0; round < rounds; round++) {
    const definition = matcherProcessor({ codecs, config: defaultMatcherConfig() }) as AnyProcessorDefinition;
    const driver = new BatchDriver(definition, { partitions: 12, recordsPerTxn: 500 });
    const byTopic = new Map(
      Object.entries(definition.globals ?? {}).map(([name, g]) => [(g as { topic: string }).topic, name]),
    );
    for (const r of referenceRecords()) {
      const name = byTopic.get(r.topic.name);
      if (name) await driver.setGlobal(name, r.key, r.value);
    }
    const t = cpuMicros();
    for (let i = 0; i < records.length; i++)
      await driver.process(
        topics[i],
        Buffer.from(keys[i]),
        values.subarray(i === 0 ? 0 : ends[i - 1], ends[i]),
        timestamps[i],
      );
    driver.flush();
    results.push({ us: (cpuMicros() - t) / parcels, written: driver.written() });
  }
  const best = Math.min(...results.map((r) => r.us));
  const out = {
    parcels,
    inputRecords: records.length,
    cpuMicrosPerParcel: results.map((r) => Math.round(r.us * 10) / 10),
    bestCpuMicrosPerParcel: Math.round(best * 10) / 10,
    written: results[0].written,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
