import { z } from 'zod';
import { declareSourceConfig, httpUrl, nonEmpty, setting } from '../../setting.ts';

export interface CapitanSettings {
  apiToken: string;
  apiUrl: string;
  /** Every request is paced to this, Capitan's throttle being about 10 a second. */
  requestsPerSecond: number;
}

export default declareSourceConfig({
  name: 'capitan',
  settings: [
    setting(
      'capitan',
      'CAPITAN_API_TOKEN',
      'Capitan API token (sent as `Authorization: token …`).',
      nonEmpty,
      {
        secret: true,
      },
    ),
    setting('capitan', 'CAPITAN_API_URL', 'Capitan API base URL.', httpUrl, {
      default: 'https://api.hellocapitan.com/api/',
    }),
    setting(
      'capitan',
      'CAPITAN_REQUESTS_PER_SECOND',
      'Requests a second to Capitan, evenly spaced: its throttle allows about 10 per token, less network jitter.',
      z.string().regex(/^[1-9]\d*$/, 'must be a whole number of requests a second'),
      { default: '9' },
    ),
  ],
  required: ['CAPITAN_API_TOKEN'],
  build: (get): CapitanSettings => ({
    apiToken: get('CAPITAN_API_TOKEN')!,
    apiUrl: get('CAPITAN_API_URL')!,
    requestsPerSecond: Number(get('CAPITAN_REQUESTS_PER_SECOND')),
  }),
});
