import { z } from 'zod';
import { defaultMaxRetryAfterSeconds } from './fetch/retry.ts';
import { httpUrl, nonEmpty, type Setting, setting } from './setting.ts';
import { sourceConfigs } from './sources/catalog.ts';
import { metaGraphSettings } from './sources/meta-graph-settings.ts';

export type { Setting } from './setting.ts';

const timeZone = nonEmpty.refine(
  (value) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be an IANA time zone such as America/Chicago' },
);

const lakeUrl = nonEmpty.refine((value) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || isS3Url(value), {
  error: 'must be a folder path or s3://bucket/prefix',
});

export function isS3Url(value: string): boolean {
  return /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/.test(value);
}

/** Every setting basin-cdp reads: the general ones, each source's own, the shared Meta ones, then the rest. */
export const settings: readonly Setting[] = [
  setting('general', 'BASIN_TIMEZONE', "The gym's time zone; local dates are computed in it.", timeZone, {
    default: 'America/Chicago',
  }),
  setting(
    'general',
    'BASIN_MAX_RETRY_AFTER_SECONDS',
    'Longest Retry-After a fetch waits for; past it the stream fails and the next run retries it.',
    z.string().regex(/^[1-9]\d*$/, 'must be a whole number of seconds'),
    { default: String(defaultMaxRetryAfterSeconds) },
  ),
  setting('lake', 'BASIN_LAKE_URL', 'Where the lake lives: a folder, or s3://bucket/prefix.', lakeUrl, {
    default: 'data',
  }),
  setting('lake', 'BASIN_CACHE_DIR', 'Local cache of an S3 lake; DuckDB reads tables from here.', nonEmpty, {
    default: '.cache/lake',
  }),
  setting('lake', 'BASIN_S3_ENDPOINT', 'Endpoint of an S3-compatible store (MinIO, s3rver…).', httpUrl, {
    example: 'http://127.0.0.1:4569',
  }),
  setting('lake', 'AWS_REGION', 'Region of the S3 bucket.', nonEmpty, { default: 'us-east-1' }),
  setting('lake', 'AWS_ACCESS_KEY_ID', 'S3 access key id (else the AWS default chain).', nonEmpty, {
    secret: true,
  }),
  setting('lake', 'AWS_SECRET_ACCESS_KEY', 'S3 secret key (else the AWS default chain).', nonEmpty, {
    secret: true,
  }),
  ...sourceConfigs.flatMap((source) => source.settings),
  ...metaGraphSettings,
  setting(
    'anthropic',
    'ANTHROPIC_API_KEY',
    'Anthropic API key; without it a heuristic reads templates.',
    nonEmpty,
    {
      secret: true,
    },
  ),
  setting(
    'anthropic',
    'ANTHROPIC_BASE_URL',
    'Override of the Anthropic API origin (the sandbox sets it).',
    httpUrl,
  ),
  setting('anthropic', 'BASIN_LLM_MODEL', 'Model that reads email templates and images.', nonEmpty, {
    default: 'claude-haiku-4-5',
  }),
  setting(
    'offers',
    'BASIN_OFFER_WINDOW_DAYS',
    'Days after an email in which a recipient counts as converted.',
    z.string().regex(/^[1-9]\d{0,2}$/, 'must be a whole number of days, 1 to 999'),
    { default: '30' },
  ),
  setting(
    'audiences',
    'BASIN_SYNC_MAILCHIMP',
    'Set to 1 to sync the audiences to Mailchimp tags after the daily run publishes.',
    z.enum(['0', '1'], 'must be 0 or 1'),
    { default: '0' },
  ),
];
