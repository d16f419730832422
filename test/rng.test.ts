/** The seeded random number generator: determinism, state round trip, ranges, distributions, bad seeds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../lib/util/rng.js';

const draw = (rng: Rng, n: number, f: (r: Rng) => number = (r) => r.uint32()): number[] => Array.from({ length: n }, () => f(rng));

/** sfc32 written out from its published definition (Chris Doty-Humphrey's PractRand), to check Rng's core. */
function sfc32(state: [number, number, number, number]): () => number {
  let [a, b, c, d] = state;
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

function meanVar(xs: number[]): [number, number] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [mean, xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)];
}

describe('Rng', () => {
  it('same seed (and stream) ⇒ same sequence; other seeds and streams differ', () => {
    assert.deepEqual(draw(new Rng(42), 100), draw(new Rng(42), 100));
    assert.deepEqual(draw(new Rng(42, 7), 100), draw(new Rng(42, 7), 100));
    const sequences = [new Rng(42), new Rng(43), new Rng(42, 1), new Rng(0), new Rng(-1), new Rng(2 ** 32), new Rng(2 ** 40 + 42)]
      .map((r) => draw(r, 8).join(','));
    assert.equal(new Set(sequences).size, sequences.length, 'two seeds/streams gave the same sequence');
  });

  it('is sfc32: from a given state it produces the reference sequence', () => {
    const rng = new Rng(123);
    const ref = sfc32(rng.state());
    assert.deepEqual(draw(rng, 1000), draw(new Rng(0), 1000, ref));
  });

  it('state() / fromState() continue the same sequence; the copy is independent', () => {
    const rng = new Rng(7, 3);
    draw(rng, 13);
    const saved = rng.state();
    assert.ok(saved.length === 4 && saved.every(Number.isInteger));
    const copy = Rng.fromState(JSON.parse(JSON.stringify(saved)) as number[]);
    const expected = draw(rng, 50, (r) => r.normal());
    assert.deepEqual(draw(copy, 50, (r) => r.normal()), expected);
    // The copy is a separate generator: advancing one does not move the other.
    const a = Rng.fromState(saved);
    const b = Rng.fromState(saved);
    draw(a, 5);
    assert.deepEqual(draw(b, 5), draw(Rng.fromState(saved), 5));
    assert.deepEqual(saved, Rng.fromState(saved).state(), 'fromState(state).state() differs');
  });

  it('float ∈ [0, 1), int(n) ∈ 0..n−1 and uniform, binomial ∈ 0..n', () => {
    const rng = new Rng(1);
    const floats = draw(rng, 20000, (r) => r.float());
    assert.ok(floats.every((x) => x >= 0 && x < 1));
    const [m, v] = meanVar(floats);
    assert.ok(Math.abs(m - 0.5) < 0.01 && Math.abs(v - 1 / 12) < 0.005, `uniform mean ${m}, var ${v}`);
    // int(10): every value, chi² with 9 degrees of freedom well below its 0.1 % point (27.9).
    const counts = Array(10).fill(0) as number[];
    for (const x of draw(rng, 20000, (r) => r.int(10))) {
      assert.ok(Number.isInteger(x) && x >= 0 && x < 10, `int(10) gave ${x}`);
      counts[x]++;
    }
    const chi2 = counts.reduce((s, c) => s + (c - 2000) ** 2 / 2000, 0);
    assert.ok(chi2 < 27.9, `int(10) counts ${counts} (χ² ${chi2.toFixed(1)})`);
    assert.deepEqual(draw(rng, 20, (r) => r.int(1)), Array(20).fill(0));
    for (const x of draw(rng, 2000, (r) => r.binomial(9, 6 / 9))) assert.ok(Number.isInteger(x) && x >= 0 && x <= 9);
    assert.deepEqual(draw(rng, 10, (r) => r.binomial(5, 0)), Array(10).fill(0));
    assert.deepEqual(draw(rng, 10, (r) => r.binomial(5, 1)), Array(10).fill(5));
  });

  it('normal has mean 0 and variance 1; binomial(9, 2/3) mean 6 and variance 2', () => {
    const rng = new Rng(2);
    const normals = draw(rng, 20000, (r) => r.normal());
    assert.ok(normals.every(Number.isFinite));
    const [m, v] = meanVar(normals);
    // Standard errors: mean 0.007, variance 0.01.
    assert.ok(Math.abs(m) < 0.03 && Math.abs(v - 1) < 0.05, `normal mean ${m}, var ${v}`);
    const within1 = normals.filter((x) => Math.abs(x) < 1).length / normals.length;
    assert.ok(Math.abs(within1 - 0.6827) < 0.015, `P(|z| < 1) = ${within1}`);
    const [bm, bv] = meanVar(draw(rng, 20000, (r) => r.binomial(9, 6 / 9)));
    assert.ok(Math.abs(bm - 6) < 0.05 && Math.abs(bv - 2) < 0.1, `binomial mean ${bm}, var ${bv}`);
  });

  it('rejects bad seeds, streams, int bounds and states, naming them', () => {
    for (const seed of [1.5, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number, undefined as unknown as number]) {
      assert.throws(() => new Rng(seed), /seed must be an integer/, String(seed));
    }
    assert.throws(() => new Rng(1, 0.5), /stream must be an integer/);
    for (const n of [0, -3, 2.5, Number.NaN]) assert.throws(() => new Rng(1).int(n), /int\(n\) needs a positive integer n/, String(n));
    for (const s of [[1, 2, 3], [1, 2, 3, 4.5], [1, 2, 3, Number.NaN], []]) {
      assert.throws(() => Rng.fromState(s), /Rng state must be four integers/, JSON.stringify(s));
    }
  });
});
