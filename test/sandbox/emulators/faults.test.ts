import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sandboxCredentials } from '../../../src/sandbox/credentials.ts';
import type { SandboxDataset } from '../../../src/sandbox/dataset.ts';
import { createCapitanEmulator } from '../../../src/sandbox/emulators/capitan.ts';
import type { FaultInput } from '../../../src/sandbox/emulators/faults.ts';
import type { HttpEmulator } from '../../../src/sandbox/emulators/http-emulator.ts';
import { createInstagramEmulator } from '../../../src/sandbox/emulators/instagram.ts';
import { createMailchimpEmulator } from '../../../src/sandbox/emulators/mailchimp.ts';
import { generateGym } from '../../../src/sandbox/generate.ts';

const capitanAuth = { authorization: `token ${sandboxCredentials.capitanApiToken}` };
const mailchimpAuth = {
  authorization: `Basic ${Buffer.from(`anystring:${sandboxCredentials.mailchimpApiKey}`).toString('base64')}`,
};

describe('fault injection', () => {
  let dataset: SandboxDataset;
  let capitan: HttpEmulator;
  let mailchimp: HttpEmulator;
  let instagram: HttpEmulator;
  let capitanUrl: string;
  let mailchimpUrl: string;
  let instagramUrl: string;

  beforeAll(async () => {
    dataset = await generateGym({ size: 'tiny' });
    // Many requests at once; Capitan's throttle is tested on its own.
    capitan = createCapitanEmulator(dataset, { requestsPerSecond: 100_000 });
    mailchimp = createMailchimpEmulator(dataset);
    instagram = createInstagramEmulator(dataset);
    [capitanUrl, mailchimpUrl, instagramUrl] = await Promise.all([
      capitan.listen(),
      mailchimp.listen(),
      instagram.listen(),
    ]);
  });
  afterEach(() => {
    for (const emulator of [capitan, mailchimp, instagram]) emulator.faults.clear();
  });
  afterAll(() => Promise.all([capitan.close(), mailchimp.close(), instagram.close()]));

  const customers = (query = 'page_size=10') =>
    fetch(`${capitanUrl}/api/customers/?${query}`, { headers: capitanAuth });
  const inject = (emulator: HttpEmulator, ...faults: FaultInput[]) => emulator.faults.add(...faults);

  it('answers 429 with Retry-After, then serves normally once the fault is spent', async () => {
    inject(capitan, { kind: 'status', status: 429, retryAfter: 7 });
    const limited = await customers();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    await limited.body?.cancel();
    expect((await customers()).status).toBe(200);
  });

  it.each([500, 502, 503] as const)('answers an injected %i', async (status) => {
    inject(capitan, { kind: 'status', status });
    const response = await customers();
    expect(response.status).toBe(status);
    await response.body?.cancel();
    expect((await customers()).status).toBe(200);
  });

  it('delays the response by at least the configured time and still answers correctly', async () => {
    inject(capitan, { kind: 'delay', ms: 300 });
    const started = performance.now();
    const response = await customers();
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { results: unknown[] }).results).toHaveLength(10);
    expect(elapsed).toBeGreaterThanOrEqual(300);
  });

  it('drops the connection so that fetch rejects', async () => {
    inject(capitan, { kind: 'drop' });
    await expect(customers()).rejects.toThrow();
    expect((await customers()).status).toBe(200);
  });

  it('sends a 200 whose body is not valid JSON', async () => {
    inject(capitan, { kind: 'malformed' });
    const response = await customers();
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('truncates a Capitan page: fewer results than page_size while count and next stay', async () => {
    const whole = (await (await customers()).json()) as { count: number; next: string; results: unknown[] };
    inject(capitan, { kind: 'truncate' });
    const cut = (await (await customers()).json()) as typeof whole;
    expect(whole.results).toHaveLength(10);
    expect(cut.results.length).toBeLessThan(10);
    expect(cut.results.length).toBeGreaterThan(0);
    expect(cut.count).toBe(whole.count);
    expect(cut.next).toBe(whole.next);
    expect(cut.results).toEqual(whole.results.slice(0, cut.results.length));
  });

  it('truncates a Mailchimp page while total_items stays', async () => {
    const url = `${mailchimpUrl}/3.0/lists/${sandboxCredentials.mailchimpAudienceId}/members?count=20`;
    const whole = (await (await fetch(url, { headers: mailchimpAuth })).json()) as {
      members: unknown[];
      total_items: number;
    };
    inject(mailchimp, { kind: 'truncate', path: '/members' });
    const cut = (await (await fetch(url, { headers: mailchimpAuth })).json()) as typeof whole;
    expect(whole.members).toHaveLength(20);
    expect(cut.members.length).toBeLessThan(20);
    expect(cut.total_items).toBe(whole.total_items);
  });

  it('truncates an Instagram page while paging.next stays', async () => {
    const id = dataset.instagram.account(dataset.asOf).id;
    const url = `${instagramUrl}/v25.0/${id}/media?limit=10&access_token=${sandboxCredentials.instagramAccessToken}`;
    const whole = (await (await fetch(url)).json()) as { data: unknown[]; paging: { next: string } };
    inject(instagram, { kind: 'truncate' });
    const cut = (await (await fetch(url)).json()) as typeof whole;
    expect(whole.data).toHaveLength(10);
    expect(cut.data.length).toBeLessThan(10);
    expect(cut.paging.next).toBe(whole.paging.next);
  });

  it('fires a rule exactly `times` times', async () => {
    inject(capitan, { kind: 'status', status: 500, times: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await customers();
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses).toEqual([500, 500, 500, 200, 200]);
  });

  it('applies a rule only to requests whose path and method match', async () => {
    inject(capitan, { kind: 'status', status: 503, path: '/check-ins/' });
    inject(capitan, { kind: 'status', status: 502, path: '/customers/', method: 'POST' });
    const other = await customers();
    expect(other.status).toBe(200);
    await other.body?.cancel();
    const checkins = await fetch(`${capitanUrl}/api/check-ins/?page_size=5`, { headers: capitanAuth });
    expect(checkins.status).toBe(503);
    await checkins.body?.cancel();
    expect(capitan.faults.fired).toContainEqual(
      expect.objectContaining({ status: 503, path: '/check-ins/' }),
    );
  });

  it('takes faults over HTTP at /__sandbox/faults, and clears them with DELETE', async () => {
    const post = await fetch(`${capitanUrl}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify([{ kind: 'status', status: 503, retryAfter: 1, times: 2, path: '/customers/' }]),
    });
    expect(post.status).toBe(200);
    const firedBefore = ((await post.json()) as { fired: number }).fired;

    const first = await customers();
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    await first.body?.cancel();

    const status = (await (await fetch(`${capitanUrl}/__sandbox/faults`)).json()) as { fired: number };
    expect(status.fired).toBe(firedBefore + 1);

    expect((await fetch(`${capitanUrl}/__sandbox/faults`, { method: 'DELETE' })).status).toBe(200);
    expect((await customers()).status).toBe(200);
  });

  it('reads and moves the clock over HTTP at /__sandbox/clock', async () => {
    const read = (await (await fetch(`${capitanUrl}/__sandbox/clock`)).json()) as { clock: string };
    expect(read.clock).toBe(dataset.asOf.toISOString());

    const earlier = new Date(dataset.asOf.getTime() - 30 * 86_400_000);
    const put = await fetch(`${capitanUrl}/__sandbox/clock`, {
      method: 'PUT',
      body: JSON.stringify({ clock: earlier.toISOString() }),
    });
    expect(await put.json()).toEqual({ clock: earlier.toISOString() });
    const count = async () =>
      (
        (await (
          await fetch(`${capitanUrl}/api/check-ins/?page_size=1`, { headers: capitanAuth })
        ).json()) as {
          count: number;
        }
      ).count;
    expect(await count()).toBe(dataset.capitan.checkins(earlier).length);

    await fetch(`${capitanUrl}/__sandbox/clock`, {
      method: 'PUT',
      body: JSON.stringify({ clock: dataset.asOf.toISOString() }),
    });
    expect(await count()).toBe(dataset.capitan.checkins(dataset.asOf).length);
    expect(dataset.capitan.checkins(earlier).length).toBeLessThan(
      dataset.capitan.checkins(dataset.asOf).length,
    );
  });

  it('moves the clock mid-run with an advance fault, so records made meanwhile show from then on', async () => {
    const start = new Date(dataset.asOf.getTime() - 86_400_000);
    capitan.clock = start;
    try {
      inject(capitan, { kind: 'advance', ms: 86_400_000, path: '/api/check-ins/' });
      const count = async () =>
        (
          (await (
            await fetch(`${capitanUrl}/api/check-ins/?page_size=1`, { headers: capitanAuth })
          ).json()) as {
            count: number;
          }
        ).count;
      expect(await count()).toBe(dataset.capitan.checkins(dataset.asOf).length);
      expect(capitan.clock).toEqual(dataset.asOf);
    } finally {
      capitan.clock = dataset.asOf;
    }
  });

  it('answers with an API’s own error body through a respond fault, HTML included', async () => {
    inject(capitan, {
      kind: 'respond',
      status: 403,
      text: '<html>Access Denied</html>',
      path: '/api/customers/',
    });
    const response = await fetch(`${capitanUrl}/api/customers/`, { headers: capitanAuth });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toBe('<html>Access Denied</html>');
  });

  it('answers Mailchimp 429 to the 11th simultaneous connection', async () => {
    // Holding ten requests open with a delay makes them overlap the rest deterministically.
    inject(mailchimp, { kind: 'delay', ms: 1000, times: 10 });
    const responses = await Promise.all(
      Array.from({ length: 13 }, () =>
        fetch(`${mailchimpUrl}/3.0/campaigns?count=1`, { headers: mailchimpAuth }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(10).fill(200), 429, 429, 429]);
    const rejected = responses.find((r) => r.status === 429)!;
    expect(await rejected.json()).toMatchObject({ title: 'Too Many Requests', status: 429 });
    await Promise.all(responses.filter((r) => r !== rejected).map((r) => r.text()));

    await expect.poll(() => mailchimp.inFlight).toBe(0);
    expect((await fetch(`${mailchimpUrl}/3.0/campaigns?count=1`, { headers: mailchimpAuth })).status).toBe(
      200,
    );
  });
});
