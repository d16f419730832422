/**
 * An attention rule turns scores into weights. It is the only thing that differs between dot-product,
 * expressive and Cog attention; projections, heads, masking and the output are shared (see
 * `models/attention-layer.ts`).
 *
 *   scores  s_ij = scale · q_i·k_j     [..., T, T]  (row i: query position, column j: key position)
 *   weights α_ij = rule(s_i·)_j        [..., T, T]  with α_ij = 0 exactly where key j is masked
 *
 * Each rule lives in its own file and is listed in `registry.ts`; every model, notebook and command
 * can then use it by name.
 */
import * as tf from '@tensorflow/tfjs-core';

/** How q·k is scaled before the rule: by 1/√d_head, or not at all, or by a given number. */
export type ScoreScale = 'inverse-sqrt-head' | 'none' | number;

/** Options a rule may read. Each field has a default; rules ignore fields they do not use. */
export interface AttentionRuleOptions {
  /** Temperature τ of `expressive-softmax`, softmax(s²/τ). Default 1. */
  temperature?: number;
  /**
   * Added to a normaliser Σ before dividing (`expressive`, `expressive-ratio`, `signed-expressive`), so
   * a row whose scores are all exactly 0 gets zero weights instead of NaN. Default 1e-12: far below a
   * float32 ulp of any row sum that is not itself vanishing, so it changes no normal result.
   */
  epsilon?: number;
}

export const DEFAULT_TEMPERATURE = 1;
export const DEFAULT_EPSILON = 1e-12;

/**
 * The causal mask in the two forms rules need, built once per context length.
 * `keep` is 1 where a key is visible (j ≤ i) and 0 elsewhere; `bias` is 0 where visible and −1e9
 * elsewhere, added to softmax logits so masked keys get exp(−1e9 − max) = 0.
 * (Never fill masked *scores* with a large negative number before squaring: (−1e9)² is huge and the
 * masked key would get all the weight. Rules multiply by `keep` after the map instead.)
 */
export interface AttentionMask {
  keep: tf.Tensor2D; // [T, T]
  bias: tf.Tensor2D; // [T, T]
}

export interface AttentionRule {
  /** Registry name, e.g. 'expressive'. */
  readonly name: string;
  /** The formula in one line, for docs and plots. */
  readonly formula: string;
  /** The scaling of q·k this rule uses unless a model overrides it. */
  readonly defaultScale: ScoreScale;
  /** Whether weights can be negative (rows then satisfy Σ|α| = 1 rather than Σα = 1). */
  readonly signed: boolean;
  /** scores [..., T, T] → weights [..., T, T]; masked entries exactly 0; differentiable in scores. */
  weights(scores: tf.Tensor, mask: AttentionMask): tf.Tensor;
  /**
   * Optional closed-form gradient, used by the training engine (`weightsWithClosedFormGradient`, and the fused attention
   * block of `models/stacked/transformer.ts`): a handful of kernels instead of the dozens tfjs's
   * autodiff of `weights` dispatches. A rule without it is differentiated by autodiff, so a new rule
   * still needs only `weights`. Tests check it against autodiff, finite differences and PyTorch.
   */
  readonly gradient?: RuleGradient;
}

/**
 * A rule's weights together with their gradient in closed form.
 *
 *   forward   the weights exactly as `weights` computes them (same ops, same numbers), plus the
 *             intermediate tensors `backward` reads (e.g. the weights, the masked scores, the row sums)
 *   backward  ∂L/∂α [..., T, T] → ∂L/∂s [..., T, T] (zero on masked keys)
 */
export interface RuleGradient {
  forward(scores: tf.Tensor, mask: AttentionMask): { weights: tf.Tensor; saved: tf.Tensor[] };
  backward(dWeights: tf.Tensor, saved: tf.Tensor[], mask: AttentionMask): tf.Tensor;
}

/**
 * The weights of `rule`, differentiated by its closed-form `gradient` when it has one (by autodiff
 * otherwise). Same values as `rule.weights`.
 */
export function weightsWithClosedFormGradient(rule: AttentionRule, scores: tf.Tensor, mask: AttentionMask): tf.Tensor {
  const g = rule.gradient;
  if (!g) return rule.weights(scores, mask);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[1] as tf.GradSaveFunc;
    const { weights, saved } = g.forward(args[0] as tf.Tensor, mask);
    save(saved);
    return { value: weights, gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => g.backward(dy, kept, mask) };
  });
  return op(scores);
}

/**
 * The part of every rule's gradient that comes from normalising a row: for weights α = σ·p with p a
 * softmax or a ratio e/Σe and σ = sign(s) or 1,
 *
 *   g_j = σ_j·dα_j − Σ_k α_k·dα_k        (so ∂L/∂logit = p·g for a softmax, ∂L/∂e = g/Σe for a ratio)
 *
 * `signs` is σ (omit for unsigned rules). [..., T, T]; three or four kernels.
 */
export function rowCentred(dWeights: tf.Tensor, weights: tf.Tensor, signs?: tf.Tensor): tf.Tensor {
  const inner = tf.sum(tf.mul(weights, dWeights), -1, true); // [..., T, 1]
  return tf.sub(signs ? tf.mul(signs, dWeights) : dWeights, inner); // [..., T, T]
}

/** The causal mask for context length T (lower-triangular, including the diagonal). */
export function causalMask(T: number): AttentionMask {
  return tf.tidy(() => {
    const keep = tf.linalg.bandPart(tf.ones([T, T]), -1, 0) as tf.Tensor2D; // [T, T]
    const bias = tf.mul(tf.sub(keep, 1), 1e9) as tf.Tensor2D; // [T, T], 0 or −1e9
    return { keep, bias };
  });
}

/**
 * Scores with masked entries set to 0 (finite scores only), so a masked score can never reach a rule's
 * map: squared, a large masked score would overflow to Infinity (and Infinity · 0 = NaN); inside a
 * softmax it would outweigh the −1e9 bias. Its gradient is 0 there, as the weights do not depend on it.
 */
export function maskScores(scores: tf.Tensor, mask: AttentionMask): tf.Tensor {
  return tf.mul(scores, mask.keep);
}

/** Causal masks by context length, each built once and kept (not per step) until `dispose()`. */
export class CausalMaskCache {
  private readonly masks = new Map<number, AttentionMask>();

  get(T: number): AttentionMask {
    let m = this.masks.get(T);
    if (!m) {
      m = causalMask(T);
      tf.keep(m.keep); // survive the caller's tf.tidy
      tf.keep(m.bias);
      this.masks.set(T, m);
    }
    return m;
  }

  dispose(): void {
    for (const m of this.masks.values()) tf.dispose([m.keep, m.bias]);
    this.masks.clear();
  }
}

/** Masked softmax over the last axis: softmax(logits·keep + bias) · keep (masked logits never count). */
export function maskedSoftmax(logits: tf.Tensor, mask: AttentionMask): tf.Tensor {
  return tf.mul(tf.softmax(tf.add(maskScores(logits, mask), mask.bias)), mask.keep);
}

/** Divides each row by (its sum + ε): nonnegative masked values → weights summing to 1. */
export function normaliseRows(values: tf.Tensor, epsilon: number): tf.Tensor {
  return tf.div(values, tf.add(tf.sum(values, -1, true), epsilon));
}

/** Resolves a ScoreScale to the number q·k is multiplied by, for a head of size dHead. */
export function scaleFactor(scale: ScoreScale, dHead: number): number {
  if (scale === 'inverse-sqrt-head') return 1 / Math.sqrt(dHead);
  if (scale === 'none') return 1;
  if (typeof scale === 'number' && Number.isFinite(scale) && scale > 0) return scale;
  throw new Error(`scoreScale must be 'inverse-sqrt-head', 'none' or a positive number; got ${JSON.stringify(scale)}`);
}
