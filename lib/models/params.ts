/**
 * Creating, saving and loading parameters.
 *
 * Initial values are drawn in JavaScript from a seeded `Rng` (not by tfjs), so they are identical on
 * every backend. Saved parameters are JSON: the model's kind and config plus each tensor's name, shape
 * and little-endian float32 data in base64, so a file both rebuilds the model and restores it. A path
 * ending in `.gz` is gzip-compressed (the experiments keep models as `<key>.model.json.gz`: a quarter
 * smaller, values exact); reading recognises gzip by its first bytes, whatever the name.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ModelKind, ParamMap, ParamSpec, SequenceModel } from './model.js';

/** Float32 values of one parameter, drawn from its init. */
export function initialValues(spec: ParamSpec, rng: Rng): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const init = spec.init;
  switch (init.kind) {
    case 'zeros': break;
    case 'ones': out.fill(1); break;
    case 'normal': for (let i = 0; i < n; i++) out[i] = init.std * rng.normal(); break;
    case 'uniform': for (let i = 0; i < n; i++) out[i] = init.limit * (2 * rng.float() - 1); break;
  }
  return out;
}

/** Fresh parameters for `model`, a pure function of `seed`. The caller owns (and disposes) them. */
export function initParams(model: Pick<SequenceModel, 'parameters'>, seed: number): ParamMap {
  const rng = new Rng(seed, 0x5eed);
  const params: ParamMap = {};
  for (const spec of model.parameters) params[spec.name] = tf.tensor(initialValues(spec, rng), spec.shape, 'float32');
  return params;
}

/** Disposes every tensor of a ParamMap. */
export function disposeParams(params: ParamMap): void {
  for (const t of Object.values(params)) t.dispose();
}

export interface SerializedTensor { shape: number[]; data: string /* base64 float32 LE */ }

export interface SavedModel {
  format: 'expressive-attention/params@1';
  kind: ModelKind;
  config: Record<string, unknown>;
  params: Record<string, SerializedTensor>;
}

export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloat32(base64: string, expectedLength: number, what: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.byteLength !== expectedLength * 4) {
    throw new Error(`${what}: expected ${expectedLength} float32 values, found ${bytes.byteLength / 4}`);
  }
  const out = new Float32Array(expectedLength);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Parameters as JSON-ready data (synchronous read of tensor values). */
export function serializeParams(model: SequenceModel, params: ParamMap): SavedModel {
  checkParams(model, params);
  const out: Record<string, SerializedTensor> = {};
  for (const spec of model.parameters) {
    out[spec.name] = { shape: spec.shape, data: encodeFloat32(params[spec.name].dataSync() as Float32Array) };
  }
  return { format: 'expressive-attention/params@1', kind: model.kind, config: { ...model.config }, params: out };
}

/** Rebuilds parameters for `model` from saved data; names and shapes must match exactly. */
export function deserializeParams(model: SequenceModel, saved: SavedModel, source = 'saved parameters'): ParamMap {
  if (typeof saved !== 'object' || saved === null || saved.format !== 'expressive-attention/params@1') {
    throw new Error(`${source}: not a saved parameter file (format '${String(saved?.format)}')`);
  }
  if (saved.kind !== model.kind) throw new Error(`${source}: holds a ${saved.kind}, not a ${model.kind}`);
  if (typeof saved.params !== 'object' || saved.params === null) throw new Error(`${source}: has no 'params' object`);
  const params: ParamMap = {};
  try {
    for (const spec of model.parameters) {
      const t = Object.hasOwn(saved.params, spec.name) ? saved.params[spec.name] : undefined;
      if (!t) throw new Error(`${source}: parameter '${spec.name}' is missing`);
      if (!Array.isArray(t.shape) || typeof t.data !== 'string') {
        throw new Error(`${source}: parameter '${spec.name}' is malformed (needs a shape array and base64 data)`);
      }
      if (t.shape.join(',') !== spec.shape.join(',')) {
        throw new Error(`${source}: parameter '${spec.name}' has shape [${t.shape}], the model needs [${spec.shape}]`);
      }
      const n = spec.shape.reduce((a, b) => a * b, 1);
      params[spec.name] = tf.tensor(decodeFloat32(t.data, n, `${source}: '${spec.name}'`), spec.shape, 'float32');
    }
    const extra = Object.keys(saved.params).filter((k) => !model.parameters.some((p) => p.name === k));
    if (extra.length) throw new Error(`${source}: unexpected parameters ${extra.join(', ')}`);
  } catch (err) {
    disposeParams(params);
    throw err;
  }
  return params;
}

/** Throws unless `params` has exactly the model's parameter names and shapes. */
export function checkParams(model: Pick<SequenceModel, 'parameters'>, params: ParamMap): void {
  for (const spec of model.parameters) {
    const t = params[spec.name];
    if (!t) throw new Error(`parameter '${spec.name}' is missing`);
    if (t.shape.join(',') !== spec.shape.join(',')) {
      throw new Error(`parameter '${spec.name}' has shape [${t.shape}], the model needs [${spec.shape}]`);
    }
  }
}

/** Writes model config and parameters to `path` atomically (temp file + rename); gzip-compressed if `path` ends in `.gz`. */
export function saveParams(path: string, model: SequenceModel, params: ParamMap): void {
  const json = JSON.stringify(serializeParams(model, params));
  writeFileAtomic(path, path.endsWith('.gz') ? gzipSync(json, { level: 9 }) : json);
}

/** gzip's magic number: the first two bytes of every gzip stream. */
const isGzip = (bytes: Buffer): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Reads a file written by `saveParams`. Use `loadModel` to rebuild the model as well. */
export function readSavedModel(path: string): SavedModel {
  let parsed: unknown;
  try {
    const bytes = readFileSync(path);
    parsed = JSON.parse((isGzip(bytes) ? gunzipSync(bytes) : bytes).toString('utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read saved parameters (${err instanceof Error ? err.message : err})`);
  }
  return parsed as SavedModel;
}
