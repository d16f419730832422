/**
 * Signed expressive attention — a combination of EA and Cog (ours, not from a paper):
 *
 *   α_ij = sign(s_ij) · e_ij / Σ_j e_ij,   e = s²/(1+s²),   s_ij = q_i·k_j   (no 1/√d by default)
 *
 * EA's magnitudes with Cog's signs: Σ_j |α_ij| = 1, antiparallel keys get negative weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionRule, AttentionRuleOptions } from './rule.js';
import { DEFAULT_EPSILON, normaliseRows, rowCentred } from './rule.js';
import { expressiveBackward, expressiveForward, expressiveScore } from './expressive.js';

export function signedExpressive(options: AttentionRuleOptions = {}): AttentionRule {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  return {
    name: 'signed-expressive',
    formula: 'α = sign(s) · e / Σe,  e = s²/(1+s²)',
    defaultScale: 'none',
    signed: true,
    weights: (scores, mask) =>
      tf.mul(tf.sign(scores), normaliseRows(expressiveScore(scores, mask.keep), epsilon)),
    gradient: {
      forward: (scores, mask) => {
        const signs = tf.sign(scores); // [..., T, T]
        const [magnitudes, ...rest] = expressiveForward(scores, mask.keep, epsilon);
        const weights = tf.mul(signs, magnitudes);
        return { weights, saved: [weights, signs, ...rest] };
      },
      // α = σ·e/Z: ∂L/∂e_j = (σ_j·dα_j − Σ_k α_k·dα_k)/Z, then e'(s) (sign contributes nothing).
      backward: (dWeights, [weights, signs, masked, onePlus, total]) =>
        expressiveBackward(rowCentred(dWeights, weights, signs), masked, onePlus, total),
    },
  };
}
