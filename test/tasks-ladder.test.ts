/**
 * The complexity ladder: the worked examples of the doc comment, the recurrence and scored mask of
 * every generated row, multi-task token and labels, clear errors, and a short training run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LadderTask, ladderSequence, type LadderArgs } from '../lib/tasks/ladder.js';
import { trainSanity } from './tasks-helpers.js';

test('worked example: Fibonacci mod 10 from 3 5, and the multi-task row of the doc comment', () => {
  assert.deepEqual(ladderSequence(10, [1, 2], [3, 5], 12), [3, 5, 8, 3, 1, 4, 5, 9, 4, 3, 7, 0]);
  assert.deepEqual(ladderSequence(10, [1, 3], [2, 7, 1], 6), [2, 7, 1, 3, 0, 1]);
  assert.deepEqual(ladderSequence(7, [1, 2, 4], [1, 2, 3, 4], 7), [1, 2, 3, 4, (4 + 3 + 1) % 7, (1 + 4 + 2) % 7, (0 + 1 + 3) % 7]);
  assert.throws(() => ladderSequence(10, [1, 3], [2, 7], 6), /warmup must hold max\(lags\) = 3 tokens; got 2/);
});

test('rows: inputs/targets shifted by one, the recurrence holds on every scored target, the warm-up is unscored', () => {
  const cases: LadderArgs[] = [
    { N: 10, a: 1, b: 2, contextLength: 11 },
    { N: 7, a: 2, b: 5, contextLength: 9 },
    { N: 5, lags: [1, 3, 4], contextLength: 12 },
  ];
  for (const args of cases) {
    const task = new LadderTask({ ...args, batchSize: 8 });
    const lags = task.config.rules[0];
    const w = lags[lags.length - 1];
    const T = task.contextLength;
    const batch = task.trainBatch(3);
    for (let r = 0; r < batch.batchSize; r++) {
      const s = [...batch.inputs.subarray(r * T, (r + 1) * T), batch.targets[(r + 1) * T - 1]];
      for (let t = 0; t < T; t++) {
        if (t + 1 < T) assert.equal(batch.targets[r * T + t], batch.inputs[r * T + t + 1], 'targets are the next inputs');
        assert.equal(batch.scored[r * T + t], t + 1 >= w ? 1 : 0, `${JSON.stringify(args)}: scored[${t}]`);
        assert.equal(batch.labels?.[r * T + t], 0);
      }
      for (let j = w; j <= T; j++) assert.equal(s[j], lags.reduce((acc, l) => acc + s[j - l], 0) % task.config.N, `x_${j}`);
      assert.ok(s.every((x) => x >= 0 && x < task.config.N));
    }
    assert.equal(task.vocabSize, task.config.N);
    assert.deepEqual(task.labelNames, [lags.join('+')]);
  }
  // The example's roles: T = 11, b = 2 → the first two tokens are warm-up, the rest scored.
  const ex = new LadderTask({ N: 10, contextLength: 11 }).example();
  assert.equal(ex.tokens.length, 12);
  assert.deepEqual(ex.roles, ['w', 'w', ...Array(10).fill('s')]);
});

test('multi-task: task token N + r at position 0, labels per rule, each rule its own warm-up', () => {
  const task = new LadderTask({ N: 10, rules: [[1, 2], [1, 3], [2, 5]], contextLength: 9, batchSize: 64 });
  assert.equal(task.vocabSize, 13);
  assert.deepEqual(task.labelNames, ['1+2', '1+3', '2+5']);
  assert.equal(task.config.taskToken, true);
  assert.equal(task.tokenName(11), '<1+3>');
  const T = 9;
  const batch = task.trainBatch(0);
  const seen = new Set<number>();
  for (let r = 0; r < 64; r++) {
    const rule = batch.inputs[r * T] - 10;
    seen.add(rule);
    const lags = task.config.rules[rule];
    const w = lags[lags.length - 1];
    const s = [...batch.inputs.subarray(r * T, (r + 1) * T), batch.targets[(r + 1) * T - 1]];
    for (let t = 0; t < T; t++) {
      assert.equal(batch.labels?.[r * T + t], rule);
      assert.equal(batch.scored[r * T + t], t + 1 >= 1 + w ? 1 : 0, `rule ${rule}: scored[${t}]`);
    }
    for (let j = 1 + w; j <= T; j++) assert.equal(s[j], lags.reduce((acc, l) => acc + s[j - l], 0) % 10);
  }
  assert.deepEqual([...seen].sort(), [0, 1, 2], 'every rule is drawn');
  // A single rule can carry a task token too (e.g. to compare with the multi-task model).
  const one = new LadderTask({ N: 4, rules: [[1, 2]], taskToken: true, contextLength: 4 });
  assert.equal(one.vocabSize, 5);
  assert.equal(one.trainBatch(0).inputs[0], 4);
});

test('impossible parameters: clear errors naming the parameter', () => {
  const bad: [LadderArgs, RegExp][] = [
    [{ N: 1 }, /N must be an integer ≥ 2; got 1/],
    [{ N: 2.5 }, /N must be an integer ≥ 2; got 2.5/],
    [{ a: 3, b: 3 }, /b must be an integer greater than a \(3\); got 3/],
    [{ a: 4, b: 2 }, /b must be an integer greater than a \(4\); got 2/],
    [{ a: 0 }, /a must be an integer ≥ 1; got 0/],
    [{ lags: [] }, /lags must be a non-empty array of distinct integers ≥ 1/],
    [{ lags: [2, 2] }, /lags must hold distinct lags/],
    [{ lags: [1, 0] }, /lags\[1\] must be an integer ≥ 1; got 0/],
    [{ lags: [1, 2], a: 1 }, /give either lags or a\/b/],
    [{ rules: [] }, /rules must be a non-empty array of lag lists/],
    [{ rules: [[1, 2], [2, 1]] }, /rules must be distinct; '1\+2' appears twice/],
    [{ rules: [[1, 2], [1, 3]], taskToken: false }, /taskToken must be true with several rules/],
    [{ b: 5, contextLength: 4 }, /contextLength must be an integer ≥ 5 \(the 5 warm-up tokens come first/],
    [{ rules: [[1, 2], [1, 6]], contextLength: 6 }, /contextLength must be an integer ≥ 7 \(the task token and the 6 warm-up tokens/],
    [{ batchSize: 0 }, /batchSize must be an integer ≥ 1; got 0/],
    [{ evalSize: -1 }, /evalSize must be an integer ≥ 1; got -1/],
    [{ seed: 0.5 }, /seed must be an integer; got 0.5/],
    [{ n: 16 } as LadderArgs, /unknown ladder parameter 'n'; known parameters: kind, seed, .*N, a, b, lags, rules, taskToken/],
  ];
  for (const [args, message] of bad) assert.throws(() => new LadderTask(args), message, JSON.stringify(args));
  assert.throws(() => new LadderTask().trainBatch(-1), /step must be a non-negative integer; got -1/);
});

test('training sanity (tensorflow): a 1-layer transformer learns N=5, x_t = x_{t−1} + x_{t−2}', async (t) => {
  const task = new LadderTask({ N: 5, a: 1, b: 2, contextLength: 8, batchSize: 32, evalSize: 256 });
  await trainSanity(t, task, { steps: 300 }, (r) => {
    assert.ok(r.bestAccuracy >= 0.9, `best accuracy ${r.bestAccuracy} (chance 0.2)`);
  });
});
