import { createHash, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { z } from 'zod';
import { sandboxCredentials } from '../credentials.ts';
import type {
  MailchimpCampaign,
  MailchimpEmailActivity,
  MailchimpMember,
  SandboxDataset,
} from '../dataset.ts';
import { type EmulatorRequest, type EmulatorResponse, HttpEmulator, type Route } from './http-emulator.ts';

const DEFAULT_COUNT = 10;
const MAX_COUNT = 1000;
/** Mailchimp allows this many simultaneous connections per API key. */
const MAX_CONNECTIONS = 10;

const ERROR_DOC = 'https://mailchimp.com/developer/marketing/docs/errors/';

type Problem = {
  status: number;
  title: string;
  detail: string;
  errors?: { field: string; message: string }[];
};

function problem({ status, title, detail, errors }: Problem): EmulatorResponse {
  const body = {
    type: ERROR_DOC,
    title,
    status,
    detail,
    instance: randomUUID(),
    ...(errors ? { errors } : {}),
  };
  return { status, json: body, headers: { 'content-type': 'application/problem+json; charset=utf-8' } };
}

const resourceNotFound = (): EmulatorResponse =>
  problem({ status: 404, title: 'Resource Not Found', detail: 'The requested resource could not be found.' });

/**
 * Mailchimp Marketing API 3.0 under `/3.0`: Basic (or Bearer) API-key auth, `offset`/`count` paging
 * with `total_items`, problem+json errors, `fields`/`exclude_fields` projection, and the
 * ten-connections-per-key limit.
 */
export interface MailchimpEmulatorOptions {
  clock?: Date;
  apiKey?: string;
  /**
   * What `since` does to a recipient with no activity after it. The reference is silent: `listed`
   * (the default, see `filterActivitySince`) keeps them with an empty list; `omitted` leaves them out
   * while `total_items` still counts every recipient, the reading a client must survive too.
   */
  inactiveRecipientsSince?: 'listed' | 'omitted';
}

/** The page Mailchimp's edge answers a throttled key with at high volume: a bare 403, not problem+json. */
export const mailchimpEdgeThrottle = {
  status: 403,
  text: "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>You don't have permission to access this resource.</BODY></HTML>",
  contentType: 'text/html',
} as const;

export function createMailchimpEmulator(
  dataset: SandboxDataset,
  options: MailchimpEmulatorOptions = {},
): HttpEmulator {
  const apiKey = options.apiKey ?? sandboxCredentials.mailchimpApiKey;
  const mailchimp = dataset.mailchimp;

  const campaignAt = (id: string, clock: Date): MailchimpCampaign | undefined =>
    mailchimp.campaigns(clock).find((campaign) => campaign.id === id);

  const state = new MailchimpMemberState();
  const batches = new Map<string, EmulatedBatch>();
  const listed = (listId: string, clock: Date): MailchimpMember[] =>
    mailchimp.members(listId, clock).map((member) => state.apply(listId, member));
  const findMember = (listId: string, hash: string, clock: Date): MailchimpMember | undefined =>
    listed(listId, clock).find((member) => memberHash(member) === hash.toLowerCase());

  const postTags = (listId: string, hash: string, body: unknown, clock: Date): EmulatorResponse => {
    if (!mailchimp.lists(clock).some((list) => list.id === listId)) return resourceNotFound();
    if (!findMember(listId, hash, clock)) return resourceNotFound();
    const parsed = tagsBodySchema.safeParse(body);
    if (!parsed.success) return invalidResource('tags', 'Schema describes array, object found instead');
    state.changeTags(listId, hash.toLowerCase(), parsed.data.tags, clock);
    return { status: 204, bytes: new Uint8Array(), contentType: 'application/json' };
  };

  /** `PATCH /lists/{list_id}/members/{subscriber_hash}`: only `merge_fields` is honoured, checked against the list's fields. */
  const patchMember = (listId: string, hash: string, body: unknown, clock: Date): EmulatorResponse => {
    if (!mailchimp.lists(clock).some((list) => list.id === listId)) return resourceNotFound();
    const member = findMember(listId, hash, clock);
    if (!member) return resourceNotFound();
    const parsed = memberPatchSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return invalidResource(
        issue.path.join('.'),
        'Data did not match any of the schemas described in anyOf.',
      );
    }
    const values = parsed.data.merge_fields ?? {};
    const fields = state.mergeFields(listId);
    const errors = Object.entries(values).flatMap(([tag, value]) => {
      const field = fields.find((f) => f.tag === tag);
      if (!field) return [{ field: tag, message: 'This merge field does not exist.' }];
      if (field.type === 'number' && value !== '' && !Number.isFinite(Number(value)))
        return [{ field: tag, message: 'Please enter a number' }];
      if (field.type === 'date' && value !== '' && Number.isNaN(Date.parse(String(value))))
        return [{ field: tag, message: 'Please enter a date' }];
      return [];
    });
    if (errors.length > 0)
      return problem({
        status: 400,
        title: 'Invalid Resource',
        detail: 'Your merge fields were invalid.',
        errors,
      });
    state.setMergeValues(listId, hash.toLowerCase(), values);
    return ok(findMember(listId, hash, clock));
  };

  const routes: Route[] = [
    get('/3.0/ping', () => ok({ health_status: "Everything's Chimpy!" })),
    get('/3.0/campaigns', (req) => listCampaigns(req, mailchimp.campaigns(req.clock))),
    get('/3.0/campaigns/:id', (req) => {
      const campaign = campaignAt(req.params.id!, req.clock);
      return campaign ? ok(campaign) : resourceNotFound();
    }),
    get('/3.0/campaigns/:id/content', (req) => {
      const content = campaignAt(req.params.id!, req.clock) && mailchimp.content(req.params.id!);
      return content ? ok(content) : resourceNotFound();
    }),
    get('/3.0/reports/:id', (req) => {
      const report = campaignAt(req.params.id!, req.clock) && mailchimp.report(req.params.id!, req.clock);
      return report ? ok(report) : resourceNotFound();
    }),
    get('/3.0/reports/:id/email-activity', (req) => {
      const id = req.params.id!;
      if (!campaignAt(id, req.clock)) return resourceNotFound();
      const since = parseTimeParams(req.query, ['since']);
      if ('error' in since) return since.error;
      const all = mailchimp.emailActivity(id, req.clock);
      const emails = filterActivitySince(all, since.times.since);
      if (options.inactiveRecipientsSince === 'omitted' && since.times.since !== undefined) {
        const active = emails.filter((email) => email.activity.length > 0);
        return page(req, active, 'emails', { campaign_id: id }, all.length);
      }
      return page(req, emails, 'emails', { campaign_id: id });
    }),
    get('/3.0/lists', (req) => page(req, mailchimp.lists(req.clock), 'lists', {})),
    get('/3.0/lists/:id', (req) => {
      const found = mailchimp.lists(req.clock).find((list) => list.id === req.params.id);
      return found ? ok(found) : resourceNotFound();
    }),
    get('/3.0/lists/:id/members', (req) => {
      const listId = req.params.id!;
      if (!mailchimp.lists(req.clock).some((list) => list.id === listId)) return resourceNotFound();
      const times = parseTimeParams(req.query, ['since_last_changed']);
      if ('error' in times) return times.error;
      const since = times.times.since_last_changed;
      const status = req.query.get('status');
      const members = listed(listId, req.clock)
        .filter((member) => (status ? member.status === status : true))
        .filter((member) => since === undefined || Date.parse(member.last_changed) >= since);
      return page(req, members, 'members', { list_id: listId });
    }),
    get('/3.0/lists/:id/members/:hash', (req) => {
      const member = findMember(req.params.id!, req.params.hash!, req.clock);
      return member ? ok(member) : resourceNotFound();
    }),
    get('/3.0/lists/:id/members/:hash/tags', (req) => {
      const member = findMember(req.params.id!, req.params.hash!, req.clock);
      if (!member) return resourceNotFound();
      return page(req, state.tagObjects(req.params.id!, req.params.hash!.toLowerCase(), member), 'tags', {});
    }),
    {
      method: 'PATCH',
      pattern: '/3.0/lists/:id/members/:hash',
      handler: (req) => patchMember(req.params.id!, req.params.hash!, parseBody(req), req.clock),
    },
    get('/3.0/lists/:id/merge-fields', (req) => {
      const listId = req.params.id!;
      if (!mailchimp.lists(req.clock).some((list) => list.id === listId)) return resourceNotFound();
      const type = req.query.get('type');
      const fields = state.mergeFields(listId).filter((f) => !type || f.type === type);
      return page(req, fields, 'merge_fields', { list_id: listId });
    }),
    {
      method: 'POST',
      pattern: '/3.0/lists/:id/merge-fields',
      handler: (req) => {
        const listId = req.params.id!;
        if (!mailchimp.lists(req.clock).some((list) => list.id === listId)) return resourceNotFound();
        const parsed = mergeFieldBodySchema.safeParse(parseBody(req));
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const field = String(issue.path[0] ?? 'name');
          return invalidResource(
            field,
            issue.code === 'invalid_type' && issue.input === undefined
              ? `Required property ${field} not found`
              : `Data did not match the schema for ${field}.`,
          );
        }
        const tag = parsed.data.tag?.toUpperCase();
        if (tag && state.mergeFields(listId).some((f) => f.tag === tag))
          return invalidResource('tag', `A Merge Field with the tag "${tag}" already exists for this list.`);
        return ok(state.addMergeField(listId, { ...parsed.data, ...(tag ? { tag } : {}) }));
      },
    },
    {
      method: 'POST',
      pattern: '/3.0/lists/:id/members/:hash/tags',
      handler: (req) => postTags(req.params.id!, req.params.hash!, parseBody(req), req.clock),
    },
    {
      method: 'POST',
      pattern: '/3.0/batches',
      handler: (req) => {
        const parsed = batchBodySchema.safeParse(parseBody(req));
        if (!parsed.success) return invalidResource('operations', 'Required property operations not found');
        const batch: EmulatedBatch = {
          id: randomUUID().replaceAll('-', '').slice(0, 10),
          status: 'pending',
          total_operations: parsed.data.operations.length,
          finished_operations: 0,
          errored_operations: 0,
          submitted_at: mailchimpTimestamp(req.clock),
          completed_at: '',
          response_body_url: '',
          archive: undefined,
        };
        batches.set(batch.id, batch);
        // Processed after the answer, as Mailchimp queues a batch: a client must poll its status.
        setTimeout(() => {
          const results = parsed.data.operations.map((operation) => {
            const tags = /^\/lists\/([^/]+)\/members\/([^/]+)\/tags$/.exec(operation.path);
            const member = /^\/lists\/([^/]+)\/members\/([^/]+)$/.exec(operation.path);
            let body: unknown = null;
            try {
              body = operation.body ? JSON.parse(operation.body) : null;
            } catch {
              body = undefined;
            }
            const method = operation.method.toUpperCase();
            const response =
              method === 'POST' && tags
                ? postTags(tags[1]!, tags[2]!, body, clockNow())
                : method === 'PATCH' && member
                  ? patchMember(member[1]!, member[2]!, body, clockNow())
                  : resourceNotFound();
            return {
              status_code: response.status,
              operation_id: operation.operation_id ?? null,
              response: 'json' in response ? JSON.stringify(response.json) : '',
            };
          });
          batch.errored_operations = results.filter((r) => r.status_code >= 400).length;
          batch.finished_operations = results.length;
          batch.archive = resultsArchive(batch.id, results);
          batch.status = 'finished';
          batch.completed_at = mailchimpTimestamp(clockNow());
          batch.response_body_url = `${emulator.url}/batch-results/${batch.id}.tar.gz`;
        }, BATCH_DELAY_MS);
        return ok(batchView(batch));
      },
    },
    get('/3.0/batches/:id', (req) => {
      const batch = batches.get(req.params.id!);
      return batch ? ok(batchView(batch)) : resourceNotFound();
    }),
    {
      method: 'GET',
      pattern: '/batch-results/:file',
      handler: async (req) => {
        const batch = batches.get(req.params.file!.replace(/\.tar\.gz$/, ''));
        if (!batch?.archive) return resourceNotFound();
        return { status: 200, bytes: await batch.archive, contentType: 'application/x-gzip' };
      },
    },
  ];

  const emulator = new HttpEmulator({
    name: 'mailchimp',
    routes,
    clock: options.clock ?? dataset.asOf,
    // The results archive is a pre-signed storage link in Mailchimp: fetched without the API key.
    authenticate: (req) => (req.path.startsWith('/batch-results/') ? undefined : authenticate(req, apiKey)),
    notFound: resourceNotFound,
    concurrency: {
      limit: MAX_CONNECTIONS,
      reject: () =>
        problem({
          status: 429,
          title: 'Too Many Requests',
          detail: `You have exceeded the limit of ${MAX_CONNECTIONS} simultaneous connections.`,
        }),
    },
  });
  const clockNow = () => emulator.clock;
  emulatorStates.set(emulator, state);
  return emulator;
}

/** A GET route whose successful answers honour `fields` and `exclude_fields`. */
function get(pattern: string, handler: (req: EmulatorRequest) => EmulatorResponse): Route {
  return {
    method: 'GET',
    pattern,
    handler: (req) => {
      const response = handler(req);
      return response.status === 200 && 'json' in response ? ok(project(response.json, req.query)) : response;
    },
  };
}

function ok(json: unknown): EmulatorResponse {
  return { status: 200, json };
}

/** Basic auth with any user name and the key as password, or `Bearer <key>` as the raw-REST code sends. */
function authenticate(req: EmulatorRequest, apiKey: string): EmulatorResponse | undefined {
  const header = req.headers.authorization ?? '';
  const [scheme = '', credential = ''] = header.trim().split(/\s+/, 2);
  let presented: string | undefined;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    presented = colon >= 0 ? decoded.slice(colon + 1) : undefined;
  } else if (scheme.toLowerCase() === 'bearer' || scheme.toLowerCase() === 'apikey') {
    presented = credential;
  }
  if (!presented) {
    return problem({
      status: 401,
      title: 'API Key Missing',
      detail: 'Your request did not include an API key.',
    });
  }
  if (presented === apiKey) return undefined;
  return problem({
    status: 401,
    title: 'API Key Invalid',
    detail: "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
  });
}

function listCampaigns(req: EmulatorRequest, all: MailchimpCampaign[]): EmulatorResponse {
  const parsed = parseTimeParams(req.query, [
    'since_send_time',
    'before_send_time',
    'since_create_time',
    'before_create_time',
  ]);
  if ('error' in parsed) return parsed.error;
  const { since_send_time, before_send_time, since_create_time, before_create_time } = parsed.times;
  const query = req.query;
  const within = (time: string, since: number | undefined, before: number | undefined): boolean => {
    const at = Date.parse(time);
    // Half-open windows [since, before) so consecutive incremental pulls neither overlap nor miss.
    return (since === undefined || at >= since) && (before === undefined || at < before);
  };
  let campaigns = all.filter(
    (c) =>
      (!query.get('type') || c.type === query.get('type')) &&
      (!query.get('status') || c.status === query.get('status')) &&
      (!query.get('list_id') || c.recipients.list_id === query.get('list_id')) &&
      within(c.send_time, since_send_time, before_send_time) &&
      within(c.create_time, since_create_time, before_create_time),
  );
  const sortField = query.get('sort_field');
  if (sortField === 'send_time' || sortField === 'create_time') {
    const sign = query.get('sort_dir')?.toUpperCase() === 'DESC' ? -1 : 1;
    campaigns = [...campaigns].sort((a, b) => sign * (Date.parse(a[sortField]) - Date.parse(b[sortField])));
  }
  return page(req, campaigns, 'campaigns', {});
}

/**
 * `since` keeps only each recipient's activity after it. The reference does not say whether
 * recipients left with none stay listed; its note on the newer activity filter (`filter_bots`:
 * "removes events from a member's activity, but never removes the member from the response") says
 * they do, so they stay, with an empty list, and `total_items` counts every recipient.
 */
function filterActivitySince(
  emails: MailchimpEmailActivity[],
  since: number | undefined,
): MailchimpEmailActivity[] {
  if (since === undefined) return emails;
  return emails.map((email) => ({
    ...email,
    activity: email.activity.filter((a) => Date.parse(a.timestamp) > since),
  }));
}

function page<T>(
  req: EmulatorRequest,
  items: T[],
  key: string,
  extra: Record<string, unknown>,
  total = items.length,
): EmulatorResponse {
  const count = Math.min(nonNegativeInt(req.query.get('count')) || DEFAULT_COUNT, MAX_COUNT);
  const offset = nonNegativeInt(req.query.get('offset'));
  return ok({ [key]: items.slice(offset, offset + count), ...extra, total_items: total });
}

function nonNegativeInt(value: string | null): number {
  return value !== null && /^\d+$/.test(value) ? Number(value) : 0;
}

/**
 * Parses ISO 8601 query values. An offset's `+` sent unencoded arrives as a space, which is read back
 * as `+` so `2025-10-21T15:41:36+00:00` works either way.
 */
function parseTimeParams<K extends string>(
  query: URLSearchParams,
  keys: K[],
): { times: Partial<Record<K, number>> } | { error: EmulatorResponse } {
  const times: Partial<Record<K, number>> = {};
  for (const key of keys) {
    const raw = query.get(key);
    if (raw === null || raw === '') continue;
    const at = Date.parse(raw.trim().replace(/ (\d{2}:?\d{2})$/, '+$1'));
    if (Number.isNaN(at)) {
      return {
        error: problem({
          status: 400,
          title: 'Invalid Resource',
          detail:
            "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
          errors: [{ field: key, message: 'This value is not a valid date.' }],
        }),
      };
    }
    times[key] = at;
  }
  return { times };
}

/** `fields` keeps only the named dotted paths and `exclude_fields` drops them; lists are traversed. */
function project(body: unknown, query: URLSearchParams): unknown {
  const fields = pathTree(query.get('fields'));
  const excluded = pathTree(query.get('exclude_fields'));
  let result = body;
  if (fields) result = keep(result, fields);
  if (excluded) result = drop(result, excluded);
  return result;
}

type PathTree = Map<string, PathTree | true>;

function pathTree(value: string | null): PathTree | undefined {
  if (!value) return undefined;
  const root: PathTree = new Map();
  for (const path of value.split(',')) {
    const segments = path.trim().split('.').filter(Boolean);
    let node = root;
    segments.forEach((segment, i) => {
      const existing = node.get(segment);
      if (existing === true) return;
      if (i === segments.length - 1) {
        node.set(segment, true);
        return;
      }
      const child: PathTree = existing ?? new Map();
      node.set(segment, child);
      node = child;
    });
  }
  return root;
}

function keep(value: unknown, tree: PathTree): unknown {
  if (Array.isArray(value)) return value.map((item) => keep(item, tree));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    if (!(key in value)) continue;
    const child = (value as Record<string, unknown>)[key];
    out[key] = sub === true ? child : keep(child, sub);
  }
  return out;
}

function drop(value: unknown, tree: PathTree): unknown {
  if (Array.isArray(value)) return value.map((item) => drop(item, tree));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const sub = tree.get(key);
    if (sub === true) continue;
    out[key] = sub ? drop(child, sub) : child;
  }
  return out;
}

/** How long a batch waits in the queue before it is processed. */
const BATCH_DELAY_MS = 50;

/** A member's subscriber hash; a member generated broken (no email) keeps its id. */
function memberHash(member: MailchimpMember): string {
  return typeof member.email_address === 'string' ? subscriberHash(member.email_address) : member.id;
}

/** Mailchimp's subscriber hash: the MD5 of the lower-cased email address. */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase()).digest('hex');
}

const tagsBodySchema = z.object({
  tags: z.array(z.object({ name: z.string().min(1).max(100), status: z.enum(['active', 'inactive']) })),
  is_syncing: z.boolean().optional(),
});

/** The merge field types of the reference's `POST /lists/{list_id}/merge-fields`. */
const MERGE_FIELD_TYPES = [
  'text',
  'number',
  'address',
  'phone',
  'date',
  'url',
  'imageurl',
  'radio',
  'dropdown',
  'birthday',
  'zip',
] as const;

const mergeFieldBodySchema = z.object({
  name: z.string().min(1),
  type: z.enum(MERGE_FIELD_TYPES),
  tag: z.string().min(1).max(10).optional(),
  required: z.boolean().optional(),
  default_value: z.string().optional(),
  public: z.boolean().optional(),
  display_order: z.number().int().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  help_text: z.string().optional(),
});

/** A list's merge field, as the reference lists it. */
export interface EmulatedMergeField {
  merge_id: number;
  tag: string;
  name: string;
  type: (typeof MERGE_FIELD_TYPES)[number];
  required: boolean;
  default_value: string;
  public: boolean;
  display_order: number;
  options: Record<string, unknown>;
  help_text: string;
  list_id: string;
}

/** The fields every new Mailchimp audience starts with. */
const DEFAULT_MERGE_FIELDS: [string, string, EmulatedMergeField['type']][] = [
  ['FNAME', 'First Name', 'text'],
  ['LNAME', 'Last Name', 'text'],
  ['ADDRESS', 'Address', 'address'],
  ['PHONE', 'Phone Number', 'phone'],
  ['BIRTHDAY', 'Birthday', 'birthday'],
];

const memberPatchSchema = z.looseObject({
  merge_fields: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

const batchBodySchema = z.object({
  operations: z.array(
    z.object({
      method: z.string(),
      path: z.string(),
      params: z.record(z.string(), z.unknown()).optional(),
      body: z.string().optional(),
      operation_id: z.string().optional(),
    }),
  ),
});

interface EmulatedBatch {
  id: string;
  status: 'pending' | 'started' | 'finished';
  total_operations: number;
  finished_operations: number;
  errored_operations: number;
  submitted_at: string;
  completed_at: string;
  response_body_url: string;
  archive: Promise<Uint8Array> | undefined;
}

function batchView({ archive: _archive, ...batch }: EmulatedBatch): Omit<EmulatedBatch, 'archive'> {
  return batch;
}

/** The results archive: a gzipped tar holding JSON files, each an array of operation results. */
async function resultsArchive(batchId: string, results: unknown[]): Promise<Uint8Array> {
  const tarball = pack();
  tarball.entry({ name: `${batchId}/`, type: 'directory' });
  tarball.entry({ name: `${batchId}/${batchId}.json` }, JSON.stringify(results));
  tarball.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tarball) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

function mailchimpTimestamp(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}+00:00`;
}

function parseBody(req: EmulatorRequest): unknown {
  try {
    return req.json();
  } catch {
    return undefined;
  }
}

function invalidResource(field: string, message: string): EmulatorResponse {
  return problem({
    status: 400,
    title: 'Invalid Resource',
    detail:
      "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
    errors: [{ field, message }],
  });
}

/**
 * What the API's writes changed on the generated members: their tags (added with the date, removed)
 * and, for tests, their status. Inspectable: `mailchimpState(emulator)`.
 */
export class MailchimpMemberState {
  private readonly tags = new Map<string, Map<string, string>>();
  private readonly statuses = new Map<string, MailchimpMember['status']>();
  private nextTagId = 1;
  private readonly tagIds = new Map<string, number>();
  private readonly listMergeFields = new Map<string, EmulatedMergeField[]>();
  private readonly mergeValues = new Map<string, Record<string, string | number>>();

  /** A list's merge fields: the defaults, then those added through the API. */
  mergeFields(listId: string): EmulatedMergeField[] {
    let fields = this.listMergeFields.get(listId);
    if (!fields) {
      fields = DEFAULT_MERGE_FIELDS.map(([tag, name, type], i) => ({
        merge_id: i + 1,
        tag,
        name,
        type,
        required: false,
        default_value: '',
        public: true,
        display_order: i + 2,
        options: {},
        help_text: '',
        list_id: listId,
      }));
      this.listMergeFields.set(listId, fields);
    }
    return fields;
  }

  addMergeField(listId: string, body: z.infer<typeof mergeFieldBodySchema>): EmulatedMergeField {
    const fields = this.mergeFields(listId);
    const mergeId = Math.max(0, ...fields.map((f) => f.merge_id)) + 1;
    const field: EmulatedMergeField = {
      merge_id: mergeId,
      tag: body.tag ?? `MMERGE${mergeId}`,
      name: body.name,
      type: body.type,
      required: body.required ?? false,
      default_value: body.default_value ?? '',
      public: body.public ?? false,
      display_order: body.display_order ?? fields.length + 2,
      options: body.options ?? {},
      help_text: body.help_text ?? '',
      list_id: listId,
    };
    fields.push(field);
    return field;
  }

  setMergeValues(listId: string, hash: string, values: Record<string, string | number>): void {
    const key = this.key(listId, hash);
    this.mergeValues.set(key, { ...this.mergeValues.get(key), ...values });
  }

  /** The merge values the API wrote on a member (cleared ones as ''). */
  mergeValuesOf(listId: string, email: string): Record<string, string | number> {
    return { ...this.mergeValues.get(this.key(listId, subscriberHash(email))) };
  }

  private key(listId: string, hash: string): string {
    return `${listId}:${hash}`;
  }

  private tagsOfKey(key: string, member?: MailchimpMember): Map<string, string> {
    let tags = this.tags.get(key);
    if (!tags) {
      tags = new Map((member?.tags ?? []).map((t) => [t.name, member?.timestamp_signup ?? '']));
      this.tags.set(key, tags);
    }
    return tags;
  }

  changeTags(
    listId: string,
    hash: string,
    changes: { name: string; status: 'active' | 'inactive' }[],
    clock: Date,
  ): void {
    const tags = this.tagsOfKey(this.key(listId, hash));
    for (const change of changes) {
      if (change.status === 'active') {
        if (!tags.has(change.name)) tags.set(change.name, mailchimpTimestamp(clock));
      } else tags.delete(change.name);
    }
  }

  /** A member's tag names, as the API would list them (sorted). */
  tagNames(listId: string, email: string): string[] {
    return [...(this.tags.get(this.key(listId, subscriberHash(email)))?.keys() ?? [])].sort();
  }

  /** Every member with a tag: email hash → its tag names. */
  allTags(listId: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [key, tags] of this.tags)
      if (key.startsWith(`${listId}:`) && tags.size > 0)
        out.set(key.slice(listId.length + 1), [...tags.keys()].sort());
    return out;
  }

  setStatus(listId: string, email: string, status: MailchimpMember['status']): void {
    this.statuses.set(this.key(listId, subscriberHash(email)), status);
  }

  tagObjects(
    listId: string,
    hash: string,
    member: MailchimpMember,
  ): { id: number; name: string; date_added: string }[] {
    return [...this.tagsOfKey(this.key(listId, hash), member)].map(([name, added]) => ({
      id: this.tagId(name),
      name,
      date_added: added,
    }));
  }

  private tagId(name: string): number {
    let id = this.tagIds.get(name);
    if (id === undefined) {
      id = this.nextTagId++;
      this.tagIds.set(name, id);
    }
    return id;
  }

  apply(listId: string, member: MailchimpMember): MailchimpMember {
    const key = this.key(listId, memberHash(member));
    const status = this.statuses.get(key) ?? member.status;
    const merged = this.mergeValues.get(key);
    if (!this.tags.has(key) && status === member.status && !merged) return member;
    const tags = this.tagsOfKey(key, member);
    return {
      ...member,
      status,
      merge_fields: { ...member.merge_fields, ...merged },
      tags: [...tags.keys()].map((name) => ({ id: this.tagId(name), name })),
    };
  }
}

const emulatorStates = new WeakMap<HttpEmulator, MailchimpMemberState>();

/** The member state of a Mailchimp emulator, for tests that assert which tags each member ends with. */
export function mailchimpState(emulator: HttpEmulator): MailchimpMemberState {
  const state = emulatorStates.get(emulator);
  if (!state) throw new Error(`${emulator.name} is not a Mailchimp emulator`);
  return state;
}
