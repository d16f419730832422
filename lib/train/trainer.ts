/**
 * The training loop (minGPT style): it knows a model only through the `SequenceModel` interface and a
 * task only through `DataSource`.
 *
 *   params ← initParams(model, seed)                 (or a checkpoint's, with `resumeFrom`)
 *   for step i = 0, 1, ...:
 *     batch  = data.trainBatch(i)                     pure function of (data config, seed, i)
 *     loss   = masked cross-entropy of model.apply(params, batch.inputs) against batch.targets
 *     g      = ∇loss, clipped to global norm ≤ clipNorm
 *     AdamW update with the learning rate of the warm-up + decay schedule
 *     every evalEvery steps: accuracy on data.evalBatches() (overall and per label); stop at 100 %
 *     every checkpointEvery steps: checkpoint (atomic)
 *
 * Same model config + data + args + backend ⇒ bit-identical losses, also across a checkpoint + resume.
 * A NaN or infinite loss stops the run with an error naming the step and the last good checkpoint.
 *
 * ```ts
 * const result = await train(model, task, { steps: 2000, learningRate: 1e-3,
 *   callbacks: { onEval: (e) => console.log(e.step, e.accuracy) } });
 * result.stopReason;   // 'steps' | 'perfect' | 'stopped'
 * disposeParams(result.params);
 * ```
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap, SequenceModel } from '../models/model.js';
import { initParams } from '../models/params.js';
import { AdamW } from './adamw.js';
import {
  allFinite, checkpointOptimizerState, checkpointParams, encodeCheckpoint, readCheckpoint, saveCheckpoint,
  type Checkpoint, type EvalRecord, type LossPoint, type TrainingProgress,
} from './checkpoint.js';
import { checkBatch, type BatchData, type DataSource } from './data.js';
import { AccuracyTally, maskedCrossEntropy, predictions, tokenCrossEntropy } from './loss.js';
import { DECAY_KINDS, makeSchedule, type DecayKind } from './schedule.js';

export type StopReason = 'steps' | 'perfect' | 'stopped';

export interface StepEvent {
  /** Completed optimizer steps (1 after the first update). */
  step: number;
  /** Training loss of this step's batch (before the update). */
  loss: number;
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Ends the run after this step (stop reason 'stopped'; a final eval and checkpoint still happen). */
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
  /** Seed of the parameter initialisation. Default 0. (The data source has its own seed.) */
  seed?: number;
  /** Where to write checkpoints (atomically). Default none. */
  checkpointPath?: string;
  /** With checkpointPath: checkpoint every this many steps, and at the end. Default evalEvery. */
  checkpointEvery?: number;
  /** A checkpoint to continue from (often the same file as checkpointPath). Default none. */
  resumeFrom?: string;
  /** Points on the loss curve: the mean training loss of each block of this many steps. Default ⌈steps/1000⌉. */
  curveEvery?: number;
  /** Progress and stop hooks. */
  callbacks?: TrainerCallbacks;
  /** Stops the run when aborted (e.g. from a SIGINT handler), like `stop()` in a callback. */
  signal?: AbortSignal;
}

export type TrainerConfig = Required<Omit<TrainerArgs, 'checkpointPath' | 'resumeFrom' | 'callbacks' | 'signal'>> &
  Pick<TrainerArgs, 'checkpointPath' | 'resumeFrom' | 'callbacks' | 'signal'>;

/** Arguments that change the numbers: a resume must use the same values as the checkpointed run. */
const NUMERIC_ARGS = [
  'steps', 'learningRate', 'warmupSteps', 'decay', 'minLearningRate', 'weightDecay', 'beta1', 'beta2', 'epsilon',
  'clipNorm', 'seed', 'curveEvery',
] as const;

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
  // beta1, beta2, epsilon, weightDecay are checked by AdamW.
  return {
    steps, learningRate, warmupSteps, decay, minLearningRate,
    weightDecay: args.weightDecay ?? 0.01, beta1: args.beta1 ?? 0.9, beta2: args.beta2 ?? 0.999, epsilon: args.epsilon ?? 1e-8,
    clipNorm, evalEvery, earlyStopAtPerfect: args.earlyStopAtPerfect ?? true, seed,
    checkpointPath: args.checkpointPath, checkpointEvery: positiveInt('checkpointEvery', args.checkpointEvery ?? evalEvery),
    resumeFrom: args.resumeFrom, curveEvery: positiveInt('curveEvery', args.curveEvery ?? Math.ceil(steps / 1000)),
    callbacks: args.callbacks, signal: args.signal,
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
  const c = resolveTrainerArgs(args);
  if (data.vocabSize !== model.vocabSize) {
    throw new Error(`data.vocabSize (${data.vocabSize}) does not match the model's vocabSize (${model.vocabSize})`);
  }
  if (data.contextLength > model.contextLength) {
    throw new Error(`data.contextLength (${data.contextLength}) exceeds the model's contextLength (${model.contextLength})`);
  }
  const labelNames = data.labelNames ?? [];
  const evalSet = data.evalBatches();
  if (evalSet.length === 0) throw new Error('data.evalBatches() returned no batch');
  evalSet.forEach((b, i) => checkBatch(b, model.vocabSize, data.contextLength, labelNames.length, `evalBatches()[${i}]`));

  const resume = c.resumeFrom !== undefined ? readCheckpoint(c.resumeFrom) : undefined;
  if (resume) checkResumable(resume, model, data, c);
  const optimizer = new AdamW(model.parameters, {
    learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay,
  });
  const vars: Record<string, tf.Variable> = {};
  try {
    const initial = resume ? checkpointParams(model, resume, `checkpoint ${c.resumeFrom}`) : initParams(model, c.seed);
    for (const spec of model.parameters) vars[spec.name] = tf.variable(initial[spec.name], true);
    tf.dispose(Object.values(initial));
    if (resume) optimizer.loadState(checkpointOptimizerState(model, resume, `checkpoint ${c.resumeFrom}`));
    const result = await loop(model, data, c, vars, optimizer, evalSet, labelNames, resume);
    return result;
  } catch (err) {
    tf.dispose(Object.values(vars));
    throw err;
  } finally {
    optimizer.dispose();
  }
}

/** Throws unless `checkpoint` was written for this model, data and numeric settings. */
function checkResumable(checkpoint: Checkpoint, model: SequenceModel, data: DataSource, c: TrainerConfig): void {
  const where = `checkpoint ${c.resumeFrom}`;
  if (checkpoint.model.kind !== model.kind) throw new Error(`${where} holds a ${checkpoint.model.kind}, not a ${model.kind}`);
  const modelDiff = differingKeys(checkpoint.model.config, model.config);
  if (modelDiff.length) throw new Error(`${where} was written for a different model config (differs in ${modelDiff.join(', ')})`);
  if (data.config && checkpoint.data) {
    const dataDiff = differingKeys(checkpoint.data, data.config);
    if (dataDiff.length) throw new Error(`${where} was written for a different data config (differs in ${dataDiff.join(', ')})`);
  }
  const argDiff = NUMERIC_ARGS.filter((k) => stableJson(checkpoint.trainer[k]) !== stableJson(c[k]));
  if (argDiff.length) {
    throw new Error(`${where} was written with different trainer arguments: ` +
      argDiff.map((k) => `${k} ${stableJson(checkpoint.trainer[k])} (now ${stableJson(c[k])})`).join(', '));
  }
}

function stableJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
}

function differingKeys(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => stableJson(a[k]) !== stableJson(b[k]));
}

async function loop(
  model: SequenceModel, data: DataSource, c: TrainerConfig, vars: Record<string, tf.Variable>, optimizer: AdamW,
  evalSet: BatchData[], labelNames: string[], resume: Checkpoint | undefined,
): Promise<TrainResult> {
  const started = performance.now();
  const schedule = makeSchedule({
    learningRate: c.learningRate, totalSteps: c.steps, warmupSteps: c.warmupSteps, decay: c.decay, minLearningRate: c.minLearningRate,
  });
  const progress: TrainingProgress = resume
    ? structuredClone(resume.progress)
    : { evals: [], lossCurve: [], curveBlock: { sum: 0, count: 0 }, elapsedMs: 0 };
  let lastGood: { path: string; step: number } | undefined = resume ? { path: c.resumeFrom as string, step: resume.step } : undefined;
  let step = resume ? resume.step : 0;
  let stopReason: StopReason = 'steps';
  let stopRequested = false;
  const stop = (): void => { stopRequested = true; };
  const elapsed = (): number => progress.elapsedMs + (performance.now() - started);
  const diverged = (what: string, atStep: number): Error => new Error(
    `training diverged: ${what} at step ${atStep}. ` + (lastGood
      ? `The last good checkpoint is ${lastGood.path} (step ${lastGood.step}); it was not overwritten.`
      : 'There is no checkpoint to go back to (set checkpointPath to keep one).'));

  // Built once: the variables in the model's order and the clipping constant.
  const varList = model.parameters.map((s) => vars[s.name]);
  const clipNorm = tf.scalar(c.clipNorm);

  /** One optimizer step; returns [loss, gradNorm] with a single read-back. */
  const trainStep = (batch: BatchData, scoredCount: number, learningRate: number): Float32Array => {
    const { batchSize: B, length: T } = batch;
    const out = tf.tidy(() => {
      const inputs = tf.tensor2d(batch.inputs, [B, T], 'int32');
      const targets = tf.tensor2d(batch.targets, [B, T], 'int32');
      const mask = tf.tensor2d(Float32Array.from(batch.scored), [B, T], 'float32');
      const { value, grads } = tf.variableGrads(
        () => maskedCrossEntropy(model.apply(vars, inputs).logits, targets, mask, scoredCount), varList);
      const byName: Record<string, tf.Tensor> = {};
      for (const spec of model.parameters) byName[spec.name] = grads[vars[spec.name].name];
      const clipped = clipByGlobalNorm(byName, c.clipNorm > 0 ? clipNorm : 0);
      optimizer.step(vars, clipped.grads, learningRate);
      return tf.stack([value, clipped.norm]); // [2]
    });
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  };

  const runEval = async (): Promise<EvalRecord> => {
    const record: EvalRecord = { step, ...evaluate(model, vars, evalSet, labelNames) };
    progress.evals.push(record);
    const bestAccuracy = progress.evals.reduce((a, e) => Math.max(a, e.accuracy), 0);
    await c.callbacks?.onEval?.({ ...record, bestAccuracy, stop });
    return record;
  };

  const writeCheckpoint = async (): Promise<void> => {
    if (!c.checkpointPath) return;
    const optimizerState = optimizer.state();
    const checkpoint = encodeCheckpoint({
      step, model, params: vars, optimizer: optimizerState, trainer: storedArgs(c), seed: c.seed, data: data.config,
      progress: { ...progress, elapsedMs: elapsed() }, backend: tf.getBackend(),
    });
    if (!allFinite(Object.values(optimizerState.m)) || !allFinite(Object.values(optimizerState.v)) ||
        !allFinite(model.parameters.map((s) => vars[s.name].dataSync()))) {
      throw diverged('the parameters or optimizer moments are not finite', step);
    }
    saveCheckpoint(c.checkpointPath, checkpoint);
    lastGood = { path: c.checkpointPath, step };
    await c.callbacks?.onCheckpoint?.({ step, path: c.checkpointPath });
  };

  try {
    let lastEval = progress.evals.at(-1);
    let lastYield = performance.now();
    while (step < c.steps) {
      if (stopRequested || c.signal?.aborted) { stopReason = 'stopped'; break; }
      const batch = data.trainBatch(step);
      const scoredCount = checkBatch(batch, model.vocabSize, data.contextLength, labelNames.length, `trainBatch(${step})`);
      const learningRate = schedule(step);
      const [loss, gradNorm] = trainStep(batch, scoredCount, learningRate);
      step++;
      if (!Number.isFinite(loss)) throw diverged(`the loss is ${loss}`, step);
      if (!Number.isFinite(gradNorm)) throw diverged(`the gradient norm is ${gradNorm} (loss ${loss})`, step);

      const block = progress.curveBlock;
      block.sum += loss;
      block.count++;
      if (block.count === c.curveEvery || step === c.steps) {
        progress.lossCurve.push({ step, loss: block.sum / block.count });
        progress.curveBlock = { sum: 0, count: 0 };
      }
      await c.callbacks?.onStep?.({ step, loss, learningRate, gradNorm, stop });

      if (step % c.evalEvery === 0 || step === c.steps) {
        lastEval = await runEval();
        if (c.earlyStopAtPerfect && lastEval.accuracy === 1) stopReason = 'perfect';
      }
      if (stopReason === 'perfect') break;
      if (c.checkpointPath && step % c.checkpointEvery === 0 && step < c.steps) await writeCheckpoint();
      if (performance.now() - lastYield > 100) { // let timers, signals and progress output run
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    if (stopReason === 'steps' && step < c.steps) stopReason = 'stopped';
    if (lastEval?.step !== step) lastEval = await runEval();
    if (lastGood?.step !== step || lastGood.path !== c.checkpointPath) await writeCheckpoint();

    const best = progress.evals.reduce((a, e) => (e.accuracy > a.accuracy ? e : a));
    return {
      steps: step, stopReason,
      finalAccuracy: lastEval.accuracy, finalEvalLoss: lastEval.loss, perLabel: lastEval.perLabel,
      bestAccuracy: best.accuracy, bestStep: best.step,
      evals: progress.evals,
      lossCurve: progress.curveBlock.count
        ? [...progress.lossCurve, { step, loss: progress.curveBlock.sum / progress.curveBlock.count }]
        : progress.lossCurve,
      wallTimeMs: elapsed(),
      params: vars,
      ...(resume ? { resumedFrom: resume.step } : {}),
    };
  } finally {
    clipNorm.dispose();
  }
}

/** The trainer arguments as stored in a checkpoint (JSON: no callbacks or signal). */
function storedArgs(c: TrainerConfig): Record<string, unknown> {
  const { callbacks: _callbacks, signal: _signal, ...rest } = c;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}
