/**
 * Grid expansion: an experiment at a scale → its cells, each with a stable key and a config hash.
 *
 *   axes { mechanism: ['dot-product', 'expressive'], N: [8, 16], seed: [0, 1] }
 *   → 8 cells in row-major order (the last axis varies fastest):
 *     mechanism=dot-product,N=8,seed=0   mechanism=dot-product,N=8,seed=1   mechanism=dot-product,N=16,seed=0 ...
 *
 * `--seeds n` replaces the 'seed' axis by 0..n−1; `--only axis=value` keeps the matching cells
 * (several values of one axis: either; several axes: all); `--shard k/n` keeps cells with
 * index ≡ k−1 (mod n), so the n shards are disjoint and together complete (all given the same options).
 * `--steps N` gives every cell N optimizer steps, `--budget-factor x` ⌈x · its steps⌉, `--no-plateau`
 * turns the plateau stop off; each changes the spec (so the config hash) and files the records under
 * `<scale>-<budget label>` (e.g. full-steps12000, full-noplateau, full-x2-noplateau).
 */
import type { AxisValue, Cell, CellSpec, Experiment, GridDef, GridPoint, Scale } from './types.js';
import { SCALES } from './types.js';
import { sha256, stableJson } from '../util/stable-json.js';

/** An experiment's grids at every scale from one builder: `scales: perScale((s) => myGrid(s))`. */
export function perScale(grid: (scale: Scale) => GridDef): Record<Scale, GridDef> {
  return Object.fromEntries(SCALES.map((s) => [s, grid(s)])) as Record<Scale, GridDef>;
}

/** The config hash of a cell: 16 hex digits of SHA-256 over the canonical JSON of its spec. */
export function configHash(spec: CellSpec): string {
  return sha256(stableJson(spec)).slice(0, 16);
}

const SAFE = /^[A-Za-z0-9._+-]+$/;

/** Column names the results frame uses itself; an axis may not take one. */
export const RESERVED_COLUMNS: readonly string[] = Object.freeze([
  'paper', 'experiment', 'scale', 'key', 'configHash', 'file', 'steps', 'maxSteps', 'stopReason', 'finalAccuracy', 'bestAccuracy',
  'bestStep', 'stepsToPerfect', 'finalEvalLoss', 'bestEvalLoss', 'wallTimeMs', 'msPerStep', 'parameterCount', 'modelKind',
  'taskKind', 'backend', 'libraryVersion', 'finishedAt', 'seedInit',
]);

function checkAxes(experiment: string, scale: Scale, grid: GridDef): void {
  const names = Object.keys(grid.axes);
  if (names.length === 0) throw new Error(`experiment '${experiment}' (${scale}): the grid has no axis`);
  for (const name of names) {
    if (!SAFE.test(name)) throw new Error(`experiment '${experiment}' (${scale}): axis name '${name}' must match ${SAFE}`);
    if (RESERVED_COLUMNS.includes(name) || name.startsWith('acc_') || name.startsWith('measure_')) {
      throw new Error(`experiment '${experiment}' (${scale}): axis name '${name}' is reserved for a results column`);
    }
    const values = grid.axes[name];
    if (!Array.isArray(values) || values.length === 0) throw new Error(`experiment '${experiment}' (${scale}): axis '${name}' has no values`);
    const seen = new Set<string>();
    for (const v of values) {
      const text = String(v);
      if (!['string', 'number', 'boolean'].includes(typeof v) || !SAFE.test(text)) {
        throw new Error(`experiment '${experiment}' (${scale}): axis '${name}' value ${JSON.stringify(v)} must be a number, boolean or a string matching ${SAFE}`);
      }
      if (seen.has(text)) throw new Error(`experiment '${experiment}' (${scale}): axis '${name}' lists ${JSON.stringify(v)} twice`);
      seen.add(text);
    }
  }
}

/** `axis=value` pairs in axis order, joined by ','. */
export function cellKey(axes: readonly string[], point: GridPoint): string {
  return axes.map((a) => `${a}=${String(point[a])}`).join(',');
}

/** Options of `expandGrid` (the CLI's `--seeds`, `--only`, `--shard`). */
export interface ExpandOptions {
  /** Replace the 'seed' axis by 0..seeds−1 (the grid must have one). */
  seeds?: number;
  /** Keep only cells whose coordinate `axis` equals one of the values (compared as text). */
  only?: Readonly<Record<string, readonly string[]>>;
  /** Keep the share k of n (1 ≤ k ≤ n): cells whose index ≡ k−1 (mod n). */
  shard?: { k: number; n: number };
  /** Every cell trains this many optimizer steps instead of its grid's. */
  steps?: number;
  /** Every cell trains ⌈budgetFactor × its grid's steps⌉ (not with `steps`). */
  budgetFactor?: number;
  /** Turn the grid's plateau stop off: cells train to 100 % or their steps (the grid must have a plateau stop). */
  noPlateau?: boolean;
  /** Keep only the cells with these keys (before sharding, so shares stay balanced); e.g. those a plateau stopped. */
  keys?: ReadonlySet<string>;
}

/**
 * The label of a changed budget ('steps40000' for steps 40000, 'x10' for factor 10, 'x0.5', with
 * '-noplateau' or alone 'noplateau' when the plateau stop is off), or undefined for the grid's own;
 * errors name the option and what is allowed.
 */
export function budgetLabel(options: Pick<ExpandOptions, 'steps' | 'budgetFactor' | 'noPlateau'>): string | undefined {
  const { steps, budgetFactor } = options;
  if (steps !== undefined && budgetFactor !== undefined) throw new Error('--steps and --budget-factor cannot be used together; give one');
  const parts: string[] = [];
  if (steps !== undefined) {
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer; got ${steps}`);
    parts.push(`steps${steps}`);
  }
  if (budgetFactor !== undefined) {
    if (!(budgetFactor > 0) || !Number.isFinite(budgetFactor)) throw new Error(`--budget-factor must be a positive number; got ${budgetFactor}`);
    parts.push(`x${budgetFactor}`);
  }
  if (options.noPlateau) parts.push('noplateau');
  return parts.length ? parts.join('-') : undefined;
}

/** A cell's spec with the budget of `options` (warm-up steps beyond the new budget are cut to it). */
function withBudget(spec: CellSpec, options: ExpandOptions): CellSpec {
  if (options.steps === undefined && options.budgetFactor === undefined && !options.noPlateau) return spec;
  const trainer = { ...spec.trainer };
  if (options.steps !== undefined || options.budgetFactor !== undefined) {
    const steps = options.steps ?? Math.ceil((options.budgetFactor as number) * (spec.trainer.steps ?? 1000));
    trainer.steps = steps;
    if (trainer.warmupSteps !== undefined && trainer.warmupSteps > steps) trainer.warmupSteps = steps;
  }
  if (options.noPlateau) delete trainer.plateau;
  return { ...spec, trainer };
}

/** Parses `key=value` arguments into the `only` filter; a bad form is an error naming it. */
export function parseOnly(args: readonly string[]): Record<string, string[]> {
  const only: Record<string, string[]> = {};
  for (const arg of args) {
    const m = /^([^=]+)=(.+)$/.exec(arg);
    if (!m) throw new Error(`--only takes axis=value (e.g. --only mechanism=expressive); got '${arg}'`);
    const values = m[2].split(',');
    (only[m[1]] ??= []).push(...values);
  }
  return only;
}

/** Parses `k/n` (1 ≤ k ≤ n). */
export function parseShard(text: string): { k: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1) || !(k >= 1 && k <= n)) {
    throw new Error(`--shard takes k/n with 1 ≤ k ≤ n (e.g. 2/4 for the second of four shares); got '${text}'`);
  }
  return { k, n };
}

/** The cells of `experiment` at `scale`, in a stable order. */
export function expandGrid(experiment: Experiment, scale: Scale, options: ExpandOptions = {}): Cell[] {
  if (!SCALES.includes(scale)) throw new Error(`scale must be one of ${SCALES.join(', ')}; got ${JSON.stringify(scale)}`);
  const grid = experiment.scales[scale];
  if (!grid) throw new Error(`experiment '${experiment.name}' has no '${scale}' scale`);
  checkAxes(experiment.name, scale, grid);
  const axes: Record<string, readonly AxisValue[]> = { ...grid.axes };
  if (options.seeds !== undefined) {
    if (!Number.isInteger(options.seeds) || options.seeds < 1) throw new Error(`--seeds must be a positive integer; got ${options.seeds}`);
    if (!('seed' in axes)) throw new Error(`experiment '${experiment.name}' has no 'seed' axis, so --seeds does not apply`);
    axes.seed = Array.from({ length: options.seeds }, (_, i) => i);
  }
  const budget = budgetLabel(options);
  const names = Object.keys(axes);
  if (options.only) {
    for (const [axis, values] of Object.entries(options.only)) {
      if (!names.includes(axis)) {
        throw new Error(`--only: experiment '${experiment.name}' has no axis '${axis}'; its axes are ${names.join(', ')}`);
      }
      const known = axes[axis].map(String);
      for (const v of values) {
        if (!known.includes(v)) throw new Error(`--only: axis '${axis}' has no value '${v}'; its values (${scale}) are ${known.join(', ')}`);
      }
    }
  }

  const points: GridPoint[] = [];
  const walk = (i: number, point: Record<string, AxisValue>): void => {
    if (i === names.length) {
      points.push({ ...point });
      return;
    }
    for (const v of axes[names[i]]) {
      point[names[i]] = v;
      walk(i + 1, point);
    }
  };
  walk(0, {});

  const cells: Cell[] = [];
  for (const point of points) {
    if (grid.where && !grid.where(point)) continue;
    if (options.only && !Object.entries(options.only).every(([a, vs]) => vs.includes(String(point[a])))) continue;
    if (options.keys && !options.keys.has(cellKey(names, point))) continue;
    let spec: CellSpec;
    if (options.noPlateau && !grid.cell(point).trainer.plateau) {
      throw new Error(`--no-plateau: experiment '${experiment.name}' (${scale}) has no plateau stop in cell ${cellKey(names, point)}, so there is none to turn off`);
    }
    try {
      spec = withBudget(grid.cell(point), options);
    } catch (err) {
      throw new Error(`experiment '${experiment.name}' (${scale}), cell ${cellKey(names, point)}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const key = cellKey(names, point);
    cells.push({
      experiment: experiment.name, paper: experiment.paper, scale, index: cells.length, key, coords: point,
      spec, configHash: configHash(spec), options: grid.options?.(point) ?? {}, ...(budget ? { budget } : {}),
    });
  }
  if (!options.shard) return cells;
  const { k, n } = options.shard;
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(k) && k >= 1 && k <= n)) {
    throw new Error(`shard must be k/n with 1 ≤ k ≤ n; got ${k}/${n}`);
  }
  return cells.filter((c) => c.index % n === k - 1);
}
