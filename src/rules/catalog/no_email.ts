import { z } from 'zod';
import { days, defineRule } from '../flag-rule.ts';

export default defineRule({
  name: 'no_email',
  description: 'A recently active customer with no email address; names a household contact (NoEmailRule)',
  priority: 'low',
  cooldownDays: 90,
  parameters: z.object({ active_within_days: days(180) }),
});
