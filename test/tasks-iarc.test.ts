/**
 * The IARC stream: the worked example of papers.md token for token, each rule's edge cases, the scored
 * mask and labels of generated windows, windows cut at an offset, the segment-length law (mean ≈ 6),
 * uniform subtasks, a task subset, clear errors, and a short training run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IARC_LABELS, IarcTask, iarcRule, iarcStream, iarcTokenName, readIarc, sampleSegmentLength, type IarcArgs,
} from '../lib/tasks/iarc.js';
import { formatExample } from '../lib/tasks/task.js';
import { Rng } from '../lib/util/rng.js';
import { trainSanity } from './tasks-helpers.js';

const N = 16;
const [I, R, C] = [16, 18, 19];

test('worked example of papers.md, token for token, with its roles', () => {
  const tokens = iarcStream(N, [5, 9], [
    { task: 'I', length: 4 }, { task: 'A', length: 5 }, { task: 'R', length: 4 }, { task: 'C', length: 5 }, { task: 'I', length: 3 },
  ]);
  const expectedTok = '5 9 I 10 11 12 13 A 9 6 15 5 4 R 4 5 15 6 C 15 6 15 6 15 I 0 1 2'.split(' ');
  const expectedRole = 's s c I I I I c A A A A A c R R R R c C C C C C c I I I'.split(' ');
  assert.deepEqual(tokens.map((x) => iarcTokenName(x, N)), expectedTok);
  assert.deepEqual(readIarc(tokens, N).roles, expectedRole);
  // The same stream as a task window: inputs tok[0..27], targets tok[1..28]; exactly the I/A/R/C tokens scored.
  const { determined, task } = readIarc(tokens, N);
  assert.deepEqual(determined, expectedRole.map((r) => 'IARC'.includes(r)));
  assert.deepEqual(task.slice(0, 3), [-1, -1, 0]);
  assert.equal(task[8], 1); // the first A number
});

test('rules over the number history: edge cases', () => {
  const cases: [Parameters<typeof iarcRule>, number | undefined][] = [
    [['I', [3, 15], 1, 2, N], 0], // wraps mod N
    [['I', [], 1, 0, N], undefined],
    [['A', [9, 12], 1, 2, N], 5],
    [['A', [9], 1, 1, N], undefined],
    [['R', [1, 2, 3, 4], 1, 4, N], 4], // first R output repeats the number before R
    [['R', [1, 2, 3, 4, 4], 2, 4, N], 3],
    [['R', [1, 2, 4, 2], 3, 2, N], undefined], // only 2 numbers before R: the 3rd is not determined
    [['C', [7, 3, 7], 1, 2, N], 3], // successor of the most recent earlier 7
    [['C', [7, 1, 7, 2, 7], 1, 4, N], 2],
    [['C', [7, 7], 1, 1, N], 7],
    [['C', [1, 2, 3], 1, 2, N], undefined], // 3 never occurred before
  ];
  for (const [args, expected] of cases) assert.equal(iarcRule(...args), expected, JSON.stringify(args));
  // C skips control tokens: in "6 I 7 R 7 6 C 7 6" the first C number looks back to the seed 6, whose successor
  // in the number history is 7 (the control token I between them does not count); then 7 → its latest earlier
  // occurrence is followed by 6.
  assert.deepEqual(readIarc([6, I, 7, R, 7, 6, C, 7, 6], N).roles, ['s', 'c', 'I', 'c', 'R', 'R', 'c', 'C', 'C']);
  assert.deepEqual(readIarc([4, 6, C, 15, 6], N).roles, ['s', 's', 'c', '?', '?'], 'no earlier 6, then no earlier 15');
  // A wrong token where the rule determines one is rejected.
  assert.throws(() => readIarc([5, 9, I, 11], N), /token 3 is 11 but the increment rule gives 10/);
  assert.throws(() => readIarc([5, 20], N), /token 1 \(20\) is outside the IARC vocabulary 0\.\.19/);
  // Undetermined numbers in the plan are random (from the rng) and unscored.
  const s = iarcStream(N, [3], [{ task: 'R', length: 3 }], new Rng(5));
  assert.equal(s[2], 3);
  assert.deepEqual(readIarc(s, N).roles, ['s', 'c', 'R', '?', '?']);
});

test('generated windows: targets shifted, scored = determined by the rule, labels = subtask', () => {
  const task = new IarcTask({ contextLength: 48, batchSize: 16 });
  assert.equal(task.vocabSize, 20);
  assert.deepEqual(task.labelNames, [...IARC_LABELS]);
  const T = 48;
  const b = task.trainBatch(7);
  let scored = 0;
  for (let r = 0; r < b.batchSize; r++) {
    const w = [...b.inputs.subarray(r * T, (r + 1) * T), b.targets[(r + 1) * T - 1]];
    assert.deepEqual(w.slice(0, 3).map((x) => x < N), [true, true, false], 'two seeds, then a control token');
    const reading = readIarc(w, N); // throws if any determined token breaks its rule
    for (let t = 0; t < T; t++) {
      if (t + 1 < T) assert.equal(b.targets[r * T + t], b.inputs[r * T + t + 1]);
      assert.equal(b.scored[r * T + t], reading.determined[t + 1] ? 1 : 0);
      if (reading.determined[t + 1]) {
        assert.equal(b.labels?.[r * T + t], reading.task[t + 1]);
        assert.ok(b.targets[r * T + t] < N, 'only numbers are scored');
        scored++;
      }
    }
  }
  assert.ok(scored > 0.6 * b.batchSize * T, `most positions are scored (${scored})`);
});

test('windows at a random offset: decided from the window alone, consistent with the stream', () => {
  const task = new IarcTask({ contextLength: 24, maxOffset: 40, batchSize: 64 });
  const b = task.trainBatch(0); // fillRow reads every window with readIarc, which throws on an inconsistency
  const T = 24;
  let unknownStart = 0;
  for (let r = 0; r < 64; r++) {
    const w = [...b.inputs.subarray(r * T, (r + 1) * T), b.targets[(r + 1) * T - 1]];
    const { roles } = readIarc(w, N);
    if (roles[0] === 's' && w[0] < N && w[1] < N) unknownStart++;
    const firstControl = w.findIndex((x) => x >= N);
    for (let t = 0; t < Math.min(firstControl, T); t++) assert.equal(b.scored[r * T + t], 0, 'nothing before the first control token counts');
  }
  assert.ok(unknownStart > 20, `most windows start inside a segment (${unknownStart} of 64)`);
});

test("the ongoing-stream reading: unscoredPrefix masks the first targets; scoredBy 'stream' scores what the generator determined", () => {
  const T = 32;
  const base = { contextLength: T, maxOffset: 400, batchSize: 64, seed: 3 };
  const window = new IarcTask(base).trainBatch(0);
  const prefixed = new IarcTask({ ...base, unscoredPrefix: 18 }).trainBatch(0);
  const stream = new IarcTask({ ...base, unscoredPrefix: 18, scoredBy: 'stream' }).trainBatch(0);
  // The same windows (the readings do not change the draws).
  assert.deepEqual(prefixed.inputs, window.inputs);
  assert.deepEqual(stream.inputs, window.inputs);
  let onlyByStream = 0;
  for (let r = 0; r < 64; r++) {
    for (let t = 0; t < T; t++) {
      const i = r * T + t;
      assert.equal(prefixed.scored[i], t < 18 ? 0 : window.scored[i], `row ${r}, target ${t}: the prefix, else as the window reading`);
      if (t < 18) assert.equal(stream.scored[i], 0);
      // What the window determines, the stream determines too (the stream holds the window).
      if (t >= 18 && window.scored[i]) assert.equal(stream.scored[i], 1, `row ${r}, target ${t}`);
      if (stream.scored[i] && !window.scored[i]) onlyByStream++;
    }
  }
  assert.ok(onlyByStream > 0, 'some targets are determined only by numbers before the window');
  // scoringStats counts the same thing on its own windows.
  const stats = new IarcTask({ ...base, unscoredPrefix: 18, scoredBy: 'stream' }).scoringStats(500);
  assert.ok(stats.alsoByWindow < stats.scoredByStream && stats.alsoByWindow > 0.5 * stats.scoredByStream, JSON.stringify(stats));
  assert.equal(stats.scoredByWindow >= stats.alsoByWindow, true);
  assert.equal(Object.values(stats.perLabel).reduce((a, l) => a + l.byStream, 0), stats.scoredByStream);
  // Offset 0 and no prefix: the two readings agree but for the seeds (unknown before the first control token either way).
  const a = new IarcTask({ contextLength: T, batchSize: 16 }).trainBatch(1);
  const b = new IarcTask({ contextLength: T, batchSize: 16, scoredBy: 'stream' }).trainBatch(1);
  assert.deepEqual(b.scored, a.scored);
  // The example marks the prefix.
  const ex = new IarcTask({ ...base, unscoredPrefix: 4 }).example();
  assert.ok(ex.roles.slice(1, 5).every((r) => r === 'p' || r === 'c'), ex.roles.join(' '));
  assert.match(new IarcTask({ ...base, unscoredPrefix: 18, scoredBy: 'stream' }).describe(), /first 18 targets unscored, scored by the stream/);
});

test('segment lengths ~ Binomial(9, 6/9) without 0: mean ≈ 6, the distribution, in the sampler and in the stream', () => {
  const rng = new Rng(1);
  const n = 20000;
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < n; i++) counts[sampleSegmentLength(rng, 9, 6)]++;
  const mean = counts.reduce((s, c, l) => s + c * l, 0) / n;
  assert.ok(Math.abs(mean - 6) < 0.03, `mean ${mean}`);
  assert.equal(counts[0], 0);
  const binom = (k: number): number => [...Array(k)].reduce((c, _, i) => (c * (9 - i)) / (i + 1), 1) * (2 / 3) ** k * (1 / 3) ** (9 - k);
  for (let k = 1; k <= 9; k++) {
    const p = binom(k) / (1 - binom(0));
    assert.ok(Math.abs(counts[k] / n - p) < 4 * Math.sqrt(p * (1 - p) / n) + 1e-3, `P(ℓ = ${k}) = ${counts[k] / n}, expected ${p.toFixed(4)}`);
  }
  // In generated windows: numbers between two control tokens.
  const task = new IarcTask({ contextLength: 256, batchSize: 32 });
  const lengths: number[] = [];
  const controls = [0, 0, 0, 0];
  for (let step = 0; step < 4; step++) {
    const b = task.trainBatch(step);
    for (let r = 0; r < b.batchSize; r++) {
      const row = b.inputs.subarray(r * 256, (r + 1) * 256);
      let last = -1;
      row.forEach((x, j) => {
        if (x < N) return;
        controls[x - N]++;
        if (last >= 0) lengths.push(j - last - 1);
        last = j;
      });
    }
  }
  const streamMean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  assert.ok(lengths.length > 4000 && Math.abs(streamMean - 6) < 0.1, `stream mean ${streamMean} over ${lengths.length} segments`);
  const total = controls.reduce((a, b) => a + b, 0);
  for (const c of controls) assert.ok(Math.abs(c / total - 0.25) < 0.03, `subtasks uniform: ${controls}`);
});

test('a task subset and other laws', () => {
  const task = new IarcTask({ tasks: ['I', 'A', 'R'], N: 8, segmentMax: 4, segmentMean: 4, contextLength: 40, batchSize: 8 });
  assert.equal(task.vocabSize, 12);
  const b = task.trainBatch(0);
  assert.ok(!b.inputs.includes(8 + 3), 'no C control token');
  for (let r = 0; r < 8; r++) {
    const row = [...b.inputs.subarray(r * 40, (r + 1) * 40)];
    const starts = row.flatMap((x, j) => (x >= 8 ? [j] : []));
    for (let k = 1; k < starts.length; k++) assert.equal(starts[k] - starts[k - 1], 5, 'p = 1: every segment has 4 numbers');
  }
  assert.match(task.describe(), /iarc N=8 tasks IAR/);
  const ex = new IarcTask({ contextLength: 12 }).example();
  assert.equal(ex.tokens.length, 13);
  assert.match(formatExample(ex), /^tok : .*\nrole: s s c/);
});

test('impossible parameters: clear errors naming the parameter', () => {
  const bad: [IarcArgs, RegExp][] = [
    [{ N: 1 }, /N must be an integer ≥ 2; got 1/],
    [{ tasks: [] }, /tasks must be a non-empty list of distinct subtasks from 'I', 'A', 'R', 'C'; got \[\]/],
    [{ tasks: ['I', 'X' as 'I'] }, /tasks must be a non-empty list .*got \["I","X"\]/],
    [{ tasks: ['I', 'I'] }, /tasks must be a non-empty list of distinct subtasks/],
    [{ segmentMax: 0 }, /segmentMax must be an integer ≥ 1; got 0/],
    [{ segmentMean: 10 }, /segmentMean must be a number in \(0, 9\]; got 10/],
    [{ segmentMean: 0 }, /segmentMean must be a number in \(0, 9\]; got 0/],
    [{ seedTokens: -1 }, /seedTokens must be an integer ≥ 0; got -1/],
    [{ maxOffset: 1.5 }, /maxOffset must be an integer ≥ 0; got 1.5/],
    [{ contextLength: 1 }, /contextLength must be an integer ≥ 2; got 1/],
    [{ contextLength: 8, unscoredPrefix: 8 }, /unscoredPrefix must be an integer in 0\.\.7; got 8/],
    [{ scoredBy: 'model' as 'window' }, /scoredBy must be one of 'window', 'stream'; got "model"/],
    [{ task: ['I'] } as IarcArgs, /unknown iarc parameter 'task'/],
    [{ kind: 'ladder' } as IarcArgs, /kind must be 'iarc' for this task; got "ladder"/],
  ];
  for (const [args, message] of bad) assert.throws(() => new IarcTask(args), message, JSON.stringify(args));
});

test('training sanity (tensorflow): a 1-layer transformer beats chance on IARC (N=8)', async (t) => {
  const task = new IarcTask({ N: 8, contextLength: 16, batchSize: 32, evalSize: 256 });
  await trainSanity(t, task, { steps: 200 }, (r) => {
    assert.ok(r.finalAccuracy > 0.3, `accuracy ${r.finalAccuracy} (chance 1/8)`);
    assert.ok(r.perLabel.increment > 0.5, `increment accuracy ${r.perLabel.increment}`);
  });
});
