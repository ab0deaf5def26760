import { z } from 'zod';
import { days, defineRule } from '../flag-rule.ts';

export default defineRule({
  name: 'churn_risk',
  description: 'A member whose visits fell below a fraction of their own earlier rate (ChurnRiskRule)',
  priority: 'high',
  cooldownDays: 30,
  parameters: z.object({
    recent_days: days(28),
    baseline_days: days(56),
    min_baseline_visits: z.number().int().min(1).default(6),
    max_ratio: z.number().min(0).max(1).default(0.35),
  }),
});
