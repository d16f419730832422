/**
 * Uncertainty for verdicts that rest on a few seeds. Every function is deterministic (seeded
 * resampling), so a notebook prints the same interval on every run.
 *
 *   meanInterval(xs)              the mean with a Student t interval (default) or a percentile bootstrap
 *   wilsonInterval(k, n)          a share of successes (e.g. seeds at 100 %) with its Wilson score interval
 *   signFlipTest(ds)              two-sided p of "mean difference = 0": exact over all 2ⁿ sign flips (n ≤ 16)
 *   pairedComparison(pairs)       a − b per pair (seed): mean, interval, sign-flip p, wins/losses
 *   clusteredComparison(groups)   the same with clusters (rungs, settings) as the units: one mean per cluster
 *   fisherExact(a, b, c, d)       two-sided exact test of two shares (seeds at 100 %, EA against DPA)
 *   holm(ps), benjaminiHochberg(ps)   family-wise (Holm) and false-discovery-rate (BH) adjusted p-values
 *   intervalCoverage(...)         simulated coverage of an interval method at a given n
 *
 * Why t and not the bootstrap: at the n of our grids (3–10 seeds) a percentile bootstrap of the mean
 * is too narrow — it covers about 84 % at n = 5 and 76 % at n = 3 for a nominal 95 % (measured in
 * test/statistics-coverage.test.ts); the t interval covers 95 % for normal differences and ≥ 93 % on
 * the project's own difference distributions at n = 5. The bootstrap stays available (`method:
 * 'bootstrap'`) to show verdicts made under the earlier rule. A best-of-n is reported as an observed
 * maximum, without an interval: no resampling interval of a maximum can reach above what was seen.
 *
 * With n = 5 pairs the sign-flip test can never give p < 0.0625 (two-sided: 2 of 32 flips are as
 * extreme as "all five differences positive"); `minimumSignFlipP(n)` says so before the runs.
 *
 * ```ts
 * wilsonInterval(5, 5);                       // { estimate: 1, lo: 0.566, hi: 1, n: 5 }
 * meanInterval([0.2, 1, 1]);                  // { estimate: 0.733, lo: −0.414, hi: 1.881, n: 3 } (t, 2 df)
 * pairedComparison([[1, 0.2], [1, 0.25]]);    // { meanDifference: 0.775, lo, hi, p: 0.5, n: 2, ... }
 * holm([0.01, 0.04, 0.03]);                   // [0.03, 0.06, 0.06]
 * ```
 */
import { Rng } from '../util/rng.js';
import type { Scalar } from './types.js';

/** An estimate with a two-sided interval at `level` (0.95 unless stated). NaN estimate and [NaN, NaN] when n = 0. */
export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
  /** The number of observations behind it. */
  n: number;
}

/** Two-sided standard normal quantile for a confidence level in (0, 1) (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile needs p in (0, 1); got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowTail = 0.02425;
  if (p < lowTail) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lowTail) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new Error(`level must be a number in (0, 1), e.g. 0.95; got ${level}`);
}

/**
 * The share k / n with its Wilson score interval (good at small n and at 0 and n successes, where the
 * normal-approximation interval collapses to a point): 5 of 5 → [0.566, 1], 0 of 5 → [0, 0.434].
 */
export function wilsonInterval(successes: number, n: number, level = 0.95): Interval {
  if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a non-negative integer; got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) throw new Error(`successes must be an integer in 0..n (${n}); got ${successes}`);
  checkLevel(level);
  if (n === 0) return { estimate: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 };
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  // Exact ends at 0 and n successes (the formula gives them up to rounding).
  return { estimate: p, lo: successes === 0 ? 0 : Math.max(0, centre - half), hi: successes === n ? 1 : Math.min(1, centre + half), n };
}

export type Statistic = 'mean' | 'max';

/** How an interval of a mean is made: Student's t (default) or the percentile bootstrap (the earlier rule). */
export type IntervalMethod = 't' | 'bootstrap';
export const INTERVAL_METHODS: readonly IntervalMethod[] = ['t', 'bootstrap'];

export interface IntervalArgs {
  /** Confidence level. Default 0.95. */
  level?: number;
  /** Interval of a mean: 't' or 'bootstrap'. Default 't'. */
  method?: IntervalMethod;
  /** Bootstrap resamples, and random sign flips when n > 16. Default 4000. */
  resamples?: number;
  /** Seed of the resampling. Default 0. */
  seed?: number;
}
/** The earlier name of IntervalArgs. */
export type BootstrapArgs = IntervalArgs;

function resolveIntervalArgs({ level = 0.95, method = 't', resamples = 4000, seed = 0 }: IntervalArgs): Required<IntervalArgs> {
  checkLevel(level);
  if (!INTERVAL_METHODS.includes(method)) throw new Error(`method must be one of ${INTERVAL_METHODS.join(', ')}; got ${JSON.stringify(method)}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`resamples must be a positive integer; got ${resamples}`);
  return { level, method, resamples, seed };
}

const statistics: Record<Statistic, (xs: readonly number[]) => number> = {
  mean: (xs) => xs.reduce((a, v) => a + v, 0) / xs.length,
  max: (xs) => Math.max(...xs),
};

/** The q-quantile of sorted values, linear between order statistics. */
function quantile(sorted: readonly number[], q: number): number {
  const i = q * (sorted.length - 1);
  const lo = Math.floor(i);
  return lo + 1 < sorted.length ? sorted[lo] + (i - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

function checkValues(values: readonly number[], what: string): void {
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new Error(`${what} must be an array of finite numbers; got ${JSON.stringify(values)}`);
  }
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error < 1e-13). */
function logGamma(x: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = g[0];
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += g[i] / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularised incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df > 0, not necessarily an integer). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`df must be a positive number; got ${df}`);
  if (Number.isNaN(t)) return Number.NaN;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on the CDF to 1e-12). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`studentTQuantile needs p in (0, 1); got ${p}`);
  if (!(df > 0)) throw new Error(`df must be a positive number; got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Percentile bootstrap interval of the mean or the maximum of `values` (seeds are resampled with
 * replacement). Too narrow at small n (see the file comment): verdicts use `meanInterval`. The
 * maximum's interval never reaches above the observed best. One value: a zero-width interval; none: NaN.
 */
export function bootstrapInterval(values: readonly number[], statistic: Statistic, args: IntervalArgs = {}): Interval {
  checkValues(values, 'values');
  if (!(statistic in statistics)) throw new Error(`statistic must be 'mean' or 'max'; got ${JSON.stringify(statistic)}`);
  const { level, resamples, seed } = resolveIntervalArgs(args);
  const n = values.length;
  if (n === 0) return { estimate: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 };
  const f = statistics[statistic];
  const rng = new Rng(seed, 7);
  const draws = Array.from({ length: resamples }, () => f(Array.from({ length: n }, () => values[rng.int(n)]))).sort((a, b) => a - b);
  return { estimate: f(values), lo: quantile(draws, (1 - level) / 2), hi: quantile(draws, 1 - (1 - level) / 2), n };
}

/**
 * The mean of `values` with a two-sided interval: Student's t, mean ± t(1 − α/2, n − 1)·s/√n (default),
 * or the percentile bootstrap (`method: 'bootstrap'`). One value: [NaN, NaN] under t (no spread can be
 * estimated), a zero-width interval under the bootstrap; none: NaN. Equal values: a zero-width interval.
 */
export function meanInterval(values: readonly number[], args: IntervalArgs = {}): Interval {
  checkValues(values, 'values');
  const a = resolveIntervalArgs(args);
  if (a.method === 'bootstrap') return bootstrapInterval(values, 'mean', a);
  const n = values.length;
  if (n === 0) return { estimate: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { estimate: mean, lo: Number.NaN, hi: Number.NaN, n };
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = studentTQuantile(1 - (1 - a.level) / 2, n - 1) * sd / Math.sqrt(n);
  return { estimate: mean, lo: mean - half, hi: mean + half, n };
}

/** The smallest two-sided p the exact sign-flip test can give with n non-zero differences: 2 / 2ⁿ. */
export const minimumSignFlipP = (n: number): number => (n > 0 ? Math.min(1, 2 / 2 ** n) : 1);

/**
 * Two-sided sign-flip permutation test of "the differences are symmetric about 0": the share of sign
 * assignments whose |sum| reaches the observed |sum|. Exact over all 2ⁿ flips for n ≤ 16, else
 * `resamples` random flips (counting the observed one). 1 when every difference is 0; NaN with none.
 */
export function signFlipTest(differences: readonly number[], args: IntervalArgs = {}): { p: number; exact: boolean } {
  checkValues(differences, 'differences');
  const { resamples, seed } = resolveIntervalArgs(args);
  const n = differences.length;
  const exact = n <= 16;
  if (n === 0) return { p: Number.NaN, exact };
  const observed = Math.abs(differences.reduce((a, v) => a + v, 0));
  if (observed === 0) return { p: 1, exact };
  // Sums are compared with a relative tolerance so that flips equal to the observed sum count despite rounding.
  const atLeast = (s: number): boolean => Math.abs(s) >= observed - 1e-12 * Math.max(1, observed);
  let extreme = 0;
  let total = 0;
  if (exact) {
    for (let mask = 0; mask < 2 ** n; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -differences[i] : differences[i];
      if (atLeast(s)) extreme++;
      total++;
    }
    return { p: extreme / total, exact };
  }
  const rng = new Rng(seed, 11);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (const d of differences) s += rng.float() < 0.5 ? -d : d;
    if (atLeast(s)) extreme++;
    total++;
  }
  return { p: (extreme + 1) / (total + 1), exact };
}

export interface PairedComparison {
  /** Mean of a − b over the pairs, with its interval (lo, hi). */
  meanDifference: number;
  lo: number;
  hi: number;
  /** Two-sided p-value of the sign-flip permutation test of "mean difference = 0". 1 when every difference is 0; NaN with no pairs. */
  p: number;
  /** Whether p was computed over all 2ⁿ sign flips (n ≤ 16) or from `resamples` random flips. */
  exact: boolean;
  /** Pairs with a > b, a < b and a = b. */
  wins: number;
  losses: number;
  ties: number;
  n: number;
  /** The interval's method and level. */
  method: IntervalMethod;
  level: number;
}

/** Mean, interval and sign-flip test of differences (the units of `pairedComparison` or `clusteredComparison`). */
function compareDifferences(diffs: readonly number[], args: IntervalArgs): PairedComparison {
  const a = resolveIntervalArgs(args);
  const n = diffs.length;
  const wins = diffs.filter((d) => d > 0).length;
  const losses = diffs.filter((d) => d < 0).length;
  const ci = meanInterval(diffs, a);
  const { p, exact } = signFlipTest(diffs, a);
  return { meanDifference: ci.estimate, lo: ci.lo, hi: ci.hi, p, exact, wins, losses, ties: n - wins - losses, n, method: a.method, level: a.level };
}

/**
 * Paired comparison of two mechanisms over the same seeds (same data, same initialisation): pairs are
 * [a, b]. The interval is of the mean of a − b (t unless `method` says otherwise); the sign-flip test
 * flips the sign of each difference at random (under "no difference" each sign is equally likely).
 */
export function pairedComparison(pairs: readonly (readonly [number, number])[], args: IntervalArgs = {}): PairedComparison {
  if (!Array.isArray(pairs) || pairs.some((p) => !Array.isArray(p) || p.length !== 2)) throw new Error(`pairs must be an array of [a, b] pairs; got ${JSON.stringify(pairs)}`);
  const diffs = pairs.map(([a, b]) => a - b);
  checkValues(diffs, 'pair differences');
  return compareDifferences(diffs, args);
}

export interface ClusteredComparison extends PairedComparison {
  /** Number of clusters (the n of the interval and the test) and of pairs inside them. */
  clusters: number;
  pairs: number;
}

/**
 * A pooled paired comparison whose pairs come in clusters (the seeds of one rung share that rung's
 * difficulty, so they are not independent draws): each cluster contributes the mean of its pairs'
 * differences, and the interval and the sign-flip test run over those cluster means. wins / losses /
 * ties count clusters. Empty clusters are left out.
 */
export function clusteredComparison(clusters: readonly (readonly (readonly [number, number])[])[], args: IntervalArgs = {}): ClusteredComparison {
  if (!Array.isArray(clusters)) throw new Error(`clusters must be an array of arrays of [a, b] pairs; got ${JSON.stringify(clusters)}`);
  const kept = clusters.filter((c) => c.length > 0);
  const means = kept.map((c, i) => {
    const d = pairedComparison(c, args);
    if (!Number.isFinite(d.meanDifference)) throw new Error(`cluster ${i}: pair differences must be finite`);
    return d.meanDifference;
  });
  return { ...compareDifferences(means, args), clusters: kept.length, pairs: kept.reduce((s, c) => s + c.length, 0) };
}

function checkPValues(ps: readonly number[]): void {
  if (!Array.isArray(ps) || ps.some((p) => typeof p !== 'number' || !(p >= 0 && p <= 1))) {
    throw new Error(`p-values must be an array of numbers in [0, 1]; got ${JSON.stringify(ps)}`);
  }
}

/** A correction for a family of tests: Holm's step-down (family-wise error) or Benjamini–Hochberg (false discovery rate). */
export type Correction = 'holm' | 'bh' | 'none';
export const CORRECTIONS: readonly Correction[] = ['holm', 'bh', 'none'];

/**
 * Holm's step-down adjusted p-values (in the input order): reject the tests with adjusted p ≤ α and
 * the family-wise error rate is ≤ α under any dependence between the tests.
 */
export function holm(ps: readonly number[]): number[] {
  checkPValues(ps);
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

/**
 * Benjamini–Hochberg adjusted p-values (in the input order): reject those ≤ q and the expected share
 * of false rejections among the rejections is ≤ q (for independent or positively dependent tests).
 */
export function benjaminiHochberg(ps: readonly number[]): number[] {
  checkPValues(ps);
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((x, y) => y[0] - x[0]);
  const out = new Array<number>(m);
  let running = 1;
  order.forEach(([p, i], k) => {
    running = Math.min(running, (m / (m - k)) * p);
    out[i] = Math.min(1, running);
  });
  return out;
}

/** Adjusted p-values under a named correction ('none' returns them unchanged). */
export function adjustPValues(ps: readonly number[], correction: Correction): number[] {
  if (!CORRECTIONS.includes(correction)) throw new Error(`correction must be one of ${CORRECTIONS.join(', ')}; got ${JSON.stringify(correction)}`);
  return correction === 'holm' ? holm(ps) : correction === 'bh' ? benjaminiHochberg(ps) : (checkPValues(ps), [...ps]);
}

export interface CoverageArgs extends IntervalArgs {
  /** Sample size of each simulated study. */
  n: number;
  /** Draws one observation; `rng.float()` is uniform on [0, 1). */
  draw: (rng: Rng) => number;
  /** The mean of the distribution `draw` samples. */
  trueMean: number;
  /** Simulated studies. Default 2000. */
  trials?: number;
  /** Seed of the simulation (the interval's own resampling keeps `seed`). Default 1. */
  simulationSeed?: number;
}

/**
 * The share of simulated studies of size n whose `meanInterval` contains the true mean, with its
 * Wilson interval: what "95 %" means at this n for this distribution.
 */
export function intervalCoverage(args: CoverageArgs): Interval {
  const { n, draw, trueMean, trials = 2000, simulationSeed = 1 } = args;
  if (!Number.isInteger(n) || n < 2) throw new Error(`n must be an integer ≥ 2; got ${n}`);
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`trials must be a positive integer; got ${trials}`);
  const rng = new Rng(simulationSeed, 17);
  let covered = 0;
  for (let t = 0; t < trials; t++) {
    const xs = Array.from({ length: n }, () => draw(rng));
    const ci = meanInterval(xs, { ...args, seed: (args.seed ?? 0) + t });
    if (ci.lo <= trueMean && trueMean <= ci.hi) covered++;
  }
  return wilsonInterval(covered, trials);
}

/** Aggregate of one metric over the rows of a group (usually the seeds of one cell). */
export interface Summary {
  mean: number;
  /** Sample standard deviation (n − 1); NaN for a single value. */
  std: number;
  /** Best of n: the maximum (or the minimum, for losses: see `summarise`'s `lowerIsBetter`). */
  best: number;
  worst: number;
  /** Number of non-NaN values. */
  count: number;
}

/** mean, sample std, best-of-n, worst and count of the non-NaN values. */
export function aggregate(values: readonly number[], lowerIsBetter = false): Summary {
  const xs = values.filter((v) => typeof v === 'number' && !Number.isNaN(v));
  const n = xs.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, best: Number.NaN, worst: Number.NaN, count: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  const max = Math.max(...xs);
  const min = Math.min(...xs);
  return { mean, std, best: lowerIsBetter ? min : max, worst: lowerIsBetter ? max : min, count: n };
}

export interface PairedDifference {
  /** The value of the pairing column (e.g. the seed). */
  pair: Scalar;
  a: number;
  b: number;
  /** b − a */
  difference: number;
}

/**
 * Differences of `metric` between two values of `column` (e.g. mechanism 'cog' minus 'dot-product') in
 * rows that agree on `pairBy` (e.g. the seed: same data order and initialisation seed). Rows without a
 * partner are left out.
 */
export function pairedDifferences(rows: readonly Record<string, Scalar>[], args: { column: string; a: Scalar; b: Scalar; metric: string; pairBy: string }): PairedDifference[] {
  for (const k of [args.column, args.metric, args.pairBy]) {
    if (rows.length && !(k in rows[0])) throw new Error(`pairedDifferences: no column '${k}'; columns are ${Object.keys(rows[0]).join(', ')}`);
  }
  const side = (v: Scalar): Map<Scalar, number> => new Map(rows.filter((r) => r[args.column] === v).map((r) => [r[args.pairBy], Number(r[args.metric])]));
  const A = side(args.a);
  const B = side(args.b);
  return [...A.keys()].filter((p) => B.has(p)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)).map((p) => {
    const a = A.get(p) as number;
    const b = B.get(p) as number;
    return { pair: p, a, b, difference: b - a };
  });
}


export interface PairedTTest {
  /** Number of pairs. */
  n: number;
  /** Mean and sample standard deviation of the differences. */
  mean: number;
  std: number;
  /** mean / (std / √n); NaN with fewer than 2 pairs. */
  t: number;
  degreesOfFreedom: number;
  /** The two-sided 5 % critical value of |t|. */
  critical: number;
  /** Two-sided p-value of t. */
  p: number;
  /** |t| > critical: the mean difference is not zero at the 5 % level (two-sided). */
  significant: boolean;
  /** The 95 % t interval of the mean difference, mean ± critical·std/√n; NaN bounds with fewer than 2 pairs. */
  interval: [number, number];
}

/** Paired t-test of differences against 0 (e.g. `pairedDifferences(...).map((d) => d.difference)`). */
export function pairedTTest(differences: readonly number[]): PairedTTest {
  const a = aggregate(differences);
  const n = a.count;
  const df = n - 1;
  const t = n > 1 ? a.mean / (a.std / Math.sqrt(n)) : Number.NaN;
  const critical = df >= 1 ? studentTQuantile(0.975, df) : Number.NaN;
  const half = n > 1 ? critical * a.std / Math.sqrt(n) : Number.NaN;
  const p = Number.isFinite(t) ? 2 * (1 - studentTCdf(Math.abs(t), df)) : Number.isNaN(t) ? Number.NaN : 0;
  return { n, mean: a.mean, std: a.std, t, degreesOfFreedom: df, critical, p, significant: Number.isFinite(t) ? Math.abs(t) > critical : n > 1 && a.mean !== 0, interval: [a.mean - half, a.mean + half] };
}

const logFactorial = (n: number): number => logGamma(n + 1);

/**
 * Fisher's exact test of a 2 × 2 table [[a, b], [c, d]] (e.g. seeds at 100 % and not, for two
 * mechanisms): the two-sided p is the total probability, with the margins fixed, of tables no more
 * probable than the observed one. 5 of 5 against 0 of 5: p = 2/252 = 0.0079.
 */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  for (const [k, v] of Object.entries({ a, b, c, d })) if (!Number.isInteger(v) || v < 0) throw new Error(`fisherExact: ${k} must be a non-negative integer; got ${v}`);
  const row1 = a + b;
  const col1 = a + c;
  const n = a + b + c + d;
  if (n === 0) return 1;
  const logP = (x: number): number => logFactorial(row1) + logFactorial(n - row1) + logFactorial(col1) + logFactorial(n - col1)
    - logFactorial(n) - logFactorial(x) - logFactorial(row1 - x) - logFactorial(col1 - x) - logFactorial(n - row1 - col1 + x);
  const observed = logP(a);
  let p = 0;
  for (let x = Math.max(0, row1 + col1 - n); x <= Math.min(row1, col1); x++) {
    const lp = logP(x);
    if (lp <= observed + 1e-7) p += Math.exp(lp);
  }
  return Math.min(1, p);
}
