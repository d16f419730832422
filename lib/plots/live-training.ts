/**
 * A live view of a training run for notebooks: ONE output, replaced in place as training goes, with
 * the loss and accuracy curves and a status line (step, rate, ETA, loss, accuracy) — instead of
 * thousands of printed lines.
 *
 * It uses Jupyter's display ids: the first render is a display_data message carrying a display id,
 * later renders are update_display_data messages for that id (tslab's kernel writer sends both), so
 * the front end redraws the same output, and a notebook executed headless saves the final state.
 * While training, the frames are SVG (JupyterLab's Plotly renderer ignores updates of an output it has
 * drawn; see svg-chart.ts); the last render, when `finish` (or `fail`) is called, is an interactive
 * Plotly figure with the same curves. Renders are throttled (default once a second) and curves are
 * thinned to a few hundred points, so a long run costs little time and a small notebook. Outside a
 * notebook the status line is printed to stderr now and then instead.
 *
 * ```ts
 * const result = await ea.trainLive(model, data, { steps: 2000, evalEvery: 100 }, { title: 'EA, N = 16' });
 * // or, with your own call to train:
 * const live = ea.liveTraining({ steps: 2000, title: 'EA' });
 * const result = await ea.train(model, data, { steps: 2000, callbacks: live.callbacks });
 * live.finish(result);
 * ```
 */
import type { SequenceModel } from '../models/model.js';
import type { EvalRecord } from '../train/types.js';
import { type TrainerArgs, type TrainerCallbacks, type TrainResult } from '../train/types.js';
import type { DataSource } from '../train/data.js';
import { resolveTrainerArgs, train } from '../train/trainer.js';
import { displayBundle, figureBundle, newDisplayId, notebookSink, type DisplaySink, type PlotlyFigure, type PlotlyTrace } from './display.js';
import { PALETTE, baseLayout } from './figures.js';
import { svgChart } from './svg-chart.js';

export interface LiveTrainingArgs {
  /** Total optimizer steps of the run, for the percentage and the ETA. */
  steps: number;
  /** Shown above the status line. Default 'Training'. */
  title?: string;
  /** Least time between two renders of the output, in ms (evaluations and the end always render soon). Default 1000. */
  updateEveryMs?: number;
  /** Most points kept on the training-loss curve (older points are merged pairwise). Default 400. */
  maxPoints?: number;
  /** Loss axis: 'log' (default) or 'linear'. */
  lossAxis?: 'log' | 'linear';
  /** Outside a notebook, print the status line to stderr at most this often, in ms (0 = never). Default 10000. */
  printEveryMs?: number;
  /** Where renders go (tests); default the notebook kernel, if any. */
  sink?: DisplaySink;
  /** Clock in ms (tests). Default performance.now. */
  now?: () => number;
}

/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Steps per second as text: "35.2 steps/s", or "4.1 s/step" when slower than one step a second. */
export function formatRate(stepsPerSecond: number): string {
  if (!(stepsPerSecond > 0) || !Number.isFinite(stepsPerSecond)) return '? steps/s';
  if (stepsPerSecond >= 1) return `${stepsPerSecond.toPrecision(3)} steps/s`;
  return `${(1 / stepsPerSecond).toPrecision(3)} s/step`;
}

const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

export class LiveTraining {
  /** Pass these to `train` (they only record; they never stop the run). */
  readonly callbacks: TrainerCallbacks;
  readonly steps: number;
  readonly title: string;
  private readonly updateEveryMs: number;
  private readonly maxPoints: number;
  private readonly lossAxis: 'log' | 'linear';
  private readonly printEveryMs: number;
  private readonly sink: DisplaySink | undefined;
  private readonly now: () => number;
  private readonly displayId = newDisplayId();
  private shown = false;
  private lastRender = -Infinity;
  private lastPrint = -Infinity;
  private startTime: number | undefined;
  private startStep = 0;
  private step = 0;
  private lastLoss = NaN;
  /** Training loss: means over blocks of `blockSize` steps (the last block may be partial). */
  private lossPoints: { step: number; loss: number; count: number }[] = [];
  private blockSize = 1;
  private evals: EvalRecord[] = [];
  private final: string | undefined;

  constructor(args: LiveTrainingArgs) {
    if (!Number.isInteger(args.steps) || args.steps < 1) throw new Error(`steps must be a positive integer; got ${args.steps}`);
    this.steps = args.steps;
    this.title = args.title ?? 'Training';
    this.updateEveryMs = args.updateEveryMs ?? 1000;
    this.maxPoints = Math.max(10, args.maxPoints ?? 400);
    this.lossAxis = args.lossAxis ?? 'log';
    this.printEveryMs = args.printEveryMs ?? 10_000;
    this.sink = args.sink ?? notebookSink();
    this.now = args.now ?? (() => performance.now());
    this.callbacks = {
      onStep: (e) => this.recordStep(e.step, e.loss),
      onEval: (e) => this.recordEval(e),
    };
  }

  /** Records a training step (called by `callbacks.onStep`). */
  recordStep(step: number, loss: number): void {
    const t = this.now();
    if (this.startTime === undefined) {
      // The rate counts steps completed after this one (its own start time is unknown).
      this.startTime = t;
      this.startStep = step;
    }
    this.step = step;
    this.lastLoss = loss;
    const last = this.lossPoints.at(-1);
    if (last && last.count < this.blockSize) {
      last.loss += (loss - last.loss) / (last.count + 1);
      last.count++;
      last.step = step;
    } else {
      this.lossPoints.push({ step, loss, count: 1 });
    }
    if (this.lossPoints.length > this.maxPoints) this.thin();
    this.maybeRender(t);
  }

  /** Records an evaluation (called by `callbacks.onEval`). */
  recordEval(record: EvalRecord): void {
    this.evals.push({ step: record.step, loss: record.loss, accuracy: record.accuracy, perLabel: { ...record.perLabel } });
    this.step = Math.max(this.step, record.step);
    // An evaluation is news: render unless one went out a moment ago.
    this.maybeRender(this.now(), Math.min(this.updateEveryMs, 250));
  }

  /** Final render, with the outcome in the status line. Call after `train` returns. */
  finish(result?: Pick<TrainResult, 'steps' | 'stopReason' | 'finalAccuracy' | 'bestAccuracy' | 'bestStep' | 'wallTimeMs'>): void {
    if (result) {
      const stop = result.stopReason === 'perfect' ? `stopped at 100% accuracy (step ${result.steps})`
        : result.stopReason === 'stopped' ? `stopped early at step ${result.steps}` : `finished ${result.steps} steps`;
      this.final = `${stop} in ${formatDuration(result.wallTimeMs / 1000)} · final accuracy ${percent(result.finalAccuracy)}` +
        ` · best ${percent(result.bestAccuracy)} (step ${result.bestStep})`;
    } else {
      this.final = `done at step ${this.step} in ${formatDuration(this.elapsedSeconds())}`;
    }
    this.render(true);
  }

  /** Final render after a failed run. */
  fail(error: unknown): void {
    this.final = `failed at step ${this.step}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    this.render(true);
  }

  private elapsedSeconds(): number {
    return this.startTime === undefined ? 0 : (this.now() - this.startTime) / 1000;
  }

  /** Steps per second since the view saw its first step (evaluations included, as they cost time too). */
  rate(): number {
    const dt = this.elapsedSeconds();
    return dt > 0 ? (this.step - this.startStep) / dt : NaN;
  }

  /** The one-line status: step, rate, ETA, loss, accuracy. */
  statusLine(): string {
    if (this.final) return this.final;
    const parts = [`step ${this.step}/${this.steps} (${percent(this.step / this.steps)})`];
    const rate = this.rate();
    parts.push(formatRate(rate));
    parts.push(`ETA ${Number.isFinite(rate) && rate > 0 ? formatDuration((this.steps - this.step) / rate) : '?'}`);
    if (Number.isFinite(this.lastLoss)) parts.push(`loss ${this.lastLoss.toPrecision(4)}`);
    const ev = this.evals.at(-1);
    if (ev) {
      const best = this.evals.reduce((a, e) => Math.max(a, e.accuracy), 0);
      parts.push(`eval accuracy ${percent(ev.accuracy)} (best ${percent(best)})`);
    }
    return parts.join(' · ');
  }

  /** The current figure: training and eval loss (left), eval accuracy overall and per label (right). */
  figure(): PlotlyFigure {
    const evalSteps = this.evals.map((e) => e.step);
    const data: PlotlyTrace[] = [
      { type: 'scatter', mode: 'lines', name: 'training loss', x: this.lossPoints.map((p) => p.step), y: this.lossPoints.map((p) => p.loss), line: { color: PALETTE[0], width: 1.5 }, xaxis: 'x', yaxis: 'y' },
      { type: 'scatter', mode: 'lines+markers', name: 'eval loss', x: evalSteps, y: this.evals.map((e) => e.loss), line: { color: PALETTE[3], dash: 'dash' }, marker: { size: 5 }, xaxis: 'x', yaxis: 'y' },
      { type: 'scatter', mode: 'lines+markers', name: 'eval accuracy', x: evalSteps, y: this.evals.map((e) => e.accuracy), line: { color: PALETTE[1], width: 2.5 }, marker: { size: 5 }, xaxis: 'x2', yaxis: 'y2' },
    ];
    const labels = [...new Set(this.evals.flatMap((e) => Object.keys(e.perLabel)))];
    labels.forEach((label, i) => data.push({
      type: 'scatter', mode: 'lines', name: `accuracy: ${label}`, x: evalSteps, y: this.evals.map((e) => e.perLabel[label] ?? null),
      line: { color: PALETTE[(i + 4) % PALETTE.length], dash: 'dot', width: 1.5 }, xaxis: 'x2', yaxis: 'y2',
    }));
    const layout = baseLayout(`${escapeTitle(this.title)}<br><sub>${escapeTitle(this.statusLine())}</sub>`, 'step', 'loss (cross-entropy)', {
      height: 420,
      margin: { l: 70, r: 20, t: 80, b: 100 },
      legend: { orientation: 'h', x: 0, y: -0.3, yanchor: 'top' },
    });
    layout.xaxis = { ...(layout.xaxis as object), domain: [0, 0.45], range: [0, this.steps], anchor: 'y' };
    layout.yaxis = { ...(layout.yaxis as object), type: this.lossAxis, anchor: 'x' };
    layout.xaxis2 = { title: { text: 'step' }, domain: [0.55, 1], range: [0, this.steps], anchor: 'y2', automargin: true };
    layout.yaxis2 = { title: { text: 'eval accuracy' }, range: [0, 1.02], tickformat: '.0%', anchor: 'x2', automargin: true };
    return { data, layout, config: { responsive: true, displaylogo: false } };
  }

  /** The current frame as SVG (what the notebook shows while training). */
  frameSvg(): string {
    const evalPoints = (f: (e: EvalRecord) => number): { x: number; y: number }[] => this.evals.map((e) => ({ x: e.step, y: f(e) }));
    const labels = [...new Set(this.evals.flatMap((e) => Object.keys(e.perLabel)))];
    return svgChart({
      title: this.title,
      subtitle: this.statusLine(),
      panels: [
        {
          xLabel: 'step', yLabel: 'loss (cross-entropy)', xRange: [0, this.steps], logY: this.lossAxis === 'log',
          series: [
            { name: 'training loss', color: PALETTE[0], width: 1.5, points: this.lossPoints.map((p) => ({ x: p.step, y: p.loss })) },
            { name: 'eval loss', color: PALETTE[3], dash: true, markers: true, points: evalPoints((e) => e.loss) },
          ],
        },
        {
          xLabel: 'step', yLabel: 'eval accuracy', xRange: [0, this.steps], yRange: [0, 1.02], yTick: (v) => `${Math.round(v * 100)}%`,
          series: [
            { name: 'eval accuracy', color: PALETTE[1], width: 2.5, markers: true, points: evalPoints((e) => e.accuracy) },
            ...labels.map((label, i) => ({
              name: `accuracy: ${label}`, color: PALETTE[(i + 4) % PALETTE.length], width: 1.5, dash: true,
              points: evalPoints((e) => e.perLabel[label] ?? NaN),
            })),
          ],
        },
      ],
    });
  }

  private thin(): void {
    const merged: typeof this.lossPoints = [];
    for (let i = 0; i < this.lossPoints.length; i += 2) {
      const a = this.lossPoints[i];
      const b = this.lossPoints[i + 1];
      merged.push(b ? { step: b.step, loss: (a.loss * a.count + b.loss * b.count) / (a.count + b.count), count: a.count + b.count } : a);
    }
    this.lossPoints = merged;
    this.blockSize *= 2;
  }

  private maybeRender(t: number, every = this.updateEveryMs): void {
    if (!this.shown || t - this.lastRender >= every || this.step >= this.steps) this.render(false);
  }

  private render(force: boolean): void {
    const t = this.now();
    this.lastRender = t;
    if (this.sink) {
      const text = `${this.title}: ${this.statusLine()}`;
      // SVG frames while training (updated in place); the interactive Plotly figure once finished.
      const bundle = this.final !== undefined ? figureBundle(this.figure(), text) : { 'image/svg+xml': this.frameSvg(), 'text/plain': text };
      displayBundle(bundle, { sink: this.sink, displayId: this.displayId, update: this.shown });
      this.shown = true;
    } else if (force || (this.printEveryMs > 0 && t - this.lastPrint >= this.printEveryMs)) {
      this.lastPrint = t;
      this.shown = true;
      process.stderr.write(`[${this.title}] ${this.statusLine()}\n`);
    }
  }
}

function escapeTitle(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A live view for a run of `steps` steps; pass `.callbacks` to `train` and call `.finish(result)` after. */
export function liveTraining(args: LiveTrainingArgs): LiveTraining {
  return new LiveTraining(args);
}

/**
 * `train` with a live view: the same arguments and result, plus the view's options. Callbacks in
 * `trainerArgs` still run (after the view's).
 */
export async function trainLive(model: SequenceModel, data: DataSource, trainerArgs: TrainerArgs = {}, view: Omit<LiveTrainingArgs, 'steps'> = {}): Promise<TrainResult> {
  const live = new LiveTraining({ ...view, steps: resolveTrainerArgs(trainerArgs).steps });
  const user = trainerArgs.callbacks ?? {};
  const callbacks: TrainerCallbacks = {
    onStep: async (e) => { live.recordStep(e.step, e.loss); await user.onStep?.(e); },
    onEval: async (e) => { live.recordEval(e); await user.onEval?.(e); },
    onCheckpoint: user.onCheckpoint,
  };
  try {
    const result = await train(model, data, { ...trainerArgs, callbacks });
    live.finish(result);
    return result;
  } catch (err) {
    live.fail(err);
    throw err;
  }
}
