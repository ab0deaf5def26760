import type { IdentityRecord } from '../identity/input.ts';

/**
 * A generator of noisy synthetic people for the resolver's tests and benchmark at any size, with
 * the truth beside every record. It is NOT the measure of success (the sandbox gym is); it only
 * exercises the resolver with the kinds of noise people data has: nicknames, typos, case and
 * spacing, phone and date formats, day/month ambiguity, missing fields, married names, second
 * emails, family contacts shared by children, twins, fathers and sons of one name.
 */
export interface SyntheticOptions {
  /** Roughly how many records to make. */
  records: number;
  seed?: number;
}

export interface SyntheticData {
  records: IdentityRecord[];
  /** record_id → person id. */
  truth: Map<string, string>;
  /** person id → household id. */
  households: Map<string, string>;
}

const MALE = [
  ['robert', 'bob', 'rob', 'bobby'],
  ['william', 'bill', 'will', 'billy'],
  ['james', 'jim', 'jimmy'],
  ['michael', 'mike'],
  ['christopher', 'chris'],
  ['daniel', 'dan', 'danny'],
  ['joseph', 'joe'],
  ['thomas', 'tom', 'tommy'],
  ['richard', 'rick', 'rich'],
  ['edward', 'ed', 'ted'],
  ['anthony', 'tony'],
  ['matthew', 'matt'],
  ['andrew', 'andy', 'drew'],
  ['nicholas', 'nick'],
  ['benjamin', 'ben'],
  ['samuel', 'sam'],
  ['alexander', 'alex'],
  ['jonathan', 'jon'],
  ['timothy', 'tim'],
  ['steven', 'steve'],
  ['gregory', 'greg'],
  ['lawrence', 'larry'],
  ['theodore', 'ted', 'theo'],
  ['david', 'dave'],
  ['kenneth', 'ken'],
  ['ronald', 'ron'],
  ['donald', 'don'],
  ['patrick', 'pat'],
  ['peter', 'pete'],
  ['zachary', 'zach'],
  ['ethan'],
  ['noah'],
  ['liam'],
  ['mason'],
  ['logan'],
  ['caleb'],
  ['tyler'],
  ['ryan'],
  ['brandon'],
  ['justin'],
  ['carlos'],
  ['luis'],
  ['diego'],
  ['hunter'],
  ['owen'],
  ['aaron'],
  ['kevin'],
  ['travis'],
  ['marcus'],
  ['isaac'],
  ['adrian'],
  ['omar'],
  ['jamal'],
  ['wei'],
  ['arjun'],
  ['mateo'],
  ['felix'],
  ['hugo'],
  ['levi'],
  ['miles'],
];

const FEMALE = [
  ['elizabeth', 'liz', 'beth', 'betsy', 'lizzie'],
  ['katherine', 'kate', 'katie', 'kathy'],
  ['margaret', 'maggie', 'peggy', 'meg'],
  ['jennifer', 'jen', 'jenny'],
  ['jessica', 'jess'],
  ['rebecca', 'becky'],
  ['patricia', 'patty', 'trish'],
  ['victoria', 'tori', 'vicky'],
  ['abigail', 'abby'],
  ['samantha', 'sam'],
  ['alexandra', 'alex', 'sandra'],
  ['christina', 'tina', 'chris'],
  ['deborah', 'debbie', 'deb'],
  ['susan', 'sue'],
  ['stephanie', 'steph'],
  ['jacqueline', 'jackie'],
  ['dorothy', 'dot'],
  ['kimberly', 'kim'],
  ['natalie', 'nat'],
  ['olivia', 'liv'],
  ['emma'],
  ['ava'],
  ['sophia'],
  ['mia'],
  ['chloe'],
  ['grace'],
  ['hannah'],
  ['zoe'],
  ['lily'],
  ['ella'],
  ['madison'],
  ['brooke'],
  ['amanda'],
  ['rachel'],
  ['lauren'],
  ['megan'],
  ['nicole'],
  ['maria'],
  ['sofia'],
  ['camila'],
  ['priya'],
  ['mei'],
  ['aisha'],
  ['fatima'],
  ['ingrid'],
  ['noor'],
  ['leah'],
  ['nora'],
  ['ruby'],
  ['isla'],
];

const SURNAMES = (
  'smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez ' +
  'wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ' +
  'ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green adams ' +
  'nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker ' +
  'cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper ' +
  'peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez wood james ' +
  'bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster ' +
  'jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes gonzales fisher ' +
  'vasquez simmons romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno ' +
  'west cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford castro marshall ' +
  'owens harrison fernandez mcdonald woods washington kennedy wells vargas henry chen freeman webb ' +
  'tucker guzman burns crawford olson simpson porter hunter gordon mendez silva shaw snyder mason dixon ' +
  'munoz hunt hicks holmes palmer wagner black robertson boyd rose stone salazar fox warren mills meyer ' +
  'rice schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne grant dunn kelley ' +
  'spencer hawkins arnold pierce vazquez hansen peters santos hart bradley knight elliott cunningham ' +
  'duncan armstrong hudson carroll lane riley andrews alvarado ray delgado berry perkins hoffman johnston ' +
  'matthews pena richards contreras willis carpenter lawrence sandoval guerrero george chapman rios ' +
  'estrada ortega watkins greene nunez wheeler valdez harper burke larson santiago maldonado morrison ' +
  'franklin carlson austin dominguez carr lawson jacobs obrien lynch singh vega bishop montgomery ' +
  'oliver jensen harvey williamson gilbert dean sims espinoza howell li wong reid hanson le mccoy ' +
  'garrett burton fuller wang weber welch rojas lucas marquez fields park yang little banks padilla ' +
  'day walsh bowman schultz luna fowler mejia davidson acosta brewer may holland juarez newman pearson ' +
  'curtis cortez douglas schneider joseph barrett navarro figueroa keller avila wade molina stanley ' +
  'hopkins campos barnett bates chambers caldwell beck lambert miranda byrd craig ayala lowe frazier ' +
  'powers neal leonard gregory carrillo sutton fleming rhodes shelton schwartz norris jennings watts ' +
  'duran walters cohen mcdaniel moran parks steele vaughn becker holt deleon barker terry hale leon ' +
  'hail benson haynes horton miles lyons pham graves bush thornton wolfe warner cabrera mckinney mann ' +
  'zimmerman dawson lara fletcher page mccarthy love robles cervantes solis erickson reeves chang ' +
  'klein salinas fuentes baldwin daniel simon velasquez hardy higgins aguirre lin cummings chandler ' +
  'sharp barber bowen ochoa dennis robbins liu ramsey francis griffith paul blair oconnor cardenas ' +
  'pacheco cross calderon quinn moss swanson chan rivas khan rodgers serrano fitzgerald rosales stevenson'
).split(' ');

const DOMAINS = [
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'icloud.com',
  'aol.com',
  'proton.me',
];
const CITIES = ['waco', 'austin', 'dallas', 'houston', 'temple', 'killeen', 'hewitt', 'woodway', 'mcgregor'];
const SOURCES = ['capitan', 'stripe', 'square', 'mailchimp'] as const;

/** mulberry32: small, fast and deterministic (the hard-case corpora draw from it too). */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }
}

interface Person {
  id: string;
  household: string;
  names: readonly string[];
  first: string;
  last: string;
  maiden: string | null;
  suffix: 'Jr' | 'Sr' | null;
  birth: Date;
  email: string | null;
  secondEmail: string | null;
  phone: string | null;
  city: string;
  /** How many records this person leaves (a member paying monthly leaves dozens). */
  activity: number;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function typo(rng: Random, s: string): string {
  if (s.length < 4) return s;
  const i = rng.int(1, s.length - 2);
  switch (rng.int(0, 2)) {
    case 0:
      return s.slice(0, i) + s.slice(i + 1);
    case 1:
      return s.slice(0, i) + s.charAt(i) + s.slice(i);
    default:
      return s.slice(0, i) + s.charAt(i + 1) + s.charAt(i) + s.slice(i + 2);
  }
}

function phoneText(rng: Random, digits: string): string {
  const a = digits.slice(0, 3);
  const b = digits.slice(3, 6);
  const c = digits.slice(6);
  return rng.pick([
    `(${a}) ${b}-${c}`,
    `${a}-${b}-${c}`,
    `${a}.${b}.${c}`,
    digits,
    `+1${digits}`,
    `+1 ${a} ${b} ${c}`,
  ]);
}

function dateText(rng: Random, d: Date): string {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  return rng.pick([
    `${y}-${pad(m)}-${pad(day)}`,
    `${y}-${pad(m)}-${pad(day)}`,
    `${pad(m)}/${pad(day)}/${y}`,
    `${m}/${day}/${String(y).slice(2)}`,
    `${y}/${pad(m)}/${pad(day)}`,
    `${y}-${pad(m)}-${pad(day)}T00:00:00Z`,
  ]);
}

export function generateSynthetic(options: SyntheticOptions): SyntheticData {
  const rng = new Random(options.seed ?? 7);
  const records: IdentityRecord[] = [];
  const truth = new Map<string, string>();
  const households = new Map<string, string>();
  const asOf = Date.UTC(2026, 10, 20);
  let serial = 0;
  let household = 0;

  const newPerson = (hh: string, last: string, ageLo: number, ageHi: number, sex?: 'M' | 'F'): Person => {
    const names = rng.pick((sex ?? (rng.chance(0.5) ? 'M' : 'F')) === 'M' ? MALE : FEMALE);
    const birth = new Date(asOf - Math.floor((ageLo + rng.next() * (ageHi - ageLo)) * 365.25 * 86_400_000));
    const id = `p${serial++}`;
    households.set(id, hh);
    return {
      id,
      household: hh,
      names,
      first: names[0]!,
      last,
      maiden: null,
      suffix: null,
      birth: new Date(Date.UTC(birth.getUTCFullYear(), birth.getUTCMonth(), birth.getUTCDate())),
      email: null,
      secondEmail: null,
      phone: null,
      city: rng.pick(CITIES),
      activity: 1 + Math.floor(-Math.log(1 - rng.next()) * 4) + (rng.chance(0.08) ? rng.int(10, 60) : 0),
    };
  };
  const emailFor = (p: Person) => {
    const user = rng.pick([
      `${p.first}.${p.last}${rng.int(1, 999)}`,
      `${p.first}${p.last}${rng.int(1, 99)}`,
      `${p.first[0]}${p.last}${rng.int(10, 9999)}`,
      `${p.last}.${p.first}${rng.int(1, 99)}`,
      `${p.first}${rng.int(1960, 2012)}${rng.pick(['x', 'z', 'k', ''])}${rng.int(1, 99)}`,
    ]);
    return `${user}@${rng.pick(DOMAINS)}`;
  };
  const phoneFor = () =>
    `${rng.pick(['254', '512', '214', '737', '469'])}${rng.int(200, 989)}${String(rng.int(0, 9999)).padStart(4, '0')}`;

  while (records.length < options.records) {
    const hh = `h${household++}`;
    const last = rng.pick(SURNAMES);
    const adult = newPerson(hh, last, 19, 75);
    adult.email = rng.chance(0.93) ? emailFor(adult) : null;
    adult.phone = rng.chance(0.85) ? phoneFor() : null;
    if (adult.email && rng.chance(0.08)) adult.secondEmail = emailFor(adult);
    const people = [adult];
    if (rng.chance(0.45)) {
      const partner = newPerson(hh, last, 19, 75);
      partner.email = rng.chance(0.9) ? emailFor(partner) : null;
      partner.phone = rng.chance(0.8) ? phoneFor() : null;
      if (rng.chance(0.15)) partner.maiden = rng.pick(SURNAMES);
      people.push(partner);
    }
    if (rng.chance(0.35)) {
      const kids = rng.int(1, 3);
      const twins = rng.chance(0.04);
      for (let k = 0; k < kids; k++) {
        const kid = newPerson(hh, last, 3, 17);
        if (twins && k === 1) kid.birth = people[people.length - 1]!.birth;
        // Children mostly borrow a parent's contact details, or have none.
        if (rng.chance(0.5)) kid.phone = adult.phone;
        const contact = rng.next();
        if (contact < 0.1) kid.email = adult.email;
        else if (contact < 0.2) kid.email = emailFor(kid);
        kid.activity = Math.max(1, Math.floor(kid.activity / 2));
        people.push(kid);
      }
      if (rng.chance(0.05)) {
        const junior = people[people.length - 1]!;
        junior.names = adult.names;
        junior.first = adult.first;
        adult.suffix = 'Sr';
        junior.suffix = 'Jr';
      }
    }

    for (const p of people) {
      for (let r = 0; r < p.activity; r++) {
        const source = r === 0 ? 'capitan' : rng.pick(SOURCES);
        const id = `${source}:${r === 0 ? 'customer' : 'record'}:syn${serial++}`;
        const usesNickname = p.names.length > 1 && rng.chance(0.25);
        let first = usesNickname ? rng.pick(p.names.slice(1)) : p.first;
        if (rng.chance(0.02)) first = typo(rng, first);
        let lastName = p.maiden && rng.chance(0.4) ? p.maiden : p.last;
        if (rng.chance(0.02)) lastName = typo(rng, lastName);
        const email = p.secondEmail && rng.chance(0.4) ? p.secondEmail : p.email;
        const style = rng.next();
        const upper = rng.chance(0.05);
        const shown = (s: string) => (upper ? s.toUpperCase() : capital(s));
        const swapped = rng.chance(0.01);
        const record: IdentityRecord = {
          record_id: id,
          source,
          ...(style < 0.6
            ? {
                first_name: shown(swapped ? lastName : first),
                last_name: `${shown(swapped ? first : lastName)}${p.suffix && rng.chance(0.5) ? ` ${p.suffix}.` : ''}`,
              }
            : {
                full_name: `${shown(first)} ${shown(lastName)}${p.suffix && rng.chance(0.5) ? ` ${p.suffix}` : ''}`,
              }),
          email: email && rng.chance(0.85) ? (rng.chance(0.05) ? ` ${email.toUpperCase()}` : email) : null,
          phone: p.phone && rng.chance(0.6) ? phoneText(rng, p.phone) : null,
          birth_date: source === 'capitan' || rng.chance(0.15) ? dateText(rng, p.birth) : null,
          city: rng.chance(0.3) ? capital(p.city) : null,
          seen_at: new Date(asOf - rng.int(0, 1500) * 86_400_000).toISOString(),
        };
        records.push(record);
        truth.set(id, p.id);
      }
    }
  }
  return { records, truth, households };
}

/**
 * A second shape of data: a person register with heavy typos and nulls (names, birth date, city,
 * email; no phones, sources or accounts), like the public person-matching sets. Each person has one
 * to five records.
 */
export function generateRegister(options: SyntheticOptions): SyntheticData {
  const rng = new Random(options.seed ?? 3);
  const records: IdentityRecord[] = [];
  const truth = new Map<string, string>();
  const households = new Map<string, string>();
  let person = 0;
  const maybe = <T>(p: number, value: T): T | null => (rng.chance(p) ? value : null);
  while (records.length < options.records) {
    const id = `r${person++}`;
    households.set(id, id);
    const names = rng.pick(rng.chance(0.5) ? MALE : FEMALE);
    const first = names[0]!;
    const last = rng.pick(SURNAMES);
    const birth = new Date(Date.UTC(rng.int(1940, 2008), rng.int(0, 11), rng.int(1, 28)));
    const city = rng.pick(CITIES);
    const email = `${first}${rng.chance(0.5) ? '.' : ''}${last}${rng.int(1, 99)}@${rng.pick(DOMAINS)}`;
    const copies = 1 + Math.floor(rng.next() * rng.next() * 5);
    for (let c = 0; c < copies; c++) {
      let f = rng.chance(0.1) && names.length > 1 ? rng.pick(names.slice(1)) : first;
      let l = last;
      if (rng.chance(0.25)) f = typo(rng, f);
      if (rng.chance(0.25)) l = typo(rng, l);
      if (rng.chance(0.03)) [f, l] = [l, f];
      let dob = birth;
      const dobNoise = rng.next();
      if (dobNoise < 0.05)
        dob = new Date(Date.UTC(birth.getUTCFullYear(), birth.getUTCDate() - 1, birth.getUTCMonth() + 1));
      else if (dobNoise < 0.12) dob = new Date(birth.getTime() + rng.int(-3, 3) * 86_400_000);
      const e = rng.chance(0.15) ? typo(rng, email.split('@')[0]!) + email.slice(email.indexOf('@')) : email;
      const recordId = `register:${records.length}`;
      records.push({
        record_id: recordId,
        first_name: maybe(0.9, capital(f)),
        last_name: maybe(0.9, capital(l)),
        birth_date: maybe(0.85, dob.toISOString().slice(0, 10)),
        city: maybe(0.7, capital(rng.chance(0.1) ? typo(rng, city) : city)),
        email: maybe(0.7, e),
      });
      truth.set(recordId, id);
    }
  }
  return { records, truth, households };
}
