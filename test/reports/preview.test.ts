/**
 * Writing notebooks: the live preview (`reports serve`) re-renders a notebook when its file or its SQL
 * changes and the open page reloads; the example notebook renders alone. Both read the shared demo
 * lake, read-only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortRange } from '../support/daily-process.ts';
import { BUILD_WAIT_MS, type DemoLake, sharedDemoLake } from '../support/demo-lake.ts';
import { projectRoot, runEntry } from '../support/run-cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const noChromium = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (Debian's chromium package)`;
const lib = (file: string) => pathToFileURL(path.join(projectRoot, 'notebooks/lib', file)).href;

/** A notebook of the kind an analyst writes: its own SQL file, a page with what it read. */
const probe = (version: string) => `
import { readFile } from 'node:fs/promises';
import { isMain, runNotebook } from '${lib('cli.ts')}';
import { html } from '${lib('format.ts')}';
import { page } from '${lib('page.ts')}';

const probe = {
  file: 'probe.html',
  title: 'Probe',
  summary: 'a notebook under test',
  async render(ctx) {
    const sql = await readFile(new URL('../queries/probe.sql', import.meta.url), 'utf8');
    const [row] = await ctx.db.query(sql);
    return page({ title: 'Probe', subtitle: '', definitions: [], body: html\`<p id="probe">${version} \${String(row.label)}</p>\` });
  },
};

if (isMain(import.meta.url)) await runNotebook(probe);
`;

let demo: DemoLake;
let dir: string;
let browser: Browser | undefined;

beforeAll(async () => {
  demo = await sharedDemoLake();
  dir = await mkdtemp(path.join(os.tmpdir(), 'basin-preview-test-'));
  if (!noChromium) {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }
}, BUILD_WAIT_MS);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(noChromium !== null)('the live preview (reports serve)', () => {
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    // ES modules, as in the project, so a notebook can end with a top-level await.
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }');
    await mkdir(path.join(dir, 'notebooks'));
    await mkdir(path.join(dir, 'queries'));
    await writeFile(path.join(dir, 'notebooks', 'probe.ts'), probe('first'));
    await writeFile(path.join(dir, 'queries', 'probe.sql'), "select 'from sql one' as label");
    const port = await freePortRange(1);
    server = spawn(
      process.execPath,
      [
        '--import',
        path.join(projectRoot, 'node_modules/tsx/dist/loader.mjs'),
        path.join(projectRoot, 'src/cli.ts'),
        'reports',
        'serve',
        '--port',
        String(port),
        '--notebooks',
        'notebooks',
      ],
      { cwd: dir, env: { ...process.env, BASIN_LAKE_URL: demo.lakeDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    url = await new Promise<string>((resolve, reject) => {
      let output = '';
      server.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const started = output.match(/at (http:\/\/127\.0\.0\.1:\d+\/)/);
        if (started) resolve(started[1]!);
      });
      server.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      server.on('exit', (code) => reject(new Error(`reports serve exited with ${code}:\n${output}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  });

  it('re-renders a notebook when its file changes, and when its SQL changes, and the page reloads', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}probe.html`, { timeout: 120_000 });
    expect(await page.locator('#probe').textContent()).toBe('first from sql one');

    await writeFile(path.join(dir, 'notebooks', 'probe.ts'), probe('second'));
    await expect
      .poll(() => page.locator('#probe').textContent(), { timeout: 120_000 })
      .toBe('second from sql one');

    await writeFile(path.join(dir, 'queries', 'probe.sql'), "select 'from sql two' as label");
    await expect
      .poll(() => page.locator('#probe').textContent(), { timeout: 120_000 })
      .toBe('second from sql two');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('shows a notebook’s error on its page, and the page once the notebook is fixed', async () => {
    await writeFile(path.join(dir, 'notebooks', 'probe.ts'), 'throw new Error("half-written notebook");');
    await expect
      .poll(async () => (await fetch(`${url}probe.html`)).status, { timeout: 120_000, interval: 500 })
      .toBe(500);
    expect(await (await fetch(`${url}probe.html`)).text()).toContain('half-written notebook');
    await writeFile(path.join(dir, 'notebooks', 'probe.ts'), probe('third'));
    await expect
      .poll(async () => (await fetch(`${url}probe.html`)).text(), { timeout: 120_000, interval: 500 })
      .toContain('third from sql two');
  }, 300_000);
});

describe('the example notebook', () => {
  it('renders its page alone: a query, a chart, a table and a filter, working offline', async () => {
    const out = path.join(dir, 'example');
    const result = await runEntry('notebooks/example-ad-hoc.ts', ['--out', out], {
      cwd: dir,
      env: { BASIN_LAKE_URL: demo.lakeDir },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('example-ad-hoc.html');
    const html = await readFile(path.join(out, 'example-ad-hoc.html'), 'utf8');
    expect(html).toContain('data-chart="checkins-by-weekday"');
    expect(html).toContain('data-table="checkins-by-weekday"');
    expect(html).toContain('data-segments="entry"');
    if (!browser) return;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) =>
      route.request().url().startsWith('file:') ? route.continue() : route.abort(),
    );
    await page.goto(pathToFileURL(path.join(out, 'example-ad-hoc.html')).href);
    const rows = () =>
      page.$$eval('[data-segment]:not([hidden]) form[data-table] tbody tr', (trs) => trs.length);
    const everyEntry = await rows();
    expect(everyEntry).toBeGreaterThan(7);
    await page.locator('[data-dimension="entry"] select').selectOption({ label: 'Day pass' });
    expect(await rows()).toBe(7);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
