/**
 * Ablation of expressive attention: plain squared scores, normalised,
 *
 *   α_ij = s_ij² / Σ_j s_ij²,   s_ij = q_i·k_j   (no 1/√d by default)
 *
 * EA without the saturation s²/(1+s²): for small scores the two agree up to normalisation. Ours.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionRule, AttentionRuleOptions } from './rule.js';
import { DEFAULT_EPSILON, maskScores, normaliseRows, rowCentred } from './rule.js';

export function expressiveRatio(options: AttentionRuleOptions = {}): AttentionRule {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  return {
    name: 'expressive-ratio',
    formula: 'α = s² / Σs²',
    defaultScale: 'none',
    signed: false,
    weights: (scores, mask) => normaliseRows(tf.square(maskScores(scores, mask)), epsilon),
    gradient: {
      forward: (scores, mask) => {
        const masked = maskScores(scores, mask); // [..., T, T], s_m
        const squares = tf.square(masked);
        const total = tf.add(tf.sum(squares, -1, true), epsilon); // [..., T, 1], as normaliseRows
        const weights = tf.div(squares, total);
        return { weights, saved: [weights, masked, total] };
      },
      // α = s_m²/Z: ∂L/∂s = (dα − Σ α·dα)·2s_m/Z (zero on masked keys).
      backward: (dWeights, [weights, masked, total]) =>
        tf.mul(rowCentred(dWeights, weights), tf.div(tf.mul(masked, 2), total)),
    },
  };
}
