/**
 * Parameters: initialisation, save/load round trip (bit-exact), and clear errors for files that do not
 * fit the model or are damaged.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import type { ParamMap } from '../lib/models/model.js';
import {
  checkParams, decodeFloat32, deserializeParams, disposeParams, encodeFloat32, initialValues, initParams,
  readSavedModel, saveParams, serializeParams, type SavedModel,
} from '../lib/models/params.js';
import { Transformer } from '../lib/models/transformer.js';
import { Rng } from '../lib/util/rng.js';
import { testBackends, values } from './helpers.js';

// Resolved once, before any suite runs: a second, concurrent testBackends() (e.g. in a before hook) races
// with this one over the active backend, and testBackends() silently drops a backend whose init threw.
const BACKENDS = await testBackends();

const ARGS = { vocabSize: 5, contextLength: 4, width: 8, heads: 2, ffWidth: 12, layers: 2, cis: true, attention: ['expressive', 'cog'] };

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'ea-params-test-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

function allValues(params: ParamMap): Record<string, number[]> {
  return Object.fromEntries(Object.entries(params).map(([n, t]) => [n, values(t)]));
}

for (const backend of BACKENDS) {
  describe(`parameters on ${backend}`, () => {
    before(async () => { await initBackend(backend); });

    it('saveParams → readSavedModel → deserializeParams gives identical values, config and kind', () => {
      const model = new Transformer(ARGS);
      const params = initParams(model, 5);
      const path = join(dir, backend, 'model.json');
      saveParams(path, model, params);
      assert.deepEqual(readdirSync(join(dir, backend)), ['model.json'], 'the atomic write left a temporary file behind');
      const saved = readSavedModel(path);
      assert.equal(saved.format, 'expressive-attention/params@1');
      assert.equal(saved.kind, 'transformer');
      assert.deepEqual(saved.config, JSON.parse(JSON.stringify(model.config)));
      // The saved config rebuilds the same model.
      const rebuilt = new Transformer(saved.config as unknown as typeof ARGS);
      assert.deepEqual(rebuilt.parameters, model.parameters);
      const loaded = deserializeParams(rebuilt, saved, path);
      assert.deepEqual(Object.keys(loaded), Object.keys(params));
      assert.deepEqual(allValues(loaded), allValues(params));
      for (const n of Object.keys(params)) assert.equal(loaded[n].dtype, 'float32');
      // Writing again replaces the file in place.
      const other = initParams(model, 6);
      saveParams(path, model, other);
      const reloaded = deserializeParams(model, readSavedModel(path), path);
      assert.deepEqual(allValues(reloaded), allValues(other));
      [params, loaded, other, reloaded].forEach(disposeParams);
    });

    it('a path ending in .gz is written gzip-compressed and reads back to the same values', () => {
      const model = new Transformer(ARGS);
      const params = initParams(model, 7);
      const plain = join(dir, backend, 'gz-plain.json');
      const gz = join(dir, backend, 'gz-model.json.gz');
      saveParams(plain, model, params);
      saveParams(gz, model, params);
      const bytes = readFileSync(gz);
      assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b], 'not a gzip stream');
      assert.ok(bytes.length < readFileSync(plain).length, 'the gzipped file is not smaller');
      assert.deepEqual(readSavedModel(gz), readSavedModel(plain));
      const loaded = deserializeParams(model, readSavedModel(gz), gz);
      assert.deepEqual(allValues(loaded), allValues(params));
      [params, loaded].forEach(disposeParams);
    });

    it('float32 bit patterns survive: −0, denormals, extremes, NaN, ±∞', () => {
      const special = Float32Array.from([-0, 1e-45, -1.17549435e-38, 3.4028235e38, -3.4028235e38, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1, 1 / 3]);
      const decoded = decodeFloat32(encodeFloat32(special), special.length, 'special');
      assert.deepEqual(new Uint32Array(decoded.buffer), new Uint32Array(special.buffer));
      // And through a model file.
      const model = new Transformer({ ...ARGS, vocabSize: 2, width: 5, heads: 1, cis: false }); // head.weight is [5, 2]
      const params = initParams(model, 0);
      params['head.weight'].dispose();
      params['head.weight'] = tf.tensor(special, [5, 2]);
      const loaded = deserializeParams(model, JSON.parse(JSON.stringify(serializeParams(model, params))) as SavedModel);
      assert.deepEqual(new Uint32Array((loaded['head.weight'].dataSync() as Float32Array).buffer), new Uint32Array(special.buffer));
      [params, loaded].forEach(disposeParams);
    });
  });
}

describe('parameter files: clear errors', () => {
  let model: Transformer;
  let good: SavedModel;
  before(async () => {
    await initBackend(BACKENDS[0]);
    model = new Transformer(ARGS);
    const params = initParams(model, 1);
    good = serializeParams(model, params);
    disposeParams(params);
  });
  const copy = (): SavedModel => JSON.parse(JSON.stringify(good)) as SavedModel;

  const cases: [string, (s: SavedModel) => unknown, RegExp][] = [
    ['wrong shape', (s) => { s.params['head.weight'].shape = [5, 8]; return s; }, /ckpt\.json: parameter 'head\.weight' has shape \[5,8\], the model needs \[8,5\]/],
    ['missing parameter', (s) => { delete s.params['layers.1.norm2.gain']; return s; }, /ckpt\.json: parameter 'layers\.1\.norm2\.gain' is missing/],
    ['extra parameter', (s) => { s.params['layers.2.norm1.gain'] = s.params['layers.1.norm1.gain']; return s; }, /ckpt\.json: unexpected parameters layers\.2\.norm1\.gain/],
    ['wrong kind', (s) => { (s as { kind: string }).kind = 'lstm'; return s; }, /ckpt\.json: holds a lstm, not a transformer/],
    ['wrong format', (s) => { (s as { format: string }).format = 'something-else@2'; return s; }, /ckpt\.json: not a saved parameter file \(format 'something-else@2'\)/],
    ['truncated base64', (s) => { const t = s.params['layers.0.attention.qkv.bias']; t.data = t.data.slice(0, -10); return s; },
      /ckpt\.json: 'layers\.0\.attention\.qkv\.bias': expected 96 float32 values, found/],
    ['too much data', (s) => { s.params['norm.gain'].data = encodeFloat32(new Float32Array(16)); return s; }, /ckpt\.json: 'norm\.gain': expected 8 float32 values, found 16/],
    ['null', () => null, /ckpt\.json: not a saved parameter file/],
    ['an array', () => [], /ckpt\.json: not a saved parameter file/],
    ['no params object', (s) => { (s as { params?: unknown }).params = undefined; return s; }, /ckpt\.json: has no 'params' object/],
    ['shape missing', (s) => { delete (s.params['head.bias'] as { shape?: unknown }).shape; return s; }, /ckpt\.json: parameter 'head\.bias' is malformed/],
    ['data not a string', (s) => { (s.params['head.bias'] as { data: unknown }).data = 3; return s; }, /ckpt\.json: parameter 'head\.bias' is malformed/],
  ];
  for (const [label, mutate, message] of cases) {
    it(`${label}: the message names the parameter or file; nothing leaks`, () => {
      const saved = mutate(copy()) as SavedModel;
      const before = tf.memory().numTensors;
      assert.throws(() => deserializeParams(model, saved, 'ckpt.json'), message);
      assert.equal(tf.memory().numTensors, before, 'a failed load leaked the parameters read so far');
    });
  }

  it('the default source is named when none is given', () => {
    const s = copy();
    delete s.params['head.bias'];
    assert.throws(() => deserializeParams(model, s), /^Error: saved parameters: parameter 'head\.bias' is missing/);
  });

  it('malformed, truncated and missing files name the path', () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'ea-params-bad-'));
    try {
      const malformed = join(dir2, 'malformed.json');
      writeFileSync(malformed, '{"format": "expressive-attention/params@1", "kind": ');
      assert.throws(() => readSavedModel(malformed), (err: Error) => err.message.startsWith(`${malformed}: cannot read saved parameters`));
      const full = join(dir2, 'full.json');
      saveParams(full, model, deserializeParams(model, good));
      const text = readFileSync(full, 'utf8');
      const truncated = join(dir2, 'truncated.json');
      writeFileSync(truncated, text.slice(0, Math.floor(text.length / 2)));
      assert.throws(() => readSavedModel(truncated), (err: Error) => err.message.startsWith(`${truncated}: cannot read saved parameters`));
      const gz = join(dir2, 'full.json.gz');
      saveParams(gz, model, deserializeParams(model, good));
      const gzTruncated = join(dir2, 'truncated.json.gz');
      const gzBytes = readFileSync(gz);
      writeFileSync(gzTruncated, gzBytes.subarray(0, Math.floor(gzBytes.length / 2)));
      assert.throws(() => readSavedModel(gzTruncated), (err: Error) => err.message.startsWith(`${gzTruncated}: cannot read saved parameters`));
      const missing = join(dir2, 'nope.json');
      assert.throws(() => readSavedModel(missing), (err: Error) => err.message.startsWith(`${missing}: cannot read saved parameters`) && /ENOENT/.test(err.message));
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('checkParams and serializeParams reject a ParamMap that does not fit the model', () => {
    const params = initParams(model, 2);
    const wrong: ParamMap = { ...params, 'head.bias': tf.zeros([4]) };
    assert.throws(() => checkParams(model, wrong), /parameter 'head\.bias' has shape \[4\], the model needs \[5\]/);
    assert.throws(() => serializeParams(model, wrong), /parameter 'head\.bias' has shape \[4\]/);
    const missing: ParamMap = { ...params };
    delete missing['norm.gain'];
    assert.throws(() => checkParams(model, missing), /parameter 'norm\.gain' is missing/);
    checkParams(model, params);
    wrong['head.bias'].dispose();
    disposeParams(params);
  });

  it('initialValues follows each init kind; initParams draws from one seeded stream in spec order', () => {
    const rng = () => new Rng(3, 0x5eed);
    assert.deepEqual([...initialValues({ name: 'z', shape: [2, 2], init: { kind: 'zeros' }, decay: false }, rng())], [0, 0, 0, 0]);
    assert.deepEqual([...initialValues({ name: 'o', shape: [3], init: { kind: 'ones' }, decay: false }, rng())], [1, 1, 1]);
    const u = initialValues({ name: 'u', shape: [2000], init: { kind: 'uniform', limit: 0.5 }, decay: true }, rng());
    assert.ok(u.every((x) => x >= -0.5 && x < 0.5) && Math.min(...u) < -0.45 && Math.max(...u) > 0.45, 'uniform(−0.5, 0.5)');
    const n = initialValues({ name: 'n', shape: [2000], init: { kind: 'normal', std: 0.1 }, decay: true }, rng());
    const r = rng();
    assert.deepEqual([...n.slice(0, 5)], [...Float32Array.from({ length: 5 }, () => 0.1 * r.normal())]);
    // initParams is exactly: one Rng(seed, 0x5eed), specs in order.
    const m = new Transformer({ vocabSize: 3, contextLength: 2, width: 4, heads: 1, layers: 1 });
    const params = initParams(m, 9);
    const stream = new Rng(9, 0x5eed);
    for (const spec of m.parameters) assert.deepEqual(values(params[spec.name]), [...initialValues(spec, stream)], spec.name);
    disposeParams(params);
  });
});
