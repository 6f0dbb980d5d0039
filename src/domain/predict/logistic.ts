// A small logistic regression: standardised features, full-batch gradient descent with L2 on the weights
// (not the bias). Enough for a few hundred to tens of thousands of closed deals; no ML dependency.

export interface LogisticModel {
  weights: number[];
  bias: number;
  /** per-feature mean and standard deviation used to standardise inputs */
  mean: number[];
  std: number[];
}

export interface FitOptions {
  l2?: number;
  learningRate?: number;
  epochs?: number;
  tolerance?: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function fitLogistic(x: number[][], y: number[], opts: FitOptions = {}): LogisticModel {
  const n = x.length;
  if (!n || n !== y.length) throw new Error("fitLogistic needs as many labels as rows, and at least one row");
  const d = x[0].length;
  const { l2 = 1e-2, learningRate = 0.5, epochs = 500, tolerance = 1e-7 } = opts;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const row of x) for (let j = 0; j < d; j++) mean[j] += row[j] / n;
  for (const row of x) for (let j = 0; j < d; j++) std[j] += (row[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) || 1;
  const z = x.map((row) => row.map((v, j) => (v - mean[j]) / std[j]));
  const w = new Array<number>(d).fill(0);
  const base = y.reduce((a, v) => a + v, 0) / n;
  let b = Math.log(Math.max(base, 1e-6) / Math.max(1 - base, 1e-6));
  let prevLoss = Infinity;
  const grad = new Array<number>(d);
  for (let epoch = 0; epoch < epochs; epoch++) {
    grad.fill(0);
    let gb = 0;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = z[i];
      let s = b;
      for (let j = 0; j < d; j++) s += w[j] * row[j];
      const p = sigmoid(s);
      const err = p - y[i];
      gb += err;
      for (let j = 0; j < d; j++) grad[j] += err * row[j];
      loss -= y[i] ? Math.log(Math.max(p, 1e-12)) : Math.log(Math.max(1 - p, 1e-12));
    }
    let penalty = 0;
    for (let j = 0; j < d; j++) {
      penalty += w[j] * w[j];
      w[j] -= learningRate * (grad[j] / n + l2 * w[j]);
    }
    b -= learningRate * (gb / n);
    loss = loss / n + (l2 / 2) * penalty;
    if (Math.abs(prevLoss - loss) < tolerance) break;
    prevLoss = loss;
  }
  return { weights: w, bias: b, mean, std };
}

/** Each feature's contribution to the log-odds (weight × standardised value). */
export function contributions(m: LogisticModel, row: number[]): number[] {
  return row.map((v, j) => m.weights[j] * ((v - m.mean[j]) / m.std[j]));
}

export function predictLogistic(m: LogisticModel, row: number[]): number {
  return sigmoid(m.bias + contributions(m, row).reduce((a, v) => a + v, 0));
}

/** Mean squared error of probabilities against 0/1 outcomes (lower is better). */
export function brier(p: number[], y: number[]): number {
  return p.reduce((a, v, i) => a + (v - y[i]) ** 2, 0) / p.length;
}

/** Area under the ROC curve via the rank-sum statistic; ties count half. */
export function auc(p: number[], y: number[]): number {
  const idx = p.map((v, i) => [v, y[i]] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j < idx.length && idx[j][0] === idx[i][0]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++)
      if (idx[k][1]) {
        rankSum += avgRank;
        pos++;
      }
    i = j;
  }
  const neg = idx.length - pos;
  if (!pos || !neg) return 0.5;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
