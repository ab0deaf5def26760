import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeAudiences } from '../../src/audiences/compute.ts';
import { syncAudiences } from '../../src/audiences/sync.ts';
import { openRunner } from '../../src/pipeline/model-graph.ts';
import { DEFAULT_RULES_CONFIG, type RulesConfig, resolveRulesConfig } from '../../src/rules/config.ts';
import { discoverRules } from '../../src/rules/discover.ts';
import { runRules } from '../../src/rules/run-rules.ts';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { createMailchimpEmulator, mailchimpState } from '../../src/sandbox/emulators/mailchimp.ts';
import { DEMO_HOUSEHOLDS, TINY_HOUSEHOLDS } from '../../src/sandbox/generator/context.ts';
import { buildSandboxLake, type SandboxLake } from '../support/sandbox-lake.ts';

/**
 * The holdout on the tiny sandbox gym's own data: the shipped A/B experiment (config/rules.json), its
 * rules widened to every contact rule and its holdout share raised to 0.5, since the tiny gym has only
 * a handful of flagged customers on a day (at the shipped 0.1 none would be held out). The rules and
 * audiences run 35 days before the gym's last day, the audiences are synced to the Mailchimp emulator,
 * and the experiment's conversion is read at the last day over a 30-day window.
 */
const DAY_MS = 86_400_000;
const EXPERIMENT = 'day_pass_conversion_2026_01';

let lake: SandboxLake;
let emulator: HttpEmulator;
let config: RulesConfig;

beforeAll(async () => {
  lake = await buildSandboxLake(TINY_HOUSEHOLDS / DEMO_HOUSEHOLDS);
  const file = JSON.parse(await readFile(DEFAULT_RULES_CONFIG, 'utf8'));
  file.experiments[EXPERIMENT].rules = [
    'first_time_day_pass',
    'lapsed_member',
    'churn_risk',
    'ready_for_membership',
    'purchase_without_account',
    '2_week_pass_purchase',
    'membership_cancelled_winback',
  ];
  file.experiments[EXPERIMENT].holdout_share = 0.5;
  config = resolveRulesConfig(await discoverRules(), file);
  const now = new Date(lake.gym.asOf.getTime() - 35 * DAY_MS);
  const asOf = now.toLocaleDateString('en-CA', { timeZone: lake.timeZone });
  await runRules(lake.db, { asOf, now, config });
  await computeAudiences(lake.db, { asOf, now, runId: 'holdout-test', holdoutShares: config.holdoutShares });
  await lake.db.refreshViews();
  emulator = createMailchimpEmulator(lake.gym);
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  await lake?.dispose();
});

describe('the holdout of a real experiment', () => {
  it('is never synced, while its groups are, and the plan shows group and holdout counts', async () => {
    const members = await lake.db.query(
      `select audience, customer_id, ab_group, holdout, tag from audience_members where experiment_id = $id`,
      { id: EXPERIMENT },
    );
    const held = members.filter((m) => m.holdout === true);
    expect(held.length).toBeGreaterThan(0);
    expect(members.length - held.length).toBeGreaterThan(0);
    for (const m of held) expect(m.tag).toBeNull();

    const url = await emulator.listen();
    const listId = sandboxCredentials.mailchimpAudienceId;
    const result = await syncAudiences(lake.db, {
      settings: { apiKey: sandboxCredentials.mailchimpApiKey, audienceId: listId, apiUrl: `${url}/3.0` },
      apply: true,
      now: new Date(),
      syncId: 'holdout-test',
      pollMs: 10,
    });
    expect(result.failures).toEqual([]);
    const plannedHoldout = result.audiences.reduce((n, a) => n + a.holdout, 0);
    expect(plannedHoldout).toBe(held.length);
    const plannedGroups = result.audiences.flatMap((a) => Object.values(a.groups)).reduce((n, g) => n + g, 0);
    expect(plannedGroups).toBe(members.length - held.length);

    // No held-out customer's list member carries any audience tag; some group member carries theirs.
    const state = mailchimpState(emulator);
    const tagsOf = async (customerId: unknown) => {
      const emails = await lake.db.query(
        `select lower(email) as email from customer_master where customer_id = $id and email is not null
         union select lower(normalized_value) from customer_identifiers
         where customer_id = $id and identifier_type = 'email'`,
        { id: String(customerId) },
      );
      return emails.flatMap((e) => state.tagNames(listId, String(e.email)));
    };
    for (const m of held) {
      const audienceTags = (await tagsOf(m.customer_id)).filter((t) => t.startsWith(`${m.audience}`));
      expect(audienceTags).toEqual([]);
    }
    const tagged = await Promise.all(
      members
        .filter((m) => m.holdout === false)
        .map(async (m) => (await tagsOf(m.customer_id)).includes(String(m.tag))),
    );
    expect(tagged).toContain(true);
  });

  it('measures each group’s conversion against the holdout', async () => {
    const runner = await openRunner(lake.db, {
      vars: {
        as_of: lake.gym.asOf.toLocaleDateString('en-CA', { timeZone: lake.timeZone }),
        window_days: 30,
      },
    });
    const arms = await runner.rows('metrics/reports/experiment_conversion');
    const holdout = arms.filter((a) => a.arm === 'holdout');
    const entered = await lake.db.query(
      `select audience, count(*)::bigint as n from audience_history
       where change = 'entered' and holdout group by all`,
    );
    expect(holdout.map((a) => [a.audience, Number(a.entrants)]).sort()).toEqual(
      entered.map((e) => [e.audience, Number(e.n)]).sort(),
    );
    for (const arm of arms) {
      expect(Number(arm.conversion_rate)).toBeCloseTo(Number(arm.converted) / Number(arm.entrants));
      const baseline = holdout.find((h) => h.audience === arm.audience);
      if (!baseline) expect(arm.lift_points).toBeNull();
      else
        expect(Number(arm.lift_points)).toBeCloseTo(
          (Number(arm.conversion_rate) - Number(baseline.conversion_rate)) * 100,
          1,
        );
    }
  });
});
