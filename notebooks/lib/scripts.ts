import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Html } from './format.ts';

/**
 * The libraries every page inlines, each its package's own UMD build (the `umd` condition of its
 * exports): htl, then Observable Inputs (tables, search, selects; it reads `htl` as a global), then
 * d3-dsv (CSV). Nothing is fetched: the pages work from `file://` with no network.
 */
const libraries = ['htl', '@observablehq/inputs', 'd3-dsv'];

const require = createRequire(import.meta.url);

type Exports = { umd?: string; '.'?: { umd?: string } };

function umdBuild(name: string): string {
  // A package's exports hide its package.json and dist/ from require.resolve: walk up from its entry.
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    const pkg = (() => {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; exports?: Exports };
      } catch {
        return undefined;
      }
    })();
    if (pkg?.name === name) {
      const umd = pkg.exports?.umd ?? pkg.exports?.['.']?.umd;
      if (!umd) throw new Error(`${name} has no UMD build (the umd condition of its package.json exports)`);
      return readFileSync(path.join(dir, umd), 'utf8');
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package.json of ${name}`);
    dir = parent;
  }
}

/** `</script` inside inlined code would end the element early. */
const inline = (code: string) => `<script>${code.replaceAll('</script', '<\\/script')}</script>`;

let cached: string | undefined;

/** The libraries and the page script (`browser/report.js`), as inline `<script>` elements. */
export function pageScripts(): string {
  cached ??= [
    ...libraries.map(umdBuild),
    readFileSync(new URL('./browser/report.js', import.meta.url), 'utf8'),
  ]
    .map(inline)
    .join('\n');
  return cached;
}

/** Data for the page script: JSON in a `<script type="application/json" data-<kind>>` element. */
export function jsonScript(kind: string, data: unknown): Html {
  const json = JSON.stringify(data).replaceAll('<', '\\u003c');
  return new Html(`<script type="application/json" data-${kind}>${json}</script>`);
}
