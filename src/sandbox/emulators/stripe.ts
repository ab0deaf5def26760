import type Stripe from 'stripe';
import { sandboxCredentials } from '../credentials.ts';
import type { SandboxDataset } from '../dataset.ts';
import { type EmulatorRequest, type EmulatorResponse, HttpEmulator, type Route } from './http-emulator.ts';
import { memoizeByClock } from './paging.ts';
import { chargeObject, customerObject, paymentIntentObject, refundObject } from './stripe-objects.ts';

export interface StripeEmulatorOptions {
  clock?: Date;
  apiKey?: string;
}

interface StripeErrorBody {
  type: 'invalid_request_error';
  message: string;
  code?: string;
  param?: string;
}

/** Thrown inside handlers; becomes Stripe's `{ error: {...} }` response. */
class StripeRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

interface StripeRecord {
  id: string;
  created: number;
}

/** A view sorted like Stripe lists it: newest first, ties broken by id so every record has one place. */
interface SortedView<T> {
  records: T[];
  positionById: Map<string, number>;
}

interface ResourceSpec<T extends StripeRecord, O> {
  /** URL segment, e.g. `payment_intents`. */
  path: string;
  /** The object's name in error messages, e.g. `payment_intent`. */
  object: string;
  view: (clock: Date) => SortedView<T>;
  /** List filters other than paging and `created`, by query parameter. */
  filters: Record<string, (record: T, value: string) => boolean>;
  /** Fields that `expand` may replace by the object they reference. */
  expandable: readonly string[];
  /** The record as Stripe returns it, with the requested fields expanded. */
  render: (record: T, expand: ReadonlySet<string>, clock: Date) => O;
}

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;
const CREATED_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;

/**
 * Stripe's REST API for the four resources the fetchers read. Lists page newest first with
 * `starting_after`/`ending_before` cursors, filter on `created` and expand references, as Stripe does,
 * so `stripe.paymentIntents.list(...)` auto-pagination works unmodified.
 */
export function createStripeEmulator(
  dataset: SandboxDataset,
  options: StripeEmulatorOptions = {},
): HttpEmulator {
  const apiKey = options.apiKey ?? sandboxCredentials.stripeApiKey;
  const requestIds = requestIdSequence();

  const customers = sortedView((clock) => dataset.stripe.customers(clock));
  const paymentIntents = sortedView((clock) => dataset.stripe.paymentIntents(clock));
  const charges = sortedView((clock) => dataset.stripe.charges(clock));
  const refunds = sortedView((clock) => dataset.stripe.refunds(clock));
  const find = <T extends StripeRecord>(view: (clock: Date) => SortedView<T>, id: string, clock: Date) => {
    const { records, positionById } = view(clock);
    const position = positionById.get(id);
    return position === undefined ? undefined : records[position];
  };
  const customerOf = (id: string | null, clock: Date): Stripe.Customer | string | null => {
    const customer = id === null ? undefined : find(customers, id, clock);
    return customer ? customerObject(customer) : id;
  };
  const chargeOf = (id: string | null, clock: Date): Stripe.Charge | string | null => {
    const charge = id === null ? undefined : find(charges, id, clock);
    return charge ? chargeObject(charge) : id;
  };
  const intentOf = (id: string | null, clock: Date): Stripe.PaymentIntent | string | null => {
    const intent = id === null ? undefined : find(paymentIntents, id, clock);
    return intent ? paymentIntentObject(intent) : id;
  };

  const routes: Route[] = [
    ...resourceRoutes(requestIds, {
      path: 'payment_intents',
      object: 'payment_intent',
      view: paymentIntents,
      filters: { customer: (r, v) => r.customer === v },
      expandable: ['latest_charge', 'customer'],
      render: (r, expand, clock): Stripe.PaymentIntent => ({
        ...paymentIntentObject(
          r,
          expand.has('latest_charge') ? chargeOf(r.latest_charge, clock) : r.latest_charge,
        ),
        customer: expand.has('customer') ? customerOf(r.customer, clock) : r.customer,
      }),
    }),
    ...resourceRoutes(requestIds, {
      path: 'charges',
      object: 'charge',
      view: charges,
      filters: { customer: (r, v) => r.customer === v, payment_intent: (r, v) => r.payment_intent === v },
      expandable: ['customer', 'payment_intent'],
      render: (r, expand, clock): Stripe.Charge => ({
        ...chargeObject(r),
        customer: expand.has('customer') ? customerOf(r.customer, clock) : r.customer,
        payment_intent: expand.has('payment_intent') ? intentOf(r.payment_intent, clock) : r.payment_intent,
      }),
    }),
    ...resourceRoutes(requestIds, {
      path: 'refunds',
      object: 'refund',
      view: refunds,
      filters: { charge: (r, v) => r.charge === v, payment_intent: (r, v) => r.payment_intent === v },
      expandable: ['charge', 'payment_intent'],
      render: (r, expand, clock): Stripe.Refund => ({
        ...refundObject(r),
        charge: expand.has('charge') ? chargeOf(r.charge, clock) : r.charge,
        payment_intent: expand.has('payment_intent') ? intentOf(r.payment_intent, clock) : r.payment_intent,
      }),
    }),
    ...resourceRoutes(requestIds, {
      path: 'customers',
      object: 'customer',
      view: customers,
      filters: { email: (r, v) => r.email === v },
      expandable: [],
      render: (r): Stripe.Customer => customerObject(r),
    }),
  ];

  return new HttpEmulator({
    name: 'stripe',
    routes,
    clock: options.clock ?? dataset.asOf,
    authenticate: (req) => authenticate(req, apiKey, requestIds),
    notFound: (req) => ({
      status: 404,
      headers: { 'request-id': requestIds() },
      json: errorJson({
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      }),
    }),
  });
}

function resourceRoutes<T extends StripeRecord, O>(
  requestIds: () => string,
  spec: ResourceSpec<T, O>,
): Route[] {
  const respond =
    (handler: (req: EmulatorRequest) => unknown) =>
    (req: EmulatorRequest): EmulatorResponse => {
      const headers = { 'request-id': requestIds() };
      try {
        return { status: 200, json: handler(req), headers };
      } catch (error) {
        if (error instanceof StripeRequestError)
          return { status: error.status, json: errorJson(error.body), headers };
        throw error;
      }
    };
  return [
    { method: 'GET', pattern: `/v1/${spec.path}`, handler: respond((req) => listPage(spec, req)) },
    { method: 'GET', pattern: `/v1/${spec.path}/:id`, handler: respond((req) => retrieve(spec, req)) },
  ];
}

function sortedView<T extends StripeRecord>(records: (clock: Date) => T[]): (clock: Date) => SortedView<T> {
  return memoizeByClock((clock) => {
    const sorted = [...records(clock)].sort(
      (a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    );
    return { records: sorted, positionById: new Map(sorted.map((record, i) => [record.id, i])) };
  });
}

function listPage<T extends StripeRecord, O>(
  spec: ResourceSpec<T, O>,
  req: EmulatorRequest,
): Stripe.ApiList<O> {
  const query = parseListQuery(spec, req.query);
  const { records, positionById } = spec.view(req.clock);
  const cursorPosition = (param: 'starting_after' | 'ending_before', id: string): number => {
    const position = positionById.get(id);
    if (position === undefined) {
      throw new StripeRequestError(400, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such ${spec.object}: '${id}'`,
        param,
      });
    }
    return position;
  };

  // Newest first: the records inside the `created` range form one run [first, end).
  const first = firstIndex(records, (r) => r.created <= query.createdMax);
  const end = firstIndex(records, (r) => r.created < query.createdMin);
  const matches = (record: T) => query.filters.every(([test, value]) => test(record, value));

  const page: T[] = [];
  let hasMore = false;
  if (query.endingBefore !== undefined) {
    // The `limit` records just newer than the cursor, still listed newest first.
    for (let i = Math.min(cursorPosition('ending_before', query.endingBefore), end) - 1; i >= first; i--) {
      const record = records[i]!;
      if (!matches(record)) continue;
      if (page.length === query.limit) {
        hasMore = true;
        break;
      }
      page.push(record);
    }
    page.reverse();
  } else {
    const start =
      query.startingAfter === undefined
        ? first
        : Math.max(first, cursorPosition('starting_after', query.startingAfter) + 1);
    for (let i = start; i < end; i++) {
      const record = records[i]!;
      if (!matches(record)) continue;
      if (page.length === query.limit) {
        hasMore = true;
        break;
      }
      page.push(record);
    }
  }

  const expand = new Set(query.expand);
  return {
    object: 'list',
    data: page.map((record) => spec.render(record, expand, req.clock)),
    has_more: hasMore,
    url: `/v1/${spec.path}`,
  } satisfies Stripe.ApiList<O>;
}

function retrieve<T extends StripeRecord, O>(spec: ResourceSpec<T, O>, req: EmulatorRequest): O {
  const expandPaths: string[] = [];
  for (const key of new Set(req.query.keys())) {
    if (!isExpandKey(key)) throw unknownParameter(key);
    expandPaths.push(...req.query.getAll(key));
  }
  const { records, positionById } = spec.view(req.clock);
  const position = positionById.get(req.params.id!);
  if (position === undefined) {
    throw new StripeRequestError(404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: `No such ${spec.object}: '${req.params.id}'`,
      param: 'id',
    });
  }
  return spec.render(records[position]!, new Set(expandFields(spec, expandPaths, '')), req.clock);
}

interface ListQuery<T> {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
  createdMin: number;
  createdMax: number;
  filters: [(record: T, value: string) => boolean, string][];
  expand: string[];
}

function parseListQuery<T extends StripeRecord, O>(
  spec: ResourceSpec<T, O>,
  query: URLSearchParams,
): ListQuery<T> {
  const parsed: ListQuery<T> = {
    limit: DEFAULT_LIMIT,
    createdMin: Number.NEGATIVE_INFINITY,
    createdMax: Number.POSITIVE_INFINITY,
    filters: [],
    expand: [],
  };
  const expandPaths: string[] = [];
  for (const key of new Set(query.keys())) {
    const value = query.get(key)!;
    const createdOperator = /^created\[(\w+)\]$/.exec(key)?.[1];
    if (key === 'limit') {
      parsed.limit = integerParam(key, value);
      if (parsed.limit < 1) throw invalidValue(key, 'This value must be greater than or equal to 1.');
      if (parsed.limit > MAX_LIMIT)
        throw invalidValue(key, `This value must be less than or equal to ${MAX_LIMIT}.`);
    } else if (key === 'starting_after') {
      parsed.startingAfter = value;
    } else if (key === 'ending_before') {
      parsed.endingBefore = value;
    } else if (key === 'created') {
      parsed.createdMin = Math.max(parsed.createdMin, integerParam(key, value));
      parsed.createdMax = Math.min(parsed.createdMax, integerParam(key, value));
    } else if (createdOperator && (CREATED_OPERATORS as readonly string[]).includes(createdOperator)) {
      const bound = integerParam(key, value);
      if (createdOperator === 'gt') parsed.createdMin = Math.max(parsed.createdMin, bound + 1);
      if (createdOperator === 'gte') parsed.createdMin = Math.max(parsed.createdMin, bound);
      if (createdOperator === 'lt') parsed.createdMax = Math.min(parsed.createdMax, bound - 1);
      if (createdOperator === 'lte') parsed.createdMax = Math.min(parsed.createdMax, bound);
    } else if (isExpandKey(key)) {
      expandPaths.push(...query.getAll(key));
    } else if (Object.hasOwn(spec.filters, key)) {
      parsed.filters.push([spec.filters[key]!, value]);
    } else {
      throw unknownParameter(key);
    }
  }
  if (parsed.startingAfter !== undefined && parsed.endingBefore !== undefined) {
    throw new StripeRequestError(400, {
      type: 'invalid_request_error',
      message: 'You may only specify one of these parameters: ending_before, starting_after.',
      param: 'ending_before',
    });
  }
  parsed.expand = expandFields(spec, expandPaths, 'data.');
  return parsed;
}

/** Validates `expand` paths (one level deep, as the fetchers use it) and returns the field names. */
function expandFields<T extends StripeRecord, O>(
  spec: ResourceSpec<T, O>,
  paths: string[],
  prefix: string,
): string[] {
  return paths.map((path) => {
    const field = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
    if (field === undefined || !spec.expandable.includes(field)) {
      throw new StripeRequestError(400, {
        type: 'invalid_request_error',
        message: `This property cannot be expanded (${path}).`,
      });
    }
    return field;
  });
}

/** Form encoding sends arrays as `expand[]`, `expand[0]` or a bare repeated `expand`. */
function isExpandKey(key: string): boolean {
  return /^expand(\[\d*\])?$/.test(key);
}

function integerParam(param: string, value: string): number {
  if (!/^-?\d+$/.test(value)) throw invalidValue(param, `Invalid integer: ${value}`);
  return Number(value);
}

function invalidValue(param: string, message: string): StripeRequestError {
  return new StripeRequestError(400, { type: 'invalid_request_error', message, param });
}

function unknownParameter(param: string): StripeRequestError {
  return new StripeRequestError(400, {
    type: 'invalid_request_error',
    code: 'parameter_unknown',
    message: `Received unknown parameter: ${param}`,
    param,
  });
}

/** Index of the first record for which `test` holds, given it holds for a suffix of `records`. */
function firstIndex<T>(records: T[], test: (record: T) => boolean): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (test(records[mid]!)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Stripe accepts the key as a Bearer token or as the Basic-auth user name. */
function authenticate(
  req: EmulatorRequest,
  apiKey: string,
  requestIds: () => string,
): EmulatorResponse | undefined {
  const header = req.headers.authorization ?? '';
  const [scheme = '', credential = ''] = header.split(' ', 2);
  let key: string | undefined;
  if (scheme.toLowerCase() === 'bearer') key = credential;
  if (scheme.toLowerCase() === 'basic')
    key = Buffer.from(credential, 'base64').toString('utf8').split(':')[0];
  if (key === apiKey) return undefined;
  const message = key
    ? `Invalid API Key provided: ${maskKey(key)}`
    : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";
  return {
    status: 401,
    headers: { 'request-id': requestIds(), 'www-authenticate': 'Basic realm="Stripe"' },
    json: errorJson({ type: 'invalid_request_error', message }),
  };
}

/** Stripe shows the key's mode prefix and last four characters, starring the rest. */
function maskKey(key: string): string {
  const prefix = /^[a-z]+_(?:live|test)_/.exec(key)?.[0] ?? '';
  const rest = key.slice(prefix.length);
  const shown = rest.length > 4 ? rest.slice(-4) : '';
  return `${prefix}${'*'.repeat(rest.length - shown.length)}${shown}`;
}

function errorJson(body: StripeErrorBody): { error: Stripe.StripeRawError } {
  const docUrl = body.code
    ? { doc_url: `https://stripe.com/docs/error-codes/${body.code.replace(/_/g, '-')}` }
    : {};
  return { error: { ...body, ...docUrl } satisfies Stripe.StripeRawError };
}

function requestIdSequence(): () => string {
  let next = 0;
  return () => {
    next += 1;
    return `req_${next.toString(36).padStart(14, '0')}`;
  };
}
