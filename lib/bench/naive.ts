/**
 * The naive training step this project started from (issue 2's trainer): one tf.Variable per
 * parameter, `model.apply` under `tf.variableGrads`, per-parameter clipping and AdamW. Kept only as
 * the benchmark's baseline for kernels per step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap, SequenceModel } from '../models/model.js';
import { AdamW } from '../train/adamw.js';
import type { BatchData } from '../train/data.js';
import { maskedCrossEntropy } from '../train/loss.js';
import { clipByGlobalNorm } from '../train/trainer.js';

export class NaiveTrainer {
  private readonly vars: Record<string, tf.Variable> = {};
  private readonly optimizer: AdamW;
  private readonly clip: tf.Scalar;

  constructor(private readonly model: SequenceModel, params: ParamMap, learningRate = 1e-3) {
    for (const p of model.parameters) this.vars[p.name] = tf.tidy(() => tf.variable(tf.clone(params[p.name]), true));
    this.optimizer = new AdamW(model.parameters, { learningRate });
    this.clip = tf.keep(tf.scalar(1));
  }

  /** One step; returns [loss, gradient norm]. */
  step(batch: BatchData, scoredCount: number): Float32Array {
    const { batchSize: B, length: T } = batch;
    const out = tf.tidy(() => {
      const inputs = tf.tensor2d(batch.inputs, [B, T], 'int32');
      const targets = tf.tensor2d(batch.targets, [B, T], 'int32');
      const mask = tf.tensor2d(Float32Array.from(batch.scored), [B, T], 'float32');
      const varList = this.model.parameters.map((p) => this.vars[p.name]);
      const { value, grads } = tf.variableGrads(() => maskedCrossEntropy(this.model.apply(this.vars, inputs).logits, targets, mask, scoredCount), varList);
      const byName: Record<string, tf.Tensor> = {};
      for (const p of this.model.parameters) byName[p.name] = grads[this.vars[p.name].name];
      const clipped = clipByGlobalNorm(byName, this.clip);
      this.optimizer.step(this.vars, clipped.grads);
      return tf.stack([value, clipped.norm]);
    });
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  dispose(): void {
    tf.dispose([...Object.values(this.vars), this.clip]);
    this.optimizer.dispose();
  }
}
