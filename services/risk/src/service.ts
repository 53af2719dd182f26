import type { StreamsServiceSpec } from '@clearance/nest-streams';
import { riskConfigSchema, type RiskConfig } from './config';
import { riskProcessor } from './processor';

/** The risk service for libs/nest-streams: one runtime running the risk processor. */
export const riskService: StreamsServiceSpec<RiskConfig> = {
  name: 'risk',
  config: riskConfigSchema,
  definitions: ({ codecs, config, logger }) => [riskProcessor({ codecs, config, logger })],
  groupId: (_definition, config) => config.groupId,
};
