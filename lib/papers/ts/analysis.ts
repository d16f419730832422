/**
 * Analysis helpers for notebook 02 (task switching on the IARC stream, TS paper): one summary per model
 * over seeds (overall and per subtask), mean learning curves, what share of the scored positions each
 * subtask holds (and what a model that solves only some subtasks would score), where each reverse-copy
 * and context token is copied from, how much attention lands on that source, and how different the
 * cisformer's per-position weights are from one position to the next.
 *
 * ```ts
 * const rows = ea.resultRows(ea.loadExperimentResults('ts-models').records);
 * ea.summariseModels(rows, ea.IARC_LABELS);            // [{ name: 'cisformer (EA)', final: { mean, best, ... }, perLabel, ... }]
 * const batch = task.evalBatches()[0];
 * const layers = ea.attentionWeights(model, params, batch);   // per layer, [B, H, T, T] weights
 * ea.copySourceAttention(layers, batch, 16);            // per layer, head and subtask (R, C): weight on the copied token
 * ea.cisPositionSimilarity(params, 0, 'query');         // [T, T] cosine similarity of W_Q^(i) and W_Q^(j)
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamMap, SequenceModel } from '../../models/model.js';
import { disposeParams, initParams } from '../../models/params.js';
import { IARC_LABELS, IARC_TASKS, readIarc } from '../../tasks/iarc.js';
import type { BatchData } from '../../train/data.js';
import { aggregate, type Summary } from '../../lab/statistics.js';
import type { LayerAttention } from '../../lab/attention-maps.js';
import type { Scalar, Row } from '../../lab/types.js';


/** Display name of a model of the TS grids: 'transformer (DPA)', 'cisformer (EA)', 'LSTM', 'MLP'. */
export function tsModelName(architecture: string, mechanism: string): string {
  const short: Record<string, string> = { 'dot-product': 'DPA', expressive: 'EA', cog: 'Cog', 'signed-expressive': 'signed EA' };
  if (mechanism === 'none' || mechanism === '') return architecture === 'lstm' || architecture === 'mlp' ? architecture.toUpperCase() : architecture;
  return `${architecture} (${short[mechanism] ?? mechanism})`;
}

/** One model (an architecture with its attention rule) over its seeds. */
export interface ModelSummary {
  architecture: string;
  mechanism: string;
  /** `tsModelName(architecture, mechanism)`. */
  name: string;
  /** Seeds (rows) found. */
  seeds: number;
  /** Parameter count (the same for every seed; the largest if they differ). */
  parameterCount: number;
  /** Final held-out accuracy over the scored positions: mean, std, best (= best of n), worst. */
  final: Summary;
  /** Final accuracy per subtask label (`acc_<label>` columns). */
  perLabel: Record<string, Summary>;
  /** The seed with the best final accuracy (the first of equals). */
  bestSeed: number;
  /** Mean ms per training step of the records (wall time; cells trained together share it). */
  msPerStep: number;
}

/**
 * Groups result rows (`resultRows`) by architecture and mechanism and aggregates the final accuracy
 * (overall and per label) over seeds. Groups appear in the order of their first row.
 */
export function summariseModels(rows: readonly Row[], labels: readonly string[] = IARC_LABELS): ModelSummary[] {
  for (const col of ['architecture', 'mechanism', 'finalAccuracy', 'seed']) {
    if (rows.length && !(col in rows[0])) throw new Error(`summariseModels: no column '${col}'; columns are ${Object.keys(rows[0]).join(', ')}`);
  }
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const id = `${String(r.architecture)}|${String(r.mechanism)}`;
    const list = groups.get(id) ?? [];
    list.push(r);
    groups.set(id, list);
  }
  return [...groups.values()].map((g) => {
    const architecture = String(g[0].architecture);
    const mechanism = String(g[0].mechanism);
    const best = g.reduce((a, r) => (Number(r.finalAccuracy) > Number(a.finalAccuracy) ? r : a), g[0]);
    return {
      architecture, mechanism, name: tsModelName(architecture, mechanism), seeds: g.length,
      parameterCount: Math.max(...g.map((r) => Number(r.parameterCount ?? Number.NaN)).filter(Number.isFinite), 0),
      final: aggregate(g.map((r) => Number(r.finalAccuracy))),
      perLabel: Object.fromEntries(labels.map((l) => [l, aggregate(g.map((r) => Number(r[`acc_${l}`] ?? Number.NaN)))])),
      bestSeed: Number(best.seed),
      msPerStep: aggregate(g.map((r) => Number(r.msPerStep ?? Number.NaN))).mean,
    };
  });
}

/** A learning curve averaged over seeds. */
export interface MeanCurve {
  step: number[];
  mean: number[];
  /** Sample std over seeds (0 where only one seed has the step). */
  std: number[];
  /** Seeds contributing at each step. */
  count: number[];
}

/**
 * The mean over seeds of `metric` (default 'accuracy') at each evaluated step, for the curve rows
 * (`curveRows`) that match every entry of `where` (compared as text). With `holdLast`, a run that
 * ended before a step (e.g. at a plateau) counts there with its last value — the model it stopped
 * with — so the mean does not jump when the runs still training are fewer (runs told apart by `key`).
 */
export function meanCurve(rows: readonly Row[], where: Readonly<Record<string, Scalar>>, metric = 'accuracy', { holdLast = false }: { holdLast?: boolean } = {}): MeanCurve {
  if (rows.length && !(metric in rows[0])) throw new Error(`meanCurve: no column '${metric}'; columns are ${Object.keys(rows[0]).join(', ')}`);
  if (holdLast && rows.length && !('key' in rows[0])) throw new Error(`meanCurve: holdLast needs a 'key' column (one per run); columns are ${Object.keys(rows[0]).join(', ')}`);
  const byStep = new Map<number, number[]>();
  const lastOf = new Map<string, { step: number; value: number }>();
  for (const r of rows) {
    if (!Object.entries(where).every(([k, v]) => String(r[k]) === String(v))) continue;
    const list = byStep.get(Number(r.step)) ?? [];
    list.push(Number(r[metric]));
    byStep.set(Number(r.step), list);
    const last = lastOf.get(String(r.key));
    if (!last || Number(r.step) > last.step) lastOf.set(String(r.key), { step: Number(r.step), value: Number(r[metric]) });
  }
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  if (holdLast) for (const s of steps) for (const last of lastOf.values()) if (last.step < s) (byStep.get(s) as number[]).push(last.value);
  const stats = steps.map((s) => aggregate(byStep.get(s) as number[]));
  return { step: steps, mean: stats.map((s) => s.mean), std: stats.map((s) => (Number.isFinite(s.std) ? s.std : 0)), count: stats.map((s) => s.count) };
}

/** The T + 1 tokens of row `row` of a next-token batch: its inputs and the last target. */
export function batchWindow(batch: BatchData, row: number): number[] {
  if (!(Number.isInteger(row) && row >= 0 && row < batch.batchSize)) throw new Error(`row must be in 0..${batch.batchSize - 1}; got ${row}`);
  const T = batch.length;
  return [...Array.from(batch.inputs.subarray(row * T, (row + 1) * T)), batch.targets[(row + 1) * T - 1]];
}

/**
 * For each token of an IARC window, the window position of the earlier token its rule copies:
 * reverse copy (R) and context (C) tokens copy one earlier number; every other token (I, A, control,
 * seed, undetermined) gets −1 (`readIarc`, which also checks every determined token against its rule):
 *
 *   R, k-th number after the control: the k-th most recent number before the control
 *   C: the number after the most recent earlier occurrence of the previous number (controls skipped)
 *
 * Worked example of papers.md: `5 9 I 10 11 12 13 A 9 6 15 5 4 R 4 5 15 6 C 15 6 …` — the R tokens at
 * 14..17 copy positions 12, 11, 10, 9; the first C token (19) copies position 10.
 */
export function iarcCopySources(tokens: readonly number[], N: number): number[] {
  return readIarc(tokens, N).source;
}

/** Attention on the copied token, for one layer, head and subtask. */
export interface SourceAttention {
  layer: number;
  /** A head index, or −1: for each query the head that puts the most weight on the source. */
  head: number;
  /** 'reverse-copy' or 'context'. */
  subtask: string;
  /** Scored query positions of that subtask with a source in the window. */
  queries: number;
  /** Mean weight the query gives the source key. */
  meanOnSource: number;
  /** Share of queries whose most-attended key is the source. */
  topIsSource: number;
  /** Mean of 1 / (visible keys): what uniform attention would put on the source. */
  uniform: number;
}

/**
 * How much attention the scored reverse-copy and context queries put on the key their answer is
 * copied from (`iarcCopySources`). Query position t predicts window token t + 1, whose source s ≤ t
 * is a key the query can see. Per layer, per head and for the best head of each query (head −1).
 */
export function copySourceAttention(layers: readonly LayerAttention[], batch: BatchData, N: number): SourceAttention[] {
  if (!batch.labels) throw new Error('copySourceAttention: the batch has no labels (an IARC batch has them)');
  const T = batch.length;
  const subtasks = [IARC_LABELS.indexOf('reverse-copy'), IARC_LABELS.indexOf('context')];
  const out: SourceAttention[] = [];
  const sources = Array.from({ length: batch.batchSize }, (_, b) => iarcCopySources(batchWindow(batch, b), N));
  for (const a of layers) {
    if (a.batch !== batch.batchSize || a.length !== T) throw new Error(`copySourceAttention: layer ${a.layer} is [${a.batch}, ·, ${a.length}, ·], the batch [${batch.batchSize}, ${T}]`);
    const H = a.heads;
    for (const label of subtasks) {
      const acc = Array.from({ length: H + 1 }, () => ({ n: 0, w: 0, top: 0, uni: 0 }));
      for (let b = 0; b < batch.batchSize; b++) {
        for (let t = 0; t < T; t++) {
          const idx = b * T + t;
          const s = sources[b][t + 1];
          if (!batch.scored[idx] || batch.labels[idx] !== label || s < 0) continue;
          let bestW = -Infinity;
          let bestTop = false;
          for (let h = 0; h < H; h++) {
            const base = ((b * H + h) * T + t) * T;
            let argmax = 0;
            for (let j = 1; j <= t; j++) if (Math.abs(a.weight[base + j]) > Math.abs(a.weight[base + argmax])) argmax = j;
            const w = a.weight[base + s];
            const top = argmax === s;
            acc[h].n++;
            acc[h].w += w;
            acc[h].top += top ? 1 : 0;
            acc[h].uni += 1 / (t + 1);
            if (w > bestW) [bestW, bestTop] = [w, top];
          }
          acc[H].n++;
          acc[H].w += bestW;
          acc[H].top += bestTop ? 1 : 0;
          acc[H].uni += 1 / (t + 1);
        }
      }
      acc.forEach((c, h) => out.push({
        layer: a.layer, head: h === H ? -1 : h, subtask: IARC_LABELS[label], queries: c.n,
        meanOnSource: c.n ? c.w / c.n : Number.NaN, topIsSource: c.n ? c.top / c.n : Number.NaN, uniform: c.n ? c.uni / c.n : Number.NaN,
      }));
    }
  }
  return out;
}

/** One segment of an IARC window: its control token's position and its numbers. */
export interface IarcSpan {
  task: string;
  /** Position of the control token. */
  control: number;
  /** Positions control + 1 .. end − 1 are the segment's numbers (end exclusive; may run past the window). */
  end: number;
}

/** The segments of a window (token ids), in order. Numbers before the first control token form no segment. */
export function iarcSegments(tokens: readonly number[], N: number): IarcSpan[] {
  const spans: IarcSpan[] = [];
  tokens.forEach((tok, j) => {
    if (tok >= N) {
      if (spans.length) spans[spans.length - 1].end = j;
      spans.push({ task: IARC_TASKS[tok - N] ?? `?${tok}`, control: j, end: tokens.length });
    }
  });
  return spans;
}

/**
 * A row of the batch whose window shows each of `tasks` in a segment with at least `minLength`
 * copied tokens inside the window (sources in the window), preferring the row where the shortest
 * of them is longest; −1 if no row qualifies.
 */
export function findIarcExample(batch: BatchData, N: number, tasks: readonly string[] = ['R', 'C'], minLength = 3): number {
  let best = -1;
  let bestScore = -1;
  for (let b = 0; b < batch.batchSize; b++) {
    const w = batchWindow(batch, b);
    const src = iarcCopySources(w, N);
    const spans = iarcSegments(w, N);
    const score = Math.min(...tasks.map((task) => Math.max(0, ...spans.filter((s) => s.task === task)
      .map((s) => src.slice(s.control + 1, Math.min(s.end, w.length)).filter((x) => x >= 0).length))));
    if (score >= minLength && score > bestScore) [best, bestScore] = [b, score];
  }
  return best;
}

/** Scored positions per subtask in a set of batches. */
export interface LabelShare {
  label: string;
  /** Scored positions with this label. */
  scored: number;
  /** Share of all scored positions. */
  share: number;
}

/** How the scored positions of `batches` split over the labels; also the share of all positions that is scored. */
export function iarcLabelShares(batches: readonly BatchData[], labels: readonly string[] = IARC_LABELS): { shares: LabelShare[]; positions: number; scored: number } {
  const counts = new Array<number>(labels.length).fill(0);
  let positions = 0;
  for (const batch of batches) {
    if (!batch.labels) throw new Error('iarcLabelShares: a batch has no labels');
    positions += batch.batchSize * batch.length;
    batch.scored.forEach((s, i) => {
      if (!s) return;
      const l = (batch.labels as Int32Array)[i];
      if (!(l >= 0 && l < labels.length)) throw new Error(`iarcLabelShares: label ${l} is outside 0..${labels.length - 1}`);
      counts[l]++;
    });
  }
  const scored = counts.reduce((a, b) => a + b, 0);
  return { shares: labels.map((label, i) => ({ label, scored: counts[i], share: scored ? counts[i] / scored : Number.NaN })), positions, scored };
}

/**
 * The overall accuracy of a model that gets the `solved` subtasks right at every scored position and
 * guesses the others uniformly among the N numbers (a yardstick for "modest" accuracies).
 */
export function partialSolverAccuracy(shares: readonly LabelShare[], solved: readonly string[], N: number): number {
  for (const s of solved) if (!shares.some((x) => x.label === s)) throw new Error(`partialSolverAccuracy: unknown label '${s}'; labels are ${shares.map((x) => x.label).join(', ')}`);
  if (!(Number.isInteger(N) && N >= 1)) throw new Error(`N must be a positive integer; got ${N}`);
  return shares.reduce((a, s) => a + s.share * (solved.includes(s.label) ? 1 : 1 / N), 0);
}

/** How alike a cisformer's per-position projections are. */
export interface CisSimilarity {
  /** [T, T]: cosine similarity between the flattened matrices W^(i) and W^(j) (1 on the diagonal). */
  matrix: number[][];
  /** Mean over i ≠ j. */
  meanOffDiagonal: number;
  /** Mean over neighbouring positions |i − j| = 1. */
  meanNeighbour: number;
}

/**
 * For layer `layer` of a cisformer, the cosine similarity between the query (key, value) projection
 * matrices of every two positions: 1 everywhere would be a translation-invariant transformer; values
 * near 0 mean each position learned its own map (random initialisations are nearly orthogonal).
 */
export function cisPositionSimilarity(params: ParamMap, layer: number, part: 'query' | 'key' | 'value'): CisSimilarity {
  const name = `layers.${layer}.attention.qkv.weight`;
  const w = params[name];
  if (!w) throw new Error(`cisPositionSimilarity: no parameter '${name}'`);
  if (w.rank !== 3) throw new Error(`cisPositionSimilarity: '${name}' has shape [${w.shape.join(', ')}]; a cisformer's is [T, d, 3d] (this is not a cisformer)`);
  const [T, d, d3] = w.shape;
  if (d3 !== 3 * d) throw new Error(`cisPositionSimilarity: '${name}' has shape [${w.shape.join(', ')}], expected [T, d, 3d]`);
  const offset = { query: 0, key: d, value: 2 * d }[part];
  if (offset === undefined) throw new Error(`part must be 'query', 'key' or 'value'; got ${JSON.stringify(part)}`);
  const data = w.dataSync();
  const vecs = Array.from({ length: T }, (_, p) => {
    const v = new Float64Array(d * d);
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) v[r * d + c] = data[(p * d + r) * d3 + offset + c];
    return v;
  });
  const norms = vecs.map((v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0)));
  const matrix = vecs.map((vi, i) => vecs.map((vj, j) => {
    let dot = 0;
    for (let k = 0; k < vi.length; k++) dot += vi[k] * vj[k];
    return norms[i] > 0 && norms[j] > 0 ? dot / (norms[i] * norms[j]) : Number.NaN;
  }));
  let off = 0;
  let neighbour = 0;
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) if (i !== j) off += matrix[i][j];
  for (let i = 0; i + 1 < T; i++) neighbour += matrix[i][i + 1];
  return { matrix, meanOffDiagonal: T > 1 ? off / (T * (T - 1)) : Number.NaN, meanNeighbour: T > 1 ? neighbour / (T - 1) : Number.NaN };
}

/** What a cisformer's per-position weights learned (`cisWeightAnalysis`). */
export interface CisWeightAnalysis {
  /** Per layer and projection: the similarity of the trained weights, of the initial ones, and of the update (trained − initial). */
  similarity: { layer: number; part: 'query' | 'key' | 'value'; trained: CisSimilarity; init: CisSimilarity; update: CisSimilarity }[];
  /** Per layer: cosine between the trained and the initial per-position weights (all positions, Q, K and V together). */
  stillInitial: number[];
}

/**
 * The cisformer's per-position projections after training against its initialisation: the trainer
 * initialises with the cell's seed (`initParams(model, seed)`), so the initial weights can be rebuilt and
 * the update is trained − initial. No tensors are left behind.
 */
export function cisWeightAnalysis(model: SequenceModel, params: ParamMap, seed: number): CisWeightAnalysis {
  const layers = Number((model.config as Record<string, unknown>).layers);
  const initial = initParams(model, seed);
  const update: ParamMap = {};
  try {
    for (let l = 0; l < layers; l++) {
      const name = `layers.${l}.attention.qkv.weight`;
      if (!params[name]) throw new Error(`cisWeightAnalysis: no parameter '${name}'`);
      update[name] = tf.sub(params[name], initial[name]);
    }
    const similarity = Array.from({ length: layers }, (_, l) => (['query', 'key', 'value'] as const).map((part) => ({
      layer: l, part, trained: cisPositionSimilarity(params, l, part), init: cisPositionSimilarity(initial, l, part), update: cisPositionSimilarity(update, l, part),
    }))).flat();
    const stillInitial = Array.from({ length: layers }, (_, l) => tf.tidy(() => {
      const name = `layers.${l}.attention.qkv.weight`;
      const [w, w0] = [params[name], initial[name]];
      return tf.sum(tf.mul(w, w0)).dataSync()[0] / (tf.norm(w).dataSync()[0] * tf.norm(w0).dataSync()[0]);
    }));
    return { similarity, stillInitial };
  } finally {
    disposeParams(initial);
    disposeParams(update);
  }
}
