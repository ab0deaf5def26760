import type { Database } from '../sql/database.ts';
import { COMPARISONS } from './comparisons.ts';
import type { ResolverConfig } from './config.ts';
import type { Pattern } from './em.ts';
import type { FittedModel } from './model.ts';
import type { FitTable, IdentityStore } from './store.ts';

/**
 * The fitted model kept between runs (`state/identity_fit`), so a daily run scores with the last
 * fit instead of drawing random pairs and running EM again. One row per comparison level: its m and
 * u, the share of candidate pairs at that level when the model was fitted, and the fit's prior and
 * sizes (the same on every row).
 */
export const FIT_TABLE: FitTable = 'identity_fit';

export interface StoredFit {
  model: FittedModel;
  /** Profiles the model was fitted on. */
  profiles: number;
  /** Per comparison, the share of candidate pairs at each level (level 0: a value missing). */
  shares: number[][];
  fittedAt: string;
}

/** What the data looks like now, to compare with the fit's. */
export interface FitInputs {
  profiles: number;
  shares: number[][];
}

/** Per comparison, the share of the pairs at each level, from counted patterns. */
export function levelShares(patterns: readonly Pattern[]): number[][] {
  const total = patterns.reduce((a, p) => a + p.count, 0);
  return COMPARISONS.map((c, k) => {
    const counts = new Array<number>(c.levels.length).fill(0);
    for (const p of patterns) counts[p.gammas[k]!]! += p.count;
    return counts.map((n) => (total === 0 ? 0 : n / total));
  });
}

/**
 * Why the stored model must be re-fitted, or null when it still serves. The criterion: there is no
 * stored fit; the comparisons changed since (a level added, renamed or removed); the profiles grew
 * or shrank by more than `refitProfileGrowth` of the fit's count; or, for some comparison, the mix of
 * levels among candidate pairs (missing values included) moved by more than `refitLevelShift` in
 * total variation distance: the fields' fill rates or the way records agree have drifted.
 */
export function refitReason(
  stored: StoredFit | null,
  now: FitInputs,
  config: Pick<ResolverConfig, 'refitProfileGrowth' | 'refitLevelShift'>,
): string | null {
  if (!stored) return 'no stored model';
  if (!Number.isFinite(stored.model.candidateHouseholdLambda))
    return 'the stored model has no household share (fitted before the household class)';
  const levelsNow = COMPARISONS.flatMap((c) => c.levels.map((l, g) => `${c.name}:${g}:${l.label}`));
  const levelsThen = stored.model.levels.map((l) => `${l.comparison}:${l.gamma}:${l.label}`);
  if (levelsNow.join('\n') !== levelsThen.join('\n')) return 'the comparisons changed since the fit';
  const growth =
    stored.profiles === 0 ? Infinity : Math.abs(now.profiles - stored.profiles) / stored.profiles;
  if (growth > config.refitProfileGrowth)
    return `profiles ${stored.profiles} → ${now.profiles} (more than ${config.refitProfileGrowth * 100}% apart)`;
  for (const [k, c] of COMPARISONS.entries()) {
    const then = stored.shares[k] ?? [];
    const shift = (now.shares[k] ?? []).reduce((a, x, g) => a + Math.abs(x - (then[g] ?? 0)), 0) / 2;
    if (shift > config.refitLevelShift)
      return `the level mix of ${c.name} moved by ${shift.toFixed(3)} (more than ${config.refitLevelShift})`;
  }
  return null;
}

/** The stored fit, or null when there is none. */
export async function loadFit(db: Database, store: IdentityStore): Promise<StoredFit | null> {
  const source = await store.source(FIT_TABLE);
  if (!source) return null;
  const rows = await db.query(`select * from (${source}) order by position`);
  const first = rows[0];
  if (!first) return null;
  const shares = COMPARISONS.map((c) => new Array<number>(c.levels.length).fill(0));
  for (const r of rows) {
    const k = COMPARISONS.findIndex((c) => c.name === r.comparison);
    const g = Number(r.gamma);
    if (k >= 0 && g < shares[k]!.length) shares[k]![g] = Number(r.candidate_share);
  }
  return {
    model: {
      lambda: Number(first.lambda),
      candidateLambda: Number(first.candidate_lambda),
      candidateHouseholdLambda: Number(first.candidate_household_lambda ?? Number.NaN),
      candidatePairs: Number(first.candidate_pairs),
      randomPairs: Number(first.random_pairs),
      levels: rows.map((r) => ({
        comparison: String(r.comparison),
        gamma: Number(r.gamma),
        label: String(r.label),
        m: Number(r.m),
        u: Number(r.u),
      })),
      training: [],
    },
    profiles: Number(first.profiles),
    shares,
    fittedAt: first.fitted_at instanceof Date ? first.fitted_at.toISOString() : String(first.fitted_at),
  };
}

/** Writes a new fit to `state/identity_fit`. Numbers travel as text so none loses a digit. */
export async function saveFit(
  db: Database,
  store: IdentityStore,
  model: FittedModel,
  inputs: FitInputs,
  fittedAt: Date,
): Promise<void> {
  await db.run(
    `create or replace table id_fit_text (position varchar, comparison varchar, gamma varchar, label varchar,
       m varchar, u varchar, candidate_share varchar)`,
  );
  await db.appendRows(
    'id_fit_text',
    model.levels.map((l, i) => {
      const k = COMPARISONS.findIndex((c) => c.name === l.comparison);
      const share = inputs.shares[k]?.[l.gamma] ?? 0;
      return [String(i), l.comparison, String(l.gamma), l.label, String(l.m), String(l.u), String(share)];
    }),
  );
  try {
    await store.write(
      FIT_TABLE,
      `select position::integer as position, comparison, gamma::integer as gamma, label, m::double as m,
              u::double as u, candidate_share::double as candidate_share, $lambda::double as lambda,
              $candidate_lambda::double as candidate_lambda,
              $candidate_household_lambda::double as candidate_household_lambda, $candidate_pairs::bigint as candidate_pairs,
              $random_pairs::bigint as random_pairs, $profiles::bigint as profiles,
              $fitted_at::timestamptz as fitted_at
       from id_fit_text order by position`,
      {
        lambda: String(model.lambda),
        candidate_lambda: String(model.candidateLambda),
        candidate_household_lambda: String(model.candidateHouseholdLambda),
        candidate_pairs: model.candidatePairs,
        random_pairs: model.randomPairs,
        profiles: inputs.profiles,
        fitted_at: fittedAt.toISOString(),
      },
    );
  } finally {
    await db.run('drop table if exists id_fit_text');
  }
}
