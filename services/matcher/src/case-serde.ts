import { schemaByName } from '@clearance/contracts';
import type * as D from '@clearance/domain';
import { guidOfBytes } from '@clearance/domain';
import type { Serde } from '@clearance/streams';
import { type Schema, Type } from 'avsc';

/**
 * The `cases` store's value codec. An open case holds up to four documents (the filed list in
 * four-document mode), which are most of its
 * bytes and never change while held: each is written as its Avro body (the topic's schema, the
 * held form: id numbers already replaced by their hash), encoded once per document object and
 * reused by every later write of the case; the rest of the state is a small binary header (Avro of
 * an internal schema: id hashes as 32 bytes, canonical guids as 16).
 *
 *   open:   0x04 | Avro OpenHeader4  | 4 × (u32 length, 0 = none | Avro body)   order, payment, waybill, list
 *   closed: 0x03 | Avro ClosedHeader
 *
 * The open header is the state with each held slot as `{at, idHash}` (or null). Held documents
 * read back are decoded only when the domain looks at them (`HeldSlot`); a case without a list
 * reads back without the `list` key. Values of earlier versions still decode (no list): 0x02
 * (OpenHeader, 3 slots), 0x01 (3 slots with a JSON header) and plain JSON (first byte `{`).
 */
const LEGACY_JSON_HEADER = 0x01;
const OPEN_V2 = 0x02;
const CLOSED = 0x03;
const OPEN = 0x04;
const SLOTS_V2 = ['order', 'payment', 'waybill'] as const;
const SLOTS = ['order', 'payment', 'waybill', 'list'] as const;
type Slot = (typeof SLOTS)[number];
const TYPES: Record<Slot, () => Type> = {
  order: () => schemaByName('Order').type,
  payment: () => schemaByName('Payment').type,
  waybill: () => schemaByName('Waybill').type,
  list: () => schemaByName('FiledList').type,
};

const HASH = /^[0-9a-f]{64}$/;
const reasonSchema = {
  type: 'record',
  name: 'Reason',
  fields: [
    { name: 'code', type: 'string' },
    { name: 'message', type: 'string' },
  ],
};
const slotSchema = [
  'null',
  {
    type: 'record',
    name: 'Slot',
    fields: [
      { name: 'at', type: 'long' },
      // a sha256 as 32 bytes; anything else as written
      { name: 'idHash', type: ['null', { type: 'fixed', name: 'Sha256', size: 32 }, 'string'] },
    ],
  },
];
// a guid in the canonical upper-case form as 16 bytes; anything else as written
const seenSchema = { type: 'array', items: [{ type: 'fixed', name: 'Guid', size: 16 }, 'string'] };
const openHeaderFields = [
  { name: 'status', type: { type: 'enum', name: 'OpenStatus', symbols: ['OPEN', 'REJECTED'] } },
  { name: 'caseKey', type: 'string' },
  { name: 'openedAt', type: 'long' },
  { name: 'firstDocumentTime', type: ['null', 'long'] },
  { name: 'order', type: slotSchema },
  { name: 'payment', type: ['null', 'clearance.matcher.cases.Slot'] },
  { name: 'waybill', type: ['null', 'clearance.matcher.cases.Slot'] },
];
const openTailFields = [
  { name: 'reasons', type: { type: 'array', items: reasonSchema } },
  { name: 'seen', type: seenSchema },
];
/** The header of 0x02 values (read only). */
const OPEN_HEADER_V2 = Type.forSchema({
  type: 'record',
  name: 'OpenHeader',
  namespace: 'clearance.matcher.cases',
  fields: [...openHeaderFields, ...openTailFields],
} as Schema);
const OPEN_HEADER = Type.forSchema({
  type: 'record',
  name: 'OpenHeader4',
  namespace: 'clearance.matcher.cases',
  fields: [
    ...openHeaderFields,
    { name: 'list', type: ['null', 'clearance.matcher.cases.Slot'] },
    ...openTailFields,
  ],
} as Schema);
const CLOSED_HEADER = Type.forSchema({
  type: 'record',
  name: 'ClosedHeader',
  namespace: 'clearance.matcher.cases',
  fields: [
    {
      name: 'status',
      type: { type: 'enum', name: 'ClosedStatus', symbols: ['MATCHED', 'FAILED', 'WITHDRAWN'] },
    },
    { name: 'caseKey', type: 'string' },
    { name: 'closedAt', type: 'long' },
    { name: 'invtNo', type: ['null', 'string'] },
    { name: 'reasons', type: { type: 'array', items: reasonSchema } },
    { name: 'seen', type: seenSchema },
  ],
} as Schema);
/** Keys of an open case without a list (with one: one more, `list`). */
const OPEN_KEYS = 9;
const CLOSED_KEYS = 6;

/** Hex digit value by char code (upper and lower case), -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
}
/** Byte offsets of the 16 hex pairs in a canonical 8-4-4-4-12 guid. */
const GUID_PAIRS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** A canonical upper-case guid as its 16 bytes; any other string as written. */
function packGuid(g: string): Buffer | string {
  if (
    g.length !== 36 ||
    g.charCodeAt(8) !== 45 ||
    g.charCodeAt(13) !== 45 ||
    g.charCodeAt(18) !== 45 ||
    g.charCodeAt(23) !== 45
  )
    return g;
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i++) {
    const p = GUID_PAIRS[i];
    const a = g.charCodeAt(p);
    const b = g.charCodeAt(p + 1);
    // upper case only: a lower-case guid must come back as written
    const hi = a < 97 ? HEX_VALUE[a] : -1;
    const lo = b < 97 ? HEX_VALUE[b] : -1;
    if (hi < 0 || lo < 0) return g;
    out[i] = (hi << 4) | lo;
  }
  return out;
}
const unpackGuid = (g: Buffer | string): string => (typeof g === 'string' ? g : guidOfBytes(g));
const packHash = (h: string | null): Buffer | string | null =>
  h !== null && HASH.test(h) ? Buffer.from(h, 'hex') : h;
const unpackHash = (h: Buffer | string | null): string | null =>
  h === null || typeof h === 'string' ? h : h.toString('hex');

/** Scratch the headers are written into (grown on demand). */
let scratch = Buffer.allocUnsafe(16 * 1024);
function encodeHeader(type: Type, value: unknown): Buffer {
  for (;;) {
    const end = type.encode(value, scratch, 0);
    if (end >= 0) return scratch.subarray(0, end);
    scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, -end));
  }
}

/**
 * A held slot read back from the store: its document is decoded on first use of `doc`. Most reads
 * of a case never look at the documents already held (a second document arrives: only the third
 * one brings the checks and the list), so most are never decoded, and a case written back keeps
 * their bytes (`body`) instead of encoding them again. `doc` is an accessor of the class, with
 * `toJSON` so JSON sees the document; the bookkeeping lives in private fields, not in WeakMaps
 * (their entries showed as 3 % of the matcher's CPU plus garbage-collector work).
 */
class HeldSlot {
  #doc: object | undefined;
  readonly #body: Buffer;
  readonly #type: Type;

  constructor(
    readonly at: number,
    readonly idHash: string | null,
    body: Buffer,
    type: Type,
  ) {
    this.#body = body;
    this.#type = type;
  }

  get doc(): object {
    return (this.#doc ??= this.#type.fromBuffer(this.#body) as object);
  }

  get decoded(): boolean {
    return this.#doc !== undefined;
  }

  /** The document's Avro body as read (documents are immutable while held). */
  get body(): Buffer {
    return this.#body;
  }

  toJSON(): { at: number; idHash: string | null; doc: object } {
    return { at: this.at, idHash: this.idHash, doc: this.doc };
  }
}

/** Whether a held slot read back has had its document decoded (for tests). */
export const heldIsDecoded = (held: object): boolean => held instanceof HeldSlot && held.decoded;

/** Where a decoded input document came from: its Avro body in the topic's current schema. */
const SOURCE = Symbol('clearance.matcher.documentSource');
interface DocumentSource {
  body: Buffer;
  doc: object;
}

/**
 * Remembers an input document's Avro body on the decoded document (call only with a body in the
 * topic's current schema: `Codecs.readerBody`). An own symbol property: the domain's held form of
 * an order or payment is a spread copy with the id number set to null, and keeps it. A held
 * document is then written into the case as that body (with the id number's bytes cut out)
 * instead of being encoded again, when every other field is still the same value.
 */
export function rememberSource(doc: object, body: Buffer): void {
  (doc as Record<symbol, DocumentSource>)[SOURCE] = { body, doc };
}

/** The id number field the held form nulls, per slot (the waybill is held as decoded). */
const ID_FIELD: Record<Slot, string | null> = {
  order: 'buyerIdNumber',
  payment: 'payerIdNumber',
  waybill: null,
  list: 'buyerIdNumber',
};

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- avsc's Tap is not in its typings */
const { Tap } = require('avsc/lib/utils') as {
  Tap: new (buf: Buffer) => { pos: number; readLong(): number; isValid(): boolean };
};
interface SkipType {
  _skip(tap: unknown): void;
  types?: SkipType[];
  typeName?: string;
}
interface Layout {
  names: string[];
  /** Types of the fields before the id number, and the id number's union. */
  before: SkipType[];
  id: SkipType & { types: SkipType[] };
  /** The union branch byte of null. */
  nullByte: number;
}

export function caseSerde(): Serde<D.MatchState> {
  const types = {} as Record<Slot, Type>;
  const typeOf = (slot: Slot): Type => (types[slot] ??= TYPES[slot]());

  const layouts = {} as Record<Slot, Layout | null>;
  function layoutOf(slot: Slot): Layout | null {
    if (slot in layouts) return layouts[slot];
    const fields = (typeOf(slot) as unknown as { fields: Array<{ name: string; type: SkipType }> }).fields;
    const at = fields.findIndex((f) => f.name === ID_FIELD[slot]);
    const id = fields[at]?.type;
    const nullIndex = id?.types?.findIndex((t) => t.typeName === 'null') ?? -1;
    layouts[slot] =
      at < 0 || nullIndex < 0 || nullIndex > 63
        ? null
        : {
            names: fields.map((f) => f.name),
            before: fields.slice(0, at).map((f) => f.type),
            id: id as Layout['id'],
            nullByte: nullIndex << 1,
          };
    return layouts[slot];
  }

  /**
   * The held document's body from its input's bytes, when the held form differs from the input
   * document in nothing but a nulled id number (compared field by field, by identity).
   */
  function sourceBody(slot: Slot, doc: Record<string, unknown>, src: DocumentSource): Buffer | undefined {
    if (doc === src.doc) return src.body;
    const idField = ID_FIELD[slot];
    const layout = idField === null ? null : layoutOf(slot);
    if (!layout || doc[idField!] !== null) return undefined;
    const input = src.doc as Record<string, unknown>;
    for (const name of layout.names) if (name !== idField && doc[name] !== input[name]) return undefined;
    if (input[idField!] === null) return src.body;
    const tap = new Tap(src.body);
    for (const t of layout.before) t._skip(tap);
    const start = tap.pos;
    const branch = layout.id.types[tap.readLong()];
    if (!branch) return undefined;
    branch._skip(tap);
    const end = tap.pos;
    if (!tap.isValid()) return undefined;
    const out = Buffer.allocUnsafe(src.body.length - (end - start) + 1);
    src.body.copy(out, 0, 0, start);
    out[start] = layout.nullByte;
    src.body.copy(out, start + 1, end);
    return out;
  }

  /**
   * A held document's Avro body: as read back; else its input's bytes (with the id number cut
   * out) when the document is unchanged otherwise; else encoded (once per write of the case).
   */
  function body(slot: Slot, held: { doc: object }): Buffer {
    if (held instanceof HeldSlot) return held.body;
    const src = (held.doc as Record<symbol, DocumentSource | undefined>)[SOURCE];
    return (
      (src && sourceBody(slot, held.doc as Record<string, unknown>, src)) ?? typeOf(slot).toBuffer(held.doc)
    );
  }

  return {
    sync: true,
    serialize(topic, state) {
      if (!('order' in state)) {
        const closed = state as D.ClosedCase;
        if (Object.keys(closed).length !== CLOSED_KEYS)
          throw new Error(
            `closed case on ${topic} has fields the codec does not know: ${Object.keys(closed).join(',')}`,
          );
        const header = encodeHeader(CLOSED_HEADER, { ...closed, seen: closed.seen.map(packGuid) });
        const out = Buffer.allocUnsafe(1 + header.length);
        out[0] = CLOSED;
        header.copy(out, 1);
        return out;
      }
      const open = state as D.OpenCase;
      const keys = Object.keys(open).length;
      if (keys !== OPEN_KEYS && !(keys === OPEN_KEYS + 1 && 'list' in open))
        throw new Error(
          `open case on ${topic} has fields the codec does not know: ${Object.keys(open).join(',')}`,
        );
      const docs: Buffer[] = [];
      const header: Record<string, unknown> = { ...open, list: null, seen: open.seen.map(packGuid) };
      for (const slot of SLOTS) {
        const held = open[slot] as D.OpenCase[Slot];
        if (held) {
          header[slot] = { at: held.at, idHash: packHash(held.idHash) };
          docs.push(body(slot, held));
        } else docs.push(EMPTY);
      }
      return frame(OPEN, encodeHeader(OPEN_HEADER, header), docs);
    },
    deserialize(topic, bytes) {
      const kind = bytes.length === 0 ? -1 : bytes[0];
      if (kind === CLOSED) {
        const closed = CLOSED_HEADER.fromBuffer(bytes.subarray(1)) as D.ClosedCase & {
          seen: Array<Buffer | string>;
        };
        return { ...closed, seen: closed.seen.map(unpackGuid) };
      }
      let state: Record<string, unknown>;
      let pos: number;
      let slots: ReadonlyArray<Slot> = SLOTS_V2;
      if (kind === OPEN || kind === OPEN_V2) {
        if (kind === OPEN) slots = SLOTS;
        const { value, offset } = (kind === OPEN ? OPEN_HEADER : OPEN_HEADER_V2).decode(bytes, 1);
        if (offset < 0) throw new Error(`case value on ${topic} is cut short`);
        const h = value as Record<string, unknown> & { seen: Array<Buffer | string> };
        // the domain's key order; `list` only when held
        state = {
          status: h.status,
          caseKey: h.caseKey,
          openedAt: h.openedAt,
          firstDocumentTime: h.firstDocumentTime,
          order: null,
          payment: null,
          waybill: null,
          reasons: h.reasons,
          seen: h.seen.map(unpackGuid),
        };
        for (const slot of slots) {
          const meta = h[slot] as { at: number; idHash: Buffer | string | null } | null;
          if (meta) state[slot] = { at: meta.at, idHash: unpackHash(meta.idHash) };
        }
        pos = offset;
      } else if (kind === LEGACY_JSON_HEADER) {
        const headerLength = bytes.readUInt32BE(1);
        pos = 5 + headerLength;
        state = JSON.parse(bytes.toString('utf8', 5, pos)) as Record<string, unknown>;
        if (pos === bytes.length) return state as unknown as D.MatchState; // closed: no documents
      } else return JSON.parse(bytes.toString('utf8')) as D.MatchState;
      for (const slot of slots) {
        if (pos + 4 > bytes.length) throw new Error(`case value on ${topic} is cut short`);
        const n = bytes.readUInt32BE(pos);
        pos += 4;
        if (n === 0) continue;
        if (pos + n > bytes.length) throw new Error(`case value on ${topic} is cut short`);
        // a copy: the value may be a slice of a large restore buffer
        const b = Buffer.from(bytes.subarray(pos, pos + n));
        pos += n;
        const meta = state[slot] as { at: number; idHash: string | null };
        state[slot] = new HeldSlot(meta.at, meta.idHash, b, typeOf(slot));
      }
      return state as unknown as D.MatchState;
    },
  };
}

const EMPTY = Buffer.alloc(0);

function frame(kind: number, header: Buffer, docs: Buffer[]): Buffer {
  let size = 1 + header.length;
  for (const d of docs) size += 4 + d.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = kind;
  header.copy(out, 1);
  let pos = 1 + header.length;
  for (const d of docs) {
    out.writeUInt32BE(d.length, pos);
    pos += 4;
    d.copy(out, pos);
    pos += d.length;
  }
  return out;
}
