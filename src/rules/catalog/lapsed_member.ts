import { z } from 'zod';
import { days, defineRule } from '../flag-rule.ts';

export default defineRule({
  name: 'lapsed_member',
  description: 'An active member with no visit in 30+ days (LapsedMemberRule)',
  priority: 'high',
  cooldownDays: 30,
  parameters: z.object({ lapse_days: days(30) }),
});
