import { z } from 'zod';
import type { StreamsServiceSpec } from '@clearance/nest-streams';
import {
  declarationProcessors,
  DEFAULT_DECLARATION_SERVICE_CONFIG,
  type DeclarationServiceConfig,
} from './processors';

/** The service's own settings, read from the environment and validated at start. */
export const declarationEnvSchema = z
  .object({
    /** MONTH (default, DOMAIN.md) or DAY (demos that close periods quickly). */
    DECLARATION_PERIOD: z.enum(['MONTH', 'DAY']).default(DEFAULT_DECLARATION_SERVICE_CONFIG.granularity),
    DECLARATION_REKEY_APP_ID: z
      .string()
      .min(1)
      .default(DEFAULT_DECLARATION_SERVICE_CONFIG.rekeyApplicationId),
    DECLARATION_APP_ID: z.string().min(1).default(DEFAULT_DECLARATION_SERVICE_CONFIG.aggregatorApplicationId),
  })
  .transform((env): DeclarationServiceConfig => ({
    granularity: env.DECLARATION_PERIOD,
    rekeyApplicationId: env.DECLARATION_REKEY_APP_ID,
    aggregatorApplicationId: env.DECLARATION_APP_ID,
  }));

/** The declaration service for libs/nest-streams: re-key + aggregator, one runtime each. */
export const declarationService: StreamsServiceSpec<DeclarationServiceConfig> = {
  name: 'declaration',
  config: declarationEnvSchema,
  definitions: ({ codecs, config, logger }) => [...declarationProcessors({ codecs, config, logger })],
};
