/**
 * A small demonstration experiment on the trainer's toy task (not one of the papers' experiments, and
 * not in the registry): a template for a new study, and the fixture of the runner's tests.
 *
 * ```ts
 * const experiment = toyExperiment({ mechanisms: ['dot-product', 'cog'], seeds: 3 });
 * await runExperiment(experiment, { scale: 'smoke', out: '/tmp/toy' });
 * ```
 */
import { perScale } from './grid.js';
import type { PlateauArgs } from '../train/plateau.js';
import type { Experiment, GridDef, ResultGroup, Scale } from './types.js';

export interface ToyExperimentArgs {
  /** Experiment name. Default 'toy'. */
  name?: string;
  /** Results group it files under (`data/<paper>/…`). Default 'ea'. */
  paper?: ResultGroup;
  /** Attention rules compared. Default ['dot-product', 'expressive']. */
  mechanisms?: string[];
  /** Seeds per cell. Default 2. */
  seeds?: number;
  /** Optimizer steps per scale. Default smoke 10, quick 200, full 1000. */
  steps?: Partial<Record<Scale, number>>;
  /** Evaluate every this many steps. Default ⌈steps / 10⌉. */
  evalEvery?: number;
  /** Keep the trained model of seed 0. Default false. */
  keepModel?: boolean;
  /** The trainer's plateau stop (TrainerArgs.plateau). Default off. */
  plateau?: PlateauArgs;
}

export function toyExperiment(args: ToyExperimentArgs = {}): Experiment {
  const steps = { smoke: 10, quick: 200, full: 1000, ...args.steps };
  const grid = (scale: Scale): GridDef => ({
    axes: { mechanism: args.mechanisms ?? ['dot-product', 'expressive'], seed: Array.from({ length: args.seeds ?? 2 }, (_, i) => i) },
    cell: (p) => ({
      task: { kind: 'toy', symbols: 4, length: 6, batchSize: 4, evalBatches: 4, seed: p.seed as number },
      model: { kind: 'transformer', width: 8, layers: 1, heads: 2, ffWidth: 16, attention: p.mechanism as string },
      trainer: { steps: steps[scale], evalEvery: args.evalEvery ?? Math.ceil(steps[scale] / 10), learningRate: 1e-2, warmupSteps: 0,
        ...(args.plateau ? { plateau: args.plateau } : {}) },
      seed: p.seed as number,
    }),
    options: (p) => ({ keepModel: (args.keepModel ?? false) && p.seed === 0 }),
  });
  return {
    name: args.name ?? 'toy', paper: args.paper ?? 'ea',
    description: 'Demonstration: attention rules on the trainer\'s two-rule toy task (template for a new study).',
    scales: perScale(grid),
  };
}
