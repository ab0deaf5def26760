import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake/lake.ts';
import { loadRulesConfig, type RulesConfig, resolveRulesConfig } from '../../src/rules/config.ts';
import { discoverRules } from '../../src/rules/discover.ts';
import { abGroup, abGroupSql } from '../../src/rules/experiments.ts';
import { runRules } from '../../src/rules/run-rules.ts';
import { sqlString } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';
import { addDays, HandBuilt, openLake } from './hand-built.ts';
import { SCENARIOS } from './scenarios.ts';

const tempDir = useTempDirs();
const DAY_1 = '2026-03-02';
const noon = (day: string) => new Date(`${day}T18:00:00Z`);

async function defaultConfig(): Promise<RulesConfig> {
  return loadRulesConfig(await discoverRules());
}

async function dropCore(lake: Lake): Promise<void> {
  for (const table of await lake.listTables())
    if (table.key.startsWith('core/')) await lake.dropTable(table.key);
}

/**
 * Replaces the whole core layer with a world where, for every rule, the customer `<rule>` is in that
 * rule's positive (or negative) scenario at `asOf`: what a rebuild from changed sources would do.
 */
async function rebuild(db: Awaited<ReturnType<typeof openLake>>, asOf: string, holds: boolean) {
  await dropCore(db.lake);
  const world = new HandBuilt();
  for (const [rule, scenario] of Object.entries(SCENARIOS))
    (holds ? scenario.positive : scenario.negative)(world, rule, asOf);
  await world.write(db);
}

describe('daily runs with a rebuild between each', () => {
  it('respect every cooldown, clear what no longer holds, and log each change once', async () => {
    const dir = await tempDir();
    const db = await openLake(dir);
    const config = await defaultConfig();
    const cooldowns = new Map(config.rules.map((s) => [s.rule.name, s.cooldownDays]));
    const ownFlag = async (rule: string) =>
      db.query(
        `select cleared_at is null as open, first_flagged_on::varchar as first_flagged_on
         from read_parquet(${sqlString(db.lake.filePath('state/flag_history'))})
         where customer_id = $rule and flag_type = $rule order by first_flagged_on`,
        { rule },
      );
    const daily = async (asOf: string, holds: boolean) => {
      await rebuild(db, asOf, holds);
      return runRules(db, { asOf, now: noon(asOf), config });
    };

    const day1 = await daily(DAY_1, true);
    for (const rule of Object.keys(SCENARIOS))
      expect(await ownFlag(rule), rule).toEqual([{ open: true, first_flagged_on: DAY_1 }]);
    expect(day1.systemEvents).toBe(day1.rules.reduce((n, r) => n + r.set, 0));

    // The next day nothing holds: every open flag is cleared.
    const day2 = await daily(addDays(DAY_1, 1), false);
    for (const rule of Object.keys(SCENARIOS)) {
      expect(
        (await ownFlag(rule)).map((f) => f.open),
        rule,
      ).toEqual([false]);
      expect(day2.rules.find((r) => r.rule === rule)!.cleared, rule).toBeGreaterThanOrEqual(1);
    }

    // Everything holds again: only rules without a cooldown flag again; the others wait it out.
    const day3 = await daily(addDays(DAY_1, 2), true);
    for (const rule of Object.keys(SCENARIOS)) {
      const flags = await ownFlag(rule);
      if (cooldowns.get(rule)! <= 2) {
        expect(
          flags.map((f) => f.first_flagged_on),
          rule,
        ).toEqual([DAY_1, addDays(DAY_1, 2)]);
      } else {
        expect(
          flags.map((f) => f.first_flagged_on),
          rule,
        ).toEqual([DAY_1]);
        expect(day3.rules.find((r) => r.rule === rule)!.suppressed, rule).toBeGreaterThanOrEqual(1);
      }
    }

    // Each cooldown holds to its last day and ends on the day it runs out.
    const waits = [...new Set([...cooldowns.values()].filter((c) => c > 2))].sort((a, b) => a - b);
    for (const wait of waits) {
      await daily(addDays(DAY_1, wait - 1), true);
      for (const [rule, cooldown] of cooldowns)
        if (cooldown === wait)
          expect((await ownFlag(rule)).length, `${rule} on its last cooldown day`).toBe(1);
      await daily(addDays(DAY_1, wait), true);
      for (const [rule, cooldown] of cooldowns) {
        if (cooldown !== wait) continue;
        expect(await ownFlag(rule), rule).toEqual([
          { open: false, first_flagged_on: DAY_1 },
          { open: true, first_flagged_on: addDays(DAY_1, wait) },
        ]);
      }
    }

    // The append-only log holds one flag_set per flag opened and one flag_cleared per flag closed.
    const [history] = await db.query(
      `select count(*)::bigint as flags, count(cleared_at)::bigint as cleared
       from read_parquet(${sqlString(db.lake.filePath('state/flag_history'))})`,
    );
    const events = await db.query(
      `select event_type, count(*)::bigint as n, count(distinct event_id)::bigint as ids
       from read_parquet(${sqlString(path.join(dir, 'lake', 'state', 'system_events', '*.parquet'))})
       group by all order by 1`,
    );
    expect(events).toEqual([
      { event_type: 'flag_cleared', n: history!.cleared, ids: history!.cleared },
      { event_type: 'flag_set', n: history!.flags, ids: history!.flags },
    ]);
    db.close();
  });

  it('refuses to rewrite history with a run dated before the last one', async () => {
    const dir = await tempDir();
    const db = await openLake(dir);
    const config = await defaultConfig();
    await rebuild(db, DAY_1, true);
    await runRules(db, { asOf: DAY_1, now: noon(DAY_1), config });
    await expect(runRules(db, { asOf: addDays(DAY_1, -1), now: noon(DAY_1), config })).rejects.toThrow(
      /already holds a run at 2026-03-02/,
    );
    db.close();
  });
});

describe('one run', () => {
  it('keeps every flag a customer earns, and re-running the day changes nothing', async () => {
    const dir = await tempDir();
    const db = await openLake(dir);
    const config = await defaultConfig();
    const world = new HandBuilt();
    // A member gone quiet, without an email: lapsed, at churn risk, still a member, all at once.
    world.customer('quiet', { email: null }).membership('quiet', { id: 'm', start: '2025-01-01' });
    world.checkins('quiet', addDays(DAY_1, -31), 8, 6);
    await world.write(db);

    const first = await runRules(db, { asOf: DAY_1, now: noon(DAY_1), config });
    const flags = await db.query(
      `select flag_type, priority from customer_flags where customer_id = 'quiet' order by 1`,
    );
    expect(flags).toEqual([
      { flag_type: 'active_membership', priority: 'low' },
      { flag_type: 'churn_risk', priority: 'high' },
      { flag_type: 'lapsed_member', priority: 'high' },
      { flag_type: 'no_email', priority: 'low' },
    ]);
    expect(first.systemEvents).toBe(4);

    const again = await runRules(db, { asOf: DAY_1, now: noon(DAY_1), config });
    expect(again.systemEvents).toBe(0);
    expect(again.rules.reduce((n, r) => n + r.continued, 0)).toBe(4);
    expect(again.openFlags).toBe(4);
    db.close();
  });

  it('leaves the flags of a disabled rule as they were', async () => {
    const dir = await tempDir();
    const db = await openLake(dir);
    const rules = await discoverRules();
    const world = new HandBuilt();
    SCENARIOS.lapsed_member!.positive(world, 'quiet', DAY_1);
    await world.write(db);
    await runRules(db, { asOf: DAY_1, now: noon(DAY_1), config: resolveRulesConfig(rules, {}) });
    const withoutLapsed = resolveRulesConfig(rules, { rules: { lapsed_member: { enabled: false } } });
    const next = await runRules(db, {
      asOf: addDays(DAY_1, 1),
      now: noon(addDays(DAY_1, 1)),
      config: withoutLapsed,
    });
    expect(next.rules.map((r) => r.rule)).not.toContain('lapsed_member');
    expect(await db.query(`select flag_type from customer_flags order by 1`)).toEqual([
      { flag_type: 'active_membership' },
      { flag_type: 'lapsed_member' },
    ]);
    db.close();
  });
});

describe('experiments', () => {
  it('split 10,000 households 50/50 within 2%, the same in SQL as in TypeScript', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `hh_${i.toString(36)}`);
    const groupA = ids.filter((id) => abGroup('day_pass_conversion_2026_01', id) === 'A').length;
    expect(Math.abs(groupA / ids.length - 0.5)).toBeLessThanOrEqual(0.02);

    const db = await openLake(await tempDir());
    await db.run('create temp table households (household_id varchar)');
    await db.appendRows(
      'households',
      ids.map((id) => [id]),
    );
    const rows = await db.query(
      `select household_id, ${abGroupSql("'day_pass_conversion_2026_01'", 'household_id')} as ab_group from households`,
    );
    expect(
      rows.every((r) => r.ab_group === abGroup('day_pass_conversion_2026_01', String(r.household_id))),
    ).toBe(true);
    // Another experiment splits the same households independently of the first.
    const both = ids.filter(
      (id) => abGroup('other', id) === abGroup('day_pass_conversion_2026_01', id),
    ).length;
    expect(Math.abs(both / ids.length - 0.5)).toBeLessThanOrEqual(0.02);
    db.close();
  });

  it('put a household in one group and log each customer once per experiment', async () => {
    const dir = await tempDir();
    const db = await openLake(dir);
    const config = await defaultConfig();
    const visitors = ['parent', 'child', 'friend'];
    const world = (asOf: string) => {
      const w = new HandBuilt();
      w.customer('parent', { householdId: 'family' }).customer('child', {
        householdId: 'family',
        isMinor: true,
      });
      w.customer('friend', { householdId: 'friends' });
      for (const c of visitors) SCENARIOS.first_time_day_pass!.positive(w, c, asOf);
      return w;
    };
    await world(DAY_1).write(db);
    const first = await runRules(db, { asOf: DAY_1, now: noon(DAY_1), config });
    expect(first.experimentEntries).toBe(3);

    const flags = await db.query(
      `select customer_id, flag_details->>'ab_group' as ab_group, flag_details->>'experiment_id' as experiment
       from customer_flags where flag_type = 'first_time_day_pass' order by customer_id`,
    );
    expect(flags.map((f) => f.experiment)).toEqual(Array(3).fill('day_pass_conversion_2026_01'));
    const group = new Map(flags.map((f) => [f.customer_id, f.ab_group]));
    expect(group.get('child')).toBe(group.get('parent'));
    expect(group.get('parent')).toBe(abGroup('day_pass_conversion_2026_01', 'family'));
    expect(group.get('friend')).toBe(abGroup('day_pass_conversion_2026_01', 'friends'));

    // Cleared the next day, flagged again after the 180-day cooldown: still one entry each.
    await dropCore(db.lake);
    const quiet = new HandBuilt();
    for (const c of visitors) SCENARIOS.first_time_day_pass!.negative(quiet, c, addDays(DAY_1, 1));
    await quiet.write(db);
    await runRules(db, { asOf: addDays(DAY_1, 1), now: noon(addDays(DAY_1, 1)), config });
    const later = addDays(DAY_1, 200);
    await dropCore(db.lake);
    await world(later).write(db);
    const second = await runRules(db, { asOf: later, now: noon(later), config });
    expect(second.rules.find((r) => r.rule === 'first_time_day_pass')!.set).toBe(3);
    expect(second.experimentEntries).toBe(0);
    const entries = await db.query(
      `select customer_id, ab_group, entry_on::varchar as entry_on
       from read_parquet(${sqlString(path.join(dir, 'lake', 'state', 'experiment_entries', '*.parquet'))})
       order by customer_id`,
    );
    expect(entries).toEqual(
      ['child', 'friend', 'parent'].map((c) => ({ customer_id: c, ab_group: group.get(c), entry_on: DAY_1 })),
    );
    db.close();
  });
});

describe('the rules configuration', () => {
  it('is valid as shipped and gives each rule its thresholds and cooldown', async () => {
    const config = await defaultConfig();
    const byName = new Map(config.rules.map((s) => [s.rule.name, s]));
    expect(byName.get('lapsed_member')).toMatchObject({ cooldownDays: 30, parameters: { lapse_days: 30 } });
    expect(byName.get('first_time_day_pass')).toMatchObject({
      cooldownDays: 180,
      experimentId: 'day_pass_conversion_2026_01',
    });
  });

  it('reports every problem at once: unknown rules and thresholds, wrong types, bad experiments', async () => {
    const rules = await discoverRules();
    const attempt = () =>
      resolveRulesConfig(rules, {
        rules: {
          lapsed_membr: {},
          lapsed_member: { parameters: { lapse_days: 0 } },
          churn_risk: { parameters: { max_ratio: 'half', window: 3 } },
        },
        experiments: { trial: { rules: ['no_such_rule'] } },
      });
    expect(attempt).toThrow(/rules\.lapsed_membr: no such rule/);
    expect(attempt).toThrow(/rules\.lapsed_member\.parameters\.lapse_days/);
    expect(attempt).toThrow(/rules\.churn_risk\.parameters.*window/);
    expect(attempt).toThrow(/rules\.churn_risk\.parameters\.max_ratio/);
    expect(attempt).toThrow(/experiments\.trial\.rules: no such rule "no_such_rule"/);
    expect(() => resolveRulesConfig(rules, { rules: { no_email: { enabeld: true } } })).toThrow(/enabeld/);
  });

  it('applies overrides: thresholds, cooldowns, switching a rule off', async () => {
    const config = resolveRulesConfig(await discoverRules(), {
      rules: {
        lapsed_member: { cooldown_days: 7, parameters: { lapse_days: 45 } },
        no_email: { enabled: false },
      },
    });
    const byName = new Map(config.rules.map((s) => [s.rule.name, s]));
    expect(byName.get('lapsed_member')).toMatchObject({ cooldownDays: 7, parameters: { lapse_days: 45 } });
    expect(byName.get('no_email')!.enabled).toBe(false);
    expect(byName.get('churn_risk')!.parameters).toEqual({
      recent_days: 28,
      baseline_days: 56,
      min_baseline_visits: 6,
      max_ratio: 0.35,
    });
  });

  it('every rule check uses exactly $as_of and its declared thresholds', async () => {
    for (const rule of await discoverRules()) {
      const { params } = await rule.query('2026-01-01', rule.parse());
      expect(Object.keys(params).sort(), rule.name).toEqual(
        ['as_of', ...Object.keys(rule.parameters.shape)].sort(),
      );
    }
  });
});
