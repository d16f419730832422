/**
 * The plateau stop: the rule on hand-made accuracy sequences, its arguments, and the trainer using it —
 * single runs and seed-stacked lanes stop where the rule says on their own curves, and a run that ended
 * at a plateau checkpoints as ended, so resuming it trains no further.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { initBackend } from '../lib/backend.js';
import { disposeParams } from '../lib/models/params.js';
import { Transformer } from '../lib/models/transformer.js';
import { trainBatched } from '../lib/train/batched.js';
import { readCheckpoint } from '../lib/train/checkpoint.js';
import { ToySource } from '../lib/train/data.js';
import { PLATEAU_DEFAULTS, plateaued, plateauIndex, resolvePlateauArgs } from '../lib/train/plateau.js';
import { train } from '../lib/train/trainer.js';
import { testBackends } from './helpers.js';
import { type TrainerArgs, type TrainResult } from '../lib/train/types.js';

const backends = await testBackends();
const dir = mkdtempSync(join(tmpdir(), 'ea-plateau-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('plateaued: none of the last W evaluations beats the best before them by more than δ', () => {
  const c = { window: 3, minDelta: 0.01 };
  assert.equal(plateaued([0.5, 0.5, 0.5], c), false, 'W evaluations: nothing before them to compare with');
  assert.equal(plateaued([0.5, 0.5, 0.5, 0.5], c), true, 'best before 0.5, best of the last three 0.5: gain 0');
  assert.equal(plateaued([0.5, 0.4, 0.505, 0.45], c), true, 'gain 0.505 − 0.5 = 0.005 is not more than δ');
  assert.equal(plateaued([0.5, 0.4, 0.52, 0.45], c), false, 'gain 0.02 > δ');
  assert.equal(plateaued([0.9, 0.2, 0.3, 0.4], c), true, 'a fall is no improvement: best before (0.9) not beaten');
  assert.equal(plateaued([0.1, 0.9, 0.2, 0.3], c), false, 'the window (0.9, 0.2, 0.3) beats the 0.1 before it by 0.8');
  assert.equal(plateaued([0.1, 0.9, 0.2, 0.3, 0.4], c), true, 'now 0.9 is before the window (0.2, 0.3, 0.4) and unbeaten');
  assert.equal(plateaued([0.1, 0.2, Number.NaN, 0.2], { window: 1, minDelta: 0 }), false, 'NaN compares false: never a plateau');
  // Index of the stop: [0.2, 0.6, 0.6, 0.6, 0.6, 0.9] with W = 3, δ = 0 stops at index 4 (0.6 × 3 after a best of 0.6).
  assert.equal(plateauIndex([0.2, 0.6, 0.6, 0.6, 0.6, 0.9], { window: 3, minDelta: 0 }), 4);
  assert.equal(plateauIndex([0.2, 0.3, 0.4, 0.5, 0.6, 0.7], { window: 3, minDelta: 0 }), -1, 'still rising');
  assert.equal(plateauIndex([0.2, 0.3, 0.4, 0.5, 0.6, 0.7], { window: 3, minDelta: 0.35 }), 3, 'at index 3 the window gains 0.5 − 0.2 = 0.3 ≤ δ = 0.35');
});

test('plateau arguments: defaults, and errors naming the field', () => {
  assert.deepEqual(resolvePlateauArgs({}), PLATEAU_DEFAULTS);
  assert.deepEqual(PLATEAU_DEFAULTS, { window: 10, minDelta: 0.005 });
  assert.deepEqual(resolvePlateauArgs({ window: 4 }), { window: 4, minDelta: 0.005 });
  assert.throws(() => resolvePlateauArgs({ window: 0 }), /plateau\.window must be a positive integer \(evaluations\); got 0/);
  assert.throws(() => resolvePlateauArgs({ window: 2.5 }), /plateau\.window must be a positive integer/);
  assert.throws(() => resolvePlateauArgs({ minDelta: 1 }), /plateau\.minDelta must be a number in \[0, 1\) \(accuracy\); got 1/);
  assert.throws(() => resolvePlateauArgs({ minDelta: -0.1 }), /plateau\.minDelta must be a number in \[0, 1\)/);
});

const newData = (seed: number): ToySource => new ToySource({ symbols: 4, length: 6, period: 2, batchSize: 4, evalBatches: 1, seed });
const newModel = (): Transformer => new Transformer({ vocabSize: 6, contextLength: 6, width: 8, layers: 1, heads: 2, ffWidth: 16 });
const base: TrainerArgs = { steps: 120, learningRate: 3e-3, warmupSteps: 0, evalEvery: 4, earlyStopAtPerfect: false };
const plateau = { window: 3, minDelta: 0.02 };

function done(r: TrainResult): TrainResult {
  disposeParams(r.params);
  return r;
}

for (const backend of backends) {
  test(`a run with the plateau stop ends where the rule says on its own curve, and its checkpoint is marked ended (${backend})`, async () => {
    await initBackend(backend);
    const full = done(await train(newModel(), newData(1), { ...base, seed: 1 }));
    const at = plateauIndex(full.evals.map((e) => e.accuracy), plateau);
    assert.ok(at >= 0 && at < full.evals.length - 1, `the test needs a curve that plateaus before its end: ${full.evals.map((e) => e.accuracy).join(' ')}`);
    const path = join(dir, `ended-${backend}.json`);
    const stopped = done(await train(newModel(), newData(1), { ...base, seed: 1, plateau, checkpointPath: path }));
    assert.equal(stopped.stopReason, 'plateau');
    assert.equal(stopped.steps, full.evals[at].step);
    assert.deepEqual(stopped.evals, full.evals.slice(0, at + 1), 'the same evaluations up to the stop');
    const checkpoint = readCheckpoint(path);
    assert.deepEqual([checkpoint.step, checkpoint.ended], [stopped.steps, 'plateau']);
    // Resuming an ended run trains no further: the same result, at once.
    let steps = 0;
    const resumed = done(await train(newModel(), newData(1), {
      ...base, seed: 1, plateau, checkpointPath: path, resumeFrom: path, callbacks: { onStep: () => { steps++; } },
    }));
    assert.equal(steps, 0);
    assert.deepEqual([resumed.stopReason, resumed.steps, resumed.evals], ['plateau', stopped.steps, stopped.evals]);
  });

  test(`seed-stacked lanes stop at their own plateaus, each as it would alone (${backend})`, async () => {
    await initBackend(backend);
    const seeds = [1, 2, 3];
    const alone: TrainResult[] = [];
    for (const seed of seeds) alone.push(done(await train(newModel(), newData(seed), { ...base, seed, plateau })));
    const together = await trainBatched(newModel(), seeds.map((seed) => ({ data: newData(seed), args: { ...base, seed, plateau } })));
    together.forEach((r, i) => {
      assert.equal(r.status, 'fulfilled');
      const t = done((r as PromiseFulfilledResult<TrainResult>).value);
      assert.deepEqual([t.stopReason, t.steps, t.evals], [alone[i].stopReason, alone[i].steps, alone[i].evals], `seed ${seeds[i]}`);
    });
  });
}
