/**
 * Time in the sandbox gym: instants are UTC epoch milliseconds; the gym lives on its wall clock in a
 * named time zone. Offsets come from Intl (so DST is right) and are cached per UTC hour, because a
 * demo gym converts hundreds of thousands of instants.
 */

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** 0 = Sunday. */
  weekday: number;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Hours from 2000-01-01 covered by the offset table (about 60 years). */
const TABLE_HOURS = 24 * 366 * 60;
const TABLE_ORIGIN_HOUR = Date.UTC(2000, 0, 1) / HOUR_MS;

/** Converts between UTC instants and one zone's wall clock. */
export class GymClock {
  readonly timeZone: string;
  private readonly formatter: Intl.DateTimeFormat;
  /** Offset per UTC hour, filled lazily (NaN = not yet asked). */
  private readonly offsets = new Float64Array(TABLE_HOURS).fill(Number.NaN);
  /** `YYYY-MM-DD` per day number, filled lazily. */
  private readonly dayText = new Map<number, string>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Offset of the wall clock from UTC at an instant, in ms (negative west of Greenwich). */
  offsetAt(utcMs: number): number {
    const hourKey = Math.floor(utcMs / HOUR_MS);
    const slot = hourKey - TABLE_ORIGIN_HOUR;
    if (slot >= 0 && slot < TABLE_HOURS) {
      if (Number.isNaN(this.offsets[slot] as number)) this.fillDay(slot - (slot % 24));
      return this.offsets[slot] as number;
    }
    return this.computeOffset(hourKey * HOUR_MS);
  }

  /** Fills a UTC day of the table: two Intl calls, or one per hour on a day the offset changes. */
  private fillDay(firstSlot: number): void {
    const start = (TABLE_ORIGIN_HOUR + firstSlot) * HOUR_MS;
    const first = this.computeOffset(start);
    const last = this.computeOffset(start + 23 * HOUR_MS);
    for (let h = 0; h < 24 && firstSlot + h < TABLE_HOURS; h++) {
      this.offsets[firstSlot + h] = first === last ? first : this.computeOffset(start + h * HOUR_MS);
    }
  }

  private computeOffset(probe: number): number {
    const parts: Record<string, number> = {};
    for (const part of this.formatter.formatToParts(new Date(probe))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(
      parts.year ?? 1970,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
    );
    return asUtc - probe;
  }

  local(utcMs: number): LocalParts {
    const d = new Date(utcMs + this.offsetAt(utcMs));
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      ms: d.getUTCMilliseconds(),
      weekday: d.getUTCDay(),
    };
  }

  /** The instant at a wall-clock time (for a time skipped by DST, the instant an hour later). */
  fromLocal(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
    const asUtc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    let guess = asUtc - this.offsetAt(asUtc);
    guess = asUtc - this.offsetAt(guess);
    return guess;
  }

  /** The gym-local day number (days since 1970-01-01 on the wall clock) of an instant. */
  localDay(utcMs: number): number {
    return Math.floor((utcMs + this.offsetAt(utcMs)) / DAY_MS);
  }

  /** The instant of local midnight starting a local day number, plus an optional wall-clock time. */
  atLocalDay(dayNumber: number, hour = 0, minute = 0, second = 0, ms = 0): number {
    const d = new Date(dayNumber * DAY_MS);
    return this.fromLocal(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), hour, minute, second, ms);
  }

  /**
   * Capitan's ISO-8601 datetime without an offset, `YYYY-MM-DDTHH:MM:SS.ffffff`, in gym wall-clock time
   * ("ISO-8601 datetime, no offset", https://api.hellocapitan.com/api/docs/check-ins/). Instants are
   * whole milliseconds or seconds, so `jitter` (0-999,999) supplies the microsecond digits a real
   * server clock would have.
   */
  capitanLocal(utcMs: number, jitter = 0): string {
    const localMs = utcMs + this.offsetAt(utcMs);
    const day = Math.floor(localMs / DAY_MS);
    let rest = localMs - day * DAY_MS;
    const hour = Math.floor(rest / HOUR_MS);
    rest -= hour * HOUR_MS;
    const minute = Math.floor(rest / MINUTE_MS);
    rest -= minute * MINUTE_MS;
    const second = Math.floor(rest / 1000);
    const frac = ((rest - second * 1000) * 1000 + jitter) % 1_000_000;
    return `${this.dayToIso(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${String(frac).padStart(6, '0')}`;
  }

  /** `YYYY-MM-DD` of the local calendar day of an instant. */
  localDate(utcMs: number): string {
    return this.dayToIso(this.localDay(utcMs));
  }

  /** `YYYY-MM-DD` of a local day number. */
  dayToIso(dayNumber: number): string {
    let text = this.dayText.get(dayNumber);
    if (text === undefined) {
      text = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
      this.dayText.set(dayNumber, text);
    }
    return text;
  }
}

/** Stripe: unix seconds. */
export const stripeTime = (utcMs: number): number => Math.floor(utcMs / 1000);

/** Square: RFC 3339 UTC with milliseconds, `2025-11-05T21:07:56.482Z`. */
export const squareTime = (utcMs: number): string => new Date(utcMs).toISOString();

/** Mailchimp: ISO 8601 with a numeric offset, `2025-11-05T15:07:56+00:00`. */
export const mailchimpTime = (utcMs: number): string => `${new Date(utcMs).toISOString().slice(0, 19)}+00:00`;

/** Instagram Graph: `2025-10-28T15:54:34+0000`. */
export const instagramTime = (utcMs: number): string => `${new Date(utcMs).toISOString().slice(0, 19)}+0000`;

/** ISO date-time with the gym's offset, as Capitan's `event_parts` `*_isoformat` fields. */
export function isoWithOffset(clock: GymClock, utcMs: number): string {
  const offset = clock.offsetAt(utcMs);
  const local = new Date(utcMs + offset).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / MINUTE_MS;
  return `${local}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

export { pad2 };
