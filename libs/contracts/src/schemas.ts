import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as avro from 'avsc';

/** Where the .avsc files live: the repository's top-level `schemas/` folder. */
export const SCHEMA_DIR = path.resolve(__dirname, '../../../schemas');

export interface LoadedSchema {
  /** Full Avro name, e.g. `cn.clearance.Order`. */
  fullName: string;
  /** Short record name, e.g. `Order`. */
  name: string;
  file: string;
  /** Self-contained schema (named types it references are inlined), as sent to the registry. */
  schema: avro.Schema;
  type: avro.Type;
}

type RawSchema = { name: string; namespace?: string } & Record<string, unknown>;

function fullNameOf(raw: RawSchema): string {
  return raw.name.includes('.') ? raw.name : `${raw.namespace ?? ''}.${raw.name}`;
}

/** Named types a schema refers to by name (strings that are not primitives and contain a dot). */
function referencedNames(node: unknown, out = new Set<string>()): Set<string> {
  if (typeof node === 'string') {
    if (node.includes('.')) out.add(node);
  } else if (Array.isArray(node)) {
    node.forEach((n) => referencedNames(n, out));
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type !== undefined) referencedNames(o.type, out);
    if (o.items !== undefined) referencedNames(o.items, out);
    if (o.values !== undefined) referencedNames(o.values, out);
    if (Array.isArray(o.fields)) o.fields.forEach((f) => referencedNames((f as { type: unknown }).type, out));
  }
  return out;
}

/**
 * Reads every .avsc file of `dir`, resolves references between files (e.g. Decision embeds
 * `cn.clearance.Manifest`), and returns each schema self-contained. Fails with the file name on
 * a schema that does not parse or refers to an unknown type.
 */
export function loadSchemas(dir: string = SCHEMA_DIR): Map<string, LoadedSchema> {
  const raws = readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((file) => ({ file, raw: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as RawSchema }));
  const byName = new Map(raws.map((r) => [fullNameOf(r.raw), r]));
  const loaded = new Map<string, LoadedSchema>();

  const load = (fullName: string, stack: string[]): LoadedSchema => {
    const done = loaded.get(fullName);
    if (done) return done;
    const entry = byName.get(fullName);
    if (!entry) throw new Error(`schema ${stack[stack.length - 1] ?? '?'} refers to unknown type ${fullName}`);
    if (stack.includes(fullName)) throw new Error(`cyclic schema references: ${[...stack, fullName].join(' -> ')}`);
    const registry: Record<string, avro.Type> = {};
    for (const dep of referencedNames(entry.raw)) {
      if (byName.has(dep) && dep !== fullName) {
        const d = load(dep, [...stack, fullName]);
        avro.Type.forSchema(d.schema, { registry });
      }
    }
    let type: avro.Type;
    try {
      type = avro.Type.forSchema(entry.raw as avro.Schema, { registry });
    } catch (e) {
      throw new Error(`schemas/${entry.file}: ${(e as Error).message}`);
    }
    const schema = type.schema({ exportAttrs: true }) as avro.Schema;
    const result: LoadedSchema = { fullName, name: entry.raw.name, file: entry.file, schema, type };
    loaded.set(fullName, result);
    return result;
  };

  for (const name of byName.keys()) load(name, []);
  return loaded;
}

let cache: Map<string, LoadedSchema> | undefined;

/** The project's schemas, loaded once. */
export function schemas(): Map<string, LoadedSchema> {
  cache ??= loadSchemas();
  return cache;
}

export function schemaByName(name: string): LoadedSchema {
  const s = schemas().get(name.includes('.') ? name : `cn.clearance.${name}`);
  if (!s) throw new Error(`no schema named ${name} in ${SCHEMA_DIR}`);
  return s;
}
