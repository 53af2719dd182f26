import { z } from 'zod';

/**
 * Settings of the risk service, read from the environment (every one has a default). The Kafka
 * and registry addresses, the HTTP port and the log level are the shared streams settings of
 * `@clearance/nest-streams`.
 */
export const riskConfigSchema = z
  .object({
    /** Application id: transactional ids `<id>-<task>`, changelogs `<id>.<store>.changelog`. */
    RISK_APPLICATION_ID: z.string().min(1).default('risk'),
    /** Consumer group id, used exactly as given. Default: the application id. */
    RISK_GROUP_ID: z.string().min(1).optional(),
    /** Partition count of clearance.manifest.v1 (when the runtime creates it). */
    PARTITIONS: z.coerce.number().int().min(1).max(1000).default(12),
    /** Key of the rule set in force on risk.rules.v1 (the newest record under it wins). */
    RISK_RULE_SET_KEY: z.string().min(1).default('active'),
  })
  .transform((env) => ({
    applicationId: env.RISK_APPLICATION_ID,
    groupId: env.RISK_GROUP_ID ?? env.RISK_APPLICATION_ID,
    partitions: env.PARTITIONS,
    ruleSetKey: env.RISK_RULE_SET_KEY,
  }));

export type RiskConfig = z.output<typeof riskConfigSchema>;

/** The settings with every default (tests, the all-in-one process). */
export const defaultRiskConfig = (overrides: Partial<RiskConfig> = {}): RiskConfig => ({
  ...riskConfigSchema.parse({}),
  ...overrides,
});
