/** The `ea` command's help texts, one per command. */
import { BACKENDS } from '../backend.js';
import { BENCH_HELP } from '../bench/command.js';
import { availableCores } from '../util/parallelism.js';
import { defaultDataDir } from '../lab/store.js';
import { PAPERS, SCALES } from '../lab/types.js';
import { COMMANDS, EXIT_STOPPED_BY_TIME } from './args.js';

export const HELP: Record<(typeof COMMANDS)[number] | 'main', string> = {
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
                             the same numbers within the bound of docs/graph-engine.md.
  --steps N                  every cell trains N optimizer steps instead of its grid's budget
  --budget-factor x          every cell trains ⌈x · its grid's steps⌉ (e.g. 10; not with --steps)
                             Either changes the cells' config hash and files the records apart, under
                             <scale>-steps<N> or <scale>-x<x> (e.g. data/ts/ts-models/full-steps40000/), so
                             results of different budgets never mix.
  --engine auto|eager|graph  how each training step runs: eager (tfjs ops) or graph (tfjs-node: the first
                             steps are recorded, later ones run as one TensorFlow graph each; the same numbers
                             within the bound in docs/graph-engine.md). auto (the default): graph on tfjs-node, else eager.
                             Not part of a cell's config; records say which engine made them
  --xla                      XLA auto-clustering of the graph engine's steps (EA_XLA=1, before TensorFlow loads):
                             faster where measured (bench/README.md), a first step of seconds per shape, and float
                             rounding further from eager than the graph engine's bound (docs/graph-engine.md); records say so
                             (backend.xla)
  --no-plateau               turn the grid's plateau stop off: cells train to 100 % or their steps (records
                             under <scale>-noplateau, or e.g. <scale>-steps24000-noplateau)
  --only-stopped REASON      only the cells whose record in the grid's own folder (plateau stop on) ended by
                             REASON (plateau, steps, perfect). With --no-plateau: retrain what the plateau stop
                             ended, to see whether it cut runs short. That retrains from step 0: a new sample
  --continue                 with --no-plateau --only-stopped plateau: continue each plateau-stopped run from its
                             final state (kept in the grid's folder under states/, ignored by git) instead —
                             the same trajectory as if the stop had not fired; records say continuedFrom
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
