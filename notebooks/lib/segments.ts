import { Html, html } from './format.ts';
import { jsonScript } from './scripts.ts';

export interface Choice {
  value: string;
  label: string;
}

/** One filter of a segmented section: a select whose first choice is the one shown first. */
export interface Dimension {
  key: string;
  label: string;
  choices: Choice[];
}

export type Selection = Record<string, string>;

/** `first=day_pass&promo=all`: how a variant is named in the page (a variant drawn alike for several selections lists them, space-separated). */
export function selectionKey(dimensions: Dimension[], selection: Selection): string {
  return dimensions.map((d) => `${d.key}=${encodeURIComponent(selection[d.key]!)}`).join('&');
}

function* combinations(dimensions: Dimension[]): Generator<Selection> {
  const [first, ...rest] = dimensions;
  if (!first) {
    yield {};
    return;
  }
  for (const choice of first.choices)
    for (const tail of combinations(rest)) yield { [first.key]: choice.value, ...tail };
}

/**
 * A section filtered by selects, pre-rendered: `render` draws it for every combination of the
 * dimensions' choices (null where nothing matches), so charts stay inline SVG drawn in Node and the
 * page's script only shows the chosen variant. The first combination is shown without JavaScript.
 * Tables inside each variant are interactive like any other.
 */
export async function segmented(
  name: string,
  dimensions: Dimension[],
  render: (selection: Selection) => Html | null | Promise<Html | null>,
): Promise<Html> {
  // Selections that draw the same thing share one variant, named by all their keys.
  const variants = new Map<string, string[]>();
  let defaultShown = false;
  for (const [i, selection] of [...combinations(dimensions)].entries()) {
    const body = await render(selection);
    if (i === 0) defaultShown = body !== null;
    if (body)
      variants.set(body.text, [...(variants.get(body.text) ?? []), selectionKey(dimensions, selection)]);
  }
  const shown = [...variants].map(
    ([body, keys], i) =>
      html`<div class="segment" data-segment="${keys.join(' ')}"${i === 0 && defaultShown ? '' : html` hidden`}>${new Html(body)}</div>`,
  );
  return html`<section class="segmented" data-segments="${name}">
${jsonScript('segment-dimensions', dimensions)}
<div class="segment-controls" data-segment-controls></div>
${shown}
<p class="pending" data-segment-empty${defaultShown ? html` hidden` : ''}>Nothing matches this selection.</p>
</section>`;
}
