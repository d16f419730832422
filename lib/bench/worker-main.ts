/**
 * Child process of `measureWorkers` (workers.ts): trains one benchmark configuration for a number of
 * steps on random tokens and prints one JSON line {steps, lanes, ms, cpuMs, engine, firstGraphStepMs}
 * (engine: what ran the timed steps; firstGraphStepMs: the first step run as a graph, during warmup — with
 * XLA this includes the compilation). Not a public entry point.
 *
 *   node [--import tsx] worker-main.(ts|js) '{"config": "iarc-transformer", "lanes": 1, "steps": 20, "warmup": 3, "engine": "graph"}'
 */
import { initBackend, type BackendName } from '../backend.js';
import { disposeParams, initParams } from '../models/params.js';
import { createModel } from '../models/registry.js';
import { StackedTrainer } from '../train/engine.js';
import { Rng } from '../util/rng.js';
import { benchConfigs, type BenchConfig } from './configs.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { config: string | BenchConfig; lanes: number; steps: number; warmup: number; backend?: BackendName; engine?: 'eager' | 'graph' };
await initBackend(args.backend);
const [c] = benchConfigs([args.config]);
const model = createModel(c.model);
const S = args.lanes;
const params = Array.from({ length: S }, (_, s) => initParams(model, s));
const engine = new StackedTrainer(model, params.map((p) => ({ params: p })));
params.forEach(disposeParams);
if (args.engine === 'graph') engine.useGraph();
const rng = new Rng(1, 2);
const n = c.batch * c.length;
const batch = () => ({
  batchSize: c.batch, length: c.length, inputs: Int32Array.from({ length: n }, () => rng.int(model.vocabSize)),
  targets: Int32Array.from({ length: n }, () => rng.int(model.vocabSize)), scored: new Uint8Array(n).fill(1),
});
const batches = Array.from({ length: 4 }, () => Array.from({ length: S }, batch));
const settings = Array(S).fill({ learningRate: 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 });
const step = (i: number): unknown => engine.step(batches[i % 4], Array(S).fill(n), settings);
// On the graph engine the warmup first runs until a step has run as a graph (recording takes 2–3 steps).
let warm = 0;
const firstGraphStepMs = engine.warmUpGraph(() => step(warm++));
for (; warm < args.warmup; warm++) step(warm);
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < args.steps; i++) step(i);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
const ran = engine.engine;
engine.dispose();
console.log(JSON.stringify({ steps: args.steps, lanes: S, ms, cpuMs: (cpu.user + cpu.system) / 1000, engine: ran, firstGraphStepMs }));
