import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';

/**
 * How every client of the engine (services, CLI, tests, bench) connects to Kafka, from the
 * environment. The names are a contract: `.stack/env` exports them for the operator's principal,
 * deploy/k8s sets them from Secrets, and tools outside this repository (the Kafka Streams peer)
 * read the same ones.
 */
export const KAFKA_CONNECTION_VARIABLES = {
  KAFKA_BROKERS: 'comma-separated host:port list',
  KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT (default) | SSL | SASL_PLAINTEXT | SASL_SSL',
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512 (default) | SCRAM-SHA-256 | PLAIN',
  KAFKA_SASL_USERNAME: 'the principal (SASL_* only)',
  KAFKA_SASL_PASSWORD: 'its password (SASL_* only)',
  KAFKA_SSL_CA_FILE: "PEM file of the CA that signed the brokers' certificates (SSL / SASL_SSL; unset: the system CAs)",
} as const;

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
const PROTOCOLS: ReadonlyArray<SecurityProtocol> = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;

/** kafkajs client settings: spread into `new Kafka({ clientId, ...connection })`. */
export interface KafkaConnection {
  brokers: string[];
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

export class KafkaConnectionError extends Error {
  override name = 'KafkaConnectionError';
}

type Source = Readonly<Record<string, unknown>>;

/**
 * Validated Kafka connection settings from `env` (the variables of
 * {@link KAFKA_CONNECTION_VARIABLES}); throws one {@link KafkaConnectionError} naming every bad
 * setting. The CA file is read here, so a wrong path fails at start, not at the first connection.
 */
export function kafkaConnection(env: Source = process.env): KafkaConnection {
  const problems: string[] = [];
  const str = (k: string): string | undefined => {
    const v = env[k];
    if (Array.isArray(v)) return v.join(',');
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const brokers = (str('KAFKA_BROKERS') ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) problems.push('KAFKA_BROKERS is required (comma-separated host:port list)');
  const protocol = (str('KAFKA_SECURITY_PROTOCOL') ?? 'PLAINTEXT').toUpperCase() as SecurityProtocol;
  if (!PROTOCOLS.includes(protocol)) {
    problems.push(`KAFKA_SECURITY_PROTOCOL must be one of ${PROTOCOLS.join(', ')}, not '${protocol}'`);
  }
  const out: KafkaConnection = { brokers };
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const caFile = str('KAFKA_SSL_CA_FILE');
    if (caFile === undefined) out.ssl = true;
    else {
      try {
        const ca = readFileSync(caFile, 'utf8');
        if (!ca.includes('-----BEGIN CERTIFICATE-----')) problems.push(`KAFKA_SSL_CA_FILE=${caFile} holds no PEM certificate`);
        out.ssl = { ca: [ca] };
      } catch (e) {
        problems.push(`KAFKA_SSL_CA_FILE=${caFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
    }
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const mechanism = (str('KAFKA_SASL_MECHANISM') ?? 'SCRAM-SHA-512').toUpperCase();
    const username = str('KAFKA_SASL_USERNAME');
    const password = str('KAFKA_SASL_PASSWORD');
    if (!(MECHANISMS as ReadonlyArray<string>).includes(mechanism)) {
      problems.push(`KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')}, not '${mechanism}'`);
    }
    if (!username) problems.push(`KAFKA_SASL_USERNAME is required with KAFKA_SECURITY_PROTOCOL=${protocol}`);
    if (!password) problems.push(`KAFKA_SASL_PASSWORD is required with KAFKA_SECURITY_PROTOCOL=${protocol}`);
    out.sasl = {
      mechanism: mechanism.toLowerCase() as 'scram-sha-512',
      username: username ?? '',
      password: password ?? '',
    };
  }
  if (problems.length > 0) throw new KafkaConnectionError(`invalid Kafka connection settings:\n  ${problems.join('\n  ')}`);
  return out;
}

/** `env` with another principal's SASL credentials (same brokers, protocol, mechanism and CA). */
export function asPrincipal<E extends Source>(env: E, username: string, password: string): E {
  return { ...env, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password };
}

/** The principal name the broker sees for `connection` (`User:<name>`), or ANONYMOUS. */
export function principalOf(connection: KafkaConnection): string {
  return connection.sasl && 'username' in connection.sasl ? connection.sasl.username : 'ANONYMOUS';
}

/** The connection variables of {@link KAFKA_CONNECTION_VARIABLES} that `env` sets (to hand to a child's environment). */
export function kafkaEnv(env: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(KAFKA_CONNECTION_VARIABLES)) {
    const v = env[k];
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}
