import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, isEnoent } from './errors.ts';
import { isS3Url, type Setting, settings } from './settings.ts';

export const sourceNames = ['stripe', 'square', 'capitan', 'mailchimp', 'instagram'] as const;
export type SourceName = (typeof sourceNames)[number];

export type LakeLocation =
  | { kind: 'local'; dir: string }
  | {
      kind: 's3';
      bucket: string;
      prefix: string;
      cacheDir: string;
      region: string;
      endpoint?: string;
      credentials?: { accessKeyId: string; secretAccessKey: string };
    };

export interface StripeSettings {
  apiKey: string;
  apiUrl?: string;
}
export interface SquareSettings {
  accessToken: string;
  apiUrl?: string;
}
export interface CapitanSettings {
  apiToken: string;
  apiUrl: string;
  /** Every request is paced to this, Capitan's throttle being about 10 a second. */
  requestsPerSecond: number;
}
export interface MailchimpSettings {
  apiKey: string;
  audienceId: string;
  apiUrl: string;
}
/** Where Meta's Graph API answers, shared by every Meta source (Instagram now, Facebook Ads next). */
export interface MetaGraphSettings {
  /** The origin, e.g. `https://graph.facebook.com`. */
  url: string;
  /** `v25.0`; a version past its end of life is answered as the oldest one still supported. */
  version: string;
}
export interface InstagramSettings {
  accessToken: string;
  accountId: string;
  graph: MetaGraphSettings;
}
export interface AnthropicSettings {
  apiKey: string;
  baseUrl?: string;
  model: string;
}

export interface Config {
  timeZone: string;
  lake: LakeLocation;
  sources: {
    stripe?: StripeSettings;
    square?: SquareSettings;
    capitan?: CapitanSettings;
    mailchimp?: MailchimpSettings;
    instagram?: InstagramSettings;
  };
  anthropic?: AnthropicSettings;
  llmModel: string;
  /** Days after an email in which a recipient's purchase counts as a conversion. */
  offerWindowDays: number;
  /** `BASIN_MAX_RETRY_AFTER_SECONDS`, in milliseconds. */
  maxRetryAfterMs: number;
  /** Sync the audiences to Mailchimp tags after the daily run publishes (`BASIN_SYNC_MAILCHIMP=1`). */
  syncMailchimp: boolean;
  /** One line per source left out for lack of credentials. */
  notices: string[];
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** A dotenv file whose values apply where the environment has none; absent is fine. */
  envFile?: string;
  /** Relative lake and cache paths resolve against this folder. */
  cwd?: string;
}

/** Reads settings from the environment and an optional `.env`, validating every one. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const fromFile = readEnvFile(path.resolve(cwd, options.envFile ?? '.env'));
  const env = { ...fromFile, ...(options.env ?? process.env) };
  const problems: string[] = [];
  const values = new Map<string, string>();

  for (const s of settings) {
    const raw = env[s.name]?.trim();
    if (raw === undefined || raw === '') {
      if (s.default !== undefined) values.set(s.name, s.default);
      continue;
    }
    const parsed = s.schema.safeParse(raw);
    if (parsed.success) values.set(s.name, parsed.data);
    else problems.push(describeProblem(s, parsed.error.issues[0]?.message));
  }

  const get = (name: string) => values.get(name);
  const notices: string[] = [];
  const sources: Config['sources'] = {};

  const requireAll = (source: SourceName, names: string[]): string[] | undefined => {
    const present = names.filter((n) => env[n]?.trim());
    if (present.length === 0) {
      notices.push(`${source}: skipped (${names.join(' and ')} not set)`);
      return undefined;
    }
    const missing = names.filter((n) => !env[n]?.trim());
    for (const name of missing) problems.push(`${name} is required when ${present.join(' and ')} is set`);
    if (missing.length > 0 || names.some((n) => !values.has(n))) return undefined;
    return names.map((n) => values.get(n)!);
  };

  const stripe = requireAll('stripe', ['STRIPE_API_KEY']);
  if (stripe) sources.stripe = withOptional({ apiKey: stripe[0]! }, 'apiUrl', get('STRIPE_API_URL'));

  const square = requireAll('square', ['SQUARE_ACCESS_TOKEN']);
  if (square) sources.square = withOptional({ accessToken: square[0]! }, 'apiUrl', get('SQUARE_API_URL'));

  const capitan = requireAll('capitan', ['CAPITAN_API_TOKEN']);
  if (capitan) {
    const requestsPerSecond = Number(get('CAPITAN_REQUESTS_PER_SECOND'));
    sources.capitan = { apiToken: capitan[0]!, apiUrl: get('CAPITAN_API_URL')!, requestsPerSecond };
  }

  const mailchimp = requireAll('mailchimp', ['MAILCHIMP_API_KEY', 'MAILCHIMP_AUDIENCE_ID']);
  if (mailchimp) {
    const [apiKey, audienceId] = mailchimp as [string, string];
    const dataCentre = apiKey.slice(apiKey.lastIndexOf('-') + 1);
    const apiUrl = get('MAILCHIMP_API_URL') ?? `https://${dataCentre}.api.mailchimp.com/3.0`;
    sources.mailchimp = { apiKey, audienceId, apiUrl };
  }

  const instagram = requireAll('instagram', ['INSTAGRAM_ACCESS_TOKEN', 'INSTAGRAM_ACCOUNT_ID']);
  if (instagram) {
    const [accessToken, accountId] = instagram as [string, string];
    const graph = { url: get('META_GRAPH_URL')!, version: get('META_GRAPH_VERSION')! };
    sources.instagram = { accessToken, accountId, graph };
  }

  const llmModel = get('BASIN_LLM_MODEL')!;
  const anthropicKey = get('ANTHROPIC_API_KEY');
  const anthropic = anthropicKey
    ? withOptional({ apiKey: anthropicKey, model: llmModel }, 'baseUrl', get('ANTHROPIC_BASE_URL'))
    : undefined;

  const lake = lakeLocation(get, cwd, problems);
  if (problems.length > 0 || !lake) throw new ConfigError(problems);

  return {
    timeZone: get('BASIN_TIMEZONE')!,
    lake,
    sources,
    ...(anthropic ? { anthropic } : {}),
    llmModel,
    offerWindowDays: Number(get('BASIN_OFFER_WINDOW_DAYS')),
    maxRetryAfterMs: Number(get('BASIN_MAX_RETRY_AFTER_SECONDS')) * 1000,
    syncMailchimp: get('BASIN_SYNC_MAILCHIMP') === '1',
    notices,
  };
}

function lakeLocation(get: (name: string) => string | undefined, cwd: string, problems: string[]) {
  const url = get('BASIN_LAKE_URL');
  if (url === undefined) return undefined;
  if (!isS3Url(url)) return { kind: 'local', dir: path.resolve(cwd, url) } satisfies LakeLocation;

  const [bucket = '', ...rest] = url.slice('s3://'.length).split('/');
  const prefix = rest.filter(Boolean).join('/');
  const accessKeyId = get('AWS_ACCESS_KEY_ID');
  const secretAccessKey = get('AWS_SECRET_ACCESS_KEY');
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    problems.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  }
  const location: LakeLocation = {
    kind: 's3',
    bucket,
    prefix,
    cacheDir: path.resolve(cwd, get('BASIN_CACHE_DIR')!, bucket, prefix),
    region: get('AWS_REGION')!,
    ...(get('BASIN_S3_ENDPOINT') ? { endpoint: get('BASIN_S3_ENDPOINT')! } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  };
  return location;
}

function describeProblem(s: Setting, message = 'is invalid'): string {
  // The value itself is never echoed: a malformed setting is often a pasted secret.
  return `${s.name} ${message}${s.secret ? ' (value hidden)' : ''}`;
}

function withOptional<T extends object, K extends string>(
  base: T,
  key: K,
  value: string | undefined,
): T & Partial<Record<K, string>> {
  return value === undefined ? base : { ...base, [key]: value };
}

function readEnvFile(file: string): Record<string, string> {
  try {
    return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (error) {
    if (isEnoent(error)) return {};
    throw new ConfigError([`${file} could not be read as a dotenv file: ${(error as Error).message}`]);
  }
}

/** The configured sources, for `--only` and progress lines. */
export function configuredSources(config: Config): SourceName[] {
  return sourceNames.filter((name) => config.sources[name] !== undefined);
}
