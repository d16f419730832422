/**
 * The trainer: schedule, clipping, determinism, leaks, learning the toy task, early stop, stopping,
 * loss curve, and clear errors for bad arguments and bad data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import type { ModelOutput, ParamMap, ParamSpec, SequenceModel } from '../lib/models/model.js';
import { disposeParams } from '../lib/models/params.js';
import { Transformer } from '../lib/models/transformer.js';
import { ToySource, type BatchData, type DataSource } from '../lib/train/data.js';
import { learningRateAt, type ScheduleArgs } from '../lib/train/schedule.js';
import { clipByGlobalNorm, train } from '../lib/train/trainer.js';
import { assertClose, testBackends, values } from './helpers.js';
import { type StepEvent, type TrainerArgs } from '../lib/train/types.js';

const backends = await testBackends();

/** The tiny setup the fast tests share: a 1-layer width-8 transformer on a 4-symbol toy of length 6. */
function tiny(seed = 0): { model: Transformer; data: ToySource } {
  const data = new ToySource({ symbols: 4, length: 6, period: 2, batchSize: 4, evalBatches: 1, seed });
  const model = new Transformer({ vocabSize: data.vocabSize, contextLength: 6, width: 8, layers: 1, heads: 2, ffWidth: 16 });
  return { model, data };
}

/** A bigram model (logits = one_hot(x)·W): learns the 'increment' toy to 100 % in a few steps. */
class Bigram implements SequenceModel {
  readonly kind = 'mlp' as const;
  readonly config: Record<string, unknown>;
  readonly contextLength = 64;
  readonly parameters: ParamSpec[];
  constructor(readonly vocabSize: number) {
    this.config = { bigram: vocabSize };
    this.parameters = [{ name: 'table', shape: [vocabSize, vocabSize], init: { kind: 'normal', std: 0.1 }, decay: false }];
  }
  apply(params: ParamMap, tokens: tf.Tensor2D): ModelOutput {
    const [B, T] = tokens.shape;
    const oneHot = tf.cast(tf.oneHot(tf.reshape(tokens, [-1]) as tf.Tensor1D, this.vocabSize), 'float32'); // [B·T, V]
    return { logits: tf.reshape(tf.matMul(oneHot, params.table), [B, T, this.vocabSize]) as tf.Tensor3D }; // [B, T, V]
  }
  dispose(): void {}
}

async function run(model: SequenceModel, data: DataSource, args: TrainerArgs): Promise<{ losses: number[]; weights: number[][]; result: Awaited<ReturnType<typeof train>> }> {
  const losses: number[] = [];
  const result = await train(model, data, { ...args, callbacks: { onStep: (e) => { losses.push(e.loss); } } });
  const weights = model.parameters.map((s) => values(result.params[s.name]));
  disposeParams(result.params);
  return { losses, weights, result };
}

test('schedule: warm-up, cosine / linear / constant decay, floor', () => {
  const base: ScheduleArgs = { learningRate: 1, totalSteps: 10, warmupSteps: 2, minLearningRate: 0.1 };
  const cases: [ScheduleArgs, number, number][] = [
    [base, 0, 0.5], [base, 1, 1], [base, 2, 1], // warm-up (i + 1)/W, then the peak
    [base, 6, 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5))], // cosine half-way
    [{ ...base, decay: 'linear' }, 6, 1 - 0.9 * 0.5],
    [{ ...base, decay: 'constant' }, 9, 1],
    [base, 10, 0.1], [base, 50, 0.1], // past the end: the floor
    [{ learningRate: 2, totalSteps: 4 }, 0, 2], // defaults: no warm-up, cosine to 0
    [{ learningRate: 2, totalSteps: 4 }, 2, 1],
  ];
  for (const [args, step, expected] of cases) {
    assertClose([learningRateAt(step, args)], [expected], `lr(${step}) of ${JSON.stringify(args)}`, 1e-12, 1e-15);
  }
  const bad: [ScheduleArgs, RegExp][] = [
    [{ ...base, learningRate: 0 }, /learningRate must be a positive finite number/],
    [{ ...base, totalSteps: 0 }, /steps must be a positive integer/],
    [{ ...base, warmupSteps: 11 }, /warmupSteps must be an integer in 0\.\.steps \(10\); got 11/],
    [{ ...base, decay: 'exp' as 'linear' }, /decay must be one of cosine, linear, constant; got "exp"/],
    [{ ...base, minLearningRate: 2 }, /minLearningRate must be in \[0, learningRate \(1\)\]/],
  ];
  for (const [args, message] of bad) assert.throws(() => learningRateAt(0, args), message);
});

test('clipByGlobalNorm scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)), as PyTorch', () => {
  tf.tidy(() => {
    const grads = { a: tf.tensor([3, 0]), b: tf.tensor([[0], [4]]) }; // ‖g‖ = 5
    const clipped = clipByGlobalNorm(grads, 1);
    assertClose(values(clipped.norm), [5], 'norm');
    const k = 1 / (5 + 1e-6);
    assertClose(values(clipped.grads.a), [3 * k, 0], 'a', 1e-6);
    assertClose(values(clipped.grads.b), [0, 4 * k], 'b', 1e-6);
    assert.deepEqual(values(clipByGlobalNorm(grads, 10).grads.a), [3, 0], 'below the limit: unchanged');
    assert.equal(clipByGlobalNorm(grads, 0).grads, grads, 'maxNorm 0: off');
  });
});

for (const backend of backends) {
  test(`same config + seed ⇒ bit-identical losses and weights; a different seed differs (${backend})`, async () => {
    await initBackend(backend);
    const args: TrainerArgs = { steps: 8, learningRate: 1e-2, warmupSteps: 2, evalEvery: 4, seed: 5 };
    const a = await run(tiny().model, tiny().data, args);
    const b = await run(tiny().model, tiny().data, args);
    assert.equal(a.losses.length, 8);
    assert.deepEqual(b.losses, a.losses);
    assert.deepEqual(b.weights, a.weights);
    assert.deepEqual(b.result.evals, a.result.evals);
    const c = await run(tiny().model, tiny().data, { ...args, seed: 6 });
    assert.notDeepEqual(c.losses, a.losses);
  });

  test(`no tensor leak across 50 training steps with evals and checkpoints (${backend})`, async () => {
    await initBackend(backend);
    const { model, data } = tiny();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'ea-trainer-'));
    const result = await train(model, data, {
      steps: 51, learningRate: 1e-2, evalEvery: 10, checkpointPath: join(dir, 'c.json'), checkpointEvery: 25,
      callbacks: { onStep: () => { counts.push(tf.memory().numTensors); } },
    });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(counts.length, 51);
    assert.deepEqual(counts.slice(1), Array(50).fill(counts[0]), 'numTensors changed during training');
    disposeParams(result.params);
    model.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors left after disposing params and model');
  });

  test(`earlyStopAtPerfect stops at the first perfect eval; false runs every step; per-label accuracy (${backend})`, async () => {
    await initBackend(backend);
    const data = new ToySource({ symbols: 5, length: 6, tasks: ['increment'], batchSize: 8, evalBatches: 2 });
    const args: TrainerArgs = { steps: 60, learningRate: 0.1, warmupSteps: 0, evalEvery: 5, decay: 'constant' };
    const early = await run(new Bigram(data.vocabSize), data, args);
    assert.equal(early.result.stopReason, 'perfect');
    assert.ok(early.result.steps < 60 && early.result.steps % 5 === 0, `stopped at ${early.result.steps}`);
    assert.equal(early.losses.length, early.result.steps);
    assert.equal(early.result.finalAccuracy, 1);
    assert.deepEqual(early.result.perLabel, { increment: 1 }, 'only the label that occurs is reported');
    assert.ok(early.result.evals.slice(0, -1).every((e) => e.accuracy < 1), 'an earlier eval was already perfect');
    const full = await run(new Bigram(data.vocabSize), data, { ...args, earlyStopAtPerfect: false });
    assert.equal(full.result.stopReason, 'steps');
    assert.equal(full.result.steps, 60);
    assert.deepEqual(full.losses.slice(0, early.losses.length), early.losses);
  });

  test(`stop() from a callback and an AbortSignal end the run with reason 'stopped' (${backend})`, async () => {
    await initBackend(backend);
    const { model, data } = tiny();
    const stopped = await train(model, data, {
      steps: 20, evalEvery: 10, callbacks: { onStep: (e: StepEvent) => { if (e.step === 3) e.stop(); } },
    });
    assert.equal(stopped.stopReason, 'stopped');
    assert.equal(stopped.steps, 3);
    assert.deepEqual(stopped.evals.map((e) => e.step), [3], 'a final eval at the stop');
    disposeParams(stopped.params);
    const controller = new AbortController();
    const aborted = await train(model, data, {
      steps: 20, signal: controller.signal, callbacks: { onStep: (e) => { if (e.step === 2) controller.abort(); } },
    });
    assert.equal(aborted.stopReason, 'stopped');
    assert.equal(aborted.steps, 2);
    disposeParams(aborted.params);
  });
}

test('the loss curve averages blocks of curveEvery steps; results carry evals and wall time', async () => {
  await initBackend(backends[0]);
  const { model, data } = tiny();
  const r = await run(model, data, { steps: 10, curveEvery: 4, evalEvery: 5, learningRate: 1e-2 });
  const mean = (a: number[]): number => a.reduce((s, x) => s + x, 0) / a.length;
  assert.deepEqual(r.result.lossCurve.map((p) => p.step), [4, 8, 10]);
  assertClose(r.result.lossCurve.map((p) => p.loss), [mean(r.losses.slice(0, 4)), mean(r.losses.slice(4, 8)), mean(r.losses.slice(8))], 'curve', 1e-12);
  assert.deepEqual(r.result.evals.map((e) => e.step), [5, 10]);
  assert.equal(r.result.stopReason, 'steps');
  assert.ok(r.result.wallTimeMs > 0);
  assert.deepEqual(Object.keys(r.result.perLabel).sort(), ['increment', 'repeat']);
});

test('learning: a tiny transformer reaches 100 % on the toy task and stops early (tensorflow, else wasm)', async (t) => {
  const backend = backends.includes('tensorflow') ? 'tensorflow' : backends.includes('wasm') ? 'wasm' : undefined;
  if (!backend) return t.skip('needs the tensorflow or wasm backend');
  await initBackend(backend);
  const data = new ToySource({ symbols: 8, length: 8, period: 2, batchSize: 16 });
  const model = new Transformer({ vocabSize: data.vocabSize, contextLength: 8, width: 16, layers: 2, heads: 2 });
  const evals: number[] = [];
  const result = await train(model, data, {
    steps: 600, learningRate: 3e-3, warmupSteps: 20, evalEvery: 25, callbacks: { onEval: (e) => { evals.push(e.accuracy); } },
  });
  disposeParams(result.params);
  model.dispose();
  assert.equal(result.stopReason, 'perfect', `best accuracy ${result.bestAccuracy} after ${result.steps} steps`);
  assert.ok(result.steps <= 300, `took ${result.steps} steps`);
  assert.deepEqual(result.perLabel, { repeat: 1, increment: 1 });
  assert.ok(evals[0] < 0.9, `the task is not trivial: first eval ${evals[0]}`);
  assert.equal(result.bestStep, result.steps);
});

test('bad arguments and bad data give errors naming the parameter, leaking nothing', async () => {
  await initBackend(backends[0]);
  const { model, data } = tiny();
  const batchWith = (change: (b: BatchData) => BatchData): DataSource => ({
    vocabSize: data.vocabSize, contextLength: data.contextLength, labelNames: data.labelNames,
    trainBatch: (s) => change(data.trainBatch(s)), evalBatches: () => data.evalBatches(),
  });
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['steps 0', () => train(model, data, { steps: 0 }), /steps must be a positive integer; got 0/],
    ['steps -3', () => train(model, data, { steps: -3 }), /steps must be a positive integer/],
    ['steps 2.5', () => train(model, data, { steps: 2.5 }), /steps must be a positive integer/],
    ['learningRate 0', () => train(model, data, { learningRate: 0 }), /learningRate must be a positive finite number; got 0/],
    ['learningRate -1', () => train(model, data, { learningRate: -1 }), /learningRate must be a positive/],
    ['warmupSteps > steps', () => train(model, data, { steps: 5, warmupSteps: 6 }), /warmupSteps must be an integer in 0\.\.steps \(5\); got 6/],
    ['decay', () => train(model, data, { decay: 'step' as 'linear' }), /decay must be one of cosine, linear, constant/],
    ['minLearningRate', () => train(model, data, { learningRate: 1e-3, minLearningRate: 1e-2 }), /minLearningRate must be in/],
    ['clipNorm', () => train(model, data, { clipNorm: -1 }), /clipNorm must be a finite number ≥ 0/],
    ['evalEvery', () => train(model, data, { evalEvery: 0 }), /evalEvery must be a positive integer/],
    ['beta2', () => train(model, data, { beta2: 1 }), /beta2 must be in \[0, 1\)/],
    ['seed', () => train(model, data, { seed: 0.5 }), /seed must be an integer/],
    ['plateau.window', () => train(model, data, { plateau: { window: 0 } }), /plateau\.window must be a positive integer/],
    ['plateau.minDelta', () => train(model, data, { plateau: { minDelta: 2 } }), /plateau\.minDelta must be a number in \[0, 1\)/],
    ['checkpointEveryMs', () => train(model, data, { checkpointEveryMs: -5 }), /checkpointEveryMs must be a finite number of milliseconds ≥ 0 \(0 = never by time\); got -5/],
    ['vocab mismatch', () => train(new Transformer({ vocabSize: 9, contextLength: 6, width: 8, layers: 1 }), data, { steps: 1 }),
      /data.vocabSize \(6\) does not match the model's vocabSize \(9\)/],
    ['context too long', () => train(new Transformer({ vocabSize: 6, contextLength: 4, width: 8, layers: 1 }), data, { steps: 1 }),
      /data.contextLength \(6\) exceeds the model's contextLength \(4\)/],
    ['token outside vocab', () => train(model, batchWith((b) => ({ ...b, inputs: b.inputs.map((x, i) => (i === 7 ? 6 : x)) })), { steps: 1 }),
      /trainBatch\(0\): inputs\[1, 1\] = 6 is outside the vocabulary 0\.\.5/],
    ['short targets', () => train(model, batchWith((b) => ({ ...b, targets: b.targets.subarray(1) })), { steps: 1 }),
      /trainBatch\(0\): targets must hold batchSize·length = 24 values; got 23/],
    ['length > context', () => train(model, batchWith((b) => ({ ...b, length: 12, batchSize: 2 })), { steps: 1 }),
      /trainBatch\(0\): length must be an integer in 1\.\.6/],
    ['nothing scored', () => train(model, batchWith((b) => ({ ...b, scored: new Uint8Array(b.scored.length) })), { steps: 1 }),
      /trainBatch\(0\): no scored position/],
    ['no eval batches', () => train(model, { ...batchWith((b) => b), evalBatches: () => [] }, { steps: 1 }), /evalBatches\(\) returned no batch/],
  ];
  const before = tf.memory().numTensors;
  for (const [what, f, message] of cases) await assert.rejects(f, message, what);
  model.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by failed runs');
});
