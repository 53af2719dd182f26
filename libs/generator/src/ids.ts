/**
 * Identifiers with the check digits the real schemes use, so generated data looks right to
 * anyone who validates it: document guids, UPU S10 postal item ids, IATA air waybill numbers,
 * EAN-13 bar codes, PRC resident identity numbers (GB 11643) and unified social credit codes
 * (GB 32100).
 */
import { hex4, hex8 } from './format';
import { hash32, mix32, type Rng } from './prng';

/**
 * A document guid: 36 upper-case characters in the 8-4-4-4-12 layout. 96 random bits from the
 * generator's stream plus a 32-bit sequence number salted and mixed by a bijection, so two
 * guids of one run (up to 2^32) never collide and two runs with different seeds almost never do.
 */
export function guid(rng: Rng, seq: number, salt: number): string {
  const w0 = rng.u32();
  const w1 = rng.u32();
  const w2 = rng.u32();
  const w3 = mix32((seq ^ salt) >>> 0); // a bijection: distinct sequence numbers give distinct tails
  return (
    hex8(w0) + '-' + hex4(w1 >>> 16) + '-' + hex4(w1) + '-' + hex4(w2 >>> 16) + '-' + hex4(w2) + hex8(w3)
  );
}

/** A guid derived from text (stable across runs): for helpers that have no generator state. */
export function guidFromText(text: string): string {
  const a = hash32(text, 1);
  const b = hash32(text, 2);
  const c = hash32(text, 3);
  const d = mix32(a ^ hash32(text, 4));
  return hex8(a) + '-' + hex4(b >>> 16) + '-' + hex4(b) + '-' + hex4(c >>> 16) + '-' + hex4(c) + hex8(d);
}

export const GUID_PATTERN = /^[0-9A-Z]{8}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{12}$/;

/** Digits of n, left-padded with zeros to `width`. */
export const digits = (n: number, width: number): string => String(n).padStart(width, '0');

/** UPU S10 check digit of an 8-digit serial. */
export function s10CheckDigit(serial8: string): number {
  const w = [8, 6, 4, 2, 3, 5, 9, 7];
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (serial8.charCodeAt(i) - 48) * w[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 0 : c === 11 ? 5 : c;
}

/** UPU S10 item identifier, e.g. LX123456785CN. */
export function s10(prefix2: string, serial: number, country2 = 'CN'): string {
  const s = digits(serial % 100_000_000, 8);
  return prefix2 + s + s10CheckDigit(s) + country2;
}

/** IATA air waybill number `PPP-SSSSSSSC` (check digit = 7-digit serial mod 7). */
export function airWaybill(airlinePrefix: string, serial7: number): string {
  const s = serial7 % 10_000_000;
  return airlinePrefix + '-' + digits(s, 7) + (s % 7);
}

/** EAN-13 check digit of 12 digits. */
export function ean13CheckDigit(d12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (d12.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

export const ean13 = (d12: string): string => d12 + ean13CheckDigit(d12);

/** GB 11643 check character of the first 17 digits of a resident identity number. */
export function residentIdCheck(d17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (d17.charCodeAt(i) - 48) * w[i];
  return '10X98765432'[sum % 11];
}

export const isResidentId = (id: string): boolean =>
  /^\d{17}[\dX]$/.test(id) && residentIdCheck(id.slice(0, 17)) === id[17];

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** GB 32100 check character of the first 17 characters of a unified social credit code. */
export function usccCheck(c17: string): string {
  let sum = 0;
  let w = 1;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARS.indexOf(c17[i]);
    if (v < 0) throw new Error(`invalid USCC character ${c17[i]}`);
    sum += v * w;
    w = (w * 3) % 31;
  }
  const c = 31 - (sum % 31);
  return USCC_CHARS[c === 31 ? 0 : c];
}

/** GB 11714 check character of the 8-character organization code body. */
export function orgCodeCheck(c8: string): string {
  const w = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = c8[i];
    const v = ch >= '0' && ch <= '9' ? ch.charCodeAt(0) - 48 : ch.charCodeAt(0) - 55;
    sum += v * w[i];
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** A unified social credit code is well-formed (character set, org-code and overall check). */
export function isUscc(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false;
  return orgCodeCheck(code.slice(8, 16)) === code[16] && usccCheck(code.slice(0, 17)) === code[17];
}
