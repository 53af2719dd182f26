import type { Kafka } from 'kafkajs';
import type { RegistryCodecs } from '@clearance/contracts';
import { loadReferenceData, referenceRecords } from '@clearance/generator';
import { BatchProducer } from './produce';

/**
 * Publishes the reference data shipped in the repo (enterprises, commodities, exchange rates,
 * watchlist, rule set; with the platforms that declare in four-document mode, which only
 * four-document parcels use) to their compacted topics. Re-publishing is harmless: compaction keeps the
 * newest value per key, and the processors' global tables follow updates.
 */
export async function publishReference(
  kafka: Kafka,
  codecs: RegistryCodecs,
  log: (s: string) => void,
): Promise<number> {
  const records = referenceRecords(loadReferenceData({ fourDocument: true }));
  const producer = new BatchProducer(kafka, codecs);
  await producer.connect();
  try {
    for (const r of records) await producer.add(r.topic as never, r.key, r.value as never);
  } finally {
    await producer.disconnect();
  }
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.topic.name, (counts.get(r.topic.name) ?? 0) + 1);
  log(`reference data published: ${[...counts].map(([t, n]) => `${t} ${n}`).join(', ')}`);
  return records.length;
}
