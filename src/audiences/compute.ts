import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CliError, ExitCode } from '../errors.ts';
import type { SqlModel } from '../models/model.ts';
import type { ModelRunner } from '../models/runner.ts';
import { loadModelGraph, openRunner } from '../pipeline/model-graph.ts';
import { discoverRules } from '../rules/discover.ts';
import { appendState, stateSource } from '../rules/state-tables.ts';
import type { Database, SqlParams } from '../sql/database.ts';
import { queriesDir } from '../sql/query-files.ts';

/** The columns of `core/audience_flags` a flag audience may exclude on: a customer whose flag is true is left out. */
export const FLAG_EXCLUSIONS = ['recently_offered'] as const;

/** Mailchimp merge field types an audience trait can fill. */
export const MERGE_FIELD_TYPES = ['text', 'number', 'date'] as const;

/**
 * Merge fields an audience fills from its traits: merge tag (Mailchimp's: upper case, at most 10
 * characters) → the trait and the field's type.
 */
export const mergeFieldsSchema = z.record(
  z.string().regex(/^[A-Z][A-Z0-9_]{0,9}$/, 'a merge tag is 1–10 upper-case letters, digits or _'),
  z.object({ trait: z.string().min(1), type: z.enum(MERGE_FIELD_TYPES) }).strict(),
);
export type MergeFields = z.infer<typeof mergeFieldsSchema>;

/** The header form of merge fields, `-- merge_fields: CUSTID=customer_id:text, VISITS30=visits_30d:number`. */
export function parseMergeFieldsHeader(text: string): unknown {
  return Object.fromEntries(
    text.split(',').map((part) => {
      const [tag = '', field = ''] = part.split('=').map((x) => x.trim());
      const [trait = '', type = ''] = field.split(':').map((x) => x.trim());
      return [tag, { trait, type }];
    }),
  );
}

/**
 * A reference to a rule's open flag, `queries/audiences/<name>.json`: its members are the customers
 * with an open flag of the rule (`core/audience_flags`), less those any exclusion names.
 */
export const flagAudienceSchema = z
  .object({
    description: z.string().min(1),
    flag: z.string(),
    exclude: z.array(z.enum(FLAG_EXCLUSIONS)).default([]),
    /** False: exported only (customers with no email). */
    sync: z.boolean().default(true),
    merge_fields: mergeFieldsSchema.default({}),
  })
  .strict();

/**
 * An audience: a query model `queries/audiences/<name>.sql` returning customer_id, experiment_id,
 * ab_group and traits, or a reference to a rule's open flag (`<name>.json`).
 */
export interface Audience {
  name: string;
  description: string;
  /** False for `-- sync: none` or `"sync": false` (exported only, such as customers with no email). */
  syncs: boolean;
  file: string;
  /** Merge fields its members' list entries get from its traits (none by default). */
  mergeFields: MergeFields;
  source: { kind: 'query'; model: SqlModel } | { kind: 'flag'; flag: string; exclude: string[] };
}

const audiencesDir = path.join(queriesDir, 'audiences');

export async function discoverAudiences(dir = audiencesDir): Promise<Audience[]> {
  const graph = await loadModelGraph();
  const queries = graph.models
    .filter((m): m is SqlModel => m.kind === 'sql' && m.layer === 'audiences')
    .map((model): Audience => {
      const mergeFields = mergeFieldsSchema.safeParse(
        model.header.merge_fields ? parseMergeFieldsHeader(model.header.merge_fields) : {},
      );
      if (!mergeFields.success)
        throw new CliError(
          `${model.file}: merge_fields is invalid: ${describeIssues(mergeFields.error)} (expected TAG=trait:type, …)`,
          ExitCode.usage,
        );
      return {
        name: model.name,
        description: model.description,
        syncs: model.header.sync !== 'none',
        file: model.file,
        mergeFields: mergeFields.data,
        source: { kind: 'query', model },
      };
    });
  const flags = await flagAudiences(dir);
  for (const audience of flags) {
    const twin = queries.find((q) => q.name === audience.name);
    if (twin)
      throw new CliError(`${audience.file} and ${twin.file} both define the audience ${audience.name}`);
  }
  return [...queries, ...flags].sort((a, b) => a.name.localeCompare(b.name));
}

async function flagAudiences(dir: string): Promise<Audience[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) return [];
  const rules = new Set((await discoverRules()).map((r) => r.name));
  return Promise.all(
    files.map(async (name): Promise<Audience> => {
      const file = path.join(dir, name);
      const invalid = (problem: string) =>
        new CliError(`audience ${file} is invalid: ${problem}`, ExitCode.usage);
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw invalid(`not JSON (${(error as Error).message})`);
      }
      const parsed = flagAudienceSchema.safeParse(raw);
      if (!parsed.success) throw invalid(describeIssues(parsed.error));
      if (!rules.has(parsed.data.flag))
        throw invalid(`flag: no rule "${parsed.data.flag}" (known: ${[...rules].join(', ')})`);
      return {
        name: name.slice(0, -'.json'.length),
        description: parsed.data.description,
        syncs: parsed.data.sync,
        file,
        mergeFields: parsed.data.merge_fields,
        source: { kind: 'flag', flag: parsed.data.flag, exclude: parsed.data.exclude },
      };
    }),
  );
}

/** The tag an audience member carries in Mailchimp: the audience, or `<audience>:<group>` in an experiment. */
export function tagSql(audience: string, group: string): string {
  return `case when ${group} is null then ${audience} else ${audience} || ':' || ${group} end`;
}

/**
 * Held out of an experiment: the household's position in [0, 1), from sha256("<experiment>:holdout:<household>"),
 * is below the experiment's share; a household is held out of every rule of the experiment alike.
 */
export function holdoutSql(experimentSql: string, householdSql: string, shareSql: string): string {
  return `(('0x' || left(sha256(${experimentSql} || ':holdout:' || ${householdSql}), 8))::ubigint / 4294967296.0) < ${shareSql}`;
}

export interface AudienceCount {
  audience: string;
  members: number;
  holdout: number;
  groups: Record<string, number>;
  entered: number;
  exited: number;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
}

/** A flag audience's select: its rule's open flags in `core/audience_flags`, less its exclusions. */
async function flagAudienceQuery(
  runner: ModelRunner,
  source: { flag: string; exclude: string[] },
): Promise<{ sql: string; params: SqlParams }> {
  const flags = await runner.compile('core/audience_flags');
  const exclusions = FLAG_EXCLUSIONS.map((column) => `not (f.${column} and $exclude_${column})`).join(
    ' and ',
  );
  return {
    sql: `select f.customer_id, f.experiment_id, f.ab_group, f.flagged_on
          from (${flags.sql}) as f
          where f.flag_type = $flag_type and ${exclusions}`,
    params: {
      ...flags.params,
      flag_type: source.flag,
      ...Object.fromEntries(FLAG_EXCLUSIONS.map((c) => [`exclude_${c}`, source.exclude.includes(c)])),
    },
  };
}

/**
 * The daily audiences step: every audience computed at `asOf` into `core/audience_members` (one row
 * per customer and audience, with its experiment group, holdout and traits as JSON), and the changes
 * since the last run appended to `state/audience_history` (entered / exited), which no rebuild
 * touches: the current members of the history are those whose last change is an entry.
 */
export async function computeAudiences(
  db: Database,
  options: { asOf: string; now: Date; runId: string; holdoutShares: Record<string, number> },
): Promise<AudienceCount[]> {
  const audiences = await discoverAudiences();
  const runner = await openRunner(db);
  await db.run(
    `create or replace temp table audience_rows (
       audience varchar, customer_id varchar, experiment_id varchar, ab_group varchar, traits json, sync boolean)`,
  );
  for (const audience of audiences) {
    const { sql, params } =
      audience.source.kind === 'query'
        ? await runner.compile(audience.source.model.id, { as_of: options.asOf })
        : await flagAudienceQuery(runner, audience.source);
    await db.run(
      `insert into audience_rows
       select $audience_name, a.customer_id, a.experiment_id, a.ab_group,
              to_json(a) as traits, $audience_syncs
       from (select * exclude (experiment_id, ab_group), experiment_id, ab_group from (${sql})) as a`,
      { ...params, audience_name: audience.name, audience_syncs: audience.syncs },
    );
  }
  await db.run('create or replace temp table holdout_shares (experiment_id varchar, share double)');
  await db.appendRows(
    'holdout_shares',
    Object.entries(options.holdoutShares).map(([id, share]) => [id, String(share)]),
  );
  await db.writeSelect(
    'core/audience_members',
    `select r.audience, r.customer_id, r.experiment_id, r.ab_group,
            coalesce(${holdoutSql('r.experiment_id', 'coalesce(m.household_id, r.customer_id)', 'coalesce(h.share, 0)')}, false) as holdout,
            case when r.sync and not coalesce(${holdoutSql('r.experiment_id', 'coalesce(m.household_id, r.customer_id)', 'coalesce(h.share, 0)')}, false)
                 then ${tagSql('r.audience', 'r.ab_group')} end as tag,
            json_extract(r.traits, '$') as traits,
            $as_of::date as as_of
     from audience_rows as r
     left join customer_master as m using (customer_id)
     left join holdout_shares as h using (experiment_id)
     order by r.audience, r.customer_id`,
    { as_of: options.asOf },
  );

  const history = await stateSource(db, 'audience_history');
  const current = `select customer_id, audience from (${history})
     qualify row_number() over (partition by customer_id, audience order by changed_at desc, change) = 1
       and change = 'entered'`;
  const params = { as_of: options.asOf, now: options.now.toISOString(), run_id: options.runId };
  await db.run(
    `create or replace temp table audience_changes as
     select m.customer_id, m.audience, 'entered' as change, $as_of::date as changed_on,
            $now::timestamptz as changed_at, m.ab_group, m.holdout, $run_id as run_id
     from audience_members as m anti join (${current}) as c using (customer_id, audience)
     union all
     select c.customer_id, c.audience, 'exited', $as_of::date, $now::timestamptz, null, null, $run_id
     from (${current}) as c anti join audience_members as m using (customer_id, audience)`,
    params,
  );
  await appendState(
    db,
    'audience_history',
    `${options.runId}-audiences`,
    'select * from audience_changes order by audience, change, customer_id',
  );
  const rows = await db.query(
    `with members as (
       select audience, count(*)::bigint as members, count(*) filter (where holdout)::bigint as holdout
       from audience_members group by audience
     ),
     changes as (
       select audience, count(*) filter (where change = 'entered')::bigint as entered,
              count(*) filter (where change = 'exited')::bigint as exited
       from audience_changes group by audience
     )
     select coalesce(m.audience, c.audience) as audience, m.members, m.holdout, c.entered, c.exited
     from members as m full join changes as c using (audience)`,
  );
  const groups = await db.query(
    `select audience, ab_group, count(*)::bigint as n from audience_members
     where ab_group is not null and not holdout group by all`,
  );
  return audiences.map((a) => {
    const row = rows.find((r) => r.audience === a.name);
    return {
      audience: a.name,
      members: Number(row?.members ?? 0),
      holdout: Number(row?.holdout ?? 0),
      groups: Object.fromEntries(
        groups.filter((g) => g.audience === a.name).map((g) => [String(g.ab_group), Number(g.n)]),
      ),
      entered: Number(row?.entered ?? 0),
      exited: Number(row?.exited ?? 0),
    };
  });
}
