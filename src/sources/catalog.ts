import capitan from './capitan/config.ts';
import facebookAds from './facebook_ads/config.ts';
import instagram from './instagram/config.ts';
import mailchimp from './mailchimp/config.ts';
import square from './square/config.ts';
import stripe from './stripe/config.ts';

/**
 * The one registration of a source's configuration: its settings, documentation, `--only` name and
 * `config` line all derive from this list. The fetch streams are found by folder (`registry.ts`).
 */
export const sourceConfigs = [stripe, square, capitan, mailchimp, instagram, facebookAds] as const;
