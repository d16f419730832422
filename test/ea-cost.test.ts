/** mechanismCost: every size of the grid timed with both mechanisms in one bench run; the ratios are EA ÷ DPA of that run. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../lib/backend.js';
import { mechanismCost } from '../lib/papers/ea/cost.js';
import { testBackends } from './helpers.js';

const [backend] = await testBackends();

test('mechanismCost (smoke grid): one bench config per size × mechanism, ratios from the same run, equal parameters', async () => {
  await initBackend(backend);
  const { bench, ratios } = await mechanismCost({ scale: 'smoke', steps: 1, warmup: 0, rounds: 1 });
  assert.deepEqual(bench.configs.map((c) => c.name), ['small, dot-product', 'small, expressive']);
  assert.deepEqual(bench.settings, { replicas: 1, steps: 1, rounds: 1, warmup: 0 });
  assert.equal(ratios.length, 1);
  const [d, e] = bench.configs;
  const r = ratios[0];
  assert.equal(r.size, 'small');
  assert.equal(r.cpuRatio, e.cpu_ms_per_step.single / d.cpu_ms_per_step.single);
  assert.equal(r.kernelRatio, e.kernels_per_step / d.kernels_per_step);
  assert.ok(r.kernelRatio > 1, 'EA\'s map s²/(1+s²) and its normalisation take more kernels than the fused softmax');
  assert.deepEqual(r.parameters, [d.parameters, e.parameters]);
  assert.equal(r.parameters[0], r.parameters[1]);
  await assert.rejects(mechanismCost({ experiment: 'cog-delete', scale: 'smoke' }), /mechanismCost: no /);
});
