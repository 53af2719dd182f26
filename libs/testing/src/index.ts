import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { kafkaConnection, kafkaEnv, type KafkaConnection } from '@clearance/contracts';

/** Addresses of the real stack, as the integration globalSetup loaded them. */
export interface StackEnv {
  kafkaBrokers: string[];
  /** kafkajs settings of the operator's principal (brokers, TLS, SASL): `new Kafka({ clientId, ...env.kafka })`. */
  kafka: KafkaConnection;
  /** The same as environment variables (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, ...), for a service's env. */
  kafkaEnv: Record<string, string>;
  schemaRegistryUrl: string;
  databaseUrl: string;
}

export function stackEnv(): StackEnv {
  const need = (k: string): string => {
    const v = process.env[k];
    if (!v)
      throw new Error(`${k} is not set: run \`npm run stack:up\` (integration tests need the real stack)`);
    return v;
  };
  return {
    kafkaBrokers: need('KAFKA_BROKERS').split(','),
    kafka: kafkaConnection(process.env),
    kafkaEnv: kafkaEnv(process.env),
    schemaRegistryUrl: need('SCHEMA_REGISTRY_URL'),
    databaseUrl: need('DATABASE_URL'),
  };
}

/** A name no other test run uses: `<prefix>-<random>`. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
/** A TCP port nothing listens on right now (other sessions start services on fixed ranges). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export { foreignConsumers } from './preflight';
export type { ForeignConsumer } from './preflight';
