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
// training
export * from './train/rng.js';
// utilities
export * from './util/atomic-write.js';
