import { createHash } from 'node:crypto';
import { parseHTML } from 'linkedom';

/** Elements whose text a reader never sees. */
const INVISIBLE = 'head, script, style, noscript, template, title';
/** Elements that end a line when rendered; without a space their words would run together. */
const BLOCKS =
  'p, div, td, th, tr, li, ul, ol, table, br, h1, h2, h3, h4, h5, h6, center, section, article, header, footer, blockquote';

/**
 * The text a reader of an email sees: markup, scripts, styles and comments dropped, entities decoded
 * (by a real HTML parser), whitespace folded to single spaces. Plain text passes through folded.
 */
export function visibleText(html: string): string {
  if (!/<[a-z!/]/i.test(html)) return fold(html);
  const { document } = parseHTML(/<html[\s>]/i.test(html) ? html : `<html><body>${html}</body></html>`);
  for (const element of document.querySelectorAll(INVISIBLE)) element.remove();
  for (const element of document.querySelectorAll(BLOCKS)) element.after(document.createTextNode(' '));
  return fold(document.documentElement?.textContent ?? '');
}

/**
 * The alt text of the email's images, which a reader of a banner sees as the image itself and the
 * visible text leaves out ("20% off all memberships" is often only a picture).
 */
export function imageAltTexts(html: string): string {
  if (!/<img\b/i.test(html)) return '';
  const { document } = parseHTML(/<html[\s>]/i.test(html) ? html : `<html><body>${html}</body></html>`);
  const alts = [...document.querySelectorAll('img[alt]')].map((img) => fold(img.getAttribute('alt') ?? ''));
  return alts.filter((alt) => alt !== '').join(' | ');
}

function fold(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** What the model reads about one campaign; its hash is the cache key, so equal content is read once. */
export interface TemplateInput {
  title: string;
  subject: string;
  text: string;
  /** The images' alt texts, `|`-separated; empty when none. */
  altText: string;
}

/** Bumped when the prompt or the answer's shape changes, so every template is read again. */
export const ANALYSIS_VERSION = 'offers-v1';

export function templateHash(input: TemplateInput): string {
  return (
    createHash('sha256')
      // Alt text joins the key only where there is some, so templates without it keep their answers.
      .update(
        JSON.stringify([
          ANALYSIS_VERSION,
          input.title,
          input.subject,
          input.text,
          ...(input.altText ? [input.altText] : []),
        ]),
      )
      .digest('hex')
  );
}
