/**
 * Counting kernels: every tfjs op dispatches one or more kernels through the engine, and at the sizes
 * of this project's models the fixed cost per kernel (10–40 µs on tfjs-node) dominates a training
 * step. `countKernels(f)` runs `f` once and reports how many kernels it dispatched, by name, and the
 * peak number of bytes held in tensors while it ran.
 *
 * It wraps the engine's internal `runKernelFunc` for the duration of the call (tfjs 4.x), counting
 * registered kernels only: a custom-gradient op counts as the kernels it runs inside.
 *
 * ```ts
 * const { kernels, byName } = countKernels(() => trainStep());
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';

export interface KernelCount<T> {
  result: T;
  /** Kernels dispatched while `f` ran. */
  kernels: number;
  /** The same, per kernel name (e.g. { BatchMatMul: 24, Add: 40, ... }). */
  byName: Record<string, number>;
  /** Largest number of bytes held in tensors at any kernel boundary while `f` ran. */
  peakBytes: number;
}

interface EngineInternals {
  runKernelFunc(params: { kernelName?: string }): unknown;
  state: { numBytes: number };
}

/** Runs `f` (synchronously) and counts the kernels it dispatches. Not reentrant. */
export function countKernels<T>(f: () => T): KernelCount<T> {
  const engine = tf.engine() as unknown as EngineInternals;
  const original = engine.runKernelFunc;
  const byName: Record<string, number> = {};
  let kernels = 0;
  let peakBytes = engine.state.numBytes;
  engine.runKernelFunc = function (this: EngineInternals, params: { kernelName?: string }) {
    const out = original.call(this, params);
    if (params.kernelName !== undefined) {
      kernels++;
      byName[params.kernelName] = (byName[params.kernelName] ?? 0) + 1;
    }
    peakBytes = Math.max(peakBytes, this.state.numBytes);
    return out;
  };
  try {
    const result = f();
    return { result, kernels, byName, peakBytes };
  } finally {
    engine.runKernelFunc = original;
  }
}
