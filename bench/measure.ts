import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * `--help` (or `-h`) for a bench: prints the comment at the head of its file, which says what it
 * measures and how it is called, and exits.
 */
export function exitWithHelpIfAsked(file: string): void {
  if (!process.argv.slice(2).some((a) => a === '--help' || a === '-h')) return;
  const header = /^\/\*\*\n([\s\S]*?)\n \*\//.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
  process.stdout.write(`${header.replace(/^ \*( |$)/gm, '')}\n`);
  process.exit(0);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Samples this process's resident set size until stopped; returns the peak in MB. */
export function trackPeakRss(intervalMs = 50): () => number {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    return Math.round(peak / 1024 / 1024);
  };
}

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** Prints the figures and writes them to bench/results/<name>.json. */
export async function report(name: string, figures: Record<string, unknown>): Promise<void> {
  const dir = path.join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const body = { benchmark: name, measured_at: new Date().toISOString(), node: process.version, ...figures };
  await writeFile(path.join(dir, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`);
  console.log(JSON.stringify(body, null, 2));
}

/**
 * Builds `dir` with `build` unless it was built by the same code: a lake cached across benchmark
 * runs must not outlive a change to the SQL or TypeScript that made it.
 */
export async function cachedBuild(dir: string, build: () => Promise<void>): Promise<'reused' | 'built'> {
  const marker = path.join(dir, '.prepared');
  const fingerprint = await codeFingerprint();
  const previous = await readFile(marker, 'utf8').catch(() => null);
  if (previous?.trim() === fingerprint) return 'reused';
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await build();
  await writeFile(marker, `${fingerprint}\n`);
  return 'built';
}

async function codeFingerprint(): Promise<string> {
  const root = path.resolve(import.meta.dirname, '..');
  const hash = createHash('sha256');
  for (const folder of ['src', 'queries']) {
    const files = (await readdir(path.join(root, folder), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name))
      .sort();
    for (const file of files) hash.update(path.relative(root, file)).update(await readFile(file));
  }
  return hash.digest('hex');
}
