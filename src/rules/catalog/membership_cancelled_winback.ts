import { z } from 'zod';
import { days, defineRule } from '../flag-rule.ts';

export default defineRule({
  name: 'membership_cancelled_winback',
  description: 'An adult whose membership ended in the last 7 days and who is on no membership now',
  priority: 'high',
  cooldownDays: 180,
  parameters: z.object({ recent_days: days(7), include_fixed_term: z.boolean().default(false) }),
});
