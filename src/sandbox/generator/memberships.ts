/**
 * Renders a planned membership: the Capitan membership record with its billing timeline, the Stripe
 * payments Capitan takes for it (initial, renewals, declines and retries), and the members' visits,
 * which fade before a churn and stop for a lapsed member.
 */
import type { Plan } from './catalog.ts';
import type { GenContext, IdCounters } from './context.ts';
import type { MembershipFact } from './facts.ts';
import type { Ledger } from './ledger.ts';
import { ageOn, type Person } from './people.ts';
import type { Rng } from './prng.ts';
import { type MembershipPlan, visitInstant, WEEKDAY_WEIGHT, weekdayOf } from './schedule.ts';
import { DAY_MS } from './time.ts';

export type Cadence = { days: number } | { months: number };

export function cadenceOf(plan: Plan): Cadence | null {
  if (plan.termDays !== null && plan.interval !== 'YRL') return null;
  if (plan.interval === 'BWK') return { days: 14 };
  if (plan.interval === 'MON') return { months: 1 };
  if (plan.interval === 'YRL') return { months: 12 };
  return null;
}

/** The day `n` billing periods after `day`. */
export function addCadence(day: number, cadence: Cadence, n: number): number {
  if ('days' in cadence) return day + cadence.days * n;
  const d = new Date(day * DAY_MS);
  const targetMonth = d.getUTCMonth() + cadence.months * n;
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), targetMonth + 1, 0)).getUTCDate();
  return Math.floor(Date.UTC(d.getUTCFullYear(), targetMonth, Math.min(d.getUTCDate(), lastDay)) / DAY_MS);
}

/** End day (first day not covered) after roughly `tenureDays`, aligned to whole billing periods. */
export function alignedEnd(plan: Plan, startDay: number, tenureDays: number): number {
  const cadence = cadenceOf(plan);
  if (!cadence) return startDay + (plan.termDays ?? 14);
  const periodDays = 'days' in cadence ? cadence.days : cadence.months * 30.44;
  return addCadence(startDay, cadence, Math.max(1, Math.round(tenureDays / periodDays)));
}

export type MemberVisitHook = (person: Person, at: number, membership: MembershipPlan) => void;

/** Mean visits a week for one person on a plan. */
function visitRate(rng: Rng, mp: MembershipPlan, person: Person): number {
  if (mp.plan.kind === 'team') return rng.uniform(1.6, 2.4);
  if (mp.plan.kind === 'twoWeek') return rng.uniform(1.5, 4);
  const base = Math.exp(rng.normal(Math.log(0.68), 0.75));
  const child = ageOn(person, mp.startDay) < 14 ? 0.6 : 1;
  return Math.min(5, base * child);
}

export function renderMembership(
  ctx: GenContext,
  ids: IdCounters,
  ledger: Ledger,
  rng: Rng,
  mp: MembershipPlan,
  onVisit: MemberVisitHook,
): MembershipFact {
  const { clock } = ctx;
  const { plan } = mp;
  const id = ids.membership++;
  const ownerAccount = ledger.account(mp.owner, mp.boughtAt);
  const memberAccounts = mp.members.map((p) => ledger.account(p, mp.boughtAt));
  const cadence = cadenceOf(plan);
  let endDay = mp.plannedEndDay;
  let reason = mp.reason;

  const freezes: { fromDay: number; toDay: number }[] = [];
  const runDays = (endDay ?? ctx.horizonDay + 60) - mp.startDay;
  if (cadence && plan.kind !== 'team' && plan.kind !== 'staff' && runDays > 150 && rng.chance(0.07)) {
    const fromDay = mp.startDay + rng.int(60, runDays - 75);
    freezes.push({ fromDay, toDay: fromDay + rng.int(21, 60) });
  }
  const frozenOn = (day: number) => freezes.some((f) => day >= f.fromDay && day < f.toDay);

  // Billing: the initial payment at purchase, renewals on the cadence, declines retried twice.
  const description = (kind: 'initial' | 'renewal') => `Capitan membership #${id} ${kind} payment`;
  const cents = Math.round(plan.price * 100);
  if (cents > 0) {
    ledger.stripePayment({
      payer: mp.payer,
      at: mp.boughtAt,
      cents,
      description: description('initial'),
      withCustomer: true,
      ...(mp.promo ? { promo: mp.promo } : {}),
    });
    if (cadence) {
      for (let n = 1; ; n++) {
        const billDay = addCadence(mp.startDay, cadence, n);
        if ((endDay !== null && billDay >= endDay) || billDay > ctx.horizonDay) break;
        if (frozenOn(billDay)) continue;
        let at = clock.atLocalDay(billDay, rng.int(3, 6), rng.int(0, 59), rng.int(0, 59), rng.int(0, 999));
        let paid = false;
        for (let attempt = 0; attempt < 3 && !paid; attempt++) {
          if (at > ctx.horizonMs) break;
          const declined = rng.chance(attempt === 0 ? mp.payer.cardFailRate : 0.5);
          ledger.stripePayment({
            payer: mp.payer,
            at,
            cents,
            description: description('renewal'),
            withCustomer: true,
            declined,
          });
          paid = !declined;
          at += (attempt === 0 ? 3 : 4) * DAY_MS + rng.int(-3_600, 3_600) * 1000;
        }
        if (!paid && at <= ctx.horizonMs) {
          endDay = billDay + 10;
          reason = 'failed';
          break;
        }
      }
    }
  }

  // Members' visits: a Poisson stream per person, fading before a churn, stopping after a lapse.
  const lastVisitDay = Math.min(endDay ?? Number.POSITIVE_INFINITY, ctx.horizonDay + 1);
  for (const person of mp.members) {
    const rate = visitRate(rng, mp, person);
    let t = mp.startDay + rng.uniform(0, 2);
    let lastDay = -1;
    for (;;) {
      t += rng.exponential(7 / rate);
      const day = Math.floor(t);
      if (day >= lastVisitDay) break;
      if (day === lastDay || frozenOn(day)) continue;
      if (mp.lapseAfterDay !== null && day > mp.lapseAfterDay) break;
      if (reason === 'churn' && endDay !== null && endDay - day < mp.fadeDays) {
        if (!rng.chance((endDay - day) / mp.fadeDays)) continue;
      }
      if (!rng.chance((WEEKDAY_WEIGHT[weekdayOf(day)] ?? 1) / 1.3)) continue;
      lastDay = day;
      const at = visitInstant(rng, clock, day);
      if (at < mp.boughtAt) continue;
      onVisit(person, at, mp);
    }
  }

  const fact: MembershipFact = {
    at: mp.boughtAt,
    value: {
      id,
      membership_id: plan.id,
      name: plan.name,
      start_date: clock.dayToIso(mp.startDay),
      billing_amount: plan.price,
      interval: plan.interval,
      owner_id: ownerAccount.value.id,
      owner_birthday: ownerAccount.value.birthday,
      owner_email: ownerAccount.value.email,
      all_customers: memberAccounts.map((account) => {
        return {
          id: account.value.id,
          member_id: ids.membershipMember++,
          first_name: account.value.first_name,
          last_name: account.value.last_name,
          is_individually_frozen: false,
        };
      }),
      created_at: clock.capitanLocal(mp.boughtAt, rng.int(0, 999_999)),
    },
    startDay: mp.startDay,
    endDay,
    endReason: reason,
    cadence,
    termEndDay: cadence ? null : mp.startDay + (plan.termDays ?? 14),
    freezes,
    hidesEndDate: cadence !== null && rng.chance(0.04),
  };
  for (const account of new Set([ownerAccount, ...memberAccounts])) account.membershipIds.push(id);
  ledger.out.memberships.push(fact);
  return fact;
}
