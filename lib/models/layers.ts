/**
 * The small building blocks models share. Weights are stored [in, out] (x·W), so a PyTorch
 * `nn.Linear.weight` ([out, in]) is the transpose.
 *
 * The "positionwise" variants hold a separate matrix for each absolute position t (shape
 * [T, in, out]) — the cisformer's projections.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap, ParamSpec } from './model.js';

export const LAYER_NORM_EPSILON = 1e-5;

export type Activation = 'relu' | 'gelu';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'gelu'];

/** x [..., in] · W [in, out] + b [out] → [..., out]. Reshapes to 2-D first (rank-3 × rank-2 matMul lacks gradients). */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.rank - 1];
  const outDim = weight.shape[1] as number;
  const flat = tf.reshape(x, [-1, inDim]); // [N, in]
  const y = tf.add(tf.matMul(flat, weight), bias); // [N, out]
  return tf.reshape(y, [...x.shape.slice(0, -1), outDim]); // [..., out]
}

/**
 * A separate linear map per position: x [B, T, in], W [T₀, in, out], b [T₀, out] with T ≤ T₀ (the
 * first T positions' weights are used) → [B, T, out].
 */
export function positionwiseLinear(x: tf.Tensor3D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor3D {
  const [, T, inDim] = x.shape;
  const outDim = weight.shape[2] as number;
  const w = T === weight.shape[0] ? weight : tf.slice(weight, [0, 0, 0], [T, inDim, outDim]); // [T, in, out]
  const b = T === bias.shape[0] ? bias : tf.slice(bias, [0, 0], [T, outDim]); // [T, out]
  const xt = tf.transpose(x, [1, 0, 2]); // [T, B, in]
  const yt = tf.matMul(xt, w as tf.Tensor3D); // [T, B, out]
  return tf.add(tf.transpose(yt, [1, 0, 2]), b) as tf.Tensor3D; // [B, T, out]
}

/** LayerNorm over the last axis: (x − mean)/√(var + ε) · gain + bias. */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true); // [..., 1]
  const centred = tf.sub(x, mean); // [..., d]
  const variance = tf.mean(tf.square(centred), -1, true); // [..., 1]
  const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON))); // [..., d]
  return tf.add(tf.mul(normed, gain), bias);
}

/** relu, or gelu in its tanh form (PyTorch `GELU(approximate='tanh')`). */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  if (activation === 'relu') return tf.relu(x);
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/**
 * Token embedding as one-hot · matrix: tokens [B, T] int32, table [V, d] → [B, T, d].
 * (A gather would be cheaper, but its gradient needs UnsortedSegmentSum, missing on wasm.)
 */
export function embed(tokens: tf.Tensor2D, table: tf.Tensor): tf.Tensor3D {
  const [B, T] = tokens.shape;
  const [V, d] = table.shape;
  const oneHot = tf.oneHot(tf.reshape(tokens, [-1]) as tf.Tensor1D, V); // [B·T, V] int32
  return tf.reshape(tf.matMul(tf.cast(oneHot, 'float32'), table), [B, T, d]) as tf.Tensor3D;
}

/**
 * The sinusoidal position table of Vaswani et al. (2017), [T, d] row-major:
 * P[t, 2i] = sin(t / 10000^(2i/d)), P[t, 2i+1] = cos(t / 10000^(2i/d)). Computed in float64, stored as float32.
 */
export function sinusoidalPositions(T: number, d: number): Float32Array {
  const out = new Float32Array(T * d);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < d; k++) {
      const angle = t / 10000 ** ((2 * Math.floor(k / 2)) / d);
      out[t * d + k] = k % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

/** Specs for a linear map (weight decays, bias does not). */
export function linearSpecs(name: string, inDim: number, outDim: number, std: number, positions?: number): ParamSpec[] {
  const lead = positions === undefined ? [] : [positions];
  return [
    { name: `${name}.weight`, shape: [...lead, inDim, outDim], init: { kind: 'normal', std }, decay: true },
    { name: `${name}.bias`, shape: [...lead, outDim], init: { kind: 'zeros' }, decay: false },
  ];
}

export function layerNormSpecs(name: string, dim: number): ParamSpec[] {
  return [
    { name: `${name}.gain`, shape: [dim], init: { kind: 'ones' }, decay: false },
    { name: `${name}.bias`, shape: [dim], init: { kind: 'zeros' }, decay: false },
  ];
}

/** Applies the linear map `name` from `params`, per position when its weight is rank 3. */
export function applyLinear(params: ParamMap, name: string, x: tf.Tensor3D): tf.Tensor3D {
  const w = params[`${name}.weight`];
  const b = params[`${name}.bias`];
  return (w.rank === 3 ? positionwiseLinear(x, w, b) : linear(x, w, b)) as tf.Tensor3D;
}

export function applyLayerNorm(params: ParamMap, name: string, x: tf.Tensor): tf.Tensor {
  return layerNorm(x, params[`${name}.gain`], params[`${name}.bias`]);
}
