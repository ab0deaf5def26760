import type { Command } from 'commander';
import { discoverAudiences } from '../audiences/compute.ts';
import { type SyncResult, syncAudiences } from '../audiences/sync.ts';
import { CliError, ExitCode } from '../errors.ts';
import { acquireLock } from '../pipeline/lock.ts';
import { sqlIdentifier, sqlString } from '../sql/database.ts';
import { openContext } from './context.ts';
import { formatTable } from './format.ts';

export function registerAudiencesCommands(program: Command): void {
  const audiences = program
    .command('audiences')
    .description('audiences (queries/audiences/): Mailchimp tag sync (reverse ETL) and CSV export');

  audiences
    .command('sync')
    .description(
      'plans the Mailchimp tag changes per audience (adds, removes, skips by reason, a sample); a dry run unless --apply',
    )
    .option('--apply', "send the plan, under the lake's lock; exits 1 when any change failed")
    .option(
      '--reconcile',
      'diff against the tags Mailchimp holds now (repairs hand edits), not the sync state',
    )
    .action(async (options: { apply?: boolean; reconcile?: boolean }) => {
      const ctx = await openContext();
      try {
        const settings = ctx.config.sources.mailchimp;
        if (!settings)
          throw new CliError(
            'audiences sync needs MAILCHIMP_API_KEY and MAILCHIMP_AUDIENCE_ID (see .env.example)',
            ExitCode.usage,
          );
        const now = new Date();
        const syncId = `sync-${now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, 'Z')}`;
        const lock = options.apply ? await acquireLock(ctx.lake.root, { runId: syncId }) : undefined;
        try {
          const result = await syncAudiences(ctx.db, {
            settings,
            apply: options.apply ?? false,
            reconcile: options.reconcile ?? false,
            now,
            syncId,
          });
          console.log(formatSync(result));
          if (result.failures.length > 0) process.exitCode = ExitCode.failure;
        } finally {
          await lock?.release();
        }
      } finally {
        ctx.close();
      }
    });

  audiences
    .command('export')
    .description('writes one audience (its members and traits, as of the last daily run) to CSV')
    .argument('<name>', 'the audience: a file queries/audiences/<name>.sql or <name>.json')
    .requiredOption('--out <file>', 'the CSV file to write')
    .action(async (name: string, options: { out: string }) => {
      const known = (await discoverAudiences()).map((a) => a.name);
      if (!known.includes(name))
        throw new CliError(`no audience ${name} (known: ${known.join(', ')})`, ExitCode.usage);
      const ctx = await openContext();
      try {
        const [count] = await ctx.db.query(
          'select count(*)::bigint as n from audience_members where audience = $name',
          { name },
        );
        const keys = await ctx.db.query(
          `select distinct unnest(json_keys(traits)) as k from audience_members where audience = $name order by k`,
          { name },
        );
        const traits = keys
          .map((row) => String(row.k))
          .filter((k) => !['customer_id', 'experiment_id', 'ab_group'].includes(k))
          .map((k) => `json_extract_string(m.traits, ${sqlString(`$."${k}"`)}) as ${sqlIdentifier(k)}`);
        await ctx.db.run(
          `copy (
             select m.customer_id, m.experiment_id, m.ab_group, m.holdout, m.tag, m.as_of, c.email, c.first_name,
                    c.last_name, c.phone${traits.map((t) => `, ${t}`).join('')}
             from audience_members as m left join customer_master as c using (customer_id)
             where m.audience = $name order by m.customer_id
           ) to ${sqlString(options.out)} (header, delimiter ',')`,
          { name },
        );
        console.log(`${count?.n ?? 0} members of ${name} written to ${options.out}`);
      } finally {
        ctx.close();
      }
    });
}

export function formatSync(result: SyncResult): string {
  const lines = [
    formatTable(
      result.audiences.map((a) => ({
        audience: a.audience,
        members: a.members,
        groups: Object.entries(a.groups)
          .sort(([x], [y]) => x.localeCompare(y))
          .map(([group, n]) => `${group} ${n}`)
          .join(', '),
        holdout: a.holdout,
        add: a.adds,
        remove: a.removes,
        skipped: Object.entries(a.skipped)
          .map(([reason, n]) => `${reason} ${n}`)
          .join(', '),
        ...(result.mode === 'dry-run'
          ? { sample: a.sample.slice(0, 2).join('; ') }
          : { sent: a.sent, failed: a.failed }),
      })),
    ),
    `${result.mode}: ${result.apiCalls} API calls in ${result.seconds.toFixed(1)} s`,
  ];
  const merge = result.merge;
  if (merge.members > 0)
    lines.push(
      `merge fields: ${merge.values} values on ${merge.members} members` +
        (result.mode === 'dry-run'
          ? ` (${merge.sample.slice(0, 2).join('; ')})`
          : `, ${merge.sent} sent, ${merge.failed} failed${merge.created.length > 0 ? `; created ${merge.created.join(', ')}` : ''}`),
    );
  for (const f of result.failures.slice(0, 20))
    lines.push(`FAILED ${f.subscriber_hash} ${f.tags.join(' ')}: ${f.reason}`);
  if (result.failures.length > 20) lines.push(`… and ${result.failures.length - 20} more failed members`);
  return lines.join('\n');
}
