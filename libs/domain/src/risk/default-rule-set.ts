import type { RuleDefinition, RuleSet } from '@clearance/contracts';

const rule = (
  ruleId: string,
  kind: string,
  outcome: string,
  score: number,
  params: Record<string, string> = {},
): RuleDefinition => ({
  ruleId,
  kind,
  enabled: true,
  outcome,
  score,
  params,
});

/**
 * A sample rule set with every rule kind (publish it on risk.rules.v1 to start with). Sampling:
 * AA 0.5 %, A 1 %, B 3 %, D 100 %, unknown grade 100 %.
 */
export const DEFAULT_RULE_SET: RuleSet = {
  version: 'default-2026.1',
  publishedAt: '20260101000000',
  samplingRates: { AA: '0.005', A: '0.01', B: '0.03', D: '1', UNKNOWN: '1' },
  rules: [
    rule('NL-PROHIBITED', 'NEGATIVE_LIST_PROHIBITED', 'REJECT', 100),
    rule('NL-RESTRICTED', 'NEGATIVE_LIST_RESTRICTED', 'INSPECT', 40),
    rule('ENT-NOT-ON-FILE', 'ENTERPRISE_NOT_ON_FILE', 'REJECT', 100, {
      roles: 'EBP,EBC,OWNER,AGENT,PAYER,CARRIER',
    }),
    rule('ENT-GRADE-D', 'ENTERPRISE_GRADE_D', 'INSPECT', 30, { roles: 'EBP,EBC,OWNER,AGENT,PAYER,CARRIER' }),
    rule('WATCHLIST', 'WATCHLIST', 'INSPECT', 50),
    rule('PRICE-LOW', 'PRICE_ANOMALY', 'INSPECT', 20, { ratio: '0.3' }),
    rule('WEIGHT', 'WEIGHT_ANOMALY', 'INSPECT', 20, { tolerance: '0.2' }),
    rule('IMPORT-SINGLE', 'IMPORT_SINGLE_LIMIT', 'REJECT', 100, { limitCny: '5000' }),
    rule('IMPORT-ANNUAL', 'IMPORT_ANNUAL_LIMIT', 'REJECT', 100, { limitCny: '26000' }),
    rule('SAMPLING', 'SAMPLING', 'INSPECT', 0, { gradeOf: 'EBC' }),
  ],
};
