import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dateOption, monthOption, parseDateOption } from '../src/date-options.ts';
import { CliError } from '../src/errors.ts';
import { projectRoot, runEntry } from './support/run-cli.ts';
import { useTempDirs } from './support/temp-dir.ts';

describe('command line', () => {
  const tempDir = useTempDirs();

  it('lists the commands with --help', async () => {
    const result = await runEntry('src/cli.ts', ['--help'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    for (const command of ['config', 'tables', 'query', 'sync', 'snapshot', 'sandbox']) {
      expect(result.stdout).toContain(command);
    }
  });

  it("prints the sandbox gym's statistics and rejects a bad size", async () => {
    const cwd = await tempDir();
    const stats = await runEntry('src/cli.ts', ['sandbox', 'stats', '--size', 'tiny'], { cwd });
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/People: \d+ \(\d+ adults, \d+ minors\)/);
    expect(stats.stdout).toContain('capitan.checkins');
    expect(stats.stdout).toContain('Date formats');
    const bad = await runEntry('src/cli.ts', ['sandbox', 'stats', '--size', 'huge'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--size');
  });

  it('exits 2 on an unknown command and on a malformed setting, without printing the secret', async () => {
    const cwd = await tempDir();
    expect((await runEntry('src/cli.ts', ['frobnicate'], { cwd })).code).toBe(2);
    const secret = `sk_live_${'x'.repeat(10)}!`;
    const result = await runEntry('src/cli.ts', ['config'], { cwd, env: { STRIPE_API_KEY: secret } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('STRIPE_API_KEY');
    expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('lists tables and runs a query against a fresh lake', async () => {
    const cwd = await tempDir();
    const tables = await runEntry('src/cli.ts', ['tables'], { cwd });
    expect(tables.code).toBe(0);
    expect(tables.stdout).toContain('(no rows)');
    const query = await runEntry(
      'src/cli.ts',
      ['query', 'examples/customers_since', '-p', 'since=2026-01-01'],
      { cwd },
    );
    expect(query.code).toBe(2);
    expect(query.stderr).toContain('missing parameter(s) $name_like');
  });

  it('names the missing tables and the lake setting when a command runs on an empty lake', async () => {
    const cwd = await tempDir();
    const churn = await runEntry('src/cli.ts', ['churn', 'backtest', '--out', 'churn.json'], { cwd });
    expect(churn.code).toBe(1);
    expect(churn.stderr).toContain(
      'no core/customer_events, core/customer_memberships in the lake (BASIN_LAKE_URL)',
    );
    const resolve = await runEntry('src/cli.ts', ['resolve'], { cwd });
    expect(resolve.code).toBe(1);
    expect(resolve.stderr).toContain('no staging/stg_identity_records in the lake (BASIN_LAKE_URL)');
  });

  it('refuses impossible dates with exit 2, naming the option as it was typed', async () => {
    const cwd = await tempDir();
    const cases = [
      { entry: 'src/daily.ts', args: ['--as-of', '0000-00-00'], option: '--as-of' },
      { entry: 'src/cli.ts', args: ['check', '--as-of', '2026-02-30'], option: '--as-of' },
    ];
    const results = await Promise.all(cases.map(({ entry, args }) => runEntry(entry, args, { cwd })));
    results.forEach((result, i) => {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${cases[i]!.option}: must be a real date written YYYY-MM-DD`);
      expect(result.stderr).not.toMatch(/asOf|Invalid time value/);
    });
    // The same parser, in process, for the options of the other commands.
    for (const [option, value, schema] of [
      ['--since', '2026-02-31', dateOption],
      ['-m/--month', '2026-13-01', monthOption],
      ['-m/--month', '2026-02-15', monthOption],
    ] as const) {
      const error = (() => {
        try {
          parseDateOption(option, value, schema);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(CliError);
      expect(error).toMatchObject({
        exitCode: 2,
        message: expect.stringMatching(new RegExp(`^${option}: `)),
      });
    }
    expect(parseDateOption('-m/--month', '2024-02-01', monthOption)).toBe('2024-02-01');
    expect(parseDateOption('--since', '2024-02-29')).toBe('2024-02-29');
  });

  it('gives the daily entry point --help and validates its options', async () => {
    const cwd = await tempDir();
    const help = await runEntry('src/daily.ts', ['--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--no-fetch');
    const bad = await runEntry('src/daily.ts', ['--since', 'yesterday'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since: must be a real date written YYYY-MM-DD');
  });

  it('gives every bench --help: what it measures and how it is called, without running it', async () => {
    const cwd = await tempDir();
    const benches = (await readdir(path.join(projectRoot, 'bench'))).filter(
      (f) => f.endsWith('.ts') && f !== 'measure.ts',
    );
    expect(benches.length).toBeGreaterThan(10);
    for (const bench of benches) {
      const help = await runEntry(`bench/${bench}`, ['--help'], { cwd });
      expect(help.code, bench).toBe(0);
      expect(help.stdout, bench).toContain(`npx tsx bench/${bench}`);
    }
  });
});
