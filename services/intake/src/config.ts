import { z } from 'zod';

/**
 * Settings of the participants' intake, read from the environment (every one has a default). The
 * Kafka connection, registry, HTTP port and log level are the shared streams settings of
 * `@clearance/nest-streams`.
 */
export const intakeConfigSchema = z
  .object({
    /** Application id: transactional ids `<id>-<task>`, its checkpoint topic. */
    INTAKE_APPLICATION_ID: z.string().min(1).default('intake'),
    /** Consumer group id, used exactly as given. Default: the application id. */
    INTAKE_GROUP_ID: z.string().min(1).optional(),
    /**
     * Partition count of the participants' input topics (as `participants add` creates them, the
     * same setting): the intake's tasks span every participant's topics, so they must all have it;
     * a participant registered with another count is left out with an error in the log.
     */
    PARTICIPANT_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
  })
  .transform((env) => ({
    applicationId: env.INTAKE_APPLICATION_ID,
    groupId: env.INTAKE_GROUP_ID ?? env.INTAKE_APPLICATION_ID,
    partitions: env.PARTICIPANT_PARTITIONS,
  }));

export type IntakeConfig = z.output<typeof intakeConfigSchema>;
