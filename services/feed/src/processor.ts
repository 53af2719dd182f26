import {
  PARTICIPANT_FEED_PREFIX,
  participantKey,
  participantTopics,
  Topics,
  type Codecs,
  type Decision,
  type InspectionResult,
  type Receipt,
  type RegisteredParticipant,
  type TopicSpec,
} from '@clearance/contracts';
import * as D from '@clearance/domain';
import {
  bufferSerde,
  defineProcessor,
  isPromiseLike,
  partitionForKey,
  stringSerde,
  type Logger,
  type Serde,
} from '@clearance/streams';
import type { FeedConfig } from './config';

/** A decoded value together with the bytes it came from (copied to the feeds as they are). */
export interface WithBytes<V> {
  bytes: Buffer;
  value: V;
}

/** Decodes with `spec`'s codec and keeps the original bytes. */
function withBytes<V>(codecs: Codecs, spec: TopicSpec<V>): Serde<WithBytes<V>> {
  const inner = codecs.serde(spec);
  return {
    serialize: (_topic, v) => v.bytes,
    deserialize: (topic, bytes) => {
      const value = inner.deserialize(topic, bytes);
      return isPromiseLike(value) ? value.then((v) => ({ bytes, value: v })) : { bytes, value };
    },
  };
}

/**
 * The feed: every receipt, decision and inspection result, copied exactly once (the same key and
 * value bytes, the same timestamp) to the feed topics of the registered participants it concerns
 * (libs/domain participants/feeds.ts says who), `feed.<role>.<code>.<kind>.v1`. A participant reads
 * its feeds and nothing else (ACLs). Participants come from the `ref.participant.v1` table: one
 * registered while the feed runs receives from the records the feed processes after it learned
 * of the registration; one removed stops receiving at once. Records for enterprises that are not
 * registered stay on the shared topics only.
 */
export function feedProcessor(deps: { codecs: Codecs; config: FeedConfig; logger: Logger }) {
  const { codecs, config } = deps;
  return defineProcessor({
    name: config.applicationId,
    inputs: {
      [Topics.receipt.name]: { key: stringSerde, value: withBytes(codecs, Topics.receipt) },
      [Topics.decision.name]: { key: stringSerde, value: withBytes(codecs, Topics.decision) },
      [Topics.inspection.name]: { key: stringSerde, value: withBytes(codecs, Topics.inspection) },
    } as Record<string, { key: Serde<string>; value: Serde<WithBytes<unknown>> }>,
    outputs: {} as Record<string, { key: Serde<string>; value: Serde<Buffer> }>,
    outputPrefixes: { [PARTICIPANT_FEED_PREFIX]: { key: stringSerde, value: bufferSerde } },
    globals: {
      participants: { topic: Topics.participant.name, value: codecs.serde(Topics.participant) },
    },
    process(record, ctx) {
      const v = record.value.value;
      const targets =
        record.topic === Topics.receipt.name
          ? D.receiptTargets(v as Receipt)
          : record.topic === Topics.decision.name
            ? D.decisionTargets(v as Decision)
            : D.inspectionTargets(v as InspectionResult);
      const participants = ctx.global('participants');
      const keyBytes = record.key === null ? null : Buffer.from(record.key, 'utf8');
      for (const t of targets) {
        const p = participants.get(participantKey(t.role, t.code)) as RegisteredParticipant | undefined;
        if (!p) continue;
        const topic = participantTopics(t.role, t.code).feeds[t.kind];
        if (!topic) continue;
        ctx.emit(topic, record.key as string, record.value.bytes, undefined, {
          partitions: p.partitions,
          partition: keyBytes ? partitionForKey(keyBytes, p.partitions) : ctx.partition % p.partitions,
        });
      }
    },
  });
}
