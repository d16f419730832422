/**
 * The model registry: createModel by kind, configs that rebuild the same model, save → loadModel
 * round trips for every kind, and clear errors for unknown kinds and bad files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { LSTM } from '../lib/models/lstm.js';
import { MLP } from '../lib/models/mlp.js';
import type { ParamMap, SequenceModel } from '../lib/models/model.js';
import { disposeParams, initParams, saveParams } from '../lib/models/params.js';
import { createModel, loadModel, MODEL_KINDS, type ModelSpec } from '../lib/models/registry.js';
import { Transformer } from '../lib/models/transformer.js';
import { testBackends, values } from './helpers.js';

const backends = await testBackends();

interface Case {
  spec: ModelSpec;
  cls: new (args: never) => SequenceModel;
  /** Fields the resolved config must hold (defaults filled in). */
  defaults: Record<string, unknown>;
}

// Tiny models; the specs leave most fields to their defaults.
const CASES: Case[] = [
  {
    spec: { kind: 'transformer', vocabSize: 5, contextLength: 4, width: 8, layers: 1, ffWidth: 8, attention: 'expressive' },
    cls: Transformer,
    defaults: { heads: 2, attention: ['expressive'], positional: 'learned', cis: false, activation: 'relu', initStd: 0.02 },
  },
  {
    spec: { kind: 'lstm', vocabSize: 5, contextLength: 4, hiddenSize: 6 },
    cls: LSTM,
    defaults: { hiddenSize: 6, layers: 1, embeddingSize: 6, initStd: 0.02 },
  },
  {
    spec: { kind: 'mlp', vocabSize: 5, contextLength: 4, hiddenSizes: [8, 6] },
    cls: MLP,
    defaults: { hiddenSizes: [8, 6], activation: 'relu' },
  },
];

const TOKENS = [[0, 4, 2, 1], [3, 3, 0, 2]];

function logits(model: SequenceModel, params: ParamMap): number[] {
  return tf.tidy(() => values(model.apply(params, tf.tensor2d(TOKENS, undefined, 'int32')).logits));
}

describe('model registry', () => {
  it('lists the three kinds', () => {
    assert.deepEqual([...MODEL_KINDS], ['transformer', 'lstm', 'mlp']);
  });

  for (const c of CASES) {
    it(`${c.spec.kind}: createModel builds that class with every default resolved`, () => {
      const model = createModel(c.spec);
      assert.ok(model instanceof c.cls);
      assert.equal(model.kind, c.spec.kind);
      assert.equal(model.vocabSize, 5);
      assert.equal(model.contextLength, 4);
      assert.ok(!('kind' in model.config), 'config must not carry the kind');
      for (const [k, v] of Object.entries(c.defaults)) assert.deepEqual(model.config[k], v, `config.${k}`);
    });

    it(`${c.spec.kind}: createModel({ kind, ...config }) rebuilds an identical model`, () => {
      const model = createModel(c.spec);
      // through JSON, as a saved file stores it
      const again = createModel({ kind: model.kind, ...JSON.parse(JSON.stringify(model.config)) } as ModelSpec);
      assert.deepEqual(again.config, model.config);
      assert.deepEqual(again.parameters, model.parameters);
    });
  }

  it('MLP config does not alias the caller\'s hiddenSizes array', () => {
    const sizes = [8];
    const model = createModel({ kind: 'mlp', vocabSize: 3, contextLength: 2, hiddenSizes: sizes });
    sizes.push(0);
    assert.deepEqual(model.config.hiddenSizes, [8]);
  });

  it('rejects an unknown kind, listing the known ones', () => {
    assert.throws(() => createModel({ kind: 'rnn', vocabSize: 3, contextLength: 2 } as unknown as ModelSpec),
      /unknown model kind "rnn"; known kinds: transformer, lstm, mlp/);
    assert.throws(() => createModel({ vocabSize: 3, contextLength: 2 } as unknown as ModelSpec),
      /unknown model kind undefined; known kinds: transformer, lstm, mlp/);
    assert.throws(() => createModel(null as unknown as ModelSpec), /model spec must be an object with a kind \(transformer, lstm, mlp\)/);
  });

  it('passes bad sizes through to the model\'s own error', () => {
    assert.throws(() => createModel({ kind: 'lstm', vocabSize: 3, contextLength: 2, hiddenSize: -4 }), /hiddenSize must be a positive integer; got -4/);
    assert.throws(() => createModel({ kind: 'mlp', vocabSize: 3, contextLength: 2, hiddenSizes: [] }), /hiddenSizes must be a non-empty array/);
  });
});

for (const backend of backends) {
  describe(`saving and loading models on ${backend}`, () => {
    let dir: string;
    before(async () => {
      await initBackend(backend);
      dir = mkdtempSync(join(tmpdir(), 'ea-registry-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const c of CASES) {
      it(`${c.spec.kind}: save → loadModel gives the same config, parameters and logits, leaking nothing`, () => {
        const start = tf.memory().numTensors;
        const model = createModel(c.spec);
        const params = initParams(model, 3);
        const path = join(dir, `${c.spec.kind}.json`);
        saveParams(path, model, params);
        const loaded = loadModel(path);
        assert.ok(loaded.model instanceof c.cls);
        assert.deepEqual(loaded.model.config, model.config);
        assert.deepEqual(loaded.model.parameters, model.parameters);
        for (const spec of model.parameters) {
          assert.deepEqual(values(loaded.params[spec.name]), values(params[spec.name]), spec.name);
        }
        assert.deepEqual(logits(loaded.model, loaded.params), logits(model, params));
        disposeParams(loaded.params);
        disposeParams(params);
        loaded.model.dispose();
        model.dispose();
        assert.equal(tf.memory().numTensors, start);
      });
    }

    it('loadModel names the file and the problem', () => {
      const missing = join(dir, 'missing.json');
      assert.throws(() => loadModel(missing), new RegExp(`${missing}: cannot read saved parameters`));
      const notModel = join(dir, 'not-a-model.json');
      writeFileSync(notModel, JSON.stringify({ hello: 1 }));
      assert.throws(() => loadModel(notModel), /not-a-model\.json: not a saved model file/);
      const badKind = join(dir, 'bad-kind.json');
      writeFileSync(badKind, JSON.stringify({ format: 'expressive-attention/params@1', kind: 'gru', config: {}, params: {} }));
      assert.throws(() => loadModel(badKind), /bad-kind\.json: cannot rebuild the model: unknown model kind "gru"; known kinds: transformer, lstm, mlp/);
      const badConfig = join(dir, 'bad-config.json');
      writeFileSync(badConfig, JSON.stringify({ format: 'expressive-attention/params@1', kind: 'lstm', config: { vocabSize: 3, contextLength: 2, hiddenSize: 0 }, params: {} }));
      assert.throws(() => loadModel(badConfig), /bad-config\.json: cannot rebuild the model: hiddenSize must be a positive integer; got 0/);
    });

    it('loadModel rejects parameters that do not fit the config, leaking nothing', () => {
      const start = tf.memory().numTensors;
      const small = createModel({ kind: 'lstm', vocabSize: 3, contextLength: 2, hiddenSize: 2 });
      const params = initParams(small, 0);
      const path = join(dir, 'mismatch.json');
      saveParams(path, small, params);
      disposeParams(params);
      const saved = JSON.parse(readFileSync(path, 'utf8'));
      saved.config.hiddenSize = 3; // the file now claims a bigger model than its tensors
      writeFileSync(path, JSON.stringify(saved));
      assert.throws(() => loadModel(path), /mismatch\.json: parameter 'layers\.0\.inputWeight' has shape \[2,8\], the model needs \[2,12\]/);
      assert.equal(tf.memory().numTensors, start);
    });
  });
}
