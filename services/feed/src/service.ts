import type { StreamsServiceSpec } from '@clearance/nest-streams';
import { feedConfigSchema, type FeedConfig } from './config';
import { feedProcessor } from './processor';

/** The feed service for libs/nest-streams: one runtime fanning records out to participants' feeds. */
export const feedService: StreamsServiceSpec<FeedConfig> = {
  name: 'feed',
  config: feedConfigSchema,
  definitions: ({ codecs, config, logger }) => [feedProcessor({ codecs, config, logger })],
  groupId: (_definition, config) => config.groupId,
};
