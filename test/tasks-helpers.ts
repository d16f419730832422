/** Shared by the task tests: the short training sanity run on the tensorflow backend. */
import type { TestContext } from 'node:test';
import { initBackend } from '../lib/backend.js';
import { disposeParams } from '../lib/models/params.js';
import { Transformer, type TransformerArgs } from '../lib/models/transformer.js';
import type { Task } from '../lib/tasks/task.js';
import { train } from '../lib/train/trainer.js';
import { testBackends } from './helpers.js';
import { type TrainResult } from '../lib/train/types.js';

const backends = await testBackends();

/**
 * Trains a small transformer (width 16, 1 layer, 2 heads, FFN 32 unless `model` says otherwise) on
 * `task` with lr 1e-2 on the tensorflow backend, then runs `check` on the result. Skipped when the native
 * backend is not among the test backends (the other backends are too slow for training in tests).
 */
export async function trainSanity(
  t: TestContext, task: Task, args: { steps: number; model?: Partial<TransformerArgs> }, check: (r: TrainResult) => void,
): Promise<void> {
  if (!backends.includes('tensorflow')) {
    t.skip('the tensorflow backend is not among the test backends');
    return;
  }
  await initBackend('tensorflow');
  const model = new Transformer({
    vocabSize: task.vocabSize, contextLength: task.contextLength, width: 16, layers: 1, heads: 2, ffWidth: 32, ...args.model,
  });
  const started = performance.now();
  const result = await train(model, task, { steps: args.steps, learningRate: 1e-2, warmupSteps: 10, evalEvery: 50, seed: 0 });
  t.diagnostic(`${task.describe()}: ${result.steps} steps in ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
    `accuracy ${result.finalAccuracy.toFixed(3)} (best ${result.bestAccuracy.toFixed(3)}), eval loss ${result.finalEvalLoss.toFixed(3)}`);
  try {
    check(result);
  } finally {
    disposeParams(result.params);
    model.dispose();
  }
}
