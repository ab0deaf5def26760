import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../../src/sql/database.ts';
import { ads } from '../ads.ts';
import { audiences } from '../audiences.ts';
import { churn } from '../churn.ts';
import { cohorts } from '../cohorts.ts';
import { dataQuality } from '../data-quality.ts';
import { funnels } from '../funnels.ts';
import { offers } from '../offers.ts';
import { scorecard } from '../scorecard.ts';
import { type CurrentRun, createContext } from './context.ts';
import { indexPage } from './index-page.ts';
import { type RenderedReport, renderOne, writeAtomically } from './render-one.ts';
import type { ReportDefinition } from './report.ts';

export type { RenderedReport };

export const reports: ReportDefinition[] = [
  scorecard,
  cohorts,
  funnels,
  offers,
  ads,
  audiences,
  churn,
  dataQuality,
];

export interface RenderOptions {
  outDir: string;
  /** `YYYY-MM-DD`, the refresh day (not yet complete); default: the newest day with activity. */
  asOf?: string;
  timeZone: string;
  /** Only these reports (their file names without `.html`); the index is always written. */
  only?: string[];
  log?: (line: string) => void;
  /** The daily run rendering them, so the data-quality page shows it as this run with its steps. */
  currentRun?: CurrentRun;
}

/**
 * Renders every report into `outDir`, then `index.html`. A report that fails is named in the index
 * and the result, and does not stop the others.
 */
export async function renderReports(db: Database, options: RenderOptions): Promise<RenderedReport[]> {
  const ctx = await createContext(db, {
    timeZone: options.timeZone,
    ...(options.asOf ? { asOf: options.asOf } : {}),
    ...(options.currentRun ? { currentRun: options.currentRun } : {}),
  });
  await mkdir(options.outDir, { recursive: true });
  const chosen = options.only
    ? reports.filter((r) => options.only!.includes(r.file.replace(/\.html$/, '')))
    : reports;
  const rendered: RenderedReport[] = [];
  for (const report of chosen) rendered.push(await renderOne(ctx, report, options));
  await writeAtomically(path.join(options.outDir, 'index.html'), indexPage(ctx, reports, rendered));
  return rendered;
}
