/**
 * Reading deploy/k8s for the offline checks (k8s-manifests.spec.ts, kafka-users.spec.ts): the
 * kustomization's resources, the KEDA component, every workload's containers and the environment
 * a container sees (ConfigMap, then its own env; values from Secrets as placeholders).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '../..');
export const K8S = path.join(ROOT, 'deploy/k8s');

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML */
export type Manifest = {
  kind: string;
  apiVersion: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: any;
  data?: any;
};

/** The documents of a YAML file under deploy/k8s. */
export function load(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJSON() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

export const kustomization = load('kustomization.yaml')[0] as any;
/** What `kubectl apply -k deploy/k8s` applies. */
export const applied: Manifest[] = (kustomization.resources as string[]).flatMap(load);
/** The optional KEDA component (ScaledObjects and their TriggerAuthentications). */
export const keda: Manifest[] = (load('keda/kustomization.yaml')[0] as any).resources.flatMap((f: string) =>
  load(`keda/${f}`),
);

export const of = (kind: string, name: string, from: Manifest[] = applied): Manifest => {
  const m = from.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return m;
};

export const config: Record<string, string> = of('ConfigMap', 'clearance-config').data;

/** Placeholders for the values pods take from Secrets (which this folder does not hold). */
export const PLACEHOLDER_SECRET: Record<string, string> = {
  DATABASE_URL: 'postgres://clearance:secret@postgres.db.svc:5432/clearance',
  KAFKA_SASL_PASSWORD: 'placeholder-password',
};

/**
 * The container's environment as the pod sees it: envFrom ConfigMap, then env. Only two settings
 * may come from Secrets: DATABASE_URL (Secret clearance-postgres) and KAFKA_SASL_PASSWORD (the
 * Secret of a KafkaUser, key password; kafka-users.spec.ts checks it is the container's own).
 */
export function podEnv(container: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef?.name !== 'clearance-config') {
      throw new Error(
        `${container.name}: envFrom ${JSON.stringify(from)}: only the ConfigMap clearance-config`,
      );
    }
    Object.assign(env, config);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = String(e.value);
      continue;
    }
    const ref = e.valueFrom?.secretKeyRef;
    const ok =
      (e.name === 'DATABASE_URL' && ref?.name === 'clearance-postgres' && ref?.key === 'DATABASE_URL') ||
      (e.name === 'KAFKA_SASL_PASSWORD' && typeof ref?.name === 'string' && ref?.key === 'password');
    if (!ok)
      throw new Error(`${container.name}: ${e.name} from ${JSON.stringify(e.valueFrom)} is not expected`);
    env[e.name] = PLACEHOLDER_SECRET[e.name];
  }
  return env;
}

/** A Deployment, Job or CronJob container with the pod spec it runs in. */
export interface WorkloadContainer {
  file: string;
  kind: 'Deployment' | 'Job' | 'CronJob';
  name: string;
  applied: boolean;
  pod: any;
  container: any;
}

const podSpecOf = (m: Manifest): any =>
  m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template.spec : m.spec.template.spec;

/** Every container of every Deployment, Job and CronJob in deploy/k8s (applied or not). */
export function workloadContainers(): WorkloadContainer[] {
  const appliedFiles = new Set(kustomization.resources as string[]);
  return readdirSync(K8S)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .flatMap((file) =>
      load(file)
        .filter((m) => m.kind === 'Deployment' || m.kind === 'Job' || m.kind === 'CronJob')
        .flatMap((m) => {
          const pod = podSpecOf(m);
          return (pod.containers as any[]).map((container): WorkloadContainer => ({
            file,
            kind: m.kind as WorkloadContainer['kind'],
            name: m.metadata.name,
            applied: appliedFiles.has(file),
            pod,
            container,
          }));
        }),
    );
}
