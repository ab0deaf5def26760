/**
 * The live preview (`npm run reports:dev`): a local server on 127.0.0.1 that renders notebooks into a
 * temporary folder, serves them, re-renders a notebook when its file changes (every rendered one
 * when the shared code under `lib/` or any SQL under `queries/` changes) and reloads the pages that
 * changed. Each render runs the notebook as its own process, exactly as `npx tsx notebooks/<name>.ts`
 * does, so an edit takes effect without restarting anything and a broken notebook breaks only its page.
 */
import { spawn } from 'node:child_process';
import { existsSync, type FSWatcher, watch } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { escapeHtml } from './format.ts';

export interface PreviewOptions {
  port: number;
  /** The notebooks: `<name>.ts` renders `<name>.html`; `all.ts`, when there, renders the set and the index. */
  notebooksDir: string;
  /** Watched for SQL changes. */
  queriesDir: string;
  /** Passed to every notebook run: `--sandbox`, `--as-of DATE`. */
  notebookArgs: string[];
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface Preview {
  url: string;
  /** Resolves once nothing is rendering or waiting to. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const EVENTS = '/__preview/events';

/** Added to every page the preview serves (never to rendered files): reload when this page is rendered again. */
const reloadScript = `<script>
new EventSource('${EVENTS}').addEventListener('rendered', (event) => {
  const page = location.pathname.slice(1) || 'index.html';
  if (JSON.parse(event.data).includes(page)) location.reload();
});
</script>`;

const projectRoot = path.resolve(import.meta.dirname, '..', '..');

export async function startPreview(options: PreviewOptions): Promise<Preview> {
  const log = options.log ?? ((line: string) => console.log(line));
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'basin-preview-'));
  const notebooksDir = path.resolve(options.notebooksDir);
  const all = path.join(notebooksDir, 'all.ts');
  const notebookOf = (page: string) => path.join(notebooksDir, page.replace(/\.html$/, '.ts'));
  /** Every page rendered so far, with its last render's error (null when it rendered). */
  const errors = new Map<string, string | null>();
  /** The pages `all.ts` writes, once it has run. */
  const fromAll = new Set<string>();
  let allRendered = false;
  const clients = new Set<ServerResponse>();

  /** One render at a time; what changes meanwhile is rendered next, once. */
  let running: Promise<void> = Promise.resolve();
  const waiting = new Set<string>();
  function schedule(target: string): Promise<void> {
    waiting.add(target);
    running = running.then(async () => {
      if (!waiting.has(target)) return;
      waiting.delete(target);
      await render(target);
    });
    return running;
  }

  /** Renders `all` (what `all.ts` writes, and the index) or one page, and tells the open pages. */
  async function render(target: string): Promise<void> {
    const started = performance.now();
    const { code, output } = await runNotebook(target === 'all' ? all : notebookOf(target));
    // Each notebook run prints `<page>: <seconds> s` or `<page>: FAILED <why>` per page.
    const lines = [...output.matchAll(/^([\w.-]+\.html): (FAILED )?(.*)$/gm)];
    const pages = target === 'all' ? [...lines.map((m) => m[1]!), 'index.html'] : [target];
    const crash =
      code !== 0 && lines.every((m) => !m[2]) ? output.trim() || `exited with code ${code}` : null;
    for (const page of pages) {
      const failed = lines.find((m) => m[1] === page && m[2]);
      errors.set(page, failed ? failed[3]! : crash);
      if (target === 'all') fromAll.add(page);
    }
    if (target === 'all') allRendered = true;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const failures = pages.filter((page) => errors.get(page));
    log(
      `${target === 'all' ? `${pages.length} pages` : target} rendered in ${seconds} s${failures.length > 0 ? `; FAILED: ${failures.join(', ')}` : ''}`,
    );
    if (crash) log(crash);
    for (const client of clients) client.write(`event: rendered\ndata: ${JSON.stringify(pages)}\n\n`);
  }

  function runNotebook(script: string): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', script, '--out', outDir, ...options.notebookArgs],
        { cwd: projectRoot, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  /** What a changed file calls for: its own page, or every rendered page when shared code or SQL changed. */
  function targetsOf(file: string): string[] {
    const inNotebooks = file.startsWith(`${notebooksDir}${path.sep}`);
    if (inNotebooks && path.dirname(file) === notebooksDir && file.endsWith('.ts')) {
      if (file === all) return allRendered ? ['all'] : [];
      const page = path.basename(file).replace(/\.ts$/, '.html');
      return errors.has(page) ? [page] : [];
    }
    // Editors' swap and backup files are not code.
    if (!(inNotebooks && /\.(ts|js)$/.test(file)) && !file.endsWith('.sql')) return [];
    const alone = [...errors.keys()].filter((page) => !fromAll.has(page));
    return allRendered ? ['all', ...alone] : alone;
  }

  const watchers: FSWatcher[] = [];
  let debounce: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  for (const dir of [notebooksDir, path.resolve(options.queriesDir)]) {
    watchers.push(
      watch(dir, { recursive: true }, (_event, file) => {
        if (!file) return;
        changed.add(path.join(dir, file.toString()));
        clearTimeout(debounce);
        debounce = setTimeout(() => {
          const targets = new Set([...changed].flatMap(targetsOf));
          changed.clear();
          for (const target of targets) void schedule(target);
        }, 150);
      }),
    );
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname === EVENTS) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      response.write(': connected\n\n');
      clients.add(response);
      request.on('close', () => clients.delete(response));
      return;
    }
    const page = pathname === '/' ? 'index.html' : pathname.slice(1);
    if (!/^[\w.-]+\.html$/.test(page)) {
      response.writeHead(404).end('not found');
      return;
    }
    if (!errors.has(page)) await running;
    const notebook = page === 'index.html' ? all : notebookOf(page);
    if (!errors.has(page) && existsSync(notebook)) await schedule(page === 'index.html' ? 'all' : page);
    const error = errors.get(page);
    if (error) {
      response.writeHead(500, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        `<!doctype html><meta charset="utf-8"><title>${page} failed</title><h1>${page} failed to render</h1><pre>${escapeHtml(error)}</pre>${reloadScript}`,
      );
      return;
    }
    const html = await readFile(path.join(outDir, page), 'utf8').catch(() => undefined);
    if (html === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`no notebook renders ${page}`);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(html.replace('</body>', `${reloadScript}</body>`));
  }

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      response.writeHead(500).end((error as Error).message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  if (existsSync(all)) void schedule('all');
  return {
    url: `http://127.0.0.1:${options.port}/`,
    idle: async () => {
      while (true) {
        const current = running;
        await current;
        if (current === running && waiting.size === 0) return;
      }
    },
    async close() {
      for (const watcher of watchers) watcher.close();
      clearTimeout(debounce);
      for (const client of clients) client.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await running;
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
