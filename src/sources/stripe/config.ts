import { z } from 'zod';
import { declareSourceConfig, httpUrl, setting } from '../../setting.ts';

export interface StripeSettings {
  apiKey: string;
  apiUrl?: string;
}

export default declareSourceConfig({
  name: 'stripe',
  settings: [
    setting(
      'stripe',
      'STRIPE_API_KEY',
      'Stripe secret or restricted key (sk_live_…, rk_live_…, sk_test_…).',
      z
        .string()
        .regex(/^(sk|rk)_(live|test)_[A-Za-z0-9]+$/, 'must look like sk_live_…, rk_live_… or sk_test_…'),
      { secret: true },
    ),
    setting('stripe', 'STRIPE_API_URL', 'Override of the Stripe API origin (the sandbox sets it).', httpUrl),
  ],
  required: ['STRIPE_API_KEY'],
  build: (get): StripeSettings => {
    const apiUrl = get('STRIPE_API_URL');
    return { apiKey: get('STRIPE_API_KEY')!, ...(apiUrl ? { apiUrl } : {}) };
  },
});
