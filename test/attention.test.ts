/**
 * Attention rules: weights on hand-computed inputs, exact zeros on masked keys (also for huge scores),
 * zero-score rows, gradients against finite differences, and the registry. Every numeric test runs for
 * every rule in ATTENTION_RULES on every backend of testBackends().
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { ATTENTION_RULES, attentionRule } from '../lib/attention/registry.js';
import { causalMask, weightsWithClosedFormGradient, scaleFactor, type AttentionMask } from '../lib/attention/rule.js';
import { assertClose, checkGradient, randomNormal, referenceWeights, testBackends, values } from './helpers.js';

// Resolved once, before any suite runs: a second, concurrent testBackends() (e.g. in a before hook) races
// with this one over the active backend, and testBackends() silently drops a backend whose init threw.
const BACKENDS = await testBackends();

const SIGNED = new Set(['cog', 'signed-expressive']);
/** Rules whose normaliser is Σe (+ε): an all-zero row gives zeros. */
const EXPRESSIVE_FAMILY = ['expressive', 'expressive-ratio', 'signed-expressive'];

// One 3×3 score matrix under a causal mask. Masked slots (j > i) hold junk that must not matter.
const SCORES_3x3 = [
  [-0.7, 7, -3],
  [0.3, -1.5, 11],
  [1, -2, 0.5],
];

/**
 * Expected weights of SCORES_3x3, written out by hand per rule (float64, no library code):
 * row 0 sees only key 0, row 1 keys 0..1, row 2 all three.
 */
const E = Math.exp;
const sq = (s: number): number => (s * s) / (1 + s * s); // EA's e(s) = s²/(1+s²)
const HAND: Record<string, number[][]> = {
  'dot-product': [
    [1, 0, 0],
    [E(0.3) / (E(0.3) + E(-1.5)), E(-1.5) / (E(0.3) + E(-1.5)), 0],
    [E(1) / (E(1) + E(-2) + E(0.5)), E(-2) / (E(1) + E(-2) + E(0.5)), E(0.5) / (E(1) + E(-2) + E(0.5))],
  ],
  // e(1) = 1/2, e(−2) = 4/5, e(0.5) = 1/5 → Σ = 3/2.
  expressive: [
    [1, 0, 0],
    [sq(0.3) / (sq(0.3) + sq(-1.5)), sq(-1.5) / (sq(0.3) + sq(-1.5)), 0],
    [1 / 3, 8 / 15, 2 / 15],
  ],
  // sign(s)·softmax(|s|): row 0 has one key with s = −0.7 → −1.
  cog: [
    [-1, 0, 0],
    [E(0.3) / (E(0.3) + E(1.5)), -E(1.5) / (E(0.3) + E(1.5)), 0],
    [E(1) / (E(1) + E(2) + E(0.5)), -E(2) / (E(1) + E(2) + E(0.5)), E(0.5) / (E(1) + E(2) + E(0.5))],
  ],
  // softmax(s²/τ), τ = 1.
  'expressive-softmax': [
    [1, 0, 0],
    [E(0.09) / (E(0.09) + E(2.25)), E(2.25) / (E(0.09) + E(2.25)), 0],
    [E(1) / (E(1) + E(4) + E(0.25)), E(4) / (E(1) + E(4) + E(0.25)), E(0.25) / (E(1) + E(4) + E(0.25))],
  ],
  // s²/Σs²: row 2: [1, 4, 0.25] / 5.25.
  'expressive-ratio': [
    [1, 0, 0],
    [0.09 / 2.34, 2.25 / 2.34, 0],
    [1 / 5.25, 4 / 5.25, 0.25 / 5.25],
  ],
  'signed-expressive': [
    [-1, 0, 0],
    [sq(0.3) / (sq(0.3) + sq(1.5)), -sq(1.5) / (sq(0.3) + sq(1.5)), 0],
    [1 / 3, -8 / 15, 2 / 15],
  ],
};
// softmax(s²/2), τ = 2.
const HAND_TAU2 = [
  [1, 0, 0],
  [E(0.045) / (E(0.045) + E(1.125)), E(1.125) / (E(0.045) + E(1.125)), 0],
  [E(0.5) / (E(0.5) + E(2) + E(0.125)), E(2) / (E(0.5) + E(2) + E(0.125)), E(0.125) / (E(0.5) + E(2) + E(0.125))],
];

/** Scores away from 0 (|s| ≥ 0.2), so sign(s) is locally constant (Cog's only discontinuity). */
function scoresAwayFromZero(shape: number[], seed: number, std = 1.2): tf.Tensor {
  return tf.tidy(() => {
    const z = randomNormal(shape, seed, std);
    return tf.mul(tf.sign(z), tf.add(tf.abs(z), 0.2));
  });
}

/** Checks rows of weights [..., T, T] under a causal mask: masked exactly 0, finite, normalised. */
function assertCausalRows(w: number[], T: number, signed: boolean, what: string, rtol = 1e-6): void {
  for (let r = 0; r < w.length / (T * T); r++) {
    for (let i = 0; i < T; i++) {
      let total = 0;
      for (let j = 0; j < T; j++) {
        const a = w[(r * T + i) * T + j];
        assert.ok(Number.isFinite(a), `${what}: weight [${r}, ${i}, ${j}] is ${a}`);
        if (j > i) assert.ok(a === 0, `${what}: masked weight [${r}, ${i}, ${j}] is ${a}, not exactly 0`);
        if (!signed) assert.ok(a >= 0, `${what}: weight [${r}, ${i}, ${j}] is negative (${a})`);
        total += signed ? Math.abs(a) : a;
      }
      assertClose([total], [1], `${what}: row [${r}, ${i}] sum${signed ? ' of |α|' : ''}`, rtol);
    }
  }
}

describe('checkGradient (test helper)', () => {
  before(async () => { await initBackend(BACKENDS[0]); });

  it('passes a correct gradient and fails a wrong one', () => {
    const x = randomNormal([3, 4], 1);
    const f = ({ x }: Record<string, tf.Tensor>): tf.Scalar => tf.sum(tf.sin(x));
    checkGradient(f, { x });
    // The same function with a gradient 10 % too large must be caught.
    const wrong = tf.customGrad(((a: tf.Tensor) => ({
      value: tf.sum(tf.sin(a)), gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.mul(tf.cos(a), 1.1)),
    })) as Parameters<typeof tf.customGrad>[0]);
    assert.throws(() => checkGradient(({ x }) => wrong(x) as tf.Scalar, { x }), /analytic .* vs finite difference/);
    // A gradient wrong in one small input next to a large correct one: per-input directions catch it.
    const big = randomNormal([50], 2);
    const badSmall = tf.customGrad(((a: tf.Tensor) => ({
      value: tf.sum(tf.square(a)), gradFunc: (dy: tf.Tensor) => tf.mul(dy, a), // should be 2a
    })) as Parameters<typeof tf.customGrad>[0]);
    const g = ({ big, small }: Record<string, tf.Tensor>): tf.Scalar => tf.add(tf.sum(tf.mul(big, 100)), badSmall(small) as tf.Scalar);
    assert.throws(() => checkGradient(g, { big, small: tf.tensor1d([0.5, -0.3]) }), /small/);
    tf.dispose([x, big]);
  });
});

for (const backend of BACKENDS) {
  describe(`attention rules on ${backend}`, () => {
    let mask3: AttentionMask;
    before(async () => {
      await initBackend(backend);
      mask3 = causalMask(3);
    });

    it('causalMask: keep is lower-triangular ones, bias 0 / −1e9', () => {
      const m = causalMask(3);
      assert.deepEqual(values(m.keep), [1, 0, 0, 1, 1, 0, 1, 1, 1]);
      assert.deepEqual(values(m.bias), [0, -1e9, -1e9, 0, 0, -1e9, 0, 0, 0]);
      tf.dispose([m.keep, m.bias]);
    });

    for (const name of ATTENTION_RULES) {
      it(`${name}: hand-computed weights of a 3×3 causal score matrix`, () => {
        assert.ok(HAND[name], `no hand-computed weights for rule '${name}': add them to this test`);
        const w = tf.tidy(() => values(attentionRule(name).weights(tf.tensor2d(SCORES_3x3), mask3)));
        assertClose(w, HAND[name].flat(), name, 1e-6, 1e-7);
        assertCausalRows(w, 3, SIGNED.has(name), name);
        const rule = attentionRule(name);
        assert.equal(rule.signed, SIGNED.has(name), `${name}.signed`);
        if (rule.signed) {
          // The sign of each visible weight is the sign of its score.
          for (let i = 0; i < 3; i++) for (let j = 0; j <= i; j++) {
            assert.equal(Math.sign(w[i * 3 + j]), Math.sign(SCORES_3x3[i][j]), `${name}: sign of [${i}, ${j}]`);
          }
        }
      });

      it(`${name}: matches the float64 reference on a random [2, 3, 5, 5] batch (mask broadcast)`, () => {
        const T = 5;
        const mask = causalMask(T);
        const scores = randomNormal([2, 3, T, T], 11, 1.5);
        const w = tf.tidy(() => values(attentionRule(name).weights(scores, mask)));
        const s = values(scores);
        const expected: number[] = [];
        for (let r = 0; r < 6; r++) for (let i = 0; i < T; i++) {
          const row = s.slice((r * T + i) * T, (r * T + i) * T + i + 1);
          expected.push(...referenceWeights(name, row), ...Array(T - i - 1).fill(0));
        }
        assertClose(w, expected, name, 1e-5, 1e-7);
        assertCausalRows(w, T, SIGNED.has(name), name, 1e-5);
        tf.dispose([scores, mask.keep, mask.bias]);
      });
    }

    it('expressive-softmax: temperature τ = 2 by hand, and options reach the rule through the registry', () => {
      const w = tf.tidy(() => values(attentionRule('expressive-softmax', { temperature: 2 }).weights(tf.tensor2d(SCORES_3x3), mask3)));
      assertClose(w, HAND_TAU2.flat(), 'expressive-softmax τ=2', 1e-6, 1e-7);
      const w1 = tf.tidy(() => values(attentionRule('expressive-softmax', { temperature: 1 }).weights(tf.tensor2d(SCORES_3x3), mask3)));
      assertClose(w1, HAND['expressive-softmax'].flat(), 'expressive-softmax τ=1', 1e-6, 1e-7);
    });

    describe('masked keys get exactly zero weight, also for huge scores', () => {
      const T = 4;
      const HUGE_CASES: Record<string, { visible: (i: number, j: number) => number; masked: (i: number, j: number) => number }> = {
        'masked +1e20': { visible: (i, j) => 0.4 * (i - 2 * j) + 0.3, masked: () => 1e20 },
        'masked −1e20': { visible: (i, j) => 0.4 * (i - 2 * j) + 0.3, masked: () => -1e20 },
        'masked ±1e20 alternating': { visible: (i, j) => 0.5 + 0.25 * i - 0.6 * j, masked: (i, j) => ((i + j) % 2 ? 1e20 : -1e20) },
        'masked ±1e4': { visible: (i, j) => 0.4 * (i - 2 * j) + 0.3, masked: (i, j) => ((i + j) % 2 ? 1e4 : -1e4) },
        'visible ±1e4, masked ±1e20': { visible: (i, j) => (j % 2 ? -1e4 : 1e4) * (1 + 0.1 * j) + i, masked: (i, j) => ((i + j) % 2 ? -1e20 : 1e20) },
      };
      for (const [caseName, c] of Object.entries(HUGE_CASES)) {
        for (const name of ATTENTION_RULES) {
          it(`${name}, ${caseName}`, () => {
            const s: number[][] = Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => (j <= i ? c.visible(i, j) : c.masked(i, j))));
            const mask = causalMask(T);
            const scores = tf.tensor2d(s);
            const w = tf.tidy(() => values(attentionRule(name).weights(scores, mask)));
            assertCausalRows(w, T, SIGNED.has(name), `${name} (${caseName})`);
            // And the visible weights are those of the visible scores alone (float32-rounded inputs).
            const s32 = values(scores);
            const expected = Array.from({ length: T }, (_, i) => [
              ...referenceWeights(name, s32.slice(i * T, i * T + i + 1)), ...Array(T - i - 1).fill(0)]).flat();
            assertClose(w, expected, `${name} (${caseName})`, 1e-5, 1e-7);
            // The gradient w.r.t. masked scores is exactly 0 and nowhere NaN.
            const c0 = randomNormal([T, T], 3);
            const g = tf.tidy(() => values(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(c0, attentionRule(name).weights(x, mask))))(scores)));
            for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
              const gij = g[i * T + j];
              assert.ok(Number.isFinite(gij), `${name} (${caseName}): gradient [${i}, ${j}] is ${gij}`);
              if (j > i) assert.ok(gij === 0, `${name} (${caseName}): gradient of masked score [${i}, ${j}] is ${gij}`);
            }
            tf.dispose([scores, c0, mask.keep, mask.bias]);
          });
        }
      }
    });

    describe('zero scores and the ε of the expressive family', () => {
      for (const name of ATTENTION_RULES) {
        it(`${name}: an all-zero score matrix gives finite weights (zeros for the Σe family) and gradients`, () => {
          const T = 3;
          const mask = causalMask(T);
          const zeros = tf.zeros([2, T, T]);
          const w = tf.tidy(() => values(attentionRule(name).weights(zeros, mask)));
          assert.ok(w.every(Number.isFinite), `${name}: NaN/∞ in ${w}`);
          const uniform = [1, 0, 0, 1 / 2, 1 / 2, 0, 1 / 3, 1 / 3, 1 / 3];
          let expected: number[];
          if (EXPRESSIVE_FAMILY.includes(name) || name === 'cog') {
            // Σe = 0: ε makes the row 0 instead of 0/0. Cog: sign(0) = 0, as in the reference code.
            expected = Array(9).fill(0);
          } else {
            expected = uniform; // softmax of equal logits
          }
          assertClose(w, [...expected, ...expected], `${name} on zero scores`, 1e-6, 0);
          const g = tf.tidy(() => values(tf.grad((x: tf.Tensor) => tf.sum(attentionRule(name).weights(x, mask)))(zeros)));
          assert.ok(g.every(Number.isFinite), `${name}: gradient at zero scores is not finite: ${g}`);
          tf.dispose([zeros, mask.keep, mask.bias]);
        });
      }

      for (const name of EXPRESSIVE_FAMILY) {
        it(`${name}: a row with some zero scores is normal; ε leaves normal rows bit-identical`, () => {
          const w0 = tf.tidy(() => values(attentionRule(name).weights(tf.tensor2d([[0, 9, 9], [0, 1, 9], [0, -2, 0]]), mask3)));
          // Row 0: Σe = 0 → zeros; row 1: all weight on key 1; row 2: all on key 1.
          const neg = name === 'signed-expressive' ? -1 : 1; // key 1 of row 2 has s = −2
          assertClose(w0, [0, 0, 0, 0, 1, 0, 0, neg, 0], name, 1e-6, 0);
          const scores = randomNormal([2, 5, 5], 5, 1);
          const mask = causalMask(5);
          const withEps = tf.tidy(() => values(attentionRule(name).weights(scores, mask)));
          const noEps = tf.tidy(() => values(attentionRule(name, { epsilon: 0 }).weights(scores, mask)));
          assert.deepEqual(withEps, noEps, `${name}: the default ε changed a normal result`);
          // The option is honoured: a large ε visibly shrinks the rows.
          const bigEps = tf.tidy(() => values(attentionRule(name, { epsilon: 1 }).weights(scores, mask)));
          assert.ok(Math.abs(bigEps[0]) < Math.abs(noEps[0]) * 0.99, `${name}: epsilon option ignored`);
          tf.dispose([scores, mask.keep, mask.bias]);
        });
      }
    });

    describe('gradients w.r.t. scores match central finite differences', () => {
      for (const name of ATTENTION_RULES) {
        it(name, () => {
          const T = 4;
          const mask = causalMask(T);
          const scores = scoresAwayFromZero([2, T, T], 21);
          const c = randomNormal([2, T, T], 22);
          const rule = attentionRule(name);
          checkGradient(({ s }) => tf.sum(tf.mul(c, rule.weights(s, mask))), { s: scores }, { what: name, directions: 4, step: 1e-2, rtol: 1e-2, atol: 1e-4 });
          // Small scores (the quadratic regime of the expressive rules) too.
          const small = scoresAwayFromZero([2, T, T], 23, 0.05);
          checkGradient(({ s }) => tf.sum(tf.mul(c, rule.weights(s, mask))), { s: small }, { what: `${name} (small scores)`, directions: 3, step: 1e-3, atol: 1e-3 });
          tf.dispose([scores, small, c, mask.keep, mask.bias]);
        });
      }
      it('expressive-softmax with τ = 2', () => {
        const mask = causalMask(4);
        const scores = scoresAwayFromZero([2, 4, 4], 24);
        const c = randomNormal([2, 4, 4], 25);
        const rule = attentionRule('expressive-softmax', { temperature: 2 });
        checkGradient(({ s }) => tf.sum(tf.mul(c, rule.weights(s, mask))), { s: scores }, { what: 'expressive-softmax τ=2', directions: 3 });
        tf.dispose([scores, c, mask.keep, mask.bias]);
      });
    });

    describe('closed-form gradients (rule.gradient, used in training)', () => {
      for (const name of ATTENTION_RULES) {
        it(`${name}: forward is bit-identical to weights; backward matches autodiff, finite differences, masks`, () => {
          const rule = attentionRule(name);
          assert.ok(rule.gradient, `${name} has no closed-form gradient`);
          const T = 5;
          const mask = causalMask(T);
          // Large junk scores on masked keys, to show they get exactly zero gradient.
          const scores = tf.tidy(() => tf.add(scoresAwayFromZero([2, 3, T, T], 41), tf.mul(tf.sub(1, mask.keep), 50)));
          const c = randomNormal([2, 3, T, T], 42);
          const fast = tf.tidy(() => values(weightsWithClosedFormGradient(rule, scores, mask)));
          const plain = tf.tidy(() => values(rule.weights(scores, mask)));
          assert.deepEqual(fast, plain, `${name}: the fused forward changed the weights`);
          const loss = (w: (s: tf.Tensor) => tf.Tensor) => (s: tf.Tensor): tf.Scalar => tf.sum(tf.mul(c, w(s)));
          const closed = tf.tidy(() => values(tf.grad(loss((s) => weightsWithClosedFormGradient(rule, s, mask)))(scores)));
          const auto = tf.tidy(() => values(tf.grad(loss((s) => rule.weights(s, mask)))(scores)));
          assertClose(closed, auto, `${name}: closed-form vs autodiff gradient`, 1e-5, 1e-6);
          closed.forEach((g, i) => {
            const [j, k] = [Math.floor(i / T) % T, i % T];
            if (k > j) assert.ok(g === 0, `${name}: masked key [${j}, ${k}] has gradient ${g}`);
          });
          checkGradient(({ s }) => loss((x) => weightsWithClosedFormGradient(rule, x, mask))(s), { s: scores }, { what: `${name} (closed form)`, directions: 4, step: 1e-2, rtol: 1e-2, atol: 1e-4 });
          const small = scoresAwayFromZero([2, 3, T, T], 43, 0.05);
          checkGradient(({ s }) => loss((x) => weightsWithClosedFormGradient(rule, x, mask))(s), { s: small }, { what: `${name} (closed form, small scores)`, directions: 3, step: 1e-3, atol: 1e-3 });
          // All-zero scores: finite, and as autodiff's.
          const zeros = tf.zeros([1, T, T]);
          const c0 = randomNormal([1, T, T], 44);
          const g0 = tf.tidy(() => values(tf.grad((s: tf.Tensor) => tf.sum(tf.mul(c0, weightsWithClosedFormGradient(rule, s, mask))))(zeros)));
          assert.ok(g0.every(Number.isFinite), `${name}: gradient at zero scores is not finite: ${g0}`);
          tf.dispose([scores, c, small, zeros, c0, mask.keep, mask.bias]);
        });
      }
      it('options reach the closed form (expressive-softmax τ = 0.5, ε = 1 for the Σe family)', () => {
        const mask = causalMask(4);
        const scores = scoresAwayFromZero([2, 4, 4], 45);
        const c = randomNormal([2, 4, 4], 46);
        for (const [name, options] of [['expressive-softmax', { temperature: 0.5 }], ['expressive', { epsilon: 1 }], ['expressive-ratio', { epsilon: 1 }], ['signed-expressive', { epsilon: 1 }]] as const) {
          const rule = attentionRule(name, options);
          const closed = tf.tidy(() => values(tf.grad((s: tf.Tensor) => tf.sum(tf.mul(c, weightsWithClosedFormGradient(rule, s, mask))))(scores)));
          const auto = tf.tidy(() => values(tf.grad((s: tf.Tensor) => tf.sum(tf.mul(c, rule.weights(s, mask))))(scores)));
          assertClose(closed, auto, `${name} ${JSON.stringify(options)}`, 1e-5, 1e-6);
        }
        tf.dispose([scores, c, mask.keep, mask.bias]);
      });
      it('a rule without a closed form is differentiated by autodiff', () => {
        const { gradient: _gradient, ...plainRule } = attentionRule('expressive');
        const mask = causalMask(3);
        const scores = scoresAwayFromZero([1, 3, 3], 47);
        checkGradient(({ s }) => tf.sum(tf.square(weightsWithClosedFormGradient(plainRule, s, mask))), { s: scores }, { what: 'autodiff fallback' });
        tf.dispose([scores, mask.keep, mask.bias]);
      });
    });

    it('rules leak no tensors (weights and gradients inside tidy)', () => {
      const mask = causalMask(4);
      const scores = randomNormal([2, 4, 4], 31);
      const before = tf.memory().numTensors;
      for (const name of ATTENTION_RULES) {
        tf.tidy(() => {
          const rule = attentionRule(name);
          rule.weights(scores, mask);
          tf.grad((x: tf.Tensor) => tf.sum(rule.weights(x, mask)))(scores);
          tf.grad((x: tf.Tensor) => tf.sum(weightsWithClosedFormGradient(rule, x, mask)))(scores);
        });
      }
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
      tf.dispose([scores, mask.keep, mask.bias]);
    });
  });
}

describe('attention registry', () => {
  it('lists exactly the rules of the issue, each under its own name', () => {
    assert.deepEqual([...ATTENTION_RULES].sort(),
      ['cog', 'dot-product', 'expressive', 'expressive-ratio', 'expressive-softmax', 'signed-expressive']);
    for (const name of ATTENTION_RULES) {
      const rule = attentionRule(name);
      assert.equal(rule.name, name);
      assert.equal(typeof rule.formula, 'string');
      assert.ok(rule.formula.length > 0);
    }
    assert.ok(Object.isFrozen(ATTENTION_RULES));
  });

  it('default score scales follow papers.md: 1/√d_head for softmax-type rules, none for expressive', () => {
    const expected: Record<string, string> = {
      'dot-product': 'inverse-sqrt-head', cog: 'inverse-sqrt-head', 'expressive-softmax': 'inverse-sqrt-head',
      expressive: 'none', 'expressive-ratio': 'none', 'signed-expressive': 'none',
    };
    for (const name of ATTENTION_RULES) assert.equal(attentionRule(name).defaultScale, expected[name], name);
  });

  it('an unknown name is an error that lists every known rule', () => {
    for (const bad of ['softmax', 'Expressive', '', 'toString', '__proto__', 'constructor']) {
      assert.throws(() => attentionRule(bad), (err: Error) => {
        assert.match(err.message, new RegExp(`unknown attention rule '${bad.replace(/[_]/g, '_')}'`));
        for (const known of ATTENTION_RULES) assert.ok(err.message.includes(known), `message lacks '${known}': ${err.message}`);
        return true;
      });
    }
  });

  it('a bad temperature is rejected with a message naming it', () => {
    for (const t of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => attentionRule('expressive-softmax', { temperature: t }), /temperature must be a positive number/, `τ = ${t}`);
    }
    attentionRule('expressive-softmax', { temperature: 0.5 }); // fine
  });

  it('scaleFactor resolves and validates a ScoreScale', () => {
    assert.equal(scaleFactor('inverse-sqrt-head', 4), 0.5);
    assert.equal(scaleFactor('inverse-sqrt-head', 16), 0.25);
    assert.equal(scaleFactor('none', 16), 1);
    assert.equal(scaleFactor(0.3, 16), 0.3);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 'sqrt', undefined]) {
      assert.throws(() => scaleFactor(bad as never, 4), /scoreScale must be 'inverse-sqrt-head', 'none' or a positive number/, String(bad));
    }
  });
});
