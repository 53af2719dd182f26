import { avscReadString, avscWriteString, readStringInterned, writeStringFast } from './avro-strings';
import { schemaByName } from './schemas';
import './index';

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- avsc's Tap is not in its typings */
const { Tap } = require('avsc/lib/utils') as { Tap: new (buf: Buffer, pos?: number) => TapLike };
interface TapLike {
  buf: Buffer & { utf8Write(s: string, offset: number, length?: number): number };
  pos: number;
  isValid(): boolean;
  writeLong(n: number): void;
  writeString(s: string): void;
}

/** Bytes each writer leaves between the start position and its end position. */
function written(
  write: (this: TapLike, s: string) => void,
  s: string,
  size = 1024,
  at = 3,
): Buffer | 'overflow' {
  const tap = new Tap(Buffer.alloc(size, 0xaa), at);
  write.call(tap, s);
  if (!tap.isValid()) return 'overflow';
  return Buffer.from(tap.buf.subarray(at, tap.pos));
}

/** The Avro encoding of a string, from first principles: zig-zag varint byte length, UTF-8 bytes. */
function avroString(s: string): Buffer {
  const utf8 = Buffer.from(s, 'utf8');
  const len: number[] = [];
  let v = utf8.length * 2;
  while (v >= 0x80) {
    len.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  len.push(v);
  return Buffer.concat([Buffer.from(len), utf8]);
}

describe('the fast Avro string writer', () => {
  let seed = 20261206;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 0x100000000;
  };
  const pick = <T>(from: T[]): T => from[Math.floor(rand() * from.length)];
  const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
  const TWO_BYTE = ['é', 'ß', 'Ω', 'ж', '\u07ff', '\u0080'];
  const CJK = ['张', '三', '浙', '江', '省', '号', '申', '报', '\uffff', '\u0800'];
  const ASTRAL = ['😀', '𠀋', '\u{10ffff}'];
  const LONE = ['\ud800', '\udfff', '\udbff'];
  const string = (n: number, alphabets: string[][]) => {
    let s = '';
    while (s.length < n) s += pick(pick(alphabets));
    return s;
  };

  it('writes exactly what avsc writes, for ASCII, 2-byte, CJK and astral strings of every length around the limits', () => {
    const kinds = [[ASCII], [TWO_BYTE], [CJK], [ASCII, CJK], [ASCII, TWO_BYTE, CJK, ASTRAL]];
    for (let n = 0; n <= 70; n++) {
      for (const kind of kinds) {
        for (let k = 0; k < 3; k++) {
          const s = string(n, kind);
          expect(written(writeStringFast, s)).toEqual(written(avscWriteString, s));
          expect(written(writeStringFast, s)).toEqual(avroString(s));
        }
      }
    }
  });

  it('takes the two-byte length when a short string is 64 bytes or more', () => {
    const s = '浙'.repeat(30); // 30 units, 90 bytes
    const out = written(writeStringFast, s) as Buffer;
    expect(out.subarray(0, 2)).toEqual(Buffer.from([0xb4, 0x01])); // zig-zag 180
    expect(out).toEqual(avroString(s));
  });

  it('writes a lone surrogate as U+FFFD, as Node encodes it', () => {
    for (const lone of LONE) {
      for (const s of [lone, `a${lone}b`, `${lone}${lone}`, `张${lone}`, `${'x'.repeat(10)}${lone}`]) {
        expect(written(writeStringFast, s)).toEqual(avroString(s));
      }
    }
  });

  it('leaves an overflow to avsc: the position moves past the end and the caller retries larger', () => {
    for (const s of ['abcdef', '张三丰', 'x'.repeat(100)]) {
      expect(written(writeStringFast, s, 6, 2)).toBe('overflow');
    }
    // fits exactly: 1 length byte + 6 bytes
    expect(written(writeStringFast, 'abcdef', 9, 2)).toEqual(avroString('abcdef'));
  });

  it('is what avsc uses once the library is loaded: values round-trip through a schema', () => {
    const receipt = schemaByName('Receipt').type;
    const sample = receipt.random() as unknown as Record<string, unknown>;
    const fields = (receipt as unknown as { fields: Array<{ name: string; type: { typeName: string } }> })
      .fields;
    const strings = fields.filter((f) => f.type.typeName === 'string').map((f) => f.name);
    expect(strings.length).toBeGreaterThan(5);
    for (const key of strings) sample[key] = string(5 + Math.floor(rand() * 60), [ASCII, CJK, ASTRAL]);
    const tap = new Tap(Buffer.alloc(8));
    expect(Object.getPrototypeOf(tap).writeString).toBe(writeStringFast);
    expect(Object.getPrototypeOf(tap).readString).toBe(readStringInterned);
    expect(receipt.fromBuffer(receipt.toBuffer(sample))).toEqual(sample);
  });

  it('given byte strings of every kind, read twice and mixed, when read through the table, then each is the string avsc reads', () => {
    type ReadTap = { buf: Buffer; pos: number; readString(): string | undefined };
    const read = (reader: unknown, bytes: Buffer): { s: string | undefined; pos: number } => {
      const tap = new Tap(bytes) as unknown as ReadTap;
      const s = (reader as (this: ReadTap) => string | undefined).call(tap);
      return { s, pos: tap.pos };
    };
    const samples: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(rand() * 40);
      // valid UTF-8 mostly, and raw bytes (invalid sequences) sometimes
      const body =
        rand() < 0.7
          ? Buffer.from(string(n, [ASCII, CJK, ASTRAL])).subarray(0, n)
          : Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
      const framed = Buffer.alloc(body.length + 2);
      const tap = new Tap(framed) as unknown as { pos: number; writeLong(n: number): void };
      tap.writeLong(body.length);
      body.copy(framed, tap.pos);
      samples.push(framed.subarray(0, tap.pos + body.length));
    }
    let compared = 0;
    for (const round of [0, 1]) {
      for (const bytes of round === 0 ? samples : [...samples].reverse()) {
        expect(read(readStringInterned, bytes)).toEqual(read(avscReadString, bytes));
        compared++;
      }
    }
    expect(compared).toBe(6000);
    // a value cut short: no string, the position past the end, as avsc
    const cut = samples.find((b) => b.length > 4)!.subarray(0, 3);
    expect(read(readStringInterned, cut)).toEqual(read(avscReadString, cut));
  });
});
