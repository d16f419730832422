/**
 * Child process of `measureWorkers` (workers.ts): trains one benchmark configuration for a number of
 * steps on random tokens and prints one JSON line {steps, lanes, ms, cpuMs}. Not a public entry point.
 *
 *   node [--import tsx] worker-main.(ts|js) '{"config": "iarc-transformer", "lanes": 1, "steps": 20, "warmup": 3}'
 */
import { initBackend, type BackendName } from '../backend.js';
import { disposeParams, initParams } from '../models/params.js';
import { createModel } from '../models/registry.js';
import { StackedTrainer } from '../train/engine.js';
import { Rng } from '../train/rng.js';
import { benchConfigs } from './configs.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { config: string; lanes: number; steps: number; warmup: number; backend?: BackendName };
await initBackend(args.backend);
const [c] = benchConfigs([args.config]);
const model = createModel(c.model);
const S = args.lanes;
const params = Array.from({ length: S }, (_, s) => initParams(model, s));
const engine = new StackedTrainer(model, params.map((p) => ({ params: p })));
params.forEach(disposeParams);
const rng = new Rng(1, 2);
const n = c.batch * c.length;
const batch = () => ({
  batchSize: c.batch, length: c.length, inputs: Int32Array.from({ length: n }, () => rng.int(model.vocabSize)),
  targets: Int32Array.from({ length: n }, () => rng.int(model.vocabSize)), scored: new Uint8Array(n).fill(1),
});
const batches = Array.from({ length: 4 }, () => Array.from({ length: S }, batch));
const settings = Array(S).fill({ learningRate: 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 });
const step = (i: number): unknown => engine.step(batches[i % 4], Array(S).fill(n), settings);
for (let i = 0; i < args.warmup; i++) step(i);
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < args.steps; i++) step(i);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
engine.dispose();
console.log(JSON.stringify({ steps: args.steps, lanes: S, ms, cpuMs: (cpu.user + cpu.system) / 1000 }));
