/** AdamW: against a float64 reference of torch.optim.AdamW, decoupled decay, state round trip, errors, leaks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { AdamW, type AdamWArgs } from '../lib/train/adamw.js';
import { Rng } from '../lib/util/rng.js';
import { assertClose, testBackends, values } from './helpers.js';

const backends = await testBackends();
const specs = [
  { name: 'w', shape: [3, 2], decay: true },
  { name: 'b', shape: [2], decay: false },
];

function randomArrays(rng: Rng, scale = 1): Record<string, number[]> {
  return Object.fromEntries(specs.map((s) => [s.name, Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal())]));
}

function variables(init: Record<string, number[]>): Record<string, tf.Variable> {
  return tf.tidy(() => Object.fromEntries(specs.map((s) => [s.name, tf.variable(tf.tensor(init[s.name], s.shape), true)])));
}

/** torch.optim.AdamW's update in float64, written out (amsgrad off). */
function referenceAdamW(p0: Record<string, number[]>, gradSteps: Record<string, number[]>[], lrs: number[], a: Required<AdamWArgs>): Record<string, number[]> {
  const p = structuredClone(p0);
  const m = Object.fromEntries(specs.map((s) => [s.name, p[s.name].map(() => 0)]));
  const v = structuredClone(m);
  gradSteps.forEach((g, i) => {
    const t = i + 1;
    const lr = lrs[i];
    for (const s of specs) {
      for (let j = 0; j < p[s.name].length; j++) {
        if (s.decay) p[s.name][j] *= 1 - lr * a.weightDecay;
        m[s.name][j] = a.beta1 * m[s.name][j] + (1 - a.beta1) * g[s.name][j];
        v[s.name][j] = a.beta2 * v[s.name][j] + (1 - a.beta2) * g[s.name][j] ** 2;
        const denom = Math.sqrt(v[s.name][j]) / Math.sqrt(1 - a.beta2 ** t) + a.epsilon;
        p[s.name][j] -= (lr / (1 - a.beta1 ** t)) * (m[s.name][j] / denom);
      }
    }
  });
  return p;
}

for (const backend of backends) {
  test(`AdamW matches the float64 reference over three steps (${backend})`, async () => {
    await initBackend(backend);
    const rng = new Rng(7);
    const p0 = randomArrays(rng);
    const grads = [randomArrays(rng), randomArrays(rng, 0.01), randomArrays(rng, 10)];
    const lrs = [1e-2, 5e-3, 2e-2];
    const cases: Required<AdamWArgs>[] = [
      { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 },
      { learningRate: 1e-3, beta1: 0.5, beta2: 0.9, epsilon: 1e-3, weightDecay: 0 },
    ];
    for (const args of cases) {
      const vars = variables(p0);
      const opt = new AdamW(specs, args);
      for (let i = 0; i < grads.length; i++) {
        const g = Object.fromEntries(specs.map((s) => [s.name, tf.tensor(grads[i][s.name], s.shape)]));
        opt.step(vars, g, lrs[i]);
        tf.dispose(Object.values(g));
        const expected = referenceAdamW(p0, grads.slice(0, i + 1), lrs, args);
        for (const s of specs) assertClose(values(vars[s.name]), expected[s.name], `${s.name} after step ${i + 1} (${JSON.stringify(args)})`, 2e-6, 1e-7);
      }
      assert.equal(opt.stepCount, 3);
      opt.dispose();
      tf.dispose(Object.values(vars));
    }
  });

  test(`weight decay is decoupled and only touches decay: true parameters (${backend})`, async () => {
    await initBackend(backend);
    const p0 = randomArrays(new Rng(8));
    const vars = variables(p0);
    const opt = new AdamW(specs, { weightDecay: 0.5 });
    const zeros = Object.fromEntries(specs.map((s) => [s.name, tf.zeros(s.shape)]));
    opt.step(vars, zeros, 0.1); // zero gradient: Adam's part is 0 / (0 + ε) = 0, only the decay acts
    assert.deepEqual(values(vars.w), p0.w.map((x) => Math.fround(Math.fround(x) * Math.fround(1 - 0.1 * 0.5))));
    assert.deepEqual(values(vars.b), p0.b.map(Math.fround));
    opt.dispose();
    tf.dispose([...Object.values(vars), ...Object.values(zeros)]);
  });

  test(`state()/loadState() continue bit-identically; no tensor leaks (${backend})`, async () => {
    await initBackend(backend);
    const rng = new Rng(9);
    const p0 = randomArrays(rng);
    const grads = [randomArrays(rng), randomArrays(rng), randomArrays(rng)];
    const toTensors = (g: Record<string, number[]>): Record<string, tf.Tensor> =>
      Object.fromEntries(specs.map((s) => [s.name, tf.tensor(g[s.name], s.shape)]));
    const before = tf.memory().numTensors;
    // straight: three steps
    const straight = variables(p0);
    const a = new AdamW(specs);
    const afterCreate = tf.memory().numTensors;
    for (const g of grads) tf.tidy(() => a.step(straight, toTensors(g), 1e-2));
    assert.equal(tf.memory().numTensors, afterCreate, 'tensors leaked by step()');
    // interrupted: two steps, state to a fresh optimizer and fresh variables, one more step
    const first = variables(p0);
    const b = new AdamW(specs);
    for (const g of grads.slice(0, 2)) tf.tidy(() => b.step(first, toTensors(g), 1e-2));
    const state = b.state();
    const resumed = variables(Object.fromEntries(specs.map((s) => [s.name, values(first[s.name])])));
    const c = new AdamW(specs);
    c.loadState(state);
    assert.equal(c.stepCount, 2);
    tf.tidy(() => c.step(resumed, toTensors(grads[2]), 1e-2));
    for (const s of specs) assert.deepEqual(values(resumed[s.name]), values(straight[s.name]), s.name);
    assert.deepEqual(c.state(), a.state());
    for (const o of [a, b, c]) o.dispose();
    tf.dispose([...Object.values(straight), ...Object.values(first), ...Object.values(resumed)]);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });
}

test('AdamW rejects bad arguments, naming them', () => {
  const cases: [AdamWArgs, RegExp][] = [
    [{ learningRate: 0 }, /learningRate must be a positive finite number; got 0/],
    [{ learningRate: -1 }, /learningRate/],
    [{ beta1: 1 }, /beta1 must be in \[0, 1\); got 1/],
    [{ beta2: -0.1 }, /beta2 must be in \[0, 1\)/],
    [{ epsilon: -1 }, /epsilon must be a finite number ≥ 0/],
    [{ weightDecay: -0.01 }, /weightDecay must be a finite number ≥ 0/],
    [{ weightDecay: NaN }, /weightDecay/],
  ];
  for (const [args, message] of cases) assert.throws(() => new AdamW(specs, args), message, JSON.stringify(args));
});

test('AdamW.step and loadState reject missing or mismatched tensors', () => {
  const vars = variables(randomArrays(new Rng(1)));
  const opt = new AdamW(specs);
  const g = { w: tf.zeros([3, 2]) };
  assert.throws(() => opt.step(vars, g, 1e-3), /gradient of 'b' is missing/);
  assert.throws(() => opt.step({ w: vars.w }, { ...g, b: tf.zeros([2]) }, 1e-3), /parameter 'b' is missing/);
  assert.throws(() => opt.step(vars, { ...g, b: tf.zeros([2]) }, NaN), /learningRate must be a finite number ≥ 0/);
  assert.equal(opt.stepCount, 0, 'a rejected step must not count');
  const state = opt.state();
  assert.throws(() => opt.loadState({ ...state, m: { ...state.m, w: new Float32Array(5) } }), /m of 'w' has 5 values, the parameter has 6/);
  assert.throws(() => opt.loadState({ ...state, v: { w: state.v.w } }), /v of 'b' is missing/);
  assert.throws(() => opt.loadState({ ...state, step: -1 }), /step must be a non-negative integer/);
  opt.dispose();
  tf.dispose([...Object.values(vars), ...Object.values(g)]);
});
