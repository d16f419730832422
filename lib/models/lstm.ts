/**
 * An LSTM language model: token embedding → stacked LSTM → linear head, predicting at every position.
 *
 *   x_t = one_hot(token_t)·E                                   [B, e]
 *   per layer l (input x_t, the previous layer's h_t above the first):
 *     [i|f|g|o] = x_t·W_in + b_in + h_{t−1}·W_rec + b_rec      [B, 4h]   gates in PyTorch's order
 *     i, f, o = σ(·),  g = tanh(·)
 *     c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)          [B, h]    (h₀ = c₀ = 0)
 *   logits_t = h_t·W_head + b_head                             [B, V]
 *
 * The recurrence is the one of `torch.nn.LSTM` (no peepholes, no projection, two biases), with every
 * matrix stored [in, out]: 'layers.l.inputWeight' = weight_ih_l{l}ᵀ, 'layers.l.recurrentWeight' =
 * weight_hh_l{l}ᵀ, 'layers.l.inputBias' = bias_ih_l{l}, 'layers.l.recurrentBias' = bias_hh_l{l}.
 * So `nn.Embedding → nn.LSTM(batch_first=True) → nn.Linear` weights load by transposition.
 *
 * Initialisation: like PyTorch for the LSTM (every weight and bias U(−1/√h, 1/√h)); the embedding and
 * the head weight are N(0, initStd²) as in the transformer, the head bias is zero.
 *
 * Unrolled over time in JavaScript: the input projection of a layer is one matMul for all positions;
 * only the recurrent product runs per step. Tensors are kept time-major ([T, B, ·]) inside, so the per-step
 * slices are contiguous and no transposes are needed until the end.
 *
 * ```ts
 * const model = new LSTM({ vocabSize: 20, contextLength: 32, hiddenSize: 64, layers: 2 });
 * const { logits } = model.apply(initParams(model, 0), tokens);   // [B, ≤32] int32 → [B, T, 20]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, ModelOutput, ParamMap, ParamSpec, SequenceModel } from './model.js';
import { checkTokens } from './model.js';
import { embed, linear, linearSpecs } from './layers.js';
import { requirePositiveInt } from '../util/checks.js';

export interface LSTMArgs {
  /** Number of token types V (tokens are 0..V−1). Required. */
  vocabSize: number;
  /** Longest sequence T the model accepts (the LSTM itself works for any length). Required. */
  contextLength: number;
  /** Hidden (and cell) size h of every LSTM layer. Default 64. */
  hiddenSize?: number;
  /** Number of stacked LSTM layers. Default 1. */
  layers?: number;
  /** Size e of the token embedding that feeds the first layer. Default `hiddenSize`. */
  embeddingSize?: number;
  /** Standard deviation of the normal initialisation of the embedding and the head weight. Default 0.02. */
  initStd?: number;
}

export type LSTMConfig = Required<LSTMArgs>;

/** Fills every default and validates; the result rebuilds the same model. */
export function resolveLSTMArgs(args: LSTMArgs): LSTMConfig {
  const vocabSize = requirePositiveInt('vocabSize', args.vocabSize);
  const contextLength = requirePositiveInt('contextLength', args.contextLength);
  const hiddenSize = requirePositiveInt('hiddenSize', args.hiddenSize ?? 64);
  const layers = requirePositiveInt('layers', args.layers ?? 1);
  const embeddingSize = requirePositiveInt('embeddingSize', args.embeddingSize ?? hiddenSize);
  const initStd = args.initStd ?? 0.02;
  if (typeof initStd !== 'number' || !(initStd > 0) || !Number.isFinite(initStd)) {
    throw new Error(`initStd must be a positive number; got ${JSON.stringify(initStd)}`);
  }
  return { vocabSize, contextLength, hiddenSize, layers, embeddingSize, initStd };
}

export class LSTM implements SequenceModel {
  readonly kind = 'lstm' as const;
  readonly config: Readonly<LSTMConfig>;
  readonly parameters: readonly ParamSpec[];

  constructor(args: LSTMArgs) {
    const c = (this.config = Object.freeze(resolveLSTMArgs(args)));
    const h = c.hiddenSize;
    const lstmInit = { kind: 'uniform', limit: 1 / Math.sqrt(h) } as const; // PyTorch's nn.LSTM default
    const specs: ParamSpec[] = [
      { name: 'embedding.weight', shape: [c.vocabSize, c.embeddingSize], init: { kind: 'normal', std: c.initStd }, decay: true },
    ];
    for (let l = 0; l < c.layers; l++) {
      const inDim = l === 0 ? c.embeddingSize : h;
      specs.push(
        { name: `layers.${l}.inputWeight`, shape: [inDim, 4 * h], init: lstmInit, decay: true },
        { name: `layers.${l}.recurrentWeight`, shape: [h, 4 * h], init: lstmInit, decay: true },
        { name: `layers.${l}.inputBias`, shape: [4 * h], init: lstmInit, decay: false },
        { name: `layers.${l}.recurrentBias`, shape: [4 * h], init: lstmInit, decay: false },
      );
    }
    specs.push(...linearSpecs('head', h, c.vocabSize, c.initStd));
    this.parameters = Object.freeze(specs);
  }

  get vocabSize(): number { return this.config.vocabSize; }
  get contextLength(): number { return this.config.contextLength; }

  apply(params: ParamMap, tokens: tf.Tensor2D, options: ApplyOptions = {}): ModelOutput {
    checkTokens(tokens, this.contextLength);
    const c = this.config;
    const [B, T] = tokens.shape;
    const h = c.hiddenSize;
    // Time-major from the start: tokens are integers, so this transpose is outside the gradient.
    let x: tf.Tensor = embed(tf.transpose(tokens) as tf.Tensor2D, params['embedding.weight']); // [T, B, e]
    for (let l = 0; l < c.layers; l++) {
      const p = `layers.${l}`;
      const inDim = x.shape[2] as number;
      const bias = tf.add(params[`${p}.inputBias`], params[`${p}.recurrentBias`]); // [4h]
      const inputPart = tf.add(tf.matMul(tf.reshape(x, [T * B, inDim]), params[`${p}.inputWeight`]), bias); // [T·B, 4h]
      const steps = tf.unstack(tf.reshape(inputPart, [T, B, 4 * h])); // T × [B, 4h]
      const wRec = params[`${p}.recurrentWeight`]; // [h, 4h]
      const outputs: tf.Tensor[] = [];
      let hPrev: tf.Tensor | undefined; // [B, h]
      let cPrev: tf.Tensor | undefined; // [B, h]
      for (let t = 0; t < T; t++) {
        // h₀ = c₀ = 0, so at t = 0 the recurrent product and f ⊙ c vanish: skip them (fewer kernels).
        const gates = hPrev === undefined ? steps[t] : tf.add(steps[t], tf.matMul(hPrev, wRec)); // [B, 4h]
        const [iPre, fPre, gPre, oPre] = tf.split(gates, 4, 1); // 4 × [B, h]
        const ig = tf.mul(tf.sigmoid(iPre), tf.tanh(gPre)); // [B, h]
        const cell = cPrev === undefined ? ig : tf.add(tf.mul(tf.sigmoid(fPre), cPrev), ig); // [B, h]
        hPrev = tf.mul(tf.sigmoid(oPre), tf.tanh(cell)); // [B, h]
        cPrev = cell;
        outputs.push(hPrev);
      }
      x = tf.stack(outputs); // [T, B, h]
    }
    const logits = linear(tf.reshape(x, [T * B, h]), params['head.weight'], params['head.bias']); // [T·B, V]
    const out = tf.transpose(tf.reshape(logits, [T, B, c.vocabSize]), [1, 0, 2]) as tf.Tensor3D; // [B, T, V]
    if (!options.returnHidden) return { logits: out };
    return { logits: out, hidden: tf.transpose(x, [1, 0, 2]) as tf.Tensor3D }; // [B, T, h]
  }

  dispose(): void { /* nothing cached */ }
}
