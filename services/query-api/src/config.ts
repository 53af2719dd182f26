import { z } from 'zod';

/** Settings of the query API, validated at start; every problem is listed at once. */
export const queryApiConfigSchema = z.object({
  /** HTTP port; 0 picks a free one. */
  port: z.coerce.number({ invalid_type_error: 'PORT must be a number' }).int().min(0).max(65535),
  host: z.string().min(1).default('127.0.0.1'),
  databaseUrl: z
    .string({ required_error: 'DATABASE_URL is required, e.g. postgres://postgres@127.0.0.1:5432/postgres' })
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL'),
  /** Prefix of the projector's schemas (`<prefix>parcels`, ...). */
  schemaPrefix: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'PROJECTION_SCHEMA_PREFIX: lower-case letters, digits and _ only')
    .max(30)
    .default('projection_'),
  /** Connections in the pool. */
  poolSize: z.coerce.number().int().min(1).max(100).default(10),
});

export type QueryApiConfig = z.input<typeof queryApiConfigSchema>;
export type ResolvedQueryApiConfig = z.output<typeof queryApiConfigSchema>;

export function resolveQueryApiConfig(config: QueryApiConfig): ResolvedQueryApiConfig {
  const parsed = queryApiConfigSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const names: Record<string, string> = {
    port: 'PORT',
    host: 'HOST',
    databaseUrl: 'DATABASE_URL',
    schemaPrefix: 'PROJECTION_SCHEMA_PREFIX',
    poolSize: 'DATABASE_POOL_SIZE',
  };
  const issues = parsed.error.issues.map(
    (i) => `  ${names[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`,
  );
  throw new Error(`invalid query-api configuration:\n${issues.join('\n')}`);
}

/** The configuration from the environment: PORT (default 3000), HOST, DATABASE_URL, PROJECTION_SCHEMA_PREFIX, DATABASE_POOL_SIZE. */
export function queryApiConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ResolvedQueryApiConfig {
  return resolveQueryApiConfig({
    port: (env.PORT ?? '3000') as unknown as number,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL as string,
    schemaPrefix: env.PROJECTION_SCHEMA_PREFIX,
    poolSize: env.DATABASE_POOL_SIZE as unknown as number,
  });
}
