/**
 * `node -r @swc-node/register tools/bench/src/micro.ts [parcels]`: CPU cost per record without
 * Kafka — the matcher and risk processors under the TestDriver (real Avro bytes, the same engine
 * the runtime uses: decode, domain, store staging, encode of outputs and changelog records), and
 * the Avro codecs alone. The difference to the real-stack figures is the Kafka client and the
 * transactions. Prints one JSON object.
 */
import { LocalCodecs, Topics, topicByName, type Manifest, type TopicSpec } from '@clearance/contracts';
import { inEventTimeOrder, NO_ERRORS, ParcelGenerator, referenceRecords } from '@clearance/generator';
import { defaultMatcherConfig, matcherProcessor } from '@clearance/matcher';
import { defaultRiskConfig, riskProcessor } from '@clearance/risk';
import { TestDriver, type AnyProcessorDefinition } from '@clearance/streams';
import { cpuMicros } from './cpu';


// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDriver = TestDriver<any, any, any, any>;

async function withGlobals(definition: AnyProcessorDefinition): Promise<AnyDriver> {
  const driver: AnyDriver = new TestDriver(definition, {
    partitions: 12,
    roundTripStores: false,
    repipe: false,
  });
  const globals = (definition.globals ?? {}) as Record<string, { topic: string }>;
  const byTopic = new Map(Object.entries(globals).map(([name, g]) => [g.topic, name]));
  for (const r of referenceRecords()) {
    const name = byTopic.get(r.topic.name);
    if (name) await driver.pipeGlobal(name, r.key, r.value);
  }
  return driver;
}

async function codecCost(codecs: LocalCodecs, spec: TopicSpec<unknown>, values: unknown[], rounds: number) {
  const encoded: Buffer[] = [];
  for (const v of values.slice(0, 200)) encoded.push(await codecs.encode(spec, v)); // warm up
  let t = cpuMicros();
  let n = 0;
  for (let r = 0; r < rounds; r++)
    for (const v of values) {
      await codecs.encode(spec, v);
      n++;
    }
  const encodeUs = (cpuMicros() - t) / n;
  const bytes = await Promise.all(values.map((v) => codecs.encode(spec, v)));
  t = cpuMicros();
  n = 0;
  for (let r = 0; r < rounds; r++)
    for (const b of bytes) {
      await codecs.decode(spec, b);
      n++;
    }
  const decodeUs = (cpuMicros() - t) / n;
  const avgBytes = bytes.reduce((a, b) => a + b.length, 0) / bytes.length;
  return { encodeUs: round(encodeUs), decodeUs: round(decodeUs), avgBytes: Math.round(avgBytes) };
}

const round = (v: number) => Math.round(v * 100) / 100;

async function main(): Promise<void> {
  const parcels = Number(process.argv[2] ?? 20_000);
  const codecs = new LocalCodecs();
  const generator = new ParcelGenerator({
    seed: 42,
    startTime: Date.UTC(2026, 10, 23),
    errors: NO_ERRORS,
    ratePerSecondOfEventTime: 1000,
    maxDocumentDelayMs: 1000,
  });
  const generated = Array.from({ length: parcels }, () => generator.next());
  const sends = [...inEventTimeOrder(generated)].map(({ send }) => send);

  const matcher = await withGlobals(
    matcherProcessor({ codecs, config: defaultMatcherConfig() }) as AnyProcessorDefinition,
  );
  const encodedSends = await Promise.all(
    sends.map(async (s) => ({ s, value: await codecs.encode(topicByName(s.topic), s.value as never) })),
  );
  let t = cpuMicros();
  for (const { s, value } of encodedSends)
    await matcher.pipeRaw(s.topic, Buffer.from(s.key), value, { timestamp: s.timestamp });
  const matcherUs = (cpuMicros() - t) / sends.length;
  const manifests = matcher.rawRecords(Topics.manifest.name);
  const receipts = matcher.rawRecords(Topics.receipt.name).length;

  const risk = await withGlobals(
    riskProcessor({ codecs, config: defaultRiskConfig() }) as AnyProcessorDefinition,
  );
  t = cpuMicros();
  for (const m of manifests)
    await risk.pipeRaw(Topics.manifest.name, m.key, m.value, { timestamp: m.timestamp });
  const riskUs = (cpuMicros() - t) / manifests.length;
  const decisions = risk.rawRecords(Topics.decision.name);

  const manifestValues = await Promise.all(
    manifests.slice(0, 2000).map((m) => codecs.decode(Topics.manifest, m.value)),
  );
  const decisionValues = await Promise.all(
    decisions.slice(0, 2000).map((d) => codecs.decode(Topics.decision, d.value)),
  );
  const rounds = 3;
  const result = {
    parcels,
    records: sends.length,
    manifests: manifests.length,
    receiptsPerParcel: round(receipts / parcels),
    matcherMicrosPerInputRecord: round(matcherUs),
    riskMicrosPerManifest: round(riskUs),
    /** Matcher (3 documents) + risk, per parcel, without Kafka. */
    processingMicrosPerParcel: round((matcherUs * sends.length + riskUs * manifests.length) / parcels),
    codecs: {
      order: await codecCost(
        codecs,
        Topics.order,
        generated.slice(0, 2000).map((p) => p.order),
        rounds,
      ),
      payment: await codecCost(
        codecs,
        Topics.payment,
        generated.slice(0, 2000).map((p) => p.payment),
        rounds,
      ),
      waybill: await codecCost(
        codecs,
        Topics.waybill,
        generated.slice(0, 2000).map((p) => p.waybill),
        rounds,
      ),
      manifest: await codecCost(codecs, Topics.manifest, manifestValues as Manifest[], rounds),
      decision: await codecCost(codecs, Topics.decision, decisionValues, rounds),
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
