/**
 * The true people of the sandbox gym and the ways their identities get distorted on the way into
 * each system. Each distortion has its real-world cause: children use a parent's email or phone,
 * people pay from work, staff type names and numbers in whatever format the customer says them.
 */
import {
  AREA_CODES,
  FEMALE_FIRST,
  type FirstName,
  LAST_NAMES,
  MALE_FIRST,
  PERSONAL_DOMAINS,
  STUDENT_DOMAIN,
  WORK_DOMAINS,
} from './names.ts';
import type { Rng } from './prng.ts';

export interface Person {
  personId: string;
  householdId: string;
  sex: 'M' | 'F';
  first: FirstName;
  lastName: string;
  /** Name before marriage; the person's oldest records use it. */
  maidenName: string | null;
  /** Day the name changed (records created before it carry the maiden name). */
  renamedDay: number | null;
  suffix: 'Sr.' | 'Jr.' | null;
  birthDay: number;
  /** Personal email, canonical (lower case); null for most children. */
  email: string | null;
  /** Where the email came from: own, or borrowed from a parent. */
  emailIsShared: boolean;
  /** A previous personal address that lists kept (Mailchimp) after the person changed it. */
  oldEmail: string | null;
  /** An employer address the person pays with on Stripe. */
  workEmail: string | null;
  /** Ten digits, or null. */
  phone: string | null;
  guardian: Person | null;
  /** Goes by a nickname at the front desk. */
  usesNickname: boolean;
  /** Propensity to open marketing email. */
  openRate: number;
  /** Per-bill chance that a card payment fails. */
  cardFailRate: number;
  /** Ticks the marketing box when an account is opened. */
  marketingOptIn: boolean;
  /** The front desk misspelled their first name in Capitan. */
  misspelledAtDesk: boolean;
}

export const ageOn = (p: Person, day: number): number => Math.floor((day - p.birthDay) / 365.25);

export const fullName = (p: Person, day: number): string => `${p.first.name} ${lastNameOn(p, day)}`;

export function lastNameOn(p: Person, day: number): string {
  if (p.maidenName && p.renamedDay !== null && day < p.renamedDay) return p.maidenName;
  return p.lastName;
}

export function randomPhone(rng: Rng): string {
  return `${rng.pick(AREA_CODES)}${rng.int(201, 989)}${String(rng.int(0, 9999)).padStart(4, '0')}`;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z]/g, '');
}

export function personalEmail(rng: Rng, first: string, last: string, student = false): string {
  const f = slug(first);
  const l = slug(last);
  const n = rng.int(1, 99);
  const local = rng.weighted<string>([
    [`${f}.${l}`, 25],
    [`${f}${l}${n}`, 25],
    [`${f[0]}${l}${n}`, 15],
    [`${f}_${l}${rng.int(80, 99)}`, 10],
    [`${f}${rng.int(1970, 2012)}`, 10],
    [`${l}.${f}${n}`, 8],
    [`${f}${l[0]}${rng.int(100, 999)}`, 7],
  ]);
  const domain = student ? STUDENT_DOMAIN : rng.weighted(PERSONAL_DOMAINS);
  // A short random tag keeps two different people from drawing the same address.
  return `${local}${rng.chance(0.5) ? rng.int(2, 9) : ''}@${domain}`.replace(/\.@/, '@');
}

export function workEmail(rng: Rng, first: string, last: string): string {
  return `${slug(first)}.${slug(last)}@${rng.pick(WORK_DOMAINS)}`;
}

export interface NewPerson {
  sex?: 'M' | 'F';
  lastName?: string;
  first?: FirstName;
  birthDay: number;
  guardian?: Person | null;
}

export function makePerson(rng: Rng, personId: string, householdId: string, spec: NewPerson): Person {
  const sex = spec.sex ?? (rng.chance(0.5) ? 'M' : 'F');
  const first = spec.first ?? rng.pick(sex === 'M' ? MALE_FIRST : FEMALE_FIRST);
  const lastName = spec.lastName ?? rng.pick(LAST_NAMES);
  return {
    personId,
    householdId,
    sex,
    first,
    lastName,
    maidenName: null,
    renamedDay: null,
    suffix: null,
    birthDay: spec.birthDay,
    email: null,
    emailIsShared: false,
    oldEmail: null,
    workEmail: null,
    phone: null,
    guardian: spec.guardian ?? null,
    usesNickname: first.nicknames.length > 0 && rng.chance(0.35),
    openRate: Math.min(0.9, Math.max(0.02, rng.normal(0.32, 0.18))),
    cardFailRate: rng.chance(0.15) ? rng.uniform(0.08, 0.25) : rng.uniform(0.005, 0.03),
    marketingOptIn: rng.chance(0.6),
    misspelledAtDesk: rng.chance(0.012),
  };
}

/** A birth day for someone aged between `minAge` and `maxAge` on `onDay`. */
export function birthDayForAge(rng: Rng, onDay: number, minAge: number, maxAge: number): number {
  return onDay - Math.floor(rng.uniform(minAge, maxAge + 0.999) * 365.25);
}

// ---------- How a contact is written down in one system ----------

export type PhoneStyle = 'paren' | 'dots' | 'spaced' | 'plain' | 'e164' | 'dashes';

export function formatPhone(digits: string, style: PhoneStyle): string {
  const a = digits.slice(0, 3);
  const b = digits.slice(3, 6);
  const c = digits.slice(6);
  switch (style) {
    case 'paren':
      return `(${a}) ${b}-${c}`;
    case 'dots':
      return `${a}.${b}.${c}`;
    case 'spaced':
      return `+1 ${a} ${b} ${c}`;
    case 'e164':
      return `+1${digits}`;
    case 'dashes':
      return `${a}-${b}-${c}`;
    default:
      return digits;
  }
}

/** Front-desk entry: any format the customer said it in. */
export function deskPhone(rng: Rng, digits: string): string {
  return formatPhone(
    digits,
    rng.weighted<PhoneStyle>([
      ['paren', 34],
      ['plain', 22],
      ['dashes', 18],
      ['dots', 12],
      ['spaced', 9],
      ['e164', 5],
    ]),
  );
}

/** Typed by a person in a hurry: stray capitals or spaces now and then. */
export function typedEmail(rng: Rng, email: string, noiseRate: number): string {
  if (!rng.chance(noiseRate)) return email;
  return rng.weighted<string>([
    [email.charAt(0).toUpperCase() + email.slice(1), 40],
    [email.toUpperCase(), 15],
    [` ${email}`, 15],
    [`${email} `, 20],
    [
      email
        .replace(/^([^@]+)@/, (_m, local: string) => `${local.charAt(0).toUpperCase()}${local.slice(1)}@`)
        .replace(/@(.)/, (_m, c: string) => `@${c.toUpperCase()}`),
      10,
    ],
  ]);
}

/** A one-letter slip: dropped, doubled or swapped. */
export function typo(rng: Rng, text: string): string {
  if (text.length < 4) return text;
  const i = rng.int(1, text.length - 2);
  switch (rng.int(0, 2)) {
    case 0:
      return text.slice(0, i) + text.slice(i + 1);
    case 1:
      return text.slice(0, i) + text.charAt(i) + text.slice(i);
    default:
      return text.slice(0, i) + text.charAt(i + 1) + text.charAt(i) + text.slice(i + 2);
  }
}

/** A typo in the local part of an email (the domain stays deliverable-looking). */
export function typoEmail(rng: Rng, email: string): string {
  const at = email.indexOf('@');
  return typo(rng, email.slice(0, at)) + email.slice(at);
}
