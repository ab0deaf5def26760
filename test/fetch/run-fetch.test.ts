import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../src/config.ts';
import { getJson } from '../../src/fetch/http-json.ts';
import { runFetch } from '../../src/fetch/run-fetch.ts';
import { defineStream, IncompleteStreamError, type SourceDefinition } from '../../src/fetch/source.ts';
import { Lake } from '../../src/lake/lake.ts';
import { HttpEmulator } from '../../src/sandbox/emulators/http-emulator.ts';
import { Database } from '../../src/sql/database.ts';
import { useTempDirs } from '../support/temp-dir.ts';

/** A small paged API over HTTP, so the runner is exercised end to end without any real source. */
function itemsApi(items: { id: number; name: unknown }[]) {
  return new HttpEmulator({
    name: 'items',
    clock: new Date('2026-11-20T00:00:00Z'),
    authenticate: () => undefined,
    notFound: () => ({ status: 404, json: {} }),
    routes: [
      {
        method: 'GET',
        pattern: '/items',
        handler: (req) => {
          const page = Number(req.query.get('page') ?? '1');
          const results = items.slice((page - 1) * 2, page * 2);
          return {
            status: 200,
            json: { count: items.length, results, next: page * 2 < items.length ? page + 1 : null },
          };
        },
      },
    ],
  });
}

const pageSchema = z.object({
  count: z.number(),
  results: z.array(z.unknown()),
  next: z.number().nullable(),
});

function itemsSource(url: () => string, options: { failOthers?: boolean } = {}): SourceDefinition {
  return {
    name: 'capitan',
    settings: () => ({}),
    streams: () => [
      defineStream({
        name: 'items',
        schema: z.object({ id: z.number(), name: z.string() }),
        recordId: (item) => String(item.id),
        window: { kind: 'full' },
        async *pages(context) {
          let page: number | null = 1;
          let seen = 0;
          let count = 0;
          while (page !== null) {
            const body = pageSchema.parse(
              await getJson(`${url()}/items?page=${page}`, { ...context.retry, minTimeoutMs: 10 }),
            );
            count = body.count;
            seen += body.results.length;
            yield body.results;
            page = body.next;
          }
          if (seen !== count) throw new IncompleteStreamError(`expected ${count} items, got ${seen}`);
        },
      }),
      defineStream({
        name: 'broken',
        schema: z.object({ id: z.string() }),
        recordId: (r) => r.id,
        window: { kind: 'full' },
        async *pages() {
          if (options.failOthers) throw new Error('the broken API is down');
          yield [];
        },
      }),
    ],
  };
}

describe('runFetch', () => {
  const tempDir = useTempDirs();
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function setup(items: { id: number; name: unknown }[]) {
    const api = itemsApi(items);
    await api.listen();
    const lake = new Lake({ kind: 'local', dir: await tempDir() });
    const db = await Database.open(lake, { timeZone: 'America/Chicago' });
    closers.push(
      () => api.close(),
      () => db.close(),
    );
    const config = loadConfig({ env: {}, cwd: lake.root });
    return { api, db, config };
  }

  it('writes valid records to raw, rejects invalid ones with a reason, and keeps going', async () => {
    const { api, db, config } = await setup([
      { id: 1, name: 'Robert' },
      { id: 2, name: 42 },
      { id: 3, name: 'Katie' },
    ]);
    const results = await runFetch(db, config, [itemsSource(() => api.url, { failOthers: true })], {
      runId: 'run-1',
      log: () => {},
    });
    expect(results.map((r) => [r.stream, r.status, r.fetched, r.written, r.rejected])).toEqual([
      ['items', 'ok', 3, 2, 1],
      ['broken', 'failed', 0, 0, 0],
    ]);
    expect(results[1]?.error).toBe('the broken API is down');
    expect(
      await db.query('select record_id, payload->>$name as name from raw_capitan__items order by 1', {
        name: 'name',
      }),
    ).toEqual([
      { record_id: '1', name: 'Robert' },
      { record_id: '3', name: 'Katie' },
    ]);
    const [rejected] = await db.query(
      'select source, stream, record_id, reason, payload from rejected_records',
    );
    expect(rejected).toMatchObject({
      source: 'capitan',
      stream: 'items',
      record_id: '2',
      reason: 'name: Invalid input: expected string, received number',
    });
    expect(await db.query('select stream from fetch_state')).toEqual([{ stream: 'items' }]);
  });

  it('writes nothing on a re-run with nothing new, and only the changed record after a change', async () => {
    const items = [
      { id: 1, name: 'Robert' },
      { id: 2, name: 'Bob' },
    ];
    const { api, db, config } = await setup(items);
    await runFetch(db, config, [itemsSource(() => api.url)], { runId: 'run-1', log: () => {} });
    const again = await runFetch(db, config, [itemsSource(() => api.url)], { runId: 'run-2', log: () => {} });
    expect(again[0]).toMatchObject({ written: 0, unchanged: 2 });
    expect((await db.lake.table('raw/capitan/items'))?.parts).toBe(1);

    items[1] = { id: 2, name: 'Robert Jr' };
    const changed = await runFetch(db, config, [itemsSource(() => api.url)], {
      runId: 'run-3',
      log: () => {},
    });
    expect(changed[0]).toMatchObject({ written: 1, unchanged: 1 });
    const latest = await db.query(`
      select record_id, payload->>'name' as name from raw_capitan__items
      qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1 order by 1`);
    expect(latest).toEqual([
      { record_id: '1', name: 'Robert' },
      { record_id: '2', name: 'Robert Jr' },
    ]);
  });

  it('retries transient faults and reports a stream whose page came back truncated', async () => {
    const items = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, name: `n${i + 1}` }));
    const { api, db, config } = await setup(items);
    api.faults.add({ kind: 'status', status: 503, retryAfter: 0 }, { kind: 'drop' }, { kind: 'malformed' });
    const ok = await runFetch(db, config, [itemsSource(() => api.url)], { runId: 'run-1', log: () => {} });
    expect(ok[0]).toMatchObject({ status: 'ok', fetched: 6 });
    expect(api.faults.fired.map((f) => f.kind)).toEqual(['status', 'drop', 'malformed']);

    api.faults.add({ kind: 'truncate', path: '/items' });
    const truncated = await runFetch(db, config, [itemsSource(() => api.url)], {
      runId: 'run-2',
      log: () => {},
    });
    expect(truncated[0]).toMatchObject({ status: 'failed', error: 'expected 6 items, got 5' });
  });

  it('fails a stream at once when Retry-After asks for more than the cap, keeping the other streams', async () => {
    const { api, db, config } = await setup([{ id: 1, name: 'Robert' }]);
    api.faults.add({ kind: 'status', status: 429, retryAfter: 86_400, path: '/items' });
    const results = await runFetch(db, config, [itemsSource(() => api.url)], {
      runId: 'run-1',
      log: () => {},
    });
    expect(config.maxRetryAfterMs).toBe(300_000);
    expect(results.find((r) => r.stream === 'items')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(
        /asked to wait 86400 s \(Retry-After\), more than BASIN_MAX_RETRY_AFTER_SECONDS=300: giving up until the next run/,
      ),
    });
    expect(results.find((r) => r.stream === 'broken')).toMatchObject({ status: 'ok' });
    expect(api.faults.fired).toHaveLength(1);
  });

  it('runs cross-stream checks after every stream, failing the checked stream and keeping its window', async () => {
    const items = [
      { id: 1, name: 'Robert' },
      { id: 2, name: 'Katie' },
    ];
    const { api, db, config } = await setup(items);
    const now = new Date('2026-11-20T12:00:00Z');
    // `orders` name items; an item an order names that `items` did not list is a gap in `items`.
    const named: number[] = [];
    const source: SourceDefinition = {
      name: 'square',
      settings: () => ({}),
      streams: () => [
        defineStream({
          name: 'items',
          keepRecords: true,
          schema: z.object({ id: z.number(), name: z.string() }),
          recordId: (item) => String(item.id),
          window: { kind: 'recent', days: 2 },
          async *pages() {
            yield (pageSchema.parse(await getJson(`${api.url}/items?page=1`)).results as unknown[]).slice(
              0,
              1,
            );
          },
          async verify(context) {
            const listed = new Set((context.earlier('items') as { id: number }[]).map((i) => i.id));
            const missing = (context.earlier('orders') as { item: number }[]).filter(
              (o) => !listed.has(o.item),
            );
            if (missing.length > 0)
              throw new IncompleteStreamError(`${missing.length} item(s) named by orders not listed`);
          },
        }),
        defineStream({
          name: 'orders',
          keepRecords: true,
          schema: z.object({ id: z.string(), item: z.number() }),
          recordId: (order) => order.id,
          window: { kind: 'recent', days: 2 },
          async *pages(context) {
            yield named.map((item) => ({ id: `o${item}`, item }));
            context.warn('order o9 is not listed yet', { recheckFrom: new Date('2026-11-20T11:59:00Z') });
          },
        }),
      ],
    };
    named.push(1, 2);
    const first = await runFetch(db, config, [source], { runId: 'run-1', now, log: () => {} });
    expect(first.map((r) => [r.stream, r.status, r.error, r.warnings])).toEqual([
      ['items', 'failed', '1 item(s) named by orders not listed', []],
      ['orders', 'ok', undefined, ['order o9 is not listed yet']],
    ]);
    // The failed stream keeps no window; the lagging one is held back to where the lag began.
    expect(await db.query('select stream, window_until from fetch_state order by 1')).toEqual([
      { stream: 'orders', window_until: new Date('2026-11-20T11:59:00Z') },
    ]);
  });

  it('keeps only the records of streams that say so, and fails a stream that reads any other', async () => {
    const { api, db, config } = await setup([{ id: 1, name: 'Robert' }]);
    const [items] = itemsSource(() => api.url).streams({});
    const reader = (name: string, reads: string) =>
      defineStream({
        name,
        schema: z.object({ id: z.string() }),
        recordId: (r) => r.id,
        window: { kind: 'full' },
        async *pages(context) {
          yield context.earlier(reads).map((_, i) => ({ id: `${name}-${i}` }));
        },
      });
    const source = (keep: boolean): SourceDefinition => ({
      name: 'capitan',
      settings: () => ({}),
      streams: () => [{ ...items!, keepRecords: keep }, reader('copies', 'items')],
    });
    const kept = await runFetch(db, config, [source(true)], { runId: 'run-1', log: () => {} });
    expect(kept.map((r) => [r.stream, r.status, r.written])).toEqual([
      ['items', 'ok', 1],
      ['copies', 'ok', 1],
    ]);
    const notKept = await runFetch(db, config, [source(false)], { runId: 'run-2', log: () => {} });
    expect(notKept.map((r) => [r.stream, r.status, r.error])).toEqual([
      ['items', 'ok', undefined],
      [
        'copies',
        'failed',
        'capitan/copies reads capitan/items with earlier(), which does not keep its records',
      ],
    ]);
  });

  describe('a transformer (dataFrom)', () => {
    /** `items` of {@link itemsSource}, its pages logged; `item_notes` one note per item of each page it reads. */
    function transformerSource(
      url: string,
      events: string[],
      fail: { items?: boolean; notes?: boolean } = {},
    ): SourceDefinition {
      const [items] = itemsSource(() => url).streams({});
      return {
        name: 'capitan',
        settings: () => ({}),
        streams: () => [
          {
            ...items!,
            async *pages(context, input) {
              let page = 0;
              for await (const records of items!.pages(context, input)) {
                events.push(`items page ${++page}`);
                yield records;
                if (fail.items && page === 2) throw new Error('items page 3 is down');
              }
            },
          },
          defineStream({
            name: 'item_notes',
            dataFrom: 'items',
            schema: z.object({ id: z.string() }),
            recordId: (note) => note.id,
            window: { kind: 'full' },
            async *pages(_context, itemPages) {
              for await (const page of itemPages) {
                events.push(`notes of ${page.map((item) => item.recordId).join(',')}`);
                if (fail.notes) throw new Error('the notes API is down');
                yield page.map((item) => ({ id: `note-${item.recordId}` }));
              }
            },
          }),
        ],
      };
    }
    const items = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, name: `n${i + 1}` }));

    it('reads each page of the stream it transforms as it is fetched, not after the last one', async () => {
      const { api, db, config } = await setup(items);
      const events: string[] = [];
      const results = await runFetch(db, config, [transformerSource(api.url, events)], {
        runId: 'run-1',
        log: () => {},
      });
      expect(results.map((r) => [r.stream, r.status, r.written])).toEqual([
        ['items', 'ok', 6],
        ['item_notes', 'ok', 6],
      ]);
      expect(events.indexOf('notes of 1,2')).toBeLessThan(events.indexOf('items page 3'));
      expect(events.filter((e) => e.startsWith('notes'))).toEqual([
        'notes of 1,2',
        'notes of 3,4',
        'notes of 5,6',
      ]);
    });

    it('fails when the stream it transforms fails, and its own failure leaves that stream whole', async () => {
      const { api, db, config } = await setup(items);
      const brokenItems = await runFetch(db, config, [transformerSource(api.url, [], { items: true })], {
        runId: 'run-1',
        log: () => {},
      });
      expect(brokenItems.map((r) => [r.stream, r.status, r.error])).toEqual([
        ['items', 'failed', 'items page 3 is down'],
        ['item_notes', 'failed', 'capitan/items failed: items page 3 is down'],
      ]);

      const brokenNotes = await runFetch(db, config, [transformerSource(api.url, [], { notes: true })], {
        runId: 'run-2',
        log: () => {},
      });
      expect(brokenNotes.map((r) => [r.stream, r.status, r.fetched, r.error])).toEqual([
        ['items', 'ok', 6, undefined],
        ['item_notes', 'failed', 0, 'the notes API is down'],
      ]);
      expect(await db.query('select stream from fetch_state')).toEqual([{ stream: 'items' }]);
    });
  });
});
