import { RegistryCodecs } from '@clearance/contracts';
import { mergeAcls, runtimeAcls, silentLogger, type AclRule } from '@clearance/streams';
import type { StreamsServiceSpec } from './bootstrap';
import { streamsEnvSchema, validateConfig } from './config';

/**
 * The ACLs a stream service's principal needs with the settings in `source` (application and
 * group ids come from there): the union of its runtimes' {@link runtimeAcls}. Builds the
 * processor definitions without connecting to anything.
 */
export function serviceAcls<C>(spec: StreamsServiceSpec<C>, source: NodeJS.ProcessEnv = {}): AclRule[] {
  const withAddresses = {
    KAFKA_BROKERS: 'unused:9092',
    SCHEMA_REGISTRY_URL: 'http://unused',
    ...source,
  };
  const env = validateConfig(streamsEnvSchema, withAddresses, spec.name);
  const config = validateConfig(spec.config, withAddresses, spec.name);
  const codecs = new RegistryCodecs({ url: env.SCHEMA_REGISTRY_URL });
  const definitions = spec.definitions({ env, config, codecs, logger: silentLogger });
  return mergeAcls([
    ...definitions.flatMap((d) =>
      runtimeAcls(d, { applicationId: d.name, groupId: spec.groupId ? spec.groupId(d, config) : d.name }),
    ),
    ...(spec.acls?.(config) ?? []),
  ]);
}
