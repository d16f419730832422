/**
 * The tfjs half of bench/roofline.py (see bench/README.md, "What is reachable on this machine"):
 * achievable matmul GFLOP/s of the active backend for the shapes that dominate a training step, and the
 * wall time of one small eager op (the per-kernel floor).
 *
 *   node --import tsx bench/roofline-tfjs.ts            (EA_BACKEND, TF_NUM_INTRAOP_THREADS as usual)
 *
 * Prints one JSON object: {"backend", "matmul": [{"shape", "flops", "gflops"}], "op_us": {...}}.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo } from '../lib/backend.js';

// [batch, m, k, n], as bench/roofline.py.
const SHAPES = [
  [1, 1024, 64, 192], [1, 1024, 64, 256], [1, 1024, 256, 64], [64, 32, 32, 32], [1, 32, 128, 512], [1, 1024, 128, 512],
  [8, 1024, 64, 256], [512, 32, 32, 32], [8, 32, 128, 512],
];

/**
 * Wall time per call of f (which returns a tensor; tfjs-node and wasm run ops synchronously), in
 * seconds: the best of `trials` timings, as bench/roofline.py (on a shared machine the best is the
 * closest to what the cores can do).
 */
function timeIt(f: () => tf.Tensor, trials = 5, seconds = 0.15): number {
  for (let i = 0; i < 5; i++) f().dataSync();
  let best = Infinity;
  for (let k = 0; k < trials; k++) {
    let reps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      const y = f();
      if (reps % 10 === 9) y.dataSync();
      y.dispose();
      reps++;
    }
    best = Math.min(best, (performance.now() - t0) / 1000 / reps);
  }
  return best;
}

const info = await backendInfo();
const matmul = SHAPES.map(([b, m, k, n]) => {
  const a = tf.randomNormal([b, m, k]) as tf.Tensor3D;
  const w = tf.randomNormal([b, k, n]) as tf.Tensor3D;
  const per = timeIt(() => tf.matMul(a, w));
  tf.dispose([a, w]);
  return { shape: [b, m, k, n], flops: 2 * b * m * k * n, gflops: (2 * b * m * k * n) / per / 1e9 };
});
const add = (shape: number[]): number => {
  const a = tf.randomNormal(shape);
  const b = tf.randomNormal(shape);
  const per = timeIt(() => tf.add(a, b));
  tf.dispose([a, b]);
  return per * 1e6;
};
console.log(JSON.stringify({ backend: info.backend, threads: process.env.TF_NUM_INTRAOP_THREADS ?? 'default', matmul, op_us: { add_1x1: add([1, 1]), add_1024x64: add([1024, 64]) } }));
