/**
 * The audiences' Mailchimp sync on the demo gym, through the emulators: the daily run the day before
 * the gym's date and the first full sync (API calls, seconds), then the daily run on the gym's date
 * and its sync (a typical daily diff); then the diff computation alone at `--scale` times the demo
 * (its tables replicated, the second day's audiences against the first day's confirmed state).
 *
 *   npx tsx bench/audiences.ts [--dir /tmp/bench-audiences] [--sandbox-port 47860] [--scale 100]
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { discoverAudiences } from '../src/audiences/compute.ts';
import { planDiff, syncAudiences } from '../src/audiences/sync.ts';
import { loadConfig } from '../src/config.ts';
import { Lake } from '../src/lake/lake.ts';
import { runDaily } from '../src/pipeline/daily-run.ts';
import { consecutivePorts, startEmulators } from '../src/sandbox/emulators/index.ts';
import { generateGym } from '../src/sandbox/generate.ts';
import { Database, sqlString } from '../src/sql/database.ts';
import { exitWithHelpIfAsked, report, timed } from './measure.ts';

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '/tmp/bench-audiences' },
    'sandbox-port': { type: 'string', default: '47860' },
    scale: { type: 'string', default: '100' },
  },
});
const dir = values.dir;
const scale = Number(values.scale);
await rm(dir, { recursive: true, force: true });
const lakeDir = path.join(dir, 'lake');

const gym = generateGym({ size: 'demo' });
const dayBefore = new Date(gym.asOf.getTime() - 86_400_000);
const running = await startEmulators(gym, {
  clock: dayBefore,
  ports: consecutivePorts(Number(values['sandbox-port'])),
});
const config = loadConfig({ env: { ...process.env, ...running.env, BASIN_LAKE_URL: lakeDir } });
const settings = config.sources.mailchimp!;
const runLog: string[] = [];
const quiet = (line: string) => {
  runLog.push(line);
};

async function dayAndSync(clock: Date, label: string) {
  running.setClock(clock);
  const code = await runDaily({ config, clock, fetch: true, commandLine: `bench ${label}`, log: quiet });
  // 1 with everything published (a failed quality check or stream) still leaves audiences to sync.
  if (code !== 0)
    console.error(
      `the daily run of ${label} exited ${code}:\n${runLog.filter((l) => l.startsWith('FAILED')).join('\n')}`,
    );
  const db = await Database.open(new Lake(config.lake), { timeZone: config.timeZone });
  try {
    return await syncAudiences(db, { settings, apply: true, now: clock, syncId: `bench-${label}` });
  } finally {
    db.close();
  }
}

const first = await dayAndSync(dayBefore, 'first');
const copyOfState = path.join(dir, 'first-state.parquet');
{
  const db = await Database.open(new Lake(config.lake), { timeZone: config.timeZone });
  await db.run(`copy (select * from audience_sync_state) to ${sqlString(copyOfState)} (format parquet)`);
  db.close();
}
const daily = await dayAndSync(gym.asOf, 'daily');
await running.close();

// The diff at scale: every customer, email, list member and membership replicated `scale` times
// (suffixed ids and emails), the second day's audiences against the first day's confirmed state.
const scaledDir = path.join(dir, `lake-${scale}x`);
const demo = await Database.open(new Lake(config.lake), { timeZone: config.timeZone });
const scaled = await Database.open(new Lake({ kind: 'local', dir: scaledDir }), {
  timeZone: config.timeZone,
});
const source = (view: string) => `read_parquet(${sqlString(demo.lake.filePath(`core/${view}`))})`;
const suffix = (email: string) => `replace(${email}, '@', '+' || r.i || '@')`;
await scaled.writeSelect(
  'core/customer_master',
  `select m.customer_id || '-' || r.i as customer_id, ${suffix('m.email')} as email
   from ${source('customer_master')} as m, range(${scale}) as r(i)`,
);
await scaled.writeSelect(
  'core/customer_identifiers',
  `select c.customer_id || '-' || r.i as customer_id, c.identifier_type, ${suffix('c.normalized_value')} as normalized_value
   from ${source('customer_identifiers')} as c, range(${scale}) as r(i) where c.identifier_type = 'email'`,
);
await scaled.writeSelect(
  'core/audience_members',
  `select a.* replace (a.customer_id || '-' || r.i as customer_id) from ${source('audience_members')} as a, range(${scale}) as r(i)`,
);
// The list: each demo customer email's member status, replicated; the state: the first day's, replicated.
const members = gym.mailchimp.members(settings.audienceId, gym.asOf);
await scaled.run('create or replace temp table demo_members (email varchar, status varchar)');
await scaled.appendRows(
  'demo_members',
  members.map((m) => [m.email_address.toLowerCase(), m.status]),
);
await scaled.run(
  `create or replace temp table list_members as
   select md5(${suffix('d.email')}) as subscriber_hash, d.status, []::varchar[] as tags
   from demo_members as d, range(${scale}) as r(i)`,
);
const hashOf = new Map(members.map((m) => [m.id, m.email_address.toLowerCase()]));
await scaled.run('create or replace temp table hash_emails (subscriber_hash varchar, email varchar)');
await scaled.appendRows(
  'hash_emails',
  [...hashOf].map(([hash, email]) => [hash, email]),
);
await scaled.writeSelect(
  'state/audience_sync_state',
  `select s.list_id, md5(${suffix('h.email')}) as subscriber_hash, s.tag, s.customer_id || '-' || r.i as customer_id, s.confirmed_at
   from read_parquet(${sqlString(copyOfState)}) as s
   inner join hash_emails as h using (subscriber_hash), range(${scale}) as r(i)`,
);
demo.close();
const names = (await discoverAudiences()).filter((a) => a.syncs).map((a) => a.name);
const { result: plans, seconds: diffSeconds } = await timed(() =>
  planDiff(scaled, settings.audienceId, names, false),
);
const [wanted] = await scaled.query('select count(*)::bigint as n from sync_wanted');
scaled.close();

const sum = (plans: { adds: number; removes: number }[]) => plans.reduce((n, p) => n + p.adds + p.removes, 0);
const figures = {
  first_full_sync: {
    mode: first.mode,
    api_calls: first.apiCalls,
    seconds: Number(first.seconds.toFixed(2)),
    tag_changes: sum(first.audiences),
    failed: first.failures.length,
  },
  daily_diff: {
    mode: daily.mode,
    api_calls: daily.apiCalls,
    seconds: Number(daily.seconds.toFixed(2)),
    tag_changes: sum(daily.audiences),
    failed: daily.failures.length,
  },
  [`diff_at_${scale}x`]: {
    seconds: Number(diffSeconds.toFixed(2)),
    memberships: Number(wanted?.n ?? 0),
    tag_changes: sum(plans),
  },
};
console.log(JSON.stringify(figures, null, 2));
await report('audiences', figures);
