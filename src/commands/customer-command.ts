import type { Command } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../errors.ts';
import type { Row } from '../sql/database.ts';
import { type Customer360, customer360, findCustomers, summarise } from '../timeline/customer-360.ts';
import { openContext } from './context.ts';
import { formatTable } from './format.ts';

const limitSchema = z.coerce.number().int().min(1);

export function registerCustomerCommand(program: Command): void {
  program
    .command('customer')
    .description('one customer: profile, identifiers with confidence, household, flags and timeline')
    .argument('<lookup>', 'a customer id, an email, a phone number, or a Capitan, Stripe or Square id')
    .option('--limit <n>', 'timeline entries to show, newest first', '30')
    .option('--json', 'print the whole record as JSON')
    .action(async (lookup: string, options: { limit: string; json?: boolean }) => {
      const limit = limitSchema.safeParse(options.limit);
      if (!limit.success)
        throw new CliError('--limit: a whole number of entries, at least 1', ExitCode.usage);
      const ctx = await openContext();
      try {
        const ids = await findCustomers(ctx.db, lookup);
        if (ids.length === 0) throw new CliError(`no customer matches ${lookup}`, ExitCode.failure);
        if (ids.length > 1 && !options.json) {
          console.log(`${lookup} matches ${ids.length} customers (a shared contact); showing each:\n`);
        }
        const records: Customer360[] = [];
        for (const id of ids) records.push(await customer360(ctx.db, id, limit.data));
        if (options.json) {
          const body = ids.length === 1 ? records[0] : { lookup, matches: records };
          console.log(JSON.stringify(body, jsonValue, 2));
          return;
        }
        console.log(records.map((r) => render(r, ctx.config.timeZone)).join(`\n${'='.repeat(80)}\n\n`));
      } finally {
        ctx.close();
      }
    });
}

function render(record: Customer360, timeZone: string): string {
  const c = record.customer;
  const when = (value: unknown) =>
    value instanceof Date
      ? new Intl.DateTimeFormat('en-CA', {
          timeZone,
          dateStyle: 'short',
          timeStyle: 'short',
          hourCycle: 'h23',
        }).format(value)
      : value;
  const day = (value: unknown) => (value instanceof Date ? value.toISOString().slice(0, 10) : value);
  const lines = [
    `${c.first_name ?? ''} ${c.last_name ?? ''}  (${c.customer_id})`.trim(),
    `email ${c.email ?? '-'}   phone ${c.phone ?? '-'}   born ${day(c.birth_date) ?? '-'}${c.is_minor ? ' (minor)' : ''}`,
    `first seen ${when(c.first_seen) ?? '-'}   last seen ${when(c.last_seen) ?? '-'}   sources ${formatList(c.sources)}`,
    '',
    'Identifiers',
    formatTable(groupIdentifiers(record.identifiers)),
    '',
    `Household ${record.household.household_id ?? '-'}`,
    formatTable(
      record.household.members.map((m) => ({
        customer_id: m.customer_id,
        name: `${m.first_name ?? ''} ${m.last_name ?? ''}`.trim(),
        email: m.email,
        minor: m.is_minor ? 'yes' : '',
        this: m.customer_id === c.customer_id ? '<' : '',
      })),
    ),
    '',
    'Flags',
    formatTable(
      record.flags.map((f) => ({
        flag: f.flag_type,
        priority: f.priority,
        flag_date: day(f.flag_date),
        since: when(f.first_flagged_at),
        details: summariseFlag(f.flag_details),
      })),
    ),
  ];
  const cleared = record.flagHistory.filter((f) => f.cleared_at !== null);
  if (cleared.length > 0) {
    lines.push('', 'Cleared flags');
    lines.push(
      formatTable(
        cleared.map((f) => ({
          flag: f.flag_type,
          set: when(f.first_flagged_at),
          cleared: when(f.cleared_at),
        })),
      ),
    );
  }
  lines.push(
    '',
    `Timeline (${record.timeline.length} newest of ${record.totalEvents} events, with system events)`,
  );
  lines.push(
    formatTable(
      record.timeline.map((e) => ({
        when: when(e.event_date),
        event: e.event_type,
        source: e.event_source,
        confidence: e.source_confidence,
        what: summarise(e),
      })),
    ),
  );
  return lines.join('\n');
}

/** One line per identifier, however many source records carry it. */
function groupIdentifiers(rows: Row[]): Record<string, unknown>[] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = `${row.identifier_type}\u0000${row.identifier_value}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((group) => ({
    type: group[0]!.identifier_type,
    value: group[0]!.identifier_value,
    sources: [...new Set(group.map((r) => r.source))].sort().join(', '),
    records: group.length,
    confidence: [...new Set(group.map((r) => String(r.confidence)))].sort().join(', '),
    shared: group.some((r) => r.is_shared) ? 'shared' : '',
  }));
}

function summariseFlag(details: unknown): string {
  const d = (typeof details === 'string' ? JSON.parse(details) : details) as Record<string, unknown> | null;
  if (!d) return '';
  return [d.description, d.ab_group ? `group ${d.ab_group}` : ''].filter(Boolean).join('; ');
}

function formatList(value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : String(value ?? '-');
}

/** JSON for rows: bigints as numbers, JSON columns (strings holding JSON) as objects. */
function jsonValue(key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if ((key === 'event_details' || key === 'flag_details') && typeof value === 'string')
    return JSON.parse(value);
  return value;
}
