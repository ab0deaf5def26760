import type { Config } from '../config.ts';
import type { Database } from '../sql/database.ts';
import { analyseImages, type ImageRunResult } from '../vision/analyse-images.ts';
import { analyseTemplates, type TemplateRunResult } from './analyse-templates.ts';
import { claudeClient } from './claude.ts';
import { buildOfferMetrics, type OfferMetricsResult } from './conversion.ts';

/** Reads new templates: Claude with a key, the heuristic without. */
export async function runTemplateAnalysis(db: Database, config: Config): Promise<TemplateRunResult> {
  return analyseTemplates(db, config.anthropic ? { claude: claudeClient(config.anthropic) } : {});
}

export interface ContentRunResult {
  templates: TemplateRunResult;
  images: ImageRunResult;
}

/** Everything Claude reads in a daily run: new email templates and new Instagram images. */
export async function runContentAnalysis(
  db: Database,
  anthropic: Config['anthropic'],
): Promise<ContentRunResult> {
  const claude = anthropic ? claudeClient(anthropic) : undefined;
  const templates = await analyseTemplates(db, claude ? { claude } : {});
  const images = await analyseImages(db, claude ? { claude } : {});
  return { templates, images };
}

export function describeContentRun(r: ContentRunResult): string {
  const i = r.images;
  const images =
    `${i.images} images of ${i.posts} posts: ${i.cacheHits} cached, ${i.llmCalls} LLM calls` +
    (i.notAnalysed > 0 ? `, ${i.notAnalysed} not analysed` : '') +
    (i.unknown > 0 ? `, ${i.unknown} unknown` : '') +
    (i.authFailure ? ` (the Anthropic API refused the key, ${i.authFailure}: not analysed)` : '');
  const total = r.templates.costUsd + i.costUsd;
  return `${describeTemplateRun(r.templates)}; ${images}; run LLM cost $${total.toFixed(4)}`;
}

/**
 * A refused key is a failure of the run even though the step built its tables: offers were read by
 * the heuristic and images not at all, which must not pass for a normal run.
 */
export function contentRunFailure(r: ContentRunResult): string | undefined {
  const refusal = r.templates.authFailure ?? r.images.authFailure;
  if (!refusal) return undefined;
  return `the Anthropic API refused ANTHROPIC_API_KEY (${refusal}): email offers were read by the heuristic, post images were not analysed; fix the key and the next run reads them with the model`;
}

export function describeTemplateRun(r: TemplateRunResult): string {
  const reader = r.authFailure
    ? ` (the Anthropic API refused the key, ${r.authFailure}: heuristic fallback)`
    : r.llmCalls > 0 || r.cacheHits > 0
      ? ''
      : ' (no Anthropic key: heuristic)';
  const unknown = r.unknown > 0 ? `, ${r.unknown} unknown (retried next run)` : '';
  return (
    `${r.templates} templates of ${r.campaigns} campaigns: ${r.cacheHits} cached, ${r.llmCalls} LLM calls, ` +
    `${r.heuristic} heuristic${unknown}${reader}; LLM cost $${r.costUsd.toFixed(4)} ` +
    `(${r.inputTokens} in / ${r.outputTokens} out tokens)`
  );
}

export async function runOfferMetrics(db: Database, config: Config): Promise<OfferMetricsResult> {
  return buildOfferMetrics(db, { windowDays: config.offerWindowDays });
}

export function describeOfferMetrics(r: OfferMetricsResult): string {
  return `${r.campaigns} campaigns, ${r.withOffer} with an offer, ${r.promoRedemptions} promo-code payments`;
}
