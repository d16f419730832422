/**
 * AdamW (Loshchilov & Hutter), step for step as PyTorch's `torch.optim.AdamW` (amsgrad off):
 *
 *   t ← t + 1
 *   p ← p − lr·wd·p                              decoupled weight decay (only parameters with decay: true)
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * The moments are tf.Variables owned by the optimizer; `state()` / `loadState()` copy them (and t) in
 * and out for checkpoints, exactly (float32).
 *
 * ```ts
 * const opt = new AdamW(model.parameters, { weightDecay: 0.01 });
 * opt.step(variables, grads, 3e-4);   // updates the variables in place
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamSpec } from '../models/model.js';

export interface AdamWArgs {
  /** Learning rate used when `step` is called without one. Default 1e-3 (PyTorch's). */
  learningRate?: number;
  /** Decay rate of the first-moment (mean) estimate. Default 0.9. */
  beta1?: number;
  /** Decay rate of the second-moment (uncentred variance) estimate. Default 0.999. */
  beta2?: number;
  /** Added to √v̂ in the denominator. Default 1e-8. */
  epsilon?: number;
  /** Decoupled weight decay, applied only to parameters whose ParamSpec has decay: true. Default 0.01 (PyTorch's). */
  weightDecay?: number;
}

export type AdamWConfig = Required<AdamWArgs>;

export function resolveAdamWArgs(args: AdamWArgs = {}): AdamWConfig {
  const c: AdamWConfig = {
    learningRate: args.learningRate ?? 1e-3,
    beta1: args.beta1 ?? 0.9,
    beta2: args.beta2 ?? 0.999,
    epsilon: args.epsilon ?? 1e-8,
    weightDecay: args.weightDecay ?? 0.01,
  };
  checkLearningRate('learningRate', c.learningRate);
  for (const name of ['beta1', 'beta2'] as const) {
    if (!(c[name] >= 0 && c[name] < 1)) throw new Error(`${name} must be in [0, 1); got ${c[name]}`);
  }
  if (!(c.epsilon >= 0) || !Number.isFinite(c.epsilon)) throw new Error(`epsilon must be a finite number ≥ 0; got ${c.epsilon}`);
  if (!(c.weightDecay >= 0) || !Number.isFinite(c.weightDecay)) throw new Error(`weightDecay must be a finite number ≥ 0; got ${c.weightDecay}`);
  return c;
}

function checkLearningRate(name: string, lr: number): void {
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`${name} must be a positive finite number; got ${lr}`);
}

/** Optimizer state for a checkpoint: step count t and both moments of every parameter. */
export interface AdamWState {
  step: number;
  /** Per parameter name: first moment m, flat float32 in the parameter's shape. */
  m: Record<string, Float32Array>;
  /** Per parameter name: second moment v. */
  v: Record<string, Float32Array>;
}

type ParamInfo = Pick<ParamSpec, 'name' | 'shape' | 'decay'>;

export class AdamW {
  readonly config: AdamWConfig;
  /** Number of steps taken (t). */
  stepCount = 0;
  private readonly specs: readonly ParamInfo[];
  private readonly m: Record<string, tf.Variable> = {};
  private readonly v: Record<string, tf.Variable> = {};
  // Constant scalars, built once.
  private readonly beta1: tf.Scalar;
  private readonly beta2: tf.Scalar;
  private readonly oneMinusBeta1: tf.Scalar;
  private readonly oneMinusBeta2: tf.Scalar;
  private readonly epsilon: tf.Scalar;

  /** `parameters`: the model's ParamSpecs (names, shapes, which ones decay). */
  constructor(parameters: readonly ParamInfo[], args: AdamWArgs = {}) {
    this.config = resolveAdamWArgs(args);
    this.specs = parameters.map((p) => ({ name: p.name, shape: [...p.shape], decay: p.decay }));
    const c = this.config;
    this.beta1 = tf.keep(tf.scalar(c.beta1));
    this.beta2 = tf.keep(tf.scalar(c.beta2));
    this.oneMinusBeta1 = tf.keep(tf.scalar(1 - c.beta1));
    this.oneMinusBeta2 = tf.keep(tf.scalar(1 - c.beta2));
    this.epsilon = tf.keep(tf.scalar(c.epsilon));
    for (const p of this.specs) {
      this.m[p.name] = tf.tidy(() => tf.variable(tf.zeros(p.shape), false));
      this.v[p.name] = tf.tidy(() => tf.variable(tf.zeros(p.shape), false));
    }
  }

  /** One update of every parameter in `params` (in place) from `grads` (same names). */
  step(params: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>, learningRate = this.config.learningRate): void {
    if (!(learningRate >= 0) || !Number.isFinite(learningRate)) {
      throw new Error(`learningRate must be a finite number ≥ 0; got ${learningRate}`);
    }
    for (const p of this.specs) {
      if (!params[p.name]) throw new Error(`AdamW.step: parameter '${p.name}' is missing`);
      if (!grads[p.name]) throw new Error(`AdamW.step: gradient of '${p.name}' is missing`);
    }
    this.stepCount++;
    const c = this.config;
    const t = this.stepCount;
    const biasCorrection1 = 1 - c.beta1 ** t;
    const biasCorrection2Sqrt = Math.sqrt(1 - c.beta2 ** t);
    tf.tidy(() => {
      const decayFactor = tf.scalar(1 - learningRate * c.weightDecay); // p·(1 − lr·wd), as PyTorch
      const stepSize = tf.scalar(learningRate / biasCorrection1);
      const bc2Sqrt = tf.scalar(biasCorrection2Sqrt);
      for (const spec of this.specs) {
        const p = params[spec.name];
        const g = grads[spec.name];
        const m = tf.add(tf.mul(this.beta1, this.m[spec.name]), tf.mul(this.oneMinusBeta1, g)); // [shape]
        const v = tf.add(tf.mul(this.beta2, this.v[spec.name]), tf.mul(this.oneMinusBeta2, tf.square(g))); // [shape]
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.epsilon); // [shape]
        const decayed = spec.decay && c.weightDecay > 0 ? tf.mul(p, decayFactor) : p; // [shape]
        p.assign(tf.sub(decayed, tf.mul(stepSize, tf.div(m, denom))));
        this.m[spec.name].assign(m);
        this.v[spec.name].assign(v);
      }
    });
  }

  /** A copy of the optimizer state (reads the moments back). */
  state(): AdamWState {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const p of this.specs) {
      m[p.name] = this.m[p.name].dataSync() as Float32Array;
      v[p.name] = this.v[p.name].dataSync() as Float32Array;
    }
    return { step: this.stepCount, m, v };
  }

  /** Restores a state from `state()`; names and sizes must match this optimizer's parameters. */
  loadState(state: AdamWState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`optimizer state: step must be a non-negative integer; got ${state.step}`);
    for (const p of this.specs) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      for (const key of ['m', 'v'] as const) {
        const values = state[key][p.name];
        if (!values) throw new Error(`optimizer state: ${key} of '${p.name}' is missing`);
        if (values.length !== n) throw new Error(`optimizer state: ${key} of '${p.name}' has ${values.length} values, the parameter has ${n}`);
      }
    }
    for (const p of this.specs) {
      tf.tidy(() => {
        this.m[p.name].assign(tf.tensor(state.m[p.name], p.shape, 'float32'));
        this.v[p.name].assign(tf.tensor(state.v[p.name], p.shape, 'float32'));
      });
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    tf.dispose([this.beta1, this.beta2, this.oneMinusBeta1, this.oneMinusBeta2, this.epsilon]);
    tf.dispose([...Object.values(this.m), ...Object.values(this.v)]);
  }
}
