import { z } from 'zod';
import { sandboxCredentials } from '../credentials.ts';
import type { SandboxDataset, SquareCustomer } from '../dataset.ts';
import {
  type EmulatorRequest,
  type EmulatorResponse,
  HttpEmulator,
  type Route,
  type RouteHandler,
} from './http-emulator.ts';
import { compareKeyed, memoizeByClock, type SortKey } from './paging.ts';

export interface SquareEmulatorOptions {
  clock?: Date;
  apiKey?: string;
  /**
   * Square's payment and refund lists are eventually consistent: "new payments or changes to payments
   * might take several seconds to appear". A record shows in a list only this long after it was made;
   * retrieving it by id, and the ids other records name, show it at once.
   */
  listLagMs?: number;
}

interface SquareError {
  category: 'AUTHENTICATION_ERROR' | 'INVALID_REQUEST_ERROR';
  code: string;
  detail: string;
  field?: string;
}

/** Thrown inside handlers; becomes Square's `{ errors: [...] }` response. */
class SquareRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: SquareError,
  ) {
    super(error.detail);
  }
}

type SortOrder = 'ASC' | 'DESC';

interface Keyed<T> {
  record: T;
  key: SortKey;
  id: string;
}

const YEAR_MS = 365 * 86_400_000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Square's v2 API for what the fetchers read: locations, payments, orders (search and batch
 * retrieve), refunds and customers, with Square's defaults, opaque cursors and error shape, so the
 * official `square` SDK's pagers work unmodified.
 */
export function createSquareEmulator(
  dataset: SandboxDataset,
  options: SquareEmulatorOptions = {},
): HttpEmulator {
  const token = options.apiKey ?? sandboxCredentials.squareAccessToken;
  const lagMs = options.listLagMs ?? 0;
  const listedBy = (clock: Date) => (record: { created_at: string }) =>
    Date.parse(record.created_at) <= clock.getTime() - lagMs;
  const square = dataset.square;
  const payments = sortableView((clock) => square.payments(clock));
  const orders = sortableView((clock) => square.orders(clock));
  const refunds = sortableView((clock) => square.refunds(clock));
  const customers = sortableView((clock) => square.customers(clock));
  const mainLocationId = () => square.locations()[0]?.id;

  const routes: Route[] = [
    get('/v2/locations', () => ({ locations: square.locations() })),
    get('/v2/locations/:id', (req) => ({
      location: findById(square.locations(), req.params.id!, 'Location'),
    })),

    get('/v2/payments', (req) => {
      const q = queryReader(req.query);
      rejectUnsupported(q, [
        'last_4',
        'card_brand',
        'is_offline_payment',
        'offline_begin_time',
        'offline_end_time',
      ]);
      const range = timeRange(q, 'begin_time', 'end_time', req.clock);
      const updated = optionalTimeRange(q, 'updated_at_begin_time', 'updated_at_end_time');
      // Square lists only the seller's main location unless asked for another.
      const locationId = q.get('location_id') ?? mainLocationId();
      const total = q.integer('total');
      const sortField = q.oneOf('sort_field', ['CREATED_AT', 'UPDATED_AT'], 'CREATED_AT');
      const order = sortOrder(q);
      const listed = payments(req.clock, sortField === 'CREATED_AT' ? 'created_at' : 'updated_at', order);
      const visible = listedBy(req.clock);
      const selected = listed.filter(
        ({ record: p }) =>
          visible(p) &&
          inRange(p.created_at, range) &&
          (!updated || inRange(p.updated_at, updated)) &&
          p.location_id === locationId &&
          (total === undefined || p.total_money.amount === total),
      );
      return withList({}, 'payments', pageOf(selected, order, q.get('cursor'), pageLimit(q, 100, 'cap')));
    }),
    get('/v2/payments/:id', (req) => ({
      payment: findById(square.payments(req.clock), req.params.id!, 'Payment'),
    })),

    post('/v2/orders/search', (req) => {
      const body = parseBody(searchOrdersSchema, req);
      const filter = body.query?.filter;
      rejectUnsupportedFilters(filter);
      const sort = body.query?.sort;
      const sortField = sort?.sort_field ?? 'CREATED_AT';
      const range = orderTimeRange(filter?.date_time_filter, sortField);
      const field = sortField.toLowerCase() as 'created_at' | 'updated_at' | 'closed_at';
      const locations = new Set(body.location_ids);
      const states = filter?.state_filter?.states;
      const customerIds = filter?.customer_filter?.customer_ids;
      // Sorting by a timestamp only lists orders that have it (open orders have no closed_at).
      const order = sort?.sort_order ?? 'DESC';
      const listed = orders(req.clock, field, order);
      const selected = listed.filter(
        ({ record: o }) =>
          locations.has(o.location_id) &&
          (!range || inRange(o[field], range)) &&
          (!states || states.includes(o.state)) &&
          (!customerIds || (o.customer_id !== undefined && customerIds.includes(o.customer_id))),
      );
      const limit = body.limit ?? 500;
      const page = pageOf(selected, order, body.cursor, limit);
      if (!body.return_entries) return withList({}, 'orders', page);
      const entries = page.records.map((o) => ({ order_id: o.id, location_id: o.location_id }));
      return withList({}, 'order_entries', { records: entries, cursor: page.cursor });
    }),
    post('/v2/orders/batch-retrieve', (req) => {
      const body = parseBody(batchRetrieveSchema, req);
      // Square ignores ids it does not know rather than failing the batch.
      const byId = new Map(square.orders(req.clock).map((o) => [o.id, o]));
      const found = body.order_ids.flatMap((id) => {
        const order = byId.get(id);
        return order && (!body.location_id || order.location_id === body.location_id) ? [order] : [];
      });
      return found.length > 0 ? { orders: found } : {};
    }),
    get('/v2/orders/:id', (req) => ({ order: findById(square.orders(req.clock), req.params.id!, 'Order') })),

    get('/v2/refunds', (req) => {
      const q = queryReader(req.query);
      rejectUnsupported(q, ['source_type']);
      const range = timeRange(q, 'begin_time', 'end_time', req.clock);
      const updated = optionalTimeRange(q, 'updated_at_begin_time', 'updated_at_end_time');
      const locationId = q.get('location_id');
      const status = q.get('status');
      const sortField = q.oneOf('sort_field', ['CREATED_AT', 'UPDATED_AT'], 'CREATED_AT');
      const order = sortOrder(q);
      const listed = refunds(req.clock, sortField === 'CREATED_AT' ? 'created_at' : 'updated_at', order);
      const visible = listedBy(req.clock);
      const selected = listed.filter(
        ({ record: r }) =>
          visible(r) &&
          inRange(r.created_at, range) &&
          (!updated || inRange(r.updated_at, updated)) &&
          (!locationId || r.location_id === locationId) &&
          (!status || r.status === status),
      );
      return withList({}, 'refunds', pageOf(selected, order, q.get('cursor'), pageLimit(q, 100, 'cap')));
    }),
    get('/v2/refunds/:id', (req) => ({
      refund: findById(square.refunds(req.clock), req.params.id!, 'Refund'),
    })),

    get('/v2/customers', (req) => {
      const q = queryReader(req.query);
      const sortField = q.oneOf('sort_field', ['DEFAULT', 'CREATED_AT'], 'DEFAULT');
      const order = q.oneOf('sort_order', ['ASC', 'DESC'], 'ASC');
      const listed = customers(req.clock, sortField === 'DEFAULT' ? 'name' : 'created_at', order);
      const page = pageOf(listed, order, q.get('cursor'), pageLimit(q, 100, 'reject'));
      const count = q.get('count') === 'true' ? { count: listed.length } : {};
      return withList(count, 'customers', page);
    }),
    post('/v2/customers/search', (req) => {
      const body = parseBody(searchCustomersSchema, req);
      const filter = body.query?.filter ?? {};
      for (const name of Object.keys(filter)) {
        if (name !== 'created_at' && name !== 'updated_at')
          throw invalid('INVALID_VALUE', `The sandbox does not support ${name}.`, `query.filter.${name}`);
      }
      const created = filter.created_at && searchRange(filter.created_at, 'created_at');
      const updated = filter.updated_at && searchRange(filter.updated_at, 'updated_at');
      const sortField = body.query?.sort?.field ?? 'DEFAULT';
      const order = body.query?.sort?.order ?? 'ASC';
      const listed = customers(req.clock, sortField === 'DEFAULT' ? 'name' : 'created_at', order);
      const selected = listed.filter(
        ({ record: c }) =>
          hasPublicProfile(c) &&
          (!created || inRange(c.created_at, created)) &&
          (!updated || inRange(c.updated_at, updated)),
      );
      const limit = body.limit ?? 100;
      if (limit < 1) throw invalid('VALUE_TOO_LOW', `The limit must be at least 1, got ${limit}.`, 'limit');
      if (limit > 100)
        throw invalid('VALUE_TOO_HIGH', `The limit must be at most 100, got ${limit}.`, 'limit');
      const page = pageOf(selected, order, body.cursor, limit);
      return withList(body.count ? { count: selected.length } : {}, 'customers', page);
    }),
    get('/v2/customers/:id', (req) => ({
      customer: findById(square.customers(req.clock), req.params.id!, 'Customer'),
    })),
  ];

  return new HttpEmulator({
    name: 'square',
    routes,
    clock: options.clock ?? dataset.asOf,
    authenticate: (req) => {
      if (req.headers.authorization === `Bearer ${token}`) return undefined;
      return errorResponse(401, {
        category: 'AUTHENTICATION_ERROR',
        code: 'UNAUTHORIZED',
        detail: req.headers.authorization
          ? 'This request could not be authorized.'
          : 'Your request did not include an `Authorization` http header with an access token.',
      });
    },
    notFound: (req) =>
      errorResponse(404, {
        category: 'INVALID_REQUEST_ERROR',
        code: 'NOT_FOUND',
        detail: `API endpoint for URL path \`${req.path}\` and HTTP method \`${req.method}\` is not found.`,
      }),
  });
}

// ---------- Views and paging ----------

type SortableField<T> = { [K in keyof T]: T[K] extends string | undefined ? K : never }[keyof T] | 'name';

/**
 * A clock's records sorted on demand by one field and direction, each sort computed once per clock.
 * `name` sorts customers as Square's DEFAULT order does: by given then family name.
 */
function sortableView<T extends { id: string }>(records: (clock: Date) => T[]) {
  const perClock = memoizeByClock((clock) => ({
    records: records(clock),
    sorted: new Map<string, Keyed<T>[]>(),
  }));
  return (clock: Date, field: SortableField<T>, order: SortOrder): Keyed<T>[] => {
    const view = perClock(clock);
    const cacheKey = `${String(field)}:${order}`;
    let sorted = view.sorted.get(cacheKey);
    if (!sorted) {
      sorted = view.records
        .map((record) => ({ record, key: sortKey(record, field), id: record.id }))
        .filter((keyed): keyed is Keyed<T> => keyed.key !== undefined)
        .sort(order === 'ASC' ? compareKeyed : (a, b) => compareKeyed(b, a));
      view.sorted.set(cacheKey, sorted);
    }
    return sorted;
  };
}

/** Undefined when the record lacks the field, as open orders lack `closed_at`. */
function sortKey<T>(record: T, field: SortableField<T>): SortKey | undefined {
  if (field === 'name') {
    const r = record as {
      given_name?: string;
      family_name?: string;
      email_address?: string;
      phone_number?: string;
    };
    const name = `${r.given_name ?? ''} ${r.family_name ?? ''}`.trim();
    return (name || r.email_address || r.phone_number || '').toLowerCase();
  }
  const value = record[field as keyof T];
  return typeof value === 'string' ? Date.parse(value) : undefined;
}

/** Keyset paging: the cursor names the last record served, so records created meanwhile shift nothing. */
function pageOf<T>(
  listed: Keyed<T>[],
  order: SortOrder,
  cursor: string | undefined,
  limit: number,
): { records: T[]; cursor?: string } {
  let start = 0;
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    const direction = order === 'ASC' ? 1 : -1;
    start = listed.findIndex((keyed) => direction * compareKeyed(keyed, after) > 0);
    if (start < 0) start = listed.length;
  }
  const slice = listed.slice(start, start + limit);
  const last = slice[slice.length - 1];
  const more = start + limit < listed.length;
  return {
    records: slice.map((keyed) => keyed.record),
    ...(more && last
      ? { cursor: Buffer.from(JSON.stringify([last.key, last.id])).toString('base64url') }
      : {}),
  };
}

function decodeCursor(cursor: string): { key: SortKey; id: string } {
  try {
    const [key, id] = z
      .tuple([z.union([z.number(), z.string()]), z.string()])
      .parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { key, id };
  } catch {
    throw invalid('INVALID_CURSOR', 'The pagination cursor is invalid.', 'cursor');
  }
}

/** Square omits empty lists and the cursor of the last page. */
function withList(
  base: Record<string, unknown>,
  name: string,
  page: { records: unknown[]; cursor?: string },
): Record<string, unknown> {
  return {
    ...base,
    ...(page.records.length > 0 ? { [name]: page.records } : {}),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

function findById<T extends { id: string }>(records: T[], id: string, kind: string): T {
  const found = records.find((r) => r.id === id);
  if (!found)
    throw new SquareRequestError(404, {
      category: 'INVALID_REQUEST_ERROR',
      code: 'NOT_FOUND',
      detail: `${kind} not found for id ${id}.`,
    });
  return found;
}

// ---------- Parameters ----------

interface TimeRange {
  start?: number;
  end?: number;
  /** Order searches include their end; the list endpoints leave it out (see `inRange`). */
  endInclusive?: boolean;
}

/**
 * Start inclusive, as Square documents for every range. Square documents an inclusive end only for
 * order searches; the list endpoints' end is taken as exclusive, so consecutive fetch windows neither
 * overlap nor leave gaps.
 */
function inRange(timestamp: string | undefined, range: TimeRange): boolean {
  if (timestamp === undefined) return false;
  const t = Date.parse(timestamp);
  const beforeEnd =
    range.end === undefined || t < range.end || (range.endInclusive === true && t === range.end);
  return (range.start === undefined || t >= range.start) && beforeEnd;
}

/** Square's list defaults: from one year before now, up to now. */
function timeRange(q: QueryReader, beginParam: string, endParam: string, clock: Date): TimeRange {
  const start = parseTime(q.get(beginParam), beginParam) ?? clock.getTime() - YEAR_MS;
  const end = parseTime(q.get(endParam), endParam) ?? clock.getTime();
  if (start > end)
    throw invalid('INVALID_TIME_RANGE', `${beginParam} must not be after ${endParam}.`, beginParam);
  return { start, end };
}

function optionalTimeRange(q: QueryReader, beginParam: string, endParam: string): TimeRange | undefined {
  const start = parseTime(q.get(beginParam), beginParam);
  const end = parseTime(q.get(endParam), endParam);
  return start === undefined && end === undefined ? undefined : { start, end };
}

function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!RFC3339.test(value)) throw invalid('INVALID_TIME', `Invalid RFC 3339 timestamp: ${value}`, field);
  return Date.parse(value);
}

function sortOrder(q: QueryReader): SortOrder {
  return q.oneOf('sort_order', ['ASC', 'DESC'], 'DESC');
}

/** Payments and refunds quietly cap an oversized limit; customers reject it. */
function pageLimit(q: QueryReader, max: number, oversized: 'cap' | 'reject'): number {
  const limit = q.integer('limit');
  if (limit === undefined) return max;
  if (limit < 1) throw invalid('VALUE_TOO_LOW', `The limit must be at least 1, got ${limit}.`, 'limit');
  if (limit <= max) return limit;
  if (oversized === 'cap') return max;
  throw invalid('VALUE_TOO_HIGH', `The limit must be at most ${max}, got ${limit}.`, 'limit');
}

type QueryReader = ReturnType<typeof queryReader>;

function queryReader(query: URLSearchParams) {
  return {
    get: (name: string): string | undefined => query.get(name) ?? undefined,
    has: (name: string): boolean => query.has(name),
    integer(name: string): number | undefined {
      const value = query.get(name);
      if (value === null) return undefined;
      if (!/^-?\d+$/.test(value)) throw invalid('INVALID_VALUE', `Expected an integer for ${name}.`, name);
      return Number(value);
    },
    oneOf<V extends string>(name: string, allowed: readonly V[], fallback: V): V {
      const value = query.get(name);
      if (value === null) return fallback;
      if (!(allowed as readonly string[]).includes(value)) {
        throw invalid('INVALID_ENUM_VALUE', `Expected ${name} to be one of ${allowed.join(', ')}.`, name);
      }
      return value as V;
    },
  };
}

/** Filters the sandbox has no data for are refused rather than silently ignored. */
function rejectUnsupported(q: QueryReader, names: string[]): void {
  for (const name of names) {
    if (q.has(name))
      throw invalid('INVALID_VALUE', `The sandbox does not support filtering by ${name}.`, name);
  }
}

function rejectUnsupportedFilters(
  filter: { source_filter?: unknown; fulfillment_filter?: unknown } | undefined,
) {
  for (const name of ['source_filter', 'fulfillment_filter'] as const) {
    if (filter?.[name] !== undefined) {
      throw invalid('INVALID_VALUE', `The sandbox does not support ${name}.`, `query.filter.${name}`);
    }
  }
}

/**
 * Square allows one time range per search, on the same field the results are sorted by; a filter on
 * `created_at` with the default sort is what the fetchers send.
 */
function orderTimeRange(
  filter: z.infer<typeof dateTimeFilterSchema> | undefined,
  sortField: string,
): TimeRange | undefined {
  const fields = Object.entries(filter ?? {}).filter(([, range]) => range !== undefined);
  if (fields.length > 1) {
    throw invalid('INVALID_VALUE', 'Only one time range may be set in a date_time_filter.', 'query.filter');
  }
  const [field, range] = fields[0] ?? [];
  if (!field || !range) return undefined;
  if (field.toUpperCase() !== sortField) {
    throw invalid(
      'INVALID_VALUE',
      `A date_time_filter on ${field} requires query.sort.sort_field ${field.toUpperCase()}.`,
      'query.sort.sort_field',
    );
  }
  return {
    start: parseTime(range.start_at, `query.filter.date_time_filter.${field}.start_at`),
    end: parseTime(range.end_at, `query.filter.date_time_filter.${field}.end_at`),
    endInclusive: true,
  };
}

const timeRangeSchema = z.object({ start_at: z.string().optional(), end_at: z.string().optional() });
const dateTimeFilterSchema = z.object({
  created_at: timeRangeSchema.optional(),
  updated_at: timeRangeSchema.optional(),
  closed_at: timeRangeSchema.optional(),
});
const orderStateSchema = z.enum(['OPEN', 'COMPLETED', 'CANCELED', 'DRAFT']);

const searchCustomersSchema = z.object({
  cursor: z.string().optional(),
  limit: z.number().int().optional(),
  count: z.boolean().optional(),
  query: z
    .object({
      filter: z
        .looseObject({ created_at: timeRangeSchema.optional(), updated_at: timeRangeSchema.optional() })
        .optional(),
      sort: z
        .object({
          field: z.enum(['DEFAULT', 'CREATED_AT']).optional(),
          order: z.enum(['ASC', 'DESC']).optional(),
        })
        .optional(),
    })
    .optional(),
});

/** SearchCustomers only returns and counts profiles with a name, company, email or phone. */
function hasPublicProfile(customer: SquareCustomer & { company_name?: string }): boolean {
  return Boolean(
    customer.given_name ||
      customer.family_name ||
      customer.company_name ||
      customer.email_address ||
      customer.phone_number,
  );
}

/** A customer search's time range: both ends inclusive, as for order searches. */
function searchRange(range: z.infer<typeof timeRangeSchema>, field: string): TimeRange {
  return {
    start: parseTime(range.start_at, `query.filter.${field}.start_at`),
    end: parseTime(range.end_at, `query.filter.${field}.end_at`),
    endInclusive: true,
  };
}

const searchOrdersSchema = z.object({
  location_ids: z.array(z.string()).min(1).max(10),
  cursor: z.string().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  return_entries: z.boolean().optional(),
  query: z
    .object({
      filter: z
        .object({
          state_filter: z.object({ states: z.array(orderStateSchema).min(1) }).optional(),
          date_time_filter: dateTimeFilterSchema.optional(),
          customer_filter: z.object({ customer_ids: z.array(z.string()).min(1) }).optional(),
          source_filter: z.unknown().optional(),
          fulfillment_filter: z.unknown().optional(),
        })
        .optional(),
      sort: z
        .object({
          sort_field: z.enum(['CREATED_AT', 'UPDATED_AT', 'CLOSED_AT']),
          sort_order: z.enum(['ASC', 'DESC']).optional(),
        })
        .optional(),
    })
    .optional(),
});

const batchRetrieveSchema = z.object({
  location_id: z.string().optional(),
  order_ids: z.array(z.string()).min(1).max(100),
});

function parseBody<S extends z.ZodType>(schema: S, req: EmulatorRequest): z.infer<S> {
  let body: unknown;
  try {
    body = req.json();
  } catch {
    throw invalid('BAD_REQUEST', 'The request body is not valid JSON.');
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.');
  throw invalid(
    issue.code === 'too_big' ? 'VALUE_TOO_HIGH' : 'INVALID_VALUE',
    `${field}: ${issue.message}`,
    field,
  );
}

// ---------- Responses ----------

function invalid(code: string, detail: string, field?: string): SquareRequestError {
  return new SquareRequestError(400, {
    category: 'INVALID_REQUEST_ERROR',
    code,
    detail,
    ...(field ? { field } : {}),
  });
}

function errorResponse(status: number, error: SquareError): EmulatorResponse {
  return { status, json: { errors: [error] } };
}

function handled(handler: (req: EmulatorRequest) => unknown): RouteHandler {
  return (req) => {
    try {
      return { status: 200, json: handler(req) };
    } catch (error) {
      if (error instanceof SquareRequestError) return errorResponse(error.status, error.error);
      throw error;
    }
  };
}

function get(pattern: string, handler: (req: EmulatorRequest) => unknown): Route {
  return { method: 'GET', pattern, handler: handled(handler) };
}

function post(pattern: string, handler: (req: EmulatorRequest) => unknown): Route {
  return { method: 'POST', pattern, handler: handled(handler) };
}
