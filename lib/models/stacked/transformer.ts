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
import { attentionRule } from '../../attention/registry.js';
import type { AttentionMask, AttentionRule } from '../../attention/rule.js';
import { CausalMaskCache, scaleFactor } from '../../attention/rule.js';
import { LAYER_NORM_EPSILON, activate, sinusoidalPositions } from '../layers.js';
import type { ParamView, StackedInput, StackedModel } from './ops.js';
import { BlockConstants, customOp, dense, laneMatMul, matrixView, oneHotRows, onNode, stackedLayerNorm, tableLookup } from './ops.js';
import type { Transformer } from '../transformer.js';

/**
 * The attention of all heads, q, k, v [N, T, dh] → α·v [N, T, dh] with s = scale·q·kᵀ, α = rule(s).
 * With the rule's closed-form gradient (`rule.gradient`) the block is one custom-gradient op whose
 * backward is written out:
 *
 *   dv = αᵀ·dy     dα = dy·vᵀ     ds = rule.backward(dα)     dq = scale·ds·k     dk = scale·dsᵀ·q
 *
 * (the matmuls autodiff would run, plus the rule's few kernels instead of autodiff's dozens); without
 * it, plain ops differentiated by autodiff. The forward is the same ops either way.
 */
export function attentionCore(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, rule: AttentionRule, scale: number, mask: AttentionMask): tf.Tensor3D {
  const gradient = rule.gradient;
  const scores = (aq: tf.Tensor, ak: tf.Tensor): tf.Tensor => tf.mul(laneMatMul(aq, ak, false, true), scale); // [N, T, T]
  if (!gradient) return laneMatMul(rule.weights(scores(q, k), mask), v);
  const op = customOp(([aq, ak, av], save) => {
    const { weights, saved } = gradient.forward(scores(aq, ak), mask); // [N, T, T]
    save([aq, ak, av, weights, ...saved]);
    return {
      value: laneMatMul(weights, av), // [N, T, dh]
      gradFunc: (dy: tf.Tensor, [sq, sk, sv, sw, ...rest]: tf.Tensor[]) => {
        const dv = laneMatMul(sw, dy, true, false); // [N, T, dh]
        const dWeights = laneMatMul(dy, sv, false, true); // [N, T, T]
        const dScores = gradient.backward(dWeights, rest, mask); // [N, T, T]
        const dRaw = scale === 1 ? dScores : tf.mul(dScores, scale); // [N, T, T]
        const dq = laneMatMul(dRaw, sk); // [N, T, dh]
        const dk = laneMatMul(dRaw, sq, true, false); // [N, T, dh]
        return [dq, dk, dv];
      },
    };
  });
  return op(q, k, v) as tf.Tensor3D;
}

export class StackedTransformer implements StackedModel {
  readonly order = 'bt' as const;
  readonly views: readonly ParamView[];
  private readonly rules: AttentionRule[];
  private readonly scales: number[];
  private readonly masks = new CausalMaskCache();
  private readonly meanColumns = new Map<number, tf.Tensor>();
  private readonly constants = new BlockConstants();
  private readonly onesByShape = new Map<string, tf.Tensor3D>();
  private readonly sinusoids = new Map<number, tf.Tensor2D>();

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
      );
      if (!c.feedForward) continue;
      views.push(
        ...norm(`${p}.norm2`),
        ...linear(`${p}.ff.in`, d, f, c.cisFeedForward),
        ...linear(`${p}.ff.out`, f, d, c.cisFeedForward),
      );
    }
    views.push(...norm('norm'), ...linear('head', d, V, false));
    this.views = views;
  }

  /** The sinusoidal position table [T, d] (`sinusoidalPositions`), built once per T. */
  private sinusoid(T: number): tf.Tensor2D {
    let p = this.sinusoids.get(T);
    if (!p) {
      const d = this.model.config.width;
      p = tf.keep(tf.tensor2d(sinusoidalPositions(T, d), [T, d]));
      this.sinusoids.set(T, p);
    }
    return p;
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
    if (c.positional === 'sinusoidal') h = tf.reshape(tf.add(tf.reshape(h, [S, B, T, d]), this.sinusoid(T)), [S, B * T, d]) as tf.Tensor3D; // [S, R, d]
    const mask = this.masks.get(T);
    const meanColumn = this.meanColumn(S);
    const consts = this.constants;
    for (let l = 0; l < c.layers; l++) {
      const [g1, b1, wQkv, bQkv, wOut, bOut] = Array.from({ length: 6 }, next);
      // Attention: fused projection, all heads from one transpose.
      const a = stackedLayerNorm(h, g1, b1, LAYER_NORM_EPSILON, meanColumn, consts); // [S, R, d]
      const qkv = c.cis ? this.positionwise(a, wQkv, bQkv, input) : dense(a, wQkv, bQkv, undefined, { constants: consts }); // [S, R, 3d]
      const [q, k, v] = tf.unstack(this.splitHeads(qkv, S * B, T)); // each [S·B·H, T, dh]
      const mixed = attentionCore(q, k, v, this.rules[l], this.scales[l], mask); // [S·B·H, T, dh]
      const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [S * B, H, T, dHead]), [0, 2, 1, 3]), [S, B * T, d]); // [S, R, d]
      h = dense(merged, wOut, bOut, h, { constants: consts }); // [S, R, d]
      if (!c.feedForward) continue;
      // Feed-forward.
      const [g2, b2, wIn, bIn, wOut2, bOut2] = Array.from({ length: 6 }, next);
      const fIn = stackedLayerNorm(h, g2, b2, LAYER_NORM_EPSILON, meanColumn, consts); // [S, R, d]
      if (c.cisFeedForward) {
        const hidden = activate(this.positionwise(fIn, wIn, bIn, input), c.activation); // [S, R, f]
        h = tf.add(h, this.positionwise(hidden as tf.Tensor3D, wOut2, bOut2, input)) as tf.Tensor3D; // [S, R, d]
      } else if (c.activation === 'relu') {
        h = dense(dense(fIn, wIn, bIn, undefined, { relu: true, constants: consts }), wOut2, bOut2, h, { constants: consts }); // [S, R, d]
      } else {
        h = dense(activate(dense(fIn, wIn, bIn, undefined, { constants: consts }), c.activation), wOut2, bOut2, h, { constants: consts }); // [S, R, d]
      }
    }
    const [gF, bF, wHead, bHead] = Array.from({ length: 4 }, next);
    return dense(stackedLayerNorm(h, gF, bF, LAYER_NORM_EPSILON, meanColumn, consts), wHead, bHead, undefined, { constants: consts }); // [S, R, V]
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
   * b [S, T₀, out] → [S, R, out]; position t uses W[t], b[t]. As `positionwiseLinear`, with the
   * gradient written out (autodiff adds a reshape, a cast or a sum to each of the nine ops):
   *
   *   x_t = x in position-major order [S·T, B, in];  y_t = x_t·W[t] (+ b[t])
   *   dx_t = dy_t·W[t]ᵀ,  dW[t] = x_tᵀ·dy_t,  db[t] = 1ᵀ·dy_t   (batched over S·T, as autodiff's products)
   */
  private positionwise(x: tf.Tensor3D, w: tf.Tensor, b: tf.Tensor, input: StackedInput): tf.Tensor3D {
    const { S, B, T } = input;
    const [, T0, outDim] = b.shape as [number, number, number];
    const inDim = x.shape[2];
    const toPositions = (t: tf.Tensor, width: number): tf.Tensor3D => // [S, R, width] → [S·T, B, width]
      tf.reshape(tf.transpose(tf.reshape(t, [S, B, T, width]), [0, 2, 1, 3]), [S * T, B, width]) as tf.Tensor3D;
    const toRows = (t: tf.Tensor, width: number): tf.Tensor => // [S·T, B, width] → [S, B, T, width]
      tf.transpose(tf.reshape(t, [S, T, B, width]), [0, 2, 1, 3]);
    const ones = onNode() ? this.positionOnes(S * T, B) : undefined; // [S·T, 1, B]
    const op = customOp(([ax, aw, ab], save) => {
      const w4 = tf.reshape(aw, [S, T0, inDim, outDim]); // [S, T₀, in, out]
      const wT = T === T0 ? w4 : tf.slice(w4, [0, 0, 0, 0], [S, T, inDim, outDim]); // [S, T, in, out]
      const bT = tf.reshape(T === T0 ? ab : tf.slice(ab, [0, 0, 0], [S, T, outDim]), [S, 1, T, outDim]); // [S, 1, T, out]
      const xt = toPositions(ax, inDim); // [S·T, B, in]
      const w3 = tf.reshape(wT, [S * T, inDim, outDim]) as tf.Tensor3D; // [S·T, in, out]
      const y = toRows(laneMatMul(xt, w3), outDim); // [S, B, T, out]
      save([xt, w3]);
      return {
        value: tf.reshape(tf.add(y, bT), [S, B * T, outDim]), // [S, R, out]
        gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => {
          const dyt = toPositions(dy, outDim); // [S·T, B, out]
          const dx = tf.reshape(toRows(laneMatMul(dyt, sw, false, true), inDim), [S, B * T, inDim]); // [S, R, in]
          let dw = tf.reshape(laneMatMul(sx, dyt, true, false), [S, T, inDim * outDim]); // [S, T, in·out]
          // db as a product on tfjs-node (a middle-axis sum there is not the same at every S), a sum elsewhere (see `rowSum`)
          let db = tf.reshape(ones ? laneMatMul(ones, dyt) : tf.sum(dyt, 1), [S, T, outDim]); // [S, T, out]
          if (T < T0) { // positions ≥ T get no gradient
            dw = tf.pad(dw, [[0, 0], [0, T0 - T], [0, 0]]);
            db = tf.pad(db, [[0, 0], [0, T0 - T], [0, 0]]);
          }
          return [dx, tf.reshape(dw, [S, T0 * inDim, outDim]), db];
        },
      };
    });
    return op(x, w, b) as tf.Tensor3D;
  }

  /** [n, 1, B] filled with ones (the per-position bias gradient as a product), built once per shape. */
  private positionOnes(n: number, B: number): tf.Tensor3D {
    const key = `${n}x${B}`;
    let t = this.onesByShape.get(key);
    if (!t) {
      t = tf.keep(tf.tensor3d(new Float32Array(n * B).fill(1), [n, 1, B]));
      this.onesByShape.set(key, t);
    }
    return t;
  }

  dispose(): void {
    this.masks.dispose();
    this.constants.dispose();
    tf.dispose([...this.onesByShape.values()]);
    this.onesByShape.clear();
    tf.dispose([...this.meanColumns.values()]);
    this.meanColumns.clear();
    tf.dispose([...this.sinusoids.values()]);
    this.sinusoids.clear();
  }
}
