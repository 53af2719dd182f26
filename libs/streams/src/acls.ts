import type { AnyProcessorDefinition } from './definition';
import { changelogTopic, checkpointTopic, deadLetterTopic } from './internal/names';

/** Kafka ACL operations the engine grants (a subset of Kafka's AclOperation). */
export type AclOperation = 'READ' | 'WRITE' | 'CREATE' | 'DESCRIBE' | 'DESCRIBE_CONFIGS' | 'ALTER' | 'DELETE';
export type AclResourceType = 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID' | 'CLUSTER';
export type AclPatternType = 'LITERAL' | 'PREFIXED';

/** One ALLOW rule for a principal: `operations` on the resource(s) `name` matches. */
export interface AclRule {
  resourceType: AclResourceType;
  name: string;
  patternType: AclPatternType;
  operations: AclOperation[];
}

/**
 * What a runtime of `definition` needs and nothing more (least privilege), from the names it
 * uses: read its inputs and global tables, write its outputs and dead-letter topics, own its
 * internal topics (its changelogs and checkpoint topic, by name: create, read, write), its
 * consumer groups (the group, and `<group>.` restore, standby and global-table readers) and its
 * transactional ids (`<applicationId>-<task>`). Kafka Streams needs the same set.
 */
export function runtimeAcls(
  definition: AnyProcessorDefinition,
  names: { applicationId?: string; groupId?: string } = {},
): AclRule[] {
  const app = names.applicationId ?? definition.name;
  const group = names.groupId ?? app;
  const inputs = Object.keys(definition.inputs);
  const outputs = Object.keys(definition.outputs);
  const globals = Object.values((definition.globals ?? {}) as Record<string, { topic: string }>).map((g) => g.topic);
  const rules: AclRule[] = [];
  const topic = (name: string, operations: AclOperation[], patternType: AclPatternType = 'LITERAL') =>
    rules.push({ resourceType: 'TOPIC', name, patternType, operations });
  for (const t of unique([...inputs, ...globals])) {
    topic(t, outputs.includes(t) ? ['READ', 'WRITE', 'DESCRIBE'] : ['READ', 'DESCRIBE']);
  }
  for (const t of unique([...outputs, ...inputs.map(deadLetterTopic)])) {
    if (!inputs.includes(t) && !globals.includes(t)) topic(t, ['WRITE', 'DESCRIBE']);
  }
  // outputs named at run time (e.g. participants' feeds): the prefix; the topics are created by
  // whoever registers them, the runtime only writes
  for (const prefix of Object.keys(definition.outputPrefixes ?? {})) topic(prefix, ['WRITE', 'DESCRIBE'], 'PREFIXED');
  // internal topics, by name (a prefix `<app>.` could match shared topics such as risk.rules.v1)
  for (const t of [...Object.keys(definition.stores ?? {}).map((s) => changelogTopic(app, s)), checkpointTopic(app)]) {
    topic(t, ['CREATE', 'READ', 'WRITE', 'DESCRIBE']);
  }
  rules.push({ resourceType: 'GROUP', name: group, patternType: 'LITERAL', operations: ['READ', 'DESCRIBE'] });
  rules.push({ resourceType: 'GROUP', name: `${group}.`, patternType: 'PREFIXED', operations: ['READ', 'DESCRIBE'] });
  rules.push({ resourceType: 'TRANSACTIONAL_ID', name: `${app}-`, patternType: 'PREFIXED', operations: ['WRITE', 'DESCRIBE'] });
  return rules;
}

/** Merges rules on the same resource pattern (operations united), in a stable order. */
export function mergeAcls(rules: ReadonlyArray<AclRule>): AclRule[] {
  const byResource = new Map<string, AclRule>();
  for (const r of rules) {
    const k = `${r.resourceType}|${r.patternType}|${r.name}`;
    const have = byResource.get(k);
    if (have) have.operations = unique([...have.operations, ...r.operations]);
    else byResource.set(k, { ...r, operations: [...r.operations] });
  }
  const order: AclOperation[] = ['READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS'];
  return [...byResource.values()]
    .map((r) => ({ ...r, operations: [...r.operations].sort((a, b) => order.indexOf(a) - order.indexOf(b)) }))
    .sort((a, b) => `${a.resourceType}|${a.name}|${a.patternType}`.localeCompare(`${b.resourceType}|${b.name}|${b.patternType}`));
}

function unique<T>(xs: ReadonlyArray<T>): T[] {
  return [...new Set(xs)];
}
