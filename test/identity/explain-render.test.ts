import { describe, expect, it } from 'vitest';
import { renderExplanation } from '../../src/identity/explain.ts';

describe('renderExplanation()', () => {
  it('names, for a link the guard refused, the two records it would have made one customer', () => {
    const text = renderExplanation({
      customer: { customer_id: 'c1', first_name: 'Ravi', last_name: 'Patel' },
      records: [],
      links: [
        {
          record_id_l: 'family:7',
          record_id_r: 'family:9',
          other_customer_id: 'c2',
          tier: 'medium',
          match_rule: 'model: match probability at or above the medium threshold',
          match_probability: 0.995,
          accepted: false,
          refused_by_guard: true,
          guard_against: ['family:3', 'family:9'],
          evidence: null,
        },
      ],
    });
    expect(text).toContain(
      'refused by the chaining guard: it would make family:3 and family:9 one customer, and they conflict',
    );
  });
});
