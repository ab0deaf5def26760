import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  computeAudiences,
  discoverAudiences,
  mergeFieldsSchema,
  parseMergeFieldsHeader,
} from '../../src/audiences/compute.ts';
import { Lake } from '../../src/lake/lake.ts';
import { Database } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';

/**
 * Flag audiences (`queries/audiences/<name>.json`, a reference to a rule's open flag) computed by the
 * audiences step from hand-made open flags: the rule's flag less the declared exclusions.
 */
const tempDir = useTempDirs();

describe('flag audiences', () => {
  it('are the rule’s open flags less their exclusions, with the flag’s group and day', async () => {
    const dir = await tempDir();
    const db = await Database.open(new Lake({ kind: 'local', dir: path.join(dir, 'lake') }), {
      timeZone: 'America/Chicago',
    });
    try {
      const flags = [
        ['c1', 'lapsed_member', '{}'],
        ['c2', 'lapsed_member', '{}'],
        ['c2', 'offer_sent_recently', '{}'],
        ['c3', 'purchase_without_account', '{}'],
        ['c3', 'offer_sent_recently', '{}'],
        ['c4', 'first_time_day_pass', '{"experiment_id": "day_pass_conversion_2026_01", "ab_group": "B"}'],
      ];
      await db.writeSelect(
        'core/customer_flags',
        `select customer_id, flag_type, '2026-06-01'::date as flag_date, flag_details::json as flag_details,
                'high' as priority, null::timestamptz as first_flagged_at, null::timestamptz as last_seen_at,
                null::timestamptz as cleared_at
         from (values ${flags.map((f) => `('${f.join("', '")}')`).join(', ')}) as t(customer_id, flag_type, flag_details)`,
      );
      await db.writeSelect(
        'core/customer_master',
        `select customer_id, 'h' || customer_id as household_id
         from (values ('c1'), ('c2'), ('c3'), ('c4')) as t(customer_id)`,
      );
      await db.writeSelect(
        'core/customer_events',
        `select null::varchar as customer_id, null::varchar as event_type, null::date as event_local_date limit 0`,
      );
      await db.writeSelect(
        'core/customer_memberships',
        `select null::varchar as customer_id, null::date as started_on, null::date as ended_on limit 0`,
      );
      const counts = await computeAudiences(db, {
        asOf: '2026-06-01',
        now: new Date('2026-06-01T12:00:00Z'),
        runId: 'test',
        holdoutShares: {},
      });
      const rows = await db.query(
        `select audience, customer_id, ab_group, tag, traits->>'flagged_on' as flagged_on
         from audience_members order by audience, customer_id`,
      );
      expect(rows).toEqual([
        {
          audience: 'first_time_day_pass',
          customer_id: 'c4',
          ab_group: 'B',
          tag: 'first_time_day_pass:B',
          flagged_on: '2026-06-01',
        },
        // Sent an offer recently: c2 is left out of the offer audience…
        {
          audience: 'lapsed_member',
          customer_id: 'c1',
          ab_group: null,
          tag: 'lapsed_member',
          flagged_on: '2026-06-01',
        },
        // …while the account nudge declares no such exclusion.
        {
          audience: 'purchase_without_account',
          customer_id: 'c3',
          ab_group: null,
          tag: 'purchase_without_account',
          flagged_on: '2026-06-01',
        },
      ]);
      expect(counts.find((c) => c.audience === 'first_time_day_pass')).toMatchObject({
        members: 1,
        groups: { B: 1 },
      });
    } finally {
      db.close();
    }
  });

  it('a declaration naming no rule is refused, naming its file', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'typo.json'), JSON.stringify({ description: 'x', flag: 'lapsed_membr' }));
    await expect(discoverAudiences(dir)).rejects.toThrow(
      /typo\.json is invalid: flag: no rule "lapsed_membr"/,
    );
  });

  it('merge fields read from a query’s header, a tag Mailchimp would refuse rejected', () => {
    expect(
      mergeFieldsSchema.parse(
        parseMergeFieldsHeader(
          'CUSTID=customer_id:text, LASTVISIT=last_visit_on:date, VISITS30=visits_30d:number',
        ),
      ),
    ).toEqual({
      CUSTID: { trait: 'customer_id', type: 'text' },
      LASTVISIT: { trait: 'last_visit_on', type: 'date' },
      VISITS30: { trait: 'visits_30d', type: 'number' },
    });
    expect(
      mergeFieldsSchema.safeParse(parseMergeFieldsHeader('VISITS_LAST_30=visits_30d:number')).success,
    ).toBe(false);
    expect(mergeFieldsSchema.safeParse(parseMergeFieldsHeader('VISITS30=visits_30d:integer')).success).toBe(
      false,
    );
  });
});
