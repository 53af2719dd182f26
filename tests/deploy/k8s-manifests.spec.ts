/**
 * The Kubernetes manifests of deploy/k8s against the code they run: every service has a
 * Deployment whose environment passes that service's own configuration validation (the schema
 * its main.ts applies at start), names no setting the service does not read, and whose probes
 * and ports are the ones the service serves; the jobs run CLI commands that exist; KEDA scales
 * on the consumer groups the services really use. How they connect to Kafka (SASL_SSL, each as
 * its own KafkaUser) is checked in kafka-users.spec.ts. No cluster is needed (none exists where
 * this runs); `kubectl apply -k deploy/k8s --dry-run=server` is the check against a real one.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { streamsEnvSchema, validateConfig, type StreamsServiceSpec } from '@clearance/nest-streams';
import { matcherService } from '@clearance/matcher';
import { riskService } from '@clearance/risk';
import { lifecycleService } from '@clearance/lifecycle';
import { declarationService } from '@clearance/declaration';
import { intakeService } from '@clearance/intake';
import { feedService } from '@clearance/feed';
import { projectorEnvSchema } from '@clearance/projector';
import { queryApiConfigFromEnv } from '@clearance/query-api';
import { gatewayConfigFromEnv } from '@clearance/gateway';
import { closePeriodArgument } from '@clearance/cli';
import {
  config,
  keda as kedaComponent,
  kustomization,
  load,
  of,
  podEnv,
  ROOT,
  type Manifest,
} from './manifests';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML */
const keda = kedaComponent.filter((m) => m.kind === 'ScaledObject');

/** Setting names a zod object schema reads (through .transform). */
function keysOf(schema: z.ZodTypeAny): string[] {
  let s: any = schema;
  while (s instanceof z.ZodEffects) s = s.innerType();
  return Object.keys((s as z.AnyZodObject).shape);
}

const containerOf = (deployment: Manifest) => {
  const containers = deployment.spec.template.spec.containers;
  expect(containers).toHaveLength(1);
  return containers[0];
};
const portOf = (container: any, name: string): number =>
  container.ports.find((p: any) => p.name === name).containerPort;
const NODE_SETTINGS = ['NODE_OPTIONS'];
const partitions = Number(config.PARTITIONS);

/** Each stream service with the consumer group that carries its load (what KEDA watches). */
const STREAM_SERVICES: Array<{
  name: string;
  spec: StreamsServiceSpec<any>;
  group: (config: any) => string;
}> = [
  { name: 'matcher', spec: matcherService, group: (c) => c.groupId },
  { name: 'risk', spec: riskService, group: (c) => c.groupId },
  { name: 'lifecycle', spec: lifecycleService, group: (c) => c.lifecycle.groupId },
  // no groupId function: the group is the processor's application id
  { name: 'declaration', spec: declarationService, group: (c) => c.aggregatorApplicationId },
  { name: 'intake', spec: intakeService, group: (c) => c.groupId },
  { name: 'feed', spec: feedService, group: (c) => c.groupId },
];

describe('deploy/k8s manifests', () => {
  it('every service under services/ has a Deployment running its main.ts from the kustomized image', () => {
    const services = readdirSync(path.join(ROOT, 'services')).filter((d) =>
      existsSync(path.join(ROOT, 'services', d, 'src/main.ts')),
    );
    expect(services.sort()).toEqual([
      'declaration',
      'feed',
      'gateway',
      'intake',
      'lifecycle',
      'matcher',
      'projector',
      'query-api',
      'risk',
    ]);
    const images = new Set((kustomization.images as Array<{ name: string }>).map((i) => i.name));
    for (const name of services) {
      const c = containerOf(of('Deployment', name));
      expect(c.args).toEqual([`services/${name}/src/main.ts`]);
      expect(images.has(c.image)).toBe(true);
    }
    // and the image's entrypoint runs TypeScript sources the way package.json does
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "-r", "@swc-node\/register"\]/);
    for (const dir of ['libs', 'services', 'tools', 'schemas', 'patches'])
      expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
  });

  it.each(STREAM_SERVICES.map((s) => [s.name, s] as const))(
    '%s: its environment passes the service validation, with health and metrics on the probed port',
    (name, { spec }) => {
      const deployment = of('Deployment', name);
      const c = containerOf(deployment);
      const env = podEnv(c);
      const streams = validateConfig(streamsEnvSchema, env, name);
      validateConfig(spec.config, env, name);
      const known = new Set([...keysOf(streamsEnvSchema), ...keysOf(spec.config), ...NODE_SETTINGS]);
      expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);

      expect(streams.HTTP_HOST).toBe('0.0.0.0');
      expect(streams.HTTP_PORT).toBe(portOf(c, 'http'));
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(Number(deployment.spec.template.metadata.annotations['prometheus.io/port'])).toBe(
        streams.HTTP_PORT,
      );
      expect(deployment.spec.replicas).toBeLessThanOrEqual(streams.PARTITIONS);
      expect(of('PodDisruptionBudget', name).spec.selector).toEqual(deployment.spec.selector);
    },
  );

  it('projector: its environment passes its validation (DATABASE_URL from the secret), probes on its port', () => {
    const c = containerOf(of('Deployment', 'projector'));
    const env = podEnv(c);
    const parsed = projectorEnvSchema.parse(env);
    expect(
      Object.keys(env).filter((k) => !new Set([...keysOf(projectorEnvSchema), ...NODE_SETTINGS]).has(k)),
    ).toEqual([]);
    expect(parsed.HTTP_HOST).toBe('0.0.0.0');
    expect(parsed.HTTP_PORT).toBe(portOf(c, 'http'));
    expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/health/live');
  });

  it('query-api: its environment passes its validation; the Service reaches the port it listens on', () => {
    const c = containerOf(of('Deployment', 'query-api'));
    const env = podEnv(c);
    const parsed = queryApiConfigFromEnv(env);
    expect(Object.keys(env).sort()).toEqual([
      'DATABASE_POOL_SIZE',
      'DATABASE_URL',
      'HOST',
      'PORT',
      'PROJECTION_SCHEMA_PREFIX',
    ]);
    expect(parsed.host).toBe('0.0.0.0');
    expect(parsed.port).toBe(portOf(c, 'http'));
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(of('Service', 'query-api').spec.ports[0].targetPort).toBe('http');
  });

  it('gateway: its environment (config map, its principal, the CA) passes its validation; Service and probes on its port', () => {
    const c = containerOf(of('Deployment', 'gateway'));
    const env = podEnv(c);
    // the mounted cluster CA is not here: a stand-in PEM file for the connection check
    const ca = path.join(mkdtempSync(path.join(tmpdir(), 'gateway-ca-')), 'ca.crt');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n');
    expect(env.KAFKA_SSL_CA_FILE).toBe('/etc/kafka-ca/ca.crt');
    const parsed = gatewayConfigFromEnv({ ...env, KAFKA_SSL_CA_FILE: ca });
    expect(env.KAFKA_SASL_USERNAME).toBe('svc-gateway');
    expect(parsed.host).toBe('0.0.0.0');
    expect(parsed.port).toBe(portOf(c, 'http'));
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(of('Service', 'gateway').spec.ports[0].targetPort).toBe('http');
    expect(of('PodDisruptionBudget', 'gateway').spec.selector).toEqual(of('Deployment', 'gateway').spec.selector);
  });

  it('the provisioning job and the period-close CronJob run CLI commands that exist, with valid arguments', () => {
    const cli = readFileSync(path.join(ROOT, 'tools/cli/src/main.ts'), 'utf8');
    const commands = new Set([...cli.matchAll(/\.command\('([a-z-]+)'\)/g)].map((m) => m[1]));
    const jobs = [
      containerOf({ spec: of('Job', 'clearance-provision').spec } as Manifest),
      containerOf({ spec: of('CronJob', 'period-close').spec.jobTemplate.spec } as Manifest),
      containerOf({ spec: load('sample-reference.yaml')[0].spec } as Manifest),
    ];
    for (const c of jobs) {
      expect(c.args[0]).toBe('tools/cli/src/main.ts');
      expect(commands.has(c.args[1])).toBe(true);
      expect(podEnv(c).KAFKA_BROKERS).toBe(config.KAFKA_BROKERS);
    }
    const [, , flag, granularity] = jobs[1].args;
    expect(flag).toBe('--last-ended');
    // early on the 5th in China the month that has ended is the one before
    expect(closePeriodArgument(undefined, granularity, Date.UTC(2026, 11, 4, 18, 0))).toBe('202611');
    expect(of('CronJob', 'period-close').spec.timeZone).toBe('Asia/Shanghai');
  });

  it('KEDA scales each stream service on the consumer group it really uses, up to the partition count', () => {
    const groups = new Map<string, string>(
      STREAM_SERVICES.map(({ name, spec, group }) => [
        name,
        group(validateConfig(spec.config, podEnv(containerOf(of('Deployment', name))), name)),
      ]),
    );
    groups.set(
      'projector',
      projectorEnvSchema.parse(podEnv(containerOf(of('Deployment', 'projector')))).PROJECTOR_GROUP_ID,
    );
    expect(keda.map((m) => m.metadata.name).sort()).toEqual([...groups.keys()].sort());
    for (const so of keda) {
      expect(so.kind).toBe('ScaledObject');
      expect(of('Deployment', so.spec.scaleTargetRef.name)).toBeDefined();
      const trigger = so.spec.triggers[0];
      expect(trigger.type).toBe('kafka');
      expect(trigger.metadata.consumerGroup).toBe(groups.get(so.metadata.name));
      expect(trigger.metadata.bootstrapServers).toBe(config.KAFKA_BROKERS);
      expect(so.spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
    }
  });
});
