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

/** Converts between UTC instants and one zone's wall clock. */
export class GymClock {
  readonly timeZone: string;
  private readonly formatter: Intl.DateTimeFormat;
  private readonly offsetByHour = new Map<number, number>();

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
    const cached = this.offsetByHour.get(hourKey);
    if (cached !== undefined) return cached;
    const probe = hourKey * HOUR_MS;
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
    const offset = asUtc - probe;
    this.offsetByHour.set(hourKey, offset);
    return offset;
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
   * Capitan's `YYYY-MM-DD HH:MM:SS.ffffff` in gym wall-clock time. Instants are whole milliseconds or
   * seconds, so `jitter` (0-999,999) supplies the microsecond digits a real server clock would have.
   */
  capitanLocal(utcMs: number, jitter = 0): string {
    const p = this.local(utcMs);
    const frac = (p.ms * 1000 + jitter) % 1_000_000;
    return `${this.isoDateOf(p)} ${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}.${String(frac).padStart(6, '0')}`;
  }

  /** `YYYY-MM-DD` of the local calendar day of an instant. */
  localDate(utcMs: number): string {
    return this.isoDateOf(this.local(utcMs));
  }

  /** `YYYY-MM-DD` of a local day number. */
  dayToIso(dayNumber: number): string {
    return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
  }

  private isoDateOf(p: LocalParts): string {
    return `${p.year}-${pad2(p.month)}-${pad2(p.day)}`;
  }
}

/** Day number of a `YYYY-MM-DD` date (calendar arithmetic, no zone). */
export function isoToDay(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
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
