/**
 * The collapse sweep at initialisation (issue 17): each point is `sensitivity` of a freshly initialised
 * model (checked against a direct call), both mechanisms share the weights of a seed (at depth 2 with
 * softmax in the first and last layer they coincide exactly), the ratio is paired, bad input is named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { collapseSweep } from '../lib/papers/cog/collapse-sweep.js';
import { collapseRatioFigure, collapseSensitivityFigure, trainedCollapseFigure } from '../lib/papers/cog/collapse-figures.js';
import type { CollapseCurve } from '../lib/papers/cog/analysis.js';
import type { Summary } from '../lib/lab/statistics.js';
import { initParams, disposeParams } from '../lib/models/params.js';
import { Transformer } from '../lib/models/transformer.js';
import { sensitivity } from '../lib/tasks/collapse.js';
import { testBackends } from './helpers.js';

const [backend] = await testBackends();
const small = { lengths: [4, 8], inits: 3, width: 8, heads: 2, ffWidth: 8, resamples: 200 };

test('collapseSweep: points are sensitivities of freshly initialised models; depth 2 (inner Cog) equals softmax; no tensor left', async () => {
  await initBackend(backend);
  const before = tf.memory().numTensors;
  const r = collapseSweep({ ...small, depths: [2, 3] });
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  assert.equal(r.points.length, 2 * 2 * 2);
  // Depth 2: softmax in the first and last layer leaves no Cog layer, so the same weights give the same numbers.
  for (const n of [4, 8]) {
    const at = (m: string): number => (r.points.find((p) => p.depth === 2 && p.length === n && p.mechanism === m) as (typeof r.points)[number]).sensitivity.estimate;
    assert.equal(at('cog'), at('dot-product'));
    assert.equal((r.ratios.find((x) => x.depth === 2 && x.length === n) as (typeof r.ratios)[number]).ratio.estimate, 1);
  }
  // Depth 3, Cog in the middle: the mean over seeds 0..2 of a direct sensitivity call.
  const model = new Transformer({ vocabSize: 4, contextLength: 9, width: 8, heads: 2, ffWidth: 8, layers: 3, attention: ['dot-product', 'cog', 'dot-product'] });
  const direct = [0, 1, 2].map((s) => {
    const params = initParams(model, s);
    const v = sensitivity(model, params, { family: 'find-zero', lengths: [4, 8], chunks: 2 }).values;
    disposeParams(params);
    return v;
  });
  model.dispose();
  const point = r.points.find((p) => p.depth === 3 && p.length === 8 && p.mechanism === 'cog') as (typeof r.points)[number];
  assert.ok(Math.abs(point.sensitivity.estimate - direct.reduce((a, v) => a + v[1], 0) / 3) < 1e-12);
  assert.ok(Math.abs(point.relative.estimate - direct.reduce((a, v) => a + v[1] / v[0], 0) / 3) < 1e-12);
  assert.ok(point.sensitivity.lo <= point.sensitivity.estimate && point.sensitivity.estimate <= point.sensitivity.hi);
  const ratio = r.ratios.find((x) => x.depth === 3 && x.length === 8) as (typeof r.ratios)[number];
  assert.equal(ratio.moreSensitive, ratio.ratio.lo > 1 ? 'cog' : ratio.ratio.hi < 1 ? 'softmax' : 'undecided');
  // 'all': Cog in every layer, so depth 2 differs from softmax.
  const all = collapseSweep({ ...small, depths: [2], cogLayers: 'all' });
  assert.notEqual(all.ratios[0].ratio.estimate, 1);
});

test('collapseSweep: bad input names the parameter', async () => {
  await initBackend(backend);
  assert.throws(() => collapseSweep({ ...small, depths: [0] }), /depths\[0\] must be an integer ≥ 1; got 0/);
  assert.throws(() => collapseSweep({ ...small, inits: 1 }), /inits must be an integer ≥ 2; got 1/);
  assert.throws(() => collapseSweep({ ...small, cogLayers: 'middle' as 'all' }), /cogLayers must be one of 'inner', 'all'; got "middle"/);
  assert.throws(() => collapseSweep({ ...small, family: 'count' as 'find-zero' }), /family must be one of/);
});

test('collapse figures: one ratio line per depth with its interval; sensitivity lines per mechanism and depth', async () => {
  await initBackend(backend);
  const r = collapseSweep({ ...small, depths: [2, 3] });
  const ratio = collapseRatioFigure(r);
  assert.equal(ratio.data.length, 2);
  const d3 = ratio.data[1] as { x: number[]; y: number[]; error_y: { array: number[]; arrayminus: number[] } };
  const rs = r.ratios.filter((x) => x.depth === 3);
  assert.deepEqual(d3.x, [4, 8]);
  assert.deepEqual(d3.y, rs.map((x) => x.ratio.estimate));
  assert.deepEqual(d3.error_y.array, rs.map((x) => x.ratio.hi - x.ratio.estimate));
  assert.deepEqual(d3.error_y.arrayminus, rs.map((x) => x.ratio.estimate - x.ratio.lo));
  const sens = collapseSensitivityFigure(r, 'relative');
  assert.equal(sens.data.length, 4);
  assert.deepEqual((sens.data[0] as { y: number[] }).y, r.points.filter((p) => p.depth === 2 && p.mechanism === 'dot-product').map((p) => p.relative.estimate));
});

test('trainedCollapseFigure: the own-probe curves of one family (and depth), solid trained, dashed at initialisation', () => {
  const s = (mean: number): Summary => ({ mean, std: 0.1, count: 2, best: mean, worst: mean });
  const curve = (mechanism: string, depth: number, probe: string, phase: 'trained' | 'init'): CollapseCurve => ({
    group: { mechanism, family: 'find-zero', depth }, probe, phase, lengths: [8, 16], value: [s(2), s(1)], relative: [s(1), s(0.5)], relativeBySeed: new Map([[0, [1, 0.5]]]),
  });
  const curves = [curve('cog', 4, 'find-zero', 'trained'), curve('cog', 4, 'find-zero', 'init'), curve('dot-product', 4, 'find-zero', 'trained'),
    curve('cog', 8, 'find-zero', 'trained'), curve('cog', 4, 'flip-any', 'trained')];
  const fig = trainedCollapseFigure(curves, 'find-zero', { depth: 4 });
  const lines = fig.data.filter((d) => !String(d.name).endsWith('± spread'));
  assert.deepEqual(lines.map((d) => d.name), ['Cog, trained', 'Cog, at initialisation', 'DPA (softmax), trained']);
  assert.deepEqual(lines.map((d) => (d.line as { dash: string }).dash), ['solid', 'dash', 'solid']);
  assert.deepEqual(lines[0].y, [1, 0.5]);
  assert.match(String((fig.layout?.title as { text?: string })?.text ?? fig.layout?.title), /4 layers/);
  assert.throws(() => trainedCollapseFigure(curves, 'find-zero', { depth: 12 }), /no curves of depth 12 trained on 'find-zero'; depths: 4, 8/);
});
