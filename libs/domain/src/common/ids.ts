import { createHash } from 'node:crypto';

/** Separator between hashed parts, so ("ab","c") and ("a","bc") differ. */
const SEP = '\u001f';

/** sha256 hex of the parts joined by an unambiguous separator. */
export const hashParts = (...parts: ReadonlyArray<string | number>): string =>
  createHash('sha256').update(parts.map(String).join(SEP), 'utf8').digest('hex');

/**
 * A deterministic 36-character upper-case guid (8-4-4-4-12 hex, CEB style) derived from what it
 * identifies: the same inputs give the same guid, so a replay produces identical records.
 */
export function deterministicGuid(...parts: ReadonlyArray<string | number>): string {
  const h = hashParts(...parts)
    .slice(0, 32)
    .toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * A number in [0, 1) as a fraction numerator / 2^64, from the first 8 bytes of sha256(parts):
 * the deterministic "random" draw used by risk sampling. Returned as the 64-bit numerator.
 */
export const hashDraw64 = (...parts: ReadonlyArray<string | number>): bigint =>
  BigInt(`0x${hashParts(...parts).slice(0, 16)}`);
