/** Gym-wide Capitan records that no household owns: associations and the events calendar. */
import type { CapitanEvent } from '../dataset.ts';
import { ASSOCIATION_NAMES, CAPITAN_LOCATION, EVENT_TYPES, type EventType } from './catalog.ts';
import type { Timed } from './facts.ts';
import type { Rng } from './prng.ts';
import { DAY_MS, type GymClock, HOUR_MS, isoWithOffset, MINUTE_MS, pad2 } from './time.ts';

export interface AssociationFact {
  id: number;
  name: string;
  at: number;
  updatedAt: number;
  requiresVerification: boolean;
  expirationAge: number | null;
  squareGroup: boolean;
}

export function buildAssociations(
  rng: Rng,
  clock: GymClock,
  startMs: number,
  openingMs: number,
): AssociationFact[] {
  return ASSOCIATION_NAMES.map((name, i) => {
    const at = i < 8 ? startMs + rng.int(0, 50) * DAY_MS : openingMs + rng.int(0, 400) * DAY_MS;
    const at2 = at + rng.int(0, 40) * DAY_MS + rng.int(0, 86_399) * 1000;
    return {
      id: i + 1,
      name,
      at: at + rng.int(32_400, 64_800) * 1000,
      updatedAt: clock.fromLocal(...localYmd(clock, at2), 10),
      requiresVerification: /Student|Military|Responders|Teachers|Healthcare/.test(name),
      expirationAge: /^Youth/.test(name) ? 18 : null,
      squareGroup: i % 3 === 0,
    };
  });
}

function localYmd(clock: GymClock, ms: number): [number, number, number] {
  const p = clock.local(ms);
  return [p.year, p.month, p.day];
}

/** A weekly timetable of classes plus party slots, summer camps and quarterly comps. */
interface Slot {
  type: EventType;
  weekday: number;
  hour: number;
  minute: number;
  /** Share of weeks the slot runs. */
  share: number;
}

function typeByName(name: string): EventType {
  const type = EVENT_TYPES.find((t) => t.name === name);
  if (!type) throw new Error(`unknown event type ${name}`);
  return type;
}

const WEEKLY: readonly Slot[] = [
  { type: typeByName('HYROX CLASS'), weekday: 1, hour: 18, minute: 0, share: 1 },
  { type: typeByName('HYROX CLASS'), weekday: 3, hour: 18, minute: 0, share: 1 },
  { type: typeByName('Strength Training Workout'), weekday: 2, hour: 6, minute: 30, share: 1 },
  { type: typeByName('Strength Training Workout'), weekday: 4, hour: 6, minute: 30, share: 1 },
  { type: typeByName('Strength Training Workout'), weekday: 5, hour: 12, minute: 0, share: 0.8 },
  { type: typeByName('Yoga for Climbers'), weekday: 6, hour: 9, minute: 0, share: 1 },
  { type: typeByName('Yoga for Climbers'), weekday: 3, hour: 7, minute: 0, share: 0.7 },
  { type: typeByName('Intro to Bouldering Class'), weekday: 4, hour: 19, minute: 0, share: 1 },
  { type: typeByName('Intro to Bouldering Class'), weekday: 0, hour: 14, minute: 0, share: 0.8 },
  { type: typeByName('Belay Certification Class'), weekday: 2, hour: 19, minute: 0, share: 1 },
  { type: typeByName('Belay Certification Class'), weekday: 6, hour: 11, minute: 0, share: 1 },
  { type: typeByName('Climbing Technique Clinic'), weekday: 0, hour: 16, minute: 0, share: 0.6 },
  { type: typeByName('6 Week Transformation'), weekday: 1, hour: 6, minute: 0, share: 0.5 },
  { type: typeByName('6 Week Transformation'), weekday: 4, hour: 6, minute: 0, share: 0.5 },
  { type: typeByName('Basin 2 Hour Birthday Party'), weekday: 6, hour: 12, minute: 0, share: 0.9 },
  { type: typeByName('Basin 2 Hour Birthday Party'), weekday: 6, hour: 15, minute: 0, share: 0.8 },
  { type: typeByName('Basin 2 Hour Birthday Party'), weekday: 0, hour: 13, minute: 0, share: 0.7 },
  { type: typeByName('Basin 2 Hour Birthday Party'), weekday: 5, hour: 17, minute: 30, share: 0.4 },
  { type: typeByName('Basin 2 Hour Birthday Party'), weekday: 0, hour: 10, minute: 0, share: 0.5 },
  { type: typeByName('Basin 2 Hour Birthday Party'), weekday: 0, hour: 16, minute: 0, share: 0.6 },
  { type: typeByName('Intro to Bouldering Class'), weekday: 2, hour: 18, minute: 0, share: 0.9 },
  { type: typeByName('Strength Training Workout'), weekday: 1, hour: 12, minute: 0, share: 1 },
  { type: typeByName('Strength Training Workout'), weekday: 3, hour: 12, minute: 0, share: 1 },
  { type: typeByName('Yoga for Climbers'), weekday: 2, hour: 19, minute: 0, share: 0.9 },
  { type: typeByName('Climbing Technique Clinic'), weekday: 3, hour: 19, minute: 30, share: 0.7 },
  { type: typeByName('HYROX CLASS'), weekday: 6, hour: 8, minute: 0, share: 1 },
];

export function buildEvents(
  rng: Rng,
  clock: GymClock,
  openingMs: number,
  untilMs: number,
  firstId: number,
): Timed<CapitanEvent>[] {
  const events: Timed<CapitanEvent>[] = [];
  const firstDay = clock.localDay(openingMs);
  // Events are published ahead of time, so the calendar runs past the horizon.
  const lastDay = clock.localDay(untilMs) + 45;
  let id = firstId;
  const add = (type: EventType, startMs: number, createdAt: number, name = type.name) => {
    const endMs = startMs + type.durationHours * HOUR_MS;
    const cancelled = rng.chance(0.03);
    const fill = type.name.includes('Birthday') ? 1 : rng.uniform(0.2, 1);
    const updatedAt = Math.min(startMs, createdAt + rng.int(0, 10) * DAY_MS + rng.int(0, 86_399) * 1000);
    const startLocal = clock.local(startMs);
    const endLocal = clock.local(endMs);
    events.push({
      at: createdAt,
      value: {
        id: id++,
        event_type_id: type.id,
        event_type_name: name,
        capacity: type.capacity,
        num_reservations: cancelled ? 0 : Math.round(type.capacity * fill),
        is_cancelled: cancelled,
        location_id: CAPITAN_LOCATION.id,
        location_name: CAPITAN_LOCATION.name,
        event_parts: [
          {
            start_datetime_isoformat: isoWithOffset(clock, startMs),
            end_datetime_isoformat: isoWithOffset(clock, endMs),
            start_local_date: clock.localDate(startMs),
            start_local_time: `${pad2(startLocal.hour)}:${pad2(startLocal.minute)}:00`,
            end_local_date: clock.localDate(endMs),
            end_local_time: `${pad2(endLocal.hour)}:${pad2(endLocal.minute)}:00`,
          },
        ],
        created_at: clock.capitanLocal(createdAt, rng.int(0, 999_999)),
        updated_at: clock.capitanLocal(updatedAt, rng.int(0, 999_999)),
      },
    });
  };
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = (((day + 4) % 7) + 7) % 7;
    for (const slot of WEEKLY) {
      if (slot.weekday !== weekday || !rng.chance(slot.share)) continue;
      const startMs = clock.atLocalDay(day, slot.hour, slot.minute);
      add(slot.type, startMs, startMs - rng.int(7, 35) * DAY_MS - rng.int(0, 600) * MINUTE_MS);
    }
    const local = new Date(day * DAY_MS);
    const month = local.getUTCMonth() + 1;
    // Summer camp: one session a week, June to mid-August, numbered from the first.
    if (weekday === 1 && (month === 6 || month === 7 || (month === 8 && local.getUTCDate() <= 14))) {
      const juneFirst = Date.UTC(local.getUTCFullYear(), 5, 1) / DAY_MS;
      const session = Math.floor((day - juneFirst) / 7) + 1;
      const camp = typeByName('Summer Camp');
      const startMs = clock.atLocalDay(day, 9);
      add(camp, startMs, startMs - rng.int(60, 120) * DAY_MS, `Summer Camp Session ${session}`);
    }
    // Boulder Bash: the first Saturday of each quarter.
    if (weekday === 6 && local.getUTCDate() <= 7 && month % 3 === 1) {
      const bash = typeByName('Boulder Bash');
      const startMs = clock.atLocalDay(day, 10);
      add(bash, startMs, startMs - rng.int(40, 70) * DAY_MS);
    }
  }
  return events;
}
