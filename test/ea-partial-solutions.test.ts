/** Partial solutions of the ladder: divisors by hand, the closest fit, the summary's counts, bad input. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partialSolution, properDivisors, stallSummary } from '../lib/papers/ea/partial-solutions.js';

test('properDivisors and partialSolution: a stall at N · accuracy ≈ d for a divisor d of N; none at prime N', () => {
  assert.deepEqual(properDivisors(12), [2, 3, 4, 6]);
  assert.deepEqual(properDivisors(23), []);
  // 64 · 0.49 = 31.4, within 10 % of 32 = 2⁵.
  assert.deepEqual(partialSolution(64, 0.49), { divisor: 32, powerOfTwo: true, level: 31.36 });
  // 96 · 0.0625 = 6: the divisor 6 (not a power of two).
  assert.deepEqual(partialSolution(96, 0.0625), { divisor: 6, powerOfTwo: false, level: 6 });
  assert.equal(partialSolution(23, 0.5), null, 'prime N: no partial solution');
  assert.equal(partialSolution(64, 1 / 64), null, 'chance level (d = 1) is not a partial solution');
  assert.equal(partialSolution(64, 0.7), null, '44.8 is no divisor of 64');
  assert.throws(() => partialSolution(64, 1.5), /accuracy must be in \[0, 1\]; got 1.5/);
  assert.throws(() => properDivisors(1), /N must be an integer ≥ 2; got 1/);
});

test('stallSummary: unsolved runs by divisor, solved runs left out', () => {
  const r = (N: number, mechanism: string, finalAccuracy: number, stopReason: string): Record<string, string | number> => ({ N, mechanism, finalAccuracy, stopReason });
  const s = stallSummary([r(64, 'expressive', 0.49, 'steps'), r(64, 'expressive', 0.5, 'steps'), r(96, 'dot-product', 0.0625, 'plateau'), r(23, 'dot-product', 0.3, 'steps'), r(23, 'dot-product', 1, 'perfect')]);
  assert.deepEqual([s.unsolved, s.onDivisor, s.onPowerOfTwo], [4, 3, 2]);
  assert.deepEqual(s.cells, [
    { N: 23, mechanism: 'dot-product', divisor: null, runs: 1 },
    { N: 64, mechanism: 'expressive', divisor: 32, runs: 2 },
    { N: 96, mechanism: 'dot-product', divisor: 6, runs: 1 },
  ]);
});
