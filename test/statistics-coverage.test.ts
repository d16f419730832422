/**
 * What "95 %" means at the n our grids use: the interval methods' coverage, simulated. The verdicts
 * read the t interval because it keeps its promise here; the percentile bootstrap (the earlier rule)
 * does not. Distributions: the normal, and the project's own EA − DPA paired accuracy differences
 * (every (rung, seed) pair of data/ea/ea-frontier/full, resampled as a population).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intervalCoverage } from '../lib/lab/statistics.js';
import { loadExperimentResults, resultRows } from '../lib/index.js';
import type { Rng } from '../lib/util/rng.js';

const normal = (rng: Rng): number => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());

function eaFrontierDifferences(): number[] {
  const rows = resultRows(loadExperimentResults('ea-frontier', 'full').records);
  const key = (r: Record<string, unknown>): string => `${r.size}|${r.N}|${r.b}|${r.seed}`;
  const dpa = new Map(rows.filter((r) => r.mechanism === 'dot-product').map((r) => [key(r), Number(r.finalAccuracy)]));
  return rows.filter((r) => r.mechanism === 'expressive' && dpa.has(key(r))).map((r) => Number(r.finalAccuracy) - (dpa.get(key(r)) as number));
}

test('the t interval covers ≥ 93 % at n = 5 (normal and the project\'s own differences); the percentile bootstrap does not', () => {
  const diffs = eaFrontierDifferences();
  assert.ok(diffs.length >= 100, `expected the committed ea-frontier pairs; got ${diffs.length}`);
  const mean = diffs.reduce((a, v) => a + v, 0) / diffs.length;
  const empirical = (rng: Rng): number => diffs[rng.int(diffs.length)];
  const trials = 2000;
  const t5 = intervalCoverage({ n: 5, draw: normal, trueMean: 0, trials });
  const t5e = intervalCoverage({ n: 5, draw: empirical, trueMean: mean, trials });
  // 2000 trials: a Wilson interval of about ± 1 %; the estimate must clear 93 %.
  assert.ok(t5.estimate >= 0.93, `t, normal, n = 5: ${t5.estimate}`);
  assert.ok(t5e.estimate >= 0.93, `t, EA − DPA differences, n = 5: ${t5e.estimate}`);
  // The normal is t's own model: coverage is 95 % up to simulation error.
  assert.ok(t5.lo <= 0.95 && 0.95 <= t5.hi, `t, normal: ${JSON.stringify(t5)}`);
  // The earlier rule: well below nominal at n = 5 and n = 3.
  const b5 = intervalCoverage({ n: 5, draw: normal, trueMean: 0, trials, method: 'bootstrap', resamples: 1000 });
  const b3 = intervalCoverage({ n: 3, draw: normal, trueMean: 0, trials, method: 'bootstrap', resamples: 1000 });
  assert.ok(b5.hi < 0.9, `bootstrap, normal, n = 5: ${JSON.stringify(b5)}`);
  assert.ok(b3.hi < 0.8, `bootstrap, normal, n = 3: ${JSON.stringify(b3)}`);
});

test('a rare effect is invisible at n = 5: with a 1-in-10 difference, a third of studies see none and their zero-width interval misses', () => {
  // Every difference 0 except, with probability 0.1, 1 (one seed in ten solves where the other does not).
  const rare = (rng: Rng): number => (rng.float() < 0.1 ? 1 : 0);
  const c = intervalCoverage({ n: 5, draw: rare, trueMean: 0.1, trials: 2000 });
  // P(no success in 5) = 0.9⁵ = 0.59: those studies' interval is [0, 0]. No mean interval can do better
  // from five values that are all equal, so a rung whose pairs all agree is reported as "no difference seen", not as a tie.
  assert.ok(c.estimate < 0.45, `coverage ${c.estimate}`);
});
