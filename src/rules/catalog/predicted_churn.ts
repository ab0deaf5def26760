import { z } from 'zod';
import { defineRule } from '../flag-rule.ts';

export default defineRule({
  name: 'predicted_churn',
  description:
    'A member the churn model gives at least this probability of churning within 90 days (core/churn_scores)',
  priority: 'high',
  cooldownDays: 30,
  parameters: z.object({
    // The backtest's probability at which the model flags as many members as the visit-decline rule.
    min_probability: z.number().min(0).max(1).default(0.32),
  }),
});
