/**
 * `node -r @swc-node/register tools/bench/src/encode-micro.ts [parcels] [rounds]`: CPU the Avro
 * encoding of the matcher's outputs costs per parcel (7 receipts + 1 list on clean data), with
 * avsc's own string writer and with the project's (`libs/contracts/src/avro-strings.ts`),
 * alternating in one process (A/B on a noisy machine). Parcels come from the generator (seed 42);
 * each round runs the domain's match over freshly copied documents, as the service decodes one
 * per record, and encodes every output as soon as it is produced into one scratch buffer, as the
 * runtime does; only the encoding is timed (process CPU time, user + system). Prints one JSON
 * object: the median µs per parcel of each writer over the rounds after the first.
 */
import * as D from '@clearance/domain';
import { avscWriteString, compileWriter, schemaByName, writeStringFast } from '@clearance/contracts';
import { commands, reference, runMatch, type Sink } from './domain-micro';
import { cpuMicros, median } from './cpu';

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- avsc's Tap is not in its typings */
const { Tap } = require('avsc/lib/utils') as { Tap: { prototype: { writeString: unknown } } };

const parcels = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 6);

const cmds = commands(parcels);
const ref = reference();
const receiptType = schemaByName('Receipt').type;
const manifestType = schemaByName('Manifest').type;
const compiled = { receipt: compileWriter(receiptType)!, manifest: compileWriter(manifestType)! };
const scratch = Buffer.allocUnsafe(64 * 1024);
let spent = 0;
let lists = 0;
let useCompiled = false;
const sink: Sink = {
  match: (r) => {
    const t = cpuMicros();
    if (useCompiled) {
      for (const x of r.receipts) compiled.receipt(x, scratch, 5);
      for (const m of r.manifests) compiled.manifest(m, scratch, 5);
    } else {
      for (const x of r.receipts) receiptType.encode(x, scratch, 5);
      for (const m of r.manifests) manifestType.encode(m, scratch, 5);
    }
    spent += cpuMicros() - t;
    lists += r.manifests.length;
  },
  risk: () => undefined,
};
// avsc as shipped; avsc with the project's string writer; the compiled writers (avro-compiled.ts)
const writers = { avsc: avscWriteString, project: writeStringFast, compiled: writeStringFast };
const results: Record<string, number[]> = { avsc: [], project: [], compiled: [] };
for (let round = 0; round < rounds; round++) {
  for (const [name, writer] of Object.entries(writers)) {
    Tap.prototype.writeString = writer;
    useCompiled = name === 'compiled';
    spent = 0;
    lists = 0;
    runMatch(
      D,
      cmds.map((c) => structuredClone(c)),
      ref,
      undefined,
      sink,
    );
    if (round > 0) results[name].push(spent / parcels);
  }
}
Tap.prototype.writeString = writeStringFast;
console.log(
  JSON.stringify({
    parcels,
    listsPerRound: lists,
    encodeMicrosPerParcel: {
      avsc: Math.round(median(results.avsc) * 10) / 10,
      project: Math.round(median(results.project) * 10) / 10,
      compiled: Math.round(median(results.compiled) * 10) / 10,
    },
  }),
);
