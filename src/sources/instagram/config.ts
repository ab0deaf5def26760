import { z } from 'zod';
import { declareSourceConfig, setting } from '../../setting.ts';
import { type MetaGraphAccess, metaGraph } from '../meta-graph-settings.ts';

export interface InstagramSettings extends MetaGraphAccess {
  accountId: string;
}

export default declareSourceConfig({
  name: 'instagram',
  settings: [
    setting(
      'instagram',
      'INSTAGRAM_ACCOUNT_ID',
      'Instagram business account id.',
      z.string().regex(/^\d+$/, 'must be digits'),
      { example: '17841400000000000' },
    ),
  ],
  required: ['INSTAGRAM_ACCESS_TOKEN', 'INSTAGRAM_ACCOUNT_ID'],
  build: (get): InstagramSettings => ({
    accessToken: get('INSTAGRAM_ACCESS_TOKEN')!,
    accountId: get('INSTAGRAM_ACCOUNT_ID')!,
    graph: metaGraph(get),
  }),
});
