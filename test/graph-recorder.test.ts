/**
 * Recording tfjs-node's ops and running them again as one TensorFlow graph (issue 14, first part):
 * a forward-and-gradient computation recorded, written as a SavedModel, loaded and run on NEW inputs
 * gives exactly what eager execution gives on them; feeds (arrays made into tensors inside the call)
 * and constants (scalars made inside, tensors made before) end up where they belong; list attributes;
 * no tensor or session leak over many runs; clear errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { GraphRecorder } from '../lib/train/graph/recorder.js';
import { ATTR, openGraphFunction, writeSavedModel } from '../lib/train/graph/saved-model.js';
import { testBackends } from './helpers.js';

const backends = await testBackends();
const skip = backends.includes('tensorflow') ? false : 'needs the tensorflow (tfjs-node) backend';
const root = mkdtempSync(join(tmpdir(), 'ea-graph-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const dir = (): string => join(root, `g${dirs++}`);
const same = (a: tf.Tensor, b: tf.Tensor, what: string): void => {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()), `${what}: values, bit for bit`);
};

test('the attribute codes written to graphs are the binding\'s', { skip }, async () => {
  await initBackend('tensorflow');
  const binding = (tf.backend() as unknown as { binding: Record<string, number> }).binding;
  for (const [k, v] of Object.entries(ATTR)) assert.equal(binding[`TF_ATTR_${k}`], v, k);
  const require = createRequire(import.meta.url);
  const api = require('@tensorflow/tfjs-node/dist/proto/api_pb.js') as { DataType: Record<string, number> };
  assert.deepEqual([api.DataType.DT_FLOAT, api.DataType.DT_INT32, api.DataType.DT_BOOL], [binding.TF_FLOAT, binding.TF_INT32, binding.TF_BOOL]);
});

test('a loss and its gradients, recorded and run as one graph on new inputs, equal eager execution bit for bit', { skip }, async () => {
  await initBackend('tensorflow');
  const recorder = GraphRecorder.get();
  const cached = tf.keep(tf.tensor1d([0.5, -1, 2])); // made before the recording: captured as a constant
  const step = (x: tf.Tensor, w: tf.Tensor, batch: Float32Array): tf.Tensor[] => tf.tidy(() => {
    const y = tf.tensor2d(batch, [4, 2]); // a feed: the array is the graph's input
    const { value, grads } = tf.valueAndGrads((w: tf.Tensor) => {
      const h = tf.matMul(x, tf.mul(w, cached)); // [4, 3]
      const [a, b] = tf.split(h, [1, 2], 1); // list attributes (num_split, size_splits)
      const z = tf.concat([tf.transpose(a), tf.transpose(b)], 0); // [3, 4]
      const pred = tf.slice(tf.transpose(z), [0, 0], [4, 2]); // [4, 2]
      return tf.mean(tf.square(tf.sub(pred, tf.mul(y, 0.5))));
    })([w]);
    return [value, grads[0], tf.sub(w, tf.mul(grads[0], 0.1))];
  });
  const x = tf.randomNormal([4, 3], 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3], 0, 1, 'float32', 2);
  const batch = Float32Array.from({ length: 8 }, (_, i) => i / 3);
  const { result, trace } = recorder.record(() => step(x, w, batch), { inputs: { x, w }, feeds: { batch } });
  assert.ok(trace.ops.length > 10, `${trace.ops.length} ops`);
  assert.deepEqual(trace.feeds.map((f) => [f.name, f.meta.shape]), [['batch', [4, 2]]]);
  const outputs = ['loss', 'grad', 'next'].map((name, k) => ({ name, id: recorder.idOf(result[k]) }));
  const d = dir();
  writeSavedModel(trace, outputs, d);
  const graph = openGraphFunction(d, { inputs: ['x', 'w', 'batch'], outputs: ['loss', 'grad', 'next'] });
  assert.throws(() => graph.run({ x }), /graph inputs missing: w, batch; it takes x, w, batch/);
  // New inputs: the graph must compute with them, not with the recorded values.
  const x2 = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
  const w2 = tf.randomNormal([3, 3], 0, 1, 'float32', 4);
  const batch2 = Float32Array.from({ length: 8 }, (_, i) => Math.sin(i));
  const eager = step(x2, w2, batch2);
  const out = graph.run({ x: x2, w: w2, batch: tf.tensor2d(batch2, [4, 2]) });
  same(out.loss, eager[0], 'loss');
  same(out.grad, eager[1], 'gradient');
  same(out.next, eager[2], 'updated weights');
  assert.notDeepEqual(Array.from(out.loss.dataSync()), Array.from(result[0].dataSync()), 'not the recorded numbers');
  // Many runs: no tensor left behind (tfjs and the binding), outputs fed back.
  tf.dispose([...Object.values(out), ...eager]);
  let wk = tf.clone(w2);
  const batchTensor = tf.tensor2d(batch2, [4, 2]);
  const nativeTensors = (): number => (tf.backend() as unknown as { binding: { getNumOfTensors(): number } }).binding.getNumOfTensors();
  tf.dispose(Object.values(graph.run({ x: x2, w: wk, batch: batchTensor }))); // a first call, so that nothing made once is counted
  const runs = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const o = graph.run({ x: x2, w: wk, batch: batchTensor });
      tf.dispose([wk, o.loss, o.grad]);
      wk = o.next;
    }
  };
  const before = tf.memory().numTensors;
  runs(10);
  const nativeBefore = nativeTensors();
  runs(50);
  assert.equal(tf.memory().numTensors, before, 'the same tensors after 60 runs: outputs fed back, the rest disposed');
  assert.ok(nativeTensors() <= nativeBefore, `no native tensor left per run (${nativeTensors()} after 50 more runs, ${nativeBefore} before)`);
  tf.dispose([wk, batchTensor]);
  graph.dispose();
  assert.throws(() => graph.run({ x: x2, w: w2, batch: batchTensor }), /this graph was disposed/);
  tf.dispose([x, w, x2, w2, cached, ...result]);
});

test('clear errors: another backend, a feed that was never used, nested recordings, an output not in the trace', { skip }, async () => {
  await initBackend('cpu');
  assert.throws(() => GraphRecorder.get(), /graph recording needs the tensorflow \(tfjs-node\) backend; the active backend is 'cpu'/);
  await initBackend('tensorflow');
  const recorder = GraphRecorder.get();
  const unused = new Float32Array(3);
  assert.throws(() => recorder.record(() => tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2))), { feeds: { unused } }),
    /feed 'unused' was never made into a tensor during the call \(pass the very array given to tf.tensor\)/);
  assert.throws(() => recorder.record(() => recorder.record(() => 1)), /recordings do not nest/);
  const { trace } = recorder.record(() => tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2))));
  assert.throws(() => writeSavedModel(trace, [{ name: 'x', id: 987654321 }], dir()), /output 'x' \(tensor 987654321\) is not a tensor of the trace/);
});
