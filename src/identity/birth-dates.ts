/**
 * Birth dates as the sources write them. A date whose day and month could be either way round
 * (03/04/1990) is kept as evidence: the US reading first, the other reading beside it, and the
 * comparison decides what an agreement on either reading is worth. A date written to the month or
 * the year only (Jan 1894, 1894) is kept as what it says, a partial date: registers and old records
 * often know no more, and the year and month are evidence all the same. Nothing is silently coerced
 * (a partial date is never given a day).
 */

export type BirthDateStatus = 'empty' | 'ok' | 'ambiguous' | 'partial' | 'invalid';

export interface ParsedBirthDate {
  /** `YYYY-MM-DD`, the US (month first) reading when the text allows two. */
  date: string | null;
  /** The day-first reading of an ambiguous date. */
  alt: string | null;
  status: BirthDateStatus;
  /** A partial date as far as it is known, `YYYY-MM` or `YYYY` (status `partial`; `date` is null). */
  partial?: string;
}

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

/**
 * A valid date is evidence, historical records included: any date from 1800 on is read. Dates that
 * systems write for "unknown" (a year's first day at a century, the spreadsheet epoch) are missing.
 */
const EARLIEST_YEAR = 1800;
const PLACEHOLDER_DATES = new Set(['1800-01-01', '1899-12-30', '1899-12-31', '1900-01-01', '1901-01-01']);

const empty: ParsedBirthDate = { date: null, alt: null, status: 'empty' };
const invalid: ParsedBirthDate = { date: null, alt: null, status: 'invalid' };

/**
 * Parses one birth date. `asOf` bounds it (nobody is born in the future) and decides the century of
 * a two-digit year.
 */
export function parseBirthDate(text: string | null | undefined, asOf: Date): ParsedBirthDate {
  const s = (text ?? '').trim().toLowerCase();
  if (s === '') return empty;
  const limit = isoOf(asOf.getUTCFullYear(), asOf.getUTCMonth() + 1, asOf.getUTCDate());
  const acceptYear = (y: number, m: number, d: number) => {
    const iso = validIso(y, m, d);
    return iso !== null && iso <= limit && !PLACEHOLDER_DATES.has(iso) ? iso : null;
  };
  // A two-digit year is the latest century that does not put the birth after `asOf`.
  const accept = (year: string | number, m: number, d: number) => {
    if (typeof year === 'number' || year.length === 4) return acceptYear(Number(year), m, d);
    const century = Math.floor(asOf.getUTCFullYear() / 100) * 100;
    return acceptYear(century + Number(year), m, d) ?? acceptYear(century - 100 + Number(year), m, d);
  };

  // Year first: 1990-03-04, 1990/3/4, 1990.03.04, ISO timestamps (the date part as written).
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[t\s])/.exec(s);
  if (m) return single(accept(m[1]!, +m[2]!, +m[3]!));
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return single(accept(m[1]!, +m[2]!, +m[3]!));

  // Two numbers then a year: month first in the US, day first when the first cannot be a month.
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:$|[t\s])/.exec(s);
  if (m) {
    const a = +m[1]!;
    const b = +m[2]!;
    const year = m[3]!;
    const monthFirst = a <= 12 ? accept(year, a, b) : null;
    const dayFirst = b <= 12 ? accept(year, b, a) : null;
    if (monthFirst && dayFirst && monthFirst !== dayFirst)
      return { date: monthFirst, alt: dayFirst, status: 'ambiguous' };
    return single(monthFirst ?? dayFirst);
  }

  // Month names: "March 4, 1990", "Mar 4 1990", "4 March 1990", "4-Mar-90".
  m = /^([a-z]{3,9})\.?[\s-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(\d{2}|\d{4})$/.exec(s);
  if (m) return monthNamed(m[1]!, +m[2]!, m[3]!, accept);
  m = /^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]{3,9})\.?,?[\s-]+(\d{2}|\d{4})$/.exec(s);
  if (m) return monthNamed(m[2]!, +m[1]!, m[3]!, accept);
  return parsePartial(s, limit);
}

/**
 * A month and a four-digit year ("Jan 1894", "January, 1894", "1894-01", "01/1894") or a year alone
 * ("1894"). Two-digit years are not read here: "Jan 94" could as well be a day without its year.
 * The year of a placeholder day (1900-01-01 and the like) written alone is a placeholder too.
 */
function parsePartial(s: string, limit: string): ParsedBirthDate {
  const named = /^([a-z]{3,9})\.?,?[\s-]+(\d{4})$/.exec(s);
  const yearFirst = /^(\d{4})[-/.](\d{1,2})$/.exec(s);
  const monthFirst = /^(\d{1,2})[-/.](\d{4})$/.exec(s);
  const yearOnly = /^(\d{4})$/.exec(s);
  let year: number;
  let month: number | null = null;
  if (named) {
    const m = MONTHS[named[1]!.slice(0, named[1] === 'sept' ? 4 : 3)];
    if (!m) return invalid;
    [year, month] = [+named[2]!, m];
  } else if (yearFirst) [year, month] = [+yearFirst[1]!, +yearFirst[2]!];
  else if (monthFirst) [year, month] = [+monthFirst[2]!, +monthFirst[1]!];
  else if (yearOnly) year = +yearOnly[1]!;
  else return invalid;
  if (year < EARLIEST_YEAR || (month !== null && (month < 1 || month > 12))) return invalid;
  const partial = month === null ? String(year) : `${year}-${String(month).padStart(2, '0')}`;
  // Not after `asOf`, and not a placeholder's year written alone.
  if (partial > limit.slice(0, partial.length)) return invalid;
  if (month === null && PLACEHOLDER_DATES.has(`${partial}-01-01`)) return invalid;
  return { date: null, alt: null, status: 'partial', partial };
}

function monthNamed(
  name: string,
  day: number,
  yearText: string,
  accept: (y: string, m: number, d: number) => string | null,
): ParsedBirthDate {
  const month = MONTHS[name.slice(0, name === 'sept' ? 4 : 3)];
  if (!month) return invalid;
  return single(accept(yearText, month, day));
}

function single(iso: string | null): ParsedBirthDate {
  return iso ? { date: iso, alt: null, status: 'ok' } : invalid;
}

function validIso(y: number, m: number, d: number): string | null {
  if (y < EARLIEST_YEAR || m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d > days ? null : isoOf(y, m, d);
}

function isoOf(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
