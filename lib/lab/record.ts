/**
 * The result record of one finished cell: one small JSON file, `<dir>/<key>.json`.
 *
 * It carries everything needed to trust and plot the number without the code that made it: the
 * cell's full spec and hash, the resolved model and task configs, library version, backend, host,
 * steps, wall time, final and best accuracy (overall and per label), the learning curves
 * (≤ CURVE_POINTS points each) and the stop reason. A SHA-256 `checksum` over the rest of the record lets the loader
 * tell a complete file from a damaged or hand-edited one.
 */
import type { BackendInfo } from '../backend.js';
import type { EvalRecord, LossPoint, StopReason } from '../train/types.js';
import { sha256, stableJson } from '../util/stable-json.js';
import type { CellSpec, GridPoint, ResultGroup, Scale } from './types.js';
import { RESULT_GROUPS, SCALES } from './types.js';

export const RESULT_FORMAT = 'expressive-attention/result@1';

/**
 * Most points kept in each learning curve of a record: every evaluation of the full-scale grids (12 000
 * steps evaluated every 200 = 60; 40 000 = 200), so a record holds its whole evaluation curve.
 */
export const CURVE_POINTS = 200;

/** One point of the evaluation curve. */
export interface CurvePoint {
  step: number;
  accuracy: number;
  evalLoss: number;
  perLabel: Record<string, number>;
}

/** A sensitivity curve: the metric per probed length, and relative to the first length. */
export interface SensitivityCurve {
  values: number[];
  relative: number[];
}

/** The result of one `MeasureSpec` (same order as `spec.measures`). */
export interface MeasureResult {
  kind: 'sensitivity';
  /** Probe family ('count-ones', 'find-zero', 'flip-any'). */
  family: string;
  lengths: number[];
  /** After training. */
  trained: SensitivityCurve;
  /** At initialisation (same seed), if asked for. */
  init?: SensitivityCurve;
}

export interface ResultRecord {
  format: typeof RESULT_FORMAT;
  paper: ResultGroup;
  experiment: string;
  scale: Scale;
  /** The cell key (also the file name without `.json`). */
  key: string;
  coords: GridPoint;
  configHash: string;
  /** The cell spec exactly as hashed. */
  spec: CellSpec;
  /** The model's resolved config (every default filled in), its kind and size. */
  model: { kind: string; config: Record<string, unknown>; parameterCount: number };
  /** The task's resolved config and label names. */
  task: { kind: string; config: Record<string, unknown>; labelNames: string[]; vocabSize: number; contextLength: number };
  library: { name: string; version: string };
  backend: BackendInfo;
  /** Where it ran; cpu and simd (the vector extensions that change float results: avx2, fma, avx512f) since 0.2.0's long runs. */
  host: { node: string; platform: string; arch: string; cpus: number; cpu?: string; simd?: string[] };
  /** Which engine trained it: 'eager' (tfjs ops) or 'graph' (each step one TensorFlow graph), one model ('lanes' 1) or seeds stacked into one (lanes > 1). Absent in older records. */
  engine?: { name: 'eager' | 'graph'; lanes: number };
  /** Optimizer steps taken and the budget. */
  steps: number;
  maxSteps: number;
  /** 'steps' (budget used), 'perfect' (100 % eval accuracy, early stop), 'plateau' (no improvement, if the grid asks for the stop) or 'diverged' (NaN/∞ loss; see `error`). */
  stopReason: StopReason | 'diverged';
  /** The divergence message, for stopReason 'diverged'. */
  error?: string;
  /** Training wall time (ms) and per step. */
  wallTimeMs: number;
  msPerStep: number;
  finalAccuracy: number;
  /** Mean cross-entropy (nats per scored token) at the last evaluation; null if there was none. */
  finalEvalLoss: number | null;
  /** Accuracy per label at the last evaluation. */
  perLabel: Record<string, number>;
  bestAccuracy: number;
  bestStep: number;
  /** Lowest evaluation loss seen; null if there was no evaluation. */
  bestEvalLoss: number | null;
  /** First evaluated step with 100 % accuracy, or null. */
  stepsToPerfect: number | null;
  /**
   * The final parameters scored once on the task's test split (`testBatches()`, never seen in training;
   * the evaluations above are on the validation split the stops read). Absent for tasks without one and
   * in records before 0.3.0.
   */
  test?: { accuracy: number; loss: number; perLabel: Record<string, number> };
  /** Evaluation curve: every evaluation, or past CURVE_POINTS those on a power-of-two stride of steps (see `evalCurve`). */
  curve: CurvePoint[];
  /** Training loss curve, ≤ CURVE_POINTS points (block means). */
  lossCurve: LossPoint[];
  /** Results of `spec.measures`, in order. */
  measures: MeasureResult[];
  /** File name of the saved model beside the record, if kept. */
  modelFile: string | null;
  /** Which shard ran it ('1/1' when unsharded). */
  shard: string;
  /** The budget label when the grid's steps were changed (`--steps`, `--budget-factor`); absent otherwise. */
  budget?: string;
  /** The step of the checkpoint its last run resumed from; absent if it was trained in one go. */
  resumedFrom?: number;
  /**
   * Set when this run is another cell's run continued from its final state (`ea run … --continue`): the
   * same trajectory, so its curve up to `step` is that record's. Absent: the run started from step 0 —
   * a retraining of a cell with another record is a new sample, not a continuation.
   */
  continuedFrom?: { key: string; configHash: string; step: number; recordChecksum: string; stopReason: string };
  startedAt: string;
  finishedAt: string;
  /** SHA-256 (hex) of the canonical JSON of every other field. */
  checksum: string;
}

/**
 * The CPU class a record was made on, as far as it changes float results (oneDNN and Eigen dispatch on
 * it at run time, docs/reproducibility.md): 'avx512f', 'avx2', 'other', or 'not recorded' (older records).
 */
export function cpuClass(r: { host?: { simd?: readonly string[] } }): string {
  const simd = r.host?.simd;
  if (!simd) return 'not recorded';
  return simd.includes('avx512f') ? 'avx512f' : simd.includes('avx2') ? 'avx2' : 'other';
}

/** Merges consecutive loss blocks into at most `max` blocks (step-weighted means), keeping the last step. */
export function compactLossCurve(points: readonly LossPoint[], max = CURVE_POINTS): LossPoint[] {
  if (points.length <= max) return points.map((p) => ({ ...p }));
  const out: LossPoint[] = [];
  const per = points.length / max;
  let prevStep = 0;
  for (let g = 0; g < max; g++) {
    const from = Math.round(g * per);
    const to = Math.round((g + 1) * per);
    let sum = 0;
    let weight = 0;
    let last = prevStep;
    for (let i = from; i < to; i++) {
      const w = points[i].step - last;
      sum += points[i].loss * w;
      weight += w;
      last = points[i].step;
    }
    out.push({ step: last, loss: weight > 0 ? sum / weight : points[to - 1].loss });
    prevStep = last;
  }
  return out;
}

/**
 * The evaluation curve of a run as record points: every evaluation while there are at most `max`;
 * beyond, the first, the last, and those whose step is a multiple of s = e·2ᵏ (e the first evaluated
 * step, k the smallest that keeps at most `max`). The points kept depend on the evaluated steps alone —
 * not on how the run was split by resumes — and a longer run's strided points are a subset of a shorter
 * one's, so a continued run's curve agrees with its first part wherever both have a point.
 */
export function evalCurve(evals: readonly EvalRecord[], max = CURVE_POINTS): CurvePoint[] {
  const point = (e: EvalRecord): CurvePoint => ({ step: e.step, accuracy: e.accuracy, evalLoss: e.loss, perLabel: { ...e.perLabel } });
  if (evals.length <= max) return evals.map(point);
  const e = evals[0].step > 0 ? evals[0].step : 1;
  let stride = e;
  while (evals.filter((x) => x.step % stride === 0).length > max - 2) stride *= 2;
  return evals.filter((x, i) => i === 0 || i === evals.length - 1 || x.step % stride === 0).map(point);
}

/** Adds the checksum. */
export function sealRecord(record: Omit<ResultRecord, 'checksum'>): ResultRecord {
  return { ...record, checksum: sha256(stableJson(record)) };
}

/** The text written to disk. */
export function encodeRecord(record: ResultRecord): string {
  return `${JSON.stringify(record, null, 1)}\n`;
}

const isNum = (v: unknown): v is number => typeof v === 'number';
const isStr = (v: unknown): v is string => typeof v === 'string';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses and checks a record's text. Throws an Error saying what is wrong (truncated JSON, a missing or
 * mistyped field, a checksum mismatch); the caller adds the path.
 */
export function decodeRecord(text: string): ResultRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (truncated or damaged?): ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObj(parsed)) throw new Error('not a JSON object');
  const obj = parsed;
  if (obj.format !== RESULT_FORMAT) throw new Error(`format is ${JSON.stringify(obj.format)}, expected '${RESULT_FORMAT}'`);
  const need = (field: string, ok: (v: unknown) => boolean, what: string): void => {
    if (!ok(obj[field])) throw new Error(`field '${field}' must be ${what}; got ${JSON.stringify(obj[field])?.slice(0, 80)}`);
  };
  need('paper', (v) => (RESULT_GROUPS as readonly unknown[]).includes(v), `one of ${RESULT_GROUPS.join(', ')}`);
  need('scale', (v) => (SCALES as readonly unknown[]).includes(v), `one of ${SCALES.join(', ')}`);
  for (const f of ['experiment', 'key', 'configHash', 'stopReason', 'shard', 'startedAt', 'finishedAt', 'checksum']) need(f, isStr, 'a string');
  for (const f of ['steps', 'maxSteps', 'wallTimeMs', 'msPerStep', 'finalAccuracy', 'bestAccuracy', 'bestStep']) need(f, isNum, 'a number');
  for (const f of ['finalEvalLoss', 'bestEvalLoss']) need(f, (v) => v === null || isNum(v), 'a number or null');
  for (const f of ['coords', 'spec', 'model', 'task', 'library', 'backend', 'host', 'perLabel']) need(f, isObj, 'an object');
  for (const f of ['curve', 'lossCurve', 'measures']) need(f, Array.isArray, 'an array');
  need('stepsToPerfect', (v) => v === null || isNum(v), 'a number or null');
  need('modelFile', (v) => v === null || isStr(v), 'a string or null');
  const { checksum, ...rest } = obj;
  if (sha256(stableJson(rest)) !== checksum) throw new Error('checksum mismatch (the file was changed or damaged after it was written)');
  return obj as unknown as ResultRecord;
}
