/**
 * A household's place in the Mailchimp audience: who subscribed (under which address), which
 * campaigns reached them, what they opened and clicked, and how they answered offers. Effective
 * offers add purchases to the household's plan (a real lift); ineffective ones only get their code
 * applied to purchases the person would have made anyway.
 */
import { sandboxCredentials } from '../credentials.ts';
import type { CampaignFact, Offer } from './campaigns.ts';
import type { GenContext } from './context.ts';
import type { EmailActivityFact, HouseholdOutput } from './facts.ts';
import { md5, type Promo } from './ledger.ts';
import { ageOn, lastNameOn, type Person } from './people.ts';
import type { Rng } from './prng.ts';
import type { HouseholdPlan } from './schedule.ts';
import { HOUR_MS, MINUTE_MS, mailchimpTime } from './time.ts';

export const LIST_ID = sandboxCredentials.mailchimpAudienceId;

export interface Subscriber {
  person: Person;
  at: number;
  /** The address on the list (maybe an old one the person no longer uses elsewhere). */
  email: string;
  /** The address bounces (a typo), so Mailchimp cleans it on the first send. */
  bounces: boolean;
  source: string;
  tags: string[];
}

export interface OfferHooks {
  /** Starts a membership for `person` on `day` with the promo; false if it cannot (already covered). */
  membership(person: Person, day: number, boughtAt: number, promo: Promo): boolean;
}

/** A stable uniform in [0, 1) from text (FNV-1a), for segment membership. */
function unitHash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) / 4294967296;
}

const TAG_IDS: Record<string, number> = {
  Member: 3101,
  'Day Pass': 3102,
  'Youth Parent': 3103,
  Newsletter: 3104,
  Student: 3105,
};

export function promoOf(offer: Offer): Promo {
  if (offer.type === 'free_trial') return { code: offer.code, percentOff: 100, centsOff: null };
  return { code: offer.code, percentOff: offer.percentOff, centsOff: offer.centsOff };
}

export function runAudience(
  ctx: GenContext,
  rng: Rng,
  subscribers: Subscriber[],
  /** Where answers to offers go; null once the household's purchases are already written. */
  answers: { plan: HouseholdPlan; hooks: OfferHooks } | null,
  out: HouseholdOutput,
): void {
  const { clock } = ctx;
  for (const sub of subscribers) {
    const memberId = md5(sub.email.toLowerCase());
    const changes: { at: number; status: 'unsubscribed' | 'cleaned' }[] = [];
    for (const campaign of ctx.campaigns) {
      if (campaign.sendAt < sub.at) continue;
      if (changes.length > 0) break;
      if (campaign.segmentId !== null && unitHash(`${campaign.id}/${memberId}`) >= campaign.segmentShare)
        continue;
      const activity: EmailActivityFact = {
        campaignId: campaign.id,
        emailAddress: sub.email,
        emailId: memberId,
        events: [],
        unsubscribedAt: null,
      };
      out.emailActivity.push(activity);
      if (sub.bounces) {
        const at = campaign.sendAt + rng.int(20, 600) * 1000;
        activity.events.push({ at, action: 'bounce' });
        changes.push({ at, status: 'cleaned' });
        break;
      }
      const opened = rng.chance(sub.person.openRate);
      if (opened) {
        const ip = `${rng.int(24, 216)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
        let at = campaign.sendAt + rng.exponential(5 * HOUR_MS) + rng.int(30, 600) * 1000;
        activity.events.push({ at, action: 'open', ip });
        for (let k = rng.poisson(0.5); k > 0; k--) {
          at += rng.exponential(20 * HOUR_MS);
          activity.events.push({ at, action: 'open', ip });
        }
        if (rng.chance(campaign.offer ? 0.3 : 0.18)) {
          const first = activity.events[0]?.at ?? at;
          activity.events.push({
            at: first + rng.int(5, 900) * 1000,
            action: 'click',
            url: rng.pick(campaign.links),
            ip,
          });
        }
        activity.events.sort((a, b) => a.at - b.at);
        if (answers && campaign.offer && ageOn(sub.person, clock.localDay(campaign.sendAt)) >= 18) {
          answerOffer(ctx, rng, sub.person, campaign, campaign.offer, answers.plan, answers.hooks);
        }
      }
      if (rng.chance(0.005)) {
        const at =
          (activity.events[activity.events.length - 1]?.at ?? campaign.sendAt) + rng.int(1, 120) * MINUTE_MS;
        activity.unsubscribedAt = at;
        changes.push({ at, status: 'unsubscribed' });
      }
    }
    const optAt = sub.at + rng.int(0, 120) * 1000;
    const phone = sub.person.phone && rng.chance(0.3) ? sub.person.phone : null;
    out.mailchimpMembers.push({
      at: sub.at,
      value: {
        id: memberId,
        email_address: sub.email,
        email_type: 'html',
        merge_fields: {
          FNAME:
            sub.person.usesNickname && rng.chance(0.5)
              ? (sub.person.first.nicknames[0] ?? sub.person.first.name)
              : sub.person.first.name,
          LNAME: lastNameOn(sub.person, clock.localDay(sub.at)),
          ...(phone ? { PHONE: phone } : {}),
        },
        timestamp_signup: sub.source === 'Capitan Sync' ? '' : mailchimpTime(sub.at),
        timestamp_opt: mailchimpTime(optAt),
        source: sub.source,
        tags: sub.tags.map((name) => ({ id: TAG_IDS[name] ?? 3100, name })),
        list_id: LIST_ID,
      },
      changes,
      initialStatus: 'subscribed',
    });
    out.records.push({
      source: 'mailchimp',
      record_id: `mailchimp:member:${memberId}`,
      person_id: sub.person.personId,
    });
  }
}

function answerOffer(
  ctx: GenContext,
  rng: Rng,
  person: Person,
  campaign: CampaignFact,
  offer: Offer,
  plan: HouseholdPlan,
  hooks: OfferHooks,
): void {
  const sendDay = ctx.clock.localDay(campaign.sendAt);
  const lastDay = Math.min(offer.expiresDay, sendDay + 30, ctx.horizonDay);
  if (lastDay <= sendDay) return;
  const promo = promoOf(offer);
  if (offer.effective) {
    if (!rng.chance(offer.type === 'membership_discount' ? 0.035 : 0.12)) return;
    // Most answers come within days of the email.
    const day = Math.min(lastDay, sendDay + 1 + Math.floor(rng.exponential(4)));
    const boughtAt = ctx.clock.atLocalDay(day, rng.int(7, 21), rng.int(0, 59), rng.int(0, 59));
    if (offer.type === 'membership_discount') {
      hooks.membership(person, day, boughtAt, promo);
    } else if (offer.type === 'retail_discount') {
      plan.retail.push({ payer: person, day, promo });
    } else {
      plan.sessions.push({ people: [person], payer: person, day, free: false, promo, buysPunchPass: false });
    }
    return;
  }
  // An ineffective offer: the code rides on purchases that were happening anyway.
  if (offer.type === 'membership_discount') {
    for (const m of plan.memberships) {
      if (m.payer === person && !m.promo && m.startDay > sendDay && m.startDay <= lastDay && rng.chance(0.5))
        m.promo = promo;
    }
  } else if (offer.type !== 'retail_discount') {
    for (const s of plan.sessions) {
      if (s.payer === person && !s.promo && !s.free && s.day > sendDay && s.day <= lastDay && rng.chance(0.5))
        s.promo = promo;
    }
  }
}
