import { z } from 'zod';
import { kafkaConnection, type KafkaConnection } from '@clearance/contracts';

const identifier = (name: string) =>
  z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, `${name}: lower-case letters, digits and _ only`)
    .max(40);

/** Settings of the CEB XML gateway, validated at start; every problem is listed at once. */
export const gatewayConfigSchema = z.object({
  /** HTTP port; 0 picks a free one. */
  port: z.coerce.number({ invalid_type_error: 'GATEWAY_PORT must be a number' }).int().min(0).max(65535),
  host: z.string().min(1).default('127.0.0.1'),
  databaseUrl: z
    .string({ required_error: 'DATABASE_URL is required, e.g. postgres://postgres@127.0.0.1:5432/postgres' })
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL'),
  schemaRegistryUrl: z
    .string({ required_error: 'SCHEMA_REGISTRY_URL is required, e.g. http://127.0.0.1:8081/apis/ccompat/v7' })
    .url('SCHEMA_REGISTRY_URL must be a URL'),
  /** The gateway's own schema (its receipt book of accepted nodes). */
  schema: identifier('GATEWAY_SCHEMA').default('gateway'),
  /** Prefix of the projector's schemas: the returns are read from `<prefix>returns`. */
  projectionSchemaPrefix: identifier('PROJECTION_SCHEMA_PREFIX').max(30).default('projection_'),
  poolSize: z.coerce.number().int().min(1).max(100).default(10),
  /** Largest request body; a larger one is refused with 413 before it is read. */
  maxBodyBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  /** How long accepted nodes wait for others to share their database transaction and Kafka request. */
  lingerMs: z.coerce.number().int().min(0).max(100).default(2),
  /** Most nodes written in one database transaction and Kafka request. */
  maxBatchNodes: z.coerce.number().int().min(1).max(10_000).default(1000),
  /**
   * Processes serving the port (node:cluster; each its own producer, pool and registry reader): one
   * Node process parses on one core. On Kubernetes prefer replicas; this is for bigger machines.
   */
  workers: z.coerce.number().int().min(1).max(64).default(1),
  /** Consumer group prefix of its registry reader (`<id>.global.<uuid>`) and Kafka client id. */
  applicationId: z.string().min(1).default('gateway'),
});

export type GatewayConfig = z.input<typeof gatewayConfigSchema>;
export type ResolvedGatewayConfig = z.output<typeof gatewayConfigSchema> & { kafka: KafkaConnection };

const NAMES: Record<string, string> = {
  port: 'GATEWAY_PORT',
  host: 'GATEWAY_HOST',
  databaseUrl: 'DATABASE_URL',
  schemaRegistryUrl: 'SCHEMA_REGISTRY_URL',
  schema: 'GATEWAY_SCHEMA',
  projectionSchemaPrefix: 'PROJECTION_SCHEMA_PREFIX',
  poolSize: 'DATABASE_POOL_SIZE',
  maxBodyBytes: 'GATEWAY_MAX_BODY_BYTES',
  lingerMs: 'GATEWAY_LINGER_MS',
  maxBatchNodes: 'GATEWAY_MAX_BATCH_NODES',
  applicationId: 'GATEWAY_APPLICATION_ID',
  workers: 'GATEWAY_WORKERS',
};

export function resolveGatewayConfig(
  config: GatewayConfig,
  kafka: () => KafkaConnection,
): ResolvedGatewayConfig {
  const problems: string[] = [];
  const parsed = gatewayConfigSchema.safeParse(config);
  if (!parsed.success)
    for (const i of parsed.error.issues)
      problems.push(`  ${NAMES[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`);
  let connection: KafkaConnection | undefined;
  try {
    connection = kafka();
  } catch (e) {
    problems.push(`  ${(e as Error).message}`);
  }
  if (problems.length > 0 || !parsed.success || !connection)
    throw new Error(`invalid gateway configuration:\n${problems.join('\n')}`);
  return { ...parsed.data, kafka: connection };
}

/**
 * The configuration from the environment: GATEWAY_PORT (default 8090), GATEWAY_HOST, DATABASE_URL,
 * SCHEMA_REGISTRY_URL, KAFKA_BROKERS and KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* / KAFKA_SSL_CA_FILE
 * (the gateway's own principal), GATEWAY_SCHEMA, PROJECTION_SCHEMA_PREFIX, DATABASE_POOL_SIZE,
 * GATEWAY_MAX_BODY_BYTES, GATEWAY_LINGER_MS, GATEWAY_MAX_BATCH_NODES, GATEWAY_APPLICATION_ID,
 * GATEWAY_WORKERS.
 */
export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ResolvedGatewayConfig {
  const v = (k: string) => (env[k] === '' ? undefined : env[k]) as unknown as number & string;
  return resolveGatewayConfig(
    {
      port: (env.GATEWAY_PORT || '8090') as unknown as number,
      host: v('GATEWAY_HOST'),
      databaseUrl: v('DATABASE_URL'),
      schemaRegistryUrl: v('SCHEMA_REGISTRY_URL'),
      schema: v('GATEWAY_SCHEMA'),
      projectionSchemaPrefix: v('PROJECTION_SCHEMA_PREFIX'),
      poolSize: v('DATABASE_POOL_SIZE'),
      maxBodyBytes: v('GATEWAY_MAX_BODY_BYTES'),
      lingerMs: v('GATEWAY_LINGER_MS'),
      maxBatchNodes: v('GATEWAY_MAX_BATCH_NODES'),
      applicationId: v('GATEWAY_APPLICATION_ID'),
      workers: v('GATEWAY_WORKERS'),
    },
    () => kafkaConnection(env),
  );
}
