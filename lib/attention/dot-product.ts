/**
 * Dot-product attention (DPA), the standard transformer rule:
 *
 *   α_ij = softmax_j(s_ij),   s_ij = q_i·k_j / √d_head
 *
 * Parallel query and key attend most, orthogonal less, antiparallel least.
 */
import type { AttentionRule } from './rule.js';
import { maskedSoftmax } from './rule.js';

export const dotProduct: AttentionRule = {
  name: 'dot-product',
  formula: 'α = softmax(s)',
  defaultScale: 'inverse-sqrt-head',
  signed: false,
  weights: (scores, mask) => maskedSoftmax(scores, mask),
};
