/** Backend selection: explicit names, EA_BACKEND, bad names, what is reported. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, backendInfo, initBackend } from '../lib/backend.js';

describe('backend', () => {
  it('activates cpu and wasm on request and reports them', async () => {
    for (const name of ['cpu', 'wasm'] as const) {
      const info = await initBackend(name);
      assert.equal(info.backend, name);
      assert.equal(tf.getBackend(), name);
      assert.equal(info.tfjs, tf.version_core);
      assert.equal((await backendInfo()).backend, name);
    }
  });

  it('gradients work on wasm and cpu without the native backend being asked for', async () => {
    for (const name of ['cpu', 'wasm'] as const) {
      await initBackend(name);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.div(tf.square(x), 2)))(tf.tensor1d([1, -2, 3]));
      assert.deepEqual(Array.from(g.dataSync()), [1, -2, 3]);
      g.dispose();
    }
  });

  it('the native backend, when it loads, reports the TensorFlow version', async (t) => {
    let info;
    try {
      info = await initBackend('tensorflow');
    } catch (err) {
      t.skip(`tfjs-node not available here: ${(err as Error).message.slice(0, 120)}`);
      return;
    }
    assert.equal(info.backend, 'tensorflow');
    assert.match(info.tensorflow ?? '', /^\d+\.\d+/);
  });

  it('rejects an unknown backend name, naming the parameter and the allowed values', async () => {
    await assert.rejects(initBackend('gpu' as never), (err: Error) =>
      /backend must be one of tensorflow, wasm, cpu; got 'gpu'/.test(err.message));
    const saved = process.env.EA_BACKEND;
    process.env.EA_BACKEND = 'webgl';
    try {
      await assert.rejects(initBackend(), /EA_BACKEND must be one of tensorflow, wasm, cpu; got 'webgl'/);
    } finally {
      if (saved === undefined) delete process.env.EA_BACKEND;
      else process.env.EA_BACKEND = saved;
    }
    assert.deepEqual([...BACKENDS], ['tensorflow', 'wasm', 'cpu']);
  });
});
