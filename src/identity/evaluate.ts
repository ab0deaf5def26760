import type { Database } from '../sql/database.ts';
import { SqlSteps } from './sql-steps.ts';

export interface ClusterQuality {
  records: number;
  predictedClusters: number;
  trueClusters: number;
  truePositivePairs: number;
  predictedPairs: number;
  truePairs: number;
  precision: number;
  recall: number;
  f1: number;
  bcubedPrecision: number;
  bcubedRecall: number;
  bcubedF1: number;
}

export interface LinkQuality {
  tier: string;
  accepted: boolean;
  links: number;
  correctLinks: number;
  precision: number;
}

const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/**
 * Pairwise precision, recall and F1 over the full pair space, and B-cubed, of the customers in
 * `resolved` (a table or query with `record_id, customer_id, truth_label`). An empty prediction
 * (no pairs) counts as precision 1.
 */
export async function evaluateClusters(db: Database, resolved: string): Promise<ClusterQuality> {
  const [row] = await new SqlSteps(db).rows('evaluate_clusters', {}, { resolved });
  const tp = Number(row?.true_positive_pairs ?? 0);
  const predicted = Number(row?.predicted_pairs ?? 0);
  const truth = Number(row?.true_pairs ?? 0);
  const precision = predicted === 0 ? 1 : tp / predicted;
  const recall = truth === 0 ? 1 : tp / truth;
  const bcubedPrecision = Number(row?.bcubed_precision ?? 1);
  const bcubedRecall = Number(row?.bcubed_recall ?? 1);
  return {
    records: Number(row?.records ?? 0),
    predictedClusters: Number(row?.predicted_clusters ?? 0),
    trueClusters: Number(row?.true_clusters ?? 0),
    truePositivePairs: tp,
    predictedPairs: predicted,
    truePairs: truth,
    precision,
    recall,
    f1: f1(precision, recall),
    bcubedPrecision,
    bcubedRecall,
    bcubedF1: f1(bcubedPrecision, bcubedRecall),
  };
}

/** Precision of each tier's links (`links` has `record_id_l, record_id_r, tier, accepted`). */
export async function evaluateLinks(db: Database, links: string, resolved: string): Promise<LinkQuality[]> {
  const rows = await new SqlSteps(db).rows('evaluate_links', {}, { links, resolved });
  return rows.map((r) => ({
    tier: String(r.tier),
    accepted: Boolean(r.accepted),
    links: Number(r.links),
    correctLinks: Number(r.correct_links),
    precision: Number(r.precision),
  }));
}

/**
 * True people of one household put into one customer, and whether they share an email or phone
 * (`identifiers` as core/customer_identifiers; `households` has `truth_label, household_id`).
 */
export async function householdMerges(
  db: Database,
  resolved: string,
  identifiers: string,
  households: string,
): Promise<{ personA: string; personB: string; customerId: string; shareContact: boolean }[]> {
  const rows = await new SqlSteps(db).rows(
    'evaluate_household_merges',
    {},
    { resolved, identifiers, households },
  );
  return rows.map((r) => ({
    personA: String(r.person_a),
    personB: String(r.person_b),
    customerId: String(r.customer_id),
    shareContact: r.share_contact === true,
  }));
}

export interface TiesCeiling {
  truePairs: number;
  tiedPairs: number;
  /** The recall reachable without merging two people of one home (at precision 1). */
  recall: number;
  /** The F1 at that recall and precision 1. */
  f1: number;
}

/**
 * For a corpus of families, resolved with its work tables kept: the true pairs tied by something
 * of one person's alone (queries/identity/evaluate_personal_ties.sql), an upper bound on the
 * recall of any resolver that merges no two people of one home.
 */
export async function personalTiesCeiling(db: Database): Promise<TiesCeiling> {
  const [row] = await new SqlSteps(db).rows('evaluate_personal_ties');
  const truePairs = Number(row?.true_pairs ?? 0);
  const tiedPairs = Number(row?.tied_pairs ?? 0);
  const recall = truePairs === 0 ? 1 : tiedPairs / truePairs;
  return { truePairs, tiedPairs, recall, f1: f1(1, recall) };
}
