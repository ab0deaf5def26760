import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { type Fault, FaultPlan, faultSchema } from './faults.ts';

export interface EmulatorRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/payment_intents`. */
  path: string;
  /** Values of `:name` segments in the route pattern. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Raw body; `json()` parses it. */
  body: Buffer;
  json(): unknown;
  /** The emulator's clock at the time of the request. */
  clock: Date;
  /** `http://127.0.0.1:PORT`, for absolute links such as DRF's `next`. */
  origin: string;
}

export type EmulatorResponse =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; bytes: Uint8Array; contentType: string };

export type RouteHandler = (req: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

export interface Route {
  method: string;
  /** `/v1/payment_intents/:id`; segments starting with `:` capture. */
  pattern: string;
  handler: RouteHandler;
  /**
   * Whether this route serves the captured segments; when false the next matching route is tried.
   * Graph serves every node type under `/:version/:id`, so each node type's routes claim their own ids.
   */
  claims?: (params: Record<string, string>) => boolean;
}

export interface EmulatorOptions {
  name: string;
  routes: Route[];
  /** Returns an error response when the request's credentials are wrong, or undefined when they are fine. */
  authenticate: (req: EmulatorRequest) => EmulatorResponse | undefined;
  /** The response for an unknown path, in the API's own error shape. */
  notFound: (req: EmulatorRequest) => EmulatorResponse;
  clock: Date;
  /** Answers `reject` instead of serving when `limit` requests are already in flight (Mailchimp's 10). */
  concurrency?: { limit: number; reject: (req: EmulatorRequest) => EmulatorResponse };
  /**
   * Answers `reject` to a request beyond `perSecond` in the last second of real time (Capitan's
   * throttle), with how long until one is allowed again.
   */
  rateLimit?: { perSecond: number; reject: (waitMs: number) => EmulatorResponse };
}

const clockBodySchema = z.object({ clock: z.iso.datetime({ offset: true }) });

/**
 * A local HTTP server that answers like one external API. It owns the clock, the fault plan and a
 * count of the requests it served; the API-specific parts come in as routes.
 */
export class HttpEmulator {
  readonly name: string;
  readonly faults = new FaultPlan();
  /** Requests answered per route pattern (admin requests excluded). */
  readonly requestCounts = new Map<string, number>();
  clock: Date;
  /** Requests being served right now (admin requests excluded). */
  inFlight = 0;
  /** Wall-clock times of the requests of the last second, for `rateLimit`. */
  private readonly recent: number[] = [];
  private readonly server: Server;
  private readonly options: EmulatorOptions;
  private readonly compiled: { route: Route; regex: RegExp; names: string[] }[];

  constructor(options: EmulatorOptions) {
    this.name = options.name;
    this.options = options;
    this.clock = options.clock;
    this.compiled = options.routes.map((route) => {
      const names: string[] = [];
      const source = route.pattern
        .split('/')
        .map((segment) => {
          if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(segment.slice(1));
          return '([^/]+)';
        })
        .join('/');
      return { route, regex: new RegExp(`^${source}/?$`), names };
    });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      });
    });
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo | null;
    if (!address) throw new Error(`${this.name} emulator is not listening`);
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  totalRequests(): number {
    let total = 0;
    for (const count of this.requestCounts.values()) total += count;
    return total;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const request: EmulatorRequest = {
      method,
      path: url.pathname,
      params: {},
      query: url.searchParams,
      headers: req.headers,
      body,
      json: () => JSON.parse(body.toString('utf8') || 'null'),
      clock: this.clock,
      origin: this.url,
    };

    if (url.pathname.startsWith('/__sandbox/')) return send(res, this.admin(request));

    const wait = this.throttled();
    if (wait !== undefined) return send(res, this.options.rateLimit!.reject(wait));

    const concurrency = this.options.concurrency;
    if (concurrency && this.inFlight >= concurrency.limit) return send(res, concurrency.reject(request));
    this.inFlight += 1;
    res.once('close', () => {
      this.inFlight -= 1;
    });

    const fault = this.faults.take(method, url.pathname);
    if (fault?.kind === 'advance') {
      this.clock = new Date(this.clock.getTime() + fault.ms);
      request.clock = this.clock;
    }
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') return send(res, faultStatusResponse(fault));
    if (fault?.kind === 'respond') return send(res, faultResponse(fault));
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));

    const authError = this.options.authenticate(request);
    if (authError) return send(res, authError);

    const match = this.match(method, url.pathname);
    if (!match) return send(res, this.options.notFound(request));
    request.params = match.params;
    this.requestCounts.set(match.route.pattern, (this.requestCounts.get(match.route.pattern) ?? 0) + 1);
    const response = await match.route.handler(request);

    if (fault?.kind === 'malformed' && 'json' in response) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(response.json).slice(0, 40));
      return;
    }
    if (fault?.kind === 'truncate' && 'json' in response) return send(res, truncateFirstList(response));
    return send(res, response);
  }

  /** Milliseconds until another request is allowed, or undefined when this one is (and is counted). */
  private throttled(): number | undefined {
    const limit = this.options.rateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    while (this.recent.length > 0 && this.recent[0]! <= now - 1000) this.recent.shift();
    if (this.recent.length >= limit.perSecond) return this.recent[0]! + 1000 - now;
    this.recent.push(now);
    return undefined;
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const { route, regex, names } of this.compiled) {
      if (route.method !== method) continue;
      const found = regex.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1]!);
      });
      if (route.claims && !route.claims(params)) continue;
      return { route, params };
    }
    return undefined;
  }

  /** Test and CLI control over HTTP: `/__sandbox/clock` and `/__sandbox/faults`. */
  private admin(req: EmulatorRequest): EmulatorResponse {
    if (req.path === '/__sandbox/clock') {
      if (req.method === 'PUT') this.clock = new Date(clockBodySchema.parse(req.json()).clock);
      return { status: 200, json: { clock: this.clock.toISOString() } };
    }
    if (req.path === '/__sandbox/faults') {
      if (req.method === 'POST') this.faults.add(...z.array(faultSchema).parse(req.json()));
      if (req.method === 'DELETE') this.faults.clear();
      return { status: 200, json: { fired: this.faults.fired.length } };
    }
    return { status: 404, json: { error: 'unknown sandbox admin path' } };
  }
}

function faultStatusResponse(fault: Extract<Fault, { kind: 'status' }>): EmulatorResponse {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  return { status: fault.status, json: { error: { message: `injected ${fault.status}` } }, headers };
}

function faultResponse(fault: Extract<Fault, { kind: 'respond' }>): EmulatorResponse {
  if (fault.json !== undefined)
    return { status: fault.status, json: fault.json, headers: fault.headers ?? {} };
  return {
    status: fault.status,
    bytes: Buffer.from(fault.text ?? ''),
    contentType: fault.contentType ?? 'text/html',
  };
}

function truncateFirstList(response: Extract<EmulatorResponse, { json: unknown }>): EmulatorResponse {
  const body = response.json;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const entries = Object.entries(body as Record<string, unknown>);
    const listIndex = entries.findIndex(([, value]) => Array.isArray(value) && value.length > 1);
    if (listIndex >= 0) {
      const [key, list] = entries[listIndex] as [string, unknown[]];
      return { ...response, json: { ...body, [key]: list.slice(0, Math.ceil(list.length / 2)) } };
    }
  }
  return response;
}

function send(res: ServerResponse, response: EmulatorResponse): void {
  if ('bytes' in response) {
    res.writeHead(response.status, {
      'content-type': response.contentType,
      'content-length': response.bytes.length,
    });
    res.end(response.bytes);
    return;
  }
  const text = JSON.stringify(response.json);
  res.writeHead(response.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...response.headers,
  });
  res.end(text);
}
