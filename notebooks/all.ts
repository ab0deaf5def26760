/** Renders every report and the index into data/reports/ (`npm run reports`). */
import { runReportsCli } from './lib/cli.ts';
import { renderReports } from './lib/render-reports.ts';

await runReportsCli('reports', 'render every report and the index into data/reports/', (db, options) =>
  renderReports(db, options),
);
