/**
 * Mailchimp campaigns of the sandbox gym: 2-4 a month, each with realistic HTML (style and script
 * blocks, entities, long markup) that may carry an offer. Some offers sit beyond the first 4,000
 * characters of markup, where the original system's truncated prompt never looked (§5.5). Every
 * campaign has a `TemplateTruth`; half of the offers are effective (they lift conversion).
 */
import type { IsoDate, TemplateTruth } from '../dataset.ts';
import { GYM_NAME } from './catalog.ts';
import type { Rng } from './prng.ts';
import { DAY_MS, type GymClock } from './time.ts';

export type OfferType = NonNullable<TemplateTruth['offer_type']>;

export interface Offer {
  type: OfferType;
  /** Percent off, or cents off, exactly one set. */
  percentOff: number | null;
  centsOff: number | null;
  code: string;
  expiresDay: number;
  effective: boolean;
  /** Whether the offer block comes after 4,000 characters of markup. */
  late: boolean;
}

export interface CampaignFact {
  id: string;
  createAt: number;
  sendAt: number;
  title: string;
  subject: string;
  /** Sent to a saved segment (a share of subscribers) rather than the whole audience. */
  segmentId: number | null;
  segmentShare: number;
  offer: Offer | null;
  links: string[];
  html: string;
  plainText: string;
  truth: TemplateTruth;
}

type Kind = 'newsletter' | 'promotional' | 'event' | 're-engagement' | 'welcome' | 'schedule';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const CODE_STEMS = [
  'CLIMBON',
  'SENDIT',
  'BASIN',
  'CHALKUP',
  'CRUX',
  'TOPOUT',
  'DYNO',
  'JUGS',
  'BETA',
  'FLASH',
];

const SITE = 'https://basinclimbing.com';

function offerAmountText(offer: Offer): string {
  if (offer.type === 'free_trial') return 'free first visit';
  return offer.percentOff !== null ? `${offer.percentOff}%` : `$${(offer.centsOff ?? 0) / 100} off`;
}

function offerSentence(offer: Offer, expires: string): { html: string; text: string; description: string } {
  const amount =
    offer.percentOff !== null ? `${offer.percentOff}% off` : `$${(offer.centsOff ?? 0) / 100} off`;
  switch (offer.type) {
    case 'membership_discount':
      return {
        html: `Take <strong>${amount}</strong> your first month of any membership &mdash; use code <span class="code">${offer.code}</span> at checkout. Offer ends ${expires}.`,
        text: `Take ${amount} your first month of any membership with code ${offer.code}. Offer ends ${expires}.`,
        description: `${amount} the first month of a membership`,
      };
    case 'day_pass_discount':
      return {
        html: `Bring a friend: <strong>${amount}</strong> a day pass with code <span class="code">${offer.code}</span> at the front desk &amp; online, through ${expires}.`,
        text: `${amount} a day pass with code ${offer.code}, through ${expires}.`,
        description: `${amount} a day pass`,
      };
    case 'retail_discount':
      return {
        html: `Gear up! <strong>${amount}</strong> chalk, shoes &amp; apparel in the pro shop with code <span class="code">${offer.code}</span> until ${expires}.`,
        text: `${amount} pro shop gear with code ${offer.code} until ${expires}.`,
        description: `${amount} retail gear in the pro shop`,
      };
    case 'free_trial':
      return {
        html: `Your first climb is on us &mdash; show code <span class="code">${offer.code}</span> at the desk before ${expires}.`,
        text: `Your first climb is free with code ${offer.code} before ${expires}.`,
        description: 'a free first visit',
      };
    default:
      return {
        html: `Members save on our next event with code <span class="code">${offer.code}</span> (valid to ${expires}).`,
        text: `Save on our next event with code ${offer.code} (valid to ${expires}).`,
        description: `${amount} event registration`,
      };
  }
}

const STYLE_BLOCK = `<style type="text/css">
  body,#bodyTable,#bodyCell{height:100% !important;margin:0;padding:0;width:100% !important;}
  table{border-collapse:collapse;} img,a img{border:0;outline:none;text-decoration:none;}
  h1,h2,h3,h4,h5,h6{margin:0;padding:0;} p{margin:1em 0;padding:0;}
  .ReadMsgBody{width:100%;} .ExternalClass{width:100%;}
  .ExternalClass,.ExternalClass p,.ExternalClass span,.ExternalClass font,.ExternalClass td,.ExternalClass div{line-height:100%;}
  table,td{mso-table-lspace:0pt;mso-table-rspace:0pt;} #outlook a{padding:0;}
  img{-ms-interpolation-mode:bicubic;} body,table,td,p,a,li,blockquote{-ms-text-size-adjust:100%;-webkit-text-size-adjust:100%;}
  .mcnPreviewText{display:none !important;} .code{font-family:Courier,monospace;font-weight:bold;background:#ffe9a8;padding:2px 6px;}
  .mcnTextContent{word-break:break-word;color:#2a2a2a;font-family:Helvetica;font-size:16px;line-height:150%;text-align:left;}
  .mcnButton{background-color:#e4572e;border-radius:4px;color:#ffffff;font-weight:bold;letter-spacing:normal;line-height:100%;text-align:center;text-decoration:none;}
  @media only screen and (min-width:768px){ .templateContainer{width:600px !important;} }
  @media only screen and (max-width:480px){
    body,table,td,p,a,li,blockquote{-webkit-text-size-adjust:none !important;}
    body{width:100% !important;min-width:100% !important;}
    .mcnImage{width:100% !important;} .mcnCartContainer,.mcnCaptionTopContent,.mcnRecContentContainer{max-width:100% !important;width:100% !important;}
    .mcnBoxedTextContentContainer{min-width:100% !important;} .mcnImageGroupContent{padding:9px !important;}
    .mcnCaptionLeftContentOuter .mcnTextContent,.mcnCaptionRightContentOuter .mcnTextContent{padding-top:9px !important;}
    .mcnImageCardTopImageContent,.mcnCaptionBottomContent:last-child .mcnCaptionBottomImageContent{padding-top:18px !important;}
    .mcnTextContent,.mcnBoxedTextContentColumn{padding-right:18px !important;padding-left:18px !important;}
  }
</style>`;

const SCRIPT_BLOCK = `<script type="text/javascript">
  (function(){var d=document,w=window;w.mcTrack=w.mcTrack||[];
  w.mcTrack.push(['pageview',{list:'basin',ts:Date.now()}]);
  var s=d.createElement('script');s.async=true;s.src='https://chimpstatic.com/mcjs-connected/js/users/basin.js';
  var x=d.getElementsByTagName('script')[0];x.parentNode.insertBefore(s,x);})();
</script>`;

function section(inner: string): string {
  return `<table border="0" cellpadding="0" cellspacing="0" width="100%" class="mcnTextBlock" style="min-width:100%;">
  <tbody class="mcnTextBlockOuter"><tr><td valign="top" class="mcnTextBlockInner" style="padding-top:9px;">
  <table align="left" border="0" cellpadding="0" cellspacing="0" style="max-width:100%;min-width:100%;" width="100%" class="mcnTextContentContainer">
  <tbody><tr><td valign="top" class="mcnTextContent" style="padding:0 18px 9px 18px;">${inner}</td></tr></tbody></table>
  </td></tr></tbody></table>`;
}

function button(label: string, url: string): string {
  return `<table border="0" cellpadding="0" cellspacing="0" class="mcnButtonContentContainer" style="border-collapse:separate !important;border-radius:4px;background-color:#e4572e;">
  <tbody><tr><td align="center" valign="middle" class="mcnButtonContent" style="font-family:Arial;font-size:16px;padding:15px;">
  <a class="mcnButton" title="${label}" href="${url}" target="_blank" style="font-weight:bold;letter-spacing:normal;line-height:100%;text-align:center;text-decoration:none;color:#FFFFFF;">${label}</a>
  </td></tr></tbody></table>`;
}

const FILLER_PARAGRAPHS = [
  'Our setters were busy this month: the cave got a full reset, and the slab wall has fresh problems from V0 to V8. Come find your new project &mdash; and tell us what you think at the desk.',
  'Reminder: the fitness floor now has two more squat racks &amp; a rower, and the HYROX class meets Monday &amp; Wednesday at 6&nbsp;pm.',
  'Youth Rec Team tryouts are coming up. Kids 7&ndash;13 who love to climb can join the team for coached sessions twice a week. Ask about the Development &amp; Comp teams too!',
  'Thanks to everyone who came out to Community Night. We raised $1,240 for the Waco Outdoor Club&rsquo;s trail fund &mdash; you all crushed it.',
  'New to roped climbing? Our Belay Certification Class runs Tuesdays &amp; Saturdays. In 90 minutes you&rsquo;ll learn to tie in, belay &amp; lower safely.',
  'Birthday parties are booking fast for next month. Two hours of climbing, a party room, and gear for everyone &mdash; reserve online in a couple of clicks.',
  'Parking tip: the lot behind the building fills up after 5&nbsp;pm on weekdays; there&rsquo;s overflow parking across the street after 6.',
  'Yoga for Climbers returns on Saturday mornings: stretch out those forearms, work on hip mobility, and breathe.',
  'Summer Camp registration is open! Weekly sessions June&ndash;August for ages 6&ndash;13, 9&nbsp;am&ndash;3&nbsp;pm.',
  'Route setting schedule: we reset one section every week, so there&rsquo;s always something new to try. Follow us on Instagram for sneak peeks.',
];

interface Plan {
  kind: Kind;
  title: string;
  subject: string;
  themes: string[];
  tone: string;
  contentType: string;
  summary: string;
  ctas: string[];
}

function planCampaign(rng: Rng, kind: Kind, month: string, year: number, offer: Offer | null): Plan {
  const offerTheme = offer ? [offer.type.replaceAll('_', ' ')] : [];
  switch (kind) {
    case 'newsletter':
      return {
        kind,
        title: `Basin Beta: ${month} ${year}`,
        subject: rng.pick([
          `What's new at Basin this ${month}`,
          `${month} at Basin: new sets, classes & more`,
        ]),
        themes: ['route setting', 'community', 'classes', ...offerTheme],
        tone: 'friendly',
        contentType: 'newsletter',
        summary: `Monthly Basin newsletter for ${month} ${year} covering new routes, classes and community news.`,
        ctas: ['See the class schedule', ...(offer ? ['Use the promo code'] : [])],
      };
    case 'promotional':
      return {
        kind,
        title: `${month} ${year} Promo`,
        subject: rng.pick([
          'A little something for you 🧗',
          'This week only at Basin',
          'Your next climb just got cheaper',
        ]),
        themes: ['promotion', 'membership', ...offerTheme],
        tone: 'excited',
        contentType: 'promotion',
        summary: `Promotional email for ${month} ${year}${offer ? ' with a limited-time discount code' : ''}.`,
        ctas: ['Join now', 'Book a visit'],
      };
    case 'event':
      return {
        kind,
        title: `Boulder Bash ${month} ${year}`,
        subject: rng.pick(['Boulder Bash is back!', 'Save the date: Boulder Bash', 'Comp season starts now']),
        themes: ['competition', 'community', 'event', ...offerTheme],
        tone: 'energetic',
        contentType: 'event',
        summary: `Announcement of the Boulder Bash bouldering competition in ${month} ${year} with registration details.`,
        ctas: ['Register for Boulder Bash'],
      };
    case 're-engagement':
      return {
        kind,
        title: `We Miss You - ${month} ${year}`,
        subject: rng.pick(['We miss you at Basin', 'The walls miss you', "It's been a while!"]),
        themes: ['re-engagement', 'membership', ...offerTheme],
        tone: 'warm',
        contentType: 'promotion',
        summary: `Win-back email inviting lapsed climbers back to Basin in ${month} ${year}.`,
        ctas: ['Come back and climb'],
      };
    case 'welcome':
      return {
        kind,
        title: `Welcome to Basin (${month} ${year})`,
        subject: 'Welcome to the Basin family',
        themes: ['welcome', 'onboarding', ...offerTheme],
        tone: 'welcoming',
        contentType: 'announcement',
        summary: 'Welcome email for new climbers explaining gym basics, classes and etiquette.',
        ctas: ['Take a belay class', 'Meet the staff'],
      };
    default:
      return {
        kind,
        title: `Class Schedule ${month} ${year}`,
        subject: `${month} class schedule is here`,
        themes: ['classes', 'fitness', 'schedule', ...offerTheme],
        tone: 'informative',
        contentType: 'class schedule',
        summary: `The ${month} ${year} schedule of climbing and fitness classes at Basin.`,
        ctas: ['Book a class'],
      };
  }
}

function category(kind: Kind): TemplateTruth['email_category'] {
  if (kind === 'newsletter' || kind === 'schedule') return 'newsletter';
  if (kind === 'welcome') return 'welcome';
  if (kind === 're-engagement') return 're-engagement';
  return 'promotional';
}

function renderHtml(rng: Rng, plan: Plan, offer: Offer | null, expiresText: string, links: string[]): string {
  const paragraphs = rng.shuffle([...FILLER_PARAGRAPHS]).slice(0, rng.int(3, 6));
  const head = `<!doctype html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head>
<meta charset="UTF-8"><meta http-equiv="X-UA-Compatible" content="IE=edge"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${plan.subject}</title>
${STYLE_BLOCK}
${SCRIPT_BLOCK}
</head>`;
  const preheader = `<span class="mcnPreviewText" style="display:none;font-size:0px;line-height:0px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;visibility:hidden;mso-hide:all;">${plan.summary}</span>`;
  const header = section(
    `<h1 style="text-align:center;">${plan.title.replace('&', '&amp;')}</h1><p style="text-align:center;">${GYM_NAME.replace('&', '&amp;')} &middot; Waco, TX</p>`,
  );
  const offerBlock = offer
    ? section(
        `<h2>Limited-time offer</h2><p>${offerSentence(offer, expiresText).html}</p>${button('Claim offer', links[0] ?? SITE)}`,
      )
    : '';
  const body = paragraphs.map((p, i) =>
    section(`<p>${p}</p>${i === 0 ? button(plan.ctas[0] ?? 'Visit us', links[1] ?? SITE) : ''}`),
  );
  const footer = section(
    `<p style="font-size:12px;color:#777;">Copyright &copy; Basin Climbing LLC, All rights reserved.<br>You are receiving this email because you opted in at the front desk or on our website.<br><a href="*|UNSUB|*">unsubscribe from this list</a> &nbsp;|&nbsp; <a href="*|UPDATE_PROFILE|*">update subscription preferences</a><br>*|LIST:ADDRESSLINE|*</p>`,
  );
  const parts = [
    head,
    '<body>',
    preheader,
    '<center><table align="center" class="templateContainer" width="600">',
    header,
  ];
  if (offer && !offer.late) parts.push(offerBlock);
  parts.push(...body);
  if (offer?.late) {
    // Push the offer past the 4,000th character of markup, as long real templates do.
    let length = parts.join('\n').length;
    while (length < 4300) {
      const extra = section(`<p>${rng.pick(FILLER_PARAGRAPHS)}</p>`);
      parts.push(extra);
      length += extra.length;
    }
    parts.push(offerBlock);
  }
  parts.push(footer, '</table></center>', '</body></html>');
  return parts.join('\n');
}

function plainTextOf(plan: Plan, offer: Offer | null, expiresText: string): string {
  const lines = [plan.title, '', plan.summary, ''];
  if (offer) lines.push(offerSentence(offer, expiresText).text, '');
  lines.push('Basin Climbing & Fitness, Waco, TX', 'Unsubscribe: *|UNSUB|*');
  return lines.join('\n');
}

/** Campaigns sent between `fromMs` and `toMs`, drawn from the seed alone. */
export function buildCampaigns(rng: Rng, clock: GymClock, fromMs: number, toMs: number): CampaignFact[] {
  const campaigns: CampaignFact[] = [];
  const startLocal = clock.local(fromMs);
  let year = startLocal.year;
  let month = startLocal.month;
  let codeCounter = 0;
  for (;;) {
    const monthStart = clock.fromLocal(year, month, 1);
    if (monthStart > toMs) break;
    const count = rng.int(2, 4);
    const days = Array.from({ length: count }, () => rng.int(1, 28)).sort((a, b) => a - b);
    for (const day of days) {
      const sendAt = clock.fromLocal(year, month, day, rng.int(8, 17), rng.int(0, 59), rng.int(0, 59));
      if (sendAt < fromMs || sendAt > toMs) continue;
      const kind = rng.weighted<Kind>([
        ['newsletter', 30],
        ['promotional', 28],
        ['event', 12],
        ['re-engagement', 10],
        ['welcome', 6],
        ['schedule', 14],
      ]);
      const offerChance =
        kind === 'promotional' || kind === 're-engagement' ? 0.85 : kind === 'welcome' ? 0.5 : 0.2;
      let offer: Offer | null = null;
      if (rng.chance(offerChance)) {
        const type = rng.weighted<OfferType>([
          ['membership_discount', 40],
          ['day_pass_discount', 30],
          ['retail_discount', 15],
          ['free_trial', 10],
          ['other', 5],
        ]);
        const percent = rng.chance(0.6);
        codeCounter++;
        offer = {
          type,
          percentOff: percent ? rng.pick([10, 15, 20, 25, 30, 50]) : null,
          centsOff: percent ? null : rng.pick([500, 1000, 1500, 2000, 2500]),
          code: `${rng.pick(CODE_STEMS)}${rng.int(10, 99)}${String.fromCharCode(65 + (codeCounter % 26))}`,
          expiresDay: clock.localDay(sendAt) + rng.int(10, 30),
          effective: rng.chance(0.5),
          late: rng.chance(0.35),
        };
      }
      const monthName = MONTHS[month - 1] ?? 'January';
      const plan = planCampaign(rng, kind, monthName, year, offer);
      const id = rng.hex(10);
      const links = [
        `${SITE}/${offer ? 'offers' : 'memberships'}?utm_source=mailchimp&utm_campaign=${id}`,
        `${SITE}/${kind === 'event' ? 'events' : kind === 'schedule' ? 'classes' : 'visit'}?utm_source=mailchimp&utm_campaign=${id}`,
        `https://www.instagram.com/basinclimbing/`,
      ];
      const expiresIso: IsoDate | null = offer ? clock.dayToIso(offer.expiresDay) : null;
      const expiresText = expiresIso ? formatLongDate(expiresIso) : '';
      const html = renderHtml(rng, plan, offer, expiresText, links);
      const segmented = rng.chance(0.3);
      const truth: TemplateTruth = {
        campaign_id: id,
        has_offer: offer !== null,
        offer_type: offer?.type ?? null,
        offer_amount: offer ? offerAmountText(offer) : null,
        offer_code: offer?.code ?? null,
        offer_expires: expiresIso,
        offer_description: offer ? offerSentence(offer, expiresText).description : null,
        email_category: category(kind),
        summary: plan.summary,
        tone: plan.tone,
        content_type: plan.contentType,
        calls_to_action: plan.ctas,
        themes: plan.themes,
        is_effective: offer?.effective ?? false,
      };
      campaigns.push({
        id,
        createAt: sendAt - rng.int(1, 5) * DAY_MS - rng.int(0, 8) * 3_600_000,
        sendAt,
        title: plan.title,
        subject: plan.subject,
        segmentId: segmented ? rng.int(100, 999) * 1000 + rng.int(0, 999) : null,
        segmentShare: segmented ? rng.uniform(0.3, 0.7) : 1,
        offer,
        links,
        html,
        plainText: plainTextOf(plan, offer, expiresText),
        truth,
      });
    }
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return campaigns.sort((a, b) => a.sendAt - b.sendAt);
}

function formatLongDate(iso: IsoDate): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${MONTHS[(m ?? 1) - 1]} ${d}, ${y}`;
}
