/**
 * One-key shortcuts of the ladder: the hand-derived Fibonacci case, every shortcut found checked on
 * generated sequences, "none" checked by brute force, the share of scored positions against the
 * task's own rows, and bad input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ladderShortcut, rungShortcuts, shortcutShare } from '../lib/tasks/ladder-shortcuts.js';
import { LadderTask, ladderSequence } from '../lib/tasks/ladder.js';
import { Rng } from '../lib/util/rng.js';

test('Fibonacci mod 8: x_{s+k} = F_{k+1}·x_s + F_k·x_{s−1}, F₆ = 8 ≡ 0 and F₅ = 5, so x_{s+5} = 5·x_{s−1} (query offset 5)', () => {
  assert.deepEqual(ladderShortcut(8, [1, 2]), { k: 5, j: 1, c: 5, offset: 5 });
  // F₁₂ = 144 ≡ 0 mod 12 and mod 16, F₁₁ = 89 ≡ 5 and ≡ 9: x_{s+11} = 5·x_{s−1} and 9·x_{s−1}.
  assert.deepEqual(ladderShortcut(12, [1, 2]), { k: 11, j: 1, c: 5, offset: 11 });
  assert.deepEqual(ladderShortcut(16, [1, 2]), { k: 11, j: 1, c: 9, offset: 11 });
  assert.equal(ladderShortcut(12, [1, 4]), null);
});

/** Whether x_{s+k} = c·x_{s−j} (mod N) on every position of some random sequences of the rule. */
function holds(N: number, lags: number[], k: number, j: number, c: number, rng: Rng): boolean {
  const w = Math.max(...lags);
  for (let trial = 0; trial < 30; trial++) {
    const x = ladderSequence(N, lags, Array.from({ length: w }, () => rng.int(N)), w + k + j + 8);
    for (let s = w - 1; s + k < x.length; s++) if (x[s + k] !== (c * x[s - j]) % N) return false;
  }
  return true;
}

test('every shortcut holds on generated sequences, and no shorter one exists (brute force)', () => {
  const rng = new Rng(5);
  const cases: [number, number[]][] = [[8, [1, 2]], [12, [1, 2]], [8, [1, 3]], [8, [1, 4]], [6, [1, 3]], [10, [2, 3]], [9, [1, 2, 3]], [12, [1, 4]], [7, [1, 3]]];
  const maxK = 40;
  for (const [N, lags] of cases) {
    const sc = ladderShortcut(N, lags, maxK);
    const w = Math.max(...lags);
    const upTo = sc ? sc.k - 1 : maxK;
    for (let k = 2; k <= upTo; k++) {
      for (let j = 0; j < w; j++) for (let c = 1; c < N; c++) assert.ok(!holds(N, lags, k, j, c, rng), `N = ${N}, lags ${lags}: unexpected x_{s+${k}} = ${c}·x_{s−${j}}`);
    }
    if (sc) {
      assert.ok(holds(N, lags, sc.k, sc.j, sc.c, rng), `N = ${N}, lags ${lags}: ${JSON.stringify(sc)} does not hold`);
      assert.equal(sc.offset, sc.k - 1 + sc.j);
    }
  }
});

test('shortcutShare: the scored queries whose shortcut key lies inside the sequence, one rule and with a task token', () => {
  const sc = ladderShortcut(8, [1, 2]);
  // One rule, T = 32: scored queries t = 1..31 (31); the key t − 5 exists for t ≥ 5 (27).
  assert.equal(shortcutShare(sc, [1, 2], { contextLength: 32 }), 27 / 31);
  // With a task token: scored t = 2..31 (30); the key t − 5 must be a number (≥ position 1): t ≥ 6 (26).
  assert.equal(shortcutShare(sc, [1, 2], { contextLength: 32, taskToken: true }), 26 / 30);
  assert.equal(shortcutShare(null, [1, 4], { contextLength: 32 }), 0);
  assert.equal(shortcutShare({ k: 60, j: 0, c: 1, offset: 59 }, [1, 4], { contextLength: 32 }), 0);
  assert.throws(() => shortcutShare(sc, [1, 6], { contextLength: 5 }), /contextLength must leave a scored position/);
});

test('rungShortcuts against the task\'s own rows: the shortcut predicts exactly the positions it claims', () => {
  const N = 8;
  const rules = [[1, 2], [1, 3]];
  const T = 32;
  const task = new LadderTask({ N, rules, contextLength: T, batchSize: 64, seed: 2 });
  const rungs = rungShortcuts(N, rules, T);
  const batch = task.trainBatch(0);
  rungs.forEach(({ shortcut, share }, rule) => {
    assert.ok(shortcut, `rule ${rule} has a shortcut within 64 steps`);
    let scored = 0;
    let served = 0;
    for (let r = 0; r < batch.batchSize; r++) {
      if (batch.labels?.[r * T] !== rule) continue;
      for (let t = 0; t < T; t++) {
        if (!batch.scored[r * T + t]) continue;
        scored++;
        if (t - shortcut.offset < 1) continue; // position 0 is the task token
        served++;
        assert.equal(batch.targets[r * T + t], (shortcut.c * batch.inputs[r * T + t - shortcut.offset]) % N);
      }
    }
    assert.ok(scored > 0);
    assert.equal(served / scored, share, `rule ${rule}: share`);
  });
});

test('bad input names the parameter', () => {
  assert.throws(() => ladderShortcut(1, [1, 2]), /N must be an integer ≥ 2; got 1/);
  assert.throws(() => ladderShortcut(8, [1, 1]), /lags must be distinct integers ≥ 1/);
  assert.throws(() => ladderShortcut(8, []), /lags must be distinct integers ≥ 1/);
  assert.throws(() => ladderShortcut(8, [1, 2], 1), /maxK must be an integer ≥ 2; got 1/);
});
