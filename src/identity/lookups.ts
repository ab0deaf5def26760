import type { CountryCode } from 'libphonenumber-js/max';
import type { Database } from '../sql/database.ts';
import { parseBirthDate } from './birth-dates.ts';
import { parsePhoneKeysInParallel } from './phone-workers.ts';
import { phoneKey } from './phones.ts';

export interface LookupCounts {
  phones: number;
  invalidPhones: number;
  birthDates: number;
  invalidBirthDates: number;
  ambiguousBirthDates: number;
}

/**
 * Parses each distinct phone and birth date of `id_input` once, in TypeScript (libphonenumber and
 * the date formats), into `id_phone_lookup` and `id_birth_date_lookup`, which the SQL joins back.
 * Counts are per record. `meanwhile` is started once the values are read and runs in DuckDB's
 * threads while phones validate on worker threads (libphonenumber's full metadata: the slow part)
 * and this thread parses birth dates.
 */
export async function buildLookups(
  db: Database,
  asOf: Date,
  region: CountryCode,
  meanwhile: () => Promise<void> = async () => {},
): Promise<LookupCounts> {
  const phoneRows = await db.query(
    'select phone as raw, count(*)::bigint as n from id_input where phone is not null group by all',
  );
  const dateRows = await db.query(
    'select birth_date as raw, count(*)::bigint as n from id_input where birth_date is not null group by all',
  );
  const background = meanwhile();

  // Phones validate on worker threads while this thread parses the birth dates.
  const rawKeys = phoneRows.map((row) => phoneKey(String(row.raw)));
  const distinctKeys = [...new Set(rawKeys.filter((key): key is string => key !== null))];
  const validating = parsePhoneKeysInParallel(distinctKeys, region);

  const dateLookup: [string, string | null, string | null, string, string | null][] = [];
  let birthDates = 0;
  let invalidBirthDates = 0;
  let ambiguousBirthDates = 0;
  let parsed = 0;
  for (const row of dateRows) {
    if (++parsed % 2000 === 0) await new Promise((resolve) => setImmediate(resolve));
    const date = parseBirthDate(String(row.raw), asOf);
    const n = Number(row.n);
    birthDates += n;
    if (date.status === 'invalid') invalidBirthDates += n;
    if (date.status === 'ambiguous') ambiguousBirthDates += n;
    dateLookup.push([String(row.raw), date.date, date.alt, date.status, date.partial ?? null]);
  }

  const validated = await validating;
  const e164ByKey = new Map(distinctKeys.map((key, i) => [key, validated[i] ?? null]));
  const phoneLookup: [string, string | null][] = [];
  let phones = 0;
  let invalidPhones = 0;
  phoneRows.forEach((row, i) => {
    const key = rawKeys[i];
    const e164 = key == null ? null : (e164ByKey.get(key) ?? null);
    phones += Number(row.n);
    if (e164 === null) invalidPhones += Number(row.n);
    phoneLookup.push([String(row.raw), e164]);
  });
  await background;

  await db.run('create or replace table id_phone_lookup (phone_raw varchar, phone_e164 varchar)');
  await db.appendRows('id_phone_lookup', phoneLookup);
  await db.run(
    `create or replace table id_birth_date_lookup_text
       (birth_date_raw varchar, birth_date varchar, birth_date_alt varchar, birth_date_status varchar,
        birth_date_partial varchar)`,
  );
  await db.appendRows('id_birth_date_lookup_text', dateLookup);
  await db.run(
    `create or replace table id_birth_date_lookup as
     select birth_date_raw, birth_date::date as birth_date, birth_date_alt::date as birth_date_alt,
            birth_date_status, birth_date::date > $adults_born_by::date as birth_date_minor,
            -- The year and month as far as known, whole dates and partial ones (YYYY-MM, YYYY) alike.
            coalesce(year(birth_date::date), left(birth_date_partial, 4)::smallint)::smallint as birth_year,
            coalesce(
              month(birth_date::date), case when length(birth_date_partial) = 7 then right(birth_date_partial, 2)::tinyint end
            )::tinyint as birth_month
     from id_birth_date_lookup_text`,
    { adults_born_by: adultsBornBy(asOf) },
  );
  await db.run('drop table id_birth_date_lookup_text');
  return { phones, invalidPhones, birthDates, invalidBirthDates, ambiguousBirthDates };
}

/** The last birth date of someone 18 or older at `asOf`. */
function adultsBornBy(asOf: Date): string {
  const d = new Date(Date.UTC(asOf.getUTCFullYear() - 18, asOf.getUTCMonth(), asOf.getUTCDate()));
  return d.toISOString().slice(0, 10);
}
