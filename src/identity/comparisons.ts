/**
 * The Fellegi–Sunter comparisons, Splink-style: each is an ordered list of levels, each level a
 * label and a SQL condition over a pair of profiles (`l_…`, `r_…`, names already oriented so a
 * swapped first/last name compares like for like). The first level that holds is the pair's level
 * (its gamma). Level 0 is "a value is missing": it weighs nothing. The last level is "different".
 *
 * `tf` marks an exact level whose weight follows the frequency of the value agreed on (Smith counts
 * for less than Okonkwo). Every level, disagreement included, is evidence with a learned weight
 * (Fellegi–Sunter): typos in first names and birth dates are among the commonest errors, so no
 * level vetoes a pair on its own. The few vetoes are the `CONFLICTS` below.
 */

export type TermFrequencyColumn = 'fn' | 'ln' | 'city';

export interface ComparisonLevel {
  label: string;
  sql: string;
  tf?: TermFrequencyColumn;
}

export interface Comparison {
  name: string;
  levels: readonly ComparisonLevel[];
  /**
   * Two people of one home agree on it as one person's records do (a surname, the home's address,
   * a family email or phone). EM's household class follows m on these and u on the others.
   */
  household?: boolean;
}

const jw = (a: string, b: string) => `jaro_winkler_similarity(${a}, ${b})`;

/**
 * `cheap and costly`, with `costly` computed only on the pairs where `cheap` holds: DuckDB evaluates
 * both sides of an AND in a projection, and an edit distance costs 5–30 times a Jaro-Winkler, so
 * unguarded it was most of the cost of scoring random pairs. `cheap` must follow from `costly`.
 */
const onlyIf = (cheap: string, costly: string) => `case when ${cheap} then ${costly} else false end`;

/**
 * `damerau_levenshtein(a, b) <= 1`, the Damerau-Levenshtein distance (~10 µs on an email, 30 times a
 * Levenshtein) worked out only where it can decide: Levenshtein 1 or less is Damerau 1 or less, and a
 * Damerau distance of 1 at Levenshtein 2 is one swap of neighbouring letters, which keeps the length.
 */
const oneEditApart = (a: string, b: string) =>
  `case when levenshtein(${a}, ${b}) <= 1 then true` +
  ` when levenshtein(${a}, ${b}) = 2 and length(${a}) = length(${b}) then damerau_levenshtein(${a}, ${b}) <= 1` +
  ' else false end';

/**
 * A name with the letter groups that optical character recognition reads alike (rn and m, cl and
 * d, li and h, vv and w) written one way: scanned registers and old print are read that way, and
 * each is two edits, more than the typo levels forgive in a short name (Kirn, Kim).
 */
const ocrFolded = (name: string) =>
  `replace(replace(replace(replace(${name}, 'rn', 'm'), 'cl', 'd'), 'li', 'h'), 'vv', 'w')`;

export const COMPARISONS: readonly Comparison[] = [
  {
    name: 'first_name',
    levels: [
      { label: 'first name missing', sql: 'l_fn is null or r_fn is null' },
      { label: 'same first name', sql: 'l_fn = r_fn', tf: 'fn' },
      {
        // Forms meet through a slip too (Margret stands for Margaret, to meet Peggy: id_name_forms);
        // two names a keystroke apart are the typo level's, whatever list holds them.
        label: 'nickname or preferred name of the same name',
        sql: `not names_swapped and ${onlyIf('list_has_any(l_fn_forms, r_fn_forms)', 'levenshtein(l_fn, r_fn) > 1')}`,
      },
      {
        // Slips of the keyboard: one, or two that leave the name plainly the same (Jennifer,
        // Jenifre). Names that merely look alike (Eli, Elizabeth; Aaron, Mason) are not.
        label: 'first names one typo apart',
        // Damerau-Levenshtein ≤ 1, or 2 at Jaro-Winkler ≥ 0.9. Levenshtein bounds it (d ≤ lev ≤ 2d) at
        // a seventh of its cost, so d is worked out only where that bound and the Jaro-Winkler leave it
        // open: at lev 2 to 4 with Jaro-Winkler ≥ 0.9, d ≤ 2 decides; below 0.9, d ≤ 1 alone does.
        sql:
          `case when levenshtein(l_fn, r_fn) <= 1 then true when levenshtein(l_fn, r_fn) > 4 then false` +
          ` when ${jw('l_fn', 'r_fn')} >= 0.9 then damerau_levenshtein(l_fn, r_fn) <= 2` +
          ` else ${oneEditApart('l_fn', 'r_fn')} end`,
      },
      {
        label: 'an initial of the other',
        sql: '(length(l_fn) = 1 or length(r_fn) = 1) and left(l_fn, 1) = left(r_fn, 1)',
      },
      {
        // Short forms are made by clipping a name's start or end (Alex, Nora for Leonora, Seun for
        // Oluwaseun), more of them than any nickname list holds. Names that merely start alike are
        // here too (Eli, Elizabeth): the weight is learned.
        label: 'one first name is the start or the end of the other',
        sql:
          'least(length(l_fn), length(r_fn)) >= 3 and (starts_with(l_fn, r_fn) or starts_with(r_fn, l_fn)' +
          ' or suffix(l_fn, r_fn) or suffix(r_fn, l_fn))',
      },
      { label: 'first names Jaro-Winkler ≥ 0.80', sql: `${jw('l_fn', 'r_fn')} >= 0.80` },
      { label: 'different first names', sql: 'true' },
    ],
  },
  {
    name: 'last_name',
    household: true,
    levels: [
      { label: 'surname missing', sql: 'l_ln is null or r_ln is null' },
      { label: 'same surname', sql: 'l_ln = r_ln', tf: 'ln' },
      { label: 'surnames Jaro-Winkler ≥ 0.92', sql: `${jw('l_ln', 'r_ln')} >= 0.92` },
      {
        // A slip in a short surname (Kim, Kum; Lee, Lce) costs it more Jaro-Winkler than any
        // threshold above would forgive; one edit is one edit whatever the length.
        label: 'surnames one typo apart',
        sql: oneEditApart('l_ln', 'r_ln'),
      },
      {
        label: 'surnames alike once letters OCR confuses are read alike',
        sql: `${ocrFolded('l_ln')} = ${ocrFolded('r_ln')}`,
      },
      {
        label: 'one surname inside the other (double or hyphenated)',
        sql: 'least(length(l_ln), length(r_ln)) >= 3 and (contains(l_ln, r_ln) or contains(r_ln, l_ln))',
      },
      { label: 'surnames Jaro-Winkler ≥ 0.80', sql: `${jw('l_ln', 'r_ln')} >= 0.80` },
      { label: 'different surnames', sql: 'true' },
    ],
  },
  {
    name: 'birth_date',
    levels: [
      // A partial date (Jan 1894, 1894) is not missing: its year and month are evidence.
      { label: 'birth date missing', sql: 'l_dob_year is null or r_dob_year is null' },
      { label: 'same birth date', sql: 'l_dob = r_dob' },
      {
        label: 'same birth date under the other reading of an ambiguous date',
        sql: 'l_dob = r_dob_alt or l_dob_alt = r_dob or l_dob_alt = r_dob_alt',
      },
      {
        label: 'day and month swapped',
        sql: 'year(l_dob) = year(r_dob) and month(l_dob) = day(r_dob) and day(l_dob) = month(r_dob)',
      },
      {
        label: 'birth dates one keystroke apart',
        // Two of year, month and day agree and the third differs by one keystroke.
        sql: onlyIf(
          '((year(l_dob) = year(r_dob))::int + (month(l_dob) = month(r_dob))::int + (day(l_dob) = day(r_dob))::int) = 2',
          'damerau_levenshtein(cast(l_dob as varchar), cast(r_dob as varchar)) <= 1',
        ),
      },
      {
        // A year of birth worked out from an age is often one off. Within a decade (1894, 1895) that
        // is a keystroke above; across one (1879, 1880) it fell to "within a year", which strangers
        // reach as often as one person's records do.
        label: 'same birth month and day, years one apart',
        sql: 'month(l_dob) = month(r_dob) and day(l_dob) = day(r_dob) and abs(year(l_dob) - year(r_dob)) = 1',
      },
      {
        // A date written to the month (Jan 1894) against a whole or another month-only date: all
        // that can agree does. Its weight is learned like any level's; it is rarer among strangers
        // than a year alone and commoner than a whole date.
        label: 'same birth year and month, the day unknown on one side',
        sql:
          '(l_dob is null or r_dob is null) and l_dob_year = r_dob_year' +
          ' and (l_dob_month = r_dob_month or month(l_dob_alt) = r_dob_month or l_dob_month = month(r_dob_alt))',
      },
      {
        label: 'same birth year, the month unknown on one side',
        sql: '(l_dob is null or r_dob is null) and l_dob_year = r_dob_year and (l_dob_month is null or r_dob_month is null)',
      },
      {
        // Days apart is a slip; brothers and sisters are born months apart at the least.
        label: 'birth dates within a month',
        sql: "abs(date_diff('day', l_dob, r_dob)) <= 31",
      },
      {
        // With a partial date on one side: years at most one apart (the same year, another month).
        label: 'birth dates within a year',
        sql: "case when l_dob is null or r_dob is null then abs(l_dob_year - r_dob_year) <= 1 else abs(date_diff('day', l_dob, r_dob)) <= 366 end",
      },
      { label: 'different birth dates', sql: 'true' },
    ],
  },
  {
    name: 'email',
    household: true,
    levels: [
      { label: 'email missing', sql: 'l_email is null or r_email is null' },
      { label: 'same email', sql: 'l_email = r_email' },
      {
        // A user name made of the person's own names (natalie.castillo, rachel2000) is what any
        // namesake would pick too; only one with more to it says "same owner".
        // The letters beyond the names are read against the record's names as written: where a
        // name is misspelt there (Montgoery), they are the name spelt right (montgomery). A
        // remainder that is one of the pair's names but for a slip says nothing more.
        label: 'same distinctive email user name, other domain',
        sql: onlyIf(
          'l_email_user = r_email_user and length(l_email_user_extra) >= 3',
          `coalesce(greatest(${['l_ln', 'r_ln', 'l_fn', 'r_fn'].map((n) => jw('l_email_user_extra', n)).join(', ')}), 0) < 0.9`,
        ),
      },
      {
        // A keystroke slip, not a numbered sibling address (smith1@, smith2@).
        label: 'emails one keystroke apart',
        // Each check only where the cheaper one before it held (an AND works out both sides).
        sql: onlyIf(
          'abs(length(l_email) - length(r_email)) <= 1',
          onlyIf(
            `${jw('l_email', 'r_email')} >= 0.9`,
            onlyIf(
              oneEditApart('l_email', 'r_email'),
              "regexp_replace(l_email, '[0-9]', '', 'g') <> regexp_replace(r_email, '[0-9]', '', 'g')",
            ),
          ),
        ),
      },
      { label: 'different emails', sql: 'true' },
    ],
  },
  {
    name: 'phone',
    household: true,
    levels: [
      { label: 'phone missing', sql: 'l_phone is null or r_phone is null' },
      { label: 'same phone', sql: 'l_phone = r_phone' },
      {
        label: 'phones one digit apart',
        sql: onlyIf(
          `length(l_phone) = length(r_phone) and ${jw('l_phone', 'r_phone')} >= 0.9`,
          oneEditApart('l_phone', 'r_phone'),
        ),
      },
      { label: 'different phones', sql: 'true' },
    ],
  },
  {
    name: 'city',
    household: true,
    levels: [
      { label: 'city missing', sql: 'l_city is null or r_city is null' },
      { label: 'same city', sql: 'l_city = r_city', tf: 'city' },
      { label: 'cities Jaro-Winkler ≥ 0.90', sql: `${jw('l_city', 'r_city')} >= 0.90` },
      { label: 'different cities', sql: 'true' },
    ],
  },
  {
    name: 'postal_code',
    household: true,
    levels: [
      { label: 'postal code missing', sql: 'l_postal is null or r_postal is null' },
      { label: 'same postal code', sql: 'l_postal = r_postal' },
      { label: 'same postal area (first three characters)', sql: 'left(l_postal, 3) = left(r_postal, 3)' },
      { label: 'different postal codes', sql: 'true' },
    ],
  },
  {
    name: 'address',
    household: true,
    levels: [
      { label: 'address missing', sql: 'l_address is null or r_address is null' },
      { label: 'same address', sql: 'l_address = r_address' },
      { label: 'addresses Jaro-Winkler ≥ 0.90', sql: `${jw('l_address', 'r_address')} >= 0.90` },
      { label: 'different addresses', sql: 'true' },
    ],
  },
  {
    name: 'national_id',
    levels: [
      { label: 'national id missing', sql: 'l_nid is null or r_nid is null' },
      { label: 'same national id', sql: 'l_nid = r_nid' },
      // Ids are typed by hand: one slip (a digit changed, two swapped) is the commonest error.
      {
        label: 'national ids one edit apart',
        sql: oneEditApart('l_nid', 'r_nid'),
      },
      { label: 'different national ids', sql: 'true' },
    ],
  },
  {
    name: 'gender',
    levels: [
      { label: 'gender missing', sql: 'l_gender is null or r_gender is null' },
      { label: 'same gender', sql: 'l_gender = r_gender' },
      { label: 'different genders', sql: 'true' },
    ],
  },
  {
    name: 'state',
    household: true,
    levels: [
      { label: 'state missing', sql: 'l_state is null or r_state is null' },
      { label: 'same state', sql: 'l_state = r_state' },
      { label: 'different states', sql: 'true' },
    ],
  },
];

/**
 * Disagreements no score can outweigh. Each is a narrow rule for two different people, not a
 * disagreement that a typo could explain: a Jr and a Sr; people the source relates; twins (two
 * children of one birth date, plainly different first names, nothing else in common; or with an
 * account each in one source and first names written apart); two people
 * who share an email or a phone while their first names or birth dates plainly differ (a parent and
 * child, a couple); and, inside one cluster, two
 * records where one of first name and birth date plainly differs and the other does not agree
 * (differs too, or is missing). Otherwise one plainly different field beside agreeing ones is
 * evidence, weighed by the model: files replace whole values by mistake. The same national id
 * overrides all but the first two: it names one person.
 */
export const CONFLICTS: readonly { name: string; label: string; sql: string }[] = [
  {
    name: 'suffix',
    label: 'different name suffixes (Jr/Sr)',
    sql: 'coalesce(l_suffix <> r_suffix, false)',
  },
  {
    // A relation or a family membership is between two people, never one person and themself.
    name: 'related',
    label: 'the source relates them as two people (relation, family membership)',
    sql: 'coalesce(len(list_intersect(l_hints, r_hints)) > 0, false)',
  },
  {
    // Children registered together: a first name that is another name on the same day of birth,
    // with nothing else in common, is a twin. Another name is one that is neither the same, a
    // nickname, a slip nor an initial of it: twins are often given names that merely look alike
    // (Joshua and Jose, Jack and Jackson, Eli and Elizabeth), which a child's own records do not
    // differ by. Among adults a different name is as often one replaced by mistake.
    name: 'twins',
    label:
      'twins: two children of one birth date, first names that are other names, no contact or address in common',
    sql:
      'both_minors and g_birth_date = {{same_birth_date}} and g_first_name >= {{other_first_names}}' +
      ' and g_national_id <> {{same_national_id}} and g_email <> {{same_email}} and g_phone <> {{same_phone}}' +
      ' and g_address <> {{same_address}} and g_postal_code <> {{same_postal_code}}',
  },
  {
    // A source's own customer list holds a person once: two children of one birth date with an
    // account each in one system, none shared, are the parent's registration of twins, even when
    // one first name is a form of the other (Jack and Jackson). A child's duplicate account would
    // carry the same name as written; this rule leaves that to the model.
    name: 'twin_accounts',
    label:
      'twins: two children of one birth date with an account each in one source, first names written apart',
    sql:
      'separate_child_accounts and g_birth_date = {{same_birth_date}} and g_first_name > {{same_first_name}}' +
      ' and g_national_id <> {{same_national_id}}',
  },
  {
    name: 'two_people_one_contact',
    label: 'two people at one email or phone: first names or birth dates plainly differ',
    sql: 'share_contact and g_national_id <> {{same_national_id}} and (g_first_name = {{different_first_names}} or g_birth_date = {{different_birth_dates}})',
  },
  {
    name: 'two_people_one_cluster',
    label: 'two people in one cluster: first name or birth date plainly differs, the other does not agree',
    sql:
      'in_cluster and g_national_id <> {{same_national_id}}' +
      ' and g_first_name in (0, {{different_first_names}}) and g_birth_date in (0, {{different_birth_dates}})' +
      ' and g_first_name + g_birth_date > 0',
  },
];

/** The gamma of a level, found by its label (fails at load if a rule below names a level that is gone). */
export function levelIndex(comparison: string, label: string): number {
  const index =
    COMPARISONS.find((c) => c.name === comparison)?.levels.findIndex((l) => l.label === label) ?? -1;
  if (index < 0) throw new Error(`comparison ${comparison} has no level "${label}"`);
  return index;
}

/** The levels the exact rules rely on. */
export const EXACT_RULE_LEVELS = {
  sameEmail: levelIndex('email', 'same email'),
  samePhone: levelIndex('phone', 'same phone'),
  differentEmails: levelIndex('email', 'different emails'),
  differentPhones: levelIndex('phone', 'different phones'),
  differentSurnames: levelIndex('last_name', 'different surnames'),
  /** Exact rules accept first names up to this level (same, nickname, a typo); looser is the model's. */
  firstNameAgrees: levelIndex('first_name', 'first names one typo apart'),
  /** Surnames that agree: the same, or a slip of one (Jaro-Winkler ≥ 0.92, one typo). */
  lastNameAgrees: levelIndex('last_name', 'surnames one typo apart'),
};

/** `case when … then 0 when … then 1 … end as g_<name>`, one per comparison. */
export function gammaColumnsSql(comparisons: readonly Comparison[] = COMPARISONS): string {
  return comparisons
    .map((c) => {
      const whens = c.levels
        .slice(0, -1)
        .map((level, i) => `when ${level.sql} then ${i}`)
        .join(' ');
      return `case ${whens} else ${c.levels.length - 1} end::tinyint as g_${c.name}`;
    })
    .join(',\n    ');
}

/** The frequency of the value agreed on, for levels with a term-frequency adjustment. */
export function termFrequencyColumnsSql(comparisons: readonly Comparison[] = COMPARISONS): string {
  return comparisons
    .flatMap((c) =>
      c.levels.flatMap((level) =>
        level.tf ? [`case when ${level.sql} then l_tf_${level.tf} end as tf_${c.name}`] : [],
      ),
    )
    .join(',\n    ');
}

/** Which conflicts a pair shows: `conflict_<name>` booleans over the pair's gammas. */
export function conflictColumnsSql(): string {
  const levels: Record<string, number> = {
    same_national_id: levelIndex('national_id', 'same national id'),
    same_first_name: levelIndex('first_name', 'same first name'),
    different_first_names: levelIndex('first_name', 'different first names'),
    other_first_names: levelIndex('first_name', 'one first name is the start or the end of the other'),
    same_birth_date: levelIndex('birth_date', 'same birth date'),
    same_email: levelIndex('email', 'same email'),
    same_phone: levelIndex('phone', 'same phone'),
    same_address: levelIndex('address', 'same address'),
    same_postal_code: levelIndex('postal_code', 'same postal code'),
    different_birth_dates: levelIndex('birth_date', 'different birth dates'),
  };
  return CONFLICTS.map(
    (x) =>
      `(${x.sql.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(levels[key]))}) as conflict_${x.name}`,
  ).join(',\n    ');
}

export function conflictNames(): string[] {
  return CONFLICTS.map((x) => x.name);
}
