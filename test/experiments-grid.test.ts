/**
 * Experiment grids: expansion order, stable keys and hashes, --seeds / --only / --shard, clear errors.
 * Pure bookkeeping (no tfjs), so no backend sweep.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { budgetLabel, configHash, expandGrid, parseOnly, parseShard } from '../lib/lab/grid.js';
import { formatEta, progressReporter } from '../lib/lab/progress.js';
import { compactLossCurve, decodeRecord, evalCurve, type ResultRecord } from '../lib/lab/record.js';
import type { EvalRecord } from '../lib/train/types.js';
import { toyExperiment } from '../lib/lab/toy.js';
import type { CellSpec, Experiment, GridDef } from '../lib/lab/types.js';
import { stableJson } from '../lib/util/stable-json.js';

function grid(axes: GridDef['axes'], extra: Partial<GridDef> = {}): Experiment {
  const def: GridDef = {
    axes,
    cell: (p) => ({
      task: { kind: 'toy', symbols: Number(p.N ?? 4), seed: Number(p.seed ?? 0) },
      model: { kind: 'transformer', width: 8, attention: String(p.mechanism ?? 'dot-product') },
      trainer: { steps: 5 },
      seed: Number(p.seed ?? 0),
    }),
    ...extra,
  };
  return { name: 'g', paper: 'ea', description: 'test grid', scales: { smoke: def, quick: def, full: def } };
}

test('grid: row-major expansion, readable keys, indices', () => {
  const cells = expandGrid(grid({ mechanism: ['dot-product', 'expressive'], N: [4, 8], seed: [0, 1] }), 'smoke');
  assert.deepEqual(cells.map((c) => c.key), [
    'mechanism=dot-product,N=4,seed=0', 'mechanism=dot-product,N=4,seed=1', 'mechanism=dot-product,N=8,seed=0', 'mechanism=dot-product,N=8,seed=1',
    'mechanism=expressive,N=4,seed=0', 'mechanism=expressive,N=4,seed=1', 'mechanism=expressive,N=8,seed=0', 'mechanism=expressive,N=8,seed=1',
  ]);
  assert.deepEqual(cells.map((c) => c.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(cells[5].coords, { mechanism: 'expressive', N: 4, seed: 1 });
  assert.deepEqual(cells[5].spec.task, { kind: 'toy', symbols: 4, seed: 1 });
  assert.deepEqual(cells[5].spec.model, { kind: 'transformer', width: 8, attention: 'expressive' });
});

test('config hash: stable across runs and key order, sensitive to every field', () => {
  const spec: CellSpec = { task: { kind: 'toy', symbols: 4, seed: 1 }, model: { kind: 'transformer', width: 8 }, trainer: { steps: 5 }, seed: 1 };
  const reordered = { seed: 1, trainer: { steps: 5 }, model: { width: 8, kind: 'transformer' }, task: { seed: 1, kind: 'toy', symbols: 4 } } as CellSpec;
  // A fixed value: the hash must not change between versions unless the hashing itself changes (which re-runs everything).
  assert.equal(configHash(spec), '5846e83b61421855');
  assert.equal(configHash(reordered), configHash(spec));
  assert.equal(stableJson({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
  const variants: CellSpec[] = [
    { ...spec, seed: 2 }, { ...spec, trainer: { steps: 6 } }, { ...spec, model: { kind: 'transformer', width: 16 } },
    { ...spec, task: { kind: 'toy', symbols: 5, seed: 1 } }, { ...spec, measures: [{ kind: 'sensitivity', family: 'find-zero', lengths: [2] }] },
  ];
  const hashes = new Set([configHash(spec), ...variants.map(configHash)]);
  assert.equal(hashes.size, variants.length + 1);
  // The same experiment expands to the same keys and hashes every time.
  const a = expandGrid(toyExperiment(), 'quick');
  const b = expandGrid(toyExperiment(), 'quick');
  assert.deepEqual(a.map((c) => [c.key, c.configHash]), b.map((c) => [c.key, c.configHash]));
});

test('--seeds, --only, where', () => {
  const e = grid({ mechanism: ['dot-product', 'expressive', 'cog'], N: [4, 8], seed: [0] }, { where: (p) => !(p.mechanism === 'cog' && p.N === 8) });
  assert.equal(expandGrid(e, 'smoke').length, 5);
  assert.equal(expandGrid(e, 'smoke', { seeds: 3 }).length, 15);
  const only = expandGrid(e, 'smoke', { seeds: 2, only: parseOnly(['mechanism=expressive,cog', 'N=4']) });
  assert.deepEqual(only.map((c) => c.key), ['mechanism=expressive,N=4,seed=0', 'mechanism=expressive,N=4,seed=1', 'mechanism=cog,N=4,seed=0', 'mechanism=cog,N=4,seed=1']);
  assert.deepEqual(only.map((c) => c.index), [0, 1, 2, 3], 'indices are positions in the filtered list');
  // The filtered cells are the same cells (same hash) as unfiltered.
  const all = new Map(expandGrid(e, 'smoke', { seeds: 2 }).map((c) => [c.key, c.configHash]));
  for (const c of only) assert.equal(c.configHash, all.get(c.key));
});

test('--steps and --budget-factor: every cell\'s budget, a new config hash, a folder of its own', () => {
  const e = grid({ mechanism: ['dot-product'], seed: [0, 1] }, {
    cell: (p) => ({ task: { kind: 'toy', seed: Number(p.seed) }, model: { kind: 'transformer', width: 8 }, trainer: { steps: 800, warmupSteps: 100 }, seed: Number(p.seed) }),
  });
  const own = expandGrid(e, 'full');
  const steps = expandGrid(e, 'full', { steps: 12000 });
  const factor = expandGrid(e, 'full', { budgetFactor: 15 });
  const short = expandGrid(e, 'full', { steps: 50 });
  assert.deepEqual(steps.map((c) => c.spec.trainer.steps), [12000, 12000]);
  assert.deepEqual(factor.map((c) => c.spec.trainer.steps), [12000, 12000], '⌈15 × 800⌉');
  assert.deepEqual(expandGrid(e, 'full', { budgetFactor: 0.3333 }).map((c) => c.spec.trainer.steps), [267, 267], '⌈0.3333 × 800⌉ = ⌈266.64⌉');
  assert.deepEqual(short.map((c) => c.spec.trainer.warmupSteps), [50, 50], 'warm-up cut to a budget shorter than it');
  assert.deepEqual(steps.map((c) => c.spec.trainer.warmupSteps), [100, 100], 'warm-up kept otherwise');
  assert.deepEqual([own[0].budget, steps[0].budget, factor[0].budget], [undefined, 'steps12000', 'x15']);
  assert.equal(steps[0].key, own[0].key, 'the same cell key …');
  assert.notEqual(steps[0].configHash, own[0].configHash, '… but another config hash');
  assert.equal(steps[0].configHash, factor[0].configHash, 'the same spec, however it was asked for, is the same cell');
  assert.throws(() => expandGrid(e, 'full', { steps: 100, budgetFactor: 2 }), /--steps and --budget-factor cannot be used together; give one/);
  assert.throws(() => expandGrid(e, 'full', { steps: 0 }), /--steps must be a positive integer; got 0/);
  assert.throws(() => expandGrid(e, 'full', { budgetFactor: -1 }), /--budget-factor must be a positive number; got -1/);
});

test('--no-plateau: the plateau stop removed from every cell, a new config hash, <scale>-noplateau (with a budget: <scale>-steps<N>-noplateau)', () => {
  const e = grid({ seed: [0, 1] }, {
    cell: (p) => ({ task: { kind: 'toy', seed: Number(p.seed) }, model: { kind: 'transformer', width: 8 }, trainer: { steps: 800, plateau: { window: 3, minDelta: 0.01 } }, seed: Number(p.seed) }),
  });
  const own = expandGrid(e, 'full');
  const off = expandGrid(e, 'full', { noPlateau: true });
  const offLonger = expandGrid(e, 'full', { noPlateau: true, steps: 2000 });
  assert.deepEqual(off.map((c) => [c.spec.trainer.plateau, c.spec.trainer.steps]), [[undefined, 800], [undefined, 800]]);
  assert.deepEqual(own.map((c) => c.spec.trainer.plateau), [{ window: 3, minDelta: 0.01 }, { window: 3, minDelta: 0.01 }]);
  assert.deepEqual([own[0].budget, off[0].budget, offLonger[0].budget, offLonger[0].spec.trainer.steps], [undefined, 'noplateau', 'steps2000-noplateau', 2000]);
  assert.equal(off[0].key, own[0].key);
  assert.notEqual(off[0].configHash, own[0].configHash);
  assert.equal(budgetLabel({ budgetFactor: 2, noPlateau: true }), 'x2-noplateau');
  const keys = expandGrid(e, 'full', { keys: new Set(['seed=1']) });
  assert.deepEqual(keys.map((c) => [c.key, c.index]), [['seed=1', 0]], 'keys filter before indexing, so shares stay balanced');
  const without = grid({ seed: [0] });
  assert.throws(() => expandGrid(without, 'smoke', { noPlateau: true }), /--no-plateau: experiment '\S+' \(smoke\) has no plateau stop in cell seed=0, so there is none to turn off/);
});

test('shards are disjoint and together complete', () => {
  const e = grid({ mechanism: ['dot-product', 'expressive'], N: [4, 8, 16], seed: [0, 1, 2] });
  const all = expandGrid(e, 'smoke').map((c) => c.key);
  for (const n of [1, 2, 3, 5, 40]) {
    const parts = Array.from({ length: n }, (_, i) => expandGrid(e, 'smoke', { shard: { k: i + 1, n } }).map((c) => c.key));
    const union = parts.flat();
    assert.equal(union.length, all.length, `n=${n}: no cell in two shards`);
    assert.deepEqual([...union].sort(), [...all].sort(), `n=${n}: every cell in some shard`);
    assert.ok(Math.max(...parts.map((p) => p.length)) - Math.min(...parts.map((p) => p.length)) <= 1, `n=${n}: balanced`);
  }
  assert.deepEqual(parseShard('2/4'), { k: 2, n: 4 });
});

test('bad grids and options: errors name the parameter and the allowed values', () => {
  const e = grid({ mechanism: ['dot-product', 'expressive'], seed: [0] });
  const cases: [() => unknown, RegExp][] = [
    [() => expandGrid(e, 'huge' as never), /scale must be one of smoke, quick, full; got "huge"/],
    [() => expandGrid(e, 'smoke', { only: { size: ['1'] } }), /no axis 'size'; its axes are mechanism, seed/],
    [() => expandGrid(e, 'smoke', { only: { mechanism: ['cog'] } }), /axis 'mechanism' has no value 'cog'; its values \(smoke\) are dot-product, expressive/],
    [() => expandGrid(e, 'smoke', { seeds: 0 }), /--seeds must be a positive integer; got 0/],
    [() => expandGrid(grid({ mechanism: ['a'] }), 'smoke', { seeds: 2 }), /has no 'seed' axis/],
    [() => expandGrid(e, 'smoke', { shard: { k: 3, n: 2 } }), /shard must be k\/n with 1 ≤ k ≤ n; got 3\/2/],
    [() => parseShard('0/3'), /--shard takes k\/n with 1 ≤ k ≤ n .*got '0\/3'/],
    [() => parseShard('two'), /--shard takes k\/n/],
    [() => parseOnly(['mechanism']), /--only takes axis=value .*got 'mechanism'/],
    [() => expandGrid(grid({ 'bad/name': [1] }), 'smoke'), /axis name 'bad\/name' must match/],
    [() => expandGrid(grid({ steps: [1] }), 'smoke'), /axis name 'steps' is reserved/],
    [() => expandGrid(grid({ mechanism: ['a b'] }), 'smoke'), /axis 'mechanism' value "a b" must be/],
    [() => expandGrid(grid({ mechanism: ['a', 'a'] }), 'smoke'), /lists "a" twice/],
    [() => expandGrid(grid({ mechanism: [] }), 'smoke'), /axis 'mechanism' has no values/],
    [() => expandGrid(grid({ N: [1] }, { cell: () => { throw new Error('N too small'); } }), 'smoke'), /experiment 'g' \(smoke\), cell N=1: N too small/],
  ];
  for (const [f, re] of cases) assert.throws(f, re);
});

test('evaluation curves: every point up to the cap; beyond, a power-of-two stride of steps that a longer run keeps a subset of', () => {
  const evals = (n: number, every = 200): EvalRecord[] => Array.from({ length: n }, (_, i) => ({ step: every * (i + 1), loss: 1 / (i + 1), accuracy: i / n, perLabel: {} }));
  assert.equal(evalCurve(evals(60)).length, 60, 'a 12 000-step grid keeps all 60 evaluations');
  assert.equal(evalCurve(evals(200)).length, 200);
  // 1 000 evaluations every 2 steps, at most 50: stride 2·2⁵ = 64 → steps 64, 128, …, 1984 (31) plus the first and the last.
  const long = evalCurve(evals(1000, 2), 50);
  assert.deepEqual([long.length, long[0].step, long[1].step, long.at(-2)?.step, long.at(-1)?.step], [33, 2, 64, 1984, 2000]);
  // A run continued to twice the steps keeps a subset of the shorter run's strided points (never other steps).
  const short = new Set(evalCurve(evals(400, 2), 50).map((p) => p.step));
  const longer = evalCurve(evals(800, 2), 50).map((p) => p.step).filter((s) => s <= 800 && s > 2);
  assert.ok(longer.every((s) => short.has(s)), `${longer.filter((s) => !short.has(s))}`);
  // The points depend on the steps only: the same evaluations give the same curve however they were collected.
  assert.deepEqual(evalCurve([...evals(300)]), evalCurve(evals(300)));
  // Loss blocks merge as step-weighted means: 200 blocks of 1 step with loss = step → 50 blocks of 4.
  const loss = Array.from({ length: 200 }, (_, i) => ({ step: i + 1, loss: i + 1 }));
  const c = compactLossCurve(loss, 50);
  assert.equal(c.length, 50);
  assert.deepEqual(c[0], { step: 4, loss: 2.5 });
  assert.deepEqual(c.at(-1), { step: 200, loss: 198.5 });
});

test('record decoding rejects damaged text with a reason', () => {
  const cases: [string, RegExp][] = [
    ['{"format": "expressive-attention/result@1", "paper": "ea"', /not valid JSON \(truncated or damaged\?\)/],
    ['[]', /not a JSON object/],
    ['{"format": "other"}', /format is "other"/],
    ['{"format": "expressive-attention/result@1", "paper": "xx"}', /field 'paper' must be one of ea, ts, cog, study/],
  ];
  for (const [text, re] of cases) assert.throws(() => decodeRecord(text), re);
});

test('progress: a redrawn bar with ETA on a terminal, plain lines otherwise', () => {
  const cells = expandGrid(toyExperiment({ steps: { smoke: 10 } }), 'smoke');
  const record = { key: cells[0].key, finalAccuracy: 0.5, bestAccuracy: 0.75, steps: 10, stopReason: 'steps', wallTimeMs: 1500 } as unknown as ResultRecord;
  const feed = (tty: boolean, heartbeatMs: number): string => {
    let out = '';
    const stream = { write: (s: string) => { out += s; return true; }, columns: 200 } as unknown as NodeJS.WritableStream;
    const p = progressReporter({ stream, tty, heartbeatMs });
    p.onEvent({ type: 'plan', experiment: 'toy', scale: 'smoke', dir: '/tmp/x', cells: 4, todo: cells, skipped: 0, budgetSteps: 40 });
    p.onEvent({ type: 'cell-start', cell: cells[0], position: 0, of: 4 });
    for (let step = 1; step <= 10; step++) p.onEvent({ type: 'step', cell: cells[0], step, maxSteps: 10, loss: 1 / step });
    p.onEvent({ type: 'cell-done', cell: cells[0], record, path: '/tmp/x/a.json' });
    p.onEvent({ type: 'cell-start', cell: cells[1], position: 1, of: 4 });
    p.onEvent({ type: 'step', cell: cells[1], step: 5, maxSteps: 10, loss: 0.3 });
    p.onEvent({ type: 'stopped', cell: cells[1] });
    p.done();
    return out;
  };
  // A resumed cell: its steps before the resume are done, not measured, so before a step of this run there is no ETA.
  const resumed = (): string => {
    let out = '';
    const stream = { write: (s: string) => { out += s; return true; }, columns: 200 } as unknown as NodeJS.WritableStream;
    const p = progressReporter({ stream, tty: false, heartbeatMs: 0 });
    p.onEvent({ type: 'plan', experiment: 'toy', scale: 'smoke', dir: '/tmp/x', cells: 4, todo: cells, skipped: 0, budgetSteps: 40 });
    p.onEvent({ type: 'cell-start', cell: cells[1], position: 0, of: 4 });
    p.onEvent({ type: 'resumed', cell: cells[1], step: 5 });
    p.onEvent({ type: 'step', cell: cells[1], step: 5, maxSteps: 10, loss: 0.3 });
    p.onEvent({ type: 'step', cell: cells[1], step: 6, maxSteps: 10, loss: 0.2 });
    p.done();
    return out;
  };
  const r = resumed();
  assert.match(r, /toy: mechanism=dot-product,seed=1 resumed from its checkpoint at step 5\/10\n/);
  assert.match(r, /step 5\/10 \(resumed\) loss 0\.3000, cell ETA \?, ETA \?\n/, 'no steps measured yet: no estimate');
  assert.match(r, /step 6\/10 \(resumed\) loss 0\.2000, cell ETA \d+s, ETA \d+s\n/, 'one step measured: an estimate');
  const plain = feed(false, 0);
  assert.ok(!plain.includes('\r'), 'no carriage returns in plain mode');
  assert.match(plain, /^toy \(smoke\): 4 cells, 0 already done, 4 to run → \/tmp\/x\n/);
  assert.match(plain, /toy: 1\/4 mechanism=dot-product,seed=0: accuracy 0\.5000 \(best 0\.7500\), 10 steps \(steps\), 2s; ETA \S+\n/);
  assert.match(plain, /toy: 1\/4 cells, mechanism=dot-product,seed=1 step 5\/10 loss 0\.3000, cell ETA \S+, ETA \S+\n/, 'heartbeat');
  assert.match(plain, /stopped \(cell mechanism=dot-product,seed=1 checkpointed at step 5; the next run resumes it\); 1 finished cells are saved\n$/);
  const tty = feed(true, 0);
  assert.ok(tty.includes('\r\u001b[Ktoy [█████░░░░░░░░░░░░░░░] 25%  1/4 cells'), 'bar at 25 % after one of four equal cells, redrawn in place');
  assert.match(tty, /1\/4 cells {2}ETA \d+s {2}mechanism=dot-product,seed=1 {2}step 0\/10 \(cell \?\)/);
  assert.equal(formatEta(3_725_000), '1h02m');
  assert.equal(formatEta(125_000), '2m05s');
});

test('lab/experiments: a registered experiment is found by name and listed; a taken name or an unknown one is an error naming it', async () => {
  const { registerExperiment, getExperiment, listExperiments } = await import('../lib/lab/experiments.js');
  const mine = toyExperiment({ name: 'toy-registered-by-test' });
  const before = listExperiments().length;
  registerExperiment(mine);
  assert.equal(getExperiment('toy-registered-by-test'), mine);
  assert.equal(listExperiments().length, before + 1);
  assert.throws(() => registerExperiment(toyExperiment({ name: 'toy-registered-by-test' })), /an experiment called 'toy-registered-by-test' is already registered/);
  assert.throws(() => getExperiment('no-such-experiment'), /unknown experiment 'no-such-experiment'; known experiments: .*toy-registered-by-test/);
});

test('papers/registry: importing it registers every paper\'s grids, in order, once', async () => {
  const { EXPERIMENTS, getExperiment, experimentsOf } = await import('../lib/papers/registry.js');
  assert.ok(EXPERIMENTS.length > 10);
  for (const e of EXPERIMENTS) assert.equal(getExperiment(e.name), e);
  assert.deepEqual(experimentsOf('ts').map((e) => e.name), EXPERIMENTS.filter((e) => e.paper === 'ts').map((e) => e.name));
  assert.throws(() => experimentsOf('xx'), /unknown paper 'xx'; known papers: ea, ts, cog/);
});
