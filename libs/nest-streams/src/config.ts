import { z } from 'zod';

/** Settings every stream-processing service reads from its environment, validated at start. */
export const streamsEnvSchema = z.object({
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
  SCHEMA_REGISTRY_URL: z
    .string({ required_error: 'SCHEMA_REGISTRY_URL is required, e.g. http://127.0.0.1:8081/apis/ccompat/v7' })
    .url(),
  /** How long a starting service waits for an unreachable schema registry (retrying with backoff) before it gives up. */
  REGISTRY_WAIT_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  /** HTTP port for /health and /metrics; 0 picks a free port. */
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  HTTP_HOST: z.string().default('127.0.0.1'),
  /** Partition count for topics a runtime has to create. */
  PARTITIONS: z.coerce.number().int().min(1).max(1000).default(12),
  /** Replication factor of topics a runtime creates (changelogs, internal topics); unset: the broker's default.replication.factor. */
  REPLICATION_FACTOR: z.coerce.number().int().min(1).max(32).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Stream threads (worker threads) of the process, each a group member with its own tasks, as Kafka Streams' num.stream.threads; one core each. */
  STREAM_THREADS: z.coerce.number().int().min(1).max(32).default(1),
  /** Input records per Kafka transaction. */
  MAX_RECORDS_PER_TRANSACTION: z.coerce.number().int().min(1).default(5000),
  /** Where a new consumer group starts: earliest (default: process the whole log) or latest. */
  AUTO_OFFSET_RESET: z.enum(['earliest', 'latest']).default('earliest'),
  /** Consumer session timeout: how long a crashed instance's tasks wait before they move. */
  SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
  /** Task batches processed concurrently. */
  CONCURRENT_TASKS: z.coerce.number().int().min(1).max(64).default(4),
  /** How long a task waits for an input with records on the broker not fetched yet before it goes on without it (-1: never waits). */
  MAX_TASK_IDLE_MS: z.coerce.number().int().min(-1).max(600_000).default(5000),
  /**
   * Before processing a record while another input of its task is empty, wait until a fetch that
   * started after the record arrived has come back, so no older record already on the broker is
   * overtaken (event-time order across inputs). false: Kafka Streams' max.task.idle.ms=0 behaviour.
   */
  CONFIRM_EMPTY_INPUTS: z
    .enum(['true', 'false'], { message: 'CONFIRM_EMPTY_INPUTS must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  /** Fetched records an input partition may hold waiting for its task before it stops fetching. */
  MAX_BUFFERED_RECORDS: z.coerce.number().int().min(100).default(2_000),
  /** How long a task's transaction stays open for more records before it commits (0: at once); larger = fewer, fuller transactions, more latency. */
  COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  /**
   * Local state directory of the persistent stores (an LMDB environment per task, a cache of the
   * changelogs; an emptyDir on Kubernetes). One process per directory. Unset: those stores are
   * held in memory and restored in full at each start.
   */
  STATE_DIR: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  /**
   * Standby copies of each task kept warm on other instances from the changelogs (needs
   * STATE_DIR): a failover to a standby restores only what the owner committed since.
   */
  NUM_STANDBY_REPLICAS: z.coerce.number().int().min(0).max(3).default(0),
  /** Local state older than this is wiped and restored in full (below the changelogs' delete.retention.ms). */
  LOCAL_STATE_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(12 * 60 * 60 * 1000),
});

export type StreamsEnv = z.infer<typeof streamsEnvSchema>;

/** Parses `source` with `schema`; throws one error listing every bad setting. */
export function validateConfig<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  source: unknown,
  what: string,
): T {
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
  throw new Error(`invalid ${what} configuration:\n${issues}`);
}
