import * as avro from 'avsc';
import { compileWriter, InvalidAvroValue } from './avro-compiled';
import { installFastAvroStrings } from './avro-strings';
import { schemas } from './schemas';

// the bytes to match are avsc's with the project's string writer, as every service runs it
installFastAvroStrings();

/** A deterministic pseudo-random source (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// no lone surrogates: how avsc spells one depends on where the string falls in its buffer (below)
const PIECES = ['a', 'Z', '0', '-', ' ', 'é', 'ß', '新增申报成功', '报关', '😀', '\u0000', '\u07ff', '\uffff'];

function randomString(r: () => number): string {
  const shape = r();
  const n = shape < 0.5 ? Math.floor(r() * 12) : shape < 0.8 ? Math.floor(r() * 60) : Math.floor(r() * 400);
  let s = '';
  for (let i = 0; i < n; i++) s += r() < 0.7 ? String.fromCharCode(48 + Math.floor(r() * 42)) : PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

interface T {
  typeName: string;
  fields?: Array<{ name: string; type: T; defaultValue(): unknown }>;
  types?: T[];
  itemsType?: T;
  valuesType?: T;
  symbols?: string[];
}

/** A random value of the type: every branch, edge numbers, empty and long arrays, absent defaulted fields. */
function randomValue(t: T, r: () => number, depth = 0): unknown {
  switch (t.typeName) {
    case 'string':
      return randomString(r);
    case 'int': {
      const edges = [0, -1, 1, 63, 64, -64, -65, 2 ** 31 - 1, -(2 ** 31), 1073741823, -1073741824];
      return r() < 0.3 ? edges[Math.floor(r() * edges.length)] : Math.floor((r() - 0.5) * 2 ** 32) | 0;
    }
    case 'long': {
      const edges = [0, -1, 9007199254740990, -9007199254740990, 1073741824, -1073741825, 1796591088047];
      return r() < 0.3 ? edges[Math.floor(r() * edges.length)] : Math.floor((r() - 0.5) * 2 ** 50);
    }
    case 'boolean':
      return r() < 0.5;
    case 'null':
      return null;
    case 'enum':
      return t.symbols![Math.floor(r() * t.symbols!.length)];
    case 'array': {
      const n = depth > 3 ? 0 : r() < 0.2 ? 0 : Math.floor(r() * (r() < 0.1 ? 30 : 4));
      return Array.from({ length: n }, () => randomValue(t.itemsType!, r, depth + 1));
    }
    case 'map': {
      const n = depth > 3 ? 0 : Math.floor(r() * 4);
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) o[randomString(r)] = randomValue(t.valuesType!, r, depth + 1);
      return o;
    }
    case 'union:unwrapped': {
      const b = t.types![Math.floor(r() * t.types!.length)];
      return randomValue(b, r, depth + 1);
    }
    case 'record': {
      const o: Record<string, unknown> = {};
      for (const f of t.fields!) {
        if (f.defaultValue() !== undefined && r() < 0.15) continue; // absent: written as the default
        o[f.name] = randomValue(f.type, r, depth + 1);
      }
      return o;
    }
    default:
      throw new Error(`no generator for ${t.typeName}`);
  }
}

describe('compiled Avro writers', () => {
  const all = [...schemas().values()];

  it('given every schema of schemas/, then a writer compiles for each', () => {
    for (const s of all) expect({ name: s.fullName, compiled: compileWriter(s.type) !== undefined }).toEqual({ name: s.fullName, compiled: true });
  });

  it('given random values of every schema, when written, then the bytes are avsc\'s', () => {
    const r = rng(20261206);
    let compared = 0;
    for (const s of all) {
      const write = compileWriter(s.type)!;
      for (let i = 0; i < 120; i++) {
        const value = randomValue(s.type as unknown as T, r);
        const expected = s.type.toBuffer(value);
        const buf = Buffer.alloc(expected.length + 16, 0xaa);
        const end = write(value, buf, 7);
        const got = buf.subarray(7, Math.max(7, end));
        let at = 0;
        while (at < expected.length && got[at] === expected[at]) at++;
        // on a difference, where it starts and the bytes around it (the whole values can be long)
        expect({ schema: s.fullName, end, at, near: got.subarray(Math.max(0, at - 8), at + 8).toString('hex') }).toEqual({
          schema: s.fullName,
          end: 7 + expected.length,
          at: expected.length,
          near: expected.subarray(Math.max(0, at - 8), at + 8).toString('hex'),
        });
        compared++;
      }
    }
    expect(compared).toBe(all.length * 120);
  });

  it('given a buffer too short, then it answers minus the missing bytes as avsc does, and fits once grown', () => {
    const r = rng(7);
    for (const s of all) {
      const write = compileWriter(s.type)!;
      for (let i = 0; i < 15; i++) {
        const value = randomValue(s.type as unknown as T, r);
        const size = s.type.toBuffer(value).length;
        for (const room of [0, 1, Math.floor(size / 2), size - 1]) {
          const small = Buffer.alloc(room);
          expect(write(value, small, 0)).toBe(s.type.encode(value, Buffer.alloc(room), 0));
          expect(write(value, small, 0)).toBe(room - size);
        }
        expect(write(value, Buffer.alloc(size), 0)).toBe(size);
      }
    }
  });

  it('given values the schema refuses, when written, then it throws where avsc throws', () => {
    const type = avro.Type.forSchema({
      type: 'record',
      name: 'T',
      fields: [
        { name: 's', type: 'string' },
        { name: 'n', type: ['null', 'string'], default: null },
        { name: 'i', type: 'int' },
        { name: 'l', type: 'long' },
        { name: 'b', type: 'boolean' },
        { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] } },
        { name: 'a', type: { type: 'array', items: 'string' } },
        { name: 'm', type: { type: 'map', values: 'int' } },
        { name: 'r', type: ['null', { type: 'record', name: 'R', fields: [{ name: 'x', type: 'string' }] }] },
      ],
    });
    const write = compileWriter(type)!;
    const good = { s: 'x', n: null, i: 1, l: 2 ** 40, b: true, e: 'B', a: ['y'], m: { k: 3 }, r: { x: 'z' } };
    expect(write(good, Buffer.alloc(100), 0)).toBe(type.toBuffer(good).length);
    const bads: Array<Record<string, unknown>> = [
      { s: 1 },
      { s: undefined },
      { n: 3 },
      { n: undefined, s: null },
      { i: 1.5 },
      { i: 2 ** 31 },
      { i: '1' },
      { l: 2 ** 60 },
      { l: 0.5 },
      { b: 1 },
      { e: 'C' },
      { a: 'y' },
      { a: [1] },
      { m: [] },
      { m: { k: 'v' } },
      { r: 'z' },
      { r: { x: 1 } },
    ];
    for (const change of bads) {
      const value = { ...good, ...change };
      expect({ change, avsc: type.isValid(value) }).toEqual({ change, avsc: false });
      expect(() => write(value, Buffer.alloc(100), 0)).toThrow(InvalidAvroValue);
    }
    expect(() => write(null, Buffer.alloc(100), 0)).toThrow(InvalidAvroValue);
    // avsc takes a name of Object.prototype for an enum symbol (and writes garbage): refused here
    expect(() => write({ ...good, e: 'toString' }, Buffer.alloc(100), 0)).toThrow(InvalidAvroValue);
  });

  it('given lone surrogates, then short strings spell them as Node does wherever they fall, long ones as the project writer does', () => {
    const type = avro.Type.forSchema('string');
    const write = compileWriter(type)!;
    for (const s of ['\ud800', 'a\udc00b', 'x'.repeat(40) + '\ud83d', '\ud800'.repeat(47)]) {
      const node = Buffer.concat([type.toBuffer('').subarray(0, 0), Buffer.from(s)]);
      for (const room of [200, node.length + 2]) {
        const buf = Buffer.alloc(room);
        const end = write(s, buf, 0);
        const len = avro.Type.forSchema('long').toBuffer(node.length).length;
        expect(buf.subarray(len, end).equals(node)).toBe(true);
      }
    }
    const long = 'y'.repeat(47) + '\ud800' + 'z'.repeat(10); // 48 units, 61 bytes: avsc's own loop
    const buf = Buffer.alloc(100);
    expect(buf.subarray(0, write(long, buf, 0)).equals(type.toBuffer(long))).toBe(true);
  });

  it('given a schema with a union of three branches, then nothing compiles (avsc keeps writing it)', () => {
    const type = avro.Type.forSchema({ type: 'record', name: 'U', fields: [{ name: 'u', type: ['null', 'string', 'int'] }] });
    expect(compileWriter(type)).toBeUndefined();
  });
});
