/**
 * Why does Cog find the signed head only from some starting points (issue 17)? The attention-only
 * one-head difference model of cog-signed-sweep (y_t = x_{t−1} − x_{t−2}) looked at before training (the
 * cell's initial weights) or after (weights given), per seed of a cell — forward and one backward pass on
 * the first held-out batch:
 *
 *   scoreStd        std of the scores s = scale · q·k over every causal (query, key) pair of a scored query
 *   concentration   mean over scored queries of max_j |α_ij|: 1/(t+1) when the weights are uniform, 1 one-hot
 *   targetShare     mean over scored queries of |α_{t,t−1}| + |α_{t,t−2}|: what the two keys of the answer get
 *   oppositeSigns   share of scored queries whose weights on keys t−1 and t−2 have opposite signs (the
 *                   solution's; either way round, the linear readout can flip the difference)
 *   offsetWeights   mean signed weight on key t−1 and on key t−2 (the solution: ≈ ±½, ∓½)
 *   qkGradient      ‖∂L/∂W_q‖ + ‖∂L/∂W_k‖ (Frobenius): how fast the scores can start to move
 *   valueGradient   ‖∂L/∂W_v‖: how fast the value/readout path learns meanwhile
 *
 * Why a sign, once set, stays: a key's weight α_j = sign(s_j)·p_j, p = softmax(|s|), changes sign only
 * when s_j crosses 0, and there |α_j| = p_j ≈ e^{−max_k |s_k|} of the row, with ∂α_j/∂s_j = ±p_j(1 − p_j) just
 * as small (`signFlipSlope`). Once a head has concentrated on two keys with large scores of the SAME sign
 * (the convex compromise softmax would also find), flipping one is exponentially slow. So the signs must
 * come out right while the scores are still small — from a tiny initialisation the value path learns the
 * positive compromise first (its gradient is many times the query/key one: s is bilinear, ∂s/∂W_q ∝ W_k),
 * from a large one softmax(|s|) starts near one-hot on some key with a vanishing gradient. This module
 * measures where each sweep setting starts and what a trained head ends as (`headSolution`).
 *
 * ```ts
 * const cells = expandGrid(getExperiment('cog-signed-sweep'), 'full').filter((c) => c.coords.seed < 5);
 * const states = cells.map((c) => signedHeadState(c.spec));   // at initialisation, one per cell (its seed)
 * const after = signedHeadState(cell.spec, trained.params);     // the same measures on trained weights
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap, SequenceModel } from '../../models/model.js';
import { disposeParams, initParams } from '../../models/params.js';
import { createModel, type ModelSpec } from '../../models/registry.js';
import { maskedCrossEntropy } from '../../train/loss.js';
import { train } from '../../train/trainer.js';
import { isSolved } from '../../lab/results.js';
import { expandGrid } from '../../lab/grid.js';
import { getExperiment } from '../registry.js';
import { createTaskSource } from '../../lab/tasks.js';
import type { CellSpec, Scale } from '../../lab/types.js';

/** The cell's task and a model sized for it (the caller disposes the model). */
function cellModel(cell: CellSpec): { task: ReturnType<typeof createTaskSource>; model: SequenceModel } {
  const task = createTaskSource(cell.task);
  return { task, model: createModel({ ...cell.model, vocabSize: task.vocabSize, contextLength: task.contextLength } as ModelSpec) };
}

export interface SignedHeadState {
  scoreStd: number;
  concentration: number;
  targetShare: number;
  oppositeSigns: number;
  /** Mean α on key t − a and on key t − b. */
  offsetWeights: [number, number];
  qkGradient: number;
  valueGradient: number;
}

/**
 * The head of one cell of cog-signed-sweep (or any one-layer, one-head signed-combination cell) with
 * `trained` weights, or at the cell's initialisation (its seed) without. The caller keeps `trained`.
 */
export function signedHeadState(cell: CellSpec, trained?: ParamMap): SignedHeadState {
  const { task, model } = cellModel(cell);
  const cfg = task.config as { a?: number; b?: number };
  const [a, b] = [Number(cfg.a ?? 1), Number(cfg.b ?? 2)];
  try {
    if (model.kind !== 'transformer' || Number(model.config.layers) !== 1 || Number(model.config.heads) !== 1) {
      throw new Error(`signedHeadState: needs a one-layer, one-head transformer; the cell's model is ${model.kind} with ${String(model.config.layers)} layers, ${String(model.config.heads)} heads`);
    }
    const params = trained ?? initParams(model, cell.seed);
    const batch = task.evalBatches()[0];
    const { batchSize: B, length: T } = batch;
    const d = Number(model.config.width);
    const qkvName = 'layers.0.attention.qkv.weight';
    const { scores, weights, grads } = tf.tidy(() => {
      const tokens = tf.tensor2d(batch.inputs, [B, T], 'int32'); // [B, T]
      const targets = tf.tensor2d(batch.targets, [B, T], 'int32'); // [B, T]
      const mask = tf.tensor2d(Float32Array.from(batch.scored), [B, T]); // [B, T]
      const out = model.apply(params, tokens, { returnAttention: true, returnQueryKey: true });
      const lossOf = (qkv: tf.Tensor): tf.Scalar => maskedCrossEntropy(model.apply({ ...params, [qkvName]: qkv }, tokens).logits, targets, mask);
      const g = tf.grad(lossOf)(params[qkvName]); // [d, 3d]: columns Q | K | V
      const norm = (from: number): number => tf.norm(tf.slice(g, [0, from], [d, d])).dataSync()[0];
      return {
        scores: (out.queryKey as { scores: tf.Tensor4D }[])[0].scores.dataSync() as Float32Array, // [B, 1, T, T]
        weights: (out.attention as tf.Tensor4D[])[0].dataSync() as Float32Array, // [B, 1, T, T]
        grads: { q: norm(0), k: norm(d), v: norm(2 * d) },
      };
    });
    if (!trained) disposeParams(params);
    const s: number[] = [];
    let [concentration, share, agree, queries, first, second] = [0, 0, 0, 0, 0, 0];
    for (let r = 0; r < B; r++) {
      for (let t = 0; t < T; t++) {
        if (!batch.scored[r * T + t]) continue;
        const row = (r * T + t) * T; // weights of query t: keys 0..t
        let max = 0;
        for (let j = 0; j <= t; j++) {
          s.push(scores[row + j]);
          max = Math.max(max, Math.abs(weights[row + j]));
        }
        concentration += max;
        share += Math.abs(weights[row + t - a]) + Math.abs(weights[row + t - b]);
        agree += weights[row + t - a] * weights[row + t - b] < 0 ? 1 : 0;
        first += weights[row + t - a];
        second += weights[row + t - b];
        queries++;
      }
    }
    if (queries === 0) throw new Error('signedHeadState: the first held-out batch has no scored position');
    const mean = s.reduce((x, y) => x + y, 0) / s.length;
    const scoreStd = Math.sqrt(s.reduce((x, y) => x + (y - mean) ** 2, 0) / s.length);
    return {
      scoreStd, concentration: concentration / queries, targetShare: share / queries, oppositeSigns: agree / queries,
      offsetWeights: [first / queries, second / queries], qkGradient: grads.q + grads.k, valueGradient: grads.v,
    };
  } finally {
    model.dispose();
  }
}

/** What a trained head does with the two keys of the answer (from `offsetWeights`). */
export type HeadSolution = 'signed' | 'same sign' | 'one key' | 'spread';

/**
 * 'signed': opposite signs, each |w| ≥ `min`; 'same sign': both |w| ≥ `min` with one sign (the convex
 * compromise); 'one key': one |w| ≥ 2·`min`, the other below `min`; else 'spread'. `min` default 0.25.
 */
export function headSolution([first, second]: readonly [number, number], min = 0.25): HeadSolution {
  if (!(min > 0 && min <= 0.5)) throw new Error(`headSolution: min must be in (0, 0.5]; got ${min}`);
  const big = (w: number): boolean => Math.abs(w) >= min;
  if (big(first) && big(second)) return first * second < 0 ? 'signed' : 'same sign';
  if (Math.max(Math.abs(first), Math.abs(second)) >= 2 * min) return 'one key';
  return 'spread';
}

/**
 * The weight of one key and its slope as that key's score s runs through `path` while the row's other
 * scores stay at `others` (Cog: α = sign(s)·softmax(|s|)): at s = 0 both are ≈ e^{−max|others|}, which
 * is why a trained head's signs do not flip.
 */
export function signFlipSlope(others: readonly number[], path: readonly number[]): { s: number; weight: number; slope: number }[] {
  if (!others.length) throw new Error('signFlipSlope: others must hold at least one score');
  const m = Math.max(...others.map(Math.abs));
  const rest = others.reduce((acc, x) => acc + Math.exp(Math.abs(x) - m), 0);
  return path.map((s) => {
    const e = Math.exp(Math.abs(s) - m);
    const p = e / (e + rest);
    return { s, weight: Math.sign(s) * p, slope: s === 0 ? 0 : p * (1 - p) };
  });
}

/** A cell trained here (its own trainer settings and seed) and its head measured after training. */
export interface TrainedSignedHead {
  accuracy: number;
  steps: number;
  state: SignedHeadState;
  solution: HeadSolution;
}

/** Trains `cell` (as the runner would, without a record) and measures its head; nothing is kept. */
export async function trainSignedHead(cell: CellSpec): Promise<TrainedSignedHead> {
  const { task, model } = cellModel(cell);
  try {
    const result = await train(model, task, { ...cell.trainer, seed: cell.seed });
    const state = signedHeadState(cell, result.params);
    disposeParams(result.params);
    return { accuracy: result.finalAccuracy, steps: result.steps, state, solution: headSolution(state.offsetWeights) };
  } finally {
    model.dispose();
  }
}

/** One starting point of cog-signed-sweep (score scale × initialisation std; the learning rate does not change it). */
export interface SweepStart {
  scoreScale: string;
  initStd: number;
  /** Seeds measured at initialisation. */
  seeds: number;
  /** Mean over those seeds of each measure. */
  state: SignedHeadState;
  /** The sweep's runs from this start (every learning rate) and how many reached 100 %. */
  runs: number;
  solved: number;
}

/**
 * cog-signed-sweep's starting points at `scale`: each (score scale, init std) measured at initialisation
 * over seeds 0..seeds−1, beside the outcome of the sweep's records from it (`rows`: resultRows).
 */
export function sweepStarts(scale: Scale, rows: readonly Record<string, number | string | boolean>[], { seeds = 5 }: { seeds?: number } = {}): SweepStart[] {
  if (!(Number.isInteger(seeds) && seeds >= 1)) throw new Error(`sweepStarts: seeds must be a positive integer; got ${seeds}`);
  const cells = expandGrid(getExperiment('cog-signed-sweep'), scale);
  const firstRate = cells[0].coords.learningRate;
  const starts = new Map<string, CellSpec[]>();
  for (const c of cells) {
    if (c.coords.learningRate !== firstRate || Number(c.coords.seed) >= seeds) continue;
    const key = JSON.stringify([String(c.coords.scoreScale), Number(c.coords.initStd)]);
    starts.set(key, [...(starts.get(key) ?? []), c.spec]);
  }
  return [...starts].map(([key, specs]) => {
    const [scoreScale, initStd] = JSON.parse(key) as [string, number];
    const states = specs.map((s) => signedHeadState(s));
    const mean = (f: (s: SignedHeadState) => number): number => states.reduce((a, s) => a + f(s), 0) / states.length;
    const from = rows.filter((r) => String(r.scoreScale) === scoreScale && Number(r.initStd) === initStd);
    return {
      scoreScale, initStd, seeds: states.length, runs: from.length, solved: from.filter((r) => isSolved(r)).length,
      state: {
        scoreStd: mean((s) => s.scoreStd), concentration: mean((s) => s.concentration), targetShare: mean((s) => s.targetShare),
        oppositeSigns: mean((s) => s.oppositeSigns), offsetWeights: [mean((s) => s.offsetWeights[0]), mean((s) => s.offsetWeights[1])],
        qkGradient: mean((s) => s.qkGradient), valueGradient: mean((s) => s.valueGradient),
      },
    };
  });
}
