import type { Config } from '../config.ts';
import type { Database } from '../sql/database.ts';
import { analyseTemplates, type TemplateRunResult } from './analyse-templates.ts';
import { claudeClient } from './claude.ts';
import { buildOfferMetrics, type OfferMetricsResult } from './conversion.ts';

/** The daily run's template step: Claude with a key, the heuristic without. */
export async function runTemplateAnalysis(db: Database, config: Config): Promise<TemplateRunResult> {
  return analyseTemplates(db, config.anthropic ? { claude: claudeClient(config.anthropic) } : {});
}

export function describeTemplateRun(r: TemplateRunResult): string {
  const reader = r.llmCalls > 0 || r.cacheHits > 0 ? '' : ' (no Anthropic key: heuristic)';
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
