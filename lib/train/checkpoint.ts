/**
 * Training checkpoints: everything needed to continue a run to exactly the numbers an uninterrupted
 * run would give — weights, AdamW moments and step count, the number of completed steps, the seed,
 * the trainer's arguments, the model's kind and config, the data source's config and the progress so
 * far (evaluations, loss curve).
 *
 * Randomness: parameters are initialised from the seed and every batch is a pure function of
 * (data config, seed, step), and the trainer draws nothing else, so (seed, step) is the complete RNG
 * state; it is stored as such.
 *
 * Format: one JSON file, tensors as base64 little-endian float32 (as `saveParams`), written atomically
 * (temp file + fsync + rename): a crash mid-write leaves the previous checkpoint intact.
 */
import { readFileSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs-core';
import type { ModelKind, ParamMap, SequenceModel } from '../models/model.js';
import { decodeFloat32, deserializeParams, encodeFloat32, type SerializedTensor } from '../models/params.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { AdamWState } from './adamw.js';
import type { EvalRecord, LossPoint, StopReason } from './types.js';
export const CHECKPOINT_FORMAT = 'expressive-attention/checkpoint@1';

/** What the trainer has recorded so far (restored on resume so the final result is the same). */
export interface TrainingProgress {
  evals: EvalRecord[];
  lossCurve: LossPoint[];
  /** Running sum and count of the loss-curve block in progress. */
  curveBlock: { sum: number; count: number };
  /** Training wall time before this checkpoint, in ms. */
  elapsedMs: number;
}

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  /** Completed optimizer steps; the next batch is trainBatch(step). */
  step: number;
  model: { kind: ModelKind; config: Record<string, unknown> };
  /** The data source's config, when it has one. */
  data?: Record<string, unknown>;
  /** The trainer's resolved arguments (without callbacks). */
  trainer: Record<string, unknown>;
  /** The complete random state: see the file comment. */
  rng: { seed: number; nextStep: number };
  params: Record<string, SerializedTensor>;
  optimizer: { step: number; m: Record<string, SerializedTensor>; v: Record<string, SerializedTensor> };
  progress: TrainingProgress;
  /** Backend that produced it (resuming elsewhere works, but is not bit-identical). */
  backend: string;
  /** Set when the run had ended (not merely stopped) at this step: resuming it trains no further. */
  ended?: Exclude<StopReason, 'stopped'>;
  /** `TrainerArgs.checkpointTag` of the run that wrote it. */
  tag?: Record<string, unknown>;
  savedAt: string;
}

export interface CheckpointParts {
  step: number;
  model: SequenceModel;
  /** Per parameter name: a tensor, or its values in the parameter's shape (row-major). */
  params: Record<string, tf.Tensor | Float32Array>;
  optimizer: AdamWState;
  trainer: Record<string, unknown>;
  seed: number;
  data?: Readonly<Record<string, unknown>>;
  progress: TrainingProgress;
  backend: string;
  ended?: Exclude<StopReason, 'stopped'>;
  tag?: Record<string, unknown>;
}

/** Every value of every array is finite. */
export function allFinite(arrays: Iterable<ArrayLike<number>>): boolean {
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** Builds the checkpoint object (reads the parameter values back). */
export function encodeCheckpoint(parts: CheckpointParts): Checkpoint {
  const { model } = parts;
  const params: Record<string, SerializedTensor> = {};
  const m: Record<string, SerializedTensor> = {};
  const v: Record<string, SerializedTensor> = {};
  for (const spec of model.parameters) {
    const t = parts.params[spec.name];
    if (!t) throw new Error(`checkpoint: parameter '${spec.name}' is missing`);
    params[spec.name] = { shape: spec.shape, data: encodeFloat32(t instanceof Float32Array ? t : t.dataSync() as Float32Array) };
    m[spec.name] = { shape: spec.shape, data: encodeFloat32(parts.optimizer.m[spec.name]) };
    v[spec.name] = { shape: spec.shape, data: encodeFloat32(parts.optimizer.v[spec.name]) };
  }
  return {
    format: CHECKPOINT_FORMAT,
    step: parts.step,
    model: { kind: model.kind, config: { ...model.config } },
    ...(parts.data ? { data: { ...parts.data } } : {}),
    trainer: parts.trainer,
    rng: { seed: parts.seed, nextStep: parts.step },
    params,
    optimizer: { step: parts.optimizer.step, m, v },
    progress: parts.progress,
    backend: parts.backend,
    ...(parts.ended ? { ended: parts.ended } : {}),
    ...(parts.tag ? { tag: parts.tag } : {}),
    savedAt: new Date().toISOString(),
  };
}

/** Writes a checkpoint atomically; the file at `path` is either the old one or the complete new one. */
export function saveCheckpoint(path: string, checkpoint: Checkpoint): void {
  writeFileAtomic(path, JSON.stringify(checkpoint));
}

/** Reads and checks a checkpoint file; malformed or truncated files give an error naming the path. */
export function readCheckpoint(path: string): Checkpoint {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`checkpoint ${path}: cannot read it (${err instanceof Error ? err.message : err})`);
  }
  let c: Checkpoint;
  try {
    c = JSON.parse(text) as Checkpoint;
  } catch (err) {
    throw new Error(`checkpoint ${path}: not valid JSON, perhaps truncated (${err instanceof Error ? err.message : err})`);
  }
  if (c === null || typeof c !== 'object' || c.format !== CHECKPOINT_FORMAT) {
    throw new Error(`checkpoint ${path}: not a checkpoint (format '${String((c as { format?: unknown } | null)?.format)}', expected '${CHECKPOINT_FORMAT}')`);
  }
  for (const key of ['model', 'trainer', 'rng', 'params', 'optimizer', 'progress'] as const) {
    if (c[key] === null || typeof c[key] !== 'object') throw new Error(`checkpoint ${path}: field '${key}' is missing`);
  }
  if (!Number.isInteger(c.step) || c.step < 0) throw new Error(`checkpoint ${path}: step must be a non-negative integer; got ${c.step}`);
  return c;
}

/** The checkpoint's parameters as fresh tensors for `model` (names, shapes and model kind must match). */
export function checkpointParams(model: SequenceModel, checkpoint: Checkpoint, source = 'checkpoint'): ParamMap {
  return deserializeParams(model, {
    format: 'expressive-attention/params@1', kind: checkpoint.model.kind, config: checkpoint.model.config, params: checkpoint.params,
  }, source);
}

/** The checkpoint's optimizer state, for `AdamW.loadState`. */
export function checkpointOptimizerState(model: SequenceModel, checkpoint: Checkpoint, source = 'checkpoint'): AdamWState {
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  for (const spec of model.parameters) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    for (const [key, out] of [['m', m], ['v', v]] as const) {
      const t = checkpoint.optimizer[key]?.[spec.name];
      if (!t) throw new Error(`${source}: optimizer ${key} of '${spec.name}' is missing`);
      out[spec.name] = decodeFloat32(t.data, n, `${source}: optimizer ${key} of '${spec.name}'`);
    }
  }
  return { step: checkpoint.optimizer.step, m, v };
}
