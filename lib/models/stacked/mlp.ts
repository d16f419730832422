/**
 * The MLP of `mlp.ts` as a stacked forward pass (S replicas at once; see `stacked.ts`). Rows are
 * time-major within a replica (row t·B + b), so the per-position first layer needs no transposes:
 *
 *   perPosition[s,t] = one_hot(x_t)·W₁[t]                 [S·T, B, h₁]   one batched matmul
 *   u_t·W₁ = Σ_{t'≤t} perPosition[t']  = L·perPosition     L lower-triangular ones [T, T]
 *   z = act(· + b₁), further hidden layers, head          [S, T·B, V]
 *
 * (`MLP.apply` takes the prefix sums with a cumsum; the L-product sums the same terms.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { activate } from '../layers.js';
import type { MLP } from '../mlp.js';
import type { ParamView, StackedInput, StackedModel } from './ops.js';
import { BlockConstants, biasActivation, constantLeftMatMul, dense, groupedLookup, hostArray, matrixView, oneHotData } from './ops.js';

export class StackedMLP implements StackedModel {
  readonly order = 'tb' as const;
  readonly views: readonly ParamView[];
  private readonly prefix = new Map<string, tf.Tensor3D>();
  private readonly constants = new BlockConstants();

  constructor(private readonly model: MLP) {
    const c = model.config;
    const sizes = c.hiddenSizes;
    const views: ParamView[] = [
      matrixView('input.weight', [c.contextLength, c.vocabSize, sizes[0]]), // [T₀·V, h₁]
      matrixView('input.bias', [sizes[0]]), // [1, h₁]
    ];
    for (let i = 0; i + 1 < sizes.length; i++) {
      views.push(matrixView(`hidden.${i}.weight`, [sizes[i], sizes[i + 1]]), matrixView(`hidden.${i}.bias`, [sizes[i + 1]]));
    }
    views.push(matrixView('head.weight', [sizes[sizes.length - 1], c.vocabSize]), matrixView('head.bias', [c.vocabSize]));
    this.views = views;
  }

  /** L [S, T, T] with L[t, t'] = 1 for t' ≤ t, built once per (S, T). */
  private prefixMatrix(S: number, T: number): tf.Tensor3D {
    const key = `${S}x${T}`;
    let l = this.prefix.get(key);
    if (!l) {
      const data = new Float32Array(S * T * T);
      for (let s = 0; s < S; s++) for (let t = 0; t < T; t++) for (let u = 0; u <= t; u++) data[(s * T + t) * T + u] = 1;
      l = tf.keep(tf.tensor3d(data, [S, T, T]));
      this.prefix.set(key, l);
    }
    return l;
  }

  forward(views: tf.Tensor[], input: StackedInput): tf.Tensor3D {
    const c = this.model.config;
    const { S, B, T } = input;
    const V = c.vocabSize;
    const h1 = c.hiddenSizes[0];
    const [w1View, b1] = views;
    const w1All = tf.reshape(w1View, [S, c.contextLength, V, h1]); // [S, T₀, V, h₁]
    const w1 = T === c.contextLength ? w1All : tf.slice(w1All, [0, 0, 0, 0], [S, T, V, h1]); // [S, T, V, h₁]
    const oneHot = tf.tensor3d(hostArray(input, `tokens one-hot tb ${V}`, (i) => oneHotData(i, V, 'tb')), [S * T, B, V]); // [S·T, B, V]
    const perPosition = groupedLookup(oneHot, tf.reshape(w1, [S * T, V, h1]), S); // [S·T, B, h₁]
    const prefix = constantLeftMatMul(this.prefixMatrix(S, T), tf.reshape(perPosition, [S, T, B * h1])); // [S, T, B·h₁]
    const relu = c.activation === 'relu';
    let z: tf.Tensor3D = biasActivation(tf.reshape(prefix, [S, T * B, h1]), b1, relu, this.constants); // [S, R, h₁]
    if (!relu) z = activate(z, c.activation) as tf.Tensor3D;
    let i = 2;
    for (let k = 0; k + 1 < c.hiddenSizes.length; k++) {
      const [w, b] = [views[i++], views[i++]];
      z = relu ? dense(z, w, b, undefined, { relu: true, constants: this.constants }) : activate(dense(z, w, b, undefined, { constants: this.constants }), c.activation) as tf.Tensor3D; // [S, R, h_{k+1}]
    }
    return dense(z, views[i], views[i + 1], undefined, { constants: this.constants }); // [S, R, V]
  }

  dispose(): void {
    tf.dispose([...this.prefix.values()]);
    this.prefix.clear();
    this.constants.dispose();
  }
}
