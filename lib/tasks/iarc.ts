/**
 * The IARC task-switching stream (TS paper, Gros 2025). The paper names the four subtasks and says
 * control tokens are interspersed at random; the rest is reconstruction (see shared/papers.md, tags
 * [group] and [ours]), every choice a parameter:
 *
 *   number tokens 0..N−1 (default N = 16), control tokens I = N, A = N+1, R = N+2, C = N+3 (vocab N + 4)
 *   the stream: `seedTokens` random numbers (default 2), then segments: a control token, then ℓ numbers,
 *     ℓ ~ Binomial(segmentMax = 9, segmentMean/segmentMax = 6/9), drawn again when 0 (mean ≈ 6);
 *     the next subtask uniform over `tasks` (repeats allowed)
 *   rules over the history of NUMBER tokens (control tokens skipped); y₋₁ is the latest number, y₋₂ the one before:
 *     I  increment     (y₋₁ + 1) mod N
 *     A  addition      (y₋₁ + y₋₂) mod N
 *     R  reverse copy  the k-th number after R equals the k-th most recent number before R
 *     C  context       the successor of the most recent earlier occurrence of y₋₁ (none: random, unscored)
 *   a number the rule cannot determine (no earlier occurrence, too little history) is random and unscored;
 *   control tokens, seeds and numbers before the window's first control token are unscored.
 *
 * Worked example (papers.md, tested token for token; N = 16, seeds 5 9, segments I4 A5 R4 C5 I3):
 *
 *   tok : 5 9 I 10 11 12 13 A 9 6 15 5 4 R 4 5 15 6 C 15 6 15 6 15 I 0 1 2
 *   role: s s c  I  I  I  I c A A  A A A c R R  R R c  C C  C C  C c I I I
 *
 *   I after 9: 10 11 12 13.  A: 13+12 = 25 ≡ 9, 9+13 ≡ 6, 6+9 = 15, 15+6 ≡ 5, 5+15 ≡ 4.
 *   R: the numbers before R, latest first: 4 5 15 6.  C: 6 last occurred followed by 15, 15 by 6, ...
 *   I continues from 15: 0 1 2.
 *
 * A row is a window of T + 1 tokens of such a stream (inputs the first T, targets the last T). With
 * `maxOffset` > 0 the window starts at a random offset 0..maxOffset of the stream, so segment
 * boundaries are not tied to absolute positions; whether a number counts is then decided from the
 * window alone (a rule that needs numbers before the window start leaves it unscored).
 */
import { Rng } from '../util/rng.js';
import {
  COMMON_KEYS, TaskBase, checkKnownKeys, intParam, numberParam, resolveCommon,
  type RowView, type TaskConfigBase, type TaskExample,
} from './task.js';

export const IARC_TASKS = Object.freeze(['I', 'A', 'R', 'C'] as const);
export type IarcSubtask = (typeof IARC_TASKS)[number];
/** Label names, in the order of IARC_TASKS (label index = subtask index, whatever `tasks` holds). */
export const IARC_LABELS = Object.freeze(['increment', 'addition', 'reverse-copy', 'context']);

export interface IarcArgs {
  /** Number tokens 0..N−1 (vocabulary N + 4). Integer ≥ 2. Default 16. */
  N?: number;
  /** Subtasks that occur (the next one is uniform over these). Non-empty subset of 'I', 'A', 'R', 'C'. Default all four. */
  tasks?: IarcSubtask[];
  /** n of the Binomial(n, p) law of segment lengths (numbers per segment). Integer ≥ 1. Default 9. */
  segmentMax?: number;
  /** Mean n·p of that law before the redraw of 0 (p = segmentMean / segmentMax). In (0, segmentMax]. Default 6. */
  segmentMean?: number;
  /** Random numbers at the start of the stream, before the first control token. Integer ≥ 0. Default 2. */
  seedTokens?: number;
  /** Windows start at a uniform offset 0..maxOffset into the stream. Integer ≥ 0. Default 0 (at the stream start). */
  maxOffset?: number;
  /**
   * The first `unscoredPrefix` targets of every row are unscored (the group's later protocol masks the
   * first 2·segmentMax = 18 positions of a window cut from an ongoing stream, so that every scored
   * position has context). Integer in 0..contextLength − 1. Default 0.
   */
  unscoredPrefix?: number;
  /**
   * Which numbers count: 'window', those the rules determine from the window alone (every scored target
   * can be inferred by the model; default); 'stream', those the generator did not draw at random, judged
   * on the whole stream before the window too (the generator's view: with an offset, some scored targets
   * depend on numbers before the window — `iarcWindowStats` counts them).
   */
  scoredBy?: IarcScoredBy;
  /** Positions per row T (the window has T + 1 tokens). Integer ≥ 2. Default 64. */
  contextLength?: number;
  /** Rows per training batch. Default 32. */
  batchSize?: number;
  /** Held-out windows (a separate random stream). Default 512. */
  evalSize?: number;
  /** Rows per evaluation batch. Default min(evalSize, max(batchSize, 128)). */
  evalBatchSize?: number;
  /** Seed of every batch. Default 0. */
  seed?: number;
}

export const IARC_SCORED_BY = Object.freeze(['window', 'stream'] as const);
export type IarcScoredBy = (typeof IARC_SCORED_BY)[number];

export interface IarcConfig extends TaskConfigBase {
  kind: 'iarc';
  N: number;
  tasks: IarcSubtask[];
  segmentMax: number;
  segmentMean: number;
  seedTokens: number;
  maxOffset: number;
  unscoredPrefix: number;
  scoredBy: IarcScoredBy;
}

const KEYS = [...COMMON_KEYS, 'N', 'tasks', 'segmentMax', 'segmentMean', 'seedTokens', 'maxOffset', 'unscoredPrefix', 'scoredBy'];

export function resolveIarcArgs(args: IarcArgs = {}): IarcConfig {
  checkKnownKeys('iarc', args, KEYS);
  const N = intParam('N', args.N ?? 16, 2);
  const tasks = args.tasks ?? [...IARC_TASKS];
  if (!Array.isArray(tasks) || tasks.length === 0 || tasks.some((t) => !IARC_TASKS.includes(t)) || new Set(tasks).size !== tasks.length) {
    throw new Error(`tasks must be a non-empty list of distinct subtasks from 'I', 'A', 'R', 'C'; got ${JSON.stringify(args.tasks)}`);
  }
  const segmentMax = intParam('segmentMax', args.segmentMax ?? 9, 1);
  const segmentMean = numberParam('segmentMean', args.segmentMean ?? 6, 0, segmentMax, [false, true]);
  const contextLength = intParam('contextLength', args.contextLength ?? 64, 2);
  const scoredBy = args.scoredBy ?? 'window';
  if (!IARC_SCORED_BY.includes(scoredBy)) throw new Error(`scoredBy must be one of ${IARC_SCORED_BY.map((x) => `'${x}'`).join(', ')}; got ${JSON.stringify(args.scoredBy)}`);
  return {
    kind: 'iarc', N, tasks: [...tasks], segmentMax, segmentMean,
    seedTokens: intParam('seedTokens', args.seedTokens ?? 2, 0),
    maxOffset: intParam('maxOffset', args.maxOffset ?? 0, 0),
    unscoredPrefix: intParam('unscoredPrefix', args.unscoredPrefix ?? 0, 0, contextLength - 1),
    scoredBy, contextLength,
    ...resolveCommon(args),
  };
}

/** A segment length: Binomial(max, mean/max), drawn again while 0. */
export function sampleSegmentLength(rng: Rng, max: number, mean: number): number {
  for (;;) {
    const l = rng.binomial(max, mean / max);
    if (l > 0) return l;
  }
}

/**
 * The number a subtask's rule gives next, or undefined if the history does not determine it.
 * `history`: the numbers so far; `k`: 1 for the first number of the segment, 2 for the next, ...;
 * `before`: how many numbers of `history` came before the segment's control token.
 */
export function iarcRule(task: IarcSubtask, history: readonly number[], k: number, before: number, N: number): number | undefined {
  const n = history.length;
  switch (task) {
    case 'I': return n >= 1 ? (history[n - 1] + 1) % N : undefined;
    case 'A': return n >= 2 ? (history[n - 1] + history[n - 2]) % N : undefined;
    case 'R': return before - k >= 0 ? history[before - k] : undefined;
    case 'C': {
      if (n < 1) return undefined;
      const last = history[n - 1];
      for (let j = n - 2; j >= 0; j--) if (history[j] === last) return history[j + 1];
      return undefined;
    }
  }
}

/** Per token of a window: its subtask index (−1 before the first control token) and the number the rule determines. */
export interface IarcReading {
  /** 's' before the first control token, 'c' control, the subtask letter if determined, '?' if random. */
  roles: string[];
  /** Index into IARC_TASKS of the segment each token is in; −1 if unknown. */
  task: number[];
  /** True where the token is a number its rule determines from the earlier tokens of the window. */
  determined: boolean[];
  /** For a determined reverse-copy or context token: the window position of the number it copies; else −1. */
  source: number[];
}

/**
 * Reads a window of tokens from the start: which tokens the rules determine, using nothing before
 * the window. Throws if a determined number differs from the rule's value (the stream is not IARC).
 */
export function readIarc(tokens: readonly number[], N: number): IarcReading {
  const history: number[] = [];
  const at: number[] = []; // window position of each history entry
  const roles: string[] = [];
  const task: number[] = [];
  const determined: boolean[] = [];
  const source: number[] = [];
  let current = -1;
  let k = 0;
  let before = 0;
  tokens.forEach((tok, j) => {
    if (!Number.isInteger(tok) || tok < 0 || tok >= N + 4) throw new Error(`token ${j} (${tok}) is outside the IARC vocabulary 0..${N + 3}`);
    if (tok >= N) {
      current = tok - N;
      k = 0;
      before = history.length;
      roles.push('c');
      task.push(current);
      determined.push(false);
      source.push(-1);
      return;
    }
    task.push(current);
    let src = -1;
    if (current < 0) {
      roles.push('s');
      determined.push(false);
    } else {
      k++;
      const subtask = IARC_TASKS[current];
      const value = iarcRule(subtask, history, k, before, N);
      if (value !== undefined && value !== tok) {
        throw new Error(`token ${j} is ${tok} but the ${IARC_LABELS[current]} rule gives ${value}`);
      }
      roles.push(value === undefined ? '?' : subtask);
      determined.push(value !== undefined);
      if (value !== undefined && subtask === 'R') src = at[before - k];
      if (value !== undefined && subtask === 'C') src = at[history.lastIndexOf(history[history.length - 1], history.length - 2) + 1];
    }
    source.push(src);
    history.push(tok);
    at.push(j);
  });
  return { roles, task, determined, source };
}

export interface IarcSegment {
  task: IarcSubtask;
  /** Numbers in the segment (after its control token). */
  length: number;
}

/**
 * A stream from an explicit plan: the seed numbers, then each segment's control token and numbers by
 * its rule (random from `rng` where the rule cannot determine one). Tokens are ids (controls N..N+3).
 */
export function iarcStream(N: number, seeds: readonly number[], segments: readonly IarcSegment[], rng: Rng = new Rng(0)): number[] {
  const tokens: number[] = [];
  const history: number[] = [];
  for (const s of seeds) {
    intParam('seed number', s, 0, N - 1);
    tokens.push(s);
    history.push(s);
  }
  for (const seg of segments) appendSegment(tokens, history, seg.task, seg.length, N, rng);
  return tokens;
}

function appendSegment(tokens: number[], history: number[], task: IarcSubtask, length: number, N: number, rng: Rng): void {
  tokens.push(N + IARC_TASKS.indexOf(task));
  const before = history.length;
  for (let k = 1; k <= length; k++) {
    const v = iarcRule(task, history, k, before, N) ?? rng.int(N);
    tokens.push(v);
    history.push(v);
  }
}

/** Token names: numbers as digits, controls as their letter. */
export function iarcTokenName(id: number, N: number): string {
  return id < N ? String(id) : IARC_TASKS[id - N] ?? `?${id}`;
}

export class IarcTask extends TaskBase<IarcConfig> {
  readonly name = 'iarc';
  readonly vocabSize: number;
  readonly labelNames = [...IARC_LABELS];

  constructor(args: IarcArgs = {}) {
    super(resolveIarcArgs(args));
    this.vocabSize = this.config.N + 4;
  }

  describe(): string {
    const c = this.config;
    return `iarc N=${c.N} tasks ${c.tasks.join('')}, segments ~ Bin(${c.segmentMax}, ${+(c.segmentMean / c.segmentMax).toFixed(4)}), T=${c.contextLength}` +
      (c.maxOffset ? `, offset ≤ ${c.maxOffset}` : '') + (c.unscoredPrefix ? `, first ${c.unscoredPrefix} targets unscored` : '') +
      (c.scoredBy === 'stream' ? ', scored by the stream' : '');
  }

  tokenName(id: number): string {
    return iarcTokenName(id, this.config.N);
  }

  /** The T + 1 tokens of one window. */
  window(rng: Rng): number[] {
    return this.draw(rng).window;
  }

  /**
   * How the two `scoredBy` readings differ on `windows` windows (drawn from their own generator, seed
   * `seed`): scored targets (after `unscoredPrefix`) by the stream, and how many of them the window alone
   * also determines — the others depend on numbers before the window, so no model can infer them.
   */
  scoringStats(windows = 2000, seed = 12345): { scoredByStream: number; alsoByWindow: number; scoredByWindow: number; perLabel: Record<string, { byStream: number; alsoByWindow: number }> } {
    const rng = new Rng(seed, 7);
    const out = { scoredByStream: 0, alsoByWindow: 0, scoredByWindow: 0, perLabel: Object.fromEntries(IARC_LABELS.map((l) => [l, { byStream: 0, alsoByWindow: 0 }])) };
    for (let i = 0; i < windows; i++) {
      const { stream, offset } = this.stream(rng);
      const all = readIarc(stream, this.config.N);
      const alone = readIarc(stream.slice(offset, offset + this.config.contextLength + 1), this.config.N);
      for (let j = 1 + this.config.unscoredPrefix; j < alone.determined.length; j++) {
        if (alone.determined[j]) out.scoredByWindow++;
        if (!all.determined[offset + j]) continue;
        const label = out.perLabel[IARC_LABELS[all.task[offset + j]]];
        out.scoredByStream++;
        label.byStream++;
        if (alone.determined[j]) {
          out.alsoByWindow++;
          label.alsoByWindow++;
        }
      }
    }
    return out;
  }

  /** One window with its reading (by `scoredBy`: from the window alone or from the whole stream). */
  private draw(rng: Rng): { window: number[]; reading: IarcReading } {
    const { stream, offset } = this.stream(rng);
    const window = stream.slice(offset, offset + this.config.contextLength + 1);
    if (this.config.scoredBy === 'window') return { window, reading: readIarc(window, this.config.N) };
    const all = readIarc(stream, this.config.N);
    const cut = <X>(xs: X[]): X[] => xs.slice(offset, offset + window.length);
    // Sources are window positions; a source before the window is −1 (it exists only in the stream).
    return { window, reading: { roles: cut(all.roles), task: cut(all.task), determined: cut(all.determined), source: cut(all.source).map((j) => (j >= offset ? j - offset : -1)) } };
  }

  /** The stream up to the end of one window, and where the window starts. */
  private stream(rng: Rng): { stream: number[]; offset: number } {
    const { N, tasks, segmentMax, segmentMean, seedTokens, maxOffset, contextLength: T } = this.config;
    const offset = maxOffset > 0 ? rng.int(maxOffset + 1) : 0;
    const tokens: number[] = [];
    const history: number[] = [];
    for (let i = 0; i < seedTokens; i++) {
      const v = rng.int(N);
      tokens.push(v);
      history.push(v);
    }
    while (tokens.length < offset + T + 1) {
      const task = tasks[tasks.length === 1 ? 0 : rng.int(tasks.length)];
      appendSegment(tokens, history, task, sampleSegmentLength(rng, segmentMax, segmentMean), N, rng);
    }
    return { stream: tokens, offset };
  }

  protected fillRow(rng: Rng, row: RowView): void {
    const { window: w, reading: { task, determined } } = this.draw(rng);
    const prefix = this.config.unscoredPrefix;
    for (let t = 0; t < this.contextLength; t++) {
      row.inputs[t] = w[t];
      row.targets[t] = w[t + 1];
      row.scored[t] = determined[t + 1] && t >= prefix ? 1 : 0;
      row.labels[t] = Math.max(task[t + 1], 0);
    }
  }

  example(): TaskExample {
    const { window: w, reading } = this.draw(new Rng(this.config.seed, 0));
    // Targets 1..unscoredPrefix are unscored whatever their rule: shown as 'p'.
    const roles = reading.roles.map((r, j) => (j >= 1 && j <= this.config.unscoredPrefix && r !== 'c' ? 'p' : r));
    return {
      tokens: w.map((x) => this.tokenName(x)),
      roles,
      legend: {
        s: 'seed or subtask unknown (unscored)', c: 'control token (unscored)', '?': 'not determined: random (unscored)',
        ...(this.config.unscoredPrefix ? { p: `in the first ${this.config.unscoredPrefix} targets (unscored)` } : {}),
        I: 'increment', A: 'addition', R: 'reverse copy', C: 'context (all scored)',
      },
    };
  }
}
