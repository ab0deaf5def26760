import { describe, expect, it } from 'vitest';
import { heuristicAccuracy } from '../../src/evaluate/offer-heuristic.ts';
import { extractOfferHeuristically } from '../../src/offers/heuristic.ts';
import { imageAltTexts, templateHash, visibleText } from '../../src/offers/template-text.ts';
import { generateGym } from '../../src/sandbox/generate.ts';

describe('visible text of an email', () => {
  it('drops markup, scripts, styles and comments, decodes entities and folds whitespace', () => {
    const html = `<!doctype html><html><head><title>Hidden title</title><style>p{color:red}</style></head>
      <body><script>var code = "NOTME10";</script><!-- a comment -->
      <p>Take <strong>20%&nbsp;off</strong> &mdash; code&#58; <span>CRUX42A</span></p><p>Fish &amp; chips</p>
      <table><tr><td>one</td><td>two</td></tr></table></body></html>`;
    expect(visibleText(html)).toBe('Take 20% off — code: CRUX42A Fish & chips one two');
  });

  it('passes plain text through, folded', () => {
    expect(visibleText('  Hello\n\n  climbers  ')).toBe('Hello climbers');
  });

  it('keys templates by what the model reads: layout changes keep the hash, words change it', () => {
    const hash = (html: string) =>
      templateHash({ title: 't', subject: 's', text: visibleText(html), altText: imageAltTexts(html) });
    expect(hash('<p>Save 10%</p>')).toBe(hash('<div>\n  Save   10%\n</div>'));
    expect(hash('<p>Save 10%</p>')).not.toBe(hash('<p>Save 15%</p>'));
    // A banner's alt text is read too: changing it is changing what the model reads.
    expect(hash('<p>Hi</p><img alt="20% off">')).not.toBe(hash('<p>Hi</p><img alt="30% off">'));
    expect(hash('<p>Hi</p><img src="x.png">')).toBe(hash('<p>Hi</p>'));
  });
});

describe('the offline offer extractor', () => {
  const read = (text: string, subject = 'News') => extractOfferHeuristically({ title: '', subject, text });

  it('finds percent and amount off, codes, expiry dates and free trials', () => {
    expect(
      read('Take 25% off your first month of any membership with code SENDIT10B. Offer ends March 3, 2026.'),
    ).toMatchObject({
      has_offer: true,
      offer_type: 'membership_discount',
      offer_amount: '25%',
      offer_code: 'SENDIT10B',
      offer_expires: '2026-03-03',
    });
    expect(
      read('Gear up! $15 off chalk and shoes in the pro shop with promo code: CHALK77 until 4/30/2026.'),
    ).toMatchObject({
      offer_type: 'retail_discount',
      offer_amount: '$15 off',
      offer_code: 'CHALK77',
      offer_expires: '2026-04-30',
    });
    expect(read('Your first climb is on us — show code FLASH12C at the desk.')).toMatchObject({
      offer_type: 'free_trial',
      offer_amount: 'free first visit',
      offer_code: 'FLASH12C',
    });
    expect(read('Half a day pass: 50% off a day pass this weekend only.')).toMatchObject({
      offer_type: 'day_pass_discount',
      offer_code: null,
    });
  });

  it('finds no offer in an email without one', () => {
    expect(read('The cave got a full reset. We raised $1,240 for the trail fund.', 'Basin Beta')).toEqual({
      has_offer: false,
      offer_type: null,
      offer_amount: null,
      offer_code: null,
      offer_expires: null,
      offer_description: null,
      email_category: 'newsletter',
    });
  });

  it('matches the sandbox gym’s true offers: codes ≥ 95% exact, types ≥ 90%', () => {
    const accuracy = heuristicAccuracy(generateGym({ size: 'tiny' }));
    expect(accuracy.offers).toBeGreaterThan(20);
    expect(accuracy.offer_code.rate).toBeGreaterThanOrEqual(0.95);
    expect(accuracy.offer_type.rate).toBeGreaterThanOrEqual(0.9);
    expect(accuracy.has_offer.rate).toBeGreaterThanOrEqual(0.95);
  });
});
