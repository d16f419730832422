/**
 * Experiments as typed data.
 *
 * An `Experiment` names a study (e.g. 'ea-single': EA vs DPA across the complexity ladder) and gives,
 * for each scale, a grid: named axes with their values, and a function from one point of the grid
 * (one value per axis) to a `CellSpec` that fully determines a training run — model spec, task spec,
 * trainer arguments and seed. The runner expands the grid into cells, gives each a stable key
 * (`mechanism=expressive,N=8,seed=0`) and a config hash (of its `CellSpec`), trains the cells that have
 * no finished result yet and writes one result record per cell.
 *
 *   smoke   seconds in total, for tests and CI (tiny models, a few steps)
 *   quick   a few minutes on 2 cores: the full grid's shape at a smaller budget
 *   full    the committed results (≤ ~1 hour per paper on 2 cores with tfjs-node, ≥ 3 seeds per cell)
 *
 * ```ts
 * const experiment: Experiment = {
 *   name: 'toy-demo', paper: 'ea', description: 'EA vs DPA on the toy task',
 *   scales: { smoke: grid(2), quick: grid(200), full: grid(2000) },
 * };
 * function grid(steps: number): GridDef {
 *   return {
 *     axes: { mechanism: ['dot-product', 'expressive'], seed: [0, 1, 2] },
 *     cell: (p) => ({
 *       task: { kind: 'toy', seed: p.seed as number },
 *       model: { kind: 'transformer', width: 16, layers: 1, attention: p.mechanism as string },
 *       trainer: { steps, learningRate: 3e-3 },
 *       seed: p.seed as number,
 *     }),
 *   };
 * }
 * ```
 */
import type { ModelSpec } from '../models/registry.js';
import type { TrainerArgs } from '../train/types.js';
import type { SensitivityArgs } from '../tasks/collapse.js';
import type { ExperimentTaskSpec } from './tasks.js';

export const PAPERS = ['ea', 'ts', 'cog'] as const;
export type Paper = (typeof PAPERS)[number];

/** Where an experiment files its results (`data/<group>/<experiment>/<scale>/`): a paper, or 'study' for a study of your own. */
export const RESULT_GROUPS = [...PAPERS, 'study'] as const;
export type ResultGroup = (typeof RESULT_GROUPS)[number];

export const SCALES = ['smoke', 'quick', 'full'] as const;
export type Scale = (typeof SCALES)[number];

/** One coordinate value. Strings must be file-name safe (letters, digits, `.`, `_`, `+`, `-`). */
export type AxisValue = string | number | boolean;

/** A point of a grid: one value per axis. */
export type GridPoint = Readonly<Record<string, AxisValue>>;

/** A model spec whose vocabSize and contextLength may be left out: the runner takes them from the task. */
export type CellModelSpec = WithOptionalShape<ModelSpec>;
type WithOptionalShape<S> = S extends unknown ? Omit<S, 'vocabSize' | 'contextLength'> & { vocabSize?: number; contextLength?: number } : never;

/** Trainer arguments a cell may set (the runner owns callbacks, signal and checkpoints; the seed is `CellSpec.seed`). */
export type CellTrainerArgs = Omit<TrainerArgs, 'callbacks' | 'signal' | 'checkpointPath' | 'checkpointEvery' | 'checkpointEveryMs' | 'checkpointTag' | 'resumeFrom' | 'seed'>;

/** A measurement the runner takes on a cell's model after training (and optionally at initialisation). */
export type MeasureSpec = SensitivityMeasureSpec;

/**
 * Representational-collapse probe (COG paper, reconstruction; `sensitivity` in lib/tasks/collapse.ts):
 * how much the last position's final state changes when one input token changes, per length.
 */
export type SensitivityMeasureSpec = { kind: 'sensitivity' } & SensitivityArgs & {
  /** Also measure the freshly initialised model (same seed). Default true. */
  atInit?: boolean;
};

/** Everything that determines one training run; its hash identifies the result. */
export interface CellSpec {
  task: ExperimentTaskSpec;
  model: CellModelSpec;
  trainer: CellTrainerArgs;
  /** Seed of the parameter initialisation (the task spec carries its own data seed). */
  seed: number;
  /** Measurements after training, stored in the record's `measures`. */
  measures?: MeasureSpec[];
}

/** Per-cell options that do not change the numbers (not hashed). */
export interface CellOptions {
  /** Save the trained parameters next to the record (`<key>.model.json.gz`), for attention maps and probes. Default false. */
  keepModel?: boolean;
}

/** One scale of an experiment: axes in order (the key lists them in this order) and the cell builder. */
export interface GridDef {
  /** Axis name → values. A 'seed' axis is replaced by `--seeds n` (0..n−1). */
  axes: Readonly<Record<string, readonly AxisValue[]>>;
  /** The cell at `point`. */
  cell(point: GridPoint): CellSpec;
  /** Leaves out the points for which it returns false (e.g. an option that only applies to one model kind). */
  where?(point: GridPoint): boolean;
  /** Options per cell (e.g. keep the trained model of seed 0). */
  options?(point: GridPoint): CellOptions;
}

export interface Experiment {
  /** Unique, file-name safe (used in `data/<paper>/<name>/<scale>/`). */
  name: string;
  /** The paper it reproduces, or 'study' (results in `data/study/`). */
  paper: ResultGroup;
  /** One or two sentences: what it measures and what it is for (shown by `ea list`). */
  description: string;
  scales: Readonly<Record<Scale, GridDef>>;
}

/** One expanded cell of an experiment at a scale. */
export interface Cell {
  experiment: string;
  paper: ResultGroup;
  scale: Scale;
  /** Position in the expanded (and filtered) grid; shards split by it. */
  index: number;
  /** Stable, readable identity: `axis=value` pairs in axis order, joined by ','. Also the file name. */
  key: string;
  coords: GridPoint;
  spec: CellSpec;
  /** Hash of `spec` (16 hex digits of SHA-256 over its canonical JSON). */
  configHash: string;
  options: CellOptions;
  /** The budget label when the steps were changed from the grid's ('steps40000', 'x10'); see `budgetLabel`. */
  budget?: string;
}

/** A value in a flat results row (danfojs wants numbers, strings or booleans). */
export type Scalar = number | string | boolean;

/** One flat row of results: column → value. */
export type Row = Record<string, Scalar>;
