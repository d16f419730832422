/** Masked cross-entropy and accuracy: hand-computed values, masking, gradients, errors, leaks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { Rng } from '../lib/util/rng.js';
import { AccuracyTally, maskedAccuracy, maskedCrossEntropy, tokenCrossEntropy } from '../lib/train/loss.js';
import { assertClose, testBackends, values } from './helpers.js';

const backends = await testBackends();
const [B, T, V] = [2, 3, 4];

function example(seed: number): { logits: number[]; targets: number[]; mask: number[] } {
  const rng = new Rng(seed);
  return {
    logits: Array.from({ length: B * T * V }, () => 3 * rng.normal()),
    targets: Array.from({ length: B * T }, () => rng.int(V)),
    mask: [1, 0, 1, 1, 1, 0],
  };
}

/** The reference in float64: mean over mask of logsumexp(row) − row[target]. */
function referenceLoss(logits: number[], targets: number[], mask: number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < B * T; i++) {
    if (!mask[i]) continue;
    const row = logits.slice(i * V, (i + 1) * V);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    sum += lse - row[targets[i]];
    n++;
  }
  return sum / n;
}

function tensors(e: ReturnType<typeof example>): [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D] {
  return [tf.tensor3d(e.logits, [B, T, V]), tf.tensor2d(e.targets, [B, T], 'int32'), tf.tensor2d(e.mask, [B, T])];
}

for (const backend of backends) {
  test(`maskedCrossEntropy equals the float64 reference, with or without scoredCount (${backend})`, async () => {
    await initBackend(backend);
    const e = example(1);
    const before = tf.memory().numTensors;
    const [logits, targets, mask] = tensors(e);
    const expected = referenceLoss(e.logits, e.targets, e.mask);
    const a = maskedCrossEntropy(logits, targets, mask);
    const b = maskedCrossEntropy(logits, targets, mask, 4);
    assertClose(values(a), [expected], 'loss', 1e-6);
    assert.deepEqual(values(b), values(a));
    tf.dispose([logits, targets, mask, a, b]);
    assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  });

  test(`unscored positions change neither the loss nor get any gradient (${backend})`, async () => {
    await initBackend(backend);
    const e = example(2);
    const changed = { ...e, logits: e.logits.map((x, i) => (e.mask[Math.floor(i / V)] ? x : x + 100 * Math.sin(i))) };
    const [l1, t, m] = tensors(e);
    const [l2] = tensors(changed);
    assert.deepEqual(values(maskedCrossEntropy(l1, t, m)), values(maskedCrossEntropy(l2, t, m)));
    // d loss / d logits = (softmax − onehot) · mask / Σmask
    const grad = tf.grad((x: tf.Tensor) => maskedCrossEntropy(x as tf.Tensor3D, t, m))(l1);
    const g = values(grad);
    const expected: number[] = [];
    for (let i = 0; i < B * T; i++) {
      const row = e.logits.slice(i * V, (i + 1) * V);
      const z = row.reduce((s, x) => s + Math.exp(x), 0);
      for (let v = 0; v < V; v++) expected.push(e.mask[i] ? (Math.exp(row[v]) / z - (v === e.targets[i] ? 1 : 0)) / 4 : 0);
    }
    assertClose(g, expected, 'gradient', 1e-5, 1e-7);
    for (let i = 0; i < B * T; i++) {
      if (!e.mask[i]) assert.ok(g.slice(i * V, (i + 1) * V).every((x) => x === 0), `gradient at unscored position ${i} must be exactly 0`);
    }
    tf.dispose([l1, l2, t, m, grad]);
  });

  test(`tokenCrossEntropy gives −log p per position (${backend})`, async () => {
    await initBackend(backend);
    const logits = tf.tensor3d([[[0, 0], [Math.log(3), 0]]]); // p = [½, ½], [¾, ¼]
    const targets = tf.tensor2d([[1, 1]], [1, 2], 'int32');
    const nll = tokenCrossEntropy(logits, targets);
    assertClose(values(nll), [Math.log(2), Math.log(4)], 'nll', 1e-6);
    tf.dispose([logits, targets, nll]);
  });
}

test('maskedCrossEntropy rejects empty masks and mismatched shapes, naming the problem', () => {
  const e = example(3);
  const [logits, targets, mask] = tensors(e);
  const cases: [string, () => unknown, RegExp][] = [
    ['all-zero mask', () => maskedCrossEntropy(logits, targets, tf.zeros([B, T]) as tf.Tensor2D), /no scored position/],
    ['scoredCount 0', () => maskedCrossEntropy(logits, targets, mask, 0), /no scored position/],
    ['rank-2 logits', () => maskedCrossEntropy(tf.zeros([B, T]) as unknown as tf.Tensor3D, targets, mask), /logits must be \[batch, time, vocab\]/],
    ['targets shape', () => maskedCrossEntropy(logits, tf.zeros([B, T + 1], 'int32') as tf.Tensor2D, mask), /targets must have shape \[2, 3\]/],
    ['float targets', () => maskedCrossEntropy(logits, tf.zeros([B, T]) as tf.Tensor2D, mask), /targets must be int32/],
    ['mask shape', () => maskedCrossEntropy(logits, targets, tf.ones([T, B]) as tf.Tensor2D), /mask must have shape \[2, 3\]/],
  ];
  for (const [what, f, message] of cases) assert.throws(f, message, what);
  tf.dispose([logits, targets, mask]);
});

test('maskedAccuracy: argmax vs target over scored positions, overall and per label', () => {
  // 1 row, 4 positions, V = 3; argmax = [2, 0, 1, 0] (position 3 is a tie → lowest id 0)
  const logits = tf.tensor3d([[[0, 1, 5], [3, 1, 2], [0, 4, 1], [2, 2, 1]]]);
  const targets = tf.tensor2d([[2, 1, 1, 0]], [1, 4], 'int32');
  const mask = tf.tensor2d([[1, 1, 0, 1]]);
  const labels = tf.tensor2d([[0, 1, 1, 1]], [1, 4], 'int32');
  const r = maskedAccuracy(logits, targets, mask, labels, ['a', 'b', 'never']);
  assert.deepEqual(r, { accuracy: 2 / 3, correct: 2, total: 3, perLabel: { a: 1, b: 0.5 } });
  assert.deepEqual(maskedAccuracy(logits, targets, mask).perLabel, {});
  tf.dispose([logits, targets, mask, labels]);
});

test('AccuracyTally accumulates batches and rejects bad labels', () => {
  const t = new AccuracyTally(['x', 'y']);
  t.add([1, 2, 3], [1, 0, 3], [1, 1, 0], [0, 1, 1]);
  t.add([4], [4], [1], [1]);
  assert.deepEqual(t.report(), { accuracy: 2 / 3, correct: 2, total: 3, perLabel: { x: 1, y: 0.5 } });
  assert.ok(Number.isNaN(new AccuracyTally().report().accuracy));
  assert.throws(() => t.add([0], [0], [1], [2]), /label 2 is not an index into labelNames/);
});
