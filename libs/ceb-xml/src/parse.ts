/**
 * parseCebMessage: one inbound CEB message into the engine's documents, node by node.
 * Message-level problems throw CebFormatError; a node's problems make that node a refused one
 * and leave the others alone.
 */
import type { Departure, FiledList, Order, Payment, Waybill } from '@clearance/contracts';
import { CEB_NAMESPACE, DSIG_NAMESPACE } from './catalog';
import { BASE_TRANSFER_PLAN, MESSAGE_PLANS, type GroupPlan, type MessagePlan } from './compile';
import {
  CebFormatError,
  type BaseTransfer,
  type CebMessage,
  type CebNode,
  type FieldProblem,
  type FiledDoc,
  type InboundMessageType,
} from './types';
import { CONVERTERS, INVALID } from './values';
import { DoctypeRefused, Scope, TEXT, attrsOf, childrenOf, nameOf, parseXml, type XmlEntry } from './xml';

export const DEFAULT_MAX_NODES = 100;
const ENVELOPE_IGNORED = new Set(['BaseSubscribe', 'ExtendMessage']);
const BOM = 0xfeff;
/** `seen` marks of a group read */
const ABSENT = 0;
const EMPTY = 1;
const PRESENT = 2;

/** The identifying texts of a node as read (for its return, a refused node's too). */
const RAW_HEADS = new WeakMap<CebNode, Readonly<Record<string, string>>>();

/**
 * The head element texts of a node as they were read (trimmed), for nodeReturn. For a node this
 * module did not produce (a copy, a node rebuilt from storage), the accepted document's values,
 * or just the guid of a refused one.
 */
export function rawHeadOf(node: CebNode): Readonly<Record<string, string>> {
  const raw = RAW_HEADS.get(node);
  if (raw) return raw;
  const values: Record<string, string> = {};
  if (node.ok) {
    for (const [k, v] of Object.entries(node.filed.doc)) {
      if (typeof v === 'string' || typeof v === 'number') values[k] = String(v);
    }
  } else if (node.guid !== null) values.guid = node.guid;
  return values;
}

/** Collects one node's problems; paths are built only when something is wrong. */
class NodeProblems {
  readonly list: FieldProblem[] = [];
  group = '';
  line = 0; // 1-based line of a list group, 0 for the head
  field = '';

  readonly fail = (message: string): void => {
    this.list.push({ field: this.path(this.field), message });
  };

  path(field: string): string {
    const group = this.line > 0 ? `${this.group}[${this.line}]` : this.group;
    return field ? `${group}.${field}` : group;
  }

  add(field: string, message: string): void {
    this.list.push({ field: this.path(field), message });
  }
}

/** The text of a leaf element's children; null when it has child elements. */
function textOf(children: XmlEntry[]): string | null {
  if (children.length === 0) return '';
  if (children.length === 1) {
    const t = children[0][TEXT];
    return typeof t === 'string' ? t : null;
  }
  let text = '';
  for (const c of children) {
    const t = c[TEXT];
    if (typeof t !== 'string') return null;
    text += t;
  }
  return text;
}

const describeNs = (ns: string | null, qname: string): string =>
  ns === null
    ? `its prefix in ${JSON.stringify(qname)} is not bound to a namespace`
    : ns === ''
      ? 'it is in no namespace, not the CEB namespace'
      : `it is in the namespace ${JSON.stringify(ns)}, not the CEB namespace`;

/**
 * Reads the leaf elements of one group into a copy of its Avro template. Unknown, repeated,
 * invalid and missing elements become problems; `raw` (if given) receives the texts as read.
 */
function readGroup(
  entries: XmlEntry[],
  plan: GroupPlan,
  scope: Scope,
  p: NodeProblems,
  raw: Record<string, string> | null,
): Record<string, unknown> {
  const doc: Record<string, unknown> = { ...plan.template };
  const seen = plan.seen;
  seen.fill(ABSENT);
  for (const entry of entries) {
    const qname = nameOf(entry);
    if (qname === TEXT) continue; // stray text between elements
    const attrs = attrsOf(entry);
    const { ns, local } = (attrs ? scope.within(attrs) : scope).resolve(qname);
    if (ns !== CEB_NAMESPACE) {
      p.add(local, `unknown element: ${describeNs(ns, qname)}`);
      continue;
    }
    const f = plan.byElement.get(local);
    if (!f) {
      p.add(local, `unknown element: neither a ${plan.element} field of the standard nor an extension field`);
      continue;
    }
    if (seen[f.index] !== ABSENT) {
      p.add(local, 'repeated, at most once allowed');
      continue;
    }
    const text = textOf(childrenOf(entry, qname));
    if (text === null) {
      seen[f.index] = PRESENT; // present, if wrong: not "missing" as well
      p.add(local, 'must be a simple value, not contain elements');
      continue;
    }
    if (text === '') {
      seen[f.index] = EMPTY; // an empty element is an absent one
      continue;
    }
    seen[f.index] = PRESENT;
    if (raw) raw[local] = text;
    p.field = local;
    const value = CONVERTERS[f.conv](text, f, p.fail);
    if (value === INVALID || f.avro === null) continue;
    if (f.fixed !== undefined && value !== f.fixed) {
      p.add(local, `${JSON.stringify(value)} contradicts the message type, which fixes it as ${f.fixed}`);
      continue; // the document keeps the template's (the message type's) value
    }
    doc[f.avro] = value;
  }
  for (const f of plan.required) {
    const s = seen[f.index];
    if (s !== PRESENT && (s === ABSENT || !f.mayBeEmpty)) {
      p.add(f.element, f.standard ? 'required, missing' : 'required (extension field), missing');
    }
  }
  return doc;
}

/** Reads one data node (Order, Receipts, Logistics, Departure, Inventory) into a CebNode. */
function readNode(entry: XmlEntry, qname: string, index: number, plan: MessagePlan, scope: Scope): CebNode {
  const p = new NodeProblems();
  const raw: Record<string, string> = {};
  const attrs = attrsOf(entry);
  const nodeScope = attrs ? scope.within(attrs) : scope;
  const children = childrenOf(entry, qname);
  let head: XmlEntry[] | undefined;
  let headScope = nodeScope;
  const lines: Array<{ entries: XmlEntry[]; scope: Scope }> = [];
  if (!plan.nested) {
    head = children;
  } else {
    p.group = plan.node;
    const headName = plan.head.element;
    const listName = plan.list?.plan.element;
    for (const child of children) {
      const name = nameOf(child);
      if (name === TEXT) continue;
      const childAttrs = attrsOf(child);
      const childScope = childAttrs ? nodeScope.within(childAttrs) : nodeScope;
      const { ns, local } = childScope.resolve(name);
      if (ns !== CEB_NAMESPACE) p.add(local, `unknown element: ${describeNs(ns, name)}`);
      else if (local === headName) {
        if (head) p.add(local, 'repeated, exactly once required');
        else {
          head = childrenOf(child, name);
          headScope = childScope;
        }
      } else if (local === listName) lines.push({ entries: childrenOf(child, name), scope: childScope });
      else p.add(local, `unknown element: not part of a ${plan.node}`);
    }
    if (!head) p.add(headName, 'required, missing');
  }
  p.group = plan.head.element;
  p.line = 0;
  const doc = head ? readGroup(head, plan.head, headScope, p, raw) : { ...plan.head.template };
  if (plan.list) {
    const { plan: listPlan, minOccurs, maxOccurs, avroField } = plan.list;
    p.group = plan.node;
    if (lines.length < minOccurs)
      p.add(listPlan.element, `${lines.length} present, at least ${minOccurs} required`);
    if (lines.length > maxOccurs)
      p.add(listPlan.element, `${lines.length} present, at most ${maxOccurs} allowed`);
    const items: Record<string, unknown>[] = [];
    p.group = listPlan.element;
    for (let i = 0; i < lines.length; i++) {
      p.line = i + 1;
      items.push(readGroup(lines[i].entries, listPlan, lines[i].scope, p, null));
    }
    p.line = 0;
    doc[avroField] = items;
  }
  const guid = raw.guid ?? null;
  const node: CebNode =
    p.list.length > 0
      ? { ok: false, index, guid, problems: p.list }
      : { ok: true, index, guid: guid as string, filed: filedDoc(plan, doc) };
  RAW_HEADS.set(node, raw);
  return node;
}

function filedDoc(plan: MessagePlan, doc: Record<string, unknown>): FiledDoc {
  switch (plan.spec.kind) {
    case 'ORDER':
      return { kind: 'ORDER', doc: doc as unknown as Order };
    case 'PAYMENT':
      return { kind: 'PAYMENT', doc: doc as unknown as Payment };
    case 'WAYBILL':
      return { kind: 'WAYBILL', doc: doc as unknown as Waybill };
    case 'DEPARTURE':
      return { kind: 'DEPARTURE', doc: doc as unknown as Departure };
    case 'LIST':
      return { kind: 'LIST', doc: doc as unknown as FiledList };
  }
}

function readBaseTransfer(
  found: Array<{ entries: XmlEntry[]; scope: Scope }>,
  type: string,
  guid: string | null,
): BaseTransfer {
  const fail = (message: string): never => {
    throw new CebFormatError('BAD_BASE_TRANSFER', message, type, guid);
  };
  if (found.length === 0) fail(`${type} has no BaseTransfer`);
  if (found.length > 1) fail(`${type} has ${found.length} BaseTransfer elements, exactly one allowed`);
  const p = new NodeProblems();
  p.group = 'BaseTransfer';
  const bt = readGroup(found[0].entries, BASE_TRANSFER_PLAN, found[0].scope, p, null);
  if (p.list.length > 0)
    fail(`invalid BaseTransfer: ${p.list.map((x) => `${x.field}: ${x.message}`).join('; ')}`);
  return bt as unknown as BaseTransfer;
}

function decode(body: Buffer | string): string {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  return text.charCodeAt(0) === BOM ? text.slice(1) : text;
}

/**
 * Parses one message (UTF-8 bytes or string, with or without a byte-order mark). Message-level
 * problems throw CebFormatError; node-level problems make that node `{ ok: false, problems }`.
 */
export function parseCebMessage(body: Buffer | string, opts: { maxNodes?: number } = {}): CebMessage {
  const maxNodes = opts.maxNodes ?? DEFAULT_MAX_NODES;
  let top: XmlEntry[];
  try {
    top = parseXml(decode(body));
  } catch (e) {
    const why = e instanceof DoctypeRefused ? e.message : `not well-formed XML: ${(e as Error).message}`;
    throw new CebFormatError('MALFORMED_XML', why);
  }
  const roots = top.filter((e) => nameOf(e) !== TEXT);
  if (roots.length !== 1) {
    throw new CebFormatError(
      'MALFORMED_XML',
      roots.length === 0 ? 'no root element' : 'more than one root element',
    );
  }
  const root = roots[0];
  const rootName = nameOf(root);
  const rootAttrs = attrsOf(root);
  const scope = Scope.root().within(rootAttrs);
  const { ns, local } = scope.resolve(rootName);
  const messageGuid = rootAttrs?.guid?.trim() || null;
  const plan = MESSAGE_PLANS.get(local);
  if (ns !== CEB_NAMESPACE) {
    throw new CebFormatError(
      'WRONG_NAMESPACE',
      `root element ${rootName}: ${describeNs(ns, rootName)} (${CEB_NAMESPACE})`,
      plan ? local : null,
      messageGuid,
    );
  }
  if (!plan) {
    throw new CebFormatError(
      'UNKNOWN_MESSAGE_TYPE',
      `${local} is not an inbound CEB message this library reads (${[...MESSAGE_PLANS.keys()].join(', ')})`,
      null,
      messageGuid,
    );
  }
  const type = local as InboundMessageType;
  const nodes: Array<{ entry: XmlEntry; name: string; scope: Scope }> = [];
  const baseTransfer: Array<{ entries: XmlEntry[]; scope: Scope }> = [];
  let signed = false;
  for (const child of childrenOf(root, rootName)) {
    const name = nameOf(child);
    if (name === TEXT) continue;
    const attrs = attrsOf(child);
    const childScope = attrs ? scope.within(attrs) : scope;
    const r = childScope.resolve(name);
    if (r.ns === CEB_NAMESPACE && r.local === plan.node) nodes.push({ entry: child, name, scope });
    else if (r.ns === CEB_NAMESPACE && r.local === 'BaseTransfer') {
      baseTransfer.push({ entries: childrenOf(child, name), scope: childScope });
    } else if (r.ns === CEB_NAMESPACE && ENVELOPE_IGNORED.has(r.local)) continue;
    else if (r.ns === DSIG_NAMESPACE && r.local === 'Signature') signed = true;
    else if (
      r.local === plan.node ||
      r.local === 'BaseTransfer' ||
      r.local === 'Signature' ||
      ENVELOPE_IGNORED.has(r.local)
    ) {
      throw new CebFormatError(
        'WRONG_NAMESPACE',
        `${name} in ${type}: ${describeNs(r.ns, name)}`,
        type,
        messageGuid,
      );
    } else {
      throw new CebFormatError(
        'MALFORMED_XML',
        `unexpected element ${name} in ${type} (expected ${plan.node}, BaseTransfer, BaseSubscribe, ds:Signature, ExtendMessage)`,
        type,
        messageGuid,
      );
    }
  }
  if (nodes.length === 0)
    throw new CebFormatError('NO_NODES', `${type} has no ${plan.node}`, type, messageGuid);
  if (nodes.length > maxNodes) {
    throw new CebFormatError(
      'TOO_MANY_NODES',
      `${type} has ${nodes.length} ${plan.node} elements, at most ${maxNodes} allowed`,
      type,
      messageGuid,
    );
  }
  const bt = readBaseTransfer(baseTransfer, type, messageGuid);
  return {
    type,
    kind: plan.spec.kind,
    ieFlag: plan.spec.ieFlag,
    returnType: plan.spec.returnType,
    messageGuid,
    baseTransfer: bt,
    signed,
    nodes: nodes.map((n, i) => readNode(n.entry, n.name, i + 1, plan, n.scope)),
  };
}
