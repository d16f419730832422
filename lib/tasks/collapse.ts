/**
 * Representational collapse (COG paper, Fig. 5; our small-scale reconstruction). The paper feeds a
 * trained LM two prompts that differ in one token and measures how much the LAST position's final state
 * differs, as the sequence grows:
 *
 *   'count-ones'  prefix + 1^(n+1)   vs  prefix + 1^n        (one extra trailing 1)
 *   'find-zero'   prefix + 0 1^n     vs  prefix + 1 1^n      (the first digit differs)
 *   'flip-any'    prefix + 1^n       vs  the same with x_j = 0, averaged over positions j   (ours)
 *
 * If attention averages ever more identical tokens, the final state stops depending on one of them
 * (collapse); Cog's signed weights are claimed to keep it more sensitive. `sensitivity()` computes, per
 * length n, the paper's metric: the difference d of the two final states, cut into `chunks` equal
 * pieces (the paper: 12 pieces of 64 = its heads), the largest |d| of each piece, averaged over pieces;
 * `relative` divides by the value at the first length (the paper normalises at n = 200).
 *
 * `CollapseTask` is a trainable family whose answers NEED that sensitivity, so small models can be
 * trained and then probed (the paper probes a general LM; we have no such model at this scale):
 *   'count-ones': bits x_t (token 0 = '0', 1 = '1', each row P(1) = p, p ~ U(0, 1)); at every position the
 *                 target is the number of ones so far, answer token 2 + count (vocabulary T + 3)
 *   'find-zero':  all ones, with probability ½ one zero at a uniform position; the target at every
 *                 position is whether a zero has occurred yet, 'no' = 2, 'yes' = 3 (vocabulary 4)
 *
 * Worked example (tested): count-ones, inputs 1 0 1 1 → targets #1 #1 #2 #3 (ids 3 3 4 5);
 * find-zero, inputs 1 1 0 1 → targets no no yes yes (ids 2 2 3 3).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap, SequenceModel } from '../models/model.js';
import { Rng } from '../util/rng.js';
import {
  COMMON_KEYS, TaskBase, checkKnownKeys, choiceParam, intParam, resolveCommon,
  type RowView, type TaskConfigBase, type TaskExample,
} from './task.js';

export const COLLAPSE_FAMILIES = Object.freeze(['count-ones', 'find-zero'] as const);
export type CollapseFamily = (typeof COLLAPSE_FAMILIES)[number];
export const PROBE_FAMILIES = Object.freeze(['count-ones', 'find-zero', 'flip-any'] as const);
export type ProbeFamily = (typeof PROBE_FAMILIES)[number];

// ---------------------------------------------------------------------------------------------
// The trainable family

export interface CollapseArgs {
  /** 'count-ones' (answer: ones so far) or 'find-zero' (answer: a zero so far?). Default 'count-ones'. */
  family?: CollapseFamily;
  /** Positions per row T. Integer ≥ 1. Default 32. */
  contextLength?: number;
  /** Rows per training batch. Default 32. */
  batchSize?: number;
  /** Held-out rows (a separate random stream). Default 512. */
  evalSize?: number;
  /** Rows per evaluation batch. Default min(evalSize, max(batchSize, 128)). */
  evalBatchSize?: number;
  /** Seed of every batch. Default 0. */
  seed?: number;
}

export interface CollapseConfig extends TaskConfigBase {
  kind: 'collapse';
  family: CollapseFamily;
}

/** Token ids of the collapse task: the bits; answers start at ANSWER. */
export const COLLAPSE_ZERO = 0;
export const COLLAPSE_ONE = 1;
const ANSWER = 2;

export function resolveCollapseArgs(args: CollapseArgs = {}): CollapseConfig {
  checkKnownKeys('collapse', args, [...COMMON_KEYS, 'family']);
  return {
    kind: 'collapse',
    family: choiceParam('family', args.family ?? 'count-ones', COLLAPSE_FAMILIES),
    contextLength: intParam('contextLength', args.contextLength ?? 32, 1),
    ...resolveCommon(args),
  };
}

export class CollapseTask extends TaskBase<CollapseConfig> {
  readonly name = 'collapse';
  readonly vocabSize: number;
  readonly labelNames: string[];

  constructor(args: CollapseArgs = {}) {
    super(resolveCollapseArgs(args));
    this.vocabSize = this.config.family === 'count-ones' ? ANSWER + this.contextLength + 1 : ANSWER + 2;
    this.labelNames = [this.config.family];
  }

  describe(): string {
    return this.config.family === 'count-ones'
      ? `collapse count-ones: the number of ones so far, T=${this.contextLength}`
      : `collapse find-zero: has a zero occurred yet, T=${this.contextLength}`;
  }

  tokenName(id: number): string {
    if (id === COLLAPSE_ZERO) return '0';
    if (id === COLLAPSE_ONE) return '1';
    return this.config.family === 'count-ones' ? `#${id - ANSWER}` : id === ANSWER ? 'no' : 'yes';
  }

  /** Answer tokens for a bit sequence (ids COLLAPSE_ZERO/COLLAPSE_ONE). */
  targetsOf(bits: readonly number[]): number[] {
    let ones = 0;
    let zero = false;
    return bits.map((x) => {
      if (x === COLLAPSE_ONE) ones++;
      else zero = true;
      return this.config.family === 'count-ones' ? ANSWER + ones : ANSWER + (zero ? 1 : 0);
    });
  }

  private bits(rng: Rng): number[] {
    const T = this.contextLength;
    if (this.config.family === 'count-ones') {
      const p = rng.float();
      return Array.from({ length: T }, () => (rng.float() < p ? COLLAPSE_ONE : COLLAPSE_ZERO));
    }
    const bits = new Array<number>(T).fill(COLLAPSE_ONE);
    if (rng.float() < 0.5) bits[rng.int(T)] = COLLAPSE_ZERO;
    return bits;
  }

  protected fillRow(rng: Rng, row: RowView): void {
    const x = this.bits(rng);
    row.inputs.set(x);
    row.targets.set(this.targetsOf(x));
    row.scored.fill(1);
    row.labels.fill(0);
  }

  example(): TaskExample {
    const x = this.bits(new Rng(this.config.seed, 0));
    return {
      tokens: x.map((v) => this.tokenName(v)),
      roles: x.map(() => 's'),
      targets: this.targetsOf(x).map((v) => this.tokenName(v)),
      legend: { s: 'scored' },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Probes and the sensitivity measurement

export interface ProbeTokens {
  /** Token id of a one. Default COLLAPSE_ONE (1). */
  one?: number;
  /** Token id of a zero. Default COLLAPSE_ZERO (0). */
  zero?: number;
  /** Tokens before the digits (e.g. an encoded question for a language model). Default []. */
  prefix?: number[];
}

/**
 * The sequence pairs of a probe family at length n (token id arrays). Each pair differs in one token
 * (count-ones: one token longer); 'flip-any' gives one pair per changed position j = 0..n−1.
 */
export function probePairs(family: ProbeFamily, n: number, tokens: ProbeTokens = {}): [number[], number[]][] {
  choiceParam('family', family, PROBE_FAMILIES);
  intParam('n', n, 1);
  const one = tokens.one ?? COLLAPSE_ONE;
  const zero = tokens.zero ?? COLLAPSE_ZERO;
  const prefix = tokens.prefix ?? [];
  const ones = (k: number): number[] => new Array<number>(k).fill(one);
  switch (family) {
    case 'count-ones': return [[[...prefix, ...ones(n + 1)], [...prefix, ...ones(n)]]];
    case 'find-zero': return [[[...prefix, zero, ...ones(n)], [...prefix, one, ...ones(n)]]];
    case 'flip-any': return Array.from({ length: n }, (_, j) => {
      const flipped = ones(n);
      flipped[j] = zero;
      return [[...prefix, ...ones(n)], [...prefix, ...flipped]];
    });
  }
}

export interface SensitivityArgs extends ProbeTokens {
  /** Which probe. */
  family: ProbeFamily;
  /** Sequence lengths n (digits after the prefix), in the order to report. Positive integers. */
  lengths: number[];
  /** Compare the final hidden state ('hidden', needs `returnHidden` support) or the logits. Default 'hidden'. */
  representation?: 'hidden' | 'logits';
  /** Pieces the state difference is cut into (must divide its size); the metric averages their max |d|. Default 1. */
  chunks?: number;
  /** 'flip-any': average over at most this many changed positions, evenly spread over 0..n−1. Default 16. */
  positions?: number;
}

export interface SensitivityResult {
  family: ProbeFamily;
  lengths: number[];
  /** The metric per length. */
  values: number[];
  /** values / values[0] (the paper's normalisation). */
  relative: number[];
}

/** mean over `chunks` equal pieces of max |a − b|. */
export function chunkedMaxDifference(a: ArrayLike<number>, b: ArrayLike<number>, chunks: number): number {
  if (a.length !== b.length || a.length % chunks !== 0) {
    throw new Error(`chunks (${chunks}) must divide the state size (${a.length})`);
  }
  const size = a.length / chunks;
  let sum = 0;
  for (let c = 0; c < chunks; c++) {
    let m = 0;
    for (let i = c * size; i < (c + 1) * size; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    sum += m;
  }
  return sum / chunks;
}

/** The last position's state of each sequence (all of one length), as flat arrays. */
function lastStates(model: SequenceModel, params: ParamMap, seqs: number[][], representation: 'hidden' | 'logits'): Float32Array[] {
  const out = tf.tidy(() => {
    const tokens = tf.tensor2d(seqs, undefined, 'int32'); // [B, L]
    const o = model.apply(params, tokens, { returnHidden: representation === 'hidden' });
    const state = representation === 'hidden' ? o.hidden : o.logits; // [B, L, d]
    if (!state) throw new Error(`this ${model.kind} model does not return its hidden state; use representation 'logits'`);
    const [B, L, d] = state.shape;
    return tf.reshape(tf.slice(state, [0, L - 1, 0], [B, 1, d]), [B, d]); // [B, d]
  });
  const flat = out.dataSync() as Float32Array;
  const d = out.shape[1] as number;
  out.dispose();
  return seqs.map((_, i) => flat.slice(i * d, (i + 1) * d));
}

/**
 * How much the last position's final state changes when one input token changes, per length (see the
 * file comment). Pure forward passes; no tensors are left behind.
 *
 * ```ts
 * const r = sensitivity(model, params, { family: 'find-zero', lengths: [8, 16, 32, 64] });
 * r.relative;   // [1, 0.8, 0.5, 0.3] for a collapsing model
 * ```
 */
export function sensitivity(model: SequenceModel, params: ParamMap, args: SensitivityArgs): SensitivityResult {
  const family = choiceParam('family', args.family, PROBE_FAMILIES);
  if (!Array.isArray(args.lengths) || args.lengths.length === 0) {
    throw new Error(`lengths must be a non-empty array of positive integers; got ${JSON.stringify(args.lengths)}`);
  }
  const lengths = args.lengths.map((n, i) => intParam(`lengths[${i}]`, n, 1));
  const representation = choiceParam('representation', args.representation ?? 'hidden', ['hidden', 'logits'] as const);
  const chunks = intParam('chunks', args.chunks ?? 1, 1);
  const positions = intParam('positions', args.positions ?? 16, 1);
  const prefix = args.prefix ?? [];
  for (const [name, id] of [['one', args.one ?? COLLAPSE_ONE], ['zero', args.zero ?? COLLAPSE_ZERO], ...prefix.map((p, i) => [`prefix[${i}]`, p])] as [string, number][]) {
    intParam(name, id, 0, model.vocabSize - 1, 'a token of the model\'s vocabulary');
  }
  const extra = family === 'flip-any' ? 0 : 1; // count-ones and find-zero add one token to n
  const longest = prefix.length + Math.max(...lengths) + extra;
  if (longest > model.contextLength) {
    throw new Error(`lengths: the longest probe (${longest} tokens: prefix ${prefix.length} + n ${Math.max(...lengths)}${extra ? ' + 1' : ''}) exceeds the model's contextLength ${model.contextLength}`);
  }

  const values = lengths.map((n) => {
    let pairs = probePairs(family, n, args);
    if (family === 'flip-any' && pairs.length > positions) {
      pairs = Array.from({ length: positions }, (_, k) => pairs[Math.round((k * (n - 1)) / Math.max(positions - 1, 1))]);
    }
    let total = 0;
    if (family === 'count-ones') { // the two sequences differ in length: two passes
      const [[a, b]] = pairs;
      const [sa] = lastStates(model, params, [a], representation);
      const [sb] = lastStates(model, params, [b], representation);
      total = chunkedMaxDifference(sa, sb, chunks);
    } else {
      const states = lastStates(model, params, pairs.flat(), representation);
      for (let i = 0; i < pairs.length; i++) total += chunkedMaxDifference(states[2 * i], states[2 * i + 1], chunks);
      total /= pairs.length;
    }
    return total;
  });
  return { family, lengths, values, relative: values.map((v) => v / values[0]) };
}
