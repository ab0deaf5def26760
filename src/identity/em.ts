/**
 * Expectation–maximisation for the Fellegi–Sunter model over counted comparison patterns. Each
 * pattern is one gamma per comparison (0 = a value missing, which weighs nothing); EM finds the
 * share of matches λ and, per level, m = P(level | match) and u = P(level | non-match). Running on
 * distinct patterns with counts (a few thousand) instead of pairs makes every iteration instant.
 *
 * A comparison's probabilities are learnt only from pairs with at least one other comparison to
 * say whether they match: when most pairs carrying a birth date carry nothing else (namesakes'
 * gym accounts), letting them vote would feed the comparison its own current guess, and EM drifts
 * into calling different birth dates typical of one person.
 */

export interface Pattern {
  gammas: readonly number[];
  count: number;
}

export interface FsParameters {
  lambda: number;
  /** [comparison][level]; level 0 is unused (missing values weigh nothing). */
  m: number[][];
  u: number[][];
}

export interface EmOptions {
  /** Comparisons whose m and u stay as given (those a training block agrees on by construction). */
  fixed?: ReadonlySet<number>;
  fixU?: boolean;
  fixM?: boolean;
  maxIterations?: number;
  tolerance?: number;
}

export interface EmResult extends FsParameters {
  iterations: number;
  converged: boolean;
  /** Per comparison, the expected number of matching pairs with a value on both sides. */
  matchMass: number[];
}

/** A pseudo-count per level so no probability is ever exactly 0 (a zero would veto a whole pair). */
const PSEUDO_COUNT = 0.5;

export function matchProbability(gammas: readonly number[], params: FsParameters): number {
  let pm = params.lambda;
  let pu = 1 - params.lambda;
  for (let k = 0; k < gammas.length; k++) {
    const g = gammas[k]!;
    if (g === 0) continue;
    pm *= params.m[k]![g]!;
    pu *= params.u[k]![g]!;
  }
  return pm + pu === 0 ? 0 : pm / (pm + pu);
}

export function expectationMaximisation(
  patterns: readonly Pattern[],
  start: FsParameters,
  options: EmOptions = {},
): EmResult {
  const fixed = options.fixed ?? new Set<number>();
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  let params: FsParameters = {
    lambda: start.lambda,
    m: start.m.map((levels) => [...levels]),
    u: start.u.map((levels) => [...levels]),
  };
  const comparisons = params.m.length;
  let iterations = 0;
  let converged = false;
  let matchMass = new Array<number>(comparisons).fill(0);
  while (iterations < maxIterations) {
    iterations++;
    const mCounts = params.m.map((levels) => new Array<number>(levels.length).fill(0));
    const uCounts = params.u.map((levels) => new Array<number>(levels.length).fill(0));
    let matches = 0;
    let total = 0;
    for (const pattern of patterns) {
      const p = matchProbability(pattern.gammas, params);
      const expectedMatches = p * pattern.count;
      matches += expectedMatches;
      total += pattern.count;
      const informative = pattern.gammas.filter((g) => g !== 0).length;
      for (let k = 0; k < comparisons; k++) {
        const g = pattern.gammas[k]!;
        // A pair whose only evidence is this comparison would teach it its own guess back.
        if (g === 0 || informative < 2) continue;
        mCounts[k]![g]! += expectedMatches;
        uCounts[k]![g]! += pattern.count - expectedMatches;
      }
    }
    matchMass = mCounts.map((levels) => levels.reduce((a, b) => a + b, 0));
    const next: FsParameters = {
      lambda: total === 0 ? params.lambda : clamp(matches / total),
      m: params.m.map((levels, k) =>
        options.fixM || fixed.has(k)
          ? levels
          : neutralWhereUnseen(normalise(mCounts[k]!, levels.length), mCounts[k]!, uCounts[k]!, params.u[k]!),
      ),
      u: params.u.map((levels, k) =>
        options.fixU || fixed.has(k) ? levels : normalise(uCounts[k]!, levels.length),
      ),
    };
    const change = largestChange(params, next);
    params = next;
    if (change < tolerance) {
      converged = true;
      break;
    }
  }
  return { ...params, iterations, converged, matchMass };
}

function normalise(counts: readonly number[], levels: number): number[] {
  const total = counts.reduce((a, b, i) => (i === 0 ? a : a + b), 0) + PSEUDO_COUNT * (levels - 1);
  return counts.map((c, i) => (i === 0 ? 1 : (c + PSEUDO_COUNT) / total));
}

/**
 * A level no pair showed (swapped birth dates in data that has none) keeps m = u: a Bayes factor of
 * 1. Left to the pseudo-counts its factor would be the ratio of two sample sizes, not evidence.
 */
function neutralWhereUnseen(
  m: number[],
  mCounts: number[],
  uCounts: number[],
  u: readonly number[],
): number[] {
  const unseen = m.map((_, g) => g > 0 && mCounts[g]! + uCounts[g]! < 1);
  const reserved = u.reduce((a, x, g) => (unseen[g] ? a + x : a), 0);
  const seenTotal = m.reduce((a, x, g) => (g > 0 && !unseen[g] ? a + x : a), 0);
  if (reserved >= 1 || seenTotal === 0) return m;
  return m.map((x, g) => (g === 0 ? 1 : unseen[g] ? u[g]! : (x / seenTotal) * (1 - reserved)));
}

function clamp(lambda: number): number {
  return Math.min(1 - 1e-9, Math.max(1e-12, lambda));
}

function largestChange(a: FsParameters, b: FsParameters): number {
  let change = Math.abs(a.lambda - b.lambda);
  for (let k = 0; k < a.m.length; k++) {
    for (let g = 1; g < a.m[k]!.length; g++) {
      change = Math.max(change, Math.abs(a.m[k]![g]! - b.m[k]![g]!), Math.abs(a.u[k]![g]! - b.u[k]![g]!));
    }
  }
  return change;
}

/** Counts per level, smoothed into probabilities (level 0 unused): the u of a random sample. */
export function levelFrequencies(
  patterns: readonly Pattern[],
  levelsPerComparison: readonly number[],
): number[][] {
  const counts = levelsPerComparison.map((n) => new Array<number>(n).fill(0));
  for (const pattern of patterns) {
    pattern.gammas.forEach((g, k) => {
      counts[k]![g]! += pattern.count;
    });
  }
  return counts.map((levels) => normalise(levels, levels.length));
}
