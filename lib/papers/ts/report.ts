/**
 * Notebook 02's tables and figures, built from the TS records (issue 16: the notebook only configures
 * and calls these): the models of a grid, their accuracies overall and per subtask, learning curves,
 * the ablation settings and the longer budget side by side, and a model to inspect (kept or retrained).
 *
 *   tsModelDescription(record)            '2 layers, width 64, 4 heads, FF 256, per-position Q/K/V'
 *   tsSettingsText(records)                the trainer and task settings the records share, as a sentence
 *   tsModelColor(name)                     fixed colours: LSTM black, MLP green, DPA blue, EA red, …
 *   accuracyTable / accuracyFigure         per model: mean ± std, best of n, per subtask
 *   learningCurvesFigure(curves, models)   held-out accuracy over training (mean over seeds, ± std band)
 *   lateGain(curve)                        accuracy gained over the last fifth of training
 *   ablationComparison(rows, models)       per setting of ts-ablation: every model over its seeds
 *   budgetComparison(long, short)          the same seeds at the longer budget and the main one
 *   inspectTsModel(args)                   a ts-models cell's kept model, or the cell trained here
 *   readingsFigure(rows, order)            ts-readings: best of n per model under each reading, with intervals
 *   convergenceComparison / Report         ts-convergence against ts-readings under one reading: intervals at
 *                                          both budgets, where the runs stopped, curves to the end
 *
 * ```ts
 * const models = summariseModels(resultRows(records), labels);
 * showTable(accuracyTable(models, labels, 'ts-models, full scale'));
 * show(accuracyFigure(models, labels));
 * ```
 */
import { existsSync } from 'node:fs';
import type { ParamMap, SequenceModel } from '../../models/model.js';
import { createModel, type ModelSpec } from '../../models/registry.js';
import type { PlotlyFigure } from '../../plots/display.js';
import { PALETTE, barFigure, lineFigure } from '../../plots/figures.js';
import { trainLive } from '../../plots/live-training.js';
import { createTaskSource, type TaskSource } from '../../lab/tasks.js';
import type { VerdictTable } from '../../lab/verdicts.js';
import { expandGrid } from '../../lab/grid.js';
import type { ResultRecord } from '../../lab/record.js';
import { getExperiment } from '../registry.js';
import { loadKeptModel } from '../../lab/results.js';
import { pairedComparison, type PairedComparison, type Summary } from '../../lab/statistics.js';
import { modelPath } from '../../lab/store.js';
import { meanCurve, summariseModels, tsModelName, type MeanCurve, type ModelSummary } from './analysis.js';
import { rowsOfReading, tsModelStats, type TsModelStats, type TsVerdictArgs } from './verdicts.js';
import type { Scale, Row } from '../../lab/types.js';


const num = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const signed = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}` : 'n/a');
/** "0.912 ± 0.031" (no ± for one seed; — for none). */
export const meanStd = (s: Summary): string => (s.count === 0 ? '—' : `${num(s.mean)}${s.count > 1 ? ` ± ${num(s.std)}` : ''}`);

/** A model's size from its resolved config in a record: layers, width, heads, FF (transformers), hidden sizes (LSTM, MLP). */
export function tsModelDescription(record: ResultRecord): string {
  const c = record.model.config as Record<string, unknown>;
  if (record.model.kind === 'transformer') return `${c.layers} layers, width ${c.width}, ${c.heads} heads, FF ${c.ffWidth}${c.cis ? ', per-position Q/K/V' : ''}`;
  if (record.model.kind === 'lstm') return `${c.layers} layer, hidden ${c.hiddenSize}`;
  return `hidden ${(c.hiddenSizes as number[]).join(' × ')}, one-hot window`;
}

/** The training and task settings of the records (taken from the first; learning rates per architecture), as one sentence. */
export function tsSettingsText(records: readonly ResultRecord[]): string {
  if (records.length === 0) return 'No records.';
  const { trainer, task } = records[0].spec as unknown as { trainer: Record<string, unknown>; task: Record<string, unknown> };
  const rates = [...new Set(records.map((r) => String(r.coords.architecture)))]
    .map((a) => `${a} ${(records.find((r) => r.coords.architecture === a)?.spec.trainer as { learningRate?: number }).learningRate}`);
  return `Settings read from the records: ${trainer.steps} steps, batch ${task.batchSize}, window T = ${task.contextLength}, N = ${task.N}, ` +
    `${trainer.warmupSteps} warm-up steps, weight decay ${trainer.weightDecay}, evaluation every ${trainer.evalEvery} steps on ${task.evalSize} held-out windows; ` +
    `peak learning rates ${rates.join(', ')}.`;
}

/** Fixed colours per model name: the paper's LSTM black and MLP green; DPA blue, EA red (light for the transformer), Cog green, signed EA brown. */
export const TS_MODEL_COLORS: Readonly<Record<string, string>> = Object.freeze({
  'transformer (DPA)': '#9ecae1', 'transformer (EA)': '#fcae91', 'cisformer (DPA)': '#1f77b4', 'cisformer (EA)': '#d62728',
  'cisformer (Cog)': '#2ca02c', 'cisformer (signed EA)': '#8c564b', LSTM: '#000000', MLP: '#98df8a',
});

/** The model's fixed colour, else the palette's i-th. */
export function tsModelColor(name: string, i = 0): string {
  return TS_MODEL_COLORS[name] ?? PALETTE[i % PALETTE.length];
}

/** Models ranked by best of n, ties by the mean. */
export function rankModels(models: readonly ModelSummary[]): ModelSummary[] {
  return [...models].sort((a, b) => b.final.best - a.final.best || b.final.mean - a.final.mean);
}

/** One row per model: parameters, accuracy mean ± std, best of n, worst, best seed, mean per subtask. */
export function accuracyTable(models: readonly ModelSummary[], labels: readonly string[], caption?: string): VerdictTable {
  return {
    columns: ['model', 'parameters', 'accuracy (mean ± std)', 'best of n', 'worst', 'best seed', ...labels.map((l) => `${l} (mean)`)],
    rows: models.map((m) => [m.name, String(m.parameterCount), meanStd(m.final), num(m.final.best), num(m.final.worst), String(m.bestSeed), ...labels.map((l) => num(m.perLabel[l].mean))]),
    ...(caption ? { caption } : {}),
  };
}

/** Bars per model: overall and per-subtask final accuracy, mean over seeds with the std as error bar. */
export function accuracyFigure(models: readonly ModelSummary[], labels: readonly string[], title = 'IARC: final held-out accuracy, overall and per subtask (mean over seeds, error bar = std)'): PlotlyFigure {
  const std = (s: Summary): number => (Number.isFinite(s.std) ? s.std : 0);
  return barFigure({
    title, xTitle: 'subtask', yTitle: 'accuracy (scored positions)', categories: ['overall', ...labels], yRange: [0, 1.05], height: 480,
    series: models.map((m, i) => ({
      name: m.name, color: tsModelColor(m.name, i),
      y: [m.final.mean, ...labels.map((l) => m.perLabel[l].mean)], errorY: [m.final, ...labels.map((l) => m.perLabel[l])].map(std),
    })),
  });
}

/** The mean curve of one model in curve rows (`curveRows`), optionally of another metric (e.g. 'acc_context'). */
export function modelCurve(curves: readonly Row[], m: Pick<ModelSummary, 'architecture' | 'mechanism'>, metric?: string): MeanCurve {
  return meanCurve(curves, { architecture: m.architecture, mechanism: m.mechanism }, metric);
}

/** Held-out accuracy over training, one line per model (mean over seeds, ± std band). */
export function learningCurvesFigure(curves: readonly Row[], models: readonly ModelSummary[], title = 'Learning curves on IARC (mean over seeds)'): PlotlyFigure {
  return lineFigure({
    title, xTitle: 'training step', yTitle: 'held-out accuracy', yRange: [0, 1.02], height: 460,
    series: models.map((m, i) => {
      const c = modelCurve(curves, m);
      return { name: m.name, x: c.step, y: c.mean, spread: c.std, color: tsModelColor(m.name, i) };
    }),
  });
}

/** Accuracy gained over the last fifth of training on a mean curve: the last value minus the value at 80 % of the last step. */
export function lateGain(curve: MeanCurve): number {
  if (curve.step.length === 0) return Number.NaN;
  const last = curve.step[curve.step.length - 1];
  const k = curve.step.findIndex((s) => s >= 0.8 * last);
  return curve.mean[curve.mean.length - 1] - curve.mean[Math.max(0, k)];
}

export interface AblationComparison {
  /** The settings found (ts-ablation's `setting` values, e.g. 'T16', 'N32'), in the given order. */
  settings: string[];
  /** Model names in the ablation grid. */
  models: string[];
  /** A model at a setting over its seeds (undefined if not run). */
  cell(name: string, setting: string): ModelSummary | undefined;
  /** Per setting: the models ordered by mean accuracy. */
  ranking: { setting: string; order: { name: string; mean: number }[] }[];
}

/** 'T = 16' for 'T16', 'N = 32' for 'N32'. */
export const settingLabel = (s: string): string => `${s.startsWith('T') ? 'T' : 'N'} = ${s.slice(1)}`;

/** The ablation rows (column `setting`) per setting and model; `order` lists the settings to look for. */
export function ablationComparison(rows: readonly Row[], labels: readonly string[], order: readonly string[]): AblationComparison {
  const settings = order.filter((s) => rows.some((r) => r.setting === s));
  const bySetting = new Map(settings.map((s) => [s, summariseModels(rows.filter((r) => r.setting === s), labels)]));
  const models = summariseModels(rows, labels).map((m) => m.name);
  const cell = (name: string, setting: string): ModelSummary | undefined => bySetting.get(setting)?.find((m) => m.name === name);
  const ranking = settings.map((setting) => ({
    setting, order: models.flatMap((name) => { const c = cell(name, setting); return c ? [{ name, mean: c.final.mean }] : []; }).sort((a, b) => b.mean - a.mean),
  }));
  return { settings, models, cell, ranking };
}

/** Bars per setting and model, and the table with the main setting (`main`, at its own budget) as the last row. */
export function ablationReport(a: AblationComparison, main: readonly ModelSummary[], steps: { ablation: string; main: string }): { figure: PlotlyFigure; table: VerdictTable } {
  const std = (c?: ModelSummary): number => (c && Number.isFinite(c.final.std) ? c.final.std : 0);
  const text = (c?: ModelSummary): string => (c ? `${meanStd(c.final)} (best ${num(c.final.best)})` : '—');
  const figure = barFigure({
    title: `Ablations (${steps.ablation} steps): final held-out accuracy, mean over seeds (error bar = std)`,
    xTitle: 'setting (the other parameter at its main value T = 32, N = 16)', yTitle: 'accuracy (scored positions)', yRange: [0, 1.05],
    categories: a.settings.map(settingLabel),
    series: a.models.map((name, i) => ({ name, color: tsModelColor(name, i), y: a.settings.map((s) => a.cell(name, s)?.final.mean ?? Number.NaN), errorY: a.settings.map((s) => std(a.cell(name, s))) })),
  });
  const table: VerdictTable = {
    columns: ['setting', 'steps', ...a.models],
    rows: [
      ...a.settings.map((s) => [settingLabel(s), steps.ablation, ...a.models.map((name) => text(a.cell(name, s)))]),
      ['T = 32, N = 16 (section 3)', steps.main, ...a.models.map((name) => text(main.find((m) => m.name === name)))],
    ],
    caption: 'Mean ± std over seeds of the final accuracy, and the best of n; the last row is the main setting at its own (longer) budget.',
  };
  return { figure, table };
}

export interface BudgetComparison {
  /** Seeds of the longer budget; the main rows are restricted to them. */
  seeds: number[];
  steps: { long: number; short: number };
  models: { name: string; long: ModelSummary; short?: ModelSummary }[];
  /** Transformer (DPA) minus cisformer (EA), mean over the same seeds, at each budget. */
  gap: { short: number; long: number };
}

/** ts-budget rows against the ts-models rows of the same seeds. */
export function budgetComparison(longRows: readonly Row[], shortRows: readonly Row[], labels: readonly string[]): BudgetComparison {
  const seeds = [...new Set(longRows.map((r) => Number(r.seed)))].sort((a, b) => a - b);
  const long = summariseModels(longRows, labels);
  const short = summariseModels(shortRows.filter((r) => seeds.includes(Number(r.seed))), labels);
  const gapOf = (list: readonly ModelSummary[]): number => {
    const t = list.find((m) => m.name === tsModelName('transformer', 'dot-product'));
    const c = list.find((m) => m.name === tsModelName('cisformer', 'expressive'));
    return t && c ? t.final.mean - c.final.mean : Number.NaN;
  };
  return {
    seeds, steps: { long: Number(longRows[0]?.steps ?? Number.NaN), short: Number(shortRows[0]?.steps ?? Number.NaN) },
    models: long.map((m) => ({ name: m.name, long: m, short: short.find((s) => s.name === m.name) })),
    gap: { short: gapOf(short), long: gapOf(long) },
  };
}

/** The budget table (short mean, long mean, change, long best of n, per subtask) and both budgets' curves. */
export function budgetReport(b: BudgetComparison, labels: readonly string[], curves: { long: readonly Row[]; short: readonly Row[] }): { figure: PlotlyFigure; table: VerdictTable } {
  const { long: L, short: S } = b.steps;
  const table: VerdictTable = {
    columns: ['model', `${S} steps: mean (seeds ${b.seeds.join(', ')})`, `${L} steps: mean`, 'change', `${L} steps: best of n`, ...labels.map((l) => `${l} (${L})`)],
    rows: b.models.map((c) => [c.name, c.short ? num(c.short.final.mean) : '—', num(c.long.final.mean), c.short ? signed(c.long.final.mean - c.short.final.mean) : '—',
      num(c.long.final.best), ...labels.map((l) => num(c.long.perLabel[l].mean))]),
  };
  const shortCurves = curves.short.filter((r) => b.seeds.includes(Number(r.seed)));
  const figure = lineFigure({
    title: `Learning curves: ${L} steps (solid) and ${S} steps (dotted), mean over seeds ${b.seeds.join(', ')}`,
    xTitle: 'training step', yTitle: 'held-out accuracy', yRange: [0, 1.02], height: 460,
    series: b.models.flatMap(({ long: m }, i) => {
      const [l, s] = [modelCurve(curves.long, m), modelCurve(shortCurves, m)];
      return [
        { name: `${m.name}, ${L} steps`, x: l.step, y: l.mean, color: tsModelColor(m.name, i) },
        { name: `${m.name}, ${S} steps`, x: s.step, y: s.mean, color: tsModelColor(m.name, i), dash: 'dot' as const },
      ];
    }),
  });
  return { figure, table };
}

export interface InspectedModel {
  name: string;
  key: string;
  model: SequenceModel;
  /** The trained parameters; the caller disposes them (`disposeParams`) and the model. */
  params: ParamMap;
  task: TaskSource;
  accuracy: number;
  /** The initialisation seed of the cell (the trainer's): rebuilds the initial weights. */
  seed: number;
  source: 'kept model of the run' | 'trained in this notebook (no kept model)';
}

/**
 * A ts-models cell to look inside: its kept model under `dir` if the run kept one, else the cell trained
 * here with its own settings (shown live) — at smoke and quick scale no model is kept.
 */
export async function inspectTsModel(args: { dir: string; scale: Scale; records: readonly ResultRecord[]; architecture: string; mechanism: string; seed: number }): Promise<InspectedModel> {
  const key = `architecture=${args.architecture},mechanism=${args.mechanism},seed=${args.seed}`;
  const name = `${tsModelName(args.architecture, args.mechanism)}, seed ${args.seed}`;
  const record = args.records.find((r) => r.key === key);
  if (record?.modelFile && existsSync(modelPath(args.dir, key))) {
    const kept = loadKeptModel(args.dir, key);
    return { name, key, model: kept.model, params: kept.params, task: kept.task, accuracy: record.finalAccuracy, seed: kept.record.spec.seed, source: 'kept model of the run' };
  }
  const cell = expandGrid(getExperiment('ts-models'), args.scale).find((c) => c.key === key);
  if (!cell) throw new Error(`the ${args.scale} grid of ts-models has no cell ${key}`);
  const task = createTaskSource(cell.spec.task);
  const model = createModel({ ...cell.spec.model, vocabSize: task.vocabSize, contextLength: task.contextLength } as ModelSpec);
  const result = await trainLive(model, task, { ...cell.spec.trainer, seed: cell.spec.seed }, { title: `${name} (no kept model at ${args.scale} scale: trained here)` });
  return { name, key, model, params: result.params, task, accuracy: result.finalAccuracy, seed: cell.spec.seed, source: 'trained in this notebook (no kept model)' };
}

/**
 * ts-readings at a glance: per reading (x, in `order`), each model's best of n with its bootstrap
 * interval (error bar down to the lower bound: the best of n cannot come out higher than observed), and
 * a line at `near` ("about 95 %"). Readings that change only some models show the base reading's others.
 */
export function readingsFigure(rows: readonly Row[], order: readonly string[], args: TsVerdictArgs & { near?: number } = {}): PlotlyFigure {
  const near = args.near ?? 0.93;
  const readings = order.filter((r) => rows.some((x) => x.reading === r));
  const stats = readings.map((r) => tsModelStats(rowsOfReading(rows, r), args));
  const names = [...new Set(stats.flatMap((s) => s.map((m) => m.name)))];
  const at = (i: number, name: string) => stats[i].find((m) => m.name === name);
  return barFigure({
    title: 'IARC under each reading: best of n per model (error bar: 95 % bootstrap lower bound)', xTitle: 'reading', yTitle: 'final held-out accuracy, best of n',
    categories: readings, yRange: [0, 1.05], height: 480, referenceLine: { y: near, text: `about 95 % (best of n ≥ ${near})` },
    series: names.map((name, j) => ({
      name, color: tsModelColor(name, j),
      y: readings.map((_, i) => at(i, name)?.best.estimate ?? Number.NaN),
      errorY: readings.map(() => 0), errorYMinus: readings.map((_, i) => { const b = at(i, name)?.best; return b ? b.estimate - b.lo : 0; }),
    })),
  });
}

/** One model of ts-convergence under one reading, with the same model at the short budget of ts-readings. */
export interface ConvergenceModel {
  name: string;
  architecture: string;
  mechanism: string;
  /** Final accuracy at the end of the convergence runs (plateau or their step limit), over seeds. */
  long: TsModelStats;
  /** The same model and reading at ts-readings' budget (undefined: not in ts-readings, e.g. the Cog cisformer). */
  short?: TsModelStats;
  /** Per seed: steps trained, why the run ended, and the step of its best evaluation. */
  stops: { seed: number; steps: number; stopReason: string; bestStep: number }[];
  /** Long − short final accuracy, paired by the seeds both budgets have (bootstrap interval); undefined without short runs. */
  pairedChange?: PairedComparison;
}

export interface ConvergenceComparison {
  reading: string;
  models: ConvergenceModel[];
  /** The step limit of the convergence runs and the steps of the short ones. */
  steps: { long: number; short: number };
}

/**
 * ts-convergence rows against ts-readings rows under one reading (each reading's rows plus today's for
 * the models it does not change, as `rowsOfReading`): per model, intervals at both budgets and where
 * the runs stopped.
 */
export function convergenceComparison(longRows: readonly Row[], shortRows: readonly Row[], reading: string, args: TsVerdictArgs = {}): ConvergenceComparison {
  for (const col of ['reading', 'steps', 'maxSteps', 'stopReason', 'bestStep']) {
    if (longRows.length && !(col in longRows[0])) throw new Error(`convergenceComparison: no column '${col}' in the long rows; columns are ${Object.keys(longRows[0]).join(', ')}`);
  }
  const long = rowsOfReading(longRows, reading);
  const short = rowsOfReading(shortRows, reading);
  const shortStats = tsModelStats(short, args);
  const models = tsModelStats(long, args).map((m): ConvergenceModel => {
    const shortOf = shortStats.find((s) => s.name === m.name);
    const pairs = shortOf ? [...m.bySeed].filter(([seed]) => shortOf.bySeed.has(seed)).map(([seed, a]) => [a, shortOf.bySeed.get(seed) as number] as [number, number]) : [];
    return {
      name: m.name, architecture: m.architecture, mechanism: m.mechanism, long: m, short: shortOf,
      pairedChange: shortOf && pairs.length ? pairedComparison(pairs, { method: 'bootstrap' }) : undefined,
      stops: long.filter((r) => r.architecture === m.architecture && r.mechanism === m.mechanism)
        .map((r) => ({ seed: Number(r.seed), steps: Number(r.steps), stopReason: String(r.stopReason), bestStep: Number(r.bestStep) }))
        .sort((a, b) => a.seed - b.seed),
    };
  });
  const maxOf = (rows: readonly Row[], col: string): number => (rows.length ? Math.max(...rows.map((r) => Number(r[col]))) : Number.NaN);
  return { reading, models, steps: { long: maxOf(long, 'maxSteps'), short: maxOf(short, 'maxSteps') } };
}

const interval = (i: { estimate: number; lo: number; hi: number }): string => `${num(i.estimate)} [${num(i.lo)}, ${num(i.hi)}]`;

/** The table (both budgets with intervals, the change in the mean, where the runs stopped) and the learning curves to the end, of `models` (default all). */
export function convergenceReport(c: ConvergenceComparison, curves: readonly Row[], args: { models?: readonly string[] } = {}): { figure: PlotlyFigure; table: VerdictTable } {
  const shown = c.models.filter((m) => !args.models || args.models.includes(m.name));
  const stopText = (m: ConvergenceModel): string => {
    const reasons = [...new Set(m.stops.map((s) => s.stopReason))].map((r) => `${r} ${m.stops.filter((s) => s.stopReason === r).length}`).join(', ');
    const steps = m.stops.map((s) => s.steps);
    return `${Math.min(...steps)}–${Math.max(...steps)} (${reasons})`;
  };
  const table: VerdictTable = {
    columns: ['model', 'seeds (short / long)', `${c.steps.short} steps: best of n`, `${c.steps.short} steps: mean`, `≤ ${c.steps.long} steps: best of n`, `≤ ${c.steps.long} steps: mean`, 'change in mean', 'steps trained (why stopped)'],
    rows: shown.map((m) => [
      m.name, `${m.short?.bySeed.size ?? '—'} / ${m.long.bySeed.size}`, m.short ? interval(m.short.best) : '—', m.short ? interval(m.short.mean) : '—',
      interval(m.long.best), interval(m.long.mean), m.short ? signed(m.long.mean.estimate - m.short.mean.estimate) : '—', stopText(m),
    ]),
    caption: `Reading '${c.reading}': final held-out accuracy with 95 % bootstrap intervals over seeds, at ts-readings' budget and trained to a plateau (ts-convergence).`,
  };
  const own = rowsOfReading(curves, c.reading);
  const figure = lineFigure({
    title: `Learning curves to the end, reading '${c.reading}' (mean over seeds; a run stopped at its plateau counts with its last accuracy)`,
    xTitle: 'training step', yTitle: 'held-out accuracy', yRange: [0, 1.02], height: 480,
    series: shown.map((m, i) => {
      const curve = meanCurve(own, { architecture: m.architecture, mechanism: m.mechanism }, 'accuracy', { holdLast: true });
      return { name: m.name, x: curve.step, y: curve.mean, spread: curve.std, color: tsModelColor(m.name, i) };
    }),
  });
  return { figure, table };
}
