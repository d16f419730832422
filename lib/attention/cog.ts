/**
 * Cog attention (Lv et al. 2024, arXiv 2411.07176; reference code trestad/CogAttn):
 *
 *   α_ij = sign(s_ij) · softmax_j(|s_ij|),   s_ij = q_i·k_j / √d_head
 *
 * Weights are signed and each row's absolute values sum to 1: one head can copy (α > 0), delete
 * (α < 0) or ignore (α ≈ 0) a token. Masked keys get |s| = −∞ before the softmax (here −1e9), as in
 * the reference code, so their weight is exactly 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionRule } from './rule.js';
import { maskedSoftmax, rowCentred } from './rule.js';

export const cog: AttentionRule = {
  name: 'cog',
  formula: 'α = sign(s) · softmax(|s|)',
  defaultScale: 'inverse-sqrt-head',
  signed: true,
  weights: (scores, mask) => tf.mul(tf.sign(scores), maskedSoftmax(tf.abs(scores), mask)),
  gradient: {
    forward: (scores, mask) => {
      const signs = tf.sign(scores); // [..., T, T]
      const weights = tf.mul(signs, maskedSoftmax(tf.abs(scores), mask)); // [..., T, T]
      return { weights, saved: [weights, signs] };
    },
    // p = softmax(|s|), α = σ·p, d|s|/ds = σ (0 at s = 0, as PyTorch's abs):
    // ∂L/∂s_ij = σ_ij·p_ij·(σ_ij·dα_ij − Σ_k α_ik·dα_ik) = α_ij·(σ_ij·dα_ij − Σ_k α_ik·dα_ik)
    backward: (dWeights, [weights, signs]) => tf.mul(weights, rowCentred(dWeights, weights, signs)),
  },
};
