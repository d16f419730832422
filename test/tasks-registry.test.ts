/**
 * Properties every task shares, checked on each kind through the registry: batches are pure functions of
 * (config, seed, step) — the same for a new instance, different for another step or seed; well-formed
 * batches (checkBatch); the held-out set differs from training and has evalSize rows; the config is JSON
 * and rebuilds the same task; describe / tokenName / example / formatExample; errors for unknown kinds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TASK_DESCRIPTIONS, TASK_KINDS, createTask, type TaskSpec } from '../lib/tasks/registry.js';
import { formatExample } from '../lib/tasks/task.js';
import { checkBatch, type BatchData } from '../lib/train/data.js';

const SPECS: TaskSpec[] = [
  { kind: 'ladder', N: 7, a: 1, b: 3, contextLength: 10, batchSize: 8, evalSize: 20, evalBatchSize: 8, seed: 3 },
  { kind: 'ladder', N: 5, rules: [[1, 2], [2, 3]], contextLength: 10, batchSize: 8, evalSize: 20, seed: 3 },
  { kind: 'iarc', N: 8, contextLength: 20, batchSize: 8, evalSize: 20, seed: 3 },
  { kind: 'iarc', tasks: ['R', 'C'], maxOffset: 10, contextLength: 20, batchSize: 8, evalSize: 20, seed: 3 },
  { kind: 'signed-combination', N: 5, contextLength: 8, batchSize: 8, evalSize: 20, seed: 3 },
  { kind: 'delete-repeated', N: 9, setSize: 3, batchSize: 8, evalSize: 20, seed: 3 },
  { kind: 'collapse', family: 'count-ones', contextLength: 12, batchSize: 8, evalSize: 20, seed: 3 },
  { kind: 'collapse', family: 'find-zero', contextLength: 12, batchSize: 8, evalSize: 20, seed: 3 },
  { kind: 'text', contextLength: 24, batchSize: 8, evalSize: 20, seed: 3 },
];

const same = (a: BatchData, b: BatchData): boolean =>
  a.batchSize === b.batchSize && a.length === b.length &&
  (['inputs', 'targets', 'scored', 'labels'] as const).every((k) => String(a[k]) === String(b[k]));

test('every kind is covered here and described', () => {
  assert.deepEqual([...new Set(SPECS.map((s) => s.kind))].sort(), [...TASK_KINDS].sort());
  for (const kind of TASK_KINDS) assert.ok(TASK_DESCRIPTIONS[kind].length > 10, kind);
});

for (const spec of SPECS) {
  const label = JSON.stringify(spec);
  test(`${spec.kind}: pure batches, held-out eval, config round trip — ${label}`, () => {
    const task = createTask(spec);
    assert.equal(task.name, spec.kind);
    const labels = task.labelNames.length;
    // Pure function of (config, seed, step): another instance, another order of calls.
    const other = createTask(spec);
    const b5 = task.trainBatch(5);
    assert.ok(same(other.trainBatch(5), b5), 'same seed and step ⇒ identical batch');
    assert.ok(same(task.trainBatch(5), b5), 'repeatable');
    assert.ok(!same(task.trainBatch(6), b5), 'another step ⇒ another batch');
    assert.ok(!same(createTask({ ...spec, seed: 4 } as TaskSpec).trainBatch(5), b5), 'another seed ⇒ another batch');
    for (const step of [0, 1, 5, 123456]) {
      const b = task.trainBatch(step);
      assert.equal(b.batchSize, task.config.batchSize);
      assert.equal(b.length, task.contextLength);
      assert.ok(checkBatch(b, task.vocabSize, task.contextLength, labels, `trainBatch(${step})`) > 0);
    }
    // The evaluation set: evalSize rows in batches of evalBatchSize, built once, different from training.
    const ev = task.evalBatches();
    assert.equal(task.evalBatches(), ev, 'built once');
    assert.equal(ev.reduce((n, b) => n + b.batchSize, 0), task.config.evalSize);
    assert.ok(ev.every((b) => b.batchSize <= task.config.evalBatchSize));
    ev.forEach((b, i) => checkBatch(b, task.vocabSize, task.contextLength, labels, `evalBatches()[${i}]`));
    assert.ok(ev.every((b, i) => same(b, other.evalBatches()[i])), 'the same held-out set for the same config');
    // The test split: another held-out stream of the same size (the text task has none yet: an empty list).
    const te = task.testBatches?.() ?? [];
    if (spec.kind === 'text') assert.deepEqual(te, []);
    else {
      assert.equal(te.reduce((n, b) => n + b.batchSize, 0), task.config.evalSize);
      te.forEach((b, i) => checkBatch(b, task.vocabSize, task.contextLength, labels, `testBatches()[${i}]`));
      assert.ok(!same(te[0], ev[0]), 'test split ≠ validation split');
      assert.ok(te.every((b, i) => same(b, (other.testBatches?.() ?? [])[i])), 'the same test split for the same config');
    }
    const T = task.contextLength;
    const rowsOf = (b: BatchData): string[] => Array.from({ length: b.batchSize }, (_, r) => String(b.inputs.subarray(r * T, (r + 1) * T)));
    const trainRows = new Set([0, 1, 2, 3].flatMap((s) => rowsOf(task.trainBatch(s))));
    const evalRows = ev.flatMap(rowsOf);
    assert.ok(!rowsOf(task.trainBatch(0)).every((r, i) => r === evalRows[i]), 'eval is another stream than step 0');
    // find-zero has only T + 1 distinct rows, so there both sets necessarily hold the same rows.
    const tinySpace = spec.kind === 'collapse' && spec.family === 'find-zero';
    if (!tinySpace) assert.ok(evalRows.filter((r) => trainRows.has(r)).length < evalRows.length / 2, 'the held-out rows are not the training rows');
    // The config is JSON and rebuilds the same task.
    const json = JSON.parse(JSON.stringify(task.config)) as TaskSpec;
    assert.deepEqual(json, { ...task.config });
    const rebuilt = createTask(json);
    assert.deepEqual(rebuilt.config, task.config);
    assert.ok(same(rebuilt.trainBatch(5), b5));
    for (const key of ['kind', 'seed', 'batchSize', 'evalSize', 'evalBatchSize', 'contextLength']) assert.ok(key in task.config, key);
    // For people: one line, token names, a worked example.
    assert.ok(task.describe().length > 10 && !task.describe().includes('\n'));
    assert.ok(Array.from({ length: task.vocabSize }, (_, i) => task.tokenName(i)).every((n) => n.length > 0));
    const ex = task.example();
    assert.equal(ex.roles.length, ex.tokens.length);
    if (ex.targets) assert.equal(ex.targets.length, ex.tokens.length);
    assert.ok([T, T + 1].includes(ex.tokens.length));
    assert.ok(ex.roles.every((r) => r in ex.legend), `every role is in the legend: ${ex.roles} / ${Object.keys(ex.legend)}`);
    assert.deepEqual(createTask(spec).example(), ex, 'deterministic');
    assert.equal(formatExample(ex).split('\n').length, ex.targets ? 4 : 3);
  });
}

test('unknown kind or spec: errors listing the known kinds', () => {
  assert.throws(() => createTask({ kind: 'copy' } as unknown as TaskSpec),
    /unknown task kind "copy"; known kinds: ladder, iarc, signed-combination, delete-repeated, collapse, text/);
  assert.throws(() => createTask(null as unknown as TaskSpec), /task spec must be an object with a kind/);
});
