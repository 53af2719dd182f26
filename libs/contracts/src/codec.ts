import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Resolver, Type } from 'avsc';
import { compileWriter, InvalidAvroValue, type CompiledWriter } from './avro-compiled';
import { schemaByName } from './schemas';
import { allTopics, TopicSpec, valueSubject } from './topics';

/**
 * Value serializer/deserializer of one topic (structurally the `Serde` of libs/streams). Encoding
 * is synchronous; decoding is too once the writer's schema id has been seen (a first id is looked
 * up in the registry, asynchronously). Callers await or check for a promise (`isPromiseLike`).
 */
export interface Serde<V> {
  serialize(topic: string, value: V): Buffer | Promise<Buffer>;
  deserialize(topic: string, bytes: Buffer): V | Promise<V>;
}

/** Where processors get their value serdes: the registry in services, local Avro in unit tests. */
export interface Codecs {
  serde<V>(spec: TopicSpec<V>): Serde<V>;
  /**
   * The Avro body of registry-framed bytes of the topic when they were written with the topic's
   * current schema (the body is then the value's own encoding, reusable as is), else undefined
   * (an older writer schema, a schema not seen yet, or bytes that are not framed).
   */
  readerBody(spec: TopicSpec<unknown>, bytes: Buffer): Buffer | undefined;
}

/** A value that does not match its schema; names each offending field. */
export class SchemaValidationError extends Error {
  constructor(
    readonly topic: string,
    readonly paths: string[],
  ) {
    super(`value for ${topic} does not match its schema: ${paths.join('; ')}`);
    this.name = 'SchemaValidationError';
  }
}

/** Bytes that are not a valid registry-framed Avro value of the topic. */
export class AvroDecodeError extends Error {
  constructor(
    readonly topic: string,
    readonly partition: number | undefined,
    readonly offset: string | undefined,
    readonly reason: string,
  ) {
    super(
      `cannot decode a record of ${topic}` +
        (partition !== undefined ? ` partition ${partition}` : '') +
        (offset !== undefined ? ` offset ${offset}` : '') +
        `: ${reason}`,
    );
    this.name = 'AvroDecodeError';
  }
}

/**
 * Fields whose values an error message never quotes (the personal data of orders, payments,
 * waybills and lists: buyer / payer / consignee names, id numbers, telephones, addresses; the
 * list of record lives in libs/streams pii.ts, PII_FIELDS). Matched on the last path element, so
 * some company names are withheld too.
 */
const WITHHELD_FIELD = /(name|telephone|phone|address|idnumber|regno|consignee)$/i;

/** A type as a message names it: `string`, `null | string`, `enum cn.clearance.Outcome`, ... */
function describeType(type: Type | undefined): string {
  if (!type) return 'unknown';
  const t = type as Type & { typeName: string; types?: Type[]; name?: string };
  if (t.types) return t.types.map((b) => describeType(b)).join(' | ');
  if (t.typeName === 'record' || t.typeName === 'enum' || t.typeName === 'fixed')
    return t.name ? `${t.typeName} ${t.name}` : t.typeName;
  return t.typeName;
}

function kindOf(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * The offending paths of a value, each with the kind of value found and the type the schema
 * wants: `order.buyerName (number; string expected)`. The value itself only for a number,
 * boolean or null outside the withheld fields (`goodsValue = 59.8 (number; string expected)`):
 * never a string, never a personal field, so the message can be logged and written to a DLQ.
 */
function invalidPaths(type: Type, value: unknown): string[] {
  const paths: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], v: unknown, at: Type) => {
      const where = path.join('.') || '(root)';
      const field = path.length > 0 ? String(path[path.length - 1]) : '';
      const shown =
        (typeof v === 'number' || typeof v === 'boolean' || v === null) && !WITHHELD_FIELD.test(field)
          ? ` = ${String(v)}`
          : '';
      paths.push(`${where}${shown} (${kindOf(v)}; ${describeType(at)} expected)`);
    },
  });
  return paths;
}

/**
 * Scratch space the frames are written into (grown on demand). avsc's `toBuffer` writes into a
 * 1 KiB buffer and, for a larger value (manifests, decisions), writes the whole value a second
 * time into a buffer of the right size; then the header and the body were concatenated (two more
 * copies). Here a value is written once, header included, and copied out once.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

const decodeError = (spec: TopicSpec<unknown>, where: Where, reason: string): AvroDecodeError =>
  new AvroDecodeError(spec.name, where.partition, where.offset, reason);

/** Each schema's compiled writer (avro-compiled.ts), or avsc's `encode` where none compiles. */
const writers = new Map<string, CompiledWriter>();

function writerOf(schema: string): CompiledWriter {
  let write = writers.get(schema);
  if (!write) {
    const type = schemaByName(schema).type;
    write = compileWriter(type) ?? ((value, buf, pos) => type.encode(value, buf, pos));
    writers.set(schema, write);
  }
  return write;
}

/** Encodes a value of the topic's schema in the registry wire format: magic 0, schema id, Avro body. */
function frame<V>(spec: TopicSpec<V>, id: number, value: V): Buffer {
  const write = writerOf(spec.schema);
  let end: number;
  try {
    for (;;) {
      end = write(value, scratch, 5);
      if (end >= 0) break;
      // `encode` answers minus the missing bytes when the value does not fit
      scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end + 5));
    }
  } catch (e) {
    const bad = invalidPaths(schemaByName(spec.schema).type, value);
    // never avsc's own message as a fallback: `invalid <schema>: <the whole value>`
    const fallback =
      e instanceof InvalidAvroValue
        ? e.message
        : `the value cannot be encoded (${(e as Error).name ?? 'error'})`;
    throw new SchemaValidationError(spec.name, bad.length > 0 ? bad : [fallback]);
  }
  scratch[0] = 0;
  scratch.writeUInt32BE(id, 1);
  const out = Buffer.allocUnsafe(end);
  scratch.copy(out, 0, 0, end);
  return out;
}

/**
 * How to read each writer schema id as a topic's schema: null when the writer's schema is the
 * reader's (the body is read as is), a resolver otherwise. By topic, then id: no key string is
 * built per record.
 */
class Resolvers {
  private readonly byTopic = new Map<string, Map<number, Resolver | null>>();

  get(topic: string, id: number): Resolver | null | undefined {
    return this.byTopic.get(topic)?.get(id);
  }

  set(topic: string, id: number, resolver: Resolver | null): void {
    let ids = this.byTopic.get(topic);
    if (!ids) this.byTopic.set(topic, (ids = new Map()));
    ids.set(id, resolver);
  }
}

/** Where a record came from, for decode errors (none: a serde's read). */
interface Where {
  partition?: number;
  offset?: string;
}
const NOWHERE: Where = {};

/**
 * The body after the 5-byte frame read as `reader` (through `resolver` when given), without a
 * Buffer per read; the same checks and messages as avsc's `fromBuffer`.
 */
function readBody(reader: Type, bytes: Buffer, resolver: Resolver | null): unknown {
  const { value, offset } = reader.decode(bytes, 5, resolver ?? undefined);
  if (offset < 0) throw new Error('truncated buffer');
  if (offset < bytes.length) throw new Error('trailing data');
  return value;
}

/**
 * The registry could not be reached or failed on its side (worth retrying): the client reports a
 * refused connection as a 400 whose message names the socket error, a server failure as 5xx.
 */
export function registryUnreachable(e: unknown): boolean {
  const status = (e as { status?: number }).status;
  const message = (e as Error)?.message ?? '';
  return (
    (typeof status === 'number' && status >= 500) ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|socket hang up|timed? ?out/i.test(
      message,
    )
  );
}

/**
 * A record's writer schema could not be fetched because the registry is away (unreachable, 5xx):
 * the record is not at fault. `transient`: a stream task retries it later rather than
 * dead-lettering it (libs/streams `isTransient`).
 */
export class RegistryUnavailableError extends Error {
  readonly transient = true;
  constructor(
    readonly topic: string,
    readonly schemaId: number,
    cause: string,
  ) {
    super(`the schema registry cannot be reached for schema id ${schemaId} of ${topic}: ${cause}`);
    this.name = 'RegistryUnavailableError';
  }
}

export interface RegistryCodecsOptions {
  /** Base URL of a Confluent-compatible registry, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  url: string;
  /**
   * How long one registry request may take (default 15000 ms). The registry client has no timeout
   * of its own: a registry that accepts the connection and never answers would hold a start, or a
   * task waiting for a writer schema, forever. A request that times out counts as the registry
   * being unreachable (retried where the caller retries).
   */
  requestTimeoutMs?: number;
}

/** `promise`, or a rejection naming `what` once `ms` have passed (the request itself is left to finish). */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Avro codecs for the project's topics through a Confluent-compatible schema registry
 * (Apicurio's ccompat API locally). `register()` registers every topic's value subject with
 * BACKWARD compatibility; serdes then encode with the registered id (validating the value first,
 * so a bad value fails with the field named) and decode whatever id the bytes carry.
 */
export class RegistryCodecs implements Codecs {
  readonly registry: SchemaRegistry;
  private readonly ids = new Map<string, number>();
  private readonly resolvers = new Resolvers();

  private readonly requestTimeoutMs: number;

  constructor(opts: RegistryCodecsOptions) {
    this.registry = new SchemaRegistry({ host: opts.url });
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 15_000;
  }

  /**
   * Registers the value schemas of `topics` (default: all). Idempotent. Returns subject -> id.
   * With `waitMs`, a registry that cannot be reached (connection refused or reset, a timeout, a
   * 5xx) is retried with backoff (0.5 s doubling to 10 s) for that long, `onRetry` told before
   * each wait; anything else (an incompatible schema: 409) fails at once.
   */
  async register(
    topics: ReadonlyArray<TopicSpec<unknown>> = allTopics,
    opts: {
      waitMs?: number;
      onRetry?: (r: { attempt: number; delayMs: number; error: string }) => void;
    } = {},
  ): Promise<Map<string, number>> {
    const deadline = Date.now() + (opts.waitMs ?? 0);
    for (const t of topics) {
      if (this.ids.has(t.name)) continue;
      const s = schemaByName(t.schema);
      const subject = valueSubject(t.name);
      for (let attempt = 1; ; attempt++) {
        try {
          const { id } = await withTimeout(
            this.registry.register(
              { type: 'AVRO' as never, schema: JSON.stringify(s.schema) },
              { subject, compatibility: 'BACKWARD' as never },
            ),
            this.requestTimeoutMs,
            `registering ${subject}`,
          );
          this.ids.set(t.name, id);
          break;
        } catch (e) {
          const delayMs = Math.min(10_000, 500 * 2 ** Math.min(attempt - 1, 5));
          if (registryUnreachable(e) && Date.now() + delayMs < deadline) {
            opts.onRetry?.({ attempt, delayMs, error: (e as Error).message });
            await new Promise((r) => setTimeout(r, delayMs));
            continue;
          }
          throw new Error(`registering ${subject} (schemas/${s.file}) failed: ${(e as Error).message}`);
        }
      }
    }
    return new Map([...this.ids].map(([topic, id]) => [valueSubject(topic), id]));
  }

  /** Schema id registered for a topic's values. */
  idOf(topic: string): number {
    const id = this.ids.get(topic);
    if (id === undefined) throw new Error(`schema of ${topic} is not registered: call register() first`);
    return id;
  }

  /** Validates and encodes a value in the registry wire format (magic 0, schema id, Avro body). */
  async encode<V>(spec: TopicSpec<V>, value: V): Promise<Buffer> {
    return frame(spec, this.idOf(spec.name), value);
  }

  /**
   * Decodes registry-framed Avro bytes into the topic's current schema (the writer's schema comes
   * from the registry by id, resolved into ours, so older versions still read). Any failure is an
   * AvroDecodeError naming topic/partition/offset.
   */
  async decode<V>(
    spec: TopicSpec<V>,
    bytes: Buffer | null,
    where: { partition?: number; offset?: string } = {},
  ): Promise<V> {
    return this.decodeSyncOrAsync(spec, bytes, where);
  }

  /**
   * `decode`, answered synchronously when the bytes' schema id was seen before (every record but
   * the first of each writer schema): no promise and no microtask per record. Throws (or rejects)
   * an AvroDecodeError.
   */
  decodeSyncOrAsync<V>(spec: TopicSpec<V>, bytes: Buffer | null, where: Where = NOWHERE): V | Promise<V> {
    if (!bytes || bytes.length === 0) throw decodeError(spec, where, 'empty value');
    if (bytes.length < 5 || bytes[0] !== 0)
      throw decodeError(spec, where, 'not registry-framed Avro (magic byte 0 missing)');
    const id = bytes.readUInt32BE(1);
    const resolver = this.resolvers.get(spec.name, id);
    if (resolver === undefined)
      return this.resolve(spec, id, where).then(() => this.decodeSyncOrAsync(spec, bytes, where));
    try {
      return readBody(schemaByName(spec.schema).type, bytes, resolver) as V;
    } catch (e) {
      throw decodeError(spec, where, (e as Error).message);
    }
  }

  /** Fetches the writer schema of `id` and caches how to read it as the topic's schema. */
  private async resolve(spec: TopicSpec<unknown>, id: number, where: Where): Promise<void> {
    const reader = schemaByName(spec.schema).type;
    let writer: Type;
    try {
      writer = (await withTimeout(
        this.registry.getSchema(id),
        this.requestTimeoutMs,
        `schema id ${id}`,
      )) as unknown as Type;
    } catch (e) {
      if (registryUnreachable(e)) throw new RegistryUnavailableError(spec.name, id, (e as Error).message);
      throw decodeError(spec, where, `unknown schema id ${id}: ${(e as Error).message}`);
    }
    try {
      this.resolvers.set(spec.name, id, reader.equals(writer) ? null : reader.createResolver(writer));
    } catch (e) {
      throw decodeError(
        spec,
        where,
        `schema id ${id} (${writer.name ?? 'unnamed'}) cannot be read as ${spec.schema}: ${(e as Error).message}`,
      );
    }
  }

  readerBody(spec: TopicSpec<unknown>, bytes: Buffer): Buffer | undefined {
    if (bytes.length < 5 || bytes[0] !== 0) return undefined;
    return this.resolvers.get(spec.name, bytes.readUInt32BE(1)) === null ? bytes.subarray(5) : undefined;
  }

  serde<V>(spec: TopicSpec<V>): Serde<V> {
    return {
      serialize: (_topic, value) => frame(spec, this.idOf(spec.name), value),
      deserialize: (_topic, bytes) => this.decodeSyncOrAsync(spec, bytes),
    };
  }
}

/**
 * The same wire format without a registry: schema ids are assigned locally, one per topic
 * schema. For unit tests of processors under the test driver (real Avro bytes, validation and
 * decode errors included) and nothing else.
 */
export class LocalCodecs implements Codecs {
  private readonly ids = new Map<string, number>();
  private readonly byId = new Map<number, Type>();
  private readonly resolvers = new Resolvers();

  private idOf(spec: TopicSpec<unknown>): number {
    let id = this.ids.get(spec.schema);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(spec.schema, id);
      this.byId.set(id, schemaByName(spec.schema).type);
    }
    return id;
  }

  async encode<V>(spec: TopicSpec<V>, value: V): Promise<Buffer> {
    return frame(spec, this.idOf(spec as TopicSpec<unknown>), value);
  }

  async decode<V>(spec: TopicSpec<V>, bytes: Buffer | null): Promise<V> {
    return this.decodeSync(spec, bytes);
  }

  decodeSync<V>(spec: TopicSpec<V>, bytes: Buffer | null): V {
    if (!bytes || bytes.length < 5 || bytes[0] !== 0)
      throw decodeError(spec, NOWHERE, 'not registry-framed Avro (magic byte 0 missing)');
    const id = bytes.readUInt32BE(1);
    const writer = this.byId.get(id);
    if (!writer) throw decodeError(spec, NOWHERE, `unknown schema id ${id}`);
    const reader = schemaByName(spec.schema).type;
    try {
      let resolver = this.resolvers.get(spec.name, id);
      if (resolver === undefined) {
        resolver = reader.equals(writer) ? null : reader.createResolver(writer);
        this.resolvers.set(spec.name, id, resolver);
      }
      return readBody(reader, bytes, resolver) as V;
    } catch (e) {
      throw decodeError(spec, NOWHERE, (e as Error).message);
    }
  }

  readerBody(spec: TopicSpec<unknown>, bytes: Buffer): Buffer | undefined {
    if (bytes.length < 5 || bytes[0] !== 0) return undefined;
    return this.resolvers.get(spec.name, bytes.readUInt32BE(1)) === null ? bytes.subarray(5) : undefined;
  }

  serde<V>(spec: TopicSpec<V>): Serde<V> {
    return {
      serialize: (_topic, value) => frame(spec, this.idOf(spec as TopicSpec<unknown>), value),
      deserialize: (_topic, bytes) => this.decodeSync(spec, bytes),
    };
  }
}
