import { type Html, html } from './format.ts';

export interface Column<T> {
  header: string;
  numeric?: boolean;
  /** Text that needs room (descriptions, summaries). */
  wide?: boolean;
  cell(row: T): Html | string;
  /** `data-key` of the cell, for tests that compare the page with the query. */
  key?(row: T): string;
  /** Native tooltip. */
  title?(row: T): string;
}

/** A table with numeric columns right-aligned; rows with `total` set are drawn as totals. */
export function table<T>(name: string, columns: Column<T>[], rows: T[], total?: (row: T) => boolean): Html {
  const className = (c: Column<T>) => (c.numeric ? 'num' : c.wide ? 'wide' : '');
  const head = columns.map((c) => html`<th class="${className(c)}">${c.header}</th>`);
  const body = rows.map(
    (row) =>
      html`<tr class="${total?.(row) ? 'total' : ''}">${columns.map(
        (c) =>
          html`<td class="${className(c)}" data-key="${c.key?.(row) ?? null}" title="${c.title?.(row) ?? null}">${c.cell(row)}</td>`,
      )}</tr>`,
  );
  return html`<table data-table="${name}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
