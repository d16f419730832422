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
import { DEFAULT_EPSILON, normaliseRows } from './rule.js';

/** e(s) = s²/(1+s²) with masked entries set to 0 (masked scores are zeroed before squaring). */
export function expressiveScore(scores: tf.Tensor, keep: tf.Tensor): tf.Tensor {
  const s2 = tf.square(tf.mul(scores, keep));
  return tf.mul(tf.div(s2, tf.add(s2, 1)), keep);
}

export function expressive(options: AttentionRuleOptions = {}): AttentionRule {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  return {
    name: 'expressive',
    formula: 'α = e / Σe,  e = s²/(1+s²)',
    defaultScale: 'none',
    signed: false,
    weights: (scores, mask) => normaliseRows(expressiveScore(scores, mask.keep), epsilon),
  };
}
