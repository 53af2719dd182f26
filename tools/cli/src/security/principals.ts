import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Admin } from 'kafkajs';
import { Topics, asPrincipal } from '@clearance/contracts';
import { serviceAcls } from '@clearance/nest-streams';
import { gatewayAcls } from '@clearance/gateway';
import { SOURCES } from '@clearance/projector';
import { mergeAcls, type AclRule } from '@clearance/streams';
import { STREAM_SERVICES, PARTICIPANT_SERVICES } from '../engine';
import { applyAcls, revokeAcls } from './acls';
import { deleteScramUser, newPassword, upsertScramUser } from './scram';

/**
 * The engine's own principals, one per service, each with exactly the ACLs its processors need
 * (derived from the processor definitions, so a new input or store cannot be forgotten). The
 * operator (the stack's super user) is used for provisioning only.
 */
export interface EnginePrincipal {
  /** Principal (SCRAM user) name, `svc-<service>`. */
  name: string;
  /** The service it is for. */
  service: string;
  rules: AclRule[];
}

export const servicePrincipalName = (service: string): string => `svc-${service}`;

/** Every engine principal with its ACLs, for the application and group ids set in `env`. */
export function enginePrincipals(env: NodeJS.ProcessEnv = process.env, namePrefix = ''): EnginePrincipal[] {
  const out: EnginePrincipal[] = [];
  const servicePrincipalName = (service: string) => `${namePrefix}svc-${service}`;
  for (const spec of [...STREAM_SERVICES, ...PARTICIPANT_SERVICES]) {
    out.push({ name: servicePrincipalName(spec.name), service: spec.name, rules: serviceAcls(spec, env) });
  }
  const projectorGroup = env.PROJECTOR_GROUP_ID || 'projector';
  out.push({
    name: servicePrincipalName('projector'),
    service: 'projector',
    rules: mergeAcls([
      ...Object.values(SOURCES).map(
        (t): AclRule => ({ resourceType: 'TOPIC', name: t.name, patternType: 'LITERAL', operations: ['READ', 'DESCRIBE'] }),
      ),
      { resourceType: 'GROUP', name: projectorGroup, patternType: 'LITERAL', operations: ['READ', 'DESCRIBE'] },
    ]),
  });
  // the CEB XML gateway: participants' nodes to their input topics, the registry for API keys
  out.push({
    name: servicePrincipalName('gateway'),
    service: 'gateway',
    rules: mergeAcls(gatewayAcls(env.GATEWAY_APPLICATION_ID || 'gateway')),
  });
  // the scheduler that closes periods (deploy/k8s period-close CronJob: clearance close-period)
  out.push({
    name: servicePrincipalName('period-close'),
    service: 'period-close',
    rules: [{ resourceType: 'TOPIC', name: Topics.periodClose.name, patternType: 'LITERAL', operations: ['WRITE', 'DESCRIBE'] }],
  });
  return out;
}

/** Local passwords of the engine principals (`<stack>/security/principals.json`, mode 600). */
export class CredentialStore {
  constructor(readonly file: string) {}

  read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>;
  }

  /** The stored password of `name`, or a new one stored now. */
  passwordOf(name: string): string {
    const all = this.read();
    if (all[name]) return all[name];
    all[name] = newPassword();
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
    return all[name];
  }
}

/**
 * Creates (or re-asserts) every engine principal: its SCRAM credential with the stored password
 * and exactly its ACLs. Idempotent; run by `clearance provision --principals` and `npm start`.
 */
export async function provisionEnginePrincipals(
  admin: Admin,
  store: CredentialStore,
  env: NodeJS.ProcessEnv,
  log: (s: string) => void,
): Promise<EnginePrincipal[]> {
  const principals = enginePrincipals(env);
  let created = 0;
  let deleted = 0;
  for (const p of principals) {
    await upsertScramUser(admin, p.name, store.passwordOf(p.name));
    const r = await applyAcls(admin, p.name, p.rules);
    created += r.created;
    deleted += r.deleted;
  }
  log(
    `engine principals: ${principals.map((p) => p.name).join(', ')} (ACL entries: ${created} created, ${deleted} removed)`,
  );
  return principals;
}

/** `env` with the SASL credentials of `service`'s own principal (from the local store). */
export function asServicePrincipal(env: NodeJS.ProcessEnv, store: CredentialStore, service: string): NodeJS.ProcessEnv {
  const name = servicePrincipalName(service);
  return asPrincipal(env, name, store.passwordOf(name));
}

/** Principals of one test run: created with fresh passwords, removed (users and ACLs) afterwards. */
export interface RunPrincipals {
  principals: EnginePrincipal[];
  /** `env` with `service`'s principal and password. */
  envFor<E extends Record<string, string | undefined>>(env: E, service: string): E;
  remove(): Promise<void>;
}

/**
 * For tests and tools that run services with their own application ids: principals named
 * `<namePrefix>svc-<service>` with exactly the ACLs those services need under `env`, so the run
 * proves least privilege without touching the principals of the running engine.
 */
export async function provisionRunPrincipals(
  admin: Admin,
  env: NodeJS.ProcessEnv,
  services: ReadonlyArray<string>,
  namePrefix: string,
): Promise<RunPrincipals> {
  const principals = enginePrincipals(env, namePrefix).filter((p) => services.includes(p.service));
  const missing = services.filter((s) => !principals.some((p) => p.service === s));
  if (missing.length > 0) throw new Error(`no principal for ${missing.join(', ')}`);
  const passwords = new Map<string, string>();
  for (const p of principals) {
    const password = newPassword();
    await upsertScramUser(admin, p.name, password);
    await applyAcls(admin, p.name, p.rules);
    passwords.set(p.service, password);
  }
  return {
    principals,
    envFor: (e, service) => {
      const p = principals.find((x) => x.service === service);
      if (!p) throw new Error(`no principal for ${service}`);
      return asPrincipal(e, p.name, passwords.get(service)!);
    },
    remove: async () => {
      for (const p of principals) {
        await revokeAcls(admin, p.name);
        await deleteScramUser(admin, p.name);
      }
    },
  };
}
