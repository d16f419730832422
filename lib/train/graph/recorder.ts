/**
 * Recording the TensorFlow ops that tfjs-node issues, so that a computation written with tfjs (the
 * engine's training step) can be run again as one TensorFlow graph (issue 14).
 *
 * tfjs-node executes every kernel as one eager op through its native binding:
 * `binding.executeOp(name, attrs, inputIds, numOutputs)`, and makes every tensor it needs from
 * JavaScript values with `binding.createTensor(shape, dtype, values)`. The recorder puts a thin
 * forwarding object in front of the binding (its own properties are read-only) and, while
 * `record(fn)` runs, writes down each op with its attributes and the ids of its inputs and outputs,
 * and each tensor made from JavaScript values. Running `fn` is the real computation: the recording
 * is a by-product, so the first call computes exactly what eager execution computes.
 *
 *   const trace = recorder.record(() => f(x, w), { inputs: { x, w }, feeds: { batch: batchArray } });
 *   trace.ops          // [{ op: 'BatchMatMulV2', attrs, inputs: [id, id], outputs: [id] }, …]
 *   trace.sources(id)  // where a tensor comes from: an input, a feed, an op output, or a constant
 *
 * Inputs are tensors that exist before the call (e.g. parameters); feeds are JavaScript arrays
 * that the computation turns into tensors (a batch), matched by identity: the same array object
 * that `fn` passes to tf.tensor. Both become placeholders of the graph; every other tensor made from
 * JavaScript values inside `fn` (scalars of tf.mul(x, 0.5), masks) and every tensor that existed
 * before and is read (a cached mask) becomes a constant with the value it had.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One attribute of an op, as tfjs-node passes it (type: the binding's TF_ATTR_* code). */
export interface OpAttr {
  name: string;
  type: number;
  value: boolean | number | string | number[] | object;
}

export interface RecordedOp {
  op: string;
  attrs: OpAttr[];
  inputs: number[];
  outputs: number[];
}

/** Shape and TensorFlow dtype code (TF_FLOAT = 1, TF_INT32 = 3, …) of a tensor. */
export interface TensorMeta {
  shape: number[];
  dtype: number;
}

export type Source =
  | { kind: 'input'; name: string }
  | { kind: 'feed'; name: string }
  | { kind: 'op'; index: number; output: number }
  | { kind: 'constant'; values: Float32Array | Int32Array | Uint8Array };

export interface Trace {
  ops: RecordedOp[];
  /** Every tensor the trace refers to. */
  meta: Map<number, TensorMeta>;
  /** Names of the inputs and feeds in the order given, with their tensor ids. */
  inputs: { name: string; id: number; meta: TensorMeta }[];
  feeds: { name: string; id: number; meta: TensorMeta }[];
  /** Where a tensor the trace uses comes from. */
  sources(id: number): Source;
  /**
   * The arrays made into tensors during the call that are not feeds, in order: they become constants.
   * Two recordings of the same computation on different data must agree on these (sameComputation).
   */
  constants: ArrayBufferView[];
}

/**
 * Whether two recordings (e.g. two training steps on different batches) are the same computation:
 * the same ops with the same attributes, and the same constants. If a constant differs, some array
 * the computation makes from its data is not a feed, and a graph of one recording would be wrong for
 * the other. Returns null when they agree; else 'ops' (other ops: e.g. the first call also built
 * cached tensors, so try again) or 'constants' (the same ops, a constant changed: not traceable).
 */
export function sameComputation(a: Trace, b: Trace): { kind: 'ops' | 'constants'; what: string } | null {
  if (a.ops.length !== b.ops.length) return { kind: 'ops', what: `${a.ops.length} ops, then ${b.ops.length}` };
  for (let i = 0; i < a.ops.length; i++) {
    if (a.ops[i].op !== b.ops[i].op || JSON.stringify(a.ops[i].attrs) !== JSON.stringify(b.ops[i].attrs)) return { kind: 'ops', what: `op ${i}: ${a.ops[i].op}, then ${b.ops[i].op}` };
  }
  if (a.constants.length !== b.constants.length) return { kind: 'ops', what: `${a.constants.length} constants made, then ${b.constants.length}` };
  for (let i = 0; i < a.constants.length; i++) {
    const [x, y] = [bytes(a.constants[i]), bytes(b.constants[i])];
    if (x.length !== y.length || x.some((v, k) => v !== y[k])) return { kind: 'constants', what: `constant ${i} (${x.length} bytes) changed with the data: it must be a feed` };
  }
  return null;
}

const bytes = (v: ArrayBufferView): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

export interface RecordArgs {
  /** Tensors that exist before the call and are inputs of the graph (placeholders), by name. */
  inputs?: Record<string, tf.Tensor>;
  /**
   * JavaScript arrays the call turns into tensors that are inputs of the graph, by name (matched by
   * identity); a function is called after the call, for arrays the call itself builds.
   */
  feeds?: Record<string, ArrayBufferView> | (() => Record<string, ArrayBufferView>);
}

interface Binding {
  executeOp(name: string, attrs: OpAttr[], inputs: number[], numOutputs: number): { id: number; shape: number[]; dtype: number }[];
  createTensor(shape: number[], dtype: number, values: unknown): number;
  deleteTensor(id: number): void;
  tensorDataSync(id: number): Float32Array | Int32Array | Uint8Array;
  [key: string]: unknown;
}
interface NodeBackend {
  binding: Binding;
  getInputTensorIds(tensors: tf.Tensor[]): number[];
}

interface Recording {
  ops: RecordedOp[];
  /** Tensors made from JavaScript values during the recording: id → the values object. */
  made: Map<number, unknown>;
  /** Shape and dtype of every tensor the recording touched, kept even after tfjs disposes it. */
  meta: Map<number, TensorMeta>;
}

/**
 * The recorder of the tfjs-node backend (one per process; `GraphRecorder.get()`). Outside a
 * recording it only keeps the shape and dtype of live tensors, so that a tensor made before a
 * recording can be captured as a constant.
 */
export class GraphRecorder {
  private static instance: GraphRecorder | undefined;
  private readonly meta = new Map<number, TensorMeta>();
  private recording: Recording | null = null;

  private constructor(private readonly backend: NodeBackend, private readonly binding: Binding) {
    const forward: Binding = Object.create(null) as Binding;
    for (const key of Object.getOwnPropertyNames(binding)) {
      const v = binding[key];
      forward[key] = typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(binding) : v;
    }
    forward.executeOp = (name, attrs, inputs, numOutputs) => {
      const out = binding.executeOp(name, attrs, inputs, numOutputs);
      for (const o of out) this.meta.set(o.id, { shape: [...o.shape], dtype: o.dtype });
      const r = this.recording;
      if (r) {
        r.ops.push({ op: name, attrs: attrs.map((a) => ({ ...a })), inputs: [...inputs], outputs: out.map((o) => o.id) });
        for (const id of [...inputs, ...out.map((o) => o.id)]) {
          const m = this.meta.get(id);
          if (m) r.meta.set(id, m);
        }
      }
      return out;
    };
    forward.createTensor = (shape, dtype, values) => {
      const id = binding.createTensor(shape, dtype, values);
      this.meta.set(id, { shape: [...shape], dtype });
      this.recording?.made.set(id, values);
      this.recording?.meta.set(id, { shape: [...shape], dtype });
      return id;
    };
    forward.deleteTensor = (id) => {
      this.meta.delete(id);
      binding.deleteTensor(id);
    };
    backend.binding = forward;
  }

  /** The recorder of the active tfjs-node backend; an error if the backend is not 'tensorflow'. */
  static get(): GraphRecorder {
    if (tf.getBackend() !== 'tensorflow') throw new Error(`graph recording needs the tensorflow (tfjs-node) backend; the active backend is '${tf.getBackend()}'`);
    const backend = tf.backend() as unknown as NodeBackend;
    if (!GraphRecorder.instance || (GraphRecorder.instance.backend !== backend)) GraphRecorder.instance = new GraphRecorder(backend, backend.binding);
    return GraphRecorder.instance;
  }

  /** The binding id of a tensor (writing its values to TensorFlow first if tfjs kept them in JavaScript). */
  idOf(t: tf.Tensor): number {
    const [id] = this.backend.getInputTensorIds([t]);
    if (!this.meta.has(id)) this.meta.set(id, { shape: [...t.shape], dtype: dtypeCode(t.dtype) });
    return id;
  }

  /** Runs `fn` (for real) and returns its result and the ops it issued; see the file comment. */
  record<R>(fn: () => R, args: RecordArgs = {}): { result: R; trace: Trace } {
    if (this.recording) throw new Error('GraphRecorder.record: recordings do not nest');
    const inputs = Object.entries(args.inputs ?? {}).map(([name, t]) => {
      const id = this.idOf(t);
      return { name, id, meta: this.meta.get(id) as TensorMeta };
    });
    const recording: Recording = { ops: [], made: new Map(), meta: new Map(inputs.map((i) => [i.id, i.meta])) };
    this.recording = recording;
    let result: R;
    try {
      result = fn();
    } finally {
      this.recording = null;
    }
    const feedArrays = Object.entries((typeof args.feeds === 'function' ? args.feeds() : args.feeds) ?? {});
    const feeds = feedArrays.map(([name, values]) => {
      const ids = [...recording.made].filter(([, v]) => v === values).map(([id]) => id);
      if (ids.length === 0) throw new Error(`GraphRecorder.record: feed '${name}' was never made into a tensor during the call (pass the very array given to tf.tensor)`);
      if (ids.length > 1) throw new Error(`GraphRecorder.record: feed '${name}' was made into ${ids.length} tensors; make it once`);
      return { name, id: ids[0], meta: recording.meta.get(ids[0]) as TensorMeta };
    });
    const byId = new Map<number, Source>();
    for (const i of inputs) byId.set(i.id, { kind: 'input', name: i.name });
    for (const f of feeds) byId.set(f.id, { kind: 'feed', name: f.name });
    recording.ops.forEach((op, index) => op.outputs.forEach((id, output) => byId.set(id, { kind: 'op', index, output })));
    const meta = recording.meta;
    const binding = this.binding;
    const madeValues = recording.made;
    return {
      result,
      trace: {
        ops: recording.ops, meta, inputs, feeds,
        constants: [...recording.made].filter(([id, v]) => !byId.has(id) && ArrayBuffer.isView(v)).map(([, v]) => v as ArrayBufferView),
        sources(id: number): Source {
          const known = byId.get(id);
          if (known) return known;
          // A tensor made from JavaScript values in the call, or one that existed before (and is still alive).
          const made = madeValues.get(id);
          if (ArrayBuffer.isView(made)) return { kind: 'constant', values: made as Float32Array | Int32Array | Uint8Array };
          if (!meta.has(id)) throw new Error(`tensor ${id} is neither an input, a feed, an op output nor a tensor made after the recorder was installed`);
          return { kind: 'constant', values: binding.tensorDataSync(id) };
        },
      },
    };
  }
}

/** TensorFlow's dtype code of a tfjs dtype. */
export function dtypeCode(dtype: tf.DataType): number {
  const codes: Partial<Record<tf.DataType, number>> = { float32: 1, int32: 3, bool: 10 };
  const code = codes[dtype];
  if (code === undefined) throw new Error(`graph tensors must be float32, int32 or bool; got ${dtype}`);
  return code;
}
