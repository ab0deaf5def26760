import { describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { parseModel } from '../../src/models/discover.ts';
import { ModelGraph } from '../../src/models/graph.ts';
import { ModelRunner } from '../../src/models/runner.ts';
import { DEFAULT_TIME_ZONE } from '../../src/sandbox/generate.ts';
import { Database } from '../../src/sql/database.ts';
import { appendRawPart, partsOf } from '../support/staging-parts.ts';
import { useTempDirs } from '../support/temp-dir.ts';

const timeZone = DEFAULT_TIME_ZONE;

/** Every version of a sale: its shop and amount (an every-version input, like email activity). */
const sales = parseModel(
  'staging/test/stg_test__sales',
  'queries/staging/test/stg_test__sales.sql',
  `-- versions: all
   select record_id as sale_id, payload->>'shop' as shop, (payload->>'amount')::int as amount,
          raw_version(fetched_at, run_id, payload_hash) as raw_version
   from raw_test__sales`,
);
/** Each shop's newest name: a lookup sharing the key column `shop`. */
const shops = parseModel(
  'staging/test/stg_test__shops',
  'queries/staging/test/stg_test__shops.sql',
  `-- record_id: shop
   select record_id as shop, payload->>'name' as name from raw_test__shops`,
);
/** One rate for every shop: a lookup without key columns. */
const rates = parseModel(
  'staging/test/stg_test__rates',
  'queries/staging/test/stg_test__rates.sql',
  `-- record_id: rate_id
   select record_id as rate_id, (payload->>'rate')::int as rate from raw_test__rates`,
);
const totals = parseModel(
  'staging/test/stg_test__totals',
  'queries/staging/test/stg_test__totals.sql',
  `-- unique_key: shop
   with
   totals as (
     select shop, sum(amount)::bigint as amount, count(distinct sale_id)::bigint as sales, max(raw_version) as newest
     from stg_test__sales group by shop
   ),
   final as (
     select totals.shop, stg_test__shops.name, totals.amount * coalesce((select max(rate) from stg_test__rates), 1) as amount,
            totals.sales, totals.newest
     from totals left join stg_test__shops using (shop)
   )
   select * from final`,
);

type Records = Record<string, Record<string, string | number>>;

/** A lake whose raw streams `raw/test/<stream>` get parts by `fetch`, built by `build` with the four models. */
async function salesLake(dir: string) {
  const db = await Database.open(new Lake({ kind: 'local', dir }), { timeZone });
  const models = [sales, shops, rates, totals];
  const graph = new ModelGraph(models);
  expect(graph.problems()).toEqual([]);
  const runner = new ModelRunner(db, graph, { vars: {}, asOf: new Date(), now: new Date() });
  let part = 0;
  const fetch = (stream: string, fetchedAt: string, runId: string, records: Records) =>
    appendRawPart(
      db,
      `raw/test/${stream}`,
      `part-${String(++part).padStart(3, '0')}`,
      { fetchedAt, runId },
      records,
    );
  const build = async () => {
    const built = await runner.build(models);
    const named = (name: string) => built.find((b) => b.name === name)!;
    return { sales: named('stg_test__sales'), totals: named('stg_test__totals') };
  };
  const show = (r: Record<string, unknown>) => `${r.shop}:${r.name}:${r.amount}:${r.sales}`;
  const rows = async () => (await db.query('select * from stg_test__totals order by shop')).map(show);
  /** What a full build gives over the same inputs: the model's select itself. */
  const fullRows = async () => (await db.query(`select * from (${totals.sql}) order by shop`)).map(show);
  /** The table's parts, oldest first, each with the SHA-256 of its bytes. */
  const parts = () => partsOf(db, 'staging/stg_test__totals');
  return { db, fetch, build, rows, fullRows, parts };
}

/** Sales `<shop><n>` for each shop, `n` from 1 to `count`, of 10 each. */
function salesOf(shopIds: string[], count: number, amount = 10): Records {
  return Object.fromEntries(
    shopIds.flatMap((shop) =>
      Array.from({ length: count }, (_, i) => [`${shop}${i + 1}`, { shop, amount }] as const),
    ),
  );
}

describe('a model incremental by a unique_key recomputes only the keys its input’s new rows touch', () => {
  const tempDir = useTempDirs();

  const backfill = async () => {
    const lake = await salesLake(await tempDir());
    // Twenty shops, so that a day touching a few leaves the backfill's part as it is (no compaction).
    await lake.fetch('sales', '2026-11-01T06:00:00Z', 'run-1', salesOf([...'abcdefghijklmnopqrst'], 3));
    await lake.fetch('shops', '2026-11-01T06:00:00Z', 'run-1', {
      a: { name: 'Alpha' },
      b: { name: 'Beta' },
      c: { name: 'Gamma' },
      d: { name: 'Delta' },
    });
    await lake.fetch('rates', '2026-11-01T06:00:00Z', 'run-1', { r: { rate: 2 } });
    expect((await lake.build()).totals).toMatchObject({ mode: 'full', keys: 20 });
    return lake;
  };

  it('merges a day of new versions for existing and new keys as one part, leaving the old byte for byte', async () => {
    const lake = await backfill();
    const before = await lake.parts();
    expect(before).toHaveLength(1);
    // A new version of a1 (its amount changes), a new sale of b, and a new shop u.
    await lake.fetch('sales', '2026-11-02T06:00:00Z', 'run-2', {
      a1: { shop: 'a', amount: 50 },
      b9: { shop: 'b', amount: 7 },
      u1: { shop: 'u', amount: 1 },
    });
    expect((await lake.build()).totals).toMatchObject({ mode: 'incremental', keys: 3, partsFolded: 0 });
    const after = await lake.parts();
    expect(after).toHaveLength(2);
    expect(after[0]).toEqual(before[0]);
    expect(await lake.rows()).toEqual(await lake.fullRows());
    expect(await lake.rows()).toContain('a:Alpha:160:3');
    expect((await lake.rows()).filter((r) => r.startsWith('u:'))).toEqual(['u:null:2:1']);

    expect((await lake.build()).totals).toMatchObject({ mode: 'unchanged', keys: 0 });
    expect(await lake.parts()).toEqual(after);
    lake.db.close();
  });

  it('recomputes the keys whose rows of a lookup changed, and only those', async () => {
    const lake = await backfill();
    const before = await lake.parts();
    // Shop b is renamed; shop x, new, has no sales yet: only b's row is recomputed.
    await lake.fetch('shops', '2026-11-02T06:00:00Z', 'run-2', {
      b: { name: 'Bravo' },
      x: { name: 'X-ray' },
    });
    expect((await lake.build()).totals).toMatchObject({ mode: 'incremental', keys: 1 });
    expect((await lake.parts())[0]).toEqual(before[0]);
    expect(await lake.rows()).toContain('b:Bravo:60:3');
    expect(await lake.rows()).toEqual(await lake.fullRows());
    lake.db.close();
  });

  it('builds whole when a lookup without key columns changes', async () => {
    const lake = await backfill();
    await lake.fetch('rates', '2026-11-02T06:00:00Z', 'run-2', { r: { rate: 3 } });
    expect((await lake.build()).totals).toMatchObject({ mode: 'full', keys: 20 });
    expect(await lake.rows()).toEqual(await lake.fullRows());
    expect(await lake.rows()).toContain('a:Alpha:90:3');
    lake.db.close();
  });

  it('builds whole when its input was rebuilt (a clock set back), or the model changed', async () => {
    const lake = await backfill();
    await lake.fetch('sales', '2026-11-02T06:00:00Z', 'run-2', { a9: { shop: 'a', amount: 1 } });
    await lake.build();
    // A run whose clock was set back: its versions are older than the input's newest, so the input
    // is built whole, and a watermark alone would miss them.
    await lake.fetch('sales', '2026-10-30T06:00:00Z', 'run-0', { c7: { shop: 'c', amount: 100 } });
    const built = await lake.build();
    expect(built.sales).toMatchObject({ mode: 'full' });
    expect(built.totals).toMatchObject({ mode: 'full', keys: 20 });
    expect(await lake.rows()).toContain('c:Gamma:260:4');
    expect(await lake.rows()).toEqual(await lake.fullRows());

    const changed = parseModel(
      totals.id,
      totals.file,
      totals.sql.replace('as sales,', 'as sales, 1 as version,'),
    );
    const runner = new ModelRunner(lake.db, new ModelGraph([sales, shops, rates, changed]), {
      vars: {},
      asOf: new Date(),
      now: new Date(),
    });
    expect((await runner.build([changed]))[0]).toMatchObject({ mode: 'full' });
    lake.db.close();
  });

  it('equals a full build after many small days, its parts kept few by compaction', async () => {
    const lake = await backfill();
    for (let day = 2; day <= 20; day++) {
      const at = new Date(Date.UTC(2026, 10, day, 6)).toISOString();
      const shop = 'abcdefghuvwxyz'[day % 14]!;
      await lake.fetch('sales', at, `run-${day}`, { [`${shop}${day}`]: { shop, amount: day } });
      if (day % 5 === 0) await lake.fetch('shops', at, `run-${day}`, { [shop]: { name: `Shop ${day}` } });
      expect((await lake.build()).totals).toMatchObject({ mode: 'incremental' });
      expect((await lake.parts()).length).toBeLessThanOrEqual(6);
      expect(await lake.rows()).toEqual(await lake.fullRows());
    }
    lake.db.close();
  });
});
