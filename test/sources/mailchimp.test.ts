import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stage } from '../../src/pipeline/stage.ts';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import {
  createMailchimpEmulator,
  type MailchimpEmulatorOptions,
  mailchimpEdgeThrottle,
} from '../../src/sandbox/emulators/mailchimp.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import mailchimp, { mailchimpSource } from '../../src/sources/mailchimp/index.ts';
import type { Database } from '../../src/sql/database.ts';
import { byStream, openSourceHarness, useOpenedPerTest } from '../support/source-harness.ts';

const DAY = 86_400_000;
const gym = generateGym({ size: 'tiny' });
const listId = sandboxCredentials.mailchimpAudienceId;
const streams = ['campaigns', 'campaign_content', 'reports', 'email_activity', 'members'];

const localDate = (iso: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: gym.timeZone }).format(new Date(iso));

/** Everything the dataset shows at `clock`, as the API would list it. */
function expected(clock: Date, dataset: SandboxDataset = gym) {
  const campaigns = dataset.mailchimp.campaigns(clock);
  const activity = campaigns.flatMap((c) => dataset.mailchimp.emailActivity(c.id, clock));
  return {
    campaigns,
    activity,
    members: dataset.mailchimp.members(listId, clock),
    reports: new Map(campaigns.map((c) => [c.id, dataset.mailchimp.report(c.id, clock)!])),
  };
}

describe('mailchimp source', () => {
  const setup = useOpenedPerTest(
    async (
      dir: string,
      options: { clock?: Date; dataset?: SandboxDataset } & Pick<
        MailchimpEmulatorOptions,
        'inactiveRecipientsSince'
      > = {},
    ) => {
      const emulator = createMailchimpEmulator(options.dataset ?? gym, {
        clock: options.clock ?? gym.asOf,
        ...(options.inactiveRecipientsSince
          ? { inactiveRecipientsSince: options.inactiveRecipientsSince }
          : {}),
      });
      await emulator.listen();
      return openSourceHarness({
        dir,
        emulator,
        source: mailchimp,
        env: {
          MAILCHIMP_API_KEY: sandboxCredentials.mailchimpApiKey,
          MAILCHIMP_AUDIENCE_ID: listId,
          MAILCHIMP_API_URL: `${emulator.url}/3.0`,
        },
        timeZone: gym.timeZone,
      });
    },
  );

  async function rawCounts(db: Database): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const stream of streams) {
      const [row] = await db.query(
        `select count(distinct record_id)::int as n from raw_mailchimp__${stream}`,
      );
      counts[stream] = Number(row?.n);
    }
    return counts;
  }

  async function stagingSnapshot(db: Database) {
    await stage(db, { time_zone: gym.timeZone }, { onlySource: 'mailchimp' });
    const tables: Record<string, unknown[]> = {};
    for (const table of ['campaigns', 'campaign_content', 'recipients', 'members']) {
      tables[table] = await db.query(`select * from stg_mailchimp__${table} order by all`);
    }
    return tables;
  }

  it('backfills every campaign, report, content, recipient and member, and stages them', async () => {
    const { db, run, logs } = await setup();
    const results = byStream(await run('run-1'));
    const want = expected(gym.asOf);

    for (const stream of streams) expect(results[stream]).toMatchObject({ status: 'ok', rejected: 0 });
    expect(await rawCounts(db)).toEqual({
      campaigns: want.campaigns.length,
      campaign_content: want.campaigns.length,
      reports: want.campaigns.length,
      email_activity: want.activity.length,
      members: want.members.length,
    });
    expect(logs.filter((line) => line.includes('retry'))).toEqual([]);

    const { unparsedDates } = await stage(db, { time_zone: gym.timeZone }, { onlySource: 'mailchimp' });
    expect(unparsedDates).toEqual([]);

    const campaigns = await db.query('select * from stg_mailchimp__campaigns');
    expect(campaigns).toHaveLength(want.campaigns.length);
    for (const row of campaigns) {
      const source = want.campaigns.find((c) => c.id === row.campaign_id)!;
      const report = want.reports.get(source.id)!;
      expect(row).toMatchObject({
        title: source.settings.title,
        subject_line: source.settings.subject_line,
        list_id: listId,
        sent_at: new Date(source.send_time),
        sent_at_raw: source.send_time,
        emails_sent: BigInt(report.emails_sent),
        delivered: BigInt(report.emails_sent - report.bounces.hard_bounces - report.bounces.soft_bounces),
        unique_opens: BigInt(report.opens.unique_opens),
        open_rate: report.opens.open_rate,
        clicks_total: BigInt(report.clicks.clicks_total),
        unsubscribed: BigInt(report.unsubscribed),
      });
      // The local date is the gym's calendar day, not UTC's.
      expect((row.sent_local_date as Date).toISOString().slice(0, 10)).toBe(localDate(source.send_time));
    }

    const content = await db.query(
      'select campaign_id, html, content_sha256 from stg_mailchimp__campaign_content',
    );
    expect(content).toHaveLength(want.campaigns.length);
    for (const row of content) {
      const html = gym.mailchimp.content(String(row.campaign_id))!.html;
      expect(row.html).toBe(html);
      expect(row.content_sha256).toBe(createHash('sha256').update(html).digest('hex'));
    }

    // Recipients reproduce each report's opens and clicks from the individual events.
    const perCampaign = await db.query(`
      select campaign_id, count(*)::int as recipients, count(*) filter (where opened)::int as unique_opens,
             sum(open_count)::int as opens, count(*) filter (where clicked)::int as unique_clicks,
             sum(click_count)::int as clicks
      from stg_mailchimp__recipients group by campaign_id`);
    const withRecipients = want.campaigns.filter((c) => want.reports.get(c.id)!.emails_sent > 0);
    expect(perCampaign).toHaveLength(withRecipients.length);
    for (const row of perCampaign) {
      const report = want.reports.get(String(row.campaign_id))!;
      expect(row).toMatchObject({
        recipients: report.emails_sent,
        unique_opens: report.opens.unique_opens,
        opens: report.opens.opens_total,
        unique_clicks: report.clicks.unique_clicks,
        clicks: report.clicks.clicks_total,
      });
    }
    const opener = want.activity.find((a) => a.activity.some((e) => e.action === 'open'))!;
    const [openerRow] = await db.query(
      'select * from stg_mailchimp__recipients where campaign_id = $campaign and email = $email',
      { campaign: opener.campaign_id, email: opener.email_address.trim().toLowerCase() },
    );
    const firstOpen = opener.activity.find((e) => e.action === 'open')!.timestamp;
    expect(openerRow).toMatchObject({ opened: true, first_opened_at: new Date(firstOpen) });

    const members = await db.query('select * from stg_mailchimp__members');
    expect(members).toHaveLength(want.members.length);
    for (const member of want.members) {
      const row = members.find((m) => m.member_id === member.id)!;
      expect(row).toMatchObject({
        email: member.email_address.trim().toLowerCase(),
        status: member.status,
        first_name: member.merge_fields.FNAME,
        last_name: member.merge_fields.LNAME,
        phone: member.merge_fields.PHONE ?? null,
        tags: member.tags.map((t) => t.name).join('|') || null,
        opted_in_at: new Date(member.timestamp_opt),
        signed_up_at: member.timestamp_signup ? new Date(member.timestamp_signup) : null,
      });
    }
  });

  it('writes nothing on a second run at the same clock, and staging is unchanged', async () => {
    const { db, run } = await setup();
    await run('run-1');
    const before = await stagingSnapshot(db);
    const again = await run('run-2');
    expect(again.map((r) => [r.stream, r.status, r.written])).toEqual(streams.map((s) => [s, 'ok', 0]));
    // Content is immutable and already stored, and activity is asked for only since the last run.
    expect(byStream(again).campaign_content?.fetched).toBe(0);
    expect(byStream(again).email_activity?.fetched).toBe(0);
    expect(await stagingSnapshot(db)).toEqual(before);
  });

  it("adds exactly each next day's new records, asking only for the activity since the last run", async () => {
    // The first day sends a campaign; on the second, recipients of that campaign come back to it.
    const start = new Date('2026-11-22T12:00:00Z');
    const { db, emulator, run } = await setup({ clock: start });
    await run('run-0');
    let returning: { campaign_id: string; email_id: string; firstOpen: string } | undefined;
    for (let day = 1; day <= 2; day++) {
      const first = emulator.clock;
      const next = new Date(first.getTime() + DAY);
      emulator.clock = next;
      const results = byStream(await run(`run-${day}`));

      const before = expected(first);
      const after = expected(next);
      const inWindow = after.campaigns.filter((c) => Date.parse(c.send_time) >= next.getTime() - 90 * DAY);
      const isNew = (id: string) => !before.campaigns.some((c) => c.id === id);
      const changed = <T>(now: T, then: T | undefined) => JSON.stringify(now) !== JSON.stringify(then);
      const newCampaigns = inWindow.filter((c) => isNew(c.id));
      const newActivity = inWindow.flatMap((c) => {
        const recipients = gym.mailchimp.emailActivity(c.id, next);
        if (isNew(c.id)) return recipients;
        return recipients.filter((r) => r.activity.some((e) => Date.parse(e.timestamp) > first.getTime()));
      });
      expect(newActivity.length).toBeGreaterThan(0);

      expect(results.campaigns?.written).toBe(
        inWindow.filter((c) =>
          changed(
            c,
            before.campaigns.find((b) => b.id === c.id),
          ),
        ).length,
      );
      expect(results.campaign_content).toMatchObject({
        fetched: newCampaigns.length,
        written: newCampaigns.length,
      });
      expect(results.reports?.written).toBe(
        inWindow.filter((c) => changed(after.reports.get(c.id), before.reports.get(c.id))).length,
      );
      expect(results.email_activity).toMatchObject({
        fetched: newActivity.length,
        written: newActivity.length,
      });
      expect(results.members?.written).toBe(
        after.members.filter((m) =>
          changed(
            m,
            before.members.find((b) => b.id === m.id),
          ),
        ).length,
      );
      // Only the members changed since the last run (ten minutes of reach-back) are asked for.
      const reachBack = first.getTime() - 10 * 60_000;
      expect(results.members?.fetched).toBe(
        after.members.filter((m) => Date.parse(m.last_changed) >= reachBack).length,
      );
      expect(results.members?.fetched).toBeLessThan(after.members.length);
      if (day === 1) expect(newCampaigns.length).toBeGreaterThan(0);

      for (const recipient of newActivity.filter((r) => !isNew(r.campaign_id))) {
        const earlier = gym.mailchimp
          .emailActivity(recipient.campaign_id, first)
          .find((r) => r.email_id === recipient.email_id);
        const firstOpen = earlier?.activity.find((e) => e.action === 'open');
        if (firstOpen) returning = { ...recipient, firstOpen: firstOpen.timestamp };
      }
    }

    // Staging merges the activity of every version: nobody's earlier opens are lost.
    await stage(db, { time_zone: gym.timeZone }, { onlySource: 'mailchimp' });
    const now = expected(emulator.clock);
    const perCampaign = await db.query(`
      select campaign_id, count(*) filter (where opened)::int as unique_opens, sum(open_count)::int as opens,
             sum(click_count)::int as clicks
      from stg_mailchimp__recipients group by campaign_id`);
    expect(perCampaign.length).toBeGreaterThan(0);
    for (const row of perCampaign) {
      const report = now.reports.get(String(row.campaign_id))!;
      expect(row).toMatchObject({
        unique_opens: report.opens.unique_opens,
        opens: report.opens.opens_total,
        clicks: report.clicks.clicks_total,
      });
    }
    // Someone who had opened before a run and came back after it keeps their first open.
    expect(returning).toBeDefined();
    const [row] = await db.query(
      'select opened, first_opened_at from stg_mailchimp__recipients where campaign_id = $c and email_id = $e',
      { c: returning!.campaign_id, e: returning!.email_id },
    );
    expect(row).toEqual({ opened: true, first_opened_at: new Date(returning!.firstOpen) });
  });

  it('pages past a small page size and gets every record', async () => {
    const { db, emulator, run } = await setup();
    const source = mailchimpSource({ pageSize: { campaigns: 2, members: 10, email_activity: 25 } });
    const results = await run('run-1', source);
    const want = expected(gym.asOf);
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    expect(await rawCounts(db)).toMatchObject({
      campaigns: want.campaigns.length,
      email_activity: want.activity.length,
      members: want.members.length,
    });
    expect(emulator.requestCounts.get('/3.0/campaigns')).toBe(Math.ceil(want.campaigns.length / 2));
    expect(emulator.requestCounts.get('/3.0/lists/:id/members')).toBe(Math.ceil(want.members.length / 10));
  });

  it('stays under the ten-connection limit even when every answer is slow', async () => {
    const { db, emulator, run, logs } = await setup();
    // The limit is real: sixteen requests at once get 429s.
    emulator.faults.add({ kind: 'delay', ms: 100, times: 16 });
    const auth = `Basic ${Buffer.from(`user:${sandboxCredentials.mailchimpApiKey}`).toString('base64')}`;
    const burst = await Promise.all(
      Array.from({ length: 16 }, () =>
        fetch(`${emulator.url}/3.0/ping`, { headers: { authorization: auth } }).then((r) => r.status),
      ),
    );
    expect(burst.filter((status) => status === 429).length).toBeGreaterThan(0);
    emulator.faults.clear();

    emulator.faults.add({ kind: 'delay', ms: 20, times: 10_000 });
    const results = await run('run-1');
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    expect(logs.filter((line) => line.includes('429'))).toEqual([]);
    expect(await rawCounts(db)).toMatchObject({ email_activity: expected(gym.asOf).activity.length });
  });

  it('recovers from a 429, a 503, a dropped connection and a malformed page', async () => {
    const { db, emulator, run } = await setup();
    emulator.faults.add(
      { kind: 'status', status: 429, retryAfter: 1, path: '/3.0/campaigns' },
      { kind: 'status', status: 503, path: '/3.0/reports/' },
      { kind: 'drop', path: '/email-activity' },
      { kind: 'malformed', path: '/members' },
    );
    const results = await run('run-1');
    expect(results.map((r) => [r.stream, r.status])).toEqual(streams.map((s) => [s, 'ok']));
    expect(emulator.faults.fired.map((f) => f.kind)).toEqual(['status', 'status', 'drop', 'malformed']);
    const want = expected(gym.asOf);
    expect(await rawCounts(db)).toEqual({
      campaigns: want.campaigns.length,
      campaign_content: want.campaigns.length,
      reports: want.campaigns.length,
      email_activity: want.activity.length,
      members: want.members.length,
    });
  });

  it('reports the stream whose page came back truncated, and completes the others', async () => {
    const { emulator, run } = await setup();
    emulator.faults.add({ kind: 'truncate', path: '/members' });
    const results = byStream(await run('run-1'));
    const total = expected(gym.asOf).members.length;
    expect(results.members).toMatchObject({
      status: 'failed',
      error: `audience ${listId} members: Mailchimp reported ${total} items but sent ${Math.ceil(total / 2)}`,
    });
    for (const stream of streams.filter((s) => s !== 'members')) expect(results[stream]?.status).toBe('ok');
  });

  it('waits out a bare 403 (the edge throttling a busy key) but fails at once on a 403 Mailchimp explains', async () => {
    const { db, emulator, run, logs } = await setup();
    emulator.faults.add({ kind: 'respond', ...mailchimpEdgeThrottle, path: '/3.0/reports/', times: 2 });
    const results = await run('run-1');
    expect(results.map((r) => [r.stream, r.status])).toEqual(streams.map((s) => [s, 'ok']));
    expect(logs.filter((l) => l.includes('bare 403'))).toHaveLength(2);
    expect(await rawCounts(db)).toMatchObject({ reports: expected(gym.asOf).campaigns.length });

    emulator.faults.add({
      kind: 'respond',
      status: 403,
      json: {
        type: 'https://mailchimp.com/developer/marketing/docs/errors/',
        title: 'User Disabled',
        status: 403,
        detail: 'This account has been disabled.',
        instance: 'x',
      },
      path: '/3.0/lists/',
    });
    const refused = byStream(await run('run-2'));
    expect(refused.members).toMatchObject({
      status: 'failed',
      error: `the API refused the credentials (authentication or permission): check MAILCHIMP_API_KEY; audience ${listId} members answered 403: This account has been disabled.`,
    });
    // Not retried: a second attempt would have got past the one-off fault.
    expect(emulator.faults.fired.filter((f) => f.kind === 'respond')).toHaveLength(3);
  });

  describe('email activity since the last run, whichever way Mailchimp counts it', () => {
    const start = new Date('2026-11-22T12:00:00Z');
    for (const inactive of ['listed', 'omitted'] as const) {
      it(`gets every new event when recipients without one are ${inactive} (total_items counting all)`, async () => {
        const { emulator, run } = await setup({ clock: start, inactiveRecipientsSince: inactive });
        await run('run-0');
        emulator.clock = new Date(start.getTime() + DAY);
        const results = byStream(await run('run-1'));
        // A campaign sent since the last run is read whole; an older one only for what is new.
        const before = new Set(expected(start).campaigns.map((c) => c.id));
        const newActivity = expected(emulator.clock).campaigns.flatMap((c) =>
          gym.mailchimp
            .emailActivity(c.id, emulator.clock)
            .filter(
              (r) => !before.has(c.id) || r.activity.some((e) => Date.parse(e.timestamp) > start.getTime()),
            ),
        );
        expect(newActivity.length).toBeGreaterThan(0);
        expect(results.email_activity).toMatchObject({ status: 'ok', written: newActivity.length });
      });
    }

    it('reports a page that came back short while fetching since the last run', async () => {
      const { emulator, run } = await setup({ clock: start });
      await run('run-0');
      emulator.clock = new Date(start.getTime() + DAY);
      emulator.faults.add({ kind: 'truncate', path: '/email-activity' });
      const results = byStream(await run('run-1'));
      expect(results.email_activity?.status).toBe('failed');
      expect(results.email_activity?.error).toMatch(
        /email activity: Mailchimp reported \d+ items but sent \d+$/,
      );
    });
  });

  it('rejects a member without an email address, with the reason, and keeps the rest', async () => {
    const broken = gym.mailchimp.members(listId, gym.asOf)[3]!;
    const dataset: SandboxDataset = {
      ...gym,
      mailchimp: {
        ...gym.mailchimp,
        members: (id, clock) =>
          gym.mailchimp
            .members(id, clock)
            .map((m) => (m.id === broken.id ? { ...m, email_address: undefined as unknown as string } : m)),
      },
    };
    const { db, run } = await setup({ dataset });
    const results = byStream(await run('run-1'));
    const total = expected(gym.asOf).members.length;
    expect(results.members).toMatchObject({ status: 'ok', written: total - 1, rejected: 1 });
    expect(await db.query('select stream, record_id, reason from rejected_records')).toEqual([
      {
        stream: 'members',
        record_id: broken.id,
        reason: 'email_address: Invalid input: expected string, received undefined',
      },
    ]);
  });
});
