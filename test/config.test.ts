import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { renderEnvExample } from '../src/env-example.ts';
import { ConfigError } from '../src/errors.ts';
import { settings } from '../src/settings.ts';
import { useTempDirs } from './support/temp-dir.ts';

const projectRoot = path.resolve(import.meta.dirname, '..');

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  const tempDir = useTempDirs();
  const load = async (env: Record<string, string>) => loadConfig({ env, cwd: await tempDir() });

  it('skips a source with no credentials, with a one-line notice', async () => {
    const config = await load({ CAPITAN_API_TOKEN: 'tok' });
    expect(Object.keys(config.sources)).toEqual(['capitan']);
    expect(config.notices).toEqual([
      'stripe: skipped (STRIPE_API_KEY not set)',
      'square: skipped (SQUARE_ACCESS_TOKEN not set)',
      'mailchimp: skipped (MAILCHIMP_API_KEY and MAILCHIMP_AUDIENCE_ID not set)',
      'instagram: skipped (INSTAGRAM_ACCESS_TOKEN and INSTAGRAM_ACCOUNT_ID not set)',
      'facebook_ads: skipped (INSTAGRAM_ACCESS_TOKEN and FACEBOOK_ADS_ACCOUNT_ID not set)',
    ]);
    expect(config.timeZone).toBe('America/Chicago');
  });

  it('rejects a Mailchimp key without its data-centre suffix, naming the setting and hiding the value', async () => {
    const secret = 'abcdef0123456789abcdef0123456789';
    const cwd = await tempDir();
    const error = configError(() =>
      loadConfig({ env: { MAILCHIMP_API_KEY: secret, MAILCHIMP_AUDIENCE_ID: 'x1' }, cwd }),
    );
    expect(error.message).toContain('MAILCHIMP_API_KEY must end with its data-centre suffix, like -us9');
    expect(error.message).not.toContain(secret);
    expect(error.exitCode).toBe(2);
  });

  it('derives the Mailchimp URL from the key and names a missing partner setting', async () => {
    const config = await load({ MAILCHIMP_API_KEY: 'abc123-us21', MAILCHIMP_AUDIENCE_ID: 'list1' });
    expect(config.sources.mailchimp?.apiUrl).toBe('https://us21.api.mailchimp.com/3.0');
    const cwd = await tempDir();
    const error = configError(() => loadConfig({ env: { INSTAGRAM_ACCESS_TOKEN: 'IGQ-secret' }, cwd }));
    expect(error.problems).toEqual([
      'INSTAGRAM_ACCOUNT_ID or FACEBOOK_ADS_ACCOUNT_ID is required when INSTAGRAM_ACCESS_TOKEN is set',
    ]);
    expect(error.message).not.toContain('IGQ-secret');
  });

  it('rejects a lake URL that is neither a path nor s3://bucket/prefix', async () => {
    const cwd = await tempDir();
    for (const url of ['gs://bucket/prefix', 'https://example.com/lake', 's3://']) {
      const error = configError(() => loadConfig({ env: { BASIN_LAKE_URL: url }, cwd }));
      expect(error.problems).toEqual(['BASIN_LAKE_URL must be a folder path or s3://bucket/prefix']);
    }
  });

  it('resolves a local lake against the working folder and an S3 lake to a cache', async () => {
    const cwd = await tempDir();
    expect(loadConfig({ env: {}, cwd }).lake).toEqual({ kind: 'local', dir: path.join(cwd, 'data') });
    const s3 = loadConfig({
      env: { BASIN_LAKE_URL: 's3://gym-lake/prod/v1', BASIN_S3_ENDPOINT: 'http://127.0.0.1:4569' },
      cwd,
    }).lake;
    expect(s3).toEqual({
      kind: 's3',
      bucket: 'gym-lake',
      prefix: 'prod/v1',
      cacheDir: path.join(cwd, '.cache/lake/gym-lake/prod/v1'),
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4569',
    });
  });

  it('rejects an unknown time zone and a malformed Stripe key together', async () => {
    const cwd = await tempDir();
    const error = configError(() =>
      loadConfig({ env: { BASIN_TIMEZONE: 'Mars/Olympus', STRIPE_API_KEY: 'pk_live_publishable' }, cwd }),
    );
    expect(error.problems).toEqual([
      'BASIN_TIMEZONE must be an IANA time zone such as America/Chicago',
      'STRIPE_API_KEY must look like sk_live_…, rk_live_… or sk_test_… (value hidden)',
    ]);
  });

  it('reads a .env file, with the environment taking precedence', async () => {
    const cwd = await tempDir();
    await writeFile(path.join(cwd, '.env'), 'BASIN_TIMEZONE=America/Denver\nCAPITAN_API_TOKEN=from-file\n');
    const config = loadConfig({ env: { BASIN_TIMEZONE: 'America/New_York' }, cwd });
    expect(config.timeZone).toBe('America/New_York');
    expect(config.sources.capitan?.apiToken).toBe('from-file');
  });

  it('documents every setting in .env.example, as the registry renders it', async () => {
    const example = await readFile(path.join(projectRoot, '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(settings.map((s) => s.name).sort());
    // Regenerate with `npx tsx src/cli.ts config --env-example > .env.example`.
    expect(example).toBe(renderEnvExample());
  });
});

describe('README', () => {
  it('documents every setting', async () => {
    const readme = await readFile(path.join(projectRoot, 'README.md'), 'utf8');
    for (const s of settings) expect(readme).toContain(`\`${s.name}\``);
  });
});
