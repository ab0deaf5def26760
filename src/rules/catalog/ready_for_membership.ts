import { z } from 'zod';
import { days, defineRule } from '../flag-rule.ts';

export default defineRule({
  name: 'ready_for_membership',
  description: 'Bought a day pass in the last 14 days and has never been a member',
  priority: 'high',
  cooldownDays: 0,
  parameters: z.object({ window_days: days(14) }),
});
