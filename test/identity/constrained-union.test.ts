import { describe, expect, it } from 'vitest';
import { constrainedUnion, type GuardEdge } from '../../src/identity/constrained-union.ts';

const edge = (a: number, b: number, strength: number, probability = 1): GuardEdge => ({
  a,
  b,
  strength,
  probability,
});

describe('constrainedUnion()', () => {
  it('splits a chain across a conflict at its weakest link', () => {
    // 1–2 exact, 2–3 medium 0.999, 3–4 medium 0.991; 1 and 4 have different birth dates.
    const result = constrainedUnion(
      [1, 2, 3, 4],
      [edge(1, 2, 2), edge(2, 3, 1, 0.999), edge(3, 4, 1, 0.991)],
      [[1, 4]],
    );
    expect(result.labels.get(3)).toBe(1);
    expect(result.labels.get(4)).toBe(4);
    // The refusal names the conflict it kept apart, for `explain`.
    expect(result.refused).toEqual([{ ...edge(3, 4, 1, 0.991), against: [1, 4] }]);
  });

  it('refuses both links of a profile that fits two people who cannot be one', () => {
    // A card "Liv Owens" on the mother's and the daughter's shared phone: join neither.
    const result = constrainedUnion([1, 2, 3], [edge(3, 1, 1, 0.9997), edge(3, 2, 1, 0.9999)], [[1, 2]]);
    expect(new Set(result.labels.values()).size).toBe(3);
    expect(result.refused).toHaveLength(2);
    expect(result.refused.map((e) => e.against)).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it('names the same conflict for a refused link whatever order the links come in', () => {
    // 3 fits 1, 2 and 4 equally; 2 cannot be 1 nor 4, so the link to 2 is ambiguous twice.
    const links = [edge(3, 1, 1), edge(3, 2, 1), edge(3, 4, 1)];
    const cannot: [number, number][] = [
      [1, 2],
      [2, 4],
    ];
    const refusals = (order: GuardEdge[]) =>
      constrainedUnion([1, 2, 3, 4], order, cannot)
        .refused.map((e) => `${e.a}-${e.b} against ${e.against.join('-')}`)
        .sort();
    expect(refusals(links)).toEqual(refusals([...links].reverse()));
    expect(refusals(links)).toEqual(['3-1 against 1-2', '3-2 against 1-2', '3-4 against 2-4']);
  });

  it('lets a stronger link win over a weaker one to the other person', () => {
    const result = constrainedUnion([1, 2, 3], [edge(3, 1, 2), edge(3, 2, 1, 0.9999)], [[1, 2]]);
    expect(result.labels.get(3)).toBe(1);
    expect(result.labels.get(2)).toBe(2);
  });

  it('never refuses one source account, whatever the conflicts', () => {
    const result = constrainedUnion([1, 2], [edge(1, 2, 3)], [[1, 2]]);
    expect(result.labels.get(2)).toBe(1);
    expect(result.refused).toEqual([]);
  });
});
