import { z } from 'zod';
import { days, defineRule } from '../flag-rule.ts';

export default defineRule({
  name: 'offer_sent_recently',
  description: 'Received an email offer in the last 30 days: do not send another of the same type',
  priority: 'low',
  cooldownDays: 0,
  parameters: z.object({ within_days: days(30) }),
});
