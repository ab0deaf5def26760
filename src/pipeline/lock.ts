import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CliError, ExitCode, isEnoent } from '../errors.ts';

const holderSchema = z.object({
  run_id: z.string(),
  pid: z.number().int(),
  host: z.string(),
  started_at: z.string(),
});
export type LockHolder = z.infer<typeof holderSchema>;

export interface RunLock {
  file: string;
  /** The run whose lock this one replaced because it was stale (crashed or killed). */
  replaced: LockHolder | undefined;
  release(): Promise<void>;
}

export interface LockOptions {
  runId: string;
  /** A lock whose heartbeat is older than this is stale even when its process can't be checked. */
  staleAfterMs?: number;
  heartbeatMs?: number;
}

export const lockFileName = '.daily.lock';

/**
 * One daily run at a time per lake. The lock is a file created exclusively in the lake's local
 * root, holding the run's id, pid and host; the holder touches it every heartbeat. A lock is stale
 * when its process is gone (same host) or its heartbeat stopped; a stale lock is moved aside in one
 * rename, so of two runs that both find it stale only one takes it.
 */
export async function acquireLock(dir: string, options: LockOptions): Promise<RunLock> {
  const staleAfterMs = options.staleAfterMs ?? 10 * 60_000;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const file = path.join(dir, lockFileName);
  await mkdir(dir, { recursive: true });
  const holder: LockHolder = {
    run_id: options.runId,
    pid: process.pid,
    host: os.hostname(),
    started_at: new Date().toISOString(),
  };
  let replaced: LockHolder | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, `${JSON.stringify(holder)}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
    }
    const current = await readHolder(file);
    if (!(await isStale(file, current, staleAfterMs))) {
      const who = current
        ? `run ${current.run_id}, pid ${current.pid} on ${current.host}, started ${current.started_at}`
        : 'a run that is still writing it';
      throw new CliError(`another daily run holds the lock ${file}: ${who}`, ExitCode.failure);
    }
    const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
    try {
      await rename(file, aside);
      await rm(aside, { force: true });
      replaced = current;
    } catch (error) {
      if (!isEnoent(error)) throw error;
    }
  }
  const timer = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => {});
  }, heartbeatMs);
  timer.unref();
  return {
    file,
    replaced,
    async release() {
      clearInterval(timer);
      const current = await readHolder(file);
      if (current?.run_id === holder.run_id && current.pid === holder.pid) await rm(file, { force: true });
    },
  };
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const parsed = holderSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    // An unreadable lock (a half-written file) is treated as stale by its age alone.
    return parsed.success ? parsed.data : undefined;
  } catch (error) {
    if (isEnoent(error) || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

async function isStale(file: string, holder: LockHolder | undefined, staleAfterMs: number): Promise<boolean> {
  if (holder && holder.host === os.hostname() && !processAlive(holder.pid)) return true;
  try {
    return Date.now() - (await stat(file)).mtimeMs > staleAfterMs;
  } catch (error) {
    if (isEnoent(error)) return true;
    throw error;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
