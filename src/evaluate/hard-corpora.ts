import type { IdentityRecord } from '../identity/input.ts';
import { Random } from './synthetic.ts';

/**
 * Hard-case corpora for the identity quality bench, each with its truth. They are written apart
 * from the sandbox gym's generator and from the synthetic people, with a corruption model of their
 * own (keyboard slips, OCR confusions, phonetic spellings, dropped and swapped fields), so the
 * resolver is measured on noise its authors did not also write into the gym:
 * - a. name-only historical people, born 1820–1899, some dates written with the month only;
 * - b. US customers with emails, nicknames, typos in every field, missing fields, `Name <email>`;
 * - c. families at one address and phone: parents, twins, a father and son of one name (Sr/Jr
 *   written on some records only); every two people of a family must not merge;
 * - d. people with international phones, written in E.164, with the 00 prefix or spaced;
 * - e. people with five emails over the years and a record for each.
 */
export interface HardCorpus {
  name: string;
  records: IdentityRecord[];
  /** record_id → true person. */
  truth: Map<string, string>;
  /** true person → family; two people of one family must never be one customer. */
  families: Map<string, string>;
}

const GIVEN: readonly (readonly string[])[] = [
  ['Elizabeth', 'Liz', 'Beth', 'Betsy'],
  ['Margaret', 'Maggie', 'Peggy'],
  ['Catherine', 'Kate', 'Cathy'],
  ['Alexander', 'Alex', 'Sandy'],
  ['William', 'Bill', 'Will'],
  ['Robert', 'Bob', 'Rob'],
  ['Richard', 'Dick', 'Rick'],
  ['Jennifer', 'Jen', 'Jenny'],
  ['Patricia', 'Pat', 'Patty'],
  ['Edward', 'Ed', 'Ned'],
  ['Theodore', 'Ted', 'Theo'],
  ['Susannah', 'Sue', 'Susie'],
  ['Frederick', 'Fred'],
  ['Josephine', 'Jo', 'Josie'],
  ['Nathaniel', 'Nate', 'Nat'],
  ['Abigail', 'Abby'],
  ['Harriet', 'Hattie'],
  ['Cornelius', 'Neil'],
  ['Wilhelmina', 'Mina'],
  ['Ezekiel', 'Zeke'],
  ['Priya'],
  ['Oluwaseun', 'Seun'],
  ['Mei'],
  ['Santiago'],
  ['Ingrid'],
  ['Tobias', 'Toby'],
  ['Leonora', 'Nora'],
  ['Ambrose'],
  ['Dagny'],
  ['Ravi'],
];
const SURNAMES = [
  'Abernathy',
  'Okonkwo',
  'Haverford',
  'Lindqvist',
  'Castellanos',
  'Pemberton',
  'Nakashima',
  'Fairweather',
  'Kowalczyk',
  'Dunmore',
  'Achterberg',
  'Villanueva',
  'Sutherland',
  'Obradovic',
  'Threlkeld',
  'Marchetti',
  'Winterbourne',
  'Szymanski',
  'Ravensworth',
  'Oyelaran',
  'Bellweather',
  'Cartwright',
  'Delacroix',
  'Henshaw',
  'Ishikawa',
  'Johansson',
  'Kettleby',
  'Lovejoy',
  'Montgomery',
  'Nightingale',
  'Ormsby',
  'Pettigrew',
  'Quintero',
  'Rasmussen',
  'Stanhope',
  'Tennant',
  'Underhill',
  'Vasquez',
  'Whitlock',
  'Yardley',
  'Smith',
  'Brown',
  'Lee',
  'Garcia',
  'Nguyen',
  'Patel',
  'Kim',
  'Miller',
  'Davis',
  'Wilson',
];
const PLACES = [
  'Ashby',
  'Bramford',
  'Coldstream',
  'Dunwich',
  'Eskdale',
  'Farnley',
  'Glenrock',
  'Hatherleigh',
];
const STREETS = ['Oak', 'Maple', 'Cedar', 'Elm', 'Pine', 'Willow', 'Birch', 'Aspen', 'Hickory', 'Juniper'];
const US_CITIES: readonly (readonly [string, string, string])[] = [
  ['Waco', 'TX', '767'],
  ['Austin', 'TX', '787'],
  ['Denver', 'CO', '802'],
  ['Portland', 'OR', '972'],
  ['Madison', 'WI', '537'],
  ['Raleigh', 'NC', '276'],
];
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'hotmail.com', 'proton.me'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Keys next to each other on a QWERTY keyboard: the slips typists make. */
const NEIGHBOURS: Record<string, string> = {
  a: 'sqz',
  b: 'vn',
  c: 'xv',
  d: 'sf',
  e: 'wr',
  f: 'dg',
  g: 'fh',
  h: 'gj',
  i: 'uo',
  j: 'hk',
  k: 'jl',
  l: 'k',
  m: 'n',
  n: 'bm',
  o: 'ip',
  p: 'o',
  q: 'w',
  r: 'et',
  s: 'ad',
  t: 'ry',
  u: 'yi',
  v: 'cb',
  w: 'qe',
  x: 'zc',
  y: 'tu',
  z: 'x',
  '0': '9',
  '1': '2',
  '2': '13',
  '3': '24',
  '4': '35',
  '5': '46',
  '6': '57',
  '7': '68',
  '8': '79',
  '9': '80',
};
/** What optical character recognition confuses in old print and handwriting. */
const OCR: readonly (readonly [string, string])[] = [
  ['rn', 'm'],
  ['m', 'rn'],
  ['cl', 'd'],
  ['li', 'h'],
  ['e', 'c'],
  ['u', 'v'],
];
/** Spellings that sound alike. */
const PHONETIC: readonly (readonly [string, string])[] = [
  ['ph', 'f'],
  ['ck', 'k'],
  ['ie', 'y'],
  ['ou', 'ow'],
  ['th', 't'],
  ['z', 's'],
];

/** One keyboard slip: a neighbouring key, two letters swapped, one dropped or one doubled. */
function slip(rng: Random, text: string): string {
  if (text.length < 3) return text;
  const i = rng.int(1, text.length - 2);
  const c = text[i]!;
  switch (rng.int(0, 3)) {
    case 0: {
      const near = NEIGHBOURS[c.toLowerCase()];
      return near ? text.slice(0, i) + rng.pick([...near]) + text.slice(i + 1) : text;
    }
    case 1:
      return text.slice(0, i) + text[i + 1] + c + text.slice(i + 2);
    case 2:
      return text.slice(0, i) + text.slice(i + 1);
    default:
      return text.slice(0, i) + c + text.slice(i);
  }
}

function replaceOne(rng: Random, text: string, pairs: readonly (readonly [string, string])[]): string {
  const lower = text.toLowerCase();
  const options = pairs.filter(([from]) => lower.includes(from, 1));
  if (options.length === 0) return slip(rng, text);
  const [from, to] = rng.pick(options);
  const at = lower.indexOf(from, 1);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** A name as a clerk, a scanner or a caller might get it wrong. */
function corruptName(rng: Random, name: string, rate: number): string {
  if (!rng.chance(rate)) return name;
  const kind = rng.next();
  if (kind < 0.5) return slip(rng, name);
  if (kind < 0.75) return replaceOne(rng, name, OCR);
  return replaceOne(rng, name, PHONETIC);
}

const pad = (n: number) => String(n).padStart(2, '0');

interface Born {
  y: number;
  m: number;
  d: number;
}

function birth(rng: Random, from: number, to: number): Born {
  return { y: rng.int(from, to), m: rng.int(1, 12), d: rng.int(1, 28) };
}

/** A birth date in a format a source writes, sometimes with one digit slipped. */
function writeBirth(rng: Random, b: Born, slipRate: number): string {
  let { y, m, d } = b;
  if (rng.chance(slipRate)) {
    const which = rng.int(0, 2);
    if (which === 0) y += rng.pick([-1, 1, -10, 10]);
    else if (which === 1) d = d >= 10 ? Number(String(d).split('').reverse().join('')) || d : d + 10;
    else m = m === 12 ? 11 : m + 1;
    if (d > 28) d = 28;
  }
  switch (rng.int(0, 2)) {
    case 0:
      return `${y}-${pad(m)}-${pad(d)}`;
    case 1:
      return `${d} ${MONTHS[m - 1]} ${y}`;
    default:
      return `${pad(m)}/${pad(d)}/${y}`;
  }
}

function usPhone(rng: Random): string {
  return `${rng.int(2, 9)}${rng.int(0, 8)}${rng.int(0, 9)}${rng.int(2, 9)}${rng.int(0, 9)}${rng.int(0, 9)}${String(rng.int(0, 9999)).padStart(4, '0')}`;
}

function writeUsPhone(rng: Random, digits: string): string {
  const [a, b, c] = [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)];
  return rng.pick([
    `(${a}) ${b}-${c}`,
    `${a}-${b}-${c}`,
    `${a}.${b}.${c}`,
    `+1${digits}`,
    `1 ${a} ${b} ${c}`,
  ]);
}

/**
 * Email addresses issued in one corpus. A provider issues an address once: two people of a corpus
 * never own one address, unless the corpus says they share it (a family's).
 */
type Issued = Set<string>;

/** A fresh address: drawn again while taken, as a sign-up form would refuse it. */
function issue(issued: Issued, draw: () => string): string {
  for (;;) {
    const email = draw();
    if (!issued.has(email)) {
      issued.add(email);
      return email;
    }
  }
}

function emailFor(rng: Random, issued: Issued, first: string, last: string): string {
  const f = first.toLowerCase();
  const l = last.toLowerCase();
  return issue(issued, () => {
    const user = rng.pick([
      `${f}.${l}`,
      `${f[0]}${l}`,
      `${f}${l}${rng.int(1, 99)}`,
      `${l}.${f}${rng.int(1950, 2005)}`,
    ]);
    return `${user}@${rng.pick(DOMAINS)}`;
  });
}

class Builder {
  readonly records: IdentityRecord[] = [];
  readonly truth = new Map<string, string>();
  readonly families = new Map<string, string>();
  constructor(private readonly prefix: string) {}
  add(person: string, family: string, record: Omit<IdentityRecord, 'record_id'>): void {
    const id = `${this.prefix}:${this.records.length + 1}`;
    this.records.push({ record_id: id, source: this.prefix, ...record });
    this.truth.set(id, person);
    this.families.set(person, family);
  }
  corpus(name: string): HardCorpus {
    return { name, records: this.records, truth: this.truth, families: this.families };
  }
}

const maybe = <T>(rng: Random, missingRate: number, value: T): T | null =>
  rng.chance(missingRate) ? null : value;

function historical(rng: Random, people: number): HardCorpus {
  const out = new Builder('parish');
  for (let p = 0; p < people; p++) {
    const given = rng.pick(GIVEN)[0]!;
    const last = rng.pick(SURNAMES);
    const born = birth(rng, 1820, 1899);
    const place = rng.pick(PLACES);
    for (let r = 0, n = rng.int(1, 3); r < n; r++) {
      const monthOnly = rng.chance(0.15);
      out.add(`a${p}`, `a${p}`, {
        first_name: rng.chance(0.08) ? given[0] : corruptName(rng, given, 0.3),
        last_name: corruptName(rng, last, 0.3),
        birth_date: maybe(
          rng,
          0.1,
          monthOnly ? `${MONTHS[born.m - 1]} ${born.y}` : writeBirth(rng, born, 0.1),
        ),
        city: maybe(rng, 0.3, place),
      });
    }
  }
  return out.corpus('a. historical, name-only');
}

interface Customer {
  forms: readonly string[];
  last: string;
  born: Born;
  email: string;
  phone: string;
  street: string;
  city: readonly [string, string, string];
  zip: string;
}

function customer(rng: Random, issued: Issued): Customer {
  const forms = rng.pick(GIVEN);
  const last = rng.pick(SURNAMES);
  const city = rng.pick(US_CITIES);
  return {
    forms,
    last,
    born: birth(rng, 1945, 2006),
    email: emailFor(rng, issued, forms[0]!, last),
    phone: usPhone(rng),
    street: `${rng.int(1, 9999)} ${rng.pick(STREETS)} ${rng.pick(['St', 'Street', 'Ave', 'Rd'])}`,
    city,
    zip: `${city[2]}${String(rng.int(1, 99)).padStart(2, '0')}`,
  };
}

/** One record of a US customer: any field may be missing or slipped, the email sometimes named. */
function customerRecord(rng: Random, c: Customer, email = c.email): Omit<IdentityRecord, 'record_id'> {
  const first = corruptName(rng, rng.chance(0.25) ? rng.pick(c.forms) : c.forms[0]!, 0.12);
  const mail = rng.chance(0.05) ? slip(rng, email) : email;
  const oneLine = rng.chance(0.3);
  return {
    first_name: first,
    last_name: corruptName(rng, c.last, 0.12),
    email: maybe(rng, 0.2, rng.chance(0.2) ? `${first} ${c.last} <${mail}>` : mail),
    phone: maybe(rng, 0.3, writeUsPhone(rng, rng.chance(0.05) ? slip(rng, c.phone) : c.phone)),
    birth_date: maybe(rng, 0.35, writeBirth(rng, c.born, 0.08)),
    address: maybe(
      rng,
      0.4,
      oneLine ? `${c.street}, ${c.city[0]}, ${c.city[1]} ${c.zip}` : corruptName(rng, c.street, 0.1),
    ),
    city: oneLine ? null : maybe(rng, 0.4, c.city[0]),
    postal_code: oneLine ? null : maybe(rng, 0.4, c.zip),
  };
}

function usCustomers(rng: Random, people: number): HardCorpus {
  const out = new Builder('shop');
  const issued: Issued = new Set();
  for (let p = 0; p < people; p++) {
    const c = customer(rng, issued);
    for (let r = 0, n = rng.int(1, 4); r < n; r++) out.add(`b${p}`, `b${p}`, customerRecord(rng, c));
  }
  return out.corpus('b. US customers');
}

function families(rng: Random, households: number): HardCorpus {
  const out = new Builder('family');
  const issued: Issued = new Set();
  for (let h = 0; h < households; h++) {
    const base = customer(rng, issued);
    const familyEmail = issue(
      issued,
      () => `${base.last.toLowerCase()}.family${rng.int(1, 99)}@${rng.pick(DOMAINS)}`,
    );
    // Everyone has an email of their own, and shares the home's address, phone and family email.
    const member = (forms: readonly string[], born: Born): Customer => ({
      ...base,
      forms,
      born,
      email: emailFor(rng, issued, forms[0]!, base.last),
    });
    const father = member(rng.pick(GIVEN), birth(rng, 1950, 1970));
    const mother = member(rng.pick(GIVEN.filter((g) => g !== father.forms)), birth(rng, 1952, 1972));
    const twinsBorn = birth(rng, 1985, 2005);
    const [twinA, twinB] = [0, 1].map(() =>
      rng.pick(GIVEN.filter((g) => g !== father.forms && g !== mother.forms)),
    );
    const people: { id: string; c: Customer; suffix: string | null }[] = [
      { id: `c${h}-father`, c: father, suffix: 'Sr' },
      { id: `c${h}-mother`, c: mother, suffix: null },
      { id: `c${h}-junior`, c: member(father.forms, birth(rng, 1985, 2000)), suffix: 'Jr' },
    ];
    if (twinA !== twinB) {
      people.push({ id: `c${h}-twin-a`, c: member(twinA!, twinsBorn), suffix: null });
      people.push({ id: `c${h}-twin-b`, c: member(twinB!, twinsBorn), suffix: null });
    }
    for (const person of people) {
      for (let r = 0, n = rng.int(1, 3); r < n; r++) {
        const record = customerRecord(rng, person.c, rng.chance(0.5) ? familyEmail : person.c.email);
        const suffix = person.suffix && rng.chance(0.5) ? ` ${person.suffix}` : '';
        out.add(person.id, `c${h}`, { ...record, last_name: `${record.last_name}${suffix}` });
      }
    }
  }
  return out.corpus('c. families, twins, Sr/Jr');
}

/** Numbers of forms libphonenumber accepts: mobiles of five countries, as country code and rest. */
const INTERNATIONAL: readonly ((rng: Random) => readonly [string, string])[] = [
  (rng) => ['44', `7${rng.int(400, 999)}${rng.int(100000, 999999)}`],
  (rng) => ['33', `6${rng.int(10000000, 99999999)}`],
  (rng) => ['61', `4${rng.int(10, 99)}${rng.int(100000, 999999)}`],
  (rng) => ['91', `9${rng.int(100000000, 999999999)}`],
  (rng) => ['49', `15${rng.int(1, 9)}${rng.int(1000000, 9999999)}`],
];

function internationalPhones(rng: Random, people: number): HardCorpus {
  const out = new Builder('intl');
  const issued: Issued = new Set();
  for (let p = 0; p < people; p++) {
    const c = customer(rng, issued);
    const [country, rest] = rng.pick(INTERNATIONAL)(rng);
    for (let r = 0, n = rng.int(1, 3); r < n; r++) {
      const record = customerRecord(rng, c);
      const phone = rng.pick([
        `+${country}${rest}`,
        `+${country} ${rest.slice(0, 4)} ${rest.slice(4)}`,
        `00${country} ${rest}`,
        `+${country} (0)${rest}`,
      ]);
      out.add(`d${p}`, `d${p}`, { ...record, phone: maybe(rng, 0.2, phone) });
    }
  }
  return out.corpus('d. international phones');
}

function manyEmails(rng: Random, people: number): HardCorpus {
  const out = new Builder('years');
  const issued: Issued = new Set();
  for (let p = 0; p < people; p++) {
    const c = customer(rng, issued);
    const emails = Array.from({ length: 5 }, () => emailFor(rng, issued, rng.pick(c.forms), c.last));
    for (const email of emails) {
      for (let r = 0, n = rng.int(1, 2); r < n; r++) out.add(`e${p}`, `e${p}`, customerRecord(rng, c, email));
    }
  }
  return out.corpus('e. five emails over the years');
}

export function hardCorpora(seed = 15): HardCorpus[] {
  const rng = new Random(seed);
  return [
    historical(rng, 1500),
    usCustomers(rng, 1500),
    families(rng, 300),
    internationalPhones(rng, 800),
    manyEmails(rng, 300),
  ];
}
