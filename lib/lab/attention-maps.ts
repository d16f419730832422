/** The attention weights a trained transformer puts on a batch, layer by layer, as plain arrays for figures and measurements. */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap, SequenceModel } from '../models/model.js';
import type { BatchData } from '../train/data.js';

/** The attention weights of one layer for a batch: row-major [B, H, T, T] (row = query, column = key). */
export interface LayerAttention {
  layer: number;
  batch: number;
  heads: number;
  length: number;
  weight: Float32Array;
}

/**
 * Every layer's attention weights of a transformer or cisformer on a batch's inputs (through
 * `model.apply(..., { returnAttention: true })`; no tensors are left behind).
 */
export function attentionWeights(model: SequenceModel, params: ParamMap, batch: BatchData): LayerAttention[] {
  if (model.kind !== 'transformer') throw new Error(`attentionWeights: the model has no attention (kind '${model.kind}'); use a transformer or cisformer`);
  const { batchSize: B, length: T } = batch;
  const out = tf.tidy(() => {
    const tokens = tf.tensor2d(batch.inputs, [B, T], 'int32'); // [B, T]
    return model.apply(params, tokens, { returnAttention: true }).attention ?? [];
  });
  return out.map((a, layer) => {
    const weight = a.dataSync() as Float32Array;
    const heads = a.shape[1];
    a.dispose();
    return { layer, batch: B, heads, length: T, weight };
  });
}

/** The [T, T] map of row `b`, head `h` (optionally only queries and keys from..to−1), as nested arrays for a heatmap. */
export function layerAttentionMap(a: LayerAttention, b: number, h: number, from = 0, to = a.length): number[][] {
  const { batch: B, heads: H, length: T } = a;
  if (!(Number.isInteger(b) && b >= 0 && b < B)) throw new Error(`b must be in 0..${B - 1}; got ${b}`);
  if (!(Number.isInteger(h) && h >= 0 && h < H)) throw new Error(`h must be in 0..${H - 1}; got ${h}`);
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from < to && to <= T)) throw new Error(`need 0 ≤ from < to ≤ ${T}; got ${from}, ${to}`);
  const base = (b * H + h) * T * T;
  return Array.from({ length: to - from }, (_, i) => Array.from(a.weight.subarray(base + (from + i) * T + from, base + (from + i) * T + to)));
}
