/**
 * The training engine: S replicas ("lanes") of one model trained as one stacked model, with every
 * parameter of every lane in one flat buffer.
 *
 *   θ, m, v     tf.Variables [S, P]: lane s's parameters (in `model.parameters` order) and AdamW moments
 *   one step    views = split(θ) → stacked forward → per-lane masked cross-entropy [S]
 *               → ∇θ [S, P] (one concat of the views' gradients) → per-lane clipping → AdamW on [S, P]
 *
 * The optimizer and the clipping are a fixed handful of kernels whatever the number of parameters
 * tensors, and the forward/backward kernels do S models' work each. Per-lane settings (learning rate,
 * weight decay, betas, ε, clipping) are [S, 1] columns, so lanes may differ in them.
 *
 * Exactness: lane s computes exactly what a run with S = 1 computes (see `models/stacked/ops.ts`); AdamW is
 * `AdamW.step`'s arithmetic element for element, clipping is `clipByGlobalNorm`'s (the norm summed over
 * the flat buffer). `train()` is this engine with one lane.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { SequenceModel } from '../models/model.js';
import { stackedModel } from '../models/stacked/dispatch.js';
import type { RowOrder, StackedInput, StackedModel } from '../models/stacked/ops.js';
import { HostFeeds, oneHotData, replicaSum, stackedCrossEntropy } from '../models/stacked/ops.js';
import type { AdamWState } from './adamw.js';
import { defaultGraphDir, RecordedGraph } from './graph/recorded.js';
import { GraphRecorder, sameComputation, type Trace } from './graph/recorder.js';
import { openGraphFunction, savedModelBytes, writeSavedModelBytes } from './graph/saved-model.js';
import type { BatchData } from './data.js';
import { ParamLayout } from './param-layout.js';

/** A lane's optimizer settings for one step. */
export interface LaneStepSettings {
  learningRate: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 0 = no clipping. */
  clipNorm: number;
}

/** What one lane starts from: parameters by name, and optionally an AdamW state (default zeros, step 0). */
export interface LaneInit {
  params: Record<string, ArrayLike<number> | tf.Tensor>;
  optimizer?: AdamWState;
}

/** Per-lane evaluation of one batch list. */
export interface LaneEval {
  /** Σ of the cross-entropy over scored positions. */
  lossSum: number;
  /** argmax predictions per batch, [B·T] in the batch's own (b, t) order. */
  predicted: Int32Array[];
}

export class StackedTrainer {
  readonly layout: ParamLayout;
  private readonly stacked: StackedModel;
  private theta: tf.Variable;
  private m: tf.Variable;
  private v: tf.Variable;
  /** AdamW step count t of each lane. */
  private stepCounts: number[];
  private readonly decayMask: tf.Tensor2D; // [1, P]: 1 where the parameter decays
  private readonly keepMask: tf.Tensor2D; // [1, P]: 1 − decayMask
  private readonly anyDecay: boolean;
  /** Set by useGraph: where recorded steps are written; the graph of the current shape once recorded. */
  private graphDir: string | undefined;
  /** The graph of the current step shape, and of the current evaluation shape, once recorded. */
  private graph: RecordedGraph | undefined;
  private evalGraph: RecordedGraph | undefined;
  /** Steps and evaluation batches run as a graph so far. */
  private graphSteps = 0;
  private graphEvals = 0;
  /** The first of the two recordings a graph needs, by shape key (see recordGraph), and the shapes that cannot be traced. */
  private readonly pending = new Map<string, { trace: Trace; attempts: number }>();
  private readonly untraceable = new Set<string>();

  constructor(readonly model: SequenceModel, lanes: LaneInit[]) {
    if (lanes.length === 0) throw new Error('StackedTrainer: needs at least one lane');
    this.stacked = stackedModel(model);
    this.layout = new ParamLayout(model.parameters, this.stacked.views);
    const P = this.layout.size;
    const mask = this.layout.fill((p) => (p.decay ? 1 : 0));
    this.anyDecay = model.parameters.some((p) => p.decay);
    this.decayMask = tf.keep(tf.tensor2d(mask, [1, P]));
    this.keepMask = tf.keep(tf.tensor2d(mask.map((x) => 1 - x), [1, P]));
    const S = lanes.length;
    const stack = (get: (l: LaneInit, s: number) => Float32Array | undefined): Float32Array => {
      const out = new Float32Array(S * P);
      lanes.forEach((l, s) => {
        const row = get(l, s);
        if (row) out.set(row, s * P);
      });
      return out;
    };
    const variable = (values: Float32Array): tf.Variable => tf.tidy(() => tf.variable(tf.tensor2d(values, [S, P]), false));
    this.theta = variable(stack((l, s) => this.layout.pack(l.params, `lane ${s}: parameters`)));
    this.m = variable(stack((l, s) => l.optimizer && this.layout.pack(l.optimizer.m, `lane ${s}: optimizer m`)));
    this.v = variable(stack((l, s) => l.optimizer && this.layout.pack(l.optimizer.v, `lane ${s}: optimizer v`)));
    this.stepCounts = lanes.map((l) => l.optimizer?.step ?? 0);
  }

  /** Number of lanes. */
  get lanes(): number {
    return this.stepCounts.length;
  }

  /** Row order of the model's logits. */
  get order(): RowOrder {
    return this.stacked.order;
  }

  /** The views of θ (or another [S, P] buffer), each [S, rows, cols] ([S, cols] for one row): per group one split and one reshape. */
  private views(flat: tf.Tensor): tf.Tensor[] {
    const S = flat.shape[0] as number;
    const groups = this.layout.groups;
    // (tfjs's gradient of split fails for a single piece, so one piece is not split)
    const pieces = groups.length === 1 ? [flat] : tf.split(flat, groups.map((g) => g.rows * g.cols), 1); // [S, rows·cols]
    const out: tf.Tensor[] = new Array(this.stacked.views.length);
    groups.forEach((g, k) => {
      const vectors = g.vector; // vector views stay [S, cols]
      const matrix = vectors ? pieces[k] : tf.reshape(pieces[k], [S, g.rows, g.cols]); // [S, rows, cols]
      const cols = g.views.map((v) => this.stacked.views[v].cols);
      const parts = cols.length === 1 ? [matrix] : tf.split(matrix, cols, vectors ? 1 : 2); // each [S, rows, cols_v]
      g.views.forEach((v, j) => { out[v] = parts[j]; });
    });
    return out;
  }

  /**
   * Token, target and mask tensors for one batch per lane (all of one shape [B, T]). On tfjs-node the
   * rows are padded with unscored dummy sequences (token 0) to B′ ≥ B with B′·T a multiple of 8 and B′
   * even: TensorFlow's vectorised rsqrt/exp/sigmoid/log round an element differently in a full 8-float
   * packet and in the scalar tail, so a replica is computed exactly as alone only if every per-replica
   * tensor (sizes multiples of B′·T, or of B′·4h in an LSTM step) fills whole packets. Dummy rows are
   * sequences of their own: they change no real row, add nothing to the loss, and zeros to the sums.
   */
  private inputs(batches: readonly BatchData[]): { input: StackedInput; onehot: tf.Tensor3D; scored: tf.Tensor2D; rows: number } {
    const a = this.inputArrays(batches);
    const { S, B, T } = a.input;
    return { input: a.input, onehot: tf.tensor3d(a.onehot, [S, B * T, this.model.vocabSize]), scored: tf.tensor2d(a.scored, [S, B * T]), rows: a.rows };
  }

  /** The arrays behind `inputs` (tokens, one-hot targets [S, B′·T, V], scored mask [S, B′·T]); the forward's own arrays are collected in `input.feeds`. */
  private inputArrays(batches: readonly BatchData[]): { input: StackedInput; onehot: Float32Array; scored: Float32Array; rows: number } {
    const S = batches.length;
    const { batchSize: B, length: T } = batches[0];
    const Bp = paddedRows(B, T);
    const tokens = new Int32Array(S * Bp * T);
    const targets = new Int32Array(S * Bp * T);
    const scored = new Float32Array(S * Bp * T);
    const order = this.stacked.order;
    batches.forEach((b, s) => {
      if (b.batchSize !== B || b.length !== T) {
        throw new Error(`lanes need batches of one shape: lane 0 has [${B}, ${T}], lane ${s} has [${b.batchSize}, ${b.length}]`);
      }
      tokens.set(b.inputs, s * Bp * T);
      targets.set(b.targets, s * Bp * T);
      for (let r = 0; r < B; r++) {
        for (let t = 0; t < T; t++) {
          const row = order === 'bt' ? r * T + t : t * Bp + r;
          scored[s * Bp * T + row] = b.scored[r * T + t];
        }
      }
    });
    const input: StackedInput = { S, B: Bp, T, tokens, feeds: new HostFeeds() };
    // Unscored targets may be anything, even out of range: their one-hot row stays empty (as tf.oneHot's).
    const onehot = oneHotData({ S, B: Bp, T, tokens: targets }, this.model.vocabSize, order);
    return { input, onehot, scored, rows: B };
  }

  /** Per-lane masked cross-entropy [S] and its gradient [S, P] (in the flat layout). Call inside tf.tidy. */
  private lossAndGradient(batches: readonly BatchData[], scoredCounts: readonly number[]): { losses: tf.Tensor; g: tf.Tensor } {
    const { input, onehot, scored } = this.inputs(batches);
    const counts = tf.tensor1d(Float32Array.from(scoredCounts));
    const { value, grads } = tf.valueAndGrads((theta: tf.Tensor) =>
      stackedCrossEntropy(this.stacked.forward(this.views(theta), input), onehot, scored, counts))([this.theta]);
    return { losses: value, g: grads[0] };
  }

  /**
   * The loss of every lane on its batch and its gradient by parameter name, without an update (for
   * tests and diagnostics).
   */
  lossAndGradients(batches: readonly BatchData[], scoredCounts: readonly number[]): { loss: number; grads: Record<string, Float32Array> }[] {
    const [losses, g] = tf.tidy(() => {
      const r = this.lossAndGradient(batches, scoredCounts);
      return [r.losses, r.g];
    });
    const l = losses.dataSync();
    const all = g.dataSync() as Float32Array;
    tf.dispose([losses, g]);
    const P = this.layout.size;
    return Array.from({ length: this.lanes }, (_, s) => ({ loss: l[s], grads: this.layout.unpack(all.subarray(s * P, (s + 1) * P)) }));
  }

  /** Logits of every lane on its batch, [S, B, T, V] (batch order), from the stacked forward. The caller disposes them. */
  logits(batches: readonly BatchData[]): tf.Tensor4D {
    return tf.tidy(() => {
      const { input, rows } = this.inputs(batches);
      const { S, B, T } = input;
      const z = this.stacked.forward(this.views(this.theta), input); // [S, R, V]
      const V = z.shape[2];
      const all = this.stacked.order === 'bt' ? tf.reshape(z, [S, B, T, V]) : tf.transpose(tf.reshape(z, [S, T, B, V]), [0, 2, 1, 3]); // [S, B′, T, V]
      return (rows === B ? all : tf.slice(all, [0, 0, 0, 0], [S, rows, T, V])) as tf.Tensor4D; // [S, B, T, V]
    });
  }

  /**
   * One optimizer step of every lane on its batch (`batches[s]`, `scoredCounts[s]` scored positions)
   * with its settings. Returns per lane [loss before the update, gradient norm before clipping].
   */
  step(batches: readonly BatchData[], scoredCounts: readonly number[], settings: readonly LaneStepSettings[]): { loss: number; gradNorm: number }[] {
    const S = this.lanes;
    if (batches.length !== S || scoredCounts.length !== S || settings.length !== S) {
      throw new Error(`StackedTrainer.step: expected ${S} batches, counts and settings`);
    }
    settings.forEach((c, s) => {
      if (!(c.learningRate >= 0) || !Number.isFinite(c.learningRate)) throw new Error(`lane ${s}: learningRate must be a finite number ≥ 0; got ${c.learningRate}`);
    });
    this.stepCounts = this.stepCounts.map((t) => t + 1);
    const arrays = this.stepArrays(batches, scoredCounts, settings);
    const values = this.graph?.key === stepKey(arrays) ? this.graphStep(this.graph, arrays)
      : this.graphDir !== undefined && !this.untraceable.has(stepKey(arrays)) ? this.recordStep(arrays, this.graphDir) : this.eagerStep(arrays);
    return Array.from({ length: S }, (_, s) => ({ loss: values[s], gradNorm: values[S + s] }));
  }

  /** Everything one step reads from JavaScript, as typed arrays (a graph step is fed exactly these). */
  private stepArrays(batches: readonly BatchData[], scoredCounts: readonly number[], settings: readonly LaneStepSettings[]): StepArrays {
    const { input, onehot, scored } = this.inputArrays(batches);
    const column = (f: (c: LaneStepSettings, s: number) => number): Float32Array => Float32Array.from(settings.map(f));
    return {
      input, onehot, scored,
      counts: Float32Array.from(scoredCounts),
      maxNorm: column((c) => (c.clipNorm > 0 ? c.clipNorm : Infinity)),
      beta1: column((c) => c.beta1), oneMinusBeta1: column((c) => 1 - c.beta1),
      beta2: column((c) => c.beta2), oneMinusBeta2: column((c) => 1 - c.beta2),
      correction2: column((c, s) => Math.sqrt(1 - c.beta2 ** this.stepCounts[s])),
      epsilon: column((c) => c.epsilon),
      decay: this.anyDecay && settings.some((c) => c.weightDecay > 0) ? column((c) => 1 - c.learningRate * c.weightDecay) : null,
      stepSize: column((c, s) => c.learningRate / (1 - c.beta1 ** this.stepCounts[s])),
    };
  }

  /**
   * One step with tfjs ops, from `a`: per-lane loss and gradient, clipping, AdamW; θ, m, v updated.
   * Returns [losses (S), gradient norms (S)]. The graph engine records this very function.
   */
  private eagerStep(a: StepArrays): Float32Array {
    const out = this.stepOps(a);
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  /** The ops of one step (see eagerStep); returns the [2, S] tensor of losses and gradient norms. */
  private stepOps(a: StepArrays): tf.Tensor {
    const S = this.lanes;
    const col = (x: Float32Array): tf.Tensor2D => tf.tensor2d(x, [S, 1]);
    return tf.tidy(() => {
      const { input } = a;
      const R = input.B * input.T;
      const onehot = tf.tensor3d(a.onehot, [S, R, this.model.vocabSize]);
      const scored = tf.tensor2d(a.scored, [S, R]);
      const counts = tf.tensor1d(a.counts);
      const { value: losses, grads } = tf.valueAndGrads((theta: tf.Tensor) =>
        stackedCrossEntropy(this.stacked.forward(this.views(theta), input), onehot, scored, counts))([this.theta]);
      const g = grads[0]; // [S, P]
      // Clipping per lane, as clipByGlobalNorm (maxNorm 0 = off: the coefficient is exactly 1).
      const norm = tf.sqrt(replicaSum(tf.square(g))); // [S]
      const coef = tf.reshape(tf.minimum(tf.div(tf.tensor1d(a.maxNorm), tf.add(norm, 1e-6)), 1), [S, 1]); // [S, 1]
      const clipped = tf.mul(g, coef); // [S, P]
      // AdamW, as AdamW.step.
      const m = tf.add(tf.mul(col(a.beta1), this.m), tf.mul(col(a.oneMinusBeta1), clipped)); // [S, P]
      const v = tf.add(tf.mul(col(a.beta2), this.v), tf.mul(col(a.oneMinusBeta2), tf.square(clipped))); // [S, P]
      const denom = tf.add(tf.div(tf.sqrt(v), col(a.correction2)), col(a.epsilon)); // [S, P]
      const decay = a.decay ? tf.add(tf.mul(this.decayMask, col(a.decay)), this.keepMask) : undefined; // [S, P]: 1 − lr·wd or 1
      const decayed = decay ? tf.mul(this.theta, decay) : this.theta; // [S, P]
      this.theta.assign(tf.sub(decayed, tf.mul(col(a.stepSize), tf.div(m, denom))));
      this.m.assign(m);
      this.v.assign(v);
      return tf.stack([losses, norm]); // [2, S]
    });
  }

  /**
   * Runs the training steps of this trainer as one TensorFlow graph each (tfjs-node only; issue 14):
   * the next step is computed eagerly while its ops are recorded (lib/train/graph/), the recording is
   * written as a SavedModel under `dir` and opened, and every later step of the same shape is one
   * session call fed with that step's arrays. A step of another shape (other batch size, weight decay
   * switched on or off) is recorded anew. Evaluation batches likewise (`evaluate`). `false` goes back
   * to eager steps.
   */
  useGraph(enable: boolean | { dir?: string } = true): void {
    this.dropGraphs();
    this.graphDir = enable === false ? undefined : (typeof enable === 'object' && enable.dir) || defaultGraphDir();
  }

  /** Which engine ran the steps: 'graph' once a step has run as a graph (the first steps of each shape are recorded eagerly), else 'eager'. */
  get engine(): 'eager' | 'graph' {
    return this.graphSteps > 0 ? 'graph' : 'eager';
  }

  /** How many steps have run as a graph. */
  get graphStepCount(): number {
    return this.graphSteps;
  }

  /**
   * Calls `step` (one training step of this trainer) until a step has run as a graph — recording takes
   * two or three — at most `limit` times; returns the ms of that first graph step (the session's one-time
   * optimisation, with XLA the compilation), or null if this call ran none (eager engine, already warm, or an
   * untraceable step).
   */
  warmUpGraph(step: () => unknown, limit = 6): number | null {
    for (let k = 0; k < limit && this.graphDir !== undefined && this.graphSteps === 0; k++) {
      const t0 = performance.now();
      step();
      if (this.graphSteps > 0) return performance.now() - t0;
    }
    return null;
  }

  /** How many evaluation batches have run as a graph. */
  get graphEvalCount(): number {
    return this.graphEvals;
  }

  /** Closes the opened graphs (their SavedModels stay on disk, found again by content hash). */
  private dropGraphs(): void {
    this.graph?.dispose();
    this.evalGraph?.dispose();
    this.graph = undefined;
    this.evalGraph = undefined;
  }

  /** A step as one session call of the recorded graph: feeds this step's arrays, takes θ, m, v back. */
  private graphStep(graph: RecordedGraph, a: StepArrays): Float32Array {
    this.graphSteps++;
    const out = graph.run({ theta: this.theta, m: this.m, v: this.v }, stepFeeds(a), a.input);
    this.theta.assign(out.theta);
    this.m.assign(out.m);
    this.v.assign(out.v);
    const values = out.out.dataSync() as Float32Array;
    tf.dispose(Object.values(out));
    return values;
  }

  /** A real (eager) step that is also recorded; see recordGraph. */
  private recordStep(a: StepArrays, dir: string): Float32Array {
    this.graph?.dispose();
    this.graph = undefined;
    const { result: out, graph } = this.recordGraph(stepKey(a), dir, () => this.stepOps(a), {
      inputs: { theta: this.theta, m: this.m, v: this.v }, feeds: stepFeeds(a), input: a.input,
      // θ, m, v are read after the step has assigned them: their new values are outputs.
      outputs: (result) => ({ theta: this.theta, m: this.m, v: this.v, out: result }),
    });
    this.graph = graph;
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  /**
   * Runs `ops` for real while recording the TensorFlow ops it issues (lib/train/graph/). Two
   * consecutive recordings of one shape `key` must be the same computation (`sameComputation`: no
   * array made from the data outside the feeds); then the second is written as a SavedModel under
   * `dir` (one folder per graph, by content hash) and opened. If they differ, that shape stays eager,
   * with a message. Inputs are tensors (placeholders), feeds the engine's arrays and the forward's own.
   */
  private recordGraph<R extends tf.Tensor | tf.Tensor[]>(key: string, dir: string, ops: () => R, io: {
    inputs: Record<string, tf.Tensor>;
    feeds: Record<string, Float32Array | Int32Array>;
    input: StackedInput;
    outputs: (result: R) => Record<string, tf.Tensor>;
  }): { result: R; graph?: RecordedGraph } {
    const recorder = GraphRecorder.get();
    const { result, trace } = recorder.record(ops, {
      inputs: io.inputs,
      // The forward's own arrays exist once it has run.
      feeds: () => ({ ...io.feeds, ...Object.fromEntries([...(io.input.feeds?.arrays ?? [])].map(([name, v]) => [modelFeedName(name), v])) }),
    });
    const previous = this.pending.get(key);
    const differs = previous ? sameComputation(previous.trace, trace) : { kind: 'ops' as const, what: 'a first recording' };
    if (differs !== null) {
      const attempts = (previous?.attempts ?? 0) + 1;
      this.pending.set(key, { trace, attempts });
      if (differs.kind === 'constants' || attempts > 3) {
        this.pending.delete(key);
        this.untraceable.add(key);
        console.warn(`[expressive-attention] engine 'graph': ${key.startsWith('eval') ? 'evaluation' : 'the training step'} of ${this.model.kind} (${key}) cannot be run as a graph (${differs.what}); it stays eager`);
      }
      return { result };
    }
    this.pending.delete(key);
    const outputs = Object.entries(io.outputs(result)).map(([name, t]) => ({ name, id: recorder.idOf(t) }));
    const bytes = savedModelBytes(trace, outputs);
    const where = join(dir, createHash('sha256').update(bytes).digest('hex').slice(0, 16));
    if (!existsSync(join(where, 'saved_model.pb'))) writeSavedModelBytes(bytes, where);
    const makers = [...(io.input.feeds?.makers ?? [])].map(([name, make]) => ({ name: modelFeedName(name), make }));
    const fn = openGraphFunction(where, { inputs: [...trace.inputs, ...trace.feeds].map((x) => x.name), outputs: outputs.map((o) => o.name) });
    return { result, graph: new RecordedGraph(fn, key, makers, trace.feeds) };
  }

  /**
   * Loss sums and predictions of the lanes `lanes` (indices) on their batch lists (`batches[k]` for
   * lane `lanes[k]`; the lists must have the same shapes in the same order). With the graph engine,
   * each batch after the first two of a shape is one session call, like a step.
   */
  evaluate(lanes: readonly number[], batches: readonly (readonly BatchData[])[]): LaneEval[] {
    const K = lanes.length;
    const results: LaneEval[] = lanes.map(() => ({ lossSum: 0, predicted: [] }));
    const count = batches[0].length;
    if (batches.some((b) => b.length !== count)) throw new Error('StackedTrainer.evaluate: lanes need the same number of eval batches');
    // All lanes in order read θ itself; a subset is gathered (by a fed index array, so a graph serves any subset of its size).
    const all = K === this.lanes && lanes.every((l, k) => l === k);
    const index = Int32Array.from(lanes);
    for (let i = 0; i < count; i++) {
      const group = batches.map((b) => b[i]);
      const { batchSize: B, length: T } = group[0];
      const a = this.inputArrays(group);
      const key = `eval ${this.lanes}→${all ? 'all' : K}x${a.input.B}x${T}`;
      const feeds = { onehot: a.onehot, scored: a.scored, ...(all ? {} : { lanes: index }) };
      let out: { predicted: tf.Tensor; sums: tf.Tensor };
      if (this.evalGraph?.key === key) {
        this.graphEvals++;
        out = this.evalGraph.run({ theta: this.theta }, feeds, a.input) as typeof out;
      } else if (this.graphDir !== undefined && !this.untraceable.has(key)) {
        this.evalGraph?.dispose();
        this.evalGraph = undefined;
        const { result, graph } = this.recordGraph(key, this.graphDir, () => this.evalOps(a, all ? undefined : index), {
          inputs: { theta: this.theta }, feeds, input: a.input, outputs: ([predicted, sums]) => ({ predicted, sums }),
        });
        this.evalGraph = graph;
        out = { predicted: result[0], sums: result[1] };
      } else {
        const [predicted, sums] = this.evalOps(a, all ? undefined : index);
        out = { predicted, sums };
      }
      const p = out.predicted.dataSync() as Int32Array;
      const s = out.sums.dataSync();
      tf.dispose([out.predicted, out.sums]);
      const Bp = paddedRows(B, T);
      for (let k = 0; k < K; k++) {
        results[k].lossSum += s[k];
        const mine = p.subarray(k * Bp * T, (k + 1) * Bp * T);
        results[k].predicted.push(this.stacked.order === 'bt' ? mine.slice(0, B * T) : transposeRows(mine, B, T, Bp));
      }
    }
    return results;
  }

  /** The ops of one evaluation batch: [argmax predictions [K, R] int32, Σ scored cross-entropy [K]] of the lanes `index` (all lanes if undefined). */
  private evalOps(a: { input: StackedInput; onehot: Float32Array; scored: Float32Array }, index?: Int32Array): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      const { S: K, B, T } = a.input;
      const rows = index ? tf.gather(this.theta, tf.tensor1d(index, 'int32')) : this.theta; // [K, P]
      const logits = this.stacked.forward(this.views(rows), a.input); // [K, R, V]
      const onehot = tf.tensor3d(a.onehot, [K, B * T, this.model.vocabSize]);
      const scored = tf.tensor2d(a.scored, [K, B * T]);
      const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), onehot), -1)); // [K, R]
      return [tf.argMax(logits, -1), replicaSum(tf.mul(nll, scored))]; // [K, R] int32, [K]
    });
  }

  /** Lane s's parameters, moments and step count (read back). */
  lane(s: number): { params: Float32Array; optimizer: { step: number; m: Float32Array; v: Float32Array } } {
    const P = this.layout.size;
    const row = (t: tf.Tensor): Float32Array => (t.dataSync() as Float32Array).slice(s * P, (s + 1) * P);
    return { params: row(this.theta), optimizer: { step: this.stepCounts[s], m: row(this.m), v: row(this.v) } };
  }

  /** Lane s's parameters as fresh tf.Variables by name (the caller owns them). */
  laneParams(s: number): Record<string, tf.Variable> {
    const row = this.lane(s).params;
    const out: Record<string, tf.Variable> = {};
    const parts = this.layout.unpack(row);
    for (const p of this.model.parameters) out[p.name] = tf.tidy(() => tf.variable(tf.tensor(parts[p.name], p.shape, 'float32'), true));
    return out;
  }

  /** Lane s's optimizer state in the per-name form of `AdamW.state()` (for checkpoints). */
  laneOptimizerState(s: number): AdamWState {
    const { optimizer } = this.lane(s);
    return { step: optimizer.step, m: this.layout.unpack(optimizer.m), v: this.layout.unpack(optimizer.v) };
  }

  /** Keeps only the lanes `keep` (indices, in the new order); the others are dropped. */
  retain(keep: readonly number[]): void {
    if (keep.length === 0) throw new Error('StackedTrainer.retain: at least one lane must remain');
    if (keep.length === this.lanes && keep.every((l, k) => l === k)) return;
    const idx = tf.tensor1d(keep as number[], 'int32');
    const next = (old: tf.Variable): tf.Variable => {
      const fresh = tf.tidy(() => tf.variable(tf.gather(old, idx), false));
      old.dispose();
      return fresh;
    };
    this.theta = next(this.theta);
    this.m = next(this.m);
    this.v = next(this.v);
    idx.dispose();
    this.stepCounts = keep.map((l) => this.stepCounts[l]);
    // A graph serves one number of lanes: the next step records one for the lanes left.
    this.dropGraphs();
  }

  dispose(): void {
    this.dropGraphs();
    tf.dispose([this.theta, this.m, this.v, this.decayMask, this.keepMask]);
    this.stacked.dispose();
  }
}

/** [T·Bp] time-major values → [B·T] batch-major (the first B of Bp rows). */
function transposeRows(values: Int32Array, B: number, T: number, Bp = B): Int32Array {
  const out = new Int32Array(B * T);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) out[b * T + t] = values[t * Bp + b];
  return out;
}

/** Rows per replica after padding (see `StackedTrainer.inputs`): B on wasm and cpu; on tfjs-node the least B′ ≥ B, even, with B′·T ≡ 0 (mod 8). */
export function paddedRows(B: number, T: number): number {
  if (tf.getBackend() !== 'tensorflow') return B;
  let Bp = B;
  while (Bp % 2 !== 0 || (Bp * T) % 8 !== 0) Bp++;
  return Bp;
}

/** What one training step reads from JavaScript (see StackedTrainer.stepArrays); columns are per lane. */
interface StepArrays {
  /** Tokens; the forward collects the arrays it builds from them in input.feeds. */
  input: StackedInput;
  onehot: Float32Array; // [S, B′·T, V] one-hot targets
  scored: Float32Array; // [S, B′·T]
  counts: Float32Array; // [S] scored positions
  maxNorm: Float32Array; // [S] clipping threshold (Infinity = off)
  beta1: Float32Array;
  oneMinusBeta1: Float32Array;
  beta2: Float32Array;
  oneMinusBeta2: Float32Array;
  correction2: Float32Array; // √(1 − β₂ᵗ)
  epsilon: Float32Array;
  /** 1 − lr·wd per lane, or null when no lane decays (then the graph has no decay ops). */
  decay: Float32Array | null;
  stepSize: Float32Array; // lr / (1 − β₁ᵗ)
}

/** The engine's own feeds of a step, by name. */
function stepFeeds(a: StepArrays): Record<string, Float32Array> {
  const { input: _input, decay, ...rest } = a;
  return { ...rest, ...(decay ? { decay } : {}) };
}

/** A graph node name for an array the forward builds (node names allow letters, digits, '_', '.', '-', '/'). */
const modelFeedName = (name: string): string => `model_${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

/** The shape of a step: a graph serves only steps of its shape. */
const stepKey = (a: StepArrays): string => `${a.input.S}x${a.input.B}x${a.input.T}${a.decay ? ' decay' : ''}`;

