/**
 * Codecs between in-memory values and record bytes.
 *
 * A serde may be synchronous or asynchronous (Avro serdes backed by a schema registry are async);
 * the runtime and the test driver await whatever comes back. A serde never sees `null`: a null
 * key or value (no key, a tombstone) is handled by the runtime. Mark a serde `nullable` (see
 * {@link nullable}) when `null` is a legal in-memory value for it; otherwise a record with a null
 * key or value on an input topic is dead-lettered.
 */
export interface Serde<T> {
  serialize(topic: string, value: T): Buffer | Promise<Buffer>;
  deserialize(topic: string, bytes: Buffer): T | Promise<T>;
  /** When true, `null` bytes map to `null` (and back) without calling the serde. */
  readonly nullable?: boolean;
  /**
   * When true, `deserialize` never returns a promise. A store whose value serde is synchronous
   * is restored lazily: large changelog values are kept as bytes and decoded on first access.
   */
  readonly sync?: boolean;
}

/** UTF-8 strings. */
export const stringSerde: Serde<string> = {
  sync: true,
  serialize: (_topic, value) => {
    if (typeof value !== 'string') throw new TypeError(`stringSerde: expected a string, got ${typeof value}`);
    return Buffer.from(value, 'utf8');
  },
  deserialize: (_topic, bytes) => bytes.toString('utf8'),
};

/** Raw bytes, passed through. */
export const bufferSerde: Serde<Buffer> = {
  sync: true,
  serialize: (_topic, value) => {
    if (!Buffer.isBuffer(value)) throw new TypeError('bufferSerde: expected a Buffer');
    return value;
  },
  deserialize: (_topic, bytes) => bytes,
};

/**
 * JSON (UTF-8). Deserialization fails on bytes that are not JSON, and, when a `validate`
 * function is given, on JSON it rejects (throw or return false), so malformed input reaches the
 * dead-letter topic instead of the processor.
 */
export function jsonSerde<T = unknown>(validate?: (value: unknown) => boolean | void): Serde<T> {
  return {
    sync: true,
    serialize: (_topic, value) => {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TypeError('jsonSerde: value is not JSON-serializable');
      return Buffer.from(text, 'utf8');
    },
    deserialize: (topic, bytes) => {
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString('utf8'));
      } catch (error) {
        // V8's message quotes the input around the error (a document's personal data): not kept
        const at = /at position \d+/.exec((error as Error).message)?.[0];
        throw new Error(`jsonSerde: value on ${topic} is not JSON${at ? ` (${at})` : ''}`);
      }
      if (validate && validate(value) === false)
        throw new Error(`jsonSerde: value on ${topic} failed validation`);
      return value as T;
    },
  };
}

/** Numbers as their decimal string (handy for counters and tests). */
export const numberSerde: Serde<number> = {
  sync: true,
  serialize: (_topic, value) => {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new TypeError(`numberSerde: expected a finite number`);
    return Buffer.from(String(value), 'utf8');
  },
  deserialize: (topic, bytes) => {
    const text = bytes.toString('utf8');
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value))
      throw new Error(`numberSerde: value on ${topic} is not a number (${bytes.length} bytes)`);
    return value;
  },
};

/** Wraps a serde so that `null` is a legal value (null bytes <-> null). */
export function nullable<T>(serde: Serde<T>): Serde<T | null> {
  return {
    nullable: true,
    sync: serde.sync,
    serialize: (topic, value) => {
      if (value === null) throw new Error('nullable serde: null is encoded as null bytes by the runtime');
      return serde.serialize(topic, value);
    },
    deserialize: (topic, bytes) => serde.deserialize(topic, bytes),
  };
}

/** @internal returns the value or the promise, so sync serdes do not pay for an await. */
export function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
