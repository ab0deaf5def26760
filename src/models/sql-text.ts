/** SQL text without its comments, and with every string literal emptied. */
export function codeOf(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''");
}

/** The names of the CTEs a query defines. */
export function cteNamesOf(sql: string): string[] {
  return [
    ...codeOf(sql).matchAll(
      /(?:\bwith|,)\s*([A-Za-z_][A-Za-z0-9_]*)\s+as\s*(?:not\s+)?(?:materialized\s*)?\(/gi,
    ),
  ].map((m) => m[1]!.toLowerCase());
}

/** Relation names a query reads: its `from` and `join` targets, neither table functions nor its own CTEs. */
export function referencesOf(sql: string): string[] {
  const code = codeOf(sql);
  const ctes = new Set(cteNamesOf(sql));
  const found = new Set<string>();
  for (const match of code.matchAll(/\b(?:from|join)\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/gi)) {
    const name = match[1]!.toLowerCase();
    if (!ctes.has(name)) found.add(name);
  }
  return [...found];
}

/**
 * The leading comment of a model: its `-- key: value` lines for the given keys, and the rest as its
 * description.
 */
export function headerOf(
  sql: string,
  keys: readonly string[],
): { fields: Record<string, string>; description: string } {
  const fields: Record<string, string> = {};
  const description: string[] = [];
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    const text = line.replace(/^--\s?/, '');
    const field = /^([a-z_]+):\s*(.+)$/.exec(text.trim());
    if (field && keys.includes(field[1]!)) fields[field[1]!] = field[2]!.trim();
    else description.push(text.trim());
  }
  return { fields, description: description.join(' ').trim() };
}
