/**
 * Blocking rules: which pairs of profiles get compared at all. Each rule gives every profile a list
 * of keys (SQL over the profile `p`); profiles sharing a key under a rule become a candidate pair,
 * and the union over rules is what the model scores. A key held by more than `maxBlockSize` profiles
 * (a common surname's soundex) is split into neighbourhoods (`neighbours`) rather than compared whole,
 * unless its rule says such blocks are left out.
 * The bit of each rule that paired them is kept, to train the model on one block at a time.
 */
export interface BlockingRule {
  id: number;
  name: string;
  label: string;
  keys: string;
  /** Keys that many strangers share (names, parts of names): blocks grow fast and get the smaller cap. */
  weak?: boolean;
  /**
   * A block over its cap is left out rather than split into neighbourhoods: for keys whose split
   * blocks pair strangers (a common start of a user name at a webmail domain) and whose true pairs
   * are found by other keys. Split by default.
   */
  unsplit?: boolean;
}

const sortedMonthDay =
  "year(p.dob) || ':' || least(month(p.dob), day(p.dob)) || '-' || greatest(month(p.dob), day(p.dob))";

export const BLOCKING_RULES: readonly BlockingRule[] = [
  { id: 0, name: 'email', label: 'same email', keys: '[p.email_match]' },
  { id: 1, name: 'phone', label: 'same phone', keys: '[p.phone_e164]' },
  {
    id: 2,
    name: 'surname_birth_year',
    label: 'surnames that sound alike, same birth year (of a whole or a partial date)',
    keys: "[p.ln_sound || ':' || p.dob_year]",
    weak: true,
  },
  {
    id: 3,
    name: 'first_name_birth_day',
    label: 'same first name or nickname, and birth date either way round',
    keys: `list_transform(p.fn_forms, f -> f || ':' || ${sortedMonthDay})`,
  },
  {
    id: 4,
    name: 'names_sound_alike',
    label: 'first (or its formal name) and last names that sound alike, either order',
    keys: "list_transform(p.fn_sounds, f -> least(f, p.ln_sound) || ':' || greatest(f, p.ln_sound))",
    weak: true,
  },
  {
    id: 5,
    name: 'email_user',
    label: 'same email user name',
    keys: 'case when length(p.email_user) >= 5 then [p.email_user] else [] end',
  },
  {
    id: 6,
    name: 'birth_date_place',
    label: 'same birth date and postal code or city',
    keys: "[p.dob || ':' || coalesce(p.postal, p.city)]",
  },
  {
    // One keystroke cannot change both the first and the last five characters of a user name.
    // An oversized block is a common start or end at a webmail domain (jessi@gmail.com): split into
    // neighbourhoods at 1,000,000 records it gave 670,000 pairs no other key found, and not one of
    // them was a true pair the model accepted.
    id: 7,
    name: 'email_ends',
    label: 'same email domain and the same first or last five characters of the user name',
    weak: true,
    unsplit: true,
    keys: `case when length(p.email_user) >= 5 then [
      'a:' || left(p.email_user, 5) || '@' || split_part(p.email_match, '@', 2),
      'z:' || right(p.email_user, 5) || '@' || split_part(p.email_match, '@', 2)
    ] else [] end`,
  },
  { id: 10, name: 'national_id', label: 'same national id', keys: '[p.nid]' },
  {
    // Spaces and house numbers are where addresses are mistyped most; the rest identifies a home.
    id: 11,
    name: 'address',
    label: 'same address letters',
    keys: "[nullif(regexp_replace(p.address, '[^a-z]', '', 'g'), '')]",
  },
  {
    id: 12,
    name: 'postal_initial',
    label: 'same postal code and the same first letter of the first or last name',
    keys: "[p.postal || ':f' || left(p.fn, 1), p.postal || ':l' || left(p.ln, 1)]",
  },
  {
    // Records with no email or phone are found by names and dates alone, and Soundex breaks on a
    // misread letter (Patel, Patrl) while a damaged or partial date loses the date keys. One slip or
    // misreading cannot change both the first and the last three letters of a surname; the first
    // initial keeps the blocks small. Records with a contact have the contact keys besides.
    id: 13,
    name: 'surname_ends_initial',
    label: 'no email or phone, same first initial and the same first or last three letters of the surname',
    weak: true,
    keys: `case when p.email_match is null and p.phone_e164 is null and length(p.ln) >= 3 then [
      'a:' || left(p.ln, 3) || ':' || left(p.fn, 1),
      'z:' || right(p.ln, 3) || ':' || left(p.fn, 1)
    ] else [] end`,
  },
  {
    // A record without a contact whose first and last names both carry a slip breaks every name
    // key above, and a date written to the month (Jan 1894) has no day for the date keys. The year
    // and month of birth with both initials still meet: slips rarely hit a name's first letter.
    id: 14,
    name: 'birth_month_initials',
    label: 'no email or phone, same birth year and month and the same initials',
    keys: `case when p.email_match is null and p.phone_e164 is null and p.dob_month is not null then [
      p.dob_year || '-' || p.dob_month || ':' || left(p.fn, 1) || left(p.ln, 1)
    ] else [] end`,
  },
  {
    // The same records when the slip is in the date's year or month (1858 for 1868, 06 for 07):
    // one slip changes one of year, month and day, so the other two with both initials still meet
    // (the year and month are rule 14's).
    id: 15,
    name: 'birth_date_parts_initials',
    label: 'no email or phone, same birth month and day or same birth year and day, and the same initials',
    keys: `case when p.email_match is null and p.phone_e164 is null and p.dob is not null then [
      'md:' || month(p.dob) || '-' || day(p.dob) || ':' || left(p.fn, 1) || left(p.ln, 1),
      'yd:' || year(p.dob) || '-' || day(p.dob) || ':' || left(p.fn, 1) || left(p.ln, 1)
    ] else [] end`,
  },
];

/**
 * Not key rules: a payment naming a membership is paired with the membership owner's record. When
 * the owner is a minor the payment is their guardian's, so that pair is a household, never one person.
 */
export const MEMBERSHIP_OWNER_RULE = {
  id: 8,
  name: 'membership_owner',
  label: 'pays for a membership owned by',
};
export const MINOR_MEMBERSHIP_OWNER_RULE = {
  id: 9,
  name: 'minor_membership_owner',
  label: "pays for a minor's membership",
};

export function ruleMask(names: readonly string[]): number {
  let mask = 0;
  for (const name of names) {
    const rule =
      BLOCKING_RULES.find((r) => r.name === name) ??
      [MEMBERSHIP_OWNER_RULE, MINOR_MEMBERSHIP_OWNER_RULE].find((r) => r.name === name);
    if (!rule) throw new Error(`no blocking rule named ${name}`);
    mask |= 1 << rule.id;
  }
  return mask;
}

/**
 * `select <id> as rule_id, <weak> as weak, <split> as split, unnest(<keys>) as block_key, profile_id
 * from id_profiles as p`, one select per rule.
 */
export function blockKeysSql(rules: readonly BlockingRule[] = BLOCKING_RULES): string {
  return rules
    .map(
      (r) =>
        `select ${r.id}::tinyint as rule_id, ${r.weak ? 'true' : 'false'} as weak, ${r.unsplit ? 'false' : 'true'} as split, unnest(${r.keys}) as block_key, p.profile_id from id_profiles as p`,
    )
    .join('\n  union all\n  ');
}
