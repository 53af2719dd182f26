/**
 * Turns the declarative catalog into per-message tables, once, at load: for each group of a node
 * every element it may hold (standard, then extension fields in Avro order) with its converter,
 * facets, target Avro field and whether it is required; and a template of the Avro record.
 */
import type { AvroFieldDef, CebElementDef, CebFieldDef } from './catalog-types';
import { AVRO_RECORDS, CEB_MESSAGES, type AvroRecordName, type CebCatalogMessage } from './catalog.generated';
import { BASE_TRANSFER, DECLARED_RULES, INBOUND, groupDef, ruleGroup, type InboundSpec } from './catalog';
import type { InboundMessageType, ReturnMessageType } from './types';
import type { ValueRule } from './values';

export interface FieldPlan extends ValueRule {
  /** position in the group (render order) */
  readonly index: number;
  /** local element name */
  readonly element: string;
  /** `ceb:`-qualified name for writing */
  readonly qname: string;
  /** Avro field it fills, or null for a standard element the engine does not keep (e.g. batchNumbers) */
  readonly avro: string | null;
  readonly required: boolean;
  /**
   * A required standard element the standard lets be empty (minLength 0, e.g. CEB603 ebpName): an
   * empty element satisfies it (the Avro value stays null) and toCebXml writes a null as one.
   * False where the engine needs a value (CEB603 ebcCode: a non-null Avro field).
   */
  readonly mayBeEmpty: boolean;
  /** The value the message type fixes (CEB603 ieFlag E, CEB621 I): any other is a problem. */
  readonly fixed?: string;
  /** in the standard message (false: an extension field) */
  readonly standard: boolean;
  /** where its rule came from: the message name, or 'declared' */
  readonly ruleFrom: string;
}

export interface GroupPlan {
  /** element name used in problem paths ('OrderHead', 'Receipts', 'OrderList') */
  readonly element: string;
  readonly qname: string;
  readonly fields: ReadonlyArray<FieldPlan>;
  readonly byElement: ReadonlyMap<string, FieldPlan>;
  /** Avro record with every field null, plus the derived values */
  readonly template: Readonly<Record<string, unknown>>;
  /** the required fields, for the missing check */
  readonly required: ReadonlyArray<FieldPlan>;
  /** which fields a group read has seen (scratch reused by every read: parsing is synchronous) */
  readonly seen: Uint8Array;
}

export interface MessagePlan {
  readonly spec: InboundSpec;
  /** the repeated data element ('Order', 'Receipts', 'Logistics', 'Departure') */
  readonly node: string;
  readonly nodeQname: string;
  readonly maxNodes: number;
  /** the head group; `nested` when it is a child element of the node */
  readonly head: GroupPlan;
  readonly nested: boolean;
  readonly list: { plan: GroupPlan; minOccurs: number; maxOccurs: number; avroField: string } | null;
}

export const CEB_PREFIX = 'ceb';
const qualify = (local: string): string => `${CEB_PREFIX}:${local}`;

function ruleOf(def: CebFieldDef): Omit<ValueRule, 'conv'> {
  return {
    length: def.length,
    minLength: def.minLength,
    maxLength: def.maxLength,
    totalDigits: def.totalDigits,
    fractionDigits: def.fractionDigits,
    collapse: def.collapse,
  };
}

function convFor(def: CebFieldDef, avro: AvroFieldDef | undefined, where: string): FieldPlan['conv'] {
  if (!avro) return def.type;
  if (avro.kind === 'boolean') return 'boolean';
  if (avro.kind !== def.type) {
    throw new Error(`${where}: the standard's ${def.type} does not fit Avro ${avro.kind} ${avro.name}`);
  }
  return def.type;
}

/** Finds the rule of an extension field: the list message, the sibling, the other list, then declared. */
function extensionRule(
  spec: InboundSpec,
  isList: boolean,
  record: AvroRecordName,
  name: string,
): { def: CebFieldDef; from: string } | undefined {
  for (const source of spec.ruleSources) {
    const group = ruleGroup(spec, source, isList);
    const el = group ? groupDef(source, group) : undefined;
    const renames = INBOUND[source as InboundMessageType]?.renames ?? {};
    const def = el?.fields.find((f) => (renames[f.name] ?? f.name) === name);
    if (def) return { def, from: source };
  }
  const declared = DECLARED_RULES[record]?.[name];
  return declared ? { def: declared, from: 'declared' } : undefined;
}

function groupPlan(
  el: CebElementDef,
  record: AvroRecordName | null,
  spec: InboundSpec | null,
  isList: boolean,
): GroupPlan {
  const avroFields = record ? AVRO_RECORDS[record].fields : [];
  const avroByName = new Map(avroFields.map((f) => [f.name, f]));
  const renames = spec?.renames ?? {};
  const derived = spec?.derived ?? {};
  const fields: FieldPlan[] = [];
  const covered = new Set<string>(Object.keys(derived));
  const where = `${spec?.type ?? 'BaseTransfer'} ${el.name}`;
  for (const def of el.fields) {
    const target = record ? (renames[def.name] ?? def.name) : def.name;
    const avro = avroByName.get(target);
    if (avro) covered.add(target);
    fields.push({
      index: fields.length,
      element: def.name,
      qname: qualify(def.name),
      conv: convFor(def, avro, `${where}.${def.name}`),
      ...ruleOf(def),
      avro: !record || avro ? target : null,
      required: def.minOccurs === 1 || (avro !== undefined && !avro.nullable),
      mayBeEmpty: def.minOccurs === 1 && def.minLength === 0 && (avro === undefined || avro.nullable),
      ...(avro && target in derived ? { fixed: derived[target] } : {}),
      standard: true,
      ruleFrom: spec?.type ?? 'BaseTransfer',
    });
  }
  if (record && spec) {
    for (const avro of avroFields) {
      if (covered.has(avro.name) || avro.kind === 'array') continue;
      const found = extensionRule(spec, isList, record, avro.name);
      if (!found) throw new Error(`${where}: no rule for the extension field ${avro.name}`);
      fields.push({
        index: fields.length,
        element: avro.name,
        qname: qualify(avro.name),
        conv: convFor(found.def, avro, `${where}.${avro.name}`),
        ...ruleOf(found.def),
        avro: avro.name,
        required: !avro.nullable,
        mayBeEmpty: false,
        standard: false,
        ruleFrom: found.from,
      });
    }
  }
  const template: Record<string, unknown> = {};
  if (record) for (const f of avroFields) template[f.name] = f.name in derived ? derived[f.name] : null;
  else for (const f of fields) template[f.element] = null;
  return {
    element: el.name,
    qname: qualify(el.name),
    fields,
    byElement: new Map(fields.map((f) => [f.element, f])),
    template,
    required: fields.filter((f) => f.required),
    seen: new Uint8Array(fields.length),
  };
}

function messagePlan(spec: InboundSpec): MessagePlan {
  const def = CEB_MESSAGES[spec.type];
  const node = def.node;
  const headEl = spec.head.element === null ? node : node.children.find((c) => c.name === spec.head.element);
  if (!headEl) throw new Error(`${spec.type}: no ${spec.head.element}`);
  let list: MessagePlan['list'] = null;
  if (spec.list) {
    const listEl = node.children.find((c) => c.name === spec.list?.element);
    if (!listEl) throw new Error(`${spec.type}: no ${spec.list.element}`);
    list = {
      plan: groupPlan(listEl, spec.list.record, spec, true),
      minOccurs: listEl.minOccurs,
      maxOccurs: listEl.maxOccurs,
      avroField: spec.list.avroField,
    };
  }
  return {
    spec,
    node: node.name,
    nodeQname: qualify(node.name),
    maxNodes: node.maxOccurs,
    head: groupPlan(headEl, spec.head.record, spec, false),
    nested: spec.head.element !== null,
    list,
  };
}

/** Precompiled tables of every inbound message. */
export const MESSAGE_PLANS: ReadonlyMap<string, MessagePlan> = new Map(
  (Object.keys(INBOUND) as InboundMessageType[]).map((t) => [t, messagePlan(INBOUND[t])]),
);

/** BaseTransfer's table (fields keyed by their own names). */
export const BASE_TRANSFER_PLAN: GroupPlan = groupPlan(BASE_TRANSFER, null, null, false);

/** A return element's fields in the standard's order. */
export interface ReturnPlan {
  readonly type: ReturnMessageType | 'CEB900Message';
  readonly element: string;
  readonly qname: string;
  readonly fields: ReadonlyArray<{ name: string; qname: string; required: boolean; maxLength?: number }>;
}

function returnPlan(type: ReturnMessageType | 'CEB900Message'): ReturnPlan {
  const node = CEB_MESSAGES[type as CebCatalogMessage].node;
  return {
    type,
    element: node.name,
    qname: qualify(node.name),
    fields: node.fields.map((f) => ({
      name: f.name,
      qname: qualify(f.name),
      required: f.minOccurs === 1,
      maxLength: f.maxLength,
    })),
  };
}

const RETURN_TYPES: ReadonlyArray<ReturnMessageType | 'CEB900Message'> = [
  'CEB304Message',
  'CEB312Message',
  'CEB404Message',
  'CEB412Message',
  'CEB506Message',
  'CEB512Message',
  'CEB510Message',
  'CEB604Message',
  'CEB622Message',
  'CEB900Message',
];

export const RETURN_PLANS: ReadonlyMap<string, ReturnPlan> = new Map(
  RETURN_TYPES.map((t) => [t, returnPlan(t)]),
);

export function returnPlanOf(type: ReturnMessageType | 'CEB900Message'): ReturnPlan {
  const plan = RETURN_PLANS.get(type);
  if (!plan) throw new Error(`not a return message type: ${type}`);
  return plan;
}
