/**
 * How the m probabilities are learnt without labels (Splink's recipe): EM runs once per training
 * block, each a set of candidate pairs chosen by blocking rules, with u held at the random-pair
 * estimate. Comparisons the block agrees on by construction carry no information there and are left
 * out (`fixed`); each other comparison's m is the average over the blocks that estimated it,
 * weighted by how many matches each block held. The share of matches λ then comes from EM over all
 * candidate pairs with m and u held.
 *
 * Blocks are chosen so their non-matches look like random pairs on the comparisons they estimate
 * (namesakes, people born the same year). Pairs sharing an email or a phone are not such a block:
 * their non-matches are households (a surname and an address in common, different first names and
 * birth dates) and EM would learn "household" instead of "same person". That block is a `fallback`,
 * used only for comparisons no other block could estimate (data without birth dates).
 */
export interface TrainingBlock {
  label: string;
  /** Blocking rules whose pairs form the block. */
  rules: readonly string[];
  /** Comparisons left out: the block's pairs agree on them by construction. */
  fixed: readonly string[];
  fallback?: boolean;
}

export const TRAINING_BLOCKS: readonly TrainingBlock[] = [
  {
    label: 'pairs sharing an email or a phone',
    rules: ['email', 'phone'],
    fixed: ['email', 'phone'],
    fallback: true,
  },
  {
    label: 'pairs with one first name (or nickname) and birth date',
    rules: ['first_name_birth_day'],
    fixed: ['first_name', 'birth_date'],
  },
  {
    label: 'pairs with similar surnames and one birth year',
    rules: ['surname_birth_year'],
    fixed: ['last_name', 'birth_date'],
  },
  {
    label: 'pairs with similar-sounding names',
    rules: ['names_sound_alike'],
    fixed: ['first_name', 'last_name'],
  },
];

/** A block with fewer pairs than this teaches nothing reliable and is skipped. */
export const MIN_TRAINING_PAIRS = 30;
