import type { CountryCode } from 'libphonenumber-js/max';

/**
 * The resolver's settings. None is fitted to a data set: the thresholds are read on the model's own
 * match probabilities, the sizes bound work, and the source ranking is the gym's trust in each system.
 */
export interface ResolverConfig {
  /** A probabilistic link at or above this probability is accepted (the medium tier). */
  mediumThreshold: number;
  /** Links from here up to the medium threshold go to the review queue (the low tier), never joined. */
  reviewThreshold: number;
  /** Blocking keys held by more profiles than this are not compared whole but split into neighbourhoods. */
  maxBlockSize: number;
  /** The same for keys made of names alone, whose blocks of namesakes grow with the square of size. */
  maxWeakBlockSize: number;
  /**
   * In a split block of a weak key each profile meets this many profiles after it in sort order
   * (name, birth date): classic sorted neighbourhood, so the pairs grow with the profiles, not their
   * square. A split block of a strong key (an address, a national id) is rare and keeps the cap's worth.
   */
  neighbours: number;

  /**
   * The stored model is re-fitted when the profiles grew or shrank by more than this share of the
   * fit's count (`stored-fit.ts`), or when `--full` asks.
   */
  refitProfileGrowth: number;
  /** …or when a comparison's mix of levels among candidate pairs moved by more than this (total variation). */
  refitLevelShift: number;
  /** Random profile pairs drawn to estimate u. */
  uSampleSize: number;
  /** Seed of the random pairs, so the same input always gives the same model. */
  seed: number;
  /** Region of phone numbers written without a country code. */
  phoneRegion: CountryCode;
  /** Survivorship: sources in order of trust for golden fields; unknown sources come last. */
  sourceTrust: readonly string[];
}

export const DEFAULT_CONFIG: ResolverConfig = {
  mediumThreshold: 0.99,
  reviewThreshold: 0.8,
  maxBlockSize: 60,
  maxWeakBlockSize: 10,
  neighbours: 2,
  refitProfileGrowth: 0.1,
  refitLevelShift: 0.05,
  uSampleSize: 300_000,
  seed: 42,
  phoneRegion: 'US',
  sourceTrust: ['capitan', 'stripe', 'square', 'mailchimp'],
};
