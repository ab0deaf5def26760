import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReportContext } from './context.ts';
import type { ReportDefinition } from './report.ts';

export interface RenderedReport {
  file: string;
  title: string;
  seconds: number;
  error?: string;
}

/** Renders one report to `outDir/<file>`; a failure is returned, not thrown, so others carry on. */
export async function renderOne(
  ctx: ReportContext,
  report: ReportDefinition,
  options: { outDir: string; log?: (line: string) => void },
): Promise<RenderedReport> {
  const started = performance.now();
  try {
    await writeAtomically(path.join(options.outDir, report.file), await report.render(ctx));
    const seconds = (performance.now() - started) / 1000;
    options.log?.(`${report.file}: ${seconds.toFixed(2)} s`);
    return { file: report.file, title: report.title, seconds };
  } catch (error) {
    const message = (error as Error).message;
    options.log?.(`${report.file}: FAILED ${message}`);
    return {
      file: report.file,
      title: report.title,
      seconds: (performance.now() - started) / 1000,
      error: message,
    };
  }
}

export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
