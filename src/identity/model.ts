import type { Row } from '../sql/database.ts';
import { ruleMask } from './blocking.ts';
import {
  COMPARISONS,
  type Comparison,
  conflictColumnsSql,
  gammaColumnsSql,
  termFrequencyColumnsSql,
} from './comparisons.ts';
import type { ResolverConfig } from './config.ts';
import { expectationMaximisation, type FsParameters, levelFrequencies, type Pattern } from './em.ts';
import type { Fragments, SqlSteps } from './sql-steps.ts';
import { MIN_TRAINING_PAIRS, TRAINING_BLOCKS } from './training.ts';

export interface ModelLevel {
  comparison: string;
  gamma: number;
  label: string;
  m: number;
  u: number;
}

export interface TrainingReport {
  block: string;
  pairs: number;
  lambda: number;
  iterations: number;
  used: boolean;
}

/** A fitted model: what it learnt, in a shape that can be saved, printed and explained. */
export interface FittedModel {
  /** Probability that two profiles drawn at random are one person. */
  lambda: number;
  /** Share of matches among the candidate pairs. */
  candidateLambda: number;
  /** Share of pairs of two people of one household among the candidate pairs. */
  candidateHouseholdLambda: number;
  candidatePairs: number;
  randomPairs: number;
  levels: ModelLevel[];
  training: TrainingReport[];
}

/** SQL for the comparison vector of each pair in `pairSource`, profiles read from `features`. */
export function gammaFragments(
  pairSource: string,
  features = 'id_profiles',
  comparisons: readonly Comparison[] = COMPARISONS,
): Fragments {
  return {
    pair_source: pairSource,
    features,
    gammas: gammaColumnsSql(comparisons),
    term_frequencies: termFrequencyColumnsSql(comparisons),
    conflicts: conflictColumnsSql(),
  };
}

/** The comparisons two people of one home agree on (EM's household class). */
const shared = COMPARISONS.map((c) => Boolean(c.household));

const gammaColumns = COMPARISONS.map((c) => `g_${c.name}`).join(', ');

/** Counted comparison patterns of the pairs in `table` a rule set paired (`mask`; 0 takes all). */
export async function patterns(steps: SqlSteps, table: string, mask: number): Promise<Pattern[]> {
  const rows = await steps.rows(
    'id_gamma_patterns',
    { rule_mask: mask },
    { pair_gammas: table, gamma_columns: gammaColumns },
  );
  return rows.map((row: Row) => ({
    gammas: COMPARISONS.map((c) => Number(row[`g_${c.name}`])),
    count: Number(row.pairs),
  }));
}

/** Neutral starting m: agreeing levels likely, in order, the last ("different") unlikely. */
function startingM(levels: number): number[] {
  const raw = Array.from({ length: levels }, (_, g) => (g === 0 ? 0 : g === levels - 1 ? 0.05 : 0.5 ** g));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((x, g) => (g === 0 ? 1 : x / total));
}

/**
 * Estimates the model from the input itself: u from random profile pairs, m by EM on each training
 * block, λ by EM over the candidate pairs. Needs `id_candidate_gammas` and `id_profiles`.
 */
export async function fitModel(
  steps: SqlSteps,
  config: ResolverConfig,
  profiles: number,
  candidatePairs: number,
): Promise<FittedModel> {
  await steps.table('id_random_pairs', { seed: config.seed, sample_size: config.uSampleSize });
  await steps.table('id_pair_gammas', {}, gammaFragments('id_random_pairs'), 'id_random_gammas');
  const random = await patterns(steps, 'id_random_gammas', 0);
  const randomPairs = random.reduce((a, p) => a + p.count, 0);
  const levelCounts = COMPARISONS.map((c) => c.levels.length);
  const u = levelFrequencies(random, levelCounts);

  const training: TrainingReport[] = [];
  const estimate = async (fallback: boolean, estimated: ReadonlySet<number>) => {
    const mSum = COMPARISONS.map((c) => new Array<number>(c.levels.length).fill(0));
    const weight = COMPARISONS.map(() => 0);
    for (const block of TRAINING_BLOCKS.filter((b) => Boolean(b.fallback) === fallback)) {
      const fixed = new Set(block.fixed.map((name) => COMPARISONS.findIndex((c) => c.name === name)));
      COMPARISONS.forEach((_, k) => {
        if (estimated.has(k)) fixed.add(k);
      });
      const blockPatterns = (await patterns(steps, 'id_candidate_gammas', ruleMask(block.rules))).map(
        (p) => ({
          gammas: p.gammas.map((g, k) => (fixed.has(k) ? 0 : g)),
          count: p.count,
        }),
      );
      const pairs = blockPatterns.reduce((a, p) => a + p.count, 0);
      if (pairs < MIN_TRAINING_PAIRS || fixed.size === COMPARISONS.length) {
        training.push({ block: block.label, pairs, lambda: Number.NaN, iterations: 0, used: false });
        continue;
      }
      const start: FsParameters = { lambda: 0.5, m: levelCounts.map(startingM), u };
      const fit = expectationMaximisation(blockPatterns, start, { fixed, fixU: true, shared });
      training.push({
        block: block.label,
        pairs,
        lambda: fit.lambda,
        iterations: fit.iterations,
        used: true,
      });
      fit.m.forEach((levels, k) => {
        if (fixed.has(k) || fit.matchMass[k]! <= 0) return;
        levels.forEach((m, g) => {
          mSum[k]![g]! += m * fit.matchMass[k]!;
        });
        weight[k]! += fit.matchMass[k]!;
      });
    }
    return { mSum, weight };
  };
  const primary = await estimate(false, new Set());
  const learnt = new Set(COMPARISONS.flatMap((_, k) => (primary.weight[k]! > 0 ? [k] : [])));
  const fallback = await estimate(true, learnt);
  const m = COMPARISONS.map((c, k) => {
    const from = primary.weight[k]! > 0 ? primary : fallback.weight[k]! > 0 ? fallback : null;
    return from
      ? from.mSum[k]!.map((x, g) => (g === 0 ? 1 : x / from.weight[k]!))
      : startingM(c.levels.length);
  });

  const candidates = await patterns(steps, 'id_candidate_gammas', 0);
  const prior = expectationMaximisation(
    candidates,
    { lambda: 0.1, m, u },
    { fixM: true, fixU: true, shared },
  );
  const totalPairs = (profiles * (profiles - 1)) / 2;
  const lambda =
    totalPairs > 0
      ? Math.min(prior.lambda, Math.max((prior.lambda * candidatePairs) / totalPairs, 1e-12))
      : 0.5;

  const levels = COMPARISONS.flatMap((c, k) =>
    c.levels.map((level, g) => ({
      comparison: c.name,
      gamma: g,
      label: level.label,
      m: m[k]![g]!,
      u: u[k]![g]!,
    })),
  );
  return {
    lambda,
    candidateLambda: prior.lambda,
    candidateHouseholdLambda: prior.householdLambda,
    candidatePairs,
    randomPairs,
    levels,
    training,
  };
}
