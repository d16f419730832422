/**
 * Delete the repeated tokens (COG paper, our small-scale reconstruction of "a head deletes a token by a
 * negative weight"; the paper shows the ability, not this task). Each row:
 *
 *   a₁ … a_m  |  b₁ … b_{m−1}  ?       a set of m distinct tokens; the separator |; the same set with one
 *                                       element left out, shuffled; the query ?
 *   target at ?: the element of the a's that is not repeated among the b's (the only scored position)
 *
 * Vocabulary: tokens 0..N−1, separator N, query N+1; the layout is fixed (T = 2m + 1), so a key's position
 * says which half it is in.
 *
 * The natural one-layer, one-head Cog solution: the query gives score +c to every first-half key and −c
 * to every second-half key (learned positional keys). The weights are then ≈ +1/(2m−1) and −1/(2m−1),
 * every repeated token's two copies cancel — the negative weight deletes the repeat — and the output is
 * v(missing)/(2m−1), which a linear readout (logit_k = u_k·v) decodes. A softmax head can only add: its
 * output is a positive mixture in which the repeated tokens carry MORE weight than the missing one (or,
 * attending to the first half only, the same weight), so a linear readout prefers a repeated token; it
 * needs the feed-forward block to find the smallest non-zero coefficient of the mixture (possible with
 * a few units per token, so again capacity, not impossibility, once an FFN follows).
 *
 * Worked example (tested): N = 8, m = 3, a = 5 2 7, left out 2:
 *   tok   : 5 2 7 | 7 5 ?
 *   target: at ? → 2
 * Chance: 1/N guessing blindly, 1/m for a model that only learns "one of the a's".
 */
import { Rng } from '../util/rng.js';
import {
  COMMON_KEYS, TaskBase, checkKnownKeys, intParam, resolveCommon,
  type RowView, type TaskConfigBase, type TaskExample,
} from './task.js';

export interface DeleteRepeatedArgs {
  /** Tokens 0..N−1 the set is drawn from. Integer ≥ setSize. Default 16. */
  N?: number;
  /** Size m of the set (the row has T = 2m + 1 positions). Integer ≥ 2. Default 4. */
  setSize?: number;
  /** Rows per training batch. Default 32. */
  batchSize?: number;
  /** Held-out rows (a separate random stream). Default 512. */
  evalSize?: number;
  /** Rows per evaluation batch. Default min(evalSize, max(batchSize, 128)). */
  evalBatchSize?: number;
  /** Seed of every batch. Default 0. */
  seed?: number;
  /** Derived: 2·setSize + 1. Accepted only when it equals that (so a task's config rebuilds it). */
  contextLength?: number;
}

export interface DeleteRepeatedConfig extends TaskConfigBase {
  kind: 'delete-repeated';
  N: number;
  setSize: number;
}

const KEYS = [...COMMON_KEYS, 'N', 'setSize'];

export function resolveDeleteRepeatedArgs(args: DeleteRepeatedArgs = {}): DeleteRepeatedConfig {
  checkKnownKeys('delete-repeated', args, KEYS);
  const setSize = intParam('setSize', args.setSize ?? 4, 2);
  const N = intParam('N', args.N ?? 16, Math.max(setSize, 2), Infinity, `the set needs setSize = ${setSize} distinct tokens`);
  const contextLength = 2 * setSize + 1;
  if (args.contextLength !== undefined && args.contextLength !== contextLength) {
    throw new Error(`contextLength is fixed by setSize (2·${setSize} + 1 = ${contextLength}); got ${JSON.stringify(args.contextLength)}`);
  }
  return { kind: 'delete-repeated', N, setSize, contextLength, ...resolveCommon(args) };
}

/** The row for set `a` with element `a[missing]` left out of the second half, shuffled by `order` (a permutation of the m−1 others). */
export function deleteRepeatedRow(N: number, a: readonly number[], missing: number, order: readonly number[]): { inputs: number[]; target: number } {
  const rest = a.filter((_, i) => i !== missing);
  return { inputs: [...a, N, ...order.map((i) => rest[i]), N + 1], target: a[missing] };
}

/** Fisher–Yates: a uniformly random permutation of 0..n−1. */
function permutation(rng: Rng, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export class DeleteRepeatedTask extends TaskBase<DeleteRepeatedConfig> {
  readonly name = 'delete-repeated';
  readonly vocabSize: number;
  readonly labelNames = ['missing'];

  constructor(args: DeleteRepeatedArgs = {}) {
    super(resolveDeleteRepeatedArgs(args));
    this.vocabSize = this.config.N + 2;
  }

  describe(): string {
    const { N, setSize } = this.config;
    return `delete-repeated: a set of ${setSize} from ${N} tokens, then all but one again; answer the one not repeated (T=${this.contextLength})`;
  }

  tokenName(id: number): string {
    const N = this.config.N;
    return id < N ? String(id) : id === N ? '|' : '?';
  }

  private row(rng: Rng): { inputs: number[]; target: number } {
    const { N, setSize: m } = this.config;
    const a = permutation(rng, N).slice(0, m);
    return deleteRepeatedRow(N, a, rng.int(m), permutation(rng, m - 1));
  }

  protected fillRow(rng: Rng, row: RowView): void {
    const { inputs, target } = this.row(rng);
    const T = this.contextLength;
    row.inputs.set(inputs);
    row.targets.fill(0);
    row.scored.fill(0);
    row.labels.fill(0);
    row.targets[T - 1] = target;
    row.scored[T - 1] = 1;
  }

  example(): TaskExample {
    const { inputs, target } = this.row(new Rng(this.config.seed, 0));
    const m = this.config.setSize;
    return {
      tokens: inputs.map((x) => this.tokenName(x)),
      roles: inputs.map((_, i) => (i < m ? 'a' : i === m ? '|' : i < 2 * m ? 'b' : '?')),
      targets: inputs.map((_, i) => (i === inputs.length - 1 ? this.tokenName(target) : '')),
      legend: { a: 'the set', '|': 'separator', b: 'the set again, one left out, shuffled', '?': 'query: target = the one left out (the only scored position)' },
    };
  }
}
