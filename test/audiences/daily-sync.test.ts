import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverAudiences } from '../../src/audiences/compute.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { Lake } from '../../src/lake/lake.ts';
import { runDaily } from '../../src/pipeline/daily-run.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { type RunningEmulators, startEmulators } from '../../src/sandbox/emulators/index.ts';
import {
  type MailchimpMemberState,
  mailchimpState,
  subscriberHash,
} from '../../src/sandbox/emulators/mailchimp.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { Database, type Row } from '../../src/sql/database.ts';

/**
 * Two consecutive days of the daily run on the tiny sandbox gym, with the Mailchimp sync switched on
 * (`BASIN_SYNC_MAILCHIMP=1`), against the emulators: the tags the emulator's members end with are
 * compared with the audiences the run published, and the sync's calls are counted at the emulator.
 * The days are the gym's last but two and last but one: a new visitor of day 1 has their first visit
 * eight days back on day 2, so leaves the welcome series. Between the days a tagged member
 * unsubscribes in Mailchimp. Instagram, the ads and Anthropic are left unconfigured: no audience
 * reads them, and the offer templates fall back to the heuristic.
 */
const DAY_MS = 86_400_000;
const timeZone = 'America/Chicago';

let root: string;
let previousCwd: string;
let gym: SandboxDataset;
let running: RunningEmulators;
let state: MailchimpMemberState;
let config: Config;
let listId: string;
let audienceNames: Set<string>;

/** Every list member's audience tags on the emulator (other tags of the gym's list left out): hash → tags. */
function emulatorTags(clock: Date): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const member of gym.mailchimp.members(listId, clock)) {
    const tags = state
      .tagNames(listId, member.email_address)
      .filter((tag) => audienceNames.has(tag.split(':')[0]!));
    if (tags.length > 0) out.set(subscriberHash(member.email_address), tags);
  }
  return out;
}

interface Expected {
  tags: Map<string, string[]>;
  /** Audience rows not sent, by reason. */
  skipped: Map<string, Record<string, number>>;
  holdout: Row[];
}

/**
 * What the emulator should hold after a day's sync, from the published `core/audience_members`: each
 * tagged row on the list member of the customer's golden email, else of their first other email on
 * the list; unsubscribed and cleaned members, customers with no email or no list member, and the
 * holdout (no tag) left out.
 */
async function expectedAfter(clock: Date, statuses: Map<string, string>): Promise<Expected> {
  const lake = new Lake(config.lake);
  const db = await Database.open(lake, { timeZone });
  try {
    const rows = await db.query(
      `select m.audience, m.customer_id, m.tag, m.holdout, lower(c.email) as golden,
              (select list(lower(i.normalized_value) order by i.normalized_value) from customer_identifiers as i
               where i.customer_id = m.customer_id and i.identifier_type = 'email') as others
       from audience_members as m left join customer_master as c using (customer_id)`,
    );
    const onList = new Map(
      gym.mailchimp.members(listId, clock).map((m) => [subscriberHash(m.email_address), m.status]),
    );
    const tags = new Map<string, string[]>();
    const skipped = new Map<string, Record<string, number>>();
    const skip = (audience: string, reason: string) => {
      const counts = skipped.get(audience) ?? {};
      counts[reason] = (counts[reason] ?? 0) + 1;
      skipped.set(audience, counts);
    };
    for (const row of rows) {
      if (row.tag === null) continue;
      const emails = [row.golden, ...((row.others as string[] | null) ?? [])].filter(
        (e): e is string => typeof e === 'string',
      );
      const hash = emails.map(subscriberHash).find((h) => onList.has(h));
      if (emails.length === 0) skip(String(row.audience), 'no_email');
      else if (!hash) skip(String(row.audience), 'no_member');
      else {
        const status = statuses.get(hash) ?? onList.get(hash)!;
        if (status === 'unsubscribed' || status === 'cleaned') skip(String(row.audience), status);
        else tags.set(hash, [...(tags.get(hash) ?? []), String(row.tag)].sort());
      }
    }
    return { tags, skipped, holdout: rows.filter((r) => r.holdout === true) };
  } finally {
    db.close();
    lake.close();
  }
}

/** One day's run; the Mailchimp requests made while its `sync mailchimp` step ran, by route. */
async function runDay(clock: Date) {
  running.setClock(clock);
  const mailchimp = running.emulators.mailchimp;
  const counts = () => new Map(mailchimp.requestCounts);
  let before = new Map<string, number>();
  let after = new Map<string, number>();
  const lines: string[] = [];
  const code = await runDaily({
    config,
    clock,
    fetch: true,
    commandLine: '--sandbox',
    log: (line) => {
      lines.push(line);
      if (line === '▸ sync mailchimp') before = counts();
      if (line === '▸ reports') after = counts();
    },
  });
  const syncCalls = new Map(
    [...after].map(([route, n]) => [route, n - (before.get(route) ?? 0)] as const).filter(([, n]) => n > 0),
  );
  return { code, output: lines.join('\n'), syncCalls };
}

const total = (calls: Map<string, number>) => [...calls.values()].reduce((a, b) => a + b, 0);

async function lakeQuery(sql: string, params: Record<string, string> = {}): Promise<Row[]> {
  const lake = new Lake(config.lake);
  const db = await Database.open(lake, { timeZone });
  try {
    return await db.query(sql, params);
  } finally {
    db.close();
    lake.close();
  }
}

const lastSyncRun = () =>
  lakeQuery(
    `select audience, mode, planned_adds, planned_removes, sent, failed, skipped::varchar as skipped, api_calls
     from sync_runs qualify started_at = max(started_at) over () order by audience`,
  );

beforeAll(async () => {
  gym = generateGym({ size: 'tiny' });
  root = await mkdtemp(path.join(os.tmpdir(), 'basin-daily-sync-'));
  // The run renders its reports into data/reports of the working folder.
  previousCwd = process.cwd();
  process.chdir(root);
  running = await startEmulators(gym, { clock: new Date(gym.asOf.getTime() - 2 * DAY_MS) });
  const env = Object.fromEntries(
    Object.entries(running.env).filter(([name]) => !/^(ANTHROPIC|INSTAGRAM|FACEBOOK|META)_/.test(name)),
  );
  config = loadConfig({
    env: { ...env, BASIN_LAKE_URL: path.join(root, 'lake'), BASIN_SYNC_MAILCHIMP: '1' },
    cwd: root,
  });
  state = mailchimpState(running.emulators.mailchimp);
  listId = config.sources.mailchimp!.audienceId;
  audienceNames = new Set((await discoverAudiences()).filter((a) => a.syncs).map((a) => a.name));
});

afterAll(async () => {
  await running?.close();
  if (previousCwd) process.chdir(previousCwd);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the daily run syncs the audiences to Mailchimp tags, two consecutive sandbox days', () => {
  const day1 = () => new Date(gym.asOf.getTime() - 2 * DAY_MS);
  const day2 = () => new Date(gym.asOf.getTime() - DAY_MS);
  const statuses = new Map<string, string>();
  let afterDay1: Map<string, string[]>;

  it('day 1: every member carries exactly the tags of their audiences, the holdout none', async () => {
    const { code, output, syncCalls } = await runDay(day1());
    expect(code, output).toBe(0);
    expect(output).toMatch(/sync mailchimp .*\d+ tag changes sent, 0 failed/);
    const expected = await expectedAfter(day1(), statuses);
    afterDay1 = emulatorTags(day1());
    expect(afterDay1.size).toBeGreaterThan(0);
    expect(Object.fromEntries(afterDay1)).toEqual(Object.fromEntries(expected.tags));
    for (const row of expected.holdout) expect(row.tag).toBeNull();
    // From nothing: one read of the list, then one member-tags call per tagged member.
    expect(total(syncCalls)).toBe(1 + expected.tags.size);
    const runs = await lastSyncRun();
    expect(Number(runs[0]!.api_calls)).toBe(total(syncCalls));
    for (const run of runs) {
      expect(JSON.parse(String(run.skipped))).toEqual(expected.skipped.get(String(run.audience)) ?? {});
    }
  });

  it('day 2 sends only the diff: the leaver loses the tag, the unsubscribed member is skipped and reported', async () => {
    // A tagged member unsubscribes in Mailchimp between the two runs.
    const [unsubscribedHash, unsubscribedTags] = [...afterDay1].sort(([a], [b]) => a.localeCompare(b))[0]!;
    const unsubscribed = gym.mailchimp
      .members(listId, day2())
      .find((m) => subscriberHash(m.email_address) === unsubscribedHash)!;
    state.setStatus(listId, unsubscribed.email_address, 'unsubscribed');
    statuses.set(unsubscribedHash, 'unsubscribed');

    const { code, output, syncCalls } = await runDay(day2());
    expect(code, output).toBe(0);
    const expected = await expectedAfter(day2(), statuses);
    const afterDay2 = emulatorTags(day2());
    expect(Object.fromEntries(afterDay2)).toEqual(Object.fromEntries(expected.tags));

    // Someone left an audience on day 2 and carries its tag no more.
    const leavers = [...afterDay1]
      .filter(([hash]) => hash !== unsubscribedHash)
      .flatMap(([hash, tags]) =>
        tags.filter((t) => !expected.tags.get(hash)?.includes(t)).map((t) => [hash, t]),
      );
    expect(leavers.length).toBeGreaterThan(0);
    // …and the run recorded the exit in its step and in state/audience_history.
    expect(output).toMatch(/audiences\s.*memberships; \d+ entered, [1-9]\d* exited/);
    const exits = await lakeQuery(
      `select audience from audience_history where change = 'exited' and changed_on = $day::date`,
      { day: day2().toLocaleDateString('en-CA', { timeZone }) },
    );
    expect(exits.map((r) => r.audience)).toEqual(expect.arrayContaining(leavers.map(([, tag]) => tag)));
    for (const [hash, tag] of leavers) expect(afterDay2.get(hash!) ?? []).not.toContain(tag);
    // The unsubscribed member: their tags taken off, never re-added, and reported per audience.
    expect(afterDay2.get(unsubscribedHash)).toBeUndefined();
    const runs = await lastSyncRun();
    for (const tag of unsubscribedTags) {
      const run = runs.find((r) => r.audience === tag.split(':')[0]);
      expect(JSON.parse(String(run!.skipped))).toMatchObject({ unsubscribed: 1 });
    }
    const reportPage = await readFile(path.join(root, 'data', 'reports', 'audiences.html'), 'utf8');
    expect(reportPage).toContain('unsubscribed');

    // Only the diff is sent: one list read and one member-tags call per member whose tags changed.
    const changed = new Set(
      [...new Set([...afterDay1.keys(), ...afterDay2.keys()])].filter(
        (hash) => JSON.stringify(afterDay1.get(hash) ?? []) !== JSON.stringify(afterDay2.get(hash) ?? []),
      ),
    );
    expect(changed.size).toBeGreaterThan(0);
    expect(total(syncCalls)).toBe(1 + changed.size);
    expect(total(syncCalls)).toBeLessThan(1 + afterDay1.size + afterDay2.size);
    expect(Number(runs[0]!.api_calls)).toBe(total(syncCalls));
    expect(runs.reduce((n, r) => n + Number(r.failed), 0)).toBe(0);
  });
});
