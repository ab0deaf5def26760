import type { StripeSettings } from '../../config.ts';
import type { RetryOptions } from '../../fetch/retry.ts';
import { defineStream, IncompleteStreamError, type SourceDefinition } from '../../fetch/source.ts';
import { createdRange, createStripeClient, listPages } from './client.ts';
import {
  type StripePaymentIntentRecord,
  type StripeRefundRecord,
  stripeCustomerSchema,
  stripePaymentIntentSchema,
  stripeRefundSchema,
} from './schemas.ts';

const recent = { kind: 'recent', days: 2, lookbackDays: 7 } as const;

export interface StripeSourceOptions {
  /** Backoff for every call; the defaults suit the real API, tests shorten them. */
  retry?: Omit<RetryOptions, 'onRetry'>;
}

/**
 * Stripe: customers (all of them each day: Stripe cannot filter customers by update), payment
 * intents with their latest charge expanded inline, and refunds. Every intent is kept, failed and
 * test-mode ones included; staging decides what counts as revenue.
 */
export function stripeSource(options: StripeSourceOptions = {}): SourceDefinition<StripeSettings> {
  return {
    name: 'stripe',
    settings: (config) => config.sources.stripe,
    streams: (settings) => {
      const stripe = createStripeClient(settings);
      const retryOf = (context: { retry: RetryOptions }) => ({ ...options.retry, ...context.retry });
      return [
        defineStream({
          name: 'customers',
          schema: stripeCustomerSchema,
          recordId: (customer) => customer.id,
          window: { kind: 'full' },
          pages: (context) =>
            listPages('customers', (cursor) => stripe.customers.list(cursor), retryOf(context)),
        }),
        defineStream({
          name: 'payment_intents',
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
        }),
        defineStream({
          name: 'refunds',
          schema: stripeRefundSchema,
          recordId: (refund) => refund.id,
          window: recent,
          async *pages(context) {
            const listed: StripeRefundRecord[] = [];
            const pages = listPages(
              'refunds',
              (cursor) => stripe.refunds.list({ ...cursor, created: createdRange(context.window) }),
              retryOf(context),
            );
            for await (const page of pages) {
              for (const record of page) {
                const refund = stripeRefundSchema.safeParse(record);
                if (refund.success) listed.push(refund.data);
              }
              yield page;
            }
            const intents = context.earlier('payment_intents') as StripePaymentIntentRecord[];
            const missing = chargesWithUnlistedRefunds(intents, listed, context.window.since);
            if (missing.length > 0) {
              throw new IncompleteStreamError(
                `refunds: ${missing.length} charge(s) show refunds that the refund list did not return (${missing.slice(0, 3).join(', ')})`,
              );
            }
          },
        }),
      ];
    },
  };
}

/**
 * Stripe lists carry no total, so a short page would go unnoticed; but every charge reports how much
 * of it was refunded. A charge created inside the window has all its refunds inside the window too,
 * so the refunds listed for it must add up to at least that amount.
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
