/**
 * Dot-product attention (DPA), the standard transformer rule:
 *
 *   α_ij = softmax_j(s_ij),   s_ij = q_i·k_j / √d_head
 *
 * Parallel query and key attend most, orthogonal less, antiparallel least.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionRule } from './rule.js';
import { maskedSoftmax, rowCentred } from './rule.js';

export const dotProduct: AttentionRule = {
  name: 'dot-product',
  formula: 'α = softmax(s)',
  defaultScale: 'inverse-sqrt-head',
  signed: false,
  weights: (scores, mask) => maskedSoftmax(scores, mask),
  gradient: {
    forward: (scores, mask) => {
      const weights = maskedSoftmax(scores, mask);
      return { weights, saved: [weights] };
    },
    // ∂L/∂s_ij = α_ij·(dα_ij − Σ_k α_ik·dα_ik)   (zero where α = 0, i.e. on masked keys)
    backward: (dWeights, [weights]) => tf.mul(weights, rowCentred(dWeights, weights)),
  },
};
