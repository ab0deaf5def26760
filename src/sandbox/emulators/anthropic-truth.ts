/**
 * Recognises sandbox content inside a Messages request and returns the generator's ground truth for
 * it, so the product's analysis path runs end to end on known answers. Content it cannot place gets
 * a plausible neutral answer, as a model would give one.
 */
import { createHash } from 'node:crypto';
import type { ImageTruth, SandboxDataset, TemplateTruth } from '../dataset.ts';

/** What the product asks about an email template (everything the generator knows except the labels). */
export type TemplateAnswer = Omit<TemplateTruth, 'campaign_id' | 'is_effective'>;
export type ImageAnswer = Omit<ImageTruth, 'media_id'>;

export type Identified =
  | { kind: 'template'; campaignId: string | undefined; answer: TemplateAnswer }
  | { kind: 'image'; mediaId: string | undefined; answer: ImageAnswer };

export interface ImageSource {
  type: 'base64' | 'url';
  data?: string;
  url?: string;
}

const NEUTRAL_TEMPLATE: TemplateAnswer = {
  has_offer: false,
  offer_type: null,
  offer_amount: null,
  offer_code: null,
  offer_expires: null,
  offer_description: null,
  email_category: 'other',
  summary: 'A general update email from the gym.',
  tone: 'neutral',
  content_type: 'announcement',
  calls_to_action: [],
  themes: ['community'],
};

const NEUTRAL_IMAGE: ImageAnswer = {
  description: 'A photo shared by the climbing gym.',
  activity_type: 'community event',
  themes: ['community'],
};

/** Words per shingle when comparing an email's text with the request's. */
const SHINGLE = 8;
/** The product truncates an email to a few thousand characters; compare only what survives. */
const COMPARED_WORDS = 400;

interface TemplateCandidate {
  campaignId: string;
  subject: string;
  title: string;
  shingles: string[];
  answer: TemplateAnswer;
}

export function createTruthOracle(dataset: SandboxDataset) {
  let templates: TemplateCandidate[] | undefined;
  let images: Map<string, { mediaId: string; answer: ImageAnswer }> | undefined;
  let imagePaths: Map<string, { mediaId: string; answer: ImageAnswer }> | undefined;

  // Built on first use and over the whole history: what a model knows does not depend on the clock.
  const templateCandidates = (): TemplateCandidate[] => {
    if (templates) return templates;
    const campaigns = new Map(dataset.mailchimp.campaigns(dataset.horizon).map((c) => [c.id, c]));
    templates = dataset.truth.templates.flatMap((truth) => {
      const campaign = campaigns.get(truth.campaign_id);
      if (!campaign) return [];
      const content = dataset.mailchimp.content(campaign.id);
      const words = normalize(visibleText(content?.html ?? content?.plain_text ?? '')).split(' ');
      const shingles: string[] = [];
      for (let i = 0; i + SHINGLE <= Math.min(words.length, COMPARED_WORDS); i += SHINGLE) {
        shingles.push(words.slice(i, i + SHINGLE).join(' '));
      }
      const { campaign_id: _id, is_effective: _effective, ...answer } = truth;
      return [
        {
          campaignId: campaign.id,
          subject: normalize(campaign.settings.subject_line),
          title: normalize(campaign.settings.title),
          shingles,
          answer,
        },
      ];
    });
    return templates;
  };

  const imageIndex = () => {
    if (images && imagePaths) return { images, imagePaths };
    const truthById = new Map(dataset.truth.images.map((t) => [t.media_id, t]));
    images = new Map();
    imagePaths = new Map();
    for (const media of dataset.instagram.media(dataset.horizon)) {
      const truth = truthById.get(media.id);
      if (!truth) continue;
      const { media_id: _id, ...answer } = truth;
      const entry = { mediaId: media.id, answer };
      const image = dataset.instagram.image(media.id);
      if (image) images.set(digest(image.bytes), entry);
      imagePaths.set(media.media_path, entry);
    }
    return { images, imagePaths };
  };

  return {
    /** The post whose image this is, matched on its bytes (or, for a URL source, on its path). */
    identifyImage(source: ImageSource): Identified {
      const index = imageIndex();
      let found: { mediaId: string; answer: ImageAnswer } | undefined;
      if (source.type === 'base64' && source.data)
        found = index.images.get(digest(Buffer.from(source.data, 'base64')));
      if (source.type === 'url' && source.url) {
        const path = new URL(source.url, 'http://sandbox').pathname;
        found = index.imagePaths.get(path);
      }
      return { kind: 'image', mediaId: found?.mediaId, answer: found?.answer ?? NEUTRAL_IMAGE };
    },

    /**
     * The campaign the text talks about. Subject and title are strong signals; shared text settles
     * campaigns that reuse a subject, and recognises an email sent without its subject.
     */
    identifyTemplate(text: string): Identified {
      const haystack = ` ${normalize(visibleText(text))} `;
      const words = haystack.trim().split(' ');
      const windows = new Set<string>();
      for (let i = 0; i + SHINGLE <= words.length; i++) windows.add(words.slice(i, i + SHINGLE).join(' '));

      let best: { candidate: TemplateCandidate; score: number } | undefined;
      for (const candidate of templateCandidates()) {
        const subject = candidate.subject !== '' && haystack.includes(` ${candidate.subject} `);
        const title = candidate.title !== '' && haystack.includes(` ${candidate.title} `);
        const shared = candidate.shingles.filter((s) => windows.has(s)).length;
        const content = candidate.shingles.length > 0 ? shared / candidate.shingles.length : 0;
        const score = (subject ? 3 : 0) + (title ? 2 : 0) + 4 * content;
        if (score >= 1 && (!best || score > best.score)) best = { candidate, score };
      }
      return {
        kind: 'template',
        campaignId: best?.candidate.campaignId,
        answer: best?.candidate.answer ?? NEUTRAL_TEMPLATE,
      };
    },
  };
}

/** Lower case, letters and digits only, single spaces: immune to markup, punctuation and layout. */
function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
  ndash: '–',
  mdash: '—',
  hellip: '…',
};

/** The text a reader sees: scripts, styles and tags dropped, entities decoded. Plain text passes through. */
function visibleText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<\/?[a-z][^>]*>/gi, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (_, entity: string) => {
      if (entity[0] === '#') {
        const code =
          entity[1]?.toLowerCase() === 'x' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return NAMED_ENTITIES[entity.toLowerCase()] ?? ' ';
    });
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
