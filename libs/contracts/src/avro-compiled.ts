/**
 * Avro writers compiled per schema into straight-line JavaScript: the same bytes as avsc's
 * `Type#encode`, several times cheaper.
 *
 * avsc writes a record by calling each field type's `_write(tap, value)` through the type objects
 * (a virtual call per field, a `Tap` whose position is a property, a bucket lookup per union
 * value, a call per string). Our outputs are records of short strings (7 receipts and a list per
 * parcel): in the matcher that encoding was 12 % of its CPU. A compiled writer is one function per
 * record type whose fields are written inline into the buffer with a local position: a string by
 * one small shared function (a JS loop under 16 characters, one `utf8Write` call from there on,
 * which beats the loop's ~5 ns per character), a nullable field by one comparison, an enum by a
 * table. `tools/bench/src/encode-micro.ts`: a parcel's outputs 49-61 → 21-32 µs.
 *
 * Supported: records, strings, int, long, boolean, null, enums, arrays, maps and two-branch unions
 * with null (everything `schemas/` uses). `compileWriter` answers `undefined` for a type with
 * anything else; callers keep avsc's writer then. Values are checked as avsc checks them (a string
 * field holds a string, an int an integer within 32 bits, a long a safe integer, ...) and a bad
 * value throws, so the caller can ask avsc which path is wrong; absent fields with a default are
 * written as their default, as avsc does. The spec compares both writers on random values of every
 * schema, and on bad values.
 */
import type { Buffer as NodeBuffer } from 'node:buffer';
import type { Type } from 'avsc';
import { SHORT, writeShortUtf8 } from './avro-strings';

/** Writes `value` at `pos`; answers the end, or minus the missing bytes when `buf` is too short. */
export type CompiledWriter = (value: unknown, buf: NodeBuffer, pos: number) => number;

/** Thrown for a value the schema does not accept (the caller asks avsc for the path). */
export class InvalidAvroValue extends Error {
  constructor() {
    super('value does not match the schema');
    this.name = 'InvalidAvroValue';
  }
}

const bad = (): never => {
  throw new InvalidAvroValue();
};

/**
 * A string's zig-zag length and UTF-8 bytes at `p`; answers the new position. Writes past the end
 * of `b` are dropped (typed arrays ignore them) and only counted, as avsc's Tap does.
 */
function ws(b: NodeBuffer, p: number, s: string): number {
  if (s.length >= SHORT) return wsLong(b, p, s);
  if (p + 2 + 3 * s.length > b.length) return wsNearEnd(b, p, s);
  return writeShortUtf8(b, p, s);
}

/** A short string near the end of the buffer: measured, then written by Node (the same bytes). */
function wsNearEnd(b: NodeBuffer, p: number, s: string): number {
  const len = Buffer.byteLength(s);
  p = wl(b, p, len);
  if (p + len <= b.length) (b as NodeBuffer & { utf8Write(s: string, o: number, l: number): number }).utf8Write(s, p, len);
  return p + len;
}

/**
 * A long string (48 UTF-16 units or more): measured, then written as the project's string writer
 * writes it (it hands these to avsc: avsc's own loop up to 64 bytes, which spells a lone surrogate
 * as its three WTF-8 bytes, `utf8Write` past that), so both writers give the same bytes.
 */
function wsLong(b: NodeBuffer, p: number, s: string): number {
  const len = Buffer.byteLength(s);
  p = wl(b, p, len);
  if (p + len > b.length) return p + len;
  if (len > 64) {
    (b as NodeBuffer & { utf8Write(s: string, o: number, l: number): number }).utf8Write(s, p, len);
    return p + len;
  }
  for (let i = 0, n = s.length; i < n; i++) {
    let c1 = s.charCodeAt(i);
    let c2: number;
    if (c1 < 0x80) {
      b[p++] = c1;
    } else if (c1 < 0x800) {
      b[p++] = (c1 >> 6) | 0xc0;
      b[p++] = (c1 & 0x3f) | 0x80;
    } else if ((c1 & 0xfc00) === 0xd800 && ((c2 = s.charCodeAt(i + 1)) & 0xfc00) === 0xdc00) {
      c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
      i++;
      b[p++] = (c1 >> 18) | 0xf0;
      b[p++] = ((c1 >> 12) & 0x3f) | 0x80;
      b[p++] = ((c1 >> 6) & 0x3f) | 0x80;
      b[p++] = (c1 & 0x3f) | 0x80;
    } else {
      b[p++] = (c1 >> 12) | 0xe0;
      b[p++] = ((c1 >> 6) & 0x3f) | 0x80;
      b[p++] = (c1 & 0x3f) | 0x80;
    }
  }
  return p;
}

/** A zig-zag varint long at `p` (avsc's arithmetic, so the same bytes for every safe integer). */
function wl(b: NodeBuffer, p: number, n: number): number {
  if (n >= -1073741824 && n < 1073741824) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    do {
      b[p] = m & 0x7f;
      m >>= 7;
    } while (m && (b[p++] |= 0x80));
  } else {
    let f = n >= 0 ? n * 2 : -n * 2 - 1;
    do {
      b[p] = f & 0x7f;
      f /= 128;
    } while (f >= 1 && (b[p++] |= 0x80));
  }
  return p + 1;
}

/** Bytes (a default's encoding) copied at `p`. */
function wb(b: NodeBuffer, p: number, bytes: NodeBuffer): number {
  if (p + bytes.length <= b.length) bytes.copy(b, p);
  return p + bytes.length;
}

const isSafeLong = (n: number): boolean => n >= -9007199254740990 && n <= 9007199254740990;

interface AvscType {
  typeName: string;
  name?: string;
  fields?: Array<{ name: string; type: AvscType; defaultValue(): unknown }>;
  types?: AvscType[];
  itemsType?: AvscType;
  valuesType?: AvscType;
  symbols?: string[];
  toBuffer(v: unknown): NodeBuffer;
}

class Unsupported extends Error {}

/** Compiles a writer for `type`, or answers undefined when the type uses what is not supported. */
export function compileWriter(type: Type): CompiledWriter | undefined {
  const consts: unknown[] = [];
  const constant = (v: unknown): string => {
    consts.push(v);
    return `k[${consts.length - 1}]`;
  };
  const records = new Map<AvscType, string>();
  const functions: string[] = [];
  let tmp = 0;

  /** Code writing the value in variable `x` of type `t`. */
  const emit = (t: AvscType, x: string): string => {
    switch (t.typeName) {
      case 'string':
        return `if (typeof ${x} !== 'string') bad(); p = ws(b, p, ${x});`;
      case 'int':
        return `if (${x} !== (${x} | 0)) bad(); p = wl(b, p, ${x});`;
      case 'long':
        return `if (typeof ${x} !== 'number' || ${x} % 1 || !isSafeLong(${x})) bad(); p = wl(b, p, ${x});`;
      case 'boolean':
        return `if (typeof ${x} !== 'boolean') bad(); b[p++] = ${x} ? 1 : 0;`;
      case 'null':
        return `if (${x} !== null) bad();`;
      case 'enum': {
        const index = Object.create(null) as Record<string, number>;
        t.symbols!.forEach((s, i) => (index[s] = i));
        const i = `i${tmp++}`;
        return `var ${i} = typeof ${x} === 'string' ? ${constant(index)}[${x}] : undefined; if (${i} === undefined) bad(); p = wl(b, p, ${i});`;
      }
      case 'array': {
        const j = `j${tmp++}`;
        const y = `y${tmp++}`;
        return (
          `if (!Array.isArray(${x})) bad(); if (${x}.length) { p = wl(b, p, ${x}.length); ` +
          `for (var ${j} = 0; ${j} < ${x}.length; ${j}++) { var ${y} = ${x}[${j}]; ${emit(t.itemsType!, y)} } } b[p++] = 0;`
        );
      }
      case 'map': {
        const ks = `ks${tmp++}`;
        const j = `j${tmp++}`;
        const y = `y${tmp++}`;
        return (
          `if (!${x} || typeof ${x} !== 'object' || Array.isArray(${x})) bad(); var ${ks} = Object.keys(${x}); ` +
          `if (${ks}.length) { p = wl(b, p, ${ks}.length); for (var ${j} = 0; ${j} < ${ks}.length; ${j}++) { ` +
          `p = ws(b, p, ${ks}[${j}]); var ${y} = ${x}[${ks}[${j}]]; ${emit(t.valuesType!, y)} } } b[p++] = 0;`
        );
      }
      case 'union:unwrapped': {
        const types = t.types!;
        const nullAt = types.findIndex((u) => u.typeName === 'null');
        if (types.length !== 2 || nullAt < 0) throw new Unsupported(`union of ${types.length}`);
        const other = types[1 - nullAt];
        // avsc picks the branch by the value's kind: objects go to a record or map branch only
        const kind =
          other.typeName === 'record' || other.typeName === 'map'
            ? `if (typeof ${x} !== 'object' || Array.isArray(${x})) bad(); `
            : '';
        return `if (${x} === null) { b[p++] = ${nullAt << 1}; } else { ${kind}b[p++] = ${(1 - nullAt) << 1}; ${emit(other, x)} }`;
      }
      case 'record':
      case 'error': {
        let fn = records.get(t);
        if (!fn) {
          fn = `r${records.size}`;
          records.set(t, fn);
          let body = `function ${fn}(b, p, v) {\n  if (v === null || typeof v !== 'object') bad();\n`;
          for (const f of t.fields!) {
            const v = `v${tmp++}`;
            body += `  var ${v} = v[${JSON.stringify(f.name)}];\n`;
            const d = f.defaultValue();
            if (d !== undefined)
              body += `  if (${v} === undefined) p = wb(b, p, ${constant(f.type.toBuffer(d))}); else { ${emit(f.type, v)} }\n`;
            else body += `  ${emit(f.type, v)}\n`;
          }
          functions.push(`${body}  return p;\n}`);
        }
        return `p = ${fn}(b, p, ${x});`;
      }
      default:
        throw new Unsupported(t.typeName);
    }
  };

  let top: string;
  try {
    top = emit(type as unknown as AvscType, 'value');
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
  const source =
    `${functions.join('\n')}\n` +
    `return function write(value, b, pos) {\n  var p = pos;\n  ${top}\n  return p <= b.length ? p : b.length - p;\n};`;
  // compiled once per schema, from the schema alone
  const make = new Function('k', 'ws', 'wl', 'wb', 'bad', 'isSafeLong', source) as (
    ...args: unknown[]
  ) => CompiledWriter;
  return make(consts, ws, wl, wb, bad, isSafeLong);
}
