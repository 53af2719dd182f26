import { schemaByName } from '@clearance/contracts';
import type * as D from '@clearance/domain';
import type { Serde } from '@clearance/streams';
import type { Type } from 'avsc';

/**
 * The `cases` store's value codec. An open case holds up to three documents, which are most of its
 * bytes and never change while held: each is written as its Avro body (the topic's schema, the
 * held form: id numbers already replaced by their hash), encoded once per document object and
 * reused by every later write of the case; the rest of the state is a small JSON header.
 *
 *   0x01 | u32 header length | header JSON | 3 × (u32 length, 0 = none | Avro body)
 *
 * The header is the state with each held slot as `{at, idHash}` (or null). A closed case has no
 * documents. Values written before this codec (plain JSON, first byte `{`) still decode. Held
 * documents read back are decoded only when the domain looks at them (`lazyHeld`).
 */
const MAGIC = 0x01;
const SLOTS = ['order', 'payment', 'waybill'] as const;
type Slot = (typeof SLOTS)[number];
const TYPES: Record<Slot, () => Type> = {
  order: () => schemaByName('Order').type,
  payment: () => schemaByName('Payment').type,
  waybill: () => schemaByName('Waybill').type,
};

/** Avro body of each held document object, computed once (documents are immutable while held). */
const bodies = new WeakMap<object, Buffer>();
/** Avro body of each held slot read back and not decoded yet (see `lazyHeld`). */
const undecoded = new WeakMap<object, Buffer>();

/**
 * A held slot read back from the store whose document is decoded on first use of `doc`. Most
 * reads of a case never look at the documents already held (a second document arrives: only the
 * third one brings the checks and the list), so most are never decoded, and a case written back
 * unchanged in those slots reuses their bytes. `doc` is an own enumerable property once read
 * (JSON and spreads see the document).
 */
function lazyHeld(meta: { at: number; idHash: string | null }, body: Buffer, type: Type): object {
  const held = { at: meta.at, idHash: meta.idHash } as { at: number; idHash: string | null; doc?: object };
  undecoded.set(held, body);
  Object.defineProperty(held, 'doc', {
    enumerable: true,
    configurable: true,
    get() {
      const doc = type.fromBuffer(body) as object;
      bodies.set(doc, body);
      undecoded.delete(held);
      Object.defineProperty(held, 'doc', {
        value: doc,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return doc;
    },
  });
  return held;
}

export function caseSerde(): Serde<D.MatchState> {
  const types = {} as Record<Slot, Type>;
  const typeOf = (slot: Slot): Type => (types[slot] ??= TYPES[slot]());

  function body(slot: Slot, held: { doc: object }): Buffer {
    const raw = undecoded.get(held);
    if (raw !== undefined) return raw;
    const doc = held.doc;
    let b = bodies.get(doc);
    if (b === undefined) {
      b = typeOf(slot).toBuffer(doc);
      bodies.set(doc, b);
    }
    return b;
  }

  return {
    sync: true,
    serialize(_topic, state) {
      if (!('order' in state)) return frame(JSON.stringify(state), []);
      const open = state as D.OpenCase;
      const docs: Buffer[] = [];
      const header: Record<string, unknown> = { ...open };
      for (const slot of SLOTS) {
        const held = open[slot];
        if (held) {
          header[slot] = { at: held.at, idHash: held.idHash };
          docs.push(body(slot, held));
        } else docs.push(EMPTY);
      }
      return frame(JSON.stringify(header), docs);
    },
    deserialize(topic, bytes) {
      if (bytes.length === 0 || bytes[0] !== MAGIC) return JSON.parse(bytes.toString('utf8')) as D.MatchState;
      const headerLength = bytes.readUInt32BE(1);
      let pos = 5 + headerLength;
      const state = JSON.parse(bytes.toString('utf8', 5, pos)) as Record<string, unknown>;
      if (pos === bytes.length) return state as unknown as D.MatchState; // closed: no documents
      for (const slot of SLOTS) {
        if (pos + 4 > bytes.length) throw new Error(`case value on ${topic} is cut short`);
        const n = bytes.readUInt32BE(pos);
        pos += 4;
        if (n === 0) continue;
        if (pos + n > bytes.length) throw new Error(`case value on ${topic} is cut short`);
        // a copy: the value may be a slice of a large restore buffer
        const b = Buffer.from(bytes.subarray(pos, pos + n));
        pos += n;
        state[slot] = lazyHeld(state[slot] as { at: number; idHash: string | null }, b, typeOf(slot));
      }
      return state as unknown as D.MatchState;
    },
  };
}

const EMPTY = Buffer.alloc(0);

function frame(header: string, docs: Buffer[]): Buffer {
  const headerLength = Buffer.byteLength(header);
  let size = 5 + headerLength;
  for (const d of docs) size += 4 + d.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = MAGIC;
  out.writeUInt32BE(headerLength, 1);
  out.write(header, 5, 'utf8');
  let pos = 5 + headerLength;
  for (const d of docs) {
    out.writeUInt32BE(d.length, pos);
    pos += 4;
    d.copy(out, pos);
    pos += d.length;
  }
  return out;
}
