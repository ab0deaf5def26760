/**
 * Accuracy of the offline offer extractor (used when no Anthropic key is set) against the sandbox
 * gym's true offers: exact matches per field, over every campaign of the gym's history.
 *
 *   npx tsx bench/offers.ts [--size tiny|demo|N] [--misses]
 */
import { parseArgs } from 'node:util';
import { heuristicAccuracy } from '../src/evaluate/offer-heuristic.ts';
import { generateGym } from '../src/sandbox/generate.ts';
import { exitWithHelpIfAsked, report } from './measure.ts';

exitWithHelpIfAsked(import.meta.filename);
const { values } = parseArgs({
  options: { size: { type: 'string', default: 'tiny' }, misses: { type: 'boolean', default: false } },
});
const size = values.size === 'tiny' || values.size === 'demo' ? values.size : Number(values.size);
const gym = generateGym({ size });
const { misses, ...accuracy } = heuristicAccuracy(gym);
if (values.misses) for (const miss of misses) console.log(JSON.stringify(miss));
const percent = (rate: number) => Math.round(rate * 1000) / 10;
await report('offers', {
  size: values.size,
  ...accuracy,
  summary: {
    offer_code_exact_pct: percent(accuracy.offer_code.rate),
    offer_type_pct: percent(accuracy.offer_type.rate),
    has_offer_pct: percent(accuracy.has_offer.rate),
  },
});
