import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../support/run-cli.ts';

/** Who may import the sandbox: the command layer, the evaluation code and the sandbox itself. */
const mayImportSandbox = [
  /^src\/sandbox\//,
  /^src\/commands\//,
  /^src\/evaluate\//,
  /^src\/(cli|daily)\.ts$/,
];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(projectRoot, dir), { recursive: true });
  return entries.filter((f) => f.endsWith('.ts')).map((f) => `${dir}/${f.split(path.sep).join('/')}`);
}

describe('the product does not know the sandbox', () => {
  it('only commands, the evaluation code and the sandbox itself import src/sandbox/', async () => {
    const offending: string[] = [];
    for (const file of [...(await sourceFiles('src')), ...(await sourceFiles('notebooks'))]) {
      if (mayImportSandbox.some((allowed) => allowed.test(file))) continue;
      const text = await readFile(path.join(projectRoot, file), 'utf8');
      for (const [, target] of text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), target!));
        if (resolved.startsWith('src/sandbox/')) offending.push(`${file} imports ${resolved}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
