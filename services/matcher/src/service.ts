import type { StreamsServiceSpec } from '@clearance/nest-streams';
import { matcherConfigSchema, type MatcherConfig } from './config';
import { matcherProcessor } from './processor';

/** The matcher for libs/nest-streams: one runtime running the matcher processor. */
export const matcherService: StreamsServiceSpec<MatcherConfig> = {
  name: 'matcher',
  config: matcherConfigSchema,
  definitions: ({ codecs, config, logger }) => [matcherProcessor({ codecs, config, logger })],
  groupId: (_definition, config) => config.groupId,
};
