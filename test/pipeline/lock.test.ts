import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, lockFileName } from '../../src/pipeline/lock.ts';
import { useTempDirs } from '../support/temp-dir.ts';

describe('the daily run lock', () => {
  const tempDir = useTempDirs();

  it('lets one run in at a time and names the holder to the second', async () => {
    const dir = await tempDir();
    const first = await acquireLock(dir, { runId: 'run-1' });
    await expect(acquireLock(dir, { runId: 'run-2' })).rejects.toThrow(
      new RegExp(`another daily run holds the lock .*run run-1, pid ${process.pid}`),
    );
    await first.release();
    const second = await acquireLock(dir, { runId: 'run-2' });
    expect(second.replaced).toBeUndefined();
    await second.release();
  });

  it('takes over the lock of a process that is gone, and says whose it was', async () => {
    const dir = await tempDir();
    const dead = {
      run_id: 'killed-run',
      pid: 2 ** 22 + 17,
      host: os.hostname(),
      started_at: '2026-11-01T06:00:00Z',
    };
    await writeFile(path.join(dir, lockFileName), JSON.stringify(dead));
    const lock = await acquireLock(dir, { runId: 'next' });
    expect(lock.replaced).toEqual(dead);
    expect(JSON.parse(await readFile(lock.file, 'utf8'))).toMatchObject({ run_id: 'next', pid: process.pid });
    await lock.release();
  });

  it('takes over a lock from another machine only once its heartbeat has stopped', async () => {
    const dir = await tempDir();
    const file = path.join(dir, lockFileName);
    const remote = { run_id: 'elsewhere', pid: 1, host: 'another-host', started_at: '2026-11-01T06:00:00Z' };
    await writeFile(file, JSON.stringify(remote));
    await expect(acquireLock(dir, { runId: 'next', staleAfterMs: 60_000 })).rejects.toThrow(/another-host/);
    const longAgo = new Date(Date.now() - 120_000);
    await utimes(file, longAgo, longAgo);
    const lock = await acquireLock(dir, { runId: 'next', staleAfterMs: 60_000 });
    expect(lock.replaced?.run_id).toBe('elsewhere');
    await lock.release();
  });
});

describe('taking over a stale lock under a race', () => {
  const tempDir = useTempDirs();

  it('lets exactly one of several runs take over the same stale lock, in every one of 200 trials', async () => {
    const root = await tempDir();
    const contenders = 4;
    const takeoverCounts: number[] = [];
    for (let trial = 0; trial < 200; trial++) {
      const dir = path.join(root, `trial-${trial}`);
      await mkdir(dir);
      const dead = {
        run_id: `killed-${trial}`,
        pid: 2 ** 22 + 17,
        host: os.hostname(),
        started_at: '2026-11-01T06:00:00Z',
      };
      await writeFile(path.join(dir, lockFileName), JSON.stringify(dead));
      const outcomes = await Promise.allSettled(
        Array.from({ length: contenders }, (_, i) => acquireLock(dir, { runId: `run-${i}` })),
      );
      const winners = outcomes.filter((o) => o.status === 'fulfilled');
      for (const o of outcomes)
        if (o.status === 'rejected') expect(String(o.reason)).toMatch(/another daily run holds the lock/);
      takeoverCounts.push(winners.length);
      for (const w of winners) await w.value.release();
    }
    expect(takeoverCounts.filter((n) => n !== 1)).toEqual([]);
  });
});
