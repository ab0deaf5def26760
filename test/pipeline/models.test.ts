import { describe, expect, it } from 'vitest';
import { type Model, orderModels, referencesOf } from '../../src/pipeline/models.ts';

const model = (name: string, sql: string): Model => ({
  name,
  layer: 'staging',
  file: `${name}.sql`,
  sql,
  parameters: [],
  dependsOn: referencesOf(sql).filter((r) => ['a', 'b', 'c'].includes(r) && r !== name),
});

describe('models', () => {
  it('reads from/join targets outside comments and strings, but not table functions', () => {
    expect(
      referencesOf(`-- from ignored
        select * from raw_stripe__customers c join stg_b using (id)
        left join read_parquet('x') p on true where name = 'from nowhere'`),
    ).toEqual(['raw_stripe__customers', 'stg_b']);
  });

  it('orders models after the models they read', () => {
    const ordered = orderModels([
      model('c', 'select * from b'),
      model('a', 'select 1'),
      model('b', 'select * from a'),
    ]);
    expect(ordered.map((m) => m.name)).toEqual(['a', 'b', 'c']);
  });

  it('names the cycle when models read each other', () => {
    expect(() => orderModels([model('a', 'select * from b'), model('b', 'select * from a')])).toThrow(
      'models read each other in a cycle: a → b → a',
    );
  });
});
