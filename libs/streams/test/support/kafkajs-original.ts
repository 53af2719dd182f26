import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The installed kafkajs (patched on install by patch-package). */
export const KAFKAJS = dirname(require.resolve('kafkajs/package.json'));
export const KAFKAJS_PATCH = resolve(__dirname, '../../../../patches/kafkajs+2.2.4.patch');

/**
 * kafkajs 2.2.4 as published: a copy of the installed sources in a temporary directory with
 * patches/kafkajs+2.2.4.patch reversed (which fails unless the installed kafkajs holds exactly the
 * patched sources). `root` is the package directory; `dispose` removes the copy.
 */
export function originalKafkajs(): { root: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kafkajs-original-'));
  const root = join(dir, 'node_modules', 'kafkajs');
  cpSync(join(KAFKAJS, 'src'), join(root, 'src'), { recursive: true });
  cpSync(join(KAFKAJS, 'package.json'), join(root, 'package.json'));
  execFileSync('git', ['apply', '--reverse', KAFKAJS_PATCH], { cwd: dir, stdio: 'pipe' });
  return { root, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
