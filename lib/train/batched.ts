/**
 * Seed-batched training: several independent training runs ("replicas") of one model configuration —
 * typically different seeds, optionally different data seeds and optimizer settings — trained as one
 * stacked model, so every kernel does the work of all replicas.
 *
 * Each replica gets exactly the numbers it would get from `train()` alone on the same backend: the
 * same losses, evaluations, checkpoints and final weights, bit for bit (test/batched.test.ts). Each
 * has its own data source, trainer arguments, callbacks, checkpoint file, early stop and errors: a
 * replica that stops (100 % accuracy, its steps, stop(), its signal) leaves the stack and the others
 * go on; a replica that diverges is rejected alone.
 *
 * ```ts
 * const results = await trainBatched(model, [0, 1, 2, 3].map((seed) => ({
 *   data: new ToySource({ seed }), args: { steps: 2000, learningRate: 1e-3, seed },
 * })));
 * for (const r of results) if (r.status === 'fulfilled') { console.log(r.value.finalAccuracy); disposeParams(r.value.params); }
 * ```
 *
 * Requirements: one model object for all replicas; every replica's batches at a given step have the same
 * shape [batchSize, length] (true for replicas of one task configuration that differ in seed).
 */
import type { SequenceModel } from '../models/model.js';
import type { DataSource } from './data.js';
import { disposeResults, runLanes, type LaneSpec } from './lanes.js';
import * as tf from '@tensorflow/tfjs-core';
import { GROUPINGS, groupingFromEnv, measureGrouping, type Grouping } from './grouping.js';
import { resolveTrainerArgs } from './trainer.js';
import { type TrainerArgs, type TrainResult } from './types.js';

/** One replica: its data and its trainer arguments (as for `train(model, data, args)`). */
export interface Replica {
  data: DataSource;
  args?: TrainerArgs;
}

export interface BatchedOptions {
  /**
   * Most replicas trained at once; more are trained in consecutive groups of this size (memory and
   * the time to the first finished result grow with it). Default: all at once.
   */
  maxReplicas?: number;
  /**
   * On the graph engine: 'stacked' trains a group as one stacked graph, 'single' trains its replicas
   * one after the other, each as its own graph; 'auto' measures which is faster on this machine for
   * this model, group size and batch shape, once, and caches it (grouping.ts). The eager engine always
   * stacks (its stacked step is bit-identical to single runs, and faster). Default: EA_GROUPING, else 'auto'.
   */
  grouping?: Grouping;
}

/**
 * Trains the replicas together; resolves with one settled result per replica, in order
 * ({ status: 'fulfilled', value: TrainResult } or { status: 'rejected', reason }). The caller owns
 * each fulfilled result's `params` (`disposeParams`). Rejects as a whole when the replicas cannot be
 * trained together (e.g. their batches differ in shape); no parameters are left behind then.
 */
export async function trainBatched(model: SequenceModel, replicas: readonly Replica[], options: BatchedOptions = {}): Promise<PromiseSettledResult<TrainResult>[]> {
  const max = options.maxReplicas ?? replicas.length;
  if (!Number.isInteger(max) || max < 1) throw new Error(`maxReplicas must be a positive integer; got ${max}`);
  const grouping = options.grouping ?? groupingFromEnv() ?? 'auto';
  if (!GROUPINGS.includes(grouping)) throw new Error(`grouping must be one of ${GROUPINGS.join(', ')}; got ${JSON.stringify(grouping)}`);
  const results: PromiseSettledResult<TrainResult>[] = new Array(replicas.length);
  for (let start = 0; start < replicas.length; start += max) {
    const group = replicas.slice(start, start + max);
    const specs: LaneSpec[] = [];
    const where: number[] = [];
    group.forEach((r, k) => {
      try {
        specs.push({ data: r.data, config: resolveTrainerArgs(r.args) });
        where.push(start + k);
      } catch (err) {
        results[start + k] = { status: 'rejected', reason: err };
      }
    });
    if (specs.length === 0) continue;
    let settled: PromiseSettledResult<TrainResult>[];
    try {
      if (await oneByOne(model, specs, grouping)) {
        settled = [];
        for (const spec of specs) settled.push(...await runLanes(model, [spec]));
      } else {
        settled = await runLanes(model, specs);
      }
    } catch (err) {
      disposeResults(results); // earlier groups' results are never returned
      throw err;
    }
    settled.forEach((r, k) => { results[where[k]] = r; });
  }
  return results;
}

/** Whether a group trains one replica after another (single graphs) rather than stacked. */
async function oneByOne(model: SequenceModel, specs: readonly LaneSpec[], grouping: Grouping): Promise<boolean> {
  const onGraph = specs[0].config.engine !== 'eager' && tf.getBackend() === 'tensorflow';
  if (!onGraph || specs.length < 2 || grouping === 'stacked') return false;
  if (grouping === 'single') return true;
  return (await measureGrouping(model, specs.length, specs[0].data.trainBatch(0))).choice === 'single';
}

/**
 * `trainBatched` for the common case: one model, one data factory and one set of arguments, over
 * seeds. Replica i uses `data(seeds[i])` and `args` with `seed: seeds[i]`.
 */
export async function trainSeeds(
  model: SequenceModel, data: (seed: number) => DataSource, args: TrainerArgs, seeds: readonly number[], options: BatchedOptions = {},
): Promise<PromiseSettledResult<TrainResult>[]> {
  return trainBatched(model, seeds.map((seed) => ({ data: data(seed), args: { ...args, seed } })), options);
}
