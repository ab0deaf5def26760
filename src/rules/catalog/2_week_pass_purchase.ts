import { z } from 'zod';
import { days, defineRule } from '../flag-rule.ts';

export default defineRule({
  name: '2_week_pass_purchase',
  description: 'Started a 2-week pass in the last 14 days and has not converted yet',
  priority: 'medium',
  cooldownDays: 14,
  parameters: z.object({ within_days: days(14) }),
});
