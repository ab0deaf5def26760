import { freshnessTable } from '../data-quality.ts';
import type { ReportContext } from './context.ts';
import { formatDecimal, html } from './format.ts';
import { page } from './page.ts';
import type { RenderedReport } from './render-one.ts';
import { type ReportDefinition, subtitle } from './report.ts';

/** `index.html`: every report, when the data was refreshed, and how fresh each source is. */
export function indexPage(
  ctx: ReportContext,
  reports: ReportDefinition[],
  rendered: RenderedReport[],
): string {
  const items = reports.map((report) => {
    const result = rendered.find((r) => r.file === report.file);
    const status = !result
      ? html`<span class="note">not rendered in this run</span>`
      : result.error
        ? html`<span class="fail">failed: ${result.error}</span>`
        : html`<span class="note">rendered in ${formatDecimal(result.seconds)} s</span>`;
    return html`<li><a href="${report.file}"><strong>${report.title}</strong></a>: ${report.summary}. ${status}</li>`;
  });
  const refreshed = ctx.refreshedAt
    ? `${ctx.refreshedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`
    : 'never (nothing fetched yet)';
  return page({
    title: 'basin-cdp reports',
    subtitle: subtitle(ctx),
    definitions: [
      `Data last refreshed ${refreshed}. Reports count complete days only: data is complete through the day before ${ctx.asOf}.`,
    ],
    body: html`
<h2>Reports</h2>
<ul class="reports">${items}</ul>
<h2>Freshness per source</h2>
${freshnessTable(ctx)}`,
  });
}
