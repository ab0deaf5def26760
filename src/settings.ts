import { z } from 'zod';
import { defaultMaxRetryAfterSeconds } from './fetch/retry.ts';

/**
 * Every setting basin-cdp reads, in one table: `config.ts` validates them, `.env.example` and the
 * README document them, and a test keeps the three in step.
 */
export interface Setting {
  name: string;
  group:
    | 'general'
    | 'lake'
    | 'stripe'
    | 'square'
    | 'capitan'
    | 'mailchimp'
    | 'instagram'
    | 'anthropic'
    | 'offers'
    | 'audiences';
  description: string;
  /** Shown in `.env.example`; secrets get a placeholder. */
  example: string;
  secret: boolean;
  default?: string;
  schema: z.ZodType<string>;
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const nonEmpty = z.string().min(1, 'must not be empty');

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

function setting(
  group: Setting['group'],
  name: string,
  description: string,
  schema: z.ZodType<string>,
  extra: Partial<Pick<Setting, 'example' | 'secret' | 'default'>> = {},
): Setting {
  return {
    group,
    name,
    description,
    schema,
    secret: extra.secret ?? false,
    example: extra.example ?? extra.default ?? '',
    ...(extra.default === undefined ? {} : { default: extra.default }),
  };
}

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
  setting(
    'stripe',
    'STRIPE_API_KEY',
    'Stripe secret or restricted key (sk_live_…, rk_live_…, sk_test_…).',
    z
      .string()
      .regex(/^(sk|rk)_(live|test)_[A-Za-z0-9]+$/, 'must look like sk_live_…, rk_live_… or sk_test_…'),
    { secret: true },
  ),
  setting('stripe', 'STRIPE_API_URL', 'Override of the Stripe API origin (the sandbox sets it).', httpUrl),
  setting('square', 'SQUARE_ACCESS_TOKEN', 'Square production access token.', nonEmpty, { secret: true }),
  setting('square', 'SQUARE_API_URL', 'Override of the Square API origin (the sandbox sets it).', httpUrl),
  setting('capitan', 'CAPITAN_API_TOKEN', 'Capitan API token (sent as `Authorization: token …`).', nonEmpty, {
    secret: true,
  }),
  setting('capitan', 'CAPITAN_API_URL', 'Capitan API base URL.', httpUrl, {
    default: 'https://api.hellocapitan.com/api/',
  }),
  setting(
    'capitan',
    'CAPITAN_REQUESTS_PER_SECOND',
    'Requests a second to Capitan, evenly spaced: its throttle allows about 10 per token, less network jitter.',
    z.string().regex(/^[1-9]\d*$/, 'must be a whole number of requests a second'),
    { default: '9' },
  ),
  setting(
    'mailchimp',
    'MAILCHIMP_API_KEY',
    'Mailchimp Marketing API key, ending in its data-centre suffix (-us9).',
    z.string().regex(/^[0-9a-z]+-us\d{1,2}$/, 'must end with its data-centre suffix, like -us9'),
    { secret: true },
  ),
  setting(
    'mailchimp',
    'MAILCHIMP_AUDIENCE_ID',
    'The Mailchimp audience (list) id to read members from.',
    nonEmpty,
    {
      example: '6113b6f2ca',
    },
  ),
  setting('mailchimp', 'MAILCHIMP_API_URL', 'Override of the Mailchimp API base (…/3.0).', httpUrl),
  setting('instagram', 'INSTAGRAM_ACCESS_TOKEN', 'Instagram Graph API long-lived token.', nonEmpty, {
    secret: true,
  }),
  setting(
    'instagram',
    'INSTAGRAM_ACCOUNT_ID',
    'Instagram business account id.',
    z.string().regex(/^\d+$/, 'must be digits'),
    {
      example: '17841400000000000',
    },
  ),
  setting(
    'instagram',
    'META_GRAPH_URL',
    'Meta Graph API origin, for every Meta source; the version is META_GRAPH_VERSION.',
    httpUrl.refine((url) => !/\/v\d+\.\d+\/?$/.test(url), {
      error: 'must not name a version: set META_GRAPH_VERSION instead',
    }),
    { default: 'https://graph.facebook.com' },
  ),
  setting(
    'instagram',
    'META_GRAPH_VERSION',
    'Meta Graph API version for every Meta source; v25.0 is supported until 2028-07-29 (Meta’s changelog).',
    z.string().regex(/^v\d+\.\d+$/, 'must look like v25.0'),
    { default: 'v25.0' },
  ),
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
