/**
 * The stacked training engine and seed-batched training:
 * - the stacked forward of every built-in model gives `apply`'s logits, for one replica and for several;
 * - its loss and gradients match the PyTorch fixtures (the same fixtures and tolerances as parity.test.ts);
 * - each replica of `trainBatched` is bit-identical to training it alone with `train()` (losses, evals,
 *   loss curve, final weights), with different seeds, data seeds and learning rates, when other replicas
 *   stop early, resume from a checkpoint, or diverge; for the transformer, cisformer, LSTM, MLP and a
 *   custom model (generic path);
 * - no tensor leaks; clear errors.
 * Models are tiny (width ≤ 12, T ≤ 6) so the file runs in seconds on every backend.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import type { ModelOutput, ParamMap, ParamSpec, SequenceModel } from '../lib/models/model.js';
import { disposeParams, initParams } from '../lib/models/params.js';
import { createModel, type ModelSpec } from '../lib/models/registry.js';
import { trainBatched, trainSeeds, type Replica } from '../lib/train/batched.js';
import { checkBatch, ToySource, type BatchData, type DataSource } from '../lib/train/data.js';
import { StackedTrainer } from '../lib/train/engine.js';
import { batchedMatMul, rowContraction } from '../lib/models/stacked/ops.js';
import { train } from '../lib/train/trainer.js';
import { readFileSync } from 'node:fs';
import { testBackends, values } from './helpers.js';
import { type TrainerArgs, type TrainResult } from '../lib/train/types.js';

const backends = await testBackends();
const dir = mkdtempSync(join(tmpdir(), 'ea-batched-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The arrays one after another in one Float32Array. */
function concatenated(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) { out.set(p, offset); offset += p.length; }
  return out;
}

/** Toy data: vocabulary 6 (4 symbols + 2 markers), length 6. */
const toy = (seed: number, batchSize = 4): ToySource => new ToySource({ symbols: 4, length: 6, period: 2, batchSize, evalBatches: 2, seed });

/** Tiny models covering every stacked forward and its options. */
const MODELS: Record<string, ModelSpec> = {
  'transformer, dot-product': { kind: 'transformer', vocabSize: 6, contextLength: 6, width: 8, heads: 2, layers: 2, ffWidth: 12 },
  'transformer, cog + expressive, no positions': {
    kind: 'transformer', vocabSize: 6, contextLength: 6, width: 8, heads: 2, layers: 2, ffWidth: 12, attention: ['cog', 'expressive'], positional: 'none',
  },
  'transformer, sinusoidal positions, expressive': {
    kind: 'transformer', vocabSize: 6, contextLength: 6, width: 8, heads: 2, layers: 1, ffWidth: 12, attention: 'expressive', positional: 'sinusoidal',
  },
  'cisformer + cisFeedForward, gelu, expressive-softmax': {
    kind: 'transformer', vocabSize: 6, contextLength: 6, width: 8, heads: 2, layers: 1, ffWidth: 12, attention: 'expressive-softmax', cis: true,
    cisFeedForward: true, activation: 'gelu', attentionOptions: { temperature: 0.5 },
  },
  'transformer, attention only (no feed-forward), cog': {
    kind: 'transformer', vocabSize: 6, contextLength: 6, width: 8, heads: 2, layers: 2, ffWidth: 12, attention: 'cog', feedForward: false,
  },
  'lstm, 2 layers': { kind: 'lstm', vocabSize: 6, contextLength: 6, hiddenSize: 8, layers: 2, embeddingSize: 5 },
  'mlp, 2 hidden layers': { kind: 'mlp', vocabSize: 6, contextLength: 6, hiddenSizes: [10, 9] },
  'mlp, gelu': { kind: 'mlp', vocabSize: 6, contextLength: 6, hiddenSizes: [12], activation: 'gelu' },
};

/** A bigram model (not a built-in: trained through the generic per-replica path). */
class Bigram implements SequenceModel {
  readonly kind = 'mlp' as const;
  readonly config = { bigram: 6 };
  readonly contextLength = 64;
  readonly vocabSize = 6;
  readonly parameters: ParamSpec[] = [
    { name: 'table', shape: [6, 6], init: { kind: 'normal', std: 0.3 }, decay: true },
    { name: 'bias', shape: [6], init: { kind: 'normal', std: 0.3 }, decay: false },
  ];
  apply(params: ParamMap, tokens: tf.Tensor2D): ModelOutput {
    const [B, T] = tokens.shape;
    const oneHot = tf.cast(tf.oneHot(tf.reshape(tokens, [-1]) as tf.Tensor1D, 6), 'float32'); // [B·T, V]
    return { logits: tf.reshape(tf.add(tf.matMul(oneHot, params.table), params.bias), [B, T, 6]) as tf.Tensor3D };
  }
  dispose(): void {}
}

/** Trains alone and records every step's loss. */
async function alone(model: SequenceModel, data: DataSource, args: TrainerArgs): Promise<{ losses: number[]; result: TrainResult; weights: number[][] }> {
  const losses: number[] = [];
  const result = await train(model, data, { ...args, callbacks: { ...args.callbacks, onStep: (e) => { losses.push(e.loss); return args.callbacks?.onStep?.(e); } } });
  const weights = model.parameters.map((p) => values(result.params[p.name]));
  disposeParams(result.params);
  return { losses, result, weights };
}

/** Trains replicas together and records each one's losses. */
async function together(model: SequenceModel, replicas: Replica[]) {
  const losses: number[][] = replicas.map(() => []);
  const settled = await trainBatched(model, replicas.map((r, i) => ({
    data: r.data,
    args: { ...r.args, callbacks: { ...r.args?.callbacks, onStep: (e) => { losses[i].push(e.loss); return r.args?.callbacks?.onStep?.(e); } } },
  })));
  return settled.map((s, i) => {
    if (s.status === 'rejected') return { losses: losses[i], error: s.reason as Error };
    const weights = model.parameters.map((p) => values(s.value.params[p.name]));
    disposeParams(s.value.params);
    return { losses: losses[i], result: s.value, weights };
  });
}

/** Everything a run reports, without the wall time. */
function comparable(r: TrainResult): Omit<TrainResult, 'wallTimeMs' | 'params' | 'lanes'> {
  const { wallTimeMs: _t, params: _p, lanes: _l, ...rest } = r; // lanes: the stack size, which differs by design
  return rest;
}

// ---------------------------------------------------------------------------------------------------
// The stacked forward and its gradients

/** Batches of random tokens (all positions scored) for S replicas. */
function randomBatch(seed: number, B: number, T: number, V: number): BatchData {
  let x = seed * 7919 + 13;
  const next = (): number => { x = (x * 1103515245 + 12345) % 2147483648; return x % V; };
  const inputs = Int32Array.from({ length: B * T }, next);
  const targets = Int32Array.from({ length: B * T }, next);
  const scored = Uint8Array.from({ length: B * T }, (_, i) => (i % 3 === 1 ? 0 : 1));
  return { batchSize: B, length: T, inputs, targets, scored };
}

for (const backend of backends) {
  describe(`stacked forward and gradients [${backend}]`, () => {
    for (const [name, spec] of Object.entries(MODELS)) {
      test(`${name}: logits of 1 and of 3 replicas equal apply's, also for T < contextLength`, async () => {
        await initBackend(backend);
        const model = createModel(spec);
        const before = tf.memory().numTensors;
        const params = [0, 1, 2].map((seed) => initParams(model, seed));
        for (const T of [6, 4]) {
          const batches = [0, 1, 2].map((s) => randomBatch(s, 3, T, 6));
          const expected = batches.map((b, s) => tf.tidy(() => values(model.apply(params[s], tf.tensor2d(b.inputs, [3, T], 'int32')).logits)));
          for (const lanes of [[0], [0, 1, 2]]) {
            const engine = new StackedTrainer(model, lanes.map((s) => ({ params: params[s] })));
            const logits = engine.logits(lanes.map((s) => batches[s]));
            const got = logits.dataSync();
            engine.dispose();
            logits.dispose();
            lanes.forEach((s, k) => {
              const mine = Array.from(got.subarray(k * 3 * T * 6, (k + 1) * 3 * T * 6));
              const scale = Math.max(...expected[s].map(Math.abs));
              mine.forEach((v, i) => assert.ok(Math.abs(v - expected[s][i]) <= 1e-5 * scale + 1e-5 * Math.abs(expected[s][i]),
                `${name}, T=${T}, ${lanes.length} lane(s), replica ${s}: logit ${i} is ${v}, apply gives ${expected[s][i]}`));
            });
          }
        }
        params.forEach(disposeParams);
        model.dispose();
        assert.equal(tf.memory().numTensors, before, 'tensors leaked');
      });
    }

    test('batchedMatMul and rowContraction: every lane of a batch of S gets the bits it gets alone (S = 1, 2, 3, 8)', async () => {
      // Shapes on both sides of TensorFlow's per-item cost threshold (128·128 multiply-adds: above it each
      // item is contracted multi-threaded, below it each runs in one thread), one with an output of width 1,
      // each with every transpose the engine uses.
      await initBackend(backend);
      const before = tf.memory().numTensors;
      let x = 12345;
      const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648 - 0.5; });
      for (const [m, k, n] of [[24, 8, 12], [18, 5, 20], [64, 32, 1], [1024, 64, 64]]) {
        const cases = [
          { name: 'a·b', shapes: [[m, k], [k, n]], f: (a: tf.Tensor, b: tf.Tensor) => batchedMatMul(a, b) },
          { name: 'a·bᵀ', shapes: [[m, k], [n, k]], f: (a: tf.Tensor, b: tf.Tensor) => batchedMatMul(a, b, false, true) },
          { name: 'aᵀ·b', shapes: [[m, k], [m, n]], f: (a: tf.Tensor, b: tf.Tensor) => batchedMatMul(a, b, true, false) },
          { name: 'rowContraction', shapes: [[m, k], [m, n]], f: rowContraction },
        ];
        for (const { name, shapes, f } of cases) {
          const [sa, sb] = shapes;
          const lanes = Array.from({ length: 8 }, () => [random(sa[0] * sa[1]), random(sb[0] * sb[1])]);
          const run = (S: number): Float32Array[] => tf.tidy(() => {
            const stack = (i: number, shape: number[]) => tf.tensor3d(concatenated(lanes.slice(0, S).map((l) => l[i])), [S, shape[0], shape[1]]);
            const out = f(stack(0, sa), stack(1, sb)).dataSync() as Float32Array;
            const size = out.length / S;
            return Array.from({ length: S }, (_, s) => out.slice(s * size, (s + 1) * size));
          });
          const alone = lanes.map((_, s) => tf.tidy(() => {
            const out = f(tf.tensor3d(lanes[s][0], [1, sa[0], sa[1]]), tf.tensor3d(lanes[s][1], [1, sb[0], sb[1]]));
            return out.dataSync() as Float32Array;
          }));
          for (const S of [2, 3, 8]) {
            run(S).forEach((got, s) => assert.ok(got.every((v, i) => v === alone[s][i]), `${name} [${sa}]·[${sb}]: lane ${s} of ${S} differs from the lane alone`));
          }
        }
      }
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    });

    for (const file of ['transformer', 'lstm', 'mlp']) {
      test(`${file}: loss and every gradient match the PyTorch fixtures (as parity.test.ts)`, async () => {
        await initBackend(backend);
        const fixture = JSON.parse(readFileSync(new URL(`fixtures/${file}.json`, import.meta.url), 'utf8')) as {
          cases: { name: string; kind: ModelSpec['kind']; config: Record<string, unknown>; tokens: { shape: number[]; data: number[] };
            targets: { data: number[] }; mask: { data: number[] }; params: Record<string, { data: number[] }>; loss: number;
            grads: Record<string, { data: number[] }> }[];
        };
        for (const c of fixture.cases) {
          const model = createModel({ kind: c.kind, ...c.config } as ModelSpec);
          const [B, T] = c.tokens.shape;
          const batch: BatchData = {
            batchSize: B, length: T, inputs: Int32Array.from(c.tokens.data), targets: Int32Array.from(c.targets.data), scored: Uint8Array.from(c.mask.data),
          };
          const count = checkBatch(batch, model.vocabSize, model.contextLength, 0, c.name);
          const params = Object.fromEntries(Object.entries(c.params).map(([n, t]) => [n, t.data]));
          const engine = new StackedTrainer(model, [{ params }, { params }]); // two identical lanes: both must match
          const out = engine.lossAndGradients([batch, batch], [count, count]);
          engine.dispose();
          model.dispose();
          for (const lane of out) {
            assert.ok(Math.abs(lane.loss - c.loss) <= 1e-6 * Math.abs(c.loss) + 1e-5 * Math.abs(c.loss), `${c.name}: loss ${lane.loss}, torch ${c.loss}`);
            for (const [n, g] of Object.entries(c.grads)) {
              const scale = Math.max(...g.data.map(Math.abs));
              g.data.forEach((e, i) => {
                const a = lane.grads[n][i];
                assert.ok(Math.abs(a - e) <= 1e-5 * scale + 1e-5 * Math.abs(e), `${file} › ${c.name} › grad ${n}[${i}]: ${a}, torch ${e}`);
              });
            }
          }
        }
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Seed-batched training is bit-identical to training alone

// Bit for bit is the eager engine's contract; the graph engine's (within a bound) is tested below.
const BASE: TrainerArgs = { steps: 8, learningRate: 2e-2, warmupSteps: 2, evalEvery: 3, curveEvery: 2, earlyStopAtPerfect: false, engine: 'eager' };

for (const backend of backends) {
  describe(`trainBatched: every replica is bit-identical to train() alone [${backend}]`, () => {
    for (const [name, spec] of Object.entries({ ...MODELS, bigram: undefined })) {
      test(name, async () => {
        await initBackend(backend);
        const model = spec ? createModel(spec) : new Bigram();
        const replicas: Replica[] = [
          { data: toy(1), args: { ...BASE, seed: 1 } },
          { data: toy(2), args: { ...BASE, seed: 2, learningRate: 5e-2, weightDecay: 0, beta2: 0.99, clipNorm: 0 } },
          { data: toy(1), args: { ...BASE, seed: 3, steps: 5, evalEvery: 2, decay: 'linear' } }, // finishes first: leaves the stack
        ];
        const before = tf.memory().numTensors;
        const batched = await together(model, replicas);
        for (const [i, r] of replicas.entries()) {
          const solo = await alone(model, r.data, r.args as TrainerArgs);
          const b = batched[i];
          assert.equal(b.error, undefined, `replica ${i} failed: ${b.error?.message}`);
          assert.deepEqual(b.losses, solo.losses, `replica ${i}: losses`);
          assert.deepEqual(comparable(b.result as TrainResult), comparable(solo.result), `replica ${i}: result`);
          assert.deepEqual(b.weights, solo.weights, `replica ${i}: final weights`);
        }
        assert.notDeepEqual(batched[0].losses, batched[1].losses, 'replicas differ');
        model.dispose();
        assert.equal(tf.memory().numTensors, before, 'tensors leaked');
      });
    }

    if (backend === 'tensorflow') {
      test('engine graph (every model kind): each replica within the bound (docs/graph-engine.md) of train() alone, reruns bit-identical', { timeout: 180_000 }, async () => {
        await initBackend(backend);
        for (const [name, spec] of Object.entries({ ...MODELS, bigram: undefined })) {
          const model = spec ? createModel(spec) : new Bigram();
          const graph: TrainerArgs = { ...BASE, engine: 'graph' };
          const replicas: Replica[] = [
            { data: toy(1), args: { ...graph, seed: 1 } },
            { data: toy(2), args: { ...graph, seed: 2, learningRate: 5e-2, weightDecay: 0 } },
          ];
          const before = tf.memory().numTensors;
          const batched = await together(model, replicas);
          const again = await together(model, replicas);
          for (const [i, r] of replicas.entries()) {
            const solo = await alone(model, r.data, r.args as TrainerArgs);
            const b = batched[i];
            assert.equal(b.error, undefined, `${name}, replica ${i} failed: ${b.error?.message}`);
            if (spec) assert.equal(b.result?.engine, 'graph', `${name}: steps ran as a graph`);
            assert.deepEqual(again[i].losses, b.losses, `${name}, replica ${i}: a rerun gives the same losses`);
            assert.deepEqual(again[i].weights, b.weights, `${name}, replica ${i}: a rerun gives the same weights`);
            const dl = Math.max(...b.losses.map((l, k) => Math.abs(l - solo.losses[k])));
            const dw = Math.max(...b.weights.flatMap((w, j) => w.map((x, k) => Math.abs(x - solo.weights[j][k]))));
            assert.ok(dl <= 0.02 && dw <= 0.01, `${name}, replica ${i}: |Δloss| ${dl}, |Δθ| ${dw} against alone`);
          }
          model.dispose();
          assert.equal(tf.memory().numTensors, before, `${name}: tensors leaked`);
        }
      });
    }

    test('odd shapes (3 rows of 6 positions; an LSTM with hidden size 5): still bit-identical', async () => {
      // On tfjs-node such batches are padded with unscored rows (engine.ts, paddedRows); elsewhere not needed.
      await initBackend(backend);
      for (const spec of [MODELS['transformer, cog + expressive, no positions'], { kind: 'lstm', vocabSize: 6, contextLength: 6, hiddenSize: 5 } as ModelSpec]) {
        const model = createModel(spec);
        const replicas: Replica[] = [1, 2].map((seed) => ({ data: toy(seed, 3), args: { ...BASE, steps: 4, seed } }));
        const batched = await together(model, replicas);
        for (const [i, r] of replicas.entries()) {
          const solo = await alone(model, r.data, r.args as TrainerArgs);
          assert.deepEqual(batched[i].losses, solo.losses, `${spec.kind}, replica ${i}: losses`);
          assert.deepEqual(batched[i].weights, solo.weights, `${spec.kind}, replica ${i}: weights`);
          assert.deepEqual(batched[i].result?.evals, solo.result.evals, `${spec.kind}, replica ${i}: evals`);
        }
        model.dispose();
      }
    });

    test('a replica stopped by its callback, one that reaches 100 %, one resumed from a checkpoint, one diverging: the others are unaffected', async () => {
      await initBackend(backend);
      const model = createModel(MODELS['transformer, dot-product']);
      const path = join(dir, `resume-${backend}.json`);
      const resumed: TrainerArgs = { ...BASE, seed: 4, checkpointPath: path };
      // The first 4 steps alone, checkpointed; the batched run continues from there.
      await alone(model, toy(4), { ...resumed, callbacks: { onStep: (e) => { if (e.step === 4) e.stop(); } } });
      const easy = new ToySource({ symbols: 4, length: 6, tasks: ['increment'], batchSize: 4, evalBatches: 1, seed: 5 });
      const replicas: Replica[] = [
        { data: toy(1), args: { ...BASE, seed: 1, callbacks: { onStep: (e) => { if (e.step === 3) e.stop(); } } } },
        { data: easy, args: { steps: 200, learningRate: 0.05, warmupSteps: 0, evalEvery: 5, seed: 5, engine: 'eager' } },
        { data: toy(4), args: { ...resumed, resumeFrom: path } },
        { data: toy(6), args: { ...BASE, seed: 6, learningRate: 1e30, warmupSteps: 0, clipNorm: 0 } },
        { data: toy(7), args: { ...BASE, seed: 7 } },
      ];
      const before = tf.memory().numTensors;
      const batched = await together(model, replicas);
      assert.equal(batched[0].result?.stopReason, 'stopped');
      assert.equal(batched[0].result?.steps, 3);
      assert.equal(batched[1].result?.stopReason, 'perfect', `replica 1: ${batched[1].result?.bestAccuracy}`);
      assert.equal(batched[2].result?.resumedFrom, 4);
      assert.match(batched[3].error?.message ?? '', /training diverged: the (loss|gradient norm) is .* at step \d+/);
      const straight = await alone(model, toy(4), { ...BASE, seed: 4 });
      assert.deepEqual(batched[2].weights, straight.weights, 'resumed replica: final weights as an uninterrupted run');
      // (the first part's stop at step 4 added an eval there, which the checkpoint carries)
      assert.deepEqual(batched[2].result?.evals.filter((e) => e.step !== 4), straight.result.evals, 'resumed replica: evals');
      for (const i of [0, 1, 4]) {
        const r = replicas[i];
        const solo = await alone(model, r.data, r.args as TrainerArgs);
        assert.deepEqual(batched[i].losses, solo.losses, `replica ${i}: losses`);
        assert.deepEqual(batched[i].weights, solo.weights, `replica ${i}: weights`);
        assert.deepEqual(comparable(batched[i].result as TrainResult), comparable(solo.result), `replica ${i}: result`);
      }
      model.dispose();
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    });
  });
}

test('a large flat buffer (235 k parameters): the gradient norm and update of a lane are exactly a single run\'s', async () => {
  // Long reductions are where threads split work differently for one lane and for several.
  for (const backend of backends) {
    await initBackend(backend);
    const model = createModel({ kind: 'mlp', vocabSize: 20, contextLength: 32, hiddenSizes: [256, 256] });
    const S = 3;
    const params = Array.from({ length: S }, (_, s) => initParams(model, s + 1));
    const B = 2;
    const T = 32;
    const batch = (s: number, k: number): BatchData => ({
      batchSize: B, length: T, inputs: Int32Array.from({ length: B * T }, (_, i) => (i * (s + 3) + k) % 20),
      targets: Int32Array.from({ length: B * T }, (_, i) => (i * 7 + s + k) % 20), scored: new Uint8Array(B * T).fill(1),
    });
    const settings = { learningRate: 1e-2, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 0.5 };
    const one = new StackedTrainer(model, [{ params: params[0] }]);
    const many = new StackedTrainer(model, params.map((p) => ({ params: p })));
    for (let k = 0; k < 2; k++) {
      const [a] = one.step([batch(0, k)], [B * T], [settings]);
      const [b] = many.step(Array.from({ length: S }, (_, s) => batch(s, k)), Array(S).fill(B * T), Array(S).fill(settings));
      assert.equal(b.gradNorm, a.gradNorm, `${backend}, step ${k}: gradient norm`);
      assert.equal(b.loss, a.loss, `${backend}, step ${k}: loss`);
    }
    assert.deepEqual(many.lane(0).params, one.lane(0).params, `${backend}: parameters after 2 steps`);
    one.dispose();
    many.dispose();
    params.forEach(disposeParams);
    model.dispose();
  }
});

/** `toy(seed)` whose training batches get 8 rows from step `from` on (lanes can then no longer be stacked). */
function reshapedFrom(seed: number, from: number): DataSource {
  const small = toy(seed);
  const large = toy(seed, 8);
  return { vocabSize: small.vocabSize, contextLength: small.contextLength, labelNames: small.labelNames, evalBatches: () => small.evalBatches(), trainBatch: (step) => (step < from ? small : large).trainBatch(step) };
}

test('a batched run that throws part-way frees the finished replicas\' parameters', async () => {
  for (const backend of backends) {
    await initBackend(backend);
    const model = createModel(MODELS['transformer, dot-product']);
    const args: TrainerArgs = { ...BASE, steps: 4 };
    const before = tf.memory().numTensors;
    // Replica 0 finishes after 2 steps (its parameters are then a result); at step 3 the other two
    // replicas' batches differ in shape, which rejects the whole run.
    await assert.rejects(trainBatched(model, [
      { data: toy(1), args: { ...args, steps: 2 } },
      { data: toy(2), args },
      { data: reshapedFrom(3, 2), args },
    ]), /lanes need batches of one shape/);
    assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked by a run that threw`);
    // The same across groups: the first group finishes, the second throws.
    await assert.rejects(trainBatched(model, [
      { data: toy(1), args },
      { data: toy(2), args },
      { data: toy(3), args },
      { data: reshapedFrom(4, 1), args },
    ], { maxReplicas: 2 }), /lanes need batches of one shape/);
    assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked by a later group that threw`);
    model.dispose();
  }
});

test('trainSeeds, maxReplicas and errors', async () => {
  await initBackend(backends[0]);
  const model = createModel(MODELS['lstm, 2 layers']);
  const args: TrainerArgs = { ...BASE, steps: 4 };
  const all = await trainSeeds(model, (s) => toy(s), args, [1, 2, 3]);
  const chunked = await trainSeeds(model, (s) => toy(s), args, [1, 2, 3], { maxReplicas: 2 });
  for (let i = 0; i < 3; i++) {
    const a = all[i];
    const b = chunked[i];
    assert.ok(a.status === 'fulfilled' && b.status === 'fulfilled');
    assert.deepEqual(comparable(a.value), comparable(b.value), `seed ${i + 1}: groups of 2 = all at once`);
    assert.equal(a.value.evals.length > 0, true);
    disposeParams(a.value.params);
    disposeParams(b.value.params);
  }
  await assert.rejects(trainSeeds(model, (s) => toy(s), args, [1], { maxReplicas: 0 }), /maxReplicas must be a positive integer; got 0/);
  // Per-replica errors: bad arguments, a different batch shape.
  const bad = await trainBatched(model, [
    { data: toy(1), args: { ...args, learningRate: -1 } },
    { data: toy(1), args },
  ]);
  assert.equal(bad[0].status, 'rejected');
  assert.match(String((bad[0] as PromiseRejectedResult).reason), /learningRate must be a positive finite number; got -1/);
  assert.equal(bad[1].status, 'fulfilled');
  if (bad[1].status === 'fulfilled') disposeParams(bad[1].value.params);
  await assert.rejects(trainBatched(model, [{ data: toy(1), args }, { data: toy(2, 8), args }]),
    /lanes need batches of one shape: lane 0 has \[4, 6\], lane 1 has \[8, 6\]/);
  model.dispose();
});
