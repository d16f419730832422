/**
 * The transformer / cisformer of `transformer.ts` as a stacked forward pass (S replicas at once; see
 * `stacked.ts`). Same arithmetic as `Transformer.apply`, arranged for few kernels:
 *
 *   h⁰ = [one_hot(x) | one_hot(t)]·[E; P]             one matmul gives E[x] + P[t]    [S, R, d], R = B·T
 *   per layer:  h = h + (attention(LN₁(h))·W_o + b_o)   projection + residual in one block
 *               h = h + W₂·relu(W₁·LN₂(h) + b₁) + b₂     two blocks
 *   logits = LN(h)·W_head + b_head                     [S, R, V]
 *
 * Heads: q, k, v for all heads come from one transpose of the fused projection, the attention rule
 * runs on [S·B·H, T, T] exactly as in `attentionLayer`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionRule } from '../attention/registry.js';
import type { AttentionRule } from '../attention/rule.js';
import { CausalMaskCache, scaleFactor } from '../attention/rule.js';
import { LAYER_NORM_EPSILON, activate } from './layers.js';
import type { ParamView, StackedInput, StackedModel } from './stacked.js';
import { dense, matrixView, oneHotRows, onNode, stackedLayerNorm, tableLookup } from './stacked.js';
import type { Transformer } from './transformer.js';

export class StackedTransformer implements StackedModel {
  readonly order = 'bt' as const;
  readonly views: readonly ParamView[];
  private readonly rules: AttentionRule[];
  private readonly scales: number[];
  private readonly masks = new CausalMaskCache();
  private readonly meanColumns = new Map<number, tf.Tensor>();

  constructor(private readonly model: Transformer) {
    const c = model.config;
    const dHead = c.width / c.heads;
    this.rules = c.attention.map((n) => attentionRule(n, c.attentionOptions));
    this.scales = this.rules.map((r) => scaleFactor(c.scoreScale === 'rule-default' ? r.defaultScale : c.scoreScale, dHead));
    const T0 = c.contextLength;
    const d = c.width;
    const f = c.ffWidth;
    const learned = c.positional === 'learned';
    const V = c.vocabSize;
    const views: ParamView[] = [
      learned ? { names: ['embedding.weight', 'position.weight'], rows: V + T0, cols: d } : { names: ['embedding.weight'], rows: V, cols: d },
    ];
    const norm = (name: string): ParamView[] => [matrixView(`${name}.gain`, [d]), matrixView(`${name}.bias`, [d])];
    const linear = (name: string, inDim: number, outDim: number, perPosition: boolean): ParamView[] => perPosition
      ? [matrixView(`${name}.weight`, [T0, inDim, outDim]), matrixView(`${name}.bias`, [T0, outDim])] // [T₀·in, out], [T₀, out]
      : [matrixView(`${name}.weight`, [inDim, outDim]), matrixView(`${name}.bias`, [outDim])]; // [in, out], [1, out]
    for (let l = 0; l < c.layers; l++) {
      const p = `layers.${l}`;
      views.push(
        ...norm(`${p}.norm1`),
        ...linear(`${p}.attention.qkv`, d, 3 * d, c.cis),
        ...linear(`${p}.attention.out`, d, d, false),
        ...norm(`${p}.norm2`),
        ...linear(`${p}.ff.in`, d, f, c.cisFeedForward),
        ...linear(`${p}.ff.out`, f, d, c.cisFeedForward),
      );
    }
    views.push(...norm('norm'), ...linear('head', d, V, false));
    this.views = views;
  }

  /** [S, d, 1] filled with 1/d (LayerNorm means as a product, on tfjs-node), built once per S. */
  private meanColumn(S: number): tf.Tensor | undefined {
    if (!onNode()) return undefined;
    let c = this.meanColumns.get(S);
    if (!c) {
      const d = this.model.config.width;
      c = tf.keep(tf.fill([S, d, 1], 1 / d));
      this.meanColumns.set(S, c);
    }
    return c;
  }


  forward(views: tf.Tensor[], input: StackedInput): tf.Tensor3D {
    const c = this.model.config;
    const { S, B, T } = input;
    const d = c.width;
    const H = c.heads;
    const dHead = d / H;
    let i = 0;
    const next = (): tf.Tensor => views[i++];
    const learned = c.positional === 'learned';
    let h = tableLookup(oneHotRows(input, c.vocabSize, 'bt', learned ? c.contextLength : 0), next()); // [S, R, d]
    const mask = this.masks.get(T);
    const meanColumn = this.meanColumn(S);
    for (let l = 0; l < c.layers; l++) {
      const [g1, b1, wQkv, bQkv, wOut, bOut, g2, b2, wIn, bIn, wOut2, bOut2] = Array.from({ length: 12 }, next);
      // Attention: fused projection, all heads from one transpose.
      const a = stackedLayerNorm(h, g1, b1, LAYER_NORM_EPSILON, meanColumn); // [S, R, d]
      const qkv = c.cis ? this.positionwise(a, wQkv, bQkv, input) : dense(a, wQkv, bQkv); // [S, R, 3d]
      const [q, k, v] = tf.unstack(this.splitHeads(qkv, S * B, T)); // each [S·B·H, T, dh]
      const scores = tf.mul(tf.matMul(q as tf.Tensor3D, k as tf.Tensor3D, false, true), this.scales[l]); // [S·B·H, T, T]
      const weights = this.rules[l].weights(scores, mask) as tf.Tensor3D; // [S·B·H, T, T]
      const mixed = tf.matMul(weights, v as tf.Tensor3D); // [S·B·H, T, dh]
      const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [S * B, H, T, dHead]), [0, 2, 1, 3]), [S, B * T, d]); // [S, R, d]
      h = dense(merged, wOut, bOut, h); // [S, R, d]
      // Feed-forward.
      const fIn = stackedLayerNorm(h, g2, b2, LAYER_NORM_EPSILON, meanColumn); // [S, R, d]
      if (c.cisFeedForward) {
        const hidden = activate(this.positionwise(fIn, wIn, bIn, input), c.activation); // [S, R, f]
        h = tf.add(h, this.positionwise(hidden as tf.Tensor3D, wOut2, bOut2, input)) as tf.Tensor3D; // [S, R, d]
      } else if (c.activation === 'relu') {
        h = dense(dense(fIn, wIn, bIn, undefined, { relu: true }), wOut2, bOut2, h); // [S, R, d]
      } else {
        h = dense(activate(dense(fIn, wIn, bIn), c.activation), wOut2, bOut2, h); // [S, R, d]
      }
    }
    const [gF, bF, wHead, bHead] = Array.from({ length: 4 }, next);
    return dense(stackedLayerNorm(h, gF, bF, LAYER_NORM_EPSILON, meanColumn), wHead, bHead); // [S, R, V]
  }

  /**
   * qkv [S, R, 3d] (columns q|k|v, head h at h·dh within each) → [3, S·B·H, T, dh]. tfjs-node: one
   * rank-5 transpose; wasm and cpu, whose rank-5 transpose is ~20× slower: a rank-4 and a rank-3 one.
   */
  private splitHeads(qkv: tf.Tensor, rows: number, T: number): tf.Tensor {
    const H = this.model.config.heads;
    const dHead = this.model.config.width / H;
    if (onNode()) {
      return tf.reshape(tf.transpose(tf.reshape(qkv, [rows, T, 3, H, dHead]), [2, 0, 3, 1, 4]), [3, rows * H, T, dHead]);
    }
    const byHead = tf.transpose(tf.reshape(qkv, [rows, T, 3 * H, dHead]), [0, 2, 1, 3]); // [rows, 3H, T, dh]
    return tf.reshape(tf.transpose(tf.reshape(byHead, [rows, 3, H * T * dHead]), [1, 0, 2]), [3, rows * H, T, dHead]);
  }

  /**
   * Per-position linear map (the cisformer's): x [S, R, in] (rows b·T + t), W [S, T₀·in, out],
   * b [S, T₀, out] → [S, R, out]; position t uses W[t], b[t]. As `positionwiseLinear`.
   */
  private positionwise(x: tf.Tensor3D, w: tf.Tensor, b: tf.Tensor, input: StackedInput): tf.Tensor3D {
    const { S, B, T } = input;
    const [, T0, outDim] = b.shape as [number, number, number];
    const inDim = x.shape[2];
    const w4 = tf.reshape(w, [S, T0, inDim, outDim]); // [S, T₀, in, out]
    const wT = T === T0 ? w4 : tf.slice(w4, [0, 0, 0, 0], [S, T, inDim, outDim]); // [S, T, in, out]
    const bT = tf.reshape(T === T0 ? b : tf.slice(b, [0, 0, 0], [S, T, outDim]), [S, 1, T, outDim]); // [S, 1, T, out]
    const xt = tf.reshape(tf.transpose(tf.reshape(x, [S, B, T, inDim]), [0, 2, 1, 3]), [S * T, B, inDim]); // [S·T, B, in]
    const yt = tf.matMul(xt as tf.Tensor3D, tf.reshape(wT, [S * T, inDim, outDim]) as tf.Tensor3D); // [S·T, B, out]
    const y = tf.transpose(tf.reshape(yt, [S, T, B, outDim]), [0, 2, 1, 3]); // [S, B, T, out]
    return tf.reshape(tf.add(y, bT), [S, B * T, outDim]) as tf.Tensor3D; // [S, R, out]
  }

  dispose(): void {
    this.masks.dispose();
    tf.dispose([...this.meanColumns.values()]);
    this.meanColumns.clear();
  }
}
