/**
 * `node --max-semi-space-size=64 -r @swc-node/register tools/bench/src/decode-micro.ts [parcels] [rounds]`:
 * CPU the Avro decoding of the matcher's inputs costs per parcel (order, payment and waybill
 * bodies from the generator, seed 42, clean data), with avsc's own string reader and with the
 * project's (`readStringInterned` in `libs/contracts/src/avro-strings.ts`), alternating in one
 * process (A/B on a noisy machine). The decoded documents are kept until the round ends, as a
 * transaction keeps them. Prints one JSON object: the median µs per parcel of each reader.
 */
import {
  avscReadString,
  LocalCodecs,
  readStringInterned,
  schemaByName,
  topicByName,
} from '@clearance/contracts';
import { inEventTimeOrder, NO_ERRORS, ParcelGenerator } from '@clearance/generator';
import type { Type } from 'avsc';
import { cpuMicros, median } from './cpu';

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- avsc's Tap is not in its typings */
const { Tap } = require('avsc/lib/utils') as { Tap: { prototype: { readString: unknown } } };

const parcels = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 6);

async function main(): Promise<void> {
  const codecs = new LocalCodecs();
  const generator = new ParcelGenerator({
    seed: 42,
    startTime: Date.UTC(2026, 10, 23),
    errors: NO_ERRORS,
    ratePerSecondOfEventTime: 1000,
    maxDocumentDelayMs: 60_000,
  });
  const bodies: Array<{ type: Type; body: Buffer }> = [];
  for (const { send } of inEventTimeOrder(Array.from({ length: parcels }, () => generator.next()))) {
    const topic = topicByName(send.topic);
    const framed = await codecs.encode(topic, send.value as never);
    bodies.push({ type: schemaByName(topic.schema).type, body: Buffer.from(framed.subarray(5)) });
  }
  const readers = { avsc: avscReadString, project: readStringInterned };
  const results: Record<string, number[]> = { avsc: [], project: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, reader] of Object.entries(readers)) {
      Tap.prototype.readString = reader;
      const kept: unknown[] = [];
      const t = cpuMicros();
      for (const { type, body } of bodies) kept.push(type.fromBuffer(body));
      if (round > 0) results[name].push((cpuMicros() - t) / parcels);
    }
  }
  Tap.prototype.readString = readStringInterned;
  console.log(
    JSON.stringify({
      parcels,
      decodeMicrosPerParcel: {
        avsc: Math.round(median(results.avsc) * 10) / 10,
        project: Math.round(median(results.project) * 10) / 10,
      },
    }),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
