/**
 * Stacked graph or single graphs back to back (lib/train/grouping.ts, trainBatched's `grouping`):
 * the measurement is made once and cached per key; 'single' trains each replica exactly as train()
 * alone on the graph engine; 'stacked' stacks them; bad values are refused by name.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { disposeParams } from '../lib/models/params.js';
import { createModel } from '../lib/models/registry.js';
import { LadderTask } from '../lib/tasks/ladder.js';
import { trainBatched } from '../lib/train/batched.js';
import { groupingFromEnv, measureGrouping } from '../lib/train/grouping.js';
import { train } from '../lib/train/trainer.js';
import { testBackends } from './helpers.js';
import { type TrainerArgs } from '../lib/train/types.js';

const backends = await testBackends();
const skip = backends.includes('tensorflow') ? false : 'needs the tensorflow (tfjs-node) backend';
const root = mkdtempSync(join(tmpdir(), 'ea-grouping-'));
after(() => rmSync(root, { recursive: true, force: true }));

const task = (seed: number): LadderTask => new LadderTask({ N: 12, a: 1, b: 3, contextLength: 16, batchSize: 8, evalSize: 8, seed });
const spec = { kind: 'transformer', width: 16, layers: 1, heads: 2, ffWidth: 32, attention: 'expressive', vocabSize: task(0).vocabSize, contextLength: 16 } as const;
const args: TrainerArgs = { steps: 12, learningRate: 3e-3, evalEvery: 6, earlyStopAtPerfect: false, engine: 'graph' };

test('measureGrouping: stacked vs single ms per graph step, the faster chosen, measured once and cached by key', { skip, timeout: 120_000 }, async () => {
  await initBackend('tensorflow');
  const model = createModel(spec);
  const cachePath = join(root, 'grouping.json');
  const before = tf.memory().numTensors;
  const m = await measureGrouping(model, 3, task(0).trainBatch(0), { cachePath, steps: 2 });
  assert.equal(tf.memory().numTensors, before, 'no tensor left by the measurement');
  assert.ok(m.stackedMsPerStep > 0 && m.singleMsPerStep > 0, JSON.stringify(m));
  assert.equal(m.lanes, 3);
  assert.ok(Math.abs(m.speedup - (3 * m.singleMsPerStep) / m.stackedMsPerStep) < 1e-9);
  assert.equal(m.choice, m.speedup >= 1 ? 'stacked' : 'single');
  assert.deepEqual(await measureGrouping(model, 3, task(0).trainBatch(0), { cachePath }), m, 'the second call reads the cache');
  const other = await measureGrouping(model, 2, task(0).trainBatch(0), { cachePath, steps: 2 });
  assert.equal(other.lanes, 2, 'another group size is another key');
  assert.equal(Object.keys(JSON.parse(readFileSync(cachePath, 'utf8')) as object).length, 2);
  model.dispose();
});

test("trainBatched grouping 'single': each replica exactly as train() alone on the graph engine; 'stacked': one stack", { skip, timeout: 120_000 }, async () => {
  await initBackend('tensorflow');
  const model = createModel(spec);
  const replicas = [1, 2].map((seed) => ({ data: task(seed), args: { ...args, seed } }));
  const weights = (p: Record<string, tf.Tensor>): number[][] => Object.keys(p).sort().map((k) => Array.from(p[k].dataSync()));
  const single = await trainBatched(model, replicas, { grouping: 'single' });
  const stacked = await trainBatched(model, replicas, { grouping: 'stacked' });
  for (const [i, r] of replicas.entries()) {
    const alone = await train(model, r.data, r.args);
    const s = single[i];
    const k = stacked[i];
    assert.ok(s.status === 'fulfilled' && k.status === 'fulfilled');
    assert.equal(s.value.lanes, 1);
    assert.equal(k.value.lanes, 2);
    assert.equal(s.value.engine, 'graph');
    assert.deepEqual(weights(s.value.params), weights(alone.params), `replica ${i}: single graphs = alone, bit for bit`);
    assert.deepEqual(s.value.evals, alone.evals);
    for (const p of [s.value.params, k.value.params, alone.params]) disposeParams(p);
  }
  await assert.rejects(trainBatched(model, replicas, { grouping: 'both' as never }), /grouping must be one of auto, stacked, single; got "both"/);
  model.dispose();
});

test('EA_GROUPING: read and checked', () => {
  const saved = process.env.EA_GROUPING;
  try {
    delete process.env.EA_GROUPING;
    assert.equal(groupingFromEnv(), undefined);
    process.env.EA_GROUPING = 'single';
    assert.equal(groupingFromEnv(), 'single');
    process.env.EA_GROUPING = 'many';
    assert.throws(() => groupingFromEnv(), /EA_GROUPING must be one of auto, stacked, single; got 'many'/);
  } finally {
    if (saved === undefined) delete process.env.EA_GROUPING;
    else process.env.EA_GROUPING = saved;
  }
});
