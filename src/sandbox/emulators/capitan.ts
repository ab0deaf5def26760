import { sandboxCredentials } from '../credentials.ts';
import type { CapitanCustomer, SandboxDataset } from '../dataset.ts';
import { type EmulatorRequest, type EmulatorResponse, HttpEmulator, type Route } from './http-emulator.ts';
import { memoizeByClock } from './paging.ts';

/**
 * "By default, collections are listed in groups of 10, but a custom page size up to 100 may be
 * specified" (https://api.hellocapitan.com/api/docs): DRF caps a larger `page_size` at 100.
 */
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;
/** Above this the real API's upstream times out and nginx answers 502 (10^10 did in production). */
const MAX_WORKING_PAGE_SIZE = 1000;
/** About 10 requests a second per token, as the original pipeline measured (its loop slept 0.11 s). */
export const CAPITAN_REQUESTS_PER_SECOND = 10;

const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n' +
  '<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

const notFound: EmulatorResponse = { status: 404, json: { detail: 'Not found.' } };

interface ListOptions<T> {
  /** Fields a client may name in `ordering` (with an optional leading `-`). */
  orderingFields?: (keyof T & string)[];
  /** The collection's own order when the client names none, as its reference page states. */
  defaultOrdering?: string;
  /** Returns a 400 body when a filter value is invalid, else narrows the list. */
  filter?: (items: T[], query: URLSearchParams) => { items: T[] } | { errors: Record<string, string[]> };
}

/**
 * Capitan's REST API (Django REST Framework): `token` auth, `page`/`page_size` paging with absolute
 * `next`/`previous` links, DRF's error bodies, and timestamps in gym-local wall-clock time.
 */
export function createCapitanEmulator(
  dataset: SandboxDataset,
  options: {
    clock?: Date;
    apiKey?: string;
    /** Requests a second before DRF's throttle answers 429 (the sandbox's demo may allow more). */
    requestsPerSecond?: number;
  } = {},
): HttpEmulator {
  const token = options.apiKey ?? sandboxCredentials.capitanApiToken;
  const capitan = dataset.capitan;

  // The relations fetcher asks once per customer, so lookups must not scan the whole list.
  const customerIndex = memoizeByClock(
    (clock) => new Map(capitan.customers(clock).map((customer) => [customer.id, customer])),
  );
  const customerById = (id: string, clock: Date): CapitanCustomer | undefined =>
    /^\d+$/.test(id) ? customerIndex(clock).get(Number(id)) : undefined;

  const routes: Route[] = [
    list('/api/customers/', (req) => capitan.customers(req.clock).map((c) => renderCustomer(c, req.origin))),
    {
      method: 'GET',
      pattern: '/api/customers/:id/',
      handler: (req) => {
        const customer = customerById(req.params.id!, req.clock);
        return customer ? { status: 200, json: renderCustomer(customer, req.origin) } : notFound;
      },
    },
    {
      method: 'GET',
      pattern: '/api/customers/:id/relations/',
      handler: (req) => {
        const customer = customerById(req.params.id!, req.clock);
        if (!customer) return notFound;
        return paginate(req, capitan.relations(customer.id, req.clock));
      },
    },
    {
      // Only parent accounts have emergency contacts and the sandbox gym records none; the route exists
      // because every customer's `emergency_contacts_url` points here.
      method: 'GET',
      pattern: '/api/customers/:id/emergency-contacts/',
      handler: (req) => (customerById(req.params.id!, req.clock) ? paginate(req, []) : notFound),
    },
    // "Results are ordered by membership start date, newest first" (…/docs/customer-memberships/).
    list('/api/customer-memberships/', (req) => capitan.memberships(req.clock), {
      orderingFields: ['id', 'created_at', 'start_date'],
      defaultOrdering: '-start_date,-id',
    }),
    // "Results are ordered by check-in time, newest first" (…/docs/check-ins/).
    list('/api/check-ins/', (req) => capitan.checkins(req.clock), {
      orderingFields: ['id', 'check_in_datetime', 'created_at'],
      defaultOrdering: '-check_in_datetime,-id',
      filter: (items, query) => filterCheckins(items, query, dataset.timeZone),
    }),
    list('/api/associations/', (req) => capitan.associations(req.clock), {
      orderingFields: ['id', 'created_at', 'name'],
    }),
    list('/api/association-members/', (req) => capitan.associationMembers(req.clock), {
      orderingFields: ['id', 'created_at', 'updated_at'],
    }),
    list('/api/events/', (req) => capitan.events(req.clock), {
      orderingFields: ['id', 'created_at', 'updated_at'],
    }),
  ];

  return new HttpEmulator({
    name: 'capitan',
    routes,
    clock: options.clock ?? dataset.asOf,
    authenticate: (req) => authenticate(req, token),
    notFound: () => notFound,
    rateLimit: {
      perSecond: options.requestsPerSecond ?? CAPITAN_REQUESTS_PER_SECOND,
      reject: throttledResponse,
    },
  });
}

/** DRF's `Throttled`: 429, `Retry-After` in whole seconds, and the wait in words. */
function throttledResponse(waitMs: number): EmulatorResponse {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return {
    status: 429,
    headers: { 'retry-after': String(seconds) },
    json: {
      detail: `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`,
    },
  };
}

function list<T>(pattern: string, load: (req: EmulatorRequest) => T[], options: ListOptions<T> = {}): Route {
  // Fetchers page one selection many times at one clock; filtering and sorting it once per selection
  // keeps paging the demo gym linear.
  let last: { key: string; selection: EmulatorResponse | T[] } | undefined;
  return {
    method: 'GET',
    pattern,
    handler: (req) => {
      const selector = new URLSearchParams(req.query);
      selector.delete('page');
      selector.delete('page_size');
      selector.sort();
      const key = `${req.clock.getTime()} ${selector}`;
      if (last?.key !== key) last = { key, selection: select(load(req), req.query, options) };
      return Array.isArray(last.selection) ? paginate(req, last.selection) : last.selection;
    },
  };
}

function select<T>(items: T[], query: URLSearchParams, options: ListOptions<T>): EmulatorResponse | T[] {
  let selected = items;
  if (options.filter) {
    const filtered = options.filter(items, query);
    if ('errors' in filtered) return { status: 400, json: filtered.errors };
    selected = filtered.items;
  }
  return order(
    selected,
    query.get('ordering') ?? options.defaultOrdering ?? null,
    options.orderingFields ?? [],
  );
}

/** DRF TokenAuthentication: the keyword is matched case-insensitively, other schemes count as absent. */
function authenticate(req: EmulatorRequest, token: string): EmulatorResponse | undefined {
  const unauthorized = (detail: string): EmulatorResponse => ({
    status: 401,
    json: { detail },
    headers: { 'www-authenticate': 'Token' },
  });
  const parts = (req.headers.authorization ?? '').trim().split(/\s+/);
  if (parts[0]?.toLowerCase() !== 'token')
    return unauthorized('Authentication credentials were not provided.');
  if (parts.length === 1) return unauthorized('Invalid token header. No credentials provided.');
  if (parts.length > 2) return unauthorized('Invalid token header. Token string should not contain spaces.');
  return parts[1] === token ? undefined : unauthorized('Invalid token.');
}

function renderCustomer(customer: CapitanCustomer, origin: string): CapitanCustomer {
  return {
    ...customer,
    relations_url: `${origin}/api/customers/${customer.id}/relations/`,
    emergency_contacts_url: `${origin}/api/customers/${customer.id}/emergency-contacts/`,
  };
}

function paginate<T>(req: EmulatorRequest, items: T[]): EmulatorResponse {
  const asked = parsePageSize(req.query.get('page_size'));
  if (asked > MAX_WORKING_PAGE_SIZE) {
    return { status: 502, bytes: Buffer.from(BAD_GATEWAY_HTML), contentType: 'text/html' };
  }

  const pageSize = Math.min(asked, MAX_PAGE_SIZE);
  const pageCount = Math.max(1, Math.ceil(items.length / pageSize));
  const pageParam = req.query.get('page') ?? '1';
  const page = pageParam === 'last' ? pageCount : /^\d+$/.test(pageParam) ? Number(pageParam) : 0;
  if (page < 1 || page > pageCount) return { status: 404, json: { detail: 'Invalid page.' } };

  const self = `${req.origin}${req.path}`;
  return {
    status: 200,
    json: {
      count: items.length,
      next: page < pageCount ? withPage(self, req.query, page + 1) : null,
      previous: page > 1 ? withPage(self, req.query, page - 1) : null,
      results: items.slice((page - 1) * pageSize, page * pageSize),
    },
  };
}

/** DRF ignores a `page_size` that is not a positive integer and falls back to the default. */
function parsePageSize(value: string | null): number {
  if (value === null || !/^\d+$/.test(value) || Number(value) === 0) return DEFAULT_PAGE_SIZE;
  return Number(value);
}

/** DRF's replace_query_param / remove_query_param: page 1 drops `page`, and the keys come out sorted. */
function withPage(base: string, query: URLSearchParams, page: number): string {
  const params = new URLSearchParams(query);
  if (page === 1) params.delete('page');
  else params.set('page', String(page));
  params.sort();
  const text = params.toString();
  return text ? `${base}?${text}` : base;
}

/** DRF OrderingFilter: unknown fields are ignored; without any ordering the dataset's order (by id) stands. */
function order<T>(items: T[], ordering: string | null, allowed: string[]): T[] {
  const keys = (ordering ?? '')
    .split(',')
    .map((term) => term.trim())
    .filter((term) => allowed.includes(term.replace(/^-/, '')));
  if (keys.length === 0) return items;
  const compare = (a: T, b: T): number => {
    for (const key of keys) {
      const field = key.replace(/^-/, '');
      const x = (a as Record<string, unknown>)[field] as string | number;
      const y = (b as Record<string, unknown>)[field] as string | number;
      if (x === y) continue;
      const sign = key.startsWith('-') ? -1 : 1;
      return x < y ? -sign : sign;
    }
    return 0;
  };
  return [...items].sort(compare);
}

function filterCheckins<T extends { check_in_datetime: string }>(
  items: T[],
  query: URLSearchParams,
  timeZone: string,
): { items: T[] } | { errors: Record<string, string[]> } {
  const bounds: { key: string; keep: (value: string, bound: string) => boolean }[] = [
    { key: 'check_in_datetime__gte', keep: (value, bound) => value >= bound },
    { key: 'check_in_datetime__gt', keep: (value, bound) => value > bound },
    { key: 'check_in_datetime__lte', keep: (value, bound) => value <= bound },
    { key: 'check_in_datetime__lt', keep: (value, bound) => value < bound },
  ];
  const errors: Record<string, string[]> = {};
  let result = items;
  for (const { key, keep } of bounds) {
    const raw = query.get(key);
    if (raw === null || raw === '') continue;
    const bound = toCapitanLocal(raw, timeZone);
    if (bound === undefined) {
      errors[key] = ['Enter a valid date/time.'];
      continue;
    }
    result = result.filter((item) => keep(item.check_in_datetime, bound));
  }
  return Object.keys(errors).length > 0 ? { errors } : { items: result };
}

const LOCAL_INPUT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+\- ]\d{2}:?\d{2})?)?$/;

/**
 * A filter value as a comparable `YYYY-MM-DDTHH:MM:SS.ffffff` gym-local string. Like Django's
 * DateTimeFilter, a bare date means midnight (so `__lte=<date>` excludes that day) and a naive
 * datetime is gym-local; a value with an offset is converted to gym-local. A `+` offset that arrived
 * unencoded decodes as a space, so a space there is read as `+`.
 */
function toCapitanLocal(value: string, timeZone: string): string | undefined {
  const match = LOCAL_INPUT.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', offset] = match;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  const asUtc = new Date(Date.UTC(...fields));
  if (
    asUtc.getUTCMonth() !== fields[1] ||
    asUtc.getUTCDate() !== fields[2] ||
    asUtc.getUTCHours() !== fields[3] ||
    asUtc.getUTCMinutes() !== fields[4] ||
    asUtc.getUTCSeconds() !== fields[5]
  ) {
    return undefined;
  }
  const micros = fraction.padEnd(6, '0');
  if (offset === undefined) return `${y}-${mo}-${d}T${h}:${mi}:${s}.${micros}`;

  const sign = offset === 'Z' || offset.startsWith('-') ? -1 : 1;
  const digits = offset === 'Z' ? '0000' : offset.slice(1).replace(':', '');
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  const instant = new Date(asUtc.getTime() - offsetMinutes * 60_000);
  return `${formatLocal(instant, timeZone)}.${micros}`;
}

function formatLocal(instant: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}
