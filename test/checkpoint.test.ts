/**
 * Checkpoints: contents, exact resume (fresh model, data and variables continue to the same bits as an
 * uninterrupted run), refusal to resume into a different setup, malformed files, and divergence (NaN /
 * infinite loss) leaving the last good checkpoint intact.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import type { ApplyOptions, ModelOutput, ParamMap, SequenceModel } from '../lib/models/model.js';
import { disposeParams } from '../lib/models/params.js';
import { Transformer, type TransformerArgs } from '../lib/models/transformer.js';
import { checkpointOptimizerState, checkpointParams, readCheckpoint } from '../lib/train/checkpoint.js';
import { ToySource } from '../lib/train/data.js';
import { train } from '../lib/train/trainer.js';
import { testBackends, values } from './helpers.js';
import { type TrainerArgs, type TrainResult } from '../lib/train/types.js';

const backends = await testBackends();
const dir = mkdtempSync(join(tmpdir(), 'ea-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const modelArgs: TransformerArgs = { vocabSize: 6, contextLength: 6, width: 8, layers: 1, heads: 2, ffWidth: 16 };
const newData = (): ToySource => new ToySource({ symbols: 4, length: 6, period: 2, batchSize: 4, evalBatches: 1, seed: 1 });
const args: TrainerArgs = { steps: 20, learningRate: 1e-2, warmupSteps: 3, evalEvery: 5, checkpointEvery: 10, curveEvery: 3, seed: 3 };

async function run(model: SequenceModel, extra: TrainerArgs): Promise<{ losses: number[]; weights: number[][]; result: TrainResult }> {
  const losses: number[] = [];
  const result = await train(model, newData(), {
    ...args, ...extra, callbacks: { ...extra.callbacks, onStep: (e) => { losses.push(e.loss); return extra.callbacks?.onStep?.(e); } },
  });
  const weights = model.parameters.map((s) => values(result.params[s.name]));
  disposeParams(result.params);
  return { losses, weights, result };
}

/** Wraps a model; once `poisoned` is set its logits are NaN (a stand-in for a diverging model). */
class Poisonable implements SequenceModel {
  poisoned = false;
  constructor(private readonly inner: SequenceModel) {}
  get kind() { return this.inner.kind; }
  get config() { return this.inner.config; }
  get vocabSize() { return this.inner.vocabSize; }
  get contextLength() { return this.inner.contextLength; }
  get parameters() { return this.inner.parameters; }
  apply(params: ParamMap, tokens: tf.Tensor2D, options?: ApplyOptions): ModelOutput {
    const out = this.inner.apply(params, tokens, options);
    return this.poisoned ? { logits: tf.mul(out.logits, NaN) as tf.Tensor3D } : out;
  }
  dispose(): void { this.inner.dispose(); }
}

for (const backend of backends) {
  test(`20 steps straight = 10 + checkpoint + fresh resume of 10, bit for bit (${backend})`, async () => {
    await initBackend(backend);
    const path = join(dir, `resume-${backend}.json`);
    const straight = await run(new Transformer(modelArgs), {});
    const first = await run(new Transformer(modelArgs), {
      checkpointPath: path, callbacks: { onStep: (e) => { if (e.step === 10) e.stop(); } },
    });
    assert.equal(first.result.stopReason, 'stopped');
    assert.equal(readCheckpoint(path).step, 10);
    // A new model object, new data source, new variables: only the file carries over.
    const second = await run(new Transformer(modelArgs), { checkpointPath: path, resumeFrom: path });
    assert.equal(second.result.resumedFrom, 10);
    assert.deepEqual([...first.losses, ...second.losses], straight.losses, 'losses');
    assert.deepEqual(second.weights, straight.weights, 'final weights');
    assert.deepEqual(second.result.evals, straight.result.evals, 'evaluations');
    assert.deepEqual(second.result.lossCurve, straight.result.lossCurve, 'loss curve');
    assert.equal(second.result.steps, 20);
    assert.equal(readCheckpoint(path).step, 20, 'the final checkpoint');
  });
}

test('a checkpoint holds weights, optimizer state, step, seed, trainer args, model and data config', async () => {
  await initBackend(backends[0]);
  const path = join(dir, 'contents.json');
  const model = new Transformer(modelArgs);
  const saved: number[] = [];
  const { weights, result } = await run(model, { steps: 4, evalEvery: 2, checkpointEvery: 2, checkpointPath: path,
    callbacks: { onCheckpoint: (e) => { saved.push(e.step); assert.equal(e.path, path); } } });
  assert.deepEqual(saved, [2, 4]);
  const c = readCheckpoint(path);
  assert.equal(c.step, 4);
  assert.equal(c.model.kind, 'transformer');
  assert.deepEqual(c.model.config, JSON.parse(JSON.stringify(model.config)));
  assert.deepEqual(c.data, JSON.parse(JSON.stringify(newData().config)));
  assert.deepEqual(c.rng, { seed: 3, nextStep: 4 });
  assert.equal(c.trainer.learningRate, 1e-2);
  assert.equal(c.trainer.steps, 4);
  assert.equal(c.optimizer.step, 4);
  assert.equal(c.backend, backends[0]);
  assert.deepEqual(c.progress.evals, result.evals);
  const params = checkpointParams(model, c);
  assert.deepEqual(model.parameters.map((s) => values(params[s.name])), weights);
  disposeParams(params);
  const state = checkpointOptimizerState(model, c);
  assert.ok(Object.values(state.v).some((v) => v.some((x) => x > 0)), 'second moments are stored');
});

test('resuming into a different setup, or from a damaged file, is refused with a clear message', async () => {
  await initBackend(backends[0]);
  const path = join(dir, 'mismatch.json');
  const model = new Transformer(modelArgs);
  await run(model, { steps: 4, checkpointPath: path });
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['learningRate', () => run(model, { steps: 4, learningRate: 2e-2, resumeFrom: path }),
      /written with different trainer arguments: learningRate 0\.01 \(now 0\.02\)/],
    ['steps', () => run(model, { steps: 8, resumeFrom: path }), /different trainer arguments: steps 4 \(now 8\)/],
    ['model width', () => run(new Transformer({ ...modelArgs, width: 16 }), { steps: 4, resumeFrom: path }),
      /different model config \(differs in .*width/],
    ['data seed', () => train(model, new ToySource({ symbols: 4, length: 6, period: 2, batchSize: 4, evalBatches: 1, seed: 2 }),
      { ...args, steps: 4, resumeFrom: path }), /different data config \(differs in seed\)/],
    ['missing file', () => run(model, { steps: 4, resumeFrom: join(dir, 'nope.json') }), /nope\.json: cannot read it/],
  ];
  const truncated = join(dir, 'truncated.json');
  writeFileSync(truncated, readFileSync(path, 'utf8').slice(0, 500));
  cases.push(['truncated', () => run(model, { steps: 4, resumeFrom: truncated }), /truncated\.json: not valid JSON, perhaps truncated/]);
  const other = join(dir, 'other.json');
  writeFileSync(other, JSON.stringify({ format: 'expressive-attention/params@1' }));
  cases.push(['not a checkpoint', () => run(model, { steps: 4, resumeFrom: other }), /other\.json: not a checkpoint \(format 'expressive-attention\/params@1'/]);
  const before = tf.memory().numTensors;
  for (const [what, f, message] of cases) await assert.rejects(f, message, what);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by refused resumes');
});

for (const backend of backends) {
  test(`a NaN loss stops the run naming the step and the last good checkpoint, which stays intact (${backend})`, async () => {
    await initBackend(backend);
    const path = join(dir, `nan-${backend}.json`);
    const model = new Poisonable(new Transformer(modelArgs));
    let bytes: Buffer | undefined;
    const before = tf.memory().numTensors;
    await assert.rejects(
      run(model, {
        checkpointPath: path, checkpointEvery: 5,
        callbacks: {
          onStep: (e) => { if (e.step === 6) model.poisoned = true; }, // step 7's loss is NaN
          onCheckpoint: () => { bytes = readFileSync(path); },
        },
      }),
      (err: Error) => {
        assert.match(err.message, /the loss is NaN at step 7/);
        assert.ok(err.message.includes(`last good checkpoint is ${path} (step 5)`), err.message);
        return true;
      });
    assert.ok(bytes, 'a checkpoint was written before the NaN');
    assert.deepEqual(readFileSync(path), bytes, 'the last good checkpoint changed');
    assert.equal(readCheckpoint(path).step, 5);
    model.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked by the failed run');
  });
}

test('a diverging run (huge learning rate) without checkpoints says there is none', async () => {
  await initBackend(backends[0]);
  await assert.rejects(run(new Transformer(modelArgs), { learningRate: 1e30, warmupSteps: 0, clipNorm: 0 }),
    /training diverged: the (loss|gradient norm) is (NaN|-?Infinity).* at step \d+\. There is no checkpoint to go back to/);
});
