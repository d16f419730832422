/**
 * Uncertainty for verdicts that rest on a few seeds: every function here is deterministic (seeded
 * resampling) so a notebook prints the same interval on every run.
 *
 *   wilsonInterval(k, n)          a share of successes (e.g. seeds at 100 %) with its Wilson score interval
 *   bootstrapInterval(xs, stat)   percentile bootstrap interval of the mean or the maximum ("best of n")
 *   pairedComparison(pairs)       a − b per pair (seed): mean difference, bootstrap interval, and the
 *                                 sign-flip permutation test (exact up to 2¹⁶ flips)
 *
 * With n = 5 pairs the sign-flip test can never give p < 0.0625 (two-sided: 2 of 32 flips are as
 * extreme as "all five differences positive"); the verdict rules therefore read intervals, and the
 * p-values are reported beside them.
 *
 * ```ts
 * wilsonInterval(5, 5);                       // { estimate: 1, lo: 0.566, hi: 1, n: 5 }
 * bootstrapInterval([0.2, 1, 1], 'mean');     // { estimate: 0.733, lo: 0.2, hi: 1, n: 3 }
 * pairedComparison([[1, 0.2], [1, 0.25]]);    // { meanDifference: 0.775, lo, hi, p: 0.5, n: 2, ... }
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

export interface BootstrapArgs {
  /** Confidence level. Default 0.95. */
  level?: number;
  /** Resamples. Default 4000. */
  resamples?: number;
  /** Seed of the resampling. Default 0. */
  seed?: number;
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

/**
 * Percentile bootstrap interval of the mean or the maximum of `values` (seeds are resampled with
 * replacement). The maximum's interval never reaches above the observed best: it says how much lower
 * the best of n could have come out. One value: a zero-width interval; none: NaN.
 */
export function bootstrapInterval(values: readonly number[], statistic: Statistic, { level = 0.95, resamples = 4000, seed = 0 }: BootstrapArgs = {}): Interval {
  checkValues(values, 'values');
  if (!(statistic in statistics)) throw new Error(`statistic must be 'mean' or 'max'; got ${JSON.stringify(statistic)}`);
  checkLevel(level);
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`resamples must be a positive integer; got ${resamples}`);
  const n = values.length;
  if (n === 0) return { estimate: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 };
  const f = statistics[statistic];
  const rng = new Rng(seed, 7);
  const draws = Array.from({ length: resamples }, () => f(Array.from({ length: n }, () => values[rng.int(n)]))).sort((a, b) => a - b);
  return { estimate: f(values), lo: quantile(draws, (1 - level) / 2), hi: quantile(draws, 1 - (1 - level) / 2), n };
}

export interface PairedComparison {
  /** Mean of a − b over the pairs, with its bootstrap interval (lo, hi). */
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
}

/**
 * Paired comparison of two mechanisms over the same seeds (same data, same initialisation): pairs are
 * [a, b]. The permutation test flips the sign of each difference at random (under "no difference"
 * each sign is equally likely) and counts flips whose |mean| reaches the observed one.
 */
export function pairedComparison(pairs: readonly (readonly [number, number])[], { level = 0.95, resamples = 4000, seed = 0 }: BootstrapArgs = {}): PairedComparison {
  if (!Array.isArray(pairs) || pairs.some((p) => !Array.isArray(p) || p.length !== 2)) throw new Error(`pairs must be an array of [a, b] pairs; got ${JSON.stringify(pairs)}`);
  const diffs = pairs.map(([a, b]) => a - b);
  checkValues(diffs, 'pair differences');
  const n = diffs.length;
  const wins = diffs.filter((d) => d > 0).length;
  const losses = diffs.filter((d) => d < 0).length;
  const ci = bootstrapInterval(diffs, 'mean', { level, resamples, seed });
  if (n === 0) return { meanDifference: Number.NaN, lo: Number.NaN, hi: Number.NaN, p: Number.NaN, exact: true, wins: 0, losses: 0, ties: 0, n: 0 };
  const observed = Math.abs(diffs.reduce((a, v) => a + v, 0));
  // Sums are compared with a relative tolerance so that flips equal to the observed sum count despite rounding.
  const atLeast = (s: number): boolean => Math.abs(s) >= observed - 1e-12 * Math.max(1, observed);
  let extreme = 0;
  let total = 0;
  const exact = n <= 16;
  if (observed === 0) return { meanDifference: 0, lo: ci.lo, hi: ci.hi, p: 1, exact, wins, losses, ties: n - wins - losses, n };
  if (exact) {
    for (let mask = 0; mask < 2 ** n; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -diffs[i] : diffs[i];
      if (atLeast(s)) extreme++;
      total++;
    }
  } else {
    const rng = new Rng(seed, 11);
    for (let r = 0; r < resamples; r++) {
      let s = 0;
      for (const d of diffs) s += rng.float() < 0.5 ? -d : d;
      if (atLeast(s)) extreme++;
      total++;
    }
    // The observed assignment counts as one of the permutations (a valid Monte-Carlo p-value).
    extreme++;
    total++;
  }
  return { meanDifference: ci.estimate, lo: ci.lo, hi: ci.hi, p: extreme / total, exact, wins, losses, ties: n - wins - losses, n };
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

/** Two-sided 5 % critical values of Student's t for 1..30 degrees of freedom (beyond: the normal 1.96). */
const T_CRITICAL_95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

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
  const critical = df >= 1 ? (T_CRITICAL_95[df - 1] ?? 1.96) : Number.NaN;
  const half = n > 1 ? critical * a.std / Math.sqrt(n) : Number.NaN;
  return { n, mean: a.mean, std: a.std, t, degreesOfFreedom: df, critical, significant: Number.isFinite(t) && Math.abs(t) > critical, interval: [a.mean - half, a.mean + half] };
}
