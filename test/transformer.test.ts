/**
 * The transformer / cisformer: logits and attention against an independent float64 reference written
 * here in plain JS, causality, shorter inputs, returned attention, parameter count, gradients of all
 * parameters against finite differences, determinism across runs and backends, no leaks, bad input.
 * Models are tiny (width 8, T ≤ 6) so that the whole file runs in seconds on every backend.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { ATTENTION_RULES } from '../lib/attention/registry.js';
import { parameterCount, type ParamMap } from '../lib/models/model.js';
import { disposeParams, initParams } from '../lib/models/params.js';
import { sinusoidalPositions } from '../lib/models/layers.js';
import { Transformer, type TransformerArgs, type TransformerConfig } from '../lib/models/transformer.js';
import { Rng } from '../lib/util/rng.js';
import { assertClose, checkGradient, randomNormal, referenceWeights, testBackends, values } from './helpers.js';

// Resolved once, before any suite runs: a second, concurrent testBackends() (e.g. in a before hook) races
// with this one over the active backend, and testBackends() silently drops a backend whose init threw.
const BACKENDS = await testBackends();

/** Tiny model; initStd 0.3 so attention is far from uniform and every nonlinearity matters. */
const TINY: TransformerArgs = { vocabSize: 5, contextLength: 4, width: 8, heads: 2, ffWidth: 12, layers: 2, initStd: 0.3 };

/** Rules scaled by 1/√d_head by default (papers.md: DPA and Cog; our expressive-softmax); the rest unscaled. */
const SCALED_BY_DEFAULT = new Set(['dot-product', 'cog', 'expressive-softmax']);

function tokensTensor(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows, undefined, 'int32');
}

function randomTokens(B: number, T: number, V: number, seed: number): number[][] {
  const rng = new Rng(seed, 0x70c);
  return Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(V)));
}

function paramValues(params: ParamMap): Record<string, number[]> {
  return Object.fromEntries(Object.entries(params).map(([n, t]) => [n, values(t)]));
}

/**
 * The model's forward pass in float64 plain JS, written from the doc of transformer.ts (pre-LN,
 * fused qkv with columns q|k|v and head h at h·dh..(h+1)·dh inside each, weights [in, out], per-position
 * weights [T₀, in, out] in a cisformer), independent of the tfjs code. Returns logits [B, T, V] and
 * attention [B, H, T, T] per layer, flat.
 */
function referenceForward(c: TransformerConfig, P: Record<string, number[]>, tokens: number[][]): { logits: number[]; attention: number[][] } {
  const d = c.width;
  const H = c.heads;
  const dh = d / H;
  const T = tokens[0].length;
  const cisFF = c.cis && c.cisFeedForward;
  const linear = (x: number[], name: string, t: number | null, outDim: number): number[] => {
    const W = P[`${name}.weight`];
    const bias = P[`${name}.bias`];
    const inDim = x.length;
    const wo = t === null ? 0 : t * inDim * outDim;
    const bo = t === null ? 0 : t * outDim;
    return Array.from({ length: outDim }, (_, o) => {
      let y = bias[bo + o];
      for (let i = 0; i < inDim; i++) y += x[i] * W[wo + i * outDim + o];
      return y;
    });
  };
  const layerNorm = (x: number[], name: string): number[] => {
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * P[`${name}.gain`][i] + P[`${name}.bias`][i]);
  };
  const act = (x: number): number => (c.activation === 'relu' ? Math.max(0, x)
    : 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))));
  const scaleOf = (rule: string): number => {
    const s = c.scoreScale;
    if (s === 'rule-default') return SCALED_BY_DEFAULT.has(rule) ? 1 / Math.sqrt(dh) : 1;
    if (s === 'inverse-sqrt-head') return 1 / Math.sqrt(dh);
    if (s === 'none') return 1;
    return s;
  };
  const logits: number[] = [];
  const attention: number[][] = Array.from({ length: c.layers }, () => []);
  for (const row of tokens) {
    let h = row.map((tok, t) => Array.from({ length: d }, (_, k) =>
      P['embedding.weight'][tok * d + k] + (c.positional === 'learned' ? P['position.weight'][t * d + k]
        : c.positional === 'sinusoidal' ? Math.fround((k % 2 ? Math.cos : Math.sin)(t * Math.exp((-(k - (k % 2)) / d) * Math.log(10000)))) : 0)));
    for (let l = 0; l < c.layers; l++) {
      const p = `layers.${l}`;
      const rule = c.attention[l];
      const scale = scaleOf(rule);
      const qkv = h.map((x, t) => linear(layerNorm(x, `${p}.norm1`), `${p}.attention.qkv`, c.cis ? t : null, 3 * d));
      const mixed = h.map(() => Array(d).fill(0) as number[]);
      for (let hd = 0; hd < H; hd++) {
        for (let i = 0; i < T; i++) {
          const s = Array.from({ length: i + 1 }, (_, j) => {
            let dot = 0;
            for (let k = 0; k < dh; k++) dot += qkv[i][hd * dh + k] * qkv[j][d + hd * dh + k];
            return scale * dot;
          });
          const alpha = referenceWeights(rule, s, c.attentionOptions.temperature ?? 1);
          attention[l].push(...alpha, ...Array(T - i - 1).fill(0));
          for (let j = 0; j <= i; j++) for (let k = 0; k < dh; k++) mixed[i][hd * dh + k] += alpha[j] * qkv[j][2 * d + hd * dh + k];
        }
      }
      h = h.map((x, t) => linear(mixed[t], `${p}.attention.out`, null, d).map((y, k) => x[k] + y));
      if (c.feedForward === false) continue;
      h = h.map((x, t) => {
        const hidden = linear(layerNorm(x, `${p}.norm2`), `${p}.ff.in`, cisFF ? t : null, c.ffWidth).map(act);
        return linear(hidden, `${p}.ff.out`, cisFF ? t : null, d).map((y, k) => x[k] + y);
      });
    }
    for (const x of h) logits.push(...linear(layerNorm(x, 'norm'), 'head', null, c.vocabSize));
  }
  // Batch rows are the outer loop and heads the next, so each layer's list is [B, H, T, T].
  return { logits, attention };
}

/** Reference configurations: every rule, and each architectural option at least once. */
const CONFIGS: Record<string, TransformerArgs> = {
  ...Object.fromEntries(ATTENTION_RULES.map((r) => [r, { ...TINY, attention: r }])),
  'cis, expressive': { ...TINY, attention: 'expressive', cis: true },
  'cis + cisFeedForward, cog, gelu': { ...TINY, attention: 'cog', cis: true, cisFeedForward: true, activation: 'gelu' },
  'positional none, signed-expressive': { ...TINY, attention: 'signed-expressive', positional: 'none' },
  'positional sinusoidal, dot-product': { ...TINY, attention: 'dot-product', positional: 'sinusoidal' },
  'attention only (feedForward false), cog': { ...TINY, attention: 'cog', feedForward: false },
  "per-layer ['dot-product', 'cog', 'dot-product']": { ...TINY, layers: 3, attention: ['dot-product', 'cog', 'dot-product'] },
  'scoreScale 0.7, expressive': { ...TINY, attention: 'expressive', scoreScale: 0.7 },
  "scoreScale 'inverse-sqrt-head', expressive-ratio": { ...TINY, attention: 'expressive-ratio', scoreScale: 'inverse-sqrt-head' },
  "scoreScale 'none', dot-product": { ...TINY, attention: 'dot-product', scoreScale: 'none' },
  'expressive-softmax τ = 2': { ...TINY, attention: 'expressive-softmax', attentionOptions: { temperature: 2 } },
};

/** Σ c⊙logits with fixed random c: a scalar touching every logit, O(1) in size. */
function linearLoss(model: Transformer, tokens: tf.Tensor2D, c: tf.Tensor) {
  return (params: Record<string, tf.Tensor>): tf.Scalar => tf.sum(tf.mul(c, model.apply(params, tokens).logits));
}

// Values from the first backend, to compare the others with (determinism across backends).
let firstBackend: { name: string; params: Record<string, number[]>; logits: number[] } | undefined;

for (const backend of BACKENDS) {
  describe(`transformer on ${backend}`, () => {
    before(async () => { await initBackend(backend); });

    describe('logits and attention match the float64 reference', () => {
      for (const [label, args] of Object.entries(CONFIGS)) {
        it(label, () => {
          const model = new Transformer(args);
          const params = initParams(model, 1);
          const P = paramValues(params);
          // T = contextLength and a shorter T (which slices positional and cis weights).
          for (const T of [model.contextLength, 2]) {
            const rows = randomTokens(2, T, model.vocabSize, 2 + T);
            const tokens = tokensTensor(rows);
            const ref = referenceForward(model.config, P, rows);
            const out = tf.tidy(() => {
              const o = model.apply(params, tokens, { returnAttention: true });
              return { logits: values(o.logits), shape: o.logits.shape, attention: o.attention!.map(values), aShapes: o.attention!.map((a) => a.shape) };
            });
            assert.deepEqual(out.shape, [2, T, model.vocabSize], 'logits shape');
            assert.equal(out.attention.length, model.config.layers, 'one attention tensor per layer');
            for (const s of out.aShapes) assert.deepEqual(s, [2, model.config.heads, T, T], 'attention shape');
            assertClose(out.logits, ref.logits, `${label}, T=${T}: logits`, 1e-4, 1e-5);
            out.attention.forEach((a, l) => assertClose(a, ref.attention[l], `${label}, T=${T}: attention of layer ${l}`, 1e-4, 1e-6));
            tokens.dispose();
          }
          disposeParams(params);
          model.dispose();
        });
      }
    });

    describe('causality: changing tokens after t leaves logits at positions ≤ t unchanged', () => {
      for (const rule of ATTENTION_RULES) {
        for (const cis of [false, true]) {
          for (const positional of ['learned', 'sinusoidal', 'none'] as const) {
            it(`${rule}, cis ${cis}, positional ${positional}`, () => {
              const T = 6;
              const model = new Transformer({ ...TINY, contextLength: T, attention: rule, cis, cisFeedForward: cis, positional });
              const params = initParams(model, 3);
              const V = model.vocabSize;
              const base = randomTokens(2, T, V, 4);
              const run = (rows: number[][]): number[] => tf.tidy(() => values(model.apply(params, tokensTensor(rows)).logits));
              const baseLogits = run(base);
              for (const t of [0, 2, 4]) {
                // Every later token replaced by a different one.
                const changed = base.map((row, b) => row.map((x, j) => (j > t ? (x + 1 + ((b + j) % (V - 1))) % V : x)));
                const logits = run(changed);
                const upTo = (xs: number[], b: number, n: number): number[] => xs.slice(b * T * V, b * T * V + n * V);
                for (let b = 0; b < 2; b++) {
                  assert.deepEqual(upTo(logits, b, t + 1), upTo(baseLogits, b, t + 1), `positions ≤ ${t} of row ${b} changed`);
                  // Not vacuous: position t+1 sees its own new token.
                  assert.notDeepEqual(upTo(logits, b, t + 2).slice((t + 1) * V), upTo(baseLogits, b, t + 2).slice((t + 1) * V),
                    `position ${t + 1} of row ${b} did not change`);
                }
              }
              disposeParams(params);
              model.dispose();
            });
          }
        }
      }
    });

    it('T < contextLength gives the logits of the prefix of a longer input', () => {
      for (const args of [{ ...TINY, contextLength: 6 }, { ...TINY, contextLength: 6, cis: true, cisFeedForward: true, attention: 'expressive' }]) {
        const model = new Transformer(args);
        const params = initParams(model, 5);
        const rows = randomTokens(2, 6, model.vocabSize, 6);
        const V = model.vocabSize;
        const full = tf.tidy(() => values(model.apply(params, tokensTensor(rows)).logits));
        for (const T of [1, 3, 5]) {
          const part = tf.tidy(() => values(model.apply(params, tokensTensor(rows.map((r) => r.slice(0, T)))).logits));
          const prefix = [0, 1].flatMap((b) => full.slice(b * 6 * V, b * 6 * V + T * V));
          assertClose(part, prefix, `cis ${args.cis ?? false}, T=${T}`, 1e-5, 1e-6);
        }
        disposeParams(params);
        model.dispose();
      }
    });

    describe('returned attention: [B, H, T, T] per layer, masked entries exactly 0, rows normalised', () => {
      const cases: Record<string, TransformerArgs> = {
        ...Object.fromEntries(ATTENTION_RULES.map((r) => [r, { ...TINY, contextLength: 5, attention: r }])),
        "['dot-product', 'cog', 'dot-product']": { ...TINY, contextLength: 5, layers: 3, attention: ['dot-product', 'cog', 'dot-product'] },
      };
      for (const [label, args] of Object.entries(cases)) {
        it(label, () => {
          const model = new Transformer(args);
          const params = initParams(model, 8);
          const T = 5;
          const H = model.config.heads;
          const tokens = tokensTensor(randomTokens(3, T, model.vocabSize, 9));
          const plain = tf.tidy(() => model.apply(params, tokens).attention === undefined);
          assert.ok(plain, 'attention returned although not asked for');
          const attention = tf.tidy(() => model.apply(params, tokens, { returnAttention: true }).attention!.map((a) => ({ shape: a.shape, v: values(a) })));
          assert.equal(attention.length, model.config.layers);
          attention.forEach(({ shape, v }, l) => {
            assert.deepEqual(shape, [3, H, T, T]);
            const signed = model.config.attention[l] === 'cog' || model.config.attention[l] === 'signed-expressive';
            let negatives = 0;
            for (let r = 0; r < 3 * H; r++) for (let i = 0; i < T; i++) {
              let sum = 0;
              for (let j = 0; j < T; j++) {
                const a = v[(r * T + i) * T + j];
                if (j > i) assert.ok(a === 0, `layer ${l}: masked weight [${r}, ${i}, ${j}] = ${a}`);
                if (a < 0) negatives++;
                sum += signed ? Math.abs(a) : a;
              }
              assertClose([sum], [1], `layer ${l} (${model.config.attention[l]}): row ${i} of head-batch ${r}`, 1e-5);
            }
            if (signed) assert.ok(negatives > 0, `layer ${l} (${model.config.attention[l]}) has no negative weight at all`);
            else assert.equal(negatives, 0, `layer ${l} (${model.config.attention[l]}) has negative weights`);
          });
          tokens.dispose();
          disposeParams(params);
          model.dispose();
        });
      }
    });

    describe('gradients of all parameters match central finite differences', () => {
      const gradConfigs: Record<string, TransformerArgs> = {
        ...Object.fromEntries(ATTENTION_RULES.map((r) => [r, { ...TINY, attention: r }])),
        'cis, expressive': { ...TINY, attention: 'expressive', cis: true },
        'cis + cisFeedForward, dot-product': { ...TINY, attention: 'dot-product', cis: true, cisFeedForward: true },
        'cis + cisFeedForward, cog, gelu': { ...TINY, attention: 'cog', cis: true, cisFeedForward: true, activation: 'gelu' },
        'gelu, positional none, signed-expressive': { ...TINY, attention: 'signed-expressive', activation: 'gelu', positional: 'none' },
        'cis, positional sinusoidal, expressive': { ...TINY, attention: 'expressive', cis: true, positional: 'sinusoidal' },
        'attention only (feedForward false), cis, expressive': { ...TINY, attention: 'expressive', cis: true, feedForward: false },
        "per-layer ['cog', 'expressive']": { ...TINY, attention: ['cog', 'expressive'] },
      };
      for (const [label, args] of Object.entries(gradConfigs)) {
        it(label, () => {
          const model = new Transformer(args);
          const params = initParams(model, 11);
          const tokens = tokensTensor(randomTokens(2, model.contextLength, model.vocabSize, 12));
          const c = randomNormal([2, model.contextLength, model.vocabSize], 13);
          const loss = linearLoss(model, tokens, c);
          // Every parameter gets a finite, nonzero gradient (none is disconnected).
          const names = model.parameters.map((p) => p.name);
          const norms = tf.tidy(() => {
            const g = tf.grads((...xs: tf.Tensor[]) => loss(Object.fromEntries(names.map((n, i) => [n, xs[i]]))))(names.map((n) => params[n]));
            return g.map((t) => tf.norm(t).dataSync()[0]);
          });
          names.forEach((n, i) => assert.ok(Number.isFinite(norms[i]) && norms[i] > 0, `${label}: gradient of '${n}' has norm ${norms[i]}`));
          // One random direction inside each parameter tensor.
          // Small step: with initStd 0.3 some of the ~200 relu units (and Cog scores) lie within 1e-2 of
          // their kink; checkGradient redraws the rare direction that still crosses one.
          const rows = checkGradient(loss, params, { what: label, directions: 1, step: 1e-3, rtol: 1e-2, atol: 3e-3, seed: 14 });
          assert.equal(rows.length, names.length, 'one direction per parameter tensor');
          const redrawn = rows.reduce((n, r) => n + r.redrawn, 0);
          if (process.env.EA_DEBUG_GRADIENTS) console.log(label, rows.map((r) => `${r.group} ${r.analytic.toFixed(4)} ${r.numeric.toFixed(4)} ${r.redrawn}`));
          assert.ok(redrawn <= names.length / 4, `${label}: ${redrawn} directions redrawn: the check would be mostly skipping`);
          tf.dispose([tokens, c]);
          disposeParams(params);
          model.dispose();
        });
      }
    });

    describe('determinism', () => {
      const args: TransformerArgs = { ...TINY, attention: ['expressive', 'cog'], cis: true };

      it('initParams: same seed ⇒ identical values, different seeds differ, inits as specified', () => {
        const model = new Transformer(args);
        const a = initParams(model, 42);
        const b = initParams(model, 42);
        const c = initParams(model, 43);
        for (const spec of model.parameters) {
          assert.deepEqual(values(a[spec.name]), values(b[spec.name]), `${spec.name} differs for the same seed`);
          assert.deepEqual(a[spec.name].shape, spec.shape);
          const v = values(a[spec.name]);
          if (spec.init.kind === 'normal') {
            assert.notDeepEqual(v, values(c[spec.name]), `${spec.name} equal for seeds 42 and 43`);
            const std = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
            assert.ok(Math.abs(std - spec.init.std) < 0.35 * spec.init.std, `${spec.name}: std ${std}, init std ${spec.init.std}`);
          } else if (spec.init.kind === 'zeros') {
            assert.ok(v.every((x) => x === 0), `${spec.name} not zeros`);
          } else if (spec.init.kind === 'ones') {
            assert.ok(v.every((x) => x === 1), `${spec.name} not ones`);
          }
        }
        // Distinct tensors do not share values (each draws its own part of the stream).
        assert.notDeepEqual(values(a['layers.0.attention.qkv.weight']).slice(0, 20), values(a['layers.1.attention.qkv.weight']).slice(0, 20));
        [a, b, c].forEach(disposeParams);
        model.dispose();
      });

      it('forward twice on one backend is bit-identical; initParams is bit-identical across backends', () => {
        const model = new Transformer(args);
        const params = initParams(model, 42);
        const tokens = tokensTensor(randomTokens(2, 4, 5, 43));
        const run = (): number[] => tf.tidy(() => values(model.apply(params, tokens).logits));
        const logits = run();
        assert.deepEqual(run(), logits, 'second forward pass differs');
        const P = paramValues(params);
        if (!firstBackend) {
          firstBackend = { name: backend, params: P, logits };
        } else {
          for (const n of Object.keys(P)) {
            assert.deepEqual(P[n], firstBackend.params[n], `initParams '${n}' differs between ${firstBackend.name} and ${backend}`);
          }
          // Different kernels round differently: close, not identical.
          assertClose(logits, firstBackend.logits, `logits on ${backend} vs ${firstBackend.name}`, 1e-4, 1e-5);
        }
        tokens.dispose();
        disposeParams(params);
        model.dispose();
      });
    });

    it('leaks no tensors: apply and gradients inside tidy; dispose frees the cached masks', () => {
      const model = new Transformer({ ...TINY, contextLength: 5, attention: ['signed-expressive', 'cog'], cis: true, cisFeedForward: true });
      const params = initParams(model, 1);
      const tokens = tokensTensor(randomTokens(2, 5, 5, 2));
      const short = tokensTensor(randomTokens(2, 3, 5, 3));
      const names = model.parameters.map((p) => p.name);
      const step = (tok: tf.Tensor2D): void => tf.tidy(() => {
        model.apply(params, tok, { returnAttention: true });
        tf.grads((...xs: tf.Tensor[]) => tf.sum(model.apply(Object.fromEntries(names.map((n, i) => [n, xs[i]])), tok).logits) as tf.Scalar)(names.map((n) => params[n]));
      });
      step(tokens);
      step(short); // warm-up: builds the masks for T = 5 and T = 3 once
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) { step(tokens); step(short); }
      assert.equal(tf.memory().numTensors, before, 'tensors leaked per step');
      model.dispose();
      assert.equal(tf.memory().numTensors, before - 4, 'dispose() should free 2 masks × 2 lengths');
      tf.dispose([tokens, short]);
      disposeParams(params);
    });
  });
}

describe('transformer configuration', () => {
  before(async () => { await initBackend(BACKENDS[0]); });

  it('sinusoidal positions: hand values of the table; no parameters', () => {
    // d = 4: frequencies 1 and 1/10000^(2/4) = 0.01.
    const P = sinusoidalPositions(3, 4);
    const expected = [0, 1, 0, 1, Math.sin(1), Math.cos(1), Math.sin(0.01), Math.cos(0.01), Math.sin(2), Math.cos(2), Math.sin(0.02), Math.cos(0.02)];
    assert.deepEqual([...P], expected.map(Math.fround));
    const plain = new Transformer({ vocabSize: 5, contextLength: 4, width: 8, positional: 'none' });
    const sinusoidal = new Transformer({ vocabSize: 5, contextLength: 4, width: 8, positional: 'sinusoidal' });
    assert.equal(parameterCount(sinusoidal), parameterCount(plain));
  });

  it('parameterCount matches the hand formula (plain, cis, cis + cisFeedForward, no positions, attention only)', () => {
    const V = 7, T = 5, d = 8, f = 12, L = 3;
    const block = (qkv: number, ff: number): number =>
      2 * d /* norm1 */ + qkv + (d * d + d) /* out */ + 2 * d /* norm2 */ + ff;
    const qkvShared = d * 3 * d + 3 * d;
    const ffShared = (d * f + f) + (f * d + d);
    const outer = V * d /* embedding */ + 2 * d /* final norm */ + (d * V + V) /* head */;
    const cases: [TransformerArgs, number][] = [
      [{ vocabSize: V, contextLength: T, width: d, ffWidth: f, layers: L }, outer + T * d + L * block(qkvShared, ffShared)],
      [{ vocabSize: V, contextLength: T, width: d, ffWidth: f, layers: L, positional: 'none' }, outer + L * block(qkvShared, ffShared)],
      [{ vocabSize: V, contextLength: T, width: d, ffWidth: f, layers: L, cis: true }, outer + T * d + L * block(T * qkvShared, ffShared)],
      [{ vocabSize: V, contextLength: T, width: d, ffWidth: f, layers: L, cis: true, cisFeedForward: true }, outer + T * d + L * block(T * qkvShared, T * ffShared)],
      [{ vocabSize: V, contextLength: T, width: d, ffWidth: f, layers: L, feedForward: false }, outer + T * d + L * (block(qkvShared, 0) - 2 * d /* no norm2 */)],
    ];
    for (const [args, expected] of cases) {
      assert.equal(parameterCount(new Transformer(args)), expected, JSON.stringify(args));
    }
    // Concretely, for the first case: 56 + 16 + 63 + 40 + 3·(16 + 216 + 72 + 16 + 108 + 104) = 1771.
    assert.equal(parameterCount(new Transformer(cases[0][0])), 1771);
  });

  it('parameter names are unique and as documented; defaults are filled in', () => {
    const model = new Transformer({ vocabSize: 3, contextLength: 4, layers: 1, width: 4, heads: 1 });
    const names = model.parameters.map((p) => p.name);
    assert.equal(new Set(names).size, names.length, 'duplicate parameter names');
    assert.deepEqual([...names].sort(), [
      'embedding.weight', 'head.bias', 'head.weight',
      'layers.0.attention.out.bias', 'layers.0.attention.out.weight', 'layers.0.attention.qkv.bias', 'layers.0.attention.qkv.weight',
      'layers.0.ff.in.bias', 'layers.0.ff.in.weight', 'layers.0.ff.out.bias', 'layers.0.ff.out.weight',
      'layers.0.norm1.bias', 'layers.0.norm1.gain', 'layers.0.norm2.bias', 'layers.0.norm2.gain',
      'norm.bias', 'norm.gain', 'position.weight',
    ]);
    for (const p of model.parameters) {
      assert.equal(p.decay, p.name.endsWith('.weight'), `${p.name}: decay ${p.decay}`);
    }
    const c = new Transformer({ vocabSize: 3, contextLength: 4 }).config;
    assert.deepEqual({ width: c.width, layers: c.layers, heads: c.heads, ffWidth: c.ffWidth, attention: c.attention, positional: c.positional, cis: c.cis, activation: c.activation },
      { width: 64, layers: 2, heads: 2, ffWidth: 256, attention: ['dot-product', 'dot-product'], positional: 'learned', cis: false, activation: 'relu' });
  });

  it('rejects bad sizes, naming the parameter', () => {
    const base = { vocabSize: 5, contextLength: 4, width: 8, heads: 2 };
    for (const field of ['vocabSize', 'contextLength', 'width', 'layers', 'heads', 'ffWidth'] as const) {
      for (const bad of [0, -1, 2.5, Number.NaN, '4' as unknown as number]) {
        assert.throws(() => new Transformer({ ...base, [field]: bad }), new RegExp(`${field} must be a positive integer`), `${field} = ${bad}`);
      }
    }
    assert.throws(() => new Transformer({ ...base, width: 10, heads: 4 }), (err: Error) =>
      /heads must divide width/.test(err.message) && /width 10/.test(err.message) && /heads 4/.test(err.message));
    assert.throws(() => new Transformer({ ...base, initStd: 0 }), /initStd must be a positive finite number/);
    assert.throws(() => new Transformer({ ...base, initStd: -0.1 }), /initStd/);
    assert.throws(() => new Transformer({ ...base, initStd: Infinity }), /initStd/);
    assert.throws(() => new Transformer({ ...base, cisFeedForward: true }), /cisFeedForward: true needs cis: true/);
    assert.throws(() => new Transformer({ ...base, cis: 'yes' as unknown as boolean }), /cis must be true or false/);
    assert.throws(() => new Transformer({ ...base, feedForward: 0 as unknown as boolean }), /feedForward must be true or false; got 0/);
    assert.throws(() => new Transformer({ ...base, cis: true, cisFeedForward: true, feedForward: false }), /cisFeedForward: true needs feedForward: true/);
  });

  it('rejects unknown rules (listing the known ones) and a wrong number of per-layer rules', () => {
    assert.throws(() => new Transformer({ vocabSize: 5, contextLength: 4, attention: 'softmax' }), (err: Error) =>
      /unknown attention rule 'softmax'/.test(err.message) && ATTENTION_RULES.every((r) => err.message.includes(r)));
    assert.throws(() => new Transformer({ vocabSize: 5, contextLength: 4, layers: 2, attention: ['dot-product', 'kog'] }), /unknown attention rule 'kog'/);
    assert.throws(() => new Transformer({ vocabSize: 5, contextLength: 4, layers: 3, attention: ['dot-product', 'cog'] }),
      /attention must be one rule name or one per layer \(3\); got 2 names/);
    assert.throws(() => new Transformer({ vocabSize: 5, contextLength: 4, attention: 'expressive-softmax', attentionOptions: { temperature: 0 } }), /temperature/);
    assert.throws(() => new Transformer({ vocabSize: 5, contextLength: 4, scoreScale: -1 }), /scoreScale/);
  });

  it('rejects invalid positional and activation, listing the allowed values', () => {
    assert.throws(() => new Transformer({ vocabSize: 5, contextLength: 4, positional: 'rotary' as never }), /positional must be one of 'learned', 'sinusoidal', 'none'; got "rotary"/);
    assert.throws(() => new Transformer({ vocabSize: 5, contextLength: 4, activation: 'tanh' as never }), /activation must be one of relu, gelu; got "tanh"/);
  });

  it('rejects float, rank-1 and too long token tensors', () => {
    const model = new Transformer({ vocabSize: 5, contextLength: 4, width: 8, heads: 2 });
    const params = initParams(model, 0);
    const bad: [tf.Tensor, RegExp][] = [
      [tf.tensor2d([[0, 1, 2]], undefined, 'float32'), /tokens must be int32; got float32/],
      [tf.tensor1d([0, 1, 2], 'int32'), /tokens must be \[batch, time\]/],
      [tf.tensor2d([[0, 1, 2, 3, 4]], undefined, 'int32'), /tokens has 5 positions but contextLength is 4/],
    ];
    for (const [t, message] of bad) {
      assert.throws(() => tf.tidy(() => { model.apply(params, t as tf.Tensor2D); }), message);
      t.dispose();
    }
    disposeParams(params);
    model.dispose();
  });
});
