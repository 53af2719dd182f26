import type { StreamsServiceSpec } from '@clearance/nest-streams';
import { lifecycleConfigSchema, type LifecycleConfig } from './config';
import { departureSplitterProcessor, lifecycleProcessor } from './processor';

/** The lifecycle service for libs/nest-streams: the departure splitter and the lifecycle, one runtime each. */
export const lifecycleService: StreamsServiceSpec<LifecycleConfig> = {
  name: 'lifecycle',
  config: lifecycleConfigSchema,
  definitions: ({ codecs, config, logger }) => [
    departureSplitterProcessor({ codecs, config, logger }),
    lifecycleProcessor({ codecs, config, logger }),
  ],
  groupId: (definition, config) =>
    definition.name === config.splitter.applicationId ? config.splitter.groupId : config.lifecycle.groupId,
};
