import type { Database } from '../sql/database.ts';
import type { RulesConfig } from './config.ts';
import { abGroupSql } from './experiments.ts';

export interface RuleCount {
  rule: string;
  priority: string;
  hits: number;
  seconds: number;
}

/** The temp table every evaluation fills: one row per rule that holds for a customer at the date. */
export const HITS_TABLE = 'rule_hits';

/**
 * Evaluates every enabled rule at `asOf` (YYYY-MM-DD) over the core tables into `rule_hits`
 * (customer_id, flag_type, flag_date, flag_details, priority, household_id, experiment_id, ab_group).
 * Nothing is written to the lake, so this is also the backtest: events after `asOf` are invisible to
 * every check. A customer may hold several rules; each is its own row.
 */
export async function evaluateRules(
  db: Database,
  options: { asOf: string; config: Pick<RulesConfig, 'rules'> },
): Promise<RuleCount[]> {
  await db.run(
    `create or replace temp table ${HITS_TABLE} (
       customer_id varchar, flag_type varchar, flag_date date, flag_details json, priority varchar,
       household_id varchar, experiment_id varchar, ab_group varchar)`,
  );
  const counts: RuleCount[] = [];
  for (const settings of options.config.rules.filter((s) => s.enabled)) {
    const started = performance.now();
    const { rule } = settings;
    const { sql, params } = await rule.compile(db, options.asOf, settings.parameters);
    const wrapper = { rule_flag_type: rule.name, rule_priority: rule.priority };
    await db.run(`create or replace temp table rule_check as select * from (${sql})`, params);
    const [check] = await db.query(
      'select count(*)::bigint as n, count(distinct customer_id)::bigint as customers, count(customer_id)::bigint as with_id from rule_check',
    );
    const hits = Number(check?.n ?? 0);
    if (Number(check?.customers) !== hits || Number(check?.with_id) !== hits)
      throw new Error(
        `rule ${rule.name} returned ${hits} rows for ${check?.customers} customers; one row each`,
      );
    await db.run(
      `insert into ${HITS_TABLE}
       select r.customer_id, $rule_flag_type, r.flag_date::date, r.flag_details::json, $rule_priority,
              coalesce(m.household_id, r.customer_id), null, null
       from rule_check as r
       left join customer_master as m using (customer_id)`,
      wrapper,
    );
    if (settings.experimentId) {
      await db.run(
        `update ${HITS_TABLE}
         set experiment_id = $experiment_id,
             ab_group = ${abGroupSql('$experiment_id', 'household_id')},
             flag_details = json_merge_patch(
               flag_details,
               json_object('experiment_id', $experiment_id, 'ab_group', ${abGroupSql('$experiment_id', 'household_id')}))
         where flag_type = $rule_flag_type`,
        { experiment_id: settings.experimentId, rule_flag_type: rule.name },
      );
    }
    counts.push({
      rule: rule.name,
      priority: rule.priority,
      hits,
      seconds: (performance.now() - started) / 1000,
    });
  }
  await db.run('drop table if exists rule_check');
  return counts;
}
