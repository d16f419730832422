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
import type { EvalRecord, LossPoint } from './checkpoint.js';
import type { BatchData, DataSource } from './data.js';
import { runLanes } from './lanes.js';
import { AccuracyTally, predictions, tokenCrossEntropy } from './loss.js';
import { resolvePlateauArgs, type PlateauArgs, type PlateauConfig } from './plateau.js';
import { DECAY_KINDS, type DecayKind } from './schedule.js';

/** Why a run ended: its steps were used up, 100 % accuracy, a plateau (`plateau`), or stop()/its signal. */
export type StopReason = 'steps' | 'perfect' | 'plateau' | 'stopped';

export interface StepEvent {
  /** Completed optimizer steps (1 after the first update). */
  step: number;
  /** Training loss of this step's batch (before the update). */
  loss: number;
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Ends the run after this step (stop reason 'stopped'; it is checkpointed, then evaluated once more). */
  stop(): void;
}

export interface EvalEvent extends EvalRecord {
  /** Best eval accuracy so far, this one included. */
  bestAccuracy: number;
  stop(): void;
}

export interface CheckpointEvent {
  step: number;
  path: string;
}

/** Hooks for progress bars, live plots and stopping. Each may be async; the trainer awaits it. */
export interface TrainerCallbacks {
  onStep?(event: StepEvent): void | Promise<void>;
  onEval?(event: EvalEvent): void | Promise<void>;
  onCheckpoint?(event: CheckpointEvent): void | Promise<void>;
}

export interface TrainerArgs {
  /** Number of optimizer steps (the schedule spans them). Default 1000. */
  steps?: number;
  /** Peak learning rate. Default 3e-4. */
  learningRate?: number;
  /** Steps of linear warm-up. Default min(100, ⌊steps/10⌋). */
  warmupSteps?: number;
  /** Decay after the warm-up: 'cosine', 'linear' or 'constant'. Default 'cosine'. */
  decay?: DecayKind;
  /** Learning rate at the end of the decay. Default learningRate / 10. */
  minLearningRate?: number;
  /** AdamW decoupled weight decay (matrices and embeddings only, see ParamSpec.decay). Default 0.01 (PyTorch's). */
  weightDecay?: number;
  /** AdamW β₁. Default 0.9. */
  beta1?: number;
  /** AdamW β₂. Default 0.999. */
  beta2?: number;
  /** AdamW ε. Default 1e-8. */
  epsilon?: number;
  /** Clip the global gradient norm to this (as torch.nn.utils.clip_grad_norm_); 0 = off. Default 1.0. */
  clipNorm?: number;
  /** Evaluate every this many steps (and after the last). Default 100. */
  evalEvery?: number;
  /** Stop as soon as an evaluation scores every scored position correctly (100 %). Default true. */
  earlyStopAtPerfect?: boolean;
  /**
   * Stop when held-out accuracy has not improved by more than `minDelta` over the last `window`
   * evaluations (stop reason 'plateau'; see plateau.ts for the rule and its defaults). Default off.
   */
  plateau?: PlateauArgs | null;
  /** Seed of the parameter initialisation. Default 0. (The data source has its own seed.) */
  seed?: number;
  /** Where to write checkpoints (atomically). Default none. */
  checkpointPath?: string;
  /** With checkpointPath: checkpoint every this many steps, and at the end. Default evalEvery. */
  checkpointEvery?: number;
  /**
   * With checkpointPath: also checkpoint once this many milliseconds of training have passed since the
   * last checkpoint (or the start). 0 = never by time. Default 0.
   */
  checkpointEveryMs?: number;
  /** Stored as it is in every checkpoint (`Checkpoint.tag`), e.g. what made it. Default none. */
  checkpointTag?: Record<string, unknown>;
  /** A checkpoint to continue from (often the same file as checkpointPath). Default none. */
  resumeFrom?: string;
  /** Points on the loss curve: the mean training loss of each block of this many steps. Default ⌈steps/1000⌉. */
  curveEvery?: number;
  /** Progress and stop hooks. */
  callbacks?: TrainerCallbacks;
  /** Stops the run when aborted (e.g. from a SIGINT handler), like `stop()` in a callback. */
  signal?: AbortSignal;
  /**
   * 'eager' runs each step as tfjs ops; 'graph' (tfjs-node only) records the first step and runs the
   * later ones as one TensorFlow graph each (lib/train/graph/; the same numbers within the bound stated
   * in README). On wasm and cpu 'graph' falls back to 'eager' with a message. 'auto' is 'graph' on
   * tfjs-node and 'eager' elsewhere. Default 'auto'.
   */
  engine?: Engine;
}

export const ENGINES = ['auto', 'eager', 'graph'] as const;
export type Engine = (typeof ENGINES)[number];
/** The engine that actually ran a run's steps. */
export type EngineUsed = Exclude<Engine, 'auto'>;

type Optional = 'checkpointPath' | 'resumeFrom' | 'callbacks' | 'signal' | 'checkpointTag';
export type TrainerConfig = Required<Omit<TrainerArgs, Optional | 'plateau'>> & Pick<TrainerArgs, Optional> & { plateau: PlateauConfig | null };

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
  for (const name of ['checkpointPath', 'resumeFrom'] as const) {
    const v = args[name];
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw new Error(`${name} must be a file path; got ${JSON.stringify(v)}`);
  }
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
    checkpointEveryMs, checkpointTag: args.checkpointTag, resumeFrom: args.resumeFrom, curveEvery: positiveInt('curveEvery', args.curveEvery ?? Math.ceil(steps / 1000)),
    callbacks: args.callbacks, signal: args.signal, engine,
  };
}

export interface TrainResult {
  /** Completed optimizer steps (counting those before a resume). */
  steps: number;
  stopReason: StopReason;
  /** Last evaluation (made at the final step). */
  finalAccuracy: number;
  finalEvalLoss: number;
  /** Accuracy per label at the last evaluation. */
  perLabel: Record<string, number>;
  bestAccuracy: number;
  /** Step of the first evaluation that reached bestAccuracy. */
  bestStep: number;
  /** Every evaluation, in order. */
  evals: EvalRecord[];
  /** Mean training loss per block of `curveEvery` steps (the last block may be shorter). */
  lossCurve: LossPoint[];
  /** Training wall time in ms (including the time before a resume). */
  wallTimeMs: number;
  /** The trained parameters (tf.Variables); the caller owns them: `disposeParams(result.params)`. */
  params: ParamMap;
  /** The step a resume started from, if any. */
  resumedFrom?: number;
  /** The engine that ran the steps ('graph' when a step was recorded and run as a graph). */
  engine: EngineUsed;
  /** Replicas in the stack this run started in (1: alone; `trainBatched` stacks several). */
  lanes: number;
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
