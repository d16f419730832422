/**
 * Results for notebooks: load result records into danfojs DataFrames and aggregate over seeds.
 *
 * ```ts
 * const results = loadExperimentResults('ea-single');           // data/ea/ea-single/full (or loadResults(dir), e.g. 'data/ea')
 * results.problems;                                              // [{ path, error }] — damaged files, left out
 * const df = resultsFrame(results.records);                      // one row per cell, flattened
 * const table = summarise(df, ['mechanism', 'size', 'N'], 'finalAccuracy');
 * //   mechanism  size   N   mean  std  best  worst  count   (best = best-of-n over seeds)
 * const curves = curvesFrame(results.records);                   // one row per (cell, eval step)
 * ```
 *
 * Columns of `resultsFrame`: paper, experiment, scale, budget (the label of a changed budget, else empty), key, configHash, each grid axis (e.g. mechanism,
 * N, seed), modelKind, taskKind, parameterCount, steps, maxSteps, stopReason, finalAccuracy,
 * bestAccuracy, bestStep, stepsToPerfect (NaN if never), finalEvalLoss, bestEvalLoss, wallTimeMs,
 * msPerStep, backend, libraryVersion, finishedAt, file, `acc_<label>` per label (final accuracy), and
 * `measure_<family>_<n>` / `measure_<family>_init_<n>` for sensitivity measurements (see
 * `measureRows` for the long form).
 *
 * danfojs-node is loaded on first use (not when the library is imported). It always loads
 * @tensorflow/tfjs-node, which makes 'tensorflow' the active tfjs backend as a side effect; the loader
 * restores the backend that was active before, so loading results never changes where models run.
 * Where tfjs-node cannot load at all, danfojs is given the pure-JS @tensorflow/tfjs instead.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import type { DataFrame } from 'danfojs-node';
import type { ParamMap, SequenceModel } from '../models/model.js';
import { loadModel } from '../models/registry.js';
import { getExperiment } from './experiments.js';
import { defaultDataDir, modelPath, readRecord, readResults, recordPath, resultDir, type LoadedRecord, type ResultProblem } from './store.js';
import { cpuClass, type ResultRecord } from './record.js';
import { createTaskSource, type TaskSource } from './tasks.js';
import type { Scale, Scalar } from './types.js';
import { aggregate } from './statistics.js';

type Danfo = typeof import('danfojs-node');
let danfo: Danfo | undefined;

/** danfojs-node, loaded once (see the file comment for the backend guard). */
export function loadDanfo(): Danfo {
  if (danfo) return danfo;
  const require = createRequire(import.meta.url);
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  const before = tf.getBackend(); // undefined until some backend was initialised
  try {
    danfo = require('danfojs-node') as Danfo;
  } catch (err) {
    // tfjs-node's native binding is missing: let danfojs use the pure-JS union package instead.
    const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
    const original = Module._load;
    Module._load = function load(request: string, ...rest: unknown[]): unknown {
      return original.call(this, request === '@tensorflow/tfjs-node' ? '@tensorflow/tfjs' : request, ...rest);
    };
    try {
      danfo = require('danfojs-node') as Danfo;
    } catch {
      throw new Error(`danfojs-node cannot be loaded: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    } finally {
      Module._load = original;
    }
  }
  if (before && tf.getBackend() !== before) void tf.setBackend(before);
  return danfo;
}

/** Records and problems under one or more directories, with duplicates (same experiment, scale, key) reported. */
export interface LoadedResults {
  records: ResultRecord[];
  /** Path of each record, in the same order. */
  paths: string[];
  /** Files left out: unreadable, truncated, failing their checksum, or duplicates. */
  problems: ResultProblem[];
}

/**
 * Reads every record under `dirs` (recursively). Damaged files are left out and listed in `problems`
 * (and warned about on stderr unless `quiet`); a cell found twice (e.g. two copies of a shard) is kept
 * once — the later `finishedAt` — and the other file is listed as a problem.
 */
export function loadResults(dirs: string | readonly string[], options: { quiet?: boolean } = {}): LoadedResults {
  const all: LoadedRecord[] = [];
  const problems: ResultProblem[] = [];
  for (const dir of typeof dirs === 'string' ? [dirs] : dirs) {
    const r = readResults(dir);
    all.push(...r.records);
    problems.push(...r.problems);
  }
  const byCell = new Map<string, LoadedRecord>();
  for (const item of all) {
    const id = `${item.record.paper}/${item.record.experiment}/${item.record.scale}${item.record.budget ? `-${item.record.budget}` : ''}/${item.record.key}`;
    const seen = byCell.get(id);
    if (!seen) {
      byCell.set(id, item);
      continue;
    }
    const [keep, drop] = item.record.finishedAt > seen.record.finishedAt ? [item, seen] : [seen, item];
    byCell.set(id, keep);
    problems.push({ path: drop.path, error: `duplicate of ${keep.path} (same cell ${id}); the later result is used` });
  }
  if (!options.quiet) {
    for (const p of problems) console.warn(`[expressive-attention] skipped result file ${p.path}: ${p.error}`);
  }
  const kept = [...byCell.values()];
  return { records: kept.map((k) => k.record), paths: kept.map((k) => k.path), problems };
}

/**
 * The results of one experiment at one scale from the results tree (default: the repository's data/):
 * `loadExperimentResults('ea-single')` reads data/ea/ea-single/full/; with `budget` (a label of
 * `budgetLabel`, e.g. 'steps12000' or 'x15') the records of that budget, data/ea/ea-single/full-steps12000/.
 */
export function loadExperimentResults(name: string, scale: Scale = 'full', options: { root?: string; quiet?: boolean; budget?: string } = {}): LoadedResults {
  const experiment = getExperiment(name);
  return loadResults(resultDir(options.root ?? defaultDataDir(), experiment.paper, experiment.name, scale, options.budget), options);
}


/** One flat row per record (see the file comment for the columns). */
export function resultRows(records: readonly ResultRecord[]): Record<string, Scalar>[] {
  const rows = records.map((r) => {
    const row: Record<string, Scalar> = {
      paper: r.paper, experiment: r.experiment, scale: r.scale, budget: r.budget ?? '', key: r.key, configHash: r.configHash,
      ...r.coords,
      modelKind: r.model.kind, taskKind: r.task.kind, parameterCount: r.model.parameterCount,
      steps: r.steps, maxSteps: r.maxSteps, stopReason: r.stopReason,
      finalAccuracy: r.finalAccuracy, bestAccuracy: r.bestAccuracy, bestStep: r.bestStep,
      stepsToPerfect: r.stepsToPerfect ?? Number.NaN,
      finalEvalLoss: r.finalEvalLoss ?? Number.NaN, bestEvalLoss: r.bestEvalLoss ?? Number.NaN,
      wallTimeMs: r.wallTimeMs, msPerStep: r.msPerStep, backend: r.backend.backend, libraryVersion: r.library.version,
      finishedAt: r.finishedAt, seedInit: r.spec.seed,
      engine: r.engine ? r.engine.name : 'not recorded', cpuClass: cpuClass(r),
      testAccuracy: r.test?.accuracy ?? Number.NaN, testLoss: r.test?.loss ?? Number.NaN,
    };
    for (const [label, acc] of Object.entries(r.perLabel)) row[`acc_${label}`] = acc;
    for (const m of r.measures) {
      m.lengths.forEach((n, i) => {
        row[`measure_${m.family}_${n}`] = m.trained.values[i];
        if (m.init) row[`measure_${m.family}_init_${n}`] = m.init.values[i];
      });
    }
    return row;
  });
  // Every row gets every column (danfojs needs a rectangle); a missing number is NaN, a missing text ''.
  const columns = new Map<string, 'number' | 'other'>();
  for (const row of rows) for (const [k, v] of Object.entries(row)) if (!columns.has(k) || typeof v === 'number') columns.set(k, typeof v === 'number' ? 'number' : 'other');
  return rows.map((row) => Object.fromEntries([...columns].map(([k, t]) => [k, row[k] ?? (t === 'number' ? Number.NaN : '')])));
}

/** One row per record as a danfojs DataFrame (an empty frame with no columns if there is no record). */
export function resultsFrame(records: readonly ResultRecord[]): DataFrame {
  const dfd = loadDanfo();
  const rows = resultRows(records);
  return rows.length ? new dfd.DataFrame(rows) : new dfd.DataFrame([]);
}

/** Long format of the learning curves: one row per (cell, evaluation) with its coordinates. */
export function curveRows(records: readonly ResultRecord[]): Record<string, Scalar>[] {
  const labels = [...new Set(records.flatMap((r) => r.task.labelNames))];
  return records.flatMap((r) => {
    const loss = new Map(r.lossCurve.map((p) => [p.step, p.loss]));
    return r.curve.map((p) => {
      const row: Record<string, Scalar> = {
        experiment: r.experiment, scale: r.scale, key: r.key, ...r.coords, step: p.step,
        accuracy: p.accuracy, evalLoss: p.evalLoss, trainLoss: loss.get(p.step) ?? Number.NaN,
      };
      for (const l of labels) row[`acc_${l}`] = p.perLabel[l] ?? Number.NaN;
      return row;
    });
  });
}

/**
 * Long format of the sensitivity measurements: one row per (cell, probe family, length, phase) with
 * the cell's coordinates, `phase` 'trained' or 'init', `n`, `value` and `relative` (to the first length).
 */
export function measureRows(records: readonly ResultRecord[]): Record<string, Scalar>[] {
  return records.flatMap((r) => r.measures.flatMap((m) => {
    const phases: ['trained' | 'init', typeof m.trained][] = [['trained', m.trained]];
    if (m.init) phases.push(['init', m.init]);
    return phases.flatMap(([phase, curve]) => m.lengths.map((n, i) => ({
      experiment: r.experiment, scale: r.scale, key: r.key, ...r.coords, family: m.family, phase, n,
      value: curve.values[i], relative: curve.relative[i],
    })));
  }));
}

/** `measureRows` as a DataFrame. */
export function measuresFrame(records: readonly ResultRecord[]): DataFrame {
  const dfd = loadDanfo();
  const rows = measureRows(records);
  return rows.length ? new dfd.DataFrame(rows) : new dfd.DataFrame([]);
}

/** `curveRows` as a DataFrame. */
export function curvesFrame(records: readonly ResultRecord[]): DataFrame {
  const dfd = loadDanfo();
  const rows = curveRows(records);
  return rows.length ? new dfd.DataFrame(rows) : new dfd.DataFrame([]);
}

/** Plain-object form of `summarise`: one row per group, sorted by the group columns as they first appear. */
export function summariseRows(rows: readonly Record<string, Scalar>[], by: readonly string[], metric: string, lowerIsBetter = false): Record<string, Scalar>[] {
  if (rows.length && !(metric in rows[0])) {
    throw new Error(`summarise: no column '${metric}'; columns are ${Object.keys(rows[0]).join(', ')}`);
  }
  for (const b of by) if (rows.length && !(b in rows[0])) throw new Error(`summarise: no column '${b}' to group by; columns are ${Object.keys(rows[0]).join(', ')}`);
  const groups = new Map<string, { keys: Record<string, Scalar>; values: number[] }>();
  for (const row of rows) {
    const id = JSON.stringify(by.map((b) => row[b]));
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { keys: Object.fromEntries(by.map((b) => [b, row[b]])), values: [] }));
    g.values.push(Number(row[metric]));
  }
  return [...groups.values()].map((g) => ({ ...g.keys, ...aggregate(g.values, lowerIsBetter) }));
}

/**
 * Aggregates `metric` over the rows that share the `by` columns (leave 'seed' out of `by` to aggregate
 * over seeds): one row per group with columns `by…`, mean, std, best, worst, count. `lowerIsBetter`
 * makes best the minimum (for losses).
 */
export function summarise(df: DataFrame, by: readonly string[], metric: string, options: { lowerIsBetter?: boolean } = {}): DataFrame {
  const dfd = loadDanfo();
  const rows = frameRows(df);
  const out = summariseRows(rows, by, metric, options.lowerIsBetter ?? false);
  return out.length ? new dfd.DataFrame(out) : new dfd.DataFrame([]);
}

/** The rows of a DataFrame as plain objects. */
export function frameRows(df: DataFrame): Record<string, Scalar>[] {
  const columns = df.columns;
  const values = df.values as Scalar[][];
  return values.map((v) => Object.fromEntries(columns.map((c, i) => [c, v[i]])));
}

/** A cell's kept model (see `CellOptions.keepModel`), rebuilt with its parameters and task. */
export interface KeptModel {
  record: ResultRecord;
  model: SequenceModel;
  /** The trained parameters; the caller disposes them (`disposeParams`) and the model. */
  params: ParamMap;
  /** The cell's task (same config and seed: `task.evalBatches()` is the evaluation set the record scored). */
  task: TaskSource;
}

/**
 * Loads the trained model kept for cell `key` in the results directory `dir` (e.g.
 * `data/ea/ea-single/full`), with its record and task — for attention maps and probes in notebooks.
 *
 * ```ts
 * const { model, params, task } = loadKeptModel('data/cog/cog-delete/full', 'mechanism=cog,seed=0');
 * const { attention } = model.apply(params, tokens, { returnAttention: true });
 * ```
 */
export function loadKeptModel(dir: string, key: string): KeptModel {
  const record = readRecord(recordPath(dir, key));
  if (!record.modelFile) throw new Error(`${recordPath(dir, key)}: no model was kept for cell '${key}' (the experiment's options did not ask for it)`);
  const { model, params } = loadModel(modelPath(dir, key));
  return { record, model, params, task: createTaskSource(record.spec.task) };
}

/** A cell is solved when some evaluation reached 100 % accuracy (`stepsToPerfect` is a number). */
export function isSolved(row: Record<string, Scalar>): boolean {
  const s = row.stepsToPerfect;
  return typeof s === 'number' && Number.isFinite(s);
}
