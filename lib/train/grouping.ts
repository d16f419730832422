/**
 * Stacked graph or single graphs back to back? On the graph engine, S replicas of one model can train
 * as one stacked graph (one session call does the work of all S) or one after the other, each its own
 * single-lane graph. Which gives more model-steps per second depends on the model, S and the machine
 * (the stacked graph's batched products pay off for small models; a large one may already fill the
 * core alone), so `trainBatched` measures it once per (machine, model, S, batch shape) and caches the
 * answer in `groupingCachePath()`:
 *
 *   stacked: the median of 9 graph steps of S lanes;  single: of 9 graph steps of 1 lane, × S
 *   (alternating, so that other load hits both alike).
 *
 * Both from random initial weights on the replicas' own first batch. Overridable: `BatchedOptions.grouping`
 * or EA_GROUPING=stacked|single. Either way each replica gets the graph engine's numbers (within the
 * bound of eager (docs/graph-engine.md); bit-identical reruns with the same grouping).
 */
import { cpus } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo } from '../backend.js';
import { cpuSimd, libraryVersion } from '../util/host.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { disposeParams, initParams } from '../models/params.js';
import type { SequenceModel } from '../models/model.js';
import type { BatchData } from './data.js';
import { StackedTrainer, type LaneStepSettings } from './engine.js';
import { defaultGraphDir } from './graph/recorded.js';

export const GROUPINGS = ['auto', 'stacked', 'single'] as const;
export type Grouping = (typeof GROUPINGS)[number];

/** One measurement: ms per step of the stacked graph (S lanes) and of a single-lane graph. */
export interface GroupingMeasurement {
  choice: 'stacked' | 'single';
  lanes: number;
  stackedMsPerStep: number;
  singleMsPerStep: number;
  /** Model-steps per second, stacked over single (> 1: stacking pays). */
  speedup: number;
  measuredAt: string;
}

/** Where the measured choices are kept (one JSON object, key → GroupingMeasurement). */
export function groupingCachePath(): string {
  return join(defaultGraphDir(), 'grouping.json');
}

const SETTINGS: LaneStepSettings = { learningRate: 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 };

/** The key of a measurement: everything its answer depends on. */
async function groupingKey(model: SequenceModel, lanes: number, batch: BatchData): Promise<string> {
  const info = await backendInfo();
  return JSON.stringify({
    library: libraryVersion().version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, simd: cpuSimd(),
    tensorflow: info.tensorflow ?? null, threads: info.threads ?? null, xla: info.xla ?? false,
    model: model.kind, config: model.config, lanes, batch: [batch.batchSize, batch.length],
  });
}

function readCache(path: string): Record<string, GroupingMeasurement> {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, GroupingMeasurement>;
  } catch {
    return {}; // a damaged cache is measured again
  }
}

/** A graph-engine trainer of `lanes` lanes of `model` from random weights, and its step on `batch`. */
function graphTrainer(model: SequenceModel, lanes: number, batch: BatchData): { t: StackedTrainer; step: () => number } {
  const params = Array.from({ length: lanes }, (_, s) => initParams(model, 1000 + s));
  const t = new StackedTrainer(model, params.map((p) => ({ params: p })));
  params.forEach(disposeParams);
  t.useGraph();
  const count = batch.scored.reduce((a, v) => a + v, 0);
  const step = (): number => {
    const t0 = performance.now();
    t.step(Array(lanes).fill(batch), Array(lanes).fill(count), Array(lanes).fill(SETTINGS));
    return performance.now() - t0;
  };
  return { t, step };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median ms per graph step of the stacked (`lanes`) and the single-lane trainer, their steps
 * alternating so that load from other processes hits both alike (after the recorded steps and two
 * warm graph steps each: a session's first runs are slower).
 */
function graphStepMs(model: SequenceModel, lanes: number, batch: BatchData, steps: number): { stacked: number; single: number } {
  const stacked = graphTrainer(model, lanes, batch);
  const single = graphTrainer(model, 1, batch);
  try {
    for (const g of [stacked, single]) {
      g.t.warmUpGraph(g.step);
      g.step();
      g.step();
    }
    const times = { stacked: [] as number[], single: [] as number[] };
    for (let k = 0; k < steps; k++) {
      times.stacked.push(stacked.step());
      times.single.push(single.step());
    }
    return { stacked: median(times.stacked), single: median(times.single) };
  } finally {
    stacked.t.dispose();
    single.t.dispose();
  }
}

/**
 * Measures stacked against single graphs for `lanes` replicas of `model` on batches like `batch`, or
 * returns the cached measurement. Only on tfjs-node (the graph engine's backend).
 */
export async function measureGrouping(
  model: SequenceModel, lanes: number, batch: BatchData, options: { steps?: number; fresh?: boolean; cachePath?: string } = {},
): Promise<GroupingMeasurement> {
  if (tf.getBackend() !== 'tensorflow') throw new Error(`measureGrouping needs the tensorflow (tfjs-node) backend; the active backend is '${tf.getBackend()}'`);
  const key = await groupingKey(model, lanes, batch);
  const path = options.cachePath ?? groupingCachePath();
  const cached = options.fresh ? undefined : readCache(path)[key];
  if (cached) return cached;
  const { stacked: stackedMsPerStep, single: singleMsPerStep } = graphStepMs(model, lanes, batch, options.steps ?? 9);
  const speedup = (lanes * singleMsPerStep) / stackedMsPerStep;
  const m: GroupingMeasurement = {
    choice: speedup >= 1 ? 'stacked' : 'single', lanes, stackedMsPerStep, singleMsPerStep, speedup, measuredAt: new Date().toISOString(),
  };
  writeFileAtomic(path, `${JSON.stringify({ ...readCache(path), [key]: m }, null, 1)}\n`);
  console.warn(`[expressive-attention] ${lanes} replicas of ${model.kind} on the graph engine: stacked ${stackedMsPerStep.toFixed(1)} ms/step, ` +
    `single ${singleMsPerStep.toFixed(1)} ms/step per replica → ${m.choice} (stacked runs ${speedup.toFixed(2)}× the model-steps/s of single graphs); measured once, cached in ${path}`);
  return m;
}

/** EA_GROUPING, checked: undefined when unset. */
export function groupingFromEnv(): Grouping | undefined {
  const v = process.env.EA_GROUPING;
  if (v === undefined || v === '') return undefined;
  if (!(GROUPINGS as readonly string[]).includes(v)) throw new Error(`EA_GROUPING must be one of ${GROUPINGS.join(', ')}; got '${v}'`);
  return v as Grouping;
}
