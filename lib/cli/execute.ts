/**
 * What `ea run` and `ea reproduce` do once their arguments are checked: plan, then train in this
 * process or in worker processes (the parent side of lib/lab/pool.ts, one progress display for all),
 * and report what was done and what is left.
 */
import { fileURLToPath } from 'node:url';
import { initBackend, type BackendName } from '../backend.js';
import { recommendedParallelism } from '../util/parallelism.js';
import { attachToParent, fromWire, isPoolWorker, runWorkerPool, workerEventSink, workerShard, type Shard, type WorkerExit } from '../lab/pool.js';
import { formatEta, progressReporter } from '../lab/progress.js';
import { planRun, runExperiment, type RunEvent, type RunOptions, type RunSummary } from '../lab/runner.js';
import { defaultDataDir, type ResultProblem } from '../lab/store.js';
import { type Cell, type Experiment, type Scale } from '../lab/types.js';
import { dirname, join } from 'node:path';
import { EXIT_STOPPED_BY_TIME, type CliIO } from './args.js';
import { interruptible } from './signals.js';




/** What `ea run` and `ea reproduce` do, after their arguments are checked. */
export interface Job {
  experiments: Experiment[];
  /** 'ea-single' for `run`, 'reproduce ea' for `reproduce` (progress display). */
  label: string;
  options: RunOptions;
  /** --workers, if given. */
  workers?: number;
  /** --stop-after, in ms. */
  stopAfterMs?: number;
  dryRun: boolean;
  /** The command and options a worker process gets, without --shard, --workers, --batch-seeds and --backend. */
  args: string[];
}

/** --seeds applies to the experiments that have a seed axis. */
export function optionsFor(e: Experiment, options: RunOptions): RunOptions {
  return { ...options, seeds: 'seed' in e.scales[options.scale].axes ? options.seeds : undefined };
}

export type Plan = ReturnType<typeof planRun> & { experiment: Experiment };

/** `--dry-run`: the plan of each experiment (cells to run, cells done, step budget), nothing trained. */
function dryRun(io: CliIO, plans: Plan[], scale: Scale, parallel: string): number {
  for (const { experiment: e, ...plan } of plans) {
    const steps = plan.todo.reduce((n, c) => n + (c.spec.trainer.steps ?? 1000), 0);
    io.stdout.write(`${e.name} (${scale}): ${plan.cells.length} cells, ${plan.cells.length - plan.todo.length} already done, ` +
      `${plan.todo.length} to run (≤ ${steps} steps) → ${plan.dir}\n`);
    for (const p of plan.problems) io.stdout.write(`  warning: ${p.path}: ${p.error}\n`);
    for (const c of plan.todo) io.stdout.write(`  ${c.key}  (${c.spec.trainer.steps ?? 1000} steps)\n`);
  }
  io.stdout.write(`would run with ${parallel}\n`);
  return 0;
}

/**
 * What was done and what is left, per experiment and in all; the exit code: 1 if cells failed, else
 * 75 if --stop-after stopped the run, 130 if Ctrl-C or SIGTERM did, else 0.
 */
function report(io: CliIO, summaries: RunSummary[], byTime: boolean): number {
  const failed = summaries.reduce((n, s) => n + s.failed, 0);
  const stopped = summaries.some((s) => s.stopped);
  for (const s of summaries) {
    const left = s.cellsLeft > 0 ? `, ${s.cellsLeft} left (≤ ${s.stepsLeft} steps)` : '';
    io.stderr.write(`${s.experiment} (${s.scale}): ${s.ran} run, ${s.skipped} already done, ${s.failed} failed${left}` +
      `${s.stopped ? ', stopped' : ''} in ${formatEta(s.wallTimeMs)} → ${s.dir}\n`);
    for (const e of s.errors) io.stderr.write(`  failed ${e.key}: ${e.error}\n`);
  }
  const cellsLeft = summaries.reduce((n, s) => n + s.cellsLeft, 0);
  if (stopped && cellsLeft > 0) {
    const stepsLeft = summaries.reduce((n, s) => n + s.stepsLeft, 0);
    const trained = summaries.reduce((n, s) => n + s.stepsTrained, 0);
    const wall = summaries.reduce((t, s) => Math.max(t, s.wallTimeMs), 0);
    const eta = trained > 0 ? `about ${formatEta((stepsLeft * wall) / trained)} more at this run's ${(trained / (wall / 1000)).toFixed(1)} model-steps/s` :
      'no estimate (no steps trained in this run)';
    io.stderr.write(`left: ${cellsLeft} cell${cellsLeft > 1 ? 's' : ''}, ≤ ${stepsLeft} steps — ${eta}; run the same command again to continue\n`);
  }
  return failed > 0 ? 1 : stopped && byTime ? EXIT_STOPPED_BY_TIME : stopped ? 130 : 0;
}

/** How to start this command in a worker process: node arguments before the command's own. */
function cliEntry(): string[] {
  const here = fileURLToPath(import.meta.url); // lib/cli/execute.ts or dist/cli/execute.js
  const self = join(dirname(here), '..', here.endsWith('.ts') ? 'cli.ts' : 'cli.js');
  return self.endsWith('.ts') ? ['--import', import.meta.resolve('tsx'), self] : [self];
}

export async function execute(job: Job, io: CliIO): Promise<number> {
  if (isPoolWorker()) return asWorker(job);
  const { backend } = await initBackend(job.options.backend);
  const plans: Plan[] = job.experiments.map((e) => ({ experiment: e, ...planRun(e, optionsFor(e, job.options)) }));
  const todo = plans.reduce((n, p) => n + p.todo.length, 0);
  const batchSeeds = job.options.batchSeeds ?? recommendedParallelism(backend).replicasPerRun;
  const byDefault = job.options.scale === 'smoke' ? 1 : recommendedParallelism(backend, todo).workers;
  const workers = Math.max(1, Math.min(job.workers ?? byDefault, todo));
  const parallel = `${workers} worker process${workers > 1 ? 'es' : ''}, up to ${batchSeeds} seed${batchSeeds > 1 ? 's' : ''} trained together (${backend})`;
  if (job.dryRun) return dryRun(io, plans, job.options.scale, parallel);
  const options = { ...job.options, backend, batchSeeds };
  if (workers > 1) return inWorkers(job, io, plans, { ...options, workers });

  const { signal, byTime, release } = interruptible(io, job.stopAfterMs);
  const summaries: RunSummary[] = [];
  try {
    for (const [i, e] of job.experiments.entries()) {
      const prefix = job.experiments.length > 1 ? `[${i + 1}/${job.experiments.length}] ` : '';
      const progress = progressReporter({ stream: io.stderr, prefix });
      summaries.push(await runExperiment(e, { ...optionsFor(e, options), signal, onEvent: progress.onEvent }));
      progress.done();
      if (signal.aborted) break;
    }
    return report(io, summaries, byTime());
  } finally {
    release();
  }
}

/** In a worker process of `inWorkers`: run the share, with events and summaries going to the parent. */
async function asWorker(job: Job): Promise<number> {
  const controller = new AbortController();
  const parent = attachToParent(controller);
  const onEvent = workerEventSink(parent.send);
  const summaries: RunSummary[] = [];
  try {
    for (const e of job.experiments) {
      if (controller.signal.aborted) break;
      summaries.push(await runExperiment(e, { ...optionsFor(e, job.options), signal: controller.signal, onEvent }));
    }
  } finally {
    await parent.close({ type: 'summary', summaries });
  }
  const stopped = controller.signal.aborted || summaries.some((s) => s.stopped);
  return stopped ? 130 : summaries.some((s) => s.failed > 0) ? 1 : 0;
}

/** `--workers N` (N > 1): N worker processes, one share each, and one progress display for all. */
async function inWorkers(job: Job, io: CliIO, plans: Plan[], options: RunOptions & { backend: BackendName; batchSeeds: number; workers: number }): Promise<number> {
  const started = performance.now();
  const multi = plans.length > 1;
  // Cells by experiment and key; with several experiments the display names them experiment/key.
  const cells = new Map<string, Cell>();
  for (const p of plans) for (const c of p.cells) cells.set(`${c.experiment}/${c.key}`, c);
  const shown = (c: Cell): Cell => (multi ? { ...c, key: `${c.experiment}/${c.key}` } : c);
  const progress = progressReporter({ stream: io.stderr });
  const show = (event: RunEvent): void => {
    if (!multi) return progress.onEvent(event);
    if (event.type === 'fallback') return progress.onEvent({ ...event, cells: event.cells.map(shown) });
    if (event.type === 'cell-done') return progress.onEvent({ ...event, cell: shown(event.cell), record: { ...event.record, key: shown(event.cell).key } });
    if ('cell' in event && event.cell) return progress.onEvent({ ...event, cell: shown(event.cell) } as RunEvent);
    progress.onEvent(event);
  };
  const problems: ResultProblem[] = plans.flatMap((p) => p.problems);
  for (const problem of problems) progress.onEvent({ type: 'problem', problem });
  const first = plans[0];
  progress.onEvent({
    type: 'plan', experiment: job.label, scale: options.scale, dir: multi ? options.out ?? defaultDataDir() : first.dir,
    cells: plans.reduce((n, p) => n + p.cells.length, 0), todo: plans.flatMap((p) => p.todo.map(shown)),
    skipped: plans.reduce((n, p) => n + p.cells.length - p.todo.length, 0),
    budgetSteps: plans.reduce((n, p) => n + p.todo.reduce((m, c) => m + (c.spec.trainer.steps ?? 1000), 0), 0),
  });
  const shares = Array.from({ length: options.workers }, (_, i) => workerShard(i + 1, options.workers, options.shard));
  progress.note(`${options.workers} worker processes (shares ${shares.map((s) => `${s.k}/${s.n}`).join(', ')}), up to ${options.batchSeeds} ` +
    `seeds trained together, TF_NUM_INTRAOP_THREADS=${process.env.TF_NUM_INTRAOP_THREADS ?? 1} each (${options.backend})`);

  const pool = runWorkerPool({
    workers: options.workers, entry: cliEntry(), shard: options.shard,
    args: [...job.args, '--workers', '1', '--batch-seeds', String(options.batchSeeds), '--backend', options.backend],
    onEvent: (wire) => {
      const event = fromWire(wire, (r) => cells.get(`${r.experiment}/${r.key}`));
      if (event) show(event);
    },
    onLine: (line, i) => { if (!TF_BANNER.test(line)) progress.note(`[worker ${i}/${options.workers}] ${line}`); },
  });
  const { signal, byTime, release } = interruptible(io, job.stopAfterMs, pool);
  let exits: WorkerExit[];
  try {
    exits = await pool.done;
  } finally {
    release();
    progress.done();
  }
  const wallTimeMs = performance.now() - started;
  const summaries: RunSummary[] = [];
  for (const p of plans) {
    const parts = exits.flatMap((x) => x.summaries ?? []).filter((s) => s.experiment === p.experiment.name);
    if (parts.length === 0) continue;
    summaries.push({
      experiment: p.experiment.name, scale: options.scale, dir: p.dir, cells: p.cells.length,
      skipped: parts.reduce((n, s) => n + s.skipped, 0), ran: parts.reduce((n, s) => n + s.ran, 0), failed: parts.reduce((n, s) => n + s.failed, 0),
      errors: parts.flatMap((s) => s.errors), problems: p.problems, stopped: parts.some((s) => s.stopped), wallTimeMs,
      stepsTrained: parts.reduce((n, s) => n + s.stepsTrained, 0), cellsLeft: parts.reduce((n, s) => n + s.cellsLeft, 0),
      stepsLeft: parts.reduce((n, s) => n + s.stepsLeft, 0),
    });
  }
  const code = report(io, summaries, byTime());
  // A worker that ended without its summaries, or other than with 0, 1 (failed cells) or 130 (stopped), died;
  // one stopped while it was starting, or ended by the terminal's Ctrl-C (it reaches the whole process
  // group) before it listened, did not.
  const died = exits.filter((x) => !(x.code === 0 || ((x.code === 1 || x.code === 130) && x.summaries) || x.stoppedWhileStarting ||
    (signal.aborted && (x.code === 130 || x.signal === 'SIGINT' || x.signal === 'SIGTERM'))));
  for (const x of died) {
    io.stderr.write(`worker ${x.worker}/${options.workers} (share ${shareText(x.shard)}) ${x.signal ? `was ended by ${x.signal}` : `exited with code ${x.code}`}` +
      `${x.summaries ? '' : ' before it finished'}; rerun to train the cells it did not finish\n`);
  }
  if (code === 1 || died.length > 0) return 1;
  if (code === EXIT_STOPPED_BY_TIME) return code;
  return code === 130 || signal.aborted || exits.some((x) => x.code === 130) ? 130 : 0;
}

const shareText = (s: Shard): string => `${s.k}/${s.n}`;

/** What libtensorflow prints in every process as it loads (INFO lines): shown once, by this process, not per worker. */
const TF_BANNER = /^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR|I\d{4} [\d:.]+ +\d+ \S+\.cc:\d+\] )/;

