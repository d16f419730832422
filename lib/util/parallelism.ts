/**
 * How many processes to train with on this machine: one worker per core, and on tfjs-node seed
 * batching with one TensorFlow thread per worker (measured in bench/README.md).
 */
import os from 'node:os';

/** Cores available to this process. */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * The default number of worker processes for a grid run: one per core, capped by the number of jobs
 * (measured on this project's 2-core machine, bench/README.md: 2 workers give 1.4–1.8× the model-steps
 * per second of one, on tfjs-node with one TensorFlow thread each and on wasm).
 */
export function defaultWorkers(jobs = Infinity): number {
  return Math.max(1, Math.min(availableCores(), jobs));
}

/** How to spread training runs over this machine (see `recommendedParallelism`). */
export interface Parallelism {
  /** Worker processes. */
  workers: number;
  /** Replicas trained together per run (`trainBatched`'s maxReplicas); 1 = no seed batching. */
  replicasPerRun: number;
  /** TF_NUM_INTRAOP_THREADS for each worker (tfjs-node), or null (not tfjs-node). */
  tfThreadsPerWorker: number | null;
}

/**
 * What bench/README.md measured to be fastest for `jobs` training runs on `backend`: on tfjs-node,
 * seed batching (up to 8 replicas per run) in one worker per core with one TensorFlow thread each;
 * on wasm and cpu, no batching (their batched kernels are slow), one single-threaded worker per core.
 */
export function recommendedParallelism(backend: string, jobs = Infinity): Parallelism {
  if (backend === 'tensorflow') {
    const replicasPerRun = Math.max(1, Math.min(8, Math.ceil(jobs / availableCores())));
    return { workers: defaultWorkers(Math.ceil(jobs / replicasPerRun)), replicasPerRun, tfThreadsPerWorker: 1 };
  }
  return { workers: defaultWorkers(jobs), replicasPerRun: 1, tfThreadsPerWorker: null };
}
