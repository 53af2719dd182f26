import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { kafkaConnection, type KafkaConnection } from '@clearance/contracts';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const STACK_DIR = process.env.STACK_DIR ?? path.join(REPO_ROOT, '.stack');

/** Loads `.stack/env` (written by `stack up`) into process.env without overriding what is set. */
export function loadStackEnv(): void {
  const file = path.join(STACK_DIR, 'env');
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  }
}

const schema = z.object({
  KAFKA_BROKERS: z
    .string({ required_error: 'KAFKA_BROKERS is not set (run `npm run stack:up` or export the broker list)' })
    .min(1)
    .transform((s) => s.split(',').map((b) => b.trim())),
  SCHEMA_REGISTRY_URL: z
    .string({ required_error: 'SCHEMA_REGISTRY_URL is not set (run `npm run stack:up`)' })
    .url('SCHEMA_REGISTRY_URL must be a URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  PARTITIONS: z.coerce.number().int().min(1).max(1000).default(12),
  /**
   * Partitions of each participant's input and feed topics (`participants add`); every
   * participant has the same count (the intake's tasks span them all).
   */
  PARTICIPANT_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
  /** Replication factor of the topics `provision` creates; unset: the broker's default.replication.factor. */
  REPLICATION_FACTOR: z.coerce.number().int().min(1).max(32).optional(),
});

/** The validated settings plus the Kafka connection of the operator's principal (brokers, TLS, SASL). */
export type CliEnv = z.infer<typeof schema> & { kafka: KafkaConnection };

/** Validated addresses of the stack; exits with a clear message when something is missing. */
export function cliEnv(): CliEnv {
  loadStackEnv();
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { ...parsed.data, kafka: kafkaConnection(process.env) };
}
