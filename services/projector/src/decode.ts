import type { TopicSpec } from '@clearance/contracts';
import { isTransient } from '@clearance/streams';
import type { KafkaMessage } from 'kafkajs';
import { SOURCES, type FailedRecord, type SourceKey, type SourceRecord } from './sources';

/** What decodes registry-framed Avro: RegistryCodecs in services, LocalCodecs in unit tests. */
export interface RecordDecoder {
  decode<V>(spec: TopicSpec<V>, bytes: Buffer | null): Promise<V>;
}

/** Decodes one Kafka message of a source topic; a failure becomes a FailedRecord (kept, never dropped), except a registry away, which throws. */
export async function decodeMessage(
  decoder: RecordDecoder,
  source: SourceKey,
  topic: string,
  partition: number,
  message: Pick<KafkaMessage, 'offset' | 'timestamp' | 'key' | 'value'>,
): Promise<SourceRecord | FailedRecord> {
  const offset = Number(message.offset);
  const key = message.key ? message.key.toString('utf8') : null;
  const bytes = message.value ?? null;
  if (bytes === null)
    return {
      source,
      topic,
      partition,
      offset,
      timestamp: Number(message.timestamp),
      key,
      value: null,
    } as SourceRecord;
  try {
    const value = await decoder.decode(SOURCES[source] as TopicSpec<unknown>, bytes);
    return {
      source,
      topic,
      partition,
      offset,
      timestamp: Number(message.timestamp),
      key,
      value,
    } as SourceRecord;
  } catch (e) {
    // the registry away (RegistryUnavailableError): the record is fine; the batch fails and is
    // retried (kafkajs backoff) rather than the record kept as failed
    if (isTransient(e)) throw e;
    return {
      topic,
      partition,
      offset,
      key,
      value: bytes,
      reason: `does not decode: ${(e as Error).message}`,
    };
  }
}
