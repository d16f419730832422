/**
 * Expressive attention (EA; Gros 2024, arXiv 2407.18601):
 *
 *   e_ij = s_ij² / (1 + s_ij²),   α_ij = e_ij / Σ_j e_ij,   s_ij = q_i·k_j   (no 1/√d by default)
 *
 * Parallel and antiparallel query/key pairs both attend; orthogonal pairs are suppressed. The exact
 * form (s²/(1+s²), no scaling) follows a third-party reading of the paper (see shared/papers.md); the
 * scaling is a model parameter (`scoreScale`). Masked keys are zeroed after the map, never by a large
 * negative score (which squaring would turn into the largest weight).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionRule, AttentionRuleOptions } from './rule.js';
import { DEFAULT_EPSILON, normaliseRows, rowCentred } from './rule.js';

/** e(s) = s²/(1+s²) with masked entries set to 0 (masked scores are zeroed before squaring). */
export function expressiveScore(scores: tf.Tensor, keep: tf.Tensor): tf.Tensor {
  const s2 = tf.square(tf.mul(scores, keep));
  return tf.mul(tf.div(s2, tf.add(s2, 1)), keep);
}

/**
 * e/(Σe + ε) with the intermediates the closed-form gradient needs: the ops of
 * `normaliseRows(expressiveScore(scores, keep), epsilon)`, in the same order (the same numbers).
 * Returns [e/(Σe+ε), masked scores s_m, 1 + s_m², Σe + ε].
 */
export function expressiveForward(scores: tf.Tensor, keep: tf.Tensor, epsilon: number): tf.Tensor[] {
  const masked = tf.mul(scores, keep); // [..., T, T], s_m
  const s2 = tf.square(masked);
  const onePlus = tf.add(s2, 1); // 1 + s_m²
  const e = tf.mul(tf.div(s2, onePlus), keep);
  const total = tf.add(tf.sum(e, -1, true), epsilon); // [..., T, 1]
  return [tf.div(e, total), masked, onePlus, total];
}

/**
 * ∂L/∂s from g = ∂L/∂e·(Σe + ε) (`rowCentred`): de/ds = 2s/(1+s²)², so ∂L/∂s = g·2s_m/((1+s_m²)²·(Σe+ε)).
 * Zero on masked keys, where s_m = 0.
 */
export function expressiveBackward(g: tf.Tensor, masked: tf.Tensor, onePlus: tf.Tensor, total: tf.Tensor): tf.Tensor {
  return tf.mul(g, tf.div(tf.mul(masked, 2), tf.mul(tf.square(onePlus), total)));
}

export function expressive(options: AttentionRuleOptions = {}): AttentionRule {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  return {
    name: 'expressive',
    formula: 'α = e / Σe,  e = s²/(1+s²)',
    defaultScale: 'none',
    signed: false,
    weights: (scores, mask) => normaliseRows(expressiveScore(scores, mask.keep), epsilon),
    gradient: {
      forward: (scores, mask) => {
        const [weights, ...rest] = expressiveForward(scores, mask.keep, epsilon);
        return { weights, saved: [weights, ...rest] };
      },
      // α = e/Z: ∂L/∂e_j = (dα_j − Σ_k α_k·dα_k)/Z, then e'(s).
      backward: (dWeights, [weights, masked, onePlus, total]) =>
        expressiveBackward(rowCentred(dWeights, weights), masked, onePlus, total),
    },
  };
}
