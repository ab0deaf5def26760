import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxCredentials } from '../../../src/sandbox/credentials.ts';
import type { CapitanCustomer, SandboxDataset } from '../../../src/sandbox/dataset.ts';
import { createCapitanEmulator } from '../../../src/sandbox/emulators/capitan.ts';
import type { HttpEmulator } from '../../../src/sandbox/emulators/http-emulator.ts';
import { generateGym } from '../../../src/sandbox/generate.ts';

const auth = { authorization: `token ${sandboxCredentials.capitanApiToken}` };
const DAY = 86_400_000;

interface DrfPage<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

async function getPage<T>(url: string): Promise<DrfPage<T>> {
  const response = await fetch(url, { headers: auth });
  expect(response.status, url).toBe(200);
  return (await response.json()) as DrfPage<T>;
}

/** Follows `next` from the first page to the last, checking each link and the running count. */
async function pageThrough<T>(firstUrl: string, origin: string): Promise<T[]> {
  const records: T[] = [];
  let url: string | null = firstUrl;
  let count: number | undefined;
  while (url) {
    expect(url.startsWith(`${origin}/api/`)).toBe(true);
    const page: DrfPage<T> = await getPage<T>(url);
    count ??= page.count;
    expect(page.count).toBe(count);
    records.push(...page.results);
    url = page.next;
  }
  expect(records).toHaveLength(count ?? 0);
  return records;
}

function withRenderedUrls(customer: CapitanCustomer, origin: string): CapitanCustomer {
  return {
    ...customer,
    relations_url: `${origin}/api/customers/${customer.id}/relations/`,
    emergency_contacts_url: `${origin}/api/customers/${customer.id}/emergency-contacts/`,
  };
}

describe('Capitan emulator over the tiny gym', () => {
  let dataset: SandboxDataset;
  let emulator: HttpEmulator;
  let origin: string;
  let api: string;

  beforeAll(async () => {
    dataset = await generateGym({ size: 'tiny' });
    // The throttle has its own test; here the collections are read as fast as they answer.
    emulator = createCapitanEmulator(dataset, { requestsPerSecond: 100_000 });
    origin = await emulator.listen();
    api = `${origin}/api`;
  });
  afterAll(() => emulator.close());

  it('pages through every customer, with relations_url pointing at the emulator', async () => {
    const expected = dataset.capitan.customers(dataset.asOf);
    expect(expected.length).toBeGreaterThan(100);
    const customers = await pageThrough<CapitanCustomer>(`${api}/customers/?page=1&page_size=100`, origin);
    expect(customers).toEqual(expected.map((c) => withRenderedUrls(c, origin)));
  });

  it('pages through memberships (with all_customers), associations, association members and events', async () => {
    const clock = dataset.asOf;
    const memberships = await pageThrough<{ id: number; start_date: string }>(
      `${api}/customer-memberships/?page_size=100`,
      origin,
    );
    // Unasked, newest start date first, as Capitan's reference says.
    const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
    expect([...memberships].sort(byId)).toEqual([...dataset.capitan.memberships(clock)].sort(byId));
    const starts = memberships.map((m) => m.start_date);
    expect(starts).toEqual([...starts].sort().reverse());
    expect(dataset.capitan.memberships(clock).some((m) => m.all_customers.length > 1)).toBe(true);

    expect(await pageThrough(`${api}/associations/?page_size=100`, origin)).toEqual(
      dataset.capitan.associations(clock),
    );

    const members = await pageThrough<{ id: number; created_at: string }>(
      `${api}/association-members/?page_size=50&ordering=-created_at`,
      origin,
    );
    const expectedMembers = dataset.capitan.associationMembers(clock);
    expect(new Set(members.map((m) => m.id))).toEqual(new Set(expectedMembers.map((m) => m.id)));
    expect(members).toHaveLength(expectedMembers.length);
    const created = members.map((m) => m.created_at);
    expect(created).toEqual([...created].sort().reverse());

    const events = await pageThrough<{ id: number; created_at: string }>(
      `${api}/events/?page_size=100&ordering=-created_at`,
      origin,
    );
    const expectedEvents = dataset.capitan.events(clock);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(expectedEvents.map((e) => e.id)));
    expect(events).toHaveLength(expectedEvents.length);
  });

  it('pages through every check-in, ordered as asked', async () => {
    const expected = dataset.capitan.checkins(dataset.asOf);
    const checkins = await pageThrough<{ id: number; check_in_datetime: string }>(
      `${api}/check-ins/?page_size=1000&ordering=-check_in_datetime`,
      origin,
    );
    expect(checkins).toHaveLength(expected.length);
    expect(new Set(checkins.map((c) => c.id))).toEqual(new Set(expected.map((c) => c.id)));
    const times = checkins.map((c) => c.check_in_datetime);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('serves a customer and their relations by following relations_url', async () => {
    const customers = dataset.capitan.customers(dataset.asOf);
    const withRelations = customers.filter((c) => dataset.capitan.relations(c.id, dataset.asOf).length > 0);
    const without = customers.find((c) => dataset.capitan.relations(c.id, dataset.asOf).length === 0)!;
    expect(withRelations.length).toBeGreaterThan(0);

    for (const customer of [...withRelations.slice(0, 3), without]) {
      const detail = await fetch(`${api}/customers/${customer.id}/`, { headers: auth });
      const rendered = (await detail.json()) as CapitanCustomer;
      expect(rendered).toEqual(withRenderedUrls(customer, origin));
      const relations = await pageThrough(rendered.relations_url, origin);
      expect(relations).toEqual(dataset.capitan.relations(customer.id, dataset.asOf));
    }

    const unknown = Math.max(...customers.map((c) => c.id)) + 1000;
    for (const path of [`customers/${unknown}/`, `customers/${unknown}/relations/`]) {
      const response = await fetch(`${api}/${path}`, { headers: auth });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ detail: 'Not found.' });
    }
  });

  it('writes absolute next/previous links that keep the other query parameters', async () => {
    const first = await getPage(`${api}/check-ins/?page_size=7&ordering=check_in_datetime`);
    expect(first.previous).toBeNull();
    const next = new URL(first.next!);
    expect(next.origin).toBe(origin);
    expect(next.pathname).toBe('/api/check-ins/');
    expect(Object.fromEntries(next.searchParams)).toEqual({
      ordering: 'check_in_datetime',
      page: '2',
      page_size: '7',
    });
    const second = await getPage(first.next!);
    expect(Object.fromEntries(new URL(second.previous!).searchParams)).toEqual({
      ordering: 'check_in_datetime',
      page_size: '7',
    });
    const third = await getPage(second.next!);
    expect(Object.fromEntries(new URL(third.previous!).searchParams).page).toBe('2');
  });

  it('answers 404 "Invalid page." past the last page', async () => {
    const { count } = await getPage(`${api}/customers/?page_size=100`);
    const beyond = Math.ceil(count / 100) + 1;
    const response = await fetch(`${api}/customers/?page_size=100&page=${beyond}`, { headers: auth });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: 'Invalid page.' });
  });

  it('lists 10 a page unless asked, and at most 100 however many are asked for', async () => {
    expect((await getPage(`${api}/customers/`)).results).toHaveLength(10);
    const capped = await getPage(`${api}/customers/?page_size=1000`);
    expect(capped.results).toHaveLength(100);
    expect(new URL(capped.next!).searchParams.get('page_size')).toBe('1000');
  });

  it('throttles a token past 10 requests a second with 429, Retry-After and DRF’s detail', async () => {
    const throttled = createCapitanEmulator(dataset);
    const origin = await throttled.listen();
    try {
      const statuses = await Promise.all(
        Array.from({ length: 15 }, () =>
          fetch(`${origin}/api/associations/`, { headers: auth }).then(async (r) => ({
            status: r.status,
            retryAfter: r.headers.get('retry-after'),
            body: await r.json(),
          })),
        ),
      );
      expect(statuses.filter((r) => r.status === 200)).toHaveLength(10);
      const refused = statuses.filter((r) => r.status === 429);
      expect(refused).toHaveLength(5);
      expect(refused[0]).toEqual({
        status: 429,
        retryAfter: '1',
        body: { detail: 'Request was throttled. Expected available in 1 second.' },
      });
    } finally {
      await throttled.close();
    }
  });

  it('answers 502 from nginx for a huge page_size, as the real API did', async () => {
    const response = await fetch(`${api}/customers/?page_size=5000`, { headers: auth });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('502 Bad Gateway');
  });

  it('filters check-ins by check_in_datetime__gte and __lte in gym-local time', async () => {
    const all = dataset.capitan.checkins(dataset.asOf);
    const days = [...new Set(all.map((c) => c.check_in_datetime.slice(0, 10)))].sort();
    const from = days[Math.floor(days.length / 2)]!;
    const to = days[Math.floor(days.length / 2) + 3]!;

    const since = await pageThrough<{ id: number; check_in_datetime: string }>(
      `${api}/check-ins/?page_size=1000&check_in_datetime__gte=${from}`,
      origin,
    );
    const expectedSince = all.filter((c) => c.check_in_datetime >= from);
    expect(since.map((c) => c.id).sort()).toEqual(expectedSince.map((c) => c.id).sort());
    expect(since.length).toBeLessThan(all.length);

    const window = await pageThrough<{ check_in_datetime: string }>(
      `${api}/check-ins/?page_size=1000&check_in_datetime__gte=${from}&check_in_datetime__lte=${to}T23:59:59.999999`,
      origin,
    );
    expect(window).toHaveLength(
      all.filter((c) => c.check_in_datetime.slice(0, 10) >= from && c.check_in_datetime.slice(0, 10) <= to)
        .length,
    );

    const invalid = await fetch(`${api}/check-ins/?check_in_datetime__gte=yesterday`, { headers: auth });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ check_in_datetime__gte: ['Enter a valid date/time.'] });
  });

  it('shows exactly the new day of check-ins when the clock advances one day', async () => {
    // The tiny gym has about one check-in a day, so take the first day after asOf that has any.
    let before = dataset.asOf;
    let after = new Date(before.getTime() + DAY);
    while (dataset.capitan.checkins(after).length === dataset.capitan.checkins(before).length) {
      before = after;
      after = new Date(before.getTime() + DAY);
    }
    expect(after.getTime()).toBeLessThanOrEqual(dataset.horizon.getTime());
    const fetchIds = async () =>
      new Set(
        (await pageThrough<{ id: number }>(`${api}/check-ins/?page_size=1000`, origin)).map((c) => c.id),
      );

    emulator.clock = before;
    const old = await fetchIds();
    const clockResponse = await fetch(`${origin}/__sandbox/clock`, {
      method: 'PUT',
      body: JSON.stringify({ clock: after.toISOString() }),
    });
    expect(await clockResponse.json()).toEqual({ clock: after.toISOString() });
    const now = await fetchIds();
    emulator.clock = dataset.asOf;

    const added = [...now].filter((id) => !old.has(id));
    const expectedAdded = dataset.capitan
      .checkins(after)
      .filter((c) => !dataset.capitan.checkins(before).some((o) => o.id === c.id));
    expect(added.length).toBeGreaterThan(0);
    expect(added.sort()).toEqual(expectedAdded.map((c) => c.id).sort());
    expect([...old].every((id) => now.has(id))).toBe(true);
  });

  it('rejects missing and wrong tokens the way DRF does, and accepts any case of the keyword', async () => {
    const missing = await fetch(`${api}/customers/`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ detail: 'Authentication credentials were not provided.' });

    const wrong = await fetch(`${api}/customers/`, { headers: { authorization: 'token not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ detail: 'Invalid token.' });

    const bearer = await fetch(`${api}/customers/`, {
      headers: { authorization: `Bearer ${sandboxCredentials.capitanApiToken}` },
    });
    expect(bearer.status).toBe(401);

    const capitalised = await fetch(`${api}/customers/?page_size=1`, {
      headers: { authorization: `Token ${sandboxCredentials.capitanApiToken}` },
    });
    expect(capitalised.status).toBe(200);
  });
});

describe('Capitan emulator over the demo gym', () => {
  it('pages through every check-in, as many as the generator made', async () => {
    const dataset = generateGym({ size: 'demo' });
    const emulator = createCapitanEmulator(dataset, { requestsPerSecond: 100_000 });
    try {
      const origin = await emulator.listen();
      const expected = dataset.capitan.checkins(dataset.asOf);
      expect(expected.length).toBeGreaterThan(30_000);
      const checkins = await pageThrough<{ id: number }>(
        `${origin}/api/check-ins/?page_size=1000&ordering=-check_in_datetime`,
        origin,
      );
      expect(checkins).toHaveLength(expected.length);
      expect(new Set(checkins.map((c) => c.id))).toEqual(new Set(expected.map((c) => c.id)));
    } finally {
      await emulator.close();
    }
  });
});
