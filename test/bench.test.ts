/**
 * The benchmark's plumbing (never its timings): kernel counting, the reference configurations, the
 * report's fields and JSON, the command line, and — when PyTorch is installed — that the PyTorch
 * reference models have exactly the library's parameter counts (same architectures).
 */
import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { findTorchPython, runBench, torchStep } from '../lib/bench/bench.js';
import { runBenchCommand } from '../lib/bench/command.js';
import { BENCH_CONFIGS, benchConfigs, type BenchConfig } from '../lib/bench/configs.js';
import { countKernels } from '../lib/bench/kernels.js';
import { defaultWorkers } from '../lib/util/parallelism.js';
import { parameterCount } from '../lib/models/model.js';
import { createModel } from '../lib/models/registry.js';
import { disposeParams, initParams } from '../lib/models/params.js';
import { NaiveTrainer } from '../lib/bench/naive.js';
import { StackedTrainer } from '../lib/train/engine.js';
import { testBackends } from './helpers.js';

const backends = await testBackends();
const dir = mkdtempSync(join(tmpdir(), 'ea-bench-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TINY: BenchConfig = {
  name: 'tiny-transformer', description: 'test', batch: 3, length: 6,
  model: { kind: 'transformer', vocabSize: 6, contextLength: 6, width: 8, layers: 1, heads: 2, ffWidth: 12 },
};

test('countKernels counts the kernels of a call, by name, and restores the engine', async () => {
  await initBackend(backends[0]);
  const engine = tf.engine() as unknown as { runKernelFunc: unknown };
  const original = engine.runKernelFunc;
  const a = tf.tensor([1, 2, 3]);
  const f = (): number[] => tf.tidy(() => Array.from(tf.mul(tf.add(a, a), tf.sub(a, a)).dataSync()));
  const first = countKernels(f);
  const second = countKernels(f);
  assert.deepEqual(first.result, [0, 0, 0]);
  assert.equal(first.byName.Add, 1);
  assert.equal(first.byName.Sub, 1);
  assert.equal(first.byName.Multiply, 1);
  assert.equal(first.kernels, Object.values(first.byName).reduce((x, y) => x + y, 0));
  assert.equal(second.kernels, first.kernels, 'deterministic');
  assert.ok(first.peakBytes >= 12, 'peak bytes include the input');
  assert.equal(engine.runKernelFunc, original, 'the engine is restored');
  assert.throws(() => countKernels(() => { throw new Error('inner'); }), /inner/);
  assert.equal(engine.runKernelFunc, original, 'restored after an error');
  a.dispose();
});

test('reference configurations build, fit their context, and unknown names list the known ones', () => {
  assert.deepEqual(BENCH_CONFIGS.map((c) => c.name), ['iarc-transformer', 'iarc-cisformer', 'ladder-transformer', 'iarc-lstm', 'iarc-mlp']);
  for (const c of BENCH_CONFIGS) {
    const model = createModel(c.model);
    assert.ok(c.length <= model.contextLength, `${c.name}: length ${c.length} > context ${model.contextLength}`);
    model.dispose();
  }
  assert.equal(benchConfigs(['iarc-lstm'])[0].model.kind, 'lstm');
  assert.equal(benchConfigs([TINY])[0], TINY);
  assert.throws(() => benchConfigs(['nope']), /unknown benchmark configuration 'nope'; known: iarc-transformer, iarc-cisformer, ladder-transformer, iarc-lstm, iarc-mlp/);
  assert.ok(defaultWorkers() >= 1 && defaultWorkers(1) === 1);
});

test('kernels per training step: at most a third of the naive step on tfjs-node (issue 5) for the transformers and the LSTM', async () => {
  // The reference configurations at their widths, depths and lengths (kernel counts do not depend on the
  // batch, so 2 rows keep this fast on every backend). The MLP (0.47×) does not meet the target.
  for (const backend of backends) {
    await initBackend(backend);
    for (const c of BENCH_CONFIGS.filter((x) => x.model.kind !== 'mlp')) {
      const model = createModel(c.model);
      const params = initParams(model, 1);
      const B = 2;
      const T = c.length;
      const batch = { batchSize: B, length: T, inputs: new Int32Array(B * T).fill(1), targets: new Int32Array(B * T).fill(2), scored: new Uint8Array(B * T).fill(1) };
      const engine = new StackedTrainer(model, [{ params }]);
      const naive = new NaiveTrainer(model, params);
      const settings = { learningRate: 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 };
      engine.step([batch], [B * T], [settings]); // first step: constants are built
      naive.step(batch, B * T);
      const now = countKernels(() => engine.step([batch], [B * T], [settings])).kernels;
      const before = countKernels(() => naive.step(batch, B * T)).kernels;
      // The target (≤ ⅓) is for tfjs-node; wasm and cpu need explicit transposes (0.31–0.35×).
      const limit = backend === 'tensorflow' ? 1 / 3 : 0.36;
      assert.ok(now <= limit * before, `${backend}, ${c.name}: ${now} kernels per step, naive ${before} (${(now / before).toFixed(3)}×)`);
      engine.dispose();
      naive.dispose();
      disposeParams(params);
      model.dispose();
    }
  }
});

test('runBench without PyTorch: every field of issue 5, ratios null with a note, JSON written, replicas bit-identical', async () => {
  await initBackend(backends[0]);
  const json = join(dir, 'bench.json');
  const before = tf.memory().numTensors;
  const lines: string[] = [];
  const report = await runBench({ configs: [TINY], replicas: 2, steps: 1, rounds: 1, warmup: 0, torch: false, json, log: (l) => lines.push(l) });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.equal(report.backend, backends[0]);
  assert.match(report.torch_note ?? '', /not requested/);
  const [r] = report.configs;
  assert.equal(r.name, 'tiny-transformer');
  for (const key of ['single_steps_per_s', 'batched_model_steps_per_s'] as const) assert.ok(r[key] > 0, key);
  assert.equal(r.torch_steps_per_s, null);
  assert.equal(r.ratio_single, null);
  assert.equal(r.ratio_batched, null);
  assert.ok(r.kernels_per_step > 0 && r.kernels_per_step < r.naive_kernels_per_step, `kernels ${r.kernels_per_step} vs naive ${r.naive_kernels_per_step}`);
  assert.equal(r.batched_bit_identical, true, `max |Δ| ${r.batched_max_abs_diff}`);
  assert.equal(r.parameters, parameterCount(createModel(TINY.model)));
  // The graph engine, side by side, on tfjs-node; the best engine's rates make the ratios.
  if (report.backend === 'tensorflow') {
    assert.ok(r.graph && r.graph.single_ms > 0 && r.graph.batched_ms > 0, JSON.stringify(r.graph));
    // With XLA: a child process with EA_XLA=1, which really ran graph steps and reports its first (compiling) one.
    const x = r.graph_xla;
    assert.ok(x && x.single_ms > 0 && x.batched_ms > 0 && x.engine === 'graph', JSON.stringify(x));
    assert.ok((x.first_step_ms.single ?? 0) > 0 && (x.first_step_ms.batched ?? 0) > 0, JSON.stringify(x.first_step_ms));
    // One TensorFlow thread per core, in a child (this machine has more than one core, or there is no such mode).
    const t = r.graph_threads;
    if (cpus().length > 1) assert.ok(t && t.threads === cpus().length && t.single_ms > 0 && t.batched_ms > 0, JSON.stringify(t));
    else assert.equal(t, null);
    const fastest = Object.entries({ eager: r.ms_per_step.single, graph: r.graph.single_ms, 'graph+xla': x.single_ms, ...(t ? { 'graph+threads': t.single_ms } : {}) })
      .sort((a, b) => a[1] - b[1])[0][0];
    assert.equal(r.best_engine.single, fastest);
  } else {
    assert.equal(r.graph, null);
    assert.equal(r.graph_xla, null);
    assert.equal(r.graph_threads, null);
    assert.deepEqual(r.best_engine, { single: 'eager', batched: 'eager' });
  }
  const saved = JSON.parse(readFileSync(json, 'utf8')) as { backend: string; machine: Record<string, unknown>; configs: Record<string, unknown>[] };
  assert.equal(saved.backend, backends[0]);
  assert.ok(typeof saved.machine.cpus === 'number');
  for (const key of ['name', 'torch_steps_per_s', 'single_steps_per_s', 'batched_model_steps_per_s', 'kernels_per_step', 'naive_kernels_per_step', 'ratio_single', 'ratio_batched']) {
    assert.ok(key in saved.configs[0], `JSON lacks ${key}`);
  }
  assert.ok(lines.some((l) => l.startsWith('tiny-transformer:')), 'progress lines');
});

test('the bench command: --help, bad options and unknown configurations', async () => {
  const out: string[] = [];
  assert.equal(await runBenchCommand(['--help'], (l) => out.push(l)), 0);
  assert.match(out.join('\n'), /Usage: ea bench \[options\][\s\S]*--json FILE/);
  out.length = 0;
  assert.equal(await runBenchCommand(['--frobnicate'], (l) => out.push(l)), 2);
  assert.match(out.join('\n'), /ea bench: .*frobnicate/);
  out.length = 0;
  assert.equal(await runBenchCommand(['--config', 'nope', '--no-torch'], (l) => out.push(l)), 1);
  assert.match(out.join('\n'), /unknown benchmark configuration 'nope'/);
  out.length = 0;
  assert.equal(await runBenchCommand(['--replicas', 'two'], (l) => out.push(l)), 1);
  assert.match(out.join('\n'), /--replicas must be an integer; got 'two'/);
});

test('a missing PyTorch is reported with how to install it', () => {
  const found = findTorchPython(join(dir, 'no-such-python'));
  assert.equal(found.python, undefined);
  assert.match(found.note ?? '', /PyTorch not found .*no-such-python \(missing\).*pip install --retries 0 torch==2\.13\.0/);
});

test('the PyTorch reference models have exactly the library\'s parameter counts (when torch is installed)', (t) => {
  const found = findTorchPython();
  if (!found.python) return t.skip(found.note);
  const tiny: BenchConfig[] = [
    { ...TINY, model: { ...TINY.model, attention: ['cog', 'expressive'], layers: 2 } as BenchConfig['model'] },
    { ...TINY, model: { kind: 'transformer', vocabSize: 6, contextLength: 6, width: 8, layers: 1, heads: 2, ffWidth: 12, cis: true, cisFeedForward: true, activation: 'gelu', positional: 'none' } },
    { ...TINY, model: { kind: 'lstm', vocabSize: 6, contextLength: 6, hiddenSize: 8, layers: 2, embeddingSize: 5 } },
    { ...TINY, model: { kind: 'mlp', vocabSize: 6, contextLength: 6, hiddenSizes: [10, 9] } },
  ];
  for (const c of tiny) {
    const r = torchStep(found.python, c, 1, 0, 1);
    assert.equal(r.parameters, parameterCount(createModel(c.model)), `${c.model.kind}: PyTorch parameter count`);
    assert.ok(r.ms > 0);
  }
});
