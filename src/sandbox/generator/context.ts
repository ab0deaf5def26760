/**
 * Everything the households share, derived from the seed alone: the calendar (opening, asOf,
 * horizon), the arrival curve, campaigns, the events calendar, associations and Instagram posts.
 * Households are generated from this context plus their own index, so any chunk can be generated
 * without the others.
 */

import type { CapitanEvent } from '../dataset.ts';
import { buildCampaigns, type CampaignFact } from './campaigns.ts';
import { type AssociationFact, buildAssociations, buildEvents } from './capitan-global.ts';
import type { Timed } from './facts.ts';
import { buildPosts, type PostFact } from './instagram.ts';
import { Rng } from './prng.ts';
import { DAY_MS, GymClock } from './time.ts';

/** Households in the demo gym, calibrated so the demo matches the real gym's volumes. */
export const DEMO_HOUSEHOLDS = 5_050;
export const TINY_HOUSEHOLDS = 90;
/** Days from the gym's opening to the default asOf (2024-10-01 → 2026-11-20). */
const OPENING_BEFORE_AS_OF_DAYS = 780;
/** Founders memberships were sold for two months before opening. */
const PRESALE_DAYS = 61;
export const HORIZON_DAYS = 30;

export const ID_BASES = {
  customer: 2_100_000,
  membership: 180_000,
  membershipMember: 260_000,
  checkin: 8_000_000,
  associationMember: 40_000,
  event: 30_000,
} as const;

export interface GenContext {
  seed: number;
  clock: GymClock;
  householdCount: number;
  startMs: number;
  openingMs: number;
  asOfMs: number;
  horizonMs: number;
  startDay: number;
  openingDay: number;
  asOfDay: number;
  horizonDay: number;
  /** Cumulative arrival weight per day from `startDay` to `horizonDay`, normalised to end at 1. */
  arrivalCdf: Float64Array;
  campaigns: CampaignFact[];
  associations: AssociationFact[];
  events: Timed<CapitanEvent>[];
  posts: PostFact[];
}

/** Relative rate of new households on a day: a presale trickle, an opening rush, seasons, growth. */
function arrivalWeight(daysSinceOpening: number, month: number): number {
  if (daysSinceOpening < 0) return 0.35;
  const rush = 1 + 2.2 * Math.exp(-daysSinceOpening / 35);
  const growth = 1 + 0.12 * (daysSinceOpening / 365);
  const season = month >= 6 && month <= 8 ? 1.3 : month === 12 ? 0.8 : month === 1 ? 1.15 : 1;
  return rush * growth * season;
}

export function createContext(
  seed: number,
  householdCount: number,
  asOf: Date,
  timeZone: string,
): GenContext {
  const clock = new GymClock(timeZone);
  const asOfMs = asOf.getTime();
  const asOfDay = clock.localDay(asOfMs);
  const openingDay = asOfDay - OPENING_BEFORE_AS_OF_DAYS;
  const startDay = openingDay - PRESALE_DAYS;
  const horizonMs = asOfMs + HORIZON_DAYS * DAY_MS;
  const horizonDay = clock.localDay(horizonMs);
  const startMs = clock.atLocalDay(startDay);
  const openingMs = clock.atLocalDay(openingDay);

  const days = horizonDay - startDay + 1;
  const arrivalCdf = new Float64Array(days);
  let total = 0;
  for (let i = 0; i < days; i++) {
    const month = new Date((startDay + i) * DAY_MS).getUTCMonth() + 1;
    total += arrivalWeight(startDay + i - openingDay, month);
    arrivalCdf[i] = total;
  }
  for (let i = 0; i < days; i++) arrivalCdf[i] = (arrivalCdf[i] ?? 0) / total;

  const rng = new Rng(`basin/${seed}/global`);
  return {
    seed,
    clock,
    householdCount,
    startMs,
    openingMs,
    asOfMs,
    horizonMs,
    startDay,
    openingDay,
    asOfDay,
    horizonDay,
    arrivalCdf,
    campaigns: buildCampaigns(rng.fork('campaigns'), clock, startMs + 30 * DAY_MS, horizonMs),
    associations: buildAssociations(rng.fork('associations'), clock, startMs, openingMs),
    events: buildEvents(rng.fork('events'), clock, openingMs, horizonMs, ID_BASES.event),
    posts: buildPosts(rng.fork('instagram'), clock, startMs, horizonMs),
  };
}

/** The local day a household first appears, from its position in the arrival order. */
export function arrivalDay(ctx: GenContext, index: number, jitter: number): number {
  const q = (index + jitter) / ctx.householdCount;
  let lo = 0;
  let hi = ctx.arrivalCdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ctx.arrivalCdf[mid] ?? 1) < q) lo = mid + 1;
    else hi = mid;
  }
  return ctx.startDay + lo;
}

/** Households are generated in chunks of this size; each chunk numbers its records in its own id block. */
export const CHUNK_HOUSEHOLDS = 1_000;

/** Width of each chunk's id block, ample for a thousand households (even the presale's busy founders). */
const ID_STRIDES = {
  customer: 20_000,
  membership: 5_000,
  membershipMember: 20_000,
  checkin: 400_000,
  associationMember: 5_000,
} as const;

type IdKind = keyof typeof ID_STRIDES;

/**
 * Sequential ids within one chunk's block, so chunks can be generated independently (and in
 * parallel) while ids stay unique and, within a chunk, increasing.
 */
export class IdCounters {
  customer: number;
  membership: number;
  membershipMember: number;
  checkin: number;
  associationMember: number;
  private readonly chunk: number;

  constructor(chunk: number) {
    this.chunk = chunk;
    this.customer = ID_BASES.customer + chunk * ID_STRIDES.customer;
    this.membership = ID_BASES.membership + chunk * ID_STRIDES.membership;
    this.membershipMember = ID_BASES.membershipMember + chunk * ID_STRIDES.membershipMember;
    this.checkin = ID_BASES.checkin + chunk * ID_STRIDES.checkin;
    this.associationMember = ID_BASES.associationMember + chunk * ID_STRIDES.associationMember;
  }

  /** Throws if any counter ran past its block (ids would collide with the next chunk's). */
  assertWithinBlock(): void {
    for (const kind of Object.keys(ID_STRIDES) as IdKind[]) {
      if (this[kind] > ID_BASES[kind] + (this.chunk + 1) * ID_STRIDES[kind]) {
        throw new Error(`chunk ${this.chunk} ran out of ${kind} ids`);
      }
    }
  }
}
