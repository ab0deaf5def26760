import { sandboxCredentials } from '../credentials.ts';
import type { SandboxDataset } from '../dataset.ts';
import { createAnthropicEmulator } from './anthropic.ts';
import { createCapitanEmulator } from './capitan.ts';
import { facebookAdsRoutes, SANDBOX_AD_ACCOUNT_ID } from './facebook-ads.ts';
import type { HttpEmulator } from './http-emulator.ts';
import { createInstagramEmulator } from './instagram.ts';
import { createMailchimpEmulator } from './mailchimp.ts';
import { createSquareEmulator } from './square.ts';
import { createStripeEmulator } from './stripe.ts';

/**
 * One entry per emulated API: how to start it over a dataset, and the product settings (with the
 * sandbox credentials) that point the product at it. The API names, the ports and the banner derive
 * from this list; a new API appends its entry, so every earlier port stays where it was.
 */
interface EmulatorEntry<N extends string> {
  name: N;
  create(dataset: SandboxDataset, options: { clock: Date }): HttpEmulator;
  env(url: string, dataset: SandboxDataset, clock: Date): Record<string, string>;
}

function entry<const N extends string>(e: EmulatorEntry<N>): EmulatorEntry<N> {
  return e;
}

export interface RunningEmulators {
  emulators: Record<ApiName, HttpEmulator>;
  /** Each emulator's origin, `http://127.0.0.1:PORT`. */
  urls: Record<ApiName, string>;
  /** The product's settings pointing at the emulators, with the sandbox credentials. */
  env: Record<string, string>;
  /** Moves every emulator's clock, so all APIs agree on "now". */
  setClock(date: Date): void;
  close(): Promise<void>;
}

/**
 * The sandbox's Capitan allows this many requests a second, and the product is told so, so that the
 * demo's first run (one relations call for each of 11,500 customers) takes seconds, not the 20 minutes
 * the real API's 10 a second would; the tests of the throttle use the real rate.
 */
export const SANDBOX_CAPITAN_REQUESTS_PER_SECOND = 1000;

const emulatorEntries = [
  entry({
    name: 'stripe',
    create: createStripeEmulator,
    env: (url) => ({ STRIPE_API_KEY: sandboxCredentials.stripeApiKey, STRIPE_API_URL: url }),
  }),
  entry({
    name: 'square',
    create: createSquareEmulator,
    env: (url) => ({ SQUARE_ACCESS_TOKEN: sandboxCredentials.squareAccessToken, SQUARE_API_URL: url }),
  }),
  entry({
    name: 'capitan',
    create: (dataset, options) =>
      createCapitanEmulator(dataset, { ...options, requestsPerSecond: SANDBOX_CAPITAN_REQUESTS_PER_SECOND }),
    env: (url) => ({
      CAPITAN_API_TOKEN: sandboxCredentials.capitanApiToken,
      CAPITAN_API_URL: `${url}/api/`,
      CAPITAN_REQUESTS_PER_SECOND: String(SANDBOX_CAPITAN_REQUESTS_PER_SECOND),
    }),
  }),
  entry({
    name: 'mailchimp',
    create: createMailchimpEmulator,
    env: (url) => ({
      MAILCHIMP_API_KEY: sandboxCredentials.mailchimpApiKey,
      MAILCHIMP_AUDIENCE_ID: sandboxCredentials.mailchimpAudienceId,
      MAILCHIMP_API_URL: `${url}/3.0`,
    }),
  }),
  entry({
    name: 'instagram',
    // One Graph origin serves every Meta product, as graph.facebook.com does.
    create: (dataset, options) =>
      createInstagramEmulator(dataset, { ...options, graphRoutes: facebookAdsRoutes(dataset) }),
    env: (url, dataset, clock) => ({
      INSTAGRAM_ACCESS_TOKEN: sandboxCredentials.instagramAccessToken,
      INSTAGRAM_ACCOUNT_ID: dataset.instagram.account(clock).id,
      FACEBOOK_ADS_ACCOUNT_ID: SANDBOX_AD_ACCOUNT_ID,
      META_GRAPH_URL: url,
    }),
  }),
  entry({
    name: 'anthropic',
    create: createAnthropicEmulator,
    env: (url) => ({ ANTHROPIC_API_KEY: sandboxCredentials.anthropicApiKey, ANTHROPIC_BASE_URL: url }),
  }),
] as const;

export type ApiName = (typeof emulatorEntries)[number]['name'];
export const apiNames: readonly ApiName[] = emulatorEntries.map((e) => e.name);

/** Starts every API emulator on 127.0.0.1 (random ports unless given) over one dataset and clock. */
export async function startEmulators(
  dataset: SandboxDataset,
  options: { clock?: Date; ports?: Partial<Record<ApiName, number>> } = {},
): Promise<RunningEmulators> {
  const clock = options.clock ?? dataset.asOf;
  const emulators = Object.fromEntries(
    emulatorEntries.map((e) => [e.name, e.create(dataset, { clock })]),
  ) as Record<ApiName, HttpEmulator>;
  const close = async (): Promise<void> => {
    await Promise.all(apiNames.map((name) => emulators[name].close()));
  };

  const started = await Promise.allSettled(
    apiNames.map((name) => emulators[name].listen(options.ports?.[name])),
  );
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(
      apiNames.filter((_, i) => started[i]!.status === 'fulfilled').map((name) => emulators[name].close()),
    );
    throw failure.reason;
  }

  const urls = Object.fromEntries(apiNames.map((name) => [name, emulators[name].url])) as Record<
    ApiName,
    string
  >;
  return {
    emulators,
    urls,
    env: emulatorEnv(dataset, urls, clock),
    setClock: (date) => {
      for (const name of apiNames) emulators[name].clock = date;
    },
    close,
  };
}

function emulatorEnv(
  dataset: SandboxDataset,
  urls: Record<ApiName, string>,
  clock: Date,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of emulatorEntries) Object.assign(env, e.env(urls[e.name], dataset, clock));
  return { ...env, BASIN_TIMEZONE: dataset.timeZone };
}

/** What `sandbox serve` prints: where each API listens, then the settings to paste into a shell. */
export function formatEmulatorBanner(running: RunningEmulators): string {
  const width = Math.max(...apiNames.map((name) => name.length));
  const lines = ['Sandbox API emulators:'];
  for (const name of apiNames) lines.push(`  ${name.padEnd(width)}  ${running.urls[name]}`);
  lines.push('', 'Point the product at them with:');
  for (const [key, value] of Object.entries(running.env)) lines.push(`export ${key}=${shellQuote(value)}`);
  return `${lines.join('\n')}\n`;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The ports `daily --sandbox` and `sandbox serve` use: fixed, because the APIs put their own URLs
 * into payloads (`relations_url`, `media_url`), and a URL that changed every run would make an
 * unchanged record look changed.
 */
export const defaultSandboxPort = 47800;

export function consecutivePorts(first: number): Record<ApiName, number> {
  return Object.fromEntries(apiNames.map((name, i) => [name, first + i])) as Record<ApiName, number>;
}
