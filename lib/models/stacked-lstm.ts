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
import type { LSTM } from './lstm.js';
import type { ParamView, StackedInput, StackedModel } from './stacked.js';
import { batchedMatMul, customOp, dense, matrixView, oneHotRows, rowContraction, tableLookup } from './stacked.js';

/** where(condition, a, b) for tensors of one shape: the Select kernel alone (tf.where adds three broadcast clones). */
function select(condition: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel('Select', { condition, t: a, e: b }) as tf.Tensor;
}

export class StackedLSTM implements StackedModel {
  readonly order = 'tb' as const;
  readonly views: readonly ParamView[];
  private readonly masks = new Map<string, tf.Tensor>();

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
      const inputPart = dense(x, wIn, tf.add(bIn, bRec)); // [S, T·B, 4h]
      x = this.recurrence(inputPart, wRec, S, T, B); // [S, T·B, h]
    }
    const n = views.length;
    return dense(x, views[n - 2], views[n - 1]); // [S, T·B, V]
  }

  /**
   * The recurrence of one layer for all replicas, P [S, T·B, 4h] (input part, time-major) and
   * W_rec [S, h, 4h] → h [S, T·B, h], with back-propagation through time written out (autodiff would
   * record ~12 ops per step and add reshapes and casts to each of their gradients):
   *
   *   forward, per step:  A = act(P_t + h_{t−1}·W_rec)   (σ on the i, f, o columns, tanh on g; one select)
   *                       c_t = f⊙c_{t−1} + i⊙g,  h_t = o⊙tanh(c_t)
   *   backward, t = T−1…0: dh = dh_t + dh_next;  do = dh⊙tanh(c_t);  dc = dc_next + dh⊙o⊙(1 − tanh²c_t)
   *                       dA = [dc⊙g | dc⊙c_{t−1} | dc⊙i | do];  dPre = dA⊙A′  (σ′ = A(1−A), tanh′ = 1−A²)
   *                       dc_next = dc⊙f,  dh_next = dPre·W_recᵀ
   *   dP = [dPre_t]_t,  dW_rec = Σ_t h_{t−1}ᵀ·dPre_t  (one product over all steps, per replica)
   * The forward is `LSTM.apply`'s arithmetic op for op.
   */
  private recurrence(inputPart: tf.Tensor, wRec: tf.Tensor, S: number, T: number, B: number): tf.Tensor3D {
    const h = this.model.config.hiddenSize;
    const isG = this.gateMask(S, B, h); // [S, B, 4h] bool: the g columns
    const op = customOp(([p, w], save) => {
      const steps = T === 1 ? [tf.reshape(p, [S, B, 4 * h])] : tf.unstack(tf.reshape(p, [S, T, B, 4 * h]), 1); // T × [S, B, 4h]
      const acts: tf.Tensor[] = [];
      const cells: tf.Tensor[] = [];
      const outputs: tf.Tensor[] = [];
      let hPrev: tf.Tensor | undefined;
      let cPrev: tf.Tensor | undefined;
      for (let t = 0; t < T; t++) {
        const gates = hPrev === undefined ? steps[t] : tf.add(steps[t], batchedMatMul(hPrev, w)); // [S, B, 4h]
        const a = select(isG, tf.tanh(gates), tf.sigmoid(gates)); // [S, B, 4h]: σ(i), σ(f), tanh(g), σ(o)
        const [i, f, g, o] = tf.split(a, 4, 2); // 4 × [S, B, h]
        const ig = tf.mul(i, g); // [S, B, h]
        const cell = cPrev === undefined ? ig : tf.add(tf.mul(f, cPrev), ig); // [S, B, h]
        hPrev = tf.mul(o, tf.tanh(cell)); // [S, B, h]
        cPrev = cell;
        acts.push(a);
        cells.push(cell);
        outputs.push(hPrev);
      }
      const hs = T === 1 ? tf.expandDims(outputs[0], 1) : tf.stack(outputs, 1); // [S, T, B, h]
      save([w, T === 1 ? tf.expandDims(acts[0], 1) : tf.stack(acts, 1), T === 1 ? tf.expandDims(cells[0], 1) : tf.stack(cells, 1), hs]);
      return {
        value: tf.reshape(hs, [S, T * B, h]), // [S, T·B, h]
        gradFunc: (dy: tf.Tensor, [sw, sActs, sCells, sHs]: tf.Tensor[]) => {
          const split1 = (x: tf.Tensor): tf.Tensor[] => (T === 1 ? [tf.squeeze(x, [1])] : tf.unstack(x, 1)); // T × [S, B, ·]
          const dH = split1(tf.reshape(dy, [S, T, B, h]));
          const a = split1(sActs);
          const c = split1(sCells);
          const dPre: tf.Tensor[] = new Array(T);
          let dhNext: tf.Tensor | undefined;
          let dcNext: tf.Tensor | undefined;
          for (let t = T - 1; t >= 0; t--) {
            const [i, f, g, o] = tf.split(a[t], 4, 2); // 4 × [S, B, h]
            const tc = tf.tanh(c[t]); // [S, B, h]
            const dh = dhNext ? tf.add(dH[t], dhNext) : dH[t]; // [S, B, h]
            const dcHere = tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(tc))); // [S, B, h]
            const dc = dcNext ? tf.add(dcNext, dcHere) : dcHere; // [S, B, h]
            const df = t > 0 ? tf.mul(dc, c[t - 1]) : tf.zerosLike(dc); // [S, B, h]
            const dA = tf.concat([tf.mul(dc, g), df, tf.mul(dc, i), tf.mul(dh, tc)], 2); // [S, B, 4h]
            const derivative = select(isG, tf.sub(1, tf.square(a[t])), tf.mul(a[t], tf.sub(1, a[t]))); // [S, B, 4h]
            dPre[t] = tf.mul(dA, derivative); // [S, B, 4h]
            dcNext = tf.mul(dc, f);
            if (t > 0) dhNext = batchedMatMul(dPre[t], sw, false, true); // [S, B, h]
          }
          const dP = tf.reshape(T === 1 ? dPre[0] : tf.stack(dPre, 1), [S, T * B, 4 * h]); // [S, T·B, 4h]
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

  /** [S, B, 4h] true on the g columns (2h..3h), built once per shape. */
  private gateMask(S: number, B: number, h: number): tf.Tensor {
    const key = `${S}x${B}`;
    let m = this.masks.get(key);
    if (!m) {
      const data = new Uint8Array(S * B * 4 * h);
      for (let r = 0; r < S * B; r++) data.fill(1, r * 4 * h + 2 * h, r * 4 * h + 3 * h);
      m = tf.keep(tf.tensor3d(data, [S, B, 4 * h], 'bool'));
      this.masks.set(key, m);
    }
    return m;
  }

  dispose(): void {
    tf.dispose([...this.masks.values()]);
    this.masks.clear();
  }
}
