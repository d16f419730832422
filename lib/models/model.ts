/**
 * The one interface every sequence model implements: a pure function from parameters and a token
 * batch to next-token logits.
 *
 *   tokens [B, T] int32, T ≤ contextLength   →   logits [B, T, V]   (position t predicts token t+1
 *                                                                    from tokens 0..t only)
 *
 * Parameters live outside the model, in a `ParamMap` (name → tensor) described by the model's
 * `parameters` list; the trainer owns them as variables. This keeps models stateless: easy to test
 * against finite differences, to load PyTorch fixtures into, and to train several copies of.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** How a parameter is initialised. */
export type ParamInit =
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; limit: number } // U(−limit, limit)
  | { kind: 'zeros' }
  | { kind: 'ones' };

export interface ParamSpec {
  /** Unique, dotted name, e.g. 'layers.0.attention.qkv.weight'. */
  name: string;
  shape: number[];
  init: ParamInit;
  /** Whether AdamW applies weight decay to it (matrices yes; biases, norms, embeddings' gains no). */
  decay: boolean;
}

export type ParamMap = Record<string, tf.Tensor>;

export interface ApplyOptions {
  /** Also return the attention weights of every layer (transformers only). Default false. */
  returnAttention?: boolean;
  /**
   * Also return the final hidden state the output head reads, [B, T, d] (transformer: after the final
   * LayerNorm; LSTM: the last layer's h; MLP: the last hidden layer's activations). Default false.
   */
  returnHidden?: boolean;
  /** Also return each layer's per-head queries, keys and scaled scores (transformers only). Default false. */
  returnQueryKey?: boolean;
}

/** One attention layer's queries, keys and scores, as `returnQueryKey` returns them. */
export interface QueryKey {
  queries: tf.Tensor4D; // [B, H, T, dHead]
  keys: tf.Tensor4D; // [B, H, T, dHead]
  /** scale · q·k before the rule, [B, H, T, T]. */
  scores: tf.Tensor4D;
}

export interface ModelOutput {
  logits: tf.Tensor3D; // [B, T, V]
  /** Per layer, [B, H, T, T]: row i holds the weights query position i gives each key position. */
  attention?: tf.Tensor4D[];
  /** With `returnHidden`: the state the head reads, [B, T, d]. */
  hidden?: tf.Tensor3D;
  /** With `returnQueryKey`: per layer, its queries, keys and scores. */
  queryKey?: QueryKey[];
}

export type ModelKind = 'transformer' | 'lstm' | 'mlp';

export interface SequenceModel {
  readonly kind: ModelKind;
  /** The full configuration with every default filled in (enough to rebuild the model). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly vocabSize: number;
  readonly contextLength: number;
  /** Every parameter, in a fixed order. */
  readonly parameters: readonly ParamSpec[];
  /** Logits for a token batch. Call inside `tf.tidy` (the trainer does); `params` must match `parameters`. */
  apply(params: ParamMap, tokens: tf.Tensor2D, options?: ApplyOptions): ModelOutput;
  /** Frees cached constants (masks, index tables). */
  dispose(): void;
}

/** Total number of scalar parameters. */
export function parameterCount(model: Pick<SequenceModel, 'parameters'>): number {
  return model.parameters.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}

/** Checks tokens: rank 2, int32, length ≤ contextLength. Values are the caller's business. */
export function checkTokens(tokens: tf.Tensor, contextLength: number): void {
  if (tokens.rank !== 2) throw new Error(`tokens must be [batch, time]; got shape [${tokens.shape}]`);
  if (tokens.dtype !== 'int32') throw new Error(`tokens must be int32; got ${tokens.dtype}`);
  if ((tokens.shape[1] as number) > contextLength) {
    throw new Error(`tokens has ${tokens.shape[1]} positions but contextLength is ${contextLength}`);
  }
}
