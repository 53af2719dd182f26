import { timingSafeEqual } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { apiKeyDigest, Topics, type RegisteredParticipant, type RegistryCodecs } from '@clearance/contracts';
import { GlobalTablesReader, StreamsMetrics, type GlobalTable, type Logger } from '@clearance/streams';

/** Who a request is from: one registered participant (role and enterprise code). */
export type Caller = Pick<RegisteredParticipant, 'role' | 'code' | 'principal' | 'partitions'>;

/**
 * The participants the gateway knows, by API key: `ref.participant.v1` read in full at start and
 * followed (a registration, a new key or a removal counts from the next request). Only the keys'
 * SHA-256 digests are in the registry; a request's key is hashed and looked up.
 */
export class ParticipantDirectory {
  private readonly reader: GlobalTablesReader;
  private byDigest = new Map<string, RegisteredParticipant>();
  private seenVersion = -1;

  constructor(codecs: RegistryCodecs) {
    this.reader = new GlobalTablesReader({
      participants: { topic: Topics.participant.name, value: codecs.serde(Topics.participant) },
    });
  }

  async start(deps: { kafka: Kafka; admin: Admin; groupId: string; logger: Logger }): Promise<void> {
    await this.reader.start({
      ...deps,
      metrics: new StreamsMetrics(new Registry(), deps.groupId, 'gateway_registry_'),
      maxBytesPerPartition: 1024 * 1024,
    });
  }

  get ready(): boolean {
    return this.reader.ready;
  }

  get size(): number {
    return this.table.size;
  }

  private get table(): GlobalTable<RegisteredParticipant> {
    return this.reader.tables.get('participants') as unknown as GlobalTable<RegisteredParticipant>;
  }

  /** The participant whose key this is; undefined for an unknown or revoked key. */
  byApiKey(apiKey: string): Caller | undefined {
    const table = this.table;
    if (table.version !== this.seenVersion) {
      const next = new Map<string, RegisteredParticipant>();
      for (const p of table.values()) if (p.apiKeySha256) next.set(p.apiKeySha256, p);
      this.byDigest = next;
      this.seenVersion = table.version;
    }
    const digest = apiKeyDigest(apiKey);
    const p = this.byDigest.get(digest);
    // the map lookup found it by digest; compare in constant time anyway (defence in depth)
    if (!p || !p.apiKeySha256 || !timingSafeEqual(Buffer.from(p.apiKeySha256), Buffer.from(digest)))
      return undefined;
    return p;
  }

  async stop(): Promise<void> {
    await this.reader.stop();
  }
}
