/** Shared test utilities: the backends to sweep, closeness assertions. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, initBackend, type BackendName } from '../lib/backend.js';

/**
 * Backends the numeric tests run on: EA_TEST_BACKENDS (comma-separated) or every backend that loads.
 * The native backend is skipped (not failed) when its binding is missing; CI builds it.
 */
export async function testBackends(): Promise<BackendName[]> {
  const wanted = process.env.EA_TEST_BACKENDS ? process.env.EA_TEST_BACKENDS.split(',') as BackendName[] : [...BACKENDS];
  const ok: BackendName[] = [];
  for (const b of wanted) {
    try {
      await initBackend(b);
      ok.push(b);
    } catch { /* not available here */ }
  }
  return ok;
}

/** Element-wise |a − e| ≤ atol + rtol·|e|, with a message naming the first offending index. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-7): void {
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
