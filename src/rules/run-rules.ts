import type { Database } from '../sql/database.ts';
import type { RulesConfig } from './config.ts';
import { evaluateRules, HITS_TABLE, type RuleCount } from './evaluate.ts';
import { appendState, stateSource, usedParams } from './state-tables.ts';

/** `core/customer_flags` before the rules first ran: the core view `audience_flags` reads it. */
export const CUSTOMER_FLAGS_PLACEHOLDER = `select null::varchar as customer_id, null::varchar as flag_type,
  null::date as flag_date, null::json as flag_details, null::varchar as priority,
  null::timestamptz as first_flagged_at, null::timestamptz as last_seen_at, null::timestamptz as cleared_at
  where false`;

export interface RuleRunCount extends RuleCount {
  /** New flags (a flag_set system event each). */
  set: number;
  /** Flags already open that still hold. */
  continued: number;
  /** Open flags that no longer hold (a flag_cleared system event each). */
  cleared: number;
  /** Hits inside the rule's cooldown after an earlier flag: not flagged again. */
  suppressed: number;
}

export interface RulesRunResult {
  asOf: string;
  runId: string;
  rules: RuleRunCount[];
  openFlags: number;
  systemEvents: number;
  experimentEntries: number;
}

export interface RunRulesOptions {
  /** The gym-local day the rules are evaluated at, YYYY-MM-DD. */
  asOf: string;
  /** The run's clock: stamps first_flagged_at, last_seen_at, cleared_at and system events. */
  now: Date;
  config: RulesConfig;
  runId?: string;
}

/**
 * The daily rules step. Evaluates every enabled rule at `asOf`, then reconciles with the persistent
 * flag history in `state/`: a hit with an open flag refreshes it; a new hit opens a flag unless the
 * rule's cooldown since that customer's last flag of the type has not run out; an open flag whose
 * rule no longer holds is cleared. Cooldowns read only `state/flag_history`, which no rebuild
 * touches. Writes, in an order a re-run repairs: system events, experiment entries, the history, and
 * `core/customer_flags` (the open flags).
 */
export async function runRules(db: Database, options: RunRulesOptions): Promise<RulesRunResult> {
  const runId =
    options.runId ?? `rules-${options.now.toISOString().replace(/[-:]/g, '').replace(/\..+$/, 'Z')}`;
  const params = { as_of: options.asOf, now: options.now.toISOString(), run_id: runId };

  await db.run(`create or replace temp table prev_flag_history as ${await stateSource(db, 'flag_history')}`);
  const [latest] = await db.query('select max(last_seen_on)::varchar as day from prev_flag_history');
  if (latest?.day && String(latest.day) > options.asOf) {
    throw new Error(
      `the flag history already holds a run at ${latest.day}; a daily run at ${options.asOf} would rewrite it. ` +
        'Evaluate past dates without writing (rules evaluate --as-of).',
    );
  }

  const counts = await evaluateRules(db, { asOf: options.asOf, config: options.config });
  const evaluated = options.config.rules.filter((s) => s.enabled);
  await db.run('create or replace temp table rule_cooldowns (flag_type varchar, cooldown_days integer)');
  await db.appendRows(
    'rule_cooldowns',
    evaluated.map((s) => [s.rule.name, String(s.cooldownDays)]),
  );

  const changesSql = `create or replace temp table flag_changes as
     with
     open_flags as (
       select p.* from prev_flag_history as p semi join rule_cooldowns using (flag_type)
       where p.cleared_at is null
     ),
     last_flagged as (
       select customer_id, flag_type, max(first_flagged_on) as last_flagged_on
       from prev_flag_history group by all
     ),
     continued as (
       select h.customer_id, h.flag_type, h.flag_date, h.flag_details, h.priority,
              o.first_flagged_at, $now::timestamptz as last_seen_at, null::timestamptz as cleared_at,
              o.first_flagged_on, $as_of::date as last_seen_on, 'continued' as change
       from ${HITS_TABLE} as h
       inner join open_flags as o using (customer_id, flag_type)
     ),
     fresh as (
       select h.*, l.last_flagged_on, c.cooldown_days
       from ${HITS_TABLE} as h
       anti join open_flags as o using (customer_id, flag_type)
       inner join rule_cooldowns as c using (flag_type)
       left join last_flagged as l using (customer_id, flag_type)
     ),
     started as (
       select customer_id, flag_type, flag_date, flag_details, priority,
              $now::timestamptz as first_flagged_at, $now::timestamptz as last_seen_at,
              null::timestamptz as cleared_at, $as_of::date as first_flagged_on, $as_of::date as last_seen_on,
              case
                when last_flagged_on is not null and $as_of::date - last_flagged_on < cooldown_days then 'suppressed'
                else 'set'
              end as change
       from fresh
     ),
     cleared as (
       select o.customer_id, o.flag_type, o.flag_date, o.flag_details, o.priority,
              o.first_flagged_at, o.last_seen_at, $now::timestamptz as cleared_at,
              o.first_flagged_on, o.last_seen_on, 'cleared' as change
       from open_flags as o
       anti join ${HITS_TABLE} as h using (customer_id, flag_type)
     )
     select * from continued
     union all select * from started
     union all select * from cleared`;
  await db.run(changesSql, usedParams(changesSql, params));

  const systemEvents = await appendState(
    db,
    'system_events',
    `${runId}-flags`,
    `select
       md5(case change when 'set' then 'flag_set' else 'flag_cleared' end || ':' || customer_id || ':'
           || flag_type || ':' || first_flagged_on) as event_id,
       case change when 'set' then 'flag_set' else 'flag_cleared' end as event_type,
       customer_id,
       $now::timestamptz as event_date,
       json_object('flag_type', flag_type, 'priority', priority, 'flag_date', flag_date,
                   'as_of', $as_of::date, 'first_flagged_on', first_flagged_on) as event_details,
       'rules' as source,
       $run_id as run_id
     from flag_changes
     where change in ('set', 'cleared')
     order by event_type desc, flag_type, customer_id`,
    params,
  );

  const experimentEntries = await appendState(
    db,
    'experiment_entries',
    `${runId}-entries`,
    `select h.customer_id, h.household_id, h.experiment_id, h.ab_group, h.flag_type as entry_flag,
            $as_of::date as entry_on, $now::timestamptz as entered_at, $run_id as run_id
     from ${HITS_TABLE} as h
     semi join (select * from flag_changes where change in ('set', 'continued')) as c using (customer_id, flag_type)
     anti join (${await stateSource(db, 'experiment_entries')}) as e using (customer_id, experiment_id)
     where h.experiment_id is not null
     qualify row_number() over (partition by h.customer_id, h.experiment_id order by h.flag_type) = 1
     order by h.experiment_id, h.customer_id`,
    params,
  );

  await db.run(
    `create or replace temp table next_flag_history as
     select p.* from prev_flag_history as p
     anti join (select * from flag_changes where change <> 'set' and change <> 'suppressed') as c
       using (customer_id, flag_type, first_flagged_on)
     union all
     select * exclude (change) from flag_changes where change <> 'suppressed'`,
  );
  await db.writeSelect(
    'state/flag_history',
    'select * from next_flag_history order by customer_id, flag_type, first_flagged_on',
  );
  await db.writeSelect(
    'core/customer_flags',
    `select customer_id, flag_type, flag_date, flag_details, priority, first_flagged_at, last_seen_at, cleared_at
     from next_flag_history
     where cleared_at is null
     order by case priority when 'high' then 1 when 'medium' then 2 else 3 end, flag_date, customer_id, flag_type`,
  );

  const tally = await db.query(
    `select flag_type, change, count(*)::bigint as n from flag_changes group by all`,
  );
  const [open] = await db.query(
    'select count(*)::bigint as n from next_flag_history where cleared_at is null',
  );
  const of = (rule: string, change: string) =>
    Number(tally.find((t) => t.flag_type === rule && t.change === change)?.n ?? 0);
  return {
    asOf: options.asOf,
    runId,
    rules: counts.map((c) => ({
      ...c,
      set: of(c.rule, 'set'),
      continued: of(c.rule, 'continued'),
      cleared: of(c.rule, 'cleared'),
      suppressed: of(c.rule, 'suppressed'),
    })),
    openFlags: Number(open?.n ?? 0),
    systemEvents,
    experimentEntries,
  };
}
