import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDataset } from '../../../src/sandbox/dataset.ts';
import {
  apiNames,
  formatEmulatorBanner,
  type RunningEmulators,
  startEmulators,
} from '../../../src/sandbox/emulators/index.ts';
import { generateGym } from '../../../src/sandbox/generate.ts';

const SETTINGS = [
  'STRIPE_API_KEY',
  'STRIPE_API_URL',
  'SQUARE_ACCESS_TOKEN',
  'SQUARE_API_URL',
  'CAPITAN_API_TOKEN',
  'CAPITAN_API_URL',
  'CAPITAN_REQUESTS_PER_SECOND',
  'MAILCHIMP_API_KEY',
  'MAILCHIMP_AUDIENCE_ID',
  'MAILCHIMP_API_URL',
  'INSTAGRAM_ACCESS_TOKEN',
  'INSTAGRAM_ACCOUNT_ID',
  'FACEBOOK_ADS_ACCOUNT_ID',
  'META_GRAPH_URL',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'BASIN_TIMEZONE',
] as const;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('startEmulators', () => {
  let dataset: SandboxDataset;
  let running: RunningEmulators;

  beforeAll(async () => {
    dataset = await generateGym({ size: 'tiny' });
    running = await startEmulators(dataset);
  });
  afterAll(() => running.close());

  it('starts all six APIs on distinct local ports', () => {
    expect(Object.keys(running.emulators).sort()).toEqual([...apiNames].sort());
    const urls = apiNames.map((name) => running.urls[name]);
    for (const url of urls) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(urls).size).toBe(6);
  });

  it('exports every product setting, pointing at the emulators with the sandbox credentials', async () => {
    const { env, urls } = running;
    expect(Object.keys(env).sort()).toEqual([...SETTINGS].sort());
    expect(env.STRIPE_API_URL).toBe(urls.stripe);
    expect(env.SQUARE_API_URL).toBe(urls.square);
    expect(env.CAPITAN_API_URL).toBe(`${urls.capitan}/api/`);
    expect(env.MAILCHIMP_API_URL).toBe(`${urls.mailchimp}/3.0`);
    expect(env.MAILCHIMP_API_KEY).toMatch(/-us\d+$/);
    expect(env.META_GRAPH_URL).toBe(urls.instagram);
    expect(env.ANTHROPIC_BASE_URL).toBe(urls.anthropic);
    expect(env.BASIN_TIMEZONE).toBe(dataset.timeZone);
  });

  it('answers authenticated requests on every API using only the exported settings', async () => {
    const env = running.env as Record<(typeof SETTINGS)[number], string>;
    const mailchimpBasic = Buffer.from(`any:${env.MAILCHIMP_API_KEY}`).toString('base64');
    const requests: Record<(typeof apiNames)[number], () => Promise<Response>> = {
      stripe: () =>
        fetch(`${env.STRIPE_API_URL}/v1/customers?limit=1`, {
          headers: { authorization: `Bearer ${env.STRIPE_API_KEY}` },
        }),
      square: () =>
        fetch(`${env.SQUARE_API_URL}/v2/locations`, {
          headers: { authorization: `Bearer ${env.SQUARE_ACCESS_TOKEN}` },
        }),
      capitan: () =>
        fetch(`${env.CAPITAN_API_URL}customers/?page_size=1`, {
          headers: { authorization: `token ${env.CAPITAN_API_TOKEN}` },
        }),
      mailchimp: () =>
        fetch(`${env.MAILCHIMP_API_URL}/lists/${env.MAILCHIMP_AUDIENCE_ID}`, {
          headers: { authorization: `Basic ${mailchimpBasic}` },
        }),
      instagram: () =>
        fetch(
          `${env.META_GRAPH_URL}/v25.0/${env.INSTAGRAM_ACCOUNT_ID}?fields=username&access_token=${env.INSTAGRAM_ACCESS_TOKEN}`,
        ),
      anthropic: () =>
        fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
          method: 'POST',
          headers: {
            'x-api-key': env.ANTHROPIC_API_KEY,
            'anthropic-version': '2023-06-01',
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            model: 'claude-3-haiku-20240307',
            max_tokens: 50,
            messages: [{ role: 'user', content: 'Hello' }],
          }),
        }),
    };
    for (const name of apiNames) {
      const response = await requests[name]();
      expect(response.status, name).toBe(200);
      await response.body?.cancel();
    }
  });

  it('moves every emulator clock together', async () => {
    const later = new Date(dataset.asOf.getTime() + 86_400_000);
    running.setClock(later);
    for (const name of apiNames) {
      const body = (await (await fetch(`${running.urls[name]}/__sandbox/clock`)).json()) as { clock: string };
      expect(body.clock, name).toBe(later.toISOString());
    }
    running.setClock(dataset.asOf);
  });

  it('prints a banner whose export lines a shell can evaluate', () => {
    const banner = formatEmulatorBanner(running);
    for (const name of apiNames) expect(banner).toContain(running.urls[name]);
    const exports = banner.split('\n').filter((line) => line.startsWith('export '));
    expect(exports).toHaveLength(SETTINGS.length);
    const printed = execFileSync('bash', ['-c', `${exports.join('\n')}\nenv`], { env: {}, encoding: 'utf8' });
    const seen = Object.fromEntries(
      printed
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    for (const [key, value] of Object.entries(running.env)) expect(seen[key], key).toBe(value);
  });

  it('listens on requested ports and closes them all', async () => {
    const port = await freePort();
    const other = await startEmulators(dataset, { ports: { capitan: port } });
    expect(other.urls.capitan).toBe(`http://127.0.0.1:${port}`);
    await other.close();
    for (const name of apiNames) await expect(fetch(`${other.urls[name]}/__sandbox/clock`)).rejects.toThrow();
  });

  it('rejects when a requested port is taken', async () => {
    const taken = new URL(running.urls.mailchimp).port;
    await expect(startEmulators(dataset, { ports: { mailchimp: Number(taken) } })).rejects.toThrow(
      /EADDRINUSE/,
    );
  });
});
