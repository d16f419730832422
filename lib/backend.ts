/**
 * Chooses the TensorFlow.js backend: `tensorflow` (tfjs-node, native, fastest) > `wasm` > `cpu`.
 *
 * `EA_BACKEND=tensorflow|wasm|cpu` (or the `backend` argument) forces one. When the native binding
 * is missing (for instance because its download was blocked and the offline build failed), the
 * library falls back to wasm and says so once, on stderr.
 *
 * ```ts
 * const info = await initBackend();   // { backend: 'tensorflow', tfjs: '4.22.0', tensorflow: '2.21.0', ... }
 * ```
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

// tfjs-core's Node build registers no gradients; the union package does (and shares this tfjs-core).
// Without this line every tf.grads call on wasm/cpu fails unless tfjs-node happened to be loaded.
createRequire(import.meta.url)('@tensorflow/tfjs');

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendInfo {
  /** The active backend. */
  backend: BackendName;
  /** Version of @tensorflow/tfjs-core. */
  tfjs: string;
  /** Version of the TensorFlow C library behind tfjs-node, when that backend is active. */
  tensorflow?: string;
  /** Why a faster backend was not used, if one was skipped. */
  fallbackReason?: string;
  /** tfjs-node only: TensorFlow's CPU kernels, 'eigen' (default here) or 'onednn' (TF_ENABLE_ONEDNN_OPTS=1). */
  kernels?: 'eigen' | 'onednn';
  /** tfjs-node only: threads per kernel (TF_NUM_INTRAOP_THREADS; default here 1), or 'default' (TensorFlow's: one per core). */
  threads?: number | 'default';
  /** tfjs-node only: whether XLA auto-clustering was on (EA_XLA=1, or TF_XLA_FLAGS set by the user; see `applyKernelDefaults`). */
  xla?: boolean;
}

const require = createRequire(import.meta.url);
let active: BackendInfo | undefined;
let nodeLoadError: string | undefined;
let warned = false;
let warnedOnednn = false;
let loadedWith: ReturnType<typeof kernelSettings> | undefined;

/**
 * How TensorFlow computes on this process, fixed when tfjs-node loads (docs/reproducibility.md):
 * - TF_ENABLE_ONEDNN_OPTS=0: Eigen kernels, not oneDNN. TensorFlow turns oneDNN on by itself only on
 *   CPUs with AVX-512 VNNI / BF16 / AMX, and oneDNN's batched products give a matrix of a batch other
 *   bits than the same matrix alone (measured: the middle one of 3 with its AVX2 kernels), so training
 *   S models at once would not be training each alone. Eigen picks each item's kernel from the item's
 *   shape only, and TensorFlow's wheel compiles Eigen for AVX, so the same code runs on every CPU.
 * - TF_NUM_INTRAOP_THREADS=1: one thread per kernel. A long contraction (a weight gradient over 1024
 *   rows) is split by thread count, so two threads and one give different last bits; with one thread
 *   everywhere a record does not depend on `--workers` (one thread per worker) or on the machine's cores.
 * - XLA off unless EA_XLA=1: then TF_XLA_FLAGS gets XLA's auto-clustering (`XLA_FLAGS` below) unless the
 *   user set TF_XLA_FLAGS. It compiles the graph engine's step graphs (eager ops are not clustered).
 *   Measured (bench/README.md): no gain with one TensorFlow thread, and a first graph step of seconds.
 * Either can be set otherwise in the environment before the first `initBackend`; `BackendInfo` (and
 * every record) says what was used.
 */
function applyKernelDefaults(): void {
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '0';
  process.env.TF_NUM_INTRAOP_THREADS ??= '1';
  if (/^(1|true)$/i.test(process.env.EA_XLA ?? '') && !process.env.TF_XLA_FLAGS) process.env.TF_XLA_FLAGS = XLA_FLAGS; // a user's TF_XLA_FLAGS wins
}

/** XLA auto-clustering of whole graphs on the CPU (TOOLCHAIN.md; must be in the environment before TensorFlow loads). */
export const XLA_FLAGS = '--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit';

/** The kernels, threads and XLA setting TensorFlow was loaded with (see `applyKernelDefaults`). */
function kernelSettings(): { kernels: 'eigen' | 'onednn'; threads: number | 'default'; xla: boolean } {
  const onednn = !/^(0|false)$/i.test(process.env.TF_ENABLE_ONEDNN_OPTS ?? '');
  const threads = Number(process.env.TF_NUM_INTRAOP_THREADS);
  return {
    kernels: onednn ? 'onednn' : 'eigen', threads: Number.isInteger(threads) && threads > 0 ? threads : 'default',
    xla: /--tf_xla_auto_jit=[12]|--tf_xla_cpu_global_jit(=true)?(\s|$)/.test(process.env.TF_XLA_FLAGS ?? ''),
  };
}

/** Loads tfjs-node once (it registers the `tensorflow` backend); returns the error text if it cannot. */
function loadTfjsNode(): string | undefined {
  if (nodeLoadError !== undefined || tf.findBackendFactory('tensorflow')) return nodeLoadError;
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2'; // silence libtensorflow's CPU-feature banner
  applyKernelDefaults();
  loadedWith = kernelSettings();
  try {
    require('@tensorflow/tfjs-node');
  } catch (err) {
    nodeLoadError = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  }
  return nodeLoadError;
}

function parseBackend(name: string, source: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(`${source} must be one of ${BACKENDS.join(', ')}; got '${name}'`);
}

/**
 * Activates a backend and returns what is active. Idempotent: a second call with no argument returns
 * the current backend. Without an argument the choice is `EA_BACKEND`, else the best available.
 */
export async function initBackend(backend?: BackendName): Promise<BackendInfo> {
  const requested = backend !== undefined ? parseBackend(backend, 'backend')
    : process.env.EA_BACKEND ? parseBackend(process.env.EA_BACKEND, 'EA_BACKEND') : undefined;
  if (active && (requested === undefined || requested === active.backend)) return active;

  let fallbackReason: string | undefined;
  let chosen: BackendName;
  if (requested === 'tensorflow' || requested === undefined) {
    const err = loadTfjsNode();
    if (err === undefined) chosen = 'tensorflow';
    else if (requested === 'tensorflow') {
      throw new Error(`EA_BACKEND=tensorflow but @tensorflow/tfjs-node cannot be loaded: ${err}. ` +
        'Run `npm run setup` to build it, or choose wasm or cpu.');
    } else {
      chosen = 'wasm';
      fallbackReason = `@tensorflow/tfjs-node unavailable (${err})`;
    }
  } else {
    chosen = requested;
  }
  if (!(await tf.setBackend(chosen))) throw new Error(`tfjs could not initialise the '${chosen}' backend`);
  await tf.ready();
  if (fallbackReason && !warned) {
    warned = true;
    console.warn(`[expressive-attention] ${fallbackReason}; using the ${chosen} backend (slower). ` +
      'Run `npm run setup` to build the native backend.');
  }
  active = { backend: chosen, tfjs: tf.version_core, fallbackReason };
  if (chosen === 'tensorflow') {
    active.tensorflow = tensorflowVersion();
    Object.assign(active, loadedWith ?? kernelSettings());
    if (active.kernels === 'onednn' && !warnedOnednn) {
      warnedOnednn = true;
      console.warn('[expressive-attention] TF_ENABLE_ONEDNN_OPTS is on: oneDNN kernels (faster on some CPUs), but seed-batched ' +
        'replicas may then differ from single runs in the last bits (docs/reproducibility.md).');
    }
  }
  return active;
}

function tensorflowVersion(): string | undefined {
  const b = tf.backend() as unknown as { binding?: { TF_Version?: string } };
  return b.binding?.TF_Version;
}

/** What is active now (initialising the default backend first if nothing is). */
export async function backendInfo(): Promise<BackendInfo> {
  return active ?? initBackend();
}
