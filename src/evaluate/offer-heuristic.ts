import { extractOfferHeuristically } from '../offers/heuristic.ts';
import { visibleText } from '../offers/template-text.ts';
import type { SandboxDataset } from '../sandbox/dataset.ts';

export interface FieldScore {
  correct: number;
  total: number;
  rate: number;
}

export interface HeuristicAccuracy {
  templates: number;
  offers: number;
  has_offer: FieldScore;
  /** The rest are scored over the templates that truly carry an offer. */
  offer_code: FieldScore;
  offer_type: FieldScore;
  offer_amount: FieldScore;
  offer_expires: FieldScore;
  email_category: FieldScore;
  misses: { campaign_id: string; field: string; truth: unknown; found: unknown }[];
}

/** Scores the offline extractor against the sandbox's true offers, field by field (exact matches). */
export function heuristicAccuracy(gym: SandboxDataset): HeuristicAccuracy {
  const campaigns = new Map(gym.mailchimp.campaigns(gym.horizon).map((c) => [c.id, c]));
  const tally = () => ({ correct: 0, total: 0, rate: 0 });
  const scores = {
    has_offer: tally(),
    offer_code: tally(),
    offer_type: tally(),
    offer_amount: tally(),
    offer_expires: tally(),
    email_category: tally(),
  };
  const misses: HeuristicAccuracy['misses'] = [];
  let templates = 0;
  for (const truth of gym.truth.templates) {
    const campaign = campaigns.get(truth.campaign_id);
    const content = gym.mailchimp.content(truth.campaign_id);
    if (!campaign || !content) continue;
    templates += 1;
    const found = extractOfferHeuristically({
      title: campaign.settings.title,
      subject: campaign.settings.subject_line,
      text: visibleText(content.html),
    });
    const fields = truth.has_offer
      ? (Object.keys(scores) as (keyof typeof scores)[])
      : (['has_offer', 'email_category'] as const);
    for (const field of fields) {
      const score = scores[field];
      score.total += 1;
      if (found[field] === truth[field]) score.correct += 1;
      else misses.push({ campaign_id: truth.campaign_id, field, truth: truth[field], found: found[field] });
    }
  }
  for (const score of Object.values(scores)) score.rate = score.total > 0 ? score.correct / score.total : 0;
  return { templates, offers: scores.offer_code.total, ...scores, misses };
}
