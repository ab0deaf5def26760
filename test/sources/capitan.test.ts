import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { stage } from '../../src/pipeline/stage.ts';
import { sandboxCredentials } from '../../src/sandbox/credentials.ts';
import type { SandboxDataset } from '../../src/sandbox/dataset.ts';
import { createCapitanEmulator } from '../../src/sandbox/emulators/capitan.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { settings } from '../../src/settings.ts';
import capitan from '../../src/sources/capitan/index.ts';
import { openSourceHarness, useOpenedPerTest } from '../support/source-harness.ts';

const DAY = 86_400_000;
const streams = [
  'customers',
  'customer_memberships',
  'checkins',
  'associations',
  'association_members',
  'events',
  'relations',
] as const;
type Stream = (typeof streams)[number];

/** The record ids each stream should hold at a clock, straight from the generator's views. */
function expectedIds(dataset: SandboxDataset, clock: Date): Record<Stream, string[]> {
  const c = dataset.capitan;
  const ids = (records: { id: number }[]) => records.map((r) => String(r.id)).sort();
  const customers = c.customers(clock);
  return {
    customers: ids(customers),
    customer_memberships: ids(c.memberships(clock)),
    checkins: ids(c.checkins(clock)),
    associations: ids(c.associations(clock)),
    association_members: ids(c.associationMembers(clock)),
    events: ids(c.events(clock)),
    relations: customers
      .flatMap((customer) =>
        c.relations(customer.id, clock).map((r) => `${customer.id}:${r.related_customer_id}:${r.relation}`),
      )
      .sort(),
  };
}

/** Records new at `after`, or whose API rendering changed since `before`. */
function changedIds<T extends { id: number }>(before: T[], after: T[]): string[] {
  const old = new Map(before.map((r) => [r.id, JSON.stringify(r)]));
  return after.filter((r) => old.get(r.id) !== JSON.stringify(r)).map((r) => String(r.id));
}

function localDate(instant: Date, timeZone: string): string {
  return instant.toLocaleDateString('en-CA', { timeZone });
}

/** `YYYY-MM-DDTHH:MM:SS`, Capitan's way of writing gym wall-clock time. */
function localWallClock(instant: Date, timeZone: string): string {
  return instant.toLocaleString('sv-SE', { timeZone, hourCycle: 'h23' }).replace(' ', 'T');
}

/** A Capitan emulator over `dataset` and a lake in `dir`, with the product's config pointing at it. */
async function openCapitan(
  dir: string,
  dataset: SandboxDataset,
  clock = dataset.asOf,
  // Capitan's own 10 a second has its tests below; the others read as fast as the emulator answers.
  rate = { emulator: 100_000, client: 100_000 },
) {
  const emulator = createCapitanEmulator(dataset, { clock, requestsPerSecond: rate.emulator });
  await emulator.listen();
  const harness = await openSourceHarness({
    dir,
    emulator,
    source: capitan,
    env: {
      CAPITAN_API_TOKEN: sandboxCredentials.capitanApiToken,
      CAPITAN_API_URL: `${emulator.url}/api/`,
      CAPITAN_REQUESTS_PER_SECOND: String(rate.client),
    },
    timeZone: dataset.timeZone,
  });
  return { ...harness, logs: harness.logs };
}

describe('Capitan source', () => {
  const open = useOpenedPerTest(openCapitan);
  let gym: SandboxDataset;

  beforeAll(() => {
    gym = generateGym({ size: 'tiny' });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
  });

  const setup = (options: { dataset?: SandboxDataset; clock?: Date } = {}) =>
    open(options.dataset ?? gym, options.clock);

  /**
   * Every URL the code under test asks for through `node:http` from here on, in order; `hold` may
   * return a promise the answer waits for before the client sees it, `answered` is told once it does.
   */
  function recordUrls(
    watch: { hold?: (url: URL) => Promise<unknown> | undefined; answered?: (url: URL) => void } = {},
  ): () => URL[] {
    const realRequest = http.request;
    const spy = vi.spyOn(http, 'request').mockImplementation(((
      url: URL,
      options: http.RequestOptions,
      answer: (response: http.IncomingMessage) => void,
    ) => {
      const held = Promise.resolve(watch.hold?.(url));
      return realRequest(url, options, (response) => {
        void held.then(() => {
          watch.answered?.(url);
          answer(response);
        });
      });
    }) as typeof http.request);
    return () => spy.mock.calls.map(([url]) => new URL(String(url)));
  }

  it('backfills every record the generator produced, asking 100 records a page, never more', async () => {
    const { run, rawIds, emulator } = await setup();
    const urls = recordUrls();
    const results = await run();

    expect(results.map((r) => [r.stream, r.status, r.error])).toEqual(
      streams.map((s) => [s, 'ok', undefined]),
    );
    const expected = expectedIds(gym, emulator.clock);
    for (const stream of streams) expect(await rawIds(stream), stream).toEqual(expected[stream]);
    expect(expected.relations.length).toBeGreaterThan(0);

    const pageSizes = new Set(urls().map((url) => url.searchParams.get('page_size')));
    expect(pageSizes).toEqual(new Set(['100']));
    const checkins = urls().filter((url) => url.pathname === '/api/check-ins/');
    expect(checkins[0]?.searchParams.get('ordering')).toBe('-check_in_datetime');
    expect(checkins.some((url) => url.searchParams.has('check_in_datetime__gte'))).toBe(false);
  });

  it('reads each page’s relations as the customers pages arrive, not after the last one', async () => {
    const { run, rawIds, emulator } = await setup();
    const events: string[] = [];
    recordUrls({
      hold: (url) => {
        if (url.pathname.endsWith('/relations/')) events.push('relations asked');
        // Customers pages slow to come, so a client that waits for the last one is plain to see.
        return url.pathname === '/api/customers/' ? setTimeout(200) : undefined;
      },
      answered: (url) => {
        if (url.pathname === '/api/customers/') events.push('customers page answered');
      },
    });
    const results = await run();

    expect(results.every((r) => r.status === 'ok')).toBe(true);
    expect(events.filter((e) => e === 'customers page answered').length).toBeGreaterThan(2);
    expect(events.indexOf('relations asked')).toBeGreaterThan(-1);
    expect(events.indexOf('relations asked')).toBeLessThan(events.lastIndexOf('customers page answered'));
    expect(await rawIds('relations')).toEqual(expectedIds(gym, emulator.clock).relations);
  });

  it('asks for a long list’s pages a few ahead of the one being read, losing none', async () => {
    const { run, rawIds, emulator } = await setup();
    let inFlight = 0;
    let most = 0;
    recordUrls({
      hold: (url) => {
        if (url.pathname !== '/api/check-ins/') return undefined;
        most = Math.max(most, ++inFlight);
        return setTimeout(20);
      },
      answered: (url) => {
        if (url.pathname === '/api/check-ins/') inFlight--;
      },
    });
    const results = await run();

    expect(results.every((r) => r.status === 'ok')).toBe(true);
    expect(most).toBeGreaterThan(1);
    expect(await rawIds('checkins')).toEqual(expectedIds(gym, emulator.clock).checkins);
  });

  it('fails relations alone when one of its calls fails, keeping every customer, and reads them all next run', async () => {
    const { run, rawIds, emulator } = await setup();
    emulator.faults.add({
      kind: 'respond',
      status: 400,
      json: { detail: 'Bad request.' },
      path: '/relations/',
    });
    const results = await run();
    expect(results.filter((r) => r.status === 'failed').map((r) => r.stream)).toEqual(['relations']);
    const expected = expectedIds(gym, emulator.clock);
    expect(await rawIds('customers')).toEqual(expected.customers);

    const asked = recordUrls();
    const retried = await run();
    expect(retried.every((r) => r.status === 'ok')).toBe(true);
    const relationCalls = asked().filter((url) => url.pathname.endsWith('/relations/'));
    expect(relationCalls.length).toBe(expected.customers.length);
    expect(await rawIds('relations')).toEqual(expected.relations);
  });

  it('re-runs without writing, reading check-ins from the gym-local date a week back and no relations', async () => {
    // 03:00 UTC is the previous evening in Chicago, so the local and UTC dates differ.
    const clock = new Date(Math.floor(gym.asOf.getTime() / DAY) * DAY + 3 * 3_600_000);
    const { run, stageAll, db, emulator } = await setup({ clock });
    await run();
    const snapshot = async () => {
      const tables: Record<string, unknown[]> = {};
      for (const model of (await stageAll()).models)
        tables[model.name] = await db.query(`select * from ${model.name} order by all`);
      return tables;
    };
    const before = await snapshot();
    const relationCalls = emulator.requestCounts.get('/api/customers/:id/relations/');

    const urls = recordUrls();
    const again = await run();
    expect(again.map((r) => [r.stream, r.status, r.written])).toEqual(streams.map((s) => [s, 'ok', 0]));
    expect(emulator.requestCounts.get('/api/customers/:id/relations/')).toBe(relationCalls);
    const weekAgo = new Date(clock.getTime() - 7 * DAY);
    const gte = urls()
      .find((url) => url.pathname === '/api/check-ins/')
      ?.searchParams.get('check_in_datetime__gte');
    expect(gte).toBe(localDate(weekAgo, gym.timeZone));
    expect(gte).not.toBe(weekAgo.toISOString().slice(0, 10));
    expect(again.find((r) => r.stream === 'checkins')?.fetched).toBe(
      gym.capitan.checkins(clock).filter((c) => c.check_in_datetime >= `${gte} 00:00:00`).length,
    );
    expect(await snapshot()).toEqual(before);
  });

  it('after the clock moves one day, writes exactly that day’s new and changed records', async () => {
    const c = gym.capitan;
    // A day on which the gym gained a customer, so the day has something new in every busy stream.
    let start = gym.asOf;
    while (
      start.getTime() + DAY < gym.horizon.getTime() &&
      c.customers(new Date(start.getTime() + DAY)).length === c.customers(start).length
    )
      start = new Date(start.getTime() + DAY);
    const next = new Date(start.getTime() + DAY);
    expect(next.getTime()).toBeLessThanOrEqual(gym.horizon.getTime());

    const { run, rawIds, emulator } = await setup({ clock: start });
    await run();
    emulator.clock = next;
    const urls = recordUrls();
    const results = await run();

    const written = Object.fromEntries(results.map((r) => [r.stream, r.written]));
    expect(written).toMatchObject({
      customers: changedIds(c.customers(start), c.customers(next)).length,
      customer_memberships: changedIds(c.memberships(start), c.memberships(next)).length,
      checkins: changedIds(c.checkins(start), c.checkins(next)).length,
      associations: changedIds(c.associations(start), c.associations(next)).length,
      association_members: changedIds(c.associationMembers(start), c.associationMembers(next)).length,
      events: changedIds(c.events(start), c.events(next)).length,
    });
    expect(written.customers).toBeGreaterThan(0);
    expect(written.checkins).toBeGreaterThan(0);
    const expected = expectedIds(gym, next);
    for (const stream of streams.filter((s) => s !== 'relations'))
      expect(await rawIds(stream), stream).toEqual(expected[stream]);

    // Relations are read again for every new or changed customer (and a rotating seventh of the rest).
    const asked = new Set(
      urls()
        .map((url) => /\/customers\/(\d+)\/relations\/$/.exec(url.pathname)?.[1])
        .filter((id) => id !== undefined),
    );
    for (const id of changedIds(c.customers(start), c.customers(next))) expect(asked.has(id), id).toBe(true);
    expect(asked.size).toBeLessThan(c.customers(next).length / 3);
    for (const id of await rawIds('relations')) expect(expected.relations).toContain(id);
  });

  it('reads relations only for changed customers and a daily seventh of the rest, every customer within a week', async () => {
    const c = gym.capitan;
    const { run, rawIds, emulator } = await setup();
    await run();
    const everAsked = new Set<string>();
    let previous = emulator.clock;
    const firstDay = new Date(gym.asOf.getTime() + DAY);
    for (let day = 1; day <= 7; day++) {
      emulator.clock = new Date(gym.asOf.getTime() + day * DAY);
      const urls = recordUrls();
      const results = await run();
      expect(results.every((r) => r.status === 'ok')).toBe(true);
      const asked = urls()
        .map((url) => /\/customers\/(\d+)\/relations\/$/.exec(url.pathname)?.[1])
        .filter((id) => id !== undefined);
      expect(new Set(asked).size).toBe(asked.length);
      for (const id of changedIds(c.customers(previous), c.customers(emulator.clock)))
        expect(asked).toContain(id);
      expect(asked.length).toBeLessThan(c.customers(emulator.clock).length / 3);
      for (const id of asked) everAsked.add(id);
      vi.restoreAllMocks();
      previous = emulator.clock;
    }
    expect([...everAsked].sort()).toEqual(expectedIds(gym, emulator.clock).customers);
    // Every relation that existed on the first day has been read by the seventh, and nothing else.
    const stored = await rawIds('relations');
    expect(stored).toEqual(expect.arrayContaining(expectedIds(gym, firstDay).relations));
    expect(expectedIds(gym, emulator.clock).relations).toEqual(expect.arrayContaining(stored));
  });

  describe('Capitan’s throttle of about 10 requests a second', () => {
    /** The tiny gym with its first 15 customers only, so the relations calls stay few. */
    const fewCustomers = (): SandboxDataset => {
      const keep = new Set(
        gym.capitan
          .customers(gym.asOf)
          .slice(0, 15)
          .map((c) => c.id),
      );
      return {
        ...gym,
        capitan: {
          ...gym.capitan,
          customers: (clock) => gym.capitan.customers(clock).filter((c) => keep.has(c.id)),
        },
      };
    };

    it('is never hit when the client paces itself at the default CAPITAN_REQUESTS_PER_SECOND', async () => {
      const dataset = fewCustomers();
      const client = Number(settings.find((s) => s.name === 'CAPITAN_REQUESTS_PER_SECOND')!.default);
      const opened = await open(dataset, gym.asOf, { emulator: 10, client });
      const started = Date.now();
      const results = await opened.run();
      const seconds = (Date.now() - started) / 1000;
      expect(results.every((r) => r.status === 'ok')).toBe(true);
      expect(opened.logs.filter((l) => l.includes('429'))).toEqual([]);
      const requests = opened.emulator.totalRequests();
      expect(requests).toBeGreaterThan(30);
      // Paced: the run cannot have been quicker than its requests allow.
      expect(seconds).toBeGreaterThanOrEqual((requests - 1) / client);
      expect(await opened.rawIds('customers')).toEqual(
        dataset.capitan
          .customers(gym.asOf)
          .map((c) => String(c.id))
          .sort(),
      );
    });

    it('waits out the 429s of a client that asks faster, as Retry-After says, and loses nothing', async () => {
      const dataset = fewCustomers();
      const opened = await open(dataset, gym.asOf, { emulator: 10, client: 40 });
      const results = await opened.run();
      expect(results.every((r) => r.status === 'ok')).toBe(true);
      const throttled = opened.logs.filter((l) =>
        /retry \d in \d+ ms after: .*429.*Request was throttled/.test(l),
      );
      expect(throttled.length).toBeGreaterThan(0);
      for (const stream of ['customers', 'checkins', 'relations'] as const)
        expect(await opened.rawIds(stream)).toEqual(expectedIds(dataset, gym.asOf)[stream]);
    });
  });

  it('rides out 429 with Retry-After, 5xx, a dropped connection and a malformed page', async () => {
    const { run, rawIds, emulator, logs } = await setup();
    emulator.faults.add(
      { kind: 'status', status: 429, retryAfter: 1, path: '/api/customers/' },
      { kind: 'status', status: 502, path: '/api/customer-memberships/' },
      { kind: 'drop', path: '/api/check-ins/' },
      { kind: 'malformed', path: '/relations/' },
    );
    const results = await run();
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    expect(emulator.faults.fired.map((f) => f.kind)).toEqual(['status', 'status', 'drop', 'malformed']);
    const waited = /^capitan\/customers: retry 1 in (\d+) ms after: GET .* answered 429/.exec(logs[0] ?? '');
    expect(Number(waited?.[1])).toBeGreaterThanOrEqual(1000);
    const expected = expectedIds(gym, emulator.clock);
    for (const stream of streams) expect(await rawIds(stream), stream).toEqual(expected[stream]);
  });

  it('reports a truncated check-ins page as that stream failing while the others complete', async () => {
    const { run, rawIds, emulator } = await setup();
    emulator.faults.add({ kind: 'truncate', path: '/api/check-ins/' });
    const results = await run();
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.stream)).toEqual(['checkins']);
    const total = gym.capitan.checkins(emulator.clock).length;
    expect(failed[0]?.error).toBe(
      `check-ins/: received ${total - 50} of the ${total} records the API counted (a page came back short)`,
    );
    const expected = expectedIds(gym, emulator.clock);
    for (const stream of streams.filter((s) => s !== 'checkins'))
      expect(await rawIds(stream), stream).toEqual(expected[stream]);

    // The failed window was not marked done, so the next run reads all check-ins again.
    const retried = await run();
    expect(retried.find((r) => r.stream === 'checkins')).toMatchObject({ status: 'ok', since: undefined });
    expect(await rawIds('checkins')).toEqual(expected.checkins);
  });

  it('rejects a check-in whose time is not Capitan local time, with the reason, and keeps the rest', async () => {
    const broken = gym.capitan.checkins(gym.asOf).at(-1)!;
    const dataset: SandboxDataset = {
      ...gym,
      capitan: {
        ...gym.capitan,
        checkins: (clock) =>
          gym.capitan
            .checkins(clock)
            .map((c) => (c.id === broken.id ? { ...c, check_in_datetime: '2026-11-19T20:03:43Z' } : c)),
      },
    };
    const { run, db } = await setup({ dataset });
    const results = await run();
    expect(results.find((r) => r.stream === 'checkins')).toMatchObject({
      status: 'ok',
      rejected: 1,
      written: gym.capitan.checkins(gym.asOf).length - 1,
    });
    expect(await db.query('select source, stream, record_id, reason from rejected_records')).toEqual([
      {
        source: 'capitan',
        stream: 'checkins',
        record_id: String(broken.id),
        reason: 'check_in_datetime: expected Capitan local time YYYY-MM-DDTHH:MM:SS.ffffff',
      },
    ]);
  });

  describe('staging', () => {
    // One membership comes back without an end date and one frozen, as Capitan shows them, and one
    // member check-in is on a 2-week pass (sold as a membership, so checked in as MEM).
    const openEnded = () =>
      gym.capitan.memberships(gym.asOf).find((m) => m.status === 'ACT' && m.all_customers.length > 1)!;
    const frozen = () =>
      gym.capitan.memberships(gym.asOf).find((m) => m.status === 'ACT' && m.id !== openEnded().id)!;
    const twoWeekPass = () => gym.capitan.checkins(gym.asOf).find((c) => c.entry_method === 'MEM')!;

    let built: Awaited<ReturnType<typeof openCapitan>> & { result: Awaited<ReturnType<typeof stage>> };
    let dir: string;

    beforeAll(async () => {
      const unfreeze = localDate(new Date(gym.asOf.getTime() + 20 * DAY), gym.timeZone);
      const [openEndedId, frozenId, twoWeekId] = [openEnded().id, frozen().id, twoWeekPass().id];
      const dataset: SandboxDataset = {
        ...gym,
        capitan: {
          ...gym.capitan,
          memberships: (clock) =>
            gym.capitan.memberships(clock).map((m) => {
              if (m.id === openEndedId) return { ...m, end_date: null };
              if (m.id === frozenId)
                return { ...m, status: 'FRZ' as const, membership_unfreeze_date: unfreeze };
              return m;
            }),
          checkins: (clock) =>
            gym.capitan
              .checkins(clock)
              .map((c) =>
                c.id === twoWeekId ? { ...c, entry_method_description: '2-Week Climbing Pass' } : c,
              ),
        },
      };
      dir = await mkdtemp(path.join(os.tmpdir(), 'basin-test-'));
      const opened = await openCapitan(dir, dataset);
      await opened.run();
      built = { ...opened, result: await opened.stageAll() };
    });

    afterAll(async () => {
      await built?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('builds every table with every record, all dates parsed', async () => {
      const { result } = built;
      const c = gym.capitan;
      const at = gym.asOf;
      const rows = Object.fromEntries(result.models.map((m) => [m.name, m.rows]));
      expect(rows).toEqual({
        stg_capitan__customers: c.customers(at).length,
        stg_capitan__memberships: c.memberships(at).length,
        stg_capitan__members: c.memberships(at).reduce((n, m) => n + m.all_customers.length, 0),
        stg_capitan__membership_members: c.memberships(at).reduce((n, m) => n + m.all_customers.length, 0),
        // One fetched version of each membership so far.
        stg_capitan__membership_statuses: c.memberships(at).length,
        stg_capitan__checkins: c.checkins(at).length,
        stg_capitan__associations: c.associations(at).length,
        stg_capitan__association_members: c.associationMembers(at).length,
        stg_capitan__events: c.events(at).length,
        stg_capitan__relations: expectedIds(gym, at).relations.length,
      });
      expect(result.unparsedDates).toEqual([]);
    });

    it('keeps every customer, kids without email or phone included, with the phone from `telephone`', async () => {
      const { db } = built;
      const customers = gym.capitan.customers(gym.asOf);
      const minors = new Set(
        gym.truth.records
          .filter((r) => gym.truth.people.find((p) => p.person_id === r.person_id)?.is_minor)
          .map((r) => r.record_id),
      );
      const kidsWithoutContact = customers.filter(
        (c) => minors.has(`capitan:customer:${c.id}`) && !c.email && !c.telephone,
      );
      expect(kidsWithoutContact.length).toBeGreaterThan(0);
      const rows = await db.query(
        'select customer_id, first_name, last_name, email, phone, birthday_raw from stg_capitan__customers',
      );
      const byId = new Map(rows.map((row) => [row.customer_id, row]));
      for (const kid of kidsWithoutContact) {
        expect(byId.get(String(kid.id))).toEqual({
          customer_id: String(kid.id),
          first_name: kid.first_name,
          last_name: kid.last_name,
          email: null,
          phone: null,
          birthday_raw: kid.birthday,
        });
      }
      const withPhone = customers.find((c) => c.telephone)!;
      expect(byId.get(String(withPhone.id))?.phone).toBe(withPhone.telephone);
    });

    it('names the membership instance and the plan apart, keeps open-ended memberships, zeroes frozen projections', async () => {
      const { db } = built;
      const membership = openEnded();
      const [row] = await db.query(
        'select membership_plan_id, end_date, end_date_raw, projected_amount::double as projected from stg_capitan__memberships where membership_id = $id',
        { id: String(membership.id) },
      );
      expect(row).toEqual({
        membership_plan_id: String(membership.membership_id),
        end_date: null,
        end_date_raw: null,
        projected: membership.billing_amount,
      });
      expect(String(membership.id)).not.toBe(String(membership.membership_id));

      const members = await db.query(
        'select membership_id, membership_plan_id, customer_id, member_id, is_owner from stg_capitan__members where membership_id = $id order by member_id',
        { id: String(membership.id) },
      );
      expect(members).toEqual(
        [...membership.all_customers]
          .sort((a, b) => a.member_id - b.member_id)
          .map((m) => ({
            membership_id: String(membership.id),
            membership_plan_id: String(membership.membership_id),
            customer_id: String(m.id),
            member_id: String(m.member_id),
            is_owner: m.id === membership.owner_id,
          })),
      );

      const [frozenRow] = await db.query(
        'select status, is_frozen, projected_amount::double as projected from stg_capitan__memberships where membership_id = $id',
        { id: String(frozen().id) },
      );
      expect(frozenRow).toEqual({ status: 'FRZ', is_frozen: true, projected: 0 });
    });

    it('dates an evening check-in on its Chicago day, and parses passes one consistent way', async () => {
      const { db } = built;
      const checkins = gym.capitan.checkins(gym.asOf);
      // After 19:00 in Chicago it is already tomorrow in UTC.
      const evening = checkins.find((c) => Number(c.check_in_datetime.slice(11, 13)) >= 19)!;
      const [row] = await db.query(
        'select checked_in_at, checkin_local_date::varchar as local_date from stg_capitan__checkins where checkin_id = $id',
        { id: String(evening.id) },
      );
      const checkedInAt = row?.checked_in_at as Date;
      expect(row?.local_date).toBe(evening.check_in_datetime.slice(0, 10));
      expect(localWallClock(checkedInAt, gym.timeZone)).toBe(evening.check_in_datetime.slice(0, 19));
      expect(checkedInAt.toISOString().slice(0, 10) > evening.check_in_datetime.slice(0, 10)).toBe(true);

      const passes = await db.query(`
        select entry_method_description as description, is_day_pass, is_guest_pass, is_two_week_pass,
               is_transferred_pass, pass_purchaser_name, passes_remaining
        from stg_capitan__checkins`);
      const kinds = (test: (p: (typeof passes)[number]) => boolean) => passes.filter(test).length;
      expect(kinds((p) => p.is_guest_pass === true)).toBeGreaterThan(0);
      expect(kinds((p) => p.is_transferred_pass === true)).toBeGreaterThan(0);
      const twoWeekPasses = passes.filter((p) => p.is_two_week_pass === true);
      expect(twoWeekPasses.length).toBeGreaterThan(0);
      for (const pass of twoWeekPasses)
        expect(pass).toEqual(
          expect.objectContaining({ description: '2-Week Climbing Pass', is_day_pass: false }),
        );
      expect(kinds((p) => p.is_day_pass === true && (p.is_guest_pass || p.is_two_week_pass) === true)).toBe(
        0,
      );
      expect(kinds((p) => /day pass|punch pass/i.test(String(p.description)) && p.is_day_pass !== true)).toBe(
        0,
      );

      // The purchaser is the full name as typed on the pass, which need not match their customer record.
      for (const pass of passes.filter((p) => p.is_guest_pass === true))
        expect(pass.description).toBe(`Guest Pass from ${pass.pass_purchaser_name}`);
      for (const pass of passes.filter((p) => p.is_transferred_pass === true)) {
        expect(
          String(pass.description).endsWith(
            ` from ${pass.pass_purchaser_name} (${pass.passes_remaining} remaining)`,
          ),
        ).toBe(true);
      }
      for (const pass of passes.filter((p) => / from /.test(String(p.description))))
        expect(pass.pass_purchaser_name).not.toBeNull();
      for (const pass of passes.filter((p) => /\(\d+ remaining\)$/.test(String(p.description))))
        expect(String(pass.description)).toContain(`(${pass.passes_remaining} remaining)`);
    });

    it('spells out parent and child for CHI and PRE relations', async () => {
      const { db } = built;
      const rows = await db.query(
        'select customer_id, related_customer_id, relation, parent_customer_id, child_customer_id from stg_capitan__relations',
      );
      expect(new Set(rows.map((r) => r.relation))).toEqual(new Set(['CHI', 'PRE', 'SIB']));
      for (const r of rows) {
        const [parent, child] =
          r.relation === 'CHI'
            ? [r.customer_id, r.related_customer_id]
            : r.relation === 'PRE'
              ? [r.related_customer_id, r.customer_id]
              : [null, null];
        expect([r.parent_customer_id, r.child_customer_id]).toEqual([parent, child]);
      }
    });
  });
});
