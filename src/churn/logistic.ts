/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least
 * squares): each step solves (XᵀWX + λI)·Δ = Xᵀ(y − p) − λw by Cholesky (`ml-matrix`). Features are
 * standardised by their training mean and deviation; the intercept is not penalised. Deterministic:
 * the same rows give the same model, with no random start.
 *
 * Above `HESSIAN_ROWS` rows the curvature XᵀWX is summed over an evenly spaced subset of that many rows
 * (scaled to the whole), while the gradient is always summed over every row: the Hessian pass costs d²/2
 * per row against the gradient's 2d, and at 1.5M member-months it was most of the fit's time. The step
 * is then a quasi-Newton one, but the fit stops only where the full gradient vanishes, so it reaches
 * the same optimum (within the tolerance), in a few more, much cheaper, steps. Those steps start from
 * the optimum of the subset alone, found first by exact Newton on it: from there few full-data steps
 * remain.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

/** Rows the curvature is summed over, at most (see above). */
export const HESSIAN_ROWS = 100_000;

export interface LogisticModel {
  features: string[];
  means: number[];
  scales: number[];
  /** Intercept first, then one weight per standardised feature. */
  weights: number[];
  lambda: number;
  iterations: number;
}

/** Feature values by column (one Float64Array per feature) and 0/1 labels. */
export interface Design {
  columns: Float64Array[];
  labels: Uint8Array;
}

export function fitLogistic(
  features: string[],
  design: Design,
  options: { lambda?: number; maxIterations?: number; tolerance?: number; hessianRows?: number } = {},
): LogisticModel {
  const lambda = options.lambda ?? 1;
  const n = design.labels.length;
  const p = features.length;
  if (n === 0) throw new Error('no training rows: no member-month has a complete 90-day label');
  // Plain loops, not reduce: a callback per value is 120 million calls at 100x.
  const means = design.columns.map((c) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += c[i]!;
    return sum / n;
  });
  const scales = design.columns.map((c, j) => {
    const m = means[j]!;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (c[i]! - m) * (c[i]! - m);
    const variance = sum / n;
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  // Row-major standardised design with a leading 1 for the intercept.
  const d = p + 1;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) x[i * d] = 1;
  for (let j = 0; j < p; j++) {
    const c = design.columns[j]!;
    const m = means[j]!;
    const s = scales[j]!;
    for (let i = 0; i < n; i++) x[i * d + j + 1] = (c[i]! - m) / s;
  }
  const w = new Float64Array(d);
  const positives = design.labels.reduce((s, v) => s + v, 0);
  w[0] = Math.log((positives + 0.5) / (n - positives + 0.5));
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  // Every `stride`-th row sums the curvature; `stride` is 1 (exact Newton) up to HESSIAN_ROWS rows.
  const stride = Math.ceil(n / (options.hessianRows ?? HESSIAN_ROWS));
  const curvatureScale = n / Math.ceil(n / stride);
  const fit = { x, labels: design.labels, d, w, lambda, stride, curvatureScale, tolerance };
  let iterations = 0;
  // Above HESSIAN_ROWS rows, start from the optimum of those rows alone (scaled to the whole): from
  // there the full-data steps, the costly ones, are a few instead of a dozen. The optimum is the
  // full data's still, as those steps stop only where the full gradient vanishes.
  if (stride > 1) iterations += newtonSteps(fit, stride, maxIterations);
  iterations += newtonSteps(fit, 1, maxIterations);
  return { features, means, scales, weights: [...w], lambda, iterations };
}

interface NewtonFit {
  /** Row-major standardised design, a leading 1 in each row. */
  x: Float64Array;
  labels: Uint8Array;
  d: number;
  /** The weights, updated in place. */
  w: Float64Array;
  lambda: number;
  stride: number;
  curvatureScale: number;
  tolerance: number;
}

/**
 * Newton steps until the largest weight change is below the tolerance; returns how many were taken.
 * The gradient is summed over every `rowStep`-th row and the curvature over every `stride`-th, each
 * scaled to the whole, so the penalty weighs the same against a subset of rows as against all.
 */
function newtonSteps(fit: NewtonFit, rowStep: number, maxIterations: number): number {
  const { x, labels, d, w, lambda, stride } = fit;
  const n = labels.length;
  const gradientScale = rowStep > 1 ? fit.curvatureScale : 1;
  const curvatureScale = stride > 1 ? fit.curvatureScale : 1;
  const hessian = new Float64Array(d * d);
  const gradient = new Float64Array(d);
  for (let iterations = 0; iterations < maxIterations; ) {
    hessian.fill(0);
    gradient.fill(0);
    for (let i = 0; i < n; i += rowStep) {
      const row = i * d;
      let z = 0;
      for (let j = 0; j < d; j++) z += w[j]! * x[row + j]!;
      const prob = 1 / (1 + Math.exp(-z));
      const residual = labels[i]! - prob;
      for (let j = 0; j < d; j++) gradient[j]! += x[row + j]! * residual;
      if (i % stride !== 0) continue;
      const weight = prob * (1 - prob);
      for (let j = 0; j < d; j++) {
        const wx = weight * x[row + j]!;
        const hj = j * d;
        for (let k = 0; k <= j; k++) hessian[hj + k]! += wx * x[row + k]!;
      }
    }
    if (curvatureScale !== 1) for (let j = 0; j < d * d; j++) hessian[j]! *= curvatureScale;
    if (gradientScale !== 1) for (let j = 0; j < d; j++) gradient[j]! *= gradientScale;
    const h = new Matrix(d, d);
    const g = new Matrix(d, 1);
    for (let j = 0; j < d; j++) {
      for (let k = 0; k <= j; k++) {
        const value = hessian[j * d + k]! + (j === k && j > 0 ? lambda : 0);
        h.set(j, k, value);
        h.set(k, j, value);
      }
      g.set(j, 0, gradient[j]! - (j > 0 ? lambda * w[j]! : 0));
    }
    const step = new CholeskyDecomposition(h).solve(g);
    let change = 0;
    for (let j = 0; j < d; j++) {
      const delta = step.get(j, 0);
      w[j]! += delta;
      change = Math.max(change, Math.abs(delta));
    }
    iterations++;
    if (change < fit.tolerance) return iterations;
  }
  return maxIterations;
}

/** Each feature's contribution to the log-odds (weight × standardised value), by feature. */
export function contributions(model: LogisticModel, values: number[]): number[] {
  return values.map((v, j) => model.weights[j + 1]! * ((v - model.means[j]!) / model.scales[j]!));
}

export function probability(model: LogisticModel, values: number[]): number {
  const z = contributions(model, values).reduce((s, c) => s + c, model.weights[0]!);
  return 1 / (1 + Math.exp(-z));
}

/** The probability of every row of a design, column by column (no array per row: 1.5M rows at 100×). */
export function probabilities(model: LogisticModel, design: Design): Float64Array {
  const z = new Float64Array(design.labels.length).fill(model.weights[0]!);
  design.columns.forEach((column, j) => {
    const slope = model.weights[j + 1]! / model.scales[j]!;
    const mean = model.means[j]!;
    for (let i = 0; i < column.length; i++) z[i]! += slope * (column[i]! - mean);
  });
  return z.map((v) => 1 / (1 + Math.exp(-v)));
}
