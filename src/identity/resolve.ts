import type { Database } from '../sql/database.ts';
import {
  BLOCKING_RULES,
  blockKeysSql,
  MEMBERSHIP_OWNER_RULE,
  MINOR_MEMBERSHIP_OWNER_RULE,
} from './blocking.ts';
import { EXACT_RULE_LEVELS } from './comparisons.ts';
import { connectedComponents, type GuardSummary, guardComponents } from './components.ts';
import { DEFAULT_CONFIG, type ResolverConfig } from './config.ts';
import { buildLookups } from './lookups.ts';
import { type FittedModel, fitModel, gammaFragments, patterns } from './model.ts';
import { evidenceFragments, scoreFragments, vectorFragments } from './scoring.ts';
import { SqlSteps, type StepTiming } from './sql-steps.ts';
import { type IdentityStore, OUTPUT_TABLES, STATE_TABLES } from './store.ts';
import { levelShares, loadFit, refitReason, saveFit } from './stored-fit.ts';

export interface ResolveOptions {
  /** Ages (is_minor) and two-digit birth years are read at this date. */
  asOf: Date;
  /** When ids assigned in this run are stamped as first assigned. */
  now: Date;
  config?: Partial<ResolverConfig>;
  onStep?: (timing: StepTiming) => void;
  /** Keep the `id_*` work tables after the run (to inspect them); dropped by default. */
  keepWorkTables?: boolean;
  /** Re-fit the model although the stored one still serves (`stored-fit.ts`). */
  full?: boolean;
}

/** Whether this run fitted the model or scored with the stored one, and why. */
export interface ModelFit {
  refitted: boolean;
  /** Why it was re-fitted; null when the stored model served. */
  reason: string | null;
  /** When the model in use was fitted (this run's `now` when re-fitted). */
  fittedAt: string;
}

export interface ResolveSummary {
  records: number;
  profiles: number;
  candidatePairs: number;
  customers: number;
  households: number;
  newCustomers: number;
  mergedIds: number;
  splitIds: number;
  links: Record<string, number>;
  rejected: { emails: number; phones: number; birthDates: number };
  ambiguousBirthDates: number;
  guard: GuardSummary;
  componentRounds: number;
  /** Share of true pairs that blocking made candidates, when the input carries true labels. */
  blockingRecall: number | null;
  model: FittedModel;
  modelFit: ModelFit;
  timings: StepTiming[];
}

/**
 * Resolves the records in `id_input` into customers and households, writes the core tables and the
 * id map through `store`. Every step is a query in `queries/identity/` (see `SqlSteps`); TypeScript
 * parses phones and dates, runs EM on counted patterns and the chaining guard.
 */
export async function resolveIdentities(
  db: Database,
  store: IdentityStore,
  options: ResolveOptions,
): Promise<ResolveSummary> {
  const config = { ...DEFAULT_CONFIG, ...options.config };
  const steps = new SqlSteps(db, options.onStep, options.keepWorkTables);
  const count = async (table: string) =>
    Number((await db.query(`select count(*)::bigint as n from ${table}`))[0]?.n ?? 0);

  await steps.exec('id_macro_fold');
  await steps.exec('id_macro_soundex');
  // Names and emails parse in DuckDB while phones and birth dates parse here.
  const lookups = await steps.timed('parse phones, birth dates, names and emails', () =>
    buildLookups(db, options.asOf, config.phoneRegion, async () => {
      await steps.table('id_parsed_names');
      await steps.table('id_parsed_emails');
    }),
  );
  steps.adopt('id_phone_lookup');
  steps.adopt('id_birth_date_lookup');
  await steps.table('id_name_forms');
  await steps.table('id_record_profiles');
  await steps.drop('id_phone_lookup', 'id_birth_date_lookup', 'id_parsed_names', 'id_parsed_emails');
  await steps.table('id_profiles');

  await steps.table('id_block_keys', {}, { block_keys: blockKeysSql(BLOCKING_RULES) });
  await steps.table('id_candidate_pairs', {
    max_block_size: config.maxBlockSize,
    max_weak_block_size: config.maxWeakBlockSize,
    neighbours: config.neighbours,
    owner_rule_id: MEMBERSHIP_OWNER_RULE.id,
    minor_owner_rule_id: MINOR_MEMBERSHIP_OWNER_RULE.id,
    as_of: options.asOf.toISOString().slice(0, 10),
  });
  await steps.drop('id_block_keys');
  await steps.table('id_pair_gammas', {}, gammaFragments('id_candidate_pairs'), 'id_candidate_gammas');
  const profiles = await count('id_profiles');
  const candidatePairs = await count('id_candidate_pairs');
  const blockingRecall = (await hasTruth(db)) ? await measureBlockingRecall(steps) : null;
  await steps.drop('id_candidate_pairs');

  // The stored model serves until the data drifts from what it was fitted on (or `--full`): the
  // random pairs and EM are the costliest part of a day's run that changes little.
  const fitInputs = { profiles, shares: levelShares(await patterns(steps, 'id_candidate_gammas', 0)) };
  const stored = await steps.timed('load stored model', () => loadFit(db, store));
  const reason = options.full ? 'asked for (--full)' : refitReason(stored, fitInputs, config);
  const served = reason === null ? stored : null;
  const model = served ? served.model : await fitModel(steps, config, profiles, candidatePairs);
  const modelFit: ModelFit = served
    ? { refitted: false, reason: null, fittedAt: served.fittedAt }
    : { refitted: true, reason, fittedAt: options.now.toISOString() };
  if (modelFit.refitted) {
    await steps.timed('write identity_fit', () => saveFit(db, store, model, fitInputs, options.now));
  }
  await steps.drop('id_random_pairs', 'id_random_gammas');
  await db.run(
    'create or replace table id_model_levels_text (comparison varchar, gamma varchar, label varchar, m varchar, u varchar)',
  );
  await db.appendRows(
    'id_model_levels_text',
    model.levels.map((l) => [l.comparison, String(l.gamma), l.label, String(l.m), String(l.u)]),
  );
  await db.run(
    `create or replace table id_model_levels as
     select comparison, gamma::integer as gamma, label, m::double as m, u::double as u from id_model_levels_text`,
  );
  await db.run('drop table id_model_levels_text');
  steps.adopt('id_model_levels');
  await steps.table('id_model_vectors', {}, vectorFragments());
  const priorLog2Odds = Math.log2(model.lambda / (1 - model.lambda));
  // Odds of one person against two of one home among candidates (both shares from one EM fit).
  const householdLog2Odds = Math.log2(model.candidateLambda / model.candidateHouseholdLambda);
  await db.run('create or replace table id_model_prior (prior_log2_odds double, household_log2_odds double)');
  await db.appendRows('id_model_prior', [[String(priorLog2Odds), String(householdLog2Odds)]]);
  steps.adopt('id_model_prior');
  await steps.view('id_pair_scores', {}, scoreFragments());

  await steps.table('id_shared_identifiers', {
    same_email: EXACT_RULE_LEVELS.sameEmail,
    same_phone: EXACT_RULE_LEVELS.samePhone,
    different_surnames: EXACT_RULE_LEVELS.differentSurnames,
    different_emails: EXACT_RULE_LEVELS.differentEmails,
    different_phones: EXACT_RULE_LEVELS.differentPhones,
  });
  await steps.table(
    'id_pair_links',
    {
      same_email: EXACT_RULE_LEVELS.sameEmail,
      same_phone: EXACT_RULE_LEVELS.samePhone,
      exact_first_name_max: EXACT_RULE_LEVELS.firstNameAgrees,
      exact_last_name_max: EXACT_RULE_LEVELS.lastNameAgrees,
      owner_rule_bit: 1 << MEMBERSHIP_OWNER_RULE.id,
      minor_owner_rule_bit: 1 << MINOR_MEMBERSHIP_OWNER_RULE.id,
      medium_threshold: config.mediumThreshold,
      review_threshold: config.reviewThreshold,
    },
    evidenceFragments(),
  );
  await steps.drop('id_pair_scores', 'id_candidate_gammas');
  await steps.table('id_account_links');
  await steps.table('id_identical_links');
  await steps.table('id_hint_links');
  await steps.view('id_links');
  await steps.table('id_accepted_edges');

  const componentRounds = await connectedComponents(
    steps,
    '(select profile_id as node from id_profiles)',
    '(select pid_l as a, pid_r as b from id_accepted_edges)',
    'id_components',
  );
  const guard = await guardComponents(steps);
  await steps.table('id_clusters');
  await steps.drop(
    'id_component_signatures',
    'id_signature_features',
    'id_signature_pairs',
    'id_signature_gammas',
    'id_cannot_links',
  );

  for (const table of STATE_TABLES) {
    const prev = `id_prev_${table.replace('customer_id_', '')}`;
    await db.run(`create or replace table ${prev} as ${await store.stateSource(table)}`);
    steps.adopt(prev);
  }
  const now = { now: options.now.toISOString() };
  await steps.table('id_prev_resolved');
  await steps.table('id_id_votes');
  await steps.table('id_cluster_customers', now);
  await steps.table('id_new_aliases', now);
  await steps.table('id_customer_map', now);
  await steps.table('id_customer_aliases');
  await steps.table('id_customer_splits', now);
  await assertUniqueIds(db);

  await steps.view('id_final_links');
  await steps.table('id_profile_confidence');
  await steps.table('id_household_edges');
  await connectedComponents(
    steps,
    '(select distinct cluster as node from id_clusters)',
    '(select a, b from id_household_edges)',
    'id_household_labels',
  );
  await steps.table('id_customer_households');
  await db.run('create or replace table id_source_trust (source varchar, trust_rank integer)');
  steps.adopt('id_source_trust');
  await db.appendRows(
    'id_source_trust',
    config.sourceTrust.map((source, i) => [source, String(i + 1)]),
  );
  await steps.table('id_customer_records');

  const asOf = { as_of: options.asOf.toISOString().slice(0, 10) };
  const outputParams: Record<(typeof OUTPUT_TABLES)[number], Record<string, string | number>> = {
    resolved_records: {},
    customer_master: asOf,
    customer_identifiers: {},
    households: asOf,
    identity_links: {},
    identity_review: {},
    identity_model: { lambda: model.lambda },
  };
  for (const table of OUTPUT_TABLES) {
    const sql = await steps.sql(table, outputParams[table], {});
    await steps.timed(`write ${table}`, () => store.write(table, sql, outputParams[table]));
  }
  for (const table of STATE_TABLES) {
    const work = `id_${table.replace('customer_id_', 'customer_')}`;
    await steps.timed(`write ${table}`, () => store.write(table, `select * from ${work}`, {}));
  }

  const [totals] = await steps.rows('id_summary', now);
  const tiers = await steps.rows('id_link_counts');
  await steps.dropAll();
  return {
    records: Number(totals?.records),
    profiles,
    candidatePairs,
    customers: Number(totals?.customers),
    households: Number(totals?.households),
    newCustomers: Number(totals?.new_customers),
    mergedIds: Number(totals?.merged),
    splitIds: Number(totals?.splits),
    links: Object.fromEntries(tiers.map((t) => [String(t.tier), Number(t.n)])),
    rejected: {
      emails: Number(totals?.rejected_emails),
      phones: lookups.invalidPhones,
      birthDates: lookups.invalidBirthDates,
    },
    ambiguousBirthDates: lookups.ambiguousBirthDates,
    guard,
    componentRounds,
    blockingRecall,
    model,
    modelFit,
    timings: steps.timings,
  };
}

async function assertUniqueIds(db: Database): Promise<void> {
  const [row] = await db.query(
    `select count(*) - count(distinct customer_id) as repeated from id_cluster_customers`,
  );
  if (Number(row?.repeated ?? 0) > 0) throw new Error('two customers drew the same new id; this is a bug');
}

async function hasTruth(db: Database): Promise<boolean> {
  const [row] = await db.query(
    `select count(*)::bigint as n from information_schema.columns
     where table_name = 'id_input' and column_name = 'truth_label'`,
  );
  return Number(row?.n ?? 0) > 0;
}

async function measureBlockingRecall(steps: SqlSteps): Promise<number> {
  const [row] = await steps.rows('evaluate_blocking');
  const truePairs = Number(row?.true_pairs ?? 0);
  return truePairs === 0 ? 1 : Number(row?.candidate_true_pairs ?? 0) / truePairs;
}
