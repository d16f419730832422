/**
 * Builds any model from a plain, JSON-able spec, and loads a saved model (kind + config + parameters).
 *
 * ```ts
 * const model = createModel({ kind: 'lstm', vocabSize: 20, contextLength: 32, hiddenSize: 64 });
 * saveParams('lstm.json', model, params);
 * const { model: again, params: loaded } = loadModel('lstm.json');
 * ```
 *
 * Every model's `config` is its resolved arguments, so `createModel({ kind: m.kind, ...m.config })`
 * rebuilds the same model.
 */
import { LSTM, type LSTMArgs } from './lstm.js';
import { MLP, type MLPArgs } from './mlp.js';
import type { ModelKind, ParamMap, SequenceModel } from './model.js';
import { deserializeParams, readSavedModel } from './params.js';
import { Transformer, type TransformerArgs } from './transformer.js';

export type ModelSpec =
  | ({ kind: 'transformer' } & TransformerArgs)
  | ({ kind: 'lstm' } & LSTMArgs)
  | ({ kind: 'mlp' } & MLPArgs);

export const MODEL_KINDS: readonly ModelKind[] = Object.freeze(['transformer', 'lstm', 'mlp'] as const);

/** A new model of `spec.kind`; the other fields are that model's `...Args`. */
export function createModel(spec: ModelSpec): SequenceModel {
  if (typeof spec !== 'object' || spec === null) {
    throw new Error(`model spec must be an object with a kind (${MODEL_KINDS.join(', ')}); got ${JSON.stringify(spec)}`);
  }
  const { kind, ...args } = spec;
  switch (kind) {
    case 'transformer': return new Transformer(args as TransformerArgs);
    case 'lstm': return new LSTM(args as LSTMArgs);
    case 'mlp': return new MLP(args as MLPArgs);
    default:
      throw new Error(`unknown model kind ${JSON.stringify(kind)}; known kinds: ${MODEL_KINDS.join(', ')}`);
  }
}

/** Rebuilds the model saved by `saveParams(path, …)` and its parameters (the caller disposes both). */
export function loadModel(path: string): { model: SequenceModel; params: ParamMap } {
  const saved = readSavedModel(path);
  if (typeof saved !== 'object' || saved === null || saved.format !== 'expressive-attention/params@1') {
    throw new Error(`${path}: not a saved model file (expected format 'expressive-attention/params@1')`);
  }
  let model: SequenceModel;
  try {
    model = createModel({ ...saved.config, kind: saved.kind } as ModelSpec);
  } catch (err) {
    throw new Error(`${path}: cannot rebuild the model: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return { model, params: deserializeParams(model, saved, path) };
  } catch (err) {
    model.dispose();
    throw err;
  }
}
