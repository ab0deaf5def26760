import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SourceDefinition } from '../fetch/source.ts';

const sourcesDir = fileURLToPath(new URL('./', import.meta.url));

/** A source whose module is still loading: its name is its folder's, known before the module. */
export interface LoadingSource {
  name: string;
  definition: Promise<SourceDefinition>;
}

/**
 * Starts loading every source: a folder here whose `index.ts` default-exports its definition. Each
 * resolves on its own, so a fetch can start a source whose module is ready (Capitan's, with no SDK)
 * while the SDKs of others still compile (seconds each).
 */
export async function startLoadingSources(): Promise<LoadingSource[]> {
  const folders = (await readdir(sourcesDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return folders.map((folder) => {
    const definition = import(pathToFileURL(`${sourcesDir}${folder}/index.ts`).href).then(
      (module: { default: SourceDefinition }) => {
        if (module.default.name !== folder) {
          throw new Error(
            `src/sources/${folder}/index.ts defines source "${module.default.name}"; the folder must match`,
          );
        }
        return module.default;
      },
    );
    // A source left out of a run (`--only`) is never awaited; its failure to load is not the run's.
    definition.catch(() => undefined);
    return { name: folder, definition };
  });
}

/** Every source's definition (loaded together, so one module's file reads overlap another's compiling). */
export async function loadSources(): Promise<SourceDefinition[]> {
  return Promise.all((await startLoadingSources()).map((s) => s.definition));
}
