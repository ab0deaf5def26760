/** Number, money, percentage and date formats for report pages, and HTML escaping. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const money = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 0,
});
const cents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

export const formatInteger = (n: number): string => integer.format(n);
export const formatDecimal = (n: number): string => decimal.format(n);
export const formatMoney = (n: number): string => money.format(n);
export const formatCents = (n: number): string => cents.format(n);
/** A share in [0, 1] as a percentage with one decimal; `—` when the base is empty. */
export const formatPercent = (share: number | null): string =>
  share === null || !Number.isFinite(share) ? '—' : `${decimal.format(share * 100)}%`;

export const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** `2026-11-09` from a DuckDB date (a UTC-midnight Date) or an ISO string. */
export function isoDate(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}

const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Nov 2026` from `2026-11-01`. */
export function monthLabel(date: string): string {
  return `${monthNames[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;
}

/** `Nov 9` from `2026-11-09`. */
export function dayLabel(date: string): string {
  return `${monthNames[Number(date.slice(5, 7)) - 1]} ${Number(date.slice(8, 10))}`;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Markup that is already safe; `html` leaves it as it is. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Interpolated = Html | string | number | null | undefined | false | Interpolated[];

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (value instanceof Html) return value.text;
  return escapeHtml(String(value));
}

const entities: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/** The text a reader sees in a cell: markup dropped, line breaks as spaces, entities decoded. */
export function plainText(value: Html | string): string {
  const text =
    value instanceof Html
      ? value.text
          .replace(/<br\s*\/?>/g, ' ')
          .replace(/<[^>]*>/g, '')
          .replace(/&(amp|lt|gt|quot|#39);/g, (entity) => entities[entity]!)
      : value;
  return text.replace(/\s+/g, ' ').trim();
}

/** A template tag that escapes every interpolated value unless it is `Html`. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}
