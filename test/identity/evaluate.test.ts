import { describe, expect, it } from 'vitest';
import { evaluateClusters } from '../../src/identity/evaluate.ts';
import { useTempDirs } from '../support/temp-dir.ts';
import { openDb } from './support.ts';

describe('evaluateClusters()', () => {
  const tempDir = useTempDirs();

  it('counts pairwise precision and recall over the full pair space from cluster intersections, and B-cubed', async () => {
    const db = await openDb(await tempDir());
    // Truth: {1,2,3} {4,5}. Predicted: {1,2} {3,4,5}.
    await db.run('create table resolved (record_id varchar, customer_id varchar, truth_label varchar)');
    await db.appendRows('resolved', [
      ['1', 'A', 'x'],
      ['2', 'A', 'x'],
      ['3', 'B', 'x'],
      ['4', 'B', 'y'],
      ['5', 'B', 'y'],
      ['6', 'C', null],
    ]);
    const q = await evaluateClusters(db, 'resolved');
    // True pairs: 3 + 1 = 4; predicted pairs: 1 + 3 = 4; agreeing: (1,2) and (4,5) = 2.
    expect([q.truePositivePairs, q.predictedPairs, q.truePairs]).toEqual([2, 4, 4]);
    expect(q.precision).toBe(0.5);
    expect(q.recall).toBe(0.5);
    expect(q.records).toBe(5);
    // B-cubed precision: (1 + 1 + 1/3 + 2/3 + 2/3) / 5; recall: (2/3 + 2/3 + 1/3 + 1 + 1) / 5.
    expect(q.bcubedPrecision).toBeCloseTo((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5, 10);
    expect(q.bcubedRecall).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5, 10);
    db.close();
  });
});
