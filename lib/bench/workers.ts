/**
 * Using both cores: K worker processes, each training its own models, against one. `measureWorkers`
 * starts K copies of worker-main at once and reports the total model-steps per second (the runner's
 * `--workers` does the same with grid cells). `defaultWorkers` is the default for that option.
 *
 * On tfjs-node each worker gets TF_NUM_INTRAOP_THREADS (default 1 when K > 1): TensorFlow's intra-op
 * thread pool otherwise starts one thread per core in every worker, and K such pools on K cores spend
 * their time waiting for each other.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../backend.js';
import type { BenchConfig } from './configs.js';
import { availableCores } from '../util/parallelism.js';

export interface WorkerMeasurement {
  workers: number;
  /** Models trained together in each worker (seed-batched lanes). */
  lanes: number;
  /** TF_NUM_INTRAOP_THREADS given to each worker (tfjs-node), or null: the environment's, else the library's default (one, lib/backend.ts). */
  threads: number | null;
  /** Total model-steps per second over all workers (wall time of the slowest). */
  modelStepsPerS: number;
  /** Per worker: ms per step. */
  msPerStep: number[];
}

export interface MeasureWorkersOptions {
  /** Benchmark configuration: a name (configs.ts) or the configuration itself. */
  config: string | BenchConfig;
  /** Worker counts to try. Default [1, cores]. */
  workers?: number[];
  /** Lanes per worker. Default 1. */
  lanes?: number;
  /** Timed steps per worker. Default 15. */
  steps?: number;
  warmup?: number;
  backend?: BackendName;
  /** TF_NUM_INTRAOP_THREADS per worker; null: the environment's, else the library's default (one thread). Default 1 when workers > 1, else null. */
  threads?: number | null;
  /** The engine the workers train with (StackedTrainer.useGraph for 'graph'). Default 'eager'. */
  engine?: 'eager' | 'graph';
  /** More environment for the workers (e.g. EA_XLA=1). */
  env?: Record<string, string>;
}

/** One worker's own figures. */
export interface WorkerRun {
  steps: number;
  lanes: number;
  ms: number;
  cpuMs: number;
  /** The engine that ran the timed steps (a graph request falls back to eager where it cannot be traced). */
  engine: 'eager' | 'graph';
  /** The first step run as a graph (in the warmup; with XLA it includes compiling), or null. */
  firstGraphStepMs: number | null;
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** Runs `workers` copies of worker-main at once and collects their JSON lines. */
async function runWorkers(k: number, o: Required<Omit<MeasureWorkersOptions, 'workers' | 'backend' | 'threads' | 'env'>> & { backend?: BackendName; threads: number | null; env?: Record<string, string> }): Promise<WorkerMeasurement & { runs: WorkerRun[] }> {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = join(HERE, fromSource ? 'worker-main.ts' : 'worker-main.js');
  const args = [...(fromSource ? ['--import', 'tsx'] : []), entry, JSON.stringify({ config: o.config, lanes: o.lanes, steps: o.steps, warmup: o.warmup, backend: o.backend, engine: o.engine })];
  const env = {
    ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...(o.threads !== null ? { TF_NUM_INTRAOP_THREADS: String(o.threads), TF_NUM_INTEROP_THREADS: '1' } : {}), ...o.env,
  };
  const runs = await Promise.all(Array.from({ length: k }, () => new Promise<WorkerRun>((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) reject(new Error(`worker exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      else resolve(JSON.parse(line) as WorkerRun);
    });
  })));
  const slowest = Math.max(...runs.map((r) => r.ms));
  const modelSteps = runs.reduce((n, r) => n + r.steps * r.lanes, 0);
  return { workers: k, lanes: o.lanes, threads: o.threads, modelStepsPerS: (1000 * modelSteps) / slowest, msPerStep: runs.map((r) => r.ms / r.steps), runs };
}

/**
 * One worker process training `lanes` models of `config` with `engine` and more environment `env`
 * (e.g. EA_XLA=1: XLA must be on before TensorFlow loads, so it is measured in a child); its figures.
 */
export async function measureInChild(config: string | BenchConfig, lanes: number, o: { steps: number; warmup: number; engine: 'eager' | 'graph'; env?: Record<string, string>; backend?: BackendName }): Promise<WorkerRun> {
  const m = await runWorkers(1, { config, lanes, steps: o.steps, warmup: o.warmup, engine: o.engine, env: o.env, backend: o.backend, threads: null });
  return m.runs[0];
}

/** Total throughput with each worker count in `workers` (see the file comment). */
export async function measureWorkers(options: MeasureWorkersOptions): Promise<WorkerMeasurement[]> {
  const counts = options.workers ?? [1, availableCores()];
  const out: WorkerMeasurement[] = [];
  for (const k of counts) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`worker counts must be positive integers; got ${k}`);
    const threads = options.threads !== undefined ? options.threads : k > 1 ? 1 : null;
    out.push(await runWorkers(k, {
      config: options.config, lanes: options.lanes ?? 1, steps: options.steps ?? 15, warmup: options.warmup ?? 3, backend: options.backend, threads,
      engine: options.engine ?? 'eager', env: options.env,
    }));
  }
  return out;
}
