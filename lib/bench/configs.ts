/**
 * The benchmark's reference configurations: the models the experiments train (lib/papers/ts/grids.ts,
 * ea.ts), at their full-scale sizes, on random tokens (throughput does not depend on the values).
 */
import type { ModelSpec } from '../models/registry.js';

export interface BenchConfig {
  /** Short name, e.g. 'iarc-transformer'. */
  name: string;
  /** What it stands for. */
  description: string;
  model: ModelSpec;
  /** Rows per training batch. */
  batch: number;
  /** Positions per row (≤ the model's contextLength). */
  length: number;
}

export const BENCH_CONFIGS: readonly BenchConfig[] = Object.freeze([
  {
    name: 'iarc-transformer',
    description: 'TS paper transformer: 2 layers, width 64, 2 heads, ff 256, dot-product; IARC N = 16 (V = 20), T = 32, batch 32',
    model: { kind: 'transformer', vocabSize: 20, contextLength: 32, width: 64, layers: 2, heads: 2, ffWidth: 256, attention: 'dot-product' },
    batch: 32, length: 32,
  },
  {
    name: 'iarc-cisformer',
    description: 'TS paper cisformer: as iarc-transformer with per-position q/k/v weights, expressive attention',
    model: { kind: 'transformer', vocabSize: 20, contextLength: 32, width: 64, layers: 2, heads: 2, ffWidth: 256, attention: 'expressive', cis: true },
    batch: 32, length: 32,
  },
  {
    name: 'ladder-transformer',
    description: 'EA paper "small" transformer: 1 layer, width 32, 2 heads, ff 128, expressive; ladder N = 16, T = 32, batch 32',
    model: { kind: 'transformer', vocabSize: 16, contextLength: 32, width: 32, layers: 1, heads: 2, ffWidth: 128, attention: 'expressive' },
    batch: 32, length: 32,
  },
  {
    name: 'iarc-lstm',
    description: 'TS paper LSTM: 1 layer, hidden 128; V = 20, T = 32, batch 32',
    model: { kind: 'lstm', vocabSize: 20, contextLength: 32, hiddenSize: 128, layers: 1 },
    batch: 32, length: 32,
  },
  {
    name: 'iarc-mlp',
    description: 'TS paper MLP: hidden [256, 256] over the causal one-hot window; V = 20, T = 32, batch 32',
    model: { kind: 'mlp', vocabSize: 20, contextLength: 32, hiddenSizes: [256, 256] },
    batch: 32, length: 32,
  },
]);

/**
 * The configurations named in `names` (all by default; a BenchConfig object is taken as it is);
 * unknown names are an error listing the known ones.
 */
export function benchConfigs(names?: readonly (string | BenchConfig)[]): BenchConfig[] {
  if (!names || names.length === 0) return [...BENCH_CONFIGS];
  return names.map((n) => {
    if (typeof n !== 'string') return n;
    const c = BENCH_CONFIGS.find((x) => x.name === n);
    if (!c) throw new Error(`unknown benchmark configuration '${n}'; known: ${BENCH_CONFIGS.map((x) => x.name).join(', ')}`);
    return c;
  });
}
