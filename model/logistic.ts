import { CholeskyDecomposition, Matrix } from 'ml-matrix'

// A regularised (L2) logistic regression fitted by Newton's method (iteratively
// reweighted least squares), with ml-matrix's Cholesky decomposition for each step's
// linear system. From zero weights and without sampling, the same rows give the same
// model on every run. The inputs are standardised with the training rows' means and
// spreads, and an unknown input is the training rows' median, so that each weight says
// how much one spread of that input moves the log-odds, and a reason is a weight times
// the account's standardised input.
//
// Why not a library's own trainer: on this 2-core machine, 60,000 rows × 19 inputs took
// 109 s for 300 full-batch Adam steps in TensorFlow.js (CPU backend) and 195 s for 200
// trees in ml-xgboost (XGBoost in WebAssembly), against a goal of 60 s for a training.
// Newton's method needs about ten steps of one pass over the rows each.

export interface LogisticParams {
  algorithm: 'logistic-regression'
  features: string[]
  /** Per input: the value an unknown one takes (the training median). */
  impute: number[]
  mean: number[]
  scale: number[]
  weights: number[]
  bias: number
  l2: number
  iterations: number
  /** The definition of the inputs it was trained on (features.ts FEATURES_VERSION); absent means 1. */
  featuresVersion?: number
}

export interface FitOptions {
  /** Weight of the L2 penalty on the standardised weights, per training row. */
  l2: number
  /** The most Newton steps; training stops earlier once the log-loss settles. */
  maxIterations: number
}

export const defaultFitOptions: FitOptions = { l2: 0.01, maxIterations: 50 }

function median(values: number[]): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Fits the model on rows of inputs (null: unknown) and their 0/1 labels. */
export function fitLogistic(
  features: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<number | null>>,
  labels: ReadonlyArray<0 | 1>,
  options: FitOptions = defaultFitOptions,
): LogisticParams {
  const d = features.length
  const n = rows.length
  if (n === 0) throw new RangeError('no rows to fit')
  const impute = features.map((_, j) =>
    median(rows.flatMap((r) => (r[j] === null || r[j] === undefined ? [] : [r[j] as number]))),
  )
  const mean = new Array<number>(d).fill(0)
  for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += (r[j] ?? impute[j]!) / n
  const spread = new Array<number>(d).fill(0)
  for (const r of rows)
    for (let j = 0; j < d; j++) spread[j]! += ((r[j] ?? impute[j]!) - mean[j]!) ** 2 / n
  // A constant input carries nothing; a scale of 1 keeps it at zero after centring.
  const scale = spread.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1))
  // Column 0 is the intercept (unpenalised), then the standardised inputs.
  const k = d + 1
  const x = new Float64Array(n * k)
  rows.forEach((r, i) => {
    x[i * k] = 1
    for (let j = 0; j < d; j++) x[i * k + j + 1] = ((r[j] ?? impute[j]!) - mean[j]!) / scale[j]!
  })
  const positives = labels.reduce<number>((s, y) => s + y, 0)
  const baseRate = Math.min(1 - 1e-6, Math.max(1e-6, positives / n))
  const beta = new Float64Array(k)
  beta[0] = Math.log(baseRate / (1 - baseRate))
  const lambda = options.l2 * n

  // The penalised log-loss at some weights: each step is checked against it.
  const lossAt = (w: Float64Array) => {
    let loss = 0
    for (let i = 0; i < n; i++) {
      const o = i * k
      let z = 0
      for (let a = 0; a < k; a++) z += x[o + a]! * w[a]!
      // log(1 + e^z) - y·z, in a form that neither overflows nor loses small values.
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - labels[i]! * z
    }
    for (let a = 1; a < k; a++) loss += (lambda / 2) * w[a]! ** 2
    return loss
  }

  let iterations = 0
  let loss = lossAt(beta)
  for (; iterations < options.maxIterations; iterations++) {
    const gradient = new Float64Array(k)
    const hessian = new Float64Array(k * k)
    for (let i = 0; i < n; i++) {
      const o = i * k
      let z = 0
      for (let a = 0; a < k; a++) z += x[o + a]! * beta[a]!
      const p = 1 / (1 + Math.exp(-z))
      const residual = p - labels[i]!
      const weight = p * (1 - p)
      for (let a = 0; a < k; a++) {
        const xa = x[o + a]!
        gradient[a]! += residual * xa
        const wa = weight * xa
        // The Hessian is symmetric: the lower triangle, mirrored below.
        for (let b = 0; b <= a; b++) hessian[a * k + b]! += wa * x[o + b]!
      }
    }
    for (let a = 1; a < k; a++) {
      gradient[a]! += lambda * beta[a]!
      hessian[a * k + a]! += lambda
    }
    // A whisper of ridge on the intercept too, so that the system stays solvable when
    // the rows are nearly separated.
    hessian[0]! += 1e-9 * n
    const h = new Matrix(k, k)
    for (let a = 0; a < k; a++)
      for (let b = 0; b <= a; b++) {
        h.set(a, b, hessian[a * k + b]!)
        h.set(b, a, hessian[a * k + b]!)
      }
    const step = new CholeskyDecomposition(h).solve(Matrix.columnVector(Array.from(gradient)))
    // A full Newton step can overshoot far from the optimum: halve it until the loss
    // falls (a backtracking line search).
    let t = 1
    let next = new Float64Array(k)
    let nextLoss = Number.POSITIVE_INFINITY
    for (let halvings = 0; halvings < 30; halvings++, t /= 2) {
      next = beta.map((b, a) => b - t * step.get(a, 0))
      nextLoss = lossAt(next)
      if (nextLoss <= loss) break
    }
    if (!(nextLoss <= loss)) break
    beta.set(next)
    const settled = loss - nextLoss < 1e-9 * n
    loss = nextLoss
    if (settled) break
  }
  return {
    algorithm: 'logistic-regression',
    features: [...features],
    impute,
    mean,
    scale,
    weights: Array.from(beta.subarray(1)),
    bias: beta[0]!,
    l2: options.l2,
    iterations,
  }
}

/** Each input's share of the log-odds: weight × standardised input (0 for the mean). */
export function contributions(p: LogisticParams, row: ReadonlyArray<number | null>): number[] {
  return p.weights.map((w, j) => (w * ((row[j] ?? p.impute[j]!) - p.mean[j]!)) / p.scale[j]!)
}

/** The churn probability of one row of inputs. */
export function predictLogistic(p: LogisticParams, row: ReadonlyArray<number | null>): number {
  const z = contributions(p, row).reduce((s, c) => s + c, p.bias)
  return 1 / (1 + Math.exp(-z))
}
