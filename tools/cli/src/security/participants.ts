import type { Admin, Kafka } from 'kafkajs';
import {
  apiKeyDigest,
  checkEnterpriseCode,
  participantKey,
  participantPrincipal,
  participantTopics,
  principalOf,
  Topics,
  type KafkaConnection,
  type ParticipantRole,
  type RegisteredParticipant,
  type RegistryCodecs,
} from '@clearance/contracts';
import { mergeAcls, type AclRule } from '@clearance/streams';
import { applyAcls, revokeAcls } from './acls';
import { deleteScramUser, newPassword, upsertScramUser } from './scram';
import { randomBytes } from 'node:crypto';

/** A new gateway API key: `cek_<role>_<code>_` and 32 random bytes (base64url); only its SHA-256 is kept. */
export function newApiKey(role: ParticipantRole, code: string): string {
  return `cek_${role.toLowerCase()}_${code.toLowerCase()}_${randomBytes(32).toString('base64url')}`;
}

/**
 * What a participant may do, and nothing else: write its own input topics, read its own feeds,
 * use consumer groups named after itself. It cannot read the shared topics, another
 * participant's feed, or write reference data and rule sets.
 */
export function participantAcls(role: ParticipantRole, code: string): AclRule[] {
  const t = participantTopics(role, code);
  return mergeAcls([
    { resourceType: 'TOPIC', name: t.inputPrefix, patternType: 'PREFIXED', operations: ['WRITE', 'DESCRIBE'] },
    { resourceType: 'TOPIC', name: t.feedPrefix, patternType: 'PREFIXED', operations: ['READ', 'DESCRIBE'] },
    { resourceType: 'GROUP', name: t.groupPrefix, patternType: 'LITERAL', operations: ['READ', 'DESCRIBE'] },
    { resourceType: 'GROUP', name: `${t.groupPrefix}.`, patternType: 'PREFIXED', operations: ['READ', 'DESCRIBE'] },
  ]);
}

/** Every topic of a participant with its partition count: input topics, their DLQs (1), feeds. */
export function participantTopicList(role: ParticipantRole, code: string, partitions: number): Array<{ name: string; partitions: number }> {
  const t = participantTopics(role, code);
  return [
    ...t.inputs.map((i) => ({ name: i.topic, partitions })),
    ...t.inputs.map((i) => ({ name: `${i.topic}.dlq`, partitions: 1 })),
    ...Object.values(t.feeds).map((name) => ({ name: name as string, partitions })),
  ];
}

/** What `participants add` prints: everything a participant's client needs. */
export interface ParticipantSettings {
  enterpriseCode: string;
  role: string;
  bootstrap: string;
  securityProtocol: string;
  mechanism: string;
  username: string;
  password: string;
  caFile: string | null;
  /** Where the password is when it is not printed (`--registry-only`: the User Operator's Secret). */
  passwordSource?: string;
  /** Its key for the CEB XML gateway (header `X-API-Key`); shown only here, the registry keeps its SHA-256. */
  apiKey: string;
  /** Topic per document it files (write). */
  inputTopics: Record<string, string>;
  /** Topic per feed it reads. */
  feedTopics: Record<string, string>;
  /** Consumer groups it may use: this name, or names starting with it and a dot. */
  consumerGroupPrefix: string;
  schemaRegistryUrl: string;
}

export interface AddOptions {
  role: ParticipantRole;
  code: string;
  partitions: number;
  replicationFactor?: number;
  connection: KafkaConnection;
  env: { KAFKA_SECURITY_PROTOCOL?: string; KAFKA_SASL_MECHANISM?: string; KAFKA_SSL_CA_FILE?: string; SCHEMA_REGISTRY_URL: string };
  /**
   * Only publish the registry record: the user, its ACLs and its topics are managed elsewhere
   * (Strimzi's User and Topic Operators, from `participants manifest`); the topics must exist.
   */
  registryOnly?: boolean;
}

async function existingPartitions(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  const out = new Map<string, number>();
  if (present.length === 0) return out;
  const meta = await admin.fetchTopicMetadata({ topics: present });
  for (const t of meta.topics) out.set(t.name, t.partitions.length);
  return out;
}

/**
 * Registers a participant: its input and feed topics (and the input topics' DLQs), a SCRAM user
 * with a new random password, exactly its ACLs, then its record on ref.participant.v1 (last, so
 * the intake and feed services never see a participant whose topics or grants are missing).
 * Adding again keeps the topics and issues a new password and a new gateway API key (the old
 * ones stop working).
 */
export async function addParticipant(
  kafka: Kafka,
  admin: Admin,
  codecs: RegistryCodecs,
  o: AddOptions,
): Promise<ParticipantSettings> {
  const code = checkEnterpriseCode(o.code);
  const t = participantTopics(o.role, code);
  const topics = participantTopicList(o.role, code, o.partitions).map((x) => x.name);
  const have = await existingPartitions(admin, topics);
  for (const [topic, n] of have) {
    if (!topic.endsWith('.dlq') && n !== o.partitions)
      throw new Error(`${topic} exists with ${n} partitions, not ${o.partitions}: remove the participant first or use --partitions ${n}`);
  }
  const missing = topics.filter((x) => !have.has(x));
  if (o.registryOnly && missing.length > 0) {
    throw new Error(`--registry-only: topics missing (apply the participant's manifest first): ${missing.join(', ')}`);
  }
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: topic.endsWith('.dlq') ? 1 : o.partitions,
        ...(o.replicationFactor !== undefined ? { replicationFactor: o.replicationFactor } : {}),
      })),
    });
  }
  const principal = participantPrincipal(o.role, code);
  const password = o.registryOnly ? '' : newPassword();
  if (!o.registryOnly) {
    await upsertScramUser(admin, principal, password);
    await applyAcls(admin, principal, participantAcls(o.role, code));
  }
  const apiKey = newApiKey(o.role, code);
  const record: RegisteredParticipant = {
    code,
    role: o.role,
    principal,
    partitions: o.partitions,
    registeredAt: Date.now(),
    apiKeySha256: apiKeyDigest(apiKey),
  };
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic: Topics.participant.name,
      acks: -1,
      messages: [{ key: participantKey(o.role, code), value: await codecs.encode(Topics.participant, record) }],
    });
  } finally {
    await producer.disconnect();
  }
  return {
    enterpriseCode: code,
    role: o.role.toLowerCase(),
    bootstrap: o.connection.brokers.join(','),
    securityProtocol: o.env.KAFKA_SECURITY_PROTOCOL ?? 'PLAINTEXT',
    mechanism: o.env.KAFKA_SASL_MECHANISM ?? 'SCRAM-SHA-512',
    username: principal,
    password,
    ...(o.registryOnly ? { passwordSource: `Secret ${principal}, key password` } : {}),
    caFile: o.env.KAFKA_SSL_CA_FILE ?? null,
    apiKey,
    inputTopics: Object.fromEntries(t.inputs.map((i) => [i.document, i.topic])),
    feedTopics: { ...t.feeds } as Record<string, string>,
    consumerGroupPrefix: t.groupPrefix,
    schemaRegistryUrl: o.env.SCHEMA_REGISTRY_URL,
  };
}

/**
 * Unregisters a participant: the tombstone first (the feed stops writing, the intake drops its
 * topics), then its ACLs and SCRAM user (it can no longer connect), then, unless kept, its topics.
 */
export async function removeParticipant(
  kafka: Kafka,
  admin: Admin,
  o: { role: ParticipantRole; code: string; keepTopics: boolean },
): Promise<{ principal: string; acls: number; user: boolean; topicsDeleted: string[] }> {
  const code = checkEnterpriseCode(o.code);
  const principal = participantPrincipal(o.role, code);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic: Topics.participant.name, acks: -1, messages: [{ key: participantKey(o.role, code), value: null }] });
  } finally {
    await producer.disconnect();
  }
  const acls = await revokeAcls(admin, principal);
  const user = await deleteScramUser(admin, principal);
  const topicsDeleted: string[] = [];
  if (!o.keepTopics) {
    const t = participantTopics(o.role, code);
    const existing = new Set(await admin.listTopics());
    const topics = [...t.inputs.map((i) => i.topic), ...t.inputs.map((i) => `${i.topic}.dlq`), ...Object.values(t.feeds)].filter((x) =>
      existing.has(x),
    );
    if (topics.length > 0) await admin.deleteTopics({ topics });
    topicsDeleted.push(...topics);
  }
  return { principal, acls, user, topicsDeleted };
}

/** The operator must be allowed to provision: refuse early with a clear message otherwise. */
export function requireSasl(connection: KafkaConnection): void {
  if (!connection.sasl) {
    throw new Error(
      'participants need SASL on the broker (KAFKA_SECURITY_PROTOCOL=SASL_SSL and the operator principal, as .stack/env sets them); ' +
        `connected as ${principalOf(connection)}`,
    );
  }
}

/**
 * The registered participants: ref.participant.v1 read to its end (the newest record per key;
 * a tombstone removes). Read committed, as the operator.
 */
export async function listParticipants(kafka: Kafka, admin: Admin, codecs: RegistryCodecs): Promise<RegisteredParticipant[]> {
  const topic = Topics.participant.name;
  const ends = new Map<number, bigint>();
  for (const o of await admin.fetchTopicOffsets(topic)) if (BigInt(o.high) > BigInt(o.low)) ends.set(o.partition, BigInt(o.high));
  const table = new Map<string, RegisteredParticipant>();
  if (ends.size === 0) return [];
  const consumer = kafka.consumer({ groupId: `clearance-cli.participants.${Date.now().toString(36)}`, readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`could not read ${topic} to its end within 60 s`)), 60_000);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const key = m.key?.toString('utf8');
              if (!key) continue;
              if (m.value === null) table.delete(key);
              else table.set(key, await codecs.decode(Topics.participant, m.value));
            }
            const end = ends.get(batch.partition);
            if (end !== undefined && BigInt(batch.highWatermark) >= end && BigInt(batch.lastOffset()) + 1n >= end) ends.delete(batch.partition);
            if (ends.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return [...table.values()].sort((a, b) => (a.role + a.code < b.role + b.code ? -1 : 1));
}
