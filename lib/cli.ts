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
import { ATTENTION_RULES } from './attention/registry.js';
import { runBenchCommand } from './bench/command.js';
import { benchConfigs } from './bench/configs.js';
import { MODEL_KINDS } from './models/registry.js';
import { expandGrid, parseOnly, parseShard } from './lab/grid.js';
import { EXPERIMENTS, experimentsOf, getExperiment } from './papers/registry.js';
import { planRun, type RunOptions } from './lab/runner.js';
import { EXPERIMENT_TASK_KINDS } from './lab/tasks.js';
import { PAPERS, SCALES, type Experiment, type Scale } from './lab/types.js';
import { COMMANDS, durationOf, LIST_OPTIONS, parse, positiveOf, REPRODUCE_OPTIONS, RUN_OPTIONS, say, UsageError, type CliIO, scaleOf, backendOf, numberOf, engineOf, stopReasonOf } from './cli/args.js';
import { execute, optionsFor } from './cli/execute.js';
import { HELP } from './cli/help.js';

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
    planRun(experiment, options); // validates --only, --seeds, --no-plateau, --only-stopped and --continue before any work
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
  steps?: string; 'budget-factor'?: string; 'checkpoint-every'?: string; 'no-plateau'?: boolean; 'only-stopped'?: string; continue?: boolean; engine?: string; xla?: boolean };

/** The RunOptions that `run` and `reproduce` share, checked one by one (--only and --shard are checked with the grid). */
function runOptionsOf(values: RunValues): RunOptions {
  if (values.xla) process.env.EA_XLA = '1'; // read when TensorFlow loads (initBackend), here and in workers
  return {
    scale: scaleOf(values.scale), seeds: positiveOf('seeds', values.seeds), backend: backendOf(values.backend), rerun: values.rerun,
    out: values.out, batchSeeds: positiveOf('batch-seeds', values['batch-seeds']), steps: positiveOf('steps', values.steps),
    budgetFactor: numberOf('budget-factor', values['budget-factor']),
    checkpointEveryMs: durationOf('checkpoint-every', values['checkpoint-every'], true),
    noPlateau: values['no-plateau'], onlyStopped: stopReasonOf(values['only-stopped']), engine: engineOf(values.engine),
    ...(values.continue ? { continueStopped: true } : {}),
  };
}

/** The options every worker gets as they were given (the others are set per worker; --stop-after is the parent's). */
function commonArgs(values: RunValues): string[] {
  const given = (option: 'seeds' | 'out' | 'steps' | 'budget-factor' | 'checkpoint-every' | 'only-stopped' | 'engine'): string[] =>
    values[option] !== undefined ? [`--${option}`, values[option] as string] : [];
  return [
    '--scale', values.scale, ...given('seeds'), ...given('out'), ...given('steps'), ...given('budget-factor'), ...given('checkpoint-every'),
    ...given('only-stopped'), ...given('engine'), ...(values.xla ? ['--xla'] : []), ...(values['no-plateau'] ? ['--no-plateau'] : []), ...(values.continue ? ['--continue'] : []), ...(values.rerun ? ['--rerun'] : []),
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
