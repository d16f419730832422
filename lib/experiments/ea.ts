/**
 * EA paper (Gros 2024, expressive attention): EA vs DPA on the complexity ladder (our reconstruction of
 * the paper's tasks, see lib/tasks/ladder.ts), for notebook 01.
 *
 *   ea-single   single rule x_t = (x_{t−1} + x_{t−b}) mod N: mechanism × model size × N × b × seed.
 *               Accuracy against complexity (N and b), the 100 % frontier per mechanism and size,
 *               learning curves; the seed-0 medium models at N = 16, b = 4 are kept for attention maps.
 *   ea-multi    several rules in one model (task token first): mechanism × size × rule set × seed.
 *
 * Model sizes (quick and full; smoke uses tiny stand-ins with the same names):
 *   small   1 layer,  width 32, 2 heads, feed-forward 128  (~15 k parameters)
 *   medium  2 layers, width 64, 2 heads, feed-forward 256  (~104 k parameters)
 *
 * Budget (full), tensorflow (tfjs-node), T = 32, batch 32, one process; ms/step (evaluations included)
 * measured in the quick runs on a 2-core machine shared with other jobs (load 5–10; idle is faster):
 * small ≈ 15–35 ms/step, medium ≈ 40–60 ms/step (EA ≈ DPA). Pilots (medium): N = 8 reaches 100 % in
 * ≤ 250 steps with both rules; at N = 12, b = 4 EA reaches 100 % at step 500 while DPA is at 18 % after
 * 1000; at N = 16, b = 4 neither is past 25 % after 1000 steps — the rungs where the mechanisms separate.
 *   ea-single  72 cells (2 × 2 × 3 N × 2 b × 3 seeds) × ≤ 800 steps ≈ 36 × 800 × (0.025 + 0.05) s ≈ 36 min
 *              worst case; the N = 8 cells mostly stop early at 100 %, so ≈ 28 min.
 *   ea-multi   24 cells × ≤ 800 steps ≈ 12 × 800 × 0.075 s ≈ 12 min.
 *   Paper total ≈ 40–50 min.
 */
import { perScale } from './grid.js';
import type { CellModelSpec, CellTrainerArgs, Experiment, GridDef, Scale } from './types.js';

export const EA_MECHANISMS = ['dot-product', 'expressive'] as const;

type Size = 'small' | 'medium';

/** The model of each size at each scale (smoke: tiny stand-ins so tests take seconds). */
function model(size: Size, scale: Scale, attention: string): CellModelSpec {
  if (scale === 'smoke') return { kind: 'transformer', width: size === 'small' ? 8 : 16, layers: 1, heads: 2, ffWidth: 16, attention };
  return size === 'small'
    ? { kind: 'transformer', width: 32, layers: 1, heads: 2, ffWidth: 128, attention }
    : { kind: 'transformer', width: 64, layers: 2, heads: 2, ffWidth: 256, attention };
}

/** Steps, evaluation and data sizes per scale. */
const BUDGET: Record<Scale, { steps: number; evalEvery: number; contextLength: number; batchSize: number; evalSize: number }> = {
  smoke: { steps: 6, evalEvery: 3, contextLength: 8, batchSize: 4, evalSize: 8 },
  quick: { steps: 300, evalEvery: 25, contextLength: 32, batchSize: 32, evalSize: 256 },
  full: { steps: 800, evalEvery: 40, contextLength: 32, batchSize: 32, evalSize: 256 },
};

/** Learning rate per size (pilots: 3e-3 is fine for the 1-layer width-32 model, too fast for width 64). */
const LEARNING_RATE: Record<Size, number> = { small: 3e-3, medium: 1e-3 };

function trainer(scale: Scale, size: Size): CellTrainerArgs {
  const b = BUDGET[scale];
  return { steps: b.steps, evalEvery: b.evalEvery, learningRate: LEARNING_RATE[size], warmupSteps: Math.min(50, Math.floor(b.steps / 10)), weightDecay: 0.01 };
}

function singleGrid(scale: Scale): GridDef {
  const axes = {
    smoke: { mechanism: [...EA_MECHANISMS], size: ['small'], N: [8], b: [2], seed: [0] },
    quick: { mechanism: [...EA_MECHANISMS], size: ['small', 'medium'], N: [8, 16], b: [2, 4], seed: [0] },
    full: { mechanism: [...EA_MECHANISMS], size: ['small', 'medium'], N: [8, 12, 16], b: [2, 4], seed: [0, 1, 2] },
  }[scale];
  const { contextLength, batchSize, evalSize } = BUDGET[scale];
  return {
    axes,
    cell: (p) => ({
      task: { kind: 'ladder', N: p.N as number, a: 1, b: p.b as number, contextLength, batchSize, evalSize, seed: p.seed as number },
      model: model(p.size as Size, scale, p.mechanism as string),
      trainer: trainer(scale, p.size as Size),
      seed: p.seed as number,
    }),
    options: (p) => ({ keepModel: scale !== 'smoke' && p.seed === 0 && p.size === 'medium' && p.N === 16 && p.b === 4 }),
  };
}

/** Rule sets of the multi-task sweep: more rules = a higher rung. */
export const EA_RULE_SETS: Readonly<Record<string, number[][]>> = Object.freeze({
  r2: [[1, 2], [1, 3]],
  r4: [[1, 2], [1, 3], [2, 3], [1, 4]],
});

function multiGrid(scale: Scale): GridDef {
  const axes = {
    smoke: { mechanism: [...EA_MECHANISMS], size: ['small'], N: [8], rules: ['r2'], seed: [0] },
    quick: { mechanism: [...EA_MECHANISMS], size: ['small', 'medium'], N: [8], rules: ['r2', 'r4'], seed: [0] },
    full: { mechanism: [...EA_MECHANISMS], size: ['small', 'medium'], N: [12], rules: ['r2', 'r4'], seed: [0, 1, 2] },
  }[scale];
  const { contextLength, batchSize, evalSize } = BUDGET[scale];
  return {
    axes,
    cell: (p) => ({
      task: { kind: 'ladder', N: p.N as number, rules: EA_RULE_SETS[p.rules as string], contextLength, batchSize, evalSize, seed: p.seed as number },
      model: model(p.size as Size, scale, p.mechanism as string),
      trainer: trainer(scale, p.size as Size),
      seed: p.seed as number,
    }),
  };
}

export const EA_EXPERIMENTS: readonly Experiment[] = Object.freeze([
  {
    name: 'ea-single', paper: 'ea',
    description: 'EA vs DPA on the single-rule complexity ladder x_t = (x_{t−1} + x_{t−b}) mod N: accuracy against N and b, two model sizes.',
    scales: perScale(singleGrid),
  },
  {
    name: 'ea-multi', paper: 'ea',
    description: 'EA vs DPA with several ladder rules in one model (a task token says which): 2 and 4 rules, two model sizes.',
    scales: perScale(multiGrid),
  },
]);
