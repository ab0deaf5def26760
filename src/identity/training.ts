/**
 * How the m probabilities are learnt without labels (Splink's recipe): EM runs once per training
 * block, each a set of candidate pairs chosen by blocking rules. Comparisons the block agrees on by
 * construction carry no information there and are left out (`fixed`); each other comparison's m is
 * the average over the blocks that estimated it, weighted by how many matches each block held.
 * Within a block u is re-estimated too (its non-matches are not random pairs: siblings sharing a
 * phone also share a surname); only the m values leave the block. The global u comes from random
 * pairs, and the share of matches λ from EM over all candidate pairs with m and u held.
 */
export interface TrainingBlock {
  label: string;
  /** Blocking rules whose pairs form the block. */
  rules: readonly string[];
  /** Comparisons left out: the block's pairs agree on them by construction. */
  fixed: readonly string[];
}

export const TRAINING_BLOCKS: readonly TrainingBlock[] = [
  { label: 'pairs sharing an email or a phone', rules: ['email', 'phone'], fixed: ['email', 'phone'] },
  {
    label: 'pairs with one first name (or nickname) and birth date',
    rules: ['first_name_birth_day'],
    fixed: ['first_name', 'birth_date'],
  },
  {
    label: 'pairs with one surname and birth year',
    rules: ['surname_birth_year'],
    fixed: ['last_name', 'birth_date'],
  },
  { label: 'pairs with one full name', rules: ['full_name'], fixed: ['first_name', 'last_name'] },
];

/** A block with fewer pairs than this teaches nothing reliable and is skipped. */
export const MIN_TRAINING_PAIRS = 30;
