/**
 * Milliseconds per training step on the active backend, for the baseline model of the performance
 * work: a 2-layer decoder-only transformer, width 64, 2 heads, feed-forward 256, vocabulary 16,
 * context 16, batch 64, AdamW, one full trainer step (forward, backward, clipping, update).
 *
 *   npm run step-time                       # best available backend
 *   EA_BACKEND=wasm npm run step-time       # a given one
 *   npm run step-time -- --steps 100 --rule expressive
 *
 * Prints the median and spread of the per-step wall time after a few warm-up steps. Absolute times on
 * a shared machine are noisy: compare backends or variants side by side in one run.
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../lib/backend.js';
import { Transformer } from '../lib/models/transformer.js';
import { ToySource } from '../lib/train/data.js';
import { train } from '../lib/train/trainer.js';
import { disposeParams } from '../lib/models/params.js';

const { values: opts } = parseArgs({
  options: {
    steps: { type: 'string', default: '40' },
    warmup: { type: 'string', default: '5' },
    rule: { type: 'string', default: 'dot-product' },
    width: { type: 'string', default: '64' },
  },
});
const steps = Number(opts.steps);
const warmup = Number(opts.warmup);
const info = await initBackend();
const model = new Transformer({
  vocabSize: 16, contextLength: 16, width: Number(opts.width), layers: 2, heads: 2, attention: opts.rule,
});
const data = new ToySource({ symbols: 14, length: 16, batchSize: 64, evalBatches: 1, seed: 1 });
if (data.vocabSize !== 16) throw new Error(`toy source vocabulary is ${data.vocabSize}, expected 16`);
const times: number[] = [];
let last = performance.now();
const result = await train(model, data, {
  steps: warmup + steps, evalEvery: warmup + steps, earlyStopAtPerfect: false, seed: 0,
  callbacks: {
    onStep: () => {
      const now = performance.now();
      times.push(now - last);
      last = now;
    },
  },
});
disposeParams(result.params);
const measured = times.slice(warmup).sort((a, b) => a - b);
const q = (p: number): number => measured[Math.min(measured.length - 1, Math.floor(p * measured.length))];
console.log(`backend ${info.backend}${info.tensorflow ? ` (TensorFlow ${info.tensorflow})` : ''}, tfjs ${info.tfjs}`);
console.log(`2-layer transformer, d=${opts.width}, 2 heads, ff ${4 * Number(opts.width)}, V=16, T=16, batch 64, rule ${opts.rule}`);
console.log(`ms per training step over ${measured.length} steps: median ${q(0.5).toFixed(1)}, ` +
  `p10 ${q(0.1).toFixed(1)}, p90 ${q(0.9).toFixed(1)}`);
