#!/usr/bin/env node
/**
 * The `ea` command: list, run and reproduce the experiments of the three papers.
 *
 *   ea list [experiment] [--paper ea|ts|cog]
 *   ea run <experiment> [--scale smoke|quick|full] [--seeds N] [--only axis=value ...] [--shard k/n]
 *                       [--out DIR] [--backend tensorflow|wasm|cpu] [--rerun]
 *   ea reproduce <paper> [--scale ...] [same options as run, except --only]
 *   ea <command> --help
 *
 * Exit codes: 0 done, 1 some cells failed, 2 bad usage (unknown command, experiment or option),
 * 130 stopped by Ctrl-C (the finished cells are saved; the cell in progress is abandoned).
 * During development: `npx tsx lib/cli.ts …`; built: `node dist/cli.js …` (the `ea` bin).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ATTENTION_RULES } from './attention/registry.js';
import { BACKENDS, type BackendName } from './backend.js';
import { MODEL_KINDS } from './models/registry.js';
import { expandGrid, parseOnly, parseShard } from './experiments/grid.js';
import { formatEta, progressReporter } from './experiments/progress.js';
import { EXPERIMENTS, experimentsOf, getExperiment } from './experiments/registry.js';
import { planRun, runExperiment, type RunOptions, type RunSummary } from './experiments/runner.js';
import { defaultDataDir } from './experiments/store.js';
import { EXPERIMENT_TASK_KINDS } from './experiments/tasks.js';
import { PAPERS, SCALES, type Experiment, type Scale } from './experiments/types.js';

/** Where the command writes (injectable for tests). */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

class UsageError extends Error {}

const COMMANDS = ['list', 'run', 'reproduce', 'help'] as const;

const RUN_OPTIONS = {
  scale: { type: 'string', default: 'quick' },
  seeds: { type: 'string' },
  only: { type: 'string', multiple: true },
  shard: { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  rerun: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'batch-seeds': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

const { only: _only, ...REPRODUCE_OPTIONS } = RUN_OPTIONS;

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
  ea <command> --help                          help on a command

Results go to data/<paper>/<experiment>/<scale>/<cell>.json (see --out).`,
  list: `Usage: ea list [experiment] [--paper ea|ts|cog]

Without an experiment: every experiment with its paper, cell counts per scale (${SCALES.join(', ')}) and
description, then the attention mechanisms, model kinds and task kinds. With one: its grid axes and
values at each scale.`,
  run: `Usage: ea run <experiment> [options]

Trains the cells of <experiment> that have no finished result yet and writes one JSON record per cell.
Interrupt with Ctrl-C: the finished cells are kept, the cell in progress is dropped; rerun to continue.

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
  --batch-seeds N            train up to N cells that differ only in their seeds together, as one stacked
                             model (same numbers; 1.1–1.7× faster for 3 seeds here; a kill then loses up to N cells)
  --dry-run                  list the cells that would run (and those already done), train nothing
  -h, --help                 this help`,
  reproduce: `Usage: ea reproduce <paper> [options]

Runs every experiment of <paper> (${PAPERS.join(', ')}) in turn, as \`ea run\` does.

Options: --scale, --seeds, --shard, --out, --backend, --rerun, --batch-seeds, --dry-run, --help (see \`ea run --help\`).`,
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

/** Ctrl-C: the first stops after the cell in progress is dropped (finished cells are on disk); the second exits at once. */
function interruptible(io: CliIO): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      io.stderr.write('\nsecond Ctrl-C: exiting now\n');
      process.exit(130);
    }
    io.stderr.write('\nCtrl-C: stopping (finished cells are saved; press Ctrl-C again to exit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, release: () => { process.off('SIGINT', onSigint); } };
}

/** `--dry-run`: the plan of each experiment (cells to run, cells done, step budget), nothing trained. */
function dryRun(io: CliIO, experiments: Experiment[], options: RunOptions): number {
  for (const e of experiments) {
    const seeds = 'seed' in e.scales[options.scale].axes ? options.seeds : undefined;
    const plan = planRun(e, { ...options, seeds });
    const steps = plan.todo.reduce((n, c) => n + (c.spec.trainer.steps ?? 1000), 0);
    io.stdout.write(`${e.name} (${options.scale}): ${plan.cells.length} cells, ${plan.cells.length - plan.todo.length} already done, ` +
      `${plan.todo.length} to run (≤ ${steps} steps) → ${plan.dir}\n`);
    for (const p of plan.problems) io.stdout.write(`  warning: ${p.path}: ${p.error}\n`);
    for (const c of plan.todo) io.stdout.write(`  ${c.key}  (${c.spec.trainer.steps ?? 1000} steps)\n`);
  }
  return 0;
}

function report(io: CliIO, summaries: RunSummary[]): number {
  const failed = summaries.reduce((n, s) => n + s.failed, 0);
  const stopped = summaries.some((s) => s.stopped);
  for (const s of summaries) {
    io.stderr.write(`${s.experiment} (${s.scale}): ${s.ran} run, ${s.skipped} already done, ${s.failed} failed` +
      `${s.stopped ? ', stopped' : ''} in ${formatEta(s.wallTimeMs)} → ${s.dir}\n`);
    for (const e of s.errors) io.stderr.write(`  failed ${e.key}: ${e.error}\n`);
  }
  return stopped ? 130 : failed > 0 ? 1 : 0;
}

async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse('run', args, RUN_OPTIONS);
  if (values.help) return say(io.stdout, HELP.run);
  if (positionals.length > 1) throw new UsageError(`ea run takes one experiment; got ${positionals.join(' ')}`);
  const experiment = experimentOf(positionals[0], 'run');
  const options = {
    scale: scaleOf(values.scale), seeds: positiveOf('seeds', values.seeds), backend: backendOf(values.backend), rerun: values.rerun,
    out: values.out, batchSeeds: positiveOf('batch-seeds', values['batch-seeds']), only: undefined as Record<string, string[]> | undefined, shard: undefined as { k: number; n: number } | undefined,
  };
  try {
    if (values.only) options.only = parseOnly(values.only);
    if (values.shard !== undefined) options.shard = parseShard(values.shard);
    expandGrid(experiment, options.scale, options); // validates --only and --seeds before any work
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values['dry-run']) return dryRun(io, [experiment], options);
  const { signal, release } = interruptible(io);
  const progress = progressReporter({ stream: io.stderr });
  try {
    const summary = await runExperiment(experiment, { ...options, signal, onEvent: progress.onEvent });
    progress.done();
    return report(io, [summary]);
  } finally {
    release();
  }
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
  const options = {
    scale: scaleOf(values.scale), seeds: positiveOf('seeds', values.seeds), backend: backendOf(values.backend), rerun: values.rerun, out: values.out,
    batchSeeds: positiveOf('batch-seeds', values['batch-seeds']),
    shard: undefined as { k: number; n: number } | undefined,
  };
  try {
    if (values.shard !== undefined) options.shard = parseShard(values.shard);
    for (const e of experiments) {
      // --seeds applies to the experiments that have a seed axis.
      expandGrid(e, options.scale, { ...options, seeds: 'seed' in e.scales[options.scale].axes ? options.seeds : undefined });
    }
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values['dry-run']) return dryRun(io, experiments, options);
  const { signal, release } = interruptible(io);
  const summaries: RunSummary[] = [];
  try {
    for (const [i, e] of experiments.entries()) {
      const progress = progressReporter({ stream: io.stderr, prefix: `[${i + 1}/${experiments.length}] ` });
      const seeds = 'seed' in e.scales[options.scale].axes ? options.seeds : undefined;
      summaries.push(await runExperiment(e, { ...options, seeds, signal, onEvent: progress.onEvent }));
      progress.done();
      if (signal.aborted) break;
    }
    return report(io, summaries);
  } finally {
    release();
  }
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
