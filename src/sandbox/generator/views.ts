/**
 * Turns the simulated facts into a `SandboxDataset`: per-API views as of a clock. Every collection is
 * sorted by creation instant once, so a view is a binary search plus a slice; renders of mutable
 * state are memoised per clock value because emulators ask once per HTTP request.
 */

import { sandboxCredentials } from '../credentials.ts';
import type {
  CapitanAssociation,
  CapitanAssociationMember,
  CapitanCustomer,
  CapitanCustomerMembership,
  CapitanRelation,
  MailchimpCampaign,
  MailchimpEmailActivity,
  MailchimpMember,
  MailchimpReport,
  SandboxDataset,
  SquarePayment,
  StripeCharge,
} from '../dataset.ts';
import { LIST_ID } from './audience.ts';
import type { CampaignFact } from './campaigns.ts';
import type { AssociationFact } from './capitan-global.ts';
import { GYM_NAME, INSTAGRAM_USERNAME, SQUARE_LOCATION_ID } from './catalog.ts';
import type { GenContext } from './context.ts';
import type {
  AssociationMemberFact,
  ChargeFact,
  CustomerFact,
  EmailActivityFact,
  HouseholdOutput,
  MailchimpMemberFact,
  MembershipFact,
  RelationFact,
  SquarePaymentFact,
  Timed,
} from './facts.ts';
import {
  followersAt,
  imageTruth,
  type PostFact,
  renderImage,
  renderInsights,
  renderMedia,
} from './instagram.ts';
import { addCadence } from './memberships.ts';
import { type GymClock, mailchimpTime } from './time.ts';

/** Items sorted by `at`, sliced by clock with a binary search. */
class Timeline<T extends { at: number }> {
  readonly items: T[];
  constructor(items: T[]) {
    this.items = items.sort((a, b) => a.at - b.at);
  }
  /** How many items exist at `clockMs` (created at or before it). */
  countAt(clockMs: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.items[mid] as T).at <= clockMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  upTo(clockMs: number): T[] {
    return this.items.slice(0, this.countAt(clockMs));
  }
}

/** Caches a render per clock value (a few recent clocks, since emulators move forward). */
function perClock<T>(render: (clockMs: number) => T): (clock: Date) => T {
  const cache = new Map<number, T>();
  return (clock) => {
    const key = clock.getTime();
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = render(key);
    if (cache.size >= 4) cache.delete(cache.keys().next().value as number);
    cache.set(key, value);
    return value;
  };
}

/** Caches renders by key, forgetting the oldest beyond `size`. */
function keyedCache<T>(size: number): (key: string, render: () => T) => T {
  const cache = new Map<string, T>();
  return (key, render) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = render();
    if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
    return value;
  };
}

function frozen<T>(items: T[]): T[] {
  return Object.freeze(items) as T[];
}

/** Appends one household's output to an accumulated output. */
export function appendOutput(into: HouseholdOutput, out: HouseholdOutput): void {
  for (const key of Object.keys(into) as (keyof HouseholdOutput)[]) {
    const target = into[key] as unknown[];
    for (const item of out[key] as unknown[]) target.push(item);
  }
}

/** Mailchimp keys members by address: when two people list the same address, the first keeps it. */
function dedupeMailchimp(out: HouseholdOutput): void {
  const seen = new Set<string>();
  const dropped = new Set<string>();
  out.mailchimpMembers = out.mailchimpMembers
    .sort((a, b) => a.at - b.at)
    .filter((m) => {
      if (seen.has(m.value.id)) {
        dropped.add(m.value.id);
        return false;
      }
      seen.add(m.value.id);
      return true;
    });
  if (dropped.size === 0) return;
  const firstOwner = new Map<string, string>();
  out.records = out.records.filter((r) => {
    if (r.source !== 'mailchimp') return true;
    if (firstOwner.has(r.record_id)) return false;
    firstOwner.set(r.record_id, r.person_id);
    return true;
  });
  const activity = new Set<string>();
  out.emailActivity = out.emailActivity.filter((a) => {
    const key = `${a.campaignId}/${a.emailId}`;
    if (activity.has(key)) return false;
    activity.add(key);
    return true;
  });
}

export function renderCustomer(
  fact: CustomerFact,
  memberships: Map<number, MembershipFact>,
  clockMs: number,
  clockDay: number,
): CapitanCustomer {
  let active = false;
  for (const id of fact.membershipIds) {
    const m = memberships.get(id);
    if (m && m.at <= clockMs && membershipStatus(m, clockDay) !== 'END') active = true;
  }
  let waiver: number | undefined;
  for (const day of fact.waiverDays) if (day <= clockDay) waiver = day;
  const expires = waiver === undefined ? null : waiver + 365;
  return {
    ...fact.value,
    has_active_membership: active,
    active_waiver_exists: expires !== null && expires >= clockDay,
    latest_waiver_expiration_date:
      expires === null ? null : new Date(expires * 86_400_000).toISOString().slice(0, 10),
  };
}

function membershipStatus(m: MembershipFact, clockDay: number): 'ACT' | 'FRZ' | 'END' {
  if (m.endDay !== null && clockDay >= m.endDay) return 'END';
  if (m.freezes.some((f) => clockDay >= f.fromDay && clockDay < f.toDay)) return 'FRZ';
  return 'ACT';
}

const isoDay = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

export function renderMembershipAt(m: MembershipFact, clockDay: number): CapitanCustomerMembership {
  const status = membershipStatus(m, clockDay);
  const freeze = m.freezes.find((f) => clockDay >= f.fromDay && clockDay < f.toDay);
  const upcoming: string[] = [];
  let periodEnd: number | null = m.termEndDay;
  if (m.cadence) {
    for (let n = 1; upcoming.length < 3 && n < 2_000; n++) {
      const bill = addCadence(m.startDay, m.cadence, n);
      if (m.endDay !== null && bill >= m.endDay) break;
      if (bill <= clockDay) continue;
      periodEnd ??= bill;
      if (m.freezes.some((f) => bill >= f.fromDay && bill < f.toDay)) continue;
      upcoming.push(isoDay(bill));
    }
  }
  let endDate: string | null;
  if (status === 'END') endDate = isoDay(m.endDay as number);
  else if (m.hidesEndDate) endDate = null;
  else endDate = periodEnd === null ? (m.endDay === null ? null : isoDay(m.endDay)) : isoDay(periodEnd);
  return {
    ...m.value,
    status,
    end_date: endDate,
    upcoming_bill_dates: status === 'END' ? [] : upcoming,
    membership_unfreeze_date: freeze ? isoDay(freeze.toDay) : null,
  };
}

export function renderAssociationMember(
  fact: AssociationMemberFact,
  clockMs: number,
): CapitanAssociationMember {
  if (fact.approvedAt === null || fact.approvedAt <= clockMs) return fact.value;
  return { ...fact.value, approved_at: null, updated_at: fact.createdText };
}

export function renderAssociation(
  clock: GymClock,
  a: AssociationFact,
  members: number,
  clockMs: number,
): CapitanAssociation {
  return {
    id: a.id,
    name: a.name,
    verification_requirements: a.requiresVerification
      ? 'Upload a photo of a current ID showing eligibility.'
      : '',
    automatic_removal_interval_months: a.requiresVerification ? 12 : null,
    reverification_period_days: a.requiresVerification ? 365 : null,
    show_reverification_alert: a.requiresVerification,
    allow_automatic_entry_pass_use: !a.requiresVerification,
    membership_expiration_age: a.expirationAge,
    allow_customer_applications: a.requiresVerification,
    num_members: members,
    member_square_customer_group_id: a.squareGroup ? `GRP${String(a.id).padStart(6, '0')}` : null,
    member_square_customer_group_name: a.squareGroup ? a.name : null,
    created_at: clock.capitanLocal(a.at, (a.id * 7_919) % 1_000_000),
    updated_at: clock.capitanLocal(
      Math.max(a.at, Math.min(a.updatedAt, clockMs)),
      (a.id * 104_729) % 1_000_000,
    ),
  };
}

export function renderCharge(fact: ChargeFact, clockMs: number): StripeCharge {
  let refunded = 0;
  for (const r of fact.refunds) if (r.at <= clockMs) refunded += r.amount;
  if (refunded === 0) return fact.value;
  return { ...fact.value, amount_refunded: refunded, refunded: refunded >= fact.value.amount };
}

export function renderSquarePayment(fact: SquarePaymentFact, clockMs: number): SquarePayment {
  const done = fact.refunds.filter((r) => r.at <= clockMs);
  if (done.length === 0) return fact.value;
  return {
    ...fact.value,
    refunded_money: { amount: done.reduce((n, r) => n + r.amount, 0), currency: 'USD' },
    refund_ids: done.map((r) => r.id),
  };
}

export function renderMember(fact: MailchimpMemberFact, clockMs: number): MailchimpMember {
  let status = fact.initialStatus;
  let changed = fact.value.timestamp_opt;
  for (const c of fact.changes) {
    if (c.at > clockMs) break;
    status = c.status;
    changed = mailchimpTime(c.at);
  }
  return { ...fact.value, status, last_changed: changed };
}

export function renderActivity(fact: EmailActivityFact, clockMs: number): MailchimpEmailActivity {
  return {
    campaign_id: fact.campaignId,
    list_id: LIST_ID,
    email_id: fact.emailId,
    email_address: fact.emailAddress,
    activity: fact.events
      .filter((e) => e.at <= clockMs)
      .map((e) => ({
        action: e.action,
        timestamp: mailchimpTime(e.at),
        ...(e.url ? { url: e.url } : {}),
        ...(e.ip ? { ip: e.ip } : {}),
      })),
  };
}

/** Counts behind a campaign report; tallies from separate chunks of recipients add up. */
export interface ReportTally {
  sent: number;
  opensTotal: number;
  uniqueOpens: number;
  clicksTotal: number;
  uniqueClicks: number;
  bounces: number;
  unsubscribed: number;
  lastOpen: number;
  lastClick: number;
}

export const emptyTally = (): ReportTally => ({
  sent: 0,
  opensTotal: 0,
  uniqueOpens: 0,
  clicksTotal: 0,
  uniqueClicks: 0,
  bounces: 0,
  unsubscribed: 0,
  lastOpen: 0,
  lastClick: 0,
});

export function addTally(into: ReportTally, more: ReportTally): void {
  into.sent += more.sent;
  into.opensTotal += more.opensTotal;
  into.uniqueOpens += more.uniqueOpens;
  into.clicksTotal += more.clicksTotal;
  into.uniqueClicks += more.uniqueClicks;
  into.bounces += more.bounces;
  into.unsubscribed += more.unsubscribed;
  into.lastOpen = Math.max(into.lastOpen, more.lastOpen);
  into.lastClick = Math.max(into.lastClick, more.lastClick);
}

/** Adds one recipient's activity, as of a clock, to a tally. */
export function tallyRecipient(tally: ReportTally, r: EmailActivityFact, clockMs: number): void {
  tally.sent++;
  let opened = false;
  let clicked = false;
  for (const e of r.events) {
    if (e.at > clockMs) break;
    if (e.action === 'open') {
      tally.opensTotal++;
      opened = true;
      tally.lastOpen = Math.max(tally.lastOpen, e.at);
    } else if (e.action === 'click') {
      tally.clicksTotal++;
      clicked = true;
      tally.lastClick = Math.max(tally.lastClick, e.at);
    } else tally.bounces++;
  }
  if (opened) tally.uniqueOpens++;
  if (clicked) tally.uniqueClicks++;
  if (r.unsubscribedAt !== null && r.unsubscribedAt <= clockMs) tally.unsubscribed++;
}

export function reportOf(campaign: CampaignFact, t: ReportTally): MailchimpReport {
  const delivered = Math.max(1, t.sent - t.bounces);
  return {
    id: campaign.id,
    campaign_title: campaign.title,
    send_time: mailchimpTime(campaign.sendAt),
    emails_sent: t.sent,
    unsubscribed: t.unsubscribed,
    abuse_reports: 0,
    bounces: { hard_bounces: t.bounces, soft_bounces: 0, syntax_errors: 0 },
    opens: {
      opens_total: t.opensTotal,
      unique_opens: t.uniqueOpens,
      open_rate: t.uniqueOpens / delivered,
      last_open: t.lastOpen ? mailchimpTime(t.lastOpen) : null,
    },
    clicks: {
      clicks_total: t.clicksTotal,
      unique_clicks: t.uniqueClicks,
      unique_subscriber_clicks: t.uniqueClicks,
      click_rate: t.uniqueClicks / delivered,
      last_click: t.lastClick ? mailchimpTime(t.lastClick) : null,
    },
  };
}

export function renderReport(
  campaign: CampaignFact,
  recipients: EmailActivityFact[],
  clockMs: number,
): MailchimpReport {
  const tally = emptyTally();
  for (const r of recipients) tallyRecipient(tally, r, clockMs);
  return reportOf(campaign, tally);
}

/** The campaign as the list endpoint shows it, with its recipient count. */
export function renderCampaign(c: CampaignFact, emailsSent: number): MailchimpCampaign {
  return {
    id: c.id,
    type: 'regular',
    status: 'sent',
    create_time: mailchimpTime(c.createAt),
    send_time: mailchimpTime(c.sendAt),
    emails_sent: emailsSent,
    recipients: {
      list_id: LIST_ID,
      ...(c.segmentId !== null ? { segment_opts: { saved_segment_id: c.segmentId } } : {}),
    },
    settings: { title: c.title, subject_line: c.subject, from_name: GYM_NAME },
  };
}

export function buildDataset(ctx: GenContext, out: HouseholdOutput): SandboxDataset {
  const { clock } = ctx;
  dedupeMailchimp(out);
  for (const list of [
    out.checkins,
    out.paymentIntents,
    out.stripeRefunds,
    out.stripeCustomers,
    out.squareOrders,
    out.squareCustomers,
    out.squareRefunds,
  ]) {
    for (const item of list as Timed<object>[]) Object.freeze(item.value);
  }
  const customers = new Timeline(out.customers);
  const memberships = new Timeline(out.memberships);
  const membershipById = new Map(out.memberships.map((m) => [m.value.id, m]));
  const checkins = new Timeline(out.checkins);
  const associationMembers = new Timeline(out.associationMembers);
  const events = new Timeline(ctx.events);
  const stripeCustomers = new Timeline(out.stripeCustomers);
  const paymentIntents = new Timeline(out.paymentIntents);
  const charges = new Timeline(out.charges);
  const stripeRefunds = new Timeline(out.stripeRefunds);
  const squareCustomers = new Timeline(out.squareCustomers);
  const squareOrders = new Timeline(out.squareOrders);
  const squarePayments = new Timeline(out.squarePayments);
  const squareRefunds = new Timeline(out.squareRefunds);
  const members = new Timeline(out.mailchimpMembers);
  const campaigns = new Timeline(ctx.campaigns.map((c) => ({ ...c, at: c.sendAt })));
  const campaignById = new Map(ctx.campaigns.map((c) => [c.id, c]));
  const posts = new Timeline<PostFact>([...ctx.posts]);
  const postById = new Map(ctx.posts.map((p) => [p.id, p]));
  const associations = new Timeline(ctx.associations.map((a) => ({ ...a })));

  const relationsByCustomer = new Map<number, RelationFact[]>();
  for (const r of out.relations.sort((a, b) => a.at - b.at)) {
    const list = relationsByCustomer.get(r.customerId) ?? [];
    list.push(r);
    relationsByCustomer.set(r.customerId, list);
  }
  const activityByCampaign = new Map<string, EmailActivityFact[]>();
  for (const a of out.emailActivity) {
    const list = activityByCampaign.get(a.campaignId) ?? [];
    list.push(a);
    activityByCampaign.set(a.campaignId, list);
  }
  const images = new Map<string, ReturnType<typeof renderImage>>();
  const reports = keyedCache<MailchimpReport>(256);
  const activities = keyedCache<MailchimpEmailActivity[]>(64);

  const renderCustomers = perClock((ms) => {
    const day = clock.localDay(ms);
    return frozen(customers.upTo(ms).map((c) => renderCustomer(c, membershipById, ms, day)));
  });
  const renderMemberships = perClock((ms) => {
    const day = clock.localDay(ms);
    return frozen(memberships.upTo(ms).map((m) => renderMembershipAt(m, day)));
  });
  const renderAssociations = perClock((ms): CapitanAssociation[] => {
    const counts = new Map<number, number>();
    for (const m of associationMembers.upTo(ms)) {
      counts.set(m.value.association_id, (counts.get(m.value.association_id) ?? 0) + 1);
    }
    return frozen(associations.upTo(ms).map((a) => renderAssociation(clock, a, counts.get(a.id) ?? 0, ms)));
  });
  const values = <T>(timeline: Timeline<{ at: number; value: T }>) =>
    perClock((ms) => frozen(timeline.upTo(ms).map((t) => t.value)));

  const renderMembers = perClock((ms) => frozen(members.upTo(ms).map((m) => renderMember(m, ms))));
  const renderCampaigns = perClock((ms) =>
    frozen(campaigns.upTo(ms).map((c) => renderCampaign(c, activityByCampaign.get(c.id)?.length ?? 0))),
  );

  return {
    seed: ctx.seed,
    timeZone: clock.timeZone,
    asOf: new Date(ctx.asOfMs),
    horizon: new Date(ctx.horizonMs),
    capitan: {
      customers: renderCustomers,
      memberships: renderMemberships,
      checkins: values(checkins),
      associations: renderAssociations,
      associationMembers: perClock((ms) =>
        frozen(associationMembers.upTo(ms).map((m) => renderAssociationMember(m, ms))),
      ),
      events: values(events),
      relations: (customerId, clockDate): CapitanRelation[] =>
        (relationsByCustomer.get(customerId) ?? [])
          .filter((r) => r.at <= clockDate.getTime())
          .map((r) => r.value),
    },
    stripe: {
      customers: values(stripeCustomers),
      paymentIntents: values(paymentIntents),
      charges: perClock((ms) => frozen(charges.upTo(ms).map((c) => renderCharge(c, ms)))),
      refunds: values(stripeRefunds),
    },
    square: {
      locations: () => [
        { id: SQUARE_LOCATION_ID, name: GYM_NAME, timezone: clock.timeZone, status: 'ACTIVE' },
      ],
      customers: values(squareCustomers),
      payments: perClock((ms) => frozen(squarePayments.upTo(ms).map((p) => renderSquarePayment(p, ms)))),
      orders: values(squareOrders),
      refunds: values(squareRefunds),
    },
    mailchimp: {
      lists: (clockDate) => {
        const ms = clockDate.getTime();
        return [
          {
            id: LIST_ID,
            name: GYM_NAME,
            date_created: mailchimpTime(ctx.startMs),
            stats: { member_count: renderMembers(clockDate).filter((m) => m.status === 'subscribed').length },
          },
        ].filter(() => ms >= ctx.startMs);
      },
      members: (listId, clockDate): MailchimpMember[] => (listId === LIST_ID ? renderMembers(clockDate) : []),
      campaigns: renderCampaigns,
      content: (campaignId) => {
        const c = campaignById.get(campaignId);
        return c ? { html: c.html, plain_text: c.plainText } : undefined;
      },
      report: (campaignId, clockDate) => {
        const c = campaignById.get(campaignId);
        if (!c || c.sendAt > clockDate.getTime()) return undefined;
        return reports(`${campaignId}@${clockDate.getTime()}`, () =>
          renderReport(c, activityByCampaign.get(campaignId) ?? [], clockDate.getTime()),
        );
      },
      emailActivity: (campaignId, clockDate) => {
        const c = campaignById.get(campaignId);
        if (!c || c.sendAt > clockDate.getTime()) return [];
        // Emulators page through a campaign's recipients, one call per page.
        return activities(`${campaignId}@${clockDate.getTime()}`, () =>
          frozen(
            (activityByCampaign.get(campaignId) ?? []).map((a) => renderActivity(a, clockDate.getTime())),
          ),
        );
      },
    },
    instagram: {
      account: (clockDate) => ({
        id: sandboxCredentials.instagramAccountId,
        username: INSTAGRAM_USERNAME,
        followers_count: followersAt(ctx.startMs, clockDate.getTime()),
        media_count: posts.countAt(clockDate.getTime()),
      }),
      media: perClock((ms) => frozen(posts.upTo(ms).map((p) => renderMedia(p, ms)))),
      insights: (mediaId, clockDate) => {
        const post = postById.get(mediaId);
        if (!post || post.at > clockDate.getTime()) return undefined;
        return renderInsights(post, clockDate.getTime());
      },
      image: (mediaId) => {
        const post = postById.get(mediaId);
        if (!post) return undefined;
        let image = images.get(mediaId);
        if (!image) {
          image = renderImage(post, ctx.seed);
          images.set(mediaId, image);
        }
        return image;
      },
    },
    truth: {
      people: out.people,
      records: out.records,
      templates: ctx.campaigns.map((c) => c.truth),
      images: ctx.posts.map(imageTruth),
      redemptions: out.redemptions,
    },
  };
}
