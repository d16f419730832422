/**
 * The engine's training step as one TensorFlow graph (issue 14): `StackedTrainer.useGraph()` records
 * a real step and runs the later ones as one session call each. Over 100 steps the graph engine's
 * losses and weights stay within a float32 bound of the eager engine's, per model kind and rule; the
 * eager engine is unchanged by the split into host arrays and ops; no tensor leak; a step of another
 * shape is recorded anew.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { initParams } from '../lib/models/params.js';
import { createModel, type ModelSpec } from '../lib/models/registry.js';
import type { SequenceModel } from '../lib/models/model.js';
import { LadderTask } from '../lib/tasks/ladder.js';
import type { BatchData } from '../lib/train/data.js';
import { StackedTrainer } from '../lib/train/engine.js';
import { testBackends } from './helpers.js';

const backends = await testBackends();
const skip = backends.includes('tensorflow') ? false : 'needs the tensorflow (tfjs-node) backend';
const root = mkdtempSync(join(tmpdir(), 'ea-graph-step-'));
after(() => rmSync(root, { recursive: true, force: true }));

const task = new LadderTask({ N: 12, a: 1, b: 3, contextLength: 16, batchSize: 8, evalSize: 8, seed: 5 });
const settings = { learningRate: 3e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 };
const count = (b: BatchData): number => b.scored.reduce((a, v) => a + v, 0);

function trainer(spec: ModelSpec, S: number): { t: StackedTrainer; model: SequenceModel } {
  const model = createModel({ ...spec, vocabSize: task.vocabSize, contextLength: task.contextLength } as ModelSpec) as SequenceModel;
  const lanes = Array.from({ length: S }, (_, s) => ({ params: initParams(model, 10 + s) }));
  const t = new StackedTrainer(model, lanes);
  for (const l of lanes) tf.dispose(Object.values(l.params));
  return { t, model };
}

function run(t: StackedTrainer, steps: number, from = 0): number[][] {
  const S = t.lanes;
  return Array.from({ length: steps }, (_, k) => {
    const batches = Array.from({ length: S }, (_, s) => task.trainBatch(from + k + 100 * s));
    return t.step(batches, batches.map(count), batches.map(() => settings)).map((r) => r.loss);
  });
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const MODELS: [string, Partial<ModelSpec>][] = [
  ['transformer, dot-product', { kind: 'transformer', width: 16, layers: 2, heads: 2, ffWidth: 32, attention: 'dot-product' }],
  ['transformer, expressive', { kind: 'transformer', width: 16, layers: 2, heads: 2, ffWidth: 32, attention: 'expressive' }],
  ['lstm', { kind: 'lstm', hiddenSize: 16, layers: 1 }],
];

for (const [name, spec] of MODELS) {
  test(`graph step = eager step: the recorded step identical, one graph step within 1e-5, 100 steps within the stated bound (${name}, 2 lanes)`, { skip, timeout: 120_000 }, async () => {
    await initBackend('tensorflow');
    const eager = trainer(spec as ModelSpec, 2);
    const graph = trainer(spec as ModelSpec, 2);
    graph.t.useGraph({ dir: join(root, 'graphs') });
    assert.equal(graph.t.engine, 'eager', 'nothing recorded yet');
    // Eager steps (recorded) until two recordings agree; all identical to eager, by construction.
    const e: number[][] = [];
    const g: number[][] = [];
    for (;;) {
      e.push(...run(eager.t, 1, e.length));
      g.push(...run(graph.t, 1, g.length));
      if (graph.t.graphStepCount > 0 || e.length >= 5) break;
      assert.deepEqual(g.at(-1), e.at(-1), `recorded step ${e.length} is a real eager step`);
    }
    assert.equal(graph.t.engine, 'graph', `a graph after ${e.length - 1} recorded steps`);
    // The same forward from the same weights: bit for bit on the AVX2 machine measured; a bound, not bits, so no CPU is assumed.
    assert.ok(maxDiff(g.at(-1) as number[], e.at(-1) as number[]) <= 1e-6, `the first graph step's losses ${g.at(-1)} vs ${e.at(-1)}`);
    const oneStep = maxDiff(eager.t.lane(0).params, graph.t.lane(0).params);
    assert.ok(oneStep <= 1e-5, `one graph step from the same state moves the weights ${oneStep} away from the eager step's`);
    const left = 100 - e.length;
    const from = e.length;
    e.push(...run(eager.t, left, from));
    g.push(...run(graph.t, left, from));
    const lossDiff = Math.max(...e.map((l, k) => maxDiff(l, g[k])));
    const we = eager.t.lane(0).params;
    const wg = graph.t.lane(0).params;
    const weightDiff = maxDiff(we, wg);
    console.log(`[graph-step] ${name}: one step max |Δθ| ${oneStep.toExponential(2)}; over 100 steps max |Δloss| ${lossDiff.toExponential(2)}, max |Δθ| ${weightDiff.toExponential(2)}`);
    // The stated bound (docs/graph-engine.md): per step, float32 rounding of a differently scheduled graph (≤ 1e-5);
    // over 100 steps, that rounding amplified by training (≤ 0.02 in loss, ≤ 0.01 in a weight). A wrong
    // feed or op is off by ~0.2 in the loss at the first graph step.
    assert.ok(lossDiff <= 0.02, `losses differ by ${lossDiff}`);
    assert.ok(weightDiff <= 0.01, `weights differ by ${weightDiff}`);
    eager.t.dispose();
    graph.t.dispose();
  });
}

test('evaluation as a graph: after two recorded batches each batch is one session call; sums within 1e-5, predictions equal to eager; a lane subset too; no leak', { skip, timeout: 120_000 }, async () => {
  await initBackend('tensorflow');
  for (const [name, spec] of MODELS) {
    const eager = trainer(spec as ModelSpec, 3);
    const graph = trainer(spec as ModelSpec, 3);
    graph.t.useGraph({ dir: join(root, 'graphs-eval') });
    // Trained a little first, so that predictions are not all one token.
    run(eager.t, 30);
    run(graph.t, 30);
    const wide = new LadderTask({ N: 12, a: 1, b: 3, contextLength: 16, batchSize: 8, evalSize: 48, evalBatchSize: 8, seed: 6 });
    const evalSet = wide.evalBatches();
    assert.equal(evalSet.length, 6, 'six batches of one shape');
    for (const lanes of [[0, 1, 2], [2, 0]]) {
      const e = eager.t.evaluate(lanes, lanes.map(() => evalSet));
      const before = graph.t.graphEvalCount;
      const g = graph.t.evaluate(lanes, lanes.map(() => evalSet));
      // Two agreeing recordings make the graph (three when the first also builds the forward's cached tensors).
      assert.ok(graph.t.graphEvalCount - before >= evalSet.length - 3, `${name}, lanes ${lanes}: batches 3 or 4.. of a new shape (all lanes; a subset of 2) run as a graph`);
      // A known shape: every batch is a session call, nothing is left behind, reruns are bit for bit.
      const tensors = tf.memory().numTensors;
      const graphBatches = graph.t.graphEvalCount;
      const again = graph.t.evaluate(lanes, lanes.map(() => evalSet));
      assert.equal(graph.t.graphEvalCount - graphBatches, evalSet.length, `${name}, lanes ${lanes}: every batch of a known shape runs as a graph`);
      assert.equal(tf.memory().numTensors, tensors, `${name}, lanes ${lanes}: no tensor left by evaluate`);
      const third = graph.t.evaluate(lanes, lanes.map(() => evalSet));
      assert.deepEqual(third, again, `${name}, lanes ${lanes}: a graph evaluation reruns bit for bit`);
      // The two trainers' weights differ by the graph steps' rounding (≤ 0.01 after 30 steps), so each
      // graph evaluation is compared with an eager evaluation of the graph trainer's own weights.
      graph.t.useGraph(false);
      const own = graph.t.evaluate(lanes, lanes.map(() => evalSet));
      graph.t.useGraph({ dir: join(root, 'graphs-eval') });
      for (const [what, r] of [['recording call', g], ['graph call', again]] as const) {
        lanes.forEach((_, k) => {
          assert.ok(Math.abs(r[k].lossSum - own[k].lossSum) <= 1e-5 * Math.max(1, Math.abs(own[k].lossSum)), `${name}, ${what}, lane ${lanes[k]}: loss sum ${r[k].lossSum} vs eager ${own[k].lossSum}`);
          // Equal argmax, but for a logit tie within float rounding (at most 2 of the ≈ 2 300 predictions).
          let differ = 0;
          r[k].predicted.forEach((p, i) => p.forEach((v, j) => { if (v !== own[k].predicted[i][j]) differ++; }));
          assert.ok(differ <= 2, `${name}, ${what}, lane ${lanes[k]}: ${differ} predictions differ from eager`);
          assert.ok(Math.abs(e[k].lossSum - r[k].lossSum) <= 0.02 * Math.max(1, Math.abs(e[k].lossSum)), `${name}: within the training bound of the eager trainer`);
        });
      }
    }
    eager.t.dispose();
    graph.t.dispose();
  }
});

test('the graph step leaks no tensor; another shape is recorded anew; useGraph(false) goes back to eager', { skip, timeout: 120_000 }, async () => {
  await initBackend('tensorflow');
  const dir = join(root, 'graphs-shape');
  const { t } = trainer(MODELS[0][1] as ModelSpec, 1);
  t.useGraph({ dir });
  run(t, 3);
  const before = tf.memory().numTensors;
  run(t, 20, 3);
  assert.equal(tf.memory().numTensors, before, 'tensors after 20 graph steps');
  assert.equal(readdirSync(dir).filter((f) => !f.startsWith('.')).length, 1, 'one graph');
  const wider = new LadderTask({ N: 12, a: 1, b: 3, contextLength: 16, batchSize: 16, evalSize: 8, seed: 5 });
  const graphs = (): number => readdirSync(dir).filter((f) => !f.startsWith('.')).length;
  // Two recordings of the new shape that agree make its graph (the first may also build cached tensors).
  for (let k = 0; k < 4 && graphs() < 2; k++) {
    const b = [wider.trainBatch(k)];
    t.step(b, b.map(count), [settings]);
  }
  assert.equal(readdirSync(dir).filter((f) => !f.startsWith('.')).length, 2, 'a batch of another size: a second graph');
  t.useGraph(false);
  const graphSteps = t.graphStepCount;
  run(t, 1, 30);
  assert.equal(t.graphStepCount, graphSteps, 'the step after useGraph(false) is eager');
  assert.equal(t.engine, 'graph', 'engine: what ran the steps so far');
  t.dispose();
});

test('trainBatched on the graph engine: lanes that leave early (other budgets) and a checkpoint mid-run, within the bound of eager', { skip, timeout: 180_000 }, async () => {
  await initBackend('tensorflow');
  const { trainBatched } = await import('../lib/train/batched.js');
  const { disposeParams } = await import('../lib/models/params.js');
  const model = createModel({ ...MODELS[1][1], vocabSize: task.vocabSize, contextLength: task.contextLength } as ModelSpec) as SequenceModel;
  const budgets = [15, 40, 25];
  const replicas = (engine: 'eager' | 'graph'): Parameters<typeof trainBatched>[1] => budgets.map((steps, i) => ({
    data: new LadderTask({ N: 12, a: 1, b: 3, contextLength: 16, batchSize: 8, evalSize: 8, seed: 20 + i }),
    args: { steps, seed: i, learningRate: 3e-3, evalEvery: 5, engine, earlyStopAtPerfect: false, checkpointPath: join(root, `ck-${engine}-${i}.ckpt`), checkpointEvery: 10 },
  }));
  const e = await trainBatched(model, replicas('eager'));
  const g = await trainBatched(model, replicas('graph'));
  for (let i = 0; i < budgets.length; i++) {
    const [re, rg] = [e[i], g[i]];
    assert.ok(re.status === 'fulfilled' && rg.status === 'fulfilled', `replica ${i}`);
    assert.equal(rg.value.engine, 'graph');
    assert.equal(re.value.engine, 'eager');
    assert.equal(rg.value.steps, budgets[i]);
    const d = Math.max(...Object.keys(re.value.params).map((k) => maxDiff(re.value.params[k].dataSync(), rg.value.params[k].dataSync())));
    assert.ok(d <= 0.01, `replica ${i}: weights differ by ${d}`);
    assert.ok(Math.abs(re.value.finalEvalLoss - rg.value.finalEvalLoss) <= 0.02, `replica ${i}: eval loss ${re.value.finalEvalLoss} vs ${rg.value.finalEvalLoss}`);
    disposeParams(re.value.params);
    disposeParams(rg.value.params);
  }
});

test('a step that builds an array from the data outside the feeds (a custom model) is found out and stays eager, with a message', { skip, timeout: 60_000 }, async () => {
  await initBackend('tensorflow');
  // Not a built-in: the generic stacked forward makes each replica's token tensor itself.
  const custom: SequenceModel = {
    kind: 'mlp', config: { custom: true }, contextLength: task.contextLength, vocabSize: task.vocabSize,
    parameters: [{ name: 'table', shape: [task.vocabSize, task.vocabSize], init: { kind: 'normal', std: 0.3 }, decay: true }],
    apply: (params: Record<string, tf.Tensor>, tokens: tf.Tensor2D) => {
      const [B, T] = tokens.shape;
      const oneHot = tf.cast(tf.oneHot(tf.reshape(tokens, [-1]) as tf.Tensor1D, task.vocabSize), 'float32');
      return { logits: tf.reshape(tf.matMul(oneHot, params.table), [B, T, task.vocabSize]) as tf.Tensor3D };
    },
    dispose: () => {},
  } as unknown as SequenceModel;
  const mk = (): StackedTrainer => new StackedTrainer(custom, [{ params: initParams(custom, 1) }]);
  const [eager, graph] = [mk(), mk()];
  graph.useGraph({ dir: join(root, 'graphs-custom') });
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (m: string): void => { warnings.push(String(m)); };
  try {
    assert.deepEqual(run(graph, 6), run(eager, 6), 'eager numbers throughout');
  } finally {
    console.warn = warn;
  }
  assert.equal(graph.engine, 'eager');
  assert.ok(warnings.some((w) => /cannot be run as a graph \(constant \d+ \(\d+ bytes\) changed with the data: it must be a feed\); it stays eager/.test(w)), warnings.join('\n'));
  eager.dispose();
  graph.dispose();
});

test('warmUpGraph: steps until the first graph step and times it; an eager trainer is not stepped', { skip, timeout: 60_000 }, async () => {
  await initBackend('tensorflow');
  const spec = MODELS[0][1] as ModelSpec;
  const graph = trainer(spec, 1);
  graph.t.useGraph({ dir: join(root, 'graphs-warm') });
  let calls = 0;
  const ms = graph.t.warmUpGraph(() => { calls++; run(graph.t, 1, calls); });
  assert.ok(ms !== null && ms > 0, `the first graph step took ${ms} ms`);
  assert.equal(graph.t.graphStepCount, 1, 'stops at the first graph step');
  assert.ok(calls >= 2 && calls <= 4, `recording takes two or three steps; ${calls} calls`);
  assert.equal(graph.t.warmUpGraph(() => { calls++; }), null, 'already warm: no step, nothing to time');
  const eager = trainer(spec, 1);
  let eagerCalls = 0;
  assert.equal(eager.t.warmUpGraph(() => { eagerCalls++; }), null);
  assert.equal(eagerCalls, 0);
  graph.t.dispose();
  eager.t.dispose();
});
