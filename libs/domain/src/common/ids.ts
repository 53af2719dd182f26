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

/**
 * A deterministic 36-character upper-case guid (8-4-4-4-12 hex, CEB style) derived from what it
 * identifies: the same inputs give the same guid, so a replay produces identical records.
 */
export function deterministicGuid(...parts: ReadonlyArray<string | number>): string {
  const h = hashParts(...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

/**
 * A number in [0, 1) as a fraction numerator / 2^64, from the first 8 bytes of sha256(parts):
 * the deterministic "random" draw used by risk sampling. Returned as the 64-bit numerator.
 */
export const hashDraw64 = (...parts: ReadonlyArray<string | number>): bigint =>
  BigInt(`0x${hashParts(...parts).slice(0, 16)}`);
