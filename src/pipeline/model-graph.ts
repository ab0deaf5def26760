import { discoverSqlModels } from '../models/discover.ts';
import { ModelGraph } from '../models/graph.ts';
import type { SqlModel, TypeScriptModel } from '../models/model.ts';
import { ModelRunner, type RunnerContext } from '../models/runner.ts';
import type { Database } from '../sql/database.ts';

/**
 * The models computed in TypeScript, placed in the graph by what they read and write. Their code is
 * imported when they run, so reading the graph (a report, a rule's check) loads none of it.
 *
 * - `resolve`: identity resolution, an iterative algorithm over `stg_identity_records` whose own SQL
 *   steps (`queries/identity/`) run inside it (`src/identity/sql-steps.ts`);
 * - `analyse`: each new email template and post image read once by Claude (or the heuristic);
 * - `churn`: the churn score of every member (`src/churn/`), from the member-months of `queries/churn/`;
 * - `rules`: every rule's check (`queries/rules/`), reconciled with the flag history;
 * - `audiences`: every audience (`queries/audiences/`: queries, and references to a rule's open flag in
 *   `audience_flags`) at the run's day, with its entries and exits.
 */
export function typescriptModels(sqlModels: SqlModel[]): TypeScriptModel[] {
  const readsOf = (layer: string) =>
    [...new Set(sqlModels.filter((m) => m.layer === layer).flatMap((m) => m.reads))].sort();
  const ruleReads = readsOf('rules');
  const churnReads = readsOf('churn');
  return [
    {
      kind: 'typescript',
      id: 'resolve',
      name: 'resolve',
      layer: 'core',
      description: 'identity resolution: records into customers and households, with stable ids',
      reads: ['stg_identity_records'],
      writes: [
        'core/resolved_records',
        'core/customer_master',
        'core/customer_identifiers',
        'core/households',
        'core/identity_links',
        'core/identity_review',
        'core/identity_model',
        'state/customer_id_map',
        'state/customer_id_aliases',
        'state/customer_id_splits',
        'state/identity_fit',
      ],
      async run({ db, asOf, now, vars }) {
        const { createInputTable } = await import('../identity/input.ts');
        const { resolveIdentities } = await import('../identity/resolve.ts');
        const { lakeStore } = await import('../identity/store.ts');
        await createInputTable(db, 'select * from stg_identity_records', undefined, 'stg_identity_records');
        const r = await resolveIdentities(db, lakeStore(db), {
          asOf,
          now,
          full: vars.full_identity === true,
        });
        const fit = r.modelFit.refitted
          ? `model fitted (${r.modelFit.reason})`
          : `stored model of ${r.modelFit.fittedAt.slice(0, 10)}`;
        return {
          detail: `${r.records} records → ${r.customers} customers in ${r.households} households; ${fit}`,
          records: r.customers,
        };
      },
    },
    {
      kind: 'typescript',
      id: 'analyse',
      name: 'analyse',
      layer: 'core',
      description:
        'email templates and post images read once by Claude (or the heuristic), cached by content hash',
      reads: [
        'stg_mailchimp__campaigns',
        'stg_mailchimp__campaign_content',
        'stg_instagram__posts',
        'stg_instagram__images',
      ],
      writes: [
        'core/campaign_offers',
        'state/email_templates',
        'core/post_image_analyses',
        'state/image_analyses',
      ],
      async placeholder(relation) {
        if (relation === 'campaign_offers')
          return (await import('../offers/template-cache.ts')).CAMPAIGN_OFFERS_PLACEHOLDER;
        if (relation === 'post_image_analyses')
          return (await import('../vision/analyse-images.ts')).POST_IMAGES_PLACEHOLDER;
        return undefined;
      },
      async run({ db, config }) {
        const { contentRunFailure, describeContentRun, runContentAnalysis } = await import(
          '../offers/run-offers.ts'
        );
        const result = await runContentAnalysis(db, config?.anthropic);
        const failure = contentRunFailure(result);
        return { detail: describeContentRun(result), ...(failure ? { failure } : {}) };
      },
    },
    {
      kind: 'typescript',
      id: 'churn',
      name: 'churn',
      layer: 'core',
      description:
        "the churn score: each member's 90-day churn probability with its reasons (queries/churn/), the model refitted monthly",
      reads: churnReads,
      writes: ['core/churn_scores', 'state/churn_models'],
      async placeholder(relation) {
        if (relation === 'churn_scores')
          return (await import('../churn/scoring.ts')).CHURN_SCORES_PLACEHOLDER;
        return undefined;
      },
      async run(context) {
        const { scoreChurn } = await import('../churn/scoring.ts');
        const { openRunner } = await import('./model-graph.ts');
        const asOf = context.asOf.toLocaleDateString('en-CA', { timeZone: String(context.vars.time_zone) });
        const r = await scoreChurn(await openRunner(context.db, context), {
          asOf,
          retrain: context.vars.retrain_churn === true,
        });
        return {
          detail: r.model
            ? `${r.members} members scored, ${r.high} high risk; model of ${r.model.trained_on}${r.trained ? ' (fitted now)' : ''}`
            : 'no month-end with a known 90-day outcome yet: nothing scored',
          records: r.members,
        };
      },
    },
    {
      kind: 'typescript',
      id: 'rules',
      name: 'rules',
      layer: 'core',
      description: "the business rules: each rule's check, the flag history, cooldowns, experiments",
      reads: ruleReads,
      writes: [
        'core/customer_flags',
        'state/flag_history',
        'state/system_events',
        'state/experiment_entries',
      ],
      async placeholder(relation) {
        if (relation === 'customer_flags')
          return (await import('../rules/run-rules.ts')).CUSTOMER_FLAGS_PLACEHOLDER;
        return undefined;
      },
      async run({ db, asOf, now, vars }) {
        const { discoverRules } = await import('../rules/discover.ts');
        const { loadRulesConfig } = await import('../rules/config.ts');
        const { runRules } = await import('../rules/run-rules.ts');
        const r = await runRules(db, {
          asOf: asOf.toLocaleDateString('en-CA', { timeZone: String(vars.time_zone) }),
          now,
          config: await loadRulesConfig(await discoverRules()),
        });
        return { detail: `${r.openFlags} open flags, ${r.systemEvents} system events`, records: r.openFlags };
      },
    },
    {
      kind: 'typescript',
      id: 'audiences',
      name: 'audiences',
      layer: 'core',
      description: 'every audience at the run day: members, experiment groups, holdout; entries and exits',
      reads: [...new Set([...readsOf('audiences'), 'audience_flags', 'customer_master'])].sort(),
      writes: ['core/audience_members', 'state/audience_history'],
      async run({ db, asOf, now, vars }) {
        const { discoverRules } = await import('../rules/discover.ts');
        const { loadRulesConfig } = await import('../rules/config.ts');
        const { computeAudiences } = await import('../audiences/compute.ts');
        const counts = await computeAudiences(db, {
          asOf: asOf.toLocaleDateString('en-CA', { timeZone: String(vars.time_zone) }),
          now,
          runId: `audiences-${now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, 'Z')}`,
          holdoutShares: (await loadRulesConfig(await discoverRules())).holdoutShares,
        });
        const members = counts.reduce((n, c) => n + c.members, 0);
        const entered = counts.reduce((n, c) => n + c.entered, 0);
        const exited = counts.reduce((n, c) => n + c.exited, 0);
        return {
          detail: `${counts.length} audiences, ${members} memberships; ${entered} entered, ${exited} exited`,
          records: members,
        };
      },
    },
  ];
}

let graph: Promise<ModelGraph> | undefined;

/** The project's model graph: every SQL model under `queries/` and the TypeScript models; read once. */
export function loadModelGraph(): Promise<ModelGraph> {
  graph ??= discoverSqlModels().then((sql) => new ModelGraph([...sql, ...typescriptModels(sql)]));
  return graph;
}

/** Offer conversion's window when the run does not set one (`BASIN_OFFER_WINDOW_DAYS`'s default). */
const DEFAULT_WINDOW_DAYS = 30;

/**
 * A runner over the project's graph. Its variables default to the database's time zone and the
 * default conversion window; its day and clock to now.
 */
export async function openRunner(db: Database, context: Partial<RunnerContext> = {}): Promise<ModelRunner> {
  const now = context.now ?? new Date();
  return new ModelRunner(db, await loadModelGraph(), {
    vars: { time_zone: db.timeZone, window_days: DEFAULT_WINDOW_DAYS, ...context.vars },
    asOf: context.asOf ?? now,
    now,
    ...(context.config ? { config: context.config } : {}),
  });
}
