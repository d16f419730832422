/**
 * Parity with an independent PyTorch implementation (test/fixtures/make_fixtures.py, float64):
 * attention weights and their gradients for every rule; logits, masked loss and the gradient of every
 * parameter for transformers/cisformers, LSTMs and MLPs; parameters after AdamW steps.
 *
 * Tolerance, per element: |ts − torch| ≤ rtol·|torch| + atol with rtol = 1e-5 and an absolute floor
 * atol = k · max|torch| over the tensor: k = 1e-6 for direct values (attention weights, the loss,
 * parameters after AdamW steps) and k = 1e-5 for logits and gradients. Their entries far below the
 * tensor's largest come out of cancelling sums, where float32 rounding leaves an error of the tensor's
 * scale times ~1e-6 (the same computation in float32 *PyTorch* is off from float64 by up to
 * 8.4e-6·max|g| here; see test/fixtures/README.md). A failure names the fixture file, the case, the
 * tensor and the element index, and counts the other failing elements. The fixtures are committed;
 * torch is only needed to regenerate them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test, type TestContext } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { ATTENTION_RULES, attentionRule } from '../lib/attention/registry.js';
import { causalMask, weightsWithClosedFormGradient } from '../lib/attention/rule.js';
import type { ParamMap, SequenceModel } from '../lib/models/model.js';
import { createModel, type ModelSpec } from '../lib/models/registry.js';
import { maskedCrossEntropy } from '../lib/train/loss.js';
import { AdamW, type AdamWArgs } from '../lib/train/adamw.js';
import { testBackends } from './helpers.js';

const RTOL = 1e-5;
/** atol = fraction · max|expected| of the tensor: direct values, and outputs of a deep float32 computation. */
const VALUE_ATOL = 1e-6;
const DEEP_ATOL = 1e-5;

// ---------------------------------------------------------------------------------------------------
// Fixture files (written by make_fixtures.py; format 'expressive-attention/parity-fixture@1')

interface FixtureTensor { shape: number[]; data: number[] }
interface RuleCase { name: string; rule: string; options: Record<string, number>; weights: FixtureTensor; grad: FixtureTensor }
interface RulesFixture { scores: FixtureTensor; c: FixtureTensor; cases: RuleCase[] }
interface ModelCase {
  name: string;
  kind: ModelSpec['kind'];
  config: Record<string, unknown>;
  tokens: FixtureTensor;
  targets: FixtureTensor;
  mask: FixtureTensor;
  params: Record<string, FixtureTensor>;
  decay: Record<string, boolean>;
  logits: FixtureTensor;
  loss: number;
  grads: Record<string, FixtureTensor>;
}
interface AdamWFixture extends Omit<ModelCase, 'logits' | 'loss' | 'grads'> {
  optimizer: Required<AdamWArgs>;
  steps: {
    loss: number;
    /** torch's gradient at this step (float64, TS layout). */
    grads: Record<string, FixtureTensor>;
    /** Per parameter, flat indices whose gradient is nonzero but < 1e-3·max|g|: Adam amplifies float32 noise there. */
    illConditioned: Record<string, number[]>;
    params: Record<string, FixtureTensor>;
  }[];
}

function readFixture<T>(file: string): T {
  const parsed = JSON.parse(readFileSync(new URL(`fixtures/${file}`, import.meta.url), 'utf8')) as { format: string };
  assert.equal(parsed.format, 'expressive-attention/parity-fixture@1', `${file}: unexpected format`);
  return parsed as T;
}

const rules = readFixture<RulesFixture>('attention-rules.json');
const transformers = readFixture<{ cases: ModelCase[] }>('transformer.json').cases;
const lstms = readFixture<{ cases: ModelCase[] }>('lstm.json').cases;
const mlps = readFixture<{ cases: ModelCase[] }>('mlp.json').cases;
const adamw = readFixture<AdamWFixture>('adamw.json');

// ---------------------------------------------------------------------------------------------------
// Comparison

/** Row-major multi-index of flat index i, e.g. [1,0,3]. */
function index(shape: number[], i: number): string {
  const idx: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    idx.unshift(i % shape[k]);
    i = Math.floor(i / shape[k]);
  }
  return `[${idx.join(',')}]`;
}

/** Worst error seen in one test, and every tolerance violation (reported together at the end). */
class Tally {
  worstRatio = 0; // max |Δ| / (atol + rtol·|e|): must stay ≤ 1
  worstNormwise = 0; // max over tensors of max|Δ| / max|e|
  where = '';
  count = 0;
  failures: string[] = [];
  failedElements = 0;

  /** Fails with the first violations (fixture › case › tensor[index]) and how many more there are. */
  finish(t: TestContext, backend: string): void {
    if (this.failures.length) {
      const more = this.failedElements - Math.min(this.failures.length, 5);
      assert.fail(`${this.failedElements} element(s) in ${this.failures.length} tensor(s) differ from PyTorch on ${backend}:\n  ` +
        this.failures.slice(0, 5).join('\n  ') + (more > 0 ? `\n  … and ${more} more element(s)` : ''));
    }
    t.diagnostic(`${backend}: ${this.count} tensors pass; worst element at ${(100 * this.worstRatio).toFixed(1)} % of its ` +
      `tolerance (${this.where}); max|Δ|/max|torch| per tensor ≤ ${this.worstNormwise.toExponential(1)}`);
  }
}

interface Tolerance {
  /** atol as a fraction of max|expected| over the tensor. */
  atolFraction: number;
  /** Flat indices held only to |Δ| ≤ loose (ill-conditioned entries), with that bound. */
  loose?: { indices: ReadonlySet<number>; bound: number };
}

/** Compares tensor `actual` with the torch values; `what` names fixture, case and tensor. */
function expectClose(tally: Tally, what: string, actual: tf.Tensor, expected: FixtureTensor, tol: Tolerance): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape [${actual.shape}], torch has [${expected.shape}]`);
  const a = actual.dataSync();
  const e = expected.data;
  let scale = 0;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  const atol = tol.atolFraction * scale;
  let firstBad = -1;
  let bad = 0;
  for (let i = 0; i < e.length; i++) {
    const diff = Math.abs(a[i] - e[i]);
    if (tol.loose?.indices.has(i)) {
      if (!(diff <= tol.loose.bound)) {
        if (firstBad < 0) firstBad = i;
        bad++;
      }
      continue;
    }
    const allowed = atol + RTOL * Math.abs(e[i]);
    if (!(diff <= allowed)) {
      if (firstBad < 0) firstBad = i;
      bad++;
      continue;
    }
    const ratio = allowed > 0 ? diff / allowed : 0;
    if (ratio > tally.worstRatio) {
      tally.worstRatio = ratio;
      tally.where = `${what}${index(expected.shape, i)}`;
    }
    if (scale > 0) tally.worstNormwise = Math.max(tally.worstNormwise, diff / scale);
  }
  tally.count++;
  if (bad) {
    const i = firstBad;
    const d = Math.abs(a[i] - e[i]);
    const limit = tol.loose?.indices.has(i) ? `> ${tol.loose.bound.toExponential(1)} (ill-conditioned entry)`
      : `> atol ${atol.toExponential(1)} + rtol ${RTOL}·|torch|`;
    tally.failures.push(`${what}${index(expected.shape, i)}: ${tf.getBackend()} gives ${a[i]}, torch ${e[i]} ` +
      `(|Δ| ${d.toExponential(2)} ${limit})${bad > 1 ? `; ${bad - 1} more in this tensor` : ''}`);
    tally.failedElements += bad;
  }
}

const VALUES: Tolerance = { atolFraction: VALUE_ATOL };
const DEEP: Tolerance = { atolFraction: DEEP_ATOL };

function expectScalarClose(tally: Tally, what: string, actual: tf.Tensor, expected: number): void {
  expectClose(tally, what, tf.reshape(actual, [1]), { shape: [1], data: [expected] }, VALUES);
}

// ---------------------------------------------------------------------------------------------------
// Models from fixtures

const floats = (t: FixtureTensor): tf.Tensor => tf.tensor(t.data, t.shape, 'float32');
const int32 = (t: FixtureTensor): tf.Tensor2D => tf.tensor2d(t.data, t.shape as [number, number], 'int32');

/** The TS model for a fixture case; its parameter names, shapes and decay flags must be torch's. */
function buildModel(what: string, c: Pick<ModelCase, 'kind' | 'config' | 'params' | 'decay'>): SequenceModel {
  const model = createModel({ kind: c.kind, ...c.config } as ModelSpec);
  const tsNames = model.parameters.map((p) => p.name).sort();
  assert.deepEqual(tsNames, Object.keys(c.params).sort(), `${what}: TS and torch parameter names differ`);
  for (const spec of model.parameters) {
    assert.deepEqual(spec.shape, c.params[spec.name].shape, `${what}: shape of '${spec.name}'`);
    assert.equal(spec.decay, c.decay[spec.name], `${what}: weight decay of '${spec.name}' (torch groups: matrices and embeddings decay)`);
  }
  return model;
}

/** Loss and its gradient with respect to each parameter, in `names` order. */
function lossAndGrads(model: SequenceModel, names: string[], params: ParamMap, tokens: tf.Tensor2D, targets: tf.Tensor2D, mask: tf.Tensor2D) {
  const f = tf.valueAndGrads((...ts: tf.Tensor[]) => {
    const p: ParamMap = Object.fromEntries(names.map((n, i) => [n, ts[i]]));
    return maskedCrossEntropy(model.apply(p, tokens).logits, targets, mask);
  });
  return f(names.map((n) => params[n]));
}

function checkModelCase(tally: Tally, file: string, c: ModelCase): void {
  const what = `${file} › ${c.name}`;
  const model = buildModel(what, c);
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const names = model.parameters.map((p) => p.name);
    const params: ParamMap = Object.fromEntries(names.map((n) => [n, floats(c.params[n])]));
    const tokens = int32(c.tokens);
    const targets = int32(c.targets);
    const mask = floats(c.mask) as tf.Tensor2D;
    expectClose(tally, `${what} › logits`, model.apply(params, tokens).logits, c.logits, DEEP);
    const { value, grads } = lossAndGrads(model, names, params, tokens, targets, mask);
    expectScalarClose(tally, `${what} › loss`, value, c.loss);
    names.forEach((n, i) => expectClose(tally, `${what} › grad ${n}`, grads[i], c.grads[n], DEEP));
  });
  model.dispose();
  assert.equal(tf.memory().numTensors, before, `${what}: tensors leaked`);
}

/**
 * Runs the fixture's AdamW steps from its initial parameters and compares the parameters after each
 * step. Gradients come from torch's fixture (`gradients` given) or from the TS model and loss. With TS
 * gradients, entries whose torch gradient is tiny but nonzero (listed by the fixture) are only held to
 * Adam's step bound: there Adam's g/√v turns float32 rounding noise into a step of up to lr.
 */
function runAdamW(tally: Tally, source: 'torch' | 'ts', gradients?: (step: number) => Record<string, tf.Tensor>): void {
  const what = `adamw.json › ${adamw.name} (${source} gradients)`;
  const model = buildModel(what, adamw);
  const names = model.parameters.map((p) => p.name);
  const before = tf.memory().numTensors;
  const vars: Record<string, tf.Variable> = Object.fromEntries(
    names.map((n) => [n, tf.tidy(() => tf.variable(floats(adamw.params[n]), true))]));
  const opt = new AdamW(model.parameters, adamw.optimizer);
  const tokens = int32(adamw.tokens);
  const targets = int32(adamw.targets);
  const mask = floats(adamw.mask) as tf.Tensor2D;
  const loose = new Map<string, Set<number>>();
  adamw.steps.forEach((step, k) => {
    tf.tidy(() => {
      let grads: Record<string, tf.Tensor>;
      if (gradients) {
        grads = gradients(k);
      } else {
        const r = lossAndGrads(model, names, vars, tokens, targets, mask);
        expectScalarClose(tally, `${what} › loss before step ${k + 1}`, r.value, step.loss);
        grads = Object.fromEntries(names.map((n, i) => [n, r.grads[i]]));
        for (const [n, idx] of Object.entries(step.illConditioned)) {
          const set = loose.get(n) ?? new Set<number>();
          idx.forEach((i) => set.add(i));
          loose.set(n, set);
        }
      }
      opt.step(vars, grads, adamw.optimizer.learningRate);
    });
    const bound = 2 * adamw.optimizer.learningRate * (k + 1); // Adam moves a parameter by ≲ lr per step
    for (const n of names) {
      const indices = loose.get(n);
      expectClose(tally, `${what} › after step ${k + 1} › ${n}`, vars[n], step.params[n],
        indices ? { ...VALUES, loose: { indices, bound } } : VALUES);
    }
  });
  opt.dispose();
  tf.dispose([...Object.values(vars), tokens, targets, mask]);
  model.dispose();
  assert.equal(tf.memory().numTensors, before, `${what}: tensors leaked`);
}

// ---------------------------------------------------------------------------------------------------

const backends = await testBackends();

test('fixtures cover every registered attention rule', () => {
  const covered = new Set(rules.cases.map((c) => c.rule));
  const missing = ATTENTION_RULES.filter((r) => !covered.has(r));
  assert.deepEqual(missing, [], `attention-rules.json has no case for ${missing.join(', ')}: regenerate the fixtures`);
});

for (const backend of backends) {
  describe(`parity with PyTorch [${backend}]`, () => {
    before(async () => {
      await initBackend(backend);
    });

    test('attention rules: weights and d(Σ c⊙α)/ds', (t) => {
      const tally = new Tally();
      const before = tf.memory().numTensors;
      const T = rules.scores.shape[2];
      const mask = causalMask(T);
      tf.tidy(() => {
        const scores = floats(rules.scores);
        const c = floats(rules.c);
        for (const rc of rules.cases) {
          const rule = attentionRule(rc.rule, rc.options);
          const what = `attention-rules.json › ${rc.name}`;
          const weights = rule.weights(scores, mask);
          expectClose(tally, `${what} › weights`, weights, rc.weights, VALUES);
          // Masked keys (torch: exactly 0 after −∞ / where) must be exactly 0 here too, not just within atol.
          const w = weights.dataSync();
          const leaked = rc.weights.data.flatMap((e, i) => (e === 0 && w[i] !== 0 ? [`${index(rc.weights.shape, i)} = ${w[i]}`] : []));
          assert.deepEqual(leaked, [], `${what}: masked keys must get exactly zero weight`);
          const grad = tf.grad((s: tf.Tensor) => tf.sum(tf.mul(c, rule.weights(s, mask))))(scores);
          expectClose(tally, `${what} › grad`, grad, rc.grad, DEEP);
          // The closed-form gradient the training engine uses (rule.gradient), against the same fixture.
          assert.ok(rule.gradient, `${what}: no closed-form gradient`);
          const closed = tf.grad((s: tf.Tensor) => tf.sum(tf.mul(c, weightsWithClosedFormGradient(rule, s, mask))))(scores);
          expectClose(tally, `${what} › closed-form grad`, closed, rc.grad, DEEP);
        }
      });
      tf.dispose([mask.keep, mask.bias]);
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
      tally.finish(t, backend);
    });

    for (const [file, cases] of [['transformer.json', transformers], ['lstm.json', lstms], ['mlp.json', mlps]] as const) {
      test(`${file.replace('.json', '')}: logits, masked loss, every parameter gradient`, (t) => {
        const tally = new Tally();
        for (const c of cases) checkModelCase(tally, file, c);
        tally.finish(t, backend);
      });
    }

    test(`AdamW: ${adamw.steps.length} steps from torch's gradients (the optimizer alone)`, (t) => {
      const tally = new Tally();
      runAdamW(tally, 'torch', (k) => Object.fromEntries(Object.entries(adamw.steps[k].grads).map(([n, g]) => [n, floats(g)])));
      tally.finish(t, backend);
    });

    test(`AdamW: ${adamw.steps.length} steps end to end (TS model, loss, gradients, optimizer)`, (t) => {
      const tally = new Tally();
      runAdamW(tally, 'ts');
      tally.finish(t, backend);
    });
  });
}
