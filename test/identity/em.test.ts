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
