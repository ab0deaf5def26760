import { describe, expect, it } from 'vitest';
import { runEntry } from '../support/run-cli.ts';
import { useTempDirs } from '../support/temp-dir.ts';

describe('npx tsx src/cli.ts offers', () => {
  const tempDir = useTempDirs();

  it('prints the offline extractor’s accuracy against the sandbox’s true offers', async () => {
    const result = await runEntry('src/cli.ts', ['offers', 'accuracy'], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    const rate = (field: string) =>
      Number(new RegExp(`^${field}\\s+\\d+\\s+\\d+\\s+([\\d.]+)$`, 'm').exec(result.stdout)?.[1]);
    expect(rate('offer_code')).toBeGreaterThanOrEqual(95);
    expect(rate('offer_type')).toBeGreaterThanOrEqual(90);
  });

  it('refuses a bad window and explains what is missing from an empty lake', async () => {
    const cwd = await tempDir();
    const bad = await runEntry('src/cli.ts', ['offers', 'conversion', '--window-days', 'soon'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--window-days');
    const empty = await runEntry('src/cli.ts', ['offers', 'conversion'], { cwd });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/reads \w+, which .+ builds: build it first \(the daily run does\)/);
  });
});
