import { type Html, html, plainText } from './format.ts';
import { jsonScript } from './scripts.ts';

export type CellValue = string | number | null;

export interface Column<T> {
  header: string;
  numeric?: boolean;
  /** Text that needs room (descriptions, summaries). */
  wide?: boolean;
  cell(row: T): Html | string;
  /**
   * What the column sorts by and what the CSV download holds: the raw number or ISO date behind the
   * formatted cell. Default: the cell's text, read as a number in a numeric column.
   */
  value?(row: T): CellValue;
  /** Offer a select of this column's values that narrows the rows (filtered in the browser). */
  filter?: boolean;
  /** `data-key` of the cell, for tests that compare the page with the query. */
  key?(row: T): string;
  /** Native tooltip. */
  title?(row: T): string;
}

/** What the page's script reads to make a table sortable, filterable and downloadable. */
export interface TableData {
  name: string;
  columns: { header: string; numeric: boolean; wide: boolean; filter: boolean }[];
  /** One array of column values per body row, in the rendered order. */
  rows: CellValue[][];
}

/**
 * A table with numeric columns right-aligned; rows with `total` set are drawn as totals. The rows are
 * rendered as HTML (readable without JavaScript) and their values embedded as JSON, from which the
 * page's script makes it an Observable Inputs table: sort by any column, a text filter, a select per
 * `filter` column, and a "Download CSV" link of the rows the filters leave.
 */
export function table<T>(name: string, columns: Column<T>[], rows: T[], total?: (row: T) => boolean): Html {
  const className = (c: Column<T>) => (c.numeric ? 'num' : c.wide ? 'wide' : '');
  const head = columns.map((c) => html`<th class="${className(c)}">${c.header}</th>`);
  const cells = rows.map((row) => columns.map((c) => c.cell(row)));
  const body = rows.map(
    (row, i) =>
      html`<tr class="${total?.(row) ? 'total' : ''}">${columns.map(
        (c, j) =>
          html`<td class="${className(c)}" data-key="${c.key?.(row) ?? null}" title="${c.title?.(row) ?? null}">${cells[i]![j]!}</td>`,
      )}</tr>`,
  );
  const data: TableData = {
    name,
    columns: columns.map((c) => ({
      header: c.header,
      numeric: c.numeric ?? false,
      wide: c.wide ?? false,
      filter: c.filter ?? false,
    })),
    rows: rows.map((row, i) =>
      columns.map((c, j) => (c.value ? c.value(row) : defaultValue(c, cells[i]![j]!))),
    ),
  };
  return html`<div class="table-view" data-table-view="${name}">
<table data-table="${name}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>
${jsonScript('table-data', data)}</div>`;
}

function defaultValue<T>(column: Column<T>, cell: Html | string): CellValue {
  const text = plainText(cell);
  if (!column.numeric) return text;
  const number = Number(text.replace(/[$,%\s]|pts$/g, '').replace('−', '-'));
  return text === '' || text === '—' ? null : Number.isFinite(number) ? number : text;
}
