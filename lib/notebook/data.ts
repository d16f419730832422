/**
 * Cache or compute, for notebooks: the records of some experiment runs, loaded from the committed
 * results or trained first, depending on EA_SCALE (lib/notebook/scale.ts):
 *
 *   unset   load data/<paper>/<experiment>/full[-<budget>]/ — no training
 *   smoke   run each into a fresh temporary folder (seconds), load from there; `cleanup()` removes it
 *   quick   run each into <tmp>/ea-notebook-quick/ (kept between sessions: a rerun resumes)
 *   full    complete the committed results in data/ (skips finished cells), then load them
 *
 * ```ts
 * const data = await notebookResults({ scale: ea.notebookScale(), runs: [
 *   { experiment: 'ea-frontier' },
 *   { experiment: 'ea-frontier', options: { noPlateau: true, onlyStopped: 'plateau' } },
 * ] });
 * data.get('ea-frontier').records; data.get('ea-frontier', 'noplateau').records;
 * showTable(runsTable(data));   // what ran, where, on which engine, for how long
 * dataNote(data);               // "**The data are complete** …" or which grids lack cells
 * ```
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridCompleteness, runTiming, type GridCompleteness } from '../lab/completeness.js';
import type { VerdictTable } from '../lab/verdicts.js';
import { budgetLabel } from '../lab/grid.js';
import { progressReporter } from '../lab/progress.js';
import { getExperiment } from '../lab/experiments.js';
import { loadResults, type LoadedResults } from '../lab/results.js';
import { runExperiment, type RunOptions } from '../lab/runner.js';
import { defaultDataDir, resultDir } from '../lab/store.js';
import type { Scale } from '../lab/types.js';

export interface NotebookRun {
  /** An experiment's name, e.g. 'ea-frontier'. */
  experiment: string;
  /** Run options besides scale and out, e.g. { noPlateau: true, onlyStopped: 'plateau' }; they choose the budget folder. */
  options?: Omit<RunOptions, 'scale' | 'out'>;
}

export interface NotebookResultsArgs {
  /** EA_SCALE (`notebookScale()`): undefined loads the committed full-scale results. */
  scale: Scale | undefined;
  /** What to load, in order (a run that selects cells from another's records must come after it). */
  runs: readonly NotebookRun[];
  /** Seeds trained together when training (default: the runner's). */
  batchSeeds?: number;
  /** Where progress goes when training. Default process.stdout (one line per event batch, no cursor tricks). */
  stream?: NodeJS.WritableStream;
}

export interface NotebookResult extends LoadedResults {
  experiment: string;
  /** The budget folder's label ('noplateau', 'steps12000'), or undefined for the grid's own. */
  budget: string | undefined;
  dir: string;
  /** For a grid's own folder: how many of its cells have records. Null for runs that select cells (onlyStopped, only). */
  completeness: GridCompleteness | null;
}

export interface NotebookResults {
  /** The scale the records are of: the given one, or 'full' when loading the committed data. */
  scale: Scale;
  /** Root of the results tree that was read. */
  root: string;
  /** Whether anything was trained (a scale was given). */
  trained: boolean;
  results: NotebookResult[];
  /** One run's records; an error names the runs there are. */
  get(experiment: string, budget?: string): NotebookResult;
  /** Removes the temporary results of a smoke run (no-op otherwise). */
  cleanup(): void;
}

/** Loads (and, with a scale, first trains) the runs; see the file comment. */
export async function notebookResults(args: NotebookResultsArgs): Promise<NotebookResults> {
  const scale: Scale = args.scale ?? 'full';
  const root = args.scale === undefined || args.scale === 'full' ? defaultDataDir()
    : args.scale === 'smoke' ? mkdtempSync(join(tmpdir(), 'ea-notebook-smoke-')) : join(tmpdir(), 'ea-notebook-quick');
  const results: NotebookResult[] = [];
  for (const run of args.runs) {
    const experiment = getExperiment(run.experiment);
    const options: RunOptions = { ...run.options, scale, out: root, ...(args.batchSeeds ? { batchSeeds: args.batchSeeds } : {}) };
    if (args.scale !== undefined) {
      const progress = progressReporter({ stream: args.stream ?? process.stdout, tty: false });
      const summary = await runExperiment(experiment, { ...options, onEvent: progress.onEvent });
      progress.done();
      if (summary.failed) throw new Error(`${run.experiment}: ${summary.failed} cells failed: ${summary.errors.map((e) => `${e.key}: ${e.error}`).join('; ')}`);
    }
    const budget = budgetLabel(options);
    const dir = resultDir(root, experiment.paper, experiment.name, scale, budget);
    const loaded = loadResults(dir, { quiet: true });
    const selects = options.onlyStopped !== undefined || options.only !== undefined || options.keys !== undefined;
    results.push({ ...loaded, experiment: run.experiment, budget, dir, completeness: selects ? null : gridCompleteness(run.experiment, scale, loaded.records) });
  }
  return {
    scale, root, trained: args.scale !== undefined, results,
    get(name: string, budget?: string): NotebookResult {
      const found = results.find((r) => r.experiment === name && r.budget === budget);
      if (!found) throw new Error(`no results for ${name}${budget ? ` (${budget})` : ''}; loaded: ${results.map((r) => `${r.experiment}${r.budget ? ` (${r.budget})` : ''}`).join(', ')}`);
      return found;
    },
    cleanup(): void {
      if (args.scale === 'smoke') rmSync(root, { recursive: true, force: true });
    },
  };
}

/** "3 h 05 min" */
const hoursMinutes = (ms: number): string => `${Math.floor(ms / 3_600_000)} h ${String(Math.round((ms % 3_600_000) / 60_000)).padStart(2, '0')} min`;

/** One row per loaded run: its folder, records, grid size, training time, machines and engines (from the records). */
export function runsTable(data: NotebookResults): VerdictTable {
  return {
    columns: ['experiment', 'folder', 'records', 'cells in the grid', 'training time', 'machines (CPU, vector extensions): records', 'engines: records', 'library'],
    rows: data.results.map((r) => {
      const t = runTiming(r.records);
      return [r.experiment, data.scale + (r.budget ? `-${r.budget}` : ''), String(r.records.length), r.completeness ? String(r.completeness.expected) : 'cells it selects',
        hoursMinutes(t.busyMs), t.machines.join('; ') || '—', t.engines.join('; ') || '—', [...new Set(r.records.map((x) => x.library.version))].join(', ') || '—'];
    }),
    caption: `Backends: ${[...new Set(data.results.flatMap((r) => runTiming(r.records).backends))].join(', ') || 'none'}. Training time: the union of the cells' training intervals ` +
      '(cells trained together count once). Records made before the cpu and engine fields say "not recorded"; they ran on the eager engine.',
  };
}

/** Markdown: whether every grid that was loaded whole has all its cells, and if not which lack how many. */
export function dataNote(data: NotebookResults): string {
  const incomplete = data.results.filter((r) => r.completeness && r.completeness.found < r.completeness.expected);
  return incomplete.length
    ? `**Incomplete data**: ${incomplete.map((r) => `${r.experiment} has ${r.completeness?.found} of ${r.completeness?.expected} cells`).join('; ')}. Every number below covers the cells found.`
    : '**The data are complete**: every cell of every grid has its record.';
}
