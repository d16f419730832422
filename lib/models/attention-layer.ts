/**
 * Multi-head causal self-attention with a pluggable weighting rule.
 *
 *   q, k, v = x·W_qkv + b          (one fused projection; per position in a cisformer)
 *   s = scale · q·kᵀ               per head
 *   α = rule(s, causal mask)       the only rule-specific step
 *   y = concat_h(α·v) · W_o + b_o
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionMask, AttentionRule } from '../attention/rule.js';
import type { ParamMap } from './model.js';
import { applyLinear } from './layers.js';

export interface AttentionLayerResult {
  output: tf.Tensor3D; // [B, T, d]
  weights: tf.Tensor4D; // [B, H, T, T]
  /** The per-head queries, keys and scaled scores the weights come from, as computed (no extra ops). */
  queries: tf.Tensor3D; // [B·H, T, dHead]
  keys: tf.Tensor3D; // [B·H, T, dHead]
  scores: tf.Tensor3D; // [B·H, T, T], scale · q·k
}

export function attentionLayer(
  params: ParamMap,
  name: string, // parameter prefix, e.g. 'layers.0.attention'
  x: tf.Tensor3D, // [B, T, d]
  heads: number,
  rule: AttentionRule,
  scale: number,
  mask: AttentionMask, // [T, T] for this T
): AttentionLayerResult {
  const [B, T, d] = x.shape;
  const dHead = d / heads;
  const qkv = applyLinear(params, `${name}.qkv`, x); // [B, T, 3d]
  const toHeads = (t: tf.Tensor): tf.Tensor3D =>
    tf.reshape(tf.transpose(tf.reshape(t, [B, T, heads, dHead]), [0, 2, 1, 3]), [B * heads, T, dHead]) as tf.Tensor3D;
  const [q, k, v] = tf.split(qkv, 3, 2).map(toHeads); // each [B·H, T, dHead]
  const scores = tf.mul(tf.matMul(q, k, false, true), scale); // [B·H, T, T]
  const weights = rule.weights(scores, mask) as tf.Tensor3D; // [B·H, T, T]
  const mixed = tf.matMul(weights, v); // [B·H, T, dHead]
  const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [B, heads, T, dHead]), [0, 2, 1, 3]), [B, T, d]); // [B, T, d]
  return {
    output: applyLinear(params, `${name}.out`, merged as tf.Tensor3D), // [B, T, d]
    weights: tf.reshape(weights, [B, heads, T, T]) as tf.Tensor4D,
    queries: q,
    keys: k,
    scores: scores as tf.Tensor3D,
  };
}
