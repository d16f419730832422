/**
 * The EA paper's cost claim, measured side by side: one training step of each model size of an EA
 * grid with DPA and with EA, in one benchmark run (`runBench`), and the EA ÷ DPA ratios per size.
 * Times of records are not comparable between mechanisms (cells ran at different times, on different
 * machines); this is.
 *
 * ```ts
 * const cost = await mechanismCost({ scale: 'full' });
 * cost.ratios; // [{ size: 'small', cpuRatio: 1.1, wallRatio: 1.1, kernelRatio: 1.2, memoryRatio: 1.3, parameters: [15k, 15k] }, …]
 * ```
 */
import { runBench, type BenchReport } from '../../bench/bench.js';
import type { BenchConfig } from '../../bench/configs.js';
import type { ModelSpec } from '../../models/registry.js';
import { EA_MECHANISMS } from './grids.js';
import { expandGrid } from '../../lab/grid.js';
import { getExperiment } from '../registry.js';
import { createTaskSource } from '../../lab/tasks.js';
import type { Scale } from '../../lab/types.js';

export interface MechanismCostArgs {
  /** The EA grid whose models are timed (the largest N of each size). Default 'ea-frontier'. */
  experiment?: string;
  /** Its scale. Default 'full'. */
  scale?: Scale;
  /** Timed steps per round, warm-up steps, rounds (median reported). Defaults 10, 3, 5. */
  steps?: number;
  warmup?: number;
  rounds?: number;
}

export interface MechanismCostRatio {
  size: string;
  /** EA ÷ DPA: CPU time of the process per step, wall time per step, tfjs kernels per step, peak tensor memory. */
  cpuRatio: number;
  wallRatio: number;
  kernelRatio: number;
  memoryRatio: number;
  /** Parameters of DPA and EA. */
  parameters: [number, number];
}

/** Benchmarks each size × mechanism of the grid side by side; see the file comment. */
export async function mechanismCost(args: MechanismCostArgs = {}): Promise<{ bench: BenchReport; ratios: MechanismCostRatio[] }> {
  const grid = expandGrid(getExperiment(args.experiment ?? 'ea-frontier'), args.scale ?? 'full');
  const sizes = [...new Set(grid.map((c) => String(c.coords.size)))];
  const name = (size: string, m: string): string => `${size}, ${m}`;
  const configs: BenchConfig[] = sizes.flatMap((size) => EA_MECHANISMS.map((m) => {
    const maxN = Math.max(...grid.filter((c) => c.coords.size === size).map((c) => Number(c.coords.N)));
    const cell = grid.find((c) => c.coords.size === size && c.coords.mechanism === m && c.coords.N === maxN);
    if (!cell) throw new Error(`mechanismCost: no ${size} ${m} cell at N = ${maxN} in the grid`);
    const task = createTaskSource(cell.spec.task);
    return {
      name: name(size, m), description: `${size} transformer, ${m}`,
      model: { ...cell.spec.model, vocabSize: task.vocabSize, contextLength: task.contextLength } as ModelSpec,
      batch: Number((cell.spec.task as { batchSize?: number }).batchSize ?? 32), length: task.contextLength,
    };
  }));
  const bench = await runBench({ configs, torch: false, naive: false, replicas: 1, steps: args.steps ?? 10, warmup: args.warmup ?? 3, rounds: args.rounds ?? 5 });
  const of = (size: string, m: string): BenchReport['configs'][number] => bench.configs.find((c) => c.name === name(size, m)) as BenchReport['configs'][number];
  const ratios = sizes.map((size): MechanismCostRatio => {
    const d = of(size, 'dot-product');
    const e = of(size, 'expressive');
    return {
      size, cpuRatio: e.cpu_ms_per_step.single / d.cpu_ms_per_step.single, wallRatio: e.ms_per_step.single / d.ms_per_step.single,
      kernelRatio: e.kernels_per_step / d.kernels_per_step, memoryRatio: e.peak_memory_mb.single / d.peak_memory_mb.single,
      parameters: [d.parameters, e.parameters],
    };
  });
  return { bench, ratios };
}
