import { z } from 'zod';
import { declareSourceConfig, setting } from '../../setting.ts';
import { type MetaGraphAccess, metaGraph } from '../meta-graph-settings.ts';

export interface FacebookAdsSettings extends MetaGraphAccess {
  /** The ad account's id, digits only; paths add Graph's `act_` prefix. */
  accountId: string;
}

export default declareSourceConfig({
  name: 'facebook_ads',
  settings: [
    setting(
      'facebook_ads',
      'FACEBOOK_ADS_ACCOUNT_ID',
      'Meta ad account id (digits, with or without act_); read with the Meta token, which needs ads_read.',
      z.string().regex(/^(act_)?\d+$/, 'must be digits, optionally after act_'),
      { example: '120200000000001' },
    ),
  ],
  required: ['INSTAGRAM_ACCESS_TOKEN', 'FACEBOOK_ADS_ACCOUNT_ID'],
  build: (get): FacebookAdsSettings => ({
    accessToken: get('INSTAGRAM_ACCESS_TOKEN')!,
    accountId: get('FACEBOOK_ADS_ACCOUNT_ID')!.replace(/^act_/, ''),
    graph: metaGraph(get),
  }),
});
