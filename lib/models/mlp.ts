/**
 * A multilayer perceptron over the flattened one-hot window, predicting at every position.
 *
 * Reconstruction (the TS paper says only that its MLP reads the window; see shared/papers.md): the
 * prediction at position t reads the one-hot vectors of tokens 0..t at their ABSOLUTE positions,
 * flattened to a [T·V] vector in which the slots of positions after t are zero. So it is causal (no
 * peeking at later tokens) and, like the cisformer, not translation invariant: a token has its own
 * weights at every position.
 *
 *   u_t = [one_hot(x_0), …, one_hot(x_t), 0, …, 0]            [T·V]
 *   z_t = act(u_t·W₁ + b₁)                                     [h₁]      W₁ stored [T, V, h₁]
 *   z_t = act(z_t·W_i + b_i)   for each further hidden size    [h_{i+1}]
 *   logits_t = z_t·W_head + b_head                             [V]
 *
 * The first layer is computed without building u_t: u_t·W₁ = Σ_{s≤t} one_hot(x_s)·W₁[s], i.e. one
 * batched matMul over positions ([T, B, V] × [T, V, h₁]) followed by a cumulative sum over s.
 *
 * Initialisation: like PyTorch's `nn.Linear` default, every weight and bias U(−1/√fan_in, 1/√fan_in),
 * with fan_in = T·V (the flattened window; T = contextLength) for the first layer.
 *
 * ```ts
 * const model = new MLP({ vocabSize: 20, contextLength: 32, hiddenSizes: [256, 256] });
 * const { logits } = model.apply(initParams(model, 0), tokens);   // [B, ≤32] int32 → [B, T, 20]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ApplyOptions, ModelOutput, ParamMap, ParamSpec, SequenceModel } from './model.js';
import { checkTokens } from './model.js';
import type { Activation } from './layers.js';
import { ACTIVATIONS, activate, linear } from './layers.js';
import { requirePositiveInt } from '../util/checks.js';

export interface MLPArgs {
  /** Number of token types V (tokens are 0..V−1). Required. */
  vocabSize: number;
  /** Window length T: the first layer has weights for each of these positions. Required. */
  contextLength: number;
  /** Width of each hidden layer, first to last; at least one. Default [256]. */
  hiddenSizes?: number[];
  /** Nonlinearity after every hidden layer: 'relu' or 'gelu' (tanh form). Default 'relu'. */
  activation?: Activation;
}

export type MLPConfig = Required<MLPArgs>;

/** Fills every default and validates; the result rebuilds the same model. */
export function resolveMLPArgs(args: MLPArgs): MLPConfig {
  const vocabSize = requirePositiveInt('vocabSize', args.vocabSize);
  const contextLength = requirePositiveInt('contextLength', args.contextLength);
  const sizes = args.hiddenSizes ?? [256];
  if (!Array.isArray(sizes) || sizes.length === 0) {
    throw new Error(`hiddenSizes must be a non-empty array of positive integers; got ${JSON.stringify(sizes)}`);
  }
  const hiddenSizes = sizes.map((n, i) => requirePositiveInt(`hiddenSizes[${i}]`, n));
  const activation = args.activation ?? 'relu';
  if (!ACTIVATIONS.includes(activation)) {
    throw new Error(`activation must be one of ${ACTIVATIONS.join(', ')}; got ${JSON.stringify(activation)}`);
  }
  return { vocabSize, contextLength, hiddenSizes, activation };
}

/** Weight and bias of a linear map with PyTorch's default init U(±1/√fan_in). */
function torchLinearSpecs(name: string, shape: number[], fanIn: number): ParamSpec[] {
  const init = { kind: 'uniform', limit: 1 / Math.sqrt(fanIn) } as const;
  return [
    { name: `${name}.weight`, shape, init, decay: true },
    { name: `${name}.bias`, shape: [shape[shape.length - 1]], init, decay: false },
  ];
}

export class MLP implements SequenceModel {
  readonly kind = 'mlp' as const;
  readonly config: Readonly<MLPConfig>;
  readonly parameters: readonly ParamSpec[];

  constructor(args: MLPArgs) {
    const c = (this.config = Object.freeze(resolveMLPArgs(args)));
    const sizes = c.hiddenSizes;
    const specs = torchLinearSpecs('input', [c.contextLength, c.vocabSize, sizes[0]], c.contextLength * c.vocabSize);
    for (let i = 0; i + 1 < sizes.length; i++) specs.push(...torchLinearSpecs(`hidden.${i}`, [sizes[i], sizes[i + 1]], sizes[i]));
    const last = sizes[sizes.length - 1];
    specs.push(...torchLinearSpecs('head', [last, c.vocabSize], last));
    this.parameters = Object.freeze(specs);
  }

  get vocabSize(): number { return this.config.vocabSize; }
  get contextLength(): number { return this.config.contextLength; }

  apply(params: ParamMap, tokens: tf.Tensor2D, options: ApplyOptions = {}): ModelOutput {
    checkTokens(tokens, this.contextLength);
    const c = this.config;
    const [B, T] = tokens.shape;
    const V = c.vocabSize;
    const h1 = c.hiddenSizes[0];
    const w1All = params['input.weight']; // [T₀, V, h₁]
    const w1 = T === c.contextLength ? w1All : tf.slice(w1All, [0, 0, 0], [T, V, h1]); // [T, V, h₁]
    const oneHot = tf.cast(tf.oneHot(tf.transpose(tokens) as tf.Tensor2D, V), 'float32'); // [T, B, V]
    const perPosition = tf.matMul(oneHot as tf.Tensor3D, w1 as tf.Tensor3D); // [T, B, h₁]: one_hot(x_s)·W₁[s]
    // Prefix sums over positions. tfjs 4.22's Cumsum gradient is wrong for any axis but the last
    // (it returns a transposed shape), so move s to the last axis first.
    const prefix = tf.cumsum(tf.transpose(perPosition, [1, 2, 0]), 2); // [B, h₁, T]: Σ_{s≤t}
    let z = tf.reshape(tf.transpose(prefix, [0, 2, 1]), [B * T, h1]); // [B·T, h₁] = u_t·W₁
    z = activate(tf.add(z, params['input.bias']), c.activation); // [B·T, h₁]
    for (let i = 0; i + 1 < c.hiddenSizes.length; i++) {
      z = activate(linear(z, params[`hidden.${i}.weight`], params[`hidden.${i}.bias`]), c.activation); // [B·T, h_{i+1}]
    }
    const logits = linear(z, params['head.weight'], params['head.bias']); // [B·T, V]
    const out = tf.reshape(logits, [B, T, V]) as tf.Tensor3D; // [B, T, V]
    if (!options.returnHidden) return { logits: out };
    return { logits: out, hidden: tf.reshape(z, [B, T, z.shape[1] as number]) as tf.Tensor3D }; // [B, T, h_last]
  }

  dispose(): void { /* nothing cached */ }
}
