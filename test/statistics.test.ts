/**
 * Intervals and the paired test behind notebook 01's verdicts: Wilson against textbook values, the
 * bootstrap against exactly known resampling distributions, the sign-flip test against hand counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapInterval, normalQuantile, pairedComparison, wilsonInterval } from '../lib/lab/statistics.js';

/** |actual − expected| ≤ tol. */
function near(actual: number, expected: number, tol: number): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);
}

test('normalQuantile: 1.959964 at 0.975, symmetric, 0 at 0.5, and the tails', () => {
  near(normalQuantile(0.975), 1.959963985, 1e-8);
  near(normalQuantile(0.025), -1.959963985, 1e-8);
  assert.equal(normalQuantile(0.5), 0);
  near(normalQuantile(0.995), 2.575829304, 1e-8);
  near(normalQuantile(0.001), -3.090232306, 1e-8);
  assert.throws(() => normalQuantile(1), /p in \(0, 1\)/);
});

test('wilsonInterval: textbook values, exact ends at 0 and n, empty and bad input', () => {
  // 5 of 5 and 0 of 5 at 95 %: [0.5655, 1] and [0, 0.4345]; 3 of 10: [0.1078, 0.6032] (Newcombe 1998).
  const all = wilsonInterval(5, 5);
  assert.equal(all.estimate, 1);
  near(all.lo, 0.56552, 1e-4);
  assert.equal(all.hi, 1);
  const none = wilsonInterval(0, 5);
  assert.equal(none.lo, 0);
  near(none.hi, 0.43448, 1e-4);
  const three = wilsonInterval(3, 10);
  near(three.lo, 0.1078, 1e-4);
  near(three.hi, 0.6032, 1e-4);
  // 4 of 5 and 1 of 5 overlap with 0 of 5 and 5 of 5: with five seeds only 5/5 against 0/5 separates.
  assert.ok(wilsonInterval(4, 5).lo < none.hi);
  assert.ok(wilsonInterval(1, 5).hi > all.lo);
  assert.ok(Number.isNaN(wilsonInterval(0, 0).estimate));
  assert.throws(() => wilsonInterval(6, 5), /successes must be an integer in 0..n \(5\); got 6/);
  assert.throws(() => wilsonInterval(1, 2, 1.5), /level must be a number in \(0, 1\)/);
});

test('bootstrapInterval: the resampling distribution of the mean of [0, 1] is {0, ½, 1} with weights ¼ ½ ¼', () => {
  const wide = bootstrapInterval([0, 1], 'mean');
  assert.deepEqual([wide.estimate, wide.lo, wide.hi, wide.n], [0.5, 0, 1, 2]);
  // The 30 % and 70 % quantiles both fall inside the middle half: [½, ½].
  const narrow = bootstrapInterval([0, 1], 'mean', { level: 0.4 });
  assert.deepEqual([narrow.lo, narrow.hi], [0.5, 0.5]);
  // The maximum: never above the observed best; with one success in five the resample misses it with (4/5)^5 ≈ 0.33.
  const best = bootstrapInterval([0.2, 0.2, 0.2, 0.2, 1], 'max');
  assert.deepEqual([best.estimate, best.lo, best.hi], [1, 0.2, 1]);
  assert.deepEqual(bootstrapInterval([0.3], 'mean'), { estimate: 0.3, lo: 0.3, hi: 0.3, n: 1 });
  assert.ok(Number.isNaN(bootstrapInterval([], 'max').estimate));
  // Deterministic: the same seed gives the same interval, another seed may not.
  assert.deepEqual(bootstrapInterval([0.1, 0.5, 0.9, 0.3], 'mean'), bootstrapInterval([0.1, 0.5, 0.9, 0.3], 'mean'));
  assert.throws(() => bootstrapInterval([0.1, Number.NaN], 'mean'), /values must be an array of finite numbers/);
  assert.throws(() => bootstrapInterval([0.1], 'median' as 'mean'), /statistic must be 'mean' or 'max'/);
  assert.throws(() => bootstrapInterval([0.1], 'mean', { resamples: 0 }), /resamples must be a positive integer; got 0/);
});

test('pairedComparison: exact sign-flip p-values counted by hand, ties, Monte Carlo for many pairs', () => {
  // Differences 3 and 1: flips give sums 4, 2, −2, −4; two of four reach |4| → p = 0.5.
  const two = pairedComparison([[4, 1], [2, 1]]);
  assert.deepEqual([two.meanDifference, two.p, two.exact, two.wins, two.losses, two.ties, two.n], [2, 0.5, true, 2, 0, 0, 2]);
  // Five positive differences: 2 of 32 flips are as extreme → 0.0625, the smallest p five seeds allow.
  const five = pairedComparison([[1, 0.2], [1, 0.3], [1, 0.25], [0.9, 0.2], [1, 0.5]]);
  assert.equal(five.p, 2 / 32);
  assert.ok(five.lo > 0 && five.hi <= 0.8 + 1e-12);
  // All ties: p = 1 and a zero-width interval.
  const ties = pairedComparison([[1, 1], [1, 1], [1, 1]]);
  assert.deepEqual([ties.meanDifference, ties.lo, ties.hi, ties.p, ties.ties], [0, 0, 0, 1, 3]);
  // Opposite differences cancel: observed sum 0 → p = 1.
  assert.equal(pairedComparison([[1, 0], [0, 1]]).p, 1);
  // Twenty positive differences: Monte Carlo, p ≈ 1 / (resamples + 1).
  const many = pairedComparison(Array.from({ length: 20 }, (_, i) => [0.5 + i / 100, 0.4] as [number, number]));
  assert.equal(many.exact, false);
  assert.ok(many.p < 0.001, `p = ${many.p}`);
  assert.ok(Number.isNaN(pairedComparison([]).p));
  assert.throws(() => pairedComparison([[1]] as unknown as [number, number][]), /pairs must be an array of \[a, b\] pairs/);
});
