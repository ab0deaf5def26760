import type { ReportContext } from './context.ts';

/** One report: the HTML file it writes under the reports folder, and how it renders. */
export interface ReportDefinition {
  file: string;
  title: string;
  /** One line for the index. */
  summary: string;
  render(ctx: ReportContext): Promise<string>;
}

export function subtitle(ctx: ReportContext): string {
  const through = new Date(`${ctx.asOf}T00:00:00Z`);
  through.setUTCDate(through.getUTCDate() - 1);
  const refreshed = ctx.refreshedAt
    ? `refreshed ${ctx.refreshedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`
    : 'never refreshed';
  return `Complete data through ${through.toISOString().slice(0, 10)} (${ctx.asOf} is still in progress) · ${refreshed} · times in ${ctx.timeZone}`;
}
