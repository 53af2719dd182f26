import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadSchemas, SCHEMA_DIR } from './schemas';

type Node = string | Node[] | { [k: string]: unknown };

/** TypeScript source for every named type in the schemas (records as interfaces, enums as unions). */
export function generateTypes(dir: string = SCHEMA_DIR): string {
  const decls = new Map<string, string>();

  const shortName = (n: string) => n.split('.').pop() as string;
  const doc = (d: unknown, indent = '') => (typeof d === 'string' && d ? `${indent}/** ${d.replace(/\*\//g, '*\\/')} */\n` : '');

  const tsType = (node: Node): string => {
    if (typeof node === 'string') {
      switch (node) {
        case 'string':
          return 'string';
        case 'int':
        case 'long':
        case 'float':
        case 'double':
          return 'number';
        case 'boolean':
          return 'boolean';
        case 'null':
          return 'null';
        case 'bytes':
          return 'Buffer';
        default:
          return shortName(node);
      }
    }
    if (Array.isArray(node)) return node.map(tsType).join(' | ');
    const o = node as Record<string, unknown>;
    switch (o.type) {
      case 'record':
        declare(o);
        return shortName(o.name as string);
      case 'enum':
        declare(o);
        return shortName(o.name as string);
      case 'array':
        return `Array<${tsType(o.items as Node)}>`;
      case 'map':
        return `Record<string, ${tsType(o.values as Node)}>`;
      case 'string':
        return o['ceb.decimal'] ? 'CebDecimal' : 'string';
      default:
        return tsType(o.type as Node);
    }
  };

  const declare = (o: Record<string, unknown>) => {
    const name = shortName(o.name as string);
    if (decls.has(name)) return;
    decls.set(name, ''); // reserve against recursion
    if (o.type === 'enum') {
      const symbols = (o.symbols as string[]).map((s) => `'${s}'`).join(' | ');
      decls.set(name, `${doc(o.doc)}export type ${name} = ${symbols};\n`);
      return;
    }
    const fields = (o.fields as Array<Record<string, unknown>>)
      .map((f) => `${doc(f.doc, '  ')}  ${f.name}: ${tsType(f.type as Node)};\n`)
      .join('');
    decls.set(name, `${doc(o.doc)}export interface ${name} {\n${fields}}\n`);
  };

  loadSchemas(dir); // validates the files and their references first
  // Types come from the files as written (the registry form drops attributes such as ceb.decimal).
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.avsc')).sort()) {
    tsType(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Node);
  }

  const header =
    '// Generated from schemas/*.avsc by `npm run codegen`. Do not edit by hand.\n\n' +
    '/** A CEB decimal (19 digits, 5 after the point) carried as a string, e.g. "12.50000". */\n' +
    'export type CebDecimal = string;\n\n';
  return header + [...decls.keys()].sort().map((k) => decls.get(k)).join('\n');
}
