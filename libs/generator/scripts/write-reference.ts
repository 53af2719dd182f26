/** Writes libs/generator/reference/*.json from reference-source.ts, formatted by the repo's Prettier config. */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { buildReferenceFiles, referenceFileText } from './reference-source';

async function main(): Promise<void> {
  const dir = path.join(__dirname, '..', 'reference');
  for (const [file, value] of Object.entries(buildReferenceFiles())) {
    const target = path.join(dir, file);
    const options = (await resolveConfig(target)) ?? {};
    writeFileSync(target, await format(referenceFileText(value), { ...options, parser: 'json' }));
    console.log(`wrote ${path.relative(process.cwd(), target)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
