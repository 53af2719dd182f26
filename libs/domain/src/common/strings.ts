import { orderKey } from '@clearance/contracts';

/**
 * String tests run for every field of every document, without the allocations (or regex runs)
 * of their obvious forms. Internal to the domain (not exported from its index); the spec checks
 * each against its obvious form.
 */

/** True when `v.trim()` is empty; a first character that is printable ASCII settles it at once. */
export function isBlank(v: string): boolean {
  const c = v.charCodeAt(0); // NaN for ''
  if (c > 32 && c < 127) return false;
  return v.trim().length === 0;
}

/** orderKey(doc) === key, without building the key. */
export function isOrderKeyOf(doc: { ebpCode: string; orderNo: string }, key: string): boolean {
  const { ebpCode, orderNo } = doc;
  if (typeof ebpCode !== 'string' || typeof orderNo !== 'string') return orderKey(doc) === key;
  return (
    key.length === ebpCode.length + 1 + orderNo.length &&
    key.charCodeAt(ebpCode.length) === 58 && // ':'
    key.startsWith(ebpCode) &&
    key.endsWith(orderNo)
  );
}

/** /^[0-9A-Z-]{36}$/.test(v): a CEB guid's form. */
export function isGuidForm(v: string): boolean {
  if (v.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 45)) return false;
  }
  return true;
}
