/**
 * The training loop over lanes: each lane is one training run (its data source, trainer arguments,
 * seed, callbacks, checkpoints, evaluations), and all lanes step together through one
 * `StackedTrainer`. `train()` is one lane; `trainBatched()` is several.
 *
 * Per lane, the loop does exactly what a single run does, in the same order: batch → step → NaN
 * check → loss curve → onStep → evaluation (every evalEvery steps and at the end; early stop at 100 %
 * or at a plateau) → checkpoint (every checkpointEvery steps or checkpointEveryMs). A lane that finishes (its steps, a perfect eval, stop(), its AbortSignal) or fails (a
 * NaN loss, a bad batch) leaves the stack; the others go on, unaffected: no kernel mixes lanes.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap, SequenceModel } from '../models/model.js';
import { initParams } from '../models/params.js';
import { allFinite, checkpointOptimizerState, checkpointParams, encodeCheckpoint, readCheckpoint, saveCheckpoint, type Checkpoint, type TrainingProgress } from './checkpoint.js';
import { checkBatch, type BatchData, type DataSource } from './data.js';
import { StackedTrainer, type LaneInit, type LaneStepSettings } from './engine.js';
import { AccuracyTally } from './loss.js';
import { plateaued } from './plateau.js';
import { makeSchedule } from './schedule.js';
import { type EvalRecord } from './types.js';
import type { StopReason, TrainerConfig, TrainResult } from './types.js';
/** Arguments that change the numbers: a resume must use the same values as the checkpointed run. */
const NUMERIC_ARGS = [
  'steps', 'learningRate', 'warmupSteps', 'decay', 'minLearningRate', 'weightDecay', 'beta1', 'beta2', 'epsilon',
  'clipNorm', 'seed', 'curveEvery', 'plateau',
] as const;

/** One lane to run: a data source and resolved trainer arguments. */
export interface LaneSpec {
  data: DataSource;
  config: TrainerConfig;
}

/** A lane's state in the loop. */
class Lane {
  readonly schedule: (step: number) => number;
  readonly evalSet: BatchData[];
  readonly labelNames: string[];
  readonly resume?: Checkpoint;
  progress: TrainingProgress;
  step: number;
  stopReason: StopReason = 'steps';
  stopRequested = false;
  lastEval?: EvalRecord;
  lastGood?: { path: string; step: number };
  /** When the last checkpoint was written (or the lane started), for checkpointEveryMs. */
  lastCheckpointAt = performance.now();
  readonly stop = (): void => { this.stopRequested = true; };

  constructor(readonly index: number, readonly model: SequenceModel, readonly data: DataSource, readonly c: TrainerConfig) {
    if (data.vocabSize !== model.vocabSize) {
      throw new Error(`data.vocabSize (${data.vocabSize}) does not match the model's vocabSize (${model.vocabSize})`);
    }
    if (data.contextLength > model.contextLength) {
      throw new Error(`data.contextLength (${data.contextLength}) exceeds the model's contextLength (${model.contextLength})`);
    }
    this.labelNames = data.labelNames ?? [];
    this.evalSet = data.evalBatches();
    if (this.evalSet.length === 0) throw new Error('data.evalBatches() returned no batch');
    this.evalSet.forEach((b, i) => checkBatch(b, model.vocabSize, data.contextLength, this.labelNames.length, `evalBatches()[${i}]`));
    const from = c.resumeFrom ?? c.continueFrom;
    this.resume = from !== undefined ? readCheckpoint(from) : undefined;
    if (this.resume) checkResumable(this.resume, model, data, c);
    if (this.resume && c.continueFrom !== undefined && this.resume.ended !== 'plateau') {
      throw new Error(`continueFrom: checkpoint ${c.continueFrom} is not the final state of a run the plateau stop ended (${this.resume.ended ? `it ended by '${this.resume.ended}'` : 'its run had not ended'}); only a stop rule's end can be continued`);
    }
    this.schedule = makeSchedule({
      learningRate: c.learningRate, totalSteps: c.steps, warmupSteps: c.warmupSteps, decay: c.decay, minLearningRate: c.minLearningRate,
    });
    this.progress = this.resume
      ? structuredClone(this.resume.progress)
      : { evals: [], lossCurve: [], curveBlock: { sum: 0, count: 0 }, elapsedMs: 0 };
    this.lastEval = this.progress.evals.at(-1);
    this.lastGood = this.resume ? { path: from as string, step: this.resume.step } : undefined;
    this.step = this.resume ? this.resume.step : 0;
  }

  /** Initial parameters and optimizer state (from the seed, or the checkpoint); the caller disposes `params`. */
  init(): LaneInit & { params: ParamMap } {
    const c = this.c;
    const where = `checkpoint ${c.resumeFrom ?? c.continueFrom}`;
    if (!this.resume) return { params: initParams(this.model, c.seed) };
    const params = checkpointParams(this.model, this.resume, where);
    try {
      return { params, optimizer: checkpointOptimizerState(this.model, this.resume, where) };
    } catch (err) {
      tf.dispose(Object.values(params));
      throw err;
    }
  }

  settings(): LaneStepSettings {
    const c = this.c;
    return {
      learningRate: this.schedule(this.step), weightDecay: c.weightDecay, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, clipNorm: c.clipNorm,
    };
  }

  diverged(what: string, atStep: number): Error {
    return new Error(`training diverged: ${what} at step ${atStep}. ` + (this.lastGood
      ? `The last good checkpoint is ${this.lastGood.path} (step ${this.lastGood.step}); it was not overwritten.`
      : 'There is no checkpoint to go back to (set checkpointPath to keep one).'));
  }

  wantsToStop(): boolean {
    return this.stopRequested || (this.c.signal?.aborted ?? false);
  }

  /** Whether a checkpoint is due after this step: every checkpointEvery steps, or checkpointEveryMs of training. */
  checkpointDue(): boolean {
    const c = this.c;
    if (!c.checkpointPath || this.step >= c.steps) return false;
    return this.step % c.checkpointEvery === 0 || (c.checkpointEveryMs > 0 && performance.now() - this.lastCheckpointAt >= c.checkpointEveryMs);
  }
}

/**
 * Runs the lanes to completion. The promise resolves with one settled result per lane (a lane's
 * error, e.g. divergence, is its rejection); it rejects only if the lanes cannot start at all or can no
 * longer be stepped together (their batches stop stacking) — then no lane has a result, and the
 * parameters of lanes that had already finished are freed.
 */
export async function runLanes(model: SequenceModel, specs: readonly LaneSpec[]): Promise<PromiseSettledResult<TrainResult>[]> {
  const started = performance.now();
  const results: PromiseSettledResult<TrainResult>[] = new Array(specs.length);
  // A lane that cannot start (bad data, a checkpoint for another setup) fails alone.
  const lanes: Lane[] = [];
  const inits: (LaneInit & { params: ParamMap })[] = [];
  specs.forEach((s, i) => {
    try {
      const lane = new Lane(i, model, s.data, s.config);
      inits.push(lane.init());
      lanes.push(lane);
    } catch (err) {
      results[i] = { status: 'rejected', reason: err };
    }
  });
  if (lanes.length === 0) return results;
  let engine: StackedTrainer;
  try {
    engine = new StackedTrainer(model, inits);
  } finally {
    for (const init of inits) tf.dispose(Object.values(init.params));
  }
  const wanted = lanes[0].c.engine; // one engine for the stack: the first lane's
  if (wanted !== 'eager' && tf.getBackend() === 'tensorflow') engine.useGraph();
  else if (wanted === 'graph') warnOnce(`engine 'graph' needs the tensorflow (tfjs-node) backend; training on '${tf.getBackend()}' with the eager engine`);
  /** Lanes still in the engine, in engine order. */
  let active = [...lanes];
  /** Lanes being finished (their last checkpoint says whether the run ended). */
  const finished = new Set<Lane>();
  const elapsed = (lane: Lane): number => lane.progress.elapsedMs + (performance.now() - started);

  const runEval = async (group: Lane[]): Promise<void> => {
    if (group.length === 0) return;
    // Lanes whose eval sets have the same shapes are evaluated together, the others one by one.
    const shapeKey = (l: Lane): string => l.evalSet.map((b) => `${b.batchSize}x${b.length}`).join(',');
    const byShape = new Map<string, Lane[]>();
    for (const l of group) byShape.set(shapeKey(l), [...(byShape.get(shapeKey(l)) ?? []), l]);
    const records = new Map<Lane, EvalRecord>();
    for (const same of byShape.values()) {
      const evals = engine.evaluate(same.map((l) => active.indexOf(l)), same.map((l) => l.evalSet));
      same.forEach((l, k) => {
        const tally = new AccuracyTally(l.labelNames);
        l.evalSet.forEach((b, i) => tally.add(evals[k].predicted[i], b.targets, b.scored, b.labels));
        const r = tally.report();
        records.set(l, { step: l.step, loss: evals[k].lossSum / r.total, accuracy: r.accuracy, perLabel: r.perLabel });
      });
    }
    for (const l of group) {
      const record = records.get(l) as EvalRecord;
      l.progress.evals.push(record);
      l.lastEval = record;
      const bestAccuracy = l.progress.evals.reduce((a, e) => Math.max(a, e.accuracy), 0);
      await l.c.callbacks?.onEval?.({ ...record, bestAccuracy, stop: l.stop });
    }
  };

  const writeCheckpoint = async (lane: Lane): Promise<void> => {
    const c = lane.c;
    if (!c.checkpointPath) return;
    const k = active.indexOf(lane);
    const { params, optimizer } = engine.lane(k);
    const optimizerState = engine.laneOptimizerState(k);
    if (!allFinite([optimizer.m, optimizer.v, params])) throw lane.diverged('the parameters or optimizer moments are not finite', lane.step);
    const ended = finished.has(lane) && lane.stopReason !== 'stopped' ? lane.stopReason : undefined;
    const checkpoint = encodeCheckpoint({
      step: lane.step, model, params: engine.layout.unpack(params), optimizer: optimizerState, trainer: storedArgs(c), seed: c.seed,
      data: lane.data.config, progress: { ...lane.progress, elapsedMs: elapsed(lane) }, backend: tf.getBackend(), ended, tag: c.checkpointTag,
    });
    saveCheckpoint(c.checkpointPath, checkpoint);
    lane.lastGood = { path: c.checkpointPath, step: lane.step };
    lane.lastCheckpointAt = performance.now();
    await c.callbacks?.onCheckpoint?.({ step: lane.step, path: c.checkpointPath });
  };

  /** Final eval and checkpoint of the lanes in `done`, their results, and their removal from the engine. */
  const finish = async (done: Lane[], failed: Map<Lane, unknown>): Promise<void> => {
    const finishing = done.filter((l) => !failed.has(l));
    for (const l of finishing) if (l.stopReason === 'steps' && l.step < l.c.steps) l.stopReason = 'stopped';
    // A stopped lane is checkpointed before its final evaluation, which an uninterrupted run would not
    // make: resuming it then continues exactly as if it had not stopped.
    for (const l of finishing) {
      if (l.stopReason !== 'stopped' || (l.lastGood?.step === l.step && l.lastGood.path === l.c.checkpointPath)) continue;
      try {
        await writeCheckpoint(l);
      } catch (err) {
        failed.set(l, err);
      }
    }
    for (const l of finishing) finished.add(l);
    try {
      await runEval(finishing.filter((l) => !failed.has(l) && l.lastEval?.step !== l.step));
    } catch (err) {
      for (const l of finishing) failed.set(l, err);
    }
    for (const l of done) {
      if (!failed.has(l)) {
        try {
          if (l.lastGood?.step !== l.step || l.lastGood.path !== l.c.checkpointPath) await writeCheckpoint(l);
          const best = l.progress.evals.reduce((a, e) => (e.accuracy > a.accuracy ? e : a));
          const last = l.lastEval as EvalRecord;
          results[l.index] = {
            status: 'fulfilled',
            value: {
              steps: l.step, stopReason: l.stopReason,
              finalAccuracy: last.accuracy, finalEvalLoss: last.loss, perLabel: last.perLabel,
              bestAccuracy: best.accuracy, bestStep: best.step,
              evals: l.progress.evals,
              lossCurve: l.progress.curveBlock.count
                ? [...l.progress.lossCurve, { step: l.step, loss: l.progress.curveBlock.sum / l.progress.curveBlock.count }]
                : l.progress.lossCurve,
              wallTimeMs: elapsed(l),
              params: engine.laneParams(active.indexOf(l)),
              engine: engine.engine, lanes: lanes.length,
              ...(l.resume ? { resumedFrom: l.resume.step } : {}),
            },
          };
          continue;
        } catch (err) {
          failed.set(l, err);
        }
      }
      results[l.index] = { status: 'rejected', reason: failed.get(l) };
    }
    const remaining = active.filter((l) => !done.includes(l));
    if (remaining.length) engine.retain(remaining.map((l) => active.indexOf(l)));
    active = remaining;
  };

  try {
    let lastYield = performance.now();
    while (active.length) {
      const failed = new Map<Lane, unknown>();
      // Lanes that are done before stepping (their steps are used up, or they were asked to stop).
      const before = active.filter((l) => {
        if (l.resume?.ended && l.step === l.resume.step && l.c.continueFrom === undefined) {
          l.stopReason = l.resume.ended; // resumed from the last checkpoint of a run that had ended
          return true;
        }
        if (l.step >= l.c.steps) return true;
        if (l.wantsToStop()) l.stopReason = 'stopped';
        return l.wantsToStop();
      });
      if (before.length) {
        await finish(before, failed);
        continue;
      }
      // One step of every lane.
      const batches: BatchData[] = [];
      const counts: number[] = [];
      for (const l of active) {
        try {
          const batch = l.data.trainBatch(l.step);
          counts.push(checkBatch(batch, model.vocabSize, l.data.contextLength, l.labelNames.length, `trainBatch(${l.step})`));
          batches.push(batch);
        } catch (err) {
          failed.set(l, err);
        }
      }
      if (failed.size) {
        await finish([...failed.keys()], failed);
        continue;
      }
      const settings = active.map((l) => l.settings());
      const out = engine.step(batches, counts, settings);
      const evalDue: Lane[] = [];
      for (const [k, l] of active.entries()) {
        const { loss, gradNorm } = out[k];
        l.step++;
        if (!Number.isFinite(loss)) { failed.set(l, l.diverged(`the loss is ${loss}`, l.step)); continue; }
        if (!Number.isFinite(gradNorm)) { failed.set(l, l.diverged(`the gradient norm is ${gradNorm} (loss ${loss})`, l.step)); continue; }
        const block = l.progress.curveBlock;
        block.sum += loss;
        block.count++;
        if (block.count === l.c.curveEvery || l.step === l.c.steps) {
          l.progress.lossCurve.push({ step: l.step, loss: block.sum / block.count });
          l.progress.curveBlock = { sum: 0, count: 0 };
        }
        try {
          await l.c.callbacks?.onStep?.({ step: l.step, loss, learningRate: settings[k].learningRate, gradNorm, stop: l.stop });
        } catch (err) {
          failed.set(l, err);
          continue;
        }
        if (l.step % l.c.evalEvery === 0 || l.step === l.c.steps) evalDue.push(l);
      }
      try {
        await runEval(evalDue);
      } catch (err) {
        for (const l of evalDue) failed.set(l, err);
      }
      const done: Lane[] = [];
      for (const l of active) {
        if (failed.has(l)) { done.push(l); continue; }
        if (evalDue.includes(l) && l.c.earlyStopAtPerfect && l.lastEval?.accuracy === 1) {
          l.stopReason = 'perfect';
          done.push(l);
          continue;
        }
        if (evalDue.includes(l) && l.c.plateau && l.step < l.c.steps && plateaued(l.progress.evals.map((e) => e.accuracy), l.c.plateau)) {
          l.stopReason = 'plateau';
          done.push(l);
          continue;
        }
        if (l.checkpointDue()) {
          try {
            await writeCheckpoint(l);
          } catch (err) {
            failed.set(l, err);
            done.push(l);
          }
        }
      }
      if (done.length) await finish(done, failed);
      if (performance.now() - lastYield > 100) { // let timers, signals and progress output run
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  } catch (err) {
    // The run as a whole fails (e.g. the lanes' batches no longer stack): the caller gets no result,
    // so the parameters of lanes that had already finished are freed here.
    disposeResults(results);
    throw err;
  } finally {
    engine.dispose();
  }
  return results;
}

/** Frees the parameters of the fulfilled results (of a run that is rejected as a whole). */
export function disposeResults(results: readonly (PromiseSettledResult<TrainResult> | undefined)[]): void {
  for (const r of results) if (r?.status === 'fulfilled') tf.dispose(Object.values(r.value.params));
}

/** Throws unless `checkpoint` was written for this model, data and numeric settings. */
function checkResumable(checkpoint: Checkpoint, model: SequenceModel, data: DataSource, c: TrainerConfig): void {
  const where = `checkpoint ${c.resumeFrom ?? c.continueFrom}`;
  if (checkpoint.model.kind !== model.kind) throw new Error(`${where} holds a ${checkpoint.model.kind}, not a ${model.kind}`);
  const modelDiff = differingKeys(checkpoint.model.config, model.config);
  if (modelDiff.length) throw new Error(`${where} was written for a different model config (differs in ${modelDiff.join(', ')})`);
  if (data.config && checkpoint.data) {
    const dataDiff = differingKeys(checkpoint.data, data.config);
    if (dataDiff.length) throw new Error(`${where} was written for a different data config (differs in ${dataDiff.join(', ')})`);
  }
  // A continuation may change the stop rules (the plateau stop), nothing that shapes the trajectory.
  const argDiff = NUMERIC_ARGS.filter((k) => !(c.continueFrom !== undefined && k === 'plateau') && stableJson(checkpoint.trainer[k]) !== stableJson(c[k]));
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

/** The trainer arguments as stored in a checkpoint (JSON: no callbacks or signal). */
function storedArgs(c: TrainerConfig): Record<string, unknown> {
  const { callbacks: _callbacks, signal: _signal, engine: _engine, ...rest } = c;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`[expressive-attention] ${message}`);
}
