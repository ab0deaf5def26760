import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SourceDefinition } from '../fetch/source.ts';

const sourcesDir = fileURLToPath(new URL('./', import.meta.url));

/** Every source is a folder here whose `index.ts` default-exports its definition. */
export async function loadSources(): Promise<SourceDefinition[]> {
  const folders = (await readdir(sourcesDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  // Loaded together, so one module's file reads overlap another's compiling.
  return Promise.all(
    folders.sort().map(async (folder) => {
      const module = (await import(pathToFileURL(`${sourcesDir}${folder}/index.ts`).href)) as {
        default: SourceDefinition;
      };
      if (module.default.name !== folder) {
        throw new Error(
          `src/sources/${folder}/index.ts defines source "${module.default.name}"; the folder must match`,
        );
      }
      return module.default;
    }),
  );
}
