/**
 * Ablation of expressive attention: plain squared scores, normalised,
 *
 *   α_ij = s_ij² / Σ_j s_ij²,   s_ij = q_i·k_j   (no 1/√d by default)
 *
 * EA without the saturation s²/(1+s²): for small scores the two agree up to normalisation. Ours.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionRule, AttentionRuleOptions } from './rule.js';
import { DEFAULT_EPSILON, maskScores, normaliseRows } from './rule.js';

export function expressiveRatio(options: AttentionRuleOptions = {}): AttentionRule {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  return {
    name: 'expressive-ratio',
    formula: 'α = s² / Σs²',
    defaultScale: 'none',
    signed: false,
    weights: (scores, mask) => normaliseRows(tf.square(maskScores(scores, mask)), epsilon),
  };
}
