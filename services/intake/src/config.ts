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
  })
  .transform((env) => ({
    applicationId: env.INTAKE_APPLICATION_ID,
    groupId: env.INTAKE_GROUP_ID ?? env.INTAKE_APPLICATION_ID,
  }));

export type IntakeConfig = z.output<typeof intakeConfigSchema>;
