/**
 * The complexity ladder (EA paper, Gros 2024). RECONSTRUCTION: the paper's own task definitions could not
 * be read (see shared/papers.md); this lagged-Fibonacci family is our stand-in with the properties the
 * abstract describes (autoregressive, deterministic, complexity adjustable, multi-task, 100 % reachable).
 *
 *   tokens 0..N−1; the first w = max(lags) numbers x₀..x_{w−1} are random and unscored, then
 *   x_t = (x_{t−a} + x_{t−b}) mod N                      (lags [a, b], a < b, so w = b)
 *   x_t = (Σ_i x_{t−lags[i]}) mod N                      (further terms: `lags`)
 *
 * Complexity rises with N (the domain), b (how far back the model must look) and the number of terms.
 * Multi-task (`rules`): each sequence draws one rule uniformly; a task token N + r at position 0 says
 * which (vocabulary N + number of rules). Accuracy is reported per rule (`labelNames`, e.g. '1+2').
 *
 * Worked example (tested): N = 10, lags [1, 2] (Fibonacci mod 10), warm-up 3 5, T = 11:
 *
 *   tok : 3 5 8 3 1 4 5 9 4 3 7 0
 *   role: w w s s s s s s s s s s        (w = random warm-up, unscored; s = scored)
 *
 * inputs are tok[0..10], targets tok[1..11]; the target at position 0 (the warm-up 5) is not scored,
 * the other ten are. Multi-task, N = 10, rules [[1, 2], [1, 3]], T = 6, rule 1 (lags 1, 3) drawn:
 *
 *   tok : 11 2 7 1 3 0 1                 task token 10 + 1; warm-up 2 7 1; 3 = 1+2, 0 = 3+7, 1 = 0+1 (mod 10)
 *   role:  t w w w s s s                 (t = task token, unscored)
 */
import { Rng } from '../util/rng.js';
import {
  COMMON_KEYS, TaskBase, checkKnownKeys, intParam, resolveCommon,
  type RowView, type TaskConfigBase, type TaskExample,
} from './task.js';

export interface LadderArgs {
  /** Domain size N: number tokens 0..N−1, sums mod N. Integer ≥ 2. Default 16. */
  N?: number;
  /** Shorter lag a of x_t = (x_{t−a} + x_{t−b}) mod N. Integer ≥ 1. Default 1. */
  a?: number;
  /** Longer lag b > a; also the number of random warm-up tokens. Default 2. */
  b?: number;
  /** All lags of a single rule, x_t = (Σ x_{t−lag}) mod N: distinct integers ≥ 1 (one or more). Replaces a and b. Default [a, b]. */
  lags?: number[];
  /** Multi-task: several rules (each a `lags` list); each sequence draws one uniformly. Replaces a, b and lags. Default: the one rule. */
  rules?: number[][];
  /** Start each sequence with the task token N + r of its rule r. Default: true with several rules, false with one. */
  taskToken?: boolean;
  /** Positions per row T (the sequence has T + 1 tokens). Must leave at least one scored target. Default 32. */
  contextLength?: number;
  /** Rows per training batch. Default 32. */
  batchSize?: number;
  /** Held-out sequences (a separate random stream). Default 512. */
  evalSize?: number;
  /** Rows per evaluation batch. Default min(evalSize, max(batchSize, 128)). */
  evalBatchSize?: number;
  /** Seed of every batch. Default 0. */
  seed?: number;
}

export interface LadderConfig extends TaskConfigBase {
  kind: 'ladder';
  N: number;
  /** Each rule's lags, sorted ascending. */
  rules: number[][];
  taskToken: boolean;
}

const KEYS = [...COMMON_KEYS, 'N', 'a', 'b', 'lags', 'rules', 'taskToken'];

/** '1+2' for lags [1, 2]: the label of a rule. */
export function ladderRuleName(lags: readonly number[]): string {
  return lags.join('+');
}

function checkLags(name: string, lags: unknown): number[] {
  if (!Array.isArray(lags) || lags.length === 0) {
    throw new Error(`${name} must be a non-empty array of distinct integers ≥ 1; got ${JSON.stringify(lags)}`);
  }
  lags.forEach((l, i) => intParam(`${name}[${i}]`, l, 1));
  const sorted = [...(lags as number[])].sort((x, y) => x - y);
  if (sorted.some((l, i) => i > 0 && l === sorted[i - 1])) throw new Error(`${name} must hold distinct lags; got ${JSON.stringify(lags)}`);
  return sorted;
}

export function resolveLadderArgs(args: LadderArgs = {}): LadderConfig {
  checkKnownKeys('ladder', args, KEYS);
  const N = intParam('N', args.N ?? 16, 2);
  let rules: number[][];
  if (args.rules !== undefined) {
    if (args.a !== undefined || args.b !== undefined || args.lags !== undefined) {
      throw new Error('give either rules or a/b/lags, not both');
    }
    if (!Array.isArray(args.rules) || args.rules.length === 0) {
      throw new Error(`rules must be a non-empty array of lag lists (e.g. [[1, 2], [1, 3]]); got ${JSON.stringify(args.rules)}`);
    }
    rules = args.rules.map((r, i) => checkLags(`rules[${i}]`, r));
    const names = rules.map(ladderRuleName);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new Error(`rules must be distinct; '${dup}' appears twice`);
  } else if (args.lags !== undefined) {
    if (args.a !== undefined || args.b !== undefined) throw new Error('give either lags or a/b, not both');
    rules = [checkLags('lags', args.lags)];
  } else {
    const a = intParam('a', args.a ?? 1, 1);
    const b = args.b ?? 2;
    if (typeof b !== 'number' || !Number.isInteger(b) || b <= a) {
      throw new Error(`b must be an integer greater than a (${a}); got ${JSON.stringify(b)}`);
    }
    rules = [[a, b]];
  }
  const taskToken = args.taskToken ?? rules.length > 1;
  if (typeof taskToken !== 'boolean') throw new Error(`taskToken must be true or false; got ${JSON.stringify(taskToken)}`);
  if (!taskToken && rules.length > 1) throw new Error('taskToken must be true with several rules (nothing else tells the model which rule applies)');
  const warmup = Math.max(...rules.map((r) => r[r.length - 1]));
  const need = warmup + (taskToken ? 1 : 0);
  const contextLength = intParam('contextLength', args.contextLength ?? 32, need,
    Infinity, `the ${taskToken ? 'task token and the ' : ''}${warmup} warm-up tokens come first and one target must be scored`);
  return { kind: 'ladder', N, rules, taskToken, contextLength, ...resolveCommon(args) };
}

/**
 * The whole sequence of a rule from its warm-up: `length` tokens x₀.., the first `warmup.length`
 * (which must be max(lags)) given, the rest x_t = Σ x_{t−lag} mod N. Pure; used for worked examples.
 */
export function ladderSequence(N: number, lags: readonly number[], warmup: readonly number[], length: number): number[] {
  const w = Math.max(...lags);
  if (warmup.length !== w) throw new Error(`warmup must hold max(lags) = ${w} tokens; got ${warmup.length}`);
  const x = [...warmup];
  for (let t = w; t < length; t++) x.push(lags.reduce((s, l) => s + x[t - l], 0) % N);
  return x.slice(0, length);
}

export class LadderTask extends TaskBase<LadderConfig> {
  readonly name = 'ladder';
  readonly vocabSize: number;
  readonly labelNames: string[];

  constructor(args: LadderArgs = {}) {
    super(resolveLadderArgs(args));
    const c = this.config;
    this.vocabSize = c.N + (c.taskToken ? c.rules.length : 0);
    this.labelNames = c.rules.map(ladderRuleName);
  }

  describe(): string {
    const { N, rules, contextLength } = this.config;
    const rule = (lags: number[]): string => `x_t = (${lags.map((l) => `x_{t−${l}}`).join(' + ')}) mod ${N}`;
    return rules.length === 1
      ? `ladder N=${N}: ${rule(rules[0])}, T=${contextLength}`
      : `ladder N=${N}, ${rules.length} rules {${this.labelNames.join(', ')}} marked by a task token, T=${contextLength}`;
  }

  tokenName(id: number): string {
    const { N, rules } = this.config;
    return id < N ? String(id) : `<${ladderRuleName(rules[id - N])}>`;
  }

  /** A row's full sequence s₀..s_T (T + 1 tokens), its rule and its first scored index. */
  private sequence(rng: Rng): { s: number[]; rule: number; firstScored: number } {
    const { N, rules, taskToken, contextLength: T } = this.config;
    const rule = rules.length === 1 ? 0 : rng.int(rules.length);
    const lags = rules[rule];
    const w = lags[lags.length - 1];
    const warmup = Array.from({ length: w }, () => rng.int(N));
    const offset = taskToken ? 1 : 0;
    const x = ladderSequence(N, lags, warmup, T + 1 - offset);
    return { s: taskToken ? [N + rule, ...x] : x, rule, firstScored: offset + w };
  }

  protected fillRow(rng: Rng, row: RowView): void {
    const { s, rule, firstScored } = this.sequence(rng);
    const T = this.contextLength;
    for (let t = 0; t < T; t++) {
      row.inputs[t] = s[t];
      row.targets[t] = s[t + 1];
      row.scored[t] = t + 1 >= firstScored ? 1 : 0;
      row.labels[t] = rule;
    }
  }

  example(): TaskExample {
    const { s, firstScored } = this.sequence(new Rng(this.config.seed, 0));
    const offset = this.config.taskToken ? 1 : 0;
    return {
      tokens: s.map((x) => this.tokenName(x)),
      roles: s.map((_, j) => (j < offset ? 't' : j < firstScored ? 'w' : 's')),
      legend: { ...(offset ? { t: 'task token (unscored)' } : {}), w: 'random warm-up (unscored)', s: 'determined by the rule (scored)' },
    };
  }
}
