/**
 * The COG toys: signed combination (worked example, answer tokens, scored mask), delete-repeated
 * (worked example, every row's answer), the collapse training family, the probe pairs, the sensitivity
 * metric against an exactly solvable "uniform average" model, the models' `returnHidden` state, no
 * tensor leaks, clear errors, and short training runs (Cog solves delete-repeated in one head).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { LSTM } from '../lib/models/lstm.js';
import { MLP } from '../lib/models/mlp.js';
import type { ModelOutput, ParamMap, SequenceModel } from '../lib/models/model.js';
import { disposeParams, initParams } from '../lib/models/params.js';
import { Transformer } from '../lib/models/transformer.js';
import {
  CollapseTask, chunkedMaxDifference, probePairs, sensitivity, type CollapseArgs, type SensitivityArgs,
} from '../lib/tasks/collapse.js';
import { DeleteRepeatedTask, deleteRepeatedRow, type DeleteRepeatedArgs } from '../lib/tasks/delete-repeated.js';
import { SignedCombinationTask, type SignedCombinationArgs } from '../lib/tasks/signed-combination.js';
import { assertClose, testBackends, values } from './helpers.js';
import { trainSanity } from './tasks-helpers.js';

const backends = await testBackends();

test('signed combination: worked example, answer tokens, scored positions', () => {
  const task = new SignedCombinationTask({ N: 4, a: 1, b: 2, contextLength: 5 });
  assert.equal(task.vocabSize, 11);
  assert.deepEqual(task.targetsOf([3, 1, 0, 2, 2]), [-1, -1, 5, 6, 9]);
  assert.deepEqual([5, 6, 9].map((id) => task.tokenName(id)), ['=-2', '=-1', '=2']);
  const sum = new SignedCombinationTask({ N: 4, combine: 'sum', contextLength: 5 });
  assert.deepEqual(sum.targetsOf([3, 1, 0, 2, 2]), [-1, -1, 4 + 4, 4 + 1, 4 + 2]);
  const mod = new SignedCombinationTask({ N: 4, modular: true, a: 3, b: 1, contextLength: 5 });
  assert.equal(mod.vocabSize, 4);
  assert.deepEqual(mod.targetsOf([3, 1, 0, 2, 2]), [-1, -1, -1, (3 - 0 + 4) % 4, (1 - 2 + 4) % 4]);
  // Every generated row: target = x_{t−a} − x_{t−b} as an answer token, scored from t = max(a, b) on.
  const big = new SignedCombinationTask({ N: 8, a: 3, b: 1, contextLength: 10, batchSize: 16 });
  const T = 10;
  const b = big.trainBatch(2);
  for (let r = 0; r < 16; r++) {
    const x = b.inputs.subarray(r * T, (r + 1) * T);
    for (let t = 0; t < T; t++) {
      assert.equal(b.scored[r * T + t], t >= 3 ? 1 : 0);
      if (t >= 3) assert.equal(big.tokenName(b.targets[r * T + t]), `=${x[t - 3] - x[t - 1]}`);
    }
    assert.ok(x.every((v) => v < 8), 'inputs are numbers only');
  }
  assert.deepEqual(big.example().targets?.slice(0, 4).map((s) => s === ''), [true, true, true, false]);
});

test('delete-repeated: worked example, layout, every answer is the element left out', () => {
  assert.deepEqual(deleteRepeatedRow(8, [5, 2, 7], 1, [1, 0]), { inputs: [5, 2, 7, 8, 7, 5, 9], target: 2 });
  const task = new DeleteRepeatedTask({ N: 8, setSize: 3, batchSize: 32 });
  assert.equal(task.vocabSize, 10);
  assert.equal(task.contextLength, 7);
  const b = task.trainBatch(1);
  const answers = new Set<number>();
  for (let r = 0; r < 32; r++) {
    const x = [...b.inputs.subarray(r * 7, (r + 1) * 7)];
    const first = x.slice(0, 3);
    const second = x.slice(4, 6);
    assert.equal(new Set(first).size, 3, 'the set has distinct elements');
    assert.deepEqual([x[3], x[6]], [8, 9], 'separator and query');
    const left = first.filter((v) => !second.includes(v));
    assert.equal(left.length, 1, 'the second half repeats all but one');
    assert.deepEqual([...b.scored.subarray(r * 7, (r + 1) * 7)], [0, 0, 0, 0, 0, 0, 1]);
    assert.equal(b.targets[r * 7 + 6], left[0]);
    answers.add(first.indexOf(left[0]));
  }
  assert.equal(answers.size, 3, 'the element left out is at every position of the set');
  assert.equal(task.example().targets?.[6], task.example().tokens.slice(0, 3).find((v) => !task.example().tokens.slice(4, 6).includes(v)));
});

test('collapse family: worked examples, scored everywhere, both families in the data', () => {
  const count = new CollapseTask({ contextLength: 4 });
  assert.equal(count.vocabSize, 7);
  assert.deepEqual(count.targetsOf([1, 0, 1, 1]), [3, 3, 4, 5]);
  assert.deepEqual(count.targetsOf([1, 0, 1, 1]).map((id) => count.tokenName(id)), ['#1', '#1', '#2', '#3']);
  const zero = new CollapseTask({ family: 'find-zero', contextLength: 4 });
  assert.equal(zero.vocabSize, 4);
  assert.deepEqual(zero.targetsOf([1, 1, 0, 1]).map((id) => zero.tokenName(id)), ['no', 'no', 'yes', 'yes']);
  const T = 16;
  const rows = new CollapseTask({ family: 'find-zero', contextLength: T, batchSize: 200 }).trainBatch(0);
  let withZero = 0;
  for (let r = 0; r < 200; r++) {
    const x = rows.inputs.subarray(r * T, (r + 1) * T);
    const zeros = x.filter((v) => v === 0).length;
    assert.ok(zeros <= 1);
    withZero += zeros;
  }
  assert.ok(withZero > 70 && withZero < 130, `about half the rows hold a zero (${withZero} of 200)`);
  assert.ok(rows.scored.every((s) => s === 1));
});

test('probe pairs of the paper (count-ones, find-zero) and ours (flip-any)', () => {
  assert.deepEqual(probePairs('count-ones', 3, { prefix: [7] }), [[[7, 1, 1, 1, 1], [7, 1, 1, 1]]]);
  assert.deepEqual(probePairs('find-zero', 3, { one: 5, zero: 4 }), [[[4, 5, 5, 5], [5, 5, 5, 5]]]);
  assert.deepEqual(probePairs('flip-any', 2), [[[1, 1], [0, 1]], [[1, 1], [1, 0]]]);
  assert.equal(chunkedMaxDifference([1, 0, 0, 3], [0, 0, 0, 0], 1), 3);
  assert.equal(chunkedMaxDifference([1, 0, 0, 3], [0, 0, 0, 0], 2), 2);
  assert.throws(() => chunkedMaxDifference([1, 2, 3], [1, 2, 3], 2), /chunks \(2\) must divide the state size \(3\)/);
});

/** A "model" whose state at t is the uniform average of one_hot(x_0..x_t): softmax with equal scores. */
class UniformAverage implements SequenceModel {
  readonly kind = 'mlp' as const;
  readonly config = {};
  readonly parameters = [];
  constructor(readonly vocabSize: number, readonly contextLength: number) {}
  apply(_params: ParamMap, tokens: tf.Tensor2D, options: { returnHidden?: boolean } = {}): ModelOutput {
    const T = tokens.shape[1];
    const oneHot = tf.cast(tf.oneHot(tokens, this.vocabSize), 'float32'); // [B, T, V]
    const counts = tf.reshape(tf.range(1, T + 1), [1, T, 1]); // [1, T, 1]
    const hidden = tf.div(tf.cumsum(oneHot, 1), counts) as tf.Tensor3D; // [B, T, V]
    return options.returnHidden ? { logits: hidden, hidden } : { logits: hidden };
  }
  dispose(): void {}
}

test('sensitivity: the uniform average collapses exactly as 1/(n+1), and is blind to counting', async () => {
  for (const backend of backends) {
    await initBackend(backend);
    const model = new UniformAverage(3, 64);
    const before = tf.memory().numTensors;
    const lengths = [3, 7, 15, 31];
    const zero = sensitivity(model, {}, { family: 'find-zero', lengths });
    // last states: (e0 + n·e1)/(n+1) vs e1 → |d| = 1/(n+1) in two coordinates
    assertClose(zero.values, lengths.map((n) => 1 / (n + 1)), `${backend}: find-zero`, 1e-5);
    assertClose(zero.relative, lengths.map((n) => 4 / (n + 1)), `${backend}: find-zero relative`, 1e-5);
    const flip = sensitivity(model, {}, { family: 'flip-any', lengths, positions: 4 });
    assertClose(flip.values, lengths.map((n) => 1 / n), `${backend}: flip-any`, 1e-5);
    const ones = sensitivity(model, {}, { family: 'count-ones', lengths, representation: 'logits' });
    assertClose(ones.values, [0, 0, 0, 0], `${backend}: count-ones (an average of ones is e1 at any length)`);
    const prefixed = sensitivity(model, {}, { family: 'find-zero', lengths: [4], prefix: [2, 2] });
    assertClose(prefixed.values, [1 / 7], `${backend}: with a prefix of 2 tokens`, 1e-5);
    assert.equal(tf.memory().numTensors, before, `${backend}: no tensor left behind`);
  }
});

test('returnHidden: the state the head reads, for transformer, LSTM and MLP; sensitivity on real models', async () => {
  for (const backend of backends) {
    await initBackend(backend);
    const models: SequenceModel[] = [
      new Transformer({ vocabSize: 5, contextLength: 12, width: 8, layers: 1, heads: 2, ffWidth: 8, attention: 'cog' }),
      new LSTM({ vocabSize: 5, contextLength: 12, hiddenSize: 6 }),
      new MLP({ vocabSize: 5, contextLength: 12, hiddenSizes: [7, 6] }),
    ];
    for (const model of models) {
      const before = tf.memory().numTensors;
      const params = initParams(model, 3);
      tf.tidy(() => {
        const tokens = tf.tensor2d([[1, 0, 1, 1, 4], [2, 2, 3, 0, 1]], undefined, 'int32');
        const plain = model.apply(params, tokens);
        const out = model.apply(params, tokens, { returnHidden: true });
        assert.equal(plain.hidden, undefined, 'no hidden state unless asked');
        const hidden = out.hidden as tf.Tensor3D;
        const d = model.kind === 'transformer' ? 8 : 6;
        assert.deepEqual(hidden.shape, [2, 5, d]);
        const head = tf.add(tf.matMul(tf.reshape(hidden, [10, d]), params['head.weight']), params['head.bias']); // [10, V]
        assertClose(values(out.logits), values(head), `${backend} ${model.kind}: logits = head(hidden)`, 1e-4, 1e-5);
        assertClose(values(out.logits), values(plain.logits), `${backend} ${model.kind}: same logits`, 0, 0);
      });
      const args: SensitivityArgs = { family: 'find-zero', lengths: [2, 5, 10] };
      const r = sensitivity(model, params, args);
      assert.ok(r.values.every((v) => Number.isFinite(v) && v > 0), `${model.kind}: ${r.values}`);
      assert.deepEqual(sensitivity(model, params, args).values, r.values, 'deterministic');
      assert.equal(r.relative[0], 1);
      disposeParams(params);
      model.dispose(); // frees the transformer's cached causal masks
      assert.equal(tf.memory().numTensors, before, `${backend} ${model.kind}: no tensor left behind`);
    }
  }
});

test('impossible parameters: clear errors naming the parameter', () => {
  const signed: [SignedCombinationArgs, RegExp][] = [
    [{ N: 1 }, /N must be an integer ≥ 2; got 1/],
    [{ a: 2, b: 2 }, /b must differ from a \(2\)/],
    [{ b: 0 }, /b must be an integer ≥ 1; got 0/],
    [{ combine: 'product' as 'sum' }, /combine must be one of 'difference', 'sum'; got "product"/],
    [{ a: 1, b: 6, contextLength: 6 }, /contextLength must be an integer ≥ 7 \(positions before max\(a, b\) = 6 have no target\)/],
  ];
  for (const [args, message] of signed) assert.throws(() => new SignedCombinationTask(args), message, JSON.stringify(args));
  const del: [DeleteRepeatedArgs, RegExp][] = [
    [{ setSize: 1 }, /setSize must be an integer ≥ 2; got 1/],
    [{ N: 3, setSize: 4 }, /N must be an integer ≥ 4 \(the set needs setSize = 4 distinct tokens\); got 3/],
    [{ setSize: 3, contextLength: 8 }, /contextLength is fixed by setSize \(2·3 \+ 1 = 7\); got 8/],
  ];
  for (const [args, message] of del) assert.throws(() => new DeleteRepeatedTask(args), message, JSON.stringify(args));
  const col: [CollapseArgs, RegExp][] = [
    [{ family: 'count-zeros' as 'find-zero' }, /family must be one of 'count-ones', 'find-zero'; got "count-zeros"/],
    [{ contextLength: 0 }, /contextLength must be an integer ≥ 1; got 0/],
  ];
  for (const [args, message] of col) assert.throws(() => new CollapseTask(args), message, JSON.stringify(args));
  const model = new UniformAverage(3, 8);
  const probe: [SensitivityArgs, RegExp][] = [
    [{ family: 'find-one' as 'find-zero', lengths: [2] }, /family must be one of 'count-ones', 'find-zero', 'flip-any'/],
    [{ family: 'find-zero', lengths: [] }, /lengths must be a non-empty array of positive integers/],
    [{ family: 'find-zero', lengths: [4, 0] }, /lengths\[1\] must be an integer ≥ 1; got 0/],
    [{ family: 'find-zero', lengths: [8] }, /the longest probe \(9 tokens: prefix 0 \+ n 8 \+ 1\) exceeds the model's contextLength 8/],
    [{ family: 'find-zero', lengths: [2], one: 3 }, /one must be an integer in 0\.\.2 \(a token of the model's vocabulary\); got 3/],
    [{ family: 'find-zero', lengths: [2], chunks: 0 }, /chunks must be an integer ≥ 1; got 0/],
  ];
  for (const [args, message] of probe) assert.throws(() => sensitivity(model, {}, args), message, JSON.stringify(args));
});

test('training sanity (tensorflow): one Cog head deletes the repeats; sum and counting are learned', async (t) => {
  await t.test('delete-repeated, 1 layer, 1 Cog head', async (t) => {
    const task = new DeleteRepeatedTask({ N: 8, setSize: 3, batchSize: 32, evalSize: 256 });
    await trainSanity(t, task, { steps: 300, model: { heads: 1, attention: 'cog' } }, (r) => {
      assert.ok(r.bestAccuracy > 0.8, `accuracy ${r.bestAccuracy} (1/3 for "one of the set")`);
    });
  });
  await t.test('signed combination (sum control), N = 4', async (t) => {
    const task = new SignedCombinationTask({ N: 4, combine: 'sum', contextLength: 8, batchSize: 32, evalSize: 256 });
    await trainSanity(t, task, { steps: 300 }, (r) => {
      assert.ok(r.bestAccuracy > 0.6, `accuracy ${r.bestAccuracy} (the most frequent sum: 0.25)`);
    });
  });
  await t.test('collapse count-ones, T = 8', async (t) => {
    const task = new CollapseTask({ contextLength: 8, batchSize: 32, evalSize: 256 });
    await trainSanity(t, task, { steps: 300 }, (r) => {
      assert.ok(r.bestAccuracy > 0.6, `accuracy ${r.bestAccuracy}`);
    });
  });
});
