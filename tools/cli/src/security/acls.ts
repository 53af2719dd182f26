import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type AclEntry,
  type Admin,
} from 'kafkajs';
import type { AclRule } from '@clearance/streams';

const RESOURCE: Record<AclRule['resourceType'], AclResourceTypes> = {
  TOPIC: AclResourceTypes.TOPIC,
  GROUP: AclResourceTypes.GROUP,
  TRANSACTIONAL_ID: AclResourceTypes.TRANSACTIONAL_ID,
  CLUSTER: AclResourceTypes.CLUSTER,
};
const PATTERN: Record<AclRule['patternType'], ResourcePatternTypes> = {
  LITERAL: ResourcePatternTypes.LITERAL,
  PREFIXED: ResourcePatternTypes.PREFIXED,
};
const OPERATION: Record<AclRule['operations'][number], AclOperationTypes> = {
  READ: AclOperationTypes.READ,
  WRITE: AclOperationTypes.WRITE,
  CREATE: AclOperationTypes.CREATE,
  DELETE: AclOperationTypes.DELETE,
  ALTER: AclOperationTypes.ALTER,
  DESCRIBE: AclOperationTypes.DESCRIBE,
  DESCRIBE_CONFIGS: AclOperationTypes.DESCRIBE_CONFIGS,
};

/** The broker's ALLOW entries (host *) for `rules` granted to `User:<principal>`. */
export function aclEntries(principal: string, rules: ReadonlyArray<AclRule>): AclEntry[] {
  return rules.flatMap((r) =>
    r.operations.map((op) => ({
      resourceType: RESOURCE[r.resourceType],
      resourceName: r.name,
      resourcePatternType: PATTERN[r.patternType],
      principal: `User:${principal}`,
      host: '*',
      operation: OPERATION[op],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

const entryKey = (e: AclEntry) =>
  [e.resourceType, e.resourceName, e.resourcePatternType, e.principal, e.host, e.operation, e.permissionType].join('|');

/** Every ACL entry the broker holds for `User:<principal>`. */
export async function describePrincipalAcls(admin: Admin, principal: string): Promise<AclEntry[]> {
  const res = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    principal: `User:${principal}`,
    host: '*',
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  } as never);
  return res.resources.flatMap((r) =>
    r.acls.map((a) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      resourcePatternType: r.resourcePatternType,
      principal: a.principal,
      host: a.host,
      operation: a.operation,
      permissionType: a.permissionType,
    })),
  );
}

/**
 * Makes `User:<principal>`'s ACLs exactly `rules`: creates what is missing, deletes what is no
 * longer wanted (a principal never keeps a grant its service stopped needing).
 */
export async function applyAcls(
  admin: Admin,
  principal: string,
  rules: ReadonlyArray<AclRule>,
): Promise<{ created: number; deleted: number }> {
  const wanted = aclEntries(principal, rules);
  const have = await describePrincipalAcls(admin, principal);
  const haveKeys = new Set(have.map(entryKey));
  const wantedKeys = new Set(wanted.map(entryKey));
  const missing = wanted.filter((e) => !haveKeys.has(entryKey(e)));
  const extra = have.filter((e) => !wantedKeys.has(entryKey(e)));
  if (missing.length > 0) await admin.createAcls({ acl: missing });
  if (extra.length > 0) {
    await admin.deleteAcls({
      filters: extra.map((e) => ({ ...e })) as never,
    });
  }
  return { created: missing.length, deleted: extra.length };
}

/** Deletes every ACL entry of `User:<principal>`; returns how many there were. */
export async function revokeAcls(admin: Admin, principal: string): Promise<number> {
  const have = await describePrincipalAcls(admin, principal);
  if (have.length > 0) await admin.deleteAcls({ filters: have as never });
  return have.length;
}
