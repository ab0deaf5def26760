import pThrottle from 'p-throttle';
import { getJson } from '../../fetch/http-json.ts';
import { HttpStatusError, MalformedResponseError, type RetryOptions } from '../../fetch/retry.ts';
import { IncompleteStreamError } from '../../fetch/source.ts';
import type { CapitanSettings } from './config.ts';
import { drfPageSchema } from './schemas.ts';

/** Capitan's largest page ("a custom page size up to 100"); far larger ones made its nginx answer 502. */
export const PAGE_SIZE = 100;

/**
 * Pages of a list asked for ahead of the one being read, once the first page's `count` says they
 * exist: a long list (675 pages of check-ins in the demo) otherwise waits a round trip per page.
 * They wait their turn in the same pacing as every other call.
 */
const PAGES_AHEAD = 4;
const LIST_TIMEOUT_MS = 30_000;
const RELATIONS_TIMEOUT_MS = 10_000;

export type QueryParams = Record<string, string>;

/** Capitan's DRF API: `token` auth, `page`/`page_size` paging, a `count` to check completeness against. */
export class CapitanClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  /**
   * Every call waits its turn, evenly spaced rather than in bursts: Capitan throttles a token beyond
   * about 10 requests in any second as they arrive, and bursts that leave on time can arrive bunched.
   */
  private readonly paced: <T>(call: () => Promise<T>) => Promise<T>;

  constructor(settings: CapitanSettings) {
    this.base = settings.apiUrl.endsWith('/') ? settings.apiUrl : `${settings.apiUrl}/`;
    this.headers = { authorization: `token ${settings.apiToken}` };
    const throttle = pThrottle({ limit: 1, interval: Math.ceil(1000 / settings.requestsPerSecond) });
    const turn = throttle(() => undefined);
    this.paced = async (call) => {
      await turn();
      return call();
    };
  }

  /** A resource URL under the configured base; `path` is relative, e.g. `check-ins/`. */
  url(path: string, params: QueryParams = {}): string {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }

  /**
   * Yields every page of a list, asking for `page` 1, 2, … with `page_size` fixed at {@link PAGE_SIZE}
   * until `next` is null, up to {@link PAGES_AHEAD} of the pages the first `count` promises in flight
   * at once. Page numbers are built here rather than following `next`, so no page can ever ask for
   * more than the safe size. Throws when fewer records arrived than the first `count`.
   */
  async *pages(path: string, params: QueryParams, retry: RetryOptions, timeoutMs = LIST_TIMEOUT_MS) {
    const fetchPage = (page: number) =>
      this.getPage(path, { ...params, page: String(page) }, retry, timeoutMs);
    const ahead = new Map<number, ReturnType<typeof fetchPage>>();
    const first = await fetchPage(1);
    const expected = first.count;
    const counted = Math.ceil(expected / PAGE_SIZE);
    let received = 0;
    try {
      for (let page = 1; ; page++) {
        const body = page === 1 ? first : await (ahead.get(page) ?? fetchPage(page));
        ahead.delete(page);
        for (let next = page + 1; next <= Math.min(counted, page + PAGES_AHEAD); next++) {
          if (ahead.has(next)) continue;
          const asked = fetchPage(next);
          // Read in order below; one past a list that shrank meanwhile is never read.
          asked.catch(() => undefined);
          ahead.set(next, asked);
        }
        received += body.results.length;
        yield body.results;
        if (body.next === null) break;
        // A server that never stops answering `next` would otherwise loop forever.
        if (page > counted + 10) {
          throw new IncompleteStreamError(`${path}: still answering a next page after page ${page}`);
        }
      }
    } finally {
      // No request outlives the list that asked for it.
      await Promise.allSettled(ahead.values());
    }
    if (received < expected) {
      throw new IncompleteStreamError(
        `${path}: received ${received} of the ${expected} records the API counted (a page came back short)`,
      );
    }
  }

  /** Every record of a small list, or none when the API answers 404 (Capitan's "no relations"). */
  async listOrNone(path: string, retry: RetryOptions): Promise<unknown[]> {
    const records: unknown[] = [];
    let pagesRead = 0;
    try {
      for await (const page of this.pages(path, {}, retry, RELATIONS_TIMEOUT_MS)) {
        pagesRead++;
        records.push(...page);
      }
    } catch (error) {
      // Only a 404 on the first page means "none"; later it would be a page lost mid-list.
      if (pagesRead === 0 && error instanceof HttpStatusError && error.status === 404) return [];
      throw error;
    }
    return records;
  }

  private async getPage(path: string, params: QueryParams, retry: RetryOptions, timeoutMs: number) {
    const url = this.url(path, { ...params, page_size: String(PAGE_SIZE) });
    const body = await this.paced(() => getJson(url, { ...retry, headers: this.headers, timeoutMs }));
    const parsed = drfPageSchema.safeParse(body);
    if (!parsed.success) {
      throw new MalformedResponseError(
        `GET ${url} answered JSON that is not a DRF page (count/next/results)`,
      );
    }
    return parsed.data;
  }
}
