/** Backend selection: explicit names, EA_BACKEND, bad names, what is reported. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, XLA_FLAGS, backendInfo, initBackend } from '../lib/backend.js';

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
    assert.ok(info.kernels === 'eigen' || info.kernels === 'onednn', `kernels ${info.kernels}`);
  });

  it('the native backend defaults to Eigen kernels and one thread; the environment overrides both, and says so', async (t) => {
    try {
      await initBackend('tensorflow');
    } catch {
      t.skip('tfjs-node not available here');
      return;
    }
    // Fresh processes: TensorFlow reads these variables once, when it loads.
    const script = "import { initBackend } from './lib/backend.ts'; const i = await initBackend('tensorflow'); " +
      "console.log(JSON.stringify({ kernels: i.kernels, threads: i.threads, env: [process.env.TF_ENABLE_ONEDNN_OPTS, process.env.TF_NUM_INTRAOP_THREADS] }));";
    const xlaScript = "import { initBackend } from './lib/backend.ts'; const i = await initBackend('tensorflow'); console.log(JSON.stringify({ xla: i.xla, flags: process.env.TF_XLA_FLAGS ?? null }));";
    const ours = ['TF_ENABLE_ONEDNN_OPTS', 'TF_NUM_INTRAOP_THREADS', 'TF_XLA_FLAGS', 'EA_XLA'];
    const run = (env: Record<string, string>, code = script) => {
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !ours.includes(k)));
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: new URL('..', import.meta.url), env: { ...base, ...env }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return { info: JSON.parse(r.stdout.trim().split('\n').pop() as string), stderr: r.stderr };
    };
    const plain = run({});
    assert.deepEqual(plain.info, { kernels: 'eigen', threads: 1, env: ['0', '1'] });
    assert.doesNotMatch(plain.stderr, /oneDNN/);
    const fast = run({ TF_ENABLE_ONEDNN_OPTS: '1', TF_NUM_INTRAOP_THREADS: '2' });
    assert.deepEqual(fast.info, { kernels: 'onednn', threads: 2, env: ['1', '2'] });
    assert.match(fast.stderr, /TF_ENABLE_ONEDNN_OPTS is on: oneDNN kernels .* may then differ from single runs/);
    // XLA: off by default; EA_XLA=1 sets TF_XLA_FLAGS to auto-clustering; a user's TF_XLA_FLAGS is kept.
    assert.deepEqual(run({}, xlaScript).info, { xla: false, flags: null });
    assert.deepEqual(run({ EA_XLA: '1' }, xlaScript).info, { xla: true, flags: XLA_FLAGS });
    assert.deepEqual(run({ EA_XLA: '1', TF_XLA_FLAGS: '--tf_xla_auto_jit=0' }, xlaScript).info, { xla: false, flags: '--tf_xla_auto_jit=0' });
    assert.deepEqual(run({ TF_XLA_FLAGS: '--tf_xla_auto_jit=2' }, xlaScript).info, { xla: true, flags: '--tf_xla_auto_jit=2' });
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
