import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.ts';
import { generateGym } from '../../src/sandbox/generate.ts';
import { freePortRange, startDaily, tinySandboxArgs } from '../support/daily-process.ts';
import { fingerprint } from '../support/fingerprint.ts';
import { startS3, type TestS3 } from '../support/s3-server.ts';
import { useTempDirs } from '../support/temp-dir.ts';

describe('the daily run with its lake on S3 (s3rver on 127.0.0.1)', () => {
  let s3: TestS3;
  const tempDir = useTempDirs();
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('publishes and snapshots to S3, and an empty cache on another machine reproduces the same tables', async () => {
    const cwd = await tempDir();
    const cache = path.join(cwd, 'cache');
    const port = await freePortRange();
    const env = {
      BASIN_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      BASIN_CACHE_DIR: cache,
    };
    const daily = (more: string[] = []) =>
      startDaily([...more, ...tinySandboxArgs(port, `s3://${s3.bucket}/gym`)], { cwd, env }).done;

    const first = await daily();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /publish .*s3:\/\/basin-test\/gym\/: published; snapshot (\d{4}-\d{2}-01) \(\d+ tables\)/,
    );
    const month = /snapshot (\d{4}-\d{2}-01)/.exec(first.stdout)![1]!;

    // The settings put an S3 lake's cache under BASIN_CACHE_DIR/<bucket>/<prefix>.
    const writerCache = s3.location('gym', path.join(cache, s3.bucket, 'gym'));
    const probe = new Lake(writerCache);
    const objects = (await probe.remote!.list()).map((o) => o.key);
    expect(objects).toContain('_lake.json');
    expect(objects).toContain(`snapshots/${month}/_complete.json`);
    expect(objects).toContain(`snapshots/${month}/core/customer_master.parquet`);
    expect(objects.some((k) => /^core\/customer_events@.+\.parquet$/.test(k))).toBe(true);
    expect(await probe.hasSnapshot(month)).toBe(true);
    probe.close();

    // A second run: nothing new, nothing re-downloaded into the cache that is already there, and
    // only the objects that changed uploaded: each upload is a new object, or the manifest, which the
    // run publishes three times (its run log at the start, the commit, its run log at the end).
    const keysBefore = new Set(objects);
    const second = await daily();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/sync\s+[\d.]+\s+0\s+0 downloaded/);
    const transfers = /S3 objects: (\d+) downloaded, (\d+) uploaded; (\d+) rewritten tables unchanged/.exec(
      second.stdout,
    );
    expect(transfers, second.stdout).not.toBeNull();
    const [downloaded, uploaded, unchanged] = transfers!.slice(1).map(Number);
    const probeAgain = new Lake(writerCache);
    const keysAfter = (await probeAgain.remote!.list()).map((o) => o.key);
    probeAgain.close();
    const added = keysAfter.filter((k) => !keysBefore.has(k));
    expect(downloaded).toBe(0);
    expect(uploaded).toBe(added.length + 3);
    expect(unchanged).toBeGreaterThan(10);
    expect(uploaded).toBeLessThan(keysAfter.length / 2);

    // A one-day run (the emulators' clock a day on): the cache is current, so nothing is downloaded;
    // it uploads the day's new raw parts and the tables that changed, and nothing else.
    const etags = async () => {
      const probe = new Lake(writerCache);
      const listed = new Map((await probe.remote!.list()).map((o) => [o.key, o.etag]));
      probe.close();
      return listed;
    };
    const beforeDay = await etags();
    const tomorrow = new Date(generateGym({ size: 'tiny' }).asOf.getTime() + 86_400_000)
      .toISOString()
      .slice(0, 10);
    const day = await daily(['--as-of', tomorrow]);
    expect(day.code, day.stdout + day.stderr).toBe(0);
    const dayTransfers = /S3 objects: (\d+) downloaded, (\d+) uploaded/.exec(day.stdout);
    expect(dayTransfers, day.stdout).not.toBeNull();
    const [dayDownloaded, dayUploaded] = dayTransfers!.slice(1).map(Number);
    const afterDay = await etags();
    // Every object new or changed went up, the manifest three times; a table written twice in the run
    // (superseded before the commit, then deleted) goes up each time, so this bounds from below.
    const changed = [...afterDay].filter(([key, etag]) => beforeDay.get(key) !== etag).map(([key]) => key);
    expect(dayDownloaded).toBe(0);
    expect(changed).toContain('_lake.json');
    expect(dayUploaded, changed.join('\n')).toBeGreaterThanOrEqual(changed.length + 2);
    expect(dayUploaded, changed.join('\n')).toBeLessThanOrEqual(changed.length + 6);
    // Raw is append-only: the day's new parts, and no earlier object, changed.
    const rawChanged = changed.filter((k) => k.startsWith('raw/'));
    expect(rawChanged.length).toBeGreaterThan(0);
    expect(rawChanged.every((k) => !beforeDay.has(k))).toBe(true);
    expect(dayUploaded).toBeLessThan(afterDay.size / 2);
    // Staging tables are parts: a day uploads each merged table's new part and the parts it rewrote
    // (those holding a superseded record), all new objects; the other parts stay as they were.
    const stagingBefore = [...beforeDay.keys()].filter((k) => k.startsWith('staging/'));
    const stagingChanged = changed.filter((k) => k.startsWith('staging/'));
    expect(stagingChanged.length).toBeGreaterThan(0);
    expect(stagingChanged.every((k) => !beforeDay.has(k))).toBe(true);
    expect(stagingBefore.filter((k) => afterDay.get(k) === beforeDay.get(k)).length).toBeGreaterThan(0);
    expect(day.stdout).toMatch(/raw parts parsed; \d+ staging parts rewritten, \d+ folded/);

    const everything = () => true;
    const written = await fingerprint(writerCache, everything);
    const freshCache = s3.location('gym', path.join(await tempDir(), 'empty-cache'));
    const fresh = new Lake(freshCache);
    const synced = await fresh.sync();
    fresh.close();
    expect(synced.downloaded).toBeGreaterThan(40);
    const reproduced = await fingerprint(freshCache, everything);
    expect(Object.keys(reproduced).length).toBeGreaterThan(40);
    expect(reproduced).toEqual(written);
  }, 480_000);
});
