/**
 * Generates libs/contracts/src/generated/types.ts from the Avro schemas in schemas/: the
 * TypeScript types of every event come from the schemas, never from a second hand-written copy.
 * `npm run codegen` writes the file; `npm run codegen -- --check` fails when it is stale (CI).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { generateTypes } from '../../libs/contracts/src/codegen';

const target = path.resolve(__dirname, '../../libs/contracts/src/generated/types.ts');
const text = generateTypes();
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    console.error(`${target} is stale: run \`npm run codegen\``);
    process.exit(1);
  }
  console.log('generated types are up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
