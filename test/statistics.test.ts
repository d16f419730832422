/**
 * Intervals and the paired test behind notebook 01's verdicts: Wilson against textbook values, the
 * bootstrap against exactly known resampling distributions, the sign-flip test against hand counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adjustPValues, benjaminiHochberg, bootstrapInterval, clusteredComparison, holm, meanInterval, minimumSignFlipP, normalQuantile, pairedComparison,
  fisherExact, pairedTTest, signFlipTest, studentTCdf, studentTQuantile, wilsonInterval,
} from '../lib/lab/statistics.js';

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
  // The interval is t's: differences 0.8, 0.7, 0.75, 0.7, 0.5 → mean 0.69 ± 2.776445 · 0.114018 / √5.
  near(five.hi, 0.69 + 2.776445 * 0.1140175 / Math.sqrt(5), 1e-5);
  assert.deepEqual([five.method, five.level], ['t', 0.95]);
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

test('studentTQuantile and studentTCdf: table values (two-sided 5 % and one-sided 5 %), symmetry, round trip, bad input', () => {
  // Student's t table: t(0.975; 1, 2, 4, 9, 30) and t(0.95; 2).
  near(studentTQuantile(0.975, 1), 12.7062047, 1e-6);
  near(studentTQuantile(0.975, 2), 4.3026527, 1e-6);
  near(studentTQuantile(0.975, 4), 2.7764451, 1e-6);
  near(studentTQuantile(0.975, 9), 2.2621572, 1e-6);
  near(studentTQuantile(0.975, 30), 2.0422725, 1e-6);
  near(studentTQuantile(0.95, 2), 2.9199856, 1e-6);
  near(studentTQuantile(0.025, 4), -2.7764451, 1e-6);
  assert.equal(studentTQuantile(0.5, 3), 0);
  // df = 1 is the Cauchy distribution: P(T ≤ 1) = ¾.
  near(studentTCdf(1, 1), 0.75, 1e-12);
  near(studentTCdf(-1, 1), 0.25, 1e-12);
  near(studentTCdf(studentTQuantile(0.9, 7), 7), 0.9, 1e-10);
  // Large df approaches the normal.
  near(studentTQuantile(0.975, 1e6), normalQuantile(0.975), 1e-5);
  assert.throws(() => studentTQuantile(1, 3), /p in \(0, 1\)/);
  assert.throws(() => studentTCdf(1, 0), /df must be a positive number; got 0/);
});

test('meanInterval: the t interval by hand, one and zero values, equal values, the bootstrap on request, bad method', () => {
  // [0.2, 1, 1]: mean 0.7333, s = 0.46188, s/√3 = 0.26667, t(0.975; 2) = 4.30265 → ± 1.14737.
  const t = meanInterval([0.2, 1, 1]);
  near(t.estimate, 0.733333, 1e-6);
  near(t.lo, 0.733333 - 1.147374, 1e-5);
  near(t.hi, 0.733333 + 1.147374, 1e-5);
  assert.deepEqual(meanInterval([2, 2, 2]), { estimate: 2, lo: 2, hi: 2, n: 3 });
  const one = meanInterval([0.3]);
  assert.equal(one.estimate, 0.3);
  assert.ok(Number.isNaN(one.lo) && Number.isNaN(one.hi));
  assert.ok(Number.isNaN(meanInterval([]).estimate));
  assert.deepEqual(meanInterval([0, 1], { method: 'bootstrap' }), bootstrapInterval([0, 1], 'mean'));
  assert.throws(() => meanInterval([1, 2], { method: 'bca' as 't' }), /method must be one of t, bootstrap; got "bca"/);
});

test('signFlipTest: exact counts, the smallest p n pairs allow, Monte Carlo beyond 16', () => {
  assert.deepEqual(signFlipTest([3, 1]), { p: 0.5, exact: true });
  assert.equal(signFlipTest([1, 2, 3, 4, 5]).p, minimumSignFlipP(5));
  assert.equal(minimumSignFlipP(5), 0.0625);
  assert.equal(minimumSignFlipP(3), 0.25);
  // [1, 1, −1]: sums ±1 or ±3; |sum| ≥ 1 for all 8 flips.
  assert.equal(signFlipTest([1, 1, -1]).p, 1);
  const mc = signFlipTest(Array.from({ length: 17 }, () => 1), { resamples: 999 });
  assert.equal(mc.exact, false);
  assert.ok(mc.p > 0 && mc.p <= 0.01, `p = ${mc.p}`);
  assert.ok(Number.isNaN(signFlipTest([]).p));
});

test('clusteredComparison: one mean per cluster; the n is the clusters, not the pairs', () => {
  // Rung A: differences 0.1, 0.1, 0.1 (mean 0.1); rung B: −0.3 (mean −0.3). Pooled pairs would give n = 4, mean 0.
  const c = clusteredComparison([[[0.6, 0.5], [0.6, 0.5], [0.6, 0.5]], [[0.2, 0.5]], []]);
  assert.equal(c.clusters, 2);
  assert.equal(c.pairs, 4);
  assert.equal(c.n, 2);
  near(c.meanDifference, -0.1, 1e-12);
  // Two cluster means 0.1 and −0.3: s = 0.28284, s/√2 = 0.2, t(0.975; 1) = 12.7062 → ± 2.54124.
  near(c.hi - c.meanDifference, 2.541241, 1e-5);
  assert.deepEqual([c.wins, c.losses, c.p], [1, 1, 1]);
  const pooled = pairedComparison([[0.6, 0.5], [0.6, 0.5], [0.6, 0.5], [0.2, 0.5]]);
  assert.equal(pooled.n, 4);
  assert.ok(Math.abs(pooled.meanDifference) < 1e-12);
});

test('holm and benjaminiHochberg: R\'s p.adjust on the same p-values, order kept, bad input', () => {
  const ps = [0.01, 0.04, 0.03, 0.005];
  // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02; "BH" = 0.02 0.04 0.04 0.02.
  holm(ps).forEach((p, i) => near(p, [0.03, 0.06, 0.06, 0.02][i], 1e-12));
  benjaminiHochberg(ps).forEach((p, i) => near(p, [0.02, 0.04, 0.04, 0.02][i], 1e-12));
  assert.deepEqual(holm([0.5, 0.9]), [1, 1]);
  assert.deepEqual(adjustPValues([0.2, 0.01], 'none'), [0.2, 0.01]);
  assert.deepEqual(holm([]), []);
  assert.throws(() => holm([0.1, 1.2]), /p-values must be an array of numbers in \[0, 1\]/);
  assert.throws(() => adjustPValues([0.1], 'bonferroni' as 'holm'), /correction must be one of holm, bh, none/);
});

test('pairedTTest: the t statistic, its p and interval by hand', () => {
  // Differences 0.002, 0.011, 0.016: mean 0.009667, s = 0.0070946, t = 2.36; two-sided p with 2 df = 0.142.
  const r = pairedTTest([0.002, 0.011, 0.016]);
  near(r.t, 2.35996, 1e-4);
  near(r.critical, 4.302653, 1e-6);
  near(r.p, 0.14226, 1e-4);
  assert.equal(r.significant, false);
  near(r.interval[0], 0.009667 - 4.302653 * 0.0070946 / Math.sqrt(3), 1e-5);
  assert.ok(Number.isNaN(pairedTTest([0.1]).p));
});

test('fisherExact: textbook two-sided p-values, symmetry, bad input', () => {
  // The tea-tasting table [[3, 1], [1, 3]]: p = 0.4857; 5/5 against 0/5: 2 / C(10, 5) = 0.0079365; 10/10 against 0/10: 2 / C(20, 10).
  near(fisherExact(3, 1, 1, 3), 0.485714, 1e-6);
  near(fisherExact(5, 0, 0, 5), 2 / 252, 1e-12);
  near(fisherExact(10, 0, 0, 10), 2 / 184756, 1e-12);
  near(fisherExact(0, 5, 5, 0), 2 / 252, 1e-12);
  // 3/5 against 0/5: p = 0.1667 (R: fisher.test(matrix(c(3, 0, 2, 5), 2))).
  near(fisherExact(3, 2, 0, 5), 0.166667, 1e-6);
  assert.equal(fisherExact(5, 0, 5, 0), 1);
  assert.throws(() => fisherExact(1.5, 0, 0, 1), /fisherExact: a must be a non-negative integer; got 1.5/);
});
