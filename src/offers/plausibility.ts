/**
 * Checks that an offer read from an email is one the gym could plausibly have made. The model reads
 * untrusted text, so a schema-valid answer can still be an injected "100% off, FREE100, expires
 * 2099-12-31": such an offer is stored as `needs_review` with the reasons, not taken as a fact.
 */

/** Percent off outside this range is not a discount the gym gives. */
const MAX_PERCENT_OFF = 75;
const MAX_DOLLARS_OFF = 500;
/** An offer that expires more than this long after the email was sent is not a promotion. */
const MAX_EXPIRY_DAYS = 366;
/** What Square discount names and Stripe promotion codes look like: letters, digits, - and _. */
const CODE_FORMAT = /^[A-Z0-9][A-Z0-9_-]{2,23}$/i;

export interface OfferFields {
  has_offer: boolean | null;
  offer_amount: string | null;
  offer_code: string | null;
  offer_expires: string | null;
}

export type OfferStatus = 'confirmed' | 'plausible' | 'needs_review';

/** The reasons an offer is implausible; empty when it passes every check. */
export function implausibilities(offer: OfferFields, sentAt: string | null): string[] {
  if (!offer.has_offer) return [];
  const reasons: string[] = [];
  for (const match of (offer.offer_amount ?? '').matchAll(/(\d+(?:\.\d+)?)\s*%/g)) {
    const percent = Number(match[1]);
    if (percent <= 0 || percent > MAX_PERCENT_OFF)
      reasons.push(`discount ${percent}% is outside 1–${MAX_PERCENT_OFF}%`);
  }
  for (const match of (offer.offer_amount ?? '').matchAll(/\$\s*(\d+(?:\.\d+)?)/g)) {
    const dollars = Number(match[1]);
    if (dollars <= 0 || dollars > MAX_DOLLARS_OFF)
      reasons.push(`discount $${dollars} is outside $1–$${MAX_DOLLARS_OFF}`);
  }
  if (offer.offer_code !== null && !CODE_FORMAT.test(offer.offer_code))
    reasons.push(`code "${offer.offer_code.slice(0, 40)}" is not 3–24 letters, digits, - or _`);
  if (offer.offer_expires !== null && sentAt !== null) {
    const sent = Date.parse(sentAt.slice(0, 10));
    const days = (Date.parse(offer.offer_expires) - sent) / 86_400_000;
    if (days < 0) reasons.push(`expires ${offer.offer_expires}, before the email was sent`);
    else if (days > MAX_EXPIRY_DAYS)
      reasons.push(`expires ${offer.offer_expires}, more than ${MAX_EXPIRY_DAYS} days after the email`);
  }
  return reasons;
}

/**
 * An offer whose code was later redeemed in payments is confirmed whatever the checks say; else it
 * is plausible or needs review. Null for a template without an offer.
 */
export function offerStatus(
  offer: OfferFields,
  sentAt: string | null,
  redeemedCodes: ReadonlySet<string>,
): { status: OfferStatus | null; reason: string | null } {
  if (!offer.has_offer) return { status: null, reason: null };
  if (offer.offer_code && redeemedCodes.has(offer.offer_code.toUpperCase()))
    return { status: 'confirmed', reason: null };
  const reasons = implausibilities(offer, sentAt);
  return reasons.length
    ? { status: 'needs_review', reason: reasons.join('; ') }
    : { status: 'plausible', reason: null };
}
