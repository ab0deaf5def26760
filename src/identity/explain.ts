import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Database, Row } from '../sql/database.ts';
import { SqlSteps } from './sql-steps.ts';

export interface CustomerExplanation {
  customer: Row;
  records: Row[];
  links: Row[];
}

/**
 * Finds the customers a term names (a customer id or alias, an email, a phone) and gathers, for
 * each, the golden record, its records and the links with their evidence. Reads the views
 * `customer_master`, `customer_identifiers`, `resolved_records`, `identity_links` and
 * `customer_id_aliases` (the lake's core and state tables, or a resolve output folder's).
 */
export async function explainCustomers(db: Database, term: string): Promise<CustomerExplanation[]> {
  const steps = new SqlSteps(db);
  const found = await steps.rows('explain_find_customers', {
    term: term.trim(),
    normalized: normalizedTerm(term),
  });
  const explanations: CustomerExplanation[] = [];
  for (const row of found) {
    const customerId = String(row.customer_id);
    const [customer] = await steps.rows('explain_customer', { customer_id: customerId });
    if (!customer) continue;
    explanations.push({
      customer,
      records: await steps.rows('explain_records', { customer_id: customerId }),
      links: await steps.rows('explain_links', { customer_id: customerId }),
    });
  }
  return explanations;
}

/** An email as the resolver normalises it, or a phone in E.164 (US numbers without +1 too). */
export function normalizedTerm(term: string): string {
  const text = term.trim();
  if (text.includes('@')) return text.toLowerCase();
  return parsePhoneNumberFromString(text, 'US')?.number ?? text;
}

export function renderExplanation(explanation: CustomerExplanation): string {
  const c = explanation.customer;
  const lines: string[] = [];
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ') || '(no name)';
  lines.push(`${c.customer_id}  ${name}`);
  const golden = [
    ['email', c.email],
    ['phone', c.phone],
    ['birth date', formatDate(c.birth_date)],
    ['minor', c.is_minor === null || c.is_minor === undefined ? null : c.is_minor ? 'yes' : 'no'],
    ['household', c.household_id],
    ['sources', Array.isArray(c.sources) ? c.sources.join(', ') : c.sources],
    ['first seen', formatDate(c.first_seen)],
    ['last seen', formatDate(c.last_seen)],
  ].filter(([, v]) => v !== null && v !== undefined && v !== '');
  for (const [label, value] of golden) lines.push(`  ${String(label).padEnd(11)} ${value}`);

  lines.push('', `Records (${explanation.records.length})`);
  for (const r of explanation.records) {
    lines.push(
      `  ${r.record_id}  [${r.match_tier}${r.match_tier === 'medium' ? ` ${r.confidence}` : ''}] ${r.match_rule}`,
    );
    if (r.identifiers) lines.push(`      ${r.identifiers}`);
  }

  const identical = explanation.links.filter((l) => l.match_rule === 'identical evidence');
  const joining = explanation.links.filter((l) => l.accepted && l.match_rule !== 'identical evidence');
  const other = explanation.links.filter((l) => !l.accepted);
  lines.push('', `Links that joined these records (${joining.length + identical.length})`);
  const sameAs = new Map<string, string[]>();
  for (const link of identical) {
    const list = sameAs.get(String(link.record_id_l)) ?? [];
    list.push(String(link.record_id_r));
    sameAs.set(String(link.record_id_l), list);
  }
  for (const [record, copies] of sameAs) {
    const shown = copies.slice(0, 3).join(', ');
    const more = copies.length > 3 ? ` and ${copies.length - 3} more` : '';
    lines.push(`  exact: identical evidence to ${record}: ${shown}${more}`);
  }
  for (const link of joining) lines.push(...renderLink(link));
  if (other.length > 0) {
    lines.push('', `Links to other customers and links not taken (${other.length})`);
    for (const link of other) lines.push(...renderLink(link, true));
  }
  return lines.join('\n');
}

function renderLink(link: Row, showOther = false): string[] {
  const probability =
    link.match_probability === null ? '' : `  p=${Number(link.match_probability).toFixed(4)}`;
  const against = Array.isArray(link.guard_against) ? link.guard_against.map(String) : [];
  const refused = link.refused_by_guard
    ? `  (refused by the chaining guard${against.length === 2 ? `: it would make ${against[0]} and ${against[1]} one customer, and they conflict` : ''})`
    : '';
  const other = showOther ? `  → ${link.other_customer_id}` : '';
  const lines = [
    `  ${link.tier}: ${link.record_id_l} ↔ ${link.record_id_r}${other}${probability}${refused}`,
    `      ${link.match_rule}`,
  ];
  const evidence = parseEvidence(link.evidence);
  if (!evidence) return lines;
  const comparisons = evidence.comparisons as
    | Record<string, { level: string; bayes_factor: number }>
    | undefined;
  if (!comparisons) {
    lines.push(
      `      ${Object.entries(evidence)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
    return lines;
  }
  lines.push(`      prior log2 odds ${evidence.prior_log2_odds}, match weight ${evidence.match_weight}`);
  if (evidence.household_log2_odds !== undefined) {
    // The household alternative: two people of one home, told apart only by personal fields.
    lines.push(
      `      against two people of one home: household log2 odds ${evidence.household_log2_odds}, personal weight ${evidence.personal_weight}`,
    );
  }
  for (const [name, c] of Object.entries(comparisons)) {
    if (c.bayes_factor === 1) continue;
    lines.push(`      ${name.padEnd(12)} ${c.level.padEnd(56)} ×${formatFactor(c.bayes_factor)}`);
  }
  if (evidence.names_swapped) lines.push('      first and last names compared the other way round');
  const conflicts = evidence.conflicts as string[] | undefined;
  if (conflicts && conflicts.length > 0) lines.push(`      conflicts: ${conflicts.join('; ')}`);
  return lines;
}

function parseEvidence(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return value as Record<string, unknown>;
  try {
    return JSON.parse(String(value)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function formatFactor(factor: number): string {
  if (factor >= 100) return Math.round(factor).toLocaleString('en-US');
  if (factor >= 1) return factor.toFixed(2);
  return `1/${(1 / factor).toFixed(factor < 0.01 ? 0 : 1)}`;
}

function formatDate(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}
