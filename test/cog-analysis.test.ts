/**
 * Notebook 03's analysis helpers: the rules on given scores (against hand-computed values), the naive
 * Cog computation's overflow, signed offset profiles, the deletion pattern on hand-made rows, collapse
 * curves over seeds, bits per character and paired differences; the attention-only one-head experiments
 * against their feed-forward twins.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { bitsPerCharacter, collapseCurves, deleteQueryRows, keptHead, deletionPattern, naiveCogRow, ruleWeights, rowWeights, signedAttentionGridFigure, signedOffsetProfile, weightRowStats, type AttentionWeights } from '../lib/papers/cog/analysis.js';
import { expandGrid } from '../lib/lab/grid.js';
import type { ResultRecord } from '../lib/lab/record.js';
import { pairedTTest, pairedDifferences } from '../lib/lab/statistics.js';
import { createModel } from '../lib/models/registry.js';
import { assertClose, testBackends } from './helpers.js';
import { getExperiment } from '../lib/papers/registry.js';

test('ruleWeights / rowWeights: Cog, softmax and EA on hand-computed rows, causal, no leak', async () => {
  for (const backend of await testBackends()) {
    const before = tf.memory().numTensors;
    // Cog: sign(s)·softmax(|s|). Row [2, −2, 0]: |s| = 2, 2, 0 → e², e², 1 over 2e² + 1.
    const e2 = Math.exp(2);
    assertClose(rowWeights('cog', [2, -2, 0]), [e2 / (2 * e2 + 1), -e2 / (2 * e2 + 1), 0], `${backend}: cog [2, −2, 0]`);
    assertClose(rowWeights('dot-product', [2, -2, 0]), [e2, Math.exp(-2), 1].map((v) => v / (e2 + Math.exp(-2) + 1)), `${backend}: softmax [2, −2, 0]`);
    // EA: e = s²/(1+s²): 0.8, 0.8, 0 → ½, ½, 0 (antiparallel weighs like parallel, positive).
    assertClose(rowWeights('expressive', [2, -2, 0]), [0.5, 0.5, 0], `${backend}: EA [2, −2, 0]`, 1e-5, 1e-6);
    // The first query sees only itself: Cog gives ±1 (the sign of its score), softmax 1.
    const w = ruleWeights('cog', [[-0.3], [1, 1]]);
    assertClose(w[0], [-1], `${backend}: first row −1`);
    assertClose(w[1], [0.5, 0.5], `${backend}: equal scores`);
    assertClose(ruleWeights('dot-product', [[-0.3]])[0], [1], `${backend}: softmax first row`);
    // Overflow-safe: scores of ±1000 give finite weights ±½ (the maximum of |s| is subtracted).
    assertClose(rowWeights('cog', [1000, -1000, 3]), [0.5, -0.5, 0], `${backend}: scores ±1000`, 1e-6, 1e-7);
    assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  }
  assert.throws(() => ruleWeights('cog', [[1, 2]]), /row 0 must hold the scores of keys 0\.\.0/);
  assert.throws(() => ruleWeights('cog', []), /at least one row/);
  assert.throws(() => ruleWeights('no-such-rule', [[1]]), /no-such-rule/);
  assert.throws(() => rowWeights('cog', []), /must not be empty/);
});

test('naiveCogRow: equal to the rule for small scores, NaN once e^|s| overflows float32', () => {
  assertClose(naiveCogRow([2, -2, 0]), rowWeights('cog', [2, -2, 0]), 'small scores', 1e-6, 1e-7);
  const big = naiveCogRow([1000, -1000, 3]);
  assert.ok(Number.isNaN(big[0]) && Number.isNaN(big[1]), `expected NaN, got ${big}`);
  assert.equal(big[2], 0, 'e^3 / Infinity = 0');
});

test('weightRowStats: sums, absolute sums, negatives, finiteness', () => {
  const [a, b] = weightRowStats([[0.5, -0.25, 0.25], [1, Number.NaN]]);
  assert.deepEqual(a, { sum: 0.5, absSum: 1, negatives: 1, min: -0.25, max: 0.5, finite: true });
  assert.equal(b.finite, false);
});

/** Weights [B, H, T, T] from rows given as { b, h, i, row }. */
function weights(B: number, H: number, T: number, rows: { b: number; h: number; i: number; row: number[] }[]): AttentionWeights {
  const weight = new Float32Array(B * H * T * T);
  for (const r of rows) weight.set(r.row, ((r.b * H + r.h) * T + r.i) * T);
  return { batch: B, heads: H, length: T, weight };
}

test('signedOffsetProfile: signed and absolute weight by offset, negative share, masks and heads', () => {
  // B = 1, H = 2, T = 3. Head 0, query 2: +0.5 at offset 1 (key 1), −0.5 at offset 2 (key 0). Query 1: key 0 at −1.
  const w = weights(1, 2, 3, [
    { b: 0, h: 0, i: 2, row: [-0.5, 0.5, 0] },
    { b: 0, h: 0, i: 1, row: [-1, 0, 0] },
    { b: 0, h: 1, i: 2, row: [0.2, 0.3, 0.5] },
  ]);
  const p = signedOffsetProfile(w, { queryMask: [0, 0, 1], heads: [0] });
  assert.equal(p.rows, 1);
  assertClose(p.signed, [0, 0.5, -0.5], 'signed');
  assertClose(p.absolute, [0, 0.5, 0.5], 'absolute');
  assertClose(p.negativeShare, [0, 0, 1], 'negative share');
  const both = signedOffsetProfile(w, { heads: [0] }); // queries 0, 1, 2 of head 0
  assert.equal(both.rows, 3);
  assertClose(both.signed, [0, (-1 + 0.5) / 3, -0.5 / 3], 'all queries', 1e-6, 1e-7);
  assertClose(both.negativeShare, [0, 0.5, 1], 'offset 1 reached by queries 1, 2; offset 2 by query 2');
  assert.throws(() => signedOffsetProfile(w, { heads: [2] }), /heads must be in 0\.\.1/);
  assert.throws(() => signedOffsetProfile(w, { queryMask: [1] }), /queryMask must hold batch·length = 3/);
  assert.throws(() => signedOffsetProfile({ ...w, length: 4 }), /must hold batch·heads·length²/);
});

test('deletionPattern: the cancelling Cog solution and a positive softmax mixture on hand-made rows', () => {
  // m = 2 (T = 5): a₁ a₂ | b₁ ?. Row 0: 3 5 | 5 ? (missing 3); row 1: 4 2 | 4 ? (missing 2). N = 6: | = 6, ? = 7.
  const batch = { batchSize: 2, length: 5, inputs: Int32Array.from([3, 5, 6, 5, 7, 4, 2, 6, 4, 7]) };
  // Cog: +⅓ on the first half, −⅓ on the second: the repeated token's copies cancel.
  const third = 1 / 3;
  const cog = deletionPattern(weights(2, 1, 5, [
    { b: 0, h: 0, i: 4, row: [third, third, 0, -third, 0] },
    { b: 1, h: 0, i: 4, row: [third, third, 0, -third, 0] },
  ]), batch, { setSize: 2 });
  assert.equal(cog.rows, 2);
  assertClose([cog.netMissing, cog.netRepeated, cog.cancellation, cog.missingLargest], [third, 0, 0, 1], 'cog', 1e-6, 1e-7);
  assertClose([cog.roleWeight.missing, cog.roleWeight['repeated, first copy'], cog.roleWeight['repeated, second copy'], cog.roleWeight.separator, cog.roleWeight.query],
    [third, third, -third, 0, 0], 'cog roles', 1e-6, 1e-7);
  // Softmax: ¼ on every a and b: the repeated token gets twice the missing one's net weight.
  const soft = deletionPattern(weights(2, 1, 5, [
    { b: 0, h: 0, i: 4, row: [0.25, 0.25, 0.25, 0.25, 0] },
    { b: 1, h: 0, i: 4, row: [0.25, 0.25, 0.25, 0.25, 0] },
  ]), batch, { setSize: 2 });
  assertClose([soft.netMissing, soft.netRepeated, soft.cancellation, soft.missingLargest, soft.roleWeight.separator], [0.25, 0.5, 1, 0, 0.25], 'softmax', 1e-6, 1e-7);
  // Per token: 3, 5 (row 0) and 2, 4 (row 1); 5 and 4 stand in both halves.
  assert.deepEqual(cog.tokenWeights.map((t) => [t.token, t.firstCount, t.secondCount]), [[2, 1, 0], [3, 1, 0], [4, 1, 1], [5, 1, 1]]);
  assertClose(cog.tokenWeights.flatMap((t) => [t.first, t.second]).filter((v) => !Number.isNaN(v)), [third, third, third, -third, third, -third], 'token weights', 1e-6, 1e-7);
  assert.throws(() => deletionPattern(weights(2, 1, 5, []), batch, { setSize: 3 }), /2·setSize \+ 1 = length/);
  assert.throws(() => deletionPattern(weights(2, 1, 5, []), { ...batch, inputs: Int32Array.from([3, 3, 6, 3, 7, 4, 2, 6, 4, 7]) }, { setSize: 2 }), /row 0 is not a delete-repeated row/);
  assert.throws(() => deletionPattern(weights(1, 1, 5, []), batch, { setSize: 2 }), /does not match the weights/);
});

test('signedAttentionGridFigure: a diverging scale symmetric around 0', () => {
  const fig = signedAttentionGridFigure({ title: 't', tokens: ['a', 'b'], maps: [{ title: 'm', z: [[1, 0], [0.5, -0.25]] }] });
  const axis = (fig.layout as Record<string, Record<string, unknown>>).coloraxis;
  assert.equal(axis.cmin, -1);
  assert.equal(axis.cmax, 1);
  assert.equal((axis.colorscale as unknown[][])[2][1], '#f7f7f7');
});

/** A record with the fields collapseCurves reads. */
function collapseRecord(mechanism: string, seed: number, trained: number[], init: number[]): ResultRecord {
  return {
    experiment: 'cog-collapse', scale: 'full', key: `mechanism=${mechanism},family=find-zero,seed=${seed}`,
    coords: { mechanism, family: 'find-zero', seed },
    measures: [{ kind: 'sensitivity', family: 'find-zero', lengths: [4, 8], trained: { values: trained, relative: trained.map((v) => v / trained[0]) }, init: { values: init, relative: init.map((v) => v / init[0]) } }],
  } as unknown as ResultRecord;
}

test('collapseCurves: per cell without seed, probe and phase; mean and std of values and relative values', () => {
  const curves = collapseCurves([
    collapseRecord('cog', 0, [2, 1], [1, 1]), collapseRecord('cog', 1, [4, 4], [1, 0.5]), collapseRecord('dot-product', 0, [1, 0.5], [2, 1]),
  ]);
  assert.equal(curves.length, 4);
  const cogTrained = curves.find((c) => c.group.mechanism === 'cog' && c.phase === 'trained');
  assert.ok(cogTrained);
  assert.deepEqual(cogTrained.group, { mechanism: 'cog', family: 'find-zero' });
  assert.equal(cogTrained.probe, 'find-zero');
  assert.deepEqual(cogTrained.lengths, [4, 8]);
  assertClose(cogTrained.value.map((s) => s.mean), [3, 2.5], 'mean values');
  assertClose(cogTrained.relative.map((s) => s.mean), [1, 0.75], 'relative: per seed (0.5 and 1), then the mean');
  assert.equal(cogTrained.relative[1].count, 2);
  assert.deepEqual([...cogTrained.relativeBySeed], [[0, [1, 0.5]], [1, [1, 1]]], 'each seed\'s relative values, keyed by seed');
  assertClose([cogTrained.value[1].std], [Math.sqrt(4.5)], 'sample std of 1 and 4');
  const dpaInit = curves.find((c) => c.group.mechanism === 'dot-product' && c.phase === 'init');
  assert.ok(dpaInit);
  assertClose(dpaInit.relative.map((s) => s.mean), [1, 0.5], 'dot-product at init');
  assert.ok(Number.isNaN(dpaInit.value[0].std), 'one seed: std is NaN');
});

test('bitsPerCharacter and pairedDifferences', () => {
  assertClose([bitsPerCharacter(Math.LN2), bitsPerCharacter(1.85)], [1, 1.85 / Math.LN2], 'bits');
  const rows = [
    { mechanism: 'dot-product', seed: 1, loss: 2 }, { mechanism: 'cog', seed: 0, loss: 1.5 },
    { mechanism: 'dot-product', seed: 0, loss: 1 }, { mechanism: 'cog', seed: 1, loss: 2.5 }, { mechanism: 'cog', seed: 2, loss: 9 },
  ];
  const d = pairedDifferences(rows, { column: 'mechanism', a: 'dot-product', b: 'cog', metric: 'loss', pairBy: 'seed' });
  assert.deepEqual(d, [{ pair: 0, a: 1, b: 1.5, difference: 0.5 }, { pair: 1, a: 2, b: 2.5, difference: 0.5 }]);
  assert.throws(() => pairedDifferences(rows, { column: 'rule', a: 'x', b: 'y', metric: 'loss', pairBy: 'seed' }), /no column 'rule'/);
});

test('pairedTTest: t statistic, degrees of freedom, 5 % critical value', () => {
  const r = pairedTTest([0.002, 0.011, 0.016]);
  const mean = 0.029 / 3;
  const std = Math.sqrt(((0.002 - mean) ** 2 + (0.011 - mean) ** 2 + (0.016 - mean) ** 2) / 2);
  assertClose([r.mean, r.std, r.t], [mean, std, mean / (std / Math.sqrt(3))], 'mean, std, t', 1e-9, 1e-12);
  assert.equal(r.degreesOfFreedom, 2);
  assert.ok(Math.abs(r.critical - 4.3026527) < 1e-6);
  assert.equal(r.significant, false);
  assertClose(r.interval, [mean - 4.302652729749752 * std / Math.sqrt(3), mean + 4.302652729749752 * std / Math.sqrt(3)], '95 % t interval', 1e-9, 1e-12);
  assert.equal(pairedTTest([1, 1.1, 0.9, 1.05]).significant, true, 'consistently positive differences');
  assert.equal(pairedTTest([-1, -1.1, -0.9, -1.05]).significant, true, 'two-sided');
  assert.ok(Math.abs(pairedTTest(Array.from({ length: 40 }, (_, i) => (i % 2 ? 1 : -1))).critical - 2.022691) < 1e-6, '39 degrees of freedom: exact, not the normal 1.96');
  const one = pairedTTest([0.5]);
  assert.ok(Number.isNaN(one.t) && !one.significant && one.interval.every(Number.isNaN), 'one pair: no test, no interval');
});

test('cog-*-attention-only: the feed-forward twins without the feed-forward block, everything else equal; seed-0 models kept', () => {
  for (const [twin, name, kept] of [['cog-signed', 'cog-signed-attention-only', 'mechanism=cog,combine=difference,seed=0'], ['cog-delete', 'cog-delete-attention-only', 'mechanism=cog,seed=0']] as const) {
    for (const scale of ['smoke', 'quick', 'full'] as const) {
      const withFF = expandGrid(getExperiment(twin), scale);
      const only = expandGrid(getExperiment(name), scale);
      assert.deepEqual(only.map((c) => c.key), withFF.map((c) => c.key), `${name} ${scale}: same cells`);
      only.forEach((c, i) => {
        const { ffWidth, ...model } = withFF[i].spec.model as Record<string, unknown>;
        assert.ok(typeof ffWidth === 'number', `${twin} has a feed-forward block`);
        assert.deepEqual(c.spec.model, { ...model, feedForward: false }, `${name} ${scale} ${c.key}: model`);
        assert.deepEqual({ ...c.spec, model: null }, { ...withFF[i].spec, model: null }, `${name} ${scale} ${c.key}: task, trainer, seed`);
      });
      assert.ok(only.find((c) => c.key === kept)?.options.keepModel, `${name} ${scale}: ${kept} kept`);
    }
  }
  // The model built from the spec really has no feed-forward parameters (one layer: attention, norm, head).
  const cell = expandGrid(getExperiment('cog-signed-attention-only'), 'smoke')[0];
  const model = createModel({ ...cell.spec.model, vocabSize: 20, contextLength: 8 } as Parameters<typeof createModel>[0]);
  const names = model.parameters.map((p) => p.name);
  assert.ok(names.length > 0 && !names.some((n) => /\.ff\.|norm2/.test(n)), `parameters: ${names.join(', ')}`);
  model.dispose();
});

test('cog-signed-sweep, cog-collapse-deep and cog-lm-large: the cells their issue asks for, everything else as their twins', () => {
  const sweep = expandGrid(getExperiment('cog-signed-sweep'), 'full');
  assert.equal(sweep.length, 3 * 3 * 3 * 10);
  const twin = expandGrid(getExperiment('cog-signed-attention-only'), 'full').find((c) => c.key === 'mechanism=cog,combine=difference,seed=2');
  const cell = sweep.find((c) => c.key === 'scoreScale=4,initStd=0.1,learningRate=0.01,seed=2');
  assert.ok(twin && cell, sweep.slice(0, 2).map((c) => c.key).join(' '));
  assert.deepEqual(cell.spec.task, twin.spec.task, 'the same task and data');
  assert.deepEqual(cell.spec.model, { ...twin.spec.model, scoreScale: 4, initStd: 0.1 });
  assert.equal(cell.spec.trainer.learningRate, 0.01);
  assert.equal(cell.spec.trainer.steps, 2 * (twin.spec.trainer.steps as number));
  const deep = expandGrid(getExperiment('cog-collapse-deep'), 'full');
  assert.equal(deep.length, 2 * 2 * 2 * 5);
  const cog8 = deep.find((c) => c.key === 'depth=8,mechanism=cog,family=find-zero,seed=4');
  assert.deepEqual((cog8?.spec.model as { attention: string[] }).attention, ['dot-product', ...Array(6).fill('cog'), 'dot-product']);
  assert.equal((cog8?.spec.task as { contextLength: number }).contextLength, 128);
  assert.equal(cog8?.spec.measures?.[0].atInit, true);
  const large = expandGrid(getExperiment('cog-lm-large'), 'full');
  const small = expandGrid(getExperiment('cog-lm'), 'full').find((c) => c.key === 'mechanism=cog,seed=0');
  const big = large.find((c) => c.key === 'mechanism=cog,seed=4');
  assert.equal(large.length, 2 * 5);
  assert.deepEqual(big?.spec.task, { ...small?.spec.task, seed: 4 }, 'the same corpus and window');
  assert.deepEqual((big?.spec.model as { attention: string[] }).attention, ['dot-product', 'cog', 'cog', 'cog', 'cog', 'dot-product']);
  assert.deepEqual([big?.spec.trainer.steps, big?.spec.trainer.plateau], [10 * (small?.spec.trainer.steps as number), { window: 12, minDelta: 0.002 }]);
  // Every smoke cell builds its model.
  for (const name of ['cog-signed-sweep', 'cog-collapse-deep', 'cog-lm-large']) {
    for (const c of expandGrid(getExperiment(name), 'smoke')) createModel({ ...c.spec.model, vocabSize: 20, contextLength: 8 } as Parameters<typeof createModel>[0]).dispose();
  }
});

test('keptHead: a kept model\'s layer-0 attention on its first evaluation batch (as attentionWeights gives it); null without a model; no leak', async () => {
  const { join } = await import('node:path');
  const { defaultDataDir } = await import('../lib/lab/store.js');
  const { loadKeptModel } = await import('../lib/lab/results.js');
  const { attentionWeights } = await import('../lib/lab/attention-maps.js');
  const { disposeParams } = await import('../lib/models/params.js');
  await testBackends();
  const dir = join(defaultDataDir(), 'cog', 'cog-delete', 'full');
  const before = tf.memory().numTensors;
  const head = keptHead(dir, 'mechanism=cog,seed=0');
  assert.ok(head, 'seed 0 keeps its model');
  assert.equal(tf.memory().numTensors, before, 'model and parameters disposed');
  const { batchSize: B, length: T } = head.batch;
  assert.deepEqual([head.weights.batch, head.weights.length, head.weights.weight.length], [B, T, B * head.weights.heads * T * T]);
  assert.equal(head.record.key, 'mechanism=cog,seed=0');
  const kept = loadKeptModel(dir, 'mechanism=cog,seed=0');
  const direct = attentionWeights(kept.model, kept.params, kept.task.evalBatches()[0])[0];
  disposeParams(kept.params);
  kept.model.dispose();
  assert.deepEqual(Array.from(head.weights.weight), Array.from(direct.weight), 'the same weights as a direct forward pass');
  const q = deleteQueryRows(head, 3);
  assert.equal(q.rows.length, 3);
  const H = head.weights.heads;
  assert.deepEqual(q.rows[1], Array.from(direct.weight.subarray((1 * H * T + T - 1) * T, (1 * H * T + T) * T)), 'row 1: the last query\'s weights, head 0');
  assert.match(q.labels[0], /^0: (\S+ ){4}\| (\S+ ){3}→ \S+$/, 'set of 4 | 3 repeated → answer');
  assert.equal(deleteQueryRows(head, 10_000).rows.length, B, 'at most the batch');
  assert.equal(keptHead(dir, 'mechanism=cog,seed=1'), null, 'seed 1 kept no model');
  assert.throws(() => keptHead(dir, 'mechanism=cog,seed=0', 3), /layer must be in 0..0; got 3/);
  assert.equal(tf.memory().numTensors, before, 'no tensor left after the error either');
});
