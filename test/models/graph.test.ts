import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/models/discover.ts';
import { ModelGraph } from '../../src/models/graph.ts';
import { referencesOf } from '../../src/models/sql-text.ts';

const model = (id: string, sql: string) => parseModel(id, `queries/${id}.sql`, sql);

describe('referencesOf()', () => {
  it('reads from/join targets outside comments and strings, but not table functions or CTEs', () => {
    expect(
      referencesOf(`-- from ignored
        with picked as (select * from stg_a)
        select * from raw_stripe__customers c join stg_b using (id)
        left join read_parquet('x') p on true join picked using (id) where name = 'from nowhere'`),
    ).toEqual(['stg_a', 'raw_stripe__customers', 'stg_b']);
  });
});

describe('ModelGraph', () => {
  it('orders models after the models they read', () => {
    const graph = new ModelGraph([
      model('core/c', 'select * from b'),
      model('core/a', 'select 1'),
      model('core/b', 'select * from a'),
    ]);
    expect(graph.models.map((m) => m.name)).toEqual(['a', 'b', 'c']);
    expect(graph.withUpstream(['b']).map((m) => m.name)).toEqual(['a', 'b']);
  });

  it('names the cycle when models read each other', () => {
    expect(
      () => new ModelGraph([model('core/a', 'select * from b'), model('core/b', 'select * from a')]),
    ).toThrow('models read each other in a cycle: a → b → a');
  });

  it('takes the materialisation from the folder unless the header declares another', () => {
    expect(model('core/x', 'select 1').materialized).toBe('table');
    expect(model('core/x', '-- materialized: view\nselect 1').materialized).toBe('view');
    expect(model('metrics/reports/x', 'select 1').materialized).toBe('query');
    expect(model('rules/x', 'select 1').materialized).toBe('query');
    expect(() => model('core/x', '-- materialized: snapshot\nselect 1')).toThrow(/materialized is snapshot/);
  });
});
