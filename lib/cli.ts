#!/usr/bin/env node
/**
 * The `ea` command: list, run and reproduce the experiments of the three papers; benchmark training.
 *
 *   ea list [experiment] [--paper ea|ts|cog]
 *   ea run <experiment> [--scale smoke|quick|full] [--seeds N] [--only axis=value ...] [--shard k/n]
 *                       [--steps N | --budget-factor x] [--stop-after 2h30m] [--checkpoint-every 5m]
 *                       [--out DIR] [--backend tensorflow|wasm|cpu] [--rerun] [--workers N] [--batch-seeds N]
 *   ea reproduce <paper> [--scale ...] [same options as run, except --only]
 *   ea bench [options]                  training throughput against PyTorch (lib/bench/command.ts)
 *   ea <command> --help
 *
 * `run` and `reproduce` with more than one worker (the default on a multi-core machine) start the same
 * command in worker processes, one share of the cells each, and show their progress as one
 * (lib/lab/pool.ts).
 *
 * Exit codes: 0 done, 1 some cells failed (or a worker process died), 2 bad usage (unknown command,
 * experiment or option), 75 stopped by --stop-after (EX_TEMPFAIL: run it again to continue), 130
 * stopped by Ctrl-C or SIGTERM. A stopped run has saved its finished cells and checkpointed the cells
 * in progress; the next run resumes them.
 * During development: `npx tsx lib/cli.ts …`; built: `node dist/cli.js …` (the `ea` bin).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ATTENTION_RULES } from './attention/registry.js';
import { BACKENDS, initBackend, type BackendName } from './backend.js';
import { BENCH_HELP, runBenchCommand } from './bench/command.js';
import { benchConfigs } from './bench/configs.js';
import { availableCores, recommendedParallelism } from './util/parallelism.js';
import { MODEL_KINDS } from './models/registry.js';
import { expandGrid, parseOnly, parseShard } from './lab/grid.js';
import { attachToParent, fromWire, isPoolWorker, runWorkerPool, workerEventSink, workerShard, type Shard, type WorkerExit } from './lab/pool.js';
import { formatEta, progressReporter } from './lab/progress.js';
import { EXPERIMENTS } from './papers/registry.js';
import { planRun, runExperiment, STOP_REASONS, type RunEvent, type RunOptions, type RunSummary } from './lab/runner.js';
import { ENGINES, type Engine, type StopReason } from './train/types.js';
import { defaultDataDir, type ResultProblem } from './lab/store.js';
import { EXPERIMENT_TASK_KINDS } from './lab/tasks.js';
import { PAPERS, SCALES, type Cell, type Experiment, type Scale } from './lab/types.js';
import { experimentsOf, getExperiment } from './lab/experiments.js';

/** Where the command writes (injectable for tests). */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

class UsageError extends Error {}

const COMMANDS = ['list', 'run', 'reproduce', 'bench', 'help'] as const;

const RUN_OPTIONS = {
  scale: { type: 'string', default: 'quick' },
  seeds: { type: 'string' },
  only: { type: 'string', multiple: true },
  shard: { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  rerun: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  workers: { type: 'string' },
  'batch-seeds': { type: 'string' },
  steps: { type: 'string' },
  'budget-factor': { type: 'string' },
  'no-plateau': { type: 'boolean', default: false },
  engine: { type: 'string' },
  xla: { type: 'boolean', default: false },
  'only-stopped': { type: 'string' },
  'stop-after': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Exit code of a run stopped by --stop-after (EX_TEMPFAIL of sysexits.h: "try again later"). */
export const EXIT_STOPPED_BY_TIME = 75;

// --only, --no-plateau and --only-stopped choose cells of one grid; reproduce runs many.
const { only: _only, 'no-plateau': _noPlateau, 'only-stopped': _onlyStopped, ...REPRODUCE_OPTIONS } = RUN_OPTIONS;

const LIST_OPTIONS = {
  paper: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

const HELP: Record<(typeof COMMANDS)[number] | 'main', string> = {
  main: `ea — experiments of the expressive-attention project

Usage:
  ea list [experiment] [--paper ea|ts|cog]     experiments, their scales and cell counts; mechanisms, models, tasks
  ea run <experiment> [options]                run one experiment's grid (skips finished cells)
  ea reproduce <paper> [options]               run every experiment of a paper (${PAPERS.join(', ')})
  ea bench [options]                           training throughput of this library against PyTorch
  ea <command> --help                          help on a command

Results go to data/<paper>/<experiment>/<scale>/<cell>.json (see --out).`,
  list: `Usage: ea list [experiment] [--paper ea|ts|cog]

Without an experiment: every experiment with its paper, cell counts per scale (${SCALES.join(', ')}) and
description, then the attention mechanisms, model kinds and task kinds. With one: its grid axes and
values at each scale.`,
  run: `Usage: ea run <experiment> [options]

Trains the cells of <experiment> that have no finished result yet and writes one JSON record per cell.
Interrupt with Ctrl-C (or SIGTERM): the finished cells are kept and the cells in progress checkpointed;
rerun the same command to continue from there.

Options:
  --scale smoke|quick|full   grid size and budget (default quick; full = the committed results)
  --seeds N                  seeds 0..N−1 instead of the scale's default
  --only axis=value          only cells with this coordinate (repeatable; value may be a,b for either)
  --shard k/n                only share k of n (1 ≤ k ≤ n; cells with index ≡ k−1 mod n), e.g. one per
                             Slurm array task: --shard $((SLURM_ARRAY_TASK_ID+1))/$SLURM_ARRAY_TASK_COUNT.
                             Shares write separate files; every share must get the same other options.
  --out DIR                  root of the results tree (default ${defaultDataDir()})
  --backend NAME             tfjs backend: ${BACKENDS.join(', ')} (default: EA_BACKEND or the best available)
  --rerun                    train every cell again, overwriting its record
  --workers N                worker processes, each training its own share of the cells (worker i of N takes
                             share i/N of the --shard share) with one TensorFlow thread (TF_NUM_INTRAOP_THREADS=1
                             unless set); their progress is shown as one. 1 = all in this process.
                             Default: one per core (${availableCores()} here), at most one per cell to run; 1 at
                             --scale smoke (starting a worker takes seconds, longer than a smoke run).
                             Measured on a 2-core machine (bench/README.md): 2 workers give 1.4–1.8× the
                             model-steps per second of one; ≈1.0–1.5× when other jobs keep the cores busy.
  --batch-seeds N            train up to N cells that differ only in their seeds together, as one stacked
                             model. Default 8 on tensorflow, 1 on wasm and cpu (their batched kernels are slower).
                             Eager engine: the same numbers as one at a time, bit for bit. Graph engine: stacked
                             or one graph per cell back to back, whichever this machine runs faster (measured
                             once per model and group size, cached; EA_GROUPING=stacked|single overrides);
                             the same numbers within the README bound.
  --steps N                  every cell trains N optimizer steps instead of its grid's budget
  --budget-factor x          every cell trains ⌈x · its grid's steps⌉ (e.g. 10; not with --steps)
                             Either changes the cells' config hash and files the records apart, under
                             <scale>-steps<N> or <scale>-x<x> (e.g. data/ts/ts-models/full-steps40000/), so
                             results of different budgets never mix.
  --engine auto|eager|graph  how each training step runs: eager (tfjs ops) or graph (tfjs-node: the first
                             steps are recorded, later ones run as one TensorFlow graph each; the same numbers
                             within the bound in README). auto (the default): graph on tfjs-node, else eager.
                             Not part of a cell's config; records say which engine made them
  --xla                      XLA auto-clustering of the graph engine's steps (EA_XLA=1, before TensorFlow loads):
                             faster where measured (bench/README.md), a first step of seconds per shape, and float
                             rounding further from eager than the graph engine's bound (README); records say so
                             (backend.xla)
  --no-plateau               turn the grid's plateau stop off: cells train to 100 % or their steps (records
                             under <scale>-noplateau, or e.g. <scale>-steps24000-noplateau)
  --only-stopped REASON      only the cells whose record in the grid's own folder (plateau stop on) ended by
                             REASON (plateau, steps, perfect). With --no-plateau: retrain what the plateau stop
                             ended, to see whether it cut runs short
  --stop-after DURATION      stop once this much time has passed (e.g. 2h30m, 90m, 45s): the cells in
                             progress are checkpointed, the command prints what is done, what is left and the
                             estimated time to finish it, and exits with code ${EXIT_STOPPED_BY_TIME}. Run it again to continue.
  --checkpoint-every DURATION  checkpoint each cell in progress after this much training (default 5m; 0 =
                             only when stopped). Checkpoints live in <results>/checkpoints/ (ignored by git)
                             and are removed when their cell finishes.
  --dry-run                  list the cells that would run (and those already done), train nothing
  -h, --help                 this help

A kill, even SIGKILL, loses at most the training since the last checkpoint of the cells in progress (up
to --batch-seeds per worker); every finished cell is on disk, and a rerun resumes the rest — to the same
records, bit for bit, as an uninterrupted run on the same backend. A checkpoint made by another
configuration or library version is discarded with a message.

Exit codes: 0 done, 1 some cells failed, 2 bad usage, ${EXIT_STOPPED_BY_TIME} stopped by --stop-after, 130 stopped by
Ctrl-C or SIGTERM.`,
  reproduce: `Usage: ea reproduce <paper> [options]

Runs every experiment of <paper> (${PAPERS.join(', ')}) in turn, as \`ea run\` does (with several workers,
each runs its share of every experiment in turn).

Options: --scale, --seeds, --shard, --steps, --budget-factor, --engine, --xla, --stop-after, --checkpoint-every, --out,
--backend, --rerun, --workers, --batch-seeds, --dry-run, --help (see \`ea run --help\`).`,
  bench: BENCH_HELP,
  help: 'Usage: ea help [command]',
};

function parse<O extends ParseArgsConfig['options']>(command: string, args: string[], options: O): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const known = Object.entries(options ?? {}).map(([k, o]) => `--${k}${(o as { type: string }).type === 'string' ? ' <value>' : ''}`);
    const message = err instanceof Error ? err.message.split('\n')[0].replace(/\. To specify a positional.*$/, '') : String(err);
    throw new UsageError(`ea ${command}: ${message}. Allowed options: ${known.join(', ')}`);
  }
}

function scaleOf(text: string): Scale {
  if (!(SCALES as readonly string[]).includes(text)) throw new UsageError(`--scale must be one of ${SCALES.join(', ')}; got '${text}'`);
  return text as Scale;
}

function backendOf(text: string | undefined): BackendName | undefined {
  if (text === undefined) return undefined;
  if (!(BACKENDS as readonly string[]).includes(text)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}; got '${text}'`);
  return text as BackendName;
}

function positiveOf(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw new UsageError(`--${option} must be a positive integer; got '${text}'`);
  return n;
}

function engineOf(text: string | undefined): Engine | undefined {
  if (text === undefined) return undefined;
  if (!(ENGINES as readonly string[]).includes(text)) throw new UsageError(`--engine must be one of ${ENGINES.join(', ')}; got '${text}'`);
  return text as Engine;
}

function stopReasonOf(text: string | undefined): StopReason | undefined {
  if (text === undefined) return undefined;
  if (!(STOP_REASONS as readonly string[]).includes(text)) throw new UsageError(`--only-stopped must be one of ${STOP_REASONS.join(', ')}; got '${text}'`);
  return text as StopReason;
}

function numberOf(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (text.trim() === '' || !(x > 0) || !Number.isFinite(x)) throw new UsageError(`--${option} must be a positive number; got '${text}'`);
  return x;
}

/** '2h30m', '90m', '45s', '1h', '1.5h' → milliseconds; '0' → 0 where zero is allowed. */
export function parseDuration(option: string, text: string, allowZero = false): number {
  if (allowZero && /^0+$/.test(text)) return 0;
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  const ms = m ? (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000 : NaN;
  if (!m || text === '' || !(ms > 0)) {
    throw new UsageError(`--${option} takes a duration such as 2h30m, 90m or 45s${allowZero ? ' (or 0)' : ''}; got '${text}'`);
  }
  return ms;
}

function durationOf(option: string, text: string | undefined, allowZero = false): number | undefined {
  return text === undefined ? undefined : parseDuration(option, text, allowZero);
}

function experimentOf(name: string | undefined, command: string): Experiment {
  if (name === undefined) {
    throw new UsageError(`ea ${command}: name an experiment; known experiments: ${EXPERIMENTS.map((e) => e.name).join(', ')}`);
  }
  try {
    return getExperiment(name);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function cellCount(experiment: Experiment, scale: Scale): string {
  try {
    return String(expandGrid(experiment, scale).length);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

function list(args: string[], io: CliIO): number {
  const { values, positionals } = parse('list', args, LIST_OPTIONS);
  if (values.help) return say(io.stdout, HELP.list);
  if (positionals.length > 1) throw new UsageError(`ea list takes at most one experiment; got ${positionals.join(' ')}`);
  const out: string[] = [];
  if (positionals.length === 1) {
    const e = experimentOf(positionals[0], 'list');
    out.push(`${e.name} (${e.paper}): ${e.description}`);
    for (const scale of SCALES) {
      out.push(`  ${scale}: ${cellCount(e, scale)} cells`);
      for (const [axis, vs] of Object.entries(e.scales[scale].axes)) out.push(`    ${axis}: ${vs.join(', ')}`);
    }
    return say(io.stdout, out.join('\n'));
  }
  let experiments = [...EXPERIMENTS];
  if (values.paper !== undefined) {
    try {
      experiments = experimentsOf(values.paper);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const width = Math.max(10, ...experiments.map((e) => e.name.length));
  out.push('Experiments (cells per scale):');
  for (const e of experiments) {
    const counts = SCALES.map((s) => `${s} ${cellCount(e, s)}`).join(' · ');
    out.push(`  ${e.name.padEnd(width)}  ${e.paper.padEnd(3)}  ${counts}`);
    out.push(`  ${''.padEnd(width)}       ${e.description}`);
  }
  if (experiments.length === 0) out.push('  (none)');
  out.push('', `Scales: ${SCALES.join(', ')}`, `Mechanisms (attention rules): ${ATTENTION_RULES.join(', ')}`,
    `Model kinds: ${MODEL_KINDS.join(', ')}`, `Task kinds: ${EXPERIMENT_TASK_KINDS.join(', ')}`);
  return say(io.stdout, out.join('\n'));
}

function say(stream: NodeJS.WritableStream, text: string): number {
  stream.write(`${text}\n`);
  return 0;
}

/**
 * Ctrl-C or SIGTERM: the first stops the run after the cells in progress are checkpointed (finished
 * cells are on disk; `stop` passes it on to worker processes); a second Ctrl-C exits at once (`kill`
 * ends the workers first, losing their training since the last checkpoint). `stopAfterMs` (--stop-after)
 * stops the same way once that much time has passed; `byTime()` then says so.
 */
function interruptible(io: CliIO, stopAfterMs: number | undefined, workers?: { stop(): void; kill(): void }):
  { signal: AbortSignal; byTime(): boolean; release(): void } {
  const controller = new AbortController();
  let byTime = false;
  const stop = (why: string): void => {
    io.stderr.write(`\n${why}: stopping after checkpointing the cells in progress (finished cells are saved)\n`);
    controller.abort();
    workers?.stop();
  };
  const onSigint = (): void => {
    if (!controller.signal.aborted) return stop('Ctrl-C (press it again to exit at once)');
    io.stderr.write('\nsecond Ctrl-C: exiting now\n');
    workers?.kill();
    process.exit(130);
  };
  const onSigterm = (): void => { if (!controller.signal.aborted) stop('SIGTERM'); };
  const timer = stopAfterMs === undefined ? undefined : setTimeout(() => {
    if (controller.signal.aborted) return;
    byTime = true;
    stop(`--stop-after ${formatEta(stopAfterMs)} reached`);
  }, stopAfterMs);
  timer?.unref();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  return {
    signal: controller.signal,
    byTime: () => byTime,
    release: () => {
      clearTimeout(timer);
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    },
  };
}

/** What `ea run` and `ea reproduce` do, after their arguments are checked. */
interface Job {
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
function optionsFor(e: Experiment, options: RunOptions): RunOptions {
  return { ...options, seeds: 'seed' in e.scales[options.scale].axes ? options.seeds : undefined };
}

type Plan = ReturnType<typeof planRun> & { experiment: Experiment };

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
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.ts') ? ['--import', import.meta.resolve('tsx'), self] : [self];
}

async function execute(job: Job, io: CliIO): Promise<number> {
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

async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse('run', args, RUN_OPTIONS);
  if (values.help) return say(io.stdout, HELP.run);
  if (positionals.length > 1) throw new UsageError(`ea run takes one experiment; got ${positionals.join(' ')}`);
  const experiment = experimentOf(positionals[0], 'run');
  const options = runOptionsOf(values);
  const workers = positiveOf('workers', values.workers);
  try {
    if (values.only) options.only = parseOnly(values.only);
    if (values.shard !== undefined) options.shard = parseShard(values.shard);
    planRun(experiment, options); // validates --only, --seeds, --no-plateau and --only-stopped before any work
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return execute({
    experiments: [experiment], label: experiment.name, options, workers, dryRun: values['dry-run'],
    stopAfterMs: durationOf('stop-after', values['stop-after']),
    args: ['run', experiment.name, ...commonArgs(values), ...(values.only ?? []).flatMap((o) => ['--only', o])],
  }, io);
}

type RunValues = { scale: string; seeds?: string; out?: string; rerun: boolean; backend?: string; 'batch-seeds'?: string;
  steps?: string; 'budget-factor'?: string; 'checkpoint-every'?: string; 'no-plateau'?: boolean; 'only-stopped'?: string; engine?: string; xla?: boolean };

/** The RunOptions that `run` and `reproduce` share, checked one by one (--only and --shard are checked with the grid). */
function runOptionsOf(values: RunValues): RunOptions {
  if (values.xla) process.env.EA_XLA = '1'; // read when TensorFlow loads (initBackend), here and in workers
  return {
    scale: scaleOf(values.scale), seeds: positiveOf('seeds', values.seeds), backend: backendOf(values.backend), rerun: values.rerun,
    out: values.out, batchSeeds: positiveOf('batch-seeds', values['batch-seeds']), steps: positiveOf('steps', values.steps),
    budgetFactor: numberOf('budget-factor', values['budget-factor']),
    checkpointEveryMs: durationOf('checkpoint-every', values['checkpoint-every'], true),
    noPlateau: values['no-plateau'], onlyStopped: stopReasonOf(values['only-stopped']), engine: engineOf(values.engine),
  };
}

/** The options every worker gets as they were given (the others are set per worker; --stop-after is the parent's). */
function commonArgs(values: RunValues): string[] {
  const given = (option: 'seeds' | 'out' | 'steps' | 'budget-factor' | 'checkpoint-every' | 'only-stopped' | 'engine'): string[] =>
    values[option] !== undefined ? [`--${option}`, values[option] as string] : [];
  return [
    '--scale', values.scale, ...given('seeds'), ...given('out'), ...given('steps'), ...given('budget-factor'), ...given('checkpoint-every'),
    ...given('only-stopped'), ...given('engine'), ...(values.xla ? ['--xla'] : []), ...(values['no-plateau'] ? ['--no-plateau'] : []), ...(values.rerun ? ['--rerun'] : []),
  ];
}

async function reproduce(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse('reproduce', args, REPRODUCE_OPTIONS);
  if (values.help) return say(io.stdout, HELP.reproduce);
  if (positionals.length !== 1) throw new UsageError(`ea reproduce takes one paper: ${PAPERS.join(', ')}`);
  let experiments: Experiment[];
  try {
    experiments = experimentsOf(positionals[0]);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const options = runOptionsOf(values);
  const workers = positiveOf('workers', values.workers);
  try {
    if (values.shard !== undefined) options.shard = parseShard(values.shard);
    for (const e of experiments) planRun(e, optionsFor(e, options));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return execute({
    experiments, label: `reproduce ${positionals[0]}`, options, workers, dryRun: values['dry-run'],
    stopAfterMs: durationOf('stop-after', values['stop-after']),
    args: ['reproduce', positionals[0], ...commonArgs(values)],
  }, io);
}

/**
 * `ea bench …`: runBenchCommand (the same as `npm run bench -- …`), after checking the configuration
 * names here so that an unknown one is a usage error (exit code 2) listing the known ones.
 */
async function bench(args: string[], io: CliIO): Promise<number> {
  if (!args.includes('--help') && !args.includes('-h')) {
    const names: string[] = [];
    args.forEach((a, i) => {
      if (a === '--config' && i + 1 < args.length) names.push(args[i + 1]);
      else if (a.startsWith('--config=')) names.push(a.slice('--config='.length));
    });
    try {
      benchConfigs(names);
    } catch (err) {
      throw new UsageError(`ea bench: ${(err as Error).message}`);
    }
  }
  return runBenchCommand(args, (line) => { io.stdout.write(`${line}\n`); });
}

/** Runs the `ea` command with `argv` (without node and the script); returns the exit code. */
export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
        return say(io.stdout, HELP.main);
      case 'help': {
        const topic = rest[0];
        if (topic === undefined) return say(io.stdout, HELP.main);
        if (!(COMMANDS as readonly string[]).includes(topic)) throw new UsageError(`unknown command '${topic}'; commands: ${COMMANDS.join(', ')}`);
        return say(io.stdout, HELP[topic as (typeof COMMANDS)[number]]);
      }
      case 'list': return list(rest, io);
      case 'run': return await run(rest, io);
      case 'reproduce': return await reproduce(rest, io);
      case 'bench': return await bench(rest, io);
      default:
        throw new UsageError(`unknown command '${command}'; commands: ${COMMANDS.join(', ')} (ea --help for usage)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
