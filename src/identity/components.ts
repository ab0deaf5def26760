import { constrainedUnion, type GuardEdge } from './constrained-union.ts';
import { gammaFragments } from './model.ts';
import { anyConflictSql } from './scoring.ts';
import type { SqlSteps } from './sql-steps.ts';

/**
 * Connected components by label propagation in DuckDB: `nodes` is a query with a `node` column,
 * `edges` one with `a` and `b`; the result table `target` holds (node, label = smallest node of its
 * component). Returns the number of rounds it took.
 */
export async function connectedComponents(
  steps: SqlSteps,
  nodes: string,
  edges: string,
  target: string,
): Promise<number> {
  await steps.table('id_label_init', {}, { nodes }, target);
  for (let round = 1; ; round++) {
    await steps.table('id_label_step', {}, { labels: target, edges }, `${target}_next`);
    const [row] = await steps.rows('id_label_changes', {}, { next: `${target}_next`, labels: target });
    await steps.db.run(`drop table ${target}`);
    await steps.db.run(`alter table ${target}_next rename to ${target}`);
    if (Number(row?.changed ?? 0) === 0) return round;
  }
}

export interface GuardSummary {
  pairsChecked: number;
  cannotLinks: number;
  refusedLinks: number;
}

/**
 * Looks for conflicts inside each component (every pair of its distinct signatures is compared) and re-forms
 * the components that hold one with the constrained union, strongest links first. Writes
 * `id_guard_labels` (node, label) for the re-formed nodes and `id_guard_refused` (pid_l, pid_r).
 */
export async function guardComponents(steps: SqlSteps): Promise<GuardSummary> {
  const db = steps.db;
  await steps.table('id_component_signatures');
  await steps.table('id_signature_features');
  await steps.table('id_signature_pairs');
  await steps.table(
    'id_pair_gammas',
    {},
    gammaFragments('id_signature_pairs', 'id_signature_features'),
    'id_signature_gammas',
  );
  await steps.table('id_cannot_links', {}, { any_conflict: anyConflictSql() });
  const cannot = await db.query('select pid_l, pid_r from id_cannot_links');
  const nodes = await steps.rows('id_troubled_nodes');
  const edges = await steps.rows('id_troubled_edges');
  const result = constrainedUnion(
    nodes.map((n) => Number(n.node)),
    edges.map(
      (e): GuardEdge => ({
        a: Number(e.pid_l),
        b: Number(e.pid_r),
        strength: Number(e.strength),
        probability: Number(e.match_probability ?? 1),
      }),
    ),
    cannot.map((c) => [Number(c.pid_l), Number(c.pid_r)] as const),
  );
  await db.run('create or replace table id_guard_labels (node integer, label integer)');
  steps.adopt('id_guard_labels');
  await db.appendRows(
    'id_guard_labels',
    [...result.labels].map(([node, label]) => [String(node), String(label)]),
  );
  await db.run(
    'create or replace table id_guard_refused (pid_l integer, pid_r integer, against_l integer, against_r integer)',
  );
  steps.adopt('id_guard_refused');
  await db.appendRows(
    'id_guard_refused',
    result.refused.map((e) =>
      [Math.min(e.a, e.b), Math.max(e.a, e.b), e.against[0], e.against[1]].map(String),
    ),
  );
  const [pairs] = await db.query('select count(*)::bigint as n from id_signature_pairs');
  return {
    pairsChecked: Number(pairs?.n ?? 0),
    cannotLinks: cannot.length,
    refusedLinks: result.refused.length,
  };
}
