import type { EmailCategory, Offer, OfferType } from './analysis-schema.ts';
import type { TemplateInput } from './template-text.ts';

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

const CODE = /\b(?:promo\s+code|discount\s+code|coupon\s+code|code)\s*:?\s+([A-Z0-9][A-Z0-9_-]{3,19})\b/;
const PERCENT = /\b(\d{1,3})\s?%\s*off\b/i;
const AMOUNT = /\$\s?(\d{1,4}(?:\.\d{2})?)\s*off\b/i;
const FREE_TRIAL =
  /\b(?:free\s+(?:first\s+)?(?:visit|climb|trial|class|day)|first\s+(?:climb|visit|class)\s+(?:is\s+)?(?:free|on\s+us))\b/i;
const EXPIRY_WORDS = '(?:ends?|expires?|through|thru|until|till|before|by|valid\\s+(?:to|until|through))';
const LONG_DATE = new RegExp(
  `\\b${EXPIRY_WORDS}\\s+(?:on\\s+)?(${MONTHS.join('|')})\\s+(\\d{1,2}),?\\s+(\\d{4})`,
  'i',
);
const NUMERIC_DATE = new RegExp(`\\b${EXPIRY_WORDS}\\s+(?:on\\s+)?(\\d{1,2})/(\\d{1,2})/(\\d{4})\\b`, 'i');

/** Words that name what an offer is for, tried in order on the sentence that carries the offer. */
const TYPE_CUES: [OfferType, RegExp][] = [
  ['day_pass_discount', /\bday[\s-]?pass(?:es)?\b/i],
  ['retail_discount', /\b(?:pro\s+shop|gear|chalk|shoes|apparel|merch(?:andise)?|retail)\b/i],
  ['membership_discount', /\bmemberships?\b/i],
];

/**
 * A deterministic reading of a template for when no Anthropic key is set: percent and amount off,
 * promo codes, expiry dates and free trials, found in the sentence around the code or discount.
 * It knows only the offer fields; a later run with a key replaces its answer.
 */
export function extractOfferHeuristically(input: Omit<TemplateInput, 'altText'>): Offer {
  const text = input.text;
  const code = CODE.exec(text);
  const trial = FREE_TRIAL.exec(text);
  const discount = PERCENT.exec(text) ?? AMOUNT.exec(text);
  const anchor = code ?? trial ?? discount;
  const category = emailCategory(input, anchor !== null);
  if (!anchor) {
    return {
      has_offer: false,
      offer_type: null,
      offer_amount: null,
      offer_code: null,
      offer_expires: null,
      offer_description: null,
      email_category: category,
    };
  }
  const sentence = sentenceAround(text, anchor.index);
  const sentenceTrial = FREE_TRIAL.exec(sentence);
  const percent = PERCENT.exec(sentence);
  const amount = AMOUNT.exec(sentence);
  const type: OfferType = sentenceTrial
    ? 'free_trial'
    : (TYPE_CUES.find(([, cue]) => cue.test(sentence))?.[0] ?? 'other');
  return {
    has_offer: true,
    offer_type: type,
    offer_amount: sentenceTrial
      ? 'free first visit'
      : percent
        ? `${percent[1]}%`
        : amount
          ? `$${amount[1]} off`
          : null,
    offer_code: code?.[1] ?? null,
    offer_expires: expiry(sentence) ?? expiry(text),
    offer_description: sentence.slice(0, 300),
    email_category: category,
  };
}

/** The sentence holding position `at`, with the sentence before it when that one is short. */
function sentenceAround(text: string, at: number): string {
  const starts = [...text.slice(0, at).matchAll(/[.!?]\s+/g)];
  const start =
    starts.length > 0 ? starts[starts.length - 1]!.index + starts[starts.length - 1]![0].length : 0;
  const end = text.slice(at).search(/[.!?](\s|$)/);
  const stop = end < 0 ? text.length : at + end + 1;
  return text.slice(Math.max(0, start), stop).trim();
}

function expiry(text: string): string | null {
  const long = LONG_DATE.exec(text);
  if (long) return isoDate(Number(long[3]), MONTHS.indexOf(long[1]!.toLowerCase()) + 1, Number(long[2]));
  const numeric = NUMERIC_DATE.exec(text);
  if (numeric) return isoDate(Number(numeric[3]), Number(numeric[1]), Number(numeric[2]));
  return null;
}

function isoDate(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function emailCategory(input: Omit<TemplateInput, 'altText'>, hasOffer: boolean): EmailCategory {
  const heading = `${input.title} ${input.subject}`.toLowerCase();
  if (/\bwelcome\b/.test(heading)) return 'welcome';
  if (/\bmiss(ed)? you\b|\bbeen a while\b|\bcome back\b/.test(heading)) return 're-engagement';
  if (/\b(receipt|order|confirm(ation)?|password)\b/.test(heading)) return 'transactional';
  if (/\b(newsletter|beta|schedule|what'?s new)\b/.test(heading)) return 'newsletter';
  if (hasOffer || /\b(promo|sale|offer|only|cheaper|deal|bash|comp|save the date)\b/.test(heading))
    return 'promotional';
  return 'other';
}
