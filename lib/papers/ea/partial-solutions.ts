/**
 * Where unsolved ladder runs stall (issue 36). A model that has learned x_t modulo a divisor d of N —
 * the sum table of Z_d, a quotient of Z_N — and guesses among the N / d values that agree with it
 * scores accuracy d / N. So a run stuck at N · accuracy ≈ d, 1 < d < N, d | N, sits on a partial
 * solution; N with many small divisors (powers of two above all: 64 = 2⁶) offer a staircase of them,
 * prime N none. That is why difficulty does not follow N itself on ea-frontier's grid (EA fails
 * N = 64 and solves N = 96), and why protocol 3 reads the complexity axis at prime N.
 *
 * ```ts
 * partialSolution(64, 0.49);                  // { divisor: 32, powerOfTwo: true, level: 31.4 }
 * stallSummary(resultRows(records));          // unsolved runs by divisor, share on a partial solution
 * ```
 */
import type { Row } from '../../lab/types.js';

export interface PartialSolution {
  /** The divisor d of N that N · accuracy is closest to (relative error within the tolerance). */
  divisor: number;
  /** Whether d is a power of two. */
  powerOfTwo: boolean;
  /** N · accuracy: the number of values the model tells apart. */
  level: number;
}

/** The divisors d of N with 1 < d < N, ascending. */
export function properDivisors(N: number): number[] {
  if (!Number.isInteger(N) || N < 2) throw new Error(`N must be an integer ≥ 2; got ${N}`);
  return Array.from({ length: N - 2 }, (_, i) => i + 2).filter((d) => d < N && N % d === 0);
}

/**
 * The partial solution an accuracy sits on: the proper divisor d of N with |N·accuracy / d − 1| ≤
 * `tolerance` (default 0.1) closest to it, or null (no divisor fits: chance, a solved run, or a level
 * that is not a quotient of Z_N).
 */
export function partialSolution(N: number, accuracy: number, tolerance = 0.1): PartialSolution | null {
  if (!(accuracy >= 0 && accuracy <= 1)) throw new Error(`accuracy must be in [0, 1]; got ${accuracy}`);
  if (!(tolerance > 0 && tolerance < 0.5)) throw new Error(`tolerance must be in (0, 0.5); got ${tolerance}`);
  const level = N * accuracy;
  let best: { d: number; err: number } | null = null;
  for (const d of properDivisors(N)) {
    const err = Math.abs(level / d - 1);
    if (err <= tolerance && (!best || err < best.err)) best = { d, err };
  }
  return best ? { divisor: best.d, powerOfTwo: (best.d & (best.d - 1)) === 0, level } : null;
}

export interface StallSummary {
  /** Runs that did not reach 100 % (stopReason other than 'perfect'). */
  unsolved: number;
  /** Of them, on a partial solution (some divisor), and on a power-of-two one. */
  onDivisor: number;
  onPowerOfTwo: number;
  /** Per (N, mechanism, divisor): how many unsolved runs sit there; divisor null = none fits. */
  cells: { N: number; mechanism: string; divisor: number | null; runs: number }[];
}

/** The unsolved runs of ladder rows (columns N, mechanism, finalAccuracy, stopReason) by the partial solution they sit on. */
export function stallSummary(rows: readonly Row[], tolerance = 0.1): StallSummary {
  const unsolved = rows.filter((r) => r.stopReason !== 'perfect');
  const counts = new Map<string, { N: number; mechanism: string; divisor: number | null; runs: number }>();
  let onDivisor = 0;
  let onPowerOfTwo = 0;
  for (const r of unsolved) {
    const N = Number(r.N);
    const p = partialSolution(N, Number(r.finalAccuracy), tolerance);
    if (p) onDivisor++;
    if (p?.powerOfTwo) onPowerOfTwo++;
    const key = `${N}|${r.mechanism}|${p?.divisor ?? 'none'}`;
    const c = counts.get(key) ?? { N, mechanism: String(r.mechanism), divisor: p?.divisor ?? null, runs: 0 };
    c.runs++;
    counts.set(key, c);
  }
  const cells = [...counts.values()].sort((x, y) => x.N - y.N || x.mechanism.localeCompare(y.mechanism) || (x.divisor ?? 1e9) - (y.divisor ?? 1e9));
  return { unsolved: unsolved.length, onDivisor, onPowerOfTwo, cells };
}
