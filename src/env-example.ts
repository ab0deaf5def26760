import { type Setting, settings } from './settings.ts';

const header = [
  '# basin-cdp settings. Copy to .env (git-ignored) or set in the environment; the environment wins.',
  '# A source with no credentials is skipped with a notice. `npx tsx src/cli.ts config` validates them.',
];

/**
 * `.env.example` as the settings registry describes it, group by group in the registry's order: a
 * source's settings come from its own `config.ts`, so adding one regenerates this file
 * (`npx tsx src/cli.ts config --env-example > .env.example`) rather than editing it.
 */
export function renderEnvExample(all: readonly Setting[] = settings): string {
  const groups = new Map<string, Setting[]>();
  for (const s of all) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
  const lines = [...header];
  for (const [group, members] of groups) {
    lines.push('', `# --- ${group} ---`);
    for (const s of members) {
      lines.push(`# ${s.description}${s.default === undefined ? '' : ` Default: ${s.default}`}`);
      lines.push(`# ${s.name}=${s.secret ? '' : s.example}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
