/** Shared test utilities: the backends to sweep, closeness assertions, finite-difference gradient checks. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, initBackend, type BackendName } from '../lib/backend.js';
import { Rng } from '../lib/util/rng.js';

/**
 * Backends the numeric tests run on: EA_TEST_BACKENDS (comma-separated) or all three. Only the native
 * backend may be missing (its binding is built by `npm run setup`): it is then skipped with a warning,
 * except under CI=true, where it must load. wasm and cpu always ship with the package, so a failure to
 * start either is a real error.
 */
export async function testBackends(): Promise<BackendName[]> {
  const wanted = process.env.EA_TEST_BACKENDS ? process.env.EA_TEST_BACKENDS.split(',') as BackendName[] : [...BACKENDS];
  const ok: BackendName[] = [];
  for (const b of wanted) {
    try {
      await initBackend(b);
      ok.push(b);
    } catch (err) {
      if (b !== 'tensorflow' || process.env.CI === 'true') throw err;
      if (!warnedNativeMissing) console.warn(`[tests] skipping the tensorflow backend: ${(err as Error).message}`);
      warnedNativeMissing = true;
    }
  }
  return ok;
}
let warnedNativeMissing = false;

/** Element-wise |a − e| ≤ atol + rtol·|e|, with a message naming the first offending index. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-7): void {
  // A number has no length: compared as arrays, two numbers would pass whatever they are.
  for (const [name, v] of [['actual', actual], ['expected', expected]] as const) {
    if (v === null || typeof v !== 'object' || !Number.isInteger(v.length)) throw new TypeError(`${what}: assertClose takes arrays; ${name} is ${typeof v} ${String(v)} (wrap a number in [ ])`);
  }
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Values of a tensor as a flat number array. */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Options of `checkGradient`. */
export interface GradientCheckOptions {
  /** Label for failure messages. Default 'gradient'. */
  what?: string;
  /** Random directions per group (see `joint`). Default 2. */
  directions?: number;
  /** Length h of the step along a unit direction; float32 wants 1e-2..1e-3. Default 1e-2. */
  step?: number;
  /** Relative tolerance on the directional derivative. Default 1e-2. */
  rtol?: number;
  /** Absolute tolerance on the directional derivative (float32 noise ≈ 1e-7·|f|/h). Default 1e-4. */
  atol?: number;
  /** Seed of the random directions. Default 0. */
  seed?: number;
  /** true: directions over all inputs at once; false: separate directions for each input, which also
   *  catches an error in one small tensor hidden beside a large gradient elsewhere. Default false. */
  joint?: boolean;
  /** Perturb only these inputs (all inputs still feed f). Default: every input. */
  only?: readonly string[];
}

/** One comparison made by `checkGradient`: f(x+hu) − f(x−hu) against ∇f·(x₊ − x₋), both divided by 2h. */
export interface GradientCheckRow {
  group: string;
  analytic: number;
  numeric: number;
  /** Directions of this group redrawn so far because f was not smooth along them. */
  redrawn: number;
}

/**
 * Checks tf's gradient of a scalar function against central finite differences along random unit
 * directions u (seeded, so a run is reproducible):
 *
 *   numeric  = (f(x₊) − f(x₋)) / 2h,   x± = float32(x ± h·u)
 *   analytic = ∇f(x) · (x₊ − x₋) / 2h   (the float32-rounded step, so rounding of x ± hu costs nothing)
 *
 * and fails (assert) when |analytic − numeric| > atol + rtol·max(|analytic|, |numeric|), naming the input
 * group and direction. `f` receives the inputs by name and must return a scalar; it is called inside
 * tf.tidy, so it need not clean up. Inputs must be float32 and are not modified. Returns the rows (for
 * debugging or extra assertions). Keep f's value O(1) (e.g. Σ c⊙output with random c): float32 finite
 * differences lose ~1e-7·|f|/h absolutely.
 *
 * Kinks and jumps (relu, Cog's sign(s)) make a finite difference meaningless where one lies within ±h of
 * x. So the difference is also taken with step h/2; where the two disagree (same tolerance) the direction
 * is redrawn, at most 10 times per group. This cannot hide a wrong gradient: the consistency test does not
 * involve the analytic value.
 *
 * ```ts
 * checkGradient(({ s }) => tf.sum(tf.mul(c, rule.weights(s, mask))), { s: scores }, { what: rule.name });
 * ```
 */
export function checkGradient(
  f: (inputs: Record<string, tf.Tensor>) => tf.Scalar,
  inputs: Record<string, tf.Tensor>,
  options: GradientCheckOptions = {},
): GradientCheckRow[] {
  const what = options.what ?? 'gradient';
  const directions = options.directions ?? 2;
  const h = options.step ?? 1e-2;
  const rtol = options.rtol ?? 1e-2;
  const atol = options.atol ?? 1e-4;
  const names = Object.keys(inputs);
  const perturbed = options.only ? [...options.only] : names;
  for (const n of perturbed) assert.ok(names.includes(n), `checkGradient: no input '${n}'`);
  const base: Record<string, Float32Array> = {};
  for (const n of names) {
    assert.equal(inputs[n].dtype, 'float32', `checkGradient: input '${n}' must be float32`);
    base[n] = Float32Array.from(inputs[n].dataSync());
  }

  // Analytic gradient of every perturbed input, as float64 arrays.
  const gradFn = tf.grads((...xs: tf.Tensor[]) => f(Object.fromEntries(names.map((n, i) => [n, xs[i]]))));
  const grads = tf.tidy(() => gradFn(names.map((n) => inputs[n])));
  const g: Record<string, Float64Array> = {};
  names.forEach((n, i) => { g[n] = Float64Array.from(grads[i].dataSync()); });
  tf.dispose(grads);
  for (const n of perturbed) {
    assert.ok(g[n].every(Number.isFinite), `${what}: analytic gradient of '${n}' is not finite`);
  }

  const evaluate = (values: Record<string, Float32Array>): number => tf.tidy(() => {
    const xs = Object.fromEntries(names.map((n) => [n, tf.tensor(values[n], inputs[n].shape, 'float32')]));
    return f(xs).dataSync()[0];
  });

  const rng = new Rng(options.seed ?? 0, 0x9d);
  const groups = options.joint ? [perturbed] : perturbed.map((n) => [n]);
  const rows: GradientCheckRow[] = [];
  for (const group of groups) {
    for (let k = 0, redrawn = 0; k < directions; k++) {
      // Random unit direction over the group.
      const u: Record<string, Float64Array> = {};
      let norm2 = 0;
      for (const n of group) {
        u[n] = Float64Array.from(base[n], () => rng.normal());
        for (const x of u[n]) norm2 += x * x;
      }
      const scale = 1 / Math.sqrt(norm2);
      const difference = (step: number): { numeric: number; analytic: number } => {
        const plus = { ...base };
        const minus = { ...base };
        let analytic = 0;
        for (const n of group) {
          plus[n] = Float32Array.from(base[n], (x, i) => x + step * scale * u[n][i]);
          minus[n] = Float32Array.from(base[n], (x, i) => x - step * scale * u[n][i]);
          for (let i = 0; i < base[n].length; i++) analytic += g[n][i] * (plus[n][i] - minus[n][i]);
        }
        return { numeric: (evaluate(plus) - evaluate(minus)) / (2 * step), analytic: analytic / (2 * step) };
      };
      const { numeric, analytic } = difference(h);
      const half = difference(h / 2).numeric;
      const label = `${what}: d/d[${group.join(', ')}] along direction ${k}`;
      assert.ok(Number.isFinite(numeric) && Number.isFinite(half), `${label}: finite difference is not finite (${numeric}, ${half})`);
      if (!(Math.abs(numeric - half) <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(half)))) {
        assert.ok(++redrawn <= 10, `${what}: f is not smooth (finite differences at h and h/2 disagree) along 10 random directions of [${group.join(', ')}]`);
        k--;
        continue;
      }
      rows.push({ group: group.join(','), analytic, numeric, redrawn });
      if (!(Math.abs(analytic - numeric) <= atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric)))) {
        assert.fail(`${label}: analytic ${analytic} vs finite difference ${numeric} (rtol ${rtol}, atol ${atol})`);
      }
    }
  }
  return rows;
}

/** A float32 tensor of N(0, std²) values drawn from a seeded Rng: the same on every backend. */
export function randomNormal(shape: number[], seed: number, std = 1): tf.Tensor {
  const rng = new Rng(seed, 0x7e57);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => std * rng.normal()), shape, 'float32');
}

/**
 * Reference attention weights of one query row in float64 plain JS, written from the formulas in
 * papers.md (not from the library): `scores` holds only the row's visible keys (masked keys left out);
 * the result has one weight per visible key. Rows of all-zero squares give zeros (the ε convention).
 *
 *   dot-product          softmax(s)                cog                 sign(s)·softmax(|s|)
 *   expressive           e/Σe, e = s²/(1+s²)       signed-expressive   sign(s)·e/Σe
 *   expressive-softmax   softmax(s²/τ)             expressive-ratio    s²/Σs²
 */
export function referenceWeights(rule: string, scores: readonly number[], temperature = 1): number[] {
  const softmax = (xs: number[]): number[] => {
    const m = Math.max(...xs);
    const e = xs.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / z);
  };
  const normalise = (xs: number[]): number[] => {
    const z = xs.reduce((a, b) => a + b, 0);
    return xs.map((x) => (z === 0 ? 0 : x / z));
  };
  const s = [...scores];
  const e = s.map((x) => (x * x) / (1 + x * x));
  switch (rule) {
    case 'dot-product': return softmax(s);
    case 'expressive': return normalise(e);
    case 'cog': return softmax(s.map(Math.abs)).map((p, j) => Math.sign(s[j]) * p);
    case 'expressive-softmax': return softmax(s.map((x) => (x * x) / temperature));
    case 'expressive-ratio': return normalise(s.map((x) => x * x));
    case 'signed-expressive': return normalise(e).map((p, j) => Math.sign(s[j]) * p);
    default: throw new Error(`referenceWeights: no reference for rule '${rule}'`);
  }
}
