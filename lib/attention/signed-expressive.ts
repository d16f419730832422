/**
 * Signed expressive attention — a combination of EA and Cog (ours, not from a paper):
 *
 *   α_ij = sign(s_ij) · e_ij / Σ_j e_ij,   e = s²/(1+s²),   s_ij = q_i·k_j   (no 1/√d by default)
 *
 * EA's magnitudes with Cog's signs: Σ_j |α_ij| = 1, antiparallel keys get negative weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionRule, AttentionRuleOptions } from './rule.js';
import { DEFAULT_EPSILON, normaliseRows } from './rule.js';
import { expressiveScore } from './expressive.js';

export function signedExpressive(options: AttentionRuleOptions = {}): AttentionRule {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  return {
    name: 'signed-expressive',
    formula: 'α = sign(s) · e / Σe,  e = s²/(1+s²)',
    defaultScale: 'none',
    signed: true,
    weights: (scores, mask) =>
      tf.mul(tf.sign(scores), normaliseRows(expressiveScore(scores, mask.keep), epsilon)),
  };
}
