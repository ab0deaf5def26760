import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../src/models/discover.ts';
import { ModelGraph } from '../../src/models/graph.ts';
import { loadModelGraph } from '../../src/pipeline/model-graph.ts';
import { projectRoot } from '../support/run-cli.ts';

const model = (id: string, sql: string) => parseModel(id, `queries/${id}.sql`, sql);

describe('layers: metrics → core → staging → raw', () => {
  it('holds for every model of the project, SQL and TypeScript', async () => {
    expect((await loadModelGraph()).problems()).toEqual([]);
  });

  it('names a model that reads a layer it should not', () => {
    const graph = new ModelGraph([
      model('staging/stripe/stg_stripe__customers', '-- record_id: id\nselect * from raw_stripe__customers'),
      model('core/customers', 'select * from stg_stripe__customers'),
      model('core/int_payments', 'select * from raw_stripe__payment_intents'),
      model('metrics/revenue', 'select * from stg_stripe__customers join customers using (id)'),
      model('rules/lapsed', 'select * from stg_stripe__customers where $as_of is not null'),
      model('core/shadowing', 'with customers as (select * from customers) select * from customers'),
    ]);
    expect(graph.problems()).toEqual([
      'queries/core/int_payments.sql (core) reads raw_stripe__payment_intents (raw); core reads only staging, core, seed',
      'queries/core/shadowing.sql names a CTE customers, which hides the relation of that name',
      'queries/metrics/revenue.sql (metrics) reads stg_stripe__customers (staging); metrics reads only core, metrics, seed, state',
      'queries/rules/lapsed.sql (rules) reads stg_stripe__customers (staging); rules reads only core, seed',
    ]);
  });

  it('keeps an incremental model to exactly one raw stream', () => {
    const graph = new ModelGraph([
      model('staging/a/stg_a__x', '-- materialized: incremental\n-- record_id: id\nselect * from raw_a__x'),
      model(
        'staging/a/stg_a__y',
        '-- materialized: incremental\n-- record_id: id\nselect * from raw_a__y join stg_a__x using (id)',
      ),
    ]);
    expect(graph.problems()).toEqual([
      'queries/staging/a/stg_a__y.sql is incremental, so it reads exactly one raw stream and no model (reads raw_a__y, stg_a__x)',
    ]);
  });

  it('lets the notebooks read only core, metrics and the run logs', async () => {
    const graph = await loadModelGraph();
    const dir = path.join(projectRoot, 'notebooks');
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const below: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(dir, file), 'utf8');
      // What metric() runs is a report model, which the graph keeps to core, metrics and state.
      for (const [, name] of text.matchAll(/\bmetric\(\s*ctx,\s*'([a-z_]+)'/g))
        expect(graph.model(`metrics/reports/${name}`), `${file}: metric('${name}')`).toMatchObject({
          layer: 'metrics',
          materialized: 'query',
        });
      for (const [word] of text.matchAll(/\b[a-z][a-z0-9_]*\b/g)) {
        const layer = graph.layerOf(word);
        if (layer === 'raw' || layer === 'staging') below.push(`${file} reads ${word} (${layer})`);
      }
    }
    expect(below).toEqual([]);
  });
});
