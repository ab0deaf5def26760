import { sqlString } from '../sql/database.ts';
import { COMPARISONS, CONFLICTS, type Comparison, conflictNames } from './comparisons.ts';
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
  const personal = comparisons.filter((c) => !c.household);
  return {
    weights: weights.join(',\n    '),
    weight_sum: comparisons.map((c) => `w_${c.name}`).join(' + '),
    personal_weight_sum: personal.length > 0 ? personal.map((c) => `w_${c.name}`).join(' + ') : '0',
    any_conflict: anyConflictSql(),
  };
}

export function anyConflictSql(): string {
  return conflictNames()
    .map((name) => `conflict_${name}`)
    .join(' or ');
}

/**
 * The evidence of a pair as JSON text, Splink-style: every comparison with a value on both sides,
 * with the level that held and its Bayes factor, and the conflicts. Built by concatenation (labels
 * are JSON-escaped here, once): for millions of links it costs a fraction of `to_json` and leaves
 * out the comparisons that weighed nothing.
 */
export function evidenceFragments(comparisons: readonly Comparison[] = COMPARISONS): Fragments {
  const text = (value: string) => sqlString(value);
  const entries = comparisons.map((c) => {
    const labels = `[${c.levels.map((l) => text(JSON.stringify(l.label))).join(', ')}]`;
    return `case when g_${c.name} > 0 then ${text(`"${c.name}":{"level":`)} || ${labels}[g_${c.name} + 1] || ${text(',"bayes_factor":')} || round(pow(2, w_${c.name}), 4) || '}' end`;
  });
  const conflicts = CONFLICTS.map((x) => [`conflict_${x.name}`, x.label] as const).map(
    ([column, label]) => `case when ${column} then ${text(JSON.stringify(label))} end`,
  );
  return {
    evidence: [
      `${text('{"match_weight":')} || round(match_weight, 3)`,
      `${text(',"match_probability":')} || round(match_probability, 6)`,
      `${text(',"prior_log2_odds":')} || round(prior_log2_odds, 3)`,
      `${text(',"household_log2_odds":')} || round(household_log2_odds, 3)`,
      `${text(',"personal_weight":')} || round(personal_weight, 3)`,
      `${text(',"names_swapped":')} || names_swapped::varchar`,
      `${text(',"comparisons":{')} || array_to_string(list_filter([${entries.join(', ')}], x -> x is not null), ',') || '}'`,
      `${text(',"conflicts":[')} || array_to_string(list_filter([${conflicts.join(', ')}], x -> x is not null), ',') || ']}'`,
    ].join(' ||\n      '),
  };
}
