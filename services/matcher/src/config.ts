import { z } from 'zod';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Settings of the matcher, read from the environment (every one has a default). The Kafka and
 * registry addresses, the HTTP port and the log level are the shared streams settings of
 * `@clearance/nest-streams`.
 */
export const matcherConfigSchema = z
  .object({
    /** Application id: transactional ids `<id>-<task>`, changelogs `<id>.<store>.changelog`. */
    MATCHER_APPLICATION_ID: z.string().min(1).default('matcher'),
    /** Consumer group id, used exactly as given. Default: the application id. */
    MATCHER_GROUP_ID: z.string().min(1).optional(),
    /**
     * Partition count of the (co-partitioned) document topics. The invtNo serial holds the
     * partition in two digits, so at most 100.
     */
    PARTITIONS: z.coerce
      .number()
      .int()
      .min(1)
      .max(100, 'the invtNo serial allows at most 100 partitions')
      .default(12),
    /** Match window: a case not complete this long (event time) after its first document fails. */
    MATCH_WINDOW_HOURS: z.coerce.number().positive().default(72),
    /** How long a closed case (matched, failed, withdrawn) is remembered for duplicates. */
    MATCH_TOMBSTONE_RETENTION_DAYS: z.coerce.number().positive().default(180),
    /**
     * Resolution of the deadline index and the punctuation interval, in ms of stream time: a
     * deadline fires at the first punctuation after the end of its bucket.
     */
    MATCH_TIMER_RESOLUTION_MS: z.coerce.number().int().min(1000).max(DAY_MS).default(60_000),
  })
  .transform((env) => ({
    applicationId: env.MATCHER_APPLICATION_ID,
    groupId: env.MATCHER_GROUP_ID ?? env.MATCHER_APPLICATION_ID,
    partitions: env.PARTITIONS,
    matchWindowMs: Math.round(env.MATCH_WINDOW_HOURS * HOUR_MS),
    tombstoneRetentionMs: Math.round(env.MATCH_TOMBSTONE_RETENTION_DAYS * DAY_MS),
    timerResolutionMs: env.MATCH_TIMER_RESOLUTION_MS,
  }));

export type MatcherConfig = z.output<typeof matcherConfigSchema>;

/** The settings with every default (tests, the all-in-one process). */
export const defaultMatcherConfig = (overrides: Partial<MatcherConfig> = {}): MatcherConfig => ({
  ...matcherConfigSchema.parse({}),
  ...overrides,
});
