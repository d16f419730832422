/**
 * Stacked forward passes: S replicas of one model — same configuration, separate parameters (e.g.
 * different seeds) — computed together, so each kernel does S models' work and the fixed cost per
 * kernel, which dominates at this project's sizes, is paid once instead of S times.
 *
 *   parameters  one row of a flat [S, P] buffer per replica, cut into views [S, rows, cols]
 *   tokens      [S, B, T] (each replica its own batch)  →  logits [S, rows, V]
 *
 * The same code with S = 1 trains a single model (`train()` uses it), and it must give each replica
 * exactly the numbers it would get alone. So every operation here is one whose result for a replica
 * does not depend on S:
 * - element-wise ops, reductions over the last axis and softmaxes are computed row by row;
 * - batched matmuls whose contraction runs over features (x·W, dy·Wᵀ, q·kᵀ, α·v) give each slice the
 *   same result at any batch size (on tfjs-node's Eigen kernels by construction, a small single matrix
 *   running as a batch of two: `laneMatMul`; checked on wasm and cpu);
 * - reductions over the rows of a batch are NOT, in general: tfjs-node's TensorFlow (oneDNN) splits
 *   long sums over a middle axis, or along the contraction of a batched matmul, differently for
 *   different batch counts. Sums run along the innermost axis instead (same at any S, checked on all
 *   three backends for rows up to 16 384); weight gradients (xᵀ·dy, a contraction over rows) and
 *   bias gradients (1ᵀ·dy) run per replica (`perReplica`, `rowSum`) with the same shapes as in a
 *   single-model run;
 * - on wasm only non-transposed matmuls of batch 1 reach XNNPACK (everything else takes a slow loop), so
 *   `batchedMatMul` multiplies replica by replica there and transposes explicitly.
 * `test/batched.test.ts` checks bit-identity on every backend.
 *
 * Gradients of the blocks below are written by hand (tf.customGrad): tfjs's generic gradients add
 * reshapes, casts and clones around every op, which at these sizes cost more than the arithmetic.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A token batch for S replicas. */
export interface StackedInput {
  /** Number of replicas. */
  S: number;
  /** Rows per replica. */
  B: number;
  /** Positions per row. */
  T: number;
  /** Token ids [S, B, T], row-major. */
  tokens: Int32Array;
  /**
   * Where the arrays built from the tokens in JavaScript are collected, with the function that
   * builds each (the graph engine feeds them to a recorded step). Optional: without it they are
   * just built.
   */
  feeds?: HostFeeds;
}

/** Arrays a forward builds from its input in JavaScript, by name, and how to build them for another input. */
export class HostFeeds {
  readonly arrays = new Map<string, Float32Array | Int32Array>();
  readonly makers = new Map<string, (input: StackedInput) => Float32Array | Int32Array>();
  /** Builds `name` for `input` with `make`, and remembers both. */
  add<A extends Float32Array | Int32Array>(name: string, input: StackedInput, make: (input: StackedInput) => A): A {
    if (this.arrays.has(name)) throw new Error(`HostFeeds: '${name}' was built twice for one input`);
    const values = make(input);
    this.arrays.set(name, values);
    this.makers.set(name, make);
    return values;
  }
}

/** `make(input)`, collected in `input.feeds` when it has one (see StackedInput.feeds). */
export function hostArray<A extends Float32Array | Int32Array>(input: StackedInput, name: string, make: (input: StackedInput) => A): A {
  return input.feeds ? input.feeds.add(name, input, make) : make(input);
}

/** Order of the logit rows of one replica: 'bt' = row b·T + t, 'tb' = row t·B + b (time-major models). */
export type RowOrder = 'bt' | 'tb';

/**
 * How a stacked forward reads parameters: as matrices [S, rows, cols]. A view holds one parameter
 * (flattened to [size / cols, cols]: a bias or gain as [1, n], a cisformer weight [T₀, in, out] as
 * [T₀·in, out]) or several stacked by rows (the token and position tables as one [V + T₀, d] table).
 * The engine keeps all views with the same number of rows side by side in one matrix, so cutting the
 * parameters out of the flat buffer costs a few splits and no reshapes. A vector view (a bias, a gain)
 * is passed as [S, cols]; the blocks below broadcast it over rows.
 */
export interface ParamView {
  names: string[];
  rows: number;
  cols: number;
  /** A vector (one row): passed as [S, cols]. Default false. */
  vector?: boolean;
}

/** A model's stacked forward pass (see the file comment). */
export interface StackedModel {
  /** How the forward reads the parameters: every parameter in exactly one view. */
  readonly views: readonly ParamView[];
  /** Order of the logit rows. */
  readonly order: RowOrder;
  /**
   * Logits [S, rows, V] for `input`; `views[i]` is [S, rows, cols] of `this.views[i]` ([S, cols] for a
   * vector view). Call inside tf.tidy.
   */
  forward(views: tf.Tensor[], input: StackedInput): tf.Tensor3D;
  /** Frees cached constants. */
  dispose(): void;
}

/**
 * One view per parameter, [size / last dim, last dim] (what a generic forward reshapes back); 1-D
 * parameters are vector views.
 */
export function plainViews(parameters: readonly { name: string; shape: number[] }[]): ParamView[] {
  return parameters.map((p) => {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const cols = p.shape.length ? p.shape[p.shape.length - 1] : 1;
    return p.shape.length <= 1 ? { names: [p.name], rows: 1, cols, vector: true } : { names: [p.name], rows: size / cols, cols };
  });
}

/** The view of a parameter with shape `shape`: a vector [S, n] for 1-D, else [S, size / last, last]. */
export function matrixView(name: string, shape: readonly number[]): ParamView {
  return plainViews([{ name, shape: [...shape] }])[0];
}

// ---------------------------------------------------------------------------------------------------
// Inputs built in JavaScript (uploading a tensor is not a kernel)

/**
 * One-hot rows for the tokens of `input`: [S·B·T, width] values, replica by replica, rows in `order`
 * within a replica. With `positions`, a second one-hot block marks each row's position t at column
 * `vocab + t`, so one matmul with a table [vocab + T₀, d] gives token embedding + position embedding
 * exactly (the two ones pick two entries; every other product is an exact zero).
 */
export function oneHotData(input: StackedInput, vocab: number, order: RowOrder, positions = 0): Float32Array {
  const { S, B, T, tokens } = input;
  const width = vocab + positions;
  const out = new Float32Array(S * B * T * width);
  for (let s = 0; s < S; s++) {
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const row = s * B * T + (order === 'bt' ? b * T + t : t * B + b);
        const x = tokens[(s * B + b) * T + t];
        if (x >= 0 && x < vocab) out[row * width + x] = 1; // out of range: an empty row, as tf.oneHot
        if (positions) out[row * width + vocab + t] = 1;
      }
    }
  }
  return out;
}

/** `oneHotData` as a tensor [S, B·T, vocab + positions]. */
export function oneHotRows(input: StackedInput, vocab: number, order: RowOrder, positions = 0): tf.Tensor3D {
  const data = hostArray(input, `tokens one-hot ${order} ${vocab}+${positions}`, (i) => oneHotData(i, vocab, order, positions));
  return tf.tensor3d(data, [input.S, input.B * input.T, vocab + positions]);
}

// ---------------------------------------------------------------------------------------------------
// Per-replica execution

/** Whether the wasm backend is active (its fast matmul needs batch 1 and no transposes). */
function onWasm(): boolean {
  return tf.getBackend() === 'wasm';
}

/** Whether tfjs-node (TensorFlow) is active. */
export function onNode(): boolean {
  return tf.getBackend() === 'tensorflow';
}

/**
 * Applies `f` to each replica's slices of `xs` (all [S, ...]) and stacks the results to [S, ...]:
 * the same kernel calls, with the same shapes, as in a single-model run.
 */
export function perReplica(xs: tf.Tensor[], f: (...slices: tf.Tensor[]) => tf.Tensor): tf.Tensor {
  const slices = xs.map(replicas); // each S × [...]
  const out = slices[0].map((_, s) => f(...slices.map((sl) => sl[s])));
  return out.length === 1 ? tf.expandDims(out[0], 0) : tf.stack(out); // [S, ...]
}

/**
 * The S slices of x [S, ...]: tf.unstack on tfjs-node; on wasm and cpu, whose Unpack kernel is slow,
 * a split and (free there) reshapes; for S = 1 a reshape (tfjs's gradient of unstack fails for a single
 * output).
 */
export function replicas(x: tf.Tensor): tf.Tensor[] {
  const S = x.shape[0] as number;
  const inner = x.shape.slice(1);
  if (S === 1) return [tf.reshape(x, inner)];
  return onNode() ? tf.unstack(x) : tf.split(x, S, 0).map((piece) => tf.reshape(piece, inner));
}

/**
 * Below this many multiply-adds per matrix TensorFlow's Eigen batch matmul runs each matrix of a batch
 * of two or more in one thread (SequentialMatMulKernel), and a batch of one as a contraction over its
 * thread pool (ParallelMatMulKernel); above it, and when a dimension is 1, the same kernel either way
 * (kMaxCostOuterParallelism in tensorflow/core/kernels/matmul_op_impl.h, TensorFlow 2.21).
 */
const EIGEN_SEQUENTIAL_MAX_COST = 128 * 128;

/**
 * A batched product of 3-D a, b (with optional transposes) whose slices do not depend on the batch
 * count: tf.matMul, except that on tfjs-node a single small matrix (see `EIGEN_SEQUENTIAL_MAX_COST`)
 * runs as a batch of two (the slice duplicated, the copy's result dropped), so that it gets the
 * kernel it gets in any larger batch. Without this a replica trained alone (S = 1) differed from the
 * same replica in a stack in the last bits wherever TensorFlow's kernels are Eigen's (docs/reproducibility.md).
 */
export function laneMatMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor3D {
  const [, r, c] = a.shape as [number, number, number];
  const [m, k] = transposeA ? [c, r] : [r, c];
  const n = (transposeB ? b.shape[1] : b.shape[2]) as number;
  const single = onNode() && a.shape[0] === 1 && b.shape[0] === 1;
  if (!single || Math.min(m, k, n) === 1 || m * k * n > EIGEN_SEQUENTIAL_MAX_COST) {
    return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB);
  }
  const two = tf.matMul(tf.concat([a, a]) as tf.Tensor3D, tf.concat([b, b]) as tf.Tensor3D, transposeA, transposeB); // [2, m, n]
  return tf.slice(two, [0, 0, 0], [1, -1, -1]) as tf.Tensor3D; // [1, m, n]
}

/**
 * a·b (with optional transposes) for a, b [S, m, n], a contraction over features: batched
 * (`laneMatMul`); on wasm replica by replica on materialised transposes (XNNPACK).
 */
export function batchedMatMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor3D {
  if (!onWasm()) return laneMatMul(a, b, transposeA, transposeB);
  const at = transposeA ? tf.transpose(a, [0, 2, 1]) : a;
  const bt = transposeB ? tf.transpose(b, [0, 2, 1]) : b;
  if (a.shape[0] === 1) return tf.matMul(at as tf.Tensor3D, bt as tf.Tensor3D); // batch 1: XNNPACK
  return perReplica([at, bt], (x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D)) as tf.Tensor3D;
}

/**
 * aᵀ·b per replica for a [S, rows, m], b [S, rows, n] → [S, m, n]: a sum over rows (see the file
 * comment), computed as the single-matrix product for every replica at any S. With S = 1 that product
 * is called on the [1, rows, m] tensor directly (a batch of one is the single-matrix kernel on every
 * backend).
 */
export function rowContraction(a: tf.Tensor, b: tf.Tensor): tf.Tensor3D {
  if (a.shape[0] === 1) {
    return onWasm()
      ? tf.matMul(tf.transpose(a, [0, 2, 1]) as tf.Tensor3D, b as tf.Tensor3D)
      : tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, true, false);
  }
  return perReplica([a, b], (x, y) => (onWasm()
    ? tf.matMul(tf.transpose(x) as tf.Tensor2D, y as tf.Tensor2D)
    : tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, true, false))) as tf.Tensor3D;
}

/** Constants the blocks below reuse every step (rows of ones), built once per shape and kept until `dispose()`. */
export class BlockConstants {
  private readonly onesRows = new Map<number, tf.Tensor2D>();

  /** [1, R] filled with ones. */
  ones(R: number): tf.Tensor2D {
    let t = this.onesRows.get(R);
    if (!t) {
      t = tf.keep(tf.tensor2d(new Float32Array(R).fill(1), [1, R]));
      this.onesRows.set(R, t);
    }
    return t;
  }

  dispose(): void {
    tf.dispose([...this.onesRows.values()]);
    this.onesRows.clear();
  }
}

/**
 * Σ over rows per replica: x [S, rows, n] → [S, n] (a vector view's gradient). On tfjs-node as 1ᵀ·x
 * per replica: the same 2-D product for every replica at any S (a reduction over a middle axis is not
 * there), and no transpose (a transpose of [S, rows, n] cost more than product and sum together; for
 * S = 8 five times more). `constants` supplies the row of ones (without, it is built here). wasm and
 * cpu move reduced axes innermost themselves, so a direct sum is already exact there (and on wasm a
 * product would be wrong: its XNNPACK path caches the packed right-hand matrix by tensor id, and x
 * shares its id with reshapes of itself multiplied elsewhere in another shape).
 */
function rowSum(x: tf.Tensor, constants?: BlockConstants): tf.Tensor2D {
  if (!onNode()) return tf.sum(x, 1) as tf.Tensor2D;
  const R = x.shape[1] as number;
  const ones = constants ? constants.ones(R) : tf.ones([1, R]) as tf.Tensor2D; // [1, R]
  const sums = replicas(x).map((xs) => tf.matMul(ones, xs as tf.Tensor2D)); // S × [1, n]
  return (sums.length === 1 ? sums[0] : tf.concat(sums, 0)) as tf.Tensor2D; // [S, n]
}

/** A vector view [S, n] as [S, 1, n], to broadcast over rows (with S = 1, [1, n] broadcasts as it is). */
function rowVector(v: tf.Tensor): tf.Tensor {
  const [S, n] = v.shape as [number, number];
  return S === 1 ? v : tf.reshape(v, [S, 1, n]);
}

/**
 * Σ of everything per replica: x [S, n] → [S], each replica's row summed as a [1, n] tensor of its own,
 * exactly as with S = 1. (One sum over the rows of [S, n] is not the same: with several threads,
 * tfjs-node's TensorFlow splits a long row of a [1, n] tensor across threads but sums each row of an
 * [S, n] tensor in one thread, so a flat gradient's norm over ~10⁵ parameters differed in the last bit.)
 */
export function replicaSum(x: tf.Tensor): tf.Tensor1D {
  const S = x.shape[0] as number;
  if (S === 1) return tf.sum(x, 1) as tf.Tensor1D;
  return tf.concat(tf.split(x, S, 0).map((row) => tf.sum(row, 1)), 0) as tf.Tensor1D; // S × [1] → [S]
}

// ---------------------------------------------------------------------------------------------------
// Blocks with hand-written gradients

type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/** tf.customGrad with the inputs as an array (typed), the save function second. */
export function customOp(f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: GradFunc }): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    return f(args as tf.Tensor[], save);
  });
}

/**
 * Rows of a table picked (and summed) by constant one-hot rows: onehot [S, R, n] · table [S, n, d] →
 * [S, R, d]. Only the table gets a gradient (Σ_rows onehotᵀ·dy, per replica).
 */
export function tableLookup(onehot: tf.Tensor, table: tf.Tensor): tf.Tensor3D {
  const op = customOp(([t], save) => {
    save([onehot]);
    return { value: batchedMatMul(onehot, t), gradFunc: (dy: tf.Tensor, [x]: tf.Tensor[]) => rowContraction(x, dy) };
  });
  return op(table) as tf.Tensor3D;
}

export interface DenseOptions {
  /** Apply relu after the bias. Default false. */
  relu?: boolean;
  /** The model's cached constants (for the bias gradient). */
  constants?: BlockConstants;
}

/**
 * A linear layer of S replicas, optionally with relu and a residual added:
 *   x [S, R, in] · W [S, in, out] + b [S, out]  (→ relu)  (+ residual [S, R, out])  →  [S, R, out]
 * The arithmetic is the reference `linear` (+ `tf.relu`, + `tf.add(residual, ·)`) op for op.
 */
export function dense(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor, residual?: tf.Tensor, options: DenseOptions = {}): tf.Tensor3D {
  const relu = options.relu ?? false;
  const inputs = [x, w, ...(b ? [b] : []), ...(residual ? [residual] : [])];
  const op = customOp((args, save) => {
    const [ax, aw] = args;
    const ab = b ? args[2] : undefined;
    const ares = residual ? args[args.length - 1] : undefined;
    const z = batchedMatMul(ax, aw); // [S, R, out]
    const biased = ab ? tf.add(z, rowVector(ab)) : z; // [S, R, out]
    const y = relu ? tf.relu(biased) : biased; // [S, R, out]
    save(relu ? [ax, aw, y] : [ax, aw]);
    return {
      value: ares ? tf.add(ares, y) : y, // [S, R, out]
      gradFunc: (dy: tf.Tensor, [sx, sw, sy]: tf.Tensor[]) => {
        const dz = relu ? tf.mul(dy, tf.sign(sy)) : dy; // [S, R, out]: relu' = sign(y) for y = relu(·) ≥ 0
        const grads: tf.Tensor[] = [batchedMatMul(dz, sw, false, true), rowContraction(sx, dz)]; // dx [S, R, in], dW [S, in, out]
        if (ab) grads.push(rowSum(dz, options.constants)); // db [S, out]
        if (ares) grads.push(dy); // d residual
        return grads;
      },
    };
  });
  return op(...inputs) as tf.Tensor3D;
}

/**
 * act(z + b) for z [S, R, n], b [S, n] (relu, or none): the bias part of a linear map whose product
 * was computed elsewhere. db = Σ_rows dz per replica.
 */
export function biasActivation(z: tf.Tensor, b: tf.Tensor, relu: boolean, constants?: BlockConstants): tf.Tensor3D {
  const op = customOp(([az, ab], save) => {
    const biased = tf.add(az, rowVector(ab)); // [S, R, n]
    const y = relu ? tf.relu(biased) : biased; // [S, R, n]
    save(relu ? [y] : []);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sy]: tf.Tensor[]) => {
        const dz = relu ? tf.mul(dy, tf.sign(sy)) : dy; // [S, R, n]: relu' = sign(y)
        return [dz, rowSum(dz, constants)];
      },
    };
  });
  return op(z, b) as tf.Tensor3D;
}

/** L·x for a constant L [S, m, k] and x [S, k, n] (e.g. a prefix-sum matrix); only x gets a gradient (Lᵀ·dy). */
export function constantLeftMatMul(l: tf.Tensor, x: tf.Tensor): tf.Tensor3D {
  const op = customOp(([ax], save) => {
    save([l]);
    return { value: batchedMatMul(l, ax), gradFunc: (dy: tf.Tensor, [sl]: tf.Tensor[]) => batchedMatMul(sl, dy, true, false) };
  });
  return op(x) as tf.Tensor3D;
}

/**
 * Per-group tables picked by constant one-hot rows: onehot [S·G, R, n] · table [S·G, n, d] → [S·G, R, d]
 * (G groups per replica, e.g. one table per position). The table gradient runs per replica, batched over
 * its G groups, as in a single-model run.
 */
export function groupedLookup(onehot: tf.Tensor, table: tf.Tensor, S: number): tf.Tensor3D {
  const op = customOp(([t], save) => {
    save([onehot]);
    return {
      value: laneMatMul(onehot, t), // [S·G, R, d]
      gradFunc: (dy: tf.Tensor, [x]: tf.Tensor[]) => {
        const [SG, R, n] = x.shape as [number, number, number];
        const d = dy.shape[2] as number;
        const G = SG / S;
        const per = perReplica([tf.reshape(x, [S, G, R, n]), tf.reshape(dy, [S, G, R, d])],
          (xs, dys) => tf.matMul(xs as tf.Tensor3D, dys as tf.Tensor3D, true, false)); // [S, G, n, d]
        return tf.reshape(per, [SG, n, d]);
      },
    };
  });
  return op(table) as tf.Tensor3D;
}

/**
 * LayerNorm over the last axis of x [S, R, d] with gain, bias [S, d], computed as the reference
 * `layerNorm` (same ops, same order), with the closed-form gradient:
 *   n = (x − μ)·r,  r = 1/√(var + ε);   dn = dy·g;   dx = r·(dn − mean(dn) − n·mean(dn·n))
 *   dg = Σ_rows dy·n,  db = Σ_rows dy
 * With `meanColumn` ([S, d, 1] filled with 1/d) the means over d are products x·meanColumn: on tfjs-node
 * one kernel instead of two (its Mean kernel casts its input first), and the same for every replica at
 * any S (a contraction over features).
 */
export function stackedLayerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, epsilon: number, meanColumn?: tf.Tensor, constants?: BlockConstants): tf.Tensor3D {
  const mean = (t: tf.Tensor): tf.Tensor => (meanColumn ? laneMatMul(t, meanColumn) : tf.mean(t, -1, true)); // [S, R, 1]
  const op = customOp(([ax, ag, ab], save) => {
    const centred = tf.sub(ax, mean(ax)); // [S, R, d]
    const variance = mean(tf.square(centred)); // [S, R, 1]
    const r = tf.rsqrt(tf.add(variance, epsilon)); // [S, R, 1]
    const normed = tf.mul(centred, r); // [S, R, d]
    const g = rowVector(ag); // [S, 1, d]
    save([normed, r, g]);
    return {
      value: tf.add(tf.mul(normed, g), rowVector(ab)), // [S, R, d]
      gradFunc: (dy: tf.Tensor, [n, sr, sg]: tf.Tensor[]) => {
        const dn = tf.mul(dy, sg); // [S, R, d]
        const inner = tf.sub(tf.sub(dn, mean(dn)), tf.mul(n, mean(tf.mul(dn, n)))); // [S, R, d]
        return [tf.mul(inner, sr), rowSum(tf.mul(dy, n), constants), rowSum(dy, constants)];
      },
    };
  });
  return op(x, gain, bias) as tf.Tensor3D;
}

/**
 * Per-replica masked cross-entropy, the reference `maskedCrossEntropy` op for op:
 *   nll[s,r] = −Σ_v logsoftmax(z)[s,r,v]·onehot[s,r,v];   loss_s = Σ_r nll[s,r]·scored[s,r] / count_s
 * z [S, R, V]; onehot [S, R, V] and scored [S, R] (0/1) and counts [S] are constants (built in JS).
 * Gradient: dz = (softmax(z) − onehot)·scored·dy_s/count_s. Returns [S].
 */
export function stackedCrossEntropy(z: tf.Tensor, onehot: tf.Tensor, scored: tf.Tensor, counts: tf.Tensor): tf.Tensor1D {
  const op = customOp(([az], save) => {
    const logp = tf.logSoftmax(az); // [S, R, V]
    const nll = tf.neg(tf.sum(tf.mul(logp, onehot), -1)); // [S, R]
    const sums = replicaSum(tf.mul(nll, scored)); // [S]
    save([logp, onehot, scored, counts]);
    return {
      value: tf.div(sums, counts), // [S]
      gradFunc: (dy: tf.Tensor, [sLogp, sOnehot, sScored, sCounts]: tf.Tensor[]) => {
        const [S, R] = sScored.shape as [number, number];
        const coef = tf.reshape(tf.mul(sScored, tf.reshape(tf.div(dy, sCounts), [S, 1])), [S, R, 1]); // [S, R, 1]
        return tf.mul(tf.sub(tf.exp(sLogp), sOnehot), coef); // [S, R, V]
      },
    };
  });
  return op(z) as tf.Tensor1D;
}
