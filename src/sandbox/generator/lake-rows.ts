/**
 * Raw-lake rows of the sandbox gym as a fetch at `clock` would store them: one row per record, keyed
 * and shaped as the fetchers key and store them (see the raw layout in the common brief). Household
 * chunks are rendered independently; gym-wide streams come last, from counts the chunks report.
 */
import { sandboxCredentials } from '../credentials.ts';
import {
  chargeObject,
  customerObject,
  paymentIntentObject,
  refundObject,
} from '../emulators/stripe-objects.ts';
import type { CampaignFact } from './campaigns.ts';
import { GYM_NAME, INSTAGRAM_USERNAME, SQUARE_LOCATION_ID } from './catalog.ts';
import type { GenContext } from './context.ts';
import type { HouseholdOutput, MembershipFact } from './facts.ts';
import { followersAt, renderInsights, renderMedia } from './instagram.ts';
import {
  addTally,
  emptyTally,
  type ReportTally,
  renderActivity,
  renderAssociation,
  renderAssociationMember,
  renderCampaign,
  renderCharge,
  renderCustomer,
  renderMember,
  renderMembershipAt,
  renderSquarePayment,
  reportOf,
  tallyRecipient,
} from './views.ts';

/** Receives one row of one stream (`source/stream`). */
export type EmitRow = (stream: string, recordId: string, payload: unknown) => void;

/** What chunks report for the gym-wide streams. */
export interface ChunkTotals {
  associationMembers: Map<number, number>;
  reports: Map<string, ReportTally>;
}

export const emptyTotals = (): ChunkTotals => ({ associationMembers: new Map(), reports: new Map() });

export function addTotals(into: ChunkTotals, more: ChunkTotals): void {
  for (const [id, n] of more.associationMembers)
    into.associationMembers.set(id, (into.associationMembers.get(id) ?? 0) + n);
  for (const [id, tally] of more.reports) {
    const known = into.reports.get(id);
    if (known) addTally(known, tally);
    else into.reports.set(id, { ...tally });
  }
}

/** Where Graph serves the sandbox's images in a lake written without an emulator. */
const MEDIA_ORIGIN = 'https://scontent.sandbox.invalid';

const sendTimesByContext = new WeakMap<GenContext, Map<string, number>>();

function sendTimes(ctx: GenContext): Map<string, number> {
  let times = sendTimesByContext.get(ctx);
  if (!times) {
    times = new Map(ctx.campaigns.map((c) => [c.id, c.sendAt]));
    sendTimesByContext.set(ctx, times);
  }
  return times;
}

export function emitChunkRows(
  ctx: GenContext,
  out: HouseholdOutput,
  clockMs: number,
  emit: EmitRow,
): ChunkTotals {
  const day = ctx.clock.localDay(clockMs);
  const exists = (item: { at: number }) => item.at <= clockMs;
  const memberships = new Map<number, MembershipFact>(out.memberships.map((m) => [m.value.id, m]));

  for (const c of out.customers)
    if (exists(c))
      emit('capitan/customers', String(c.value.id), renderCustomer(c, memberships, clockMs, day));
  for (const m of out.memberships)
    if (exists(m)) emit('capitan/customer_memberships', String(m.value.id), renderMembershipAt(m, day));
  for (const c of out.checkins) if (exists(c)) emit('capitan/checkins', String(c.value.id), c.value);
  const associationMembers = new Map<number, number>();
  for (const m of out.associationMembers) {
    if (!exists(m)) continue;
    emit('capitan/association_members', String(m.value.id), renderAssociationMember(m, clockMs));
    associationMembers.set(m.value.association_id, (associationMembers.get(m.value.association_id) ?? 0) + 1);
  }
  for (const r of out.relations) {
    if (!exists(r)) continue;
    emit('capitan/relations', `${r.customerId}:${r.value.related_customer_id}:${r.value.relation}`, {
      ...r.value,
      customer_id: r.customerId,
    });
  }

  for (const c of out.stripeCustomers)
    if (exists(c)) emit('stripe/customers', c.value.id, customerObject(c.value));
  const charges = new Map(out.charges.map((c) => [c.value.id, c]));
  for (const p of out.paymentIntents) {
    if (!exists(p)) continue;
    const charge = p.value.latest_charge ? charges.get(p.value.latest_charge) : undefined;
    emit(
      'stripe/payment_intents',
      p.value.id,
      paymentIntentObject(
        p.value,
        charge ? chargeObject(renderCharge(charge, clockMs)) : p.value.latest_charge,
      ),
    );
  }
  for (const r of out.stripeRefunds) if (exists(r)) emit('stripe/refunds', r.value.id, refundObject(r.value));

  for (const c of out.squareCustomers) if (exists(c)) emit('square/customers', c.value.id, c.value);
  for (const p of out.squarePayments)
    if (exists(p)) emit('square/payments', p.value.id, renderSquarePayment(p, clockMs));
  for (const o of out.squareOrders) if (exists(o)) emit('square/orders', o.value.id, o.value);
  for (const r of out.squareRefunds) if (exists(r)) emit('square/refunds', r.value.id, r.value);

  for (const m of out.mailchimpMembers)
    if (exists(m)) emit('mailchimp/members', m.value.id, renderMember(m, clockMs));
  const sendAt = sendTimes(ctx);
  const reports = new Map<string, ReportTally>();
  for (const a of out.emailActivity) {
    if ((sendAt.get(a.campaignId) ?? Number.POSITIVE_INFINITY) > clockMs) continue;
    emit('mailchimp/email_activity', `${a.campaignId}:${a.emailId}`, renderActivity(a, clockMs));
    let tally = reports.get(a.campaignId);
    if (!tally) {
      tally = emptyTally();
      reports.set(a.campaignId, tally);
    }
    tallyRecipient(tally, a, clockMs);
  }
  return { associationMembers, reports };
}

export function emitGlobalRows(ctx: GenContext, totals: ChunkTotals, clockMs: number, emit: EmitRow): void {
  const { clock } = ctx;
  for (const a of ctx.associations) {
    if (a.at <= clockMs)
      emit(
        'capitan/associations',
        String(a.id),
        renderAssociation(clock, a, totals.associationMembers.get(a.id) ?? 0, clockMs),
      );
  }
  for (const e of ctx.events) if (e.at <= clockMs) emit('capitan/events', String(e.value.id), e.value);
  emit('square/locations', SQUARE_LOCATION_ID, {
    id: SQUARE_LOCATION_ID,
    name: GYM_NAME,
    timezone: clock.timeZone,
    status: 'ACTIVE',
  });

  const sent: CampaignFact[] = ctx.campaigns.filter((c) => c.sendAt <= clockMs);
  for (const c of sent) {
    const tally = totals.reports.get(c.id) ?? emptyTally();
    emit('mailchimp/campaigns', c.id, renderCampaign(c, tally.sent));
    emit('mailchimp/campaign_content', c.id, { campaign_id: c.id, html: c.html, plain_text: c.plainText });
    emit('mailchimp/reports', c.id, reportOf(c, tally));
  }

  const accountId = sandboxCredentials.instagramAccountId;
  const posts = ctx.posts.filter((p) => p.at <= clockMs);
  emit('instagram/account', `${accountId}:${clock.localDate(clockMs)}`, {
    id: accountId,
    username: INSTAGRAM_USERNAME,
    followers_count: followersAt(ctx.startMs, clockMs),
    media_count: posts.length,
  });
  for (const post of posts) {
    const media = renderMedia(post, clockMs);
    const url = `${MEDIA_ORIGIN}${media.media_path}`;
    emit('instagram/media', media.id, {
      id: media.id,
      caption: media.caption,
      media_type: media.media_type,
      media_url: url,
      ...(media.media_type === 'VIDEO' ? { thumbnail_url: url } : {}),
      permalink: media.permalink,
      timestamp: media.timestamp,
      like_count: media.like_count,
      comments_count: media.comments_count,
    });
    emit('instagram/insights', media.id, { media_id: media.id, ...renderInsights(post, clockMs) });
  }
}
