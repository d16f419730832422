/**
 * Figures for notebook 01 (EA vs DPA on the complexity ladder): a sweep figure with one panel per
 * model size (mean over seeds as lines, every seed as a dot), and a grid of attention maps with one
 * shared color scale; the share of seeds at 100 % per rung with Wilson intervals (`solvedShareFigure`).
 *
 * ```ts
 * ea.show(ea.sweepFigure({ title: 'Accuracy', rows, x: 'N', metric: 'finalAccuracy', color: 'mechanism', dash: 'b', panel: 'size' }));
 * ea.show(ea.attentionGridFigure({ title: 'Attention', tokens, maps: [{ title: 'EA, head 0', z }, ...], columns: 2 }));
 * ```
 */
import type { MechanismSummary, RungComparison } from './verdicts.js';
import type { PlotlyFigure, PlotlyTrace } from '../../plots/display.js';
import { baseLayout, lineFigure, ruleColor, ruleLabel, withAlpha, type LineSeries } from '../../plots/figures.js';
import type { Scalar } from '../../lab/types.js';


export interface SweepFigureArgs {
  title: string;
  /** One row per run (seed), e.g. `resultRows(records)`. */
  rows: readonly Record<string, Scalar>[];
  /** Numeric column on the x axis, e.g. 'N'. */
  x: string;
  /** Numeric column on the y axis, e.g. 'finalAccuracy'. */
  metric: string;
  /** Column that sets the color (attention rule names get their fixed colors), e.g. 'mechanism'. */
  color: string;
  /** Column that sets the line style (solid, dash, dot, ...), e.g. 'b'. Optional. */
  dash?: string;
  /** Column with one side-by-side panel per value, e.g. 'size'. Optional. */
  panel?: string;
  /** Order of the panels (values of `panel`). Default: numbers ascending, other values in order of appearance. */
  panelOrder?: readonly Scalar[];
  xTitle?: string;
  yTitle?: string;
  /** Default [0, 1.05] (accuracies). */
  yRange?: [number, number];
  /** Label of a dash value in the legend, e.g. (v) => `b = ${v}`. Default `${dash} = ${v}`. */
  dashLabel?: (value: Scalar) => string;
  height?: number;
}

const DASHES = ['solid', 'dash', 'dot', 'dashdot'];

function distinct(rows: readonly Record<string, Scalar>[], column: string | undefined): Scalar[] {
  if (!column) return [''];
  const values = [...new Set(rows.map((r) => r[column]))];
  return values.every((v) => typeof v === 'number') ? (values as number[]).sort((a, b) => a - b) : values;
}

/**
 * Mean over runs (line) and every run (dots, slightly offset per series so they do not hide each
 * other) of `metric` against `x`, one panel per `panel` value; color by `color`, line style by `dash`.
 */
export function sweepFigure(args: SweepFigureArgs): PlotlyFigure {
  const { rows } = args;
  for (const c of [args.x, args.metric, args.color, args.dash, args.panel]) {
    if (c && rows.length && !(c in rows[0])) throw new Error(`sweepFigure: no column '${c}'; columns are ${Object.keys(rows[0]).join(', ')}`);
  }
  const panels = args.panelOrder ? args.panelOrder.filter((p) => rows.some((r) => args.panel && r[args.panel] === p)) : distinct(rows, args.panel);
  const colors = distinct(rows, args.color);
  const dashes = distinct(rows, args.dash);
  const xs = distinct(rows, args.x) as number[];
  const step = xs.length > 1 ? Math.min(...xs.slice(1).map((v, i) => v - xs[i])) : 1;
  const nSeries = colors.length * dashes.length;
  const gap = 0.04;
  const width = (1 - gap * (panels.length - 1)) / panels.length;
  const data: PlotlyTrace[] = [];
  const layout = baseLayout(args.title, '', args.yTitle ?? args.metric, { height: args.height ?? 440 });
  const annotations: Record<string, unknown>[] = [];
  panels.forEach((p, pi) => {
    const suffix = pi === 0 ? '' : String(pi + 1);
    const domain = [pi * (width + gap), pi * (width + gap) + width];
    layout[`xaxis${suffix}`] = {
      title: { text: args.xTitle ?? args.x }, domain, anchor: `y${suffix}`, tickmode: 'array', tickvals: xs, zeroline: false,
    };
    layout[`yaxis${suffix}`] = {
      ...(pi === 0 ? { title: { text: args.yTitle ?? args.metric } } : { showticklabels: true }), anchor: `x${suffix}`,
      range: args.yRange ?? [0, 1.05], zeroline: false, automargin: true,
    };
    if (args.panel) {
      annotations.push({
        text: `<b>${args.panel} = ${String(p)}</b>`, xref: 'paper', yref: 'paper', x: (domain[0] + domain[1]) / 2, y: 1.0,
        xanchor: 'center', yanchor: 'bottom', showarrow: false,
      });
    }
    colors.forEach((c, ci) => dashes.forEach((d, di) => {
      const mine = rows.filter((r) => (!args.panel || r[args.panel] === p) && r[args.color] === c && (!args.dash || r[args.dash] === d));
      if (mine.length === 0) return;
      const name = `${ruleLabel(String(c))}${args.dash ? `, ${args.dashLabel ? args.dashLabel(d) : `${args.dash} = ${String(d)}`}` : ''}`;
      const color = ruleColor(String(c), ci);
      const offset = nSeries > 1 ? ((ci * dashes.length + di) / (nSeries - 1) - 0.5) * 0.25 * step : 0;
      const means = xs.map((x) => {
        const vals = mine.filter((r) => r[args.x] === x).map((r) => Number(r[args.metric])).filter((v) => !Number.isNaN(v));
        return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
      });
      const group = `${String(c)}|${String(d)}`;
      data.push({
        type: 'scatter', mode: 'lines+markers', name, legendgroup: group, showlegend: pi === 0,
        x: xs, y: means, xaxis: `x${suffix}`, yaxis: `y${suffix}`,
        line: { color, dash: DASHES[di % DASHES.length], width: 2.5 }, marker: { color, size: 7 },
        hovertemplate: `${args.x} = %{x}<br>mean %{y:.3f}<extra>${name}</extra>`,
      });
      data.push({
        type: 'scatter', mode: 'markers', name: `${name}: each seed`, legendgroup: group, showlegend: false,
        x: mine.map((r) => Number(r[args.x]) + offset), y: mine.map((r) => Number(r[args.metric])),
        xaxis: `x${suffix}`, yaxis: `y${suffix}`,
        marker: { color: withAlpha(color, 0.55), size: 6, symbol: di === 0 ? 'circle-open' : 'diamond-open', line: { width: 1.5 } },
        text: mine.map((r) => `seed ${String(r.seed ?? '?')}`),
        hovertemplate: `${args.x} = %{x:.0f}<br>%{y:.3f} (%{text})<extra>${name}</extra>`,
      });
    }));
  });
  layout.annotations = annotations;
  layout.margin = { l: 70, r: 20, t: args.panel ? 80 : 60, b: 60 };
  layout.legend = { orientation: 'h', y: -0.2, x: 0 };
  layout.height = args.height ?? 470;
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

export interface AttentionGridArgs {
  title: string;
  /** Token labels along both axes (query rows, key columns). */
  tokens: readonly string[];
  /** One map per panel: z[query][key]. */
  maps: readonly { title: string; z: readonly (readonly number[])[] }[];
  /** Panels per row. Default 2. */
  columns?: number;
  /** Color range. Default [0, largest weight]. */
  zRange?: [number, number];
  height?: number;
}

/** Attention maps side by side (query rows top-down, key columns), one shared sequential color scale. */
export function attentionGridFigure(args: AttentionGridArgs): PlotlyFigure {
  const cols = args.columns ?? 2;
  const n = args.maps.length;
  if (n === 0) throw new Error('attentionGridFigure: maps must not be empty');
  const T = args.tokens.length;
  for (const m of args.maps) {
    if (m.z.length !== T || m.z.some((r) => r.length !== T)) throw new Error(`attentionGridFigure: map '${m.title}' must be ${T} × ${T} (the tokens)`);
  }
  const rowsN = Math.ceil(n / cols);
  const hi = args.zRange?.[1] ?? Math.max(...args.maps.flatMap((m) => m.z.flatMap((r) => r.map(Math.abs))));
  const gx = 0.06;
  const gy = 0.12;
  const w = (1 - gx * (cols - 1)) / cols;
  const h = (1 - gy * (rowsN - 1)) / rowsN;
  // Positions as labels "3·t", so that repeated token values stay distinct categories.
  const labels = args.tokens.map((t, i) => `${t}·${i}`);
  const data: PlotlyTrace[] = [];
  const layout = baseLayout(args.title, '', '', { showlegend: false });
  const annotations: Record<string, unknown>[] = [];
  args.maps.forEach((m, k) => {
    const suffix = k === 0 ? '' : String(k + 1);
    const col = k % cols;
    const row = Math.floor(k / cols);
    const xd = [col * (w + gx), col * (w + gx) + w];
    const yd = [1 - row * (h + gy) - h, 1 - row * (h + gy)];
    data.push({
      type: 'heatmap', name: m.title, x: labels, y: labels, z: m.z.map((r) => [...r]), xaxis: `x${suffix}`, yaxis: `y${suffix}`,
      coloraxis: 'coloraxis', hovertemplate: `query %{y}<br>key %{x}<br>weight %{z:.3f}<extra>${m.title}</extra>`,
    });
    layout[`xaxis${suffix}`] = { domain: xd, anchor: `y${suffix}`, tickangle: 0, tickfont: { size: 9 }, title: { text: row === rowsN - 1 ? 'key (token·position)' : '' }, automargin: true };
    layout[`yaxis${suffix}`] = { domain: yd, anchor: `x${suffix}`, autorange: 'reversed', tickfont: { size: 9 }, title: { text: col === 0 ? 'query' : '' }, automargin: true };
    annotations.push({ text: `<b>${m.title}</b>`, xref: 'paper', yref: 'paper', x: (xd[0] + xd[1]) / 2, y: yd[1], xanchor: 'center', yanchor: 'bottom', showarrow: false });
  });
  layout.annotations = annotations;
  layout.coloraxis = {
    colorscale: [[0, '#ffffff'], [0.25, '#fdd49e'], [0.5, '#fc8d59'], [0.75, '#d7301f'], [1, '#7f0000']],
    cmin: args.zRange?.[0] ?? 0, cmax: hi, colorbar: { title: { text: 'weight' } },
  };
  layout.height = args.height ?? 420 * rowsN;
  layout.margin = { l: 80, r: 20, t: 80, b: 60 };
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

export interface SolvedShareFigureArgs {
  title: string;
  /** Rung comparisons (`compareMechanisms`) of one model size. */
  comparisons: readonly RungComparison[];
  /** The numeric rung coordinate on the x axis. Default 'N'. */
  along?: string;
  /** The rung coordinate that makes one line per value (line style). Default 'b'. */
  line?: string;
}

const DASH_STYLES = ['solid', 'dash', 'dot', 'dashdot'] as const;

/** Share of seeds at 100 % against complexity, one line per mechanism × `line` value, Wilson 95 % intervals as error bars. */
export function solvedShareFigure(args: SolvedShareFigureArgs): PlotlyFigure {
  const along = args.along ?? 'N';
  const line = args.line ?? 'b';
  const lines = [...new Set(args.comparisons.map((c) => c.rung[line]))]
    .sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), 'en', { numeric: true })));
  const series: LineSeries[] = [];
  for (const [mi, m] of (['dpa', 'ea'] as const).entries()) {
    lines.forEach((v, li) => {
      const points = args.comparisons.filter((c) => c.rung[line] === v && c[m]).sort((a, b) => Number(a.rung[along]) - Number(b.rung[along]));
      const s = points.map((c) => c[m] as MechanismSummary);
      const rule = m === 'ea' ? 'expressive' : 'dot-product';
      series.push({
        name: `${ruleLabel(rule)}, ${line} = ${String(v)}`, color: ruleColor(rule), dash: DASH_STYLES[li % DASH_STYLES.length], mode: 'lines+markers',
        x: points.map((c) => Number(c.rung[along]) + (mi - 0.5) * 0.3), y: s.map((x) => x.solved.estimate),
        errorY: s.map((x) => x.solved.hi - x.solved.estimate), errorYMinus: s.map((x) => x.solved.estimate - x.solved.lo),
        text: s.map((x, i) => `${along} = ${points[i].rung[along]}: ${x.solvedSeeds}/${x.seeds.length} seeds at 100 %`),
      });
    });
  }
  return lineFigure({ title: args.title, xTitle: along, yTitle: 'share of seeds at 100 % (Wilson 95 %)', series, yRange: [-0.05, 1.05] });
}
