import { z } from 'zod';

/**
 * Settings of the lifecycle service (two processors: the departure splitter and the parcel
 * lifecycle), read from the environment; every one has a default. The Kafka and registry
 * addresses, the HTTP port and the log level are the shared streams settings of
 * `@clearance/nest-streams`.
 */
export const lifecycleConfigSchema = z
  .object({
    /** Application id of the departure splitter (ceb.departure.v1 -> clearance.departure-line.v1). */
    DEPARTURE_SPLITTER_APPLICATION_ID: z.string().min(1).default('departure-splitter'),
    /** Its consumer group id, used exactly as given. Default: its application id. */
    DEPARTURE_SPLITTER_GROUP_ID: z.string().min(1).optional(),
    /** Application id of the lifecycle processor: transactional ids, changelog `<id>.parcels.changelog`. */
    LIFECYCLE_APPLICATION_ID: z.string().min(1).default('lifecycle'),
    /** Its consumer group id, used exactly as given. Default: its application id. */
    LIFECYCLE_GROUP_ID: z.string().min(1).optional(),
    /** Partition count of the topics the runtime creates (decision, inspection, departure lines co-partitioned). */
    PARTITIONS: z.coerce.number().int().min(1).max(1000).default(12),
    /** A parcel's lifecycle state is forgotten this long (event time) after its last event. */
    LIFECYCLE_RETENTION_DAYS: z.coerce.number().positive().default(180),
    /** How often (stream time) expired parcel states are looked for: the precision of the retention. */
    LIFECYCLE_TIMER_RESOLUTION_MS: z.coerce.number().int().min(1000).default(3_600_000),
  })
  .transform((env) => ({
    splitter: {
      applicationId: env.DEPARTURE_SPLITTER_APPLICATION_ID,
      groupId: env.DEPARTURE_SPLITTER_GROUP_ID ?? env.DEPARTURE_SPLITTER_APPLICATION_ID,
    },
    lifecycle: {
      applicationId: env.LIFECYCLE_APPLICATION_ID,
      groupId: env.LIFECYCLE_GROUP_ID ?? env.LIFECYCLE_APPLICATION_ID,
      retentionMs: Math.round(env.LIFECYCLE_RETENTION_DAYS * 24 * 3_600_000),
      timerResolutionMs: env.LIFECYCLE_TIMER_RESOLUTION_MS,
    },
    partitions: env.PARTITIONS,
  }));

export type LifecycleConfig = z.output<typeof lifecycleConfigSchema>;

/** The settings with every default (tests, the all-in-one process). */
export const defaultLifecycleConfig = (overrides: Partial<LifecycleConfig> = {}): LifecycleConfig => ({
  ...lifecycleConfigSchema.parse({}),
  ...overrides,
});
