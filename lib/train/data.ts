/**
 * What the trainer reads: batches of token sequences with the positions to score.
 *
 * A `DataSource` (every task implements one) hands out batches that are pure functions of its
 * configuration, its seed and the step number, so a run can be repeated and resumed exactly:
 * `trainBatch(step)` for the optimizer step `step` (0, 1, 2, ...) and a fixed list of `evalBatches()`.
 *
 * A batch is row-major [batchSize, length]: position t of row b is index b·length + t.
 *   inputs[b, t]   the token the model reads at t
 *   targets[b, t]  the token it should predict there (usually inputs[b, t + 1])
 *   scored[b, t]   1 if position t counts in the loss and accuracy, 0 if not (e.g. random tokens)
 *   labels[b, t]   optional: which kind of prediction this is (an index into `labelNames`, e.g. the
 *                  IARC subtask), for accuracy per label
 *
 * `ToySource` is a small task for tests and demos.
 */
import { Rng } from '../util/rng.js';

export interface BatchData {
  batchSize: number;
  length: number;
  /** [batchSize, length] token ids in 0..vocabSize−1. */
  inputs: Int32Array;
  /** [batchSize, length] token ids in 0..vocabSize−1 (only scored positions are read). */
  targets: Int32Array;
  /** [batchSize, length] 1 = scored, 0 = ignored. */
  scored: Uint8Array;
  /** [batchSize, length] index into the source's `labelNames` (only scored positions are read). */
  labels?: Int32Array;
}

export interface DataSource {
  /** Number of token types; the model's vocabSize must equal it. */
  vocabSize: number;
  /** Longest batch length; at most the model's contextLength. */
  contextLength: number;
  /** Names of the labels in `BatchData.labels` (e.g. ['increment', 'addition', ...]). */
  labelNames?: string[];
  /**
   * The task's configuration (with its seed), JSON-serialisable. Optional; when present it is stored in
   * checkpoints and a resume with a different configuration is refused.
   */
  config?: Readonly<Record<string, unknown>>;
  /** The batch for optimizer step `step` (0-based); a pure function of (config, seed, step). */
  trainBatch(step: number): BatchData;
  /**
   * The fixed evaluation set; the same every call. It is the **validation** split: training reads it
   * (the evaluation curve, the 100 % and plateau stops, the best step), so a verdict should not.
   */
  evalBatches(): BatchData[];
  /**
   * A second held-out set, never seen during training (the **test** split): what a verdict reads when
   * the run was selected or stopped on `evalBatches()`. Optional (or empty: no test split); the same every call.
   */
  testBatches?(): BatchData[];
}

/**
 * Throws unless `batch` is well formed for a source with `vocabSize` tokens, `contextLength` positions
 * and `labelCount` labels; `what` names the batch in the message. Returns the number of scored positions.
 */
export function checkBatch(batch: BatchData, vocabSize: number, contextLength: number, labelCount: number, what: string): number {
  const { batchSize, length } = batch;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${what}: batchSize must be a positive integer; got ${batchSize}`);
  if (!Number.isInteger(length) || length < 1 || length > contextLength) {
    throw new Error(`${what}: length must be an integer in 1..${contextLength} (the contextLength); got ${length}`);
  }
  const n = batchSize * length;
  for (const key of ['inputs', 'targets', 'scored', 'labels'] as const) {
    const a = batch[key];
    if (a === undefined && key === 'labels') continue;
    if (a === undefined || a.length !== n) {
      throw new Error(`${what}: ${key} must hold batchSize·length = ${n} values; got ${a === undefined ? 'none' : a.length}`);
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) {
    const x = batch.inputs[i];
    if (!(x >= 0 && x < vocabSize)) {
      throw new Error(`${what}: inputs[${Math.floor(i / length)}, ${i % length}] = ${x} is outside the vocabulary 0..${vocabSize - 1}`);
    }
    if (batch.scored[i] === 0) continue;
    if (batch.scored[i] !== 1) throw new Error(`${what}: scored values must be 0 or 1; got ${batch.scored[i]}`);
    count++;
    const y = batch.targets[i];
    if (!(y >= 0 && y < vocabSize)) {
      throw new Error(`${what}: targets[${Math.floor(i / length)}, ${i % length}] = ${y} is outside the vocabulary 0..${vocabSize - 1}`);
    }
    if (batch.labels && !(batch.labels[i] >= 0 && batch.labels[i] < labelCount)) {
      throw new Error(`${what}: labels[${Math.floor(i / length)}, ${i % length}] = ${batch.labels[i]} is not an index into the ${labelCount} labelNames`);
    }
  }
  if (count === 0) throw new Error(`${what}: no scored position (the loss would be undefined)`);
  return count;
}

export interface ToySourceArgs {
  /** Number of ordinary tokens N (0..N−1); two marker tokens N and N+1 are added. Default 8. */
  symbols?: number;
  /** Sequence length T (inputs and targets). Default 8. */
  length?: number;
  /** Period k of the 'repeat' subtask. Default 2. */
  period?: number;
  /** Rows per training batch. Default 16. */
  batchSize?: number;
  /** Number of evaluation batches (each of `batchSize` rows). Default 4. */
  evalBatches?: number;
  /** Subtasks to draw rows from (each row picks one uniformly). Default ['repeat', 'increment']. */
  tasks?: ToyTask[];
  /** Seed of all batches. Default 0. */
  seed?: number;
}

export type ToyTask = 'repeat' | 'increment';
export const TOY_LABELS: readonly ToyTask[] = ['repeat', 'increment'];

/**
 * A two-subtask toy: each row starts with a marker saying which rule generates the rest.
 *
 *   repeat    (marker N):   x₁..x_k random, then x_t = x_{t−k}          e.g. N=8, k=2:  8 3 5 3 5 3 5 3 5
 *   increment (marker N+1): x₁ random, then x_t = (x_{t−1} + 1) mod N             9 6 7 0 1 2 3 4 5
 *
 * inputs = x₀..x_{T−1}, targets = x₁..x_T; the random tokens are not scored, every determined one is,
 * labelled with its subtask ('repeat' = 0, 'increment' = 1; `tasks` can leave one out). A small
 * transformer learns both to 100 % in about 150 steps.
 */
export class ToySource implements DataSource {
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly labelNames = [...TOY_LABELS];
  readonly config: Readonly<Required<ToySourceArgs> & { kind: 'toy' }>;
  private evalSet?: BatchData[];
  private testSet?: BatchData[];

  constructor(args: ToySourceArgs = {}) {
    const positive = (name: keyof ToySourceArgs, value: number): number => {
      if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer; got ${value}`);
      return value;
    };
    const symbols = positive('symbols', args.symbols ?? 8);
    const length = positive('length', args.length ?? 8);
    const period = positive('period', args.period ?? 2);
    if (period >= length) throw new Error(`period must be less than length (${length}); got ${period}`);
    const tasks = [...(args.tasks ?? TOY_LABELS)];
    if (tasks.length === 0 || tasks.some((t) => !TOY_LABELS.includes(t))) {
      throw new Error(`tasks must be a non-empty list of ${TOY_LABELS.join(', ')}; got ${JSON.stringify(args.tasks)}`);
    }
    const seed = args.seed ?? 0;
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer; got ${seed}`);
    this.config = Object.freeze({
      kind: 'toy' as const, symbols, length, period, tasks, seed,
      batchSize: positive('batchSize', args.batchSize ?? 16), evalBatches: positive('evalBatches', args.evalBatches ?? 4),
    });
    this.vocabSize = symbols + 2;
    this.contextLength = length;
  }

  trainBatch(step: number): BatchData {
    if (!Number.isInteger(step) || step < 0) throw new Error(`step must be a non-negative integer; got ${step}`);
    return this.batch(new Rng(this.config.seed, 2 * step + 1));
  }

  evalBatches(): BatchData[] {
    if (!this.evalSet) {
      const rng = new Rng(this.config.seed, 0); // stream 0 is never a training stream (those are odd)
      this.evalSet = Array.from({ length: this.config.evalBatches }, () => this.batch(rng));
    }
    return this.evalSet;
  }

  testBatches(): BatchData[] {
    if (!this.testSet) {
      const rng = new Rng(this.config.seed, 2); // stream 2: even, so never a training stream
      this.testSet = Array.from({ length: this.config.evalBatches }, () => this.batch(rng));
    }
    return this.testSet;
  }

  private batch(rng: Rng): BatchData {
    const { symbols: N, length: T, period: k, batchSize: B, tasks } = this.config;
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const scored = new Uint8Array(B * T);
    const labels = new Int32Array(B * T);
    const x = new Int32Array(T + 1);
    for (let b = 0; b < B; b++) {
      const task = TOY_LABELS.indexOf(tasks[rng.int(tasks.length)]); // 0 repeat, 1 increment
      x[0] = N + task;
      for (let t = 1; t <= T; t++) {
        const random = task === 0 ? t <= k : t === 1;
        x[t] = random ? rng.int(N) : task === 0 ? x[t - k] : (x[t - 1] + 1) % N;
        const i = b * T + t - 1; // target position t−1 predicts x_t
        scored[i] = random ? 0 : 1;
        labels[i] = task;
      }
      inputs.set(x.subarray(0, T), b * T);
      targets.set(x.subarray(1), b * T);
    }
    return { batchSize: B, length: T, inputs, targets, scored, labels };
  }
}
