/**
 * A recorded trace (recorder.ts) as a TensorFlow SavedModel, and that SavedModel loaded back into
 * tfjs-node as one callable graph.
 *
 *   trace → GraphDef: inputs and feeds → Placeholder, constants → Const, each op → a NodeDef with its
 *           attributes, outputs → Identity nodes named out_<name>; a 'serving_default' signature
 *   writeSavedModel(trace, outputs, dir)   dir/saved_model.pb (+ an empty variables/)
 *   loadGraphFunction(dir)                 run({ name: tensor }) → { name: tensor }, one session call
 *
 * The protocol buffers are written with the message classes tfjs-node ships for reading SavedModels
 * (google-protobuf, `@tensorflow/tfjs-node/dist/proto/api_pb.js`): no encoder of our own.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { OpAttr, Trace, TensorMeta } from './recorder.js';

const require = createRequire(import.meta.url);

// The subset of the generated google-protobuf classes used here.
interface Message { serializeBinary(): Uint8Array }
interface MapField<V> { set(key: string, value: V): void }
interface Dim { setSize(n: number): void }
interface Shape extends Message { addDim(d: Dim): void }
interface ListValue { addI(v: number): void; addF(v: number): void; addB(v: boolean): void; addType(v: number): void }
interface AttrValue extends Message {
  setI(v: number): void; setF(v: number): void; setB(v: boolean): void; setType(v: number): void; setS(v: Uint8Array): void;
  setShape(s: Shape): void; setTensor(t: TensorProto): void; setList(l: ListValue): void;
}
interface TensorProto { setDtype(d: number): void; setTensorShape(s: Shape): void; setTensorContent(b: Uint8Array): void }
interface NodeDef { setName(n: string): void; setOp(o: string): void; addInput(i: string): void; getAttrMap(): MapField<AttrValue> }
interface TensorInfo { setName(n: string): void; setDtype(d: number): void; setTensorShape(s: Shape): void }
interface Api {
  TensorShape: { new (): Shape; Dim: new () => Dim };
  AttrValue: { new (): AttrValue; ListValue: new () => ListValue };
  Tensor: new () => TensorProto;
  NodeDef: new () => NodeDef;
  VersionDef: new () => { setProducer(n: number): void };
  GraphDef: new () => Message & { addNode(n: NodeDef): void; setVersions(v: unknown): void };
  TensorInfo: new () => TensorInfo;
  SignatureDef: new () => { setMethodName(m: string): void; getInputsMap(): MapField<TensorInfo>; getOutputsMap(): MapField<TensorInfo> };
  MetaGraphDef: { new (): { setMetaInfoDef(i: unknown): void; setGraphDef(g: unknown): void; getSignatureDefMap(): MapField<unknown> }; MetaInfoDef: new () => { addTags(t: string): void } };
  SavedModel: new () => Message & { setSavedModelSchemaVersion(v: number): void; addMetaGraphs(m: unknown): void };
}
let api: Api | undefined;
function protos(): Api {
  return (api ??= require('@tensorflow/tfjs-node/dist/proto/api_pb.js') as Api);
}

// The binding's attribute type codes (TF_ATTR_STRING … TF_ATTR_SHAPE); checked against the binding in the tests.
export const ATTR = { STRING: 0, INT: 1, FLOAT: 2, BOOL: 3, TYPE: 4, SHAPE: 5 } as const;

function shapeProto(shape: readonly number[]): Shape {
  const p = protos();
  const s = new p.TensorShape();
  for (const n of shape) {
    const d = new p.TensorShape.Dim();
    d.setSize(n);
    s.addDim(d);
  }
  return s;
}

function attrProto(a: OpAttr, op: string): AttrValue {
  const p = protos();
  const v = new p.AttrValue();
  const bad = (): never => { throw new Error(`op ${op}: attribute '${a.name}' of type ${a.type} (${JSON.stringify(a.value)}) cannot be written to a graph`); };
  if (Array.isArray(a.value)) {
    const l = new p.AttrValue.ListValue();
    for (const x of a.value as unknown[]) {
      if (a.type === ATTR.INT) l.addI(x as number);
      else if (a.type === ATTR.FLOAT) l.addF(x as number);
      else if (a.type === ATTR.BOOL) l.addB(x as boolean);
      else if (a.type === ATTR.TYPE) l.addType(x as number);
      else bad();
    }
    v.setList(l);
  } else if (a.type === ATTR.INT) v.setI(a.value as number);
  else if (a.type === ATTR.FLOAT) v.setF(a.value as number);
  else if (a.type === ATTR.BOOL) v.setB(a.value as boolean);
  else if (a.type === ATTR.TYPE) v.setType(a.value as number);
  else if (a.type === ATTR.STRING) v.setS(new TextEncoder().encode(String(a.value)));
  else if (a.type === ATTR.SHAPE) v.setShape(shapeProto(a.value as number[]));
  else bad();
  return v;
}

/** A named output of the graph: a tensor of the trace (by id). */
export interface GraphOutput {
  name: string;
  id: number;
}

/**
 * Type attributes tfjs-node leaves out of an op because eager TensorFlow infers them from the inputs,
 * while a GraphDef node must carry them: op → attribute → the input whose dtype it is.
 * (Found by grepping tfjs-node's kernels for ops issued with no attributes; the logical ops have none.)
 */
const INFERRED_TYPE_ATTRS: Record<string, Record<string, number>> = {
  ExpandDims: { T: 0, Tdim: 1 },
};

/** The trace's GraphDef and signature as a SavedModel (bytes of saved_model.pb). */
export function savedModelBytes(trace: Trace, outputs: readonly GraphOutput[]): Uint8Array {
  const p = protos();
  const graph = new p.GraphDef();
  const version = new p.VersionDef();
  version.setProducer(1286);
  graph.setVersions(version);
  const typeAttr = (dtype: number): AttrValue => {
    const v = new p.AttrValue();
    v.setType(dtype);
    return v;
  };
  const node = (name: string, op: string, inputs: readonly string[], attrs: Record<string, AttrValue>): void => {
    const n = new p.NodeDef();
    n.setName(name);
    n.setOp(op);
    for (const i of inputs) n.addInput(i);
    const m = n.getAttrMap();
    for (const [k, v] of Object.entries(attrs)) m.set(k, v);
    graph.addNode(n);
  };
  const signature = new p.SignatureDef();
  signature.setMethodName('tensorflow/serving/predict');
  const info = (name: string, m: TensorMeta): TensorInfo => {
    const t = new p.TensorInfo();
    t.setName(`${name}:0`);
    t.setDtype(m.dtype);
    t.setTensorShape(shapeProto(m.shape));
    return t;
  };
  const names = new Map<number, string>(); // tensor id → 'node' or 'node:k'
  for (const x of [...trace.inputs, ...trace.feeds]) {
    const shape = new p.AttrValue();
    shape.setShape(shapeProto(x.meta.shape));
    node(`in_${x.name}`, 'Placeholder', [], { dtype: typeAttr(x.meta.dtype), shape });
    names.set(x.id, `in_${x.name}`);
    signature.getInputsMap().set(x.name, info(`in_${x.name}`, x.meta));
  }
  let constants = 0;
  const nameOf = (id: number): string => {
    const known = names.get(id);
    if (known) return known;
    const source = trace.sources(id);
    if (source.kind !== 'constant') throw new Error(`tensor ${id} (${source.kind}) has no node yet: ops must come in execution order`);
    const m = trace.meta.get(id) as TensorMeta;
    const t = new p.Tensor();
    t.setDtype(m.dtype);
    t.setTensorShape(shapeProto(m.shape));
    const v = source.values;
    t.setTensorContent(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    const value = new p.AttrValue();
    value.setTensor(t);
    const name = `const_${constants++}`;
    node(name, 'Const', [], { dtype: typeAttr(m.dtype), value });
    names.set(id, name);
    return name;
  };
  trace.ops.forEach((op, i) => {
    const name = `op_${i}_${op.op}`;
    const attrs: Record<string, AttrValue> = {};
    for (const a of op.attrs) attrs[a.name] = attrProto(a, op.op);
    for (const [attr, input] of Object.entries(INFERRED_TYPE_ATTRS[op.op] ?? {})) {
      if (!(attr in attrs)) attrs[attr] = typeAttr((trace.meta.get(op.inputs[input]) as TensorMeta).dtype);
    }
    node(name, op.op, op.inputs.map(nameOf), attrs);
    op.outputs.forEach((id, k) => names.set(id, k === 0 ? name : `${name}:${k}`));
  });
  for (const o of outputs) {
    const m = trace.meta.get(o.id);
    if (!m) throw new Error(`output '${o.name}' (tensor ${o.id}) is not a tensor of the trace`);
    node(`out_${o.name}`, 'Identity', [nameOf(o.id)], { T: typeAttr(m.dtype) });
    signature.getOutputsMap().set(o.name, info(`out_${o.name}`, m));
  }
  const meta = new p.MetaGraphDef();
  const metaInfo = new p.MetaGraphDef.MetaInfoDef();
  metaInfo.addTags('serve');
  meta.setMetaInfoDef(metaInfo);
  meta.setGraphDef(graph);
  meta.getSignatureDefMap().set('serving_default', signature);
  const saved = new p.SavedModel();
  saved.setSavedModelSchemaVersion(1);
  saved.addMetaGraphs(meta);
  return saved.serializeBinary();
}

/** Writes the trace as a SavedModel directory (saved_model.pb and an empty variables/), atomically. */
export function writeSavedModel(trace: Trace, outputs: readonly GraphOutput[], dir: string): void {
  writeSavedModelBytes(savedModelBytes(trace, outputs), dir);
}

/**
 * Writes saved_model.pb bytes as a SavedModel directory, atomically (a reader never sees half a
 * model). An existing model in `dir` is replaced; when another process wins a race to the same
 * (content-addressed) folder, its copy is kept.
 */
export function writeSavedModelBytes(bytes: Uint8Array, dir: string): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  mkdirSync(join(tmp, 'variables'), { recursive: true });
  writeFileSync(join(tmp, 'saved_model.pb'), bytes);
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'saved_model.pb'))) throw err;
  }
}

/** A SavedModel graph loaded into tfjs-node: one session call per `run`. */
export interface GraphFunction {
  /** Input and output names (the trace's inputs and feeds; the outputs given to writeSavedModel). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  run(inputs: Record<string, tf.Tensor>): Record<string, tf.Tensor>;
  dispose(): void;
}

interface SessionBackend {
  loadSavedModelMetaGraph(path: string, tags: string): number;
  runSavedModel(id: number, inputs: tf.Tensor[], infos: { name: string; tfDtype: string }[], outputs: string[]): tf.Tensor[];
  deleteSavedModel(id: number): void;
}

/** Opens a SavedModel written by writeSavedModel (synchronously: no await inside a training step). */
export function openGraphFunction(dir: string, names: { inputs: readonly string[]; outputs: readonly string[] }): GraphFunction {
  if (tf.getBackend() !== 'tensorflow') throw new Error(`graphs run on the tensorflow (tfjs-node) backend; the active backend is '${tf.getBackend()}'`);
  const backend = tf.backend() as unknown as SessionBackend;
  const id = backend.loadSavedModelMetaGraph(dir, 'serve');
  // tfDtype only matters to tfjs-node for uint8 and int64 inputs, which these graphs do not have.
  const infos = names.inputs.map((n) => ({ name: `in_${n}:0`, tfDtype: 'DT_FLOAT' }));
  const outputNames = names.outputs.map((n) => `out_${n}:0`);
  let open = true;
  return {
    inputs: [...names.inputs],
    outputs: [...names.outputs],
    run(inputs: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
      if (!open) throw new Error('this graph was disposed');
      const missing = names.inputs.filter((n) => !(n in inputs));
      if (missing.length) throw new Error(`graph inputs missing: ${missing.join(', ')}; it takes ${names.inputs.join(', ')}`);
      const out = backend.runSavedModel(id, names.inputs.map((n) => inputs[n]), infos, outputNames);
      return Object.fromEntries(names.outputs.map((n, i) => [n, out[i]]));
    },
    dispose(): void {
      if (open) backend.deleteSavedModel(id);
      open = false;
    },
  };
}
