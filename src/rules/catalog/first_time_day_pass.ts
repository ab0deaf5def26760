import { z } from 'zod';
import { days, defineRule } from '../flag-rule.ts';

export default defineRule({
  name: 'first_time_day_pass',
  description: 'A first day-pass visit (or a return after 60+ days) in the last 3 days, not a member',
  priority: 'high',
  cooldownDays: 180,
  parameters: z.object({ recent_days: days(3), break_days: days(60) }),
});
