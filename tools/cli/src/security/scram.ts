import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';

/** SCRAM mechanisms as AlterUserScramCredentials numbers them. */
const MECHANISM = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 } as const;
export type ScramMechanism = keyof typeof MECHANISM;

/** kafkajs Admin with AlterUserScramCredentials (added by patches/kafkajs+2.2.4.patch). */
interface ScramAdmin {
  alterUserScramCredentials(request: {
    deletions?: Array<{ name: string; mechanism: number }>;
    upsertions?: Array<{ name: string; mechanism: number; iterations: number; salt: Buffer; saltedPassword: Buffer }>;
  }): Promise<Array<{ user: string; errorCode: number; errorMessage: string | null }>>;
}

/** 4096, Kafka's minimum and default for SCRAM-SHA-512. */
export const SCRAM_ITERATIONS = 4096;

/** A new random password: 32 bytes, base64url (no characters that need quoting anywhere). */
export const newPassword = (): string => randomBytes(32).toString('base64url');

/**
 * Creates or replaces `name`'s SCRAM credential: the salted password (RFC 5802 Hi(), PBKDF2 with
 * the mechanism's hash) is computed here; the password itself never goes over the wire.
 */
export async function upsertScramUser(
  admin: Admin,
  name: string,
  password: string,
  mechanism: ScramMechanism = 'SCRAM-SHA-512',
): Promise<void> {
  const salt = randomBytes(32);
  const hash = mechanism === 'SCRAM-SHA-512' ? 'sha512' : 'sha256';
  const saltedPassword = pbkdf2Sync(password.normalize('NFKC'), salt, SCRAM_ITERATIONS, hash === 'sha512' ? 64 : 32, hash);
  await (admin as unknown as ScramAdmin).alterUserScramCredentials({
    upsertions: [{ name, mechanism: MECHANISM[mechanism], iterations: SCRAM_ITERATIONS, salt, saltedPassword }],
  });
}

/** Removes `name`'s SCRAM credential; a user without one is not an error. */
export async function deleteScramUser(admin: Admin, name: string, mechanism: ScramMechanism = 'SCRAM-SHA-512'): Promise<boolean> {
  try {
    await (admin as unknown as ScramAdmin).alterUserScramCredentials({
      deletions: [{ name, mechanism: MECHANISM[mechanism] }],
    });
    return true;
  } catch (e) {
    if (/RESOURCE_NOT_FOUND|does not exist|not found/i.test(`${(e as { type?: string }).type} ${(e as Error).message}`)) return false;
    throw e;
  }
}
