import { z } from 'zod';
import { httpUrl, nonEmpty, type SettingValue, setting } from '../setting.ts';

/** Where Meta's Graph API answers, shared by every Meta source (Instagram and Facebook Ads). */
export interface MetaGraphSettings {
  /** The origin, e.g. `https://graph.facebook.com`. */
  url: string;
  /** `v25.0`; a version past its end of life is answered as the oldest one still supported. */
  version: string;
}

/** What a Graph call needs: the graph and the token (one token serves Instagram and Ads). */
export interface MetaGraphAccess {
  accessToken: string;
  graph: MetaGraphSettings;
}

/** Settings every Meta source reads; listed once, in their own group. */
export const metaGraphSettings = [
  setting(
    'meta',
    'INSTAGRAM_ACCESS_TOKEN',
    'Meta long-lived token for every Meta source: the Instagram Graph API and the Marketing API (ads_read).',
    nonEmpty,
    { secret: true },
  ),
  setting(
    'meta',
    'META_GRAPH_URL',
    'Meta Graph API origin, for every Meta source; the version is META_GRAPH_VERSION.',
    httpUrl.refine((url) => !/\/v\d+\.\d+\/?$/.test(url), {
      error: 'must not name a version: set META_GRAPH_VERSION instead',
    }),
    { default: 'https://graph.facebook.com' },
  ),
  setting(
    'meta',
    'META_GRAPH_VERSION',
    'Meta Graph API version for every Meta source; v25.0 is supported until 2028-07-29 (Meta’s changelog).',
    z.string().regex(/^v\d+\.\d+$/, 'must look like v25.0'),
    { default: 'v25.0' },
  ),
];

export function metaGraph(get: SettingValue): MetaGraphSettings {
  return { url: get('META_GRAPH_URL')!, version: get('META_GRAPH_VERSION')! };
}
