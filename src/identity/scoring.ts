import { sqlString } from '../sql/database.ts';
import { COMPARISONS, type Comparison, conflictNames, EXTRA_CONFLICTS } from './comparisons.ts';
import type { Fragments } from './sql-steps.ts';

/**
 * SQL compiled from the comparisons for scoring and explaining pairs. Comparison names and level
 * labels are rule data from `comparisons.ts`; fitted numbers travel in `id_model_levels`, never as text.
 */
export function vectorFragments(comparisons: readonly Comparison[] = COMPARISONS): Fragments {
  const columns = comparisons.flatMap((c) => {
    const name = sqlString(c.name);
    const tfLevel = c.levels.findIndex((l) => l.tf);
    return [
      `list(case when gamma = 0 then 0 else log2(m / u) end order by gamma) filter (where comparison = ${name}) as ${c.name}_log2_bf`,
      ...(tfLevel >= 0
        ? [`max(m) filter (where comparison = ${name} and gamma = ${tfLevel}) as ${c.name}_tf_m`]
        : []),
    ];
  });
  return { vectors: columns.join(',\n    ') };
}

export function scoreFragments(comparisons: readonly Comparison[] = COMPARISONS): Fragments {
  const weights = comparisons.map((c) =>
    c.levels.some((l) => l.tf)
      ? `case when g.tf_${c.name} is not null then log2(v.${c.name}_tf_m / g.tf_${c.name}) else v.${c.name}_log2_bf[g.g_${c.name} + 1] end as w_${c.name}`
      : `v.${c.name}_log2_bf[g.g_${c.name} + 1] as w_${c.name}`,
  );
  return {
    weights: weights.join(',\n    '),
    weight_sum: comparisons.map((c) => `w_${c.name}`).join(' + '),
    any_conflict: anyConflictSql(comparisons),
  };
}

export function anyConflictSql(comparisons: readonly Comparison[] = COMPARISONS): string {
  return conflictNames(comparisons)
    .map((name) => `conflict_${name}`)
    .join(' or ');
}

/** The evidence of a pair, as a struct: each comparison's level label and Bayes factor, and its conflicts. */
export function evidenceFragments(comparisons: readonly Comparison[] = COMPARISONS): Fragments {
  const perComparison = comparisons.map((c) => {
    const labels = `[${c.levels.map((l) => sqlString(l.label)).join(', ')}]`;
    const tf = c.levels.some((l) => l.tf) ? `, 'term_frequency': tf_${c.name}` : '';
    return `${sqlString(c.name)}: {'level': ${labels}[g_${c.name} + 1], 'bayes_factor': round(pow(2, w_${c.name}), 4)${tf}}`;
  });
  const conflictLabels = [
    ...comparisons
      .filter((c) => c.levels.some((l) => l.conflict))
      .map(
        (c) =>
          `case when conflict_${c.name} then ${sqlString(`conflicting ${c.name.replace('_', ' ')}`)} end`,
      ),
    ...EXTRA_CONFLICTS.map((x) => `case when conflict_${x.name} then ${sqlString(x.label)} end`),
  ];
  return {
    evidence: `{${perComparison.join(',\n      ')}}`,
    conflict_list: `list_filter([${conflictLabels.join(', ')}], x -> x is not null)`,
  };
}
