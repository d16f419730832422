/**
 * The training loop (minGPT style): it knows a model only through the `SequenceModel` interface and a
 * task only through `DataSource`.
 *
 *   params ← initParams(model, seed)                 (or a checkpoint's, with `resumeFrom`)
 *   for step i = 0, 1, ...:
 *     batch  = data.trainBatch(i)                     pure function of (data config, seed, i)
 *     loss   = masked cross-entropy of the model's logits for batch.inputs against batch.targets
 *     g      = ∇loss, clipped to global norm ≤ clipNorm
 *     AdamW update with the learning rate of the warm-up + decay schedule
 *     every evalEvery steps: accuracy on data.evalBatches() (overall and per label); stop at 100 %
 *                            (and, if asked, when accuracy has plateaued: plateau.ts)
 *     every checkpointEvery steps or checkpointEveryMs of training: checkpoint (atomic)
 *
 * Same model config + data + args + backend ⇒ bit-identical losses, also across a checkpoint + resume.
 * A run that is stopped (stop(), its signal) is checkpointed before its final evaluation, so resuming it
 * continues exactly as if it had never stopped; a run that ended (steps, 100 %, plateau) is marked so
 * in its last checkpoint, and resuming it trains no further.
 * A NaN or infinite loss stops the run with an error naming the step and the last good checkpoint.
 *
 * The loop is `lanes.ts` with one lane, and the step is the stacked engine's (`engine.ts`): one flat
 * parameter buffer, hand-written gradients for the dense blocks, LayerNorm and loss, AdamW in a dozen
 * kernels. For the built-in models it computes what `model.apply` computes (to float rounding; tested
 * against the PyTorch fixtures); other SequenceModels are trained through their `apply`.
 * `trainBatched` (batched.ts) trains several runs together, each bit-identical to its `train()`.
 *
 * ```ts
 * const result = await train(model, task, { steps: 2000, learningRate: 1e-3,
 *   callbacks: { onEval: (e) => console.log(e.step, e.accuracy) } });
 * result.stopReason;   // 'steps' | 'perfect' | 'plateau' | 'stopped'
 * disposeParams(result.params);
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap, SequenceModel } from '../models/model.js';
import { resolveAdamWArgs } from './adamw.js';
import { ENGINES, type EvalRecord, type TrainerArgs, type TrainerConfig, type TrainResult } from './types.js';
import type { BatchData, DataSource } from './data.js';
import { runLanes } from './lanes.js';
import { AccuracyTally, predictions, tokenCrossEntropy } from './loss.js';
import { resolvePlateauArgs } from './plateau.js';
import { DECAY_KINDS } from './schedule.js';

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer; got ${value}`);
  return value;
}

export function resolveTrainerArgs(args: TrainerArgs = {}): TrainerConfig {
  const steps = positiveInt('steps', args.steps ?? 1000);
  const learningRate = args.learningRate ?? 3e-4;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new Error(`learningRate must be a positive finite number; got ${learningRate}`);
  const warmupSteps = args.warmupSteps ?? Math.min(100, Math.floor(steps / 10));
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0 || warmupSteps > steps) {
    throw new Error(`warmupSteps must be an integer in 0..steps (${steps}); got ${warmupSteps}`);
  }
  const decay = args.decay ?? 'cosine';
  if (!DECAY_KINDS.includes(decay)) throw new Error(`decay must be one of ${DECAY_KINDS.join(', ')}; got ${JSON.stringify(decay)}`);
  const minLearningRate = args.minLearningRate ?? learningRate / 10;
  if (!(minLearningRate >= 0 && minLearningRate <= learningRate)) {
    throw new Error(`minLearningRate must be in [0, learningRate (${learningRate})]; got ${minLearningRate}`);
  }
  const clipNorm = args.clipNorm ?? 1.0;
  if (!(clipNorm >= 0) || !Number.isFinite(clipNorm)) throw new Error(`clipNorm must be a finite number ≥ 0 (0 = off); got ${clipNorm}`);
  const evalEvery = positiveInt('evalEvery', args.evalEvery ?? 100);
  const seed = args.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer; got ${seed}`);
  for (const name of ['checkpointPath', 'resumeFrom', 'continueFrom'] as const) {
    const v = args[name];
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw new Error(`${name} must be a file path; got ${JSON.stringify(v)}`);
  }
  if (args.resumeFrom !== undefined && args.continueFrom !== undefined) throw new Error('resumeFrom and continueFrom exclude each other: resume a run in progress, or continue one that a stop rule ended');
  const engine = args.engine ?? 'auto';
  if (!ENGINES.includes(engine)) throw new Error(`engine must be one of ${ENGINES.join(', ')}; got ${JSON.stringify(engine)}`);
  const checkpointEveryMs = args.checkpointEveryMs ?? 0;
  if (!(checkpointEveryMs >= 0) || !Number.isFinite(checkpointEveryMs)) {
    throw new Error(`checkpointEveryMs must be a finite number of milliseconds ≥ 0 (0 = never by time); got ${checkpointEveryMs}`);
  }
  const { weightDecay, beta1, beta2, epsilon } = resolveAdamWArgs({
    learningRate, weightDecay: args.weightDecay ?? 0.01, beta1: args.beta1 ?? 0.9, beta2: args.beta2 ?? 0.999, epsilon: args.epsilon ?? 1e-8,
  });
  return {
    steps, learningRate, warmupSteps, decay, minLearningRate, weightDecay, beta1, beta2, epsilon,
    clipNorm, evalEvery, earlyStopAtPerfect: args.earlyStopAtPerfect ?? true, seed,
    plateau: args.plateau ? resolvePlateauArgs(args.plateau) : null,
    checkpointPath: args.checkpointPath, checkpointEvery: positiveInt('checkpointEvery', args.checkpointEvery ?? evalEvery),
    checkpointEveryMs, checkpointTag: args.checkpointTag, resumeFrom: args.resumeFrom, continueFrom: args.continueFrom, curveEvery: positiveInt('curveEvery', args.curveEvery ?? Math.ceil(steps / 1000)),
    callbacks: args.callbacks, signal: args.signal, engine,
  };
}

/**
 * Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_: with ‖g‖ the norm of all gradients
 * together, every gradient is multiplied by min(1, maxNorm / (‖g‖ + 1e-6)). maxNorm 0 = no clipping
 * (the norm is still returned). Call inside tf.tidy.
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number | tf.Scalar): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  const names = Object.keys(grads);
  const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))) as tf.Scalar; // []
  if (maxNorm === 0) return { grads, norm };
  const coef = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1); // []
  const out: Record<string, tf.Tensor> = {};
  for (const n of names) out[n] = tf.mul(grads[n], coef);
  return { grads: out, norm };
}

/**
 * Loss and argmax accuracy of `params` over `batches` (scored positions only), per label too.
 * Used by the trainer for evaluation; callable on its own.
 */
export function evaluate(model: SequenceModel, params: ParamMap, batches: readonly BatchData[], labelNames: readonly string[] = []): Omit<EvalRecord, 'step'> {
  const tally = new AccuracyTally(labelNames);
  let lossSum = 0;
  for (const batch of batches) {
    const { batchSize: B, length: T } = batch;
    const [predicted, nllSum] = tf.tidy(() => {
      const inputs = tf.tensor2d(batch.inputs, [B, T], 'int32');
      const targets = tf.tensor2d(batch.targets, [B, T], 'int32');
      const mask = tf.tensor2d(Float32Array.from(batch.scored), [B, T], 'float32');
      const logits = model.apply(params, inputs).logits; // [B, T, V]
      const nll = tokenCrossEntropy(logits, targets); // [B, T]
      return [predictions(logits), tf.sum(tf.mul(nll, mask))]; // [B, T] int32, []
    });
    tally.add(predicted.dataSync(), batch.targets, batch.scored, batch.labels);
    lossSum += nllSum.dataSync()[0];
    tf.dispose([predicted, nllSum]);
  }
  const r = tally.report();
  return { loss: lossSum / r.total, accuracy: r.accuracy, perLabel: r.perLabel };
}

/** Trains `model` on `data`; see the file comment. */
export async function train(model: SequenceModel, data: DataSource, args: TrainerArgs = {}): Promise<TrainResult> {
  const [result] = await runLanes(model, [{ data, config: resolveTrainerArgs(args) }]);
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
