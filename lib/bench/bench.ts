/**
 * `ea bench` / `npm run bench`: training throughput of this library against PyTorch, measured side by
 * side in one run on the same machine, for the reference configurations (configs.ts):
 *
 *   single   one model at a time (`train()`'s engine, one lane)
 *   batched  S replicas trained together (`trainBatched`'s engine, S lanes; default S = 8)
 *   graph    (tfjs-node) the same two, each step one TensorFlow graph (`engine: 'graph'`, lib/train/graph/)
 *   xla      (tfjs-node) the graph engine with XLA auto-clustering (EA_XLA=1), in a child process each round
 *            because XLA must be on before TensorFlow loads; its first graph step (compiling) is reported
 *   threads  (tfjs-node, > 1 core) the graph engine with one TensorFlow thread per core, in a child process
 *            each round (the library's default is one thread; TensorFlow reads the count when it loads)
 *   torch    the same model in PyTorch CPU eager (bench/torch_reference.py, in a child process), with one
 *            thread and with torch's default; the faster is the reference
 *   naive    the step this project started from (for the kernel count; timed too)
 *
 * Modes alternate in rounds and each reports its median round, so a load change on a shared machine
 * hits all of them. Reported per configuration: ms per step, model-steps per second, kernels per step,
 * peak tensor memory, the ratios single/torch and batched/torch (null without PyTorch), and whether
 * the batched replicas stayed bit-identical to single runs over a few steps.
 *
 * ```ts
 * const report = await runBench({ configs: ['iarc-transformer'], json: 'bench.json', log: console.log });
 * ```
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, initBackend, type BackendName } from '../backend.js';
import { initParams, disposeParams } from '../models/params.js';
import { createModel } from '../models/registry.js';
import type { BatchData } from '../train/data.js';
import { StackedTrainer, type LaneStepSettings } from '../train/engine.js';
import { Rng } from '../util/rng.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { benchConfigs, type BenchConfig } from './configs.js';
import { countKernels } from './kernels.js';
import { NaiveTrainer } from './naive.js';
import { measureInChild } from './workers.js';

export interface BenchOptions {
  /** Configuration names (configs.ts) or configurations; default all. */
  configs?: (string | BenchConfig)[];
  /** Replicas in the batched mode (S). Default 8. */
  replicas?: number;
  /** Timed steps per mode and round. Default 10. */
  steps?: number;
  /** Untimed steps before the first round. Default 3. */
  warmup?: number;
  /** Rounds (each mode once per round; the median round counts). Default 3. */
  rounds?: number;
  /** Run the PyTorch reference: 'auto' (when torch is found), true (fail without it), false. Default 'auto'. */
  torch?: boolean | 'auto';
  /** Python with torch. Default: $EA_TORCH_PYTHON, else .cache/torch-venv/bin/python, else python3. */
  python?: string;
  /** tfjs backend; default the active one (EA_BACKEND or the best available). */
  backend?: BackendName;
  /** Also time the naive step (slow on wasm/cpu). Default true. */
  naive?: boolean;
  /** Also time the graph engine with XLA (tfjs-node only; a child process per round). Default true. */
  xla?: boolean;
  /**
   * Also time the graph engine with one TensorFlow thread per core (tfjs-node, more than one core; a child
   * process per round with TF_NUM_INTRAOP_THREADS = cores). The library's default is one thread (lib/backend.ts:
   * last bits independent of the worker count); PyTorch's reference takes the faster of 1 and its default. Default true.
   */
  threads?: boolean;
  /** Write the report as JSON here (atomically). */
  json?: string;
  /** Progress lines (e.g. console.log). Default: silent. */
  log?: (line: string) => void;
}

/** One configuration's figures (the JSON fields of issue 5, plus details). */
export interface BenchConfigReport {
  name: string;
  description: string;
  parameters: number;
  torch_steps_per_s: number | null;
  single_steps_per_s: number;
  batched_model_steps_per_s: number;
  kernels_per_step: number;
  batched_kernels_per_step: number;
  naive_kernels_per_step: number;
  naive_steps_per_s: number | null;
  ratio_single: number | null;
  ratio_batched: number | null;
  replicas: number;
  ms_per_step: { single: number; batched: number; naive: number | null; torch: number | null; torch_1_thread: number | null; torch_default_threads: number | null };
  /** Process CPU time per step, all threads (less sensitive to other load than wall time). */
  cpu_ms_per_step: { single: number; batched: number; torch_1_thread: number | null; torch_default_threads: number | null };
  /** Peak bytes held in tfjs tensors during one step (MB); torch: the child's peak RSS (MB, the whole process). */
  peak_memory_mb: { single: number; batched: number; naive: number; torch_process_rss: number | null };
  /** The graph engine (tfjs-node; null elsewhere): ms per step one model at a time and S together, model-steps per second. */
  graph: { single_ms: number; batched_ms: number; single_steps_per_s: number; batched_model_steps_per_s: number } | null;
  /**
   * The graph engine with XLA auto-clustering (tfjs-node with xla on; null elsewhere), measured in a child
   * process per round; first_step_ms: the first graph step of each (compiling included), median over rounds;
   * engine: what the child ran ('eager' if the step could not be traced).
   */
  graph_xla: {
    single_ms: number; batched_ms: number; single_steps_per_s: number; batched_model_steps_per_s: number;
    first_step_ms: { single: number | null; batched: number | null }; engine: 'eager' | 'graph';
  } | null;
  /** The graph engine with TF_NUM_INTRAOP_THREADS = `threads` (the machine's cores), in a child process per round (tfjs-node, > 1 core; else null). */
  graph_threads: { threads: number; single_ms: number; batched_ms: number; single_steps_per_s: number; batched_model_steps_per_s: number } | null;
  /** The engine with the most model-steps per second, one model at a time and S together; the ratios are theirs. */
  best_engine: { single: BenchEngine; batched: BenchEngine };
  /** Replica 0 of a batched run vs a single run, 3 steps from the same start: identical losses and parameters? */
  batched_bit_identical: boolean;
  batched_max_abs_diff: number;
}

export interface BenchReport {
  backend: string;
  machine: {
    cpus: number; cpu: string; memory_gb: number; os: string; node: string; tfjs: string; tensorflow: string | null;
    torch: string | null; loadavg_before: number[]; loadavg_after: number[];
  };
  settings: { replicas: number; steps: number; rounds: number; warmup: number };
  /** Why PyTorch was not run, when it was not. */
  torch_note: string | null;
  configs: BenchConfigReport[];
}

export type BenchEngine = 'eager' | 'graph' | 'graph+xla' | 'graph+threads';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TORCH_SCRIPT = join(ROOT, 'bench', 'torch_reference.py');

/** A Python that can import torch, or why there is none. */
export function findTorchPython(explicit?: string): { python?: string; version?: string; note?: string } {
  const candidates = explicit ? [explicit]
    : [process.env.EA_TORCH_PYTHON, join(ROOT, '.cache', 'torch-venv', 'bin', 'python'), 'python3'].filter((p): p is string => !!p);
  if (!existsSync(TORCH_SCRIPT)) return { note: `the PyTorch reference ${TORCH_SCRIPT} is missing` };
  const tried: string[] = [];
  for (const python of candidates) {
    if (python.includes('/') && !existsSync(python)) { tried.push(`${python} (missing)`); continue; }
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__.split("+")[0])'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python, version: r.stdout.trim() };
    tried.push(`${python} (no torch)`);
  }
  return {
    note: `PyTorch not found (tried ${tried.join(', ')}); create it with: python3 -m venv .cache/torch-venv && ` +
      `.cache/torch-venv/bin/pip install --retries 0 torch==${TORCH_VERSION} numpy`,
  };
}

/**
 * Creates the project-local PyTorch venv (.cache/torch-venv, ignored by git; dev-only, the library never
 * needs Python) with pip from the configured index; returns why not if it fails.
 */
export function createTorchVenv(log: (line: string) => void): string | undefined {
  const venv = join(ROOT, '.cache', 'torch-venv');
  log(`PyTorch not found: creating ${venv} (python3 -m venv; pip install torch==${TORCH_VERSION} numpy; once)`);
  for (const [cmd, args] of [['python3', ['-m', 'venv', venv]], [join(venv, 'bin', 'pip'), ['install', '--retries', '0', '--quiet', `torch==${TORCH_VERSION}`, 'numpy']]] as const) {
    const r = spawnSync(cmd, [...args], { encoding: 'utf8', timeout: 1_800_000 });
    if (r.status !== 0) return `${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-2).join(' | ')}`;
  }
  return undefined;
}

/** The PyTorch the bench's reference figures were measured with (bench/README.md). */
const TORCH_VERSION = '2.13.0';

/** One PyTorch reference run (child process): median ms per step, CPU ms per step, peak RSS, parameter count. */
export function torchStep(python: string, c: BenchConfig, steps: number, warmup: number, threads: number): { ms: number; cpu: number; rss: number; parameters: number } {
  const cfg = { model: c.model, batch: c.batch, length: c.length, steps, warmup, threads };
  const r = spawnSync(python, [TORCH_SCRIPT, JSON.stringify(cfg)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`PyTorch reference failed for ${c.name}: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' | ')}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { step_ms: number[]; cpu_ms_per_step: number; peak_rss_mb: number; parameters: number };
  return { ms: median(out.step_ms), cpu: out.cpu_ms_per_step, rss: out.peak_rss_mb, parameters: out.parameters };
}

/** Random batches (every position scored), a pure function of the seed. */
function randomBatches(seed: number, count: number, B: number, T: number, V: number): BatchData[] {
  const rng = new Rng(seed, 0xbe7c);
  return Array.from({ length: count }, () => ({
    batchSize: B, length: T,
    inputs: Int32Array.from({ length: B * T }, () => rng.int(V)),
    targets: Int32Array.from({ length: B * T }, () => rng.int(V)),
    scored: new Uint8Array(B * T).fill(1),
  }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const SETTINGS: LaneStepSettings = { learningRate: 1e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 };

/** Runs the benchmark; see the file comment. */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const log = options.log ?? ((): void => {});
  const S = options.replicas ?? 8;
  const steps = options.steps ?? 10;
  const warmup = options.warmup ?? 3;
  const rounds = options.rounds ?? 3;
  for (const [name, v] of [['replicas', S], ['steps', steps], ['rounds', rounds]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer; got ${v}`);
  }
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`warmup must be an integer ≥ 0; got ${warmup}`);
  const configs = benchConfigs(options.configs);
  const info = options.backend ? await initBackend(options.backend) : await backendInfo();
  const wantTorch = options.torch ?? 'auto';
  let found = wantTorch === false ? { note: 'PyTorch reference not requested (--no-torch)' } : findTorchPython(options.python);
  if (wantTorch !== false && !found.python && !options.python) {
    const failed = createTorchVenv(log);
    found = failed ? { note: `${found.note}; creating it failed: ${failed}` } : findTorchPython();
  }
  if (wantTorch === true && !found.python) throw new Error(found.note);
  const loadBefore = os.loadavg();
  log(`backend ${info.backend}${info.tensorflow ? ` (TensorFlow ${info.tensorflow})` : ''}, ${os.cpus().length} cores, load ${loadBefore.map((x) => x.toFixed(2)).join(' ')}; ` +
    (found.python ? `PyTorch ${found.version} (${found.python})` : `no PyTorch: ${found.note}`));

  const reports: BenchConfigReport[] = [];
  for (const c of configs) {
    const model = createModel(c.model);
    const V = model.vocabSize;
    const params = Array.from({ length: S }, (_, s) => initParams(model, s));
    const batches = Array.from({ length: S }, (_, s) => randomBatches(s, 4, c.batch, c.length, V));
    const count = c.batch * c.length;
    const single = new StackedTrainer(model, [{ params: params[0] }]);
    const batched = new StackedTrainer(model, params.map((p) => ({ params: p })));
    const naive = new NaiveTrainer(model, params[0]);
    const onNode = info.backend === 'tensorflow';
    const graphSingle = onNode ? new StackedTrainer(model, [{ params: params[0] }]) : undefined;
    const graphBatched = onNode ? new StackedTrainer(model, params.map((p) => ({ params: p }))) : undefined;
    graphSingle?.useGraph();
    graphBatched?.useGraph();
    let i = 0;
    const stepGraphSingle = (): unknown => graphSingle?.step([batches[0][i++ % 4]], [count], [SETTINGS]);
    const stepGraphBatched = (): unknown => graphBatched?.step(batches.map((b) => b[i++ % 4]), Array(S).fill(count), Array(S).fill(SETTINGS));
    const stepSingle = (): unknown => single.step([batches[0][i++ % 4]], [count], [SETTINGS]);
    const stepBatched = (): unknown => batched.step(batches.map((b) => b[i++ % 4]), Array(S).fill(count), Array(S).fill(SETTINGS));
    const stepNaive = (): unknown => naive.step(batches[0][i++ % 4], count);
    for (let w = 0; w < Math.max(1, warmup); w++) { stepSingle(); stepBatched(); stepNaive(); }
    // The graph modes: the recorded steps (2–3), the first graph step (the session's one-time optimisation), then `warmup` + 1 more.
    for (const [t, step] of [[graphSingle, stepGraphSingle], [graphBatched, stepGraphBatched]] as const) {
      if (!t) continue;
      t.warmUpGraph(step);
      for (let k = 0; k <= warmup; k++) step();
    }
    const kSingle = countKernels(stepSingle);
    const kBatched = countKernels(stepBatched);
    const kNaive = countKernels(stepNaive);
    const cpu = { single: [] as number[], batched: [] as number[], torch1: [] as number[], torchN: [] as number[] };
    const timeIt = (f: () => unknown, cpuInto?: number[]): number => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let k = 0; k < steps; k++) f();
      const wall = (performance.now() - t0) / steps;
      const used = process.cpuUsage(c0);
      cpuInto?.push((used.user + used.system) / 1000 / steps);
      return wall;
    };
    const ms = {
      single: [] as number[], batched: [] as number[], naive: [] as number[], torch1: [] as number[], torchN: [] as number[],
      graphSingle: [] as number[], graphBatched: [] as number[], xlaSingle: [] as number[], xlaBatched: [] as number[],
      threadsSingle: [] as number[], threadsBatched: [] as number[],
    };
    const cores = os.cpus().length;
    const withThreads = onNode && cores > 1 && (options.threads ?? true);
    const xlaFirst = { single: [] as number[], batched: [] as number[] };
    let xlaEngine: 'eager' | 'graph' = 'graph';
    const withXla = onNode && (options.xla ?? true);
    const childVariants: { name: string; env: Record<string, string>; single: number[]; batched: number[]; firstSingle?: number[]; firstBatched?: number[] }[] = [
      ...(withXla ? [{ name: 'xla', env: { EA_XLA: '1' }, single: ms.xlaSingle, batched: ms.xlaBatched, firstSingle: xlaFirst.single, firstBatched: xlaFirst.batched }] : []),
      ...(withThreads ? [{ name: 'threads', env: { TF_NUM_INTRAOP_THREADS: String(cores) }, single: ms.threadsSingle, batched: ms.threadsBatched }] : []),
    ];
    let torchRss: number | null = null;
    for (let r = 0; r < rounds; r++) {
      ms.single.push(timeIt(stepSingle, cpu.single));
      ms.batched.push(timeIt(stepBatched, cpu.batched));
      if (onNode) {
        ms.graphSingle.push(timeIt(stepGraphSingle));
        ms.graphBatched.push(timeIt(stepGraphBatched));
      }
      // The graph engine under settings that must be fixed before TensorFlow loads: one child process each.
      for (const v of childVariants) {
        for (const [lanes, into, first] of [[1, v.single, v.firstSingle], [S, v.batched, v.firstBatched]] as const) {
          // As in-process: the recorded steps, the first graph step (with XLA: compiling), then `warmup` + 1 more.
          const run = await measureInChild(c, lanes, { steps, warmup: 4 + warmup, engine: 'graph', env: v.env, backend: 'tensorflow' });
          into.push(run.ms / run.steps);
          if (run.firstGraphStepMs !== null) first?.push(run.firstGraphStepMs);
          if (v.name === 'xla' && run.engine !== 'graph') xlaEngine = 'eager';
        }
      }
      if (options.naive ?? true) ms.naive.push(timeIt(stepNaive));
      if (found.python) {
        for (const [threads, into, cpuInto] of [[1, ms.torch1, cpu.torch1], [0, ms.torchN, cpu.torchN]] as const) {
          const t = torchStep(found.python, c, steps, warmup, threads);
          into.push(t.ms);
          cpuInto.push(t.cpu);
          torchRss = Math.max(torchRss ?? 0, t.rss);
        }
      }
      log(`  ${c.name} round ${r + 1}/${rounds}: single ${ms.single[r].toFixed(1)} ms, batched ×${S} ${ms.batched[r].toFixed(1)} ms` +
        (onNode ? `, graph single ${ms.graphSingle[r].toFixed(1)} ms, graph ×${S} ${ms.graphBatched[r].toFixed(1)} ms` : '') +
        (withXla ? `, graph+XLA single ${ms.xlaSingle[r].toFixed(1)} ms, ×${S} ${ms.xlaBatched[r].toFixed(1)} ms` : '') +
        (withThreads ? `, graph ${cores} threads single ${ms.threadsSingle[r].toFixed(1)} ms, ×${S} ${ms.threadsBatched[r].toFixed(1)} ms` : '') +
        (ms.naive.length ? `, naive ${ms.naive[r].toFixed(1)} ms` : '') +
        (found.python ? `, torch ${ms.torch1[r].toFixed(1)} ms (1 thread) / ${ms.torchN[r].toFixed(1)} ms (default threads)` : ''));
    }
    single.dispose();
    batched.dispose();
    naive.dispose();
    graphSingle?.dispose();
    graphBatched?.dispose();
    const identity = checkIdentity(c, params, batches, count);
    params.forEach(disposeParams);
    const parameters = model.parameters.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    model.dispose();
    const msSingle = median(ms.single);
    const msBatched = median(ms.batched);
    const msTorch1 = found.python ? median(ms.torch1) : null;
    const msTorchN = found.python ? median(ms.torchN) : null;
    const msTorch = msTorch1 !== null && msTorchN !== null ? Math.min(msTorch1, msTorchN) : null;
    const torchRate = msTorch !== null ? 1000 / msTorch : null;
    const graph = onNode ? {
      single_ms: median(ms.graphSingle), batched_ms: median(ms.graphBatched),
      single_steps_per_s: 1000 / median(ms.graphSingle), batched_model_steps_per_s: (1000 * S) / median(ms.graphBatched),
    } : null;
    const graphXla = withXla ? {
      single_ms: median(ms.xlaSingle), batched_ms: median(ms.xlaBatched),
      single_steps_per_s: 1000 / median(ms.xlaSingle), batched_model_steps_per_s: (1000 * S) / median(ms.xlaBatched),
      first_step_ms: { single: xlaFirst.single.length ? median(xlaFirst.single) : null, batched: xlaFirst.batched.length ? median(xlaFirst.batched) : null },
      engine: xlaEngine,
    } : null;
    const graphThreads = withThreads ? {
      threads: cores, single_ms: median(ms.threadsSingle), batched_ms: median(ms.threadsBatched),
      single_steps_per_s: 1000 / median(ms.threadsSingle), batched_model_steps_per_s: (1000 * S) / median(ms.threadsBatched),
    } : null;
    const fastest = (eager: number, g: number | undefined, x: number | undefined, t: number | undefined): { engine: BenchEngine; ms: number } =>
      [{ engine: 'eager' as const, ms: eager }, { engine: 'graph' as const, ms: g }, { engine: 'graph+xla' as const, ms: x }, { engine: 'graph+threads' as const, ms: t }]
        .filter((e): e is { engine: BenchEngine; ms: number } => e.ms !== undefined)
        .reduce((a, b) => (b.ms < a.ms ? b : a));
    const bestSingle = fastest(msSingle, graph?.single_ms, graphXla?.single_ms, graphThreads?.single_ms);
    const bestBatched = fastest(msBatched, graph?.batched_ms, graphXla?.batched_ms, graphThreads?.batched_ms);
    const best = { single: bestSingle.engine, batched: bestBatched.engine };
    const singleRate = 1000 / bestSingle.ms;
    const batchedRate = (1000 * S) / bestBatched.ms;
    const report: BenchConfigReport = {
      name: c.name, description: c.description, parameters,
      torch_steps_per_s: torchRate, single_steps_per_s: 1000 / msSingle, batched_model_steps_per_s: (1000 * S) / msBatched,
      kernels_per_step: kSingle.kernels, batched_kernels_per_step: kBatched.kernels, naive_kernels_per_step: kNaive.kernels,
      naive_steps_per_s: ms.naive.length ? 1000 / median(ms.naive) : null,
      ratio_single: torchRate !== null ? singleRate / torchRate : null,
      ratio_batched: torchRate !== null ? batchedRate / torchRate : null,
      replicas: S,
      ms_per_step: {
        single: msSingle, batched: msBatched, naive: ms.naive.length ? median(ms.naive) : null,
        torch: msTorch, torch_1_thread: msTorch1, torch_default_threads: msTorchN,
      },
      cpu_ms_per_step: {
        single: median(cpu.single), batched: median(cpu.batched),
        torch_1_thread: found.python ? median(cpu.torch1) : null, torch_default_threads: found.python ? median(cpu.torchN) : null,
      },
      peak_memory_mb: { single: kSingle.peakBytes / 2 ** 20, batched: kBatched.peakBytes / 2 ** 20, naive: kNaive.peakBytes / 2 ** 20, torch_process_rss: torchRss },
      graph, graph_xla: graphXla, graph_threads: graphThreads, best_engine: best,
      batched_bit_identical: identity.identical,
      batched_max_abs_diff: identity.maxAbsDiff,
    };
    reports.push(report);
    log(formatConfigLine(report));
  }
  const report: BenchReport = {
    backend: info.backend,
    machine: {
      cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`,
      node: process.version, tfjs: info.tfjs, tensorflow: info.tensorflow ?? null, torch: found.version ?? null,
      loadavg_before: loadBefore, loadavg_after: os.loadavg(),
    },
    settings: { replicas: S, steps, rounds, warmup },
    torch_note: found.python ? null : (found.note ?? null),
    configs: reports,
  };
  if (options.json) writeFileAtomic(options.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/**
 * Replica 0 of a batched engine vs a single-lane engine, 3 steps from the same parameters and batches:
 * whether losses and parameters are identical, and the largest difference.
 */
function checkIdentity(c: BenchConfig, params: Record<string, tf.Tensor>[], batches: BatchData[][], count: number): { identical: boolean; maxAbsDiff: number } {
  const model = createModel(c.model);
  const S = params.length;
  const one = new StackedTrainer(model, [{ params: params[0] }]);
  const many = new StackedTrainer(model, params.map((p) => ({ params: p })));
  let maxAbsDiff = 0;
  for (let k = 0; k < 3; k++) {
    const a = one.step([batches[0][k]], [count], [SETTINGS]);
    const b = many.step(batches.map((x) => x[k]), Array(S).fill(count), Array(S).fill(SETTINGS));
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[0].loss - b[0].loss), Math.abs(a[0].gradNorm - b[0].gradNorm));
  }
  const pa = one.lane(0).params;
  const pb = many.lane(0).params;
  for (let j = 0; j < pa.length; j++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(pa[j] - pb[j]));
  one.dispose();
  many.dispose();
  model.dispose();
  return { identical: maxAbsDiff === 0, maxAbsDiff };
}

const fmt = (x: number | null, digits = 1): string => (x === null ? '—' : x.toFixed(digits));

function formatConfigLine(r: BenchConfigReport): string {
  return `${r.name}: single ${fmt(r.single_steps_per_s)} steps/s, batched ×${r.replicas} ${fmt(r.batched_model_steps_per_s)} model-steps/s, ` +
    (r.graph ? `graph single ${fmt(r.graph.single_steps_per_s)} steps/s, graph ×${r.replicas} ${fmt(r.graph.batched_model_steps_per_s)} model-steps/s, ` : '') +
    (r.graph_xla ? `graph+XLA single ${fmt(r.graph_xla.single_steps_per_s)} steps/s, ×${r.replicas} ${fmt(r.graph_xla.batched_model_steps_per_s)} model-steps/s ` +
      `(first step ${fmt(r.graph_xla.first_step_ms.single, 0)} / ${fmt(r.graph_xla.first_step_ms.batched, 0)} ms), ` : '') +
    (r.graph_threads ? `graph ${r.graph_threads.threads} threads single ${fmt(r.graph_threads.single_steps_per_s)} steps/s, ×${r.replicas} ${fmt(r.graph_threads.batched_model_steps_per_s)} model-steps/s, ` : '') +
    `torch ${fmt(r.torch_steps_per_s)} steps/s; ratios ${fmt(r.ratio_single, 2)} / ${fmt(r.ratio_batched, 2)}; ` +
    `kernels ${r.kernels_per_step} (naive ${r.naive_kernels_per_step}); bit-identical ${r.batched_bit_identical ? 'yes' : `no (max |Δ| ${r.batched_max_abs_diff.toExponential(1)})`}`;
}

/** The report as a Markdown table (for the README and the terminal). */
export function formatBenchTable(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `backend ${report.backend}${m.tensorflow ? ` (TensorFlow ${m.tensorflow})` : ''}, tfjs ${m.tfjs}, PyTorch ${m.torch ?? 'not run'}; ` +
      `${m.cpus} × ${m.cpu}; load ${m.loadavg_before.map((x) => x.toFixed(1)).join('/')} before, ${m.loadavg_after.map((x) => x.toFixed(1)).join('/')} after; ` +
      `S = ${report.settings.replicas}, ${report.settings.rounds} rounds × ${report.settings.steps} steps (median round)`,
    ...(report.torch_note ? [`PyTorch: ${report.torch_note}`] : []),
    '',
    '| config | torch ms/step | single ms/step (eager / graph / graph+XLA / graph, threads = cores) | batched ms/step ×S (eager / graph / graph+XLA / graph, threads = cores) | single / torch | batched / torch | kernels/step (naive → now) | batched bit-identical |',
    '|---|---|---|---|---|---|---|---|',
    ...report.configs.map((r) => `| ${r.name} | ${fmt(r.ms_per_step.torch)} | ${fmt(r.ms_per_step.single)} / ${fmt(r.graph?.single_ms ?? null)} / ${fmt(r.graph_xla?.single_ms ?? null)} / ${fmt(r.graph_threads?.single_ms ?? null)} | ` +
      `${fmt(r.ms_per_step.batched)} / ${fmt(r.graph?.batched_ms ?? null)} / ${fmt(r.graph_xla?.batched_ms ?? null)} / ${fmt(r.graph_threads?.batched_ms ?? null)} | ` +
      `${fmt(r.ratio_single, 2)}× (${r.best_engine.single}) | ${fmt(r.ratio_batched, 2)}× (${r.best_engine.batched}) | ${r.naive_kernels_per_step} → ${r.kernels_per_step} | ` +
      `${r.batched_bit_identical ? 'yes' : `no (max |Δ| ${r.batched_max_abs_diff.toExponential(1)})`} |`),
  ];
  return lines.join('\n');
}
