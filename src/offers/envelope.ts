/** The tags that enclose untrusted text in prompts; no field may open or close any of them. */
const ENVELOPE_TAG = /<\s*\/?\s*(?:email|title|subject|body|alt_text|caption)\b[^>]*>/gi;

/**
 * One untrusted field inside its tag, with every envelope tag in it neutralised, so a title, subject,
 * body, image alt text or caption can neither close its own envelope nor open another's.
 */
export function enclose(tag: 'title' | 'subject' | 'body' | 'alt_text' | 'caption', text: string): string {
  return `<${tag}>${text.replace(ENVELOPE_TAG, '[tag removed]')}</${tag}>`;
}
