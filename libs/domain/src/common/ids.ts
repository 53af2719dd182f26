import { Buffer } from 'node:buffer';
import { createHash, hash } from 'node:crypto';

/** Separator between hashed parts, so ("ab","c") and ("a","bc") differ. */
const SEP = '\u001f';

/**
 * sha256 hex of a string's UTF-8 bytes (the same digest as contracts' `sha256Hex`), in one call
 * where Node has `crypto.hash` (20.12+): no Hash object per digest.
 */
export const sha256HexOf: (text: string) => string =
  typeof hash === 'function'
    ? (text) => hash('sha256', text, 'hex')
    : (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** sha256 hex of the parts joined by an unambiguous separator. */
export function hashParts(...parts: ReadonlyArray<string | number>): string {
  return sha256HexOf(joinParts(parts));
}

/** The parts as String() spells them, joined by SEP (join alone would write null as ''). */
function joinParts(parts: ReadonlyArray<string | number>): string {
  for (const p of parts) if (p === null || p === undefined) return parts.map(String).join(SEP);
  return parts.join(SEP);
}

/** The upper-case hex digit of each byte value's high and low nibble, as character codes. */
const HEX_HIGH = new Uint8Array(256);
const HEX_LOW = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  HEX_HIGH[i] = '0123456789ABCDEF'.charCodeAt(i >> 4);
  HEX_LOW[i] = '0123456789ABCDEF'.charCodeAt(i & 15);
}

/** Where each of a guid's 16 bytes goes in its 8-4-4-4-12 spelling. */
const GUID_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * The spelling is written here and read out as one flat one-byte string: concatenating 20 pieces
 * instead leaves ~19 intermediate strings (~600 bytes of garbage) per guid, and every receipt and
 * list has one.
 */
const GUID_SPELLING = Buffer.alloc(36, '-');

/** Writes the byte's two hex digits at `i`'s place in the spelling. */
const spell = (i: number, b: number): void => {
  const at = GUID_AT[i];
  GUID_SPELLING[at] = HEX_HIGH[b];
  GUID_SPELLING[at + 1] = HEX_LOW[b];
};

/** The spelling as one string. */
const spelled = (): string => GUID_SPELLING.toString('latin1', 0, 36);

/** The canonical upper-case 8-4-4-4-12 guid spelling of 16 bytes (from `at`). */
export function guidOfBytes(d: Uint8Array, at = 0): string {
  for (let i = 0; i < 16; i++) spell(i, d[at + i]);
  return spelled();
}

/**
 * The first 16 bytes of sha256(text) as a guid. The digest comes as a latin1 string (one
 * character per byte): asking for a Buffer costs twice the hash itself here.
 */
const guidOfSha256: (text: string) => string =
  typeof hash === 'function'
    ? (text) => {
        const d = hash('sha256', text, 'binary'); // latin1: one character per byte
        for (let i = 0; i < 16; i++) spell(i, d.charCodeAt(i));
        return spelled();
      }
    : (text) => guidOfBytes(createHash('sha256').update(text, 'utf8').digest());

/**
 * A deterministic 36-character upper-case guid (8-4-4-4-12 hex, CEB style) derived from what it
 * identifies: the same inputs give the same guid, so a replay produces identical records. It is
 * the first 16 bytes of sha256(parts), spelled from tables into one string.
 */
export function deterministicGuid(...parts: ReadonlyArray<string | number>): string {
  return guidOfSha256(joinParts(parts));
}

/**
 * A number in [0, 1) as a fraction numerator / 2^64, from the first 8 bytes of sha256(parts):
 * the deterministic "random" draw used by risk sampling. Returned as the 64-bit numerator.
 */
export const hashDraw64 = (...parts: ReadonlyArray<string | number>): bigint =>
  BigInt(`0x${hashParts(...parts).slice(0, 16)}`);
