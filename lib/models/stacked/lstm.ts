/**
 * The LSTM of `lstm.ts` as a stacked forward pass (S replicas at once; see `stacked.ts`). Time-major
 * rows (t·B + b) as in `LSTM.apply`; the recurrence runs once per time step for all replicas:
 *
 *   x = one_hot(tokens)·E                                   [S, T·B, e]
 *   per layer: P = x·W_in + (b_in + b_rec)                  [S, T·B, 4h]   one block for all steps
 *              gates_t = P_t + h_{t−1}·W_rec                [S, B, 4h]     (h₀ = c₀ = 0: skipped at t = 0)
 *              c_t = σ(f)⊙c_{t−1} + σ(i)⊙tanh(g),  h_t = σ(o)⊙tanh(c_t)
 *   logits = h·W_head + b_head                              [S, T·B, V]
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LSTM } from '../lstm.js';
import type { ParamView, StackedInput, StackedModel } from './ops.js';
import { BlockConstants, batchedMatMul, customOp, dense, matrixView, oneHotRows, rowContraction, tableLookup } from './ops.js';

/** where(condition, a, b) for tensors of one shape: the Select kernel alone (tf.where adds three broadcast clones). */
function select(condition: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel('Select', { condition, t: a, e: b }) as tf.Tensor;
}

export class StackedLSTM implements StackedModel {
  readonly order = 'tb' as const;
  readonly views: readonly ParamView[];
  private readonly masks = new Map<string, tf.Tensor>();
  private readonly constants = new BlockConstants();

  constructor(private readonly model: LSTM) {
    const c = model.config;
    const h = c.hiddenSize;
    const views: ParamView[] = [matrixView('embedding.weight', [c.vocabSize, c.embeddingSize])];
    for (let l = 0; l < c.layers; l++) {
      const inDim = l === 0 ? c.embeddingSize : h;
      views.push(
        matrixView(`layers.${l}.inputWeight`, [inDim, 4 * h]),
        matrixView(`layers.${l}.recurrentWeight`, [h, 4 * h]),
        matrixView(`layers.${l}.inputBias`, [4 * h]), // [1, 4h]
        matrixView(`layers.${l}.recurrentBias`, [4 * h]), // [1, 4h]
      );
    }
    views.push(matrixView('head.weight', [h, c.vocabSize]), matrixView('head.bias', [c.vocabSize]));
    this.views = views;
  }

  forward(views: tf.Tensor[], input: StackedInput): tf.Tensor3D {
    const c = this.model.config;
    const { S, B, T } = input;
    let x: tf.Tensor3D = tableLookup(oneHotRows(input, c.vocabSize, 'tb'), views[0]); // [S, T·B, e]
    for (let l = 0; l < c.layers; l++) {
      const [wIn, wRec, bIn, bRec] = views.slice(1 + 4 * l, 5 + 4 * l);
      const inputPart = dense(x, wIn, tf.add(bIn, bRec), undefined, { constants: this.constants }); // [S, T·B, 4h]
      x = this.recurrence(inputPart, wRec, S, T, B); // [S, T·B, h]
    }
    const n = views.length;
    return dense(x, views[n - 2], views[n - 1], undefined, { constants: this.constants }); // [S, T·B, V]
  }

  /**
   * The recurrence of one layer for all replicas, P [S, T·B, 4h] (input part, time-major) and
   * W_rec [S, h, 4h] → h [S, T·B, h], with back-propagation through time written out (autodiff would
   * record ~12 ops per step and add reshapes and casts to each of their gradients):
   *
   *   forward, per step:  A = act(P_t + h_{t−1}·W_rec)   (σ on the i, f, o columns, tanh on g; one select)
   *                       c_t = f⊙c_{t−1} + i⊙g,  h_t = o⊙tanh(c_t)
   *   backward, t = T−1…0: dh = dh_t + dh_next;  dc = dc_next + dh⊙K_t;  dPre_t = [dc | dc | dc | dh]⊙Q_t
   *                       dc_next = dc⊙f_t,  dh_next = dPre_t·W_recᵀ
   *     with, for all steps at once before the loop (they do not depend on the recurrence):
   *                       K = o⊙(1 − tanh²c),  Q = [g | c_{t−1} | i | tanh c]⊙A′   (σ′ = A(1−A), tanh′ = 1−A²)
   *   dP = [dPre_t]_t,  dW_rec = Σ_t h_{t−1}ᵀ·dPre_t  (one product over all steps, per replica)
   * So a backward step is 7 kernels. The forward is `LSTM.apply`'s arithmetic op for op.
   */
  private recurrence(inputPart: tf.Tensor, wRec: tf.Tensor, S: number, T: number, B: number): tf.Tensor3D {
    const h = this.model.config.hiddenSize;
    const isG = this.gateMask([S, B, 4 * h]); // [S, B, 4h] bool: the g columns
    const stack1 = (xs: tf.Tensor[]): tf.Tensor => (T === 1 ? tf.expandDims(xs[0], 1) : tf.stack(xs, 1)); // [S, T, ...]
    const split1 = (x: tf.Tensor): tf.Tensor[] => (T === 1 ? [tf.squeeze(x, [1])] : tf.unstack(x, 1)); // T × [S, ...]
    const op = customOp(([p, w], save) => {
      const steps = T === 1 ? [tf.reshape(p, [S, B, 4 * h])] : tf.unstack(tf.reshape(p, [S, T, B, 4 * h]), 1); // T × [S, B, 4h]
      const acts: tf.Tensor[] = [];
      const cells: tf.Tensor[] = [];
      const cellTanhs: tf.Tensor[] = [];
      const outputs: tf.Tensor[] = [];
      let hPrev: tf.Tensor | undefined;
      let cPrev: tf.Tensor | undefined;
      for (let t = 0; t < T; t++) {
        const gates = hPrev === undefined ? steps[t] : tf.add(steps[t], batchedMatMul(hPrev, w)); // [S, B, 4h]
        const a = select(isG, tf.tanh(gates), tf.sigmoid(gates)); // [S, B, 4h]: σ(i), σ(f), tanh(g), σ(o)
        const [i, f, g, o] = tf.split(a, 4, 2); // 4 × [S, B, h]
        const ig = tf.mul(i, g); // [S, B, h]
        const cell = cPrev === undefined ? ig : tf.add(tf.mul(f, cPrev), ig); // [S, B, h]
        const cellTanh = tf.tanh(cell); // [S, B, h]
        hPrev = tf.mul(o, cellTanh); // [S, B, h]
        cPrev = cell;
        acts.push(a);
        cells.push(cell);
        cellTanhs.push(cellTanh);
        outputs.push(hPrev);
      }
      const hs = stack1(outputs); // [S, T, B, h]
      save([w, stack1(acts), stack1(cells), stack1(cellTanhs), hs]);
      return {
        value: tf.reshape(hs, [S, T * B, h]), // [S, T·B, h]
        gradFunc: (dy: tf.Tensor, [sw, sActs, sCells, sTanhs, sHs]: tf.Tensor[]) => {
          // Everything that does not depend on the recurrence, for all steps at once.
          const [ai, af, ag, ao] = tf.split(sActs, 4, 3); // 4 × [S, T, B, h]
          const isG4 = this.gateMask([S, T, B, 4 * h]);
          const derivative = select(isG4, tf.sub(1, tf.square(sActs)), tf.mul(sActs, tf.sub(1, sActs))); // [S, T, B, 4h]
          const cBefore = T === 1 ? tf.zerosLike(sCells)
            : tf.concat([tf.zeros([S, 1, B, h]), tf.slice(sCells, [0, 0, 0, 0], [S, T - 1, B, h])], 1); // [S, T, B, h]: c_{t−1}, c₋₁ = 0
          const Q = split1(tf.mul(tf.concat([ag, cBefore, ai, sTanhs], 3), derivative)); // T × [S, B, 4h]
          const K = split1(tf.mul(ao, tf.sub(1, tf.square(sTanhs)))); // T × [S, B, h]
          const F = split1(af); // T × [S, B, h]
          const dH = split1(tf.reshape(dy, [S, T, B, h])); // T × [S, B, h]
          const dPre: tf.Tensor[] = new Array(T);
          let dhNext: tf.Tensor | undefined;
          let dcNext: tf.Tensor | undefined;
          for (let t = T - 1; t >= 0; t--) {
            const dh = dhNext ? tf.add(dH[t], dhNext) : dH[t]; // [S, B, h]
            const dcHere = tf.mul(dh, K[t]); // [S, B, h]
            const dc = dcNext ? tf.add(dcNext, dcHere) : dcHere; // [S, B, h]
            dPre[t] = tf.mul(tf.concat([dc, dc, dc, dh], 2), Q[t]); // [S, B, 4h]
            if (t > 0) {
              dcNext = tf.mul(dc, F[t]);
              dhNext = batchedMatMul(dPre[t], sw, false, true); // [S, B, h]
            }
          }
          const dP = tf.reshape(stack1(dPre), [S, T * B, 4 * h]); // [S, T·B, 4h]
          if (T === 1) return [dP, tf.zerosLike(sw)];
          // Σ_{t≥1} h_{t−1}ᵀ·dPre_t as one product over rows (t, b) per replica.
          const hPrevAll = tf.reshape(tf.slice(sHs, [0, 0, 0, 0], [S, T - 1, B, h]), [S, (T - 1) * B, h]); // [S, (T−1)·B, h]
          const dPreLater = tf.slice(dP, [0, B, 0], [S, (T - 1) * B, 4 * h]); // [S, (T−1)·B, 4h]
          return [dP, rowContraction(hPrevAll, dPreLater)];
        },
      };
    });
    return op(inputPart, wRec) as tf.Tensor3D;
  }

  /** A bool tensor of `shape` (last axis 4h) true on the g columns (2h..3h), built once per shape. */
  private gateMask(shape: number[]): tf.Tensor {
    const key = shape.join('x');
    let m = this.masks.get(key);
    if (!m) {
      const width = shape[shape.length - 1];
      const h = width / 4;
      const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const data = new Uint8Array(rows * width);
      for (let r = 0; r < rows; r++) data.fill(1, r * width + 2 * h, r * width + 3 * h);
      m = tf.keep(tf.tensor(data, shape, 'bool'));
      this.masks.set(key, m);
    }
    return m;
  }

  dispose(): void {
    tf.dispose([...this.masks.values()]);
    this.masks.clear();
    this.constants.dispose();
  }
}
