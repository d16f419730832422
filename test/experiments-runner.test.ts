/**
 * The experiment runner and results store: records, skipping finished cells, damaged files reported
 * and re-run, stale configs, shards and the worker shares of `--workers`, seed batching (its default
 * and its fallback), Ctrl-C (abort), SIGKILL of a real child process and resume, no tensor leaks; the
 * results module (danfojs frames, seed aggregation, the backend guard).
 * Runs on one backend (the first of EA_TEST_BACKENDS): this is bookkeeping, not numerics.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { expandGrid } from '../lib/lab/grid.js';
import type { ResultRecord } from '../lib/lab/record.js';
import { curvesFrame, frameRows, loadDanfo, loadKeptModel, loadResults, resultsFrame, summarise } from '../lib/lab/results.js';
import { disposeParams } from '../lib/models/params.js';
import { readCheckpoint } from '../lib/train/checkpoint.js';
import { ToySource, type ToySourceArgs } from '../lib/train/data.js';
import { evaluate } from '../lib/train/trainer.js';
import { aggregate } from '../lib/lab/statistics.js';
import { runWorkerPool, workerEnv, workerShard, type WireEvent } from '../lib/lab/pool.js';
import { planRun, runExperiment, runGroup, seedGroups, type CellOutcome, type RunEvent } from '../lib/lab/runner.js';
import { readResults, resultDir } from '../lib/lab/store.js';
import { toyExperiment } from '../lib/lab/toy.js';
import { testBackends } from './helpers.js';
import { recommendedParallelism } from '../lib/util/parallelism.js';

const backends = await testBackends();
const backend = backends[0];
const root = mkdtempSync(join(tmpdir(), 'ea-runner-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = (): string => join(root, `out${counter++}`);

function files(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Numbers that must be equal between two runs of the same cell on one backend. */
function numbers(r: ResultRecord): unknown {
  return { key: r.key, hash: r.configHash, steps: r.steps, final: r.finalAccuracy, loss: r.finalEvalLoss, curve: r.curve, lossCurve: r.lossCurve };
}

test('danfojs loads without changing the active backend', async () => {
  // danfojs-node requires tfjs-node, which calls tf.setBackend('tensorflow') when it loads.
  const other = backends.find((b) => b !== 'tensorflow') ?? 'cpu';
  await initBackend(other);
  loadDanfo();
  assert.equal(tf.getBackend(), other);
  await initBackend(backend);
});

test('danfojs still loads where tfjs-node cannot (the pure-JS tfjs stands in)', () => {
  const block = join(root, 'block-tfjs-node.cjs');
  writeFileSync(block, [
    "const Module = require('node:module');",
    'const load = Module._load;',
    "Module._load = function (request, ...rest) { if (request === '@tensorflow/tfjs-node') throw new Error('binding missing (simulated)'); return load.call(this, request, ...rest); };",
  ].join('\n'));
  const script = join(root, 'danfo.mjs');
  const results = JSON.stringify(fileURLToPath(new URL('../lib/lab/results.ts', import.meta.url)));
  writeFileSync(script, [
    `const { loadDanfo, resultsFrame } = await import(${results});`,
    'const dfd = loadDanfo();',
    "console.log(JSON.stringify(new dfd.DataFrame([{ a: 1 }, { a: 2 }]).shape), resultsFrame([]).shape.join('x'));",
  ].join('\n'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-r', block, script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', env: { ...process.env, EA_BACKEND: 'cpu' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '[2,1] 0x0');
});

test('run writes one valid record per cell with the documented fields, and leaks no tensor', async () => {
  await initBackend(backend);
  const out = fresh();
  const experiment = toyExperiment({ seeds: 2, keepModel: true, steps: { smoke: 8 }, evalEvery: 2 });
  const before = tf.memory().numTensors;
  const events: RunEvent['type'][] = [];
  const summary = await runExperiment(experiment, { scale: 'smoke', out, onEvent: (e) => { events.push(e.type); } });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.equal(summary.ran, 4);
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  const dir = resultDir(out, 'ea', 'toy', 'smoke');
  assert.equal(summary.dir, dir);
  assert.deepEqual(files(dir), [
    'mechanism=dot-product,seed=0.json', 'mechanism=dot-product,seed=0.model.json.gz', 'mechanism=dot-product,seed=1.json',
    'mechanism=expressive,seed=0.json', 'mechanism=expressive,seed=0.model.json.gz', 'mechanism=expressive,seed=1.json',
  ]);
  assert.equal(events[0], 'plan');
  assert.equal(events.filter((t) => t === 'cell-done').length, 4);
  const { records, problems } = readResults(out);
  assert.deepEqual(problems, []);
  const r = records.find((x) => x.record.key === 'mechanism=expressive,seed=1')!.record;
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string };
  assert.equal(r.library.version, pkg.version);
  assert.equal(r.backend.backend, backend);
  // Where and how: the CPU and its vector extensions (float results differ between AVX2 and AVX-512), the engine and its lanes.
  assert.equal(typeof r.host.cpu, 'string');
  assert.ok(Array.isArray(r.host.simd) && r.host.simd.every((f) => ['avx2', 'fma', 'avx512f'].includes(f)), JSON.stringify(r.host.simd));
  if (process.platform === 'linux' && /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'))) assert.ok(r.host.simd?.includes('avx2'));
  // The default engine is 'auto': the graph engine on tfjs-node (its first steps recorded eagerly), else eager.
  assert.equal(r.engine?.name, backend === 'tensorflow' ? 'graph' : 'eager');
  assert.ok(r.engine!.lanes >= 1);
  assert.equal(r.configHash, expandGrid(experiment, 'smoke').find((c) => c.key === r.key)!.configHash);
  assert.deepEqual(r.coords, { mechanism: 'expressive', seed: 1 });
  assert.equal(r.steps, 8);
  assert.equal(r.maxSteps, 8);
  assert.equal(r.stopReason, 'steps');
  assert.ok(r.wallTimeMs > 0 && r.msPerStep > 0);
  assert.deepEqual(r.curve.map((p) => p.step), [2, 4, 6, 8]);
  assert.equal(r.finalAccuracy, r.curve.at(-1)!.accuracy);
  assert.equal(r.bestAccuracy, Math.max(...r.curve.map((p) => p.accuracy)));
  assert.deepEqual(Object.keys(r.perLabel).sort(), ['increment', 'repeat']);
  assert.equal(r.model.kind, 'transformer');
  assert.deepEqual(r.model.config.attention, ['expressive']);
  assert.equal(r.task.vocabSize, 6);
  assert.equal(r.modelFile, null);
  assert.equal(records.find((x) => x.record.key === 'mechanism=expressive,seed=0')!.record.modelFile, 'mechanism=expressive,seed=0.model.json.gz');
  assert.ok(r.lossCurve.length > 0 && r.lossCurve.length <= 50);

  // The kept model is the trained one: re-evaluating it gives the record's final accuracy.
  const kept = loadKeptModel(dir, 'mechanism=expressive,seed=0');
  const again = evaluate(kept.model, kept.params, kept.task.evalBatches(), kept.task.labelNames);
  assert.equal(again.accuracy, kept.record.finalAccuracy);
  disposeParams(kept.params);
  kept.model.dispose();
  assert.throws(() => loadKeptModel(dir, 'mechanism=expressive,seed=1'), /no model was kept for cell 'mechanism=expressive,seed=1'/);
});

test('a second run skips finished cells and touches no file', async () => {
  await initBackend(backend);
  const out = fresh();
  const experiment = toyExperiment({ steps: { smoke: 4 } });
  await runExperiment(experiment, { scale: 'smoke', out });
  const dir = resultDir(out, 'ea', 'toy', 'smoke');
  const mtimes = files(dir).map((f) => statSync(join(dir, f)).mtimeMs);
  const again = await runExperiment(experiment, { scale: 'smoke', out });
  assert.equal(again.ran, 0);
  assert.equal(again.skipped, 4);
  assert.deepEqual(files(dir).map((f) => statSync(join(dir, f)).mtimeMs), mtimes);
  // More seeds: only the new cells run.
  const more = await runExperiment(experiment, { scale: 'smoke', out, seeds: 3 });
  assert.equal(more.ran, 2);
  assert.equal(more.skipped, 4);
});

test('truncated, damaged and stale files are reported with their path, left out on load, and re-run', async () => {
  await initBackend(backend);
  const out = fresh();
  const experiment = toyExperiment({ steps: { smoke: 4 } });
  await runExperiment(experiment, { scale: 'smoke', out });
  const dir = resultDir(out, 'ea', 'toy', 'smoke');
  const truncated = join(dir, 'mechanism=dot-product,seed=0.json');
  const edited = join(dir, 'mechanism=dot-product,seed=1.json');
  const garbage = join(dir, 'mechanism=expressive,seed=0.json');
  const text = readFileSync(truncated, 'utf8');
  writeFileSync(truncated, text.slice(0, Math.floor(text.length / 2)));
  const record = JSON.parse(readFileSync(edited, 'utf8')) as ResultRecord;
  writeFileSync(edited, JSON.stringify({ ...record, finalAccuracy: 1 }));
  writeFileSync(garbage, '');
  writeFileSync(join(dir, 'mechanism=expressive,seed=1.json.tmp-123-456'), '{"half": '); // an interrupted write: ignored

  const loaded = loadResults(out, { quiet: true });
  assert.equal(loaded.records.length, 1);
  assert.deepEqual(loaded.problems.map((p) => p.path).sort(), [edited, truncated, garbage].sort());
  const reason = (p: string): string => loaded.problems.find((x) => x.path === p)!.error;
  assert.match(reason(truncated), /not valid JSON \(truncated or damaged\?\)/);
  assert.match(reason(edited), /checksum mismatch/);
  assert.match(reason(garbage), /not valid JSON/);
  assert.ok(reason(truncated).startsWith(truncated), 'the message starts with the path');

  const reported: string[] = [];
  const rerun = await runExperiment(experiment, {
    scale: 'smoke', out, onEvent: (e) => { if (e.type === 'problem') reported.push(e.problem.path); },
  });
  assert.deepEqual(reported.sort(), [edited, truncated, garbage].sort());
  assert.equal(rerun.ran, 3);
  assert.equal(rerun.skipped, 1);
  const healed = loadResults(out, { quiet: true });
  assert.equal(healed.records.length, 4);
  assert.deepEqual(healed.problems, []);

  // A changed definition (another step budget) makes every old record stale: reported and re-run.
  const changed = toyExperiment({ steps: { smoke: 5 } });
  const stale: string[] = [];
  const s = await runExperiment(changed, { scale: 'smoke', out, onEvent: (e) => { if (e.type === 'problem') stale.push(e.problem.error); } });
  assert.equal(s.ran, 4);
  assert.equal(stale.length, 4);
  assert.match(stale[0], /made by a different configuration/);
});

test('batching seeds (trainBatched) writes the same records as one cell at a time', async () => {
  await initBackend(backend);
  const experiment = toyExperiment({ seeds: 3, steps: { smoke: 6 }, evalEvery: 2 });
  const groups = seedGroups(expandGrid(experiment, 'smoke'), 2);
  assert.deepEqual(groups.map((g) => g.map((c) => c.key)), [
    ['mechanism=dot-product,seed=0', 'mechanism=dot-product,seed=1'], ['mechanism=dot-product,seed=2'],
    ['mechanism=expressive,seed=0', 'mechanism=expressive,seed=1'], ['mechanism=expressive,seed=2'],
  ]);
  const one = fresh();
  const many = fresh();
  await runExperiment(experiment, { scale: 'smoke', out: one, batchSeeds: 1 });
  const before = tf.memory().numTensors;
  const batched = await runExperiment(experiment, { scale: 'smoke', out: many, batchSeeds: 3 });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.equal(batched.ran, 6);
  const sorted = (dir: string): unknown[] => readResults(dir).records.map((r) => numbers(r.record)).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
  assert.deepEqual(sorted(many), sorted(one));
});

test('seed batching by default: 8 seeds together on tensorflow, one cell at a time on wasm and cpu', async () => {
  await initBackend(backend);
  const experiment = toyExperiment({ seeds: 3, steps: { smoke: 2 } });
  const order: string[] = [];
  await runExperiment(experiment, { scale: 'smoke', out: fresh(), onEvent: (e) => { if (e.type === 'cell-start' || e.type === 'cell-done') order.push(`${e.type} ${e.cell.key}`); } });
  const expected = recommendedParallelism(backend).replicasPerRun;
  assert.equal(expected, backend === 'tensorflow' ? 8 : 1);
  // Cells started before the first one finished = the size of the first group (3 seeds of dot-product, or 1).
  assert.equal(order.findIndex((x) => x.startsWith('cell-done')), Math.min(3, expected), order.join('\n'));
});

test('a group that trainBatched rejects as a whole is trained one cell at a time, to the same records', async () => {
  await initBackend(backend);
  const experiment = toyExperiment({ seeds: 2, mechanisms: ['expressive'], steps: { smoke: 4 }, evalEvery: 2 });
  const cells = expandGrid(experiment, 'smoke');
  const run = async (group: boolean): Promise<{ outcomes: CellOutcome[]; events: RunEvent[] }> => {
    const events: RunEvent[] = [];
    const dir = resultDir(fresh(), 'ea', 'toy', 'smoke');
    const ctx = { dir, shard: '1/1', emit: (e: RunEvent) => { events.push(e); } };
    const outcomes = group
      ? await runGroup(cells, ctx, { trainBatched: () => Promise.reject(new Error('lanes need batches of one shape (simulated)')) })
      : [(await runGroup([cells[0]], ctx))[0], (await runGroup([cells[1]], ctx))[0]];
    return { outcomes, events };
  };
  const before = tf.memory().numTensors;
  const fallback = await run(true);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  const alone = await run(false);
  const fb = fallback.events.filter((e) => e.type === 'fallback');
  assert.equal(fb.length, 1);
  assert.deepEqual(fb[0].type === 'fallback' && [fb[0].cells.map((c) => c.key), fb[0].error], [cells.map((c) => c.key), 'lanes need batches of one shape (simulated)']);
  const recordOf = (o: CellOutcome): ResultRecord => {
    assert.ok(o !== 'stopped' && 'record' in o, JSON.stringify(o));
    return o.record;
  };
  assert.deepEqual(fallback.outcomes.map((o) => numbers(recordOf(o))), alone.outcomes.map((o) => numbers(recordOf(o))));
});

test('worker shares (--workers N within --shard k/n) are disjoint and together exactly the user\'s share', () => {
  const experiment = toyExperiment({ seeds: 5, mechanisms: ['dot-product', 'expressive', 'cog'] }); // 15 cells
  const keys = (shard?: { k: number; n: number }): string[] => expandGrid(experiment, 'smoke', { shard }).map((c) => c.key);
  for (const outer of [undefined, { k: 1, n: 1 }, { k: 1, n: 2 }, { k: 2, n: 2 }, { k: 3, n: 4 }, { k: 2, n: 7 }]) {
    const share = keys(outer);
    for (const N of [1, 2, 3, 5, 16]) {
      const parts = Array.from({ length: N }, (_, i) => keys(workerShard(i + 1, N, outer)));
      const all = parts.flat();
      const what = `shard ${outer ? `${outer.k}/${outer.n}` : 'none'}, ${N} workers`;
      assert.equal(new Set(all).size, all.length, `${what}: disjoint`);
      assert.deepEqual([...all].sort(), [...share].sort(), `${what}: complete`);
      // Balanced: the shares differ by at most one cell.
      assert.ok(Math.max(...parts.map((p) => p.length)) - Math.min(...parts.map((p) => p.length)) <= 1, what);
    }
  }
  assert.deepEqual(workerShard(2, 3, { k: 2, n: 4 }), { k: 6, n: 12 });
  assert.deepEqual(workerShard(1, 1), { k: 1, n: 1 });
  assert.throws(() => workerShard(0, 2), /worker index must be in 1\.\.2; got 0/);
  assert.throws(() => workerShard(3, 2), /worker index must be in 1\.\.2; got 3/);
  assert.throws(() => workerShard(1, 0), /workers must be a positive integer; got 0/);
  assert.throws(() => workerShard(1, 2, { k: 3, n: 2 }), /shard must be k\/n with 1 ≤ k ≤ n; got 3\/2/);
});

test('worker processes: one TensorFlow thread each unless set; a stop reaches workers that are training, and they write nothing half-done', async () => {
  assert.equal(workerEnv({}).TF_NUM_INTRAOP_THREADS, '1');
  assert.equal(workerEnv({}).EA_WORKER, '1');
  assert.equal(workerEnv({ TF_NUM_INTRAOP_THREADS: '4' }).TF_NUM_INTRAOP_THREADS, '4');
  const out = fresh();
  const lib = (p: string): string => JSON.stringify(fileURLToPath(new URL(`../lib/lab/${p}`, import.meta.url)));
  const script = join(root, 'pool-worker.mjs');
  writeFileSync(script, [ // what `ea run` does in a worker, on the toy experiment, with cells too long to finish
    `import { attachToParent, workerEventSink } from ${lib('pool.ts')};`,
    `import { runExperiment } from ${lib('runner.ts')};`,
    `import { toyExperiment } from ${lib('toy.ts')};`,
    `const [k, n] = process.argv.at(-1).split('/').map(Number);`,
    `const controller = new AbortController();`,
    `const parent = attachToParent(controller);`,
    `const summary = await runExperiment(toyExperiment({ seeds: 2, steps: { smoke: 1e6 } }), {`,
    `  scale: 'smoke', out: process.argv[2], shard: { k, n }, batchSeeds: 1, signal: controller.signal, onEvent: workerEventSink(parent.send, 0) });`,
    `await parent.close({ type: 'summary', summaries: [summary] });`,
    `process.exitCode = summary.stopped ? 130 : 0;`,
  ].join('\n'));
  const events: { event: WireEvent; worker: number }[] = [];
  const lines: string[] = [];
  let training!: () => void;
  const bothTraining = new Promise<void>((resolve) => { training = resolve; });
  const pool = runWorkerPool({
    workers: 2, entry: ['--import', 'tsx', script], args: [out], cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, EA_BACKEND: backend, TF_CPP_MIN_LOG_LEVEL: '2' },
    onEvent: (event, worker) => {
      events.push({ event, worker });
      const stepping = new Set(events.filter((e) => e.event.type === 'step' && e.event.step >= 3).map((e) => e.worker));
      if (stepping.size === 2) training();
    },
    onLine: (line) => { lines.push(line); },
  });
  await Promise.race([bothTraining, pool.done.then(() => { throw new Error(`workers ended early:\n${lines.join('\n')}`); })]);
  pool.stop();
  const deadline = setTimeout(() => pool.kill(), 60_000); // a stop that is not heard fails the test below instead of hanging it
  const exits = await pool.done;
  clearTimeout(deadline);
  assert.deepEqual(exits.map((x) => [x.worker, `${x.shard.k}/${x.shard.n}`, x.code, x.summaries?.[0].stopped, x.summaries?.[0].ran]),
    [[1, '1/2', 130, true, 0], [2, '2/2', 130, true, 0]], lines.join('\n'));
  // Each worker trained the first cell of its share and abandoned it.
  const started = (w: number): string[] => events.filter((e) => e.worker === w && e.event.type === 'cell-start').map((e) => (e.event as { cell: { key: string } }).cell.key);
  assert.deepEqual([started(1), started(2)], [['mechanism=dot-product,seed=0'], ['mechanism=dot-product,seed=1']]);
  for (const w of [1, 2]) assert.ok(events.some((e) => e.worker === w && e.event.type === 'stopped' && e.event.cell), `worker ${w} reported its abandoned cell`);
  const dir = resultDir(out, 'ea', 'toy', 'smoke');
  assert.deepEqual(existsSync(dir) ? readdirSync(dir).filter((f) => f !== 'checkpoints') : [], [], 'no record');
  assert.deepEqual(readdirSync(join(dir, 'checkpoints')).sort(), ['mechanism=dot-product,seed=0.ckpt', 'mechanism=dot-product,seed=1.ckpt'], 'each worker checkpointed its cell');
});

test('shards write disjoint cells that merge into the whole grid', async () => {
  await initBackend(backend);
  const out = fresh();
  const experiment = toyExperiment({ seeds: 3, mechanisms: ['dot-product', 'expressive', 'cog'], steps: { smoke: 2 } });
  const a = await runExperiment(experiment, { scale: 'smoke', out, shard: { k: 1, n: 2 } });
  const b = await runExperiment(experiment, { scale: 'smoke', out, shard: { k: 2, n: 2 } });
  assert.equal(a.ran + b.ran, 9);
  const { records } = loadResults(out, { quiet: true });
  assert.deepEqual(records.map((r) => r.key).sort(), expandGrid(experiment, 'smoke').map((c) => c.key).sort());
  assert.deepEqual([...new Set(records.map((r) => r.shard))].sort(), ['1/2', '2/2']);
});

for (const batchSeeds of [1, 2]) test(`aborting (Ctrl-C, batchSeeds ${batchSeeds}) checkpoints the cells in progress; the rerun resumes them to the records of an uninterrupted run`, async () => {
  await initBackend(backend);
  const out = fresh();
  const clean = fresh();
  const experiment = toyExperiment({ seeds: 2, steps: { smoke: 30 }, evalEvery: 5 });
  const controller = new AbortController();
  let done = 0;
  const first = await runExperiment(experiment, {
    scale: 'smoke', out, signal: controller.signal, batchSeeds,
    onEvent: (e) => {
      if (e.type === 'cell-done') done++;
      if (e.type === 'step' && done === 2 && e.step === 13) controller.abort(); // mid-way through the second group (or the third cell)
    },
  });
  assert.equal(first.stopped, true);
  assert.equal(first.ran, 2);
  const dir = resultDir(out, 'ea', 'toy', 'smoke');
  const inProgress = batchSeeds === 1 ? ['mechanism=expressive,seed=0'] : ['mechanism=expressive,seed=0', 'mechanism=expressive,seed=1'];
  assert.deepEqual(files(join(dir, 'checkpoints')), inProgress.map((k) => `${k}.ckpt`));
  assert.deepEqual(files(dir).filter((f) => f !== 'checkpoints').length, 2, 'the two finished records, nothing for the cells in progress');
  assert.equal(first.cellsLeft, 2);
  assert.equal(first.stepsLeft, batchSeeds === 1 ? (30 - 13) + 30 : 2 * (30 - 13), 'steps left: the rest of the cells in progress and all of those not started');
  for (const key of inProgress) assert.equal(JSON.parse(readFileSync(join(dir, 'checkpoints', `${key}.ckpt`), 'utf8')).step, 13);

  const events: RunEvent[] = [];
  const second = await runExperiment(experiment, { scale: 'smoke', out, batchSeeds, onEvent: (e) => { events.push(e); } });
  assert.deepEqual([second.skipped, second.ran, second.stopped, second.cellsLeft, second.stepsLeft], [2, 2, false, 0, 0]);
  assert.deepEqual(events.filter((e) => e.type === 'resumed').map((e) => [(e as { cell: { key: string } }).cell.key, (e as { step: number }).step]),
    inProgress.map((k) => [k, 13]));
  assert.equal(second.stepsTrained, batchSeeds === 1 ? 17 + 30 : 2 * 17, 'only the steps after the checkpoint are trained again');
  assert.ok(!existsSync(join(dir, 'checkpoints')), 'finished cells leave no checkpoint behind');
  await runExperiment(experiment, { scale: 'smoke', out: clean, batchSeeds });
  const a = loadResults(out, { quiet: true }).records;
  const b = loadResults(clean, { quiet: true }).records;
  const sorted = (rs: ResultRecord[]): unknown[] => rs.sort((x, y) => x.key.localeCompare(y.key)).map(numbers);
  assert.deepEqual(sorted(a), sorted(b), 'stopped + resumed = uninterrupted, bit for bit');
  assert.deepEqual(a.filter((r) => r.resumedFrom !== undefined).map((r) => [r.key, r.resumedFrom]).sort(), inProgress.map((k) => [k, 13]));
});

test('a checkpoint made for another config hash or library version, or damaged, is discarded with a message; --rerun discards it too', async () => {
  await initBackend(backend);
  let out = fresh();
  const experiment = toyExperiment({ seeds: 1, mechanisms: ['dot-product'], steps: { smoke: 20 }, evalEvery: 5 });
  /** Runs the cell (again) into `where` and stops it at `step`; returns its checkpoint's path. */
  const stopAt = async (step: number, where = fresh()): Promise<string> => {
    out = where;
    const controller = new AbortController();
    await runExperiment(experiment, {
      scale: 'smoke', out, signal: controller.signal, rerun: true, onEvent: (e) => { if (e.type === 'step' && e.step === step) controller.abort(); },
    });
    return join(resultDir(out, 'ea', 'toy', 'smoke'), 'checkpoints', 'mechanism=dot-product,seed=0.ckpt');
  };
  const edits: [string, (c: { tag: Record<string, unknown> }) => string, RegExp][] = [
    ['config hash', (c) => JSON.stringify({ ...c, tag: { ...c.tag, configHash: 'feedface' } }), /checkpoint discarded: made for config hash feedface, the cell's is now [0-9a-f]+; the cell starts from step 0/],
    ['library version', (c) => JSON.stringify({ ...c, tag: { ...c.tag, library: '0.0.1' } }), /checkpoint discarded: made by library version 0\.0\.1, this is \S+; the cell starts from step 0/],
    ['truncated', (c) => JSON.stringify(c).slice(0, 100), /checkpoint discarded: checkpoint .*not valid JSON, perhaps truncated/],
  ];
  for (const [what, edit, message] of edits) {
    const path = await stopAt(7);
    writeFileSync(path, edit(JSON.parse(readFileSync(path, 'utf8'))));
    const events: RunEvent[] = [];
    const summary = await runExperiment(experiment, { scale: 'smoke', out, onEvent: (e) => { events.push(e); } });
    const problems = events.flatMap((e) => (e.type === 'problem' ? [`${e.problem.path}: ${e.problem.error}`] : []));
    assert.equal(problems.length, 1, `${what}: ${problems.join('; ')}`);
    assert.match(problems[0], message, what);
    assert.ok(!events.some((e) => e.type === 'resumed'), `${what}: not resumed`);
    assert.equal(summary.stepsTrained, 20, `${what}: trained from step 0`);
  }
  const path = await stopAt(7);
  const events: RunEvent[] = [];
  await runExperiment(experiment, { scale: 'smoke', out, rerun: true, onEvent: (e) => { events.push(e); } });
  assert.match(events.flatMap((e) => (e.type === 'problem' ? [e.problem.error] : [])).join(), /checkpoint discarded: --rerun/);
  assert.ok(!existsSync(path));
  // A --rerun stopped mid-way leaves a checkpoint beside the cell's earlier record: the record stands, the checkpoint goes.
  await runExperiment(experiment, { scale: 'smoke', out });
  const stale = await stopAt(7, out);
  assert.ok(existsSync(stale));
  const skipped = await runExperiment(experiment, { scale: 'smoke', out });
  assert.deepEqual([skipped.skipped, skipped.ran], [1, 0]);
  assert.ok(!existsSync(stale), 'the finished cell\'s checkpoint was removed');
});

test('a run with --steps files its records apart, under <scale>-steps<N>, each carrying its budget', async () => {
  await initBackend(backend);
  const out = fresh();
  const experiment = toyExperiment({ seeds: 1, mechanisms: ['dot-product'], steps: { smoke: 10 } });
  const own = await runExperiment(experiment, { scale: 'smoke', out });
  const longer = await runExperiment(experiment, { scale: 'smoke', out, steps: 14 });
  assert.deepEqual([own.ran, longer.ran, longer.skipped], [1, 1, 0], 'a record of another budget is not this budget\'s');
  assert.equal(longer.dir, resultDir(out, 'ea', 'toy', 'smoke', 'steps14'));
  assert.ok(longer.dir.endsWith(join('toy', 'smoke-steps14')));
  const [r] = loadResults(longer.dir, { quiet: true }).records;
  assert.deepEqual([r.steps, r.maxSteps, r.budget, r.scale], [14, 14, 'steps14', 'smoke']);
  const [o] = loadResults(own.dir, { quiet: true }).records;
  assert.deepEqual([o.steps, o.budget], [10, undefined]);
  assert.equal(loadResults(out, { quiet: true }).records.length, 2, 'both kept when read together (the budget is part of a cell\'s identity)');
});

test('the plateau stop: a grid that asks for it ends cells whose accuracy stopped rising, with stopReason plateau', async () => {
  await initBackend(backend);
  const out = fresh();
  // Learning rate 1e-2 on the toy task: accuracy settles within a few dozen steps; a window of 2 evaluations and δ 0.99 end it at the third evaluation (unless it reaches 100 % first).
  const experiment = toyExperiment({ seeds: 1, mechanisms: ['dot-product'], steps: { smoke: 400 }, evalEvery: 5, plateau: { window: 2, minDelta: 0.99 } });
  await runExperiment(experiment, { scale: 'smoke', out });
  const [r] = loadResults(out, { quiet: true }).records;
  assert.equal(r.stopReason, 'plateau');
  assert.equal(r.steps, 15, 'three evaluations: the first sets the best, the next two do not beat it by more than 0.99');
  assert.deepEqual(r.curve.map((p) => p.step), [5, 10, 15]);
  assert.deepEqual(r.spec.trainer.plateau, { window: 2, minDelta: 0.99 });
});

test('engine graph: the cells train as TensorFlow graphs (on tfjs-node), records say so, and agree with eager within the stated bound', { skip: backend === 'tensorflow' ? false : 'graph engine needs tfjs-node' }, async () => {
  await initBackend(backend);
  const experiment = toyExperiment({ seeds: 2, mechanisms: ['expressive'], steps: { smoke: 30 }, evalEvery: 10 });
  const eager = await runExperiment(experiment, { scale: 'smoke', out: fresh(), engine: 'eager' });
  const graph = await runExperiment(experiment, { scale: 'smoke', out: fresh(), engine: 'graph' });
  const auto = await runExperiment(experiment, { scale: 'smoke', out: fresh() });
  const load = (dir: string): ResultRecord[] => loadResults(dir, { quiet: true }).records.sort((a, b) => a.key.localeCompare(b.key));
  const [e, g] = [load(eager.dir), load(graph.dir)];
  assert.deepEqual(g.map((r) => r.engine?.name), ['graph', 'graph']);
  assert.deepEqual(load(auto.dir).map((r) => [r.engine?.name, r.finalAccuracy, r.finalEvalLoss]), g.map((r) => [r.engine?.name, r.finalAccuracy, r.finalEvalLoss]), 'the default is the graph engine');
  assert.deepEqual(e.map((r) => r.engine?.name), ['eager', 'eager']);
  assert.deepEqual(g.map((r) => r.configHash), e.map((r) => r.configHash), 'the engine is not part of the config');
  for (let i = 0; i < e.length; i++) {
    assert.equal(g[i].steps, e[i].steps);
    assert.ok(Math.abs(g[i].finalAccuracy - e[i].finalAccuracy) <= 0.02, `${g[i].key}: accuracy ${g[i].finalAccuracy} vs ${e[i].finalAccuracy}`);
  }
});

test('--no-plateau --only-stopped plateau retrains exactly the cells the plateau stop ended, without it, under <scale>-noplateau', async () => {
  await initBackend(backend);
  const out = fresh();
  const experiment = toyExperiment({ seeds: 2, mechanisms: ['dot-product'], steps: { smoke: 40 }, evalEvery: 5, plateau: { window: 2, minDelta: 0.99 } });
  await assert.rejects(runExperiment(experiment, { scale: 'smoke', out, noPlateau: true, onlyStopped: 'plateau' }), /--only-stopped: no records of 'toy' in \S+smoke to choose cells from/);
  // The grid's own folder has a record for seed 0 only (ended by the plateau stop at step 15).
  await runExperiment(experiment, { scale: 'smoke', out, only: { seed: ['0'] } });
  const [base] = loadResults(resultDir(out, 'ea', 'toy', 'smoke'), { quiet: true }).records;
  assert.deepEqual([base.key, base.stopReason, base.steps], ['mechanism=dot-product,seed=0', 'plateau', 15]);
  const longer = await runExperiment(experiment, { scale: 'smoke', out, noPlateau: true, onlyStopped: 'plateau' });
  assert.deepEqual([longer.cells, longer.ran], [1, 1], 'seed 1 has no record, so nothing says a plateau stopped it');
  assert.equal(longer.dir, resultDir(out, 'ea', 'toy', 'smoke', 'noplateau'));
  const [r] = loadResults(longer.dir, { quiet: true }).records;
  assert.equal(r.key, base.key);
  assert.notEqual(r.configHash, base.configHash);
  assert.equal(r.spec.trainer.plateau, undefined);
  assert.ok(r.stopReason === 'steps' || r.stopReason === 'perfect', r.stopReason);
  assert.ok(r.steps > 15, `trained on past the plateau stop (${r.steps} steps)`);
  assert.deepEqual(r.curve.slice(0, 3), base.curve, 'the same run up to where the plateau stopped it');
  const none = await runExperiment(experiment, { scale: 'smoke', out, noPlateau: true, onlyStopped: 'steps' });
  assert.equal(none.cells, 0, 'no record of the grid\'s own ended by its steps');
  await assert.rejects(runExperiment(toyExperiment({ seeds: 1 }), { scale: 'smoke', out, noPlateau: true }), /--no-plateau: experiment 'toy' \(smoke\) has no plateau stop in cell mechanism=dot-product,seed=0/);
});

test('every record scores its final parameters once on the test split, apart from the validation split training read', async () => {
  await initBackend(backend);
  const out = fresh();
  const experiment = toyExperiment({ seeds: 1, mechanisms: ['dot-product'], steps: { smoke: 30 }, evalEvery: 10, keepModel: true });
  const run = await runExperiment(experiment, { scale: 'smoke', out, batchSeeds: 1 });
  const [r] = loadResults(run.dir, { quiet: true }).records;
  assert.ok(r.test, 'a test score');
  const [cell] = expandGrid(experiment, 'smoke');
  const task = new ToySource(cell.spec.task as ToySourceArgs);
  assert.notDeepEqual(task.testBatches()[0].inputs, task.evalBatches()[0].inputs, 'another held-out stream');
  assert.deepEqual(task.testBatches(), new ToySource(cell.spec.task as ToySourceArgs).testBatches(), 'the same every time');
  // The score is that of the final (kept) parameters on those batches.
  const kept = loadKeptModel(run.dir, r.key);
  const again = evaluate(kept.model, kept.params, task.testBatches(), task.labelNames);
  disposeParams(kept.params);
  assert.deepEqual(r.test, { accuracy: again.accuracy, loss: again.loss, perLabel: again.perLabel });
  assert.equal(resultsFrame([r]).column('testAccuracy').values[0], r.test.accuracy);
});

test('--continue: a plateau-stopped run continues from its kept final state — the same trajectory as a run without the stop, curve included', async () => {
  await initBackend(backend);
  const out = fresh();
  const experiment = toyExperiment({ seeds: 2, mechanisms: ['dot-product'], steps: { smoke: 60 }, evalEvery: 5, plateau: { window: 2, minDelta: 0.99 } });
  const base = await runExperiment(experiment, { scale: 'smoke', out, batchSeeds: 1 });
  const baseRecords = loadResults(base.dir, { quiet: true }).records;
  const stopped = baseRecords.filter((r) => r.stopReason === 'plateau');
  assert.ok(stopped.length >= 1, 'the plateau stop ended some run');
  // Its final state is kept (ignored by git), the checkpoints folder is gone.
  for (const r of stopped) assert.equal(readCheckpoint(join(base.dir, 'states', `${r.key}.ckpt`)).step, r.steps);
  assert.ok(!existsSync(join(base.dir, 'checkpoints')));
  assert.throws(() => planRun(experiment, { scale: 'smoke', out, continueStopped: true }), /needs noPlateau and onlyStopped 'plateau'/);

  const continued = await runExperiment(experiment, { scale: 'smoke', out, batchSeeds: 1, noPlateau: true, onlyStopped: 'plateau', continueStopped: true });
  assert.equal(continued.ran, stopped.length);
  const after = new Map(loadResults(continued.dir, { quiet: true }).records.map((r) => [r.key, r]));
  // A run without the plateau stop from step 0, elsewhere: what the continuation must equal, bit for bit.
  const elsewhere = fresh();
  await runExperiment(experiment, { scale: 'smoke', out: elsewhere, batchSeeds: 1, noPlateau: true });
  const uninterrupted = new Map(loadResults(resultDir(elsewhere, 'ea', 'toy', 'smoke', 'noplateau'), { quiet: true }).records.map((r) => [r.key, r]));
  for (const b of stopped) {
    const c = after.get(b.key) as ResultRecord;
    assert.deepEqual(c.continuedFrom, { key: b.key, configHash: b.configHash, step: b.steps, recordChecksum: b.checksum, stopReason: 'plateau' });
    assert.equal(c.resumedFrom, b.steps);
    assert.deepEqual(c.curve.filter((p) => p.step <= b.steps), b.curve, 'the first part of the curve is the original record\'s, bit for bit');
    assert.ok(c.steps > b.steps);
    assert.deepEqual(numbers(c), numbers(uninterrupted.get(b.key) as ResultRecord), 'continued = never stopped');
  }
  // Without a kept state (records from elsewhere or before 0.3.0) --continue refuses, and says what a retraining would be.
  for (const r of stopped) rmSync(join(base.dir, 'states', `${r.key}.ckpt`));
  const again = await runExperiment(experiment, { scale: 'smoke', out, batchSeeds: 1, noPlateau: true, onlyStopped: 'plateau', continueStopped: true, rerun: true });
  assert.equal(again.failed, stopped.length);
  assert.match(again.errors[0].error, /--continue: no final state of .*a new sample, not a continuation/);
});

for (const batchSeeds of [1, 2]) test(`SIGKILL of a real run mid-cell (batchSeeds ${batchSeeds}) loses at most the steps since the last checkpoint; the rerun completes to the uninterrupted result`, async () => {
  await initBackend(backend);
  const killed = fresh();
  const clean = fresh();
  const args = { seeds: 3, steps: { smoke: 40 }, evalEvery: 10 };
  const lib = (p: string): string => JSON.stringify(fileURLToPath(new URL(`../lib/lab/${p}`, import.meta.url)));
  const script = join(root, `child-${batchSeeds}.mjs`);
  writeFileSync(script, [ // checkpointEveryMs 1: a checkpoint after every step
    `import { runExperiment } from ${lib('runner.ts')};`,
    `import { toyExperiment } from ${lib('toy.ts')};`,
    `await runExperiment(toyExperiment(${JSON.stringify(args)}), { scale: 'smoke', out: process.argv[2], batchSeeds: ${batchSeeds}, checkpointEveryMs: 1, onEvent: (e) => {`,
    `  if (e.type === 'cell-start' || e.type === 'cell-done') console.log(e.type, e.cell.key);`,
    `  if (e.type === 'step' || e.type === 'checkpoint') console.log(e.type, e.cell.key, e.step);`,
    `} });`,
    `console.log('finished');`,
  ].join('\n'));
  const child = spawn(process.execPath, ['--import', 'tsx', script, killed], {
    cwd: fileURLToPath(new URL('..', import.meta.url)), env: { ...process.env, EA_BACKEND: backend, TF_CPP_MIN_LOG_LEVEL: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exit = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  // Kill it in the middle of the third cell (two records are on disk by then: the first two cells,
  // trained one after the other or together), once it has checkpointed a few steps of it.
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const third = [...stdout.matchAll(/^cell-start (.*)$/gm)][2]?.[1];
      if (third !== undefined && stdout.split('\n').filter((l) => l.startsWith(`checkpoint ${third} `)).length >= 5) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`child ended before it was killed:\n${stdout}\n${stderr}`)));
  });
  assert.equal(await exit, 'SIGKILL');
  assert.doesNotMatch(stdout, /finished/);

  const dir = resultDir(killed, 'ea', 'toy', 'smoke');
  const survived = readResults(killed);
  assert.deepEqual(survived.problems, [], 'no damaged file after SIGKILL');
  const doneKeys = [...stdout.matchAll(/^cell-done (.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(survived.records.map((r) => r.record.key).sort(), [...doneKeys].sort(), 'every finished cell was kept');
  assert.ok(doneKeys.length >= 2 && doneKeys.length < 6);
  const inProgress = [...stdout.matchAll(/^cell-start (.*)$/gm)].map((m) => m[1]).filter((k) => !doneKeys.includes(k));
  assert.ok(inProgress.length >= 1 && inProgress.length <= batchSeeds, `${inProgress.length} cells in progress, at most ${batchSeeds}`);
  // What was lost: at most the steps since the last checkpoint (the checkpoint on disk is at least the
  // last one reported, and at most one step behind the last step reported).
  const checkpointed = new Map<string, number>();
  for (const key of inProgress) {
    const last = (type: string): number => Math.max(0, ...[...stdout.matchAll(new RegExp(`^${type} (.*) (\\d+)$`, 'gm'))].filter((m) => m[1] === key).map((m) => Number(m[2])));
    const onDisk = readCheckpoint(join(dir, 'checkpoints', `${key}.ckpt`)).step;
    assert.ok(onDisk >= last('checkpoint') && onDisk >= last('step') - 1, `${key}: checkpoint at step ${onDisk}; last reported step ${last('step')}, checkpoint ${last('checkpoint')}`);
    checkpointed.set(key, onDisk);
  }
  const kept = new Map(survived.records.map((r) => [r.record.key, r.record.checksum]));

  const events: RunEvent[] = [];
  const resumed = await runExperiment(toyExperiment(args), { scale: 'smoke', out: killed, onEvent: (e) => { events.push(e); } });
  assert.equal(resumed.skipped, doneKeys.length);
  assert.equal(resumed.ran, 6 - doneKeys.length);
  assert.deepEqual(new Map(events.flatMap((e) => (e.type === 'resumed' ? [[e.cell.key, e.step] as const] : []))), checkpointed, 'each cell in progress resumed from its checkpoint');
  await runExperiment(toyExperiment(args), { scale: 'smoke', out: clean });

  const a = readResults(killed);
  const b = readResults(clean);
  assert.deepEqual(a.problems, []);
  assert.equal(a.records.length, 6);
  for (const { record } of a.records) if (kept.has(record.key)) assert.equal(record.checksum, kept.get(record.key), `${record.key} was not rewritten`);
  const byKey = (rs: typeof a.records): unknown[] => rs.map((r) => numbers(r.record)).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
  assert.deepEqual(byKey(a.records), byKey(b.records), 'interrupted + resumed = uninterrupted');
  assert.ok(files(dir).every((f) => f.endsWith('.json')), `only records in ${dir}, no checkpoint left: ${files(dir).join(', ')}`);
});

test('results: one row per cell in a DataFrame, seed aggregation, learning curves', async () => {
  await initBackend(backend);
  const out = fresh();
  await runExperiment(toyExperiment({ seeds: 3, steps: { smoke: 6 }, evalEvery: 3 }), { scale: 'smoke', out });
  const { records } = loadResults(out, { quiet: true });
  const df = resultsFrame(records);
  assert.equal(df.shape[0], 6);
  for (const column of ['experiment', 'scale', 'key', 'mechanism', 'seed', 'finalAccuracy', 'bestAccuracy', 'stepsToPerfect', 'acc_repeat', 'acc_increment', 'backend', 'libraryVersion', 'parameterCount']) {
    assert.ok(df.columns.includes(column), `column ${column}`);
  }
  const table = frameRows(summarise(df, ['mechanism'], 'finalAccuracy'));
  assert.deepEqual(table.map((r) => r.mechanism), ['dot-product', 'expressive']);
  for (const row of table) {
    const xs = records.filter((r) => r.coords.mechanism === row.mechanism).map((r) => r.finalAccuracy);
    const expected = aggregate(xs);
    assert.equal(row.count, 3);
    assert.ok(Math.abs((row.mean as number) - xs.reduce((s, x) => s + x, 0) / 3) < 1e-12);
    assert.equal(row.best, Math.max(...xs));
    assert.equal(row.worst, Math.min(...xs));
    assert.ok(Math.abs((row.std as number) - expected.std) < 1e-12);
  }
  assert.deepEqual(aggregate([1, 2, 3, Number.NaN]), { mean: 2, std: 1, best: 3, worst: 1, count: 3 });
  assert.deepEqual(aggregate([0.5, 0.2], true), { mean: 0.35, std: Math.sqrt(0.045), best: 0.2, worst: 0.5, count: 2 });
  assert.throws(() => summarise(df, ['mechanism'], 'accuracy'), /no column 'accuracy'; columns are .*finalAccuracy/);
  assert.throws(() => summarise(df, ['size'], 'finalAccuracy'), /no column 'size' to group by/);
  const curves = curvesFrame(records);
  assert.equal(curves.shape[0], 12); // 6 cells × evaluations at steps 3 and 6
  assert.deepEqual([...new Set(frameRows(curves).map((r) => r.step))], [3, 6]);
});

test('git ignores checkpoints and the results of the smoke and quick scales (at any budget), and keeps those of the full scale', (t) => {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  if (spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: repo }).status !== 0) {
    t.skip('not a git checkout');
    return;
  }
  const ignored = (scale: 'smoke' | 'quick' | 'full', budget?: string, file = 'seed=0.json'): boolean => {
    const path = join(resultDir(join(repo, 'data'), 'ea', 'ea-single', scale, budget), file);
    return spawnSync('git', ['check-ignore', '-q', path], { cwd: repo }).status === 0;
  };
  assert.equal(ignored('smoke'), true, 'smoke results are ignored');
  assert.equal(ignored('quick'), true, 'quick results are ignored');
  assert.equal(ignored('full'), false, 'full results can be committed');
  assert.equal(ignored('smoke', 'steps40'), true, 'smoke results of another budget are ignored');
  assert.equal(ignored('quick', 'x2'), true, 'quick results of another budget are ignored');
  assert.equal(ignored('full', 'steps12000'), false, 'full results of another budget can be committed');
  assert.equal(ignored('full', undefined, 'checkpoints/seed=0.ckpt'), true, 'checkpoints are ignored');
  assert.equal(ignored('full', 'x15', 'checkpoints/seed=0.ckpt'), true, 'checkpoints of another budget are ignored');
});
