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
 *
 * Pairs of one home are a third class when `shared` names the comparisons a household has in
 * common (surname, email, phone, address): two people who live together agree on those as one
 * person's records do (m) and on the rest (first name, birth date) as strangers do (u). Without it,
 * EM on a block full of families (twins of one surname and birth year, a father and son of one
 * name) calls them matches and learns that one person's records often disagree on first names and
 * birth dates. The class has no parameters of its own but its share, so it cannot take over
 * another's: on data without households its share falls towards zero and the fit is the two-class one.
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
  /**
   * Per comparison, whether two people of one household agree on it as one person does: turns on
   * the household class. Absent, the model has the two classes of Fellegi–Sunter.
   */
  shared?: readonly boolean[];

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
  /** Share of pairs of two people of one household (0 without `shared`). */
  householdLambda: number;
}

/** Start share of the household class: as likely as a match, so the data, not the start, decides. */
const HOUSEHOLD_START = 0.5;

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

/** Posterior of the match and the household class for one pattern (three-class model). */
function posteriors(
  gammas: readonly number[],
  params: FsParameters,
  householdLambda: number,
  shared: readonly boolean[],
): [number, number] {
  let pm = params.lambda;
  let ph = householdLambda;
  let pu = 1 - params.lambda - householdLambda;
  for (let k = 0; k < gammas.length; k++) {
    const g = gammas[k]!;
    if (g === 0) continue;
    pm *= params.m[k]![g]!;
    ph *= shared[k] ? params.m[k]![g]! : params.u[k]![g]!;
    pu *= params.u[k]![g]!;
  }
  const total = pm + ph + pu;
  return total === 0 ? [0, 0] : [pm / total, ph / total];
}

export function expectationMaximisation(
  patterns: readonly Pattern[],
  start: FsParameters,
  options: EmOptions = {},
): EmResult {
  const fixed = options.fixed ?? new Set<number>();
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  const shared = options.shared;
  const withHouseholds = shared?.some(Boolean) ?? false;
  let householdLambda = withHouseholds ? Math.min(start.lambda, 1 - start.lambda) * HOUSEHOLD_START : 0;
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
    let households = 0;
    let total = 0;
    for (const pattern of patterns) {
      const [p, h] = withHouseholds
        ? posteriors(pattern.gammas, params, householdLambda, shared!)
        : [matchProbability(pattern.gammas, params), 0];
      const expectedMatches = p * pattern.count;
      const expectedHouseholds = h * pattern.count;
      matches += expectedMatches;
      households += expectedHouseholds;
      total += pattern.count;
      const informative = pattern.gammas.filter((g) => g !== 0).length;
      for (let k = 0; k < comparisons; k++) {
        const g = pattern.gammas[k]!;
        // A pair whose only evidence is this comparison would teach it its own guess back.
        if (g === 0 || informative < 2) continue;
        // On a shared comparison the household class follows m, so its pairs count towards m.
        const asMatch = expectedMatches + (shared?.[k] ? expectedHouseholds : 0);
        mCounts[k]![g]! += asMatch;
        uCounts[k]![g]! += pattern.count - asMatch;
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
    const nextHouseholds = withHouseholds && total > 0 ? clamp(households / total) : householdLambda;
    const change = Math.max(largestChange(params, next), Math.abs(nextHouseholds - householdLambda));
    params = next;
    householdLambda = nextHouseholds;
    if (change < tolerance) {
      converged = true;
      break;
    }
  }
  return { ...params, iterations, converged, matchMass, householdLambda };
}

function normalise(counts: readonly number[], levels: number): number[] {
  const total = counts.reduce((a, b, i) => (i === 0 ? a : a + b), 0) + PSEUDO_COUNT * (levels - 1);
  return counts.map((c, i) => (i === 0 ? 1 : (c + PSEUDO_COUNT) / total));
}

/** Expected count below which seeing none is still 5% likely (Poisson: e^-3 ≈ 0.05). */
const UNSEEN_BY_CHANCE = 3;

/**
 * A level no pair showed (swapped birth dates in data that has none) keeps m = u: a Bayes factor of
 * 1. Left to the pseudo-counts its factor would be the ratio of two sample sizes, not evidence.
 * That holds while the block's matches were too few to show it even if they showed it as often as
 * strangers do (a factor of 1): u × matches below 3, when seeing none has a chance of 5% or more
 * (e^-3). A level strangers show often (different surnames) that no match of the block showed is
 * evidence that matches rarely do: it keeps the estimate. Given m = u there, it took nearly all of
 * m (different surnames at 0.98) and left a same surname as weak as among strangers.
 */
function neutralWhereUnseen(
  m: number[],
  mCounts: number[],
  uCounts: number[],
  u: readonly number[],
): number[] {
  const matches = mCounts.reduce((a, c, g) => (g === 0 ? a : a + c), 0);
  const unseen = m.map(
    (_, g) => g > 0 && mCounts[g]! + uCounts[g]! < 1 && u[g]! * matches < UNSEEN_BY_CHANCE,
  );
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
