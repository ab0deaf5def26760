import { escapeHtml, type Html, html } from './format.ts';
import { pageScripts } from './scripts.ts';

export interface PageOptions {
  title: string;
  /** What each number means, in a sentence or two; shown under the title. */
  definitions: string[];
  /** e.g. "Data through Nov 19, 2026 · refreshed 2026-11-30 05:02 UTC". */
  subtitle: string;
  body: Html;
}

const styles = `
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --accent: #2563eb; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0; background: #f8fafc; }
main { max-width: 1340px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; min-height: 100vh; }
nav { font-size: 13px; margin-bottom: 8px; } nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
h1 { font-size: 26px; margin: 4px 0; } h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.subtitle { color: var(--muted); font-size: 13px; margin: 0 0 12px; }
.definitions { background: #f1f5f9; border-left: 3px solid var(--accent); padding: 8px 14px; font-size: 13px; margin: 12px 0 20px; }
.definitions p { margin: 4px 0; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f8fafc; font-weight: 600; }
td.wide { min-width: 220px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid var(--ink); }
.chart { margin: 8px 0 20px; overflow-x: auto; }
.note { color: var(--muted); font-size: 13px; }
.pending { background: #fff7ed; border: 1px solid #fdba74; padding: 10px 14px; border-radius: 4px; }
.pass { color: #15803d; font-weight: 600; } .fail { color: #b91c1c; font-weight: 600; }
.good { color: #15803d; } .bad { color: #b91c1c; }
span.total { font-weight: 600; }
form[data-table] td { vertical-align: top; }
form[data-table] td:has(span.wide) { white-space: normal; }
.table-tools { display: flex; align-items: center; gap: 16px; margin: 8px 0 0; }
.table-tools form { margin: 0; }
a.download { font-size: 13px; color: var(--accent); }
.segmented { margin: 8px 0 16px; }
.segment-controls { display: flex; flex-wrap: wrap; gap: 8px 24px; background: #f1f5f9; padding: 8px 12px; border-radius: 4px; }
.segment-controls:empty { display: none; }
.segment-controls form { margin: 0; }
pre { background: #f1f5f9; padding: 6px 8px; font-size: 12px; white-space: pre-wrap; max-width: 760px; margin: 4px 0; }
`;

const links: [string, string][] = [
  ['index.html', 'Index'],
  ['scorecard.html', 'Scorecard'],
  ['cohorts.html', 'Cohorts'],
  ['funnels.html', 'Funnels'],
  ['offers.html', 'Offers'],
  ['audiences.html', 'Audiences'],
  ['data-quality.html', 'Data quality'],
];

/**
 * A self-contained HTML page: inline styles, inline SVG charts drawn in Node, and inline scripts
 * (the libraries and the page script of `scripts.ts`) that make its tables and filters interactive.
 * Nothing is fetched: it works from `file://` with no network.
 */
export function page(options: PageOptions): string {
  const nav = links.map(([href, label]) => `<a href="${href}">${label}</a>`).join('');
  const definitions = options.definitions.map((d) => `<p>${escapeHtml(d)}</p>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} · basin-cdp</title>
<style>${styles}</style>
</head>
<body>
<main>
<nav>${nav}</nav>
<h1>${escapeHtml(options.title)}</h1>
<p class="subtitle">${escapeHtml(options.subtitle)}</p>
${definitions ? `<section class="definitions">${definitions}</section>` : ''}
${options.body.text}
</main>
${pageScripts()}
</body>
</html>
`;
}

/** The section shown where a table another step computes is not in the lake yet. */
export function notYetComputed(table: string, what: string): Html {
  return html`<p class="pending" data-pending="${table}"><strong>Not yet computed:</strong> ${what} comes from the lake table <code>${table}</code>, which is not there yet. Run the daily refresh (<code>npx tsx src/daily.ts</code>) to compute it.</p>`;
}
