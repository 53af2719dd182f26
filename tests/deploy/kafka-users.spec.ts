/**
 * The Kafka principals of deploy/k8s against the code, offline:
 * - kafka-users.yaml (Strimzi KafkaUser resources) is byte for byte what `clearance principals k8s`
 *   renders from enginePrincipals() with the application and group ids the manifests set, so a
 *   code change that needs another ACL fails here until the file is regenerated;
 * - every Deployment, Job and CronJob container that talks to Kafka does it over SASL_SSL
 *   (SCRAM-SHA-512) at the cluster's TLS listener, as a KafkaUser of that file (each service as its
 *   own `svc-<service>`), its password from that user's Secret and the cluster CA mounted from the
 *   cluster CA Secret; KEDA's triggers authenticate the same way;
 * - only the provisioning Jobs run as the operator's principal, and no service principal may write
 *   reference data or rule sets.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { allTopics } from '@clearance/contracts';
import {
  config,
  K8S,
  keda,
  load,
  of,
  podEnv,
  ROOT,
  workloadContainers,
  type WorkloadContainer,
} from './manifests';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML */
const FILE = 'kafka-users.yaml';
const ADMIN = 'clearance-admin';
/** The Jobs that provision (topics, schemas, reference data): the only ones running as ADMIN. */
const PROVISIONING_JOBS = ['clearance-provision', 'clearance-sample-reference'];

const onDisk = readFileSync(path.join(K8S, FILE), 'utf8');
const users = load(FILE);
const userNames = users.map((u) => u.metadata.name);
const cluster: string = users[0]?.metadata.labels?.['strimzi.io/cluster'] ?? '(no strimzi.io/cluster label)';
const caSecret = `${cluster}-cluster-ca-cert`;
const regenerate = `npm run -s clearance -- principals k8s --cluster ${cluster} > deploy/k8s/${FILE}`;

/** The containers that connect to Kafka (they get KAFKA_BROKERS). */
const kafkaClients: Array<WorkloadContainer & { env: Record<string, string> }> = workloadContainers()
  .map((w) => ({ ...w, env: podEnv(w.container) }))
  .filter((w) => w.env.KAFKA_BROKERS !== undefined);
const label = (w: WorkloadContainer) => `${w.kind} ${w.name} (${w.file}), container ${w.container.name}`;

/**
 * The settings the applied workloads give their processes, merged (application and group ids name
 * the principals' groups, transactional ids and internal topics). Identity, heap and CA path are
 * per container and name no Kafka resource.
 */
function manifestSettings(): Record<string, string> {
  const merged: Record<string, string> = {};
  const from: Record<string, string> = {};
  for (const w of kafkaClients.filter((c) => c.applied)) {
    for (const [k, v] of Object.entries(w.env)) {
      if (k.startsWith('KAFKA_') || k === 'NODE_OPTIONS' || k === 'DATABASE_URL') continue;
      if (merged[k] !== undefined && merged[k] !== v) {
        throw new Error(
          `${k} is ${merged[k]} in ${from[k]} but ${v} in ${label(w)}: one environment cannot render both`,
        );
      }
      merged[k] = v;
      from[k] = label(w);
    }
  }
  return merged;
}

/** `clearance principals k8s --cluster <cluster>` (tools/cli/src/main.ts) in a clean environment plus `env`. */
function render(env: Record<string, string>): string {
  const r = spawnSync(
    process.execPath,
    ['-r', '@swc-node/register', 'tools/cli/src/main.ts', 'principals', 'k8s', '--cluster', cluster],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, ...env },
    },
  );
  if (r.status !== 0)
    throw new Error(`clearance principals k8s failed (exit ${r.status}):\n${r.stderr}${r.error ?? ''}`);
  return r.stdout;
}

/** The lines only one of the two texts has (enough to see what changed). */
function lineDiff(expected: string, actual: string, max = 30): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  out.push(`first difference at line ${i + 1} (- the file, + rendered from the code):`);
  for (let k = i; k < Math.min(i + max, Math.max(a.length, b.length)); k++) {
    if (a[k] !== b[k]) {
      if (k < a.length) out.push(`  - ${a[k]}`);
      if (k < b.length) out.push(`  + ${b[k]}`);
    }
  }
  return out.join('\n');
}

const WRITES = ['Write', 'Create', 'Delete', 'Alter', 'All'];

describe(`deploy/k8s/${FILE}: the Kafka principals`, () => {
  it('is exactly what `clearance principals k8s` renders from the code (enginePrincipals)', () => {
    const settings = manifestSettings();
    const fresh = render(settings);
    if (fresh === onDisk) return;
    // the command to give: plain when the manifests use the code's default ids
    const ids = Object.entries(settings)
      .filter(([k]) => /_ID$/.test(k))
      .map(([k, v]) => `${k}=${v}`);
    const command = render({}) === fresh ? regenerate : `${ids.join(' ')} ${regenerate}`;
    throw new Error(
      `deploy/k8s/${FILE} is not what the code needs (a service's topics, groups or transactional ids changed?).\n` +
        `Regenerate it and commit the result:\n\n  ${command}\n\n` +
        lineDiff(onDisk, fresh),
    );
  }, 120_000);

  it('holds Strimzi KafkaUsers of one cluster, SCRAM-SHA-512, names as Kubernetes allows', () => {
    expect(onDisk.startsWith(`# Generated by \`${regenerate}\``)).toBe(true);
    expect(users.length).toBeGreaterThan(1);
    for (const u of users) {
      expect(u.apiVersion).toBe('kafka.strimzi.io/v1beta2');
      expect(u.kind).toBe('KafkaUser');
      expect(u.metadata.labels).toEqual({ 'strimzi.io/cluster': cluster });
      expect(u.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(u.spec.authentication).toEqual({ type: 'scram-sha-512' });
    }
    expect(new Set(userNames).size).toBe(userNames.length);
    expect(
      (readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8').match(/- kafka-users\.yaml$/gm) ?? [])
        .length,
    ).toBe(1);
    expect(users.every((u) => of('KafkaUser', u.metadata.name))).toBe(true); // applied by the kustomization
  });

  it('every container that talks to Kafka does so over SASL_SSL as its own KafkaUser, with the cluster CA', () => {
    expect(kafkaClients.map((w) => w.name).sort()).toEqual(
      expect.arrayContaining([
        'clearance-provision',
        'feed',
        'intake',
        'matcher',
        'period-close',
        'projector',
        'risk',
      ]),
    );
    // the identity is per container, never shared through the ConfigMap
    expect(config.KAFKA_SASL_USERNAME).toBeUndefined();
    expect(config.KAFKA_SASL_PASSWORD).toBeUndefined();
    for (const w of kafkaClients) {
      const { env, container, pod } = w;
      const where = label(w);
      expect({ where, protocol: env.KAFKA_SECURITY_PROTOCOL }).toEqual({ where, protocol: 'SASL_SSL' });
      expect({ where, mechanism: env.KAFKA_SASL_MECHANISM }).toEqual({ where, mechanism: 'SCRAM-SHA-512' });
      // the TLS listener of the cluster's bootstrap service
      for (const broker of env.KAFKA_BROKERS.split(',')) {
        expect({ where, broker }).toEqual({
          where,
          broker: expect.stringMatching(
            new RegExp(`^${cluster}-kafka-bootstrap\\.[a-z0-9-]+\\.svc(\\.cluster\\.local)?:9093$`),
          ),
        });
      }
      // a user of kafka-users.yaml, its password from that user's Secret
      const username = env.KAFKA_SASL_USERNAME;
      expect({ where, username, known: userNames.includes(username) }).toEqual({
        where,
        username,
        known: true,
      });
      const password = (container.env as any[]).find((e) => e.name === 'KAFKA_SASL_PASSWORD');
      expect({ where, password: password?.valueFrom }).toEqual({
        where,
        password: { secretKeyRef: { name: username, key: 'password' } },
      });
      // the CA file is the cluster CA certificate, mounted from its Secret
      const caFile = env.KAFKA_SSL_CA_FILE;
      const mount = (container.volumeMounts as any[] | undefined)?.find((m) =>
        caFile?.startsWith(`${m.mountPath}/`),
      );
      const volume = (pod.volumes as any[] | undefined)?.find((v) => v.name === mount?.name);
      const file = mount ? caFile.slice(mount.mountPath.length + 1) : undefined;
      const items: Array<{ key: string; path: string }> | undefined = volume?.secret?.items;
      const key = items ? items.find((i) => i.path === file)?.key : file;
      expect({ where, caFile, secret: volume?.secret?.secretName, key }).toEqual({
        where,
        caFile,
        secret: caSecret,
        key: 'ca.crt',
      });
    }
  });

  it('each service runs as its own principal; only the provisioning Jobs run as the operator', () => {
    for (const w of kafkaClients) {
      const username = w.env.KAFKA_SASL_USERNAME;
      const service = /^services\/([^/]+)\/src\/main\.ts$/.exec(w.container.args?.[0] ?? '')?.[1];
      let expected: string;
      if (w.kind === 'Deployment') expected = `svc-${service}`;
      else if (w.kind === 'CronJob') expected = `svc-${w.name}`;
      else expected = PROVISIONING_JOBS.includes(w.name) ? ADMIN : '(a Job that is not a provisioning Job)';
      expect({ where: label(w), username }).toEqual({ where: label(w), username: expected });
    }
    expect(
      kafkaClients
        .filter((w) => w.env.KAFKA_SASL_USERNAME === ADMIN)
        .map((w) => `${w.kind} ${w.name}`)
        .sort(),
    ).toEqual(PROVISIONING_JOBS.map((j) => `Job ${j}`).sort());
    // every KafkaUser is somebody's (a stale user is a credential nobody rotates)
    const used = new Set(kafkaClients.filter((w) => w.applied).map((w) => w.env.KAFKA_SASL_USERNAME));
    expect(userNames.filter((u) => !used.has(u))).toEqual([]);
  });

  it('the operator is a super user with no ACLs; no service principal writes reference data or rule sets', () => {
    const admin = users.find((u) => u.metadata.name === ADMIN);
    expect(admin).toBeDefined();
    expect(admin?.spec.authorization).toBeUndefined(); // its rights: superUsers on the Kafka resource
    for (const u of users.filter((x) => x.metadata.name !== ADMIN)) {
      expect(u.metadata.name).toMatch(/^svc-/);
      expect(u.spec.authorization.type).toBe('simple');
      for (const acl of u.spec.authorization.acls as any[]) {
        const rule = `${u.metadata.name}: ${JSON.stringify(acl)}`;
        expect({ rule, host: acl.host }).toEqual({ rule, host: '*' });
        expect({ rule, type: acl.resource.type }).not.toEqual({ rule, type: 'cluster' });
        const writes = (acl.operations as string[]).some((o) => WRITES.includes(o));
        if (acl.resource.type !== 'topic' || !writes) continue;
        const hits = allTopics
          .filter((t) => t.compacted)
          .map((t) => t.name)
          .filter((t) =>
            acl.resource.patternType === 'prefix' ? t.startsWith(acl.resource.name) : t === acl.resource.name,
          );
        expect({ rule, writesReferenceTopics: hits }).toEqual({ rule, writesReferenceTopics: [] });
      }
    }
  });

  it("KEDA's triggers connect like the service they scale: its username, its Secret, the cluster CA", () => {
    const auths = keda.filter((m) => m.kind === 'TriggerAuthentication');
    for (const so of keda.filter((m) => m.kind === 'ScaledObject')) {
      const deployment = of('Deployment', so.spec.scaleTargetRef.name);
      const container = deployment.spec.template.spec.containers[0];
      const env = podEnv(container);
      for (const trigger of so.spec.triggers) {
        expect(trigger.metadata).toEqual(
          expect.objectContaining({
            bootstrapServers: config.KAFKA_BROKERS,
            sasl: 'scram_sha512',
            tls: 'enable',
          }),
        );
        const auth = auths.find((a) => a.metadata.name === trigger.authenticationRef?.name);
        expect(auth).toBeDefined();
        expect(auth?.spec.env).toEqual([
          { parameter: 'username', name: 'KAFKA_SASL_USERNAME', containerName: container.name },
        ]);
        expect(auth?.spec.secretTargetRef).toEqual(
          expect.arrayContaining([
            { parameter: 'password', name: env.KAFKA_SASL_USERNAME, key: 'password' },
            { parameter: 'ca', name: caSecret, key: 'ca.crt' },
          ]),
        );
        expect(auth?.spec.secretTargetRef).toHaveLength(2);
      }
    }
  });
});
