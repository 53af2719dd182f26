import { z } from 'zod';
import { validateConfig } from '@clearance/nest-streams';
import { PROJECTION_NAMES } from './projections';
import { DEFAULT_SCHEMA_PREFIX } from './schema';
import type { ProjectionName } from './sources';

/** The projector's environment, validated at start (one error listing every bad setting). */
export const projectorEnvSchema = z.object({
  KAFKA_BROKERS: z
    .string({ required_error: 'KAFKA_BROKERS is required (comma-separated host:port list)' })
    .min(1)
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  /** Kafka security (names shared with every tool, see @clearance/contracts KAFKA_CONNECTION_VARIABLES). */
  KAFKA_SECURITY_PROTOCOL: z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']).default('PLAINTEXT'),
  KAFKA_SASL_MECHANISM: z.enum(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN']).default('SCRAM-SHA-512'),
  /** This service's own principal (its least-privilege ACLs), not the provisioning super user. */
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  /** PEM file of the CA that signed the brokers' certificates (SSL / SASL_SSL). */
  KAFKA_SSL_CA_FILE: z.string().optional(),
  /** How long a starting projector waits for a schema registry it cannot reach (retries with backoff, logged). */
  REGISTRY_WAIT_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  SCHEMA_REGISTRY_URL: z
    .string({ required_error: 'SCHEMA_REGISTRY_URL is required, e.g. http://127.0.0.1:8081/apis/ccompat/v7' })
    .url(),
  DATABASE_URL: z
    .string({ required_error: 'DATABASE_URL is required, e.g. postgres://postgres@127.0.0.1:5432/postgres' })
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL'),
  /** How long a starting projector waits for a Postgres it cannot reach (retries with backoff, logged). */
  POSTGRES_WAIT_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  /** HTTP port for /health/live, /health/ready and /metrics; 0 picks a free port. */
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  HTTP_HOST: z.string().default('127.0.0.1'),
  PROJECTOR_GROUP_ID: z.string().min(1).default('projector'),
  PROJECTION_SCHEMA_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'PROJECTION_SCHEMA_PREFIX: lower-case letters, digits and _ only')
    .max(30)
    .default(DEFAULT_SCHEMA_PREFIX),
  /** Comma-separated projections to build (default all). */
  PROJECTIONS: z
    .string()
    .default(PROJECTION_NAMES.join(','))
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(PROJECTION_NAMES as [ProjectionName, ...ProjectionName[]])).min(1)),
  /** Consumer session timeout: how long a crashed projector's partitions wait before they move (or its restart is let in). */
  SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
  /** Partitions projected concurrently (each its own database transaction). */
  PROJECTOR_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Partition count for source topics the projector has to create. */
  PARTITIONS: z.coerce.number().int().min(1).max(1000).default(12),
  /** Replication factor of source topics the projector has to create; unset: the broker's default. */
  REPLICATION_FACTOR: z.coerce.number().int().min(1).max(32).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type ProjectorEnv = z.infer<typeof projectorEnvSchema>;

export const projectorEnv = (source: NodeJS.ProcessEnv = process.env): ProjectorEnv =>
  validateConfig(projectorEnvSchema, source, 'projector');
