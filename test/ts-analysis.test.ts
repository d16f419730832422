/**
 * Notebook 02's analysis helpers: model summaries over seeds, mean curves, the copy sources of the
 * IARC worked example, attention on those sources (hand-made weights and a real model's own
 * attention), label shares and the partial-solver yardstick, and the cisformer's position similarity.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { batchWindow, cisPositionSimilarity, cisWeightAnalysis, copySourceAttention, findIarcExample, iarcCopySources, iarcLabelShares, iarcSegments, meanCurve, partialSolverAccuracy, summariseModels, tsModelName } from '../lib/papers/ts/analysis.js';
import { expandGrid } from '../lib/lab/grid.js';
import { attentionWeights, layerAttentionMap, type LayerAttention } from '../lib/lab/attention-maps.js';
import { readRecord, recordPath, resultDir, defaultDataDir } from '../lib/lab/store.js';
import { TS_BUDGET_FACTOR, TS_BEST_KEPT_SEED, TS_CONVERGENCE_READINGS, TS_GROUP_STEPS, TS_READINGS } from '../lib/papers/ts/grids.js';
import { initBackend } from '../lib/backend.js';
import { disposeParams, initParams } from '../lib/models/params.js';
import { Transformer } from '../lib/models/transformer.js';
import { IarcTask, iarcStream } from '../lib/tasks/iarc.js';
import type { BatchData } from '../lib/train/data.js';
import { assertClose, testBackends } from './helpers.js';
import { getExperiment } from '../lib/papers/registry.js';

const N = 16;
/** papers.md: 5 9 I 10 11 12 13 A 9 6 15 5 4 R 4 5 15 6 C 15 6 15 6 15 I 0 1 2 (positions 0..27). */
const worked = iarcStream(N, [5, 9], [
  { task: 'I', length: 4 }, { task: 'A', length: 5 }, { task: 'R', length: 4 }, { task: 'C', length: 5 }, { task: 'I', length: 3 },
]);

/** The worked example as a one-row batch: inputs positions 0..26, targets 1..27, labels and scored as IarcTask makes them. */
function workedBatch(): BatchData {
  const T = worked.length - 1;
  const roles = 's s c I I I I c A A A A A c R R R R c C C C C C c I I I'.split(' ');
  const label = (r: string): number => 'IARC'.indexOf(r);
  return {
    batchSize: 1, length: T, inputs: Int32Array.from(worked.slice(0, T)), targets: Int32Array.from(worked.slice(1)),
    scored: Uint8Array.from(roles.slice(1).map((r) => (label(r) >= 0 ? 1 : 0))),
    labels: Int32Array.from(roles.slice(1).map((r) => Math.max(label(r), 0))),
  };
}

test('iarcCopySources: the R and C tokens of the worked example copy the positions worked out by hand', () => {
  const src = iarcCopySources(worked, N);
  const expected = new Array<number>(worked.length).fill(-1);
  // R at 13: its numbers 14..17 copy the numbers before it, latest first: positions 12, 11, 10, 9.
  [12, 11, 10, 9].forEach((s, k) => { expected[14 + k] = s; });
  // C at 18: 19 follows the 6 at 17; the earlier 6 is at 9, followed by 15 at 10. 20 follows 15 (19): earlier 15 at 16 → 17.
  // 21 follows 6 (20): earlier 6 at 17, its successor skips the control at 18 → 19. Then 22 ← 20, 23 ← 21.
  [10, 17, 19, 20, 21].forEach((s, k) => { expected[19 + k] = s; });
  assert.deepEqual(src, expected);
  for (let j = 0; j < worked.length; j++) if (src[j] >= 0) assert.equal(worked[src[j]], worked[j], `token ${j} equals its source`);
  assert.throws(() => iarcCopySources([5, 9, 18, 3], N), /token 3 is 3 but the reverse-copy rule gives 9/);
  assert.throws(() => iarcCopySources([5, 20], N), /token 1 \(20\) is outside the IARC vocabulary 0\.\.19/);
});

test('iarcSegments, batchWindow and findIarcExample', () => {
  assert.deepEqual(iarcSegments(worked, N).map((s) => [s.task, s.control, s.end]), [['I', 2, 7], ['A', 7, 13], ['R', 13, 18], ['C', 18, 24], ['I', 24, 28]]);
  const batch = workedBatch();
  assert.deepEqual(batchWindow(batch, 0), worked);
  assert.throws(() => batchWindow(batch, 1), /row must be in 0\.\.0/);
  assert.equal(findIarcExample(batch, N, ['R', 'C'], 4), 0);
  assert.equal(findIarcExample(batch, N, ['R', 'C'], 5), -1, 'the R segment has only 4 copied tokens');
  const task = new IarcTask({ contextLength: 32, evalSize: 64, seed: 3 });
  const evalBatch = task.evalBatches()[0];
  const row = findIarcExample(evalBatch, N);
  assert.ok(row >= 0, 'some of 64 windows shows an R and a C segment with 3 copied tokens');
  const spans = iarcSegments(batchWindow(evalBatch, row), N);
  assert.ok(spans.some((s) => s.task === 'R') && spans.some((s) => s.task === 'C'));
});

/** One layer, one head, weights given per query row (rows shorter than T are padded with 0). */
function handLayer(T: number, rows: Record<number, number[]>): LayerAttention {
  const weight = new Float32Array(T * T);
  for (const [i, r] of Object.entries(rows)) weight.set(r, Number(i) * T);
  return { layer: 0, batch: 1, heads: 1, length: T, weight };
}

test('copySourceAttention: weight on the copied key for scored R and C queries, against hand counts', () => {
  const batch = workedBatch();
  const T = batch.length;
  // Query 13 (R control) predicts token 14, source 12: weight 0.6 there, and its top key.
  // Query 14 predicts 15, source 11: weight 0.2 there, top key elsewhere (0.8 on 14). Queries 15, 16: no weight on the source.
  // Query 18 (C control) predicts 19, source 10: weight 1.
  const oneHot = (i: number, j: number, w = 1): number[] => Array.from({ length: i + 1 }, (_, k) => (k === j ? w : 0));
  const rowsR = { 13: oneHot(13, 12, 0.6).map((v, k) => (k === 0 ? 0.4 : v)), 14: oneHot(14, 14, 0.8).map((v, k) => (k === 11 ? 0.2 : v)), 15: oneHot(15, 15), 16: oneHot(16, 16) };
  const layer = handLayer(T, { ...rowsR, 18: oneHot(18, 10) });
  const out = copySourceAttention([layer], batch, N);
  const get = (subtask: string, head: number): (typeof out)[number] => out.find((r) => r.subtask === subtask && r.head === head) as (typeof out)[number];
  const r = get('reverse-copy', 0);
  assert.equal(r.queries, 4);
  assertClose([r.meanOnSource, r.topIsSource, r.uniform], [(0.6 + 0.2) / 4, 1 / 4, (1 / 14 + 1 / 15 + 1 / 16 + 1 / 17) / 4], 'R', 1e-6, 1e-7);
  const c = get('context', 0);
  assert.equal(c.queries, 5);
  assertClose([c.meanOnSource, c.topIsSource], [1 / 5, 1 / 5], 'C', 1e-6, 1e-7);
  assert.deepEqual({ ...get('reverse-copy', -1), head: 0 }, r, 'with one head, the best head is that head');
  assert.throws(() => copySourceAttention([handLayer(T - 1, {})], batch, N), /layer 0 is \[1, ·, 26, ·\], the batch \[1, 27\]/);
  assert.throws(() => copySourceAttention([layer], { ...batch, labels: undefined }, N), /has no labels/);
  assertClose(layerAttentionMap(layer, 0, 0, 12, 15).flat(), [0, 0, 0, 0.6, 0, 0, 0, 0, 0.8], 'rows and columns 12..14', 1e-6, 1e-7);
  assert.throws(() => layerAttentionMap(layer, 0, 1), /h must be in 0\.\.0/);
});

test('attentionWeights: the model\'s own attention for a transformer and a cisformer, no leak', async () => {
  for (const backend of await testBackends()) {
    for (const cis of [false, true]) {
      const model = new Transformer({ vocabSize: 20, contextLength: 27, width: 8, layers: 2, heads: 2, ffWidth: 16, attention: 'expressive', cis, initStd: 0.5 });
      const params = initParams(model, 1);
      const batch = workedBatch();
      const tokens = tf.tensor2d(batch.inputs, [1, batch.length], 'int32');
      const expected = tf.tidy(() => model.apply(params, tokens, { returnAttention: true }).attention?.map((a) => Array.from(a.dataSync())) ?? []);
      const before = tf.memory().numTensors;
      const layers = attentionWeights(model, params, batch);
      assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
      assert.equal(layers.length, 2);
      layers.forEach((l, i) => {
        assert.deepEqual([l.layer, l.batch, l.heads, l.length], [i, 1, 2, 27]);
        assertClose(l.weight, expected[i], `${backend} cis=${cis} layer ${i}`, 0, 0);
      });
      const sa = copySourceAttention(layers, batch, N);
      assert.equal(sa.length, 2 * 2 * 3, 'layers × subtasks × (heads + best head)');
      for (const s of sa) {
        assert.ok(s.meanOnSource >= 0 && s.meanOnSource <= 1 && s.topIsSource >= 0 && s.topIsSource <= 1, JSON.stringify(s));
        if (s.head === -1) {
          const perHead = sa.filter((x) => x.layer === s.layer && x.subtask === s.subtask && x.head >= 0);
          assert.ok(s.meanOnSource >= Math.max(...perHead.map((x) => x.meanOnSource)) - 1e-7, 'the best head per query is at least every single head');
        }
      }
      tokens.dispose();
      disposeParams(params);
      model.dispose();
    }
  }
});

test('iarcLabelShares and partialSolverAccuracy', () => {
  const { shares, positions, scored } = iarcLabelShares([workedBatch()]);
  assert.equal(positions, 27);
  assert.equal(scored, 21); // I 4 + 3, A 5, R 4, C 5
  assert.deepEqual(shares.map((s) => s.scored), [7, 5, 4, 5]);
  assertClose(shares.map((s) => s.share), [7 / 21, 5 / 21, 4 / 21, 5 / 21], 'shares');
  // I and A solved, R and C guessed among 16: (7 + 5)/21 + (4 + 5)/21/16.
  assertClose([partialSolverAccuracy(shares, ['increment', 'addition'], 16)], [12 / 21 + 9 / 21 / 16], 'partial');
  assertClose([partialSolverAccuracy(shares, ['increment', 'addition', 'reverse-copy', 'context'], 16)], [1], 'all solved');
  assert.throws(() => partialSolverAccuracy(shares, ['copy'], 16), /unknown label 'copy'/);
  assert.throws(() => iarcLabelShares([{ ...workedBatch(), labels: undefined }]), /has no labels/);
});

test('summariseModels and meanCurve: seeds aggregated per architecture and mechanism', () => {
  const row = (architecture: string, mechanism: string, seed: number, acc: number, inc: number): Record<string, string | number> =>
    ({ architecture, mechanism, seed, finalAccuracy: acc, acc_increment: inc, parameterCount: 100, msPerStep: 10 + seed });
  const rows = [row('cisformer', 'expressive', 0, 0.8, 1), row('cisformer', 'expressive', 1, 0.9, 0.5), row('lstm', 'none', 0, 0.7, 0.9)];
  const s = summariseModels(rows, ['increment']);
  assert.deepEqual(s.map((x) => x.name), ['cisformer (EA)', 'LSTM']);
  assertClose([s[0].final.mean, s[0].final.best, s[0].final.worst, s[0].perLabel.increment.mean, s[0].msPerStep], [0.85, 0.9, 0.8, 0.75, 10.5], 'cisformer');
  assert.equal(s[0].bestSeed, 1);
  assert.equal(s[0].seeds, 2);
  assert.equal(s[1].final.count, 1);
  assert.ok(Number.isNaN(s[1].final.std));
  assert.throws(() => summariseModels([{ mechanism: 'x' }]), /no column 'architecture'/);
  assert.equal(tsModelName('transformer', 'dot-product'), 'transformer (DPA)');
  assert.equal(tsModelName('mlp', 'none'), 'MLP');
  const curve = [
    { architecture: 'lstm', seed: 0, step: 50, accuracy: 0.2 }, { architecture: 'lstm', seed: 1, step: 50, accuracy: 0.4 },
    { architecture: 'lstm', seed: 0, step: 100, accuracy: 0.5 }, { architecture: 'mlp', seed: 0, step: 50, accuracy: 0.9 },
  ];
  const m = meanCurve(curve, { architecture: 'lstm' });
  assert.deepEqual(m.step, [50, 100]);
  assertClose(m.mean, [0.3, 0.5], 'mean');
  assertClose(m.std, [Math.SQRT2 * 0.1, 0], 'std', 1e-6, 1e-9);
  assert.deepEqual(m.count, [2, 1]);
  assert.throws(() => meanCurve(curve, {}, 'loss'), /no column 'loss'/);
  // holdLast: seed 1 stopped at step 50 (0.4) and counts with that value at step 100.
  const keyed = curve.map((r) => ({ ...r, key: `seed=${r.seed}` }));
  const held = meanCurve(keyed, { architecture: 'lstm' }, 'accuracy', { holdLast: true });
  assertClose(held.mean, [0.3, 0.45], 'held mean');
  assert.deepEqual(held.count, [2, 2]);
  assert.throws(() => meanCurve(curve, {}, 'accuracy', { holdLast: true }), /holdLast needs a 'key' column/);
});

test('cisPositionSimilarity: hand-made per-position matrices; a plain transformer is refused', async () => {
  for (const backend of await testBackends()) {
    // T = 3, d = 2: query block of position 0 = A, position 1 = 2A (similarity 1), position 2 = −A; keys and values random.
    const A = [1, 2, 3, 4];
    const w = new Float32Array(3 * 2 * 6);
    const put = (p: number, block: number, m: number[]): void => {
      for (let r = 0; r < 2; r++) for (let c = 0; c < 2; c++) w[(p * 2 + r) * 6 + block * 2 + c] = m[r * 2 + c];
    };
    put(0, 0, A); put(1, 0, A.map((x) => 2 * x)); put(2, 0, A.map((x) => -x));
    put(0, 1, [1, 0, 0, 0]); put(1, 1, [0, 1, 0, 0]); put(2, 1, [1, 1, 0, 0]);
    const params = { 'layers.0.attention.qkv.weight': tf.tensor3d(w, [3, 2, 6]) };
    const q = cisPositionSimilarity(params, 0, 'query');
    assertClose(q.matrix.flat(), [1, 1, -1, 1, 1, -1, -1, -1, 1], `${backend} query`, 1e-6, 1e-7);
    assertClose([q.meanOffDiagonal, q.meanNeighbour], [(1 - 1 - 1) * 2 / 6, 0], `${backend} means`, 1e-6, 1e-7);
    const k = cisPositionSimilarity(params, 0, 'key');
    assertClose([k.matrix[0][1], k.matrix[0][2], k.matrix[1][2]], [0, Math.SQRT1_2, Math.SQRT1_2], `${backend} key`, 1e-6, 1e-7);
    assert.ok(Number.isNaN(cisPositionSimilarity(params, 0, 'value').matrix[0][1]), 'all-zero value blocks have no direction');
    assert.throws(() => cisPositionSimilarity(params, 1, 'query'), /no parameter 'layers\.1\.attention\.qkv\.weight'/);
    params['layers.0.attention.qkv.weight'].dispose();
    const plain = { 'layers.0.attention.qkv.weight': tf.zeros([2, 6]) };
    assert.throws(() => cisPositionSimilarity(plain, 0, 'query'), /not a cisformer/);
    plain['layers.0.attention.qkv.weight'].dispose();
  }
});

test('TS grids: ablation over both architectures (committed cisformer cells keep their hashes), budget at TS_BUDGET_FACTOR × the steps, kept models', () => {
  const ablation = expandGrid(getExperiment('ts-ablation'), 'full');
  assert.equal(ablation.length, 2 * 2 * 4 * 3);
  const cis = ablation.filter((c) => c.coords.architecture === 'cisformer');
  assert.ok(cis.every((c) => (c.spec.model as { cis?: boolean }).cis === true));
  assert.ok(ablation.filter((c) => c.coords.architecture === 'transformer').every((c) => (c.spec.model as { cis?: boolean }).cis === false));
  // The cisformer cells were run before the transformer was added: their committed records must still match (no rerun).
  const dir = resultDir(defaultDataDir(), 'ts', 'ts-ablation', 'full');
  for (const c of cis) {
    const file = recordPath(dir, c.key);
    if (existsSync(file)) assert.equal(readRecord(file).configHash, c.configHash, `${c.key}: the committed record was made by another config`);
  }
  const models = expandGrid(getExperiment('ts-models'), 'full');
  const budget = expandGrid(getExperiment('ts-budget'), 'full');
  assert.deepEqual(budget.map((c) => c.key), [
    'architecture=transformer,mechanism=dot-product,seed=0', 'architecture=transformer,mechanism=dot-product,seed=1',
    'architecture=cisformer,mechanism=dot-product,seed=0', 'architecture=cisformer,mechanism=dot-product,seed=1',
    'architecture=cisformer,mechanism=expressive,seed=0', 'architecture=cisformer,mechanism=expressive,seed=1',
  ]);
  for (const c of budget) {
    const same = models.find((m) => m.key === c.key);
    assert.ok(same, c.key);
    assert.equal(c.spec.trainer.steps, TS_BUDGET_FACTOR * (same.spec.trainer.steps as number));
    assert.deepEqual({ ...c.spec, trainer: { ...c.spec.trainer, steps: 0, evalEvery: 0 } }, { ...same.spec, trainer: { ...same.spec.trainer, steps: 0, evalEvery: 0 } },
      `${c.key}: only the budget differs from ts-models`);
  }
  assert.deepEqual(models.filter((c) => c.options.keepModel).map((c) => c.key), [
    'architecture=transformer,mechanism=expressive,seed=0', `architecture=transformer,mechanism=expressive,seed=${TS_BEST_KEPT_SEED}`,
    'architecture=cisformer,mechanism=expressive,seed=0',
  ]);
  assert.equal(expandGrid(getExperiment('ts-models'), 'smoke').filter((c) => c.options.keepModel).length, 0);
});

test('ts-readings: one change per reading from today (the group reading combines its documented ones); readings of positions train only the models they change', () => {
  const cells = expandGrid(getExperiment('ts-readings'), 'full');
  const count = (reading: string): number => cells.filter((c) => c.coords.reading === reading).length;
  // Six models (transformer, cisformer × DPA, EA; LSTM; MLP) × 3 seeds; position readings: 2 models × 3 seeds.
  assert.deepEqual(Object.keys(TS_READINGS).map(count), [18, 18, 18, 6, 6, 6, 18]);
  const get = (reading: string, architecture: string, mechanism: string): (typeof cells)[number] => {
    const c = cells.find((x) => x.coords.reading === reading && x.coords.architecture === architecture && x.coords.mechanism === mechanism && x.coords.seed === 1);
    assert.ok(c, `${reading} ${architecture} ${mechanism}`);
    return c;
  };
  const today = get('today', 'transformer', 'expressive');
  const models = expandGrid(getExperiment('ts-models'), 'full').find((c) => c.key === 'architecture=transformer,mechanism=expressive,seed=1');
  assert.deepEqual({ task: today.spec.task, model: today.spec.model }, { task: models?.spec.task, model: models?.spec.model }, "today = ts-models' setup");
  assert.equal(today.spec.trainer.steps, 3000);
  const diff = (reading: string, architecture: string, mechanism: string): Record<string, unknown> => {
    const a = get(reading, architecture, mechanism).spec;
    const b = get('today', architecture, mechanism).spec;
    const out: Record<string, unknown> = {};
    for (const part of ['task', 'model'] as const) {
      const x = a[part] as Record<string, unknown>;
      const y = b[part] as Record<string, unknown>;
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) out[`${part}.${k}`] = x[k];
    }
    return out;
  };
  assert.deepEqual(diff('ongoing', 'lstm', 'none'), { 'task.maxOffset': 512, 'task.unscoredPrefix': 18 });
  assert.deepEqual(diff('group', 'cisformer', 'expressive'), { 'task.maxOffset': 512, 'task.unscoredPrefix': 18, 'task.scoredBy': 'stream', 'task.contextLength': 64 });
  assert.deepEqual(diff('no-positions', 'transformer', 'dot-product'), { 'model.positional': 'none' });
  assert.deepEqual(diff('sinusoidal', 'transformer', 'expressive'), { 'model.positional': 'sinusoidal' });
  assert.deepEqual(diff('cis-no-positions', 'cisformer', 'dot-product'), { 'model.positional': 'none' });
  assert.deepEqual(diff('N32', 'mlp', 'none'), { 'task.N': 32 });
  assert.ok(!cells.some((c) => c.coords.reading === 'no-positions' && c.coords.architecture !== 'transformer'));
  // Every cell builds (task and model arguments valid).
  for (const c of expandGrid(getExperiment('ts-readings'), 'smoke')) new IarcTask(c.spec.task as ConstructorParameters<typeof IarcTask>[0]);
});

test("ts-convergence: ts-models' eight models under today's reading and the no-positions transformers, five seeds, 12 000 steps with the plateau stop", () => {
  const cells = expandGrid(getExperiment('ts-convergence'), 'full');
  assert.equal(cells.length, 50);
  const models = expandGrid(getExperiment('ts-models'), 'full');
  const pairs = (cs: typeof cells): string[] => [...new Set(cs.map((c) => `${c.coords.architecture}/${c.coords.mechanism}`))].sort();
  assert.deepEqual(pairs(cells.filter((c) => c.coords.reading === 'today')), pairs(models));
  assert.deepEqual(pairs(cells.filter((c) => c.coords.reading === 'no-positions')), ['transformer/dot-product', 'transformer/expressive']);
  assert.deepEqual([...new Set(cells.map((c) => c.coords.seed))], [0, 1, 2, 3, 4]);
  for (const c of cells) {
    assert.equal(c.spec.trainer.steps, 12_000);
    assert.deepEqual(c.spec.trainer.plateau, { window: 15, minDelta: 0.005 });
    // The same task and model as ts-readings under the same reading (only the budget differs).
    const readings = expandGrid(getExperiment('ts-readings'), 'full').find((r) => r.key === c.key.replace(/seed=[34]/, 'seed=0'));
    if (readings && c.coords.mechanism !== 'cog' && c.coords.mechanism !== 'signed-expressive') {
      assert.deepEqual(c.spec.model, readings.spec.model, c.key);
      assert.deepEqual({ ...c.spec.task, seed: 0 }, { ...readings.spec.task, seed: 0 }, c.key);
    }
  }
  assert.deepEqual(TS_CONVERGENCE_READINGS, ['today', 'no-positions']);
  for (const c of expandGrid(getExperiment('ts-convergence'), 'smoke')) new IarcTask(c.spec.task as ConstructorParameters<typeof IarcTask>[0]);
  // The group's budget: 40 000 steps at full, the same ≈ 3.3× the grid's steps at every scale.
  assert.equal(TS_GROUP_STEPS.full, 40_000);
  for (const scale of ['smoke', 'quick', 'full'] as const) {
    const ratio = TS_GROUP_STEPS[scale] / Number(expandGrid(getExperiment('ts-convergence'), scale)[0].spec.trainer.steps);
    assert.ok(ratio > 3.3 && ratio < 3.4, `${scale}: ${ratio}`);
  }
  const only = expandGrid(getExperiment('ts-convergence'), 'full', { steps: TS_GROUP_STEPS.full, noPlateau: true, only: { reading: ['no-positions'] } });
  assert.deepEqual([only.length, [...new Set(only.map((c) => c.spec.trainer.steps))]], [10, [40_000]], 'the no-positions transformers, five seeds each');
  assert.ok(only.every((c) => c.spec.trainer.plateau === undefined), 'every step, as the group trains');
});

test('cisWeightAnalysis: an update shared by every position has similarity 1; untrained weights are their own initialisation; no leak', async () => {
  await initBackend((await testBackends())[0]);
  const model = new Transformer({ vocabSize: 6, contextLength: 4, width: 4, heads: 1, layers: 1, ffWidth: 4, cis: true });
  const before = tf.memory().numTensors;
  // Trained = initial (seed 3) + the same delta at every position.
  const init = initParams(model, 3);
  const delta = tf.randomNormal([1, 4, 12], 0, 0.5, 'float32', 7);
  const trained = { ...init, 'layers.0.attention.qkv.weight': tf.add(init['layers.0.attention.qkv.weight'], delta) };
  const r = cisWeightAnalysis(model, trained, 3);
  for (const s of r.similarity) assertClose([s.update.meanOffDiagonal], [1], `${s.part}: a shared update`, 0, 1e-5);
  assert.ok(r.stillInitial[0] < 0.99 && r.stillInitial[0] > -1, String(r.stillInitial));
  const same = cisWeightAnalysis(model, init, 3);
  assertClose(same.stillInitial, [1], 'the initial weights themselves', 0, 1e-6);
  assert.ok(same.similarity.every((s) => Number.isNaN(s.update.meanOffDiagonal)), 'a zero update has no direction');
  assert.throws(() => cisWeightAnalysis(model, {}, 3), /no parameter 'layers\.0\.attention\.qkv\.weight'/);
  delta.dispose();
  trained['layers.0.attention.qkv.weight'].dispose();
  disposeParams(init);
  model.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor left');
});
