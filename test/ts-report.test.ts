/**
 * Notebook 02's report helpers: model descriptions and settings from records, fixed colours, ranking,
 * the accuracy table, the late gain of a curve (hand-computed), the ablation and budget comparisons on
 * hand-made rows, and inspectTsModel on a kept model (committed data) and on a cell trained when none
 * was kept (smoke scale), with the error for a cell the grid lacks.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { ResultRecord } from '../lib/lab/record.js';
import { defaultDataDir } from '../lib/lab/store.js';
import { loadExperimentResults } from '../lib/lab/results.js';
import { summariseModels } from '../lib/papers/ts/analysis.js';
import {
  ablationComparison, ablationReport, accuracyTable, budgetComparison, convergenceComparison, convergenceReport, inspectTsModel, lateGain, meanStd, rankModels, readingsFigure, settingLabel, tsModelColor,
  tsModelDescription, tsSettingsText,
} from '../lib/papers/ts/report.js';
import { disposeParams } from '../lib/models/params.js';
import { assertClose, testBackends } from './helpers.js';

type Row = Record<string, string | number | boolean>;
const labels = ['increment', 'context'];
const row = (architecture: string, mechanism: string, seed: number, acc: number, extra: Row = {}): Row =>
  ({ architecture, mechanism, seed, finalAccuracy: acc, acc_increment: Math.min(1, acc + 0.1), acc_context: acc - 0.1, parameterCount: 100, msPerStep: 5, steps: 1200, ...extra });

test('tsModelDescription and tsSettingsText read the resolved configs of records', () => {
  const rec = (kind: string, config: Record<string, unknown>, architecture: string, learningRate: number): ResultRecord => ({
    model: { kind, config }, coords: { architecture },
    spec: { trainer: { steps: 1200, warmupSteps: 100, weightDecay: 0.05, evalEvery: 50, learningRate }, task: { batchSize: 32, contextLength: 32, N: 16, evalSize: 256 } },
  }) as unknown as ResultRecord;
  const cis = rec('transformer', { layers: 2, width: 64, heads: 4, ffWidth: 256, cis: true }, 'cisformer', 1e-3);
  assert.equal(tsModelDescription(cis), '2 layers, width 64, 4 heads, FF 256, per-position Q/K/V');
  assert.equal(tsModelDescription(rec('lstm', { layers: 1, hiddenSize: 128 }, 'lstm', 1e-2)), '1 layer, hidden 128');
  assert.equal(tsModelDescription(rec('mlp', { hiddenSizes: [256, 128] }, 'mlp', 1e-2)), 'hidden 256 × 128, one-hot window');
  assert.equal(tsSettingsText([cis, rec('lstm', {}, 'lstm', 1e-2)]),
    'Settings read from the records: 1200 steps, batch 32, window T = 32, N = 16, 100 warm-up steps, weight decay 0.05, evaluation every 50 steps on 256 held-out windows; ' +
    'peak learning rates cisformer 0.001, lstm 0.01.');
  assert.equal(tsSettingsText([]), 'No records.');
});

test('colours, ranking (best of n, ties by the mean), accuracy table, meanStd', () => {
  assert.equal(tsModelColor('LSTM'), '#000000');
  assert.equal(tsModelColor('something else', 1), '#d62728', 'the palette\'s second colour');
  const models = summariseModels([
    row('transformer', 'dot-product', 0, 0.9), row('transformer', 'dot-product', 1, 0.8),
    row('cisformer', 'expressive', 0, 0.9), row('cisformer', 'expressive', 1, 0.88), row('lstm', 'none', 0, 0.5),
  ], labels);
  assert.deepEqual(rankModels(models).map((m) => m.name), ['cisformer (EA)', 'transformer (DPA)', 'LSTM'], 'equal best 0.9: the higher mean first');
  const table = accuracyTable(rankModels(models), labels, 'c');
  assert.deepEqual(table.columns.slice(-2), ['increment (mean)', 'context (mean)']);
  assert.deepEqual(table.rows[0].slice(0, 6), ['cisformer (EA)', '100', '0.890 ± 0.014', '0.900', '0.880', '0']);
  assert.equal(table.rows[2][2], '0.500', 'one seed: no ±');
  assert.equal(meanStd({ mean: Number.NaN, std: Number.NaN, best: Number.NaN, worst: Number.NaN, count: 0 }), '—');
});

test('lateGain: last value minus the value at 80 % of the last step', () => {
  assertClose([lateGain({ step: [0, 50, 80, 90, 100], mean: [0.1, 0.5, 0.7, 0.75, 0.8], std: [], count: [] })], [0.1], '0.8 − 0.7', 1e-9, 1e-12);
  assert.ok(Number.isNaN(lateGain({ step: [], mean: [], std: [], count: [] })));
});

test('ablationComparison: settings in the given order (only those run), cells, ranking; the report\'s last row is the main setting', () => {
  const rows = [
    row('transformer', 'dot-product', 0, 0.9, { setting: 'N8' }), row('cisformer', 'expressive', 0, 0.7, { setting: 'N8' }),
    row('transformer', 'dot-product', 0, 0.6, { setting: 'T16' }), row('cisformer', 'expressive', 0, 0.8, { setting: 'T16' }),
  ];
  const a = ablationComparison(rows, labels, ['T16', 'T64', 'N8']);
  assert.deepEqual(a.settings, ['T16', 'N8'], 'T64 not run');
  assert.equal(a.cell('cisformer (EA)', 'T16')?.final.mean, 0.8);
  assert.equal(a.cell('cisformer (EA)', 'T64'), undefined);
  assert.deepEqual(a.ranking.map((r) => r.order.map((o) => o.name)), [['cisformer (EA)', 'transformer (DPA)'], ['transformer (DPA)', 'cisformer (EA)']]);
  assert.equal(settingLabel('N32'), 'N = 32');
  const report = ablationReport(a, summariseModels([row('transformer', 'dot-product', 0, 0.95)], labels), { ablation: '600', main: '1200' });
  assert.deepEqual(report.table.rows.at(-1), ['T = 32, N = 16 (section 3)', '1200', '0.950 (best 0.950)', '—']);
  assert.equal(report.figure.data.length, 2, 'one bar series per model');
});

test('budgetComparison: the main rows restricted to the long run\'s seeds; the DPA − EA gap at both budgets', () => {
  const long = [row('transformer', 'dot-product', 0, 0.95, { steps: 2400 }), row('cisformer', 'expressive', 0, 0.9, { steps: 2400 })];
  const short = [row('transformer', 'dot-product', 0, 0.9), row('transformer', 'dot-product', 1, 0.1), row('cisformer', 'expressive', 0, 0.8), row('cisformer', 'expressive', 1, 0.1)];
  const b = budgetComparison(long, short, labels);
  assert.deepEqual([b.seeds, b.steps], [[0], { long: 2400, short: 1200 }]);
  assertClose([b.gap.short, b.gap.long], [0.1, 0.05], 'seed 0 only', 1e-9, 1e-12);
  assert.equal(b.models.find((m) => m.name === 'cisformer (EA)')?.short?.final.mean, 0.8);
});

test('inspectTsModel: the kept model of a committed cell; a cell trained here when none was kept; the error for a cell the grid lacks', async () => {
  await testBackends();
  const records = loadExperimentResults('ts-models', 'full').records;
  const dir = join(defaultDataDir(), 'ts', 'ts-models', 'full');
  const kept = await inspectTsModel({ dir, scale: 'full', records, architecture: 'cisformer', mechanism: 'expressive', seed: 0 });
  const record = records.find((r) => r.key === 'architecture=cisformer,mechanism=expressive,seed=0') as ResultRecord;
  assert.deepEqual([kept.source, kept.accuracy, kept.seed, kept.name], ['kept model of the run', record.finalAccuracy, record.spec.seed, 'cisformer (EA), seed 0']);
  disposeParams(kept.params);
  kept.model.dispose();
  const before = tf.memory().numTensors;
  const trained = await inspectTsModel({ dir: '/nonexistent', scale: 'smoke', records: [], architecture: 'transformer', mechanism: 'dot-product', seed: 0 });
  assert.equal(trained.source, 'trained in this notebook (no kept model)');
  assert.ok(trained.accuracy >= 0 && trained.accuracy <= 1);
  disposeParams(trained.params);
  trained.model.dispose();
  assert.equal(tf.memory().numTensors, before, 'nothing left but what the caller disposes');
  await assert.rejects(inspectTsModel({ dir, scale: 'smoke', records: [], architecture: 'cisformer', mechanism: 'none', seed: 0 }), /the smoke grid of ts-models has no cell architecture=cisformer,mechanism=none,seed=0/);
});

test('readingsFigure: best of n per model and reading, error bars down to the bootstrap lower bound, the 0.93 line; base models filled in', () => {
  const rows = [
    ...[0.9, 0.95, 0.8].map((a, s) => row('transformer', 'dot-product', s, a, { reading: 'today' })),
    ...[0.5, 0.6, 0.7].map((a, s) => row('cisformer', 'expressive', s, a, { reading: 'today' })),
    ...[0.4, 0.45, 0.5].map((a, s) => row('transformer', 'dot-product', s, a, { reading: 'no-positions' })),
  ];
  const fig = readingsFigure(rows, ['today', 'ongoing', 'no-positions']);
  assert.deepEqual(fig.data.map((d) => d.name), ['transformer (DPA)', 'cisformer (EA)']);
  assert.deepEqual(fig.data[0].x, ['today', 'no-positions'], 'readings without records are left out');
  assert.deepEqual(fig.data[0].y, [0.95, 0.5]);
  assert.deepEqual(fig.data[1].y, [0.7, 0.7], 'no-positions does not train the cisformer: today\'s');
  const err = fig.data[0].error_y as { array: number[]; arrayminus: number[] };
  assert.deepEqual(err.array, [0, 0]);
  assert.ok(err.arrayminus[0] > 0 && err.arrayminus[0] <= 0.15, `down to at least the worst seed: ${err.arrayminus[0]}`);
  assert.equal((fig.layout?.shapes as { y0: number }[])[0].y0, 0.93);
});

test('convergenceComparison / convergenceReport: both budgets per model under a reading, where the runs stopped, curves held at their last value', () => {
  const long = [
    ...[0.99, 0.98].map((a, s) => row('transformer', 'dot-product', s, a, { reading: 'today', steps: 6000 + 1000 * s, maxSteps: 12000, stopReason: 'plateau', bestStep: 3000, key: `t${s}` })),
    ...[0.6, 0.7].map((a, s) => row('transformer', 'dot-product', s, a, { reading: 'no-positions', steps: 12000, maxSteps: 12000, stopReason: 'steps', bestStep: 11800, key: `n${s}` })),
    ...[0.96, 0.97].map((a, s) => row('cisformer', 'cog', s, a, { reading: 'today', steps: 9000, maxSteps: 12000, stopReason: 'plateau', bestStep: 5000, key: `c${s}` })),
  ];
  const short = [
    ...[0.95, 0.94].map((a, s) => row('transformer', 'dot-product', s, a, { reading: 'today', steps: 3000, maxSteps: 3000 })),
    ...[0.5, 0.55].map((a, s) => row('transformer', 'dot-product', s, a, { reading: 'no-positions', steps: 3000, maxSteps: 3000 })),
  ];
  const c = convergenceComparison(long, short, 'no-positions');
  assert.deepEqual(c.steps, { long: 12000, short: 3000 });
  assert.deepEqual(c.models.map((m) => m.name), ['transformer (DPA)', 'cisformer (Cog)'], "no-positions' own transformer, today's cisformer");
  assertClose([c.models[0].long.mean.estimate, c.models[0].short?.mean.estimate ?? Number.NaN, c.models[0].long.best.estimate], [0.65, 0.525, 0.7], 'no-positions transformer');
  assert.equal(c.models[1].short, undefined, 'not in the short grid');
  assertClose([c.models[0].pairedChange?.meanDifference ?? Number.NaN], [(0.6 - 0.5 + 0.7 - 0.55) / 2], 'long − short, paired by seed', 1e-9, 1e-9);
  assert.equal(c.models[0].pairedChange?.n, 2);
  assert.equal(c.models[1].pairedChange, undefined, 'nothing to pair with');
  assert.deepEqual(c.models[0].stops, [{ seed: 0, steps: 12000, stopReason: 'steps', bestStep: 11800 }, { seed: 1, steps: 12000, stopReason: 'steps', bestStep: 11800 }]);
  const today = convergenceComparison(long, short, 'today');
  const { table, figure } = convergenceReport(today, [
    { key: 't0', reading: 'today', architecture: 'transformer', mechanism: 'dot-product', seed: 0, step: 100, accuracy: 0.5 },
    { key: 't1', reading: 'today', architecture: 'transformer', mechanism: 'dot-product', seed: 1, step: 100, accuracy: 0.7 },
    { key: 't1', reading: 'today', architecture: 'transformer', mechanism: 'dot-product', seed: 1, step: 200, accuracy: 0.9 },
    { key: 'n0', reading: 'no-positions', architecture: 'transformer', mechanism: 'dot-product', seed: 0, step: 200, accuracy: 0.1 },
  ], { models: ['transformer (DPA)'] });
  assert.deepEqual(table.rows.map((r) => r.slice(0, 2)), [['transformer (DPA)', '2 / 2']], 'only the models asked for');
  assert.equal(table.rows[0][6], '+0.040');
  assert.equal(table.rows[0][7], '6000–7000 (plateau 2)');
  assert.equal(convergenceReport(today, []).table.rows[1][1], '— / 2', 'the Cog cisformer has no short runs');
  assert.deepEqual(figure.data.map((d) => d.name), ['transformer (DPA) ± spread', 'transformer (DPA)']);
  assertClose(figure.data[1].y as number[], [0.6, 0.7], 'seed 0 stopped at 100 holds 0.5 at 200; no-positions rows are not mixed in');
  assert.throws(() => convergenceComparison([{ reading: 'today' }], short, 'today'), /no column 'steps'/);
});
