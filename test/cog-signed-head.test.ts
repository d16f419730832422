/**
 * The signed head's measures (issue 17): the sign-flip slope against hand-computed softmax values, the
 * classification of a head's two weights, and signedHeadState on weights whose attention is known —
 * zero queries and keys give Cog scores 0 and so every weight sign(0)·p = 0 — plus the score spread's
 * exact proportionality to the score scale, no leaks, and bad input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { headSolution, signedHeadState, signFlipSlope, sweepStarts, trainSignedHead } from '../lib/papers/cog/signed-head.js';
import { expandGrid } from '../lib/lab/grid.js';
import { getExperiment } from '../lib/papers/registry.js';
import type { CellSpec } from '../lib/lab/types.js';
import { disposeParams, initParams } from '../lib/models/params.js';
import { createModel, type ModelSpec } from '../lib/models/registry.js';
import { createTaskSource } from '../lib/lab/tasks.js';
import { assertClose, testBackends } from './helpers.js';

await testBackends();

test('signFlipSlope: weight sign(s)·softmax(|s|) of one key and its slope p(1 − p), hand-computed', () => {
  // others [0]: at s = ln 3, p = 3 / (3 + 1) = 0.75, slope 0.1875; at s = −ln 3 the weight is −0.75, slope the same.
  const [zero, plus, minus] = signFlipSlope([0], [0, Math.log(3), -Math.log(3)]);
  assert.deepEqual(zero, { s: 0, weight: 0, slope: 0 });
  assertClose([plus.weight, plus.slope, minus.weight, minus.slope], [0.75, 0.1875, -0.75, 0.1875], 'ln 3');
  // others [16, 0]: just past 0 the key gets e^{−16} / (1 + e^{−16} + e^{−16}) of the row: the flip is that slow.
  const [near] = signFlipSlope([16, 0], [1e-9]);
  const e = Math.exp(-16);
  assertClose([near.weight, near.slope], [e / (1 + 2 * e), (e / (1 + 2 * e)) * (1 - e / (1 + 2 * e))], 'e^−16', 1e-12, 1e-6);
  assert.throws(() => signFlipSlope([], [0]), /others must hold at least one score/);
});

test('headSolution: signed, same sign, one key, spread', () => {
  assert.equal(headSolution([0.5, -0.5]), 'signed');
  assert.equal(headSolution([-0.46, 0.52]), 'signed', 'either way round');
  assert.equal(headSolution([0.57, 0.43]), 'same sign');
  assert.equal(headSolution([0.85, 0.08]), 'one key');
  assert.equal(headSolution([0.3, 0.1]), 'spread');
  assert.throws(() => headSolution([0, 0], 0.7), /min must be in \(0, 0\.5\]/);
});

const sweepCell = (): CellSpec => expandGrid(getExperiment('cog-signed-sweep'), 'quick')[0].spec;

test('signedHeadState: zero queries and keys → every Cog weight 0; scores scale exactly with scoreScale; no leak', () => {
  const cell = sweepCell();
  const task = createTaskSource(cell.task);
  const model = createModel({ ...cell.model, vocabSize: task.vocabSize, contextLength: task.contextLength } as ModelSpec);
  const before = tf.memory().numTensors;
  const params = initParams(model, 0);
  const name = 'layers.0.attention.qkv.weight';
  const d = Number(model.config.width);
  // Zero the Q and K columns (and the bias): scores 0, Cog weights sign(0)·softmax = 0.
  const qkv = params[name].arraySync() as number[][];
  const zeroed = { ...params, [name]: tf.tensor2d(qkv.map((row) => row.map((x, j) => (j < 2 * d ? 0 : x)))), 'layers.0.attention.qkv.bias': tf.zeros([3 * d]) };
  const z = signedHeadState(cell, zeroed);
  assert.deepEqual([z.scoreStd, z.concentration, z.targetShare, z.oppositeSigns, ...z.offsetWeights], [0, 0, 0, 0, 0, 0]);
  // With every weight 0 the head's output is 0 whatever W_v is, and ∂L/∂s = α·(…) = 0: no gradient reaches the head.
  assert.deepEqual([z.qkGradient, z.valueGradient], [0, 0]);
  zeroed[name].dispose();
  zeroed['layers.0.attention.qkv.bias'].dispose();
  disposeParams(params);
  assert.equal(tf.memory().numTensors, before, 'nothing left behind (also at initialisation, below)');
  // At initialisation (the cell's seed): twice the score scale doubles every score.
  const at = (scoreScale: number) => signedHeadState({ ...cell, model: { ...cell.model, scoreScale } as CellSpec['model'] });
  const [one, two] = [at(1), at(2)];
  assertClose([two.scoreStd], [2 * one.scoreStd], 'score spread', 1e-6, 1e-5);
  assert.ok(one.concentration > 0 && one.concentration <= 1 && one.targetShare > 0 && one.targetShare <= 2);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
  assert.throws(() => signedHeadState({ ...cell, model: { ...cell.model, layers: 2 } as CellSpec['model'] }), /needs a one-layer, one-head transformer; the cell's model is transformer with 2 layers, 1 heads/);
});

test('trainSignedHead: trains the cell with its own settings, measures the trained head, keeps nothing', async () => {
  const cell = expandGrid(getExperiment('cog-signed-sweep'), 'smoke')[0].spec;
  const before = tf.memory().numTensors;
  const a = await trainSignedHead(cell);
  assert.equal(a.steps, cell.trainer.steps);
  assert.equal(a.solution, headSolution(a.state.offsetWeights));
  assert.ok(a.accuracy >= 0 && a.accuracy <= 1);
  assert.notDeepEqual(a.state, signedHeadState(cell), 'trained weights, not the initial ones');
  assert.equal(tf.memory().numTensors, before);
  const b = await trainSignedHead(cell);
  assert.deepEqual(b, a, 'the same cell trains to the same head');
});

test('sweepStarts: one row per (score scale, init std) of the sweep, its initial state the mean of signedHeadState over the seeds, the outcome from the rows', () => {
  const cells = expandGrid(getExperiment('cog-signed-sweep'), 'quick');
  const rows = [
    { scoreScale: 'inverse-sqrt-head', initStd: 0.02, learningRate: 0.001, seed: 0, finalAccuracy: 1, stepsToPerfect: 400 },
    { scoreScale: 'inverse-sqrt-head', initStd: 0.02, learningRate: 0.01, seed: 0, finalAccuracy: 0.4, stepsToPerfect: Number.NaN },
    { scoreScale: 1, initStd: 0.3, learningRate: 0.001, seed: 0, finalAccuracy: 0.2, stepsToPerfect: Number.NaN },
  ];
  const starts = sweepStarts('quick', rows, { seeds: 1 });
  assert.equal(starts.length, 9);
  const first = starts.find((s) => s.scoreScale === 'inverse-sqrt-head' && s.initStd === 0.02);
  assert.ok(first);
  assert.deepEqual([first.runs, first.solved, first.seeds], [2, 1, 1]);
  assert.deepEqual(first.state, signedHeadState(cells.find((c) => c.coords.scoreScale === 'inverse-sqrt-head' && c.coords.initStd === 0.02)?.spec as CellSpec));
  assert.deepEqual(starts.find((s) => s.scoreScale === '1' && s.initStd === 0.3)?.solved, 0);
  assert.throws(() => sweepStarts('quick', rows, { seeds: 0 }), /seeds must be a positive integer/);
});
