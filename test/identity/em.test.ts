import { describe, expect, it } from 'vitest';
import { expectationMaximisation, levelFrequencies, type Pattern } from '../../src/identity/em.ts';

/** Expected pattern counts for three comparisons (level 0 = missing, 1 = agree, 2 = disagree). */
function patternsFrom(lambda: number, m: number[][], u: number[][], pairs: number): Pattern[] {
  const patterns: Pattern[] = [];
  for (const a of [1, 2]) {
    for (const b of [1, 2]) {
      for (const c of [1, 2]) {
        const pm = lambda * m[0]![a]! * m[1]![b]! * m[2]![c]!;
        const pu = (1 - lambda) * u[0]![a]! * u[1]![b]! * u[2]![c]!;
        patterns.push({ gammas: [a, b, c], count: Math.round((pm + pu) * pairs) });
      }
    }
  }
  return patterns;
}

describe('expectationMaximisation()', () => {
  it('recovers the share of matches and the m probabilities from pattern counts alone', () => {
    const trueM = [
      [1, 0.95, 0.05],
      [1, 0.9, 0.1],
      [1, 0.85, 0.15],
    ];
    const u = [
      [1, 0.01, 0.99],
      [1, 0.05, 0.95],
      [1, 0.1, 0.9],
    ];
    const patterns = patternsFrom(0.2, trueM, u, 1_000_000);
    const fit = expectationMaximisation(
      patterns,
      { lambda: 0.5, m: trueM.map(() => [1, 0.6, 0.4]), u },
      { fixU: true },
    );
    expect(fit.converged).toBe(true);
    expect(fit.lambda).toBeCloseTo(0.2, 2);
    fit.m.forEach((levels, k) => {
      expect(levels[1]).toBeCloseTo(trueM[k]![1]!, 2);
    });
  });

  it('learns nothing about a comparison from pairs that carry no other evidence', () => {
    // Only birth date is known for these pairs: they must not pull m towards their own mix.
    const patterns: Pattern[] = [
      { gammas: [1, 1], count: 900 },
      { gammas: [2, 2], count: 9000 },
      { gammas: [2, 0], count: 50_000 },
    ];
    const u = [
      [1, 0.001, 0.999],
      [1, 0.001, 0.999],
    ];
    const fit = expectationMaximisation(
      patterns,
      {
        lambda: 0.5,
        m: [
          [1, 0.5, 0.5],
          [1, 0.5, 0.5],
        ],
        u,
      },
      { fixU: true },
    );
    expect(fit.m[0]![2]!).toBeLessThan(0.01);
  });

  it('gives a level no pair showed a Bayes factor of 1, not the ratio of two sample sizes', () => {
    const patterns: Pattern[] = [
      { gammas: [1, 1, 1], count: 500 },
      { gammas: [3, 3, 3], count: 50_000 },
    ];
    const u = levelFrequencies(
      [
        { gammas: [1, 1, 1], count: 5 },
        { gammas: [2, 2, 2], count: 5 },
        { gammas: [3, 3, 3], count: 99_990 },
      ],
      [4, 4, 4],
    );
    const fit = expectationMaximisation(
      patterns,
      {
        lambda: 0.5,
        m: [
          [1, 0.5, 0.3, 0.2],
          [1, 0.5, 0.3, 0.2],
          [1, 0.5, 0.3, 0.2],
        ],
        u,
      },
      { fixU: true },
    );
    expect(fit.m[0]![2]! / fit.u[0]![2]!).toBeCloseTo(1, 6);
  });
});

describe('expectationMaximisation() with the household class', () => {
  // Comparisons: first name and birth date (personal), surname and address (a home's people share them).
  const u = [
    [1, 0.02, 0.98],
    [1, 0.01, 0.99],
    [1, 0.02, 0.98],
    [1, 0.005, 0.995],
  ];
  const trueM = [
    [1, 0.97, 0.03],
    [1, 0.9, 0.1],
    [1, 0.95, 0.05],
    [1, 0.9, 0.1],
  ];
  const shared = [false, false, true, true];
  /** Pattern counts from matches, pairs of one home (m on shared comparisons, u on the others) and strangers. */
  function threeClassPatterns(lambda: number, households: number, pairs: number): Pattern[] {
    const patterns: Pattern[] = [];
    const levels = [1, 2];
    for (const a of levels) {
      for (const b of levels) {
        for (const c of levels) {
          for (const d of levels) {
            const gammas = [a, b, c, d];
            const product = (p: number[][], k: number) => p[k]![gammas[k]!]!;
            let pm = lambda;
            let ph = households;
            let pu = 1 - lambda - households;
            gammas.forEach((_, k) => {
              pm *= product(trueM, k);
              ph *= product(shared[k] ? trueM : u, k);
              pu *= product(u, k);
            });
            patterns.push({ gammas, count: Math.round((pm + ph + pu) * pairs) });
          }
        }
      }
    }
    return patterns;
  }
  const start = { lambda: 0.5, m: trueM.map(() => [1, 0.6, 0.4]), u };
  const options = { fixU: true, maxIterations: 5000, tolerance: 1e-9 };

  it('keeps the people of one home out of the matches, so their first names do not teach m', () => {
    const patterns = threeClassPatterns(0.2, 0.3, 1_000_000);
    const twoClass = expectationMaximisation(patterns, start, options);
    const threeClass = expectationMaximisation(patterns, start, { ...options, shared });
    // Two classes: the home's pairs count as matches with different first names and birth dates.
    expect(twoClass.m[0]![2]!).toBeGreaterThan(0.3);
    expect(threeClass.m[0]![2]!).toBeCloseTo(0.03, 2);
    expect(threeClass.m[1]![2]!).toBeCloseTo(0.1, 2);
    expect(threeClass.lambda).toBeCloseTo(0.2, 2);
    expect(threeClass.householdLambda).toBeCloseTo(0.3, 2);
  });

  it('finds next to no households in data without them, and the two-class fit', () => {
    const patterns = threeClassPatterns(0.2, 0, 1_000_000);
    const fit = expectationMaximisation(patterns, start, { ...options, shared });
    expect(fit.householdLambda).toBeLessThan(0.005);
    expect(fit.lambda).toBeCloseTo(0.2, 2);
    expect(fit.m[0]![2]!).toBeCloseTo(0.03, 2);
  });

  it('reads a disagreement level no pair of a block showed as rare among matches, not as neutral', () => {
    // A block of namesakes born the same day (first name and birth date fixed; the counts of corpus
    // a at seed 16): every pair agrees on the surname, exactly or with a slip, and on the town where
    // both have one. None shows "different surnames" or "different towns", which strangers show
    // 98% and 87% of the time: that is evidence, and the surname must weigh for a match.
    const patterns: Pattern[] = [
      { gammas: [1, 1], count: 172 },
      { gammas: [2, 1], count: 107 },
      { gammas: [3, 1], count: 20 },
      { gammas: [5, 1], count: 13 },
      { gammas: [1, 0], count: 199 },
      { gammas: [2, 0], count: 142 },
      { gammas: [3, 0], count: 16 },
      { gammas: [5, 0], count: 23 },
    ];
    const u = [
      [1, 0.00948, 0.00776, 0.001, 0.00005, 0.00156, 0.98015],
      [1, 0.1261, 0.00001, 0.87389],
    ];
    const fit = expectationMaximisation(
      patterns,
      {
        lambda: 0.5,
        m: [
          [1, 0.49, 0.245, 0.12, 0.06, 0.03, 0.05],
          [1, 0.6, 0.3, 0.1],
        ],
        u,
      },
      { fixU: true },
    );
    expect(Math.log2(fit.m[0]![6]! / u[0]![6]!)).toBeLessThan(-3);
    expect(Math.log2(fit.m[0]![1]! / u[0]![1]!)).toBeGreaterThan(4);
  });

  it('keeps a level no pair showed neutral when the pairs were too few to show it anyway', () => {
    // Swapped day and month: one stranger pair in 100,000 shows it; 300 pairs could not.
    const patterns: Pattern[] = [
      { gammas: [1, 1], count: 200 },
      { gammas: [3, 1], count: 100 },
    ];
    const u = [
      [1, 0.001, 0.00001, 0.99899],
      [1, 0.1, 0.9],
    ];
    const fit = expectationMaximisation(
      patterns,
      {
        lambda: 0.5,
        m: [
          [1, 0.5, 0.3, 0.2],
          [1, 0.6, 0.4],
        ],
        u,
      },
      { fixU: true },
    );
    expect(fit.m[0]![2]!).toBeCloseTo(u[0]![2]!, 8);
  });
});
