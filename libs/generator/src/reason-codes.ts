/**
 * Reason codes the generator's expectations use. These exact strings are shared with the domain
 * (libs/domain/src/common/reasons.ts uses the same names for the match); reconcile here first.
 */
export const MatchReason = {
  /** A document names another ebpCode:orderNo than the order key it was sent under (per document). */
  KEY_MISMATCH: 'KEY_MISMATCH',
  /** export: payment charge != goodsValue + freight; import: acturalPaid formula or amountPaid differ. */
  AMOUNT_MISMATCH: 'AMOUNT_MISMATCH',
  /** An item's qty x price != totalPrice. */
  ITEM_TOTAL_MISMATCH: 'ITEM_TOTAL_MISMATCH',
  /** Sum of item totalPrice != goodsValue. */
  GOODS_VALUE_MISMATCH: 'GOODS_VALUE_MISMATCH',
  /** import: the waybill's consignee / telephone / address differ from the order's. */
  CONSIGNEE_MISMATCH: 'CONSIGNEE_MISMATCH',
  /** import: buyer identity not verified and the payer is another person. */
  BUYER_PAYER_MISMATCH: 'BUYER_PAYER_MISMATCH',
  /** Gross weight not > 0 (or net > gross, or off the commodity bounds by a large factor). */
  WEIGHT_INVALID: 'WEIGHT_INVALID',
  /** An enterprise named is not on file (unknown code or filing revoked). */
  ENTERPRISE_NOT_ON_FILE: 'ENTERPRISE_NOT_ON_FILE',
  /** A grade-D enterprise in a role that forbids it. */
  ENTERPRISE_GRADE_D: 'ENTERPRISE_GRADE_D',
  /** The payment's currency differs from the order's. */
  CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
  /** Not complete within the match window (72 h of event time after the first document). */
  MATCH_TIMEOUT: 'MATCH_TIMEOUT',
  /** The document alone is rejected by validation (malformed guid, decimal, ...). */
  INVALID_DOCUMENT: 'INVALID_DOCUMENT',
  /** Four-document mode (四单比对): a line of the filed list differs from the compiled list's (gcode, qty, unit, price, totalPrice, currency). */
  LIST_ITEM_MISMATCH: 'LIST_ITEM_MISMATCH',
  /** Four-document mode: Σ of the filed lines' totalPrice differs from goodsValue, or freight / insuredFee / currencies. */
  LIST_TOTAL_MISMATCH: 'LIST_TOTAL_MISMATCH',
  /** Four-document mode: the filed list's grossWeight, netWeight or packNo differ. */
  LIST_WEIGHT_MISMATCH: 'LIST_WEIGHT_MISMATCH',
} as const;

export type MatchReasonCode = (typeof MatchReason)[keyof typeof MatchReason];

export const ALL_MATCH_REASONS: ReadonlyArray<MatchReasonCode> = Object.values(MatchReason);

/** Risk rule kinds (RuleDefinition.kind in the rule set). */
export const RuleKind = {
  NEGATIVE_LIST_PROHIBITED: 'NEGATIVE_LIST_PROHIBITED',
  NEGATIVE_LIST_RESTRICTED: 'NEGATIVE_LIST_RESTRICTED',
  ENTERPRISE_NOT_ON_FILE: 'ENTERPRISE_NOT_ON_FILE',
  ENTERPRISE_GRADE_D: 'ENTERPRISE_GRADE_D',
  WATCHLIST: 'WATCHLIST',
  PRICE_ANOMALY: 'PRICE_ANOMALY',
  WEIGHT_ANOMALY: 'WEIGHT_ANOMALY',
  IMPORT_SINGLE_LIMIT: 'IMPORT_SINGLE_LIMIT',
  IMPORT_ANNUAL_LIMIT: 'IMPORT_ANNUAL_LIMIT',
  SAMPLING: 'SAMPLING',
} as const;

export type RuleKindCode = (typeof RuleKind)[keyof typeof RuleKind];
