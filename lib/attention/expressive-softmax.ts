/**
 * Ablation of expressive attention: the squared score inside a softmax,
 *
 *   α_ij = softmax_j(s_ij² / τ),   s_ij = q_i·k_j / √d_head
 *
 * Same symmetry as EA (±q·k attend alike) but exponential rather than saturating in s². τ is the
 * `temperature` option (default 1). Ours, not from a paper.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionRule, AttentionRuleOptions } from './rule.js';
import { DEFAULT_TEMPERATURE, maskScores, maskedSoftmax, rowCentred } from './rule.js';

export function expressiveSoftmax(options: AttentionRuleOptions = {}): AttentionRule {
  const temperature = options.temperature ?? DEFAULT_TEMPERATURE;
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new Error(`temperature must be a positive number; got ${temperature}`);
  }
  return {
    name: 'expressive-softmax',
    formula: 'α = softmax(s²/τ)',
    defaultScale: 'inverse-sqrt-head',
    signed: false,
    weights: (scores, mask) => maskedSoftmax(tf.div(tf.square(maskScores(scores, mask)), temperature), mask),
    gradient: {
      forward: (scores, mask) => {
        const masked = maskScores(scores, mask); // [..., T, T], s_m
        const weights = maskedSoftmax(tf.div(tf.square(masked), temperature), mask);
        return { weights, saved: [weights, masked] };
      },
      // ∂L/∂logit = α·(dα − Σ α·dα), logit = s_m²/τ: ∂L/∂s = ∂L/∂logit · 2s_m/τ (zero on masked keys).
      backward: (dWeights, [weights, masked]) =>
        tf.mul(tf.mul(weights, rowCentred(dWeights, weights)), tf.mul(masked, 2 / temperature)),
    },
  };
}
