import { z } from 'zod';
import { days, defineRule } from '../flag-rule.ts';

export default defineRule({
  name: 'purchase_without_account',
  description: 'A recent day-pass buyer with no Capitan account (PurchaseWithoutAccountRule)',
  priority: 'medium',
  cooldownDays: 30,
  parameters: z.object({ lookback_days: days(30) }),
});
