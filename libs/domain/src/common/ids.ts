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

/** Upper-case hex of each byte value. */
const HEX_UPPER: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).toUpperCase().padStart(2, '0'),
);

/** sha256 digest bytes of a string's UTF-8 bytes. */
const sha256Of: (text: string) => Uint8Array =
  typeof hash === 'function'
    ? (text) => hash('sha256', text, 'buffer') as unknown as Uint8Array
    : (text) => createHash('sha256').update(text, 'utf8').digest();

/** The canonical upper-case 8-4-4-4-12 guid spelling of 16 bytes (from `at`), from a table. */
export function guidOfBytes(d: Uint8Array, at = 0): string {
  const h = HEX_UPPER;
  return (
    h[d[at]] +
    h[d[at + 1]] +
    h[d[at + 2]] +
    h[d[at + 3]] +
    '-' +
    h[d[at + 4]] +
    h[d[at + 5]] +
    '-' +
    h[d[at + 6]] +
    h[d[at + 7]] +
    '-' +
    h[d[at + 8]] +
    h[d[at + 9]] +
    '-' +
    h[d[at + 10]] +
    h[d[at + 11]] +
    h[d[at + 12]] +
    h[d[at + 13]] +
    h[d[at + 14]] +
    h[d[at + 15]]
  );
}

/**
 * A deterministic 36-character upper-case guid (8-4-4-4-12 hex, CEB style) derived from what it
 * identifies: the same inputs give the same guid, so a replay produces identical records. It is
 * the first 16 bytes of sha256(parts), spelled from a table (no 64-character hex string, slices or
 * case change: every receipt and list has one).
 */
export function deterministicGuid(...parts: ReadonlyArray<string | number>): string {
  return guidOfBytes(sha256Of(joinParts(parts)));
}

/**
 * A number in [0, 1) as a fraction numerator / 2^64, from the first 8 bytes of sha256(parts):
 * the deterministic "random" draw used by risk sampling. Returned as the 64-bit numerator.
 */
export const hashDraw64 = (...parts: ReadonlyArray<string | number>): bigint =>
  BigInt(`0x${hashParts(...parts).slice(0, 16)}`);
