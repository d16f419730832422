/**
 * Which stacked forward trains a model: the built-in models have hand-arranged ones (one file each
 * beside this one); any other `SequenceModel` gets a generic one that calls `model.apply` once per
 * replica. The training engine asks here, so it knows no concrete model.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap, SequenceModel } from '../model.js';
import { LSTM } from '../lstm.js';
import { MLP } from '../mlp.js';
import { Transformer } from '../transformer.js';
import { StackedLSTM } from './lstm.js';
import { StackedMLP } from './mlp.js';
import { plainViews, replicas, type ParamView, type StackedInput, type StackedModel } from './ops.js';
import { StackedTransformer } from './transformer.js';

/**
 * The stacked forward of `model`: the built-in models have hand-arranged ones; any other
 * `SequenceModel` gets a generic one that calls `model.apply` once per replica (correct, not faster).
 */
export function stackedModel(model: SequenceModel): StackedModel {
  if (model instanceof Transformer) return new StackedTransformer(model);
  if (model instanceof LSTM) return new StackedLSTM(model);
  if (model instanceof MLP) return new StackedMLP(model);
  return new GenericStacked(model);
}

/** Stacked forward of any SequenceModel: per replica, `model.apply` on that replica's parameters. */
class GenericStacked implements StackedModel {
  readonly order = 'bt' as const;
  readonly views: readonly ParamView[];
  constructor(private readonly model: SequenceModel) {
    this.views = plainViews(model.parameters);
  }
  forward(views: tf.Tensor[], input: StackedInput): tf.Tensor3D {
    const { S, B, T } = input;
    const perReplicaViews = views.map(replicas); // per view: S × [...shape]
    const logits: tf.Tensor[] = [];
    for (let s = 0; s < S; s++) {
      const params: ParamMap = {};
      this.model.parameters.forEach((p, i) => { params[p.name] = tf.reshape(perReplicaViews[i][s], p.shape); });
      const tokens = tf.tensor2d(input.tokens.subarray(s * B * T, (s + 1) * B * T), [B, T], 'int32');
      const out = this.model.apply(params, tokens).logits; // [B, T, V]
      logits.push(tf.reshape(out, [B * T, out.shape[2]])); // [B·T, V]
    }
    return tf.stack(logits) as tf.Tensor3D; // [S, B·T, V]
  }
  dispose(): void { /* the model is the caller's */ }
}
