import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverAudiences } from '../../src/audiences/compute.ts';
import { syncAudiences } from '../../src/audiences/sync.ts';
import { Lake } from '../../src/lake/lake.ts';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { MailchimpMember } from '../../src/sandbox/dataset.ts';
import type { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import {
  createMailchimpEmulator,
  type MailchimpMemberState,
  mailchimpState,
  subscriberHash,
} from '../../src/sandbox/emulators/mailchimp.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { callMailchimp } from '../../src/sources/mailchimp/client.ts';
import type { MailchimpSettings } from '../../src/sources/mailchimp/config.ts';
import { Database } from '../../src/sql/database.ts';
import { projectRoot } from '../support/run-cli.ts';

/**
 * The sync over HTTP to the Mailchimp emulator of the tiny gym, from hand-made audience tables: the
 * customers are the gym's list members (one with no email, one whose only email is not on the list).
 */
const FAST_RETRY = { retries: 6, minTimeoutMs: 5, maxTimeoutMs: 50 };

let root: string;
let db: Database;
let emulator: HttpEmulator;
let state: MailchimpMemberState;
let settings: MailchimpSettings;
let listId: string;
let members: MailchimpMember[];

/** Who is in which tag on a day: `[customer index, audience, ab_group, holdout]`. */
type Membership = [number, string, string | null, boolean];

async function writeDay(day: string, memberships: Membership[]): Promise<void> {
  const values = memberships
    .map(
      ([i, audience, group, holdout]) =>
        `('${audience}', 'c${i}', ${group ? `'${group}'` : 'null'}, ${holdout},
          ${holdout ? 'null' : group ? `'${audience}:${group}'` : `'${audience}'`}, '{}'::json, '${day}'::date)`,
    )
    .join(', ');
  await db.writeSelect(
    'core/audience_members',
    `select * from (values ${values}) as t(audience, customer_id, ab_group, holdout, tag, traits, as_of)`,
  );
}

/** The tags each customer should carry: their non-holdout tags, for subscribed members only. */
function expectedTags(memberships: Membership[], unsubscribed: Set<number>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [i, audience, group, holdout] of memberships) {
    if (holdout || unsubscribed.has(i) || i >= members.length) continue;
    const hash = subscriberHash(members[i]!.email_address);
    out.set(hash, [...(out.get(hash) ?? []), group ? `${audience}:${group}` : audience].sort());
  }
  return out;
}

const sync = (extra: Partial<Parameters<typeof syncAudiences>[1]> = {}) =>
  syncAudiences(db, {
    settings,
    apply: true,
    now: new Date(),
    syncId: `test-${Date.now()}`,
    retry: FAST_RETRY,
    pollMs: 10,
    ...extra,
  });

beforeAll(async () => {
  const gym = generateGym({ size: 'tiny' });
  emulator = createMailchimpEmulator(gym);
  const url = await emulator.listen();
  state = mailchimpState(emulator);
  listId = sandboxCredentials.mailchimpAudienceId;
  members = gym.mailchimp
    .members(listId, gym.asOf)
    .filter((m) => m.status === 'subscribed')
    .slice(0, 40);
  settings = { apiKey: sandboxCredentials.mailchimpApiKey, audienceId: listId, apiUrl: `${url}/3.0` };
  root = await mkdtemp(path.join(os.tmpdir(), 'basin-audience-sync-'));
  db = await Database.open(new Lake({ kind: 'local', dir: path.join(root, 'lake') }), {
    timeZone: 'America/Chicago',
  });
  // Customer c<i> is the member i; c40 has no email; c41's only email is on no list member.
  const customers = [
    ...members.map((m, i) => `('c${i}', '${m.email_address.toUpperCase()}')`),
    `('c40', null)`,
    `('c41', 'nobody@example.com')`,
  ];
  await db.writeSelect(
    'core/customer_master',
    `select * from (values ${customers.join(', ')}) as t(customer_id, email)`,
  );
  await db.writeSelect(
    'core/customer_identifiers',
    `select customer_id, 'email' as identifier_type, lower(email) as normalized_value
     from customer_master where email is not null`,
  );
});

afterAll(async () => {
  db?.close();
  await emulator?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const day1: Membership[] = [
  ...Array.from({ length: 30 }, (_, i): Membership => [i, 'lapsed_member', null, false]),
  [30, 'first_time_day_pass', 'A', false],
  [31, 'first_time_day_pass', 'B', false],
  [32, 'first_time_day_pass', 'A', true],
  [40, 'lapsed_member', null, false],
  [41, 'lapsed_member', null, false],
];
// Day 2: members 0–2 left, 33 entered, and member 5 unsubscribed in Mailchimp.
const day2: Membership[] = [
  ...day1.filter(([i, audience]) => !(audience === 'lapsed_member' && i < 3)),
  [33, 'churn_risk', null, false],
];

describe('audiences sync against the Mailchimp emulator', () => {
  it('day 1 through batches: tags equal memberships, holdout and unreachable customers skipped by reason', async () => {
    await writeDay('2026-06-01', day1);
    const dry = await sync({ apply: false });
    expect(dry.mode).toBe('dry-run');
    expect(state.allTags(listId).size).toBe(0);

    const result = await sync({ batchThreshold: 5 });
    expect(result.mode).toBe('batch');
    expect(result.failures).toEqual([]);
    expect(Object.fromEntries(state.allTags(listId))).toEqual(
      Object.fromEntries(expectedTags(day1, new Set())),
    );
    const lapsed = result.audiences.find((a) => a.audience === 'lapsed_member')!;
    expect(lapsed.skipped).toEqual({ no_email: 1, no_member: 1 });
    expect(lapsed.adds).toBe(30);
    // The holdout member carries no tag at all.
    expect(state.tagNames(listId, members[32]!.email_address)).toEqual([]);
  });

  it('day 2 sends only the diff: a leaver loses the tag, an unsubscribed member is skipped and reported', async () => {
    state.setStatus(listId, members[5]!.email_address, 'unsubscribed');
    await writeDay('2026-06-02', day2);
    const result = await sync();
    expect(result.mode).toBe('member-tags');
    // One read of the list, then one call per changed member: 3 leavers, 1 entrant, 1 unsubscribed.
    expect(result.apiCalls).toBe(1 + 5);
    expect(result.failures).toEqual([]);
    const lapsed = result.audiences.find((a) => a.audience === 'lapsed_member')!;
    expect(lapsed.skipped).toEqual({ no_email: 1, no_member: 1, unsubscribed: 1 });
    expect(state.tagNames(listId, members[0]!.email_address)).toEqual([]);
    expect(Object.fromEntries(state.allTags(listId))).toEqual(
      Object.fromEntries(expectedTags(day2, new Set([5]))),
    );
    const again = await sync();
    expect(again.mode).toBe('nothing to send');
    expect(again.apiCalls).toBe(1);
    const [runs] = await db.query('select count(*)::bigint as n from read_parquet($glob)', {
      glob: path.join(root, 'lake', 'state', 'sync_runs', '*.parquet'),
    });
    expect(Number(runs?.n)).toBeGreaterThan(0);
  });

  it('converges with 429, 5xx and dropped connections injected, a failed member retried next run only', async () => {
    const day3: Membership[] = [
      ...day2.filter(([i]) => i !== 10 && i !== 11),
      [34, 'churn_risk', null, false],
      [35, 'churn_risk', null, false],
    ];
    await writeDay('2026-06-03', day3);
    emulator.faults.add(
      { kind: 'status', status: 429, retryAfter: 0, path: '/tags', times: 2 },
      { kind: 'status', status: 503, path: '/tags', times: 2 },
      { kind: 'drop', path: '/tags', times: 1 },
      { kind: 'status', status: 500, path: '/members', method: 'GET', times: 1 },
    );
    const fired = emulator.faults.fired.length;
    const first = await sync({ retry: { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 10 } });
    const second = await sync();
    expect(emulator.faults.fired.length - fired).toBe(6);
    expect(second.failures).toEqual([]);
    // The second run sends only what the first could not confirm.
    const sentFirst = first.audiences.reduce((n, a) => n + a.sent, 0);
    const sentSecond = second.audiences.reduce((n, a) => n + a.sent, 0);
    expect(sentFirst + sentSecond).toBe(4);
    expect(sentSecond).toBe(first.failures.length);
    expect(Object.fromEntries(state.allTags(listId))).toEqual(
      Object.fromEntries(expectedTags(day3, new Set([5]))),
    );
  });

  it('--reconcile restores a tag removed by hand and removes one added by hand outside the audience', async () => {
    const kept = subscriberHash(members[20]!.email_address);
    const outsider = subscriberHash(members[38]!.email_address);
    state.changeTags(listId, kept, [{ name: 'lapsed_member', status: 'inactive' }], new Date());
    state.changeTags(listId, outsider, [{ name: 'churn_risk', status: 'active' }], new Date());
    const plain = await sync({ apply: false });
    expect(plain.audiences.every((a) => a.adds === 0 && a.removes === 0)).toBe(true);
    const result = await sync({ reconcile: true });
    expect(result.failures).toEqual([]);
    expect(state.tagNames(listId, members[20]!.email_address)).toEqual(['lapsed_member']);
    expect(state.tagNames(listId, members[38]!.email_address)).toEqual([]);
  });

  it('after kill -9 mid-sync and a rerun, every tag equals the audiences and no leaver is re-added', async () => {
    const before = day2
      .filter(([i]) => i !== 10 && i !== 11)
      .concat([
        [34, 'churn_risk', null, false],
        [35, 'churn_risk', null, false],
      ]);
    const day4: Membership[] = [
      ...before.filter(([i]) => i !== 12 && i !== 13),
      [36, 'new_visitors', null, false],
      [37, 'new_visitors', null, false],
    ];
    await writeDay('2026-06-04', day4);
    // Every tag call waits, so the process is killed with its changes in flight.
    emulator.faults.add({ kind: 'delay', ms: 400, path: '/tags', times: 4 });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'src/cli.ts'), 'audiences', 'sync', '--apply'],
      {
        // Where tsx resolves; the command writes only into BASIN_LAKE_URL.
        cwd: projectRoot,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: root,
          BASIN_LAKE_URL: path.join(root, 'lake'),
          MAILCHIMP_API_KEY: settings.apiKey,
          MAILCHIMP_AUDIENCE_ID: listId,
          MAILCHIMP_API_URL: settings.apiUrl,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let done = false;
    const exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        done = true;
        resolve(code);
      }),
    );
    const deadline = Date.now() + 60_000;
    while (emulator.inFlight === 0 && !done && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(stderr).toBe('');
    expect(emulator.inFlight).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await exited;
    emulator.faults.clear();

    const rerun = await sync();
    expect(rerun.failures).toEqual([]);
    expect(Object.fromEntries(state.allTags(listId))).toEqual(
      Object.fromEntries(expectedTags(day4, new Set([5]))),
    );
    for (const leaver of [0, 1, 2, 10, 11, 12, 13])
      expect(state.tagNames(listId, members[leaver]!.email_address)).not.toContain('lapsed_member');
  }, 90_000);

  it('merge fields: each created once with its type, values sent to existing members only, then only the diff', async () => {
    // An audience declaring merge fields from its traits, beside the shipped ones.
    const dir = path.join(root, 'declared');
    await mkdir(dir);
    await writeFile(
      path.join(dir, 'visit_fields.json'),
      JSON.stringify({
        description: 'lapsed members with their visit traits',
        flag: 'lapsed_member',
        merge_fields: {
          CUSTID: { trait: 'customer_id', type: 'text' },
          LASTVISIT: { trait: 'last_visit_on', type: 'date' },
          VISITS30: { trait: 'visits_30d', type: 'number' },
        },
      }),
    );
    const declared = (await discoverAudiences(dir)).find((a) => a.name === 'visit_fields')!;
    const audiences = [...(await discoverAudiences()), declared];
    // Members 20–24 and the unsubscribed member 5 (earlier test) enter it, beside yesterday's audiences.
    const writeFields = async (visits: Record<number, number>) => {
      await db.run('create or replace temp table kept_members as select * from audience_members');
      const rows = Object.entries(visits).map(
        ([i, n]) =>
          `('visit_fields', 'c${i}', null, false, 'visit_fields',
            json_object('customer_id', 'c${i}', 'last_visit_on', '2026-06-03', 'visits_30d', ${n}), '2026-06-04'::date)`,
      );
      await db.writeSelect(
        'core/audience_members',
        `select * exclude (traits), traits from kept_members where audience <> 'visit_fields'
         union all by name
         select * from (values ${rows.join(', ')}) as t(audience, customer_id, ab_group, holdout, tag, traits, as_of)`,
      );
    };
    const mergeCalls = () =>
      ['/3.0/lists/:id/merge-fields', '/3.0/lists/:id/members/:hash', '/3.0/batches'].map(
        (route) => emulator.requestCounts.get(route) ?? 0,
      );
    const valuesOf = (i: number) => state.mergeValuesOf(listId, members[i]!.email_address);

    await writeFields({ 5: 9, 20: 12, 21: 12, 22: 12, 23: 12, 24: 12 });
    const before = mergeCalls();
    const dry = await sync({ apply: false, audiences });
    expect(dry.merge).toMatchObject({ members: 5, values: 15, created: [] });
    expect(mergeCalls()).toEqual(before);

    const first = await sync({ audiences, batchThreshold: 2 });
    expect(first.failures).toEqual([]);
    expect(first.merge).toMatchObject({ members: 5, sent: 5, failed: 0 });
    expect(first.merge.created.sort()).toEqual(['CUSTID', 'LASTVISIT', 'VISITS30']);
    expect(
      state
        .mergeFields(listId)
        .filter((f) => ['CUSTID', 'LASTVISIT', 'VISITS30'].includes(f.tag))
        .map((f) => [f.tag, f.type]),
    ).toEqual([
      ['CUSTID', 'text'],
      ['LASTVISIT', 'date'],
      ['VISITS30', 'number'],
    ]);
    expect(valuesOf(20)).toEqual({ CUSTID: 'c20', LASTVISIT: '2026-06-03', VISITS30: 12 });
    // The unsubscribed member is skipped: nothing written on it.
    expect(valuesOf(5)).toEqual({});

    const unchanged = mergeCalls();
    const again = await sync({ audiences });
    expect(again.merge.members).toBe(0);
    expect(mergeCalls()).toEqual(unchanged);

    // Member 21's visits change and member 22 leaves: two updates, the leaver's values cleared.
    await writeFields({ 5: 9, 20: 12, 21: 13, 23: 12, 24: 12 });
    const diff = await sync({ audiences });
    expect(diff.failures).toEqual([]);
    expect(diff.merge).toMatchObject({ members: 2, values: 4, sent: 2, created: [] });
    expect(valuesOf(21).VISITS30).toBe(13);
    expect(valuesOf(22)).toEqual({ CUSTID: '', LASTVISIT: '', VISITS30: '' });
    expect(state.tagNames(listId, members[22]!.email_address)).not.toContain('visit_fields');

    // A value edited by hand is repaired by --reconcile only.
    state.setMergeValues(listId, subscriberHash(members[23]!.email_address), { VISITS30: 99 });
    expect((await sync({ audiences, apply: false })).merge.members).toBe(0);
    const reconciled = await sync({ audiences, reconcile: true });
    expect(reconciled.merge.members).toBe(1);
    expect(valuesOf(23).VISITS30).toBe(12);

    // The emulator refuses a value of the wrong type, as Mailchimp does.
    const refused = callMailchimp(
      settings,
      'bad value',
      (client) =>
        client.lists.updateListMember(listId, subscriberHash(members[24]!.email_address), {
          merge_fields: { VISITS30: 'many' },
        }),
      (b) => b,
      { retries: 0 },
    );
    await expect(refused).rejects.toThrow(/400/);
  });
});
