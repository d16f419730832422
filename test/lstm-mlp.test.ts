/**
 * LSTM and MLP: shapes and parameter layout, causality, shorter sequences, gradients against central
 * finite differences, independent plain-JS implementations, bad input, tensor leaks. On every backend.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { LSTM, type LSTMArgs } from '../lib/models/lstm.js';
import { MLP, type MLPArgs } from '../lib/models/mlp.js';
import { parameterCount, type ParamMap, type SequenceModel } from '../lib/models/model.js';
import { disposeParams, initParams } from '../lib/models/params.js';
import { Rng } from '../lib/util/rng.js';
import { assertClose, checkGradient, randomNormal, testBackends, values } from './helpers.js';

const backends = await testBackends();

/** Parameters N(0, std²) — larger than the init, so the nonlinearities and every path matter. */
function randomParams(model: SequenceModel, seed: number, std = 0.5): ParamMap {
  const rng = new Rng(seed, 7);
  const params: ParamMap = {};
  for (const spec of model.parameters) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    params[spec.name] = tf.tensor(Float32Array.from({ length: n }, () => std * rng.normal()), spec.shape);
  }
  return params;
}

function randomTokens(rng: Rng, B: number, T: number, V: number): number[][] {
  return Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(V)));
}

function logitsOf(model: SequenceModel, params: ParamMap, tokens: number[][]): { data: number[]; shape: number[] } {
  return tf.tidy(() => {
    const y = model.apply(params, tf.tensor2d(tokens, undefined, 'int32')).logits;
    return { data: values(y), shape: y.shape };
  });
}

/** logits[:, :k, :] of a flat [B, T, V] array. */
function firstPositions(data: number[], B: number, T: number, V: number, k: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) out.push(...data.slice(b * T * V, (b * T + k) * V));
  return out;
}

/**
 * The gradient of L = Σ logits ⊙ R (R random, scaled so L is O(1)) w.r.t. each parameter against
 * central finite differences along random directions (the shared `checkGradient`, one group per
 * parameter), and every parameter's gradient is non-zero (each one reaches the logits).
 */
function checkModelGradients(model: SequenceModel, params: ParamMap, tokens: number[][], seed: number): void {
  const [B, T, V] = [tokens.length, tokens[0].length, model.vocabSize];
  const tok = tf.tensor2d(tokens, undefined, 'int32');
  const r = randomNormal([B, T, V], seed, 1 / Math.sqrt(B * T * V));
  try {
    const rows = checkGradient((ps) => tf.sum(tf.mul(model.apply(ps, tok).logits, r)), params,
      { what: `${model.kind} logits`, seed, directions: 2 });
    for (const spec of model.parameters) {
      assert.ok(rows.some((row) => row.group === spec.name && row.analytic !== 0), `gradient of ${spec.name} is zero`);
    }
  } finally {
    tf.dispose([tok, r]);
  }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** torch.nn.LSTM's equations, written out in plain JS from the parameter values (gates i, f, g, o). */
function handLSTM(c: Required<LSTMArgs>, p: Record<string, number[]>, tokens: number[][]): number[] {
  const h = c.hiddenSize;
  const out: number[] = [];
  for (const seq of tokens) {
    // layer input per position: the embedding row of the token
    let xs = seq.map((tok) => p['embedding.weight'].slice(tok * c.embeddingSize, (tok + 1) * c.embeddingSize));
    for (let l = 0; l < c.layers; l++) {
      const Wi = p[`layers.${l}.inputWeight`], Wr = p[`layers.${l}.recurrentWeight`];
      const bi = p[`layers.${l}.inputBias`], br = p[`layers.${l}.recurrentBias`];
      let hPrev = new Array(h).fill(0), cPrev = new Array(h).fill(0);
      const hs: number[][] = [];
      for (const x of xs) {
        const a = Array.from({ length: 4 * h }, (_, k) => {
          let s = bi[k] + br[k];
          x.forEach((xi, i) => { s += xi * Wi[i * 4 * h + k]; });
          hPrev.forEach((hi, i) => { s += hi * Wr[i * 4 * h + k]; });
          return s;
        });
        const cNew = cPrev.map((cj, j) => sigmoid(a[h + j]) * cj + sigmoid(a[j]) * Math.tanh(a[2 * h + j]));
        hPrev = cNew.map((cj, j) => sigmoid(a[3 * h + j]) * Math.tanh(cj));
        cPrev = cNew;
        hs.push(hPrev);
      }
      xs = hs;
    }
    for (const x of xs) {
      for (let v = 0; v < c.vocabSize; v++) {
        out.push(x.reduce((s, xi, i) => s + xi * p['head.weight'][i * c.vocabSize + v], p['head.bias'][v]));
      }
    }
  }
  return out;
}

/** The MLP by its definition: the flattened one-hot window u_t (zero after t) through dense layers. */
function handMLP(c: Required<MLPArgs>, p: Record<string, number[]>, tokens: number[][]): number[] {
  const [T0, V] = [c.contextLength, c.vocabSize];
  const act = (x: number): number => c.activation === 'relu' ? Math.max(0, x)
    : 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  const dense = (x: number[], W: number[], b: number[]): number[] =>
    b.map((bj, j) => x.reduce((s, xi, i) => s + xi * W[i * b.length + j], bj));
  const out: number[] = [];
  for (const seq of tokens) {
    for (let t = 0; t < seq.length; t++) {
      const u = new Array(T0 * V).fill(0);
      for (let s = 0; s <= t; s++) u[s * V + seq[s]] = 1;
      let z = dense(u, p['input.weight'], p['input.bias']).map(act);
      for (let i = 0; i + 1 < c.hiddenSizes.length; i++) z = dense(z, p[`hidden.${i}.weight`], p[`hidden.${i}.bias`]).map(act);
      out.push(...dense(z, p['head.weight'], p['head.bias']));
    }
  }
  return out;
}

interface Case {
  name: string;
  make: () => LSTM | MLP;
  /** Parameter names and shapes, in order. */
  layout: [string, number[]][];
}

// Tiny models: V 5, window 6, widths ≤ 8.
const CASES: Case[] = [
  {
    name: 'LSTM, 1 layer', make: () => new LSTM({ vocabSize: 5, contextLength: 6, hiddenSize: 4 }),
    layout: [['embedding.weight', [5, 4]], ['layers.0.inputWeight', [4, 16]], ['layers.0.recurrentWeight', [4, 16]],
      ['layers.0.inputBias', [16]], ['layers.0.recurrentBias', [16]], ['head.weight', [4, 5]], ['head.bias', [5]]],
  },
  {
    name: 'LSTM, 2 layers, embedding 3', make: () => new LSTM({ vocabSize: 5, contextLength: 6, hiddenSize: 4, layers: 2, embeddingSize: 3 }),
    layout: [['embedding.weight', [5, 3]], ['layers.0.inputWeight', [3, 16]], ['layers.0.recurrentWeight', [4, 16]],
      ['layers.0.inputBias', [16]], ['layers.0.recurrentBias', [16]], ['layers.1.inputWeight', [4, 16]],
      ['layers.1.recurrentWeight', [4, 16]], ['layers.1.inputBias', [16]], ['layers.1.recurrentBias', [16]],
      ['head.weight', [4, 5]], ['head.bias', [5]]],
  },
  {
    name: 'MLP [8], relu', make: () => new MLP({ vocabSize: 5, contextLength: 6, hiddenSizes: [8] }),
    layout: [['input.weight', [6, 5, 8]], ['input.bias', [8]], ['head.weight', [8, 5]], ['head.bias', [5]]],
  },
  {
    name: 'MLP [8, 6], gelu', make: () => new MLP({ vocabSize: 5, contextLength: 6, hiddenSizes: [8, 6], activation: 'gelu' }),
    layout: [['input.weight', [6, 5, 8]], ['input.bias', [8]], ['hidden.0.weight', [8, 6]], ['hidden.0.bias', [6]],
      ['head.weight', [6, 5]], ['head.bias', [5]]],
  },
];

for (const backend of backends) {
  describe(`LSTM and MLP on ${backend}`, () => {
    before(async () => { await initBackend(backend); });

    for (const c of CASES) {
      describe(c.name, () => {
        it('has the documented parameter layout and logits [B, T, V]', () => {
          const model = c.make();
          assert.deepEqual(model.parameters.map((p) => [p.name, p.shape]), c.layout);
          assert.equal(parameterCount(model), c.layout.reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0));
          const params = initParams(model, 1);
          const out = logitsOf(model, params, randomTokens(new Rng(1), 3, 6, 5));
          assert.deepEqual(out.shape, [3, 6, 5]);
          assert.ok(out.data.every(Number.isFinite));
          disposeParams(params);
        });

        it('is causal: later tokens do not change earlier logits', () => {
          const model = c.make();
          const params = randomParams(model, 2);
          const rng = new Rng(2);
          const a = randomTokens(rng, 2, 6, 5);
          for (const k of [1, 3, 5]) {
            const b = a.map((row) => row.map((tok, t) => (t >= k ? (tok + 1 + rng.int(4)) % 5 : tok)));
            const ya = logitsOf(model, params, a).data;
            const yb = logitsOf(model, params, b).data;
            assertClose(firstPositions(yb, 2, 6, 5, k), firstPositions(ya, 2, 6, 5, k), `positions < ${k}`, 0, 1e-6);
            // and the change is visible from position k on (the test could fail)
            assert.ok(yb.some((v, i) => Math.abs(v - ya[i]) > 1e-4), `changing tokens ≥ ${k} changed nothing`);
          }
          disposeParams(params);
        });

        it('on T < contextLength gives the prefix of the full output', () => {
          const model = c.make();
          const params = randomParams(model, 3);
          const tokens = randomTokens(new Rng(3), 2, 6, 5);
          const full = logitsOf(model, params, tokens).data;
          for (const T of [1, 4]) {
            const part = logitsOf(model, params, tokens.map((row) => row.slice(0, T)));
            assert.deepEqual(part.shape, [2, T, 5]);
            assertClose(part.data, firstPositions(full, 2, 6, 5, T), `T = ${T}`, 1e-5, 1e-6);
          }
          disposeParams(params);
        });

        it('matches an independent plain-JS implementation', () => {
          const model = c.make();
          const params = randomParams(model, 4);
          const tokens = randomTokens(new Rng(4), 2, 5, 5); // T 5 < contextLength 6
          const p = Object.fromEntries(Object.entries(params).map(([n, t]) => [n, values(t)]));
          const expected = model instanceof LSTM ? handLSTM(model.config, p, tokens) : handMLP(model.config as Required<MLPArgs>, p, tokens);
          assertClose(logitsOf(model, params, tokens).data, expected, 'logits', 1e-4, 1e-5);
          disposeParams(params);
        });

        it('has gradients w.r.t. every parameter that match central finite differences', () => {
          const model = c.make();
          const params = randomParams(model, 5);
          checkModelGradients(model, params, randomTokens(new Rng(5), 2, 6, 5), 5);
          disposeParams(params);
        });

        it('leaks no tensors (forward and gradient)', () => {
          const model = c.make();
          const params = randomParams(model, 6);
          const tokens = tf.tensor2d(randomTokens(new Rng(6), 2, 6, 5), undefined, 'int32');
          const before = tf.memory().numTensors;
          tf.tidy(() => {
            model.apply(params, tokens);
            const names = model.parameters.map((s) => s.name);
            tf.grads((...ts: tf.Tensor[]) => tf.sum(model.apply(Object.fromEntries(names.map((n, i) => [n, ts[i]])), tokens).logits))(
              names.map((n) => params[n]));
          });
          model.dispose();
          assert.equal(tf.memory().numTensors, before);
          tokens.dispose();
          disposeParams(params);
        });
      });
    }

    it('LSTM: one step by hand (1 token, h = 1, V = 2)', () => {
      // Gates from inputWeight columns [i f g o] = [1 2 3 4] on an embedding value 0.5, biases 0.1 + 0.0:
      // pre = [0.6, 1.1, 1.6, 2.1]; c = σ(0.6)·tanh(1.6); h = σ(2.1)·tanh(c); logit = 2h − 1.
      const model = new LSTM({ vocabSize: 2, contextLength: 1, hiddenSize: 1 });
      const params: ParamMap = {
        'embedding.weight': tf.tensor([[0.5], [-7]], [2, 1]),
        'layers.0.inputWeight': tf.tensor([[1, 2, 3, 4]], [1, 4]),
        'layers.0.recurrentWeight': tf.tensor([[9, 9, 9, 9]], [1, 4]), // unused at t = 0 (h₀ = 0)
        'layers.0.inputBias': tf.tensor([0.1, 0.1, 0.1, 0.1]),
        'layers.0.recurrentBias': tf.tensor([0, 0, 0, 0]),
        'head.weight': tf.tensor([[2, 0]], [1, 2]),
        'head.bias': tf.tensor([-1, 3]),
      };
      const cell = sigmoid(0.6) * Math.tanh(1.6);
      const h = sigmoid(2.1) * Math.tanh(cell);
      assertClose(logitsOf(model, params, [[0]]).data, [2 * h - 1, 3], 'logits', 1e-6, 1e-6);
      disposeParams(params);
    });

    it('MLP: the prediction at position 0 depends on token 0 only', () => {
      const model = new MLP({ vocabSize: 5, contextLength: 6, hiddenSizes: [8] });
      const params = randomParams(model, 7);
      const first = (tokens: number[][]): number[] => firstPositions(logitsOf(model, params, tokens).data, 1, 6, 5, 1);
      const base = first([[2, 0, 1, 3, 4, 0]]);
      assertClose(first([[2, 4, 4, 0, 1, 2]]), base, 'position 0 after changing tokens 1..5', 0, 1e-6);
      assert.ok(first([[3, 0, 1, 3, 4, 0]]).some((v, i) => Math.abs(v - base[i]) > 1e-4), 'token 0 had no effect');
      disposeParams(params);
    });

    it('MLP weights depend on the absolute position: [1, 2] and [2, 1] differ at position 1', () => {
      // With one weight matrix shared by all positions, u·W₁ would be the same for both orders.
      const model = new MLP({ vocabSize: 5, contextLength: 6, hiddenSizes: [8] });
      const params = randomParams(model, 8);
      const a = logitsOf(model, params, [[1, 2]]).data.slice(5);
      const b = logitsOf(model, params, [[2, 1]]).data.slice(5);
      assert.ok(a.some((v, i) => Math.abs(v - b[i]) > 1e-4), 'the order of the tokens made no difference');
      disposeParams(params);
    });
  });
}

describe('LSTM and MLP: bad input', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['LSTM vocabSize 0', () => new LSTM({ vocabSize: 0, contextLength: 4 }), /vocabSize must be a positive integer; got 0/],
    ['LSTM contextLength 2.5', () => new LSTM({ vocabSize: 3, contextLength: 2.5 }), /contextLength must be a positive integer; got 2.5/],
    ['LSTM hiddenSize 0', () => new LSTM({ vocabSize: 3, contextLength: 4, hiddenSize: 0 }), /hiddenSize must be a positive integer; got 0/],
    ['LSTM layers −1', () => new LSTM({ vocabSize: 3, contextLength: 4, layers: -1 }), /layers must be a positive integer; got -1/],
    ['LSTM embeddingSize 0', () => new LSTM({ vocabSize: 3, contextLength: 4, embeddingSize: 0 }), /embeddingSize must be a positive integer; got 0/],
    ['LSTM initStd −1', () => new LSTM({ vocabSize: 3, contextLength: 4, initStd: -1 }), /initStd must be a positive number; got -1/],
    ['MLP vocabSize −2', () => new MLP({ vocabSize: -2, contextLength: 4 }), /vocabSize must be a positive integer; got -2/],
    ['MLP contextLength 0', () => new MLP({ vocabSize: 3, contextLength: 0 }), /contextLength must be a positive integer; got 0/],
    ['MLP hiddenSizes []', () => new MLP({ vocabSize: 3, contextLength: 4, hiddenSizes: [] }), /hiddenSizes must be a non-empty array/],
    ['MLP hiddenSizes [8, 0]', () => new MLP({ vocabSize: 3, contextLength: 4, hiddenSizes: [8, 0] }), /hiddenSizes\[1\] must be a positive integer; got 0/],
    ['MLP activation tanh', () => new MLP({ vocabSize: 3, contextLength: 4, activation: 'tanh' as 'relu' }), /activation must be one of relu, gelu; got "tanh"/],
  ];
  for (const [name, make, message] of cases) it(name, () => assert.throws(make, message));

  it('tokens longer than contextLength or not int32', async () => {
    await initBackend(backends[0]);
    for (const model of [new LSTM({ vocabSize: 3, contextLength: 2 }), new MLP({ vocabSize: 3, contextLength: 2 })]) {
      const params = initParams(model, 0);
      const long = tf.tensor2d([[0, 1, 2]], undefined, 'int32');
      const floats = tf.tensor2d([[0, 1]], undefined, 'float32');
      assert.throws(() => model.apply(params, long), /tokens has 3 positions but contextLength is 2/);
      assert.throws(() => model.apply(params, floats), /tokens must be int32/);
      tf.dispose([long, floats]);
      disposeParams(params);
    }
  });
});
