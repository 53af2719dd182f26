import { z } from 'zod';

/**
 * Settings of the feed service, read from the environment (every one has a default). The Kafka
 * connection, registry, HTTP port and log level are the shared streams settings of
 * `@clearance/nest-streams`.
 */
export const feedConfigSchema = z
  .object({
    /** Application id: transactional ids `<id>-<task>`, its checkpoint topic `<id>.__checkpoint.changelog`. */
    FEED_APPLICATION_ID: z.string().min(1).default('feed'),
    /** Consumer group id, used exactly as given. Default: the application id. */
    FEED_GROUP_ID: z.string().min(1).optional(),
  })
  .transform((env) => ({
    applicationId: env.FEED_APPLICATION_ID,
    groupId: env.FEED_GROUP_ID ?? env.FEED_APPLICATION_ID,
  }));

export type FeedConfig = z.output<typeof feedConfigSchema>;
