import { z } from 'zod';
import { declareSourceConfig, httpUrl, nonEmpty, setting } from '../../setting.ts';

export interface MailchimpSettings {
  apiKey: string;
  audienceId: string;
  apiUrl: string;
}

export default declareSourceConfig({
  name: 'mailchimp',
  settings: [
    setting(
      'mailchimp',
      'MAILCHIMP_API_KEY',
      'Mailchimp Marketing API key, ending in its data-centre suffix (-us9).',
      z.string().regex(/^[0-9a-z]+-us\d{1,2}$/, 'must end with its data-centre suffix, like -us9'),
      { secret: true },
    ),
    setting(
      'mailchimp',
      'MAILCHIMP_AUDIENCE_ID',
      'The Mailchimp audience (list) id to read members from.',
      nonEmpty,
      { example: '6113b6f2ca' },
    ),
    setting('mailchimp', 'MAILCHIMP_API_URL', 'Override of the Mailchimp API base (…/3.0).', httpUrl),
  ],
  required: ['MAILCHIMP_API_KEY', 'MAILCHIMP_AUDIENCE_ID'],
  build: (get): MailchimpSettings => {
    const apiKey = get('MAILCHIMP_API_KEY')!;
    const dataCentre = apiKey.slice(apiKey.lastIndexOf('-') + 1);
    const apiUrl = get('MAILCHIMP_API_URL') ?? `https://${dataCentre}.api.mailchimp.com/3.0`;
    return { apiKey, audienceId: get('MAILCHIMP_AUDIENCE_ID')!, apiUrl };
  },
});
