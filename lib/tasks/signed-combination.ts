/**
 * Signed combination (COG paper, our small-scale reconstruction of "a head that needs negative
 * weights"; the paper has no such task). Random numbers x_t ∈ 0..N−1; at every position t ≥ max(a, b)
 * the model must output
 *
 *   combine 'difference':  y_t = x_{t−a} − x_{t−b}      ∈ −(N−1)..N−1   (answer tokens, default)
 *   combine 'sum':         y_t = x_{t−a} + x_{t−b}      ∈ 0..2N−2       (the control)
 *   with `modular`:        y_t = (x_{t−a} ± x_{t−b}) mod N, answered with the number tokens
 *
 * Vocabulary: the N numbers (inputs), then 2N − 1 answer tokens (not `modular`): answer id N + k is the
 * value k − (N−1) for 'difference' and k for 'sum'. Targets are answers, not next tokens.
 *
 * Why one Cog head can and one softmax head cannot (with lags a, b ≥ 1 both terms must come through
 * attention; the query token x_t itself carries nothing):
 * - Cog: the query at t gives score +c to the key at t−a and −c to the key at t−b (learned positional
 *   keys); for large c the weights are ≈ +½ and −½ and the head outputs ½(v(x_{t−a}) − v(x_{t−b})).
 *   With a scalar value code v(x) = x·u this is ½(x_{t−a} − x_{t−b})·u, and a LINEAR readout decodes
 *   the integer difference (logit_k = k·z − k²/2 picks k = round(z)). One layer, one head, no FFN needed.
 * - Softmax: the output Σ α_j v_j lies in the convex hull of the values, the weights fixed by position.
 *   A linear readout then scores answer k by α_a f_k(x_{t−a}) + α_b f_k(x_{t−b}) + b_k with the SAME
 *   f_k for both terms (same value map) and α ≥ 0. Equal weights give a symmetric function of the two
 *   numbers, which cannot give an antisymmetric target; unequal weights only scale f_k, never flip its
 *   sign, so the difference is out of reach. The sum is symmetric, so softmax solves 'sum' exactly with
 *   α = ½, ½ — the control condition. (Exact for values linear in token + position embedding; a
 *   LayerNorm before the values adds a weak position-dependent rescaling, and the final LayerNorm is
 *   not linear either, so in our pre-LN Transformer this is the mechanism, not a proof.)
 * - With a feed-forward block after attention, softmax can still solve 'difference' by lopsided
 *   weights (e.g. ⅔, ⅓) and a nonlinear decoder of the mixture; that is a capacity question (decoding
 *   ~N² pairs), not an impossibility. To see the one-head limit, train an attention-only model
 *   (`feedForward: false`, as the experiment `cog-signed-attention-only` does).
 *
 * Worked example (tested): N = 4, a = 1, b = 2, difference, inputs 3 1 0 2 2:
 *   targets at t = 2, 3, 4: 1−3 = −2, 0−1 = −1, 2−0 = 2 (answer ids 4 + (−2 + 3) = 5, 6, 9); t = 0, 1 unscored.
 */
import { Rng } from '../util/rng.js';
import {
  COMMON_KEYS, TaskBase, checkKnownKeys, choiceParam, intParam, resolveCommon,
  type RowView, type TaskConfigBase, type TaskExample,
} from './task.js';

export const COMBINATIONS = Object.freeze(['difference', 'sum'] as const);
export type Combination = (typeof COMBINATIONS)[number];

export interface SignedCombinationArgs {
  /** Numbers 0..N−1. Integer ≥ 2. Default 8. */
  N?: number;
  /** Lag a of the positive term x_{t−a}. Integer ≥ 1. Default 1. */
  a?: number;
  /** Lag b of the second term x_{t−b} (subtracted for 'difference'). Integer ≥ 1, ≠ a. Default 2. */
  b?: number;
  /** 'difference' (needs a signed weight) or 'sum' (the control a softmax head can solve). Default 'difference'. */
  combine?: Combination;
  /** Answer (x_{t−a} ± x_{t−b}) mod N with the number tokens instead of the exact value. Default false. */
  modular?: boolean;
  /** Positions per row T; must exceed max(a, b). Default 16. */
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

export interface SignedCombinationConfig extends TaskConfigBase {
  kind: 'signed-combination';
  N: number;
  a: number;
  b: number;
  combine: Combination;
  modular: boolean;
}

const KEYS = [...COMMON_KEYS, 'N', 'a', 'b', 'combine', 'modular'];

export function resolveSignedCombinationArgs(args: SignedCombinationArgs = {}): SignedCombinationConfig {
  checkKnownKeys('signed-combination', args, KEYS);
  const N = intParam('N', args.N ?? 8, 2);
  const a = intParam('a', args.a ?? 1, 1);
  const b = intParam('b', args.b ?? 2, 1);
  if (a === b) throw new Error(`b must differ from a (${a}): the task combines two different earlier tokens`);
  const combine = choiceParam('combine', args.combine ?? 'difference', COMBINATIONS);
  const modular = args.modular ?? false;
  if (typeof modular !== 'boolean') throw new Error(`modular must be true or false; got ${JSON.stringify(modular)}`);
  const contextLength = intParam('contextLength', args.contextLength ?? 16, Math.max(a, b) + 1, Infinity,
    `positions before max(a, b) = ${Math.max(a, b)} have no target`);
  return { kind: 'signed-combination', N, a, b, combine, modular, contextLength, ...resolveCommon(args) };
}

export class SignedCombinationTask extends TaskBase<SignedCombinationConfig> {
  readonly name = 'signed-combination';
  readonly vocabSize: number;
  readonly labelNames: string[];

  constructor(args: SignedCombinationArgs = {}) {
    super(resolveSignedCombinationArgs(args));
    const c = this.config;
    this.vocabSize = c.modular ? c.N : 3 * c.N - 1;
    this.labelNames = [c.combine];
  }

  describe(): string {
    const { N, a, b, combine, modular, contextLength } = this.config;
    const op = combine === 'difference' ? '−' : '+';
    return `signed-combination: y_t = ${modular ? '(' : ''}x_{t−${a}} ${op} x_{t−${b}}${modular ? `) mod ${N}` : ''}, N=${N}, T=${contextLength}`;
  }

  /** The answer token of value y (an integer for exact answers, taken mod N for `modular`). */
  answerToken(y: number): number {
    const { N, combine, modular } = this.config;
    if (modular) return ((y % N) + N) % N;
    return N + (combine === 'difference' ? y + N - 1 : y);
  }

  tokenName(id: number): string {
    const { N, combine } = this.config;
    if (id < N) return String(id);
    const y = combine === 'difference' ? id - N - (N - 1) : id - N;
    return `=${y}`;
  }

  /** Targets of an input sequence (−1 where unscored). */
  targetsOf(x: readonly number[]): number[] {
    const { a, b, combine } = this.config;
    return x.map((_, t) => (t < Math.max(a, b) ? -1
      : this.answerToken(combine === 'difference' ? x[t - a] - x[t - b] : x[t - a] + x[t - b])));
  }

  protected fillRow(rng: Rng, row: RowView): void {
    const T = this.contextLength;
    const x = Array.from({ length: T }, () => rng.int(this.config.N));
    const y = this.targetsOf(x);
    for (let t = 0; t < T; t++) {
      row.inputs[t] = x[t];
      row.targets[t] = Math.max(y[t], 0);
      row.scored[t] = y[t] >= 0 ? 1 : 0;
      row.labels[t] = 0;
    }
  }

  example(): TaskExample {
    const rng = new Rng(this.config.seed, 0);
    const x = Array.from({ length: this.contextLength }, () => rng.int(this.config.N));
    const y = this.targetsOf(x);
    return {
      tokens: x.map(String),
      roles: y.map((v) => (v < 0 ? '-' : 's')),
      targets: y.map((v) => (v < 0 ? '' : this.tokenName(v))),
      legend: { '-': 'no target (unscored)', s: `scored: target ${this.config.combine} of x_{t−${this.config.a}} and x_{t−${this.config.b}}` },
    };
  }
}
