import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError, isEnoent } from './errors.ts';
import { isS3Url, type Setting, settings } from './settings.ts';
import { sourceConfigs } from './sources/catalog.ts';

export const sourceNames = sourceConfigs.map((source) => source.name) as [SourceName, ...SourceName[]];
type SourceConfig = (typeof sourceConfigs)[number];
export type SourceName = SourceConfig['name'];
/** Each configured source's settings, as its own folder's `config.ts` builds them. */
export type SourceSettings = {
  [C in SourceConfig as C['name']]?: ReturnType<C['build']>;
};

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

export interface AnthropicSettings {
  apiKey: string;
  baseUrl?: string;
  model: string;
}

export interface Config {
  timeZone: string;
  lake: LakeLocation;
  sources: SourceSettings;
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

  const isSet = (name: string) => Boolean(env[name]?.trim());
  // A source is switched on by its own settings; a shared one (the Meta token) alone switches on none.
  const switchedOn = sourceConfigs.filter((source) =>
    source.settings.some((s) => source.required.includes(s.name) && isSet(s.name)),
  );
  for (const source of sourceConfigs) {
    if (!switchedOn.includes(source)) {
      notices.push(`${source.name}: skipped (${source.required.join(' and ')} not set)`);
      continue;
    }
    const present = source.required.filter(isSet);
    const missing = source.required.filter((n) => !isSet(n));
    for (const name of missing) problems.push(`${name} is required when ${present.join(' and ')} is set`);
    if (missing.length === 0 && source.required.every((n) => values.has(n))) {
      (sources as Record<string, unknown>)[source.name] = source.build(get);
    }
  }
  for (const shared of new Set(sourceConfigs.flatMap((source) => sharedSettings(source)))) {
    const users = sourceConfigs.filter((source) => sharedSettings(source).includes(shared));
    if (!isSet(shared) || users.some((source) => switchedOn.includes(source))) continue;
    const own = users.flatMap((source) => source.required.filter((n) => n !== shared));
    problems.push(`${own.join(' or ')} is required when ${shared} is set`);
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

/** The settings a source requires that another part declares (the Meta token). */
function sharedSettings(source: (typeof sourceConfigs)[number]): string[] {
  return source.required.filter((name) => !source.settings.some((s) => s.name === name));
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
