/**
 * Generates libs/ceb-xml/src/catalog.generated.ts: the declarative catalog of the CEB messages the
 * engine speaks (element names in the standard's order, type and facets, occurrence), read from
 * the standard's field lists (../shared/reference/ceb-{export,import}-messages.txt), plus the
 * Avro record descriptors of the documents they map to (schemas/*.avsc).
 *
 *   node -r @swc-node/register tools/codegen/ceb-catalog.ts [--reference DIR] [--check]
 *
 * The generated file is committed: the library and its tests never read the reference at run
 * time (CI has only the repository). `--check` fails when the committed file is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const TARGET = path.join(ROOT, 'libs/ceb-xml/src/catalog.generated.ts');

/** The messages the catalog carries: the supported inbound and return messages, and the lists (extension field rules). */
const MESSAGES = [
  'CEB303Message',
  'CEB304Message',
  'CEB311Message',
  'CEB312Message',
  'CEB403Message',
  'CEB404Message',
  'CEB411Message',
  'CEB412Message',
  'CEB505Message',
  'CEB506Message',
  'CEB511Message',
  'CEB512Message',
  'CEB509Message',
  'CEB510Message',
  'CEB603Message',
  'CEB604Message',
  'CEB621Message',
  'CEB622Message',
  'CEB900Message',
];
const AVRO_RECORDS: Array<[file: string, record: string]> = [
  ['order.avsc', 'Order'],
  ['order.avsc', 'OrderItem'],
  ['payment.avsc', 'Payment'],
  ['waybill.avsc', 'Waybill'],
  ['departure.avsc', 'Departure'],
  ['departure.avsc', 'DepartureListItem'],
  ['filed-list.avsc', 'FiledList'],
  ['filed-list.avsc', 'FiledListItem'],
];
const ENVELOPE = new Set(['BaseTransfer', 'BaseSubscribe', 'ds:Signature', 'ExtendMessage']);

interface Field {
  name: string;
  type: 'string' | 'decimal' | 'int';
  minOccurs: 0 | 1;
  facets: Record<string, number>;
  collapse: boolean;
  doc: string;
}
interface Element {
  name: string;
  minOccurs: number;
  maxOccurs: number;
  doc: string;
  fields: Field[];
  children: Element[];
}
interface Message {
  name: string;
  doc: string;
  direction: 'export' | 'import';
  root: Element;
}

const MESSAGE_LINE = /^\[(CEB\d+Message)\]\s*(.*)$/;
const REF_LINE = /^(?:ref (\S+)|<(\S+)>)(?: \((\d+)\.\.(\d+|unbounded)\))?\s*$/;
const TYPE_LINE = /^\[([^\]\s]+)\]\s*(.*)$/;
const FIELD_LINE = /^(\S+)(?: \((\d+)\.\.(\d+|unbounded)\))? \[([^\]]+)\]\s*(.*)$/;

const occurs = (n: string | undefined, dflt: number): number =>
  n === undefined ? dflt : n === 'unbounded' ? Infinity : Number(n);

function parseType(spec: string, where: string): Pick<Field, 'type' | 'facets' | 'collapse'> {
  const [base, ...rest] = spec.trim().split(/\s+/);
  const type = base === 'xs:int' ? 'int' : base;
  if (type !== 'string' && type !== 'decimal' && type !== 'int')
    throw new Error(`${where}: unknown type ${spec}`);
  const facets: Record<string, number> = {};
  let collapse = false;
  for (const f of rest) {
    const [k, v] = f.split('=');
    if (k === 'whiteSpace') collapse = v === 'collapse';
    else if (['length', 'minLength', 'maxLength', 'totalDigits', 'fractionDigits'].includes(k))
      facets[k] = Number(v);
    else throw new Error(`${where}: unknown facet ${f}`);
  }
  return { type, facets, collapse };
}

/** Parses one reference file into its messages (indentation gives the nesting). */
function parseReference(text: string, direction: 'export' | 'import'): Message[] {
  const messages: Message[] = [];
  let stack: Array<{ indent: number; element: Element }> = [];
  let current: Message | null = null;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    if (!raw.trim()) continue;
    const where = `${direction}:${i + 1}`;
    const m = MESSAGE_LINE.exec(raw);
    if (m) {
      const root: Element = {
        name: m[1],
        minOccurs: 1,
        maxOccurs: 1,
        doc: m[2].trim(),
        fields: [],
        children: [],
      };
      current = { name: m[1], doc: m[2].trim(), direction, root };
      messages.push(current);
      stack = [{ indent: -1, element: root }];
      continue;
    }
    if (!current) continue;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop();
    const container = stack[stack.length - 1].element;
    const ref = REF_LINE.exec(line);
    if (ref) {
      const element: Element = {
        name: ref[1] ?? ref[2],
        minOccurs: occurs(ref[3], 1),
        maxOccurs: occurs(ref[4], 1),
        doc: '',
        fields: [],
        children: [],
      };
      container.children.push(element);
      stack.push({ indent, element });
      continue;
    }
    const type = TYPE_LINE.exec(line);
    if (type) {
      // the type of the element declared just above; its fields follow, indented further
      if (!type[1].startsWith('__tmp_')) container.doc = type[2].trim();
      stack.push({ indent, element: container });
      continue;
    }
    const field = FIELD_LINE.exec(line);
    if (field) {
      container.fields.push({
        name: field[1],
        minOccurs: occurs(field[2], 1) === 0 ? 0 : 1,
        ...parseType(field[4], where),
        doc: field[5].replace(/\s+/g, ' ').trim(),
      });
      continue;
    }
    // a field line continued on the next line (rare): append it to the last field's description
    const last = container.fields[container.fields.length - 1];
    if (last) last.doc = `${last.doc} ${line}`.trim();
    else throw new Error(`${where}: cannot read ${JSON.stringify(line)}`);
  }
  return messages;
}

const q = (s: string): string => JSON.stringify(s);
const num = (n: number): string => (n === Infinity ? 'Infinity' : String(n));

function fieldText(f: Field, indent: string): string {
  const parts = [`name: ${q(f.name)}`, `type: ${q(f.type)}`, `minOccurs: ${f.minOccurs}`];
  for (const k of ['length', 'minLength', 'maxLength', 'totalDigits', 'fractionDigits']) {
    if (f.facets[k] !== undefined) parts.push(`${k}: ${f.facets[k]}`);
  }
  if (f.collapse) parts.push('collapse: true');
  parts.push(`doc: ${q(f.doc)}`);
  return `${indent}{ ${parts.join(', ')} },`;
}

function elementText(e: Element, indent: string): string {
  const inner = `${indent}  `;
  const lines = [
    `{`,
    `${inner}name: ${q(e.name)},`,
    `${inner}minOccurs: ${num(e.minOccurs)},`,
    `${inner}maxOccurs: ${num(e.maxOccurs)},`,
    `${inner}doc: ${q(e.doc)},`,
  ];
  if (e.fields.length) {
    lines.push(`${inner}fields: [`, ...e.fields.map((f) => fieldText(f, `${inner}  `)), `${inner}],`);
  } else lines.push(`${inner}fields: [],`);
  if (e.children.length) {
    lines.push(
      `${inner}children: [`,
      ...e.children.map((c) => `${inner}  ${elementText(c, `${inner}  `)},`),
      `${inner}],`,
    );
  } else lines.push(`${inner}children: [],`);
  lines.push(`${indent}}`);
  return lines.join('\n');
}

function messageText(m: Message): string {
  const nodes = m.root.children.filter((c) => !ENVELOPE.has(c.name));
  if (nodes.length !== 1)
    throw new Error(`${m.name}: expected one data element, found ${nodes.map((n) => n.name)}`);
  const envelope = m.root.children
    .filter((c) => ENVELOPE.has(c.name))
    .map((c) => `{ name: ${q(c.name)}, minOccurs: ${num(c.minOccurs)}, maxOccurs: ${num(c.maxOccurs)} }`);
  return [
    `  ${m.name}: {`,
    `    name: ${q(m.name)},`,
    `    doc: ${q(m.doc)},`,
    `    direction: ${q(m.direction)},`,
    `    node: ${elementText(nodes[0], '    ')},`,
    `    envelope: [${envelope.join(', ')}],`,
    `  },`,
  ].join('\n');
}

type AvroType =
  | string
  | { type: string; items?: AvroType; name?: string; fields?: AvroField[]; 'ceb.decimal'?: string }
  | AvroType[];
interface AvroField {
  name: string;
  type: AvroType;
}

/** Finds a named record anywhere in a schema. */
function findRecord(t: AvroType, name: string): { name: string; fields: AvroField[] } | undefined {
  if (Array.isArray(t)) {
    for (const x of t) {
      const r = findRecord(x, name);
      if (r) return r;
    }
    return undefined;
  }
  if (typeof t === 'string') return undefined;
  if (t.type === 'record' && t.name === name && t.fields) return { name, fields: t.fields };
  if (t.type === 'record' && t.fields) {
    for (const f of t.fields) {
      const r = findRecord(f.type, name);
      if (r) return r;
    }
  }
  if (t.type === 'array' && t.items) return findRecord(t.items, name);
  return undefined;
}

function avroFieldText(f: AvroField): string {
  const union = Array.isArray(f.type) ? f.type : [f.type];
  const nullable = union.includes('null');
  const t = union.find((x) => x !== 'null') as AvroType;
  let kind: string;
  let items: string | undefined;
  if (typeof t === 'string') kind = t;
  else if (Array.isArray(t)) throw new Error(`${f.name}: nested union`);
  else if (t.type === 'string' && t['ceb.decimal']) kind = 'decimal';
  else if (t.type === 'array') {
    kind = 'array';
    const it = t.items as { name?: string } | string;
    items = typeof it === 'string' ? it : it.name;
  } else kind = t.type;
  if (!['string', 'decimal', 'int', 'boolean', 'array'].includes(kind))
    throw new Error(`${f.name}: unsupported Avro type ${kind}`);
  return `      { name: ${q(f.name)}, kind: ${q(kind)}, nullable: ${nullable}${items ? `, items: ${q(items)}` : ''} },`;
}

function generate(referenceDir: string): string {
  const all = [
    ...parseReference(readFileSync(path.join(referenceDir, 'ceb-export-messages.txt'), 'utf8'), 'export'),
    ...parseReference(readFileSync(path.join(referenceDir, 'ceb-import-messages.txt'), 'utf8'), 'import'),
  ];
  const byName = new Map(all.map((m) => [m.name, m]));
  const messages = MESSAGES.map((n) => {
    const m = byName.get(n);
    if (!m) throw new Error(`${n} is not in the reference`);
    return m;
  });
  const records = AVRO_RECORDS.map(([file, name]) => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', file), 'utf8')) as AvroType;
    const r = findRecord(schema, name);
    if (!r) throw new Error(`${name} not found in ${file}`);
    return [
      `  ${name}: {`,
      `    name: ${q(name)},`,
      `    fields: [`,
      ...r.fields.map(avroFieldText),
      `    ],`,
      `  },`,
    ].join('\n');
  });
  return [
    '// Generated by tools/codegen/ceb-catalog.ts from the CEB standard field lists',
    '// (reference/ceb-export-messages.txt, reference/ceb-import-messages.txt) and schemas/*.avsc.',
    '// Do not edit by hand: `node -r @swc-node/register tools/codegen/ceb-catalog.ts`.',
    "import type { AvroRecordDef, CebMessageDef } from './catalog-types';",
    '',
    '/** The messages in the catalog. */',
    `export type CebCatalogMessage =\n${MESSAGES.map((n) => `  | ${q(n)}`).join('\n')};`,
    '',
    '/** Every CEB message the library reads, writes or takes field rules from, as the standard lists it. */',
    'export const CEB_MESSAGES: Readonly<Record<CebCatalogMessage, CebMessageDef>> = {',
    ...messages.map(messageText),
    '};',
    '',
    '/** The Avro records the inbound messages map to (fields in schema order). */',
    `export type AvroRecordName = ${AVRO_RECORDS.map(([, n]) => q(n)).join(' | ')};`,
    '',
    'export const AVRO_RECORDS: Readonly<Record<AvroRecordName, AvroRecordDef>> = {',
    ...records,
    '};',
    '',
  ].join('\n');
}

/** The generated text as the repository keeps it: formatted by prettier with the project's settings. */
async function formatted(text: string): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(TARGET)) ?? {};
  return prettier.format(text, { ...options, filepath: TARGET });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--reference');
  const referenceDir =
    at >= 0
      ? path.resolve(argv[at + 1])
      : [path.join(ROOT, '../shared/reference'), '/work/shared/reference'].find(existsSync);
  if (!referenceDir || !existsSync(referenceDir)) {
    console.error('the CEB reference field lists are not here: pass --reference DIR');
    process.exit(1);
  }
  const text = await formatted(generate(referenceDir));
  if (argv.includes('--check')) {
    if (readFileSync(TARGET, 'utf8') !== text) {
      console.error(`${TARGET} is stale: run tools/codegen/ceb-catalog.ts`);
      process.exit(1);
    }
    console.log('CEB catalog is up to date');
    return;
  }
  writeFileSync(TARGET, text);
  console.log(`wrote ${path.relative(process.cwd(), TARGET)} (${MESSAGES.length} messages)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
