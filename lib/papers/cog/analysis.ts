/**
 * Analysis helpers for notebook 03 (Cog attention, Lv et al. 2024): the rule's properties on given
 * scores, signed attention profiles of trained heads, the deletion pattern on the "delete the repeated
 * token" task, the collapse probe averaged over seeds, and bits per character of the language models.
 *
 * ```ts
 * ea.ruleWeights('cog', [[0.3], [2, -2]]);            // [[1], [0.5, -0.5]]: causal rows, Σ|α| = 1
 * ea.weightRowStats(ea.ruleWeights('cog', scores));   // per row: Σα, Σ|α|, negatives, finite
 * const w = ea.attentionWeights(model, params, batch)[0];  // layer 0 (model.apply with returnAttention; a QueryKeyGeometry fits too)
 * ea.signedOffsetProfile(w, { queryMask: batch.scored });   // mean signed / absolute weight by offset i − j
 * ea.deletionPattern(w, batch, { setSize: 4 });       // net weight on the missing vs the repeated tokens
 * ea.collapseCurves(records);                         // sensitivity per length, mean ± std over seeds
 * ea.bitsPerCharacter(1.85);                          // 2.669 (nats → bits)
 * ea.pairedTTest([0.002, 0.011, 0.016]);              // t = 2.5 with 2 degrees of freedom: not significant at 5 %
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionRule } from '../../attention/registry.js';
import type { AttentionRuleOptions } from '../../attention/rule.js';
import { causalMask } from '../../attention/rule.js';
import type { PlotlyFigure } from '../../plots/display.js';
import { attentionGridFigure, type AttentionGridArgs } from '../ea/figures.js';
import type { BatchData } from '../../train/data.js';
import { existsSync } from 'node:fs';
import { disposeParams } from '../../models/params.js';
import type { Task } from '../../tasks/task.js';
import type { ResultRecord } from '../../lab/record.js';
import { loadKeptModel, measureRows } from '../../lab/results.js';
import { modelPath } from '../../lab/store.js';
import { aggregate, type Summary } from '../../lab/statistics.js';
import { attentionWeights, type LayerAttention } from '../../lab/attention-maps.js';
import type { Scalar } from '../../lab/types.js';


// ---------------------------------------------------------------------------------------------
// The rule on given scores

/**
 * The weights a registered rule gives to rows of scores, causally: row i holds the scores of query i
 * for keys 0..i (`scores[i].length` must be i + 1; the first row has one score). Returns the same ragged
 * shape. The scores go to the rule as they are (no 1/√d scaling: they already are the rule's s).
 */
export function ruleWeights(rule: string, scores: readonly (readonly number[])[], options: AttentionRuleOptions = {}): number[][] {
  const T = scores.length;
  if (T === 0) throw new Error('ruleWeights: scores must have at least one row');
  scores.forEach((row, i) => {
    if (row.length !== i + 1) throw new Error(`ruleWeights: row ${i} must hold the scores of keys 0..${i} (${i + 1} numbers); got ${row.length}`);
    row.forEach((v, j) => { if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`ruleWeights: scores[${i}][${j}] must be a number; got ${JSON.stringify(v)}`); });
  });
  const r = attentionRule(rule, options);
  const mask = causalMask(T);
  try {
    const w = tf.tidy(() => {
      const full = scores.map((row) => [...row, ...new Array<number>(T - row.length).fill(0)]); // [T, T], zeros above the diagonal
      return r.weights(tf.tensor2d(full, [T, T]), mask); // [T, T]
    });
    const flat = w.dataSync();
    w.dispose();
    return scores.map((row, i) => Array.from(flat.subarray(i * T, i * T + row.length)));
  } finally {
    tf.dispose([mask.keep, mask.bias]);
  }
}

/** The weights one query gives keys with these scores (it sees all of them): `ruleWeights` on the last row. */
export function rowWeights(rule: string, scores: readonly number[], options: AttentionRuleOptions = {}): number[] {
  if (scores.length === 0) throw new Error('rowWeights: scores must not be empty');
  const rows = scores.map((_, i) => (i === scores.length - 1 ? [...scores] : new Array<number>(i + 1).fill(0)));
  return ruleWeights(rule, rows, options)[scores.length - 1];
}

/**
 * Cog's weights computed the naive way, sign(s)·e^{|s|} / Σ e^{|s|} in float32 WITHOUT subtracting the
 * row maximum first: for the overflow demonstration only (e^{|s|} is Infinity in float32 once |s| > 88.7,
 * and Infinity / Infinity is NaN). The library's rule subtracts the maximum of |s| (as softmax does).
 */
export function naiveCogRow(scores: readonly number[]): number[] {
  const f = Math.fround;
  const e = scores.map((s) => f(Math.exp(f(Math.abs(s)))));
  const total = e.reduce((a, v) => f(a + v), 0);
  return scores.map((s, j) => f(Math.sign(s) * f(e[j] / total)));
}

export interface WeightRowStats {
  /** Σ_j α_ij */
  sum: number;
  /** Σ_j |α_ij| */
  absSum: number;
  /** Keys with α < 0. */
  negatives: number;
  min: number;
  max: number;
  /** Every weight is a finite number. */
  finite: boolean;
}

/** Per row: the sum, the sum of absolute values, how many weights are negative, and whether all are finite. */
export function weightRowStats(weights: readonly (readonly number[])[]): WeightRowStats[] {
  return weights.map((row) => ({
    sum: row.reduce((a, v) => a + v, 0),
    absSum: row.reduce((a, v) => a + Math.abs(v), 0),
    negatives: row.filter((v) => v < 0).length,
    min: Math.min(...row),
    max: Math.max(...row),
    finite: row.every(Number.isFinite),
  }));
}

// ---------------------------------------------------------------------------------------------
// Trained heads: signed attention by offset, and the deletion pattern

/** The attention weights of one layer, row-major [B, H, T, T] (a `LayerAttention` from `attentionWeights` or a `QueryKeyGeometry` fits). */
export interface AttentionWeights {
  batch: number;
  heads: number;
  length: number;
  weight: ArrayLike<number>;
}

export interface KeptHead {
  record: ResultRecord;
  /** The first evaluation batch of the cell's task (the record scored it), and the task. */
  batch: BatchData;
  task: Task;
  /** The attention weights of one layer on that batch, from the model's own forward pass. */
  weights: LayerAttention;
}

/**
 * The attention of a kept model's layer (default 0) on its first evaluation batch; null when cell `key`
 * kept no model in `dir`. The model and its parameters are disposed before returning.
 */
export function keptHead(dir: string, key: string, layer = 0): KeptHead | null {
  if (!existsSync(modelPath(dir, key))) return null;
  const kept = loadKeptModel(dir, key);
  try {
    const batch = kept.task.evalBatches()[0];
    const layers = attentionWeights(kept.model, kept.params, batch);
    if (!(Number.isInteger(layer) && layer >= 0 && layer < layers.length)) throw new Error(`layer must be in 0..${layers.length - 1}; got ${layer}`);
    return { record: kept.record, batch, task: kept.task as unknown as Task, weights: layers[layer] };
  } finally {
    disposeParams(kept.params);
    kept.model.dispose();
  }
}

/**
 * The query's weights (last position) on the first `count` rows of a kept delete-repeated head, one row
 * per sequence, labelled "b: a₁ … a_m | b₁ … b_{m−1} → answer" with the task's token names.
 */
export function deleteQueryRows(head: KeptHead, count: number): { rows: number[][]; labels: string[] } {
  const { batch, weights: w, task } = head;
  const T = batch.length;
  const m = (T - 1) / 2;
  const n = Math.min(count, batch.batchSize);
  const rows = Array.from({ length: n }, (_, b) => Array.from(w.weight.subarray((b * w.heads * T + T - 1) * T, (b * w.heads * T + T) * T)));
  const labels = rows.map((_, b) => {
    const toks = Array.from(batch.inputs.subarray(b * T, (b + 1) * T)).map((t) => task.tokenName(t));
    return `${b}: ${toks.slice(0, m).join(' ')} | ${toks.slice(m + 1, T - 1).join(' ')} → ${task.tokenName(batch.targets[b * T + T - 1])}`;
  });
  return { rows, labels };
}

export interface SignedOffsetProfile {
  /** Query rows included (batch × positions × heads). */
  rows: number;
  /** Mean over included rows of α_{i, i−o}, per offset o = 0..T−1 (0 where i − o < 0). */
  signed: number[];
  /** The same for |α|. */
  absolute: number[];
  /** Share of included rows (that reach offset o) whose weight at offset o is negative. */
  negativeShare: number[];
}

function checkWeights(w: AttentionWeights): void {
  const { batch: B, heads: H, length: T } = w;
  if (w.weight.length !== B * H * T * T) throw new Error(`attention weights must hold batch·heads·length² = ${B * H * T * T} values; got ${w.weight.length}`);
}

/**
 * Where a head's signed attention goes, by offset i − j: the mean signed weight (copy > 0, delete < 0),
 * the mean absolute weight, and how often the weight is negative. A position-based signed solution
 * (+ at one offset, − at another) shows as signed ≈ ±absolute; a sign that depends on the token's content
 * averages out to signed ≈ 0 with a large absolute weight.
 */
export function signedOffsetProfile(w: AttentionWeights, args: { queryMask?: ArrayLike<number>; heads?: readonly number[] } = {}): SignedOffsetProfile {
  checkWeights(w);
  const { batch: B, heads: H, length: T } = w;
  if (args.queryMask && args.queryMask.length !== B * T) throw new Error(`queryMask must hold batch·length = ${B * T} values; got ${args.queryMask.length}`);
  const heads = args.heads ?? Array.from({ length: H }, (_, h) => h);
  for (const h of heads) if (!(Number.isInteger(h) && h >= 0 && h < H)) throw new Error(`heads must be in 0..${H - 1}; got ${h}`);
  const signed = new Array<number>(T).fill(0);
  const absolute = new Array<number>(T).fill(0);
  const negative = new Array<number>(T).fill(0);
  const reach = new Array<number>(T).fill(0);
  let rows = 0;
  for (let b = 0; b < B; b++) {
    for (const h of heads) {
      for (let i = 0; i < T; i++) {
        if (args.queryMask && !args.queryMask[b * T + i]) continue;
        rows++;
        const base = ((b * H + h) * T + i) * T;
        for (let o = 0; o <= i; o++) {
          const v = w.weight[base + i - o];
          signed[o] += v;
          absolute[o] += Math.abs(v);
          if (v < 0) negative[o]++;
          reach[o]++;
        }
      }
    }
  }
  const div = (x: number, n: number): number => (n > 0 ? x / n : Number.NaN);
  return { rows, signed: signed.map((s) => div(s, rows)), absolute: absolute.map((s) => div(s, rows)), negativeShare: negative.map((s, o) => div(s, reach[o])) };
}

export interface DeletionPattern {
  /** Rows (sequences) included. */
  rows: number;
  /**
   * Mean signed weight the query (last position) gives, per role of the key: 'missing' (the set element
   * left out of the second half: the answer), 'repeated, first copy' / 'repeated, second copy' (each
   * element that occurs twice, summed over those elements), 'separator', 'query'.
   */
  roleWeight: Record<string, number>;
  /** Net weight per token (summed over its occurrences): the missing token's, and the mean over repeated tokens. */
  netMissing: number;
  netRepeated: number;
  /**
   * How much a repeated token's two copies cancel: mean over repeated tokens of |α₁ + α₂| / (|α₁| + |α₂|)
   * (0: they cancel exactly, one copy positive and one negative; 1: the same sign).
   */
  cancellation: number;
  /** Share of rows in which the missing token has the largest net weight of all tokens. */
  missingLargest: number;
  /**
   * Per token id (ascending, those that occur): its mean signed weight where it stands in the first half
   * and where it stands in the second half. Cancellation by position shows as first > 0 > second for
   * every token; a sign that belongs to the token shows as first and second of the same sign.
   */
  tokenWeights: { token: number; first: number; second: number; firstCount: number; secondCount: number }[];
}

/**
 * The deletion pattern of one head on "delete the repeated token" rows (a₁..a_m | b₁..b_{m−1} ?, see
 * lib/tasks/delete-repeated.ts): the weights of the query position on each role, and the net weight per
 * token. The Cog solution of the task's doc comment has netRepeated ≈ 0 (the copies cancel) and the whole
 * net weight on the missing token; a softmax head can only add positive weights.
 */
export function deletionPattern(w: AttentionWeights, batch: Pick<BatchData, 'inputs' | 'batchSize' | 'length'>, args: { setSize: number; head?: number }): DeletionPattern {
  checkWeights(w);
  const { batch: B, heads: H, length: T } = w;
  const m = args.setSize;
  if (!(Number.isInteger(m) && m >= 2 && T === 2 * m + 1)) throw new Error(`setSize must be an integer ≥ 2 with 2·setSize + 1 = length (${T}); got ${m}`);
  if (batch.batchSize !== B || batch.length !== T) throw new Error(`the batch (${batch.batchSize} × ${batch.length}) does not match the weights (${B} × ${T})`);
  const head = args.head ?? 0;
  if (!(Number.isInteger(head) && head >= 0 && head < H)) throw new Error(`head must be in 0..${H - 1}; got ${head}`);
  const roles = { missing: 0, 'repeated, first copy': 0, 'repeated, second copy': 0, separator: 0, query: 0 };
  let netMissing = 0;
  let netRepeated = 0;
  let cancel = 0;
  let cancelN = 0;
  let largest = 0;
  const perToken = new Map<number, { first: number; second: number; firstCount: number; secondCount: number }>();
  const tally = (token: number, half: 'first' | 'second', v: number): void => {
    const t = perToken.get(token) ?? { first: 0, second: 0, firstCount: 0, secondCount: 0 };
    t[half] += v;
    t[`${half}Count`]++;
    perToken.set(token, t);
  };
  for (let b = 0; b < B; b++) {
    const row = Array.from(batch.inputs.subarray(b * T, (b + 1) * T));
    const base = ((b * H + head) * T + (T - 1)) * T; // the query is the last position
    const at = (j: number): number => w.weight[base + j];
    const second = new Map<number, number>(); // token → position in the second half
    for (let j = m + 1; j < 2 * m; j++) {
      second.set(row[j], j);
      tally(row[j], 'second', at(j));
    }
    for (let j = 0; j < m; j++) tally(row[j], 'first', at(j));
    const nets: number[] = [];
    let missingNet = Number.NaN;
    for (let j = 0; j < m; j++) {
      const k = second.get(row[j]);
      if (k === undefined) {
        roles.missing += at(j);
        missingNet = at(j);
      } else {
        roles['repeated, first copy'] += at(j);
        roles['repeated, second copy'] += at(k);
        const net = at(j) + at(k);
        nets.push(net);
        netRepeated += net / (m - 1);
        const denom = Math.abs(at(j)) + Math.abs(at(k));
        if (denom > 0) { cancel += Math.abs(net) / denom; cancelN++; }
      }
    }
    if (Number.isNaN(missingNet)) throw new Error(`row ${b} is not a delete-repeated row: every first-half token occurs again`);
    netMissing += missingNet;
    roles.separator += at(m);
    roles.query += at(T - 1);
    if (nets.every((n) => missingNet > n)) largest++;
  }
  const roleWeight = Object.fromEntries(Object.entries(roles).map(([k, v]) => [k, v / B]));
  const tokenWeights = [...perToken.entries()].sort((x, y) => x[0] - y[0]).map(([token, t]) => ({
    token, first: t.firstCount ? t.first / t.firstCount : Number.NaN, second: t.secondCount ? t.second / t.secondCount : Number.NaN,
    firstCount: t.firstCount, secondCount: t.secondCount,
  }));
  return { rows: B, roleWeight, netMissing: netMissing / B, netRepeated: netRepeated / B, cancellation: cancelN ? cancel / cancelN : Number.NaN, missingLargest: largest / B, tokenWeights };
}

/** `attentionGridFigure` for signed weights: a diverging color scale centred at 0 (blue < 0 < red). */
export function signedAttentionGridFigure(args: AttentionGridArgs): PlotlyFigure {
  const m = Math.max(1e-9, ...args.maps.flatMap((p) => p.z.flatMap((r) => r.map((v) => Math.abs(v)))));
  const fig = attentionGridFigure({ ...args, zRange: [-m, m] });
  const layout = (fig.layout ?? {}) as Record<string, unknown>;
  Object.assign((layout.coloraxis ?? {}) as Record<string, unknown>, { colorscale: [[0, '#2166ac'], [0.25, '#92c5de'], [0.5, '#f7f7f7'], [0.75, '#f4a582'], [1, '#b2182b']], cmin: -m, cmax: m });
  return fig;
}

// ---------------------------------------------------------------------------------------------
// Collapse probe and language model, over seeds

export interface CollapseCurve {
  /** The cell's coordinates without the seed (e.g. mechanism, family — the family it was trained on). */
  group: Record<string, Scalar>;
  /** The probe family ('count-ones', 'find-zero', 'flip-any'). */
  probe: string;
  phase: 'trained' | 'init';
  lengths: number[];
  /** The metric per length over seeds. */
  value: Summary[];
  /** value / value at the first length (the paper's normalisation), per seed, then over seeds. */
  relative: Summary[];
  /** The relative values of each seed, per length (NaN where a seed lacks a length): for pairing rules by seed. */
  relativeBySeed: Map<Scalar, number[]>;
}

/**
 * The sensitivity measurements of records (see `measureRows`), averaged over the seeds of each cell:
 * one curve per (cell without seed, probe family, phase).
 */
export function collapseCurves(records: readonly ResultRecord[]): CollapseCurve[] {
  const rows = measureRows(records);
  const coordsOf = new Map(records.map((r) => [`${r.experiment}|${r.key}`, r.coords]));
  const groups = new Map<string, { group: Record<string, Scalar>; probe: string; phase: 'trained' | 'init'; byN: Map<number, { v: number[]; r: number[] }>; bySeed: Map<Scalar, Map<number, number>> }>();
  for (const row of rows) {
    const { seed, ...group } = coordsOf.get(`${row.experiment}|${row.key}`) ?? {};
    const id = JSON.stringify([row.experiment, group, row.family, row.phase]);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { group, probe: String(row.family), phase: row.phase as 'trained' | 'init', byN: new Map(), bySeed: new Map() }));
    const n = Number(row.n);
    const cell = g.byN.get(n) ?? { v: [], r: [] };
    cell.v.push(Number(row.value));
    cell.r.push(Number(row.relative));
    g.byN.set(n, cell);
    g.bySeed.set(seed, (g.bySeed.get(seed) ?? new Map()).set(n, Number(row.relative)));
  }
  return [...groups.values()].map((g) => {
    const lengths = [...g.byN.keys()].sort((a, b) => a - b);
    return {
      group: g.group, probe: g.probe, phase: g.phase, lengths,
      value: lengths.map((n) => aggregate((g.byN.get(n) as { v: number[] }).v)),
      relative: lengths.map((n) => aggregate((g.byN.get(n) as { r: number[] }).r)),
      relativeBySeed: new Map([...g.bySeed].map(([seed, byN]) => [seed, lengths.map((n) => byN.get(n) ?? Number.NaN)])),
    };
  });
}

/** Cross-entropy in nats per character → bits per character. */
export function bitsPerCharacter(nats: number): number {
  return nats / Math.LN2;
}
