/**
 * Runs the cells of an experiment at a scale and writes one result record per finished cell.
 *
 *   cells = expandGrid(experiment, scale, { seeds, only, shard })
 *   for each cell:
 *     a valid record with the same config hash exists  → skip it
 *     else train it (createTask, createModel, train) and write <dir>/<key>.json atomically
 *
 * Cells that differ only in their seeds are trained together as replicas of one stacked model
 * (`trainBatched`, bit-identical to one at a time), up to `batchSeeds` at once: by default 8 on
 * tfjs-node and 1 (no batching) on wasm and cpu, where batched kernels are slower (bench/README.md).
 *
 * Crash safety: a record is written only when its cell is complete, with temp file + fsync + rename.
 * A cell in progress is checkpointed (`<dir>/checkpoints/<key>.ckpt`, atomically, ignored by git) every
 * `checkpointEveryMs` of training and when `signal` aborts (Ctrl-C, SIGTERM, `--stop-after`); the next
 * run resumes it from there, to the record an uninterrupted run writes (the same numbers, bit for
 * bit, on the same backend and kernels). So killing the process, even with SIGKILL, at any moment
 * loses at most the training since the last checkpoint of the cells in progress (one, or up to
 * `batchSeeds` trained together). A checkpoint made for another config hash or library version is
 * discarded with a message; a finished cell's checkpoint is removed. A record that is unreadable, fails
 * its checksum, or was made by a different config (changed experiment definition) is reported and its
 * cell is run again. Several processes can share a grid (`shard`; `ea run --workers`).
 *
 * `onlyStopped: 'plateau'` with `noPlateau` retrains, without the plateau stop, exactly the cells whose
 * record in the grid's own folder (same budget, plateau on) was ended by the plateau stop — to see
 * whether the stop cut runs short (`ea run … --no-plateau --only-stopped plateau`).
 *
 * ```ts
 * const summary = await runExperiment(getExperiment('ea-single'), { scale: 'quick', seeds: 3, out: '/tmp/r' });
 * summary.ran; summary.skipped; summary.dir;
 * ```
 */
import { cpus } from 'node:os';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { backendInfo, initBackend, type BackendName } from '../backend.js';
import { parameterCount, type SequenceModel } from '../models/model.js';
import { disposeParams, initParams, saveParams } from '../models/params.js';
import { createModel, type ModelSpec } from '../models/registry.js';
import { readCheckpoint, type Checkpoint } from '../train/checkpoint.js';
import { recommendedParallelism } from '../util/parallelism.js';
import { trainBatched } from '../train/batched.js';
import { evaluate, train } from '../train/trainer.js';
import { budgetLabel, expandGrid, type ExpandOptions } from './grid.js';
import { measure } from './measures.js';
import { compactLossCurve, evalCurve, sealRecord, type MeasureResult, type ResultRecord } from './record.js';
import {
  checkpointPath, defaultDataDir, modelPath, readRecord, readResults, recordPath, removeStaleTempFiles, resultDir, statePath, writeRecord, type ResultProblem,
} from './store.js';
import { createTaskSource, type TaskSource } from './tasks.js';
import { cpuSimd, libraryVersion } from '../util/host.js';
import type { Cell, CellSpec, Experiment, Scale } from './types.js';
import { type EvalRecord, type CheckpointEvent, type Engine, type EvalEvent, type StepEvent, type StopReason, type TrainerArgs, type TrainResult } from '../train/types.js';
import { stableJson } from '../util/stable-json.js';

export { cpuSimd, libraryVersion };

export interface RunOptions extends ExpandOptions {
  scale: Scale;
  /** Root of the results tree (records go to `<out>/<paper>/<experiment>/<scale>/`). Default `defaultDataDir()`. */
  out?: string;
  /** Backend to activate first. Default: the active one (or EA_BACKEND, or the best available). */
  backend?: BackendName;
  /** Run cells even if a valid record exists (overwriting it). Default false. */
  rerun?: boolean;
  /**
   * Train up to this many cells that differ only in their seeds together, as replicas of one stacked
   * model (`trainBatched`: the same numbers as one at a time; on tfjs-node 8 together give 1.7–2.5× the
   * model-steps per second of one at a time, 1.1–2.2× with one TensorFlow thread; bench/README.md).
   * A SIGKILL then loses up to this many cells in progress. Default
   * `recommendedParallelism(backend).replicasPerRun`: 8 on tfjs-node, 1 (one cell at a time) on wasm and cpu.
   */
  batchSeeds?: number;
  /** Stops the cells in progress after checkpointing them (nothing half-done is written as a record). */
  signal?: AbortSignal;
  /** Checkpoint each cell in progress after this much training time (ms); 0 = only when stopped. Default 5 minutes. */
  checkpointEveryMs?: number;
  /** Progress events (see `RunEvent`). */
  onEvent?(event: RunEvent): void;
  /**
   * Only the cells whose record in the grid's own folder (this budget with the plateau stop on, i.e.
   * without `noPlateau`) ended this way; with `noPlateau`, 'plateau' retrains what the plateau stop ended.
   */
  onlyStopped?: StopReason;
  /**
   * The training engine (TrainerArgs.engine): 'eager', 'graph' (tfjs-node; each step one TensorFlow
   * graph) or 'auto' (graph on tfjs-node, else eager). Not part of a cell's config: records of either
   * engine are the same cell's, and say which engine made them. Default 'auto'.
   */
  engine?: Engine;
  /**
   * With `noPlateau` and `onlyStopped: 'plateau'`: continue each plateau-stopped run from its final
   * state (kept in the grid's own folder, `states/`) instead of training it again from step 0 — the same
   * trajectory, as if the stop had not fired; the record says so (`continuedFrom`). A cell without a kept
   * state (made before 0.3.0, or on another machine) fails with a message. Default false.
   */
  continueStopped?: boolean;
}

export type RunEvent =
  | { type: 'plan'; experiment: string; scale: Scale; dir: string; cells: number; todo: Cell[]; skipped: number; budgetSteps: number }
  | { type: 'problem'; problem: ResultProblem }
  | { type: 'cell-start'; cell: Cell; position: number; of: number }
  /** The cell continues from its checkpoint at `step` (after its 'cell-start'). */
  | { type: 'resumed'; cell: Cell; step: number }
  | { type: 'checkpoint'; cell: Cell; step: number }
  | { type: 'step'; cell: Cell; step: number; maxSteps: number; loss: number }
  | { type: 'eval'; cell: Cell; eval: EvalRecord }
  | { type: 'cell-done'; cell: Cell; record: ResultRecord; path: string }
  | { type: 'cell-failed'; cell: Cell; error: string }
  /** The cells could not be trained together (trainBatched rejected the whole group); they are trained one at a time. */
  | { type: 'fallback'; cells: Cell[]; error: string }
  | { type: 'stopped'; cell: Cell | undefined };

export interface RunSummary {
  experiment: string;
  scale: Scale;
  dir: string;
  /** Cells in this (possibly filtered and sharded) run. */
  cells: number;
  /** Finished earlier (valid record with the same config hash). */
  skipped: number;
  /** Trained and written now. */
  ran: number;
  /** Failed with an error (not written); the messages are in `errors`. */
  failed: number;
  errors: { key: string; error: string }[];
  /** Files that were reported (unreadable, damaged, stale) and whose cells were re-run or are still to run. */
  problems: ResultProblem[];
  /** True if the signal stopped the run before every cell was done. */
  stopped: boolean;
  wallTimeMs: number;
  /** Optimizer steps trained in this run, over all cells (steps before a resume not counted). */
  stepsTrained: number;
  /** Cells of this run still to finish, and their steps still to train (budget − checkpointed step; an upper bound). */
  cellsLeft: number;
  stepsLeft: number;
}

/** Five minutes: what a kill loses at most by default. */
export const DEFAULT_CHECKPOINT_EVERY_MS = 5 * 60_000;

/** Whether `cell` has a usable record in `dir`; a damaged or stale one is reported in `problems`. */
function finished(cell: Cell, dir: string, problems: ResultProblem[]): boolean {
  const path = recordPath(dir, cell.key);
  if (!existsSync(path)) return false;
  try {
    const record = readRecord(path);
    if (record.configHash !== cell.configHash) {
      problems.push({ path, error: `made by a different configuration (hash ${record.configHash}, the cell's is now ${cell.configHash}); it will be re-run` });
      return false;
    }
    if (cell.options.keepModel && (!record.modelFile || !existsSync(modelPath(dir, cell.key)))) {
      problems.push({ path, error: 'the kept model file is missing; it will be re-run' });
      return false;
    }
    return true;
  } catch (err) {
    problems.push({ path, error: `${err instanceof Error ? err.message : String(err)}; it will be re-run` });
    return false;
  }
}

/** What a run would do: its cells, those still to run, and the reported files (nothing is trained or written). */
export function planRun(experiment: Experiment, options: RunOptions): { dir: string; cells: Cell[]; todo: Cell[]; problems: ResultProblem[] } {
  if (options.continueStopped && !(options.noPlateau && options.onlyStopped === 'plateau')) {
    throw new Error('continueStopped (--continue) continues plateau-stopped runs without the stop: it needs noPlateau and onlyStopped \'plateau\' (--no-plateau --only-stopped plateau)');
  }
  const cells = expandGrid(experiment, options.scale, options.onlyStopped ? { ...options, keys: stoppedKeys(experiment, options) } : options);
  const dir = resultDir(options.out ?? defaultDataDir(), experiment.paper, experiment.name, options.scale, budgetLabel(options));
  const problems: ResultProblem[] = [];
  const todo = options.rerun ? cells : cells.filter((c) => !finished(c, dir, problems));
  return { dir, cells, todo, problems };
}

export const STOP_REASONS: readonly StopReason[] = ['steps', 'perfect', 'plateau'];

/** The grid's own folder: this budget with the plateau stop on. */
function baseDir(experiment: Experiment, options: RunOptions): string {
  return resultDir(options.out ?? defaultDataDir(), experiment.paper, experiment.name, options.scale, budgetLabel({ ...options, noPlateau: false }));
}

/** Keys of the cells whose record in the grid's own folder (plateau stop on) ended by `options.onlyStopped`. */
function stoppedKeys(experiment: Experiment, options: RunOptions): Set<string> {
  const reason = options.onlyStopped as StopReason;
  if (!STOP_REASONS.includes(reason)) throw new Error(`--only-stopped must be one of ${STOP_REASONS.join(', ')}; got '${reason}'`);
  const base = baseDir(experiment, options);
  const own = new Map(expandGrid(experiment, options.scale, { ...options, noPlateau: false, shard: undefined }).map((c) => [c.key, c.configHash]));
  const records = readResults(base).records.map((r) => r.record).filter((r) => own.get(r.key) === r.configHash);
  if (records.length === 0) throw new Error(`--only-stopped: no records of '${experiment.name}' in ${base} to choose cells from; run the grid there first`);
  return new Set(records.filter((r) => r.stopReason === reason).map((r) => r.key));
}

/** Runs `experiment` at `options.scale`; see the file comment. */
export async function runExperiment(experiment: Experiment, options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const info = options.backend ? await initBackend(options.backend) : await backendInfo();
  const { dir, cells, todo, problems } = planRun(experiment, options);
  removeStaleTempFiles(dir);
  removeStaleTempFiles(join(dir, 'checkpoints'));
  // A finished cell's checkpoint (left by a stopped --rerun of it) is of no use: the record stands.
  const todoKeys = new Set(todo.map((c) => c.key));
  for (const cell of cells) if (!todoKeys.has(cell.key)) rmSync(checkpointPath(dir, cell.key), { force: true });
  /** Steps trained so far per cell key (from resumes and step events), for what is left at the end. */
  const reached = new Map<string, number>();
  let stepsTrained = 0;
  const report = options.onEvent ?? ((): void => {});
  const emit = (event: RunEvent): void => {
    if (event.type === 'step') {
      stepsTrained++;
      reached.set(event.cell.key, event.step);
    } else if (event.type === 'resumed') reached.set(event.cell.key, event.step);
    report(event);
  };
  for (const problem of problems) emit({ type: 'problem', problem });
  emit({
    type: 'plan', experiment: experiment.name, scale: options.scale, dir, cells: cells.length, todo,
    skipped: cells.length - todo.length, budgetSteps: todo.reduce((n, c) => n + (c.spec.trainer.steps ?? 1000), 0),
  });

  const summary: RunSummary = {
    experiment: experiment.name, scale: options.scale, dir, cells: cells.length, skipped: cells.length - todo.length,
    ran: 0, failed: 0, errors: [], problems, stopped: false, wallTimeMs: 0, stepsTrained: 0, cellsLeft: 0, stepsLeft: 0,
  };
  const ended = new Set<string>();
  const shard = options.shard ? `${options.shard.k}/${options.shard.n}` : '1/1';
  const groups = seedGroups(todo, options.batchSeeds ?? recommendedParallelism(info.backend).replicasPerRun);
  const continuation = options.continueStopped ? continuationSource(experiment, options) : undefined;
  let position = 0;
  for (const group of groups) {
    if (options.signal?.aborted) {
      summary.stopped = true;
      emit({ type: 'stopped', cell: undefined });
      break;
    }
    for (const cell of group) emit({ type: 'cell-start', cell, position: position++, of: todo.length });
    const outcomes = await runGroup(group, {
      dir, shard, signal: options.signal, emit, fresh: options.rerun, checkpointEveryMs: options.checkpointEveryMs, engine: options.engine, continuation,
    });
    outcomes.forEach((outcome, i) => {
      const cell = group[i];
      if (outcome === 'stopped') {
        summary.stopped = true;
        emit({ type: 'stopped', cell });
      } else if ('error' in outcome) {
        ended.add(cell.key);
        summary.failed++;
        summary.errors.push({ key: cell.key, error: outcome.error });
        emit({ type: 'cell-failed', cell, error: outcome.error });
      } else {
        ended.add(cell.key);
        summary.ran++;
        emit({ type: 'cell-done', cell, record: outcome.record, path: outcome.path });
      }
    });
    if (summary.stopped) break;
  }
  removeIfEmpty(join(dir, 'checkpoints'));
  summary.wallTimeMs = performance.now() - started;
  summary.stepsTrained = stepsTrained;
  for (const cell of todo) {
    if (ended.has(cell.key)) continue;
    summary.cellsLeft++;
    summary.stepsLeft += Math.max(0, (cell.spec.trainer.steps ?? 1000) - (reached.get(cell.key) ?? 0));
  }
  return summary;
}

/**
 * A finished cell's checkpoint: removed, except when the plateau stop ended the run — then it is its
 * final state, kept as `states/<key>.ckpt` for `--continue` (ignored by git).
 */
function keepFinalState(dir: string, key: string, stopReason: string): void {
  const path = checkpointPath(dir, key);
  if (stopReason === 'plateau' && existsSync(path)) {
    mkdirSync(dirname(statePath(dir, key)), { recursive: true });
    renameSync(path, statePath(dir, key));
  } else rmSync(path, { force: true });
}

/** Removes `dir` if it exists and is empty (a checkpoints folder whose cells have all finished). */
function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // absent, or another shard just wrote into it: either way nothing to do
  }
}

function finiteOrNull(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

/** Where a continued cell's run comes from: the base cell's record and final state. */
interface ContinuationOf {
  path: string;
  from: NonNullable<ResultRecord['continuedFrom']>;
}

/** For `continueStopped`: each cell's base record and final state in the grid's own folder, or why there is none. */
function continuationSource(experiment: Experiment, options: RunOptions): (cell: Cell) => ContinuationOf | { error: string } {
  const base = baseDir(experiment, options);
  const own = new Map(expandGrid(experiment, options.scale, { ...options, noPlateau: false, shard: undefined }).map((c) => [c.key, c.configHash]));
  return (cell) => {
    const path = statePath(base, cell.key);
    let record: ResultRecord;
    try {
      record = readRecord(recordPath(base, cell.key));
    } catch (err) {
      return { error: `--continue: no readable record of ${cell.key} in ${base} (${message(err)})` };
    }
    if (record.configHash !== own.get(cell.key)) return { error: `--continue: the record of ${cell.key} in ${base} was made by another configuration` };
    if (!existsSync(path)) {
      return { error: `--continue: no final state of ${cell.key} (${path}); runs made before 0.3.0 or on another machine keep none. Retrain it from step 0 without --continue: that is a new sample, not a continuation` };
    }
    let state: Checkpoint;
    try {
      state = readCheckpoint(path);
    } catch (err) {
      return { error: `--continue: ${message(err)}` };
    }
    if (state.tag?.configHash !== record.configHash || state.step !== record.steps) {
      return { error: `--continue: the final state ${path} (step ${state.step}) is not that of the record (step ${record.steps}, hash ${record.configHash})` };
    }
    return { path, from: { key: record.key, configHash: record.configHash, step: record.steps, recordChecksum: record.checksum, stopReason: record.stopReason } };
  };
}

interface CellContext {
  dir: string;
  shard: string;
  signal?: AbortSignal;
  emit(event: RunEvent): void;
  /** Discard the cells' checkpoints and start from step 0 (`rerun`). Default false. */
  fresh?: boolean;
  /** See RunOptions.checkpointEveryMs. */
  checkpointEveryMs?: number;
  /** See RunOptions.engine. */
  engine?: Engine;
  /** See RunOptions.continueStopped: a cell's base run to continue. */
  continuation?: (cell: Cell) => ContinuationOf | { error: string };
}

/** What a checkpoint must have been made by to be resumed: the cell's config hash and this library version. */
function checkpointTag(cell: Cell): Record<string, unknown> {
  return { configHash: cell.configHash, library: libraryVersion().version };
}

/**
 * The checkpoint to resume `cell` from, or undefined (none, or discarded: unreadable, or made for
 * another config hash or library version — reported as a problem).
 */
function resumable(cell: Cell, ctx: CellContext): Checkpoint | undefined {
  const path = checkpointPath(ctx.dir, cell.key);
  if (!existsSync(path)) return undefined;
  const discard = (why: string): undefined => {
    rmSync(path, { force: true });
    ctx.emit({ type: 'problem', problem: { path, error: `checkpoint discarded: ${why}; the cell starts from step 0` } });
    return undefined;
  };
  if (ctx.fresh) return discard('--rerun');
  let checkpoint: Checkpoint;
  try {
    checkpoint = readCheckpoint(path);
  } catch (err) {
    return discard(message(err));
  }
  const want = checkpointTag(cell);
  const tag = checkpoint.tag ?? {};
  if (tag.configHash !== want.configHash) return discard(`made for config hash ${String(tag.configHash)}, the cell's is now ${String(want.configHash)}`);
  if (tag.library !== want.library) return discard(`made by library version ${String(tag.library)}, this is ${String(want.library)}`);
  return checkpoint;
}

/** What became of a cell: its written record, 'stopped' (signal; nothing written) or an error (nothing written). */
export type CellOutcome = { record: ResultRecord; path: string } | 'stopped' | { error: string };

/**
 * Groups cells that can be trained as replicas of one model: equal specs apart from the seeds (the
 * init seed and the task's data seed), in order of first appearance, at most `max` per group.
 */
export function seedGroups(cells: readonly Cell[], max: number): Cell[][] {
  if (!Number.isInteger(max) || max < 1) throw new Error(`batchSeeds must be a positive integer; got ${max}`);
  const groups = new Map<string, Cell[][]>();
  const order: Cell[][] = [];
  for (const cell of cells) {
    const { seed: _seed, task, ...rest } = cell.spec;
    const { seed: _taskSeed, ...taskRest } = task as { seed?: number };
    const id = stableJson({ ...rest, task: taskRest });
    const chunks = groups.get(id) ?? [];
    if (!groups.has(id)) groups.set(id, chunks);
    let last = chunks.at(-1);
    if (!last || last.length >= max) {
      last = [];
      chunks.push(last);
      order.push(last);
    }
    last.push(cell);
  }
  return order;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Trains one cell and writes its record (and kept model): `runGroup([cell])`. Returns 'stopped' if the
 * signal ended it (nothing is written); throws if it failed.
 */
export async function runCell(cell: Cell, ctx: CellContext): Promise<{ record: ResultRecord; path: string } | 'stopped'> {
  const [outcome] = await runGroup([cell], ctx);
  if (outcome !== 'stopped' && 'error' in outcome) throw new Error(outcome.error);
  return outcome;
}

/** The training functions `runGroup` uses (replaceable in tests). */
export interface GroupTrainers {
  trainBatched?: typeof trainBatched;
}

/**
 * Trains cells with equal specs apart from their seeds (see `seedGroups`) — one alone with `train`,
 * several together with `trainBatched` — and writes each finished cell's record. A diverged run (NaN
 * loss) is a result too: written with stop reason 'diverged' and the accuracy of its last evaluation.
 * If `trainBatched` rejects the group as a whole (the replicas cannot be stacked, e.g. their batches
 * differ in shape), the cells are trained one at a time instead (a 'fallback' event says so).
 */
export async function runGroup(cells: readonly Cell[], ctx: CellContext, trainers: GroupTrainers = {}): Promise<CellOutcome[]> {
  const startedAt = new Date().toISOString();
  const outcomes: CellOutcome[] = cells.map(() => ({ error: 'not run' }));
  const tasks: (TaskSource | undefined)[] = cells.map((cell, i) => {
    try {
      return createTaskSource(cell.spec.task);
    } catch (err) {
      outcomes[i] = { error: message(err) };
      return undefined;
    }
  });
  // Continuations (ctx.continuation): a cell with a checkpoint of its own resumes it; one without starts from its base run's final state, if it has one.
  const sources = new Map<number, ContinuationOf>();
  const cannotContinue = new Set<number>();
  cells.forEach((cell, i) => {
    if (!ctx.continuation || tasks[i] === undefined || existsSync(checkpointPath(ctx.dir, cell.key))) return;
    const source = ctx.continuation(cell);
    if ('error' in source) {
      outcomes[i] = { error: source.error };
      cannotContinue.add(i);
    } else sources.set(i, source);
  });
  const live = cells.map((_, i) => i).filter((i) => tasks[i] !== undefined && !cannotContinue.has(i));
  if (live.length === 0) return outcomes;
  const first = cells[live[0]].spec;
  const firstTask = tasks[live[0]] as TaskSource;
  let model: SequenceModel;
  try {
    model = createModel({
      ...first.model, vocabSize: first.model.vocabSize ?? firstTask.vocabSize, contextLength: first.model.contextLength ?? firstTask.contextLength,
    } as ModelSpec);
  } catch (err) {
    for (const i of live) outcomes[i] = { error: message(err) };
    return outcomes;
  }
  const settled: PromiseSettledResult<TrainResult>[] = [];
  let groupError: string | undefined;
  try {
    const measures = live.map((i) => initialMeasures(model, cells[i].spec));
    const evals: EvalRecord[][] = live.map(() => []);
    const continued = new Map<number, ResultRecord['continuedFrom']>();
    const replicas = live.map((i, k) => {
      const cell = cells[i];
      const maxSteps = cell.spec.trainer.steps ?? 1000;
      const resume = resumable(cell, ctx);
      const source = resume ? undefined : sources.get(i);
      // A continuation resumed from its own checkpoint still continues its base run: the record says so.
      const base = source ?? (resume && ctx.continuation ? ctx.continuation(cell) : undefined);
      if (base && !('error' in base)) continued.set(i, base.from);
      const start = resume ?? (source ? readCheckpoint(source.path) : undefined);
      if (start) {
        evals[k].push(...start.progress.evals);
        ctx.emit({ type: 'resumed', cell, step: start.step });
      }
      const path = checkpointPath(ctx.dir, cell.key);
      return {
        data: tasks[i] as TaskSource,
        args: {
          ...cell.spec.trainer, seed: cell.spec.seed, signal: ctx.signal, engine: ctx.engine ?? 'auto',
          // Checkpoints by time (and when stopped or done), none by step count.
          checkpointPath: path, checkpointEvery: maxSteps, checkpointEveryMs: ctx.checkpointEveryMs ?? DEFAULT_CHECKPOINT_EVERY_MS,
          checkpointTag: checkpointTag(cell), ...(resume ? { resumeFrom: path } : source ? { continueFrom: source.path } : {}),
          callbacks: {
            onStep: (e: StepEvent) => ctx.emit({ type: 'step', cell, step: e.step, maxSteps, loss: e.loss }),
            onEval: (e: EvalEvent) => {
              const { stop: _stop, bestAccuracy: _best, ...record } = e;
              evals[k].push(record);
              ctx.emit({ type: 'eval', cell, eval: record });
            },
            onCheckpoint: (e: CheckpointEvent) => ctx.emit({ type: 'checkpoint', cell, step: e.step }),
          },
        } satisfies TrainerArgs,
      };
    });
    if (replicas.length === 1) {
      settled.push(await train(model, replicas[0].data, replicas[0].args).then(
        (value): PromiseSettledResult<TrainResult> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseSettledResult<TrainResult> => ({ status: 'rejected', reason })));
    } else {
      try {
        settled.push(...await (trainers.trainBatched ?? trainBatched)(model, replicas));
      } catch (err) {
        groupError = message(err); // a caller error for the whole group: no replica has a result
      }
    }
    for (const [k, i] of live.entries()) {
      if (groupError !== undefined) break;
      const s = settled[k];
      try {
        const result = s.status === 'fulfilled' ? s.value : undefined;
        const diverged = s.status === 'rejected' && message(s.reason).startsWith('training diverged') ? message(s.reason) : undefined;
        if (s.status === 'rejected' && !diverged) outcomes[i] = { error: message(s.reason) };
        else if (result?.stopReason === 'stopped' && ctx.signal?.aborted) outcomes[i] = 'stopped';
        else {
          const done = await finishCell(cells[i], ctx, model, tasks[i] as TaskSource, result, diverged, evals[k], measures[k], startedAt, replicas.length, continued.get(i));
          outcomes[i] = done;
          keepFinalState(ctx.dir, cells[i].key, done.record.stopReason);
        }
      } catch (err) {
        outcomes[i] = { error: message(err) };
      }
    }
  } finally {
    for (const s of settled) if (s.status === 'fulfilled') disposeParams(s.value.params);
    model.dispose();
  }
  if (groupError !== undefined) {
    ctx.emit({ type: 'fallback', cells: live.map((i) => cells[i]), error: groupError });
    for (const i of live) {
      if (ctx.signal?.aborted) outcomes[i] = 'stopped';
      else [outcomes[i]] = await runGroup([cells[i]], ctx, trainers);
    }
  }
  return outcomes;
}

/** The measures of a cell with their at-initialisation values filled in. */
function initialMeasures(model: SequenceModel, spec: CellSpec): MeasureResult[] {
  const specs = spec.measures ?? [];
  const measures: MeasureResult[] = specs.map((m) => ({ kind: m.kind, family: m.family, lengths: [...m.lengths], trained: { values: [], relative: [] } }));
  if (specs.some((m) => m.atInit ?? true)) {
    const init = initParams(model, spec.seed);
    try {
      specs.forEach((m, i) => { if (m.atInit ?? true) measures[i].init = measure(model, init, m); });
    } finally {
      disposeParams(init);
    }
  }
  return measures;
}


/** Measures the trained model, keeps it if asked, and writes the cell's record. */
async function finishCell(
  cell: Cell, ctx: CellContext, model: SequenceModel, task: TaskSource, result: TrainResult | undefined, diverged: string | undefined,
  evals: EvalRecord[], measures: MeasureResult[], startedAt: string, lanes: number, continuedFrom?: ResultRecord['continuedFrom'],
): Promise<{ record: ResultRecord; path: string }> {
  const { spec } = cell;
  const finishedAt = new Date().toISOString();
  const last = evals.at(-1);
  const best = evals.reduce<EvalRecord | undefined>((a, e) => (!a || e.accuracy > a.accuracy ? e : a), undefined);
  const perfect = evals.find((e) => e.accuracy === 1);
  if (result) (spec.measures ?? []).forEach((m, i) => { measures[i].trained = measure(model, result.params, m); });
  const testSplit = result ? task.testBatches?.() ?? [] : [];
  const test = testSplit.length ? evaluate(model, (result as TrainResult).params, testSplit, task.labelNames ?? []) : undefined;
  let modelFile: string | null = null;
  if (cell.options.keepModel && result) {
    saveParams(modelPath(ctx.dir, cell.key), model, result.params);
    modelFile = basename(modelPath(ctx.dir, cell.key));
  }
  const steps = result?.steps ?? (last?.step ?? 0);
  const wallTimeMs = result?.wallTimeMs ?? 0;
  const info = await backendInfo();
  const record = sealRecord({
    format: 'expressive-attention/result@1',
    paper: cell.paper, experiment: cell.experiment, scale: cell.scale, key: cell.key, coords: cell.coords,
    configHash: cell.configHash, spec,
    model: { kind: model.kind, config: { ...model.config }, parameterCount: parameterCount(model) },
    task: {
      kind: spec.task.kind, config: { ...(task.config ?? {}) }, labelNames: [...(task.labelNames ?? [])],
      vocabSize: task.vocabSize, contextLength: task.contextLength,
    },
    library: libraryVersion(),
    backend: { ...info },
    host: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', simd: cpuSimd() },
    engine: { name: result?.engine ?? 'eager', lanes: result?.lanes ?? lanes },
    steps, maxSteps: spec.trainer.steps ?? 1000,
    stopReason: diverged ? 'diverged' : (result as TrainResult).stopReason,
    ...(diverged ? { error: diverged } : {}),
    wallTimeMs, msPerStep: steps > 0 ? wallTimeMs / steps : 0,
    finalAccuracy: last?.accuracy ?? 0, finalEvalLoss: finiteOrNull(last?.loss), perLabel: { ...(last?.perLabel ?? {}) },
    bestAccuracy: best?.accuracy ?? 0, bestStep: best?.step ?? 0,
    bestEvalLoss: finiteOrNull(evals.reduce((a, e) => Math.min(a, e.loss), Number.POSITIVE_INFINITY)),
    stepsToPerfect: perfect ? perfect.step : null,
    ...(test ? { test: { accuracy: test.accuracy, loss: test.loss, perLabel: test.perLabel } } : {}),
    curve: evalCurve(evals),
    lossCurve: compactLossCurve(result?.lossCurve ?? []),
    measures,
    modelFile, shard: ctx.shard, ...(cell.budget ? { budget: cell.budget } : {}),
    ...(result?.resumedFrom !== undefined ? { resumedFrom: result.resumedFrom } : {}), ...(continuedFrom ? { continuedFrom } : {}), startedAt, finishedAt,
  });
  const path = writeRecord(ctx.dir, record);
  if (!modelFile) rmSync(modelPath(ctx.dir, cell.key), { force: true }); // a model kept by an earlier definition of this cell
  return { record, path };
}
