import type { AclOperation, AclResourceType, AclRule } from '@clearance/streams';
import type { EnginePrincipal } from './principals';

/**
 * Strimzi `KafkaUser` resources (kafka.strimzi.io/v1beta2) for the engine's principals: one per
 * service principal with exactly the ACLs of {@link EnginePrincipal.rules} (SCRAM-SHA-512, simple
 * authorization), plus the operator's principal used by the provisioning Job. Strimzi's User
 * Operator creates each user's SCRAM credential and keeps its password in a Secret named like the
 * user (key `password`); the Deployments and Jobs of deploy/k8s read it from there.
 *
 * The output is deterministic (users by name, rules by resource, operations in a fixed order), so
 * deploy/k8s/kafka-users.yaml can be compared byte for byte with a fresh rendering
 * (tests/deploy/kafka-users.spec.ts).
 */

/** The Strimzi `Kafka` resource deploy/k8s is written for (bootstrap, CA Secret, user label). */
export const DEFAULT_KAFKA_CLUSTER = 'clearance';

/** The operator's principal on Kubernetes: provisioning only, a super user of the cluster. */
export const K8S_ADMIN_PRINCIPAL = 'clearance-admin';

/** Where the manifests are kept, and how they are regenerated. */
export const KAFKA_USERS_FILE = 'deploy/k8s/kafka-users.yaml';
export const kafkaUsersCommand = (cluster: string): string =>
  `npm run -s clearance -- principals k8s --cluster ${cluster} > ${KAFKA_USERS_FILE}`;

export interface KafkaUserOptions {
  /** Name of the Strimzi `Kafka` resource (label `strimzi.io/cluster`). */
  cluster: string;
  /** The provisioning principal (default {@link K8S_ADMIN_PRINCIPAL}). */
  admin?: string;
}

const RESOURCE_TYPES: Record<AclResourceType, string> = {
  CLUSTER: 'cluster',
  GROUP: 'group',
  TOPIC: 'topic',
  TRANSACTIONAL_ID: 'transactionalId',
};
const OPERATIONS: Record<AclOperation, string> = {
  READ: 'Read',
  WRITE: 'Write',
  CREATE: 'Create',
  DELETE: 'Delete',
  ALTER: 'Alter',
  DESCRIBE: 'Describe',
  DESCRIBE_CONFIGS: 'DescribeConfigs',
};
const OPERATION_ORDER = Object.keys(OPERATIONS) as AclOperation[];

/** A Kubernetes object name (RFC 1123 subdomain): KafkaUser, Secret and SCRAM user share it. */
const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Code point order: the same on every machine (localeCompare is not). */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A YAML scalar: plain when it cannot be read as anything but that string, else single-quoted. */
function scalar(s: string): string {
  const plain =
    /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(s) &&
    !/^(true|false|yes|no|y|n|on|off|null)$/i.test(s) &&
    !/^[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?$/.test(s) &&
    !/^0[xXoObB]/.test(s);
  return plain ? s : `'${s.replace(/'/g, "''")}'`;
}

/** The rules of one principal merged per resource pattern and sorted (operations in Kafka's order). */
function normalized(rules: ReadonlyArray<AclRule>): AclRule[] {
  const sortKey = (r: AclRule): [string, string, string] => [
    RESOURCE_TYPES[r.resourceType],
    r.resourceType === 'CLUSTER' ? '' : r.name,
    r.patternType,
  ];
  const byResource = new Map<string, AclRule>();
  for (const r of rules) {
    const k = sortKey(r).join('\n');
    const have = byResource.get(k);
    byResource.set(k, { ...r, operations: [...(have?.operations ?? []), ...r.operations] });
  }
  return [...byResource.values()]
    .sort((a, b) => {
      const [ka, kb] = [sortKey(a), sortKey(b)];
      return byCodePoint(ka[0], kb[0]) || byCodePoint(ka[1], kb[1]) || byCodePoint(ka[2], kb[2]);
    })
    .map((r) => ({ ...r, operations: OPERATION_ORDER.filter((o) => r.operations.includes(o)) }));
}

function aclLines(rule: AclRule): string[] {
  const resource =
    rule.resourceType === 'CLUSTER'
      ? '{ type: cluster }'
      : `{ type: ${RESOURCE_TYPES[rule.resourceType]}, name: ${scalar(rule.name)}, patternType: ${
          rule.patternType === 'PREFIXED' ? 'prefix' : 'literal'
        } }`;
  return [
    `      - resource: ${resource}`,
    `        operations: [${rule.operations.map((o) => OPERATIONS[o]).join(', ')}]`,
    `        host: '*'`,
  ];
}

function userDocument(
  name: string,
  cluster: string,
  comment: string[],
  rules: AclRule[] | undefined,
): string {
  const lines = [
    '---',
    ...comment.map((c) => `# ${c}`),
    'apiVersion: kafka.strimzi.io/v1beta2',
    'kind: KafkaUser',
    'metadata:',
    `  name: ${scalar(name)}`,
    '  labels:',
    `    strimzi.io/cluster: ${scalar(cluster)}`,
    'spec:',
    '  authentication:',
    '    type: scram-sha-512',
  ];
  if (rules) {
    lines.push('  authorization:', '    type: simple', '    acls:', ...rules.flatMap(aclLines));
  }
  return lines.join('\n');
}

/**
 * The `KafkaUser` resources of `principals` and of the provisioning principal, as one multi-document
 * YAML string (ending in a newline), for the Strimzi cluster `opts.cluster`.
 */
export function kafkaUserManifests(
  principals: ReadonlyArray<EnginePrincipal>,
  opts: KafkaUserOptions,
): string {
  const admin = opts.admin ?? K8S_ADMIN_PRINCIPAL;
  const names = [admin, ...principals.map((p) => p.name)];
  for (const n of [...names, opts.cluster]) {
    if (!K8S_NAME.test(n) || n.length > 253)
      throw new Error(`'${n}' is not a valid Kubernetes resource name`);
  }
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`principal ${duplicate} is given twice`);

  const users: Array<{ name: string; doc: string }> = principals.map((p) => {
    const rules = normalized(p.rules);
    return {
      name: p.name,
      doc: userDocument(
        p.name,
        opts.cluster,
        [
          `${p.name}: the ${p.service} service's own principal, ${rules.length} ACL rule${rules.length === 1 ? '' : 's'} (least privilege).`,
          `Password: Secret ${p.name}, key password (created by the User Operator).`,
        ],
        rules,
      ),
    };
  });
  users.push({
    name: admin,
    doc: userDocument(
      admin,
      opts.cluster,
      [
        `${admin}: the operator's principal, for provisioning only (the provision Job: topics and`,
        'schemas; the sample-reference Job: reference data). No ACLs here: it is a super user, configured',
        `on the Kafka resource (spec.kafka.authorization.superUsers: [${admin}]). No service runs as it.`,
        `Password: Secret ${admin}, key password (created by the User Operator).`,
      ],
      undefined,
    ),
  });
  users.sort((a, b) => byCodePoint(a.name, b.name));

  const header = [
    `# Generated by \`${kafkaUsersCommand(opts.cluster)}\`:`,
    '# do not edit. The ACLs are derived from the code (enginePrincipals in',
    '# tools/cli/src/security/principals.ts, with the application and group ids of the environment;',
    '# unset = the defaults, which the Deployments here use). tests/deploy/kafka-users.spec.ts fails',
    '# when this file differs from a fresh rendering: regenerate it with the command above.',
    `# Strimzi cluster: ${opts.cluster}. The User Operator must watch this namespace (README.md).`,
  ];
  return `${[header.join('\n'), ...users.map((u) => u.doc)].join('\n')}\n`;
}

/**
 * On a Strimzi cluster the User Operator owns users and ACLs (it removes ACLs of users it has no
 * KafkaUser for) and the Topic Operator topics: a participant is registered there as a KafkaUser
 * with {@link participantAcls}-equivalent rules and KafkaTopic resources for its input topics,
 * their DLQs and its feeds. `clearance participants manifest` prints these; after `kubectl apply`,
 * `clearance participants add --registry-only` publishes its registry record.
 */
export function participantManifests(
  p: { principal: string; role: string; code: string; rules: AclRule[]; topics: Array<{ name: string; partitions: number }> },
  opts: KafkaUserOptions & { replicas?: number },
): string {
  if (!K8S_NAME.test(p.principal)) throw new Error(`'${p.principal}' is not a valid Kubernetes resource name`);
  const docs = [
    userDocument(
      p.principal,
      opts.cluster,
      [
        `${p.principal}: participant ${p.code} (${p.role.toLowerCase()}): writes its input topics, reads its feeds, nothing else.`,
        `Password: Secret ${p.principal}, key password (created by the User Operator); hand it to the participant.`,
      ],
      normalized(p.rules),
    ),
    ...p.topics.map((t) =>
      [
        '---',
        'apiVersion: kafka.strimzi.io/v1beta2',
        'kind: KafkaTopic',
        'metadata:',
        // a KafkaTopic's name must be a Kubernetes name; the topic's own name goes in spec.topicName
        `  name: ${scalar(t.name.toLowerCase().replace(/[^a-z0-9.-]/g, '-'))}`,
        '  labels:',
        `    strimzi.io/cluster: ${scalar(opts.cluster)}`,
        'spec:',
        `  topicName: ${scalar(t.name)}`,
        `  partitions: ${t.partitions}`,
        `  replicas: ${opts.replicas ?? 3}`,
      ].join('\n'),
    ),
  ];
  return `${docs.join('\n')}\n`;
}
