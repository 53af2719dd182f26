/**
 * A cheaper string writer and reader for avsc, installed once when this library loads.
 *
 * avsc's `Tap#writeString` measures every string with `Buffer.byteLength` (a call into C++), writes
 * the length, then copies it with a loop that runs once per UTF-8 *byte* over UTF-16 units (or a
 * second C++ call past 64 bytes). Our values are mostly short strings (codes, guids, CEB times,
 * names): in the matcher's catch-up profile `writeString` was 12 % of all CPU on its own. This
 * writer encodes a short string (under 48 UTF-16 units) in one pass, straight after a one-byte
 * length it fixes up afterwards (moving the bytes one place on in the rare case of 64 bytes or
 * more): under 16 units in a JS loop, from 16 on by one `utf8Write` call (cheaper there than the
 * loop at ~5 ns per character); longer strings go to avsc's writer as before. The bytes are the same as avsc's for
 * every string (lone surrogates become U+FFFD, as Node's UTF-8 encoder does): the spec compares
 * both writers on random strings of every kind. When the buffer is too small it falls back to
 * avsc's own writer, which only advances the position (the caller then retries in a larger buffer).
 */
import type { Buffer as NodeBuffer } from 'node:buffer';

type Utf8Writable = NodeBuffer & { utf8Write(s: string, offset: number, length?: number): number };

interface Tap {
  buf: NodeBuffer & { utf8Write(s: string, offset: number, length?: number): number };
  pos: number;
  writeLong(n: number): void;
  writeString(s: string): void;
}

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- avsc's Tap is not in its typings */
const TapClass = (require('avsc/lib/utils') as { Tap: { prototype: Tap } }).Tap;

/** avsc's own writer, kept for long strings, a full buffer, and the spec's comparison. */
export const avscWriteString: (this: Tap, s: string) => void = TapClass.prototype.writeString;

/** Strings shorter than this (UTF-16 units) are written in one pass; longer ones are measured first. */
export const SHORT = 48;
/** Short strings from this length on are written by one `utf8Write` call, shorter ones in JS. */
const NATIVE = 16;

export function writeStringFast(this: Tap, s: string): void {
  // at most 3 bytes per UTF-16 unit, plus a length of at most 2 bytes (< 8192 bytes)
  if (s.length >= SHORT || this.pos + 2 + 3 * s.length > this.buf.length) {
    avscWriteString.call(this, s);
    return;
  }
  this.pos = writeShortUtf8(this.buf, this.pos, s);
}

/**
 * A short string (under 48 UTF-16 units) as its zig-zag length and UTF-8 bytes at `pos`, where
 * `pos + 2 + 3 * s.length` fits in `buf`; answers the position after it. Lone surrogates become
 * U+FFFD, as Node's encoder writes them.
 */
export function writeShortUtf8(buf: NodeBuffer, pos: number, s: string): number {
  const n = s.length;
  if (n >= NATIVE) {
    // one call into Node beats the JS loop from here on (measured in encode-micro)
    const len = (buf as Utf8Writable).utf8Write(s, pos + 1);
    if (len < 64) {
      buf[pos] = len << 1;
      return pos + 1 + len;
    }
    buf.copyWithin(pos + 2, pos + 1, pos + 1 + len);
    buf[pos] = ((len << 1) & 0x7f) | 0x80;
    buf[pos + 1] = len >> 6;
    return pos + 2 + len;
  }
  let p = pos + 1;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[p++] = c;
    } else if (c < 0x800) {
      buf[p++] = (c >> 6) | 0xc0;
      buf[p++] = (c & 0x3f) | 0x80;
    } else if ((c & 0xf800) !== 0xd800) {
      buf[p++] = (c >> 12) | 0xe0;
      buf[p++] = ((c >> 6) & 0x3f) | 0x80;
      buf[p++] = (c & 0x3f) | 0x80;
    } else if (c < 0xdc00 && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c & 0x3ff) << 10) + (s.charCodeAt(++i) & 0x3ff);
      buf[p++] = (c >> 18) | 0xf0;
      buf[p++] = ((c >> 12) & 0x3f) | 0x80;
      buf[p++] = ((c >> 6) & 0x3f) | 0x80;
      buf[p++] = (c & 0x3f) | 0x80;
    } else {
      // a lone surrogate: U+FFFD, as Buffer#write and Buffer.byteLength count it
      buf[p++] = 0xef;
      buf[p++] = 0xbf;
      buf[p++] = 0xbd;
    }
  }
  const len = p - pos - 1;
  if (len < 64) {
    buf[pos] = len << 1; // zig-zag varint of a length under 64: one byte
    return p;
  }
  buf.copyWithin(pos + 2, pos + 1, p); // a two-byte length (64 <= len < 8192)
  buf[pos] = ((len << 1) & 0x7f) | 0x80;
  buf[pos + 1] = len >> 6;
  return p + 1;
}

let installed = false;

/** Replaces avsc's `Tap#writeString` with `writeStringFast` and its `readString` with `readStringInterned` (idempotent). */
export function installFastAvroStrings(): void {
  if (installed) return;
  installed = true;
  TapClass.prototype.writeString = writeStringFast;
  (TapClass.prototype as unknown as { readString: unknown }).readString = readStringInterned;
}

/**
 * Short strings read back are first looked up here by their bytes: a table of 8,192 slots of up to
 * 32 bytes, indexed by an FNV-1a hash of the bytes, each holding the bytes and the string last
 * decoded from them. Documents repeat most of their short strings (enterprise codes and names,
 * currencies, countries, ports, units, commodity codes and names): in the matcher 80 % of the
 * reads up to 32 bytes hit (115 of 143 per parcel). A hit costs the hash and one comparison, no
 * call into Node and no new string; a miss decodes as before and takes the slot. Strings are
 * immutable, so handing out the same one twice changes nothing but identity.
 */
const INTERN_SLOTS = 8192;
const INTERN_MAX = 32;
const internBytes = new Uint8Array(INTERN_SLOTS * INTERN_MAX);
const internLength = new Uint8Array(INTERN_SLOTS);
const internString: string[] = new Array<string>(INTERN_SLOTS).fill('');

interface ReadTap {
  buf: NodeBuffer & { utf8Slice(start: number, end: number): string };
  pos: number;
  readLong(): number;
  _invalidate(): void;
}

/** avsc's own reader, kept for the spec's and the benchmark's comparisons. */
export const avscReadString = (TapClass.prototype as unknown as { readString: (this: ReadTap) => string | undefined })
  .readString;

/** avsc's `Tap#readString` (the same strings), short ones from the table above. */
export function readStringInterned(this: ReadTap): string | undefined {
  const len = this.readLong();
  if (len < 0) {
    this._invalidate();
    return '';
  }
  const pos = this.pos;
  const buf = this.buf;
  const end = pos + len;
  this.pos = end;
  if (end > buf.length) return undefined;
  if (len > INTERN_MAX || len === 0) return buf.utf8Slice(pos, end);
  let h = 0x811c9dc5;
  for (let i = pos; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  const slot = (h ^ (h >>> 15)) & (INTERN_SLOTS - 1);
  const at = slot * INTERN_MAX;
  if (internLength[slot] === len) {
    let i = 0;
    while (i < len && internBytes[at + i] === buf[pos + i]) i++;
    if (i === len) return internString[slot];
  }
  const s = buf.utf8Slice(pos, end);
  internLength[slot] = len;
  for (let i = 0; i < len; i++) internBytes[at + i] = buf[pos + i];
  internString[slot] = s;
  return s;
}
