/** lmCurvesFigure: bits per character from the records' curves (nats ÷ ln 2), mean over seeds, training loss dotted. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultRecord } from '../lib/lab/record.js';
import { lmCurvesFigure, lmRuleLabel } from '../lib/papers/cog/lm-figures.js';
import { assertClose } from './helpers.js';

const record = (mechanism: string, seed: number, evalBits: number[], trainBits: number[]): ResultRecord => ({
  experiment: 'cog-lm-large', scale: 'full', key: `mechanism=${mechanism},seed=${seed}`, coords: { mechanism, seed }, task: { labelNames: [] },
  curve: evalBits.map((b, i) => ({ step: 100 * (i + 1), accuracy: 0.5, evalLoss: b * Math.LN2, perLabel: {} })),
  lossCurve: trainBits.map((b, i) => ({ step: 40 * (i + 1), loss: b * Math.LN2 })),
}) as unknown as ResultRecord;

test('lmCurvesFigure: held-out (solid) and training (dotted) bits per character per rule, mean over seeds', () => {
  const records = [record('dot-product', 0, [3, 2], [3.1, 1.8]), record('dot-product', 1, [3.2, 2.2], [3.1, 1.6]), record('cog', 0, [3, 2.5], [3, 2])];
  const lines = (fig: ReturnType<typeof lmCurvesFigure>) => fig.data.filter((d) => !String(d.name).endsWith('± spread'));
  const fig = lines(lmCurvesFigure(records, { train: true }));
  assert.deepEqual(fig.map((d) => d.name), ['DPA (softmax), held out', 'DPA (softmax), training', 'Cog (softmax in first and last layer), held out', 'Cog (softmax in first and last layer), training']);
  assertClose(fig[0].y as number[], [3.1, 2.1], 'held out, mean of two seeds');
  assertClose(fig[1].y as number[], [3.1, 1.7], 'training');
  assert.deepEqual([fig[0].x, fig[1].x], [[100, 200], [40, 80]], 'training points at the loss curve\'s own steps');
  assert.deepEqual(fig.map((d) => (d.line as { dash: string }).dash), ['solid', 'dot', 'solid', 'dot']);
  assert.equal(lines(lmCurvesFigure(records)).length, 2, 'held out only by default');
  assert.equal(lmRuleLabel('dot-product'), 'DPA (softmax)');
});
