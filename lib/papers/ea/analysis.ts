/**
 * Analysis helpers for notebook 01 (EA vs DPA on the complexity ladder): which cells are solved,
 * whether a results directory is complete, how long the run took, and the geometry of query–key pairs
 * inside a trained transformer (does EA attend through antiparallel matches?). The 100 % frontier with
 * its uncertainty is `frontierEstimate` (verdicts.ts).
 *
 * ```ts
 * const rows = ea.resultRows(ea.loadExperimentResults('ea-single').records);
 * ea.gridCompleteness('ea-single', 'full', records);               // { expected, found, missing, extra }
 * const geometry = ea.queryKeyGeometry(model, params, tokens);   // per layer: cos θ, score, weight per pair
 * ea.attendedAngleSummary(geometry[0], { queryMask });            // attention mass on parallel / orthogonal / antiparallel keys
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap } from '../../models/model.js';
import type { Transformer } from '../../models/transformer.js';
import type { BatchData } from '../../train/data.js';


/** Query–key geometry of one attention layer on a token batch; arrays are row-major [B, H, T, T]. */
export interface QueryKeyGeometry {
  layer: number;
  rule: string;
  batch: number;
  heads: number;
  length: number;
  /** cos θ between query i and key j (per head). */
  cos: Float32Array;
  /** The score the rule sees: scale · q·k. */
  score: Float32Array;
  /** The attention weight α_ij (0 for j > i). */
  weight: Float32Array;
  /** ‖q_i‖ and ‖k_j‖, [B, H, T] each. */
  queryNorm: Float32Array;
  keyNorm: Float32Array;
}

/**
 * For every layer of a transformer (or cisformer), from its own forward pass (`model.apply` with
 * `returnAttention` and `returnQueryKey`): the cosine between each query and each key, the scores and
 * the weights. `input` is a token tensor [B, T] or a batch (its inputs).
 */
export function queryKeyGeometry(model: Transformer, params: ParamMap, input: tf.Tensor2D | BatchData): QueryKeyGeometry[] {
  if (input instanceof tf.Tensor) return geometryOf(model, params, input);
  const tokens = tf.tensor2d(input.inputs, [input.batchSize, input.length], 'int32'); // [B, T]
  try {
    return geometryOf(model, params, tokens);
  } finally {
    tokens.dispose();
  }
}

function geometryOf(model: Transformer, params: ParamMap, tokens: tf.Tensor2D): QueryKeyGeometry[] {
  const c = model.config;
  const [B, T] = tokens.shape;
  if (T > c.contextLength) throw new Error(`queryKeyGeometry: tokens have length ${T}, the model reads at most ${c.contextLength}`);
  const raw = tf.tidy(() => {
    const { attention, queryKey } = model.apply(params, tokens, { returnAttention: true, returnQueryKey: true });
    return queryKey!.map(({ queries: q, keys: k, scores }, l) => {
      const qn = tf.norm(q, 'euclidean', -1); // [B, H, T]
      const kn = tf.norm(k, 'euclidean', -1); // [B, H, T]
      const dot = tf.matMul(q, k, false, true); // [B, H, T, T]
      const cos = tf.div(dot, tf.maximum(tf.mul(tf.expandDims(qn, 3), tf.expandDims(kn, 2)), 1e-12)); // [B, H, T, T]
      return { cos, score: scores, weight: attention![l], qn, kn };
    });
  });
  return raw.map((r, l) => {
    const geometry: QueryKeyGeometry = {
      layer: l, rule: c.attention[l], batch: B, heads: c.heads, length: T,
      cos: r.cos.dataSync() as Float32Array, score: r.score.dataSync() as Float32Array, weight: r.weight.dataSync() as Float32Array,
      queryNorm: r.qn.dataSync() as Float32Array, keyNorm: r.kn.dataSync() as Float32Array,
    };
    tf.dispose([r.cos, r.score, r.weight, r.qn, r.kn]);
    return geometry;
  });
}

export interface AngleSummaryArgs {
  /** [B, T] row-major: 1 for the query positions to include (e.g. the scored ones). Default all. */
  queryMask?: ArrayLike<number>;
  /** Heads to include. Default all. */
  heads?: readonly number[];
  /** |cos θ| above this is (anti)parallel, below it orthogonal. Default 0.5 (60° and 120°). */
  threshold?: number;
}

export interface AngleSummary {
  /** Query rows included (batch × positions × heads). */
  rows: number;
  /** Share of the attention mass (Σα over included rows, normalised) on keys with cos θ > t, |cos θ| ≤ t, cos θ < −t. */
  massParallel: number;
  massOrthogonal: number;
  massAntiparallel: number;
  /** The same shares for the single most-attended key of each row. */
  topParallel: number;
  topOrthogonal: number;
  topAntiparallel: number;
  /** Attention-weighted mean of cos θ and of |cos θ|. */
  meanCos: number;
  meanAbsCos: number;
  /** Shares of all visible (causal) pairs, unweighted: the baseline of what is there to attend to. */
  pairsParallel: number;
  pairsOrthogonal: number;
  pairsAntiparallel: number;
}

function* rowsOf(g: QueryKeyGeometry, args: AngleSummaryArgs): Generator<{ base: number; i: number }> {
  const { batch: B, heads: H, length: T } = g;
  if (args.queryMask && args.queryMask.length !== B * T) throw new Error(`queryMask must hold batch·length = ${B * T} values; got ${args.queryMask.length}`);
  const heads = args.heads ?? Array.from({ length: H }, (_, h) => h);
  for (const h of heads) if (!(Number.isInteger(h) && h >= 0 && h < H)) throw new Error(`heads must be in 0..${H - 1}; got ${h}`);
  for (let b = 0; b < B; b++) {
    for (const h of heads) {
      for (let i = 0; i < T; i++) {
        if (args.queryMask && !args.queryMask[b * T + i]) continue;
        yield { base: ((b * H + h) * T + i) * T, i };
      }
    }
  }
}

/** Where the attention of a layer goes, by the angle between query and key (see `AngleSummary`). */
export function attendedAngleSummary(g: QueryKeyGeometry, args: AngleSummaryArgs = {}): AngleSummary {
  const t = args.threshold ?? 0.5;
  const mass = [0, 0, 0];
  const top = [0, 0, 0];
  const pairs = [0, 0, 0];
  const bucket = (c: number): number => (c > t ? 0 : c < -t ? 2 : 1);
  let rows = 0;
  let total = 0;
  let sumCos = 0;
  let sumAbs = 0;
  for (const { base, i } of rowsOf(g, args)) {
    rows++;
    let best = -Infinity;
    let bestJ = 0;
    for (let j = 0; j <= i; j++) {
      const w = Math.abs(g.weight[base + j]);
      const c = g.cos[base + j];
      mass[bucket(c)] += w;
      pairs[bucket(c)]++;
      total += w;
      sumCos += w * c;
      sumAbs += w * Math.abs(c);
      if (w > best) [best, bestJ] = [w, j];
    }
    top[bucket(g.cos[base + bestJ])]++;
  }
  const np = pairs[0] + pairs[1] + pairs[2];
  const div = (x: number, n: number): number => (n > 0 ? x / n : Number.NaN);
  return {
    rows,
    massParallel: div(mass[0], total), massOrthogonal: div(mass[1], total), massAntiparallel: div(mass[2], total),
    topParallel: div(top[0], rows), topOrthogonal: div(top[1], rows), topAntiparallel: div(top[2], rows),
    meanCos: div(sumCos, total), meanAbsCos: div(sumAbs, total),
    pairsParallel: div(pairs[0], np), pairsOrthogonal: div(pairs[1], np), pairsAntiparallel: div(pairs[2], np),
  };
}

export interface AngleHistogram {
  /** Bin centres of cos θ in [−1, 1]. */
  centers: number[];
  /** Share of the attention mass per bin (sums to 1). */
  attended: number[];
  /** Share of all visible pairs per bin, unweighted (sums to 1). */
  pairs: number[];
}

/** Histogram of cos θ over visible pairs, weighted by attention (`attended`) and unweighted (`pairs`). */
export function angleHistogram(g: QueryKeyGeometry, args: AngleSummaryArgs & { bins?: number } = {}): AngleHistogram {
  const bins = args.bins ?? 20;
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a positive integer; got ${bins}`);
  const attended = new Array<number>(bins).fill(0);
  const pairs = new Array<number>(bins).fill(0);
  const bin = (c: number): number => Math.min(bins - 1, Math.max(0, Math.floor(((c + 1) / 2) * bins)));
  for (const { base, i } of rowsOf(g, args)) {
    for (let j = 0; j <= i; j++) {
      const k = bin(g.cos[base + j]);
      attended[k] += Math.abs(g.weight[base + j]);
      pairs[k]++;
    }
  }
  const norm = (xs: number[]): number[] => {
    const s = xs.reduce((a, b) => a + b, 0);
    return xs.map((x) => (s > 0 ? x / s : 0));
  };
  return { centers: Array.from({ length: bins }, (_, k) => -1 + (2 * k + 1) / bins), attended: norm(attended), pairs: norm(pairs) };
}

/** One attention map [T, T] (row = query) of batch row `b`, head `h`, as nested arrays for a heatmap. */
export function attentionMap(g: QueryKeyGeometry, b: number, h: number): number[][] {
  const { batch: B, heads: H, length: T } = g;
  if (!(Number.isInteger(b) && b >= 0 && b < B)) throw new Error(`b must be in 0..${B - 1}; got ${b}`);
  if (!(Number.isInteger(h) && h >= 0 && h < H)) throw new Error(`h must be in 0..${H - 1}; got ${h}`);
  const base = (b * H + h) * T * T;
  return Array.from({ length: T }, (_, i) => Array.from(g.weight.subarray(base + i * T, base + (i + 1) * T)));
}

/**
 * Attention mass by offset i − j (0 = the query's own position, 1 = the previous one, ...): for each
 * offset, the mean over the included query rows of the weight on key i − offset (rows too short for
 * an offset contribute 0). For the ladder rule x_{t+1} = x_t + x_{t+1−b}, a solution attends to
 * offsets 0 and b − 1.
 */
export function offsetProfile(g: QueryKeyGeometry, args: Omit<AngleSummaryArgs, 'threshold'> = {}): number[] {
  const sums = new Array<number>(g.length).fill(0);
  let rows = 0;
  for (const { base, i } of rowsOf(g, args)) {
    rows++;
    for (let j = 0; j <= i; j++) sums[i - j] += Math.abs(g.weight[base + j]);
  }
  return sums.map((s) => (rows > 0 ? s / rows : Number.NaN));
}
