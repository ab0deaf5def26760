import { z } from 'zod';
import { defineRule } from '../flag-rule.ts';

export default defineRule({
  name: 'active_membership',
  description: 'On at least one running, unfrozen membership (a standing flag)',
  priority: 'low',
  cooldownDays: 0,
  parameters: z.object({}),
});
