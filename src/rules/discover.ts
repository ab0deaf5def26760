import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FlagRule, PRIORITIES } from './flag-rule.ts';

const catalogDir = fileURLToPath(new URL('./catalog/', import.meta.url));

/**
 * Every rule in `src/rules/catalog/`, one module per rule exporting it as default, in priority order
 * then by name. Adding a rule is adding a module there and its check in `queries/rules/`.
 */
export async function discoverRules(dir = catalogDir): Promise<FlagRule[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
  const rules: FlagRule[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, `file://${dir}/`).href)) as { default?: unknown };
    if (!(module.default instanceof FlagRule))
      throw new Error(`${file} must export a FlagRule as default (see defineRule)`);
    if (`${module.default.name}.ts` !== file)
      throw new Error(`${file} defines rule "${module.default.name}"; a rule's file is named after it`);
    rules.push(module.default);
  }
  return rules.sort(
    (a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority) || a.name.localeCompare(b.name),
  );
}
