/**
 * Notebook 01's analysis helpers: the 100 % frontier, grid completeness, run timing, and the query–key
 * geometry of a transformer (its weights must be the model's own attention weights).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { attentionRule } from '../lib/attention/registry.js';
import { causalMask } from '../lib/attention/rule.js';
import { angleHistogram, attendedAngleSummary, attentionMap, offsetProfile, queryKeyGeometry, type QueryKeyGeometry } from '../lib/papers/ea/analysis.js';
import type { ResultRecord } from '../lib/lab/record.js';
import { disposeParams, initParams } from '../lib/models/params.js';
import { Transformer } from '../lib/models/transformer.js';
import { assertClose, testBackends } from './helpers.js';
import { gridCompleteness, runTiming } from '../lib/lab/completeness.js';
import '../lib/papers/registry.js'; // the papers' grids, by name (gridCompleteness resolves 'ea-…')


test('gridCompleteness: found, missing and extra keys against the experiment grid', () => {
  // ea-single at smoke: dot-product and expressive, size small, N 8, b 2, seed 0.
  const keys = ['mechanism=expressive,size=small,N=8,b=2,seed=0', 'mechanism=expressive,size=small,N=99,b=2,seed=0'];
  const c = gridCompleteness('ea-single', 'smoke', keys.map((key) => ({ key })));
  assert.equal(c.expected, 2);
  assert.equal(c.found, 1);
  assert.deepEqual(c.missing, ['mechanism=dot-product,size=small,N=8,b=2,seed=0']);
  assert.deepEqual(c.extra, [keys[1]]);
  assert.throws(() => gridCompleteness('no-such-experiment', 'smoke', []), /no-such-experiment/);
});

test('runTiming: span from first start to last finish, overlapping cells counted once', () => {
  const rec = (start: string, finish: string, backend = 'tensorflow'): ResultRecord => ({
    startedAt: `2026-01-01T00:${start}Z`, finishedAt: `2026-01-01T00:${finish}Z`,
    backend: { backend, tfjs: '4.22.0' }, host: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2 },
  }) as unknown as ResultRecord;
  // Three seeds trained together 00:00–00:10 (finishing at different times), then a gap, then 01:00–01:30.
  const t = runTiming([rec('00:00', '00:10'), rec('00:00', '00:08'), rec('00:00', '00:09'), rec('01:00', '01:30', 'wasm')]);
  assert.equal(t.cells, 4);
  assert.equal(t.spanMs, 90_000);
  assert.equal(t.busyMs, 40_000);
  assert.equal(t.firstStart, '2026-01-01T00:00:00.000Z');
  assert.equal(t.lastFinish, '2026-01-01T00:01:30.000Z');
  assert.deepEqual(t.backends, ['tensorflow (tfjs 4.22.0)', 'wasm (tfjs 4.22.0)']);
  assert.deepEqual([t.machines, t.engines], [['not recorded: 4'], ['not recorded: 4']], 'records from before the cpu and engine fields');
  const newer = (cpu: string, simd: string[], lanes: number): ResultRecord => ({ ...rec('00:00', '00:10'), host: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, cpu, simd }, engine: { name: 'eager', lanes } }) as unknown as ResultRecord;
  const m = runTiming([newer('AMD EPYC', ['avx2', 'fma'], 5), newer('AMD EPYC', ['avx2', 'fma'], 5), newer('Intel Xeon', ['avx2', 'fma', 'avx512f'], 1), rec('00:00', '00:01')]);
  assert.deepEqual(m.machines, ['AMD EPYC (avx2, fma): 2', 'Intel Xeon (avx2, fma, avx512f): 1', 'not recorded: 1']);
  assert.deepEqual(m.engines, ['eager, 5 lanes stacked: 2', 'eager, one model: 1', 'not recorded: 1']);
  assert.equal(runTiming([]).cells, 0);
});

/** A hand-made geometry: one row each of B = 1, H = 1, T = 3 (only the last query row is used). */
function synthetic(cos: number[], weight: number[]): QueryKeyGeometry {
  const T = 3;
  const c = new Float32Array(T * T);
  const w = new Float32Array(T * T);
  c.set(cos, 2 * T);
  w.set(weight, 2 * T);
  return { layer: 0, rule: 'x', batch: 1, heads: 1, length: T, cos: c, score: c, weight: w, queryNorm: new Float32Array(T), keyNorm: new Float32Array(T) };
}

test('attendedAngleSummary and angleHistogram: attention mass by angle on a hand-made row', () => {
  // Keys at cos 0.9 (parallel), 0.1 (orthogonal), −0.8 (antiparallel) with weights 0.2, 0.1, 0.7.
  const g = synthetic([0.9, 0.1, -0.8], [0.2, 0.1, 0.7]);
  const s = attendedAngleSummary(g, { queryMask: [0, 0, 1] });
  assert.equal(s.rows, 1);
  assertClose([s.massParallel, s.massOrthogonal, s.massAntiparallel], [0.2, 0.1, 0.7], 'mass shares', 1e-6, 1e-7);
  assert.deepEqual([s.topParallel, s.topOrthogonal, s.topAntiparallel], [0, 0, 1]);
  assertClose([s.meanCos, s.meanAbsCos], [0.2 * 0.9 + 0.1 * 0.1 - 0.7 * 0.8, 0.2 * 0.9 + 0.1 * 0.1 + 0.7 * 0.8], 'mean cos', 1e-6, 1e-7);
  assertClose([s.pairsParallel, s.pairsOrthogonal, s.pairsAntiparallel], [1 / 3, 1 / 3, 1 / 3], 'pair shares', 1e-6, 1e-7);
  const tight = attendedAngleSummary(g, { queryMask: [0, 0, 1], threshold: 0.85 });
  assertClose([tight.massParallel, tight.massOrthogonal, tight.massAntiparallel], [0.2, 0.8, 0], 'threshold 0.85', 1e-6, 1e-7);
  const hist = angleHistogram(g, { queryMask: [0, 0, 1], bins: 4 }); // bins [−1,−.5) [−.5,0) [0,.5) [.5,1]
  assertClose(hist.centers, [-0.75, -0.25, 0.25, 0.75], 'centers', 1e-9, 1e-12);
  assertClose(hist.attended, [0.7, 0, 0.1, 0.2], 'attended', 1e-6, 1e-7);
  assertClose(hist.pairs, [1 / 3, 0, 1 / 3, 1 / 3], 'pairs', 1e-6, 1e-7);
  assertClose(offsetProfile(g, { queryMask: [0, 0, 1] }), [0.7, 0.1, 0.2], 'offsets 0, 1, 2 of query 2');
  assertClose(offsetProfile(g), [0.7 / 3, 0.1 / 3, 0.2 / 3], 'rows 0 and 1 carry no weight here', 1e-6, 1e-7);
  assert.throws(() => attendedAngleSummary(g, { queryMask: [1] }), /queryMask must hold batch·length = 3 values/);
  assert.throws(() => attendedAngleSummary(g, { heads: [1] }), /heads must be in 0\.\.0/);
});

test('queryKeyGeometry: weights equal the model\'s attention, cos θ consistent with the scores, no leak', async () => {
  for (const backend of await testBackends()) {
    const cases = [[['expressive', 'dot-product'], true, false], [['dot-product', 'expressive'], true, false], [['expressive', 'dot-product'], false, false], [['dot-product', 'cog'], true, true]] as const;
    for (const [attention, feedForward, cis] of cases) {
      const model = new Transformer({ vocabSize: 7, contextLength: 6, width: 8, layers: 2, heads: 2, ffWidth: 16, attention: [...attention], feedForward, cis, initStd: 0.5 });
      const params = initParams(model, 3);
      const tokens = tf.tensor2d([[1, 2, 3, 4, 5], [6, 0, 1, 1, 2]], [2, 5], 'int32');
      const expected = tf.tidy(() => model.apply(params, tokens, { returnAttention: true }).attention?.map((a) => a.dataSync()) ?? []);
      const before = tf.memory().numTensors;
      const geometry = queryKeyGeometry(model, params, tokens);
      const fromBatch = queryKeyGeometry(model, params, {
        batchSize: 2, length: 5, inputs: Int32Array.from(tokens.dataSync()), targets: new Int32Array(10), scored: new Uint8Array(10),
      });
      assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
      assertClose(fromBatch[1].weight, geometry[1].weight, `${backend}: a batch gives the same as its token tensor`, 0, 0);
      assert.equal(geometry.length, 2);
      geometry.forEach((g, l) => {
        const what = `${backend} ${attention.join('/')}${feedForward ? '' : ' attention only'}${cis ? ' cisformer' : ''} layer ${l}`;
        assert.equal(g.rule, attention[l]);
        assertClose(g.weight, expected[l], `${what} weights`, 1e-4, 1e-6);
        // The scores returned are the ones the weights come from: the layer's rule on them gives the weights.
        const ruleMask = causalMask(g.length);
        const fromScores = tf.tidy(() => attentionRule(attention[l]).weights(tf.tensor4d(g.score, [g.batch, g.heads, g.length, g.length]), ruleMask).dataSync());
        tf.dispose([ruleMask.keep, ruleMask.bias]);
        assertClose(fromScores, g.weight, `${what} rule(scores) = weights`, 1e-5, 1e-7);
        const scale = attention[l] === 'expressive' ? 1 : 1 / Math.sqrt(4); // rule defaults: EA unscaled, DPA and Cog 1/√d_head
        const { batch: B, heads: H, length: T } = g;
        for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
          const idx = ((b * H + h) * T + i) * T + j;
          const c = g.cos[idx];
          assert.ok(c >= -1.0001 && c <= 1.0001, `${what}: cos ${c}`);
          const s = scale * c * g.queryNorm[(b * H + h) * T + i] * g.keyNorm[(b * H + h) * T + j];
          assert.ok(Math.abs(s - g.score[idx]) <= 1e-4 + 1e-4 * Math.abs(s), `${what}: score ${g.score[idx]} vs scale·cos·|q||k| ${s}`);
        }
      });
      assert.deepEqual(attentionMap(geometry[0], 1, 1)[0].slice(1), [0, 0, 0, 0], 'causal: row 0 sees only key 0');
      assertClose(attentionMap(geometry[0], 1, 1).map((r) => r.reduce((a, v) => a + v, 0)), [1, 1, 1, 1, 1], 'rows sum to 1', 1e-4, 1e-5);
      tokens.dispose();
      disposeParams(params);
      model.dispose();
    }
  }
});
