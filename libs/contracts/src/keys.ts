import { createHash } from 'node:crypto';

/**
 * Record keys, as ARCHITECTURE.md "Keys and partitioning" defines them. Keys are plain strings;
 * partitioning is kafkajs's default murmur2, so documents of one parcel meet in one partition.
 */

/** Order key `{ebpCode}:{orderNo}`: order, payment and waybill of one parcel. */
export const orderKey = (d: { ebpCode: string; orderNo: string }): string => `${d.ebpCode}:${d.orderNo}`;

/** Waybill key `{logisticsCode}:{logisticsNo}`: decisions, inspections, departure lines, cleared parcels. */
export const waybillKey = (d: { logisticsCode: string; logisticsNo: string }): string =>
  `${d.logisticsCode}:${d.logisticsNo}`;

/** Departure key `{logisticsCode}:{copNo}`: one CEB509 message. */
export const departureKey = (d: { logisticsCode: string; copNo: string }): string => `${d.logisticsCode}:${d.copNo}`;

/** sha256 (hex) of a personal identifier; the clear value never appears in keys, logs or metric labels. */
export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/** Buyer key `buyer:{buyerIdType}:{sha256(buyerIdNumber)}` for import lists (yearly limit state). */
export const buyerKey = (buyerIdType: string, buyerIdNumber: string): string =>
  `buyer:${buyerIdType}:${sha256Hex(buyerIdNumber)}`;

/** Same as buyerKey, from an id number already hashed. */
export const buyerKeyFromHash = (buyerIdType: string, buyerIdHash: string): string =>
  `buyer:${buyerIdType}:${buyerIdHash}`;
