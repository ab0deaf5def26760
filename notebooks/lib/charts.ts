import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { Html, html } from './format.ts';

/**
 * Renders an Observable Plot chart in Node as inline SVG (a `<figure>` when it has a legend): charts
 * need no JavaScript and no network, and show their values on hover through each mark's `title`
 * (SVG `<title>` tooltips). Colour legends must be quantised (`quantize`,
 * `threshold`, `ordinal`): Plot draws continuous ramps on a canvas, which linkedom does not have.
 */
export function chart(name: string, options: Plot.PlotOptions): Html {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const node = Plot.plot({
    style: { fontSize: '12px', fontFamily: 'system-ui, sans-serif', overflow: 'visible' },
    ...options,
    document: document as unknown as Plot.PlotOptions['document'],
  });
  return html`<div class="chart" data-chart="${name}">${new Html((node as unknown as { outerHTML: string }).outerHTML)}</div>`;
}
