import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
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
const maxTakeoverAttempts = 20;

/**
 * One daily run at a time per lake. The lock is a file created exclusively in the lake's local
 * root, holding the run's id, pid and host; the holder touches it every heartbeat. A lock is stale
 * when its process is gone (same host) or its heartbeat stopped. Taking over a stale lock is a
 * compare-and-swap on that one lock file: the run that exclusively creates the takeover token named
 * after the stale file's identity (inode and change time) re-checks, under the token, that the same
 * file is still there and still stale, and only then removes it and creates its own with an
 * exclusive create. A run that loses any step starts again and finds the winner's fresh lock.
 * The lock lives in the lake's local root: for an S3 lake that is the local cache, so it keeps out
 * runs sharing that cache (one machine), not runs on other machines.
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
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (attempt >= maxTakeoverAttempts)
        throw new CliError(`could not take the lock ${file}: other runs kept replacing it`, ExitCode.failure);
    }
    const current = await readHolder(file);
    if (!(await isStale(file, current, staleAfterMs))) {
      const who = current
        ? `run ${current.run_id}, pid ${current.pid} on ${current.host}, started ${current.started_at}`
        : 'a run that is still writing it';
      throw new CliError(`another daily run holds the lock ${file}: ${who}`, ExitCode.failure);
    }
    if (await takeOverStale(file, staleAfterMs)) replaced = current;
    // Another run is mid-takeover: give it a moment to finish before looking again.
    else await setTimeout(1 + Math.random() * 4);
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

/** Removes the stale lock if this run wins its takeover token; true when it did. */
async function takeOverStale(file: string, staleAfterMs: number): Promise<boolean> {
  const identity = await fileIdentity(file);
  if (!identity) return false;
  const token = `${file}.takeover-${identity}`;
  try {
    await writeFile(token, '', { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    // Re-checked under the token: a slow run may hold a token for a lock already replaced.
    if ((await fileIdentity(file)) !== identity) return false;
    if (!(await isStale(file, await readHolder(file), staleAfterMs))) return false;
    await rm(file, { force: true });
    return true;
  } finally {
    await rm(token, { force: true });
  }
}

async function fileIdentity(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file, { bigint: true });
    return `${info.ino}-${info.ctimeNs}`;
  } catch (error) {
    if (isEnoent(error)) return undefined;
    throw error;
  }
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
