/** Scores of a ranking against 0/1 outcomes: ROC AUC, PR AUC, top-decile lift, calibration by decile. */

export interface CalibrationBin {
  decile: number;
  members: number;
  predicted: number;
  observed: number;
}

/** ROC AUC by ranks (Mann–Whitney), ties sharing their average rank. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  // Ranks looked up in a sorted copy: a typed array sorts 1.5M scores in 0.3 s, where sorting their
  // indices by a comparator took 1.4 s. The run of ties [first, end) holds ranks first + 1 … end.
  const sorted = Float64Array.from(scores).sort();
  let rankSum = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    const score = scores[i]!;
    rankSum += (firstAtLeast(sorted, score) + firstAbove(sorted, score) + 1) / 2;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The index of the first value ≥ `value` in ascending `sorted`. */
function firstAtLeast(sorted: Float64Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The index of the first value > `value` in ascending `sorted`. */
function firstAbove(sorted: Float64Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

const descending = (scores: number[]) => scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);

/** PR AUC as average precision: the mean of the precision at each positive's rank. */
export function averagePrecision(scores: number[], labels: number[]): number {
  let hits = 0;
  let sum = 0;
  descending(scores).forEach((i, rank) => {
    if (labels[i] === 1) {
      hits++;
      sum += hits / (rank + 1);
    }
  });
  return hits === 0 ? Number.NaN : sum / hits;
}

/** The churn rate among the top tenth by score, over the base rate. */
export function topDecileLift(scores: number[], labels: number[]): number {
  const top = descending(scores).slice(0, Math.max(1, Math.round(scores.length / 10)));
  const rate = top.reduce((s, i) => s + labels[i]!, 0) / top.length;
  const base = labels.reduce((s, v) => s + v, 0) / labels.length;
  return rate / base;
}

/** Mean predicted probability against the observed rate, by decile of predicted probability (1 = lowest). */
export function calibration(scores: number[], labels: number[]): CalibrationBin[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const bins: CalibrationBin[] = [];
  for (let d = 0; d < 10; d++) {
    const slice = order.slice(Math.floor((d * order.length) / 10), Math.floor(((d + 1) * order.length) / 10));
    if (slice.length === 0) continue;
    bins.push({
      decile: d + 1,
      members: slice.length,
      predicted: slice.reduce((s, i) => s + scores[i]!, 0) / slice.length,
      observed: slice.reduce((s, i) => s + labels[i]!, 0) / slice.length,
    });
  }
  return bins;
}
