/** Writes libs/generator/reference/*.json from reference-source.ts. */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildReferenceFiles, referenceFileText } from './reference-source';

const dir = path.join(__dirname, '..', 'reference');
for (const [file, value] of Object.entries(buildReferenceFiles())) {
  writeFileSync(path.join(dir, file), referenceFileText(value));
  console.log(`wrote ${path.relative(process.cwd(), path.join(dir, file))}`);
}
