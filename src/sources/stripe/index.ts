import { type RetryOptions, statusOf } from '../../fetch/retry.ts';
import {
  defineStream,
  IncompleteStreamError,
  type SourceDefinition,
  type StreamContext,
} from '../../fetch/source.ts';
import { createdRange, createStripeClient, listPages, stripeCall } from './client.ts';
import type { StripeSettings } from './config.ts';
import {
  type StripePaymentIntentRecord,
  type StripeRefundRecord,
  stripeCustomerSchema,
  stripePaymentIntentSchema,
  stripeRefundSchema,
} from './schemas.ts';

const recent = { kind: 'recent', days: 2, lookbackDays: 7 } as const;
/** Records looked up by id when a list left them out; more than this is a broken list, not a lag. */
const MAX_LOOKUPS = 20;
/**
 * Stripe's lists are consistent, but a record made in the second the window closes can still miss it;
 * one that recent is a lag, re-read by the next run, and an older one a gap.
 */
const LAG_MS = 60_000;

export interface StripeSourceOptions {
  /** Backoff for every call; the defaults suit the real API, tests shorten them. */
  retry?: Omit<RetryOptions, 'onRetry'>;
}

/**
 * Stripe: customers (all of them each day: Stripe cannot filter customers by update), payment
 * intents with their latest charge expanded inline, and refunds. Every intent is kept, failed and
 * test-mode ones included; staging decides what counts as revenue. Stripe's lists carry no totals,
 * so each is checked against what the others name: the customers intents name, the intents refunds
 * name, and the refunds each charge reports.
 */
export function stripeSource(options: StripeSourceOptions = {}): SourceDefinition<StripeSettings> {
  return {
    name: 'stripe',
    settings: (config) => config.sources.stripe,
    streams: (settings) => {
      const stripe = createStripeClient(settings);
      const retryOf = (context: { retry: RetryOptions }) => ({ ...options.retry, ...context.retry });
      const lookUp = <T>(label: string, call: () => Promise<T>, context: StreamContext) =>
        stripeCall(label, call, retryOf(context));
      return [
        defineStream({
          name: 'customers',
          schema: stripeCustomerSchema,
          recordId: (customer) => customer.id,
          window: { kind: 'full' },
          pages: (context) =>
            listPages('customers', (cursor) => stripe.customers.list(cursor), retryOf(context)),
          // A customer an intent names but the list left out is lost, unless Stripe deleted it.
          async verify(context) {
            const listed = context.receivedIds('customers');
            const named = (context.earlier('payment_intents') as StripePaymentIntentRecord[]).flatMap((i) =>
              i.customer ? [i.customer] : [],
            );
            const unlisted = lookUps(
              'customers',
              named,
              listed,
              'customer(s) named by payment intents were not listed',
            );
            const lost: string[] = [];
            for (const id of unlisted) {
              const customer = await lookUp('customers', () => stripe.customers.retrieve(id), context).catch(
                notFound,
              );
              if (customer !== undefined && !customer.deleted) lost.push(id);
            }
            if (lost.length > 0)
              throw gap('customers', lost, 'customer(s) named by payment intents were not listed');
          },
        }),
        defineStream({
          name: 'payment_intents',
          keepRecords: true,
          schema: stripePaymentIntentSchema,
          recordId: (intent) => intent.id,
          window: recent,
          pages: (context) =>
            listPages(
              'payment_intents',
              (cursor) =>
                stripe.paymentIntents.list({
                  ...cursor,
                  created: createdRange(context.window),
                  expand: ['data.latest_charge'],
                }),
              retryOf(context),
            ),
          // An intent a refund of the window names, made inside the window, must have been listed.
          async verify(context) {
            const what = 'payment intent(s) named by refunds were not listed';
            const named = (context.earlier('refunds') as StripeRefundRecord[]).flatMap((r) =>
              r.payment_intent ? [r.payment_intent] : [],
            );
            const lagging: Missing[] = [];
            const lost: string[] = [];
            for (const id of lookUps(
              'payment_intents',
              named,
              context.receivedIds('payment_intents'),
              what,
            )) {
              const intent = await lookUp(
                'payment_intents',
                () => stripe.paymentIntents.retrieve(id),
                context,
              );
              if (isLost(id, intent.created * 1000, context, lagging)) lost.push(id);
            }
            if (lost.length > 0) throw gap('payment_intents', lost, what);
            reportLag(context, lagging, 'payment intent(s)');
          },
        }),
        defineStream({
          name: 'refunds',
          keepRecords: true,
          schema: stripeRefundSchema,
          recordId: (refund) => refund.id,
          window: recent,
          pages: (context) =>
            listPages(
              'refunds',
              (cursor) => stripe.refunds.list({ ...cursor, created: createdRange(context.window) }),
              retryOf(context),
            ),
          async verify(context) {
            const what = 'charge(s) show refunds that the refund list did not return';
            const charges = chargesWithUnlistedRefunds(
              context.earlier('payment_intents') as StripePaymentIntentRecord[],
              context.earlier('refunds') as StripeRefundRecord[],
              context.window.since,
            );
            const listed = context.receivedIds('refunds');
            const lagging: Missing[] = [];
            const lost: string[] = [];
            // A charge's refunds made after the window's end (while the run was reading) count in its
            // `amount_refunded` too; listing the charge's own refunds tells them apart.
            for (const charge of lookUps('refunds', charges, new Set(), what)) {
              const own = await lookUp('refunds', () => stripe.refunds.list({ charge, limit: 100 }), context);
              const missing = own.data.filter(
                (r) =>
                  !listed.has(r.id) &&
                  r.status !== 'failed' &&
                  r.status !== 'canceled' &&
                  isLost(r.id, r.created * 1000, context, lagging),
              );
              if (missing.length > 0) lost.push(charge);
            }
            if (lost.length > 0) throw gap('refunds', lost, what);
            reportLag(context, lagging, 'refund(s)');
          },
        }),
      ];
    },
  };
}

interface Missing {
  id: string;
  at: number;
}

/**
 * Whether a record a list left out was lost: made inside the window and before its last minute. One
 * made after the window's end (while the run was reading) belongs to the next run; one made in its
 * last minute is a lag.
 */
function isLost(id: string, at: number, context: StreamContext, lagging: Missing[]): boolean {
  const since = context.window.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const until = context.window.until.getTime();
  if (at < since || at > until) return false;
  if (at < until - LAG_MS) return true;
  lagging.push({ id, at });
  return false;
}

/**
 * The ids named but not listed, to look up one by one; past {@link MAX_LOOKUPS} the list is broken
 * whatever the lookups would say.
 */
function lookUps(stream: string, named: string[], listed: ReadonlySet<string>, what: string): string[] {
  const unlisted = [...new Set(named.filter((id) => !listed.has(id)))];
  if (unlisted.length > MAX_LOOKUPS) throw gap(stream, unlisted, what);
  return unlisted;
}

function gap(stream: string, ids: string[], what: string): IncompleteStreamError {
  return new IncompleteStreamError(`${stream}: ${ids.length} ${what} (${ids.slice(0, 3).join(', ')})`);
}

function reportLag(context: StreamContext, lagging: Missing[], what: string): void {
  if (lagging.length === 0) return;
  const ids = lagging
    .slice(0, 3)
    .map((m) => m.id)
    .join(', ');
  context.warn(`${lagging.length} ${what} of the window's last minute not listed yet (${ids})`, {
    recheckFrom: new Date(Math.min(...lagging.map((m) => m.at))),
  });
}

/** A retrieve of an id Stripe does not know answers 404; that customer is simply not there. */
function notFound(error: unknown): undefined {
  if (statusOf((error as Error).cause) === 404) return undefined;
  throw error;
}

/**
 * Stripe lists carry no total, so a short page would go unnoticed; but every charge reports how much
 * of it was refunded. A charge created inside the window has its refunds inside the window too (or
 * after it, while the run reads), so the refunds listed for it must add up to that amount; the
 * charges where they do not are checked one by one.
 */
function chargesWithUnlistedRefunds(
  intents: readonly StripePaymentIntentRecord[],
  refunds: readonly StripeRefundRecord[],
  since: Date | undefined,
): string[] {
  const listed = new Map<string, number>();
  for (const refund of refunds) {
    if (!refund.charge || refund.status === 'failed' || refund.status === 'canceled') continue;
    listed.set(refund.charge, (listed.get(refund.charge) ?? 0) + refund.amount);
  }
  const sinceSeconds = since ? since.getTime() / 1000 : Number.NEGATIVE_INFINITY;
  return intents.flatMap((intent) => {
    const charge = intent.latest_charge;
    if (!charge || typeof charge === 'string' || charge.created < sinceSeconds) return [];
    return (listed.get(charge.id) ?? 0) < charge.amount_refunded ? [charge.id] : [];
  });
}

export default stripeSource();
