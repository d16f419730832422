/**
 * What every task shares: the `Task` interface (a `DataSource` the trainer reads, plus a name, a
 * one-line description, token names and a printable worked example), parameter checks with clear
 * messages, and `TaskBase`, which turns a task's row generator into seeded, reproducible batches.
 *
 * Batches are pure functions of (config, seed, step):
 *   trainBatch(step)  rows drawn from Rng(seed, 2·step + 1)   (odd streams: one per step)
 *   evalBatches()     `evalSize` rows drawn from Rng(seed, 0)  (stream 0 is never a training stream),
 *                     cut into batches of `evalBatchSize` rows, built once and kept: the validation
 *                     split (training's evaluations and stops read it)
 *   testBatches()     the same from Rng(seed, 2) (an even stream: never a training stream): the test
 *                     split, scored once after training for the verdicts
 * No state is shared between calls, so step 1000 can be made without steps 0..999 (resume) and two
 * processes make the same batch for the same step.
 *
 * "Held out" means a different random stream. For tiny task spaces (e.g. N^warm-up possible openings
 * of a deterministic sequence) the same sequence can still occur in both; the text task holds out a
 * contiguous part of its corpus instead.
 */
import type { BatchData, DataSource } from '../train/data.js';
import { Rng } from '../util/rng.js';

/** The settings every task has; each task adds its own (see its `...Args`). */
export interface TaskConfigBase {
  /** The registry kind, so `createTask(task.config)` rebuilds the same task. */
  kind: string;
  /** Seed of every batch. */
  seed: number;
  /** Rows per training batch. */
  batchSize: number;
  /** Number of held-out evaluation sequences. */
  evalSize: number;
  /** Rows per evaluation batch (the last one may be shorter). */
  evalBatchSize: number;
  /** Positions per row (inputs and targets). */
  contextLength: number;
}

/** A task's worked example, for printing (`formatExample`) and for tests. */
export interface TaskExample {
  /**
   * The tokens as text. Next-token tasks (targets = the following token): the T + 1 tokens s₀..s_T of
   * one sequence (inputs s₀..s_{T−1}, targets s₁..s_T). Other tasks: the T inputs (see `targets`).
   */
  tokens: string[];
  /** One code per entry of `tokens`: what produced it, or whether predicting it is scored (see `legend`). */
  roles: string[];
  /** Tasks whose targets are not the next token: the target at each input position ('' = unscored). */
  targets?: string[];
  /** What each role code means. */
  legend: Record<string, string>;
}

export interface Task extends DataSource {
  /** The registry kind ('ladder', 'iarc', ...). */
  readonly name: string;
  /** Resolved configuration: every default filled in, JSON-serialisable. */
  readonly config: Readonly<TaskConfigBase & Record<string, unknown>>;
  readonly labelNames: string[];
  /** One line for tables, e.g. "ladder N=16 x_t = x_{t−1} + x_{t−2} mod 16, T=32". */
  describe(): string;
  /** A printable name of token `id` (numbers as digits, control tokens as letters, ...). */
  tokenName(id: number): string;
  /** One sequence with its roles, deterministic for a given config. */
  example(): TaskExample;
}

/** Rows of a batch being filled: each row writer gets views of its own [T] slices. */
export interface RowView {
  inputs: Int32Array;
  targets: Int32Array;
  scored: Uint8Array;
  labels: Int32Array;
}

/**
 * Base class: subclasses set `config`, `vocabSize`, `labelNames` and implement `fillRow` (one row from
 * an Rng: every array entry written; unscored targets may hold anything in the vocabulary, 0 is fine).
 */
export abstract class TaskBase<C extends TaskConfigBase> implements Task {
  abstract readonly name: string;
  abstract readonly vocabSize: number;
  abstract readonly labelNames: string[];
  readonly config: Readonly<C>;
  private evalSet?: BatchData[];
  private testSet?: BatchData[];

  protected constructor(config: C) {
    this.config = Object.freeze(config);
  }

  get contextLength(): number { return this.config.contextLength; }

  abstract describe(): string;
  abstract tokenName(id: number): string;
  abstract example(): TaskExample;
  protected abstract fillRow(rng: Rng, row: RowView): void;

  trainBatch(step: number): BatchData {
    if (!Number.isInteger(step) || step < 0) throw new Error(`step must be a non-negative integer; got ${step}`);
    return this.makeBatch(new Rng(this.config.seed, 2 * step + 1), this.config.batchSize);
  }

  evalBatches(): BatchData[] {
    this.evalSet ??= this.heldOut(0);
    return this.evalSet;
  }

  testBatches(): BatchData[] {
    this.testSet ??= this.heldOut(2);
    return this.testSet;
  }

  /** `evalSize` rows from stream `stream` (an even one: odd streams are the training steps'), in batches of `evalBatchSize`. */
  private heldOut(stream: number): BatchData[] {
    const rng = new Rng(this.config.seed, stream);
    const { evalSize, evalBatchSize } = this.config;
    const batches: BatchData[] = [];
    for (let done = 0; done < evalSize; done += evalBatchSize) batches.push(this.makeBatch(rng, Math.min(evalBatchSize, evalSize - done)));
    return batches;
  }

  /** `rows` rows drawn in order from `rng`. */
  protected makeBatch(rng: Rng, rows: number): BatchData {
    const T = this.contextLength;
    const batch = {
      batchSize: rows, length: T,
      inputs: new Int32Array(rows * T), targets: new Int32Array(rows * T),
      scored: new Uint8Array(rows * T), labels: new Int32Array(rows * T),
    };
    for (let r = 0; r < rows; r++) {
      const [a, b] = [r * T, (r + 1) * T];
      this.fillRow(rng, {
        inputs: batch.inputs.subarray(a, b), targets: batch.targets.subarray(a, b),
        scored: batch.scored.subarray(a, b), labels: batch.labels.subarray(a, b),
      });
    }
    return batch;
  }
}

// ---------------------------------------------------------------------------------------------
// Parameter checks: every message names the parameter and the allowed values.

/** An integer in min..max (max optional). */
export function intParam(name: string, value: unknown, min: number, max = Infinity, why = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `an integer ≥ ${min}` : `an integer in ${min}..${max}`;
    throw new Error(`${name} must be ${range}${why ? ` (${why})` : ''}; got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A finite number with lo < value < hi (or ≤ where `inclusive` says so). */
export function numberParam(name: string, value: unknown, lo: number, hi: number, inclusive: [boolean, boolean] = [false, false]): number {
  const ok = typeof value === 'number' && Number.isFinite(value) &&
    (inclusive[0] ? value >= lo : value > lo) && (inclusive[1] ? value <= hi : value < hi);
  if (!ok) {
    throw new Error(`${name} must be a number in ${inclusive[0] ? '[' : '('}${lo}, ${hi}${inclusive[1] ? ']' : ')'}; got ${JSON.stringify(value)}`);
  }
  return value as number;
}

/** One of `allowed`. */
export function choiceParam<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new Error(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Throws on keys of `args` that are not in `known` (catches typos such as `n` for `N`), or on a `kind` other than `what`. */
export function checkKnownKeys(what: string, args: object, known: readonly string[]): void {
  const kind = (args as { kind?: unknown }).kind;
  if (kind !== undefined && kind !== what) throw new Error(`kind must be '${what}' for this task; got ${JSON.stringify(kind)}`);
  for (const key of Object.keys(args)) {
    if (!known.includes(key)) throw new Error(`unknown ${what} parameter '${key}'; known parameters: ${known.join(', ')}`);
  }
}

/** The settings every task shares, checked and with defaults (batchSize 32, evalSize 512, seed 0). */
export function resolveCommon(args: {
  seed?: number; batchSize?: number; evalSize?: number; evalBatchSize?: number;
}): { seed: number; batchSize: number; evalSize: number; evalBatchSize: number } {
  const seed = args.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new Error(`seed must be an integer; got ${JSON.stringify(seed)}`);
  const batchSize = intParam('batchSize', args.batchSize ?? 32, 1);
  const evalSize = intParam('evalSize', args.evalSize ?? 512, 1);
  const evalBatchSize = intParam('evalBatchSize', args.evalBatchSize ?? Math.min(evalSize, Math.max(batchSize, 128)), 1);
  return { seed, batchSize, evalSize, evalBatchSize };
}

/** Common keys every task accepts (besides its own). */
export const COMMON_KEYS = ['kind', 'seed', 'batchSize', 'evalSize', 'evalBatchSize', 'contextLength'] as const;

/**
 * Renders an example as aligned rows, as in papers.md:
 *
 *   tok : 5 9 I 10 11 …
 *   role: s s c  I  I …
 */
export function formatExample(example: TaskExample): string {
  const rows: [string, string[]][] = [['tok', example.tokens], ['role', example.roles]];
  if (example.targets) rows.push(['target', example.targets]);
  const n = Math.max(...rows.map(([, r]) => r.length));
  const width = Array.from({ length: n }, (_, i) => Math.max(...rows.map(([, r]) => (r[i] ?? '').length)));
  const label = Math.max(...rows.map(([l]) => l.length));
  const lines = rows.map(([l, r]) => `${l.padEnd(label)}: ` + r.map((s, i) => s.padStart(width[i])).join(' '));
  const legend = Object.entries(example.legend).map(([k, v]) => `${k} = ${v}`).join('; ');
  return [...lines, `(${legend})`].join('\n');
}
