import type { Reason } from '@clearance/contracts';

/**
 * Every reason code the domain puts on a receipt. Named codes for validation and match
 * failures; negative numeric codes for business errors, as DOMAIN.md asks (duplicate order,
 * over the single-transaction limit, over the annual limit).
 */
export const ReasonCode = {
  // document validation (the document is rejected alone, the case stays open)
  INVALID_GUID: 'INVALID_GUID',
  INVALID_APP_TYPE: 'INVALID_APP_TYPE',
  INVALID_APP_TIME: 'INVALID_APP_TIME',
  INVALID_APP_STATUS: 'INVALID_APP_STATUS',
  INVALID_DECIMAL: 'INVALID_DECIMAL',
  INVALID_ORDER_TYPE: 'INVALID_ORDER_TYPE',
  INVALID_IE_FLAG: 'INVALID_IE_FLAG',
  INVALID_FIELD: 'INVALID_FIELD',
  MISSING_FIELD: 'MISSING_FIELD',
  INVALID_ITEMS: 'INVALID_ITEMS',
  KEY_MISMATCH: 'KEY_MISMATCH',
  // participants: a document filed through another enterprise's input topic (the participants' intake)
  SENDER_MISMATCH: 'SENDER_MISMATCH',
  // three-document match (the case is rejected; every participant is told)
  IE_FLAG_MISMATCH: 'IE_FLAG_MISMATCH',
  EBC_MISMATCH: 'EBC_MISMATCH',
  PAYMENT_REF_MISMATCH: 'PAYMENT_REF_MISMATCH',
  CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
  AMOUNT_MISMATCH: 'AMOUNT_MISMATCH',
  ITEM_TOTAL_MISMATCH: 'ITEM_TOTAL_MISMATCH',
  GOODS_VALUE_MISMATCH: 'GOODS_VALUE_MISMATCH',
  CONSIGNEE_MISMATCH: 'CONSIGNEE_MISMATCH',
  BUYER_PAYER_MISMATCH: 'BUYER_PAYER_MISMATCH',
  WEIGHT_INVALID: 'WEIGHT_INVALID',
  ENTERPRISE_NOT_ON_FILE: 'ENTERPRISE_NOT_ON_FILE',
  ENTERPRISE_GRADE_D: 'ENTERPRISE_GRADE_D',
  SIMPLIFIED_NOT_ALLOWED: 'SIMPLIFIED_NOT_ALLOWED',
  MATCH_TIMEOUT: 'MATCH_TIMEOUT',
  // case life
  CASE_WITHDRAWN: 'CASE_WITHDRAWN',
  NOTHING_TO_DELETE: 'NOTHING_TO_DELETE',
  ALREADY_DECIDED: 'ALREADY_DECIDED',
  CASE_CLOSED: 'CASE_CLOSED',
  // business errors (negative codes)
  DUPLICATE_DOCUMENT: '-101',
  IMPORT_SINGLE_LIMIT: '-201',
  IMPORT_ANNUAL_LIMIT: '-202',
  // risk (on receipts of decisions)
  NEGATIVE_LIST_PROHIBITED: 'NEGATIVE_LIST_PROHIBITED',
  NEGATIVE_LIST_RESTRICTED: 'NEGATIVE_LIST_RESTRICTED',
  WATCHLIST: 'WATCHLIST',
  PRICE_ANOMALY: 'PRICE_ANOMALY',
  WEIGHT_ANOMALY: 'WEIGHT_ANOMALY',
  SAMPLING: 'SAMPLING',
  // lifecycle and departures
  DEPARTURE_BEFORE_RELEASE: 'DEPARTURE_BEFORE_RELEASE',
  DEPARTED_NOT_RELEASED: 'DEPARTED_NOT_RELEASED',
  DEPARTURE_UNKNOWN_WAYBILL: 'DEPARTURE_UNKNOWN_WAYBILL',
  DEPARTURE_AFTER_CLEARANCE: 'DEPARTURE_AFTER_CLEARANCE',
  DEPARTURE_WITHDRAWN: 'DEPARTURE_WITHDRAWN',
  DUPLICATE_WAYBILL_IN_DEPARTURE: 'DUPLICATE_WAYBILL_IN_DEPARTURE',
  INSPECTION_NOT_EXPECTED: 'INSPECTION_NOT_EXPECTED',
  INVALID_DETENTION_CODE: 'INVALID_DETENTION_CODE',
  // filed list (four-document mode): the list filed by the enterprise or its agent (CEB603 / CEB621)
  // differs from the list compiled from order, payment and waybill. One code per group of fields;
  // each reason names the field and both values (personal data: the field only).
  LIST_ORDER_MISMATCH: 'LIST_ORDER_MISMATCH',
  LIST_WAYBILL_MISMATCH: 'LIST_WAYBILL_MISMATCH',
  LIST_ENTERPRISE_MISMATCH: 'LIST_ENTERPRISE_MISMATCH',
  LIST_DECLARATION_MISMATCH: 'LIST_DECLARATION_MISMATCH',
  LIST_TRANSPORT_MISMATCH: 'LIST_TRANSPORT_MISMATCH',
  LIST_ITEM_MISMATCH: 'LIST_ITEM_MISMATCH',
  LIST_TOTAL_MISMATCH: 'LIST_TOTAL_MISMATCH',
  LIST_WEIGHT_MISMATCH: 'LIST_WEIGHT_MISMATCH',
  LIST_BUYER_MISMATCH: 'LIST_BUYER_MISMATCH',
  LIST_CONSIGNEE_MISMATCH: 'LIST_CONSIGNEE_MISMATCH',
  // import tax bill (retail import tax, the role of the CEB816 tax bill): the order's declared
  // taxTotal against the bill computed from the list and the commodity rates
  TAX_MISMATCH: 'TAX_MISMATCH',
  TAX_RATE_UNKNOWN: 'TAX_RATE_UNKNOWN',
  // a filed list (CEB603 / CEB621) for a platform that declares in one-step mode: refused alone
  LIST_NOT_EXPECTED: 'LIST_NOT_EXPECTED',
} as const;

export type ReasonCodeValue = (typeof ReasonCode)[keyof typeof ReasonCode];

export const reason = (code: ReasonCodeValue, message: string): Reason => ({ code, message });
