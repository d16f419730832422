/**
 * expressive-attention: attention rules (dot-product, expressive, Cog, ablations), sequence models
 * (transformer / cisformer, LSTM, MLP) and a trainer, on TensorFlow.js.
 *
 * ```ts
 * import * as ea from 'expressive-attention';
 * await ea.initBackend();
 * const model = new ea.Transformer({ vocabSize: 20, contextLength: 32, attention: 'expressive' });
 * ```
 */
// backend
export * from './backend.js';
// attention rules
export * from './attention/rule.js';
export * from './attention/registry.js';
export { expressiveScore } from './attention/expressive.js';
// models
export * from './models/model.js';
export * from './models/params.js';
export * from './models/layers.js';
export * from './models/attention-layer.js';
export * from './models/transformer.js';
export * from './models/lstm.js';
export * from './models/mlp.js';
export * from './models/registry.js';
// training
export * from './train/rng.js';
export * from './train/data.js';
export * from './train/loss.js';
export * from './train/adamw.js';
export * from './train/schedule.js';
export * from './train/checkpoint.js';
export * from './train/trainer.js';
// utilities
export * from './util/atomic-write.js';
