/**
 * Plotly figure builders shared by the notebooks: lines (with optional spread bands), grouped bars and
 * heatmaps (several panels behind a drop-down). They return plain figure objects; `show` displays them,
 * and a notebook can adjust any field before showing (`fig.layout.height = 500`).
 *
 * Every figure has a title, labelled axes and a legend where there is more than one series. Colors are
 * fixed per attention rule (`ruleColor`), so DPA, EA and Cog look the same in every notebook.
 */
import type { PlotlyFigure, PlotlyTrace } from './display.js';

/** A fixed color per attention rule (and a palette for anything else). */
const RULE_COLORS: Record<string, string> = {
  'dot-product': '#1f77b4', // blue
  expressive: '#d62728', // red
  cog: '#2ca02c', // green
  'expressive-softmax': '#ff7f0e', // orange
  'expressive-ratio': '#9467bd', // purple
  'signed-expressive': '#8c564b', // brown
};
export const PALETTE: readonly string[] = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The color of an attention rule by name (e.g. 'expressive'); other names get palette colors by index. */
export function ruleColor(name: string, index = 0): string {
  return RULE_COLORS[name] ?? PALETTE[index % PALETTE.length];
}

/** Short labels for the rules, as the papers write them. */
export const RULE_LABELS: Readonly<Record<string, string>> = {
  'dot-product': 'DPA (softmax)',
  expressive: 'EA',
  cog: 'Cog',
  'expressive-softmax': 'EA-softmax (ablation)',
  'expressive-ratio': 'EA-ratio (ablation)',
  'signed-expressive': 'signed EA (ours)',
};

export function ruleLabel(name: string): string {
  return RULE_LABELS[name] ?? name;
}

/** Layout defaults every builder starts from. */
export function baseLayout(title: string, xTitle: string, yTitle: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title, x: 0.02, xanchor: 'left' },
    xaxis: { title: { text: xTitle }, zeroline: false, automargin: true },
    yaxis: { title: { text: yTitle }, zeroline: false, automargin: true },
    legend: { orientation: 'v' },
    margin: { l: 70, r: 20, t: 60, b: 60 },
    height: 420,
    template: { layout: { font: { family: 'Helvetica, Arial, sans-serif', size: 13 } } },
    ...extra,
  };
}

export interface LineSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
  /** Half-width of a shaded band around y (e.g. the std over seeds), same length as y. */
  spread?: readonly number[];
  /** Error bars instead of a band: above y (and below, unless errorYMinus is given). */
  errorY?: readonly number[];
  /** Error bars below y, for asymmetric intervals (e.g. Wilson). */
  errorYMinus?: readonly number[];
  /** Defaults to ruleColor(name, index). */
  color?: string;
  dash?: 'solid' | 'dash' | 'dot' | 'dashdot';
  /** 'lines' (default), 'markers' or 'lines+markers'. */
  mode?: string;
  /** Hover text per point. */
  text?: readonly string[];
}

export interface LineFigureArgs {
  title: string;
  xTitle: string;
  yTitle: string;
  series: readonly LineSeries[];
  logX?: boolean;
  logY?: boolean;
  /** Fixed y range, e.g. [0, 1] for accuracies. */
  yRange?: [number, number];
  /** Tick positions of the x axis (e.g. angles 0, 45, ..., 180). */
  xTickValues?: readonly number[];
  /** Suffix of x tick labels, e.g. '°'. */
  xTickSuffix?: string;
  /** Draw y = 0 as a thin line (for signed quantities). Default false. */
  zeroLine?: boolean;
  height?: number;
}

/** Lines (optionally with shaded spread bands or error bars), one legend entry per series. */
export function lineFigure(args: LineFigureArgs): PlotlyFigure {
  const data: PlotlyTrace[] = [];
  args.series.forEach((s, i) => {
    if (s.x.length !== s.y.length) throw new Error(`lineFigure: series '${s.name}' has ${s.x.length} x values and ${s.y.length} y values`);
    const color = s.color ?? ruleColor(s.name, i);
    const spread = s.spread;
    if (spread) {
      if (spread.length !== s.y.length) throw new Error(`lineFigure: series '${s.name}' spread has ${spread.length} values, y has ${s.y.length}`);
      data.push({
        type: 'scatter', mode: 'lines', name: `${s.name} ± spread`, showlegend: false, hoverinfo: 'skip',
        x: [...s.x, ...[...s.x].reverse()],
        y: [...s.y.map((v, j) => v + spread[j]), ...s.y.map((v, j) => v - spread[j]).reverse()],
        fill: 'toself', fillcolor: withAlpha(color, 0.18), line: { width: 0, color }, legendgroup: s.name,
      });
    }
    data.push({
      type: 'scatter', mode: s.mode ?? 'lines', name: s.name, x: [...s.x], y: [...s.y], legendgroup: s.name,
      line: { color, dash: s.dash ?? 'solid', width: 2 }, marker: { color, size: 6 },
      ...(s.text ? { text: [...s.text], hovertemplate: '%{text}<extra>%{fullData.name}</extra>' } : {}),
      ...(s.errorY ? { error_y: { type: 'data', array: [...s.errorY], ...(s.errorYMinus ? { symmetric: false, arrayminus: [...s.errorYMinus] } : {}), visible: true, color } } : {}),
    });
  });
  const layout = baseLayout(args.title, args.xTitle, args.yTitle, args.height ? { height: args.height } : {});
  const xaxis = layout.xaxis as Record<string, unknown>;
  const yaxis = layout.yaxis as Record<string, unknown>;
  if (args.logX) xaxis.type = 'log';
  if (args.logY) yaxis.type = 'log';
  if (args.yRange) yaxis.range = args.yRange;
  if (args.xTickValues) {
    // Explicit tick text: plotly ignores ticksuffix on array ticks.
    Object.assign(xaxis, { tickmode: 'array', tickvals: [...args.xTickValues], ticktext: args.xTickValues.map((v) => `${v}${args.xTickSuffix ?? ''}`) });
  } else if (args.xTickSuffix) {
    xaxis.ticksuffix = args.xTickSuffix;
  }
  if (args.zeroLine) Object.assign(yaxis, { zeroline: true, zerolinecolor: '#888', zerolinewidth: 1 });
  layout.showlegend = args.series.length > 1;
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

export interface BarFigureArgs {
  title: string;
  xTitle: string;
  yTitle: string;
  /** The x categories. */
  categories: readonly string[];
  /** One series per group member (e.g. per rule), one value per category. */
  series: readonly { name: string; y: readonly number[]; errorY?: readonly number[]; errorYMinus?: readonly number[]; color?: string; text?: readonly string[] }[];
  yRange?: [number, number];
  zeroLine?: boolean;
  height?: number;
  /** Series text inside the bars, at their base, in white (default: above the bars). */
  textInside?: boolean;
  /** A dotted horizontal line across the plot at y, labelled at its right end (e.g. a ceiling or chance). */
  referenceLine?: { y: number; text: string };
}

/** Grouped bars: categories on x, one colored bar per series in each group. */
export function barFigure(args: BarFigureArgs): PlotlyFigure {
  const data: PlotlyTrace[] = args.series.map((s, i) => {
    if (s.y.length !== args.categories.length) {
      throw new Error(`barFigure: series '${s.name}' has ${s.y.length} values for ${args.categories.length} categories`);
    }
    const color = s.color ?? ruleColor(s.name, i);
    return {
      type: 'bar', name: s.name, x: [...args.categories], y: [...s.y], marker: { color },
      ...(s.text ? (args.textInside ? { text: [...s.text], textposition: 'inside', insidetextanchor: 'start', textfont: { color: 'white' } }
        : { text: [...s.text], textposition: 'outside', cliponaxis: false }) : {}),
      ...(s.errorY ? { error_y: { type: 'data', array: [...s.errorY], ...(s.errorYMinus ? { symmetric: false, arrayminus: [...s.errorYMinus] } : {}), visible: true } } : {}),
    };
  });
  const layout = baseLayout(args.title, args.xTitle, args.yTitle, { barmode: 'group', showlegend: args.series.length > 1 });
  if (args.height) layout.height = args.height;
  const yaxis = layout.yaxis as Record<string, unknown>;
  if (args.yRange) yaxis.range = args.yRange;
  if (args.zeroLine) Object.assign(yaxis, { zeroline: true, zerolinecolor: '#444', zerolinewidth: 1 });
  if (args.referenceLine) {
    const { y, text } = args.referenceLine;
    layout.shapes = [{ type: 'line', xref: 'paper', x0: 0, x1: 1, y0: y, y1: y, line: { dash: 'dot', color: '#555', width: 1 } }];
    layout.annotations = [{ xref: 'paper', x: 1, y, text, showarrow: false, xanchor: 'right', yanchor: 'bottom', font: { size: 11, color: '#555' } }];
  }
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

export interface HeatmapPanel {
  /** Shown in the drop-down (and the title) when there are several panels. */
  name: string;
  /** z[row][column]: rows along y, columns along x. */
  z: readonly (readonly number[])[];
}

export interface HeatmapFigureArgs {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Column coordinates (or labels). */
  x: readonly (number | string)[];
  /** Row coordinates (or labels). */
  y: readonly (number | string)[];
  /** One or more panels of the same shape; several get a drop-down to switch between them. */
  panels: readonly HeatmapPanel[];
  /** 'sequential' (0 = white, for weights ≥ 0) or 'diverging' (blue < 0 < red, centred at 0). Default: diverging when any value is negative. */
  colors?: 'sequential' | 'diverging';
  /** Color range; default the data's range (symmetric around 0 when diverging). */
  zRange?: [number, number];
  colorbarTitle?: string;
  /** Draw row 0 at the top (matrices, attention maps). Default false (y grows upwards). */
  rowsTopDown?: boolean;
  xTickSuffix?: string;
  height?: number;
  width?: number;
}

const SEQUENTIAL = [[0, '#ffffff'], [0.25, '#fdd49e'], [0.5, '#fc8d59'], [0.75, '#d7301f'], [1, '#7f0000']];
const DIVERGING = [[0, '#2166ac'], [0.25, '#92c5de'], [0.5, '#f7f7f7'], [0.75, '#f4a582'], [1, '#b2182b']];

/** A heatmap (e.g. an attention map or weight over angle × scale); several panels share one figure. */
export function heatmapFigure(args: HeatmapFigureArgs): PlotlyFigure {
  if (args.panels.length === 0) throw new Error('heatmapFigure: panels must not be empty');
  for (const p of args.panels) {
    if (p.z.length !== args.y.length || p.z.some((row) => row.length !== args.x.length)) {
      throw new Error(`heatmapFigure: panel '${p.name}' must be ${args.y.length} rows × ${args.x.length} columns (y × x)`);
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of args.panels) for (const row of p.z) for (const v of row) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const colors = args.colors ?? (lo < 0 ? 'diverging' : 'sequential');
  let range: [number, number] = args.zRange ?? [Math.min(lo, 0), hi];
  if (colors === 'diverging' && !args.zRange) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    range = [-m, m];
  }
  const many = args.panels.length > 1;
  const data: PlotlyTrace[] = args.panels.map((p, i) => ({
    type: 'heatmap', name: p.name, x: [...args.x], y: [...args.y], z: p.z.map((row) => [...row]),
    colorscale: colors === 'diverging' ? DIVERGING : SEQUENTIAL, zmin: range[0], zmax: range[1],
    colorbar: { title: { text: args.colorbarTitle ?? '' } }, visible: i === 0,
    hovertemplate: `${args.xTitle}: %{x}<br>${args.yTitle}: %{y}<br>value: %{z:.4g}<extra>${p.name}</extra>`,
  }));
  const title = many ? `${args.title}: ${args.panels[0].name}` : args.title;
  const layout = baseLayout(title, args.xTitle, args.yTitle, { showlegend: false });
  if (args.height) layout.height = args.height;
  if (args.width) layout.width = args.width;
  if (args.rowsTopDown) (layout.yaxis as Record<string, unknown>).autorange = 'reversed';
  if (args.xTickSuffix) (layout.xaxis as Record<string, unknown>).ticksuffix = args.xTickSuffix;
  if (many) {
    // The drop-down sits between the title and the plot, left-aligned, so neither covers the other.
    layout.margin = { l: 70, r: 20, t: 105, b: 60 };
    layout.updatemenus = [{
      type: 'dropdown', x: 0, xanchor: 'left', y: 1.03, yanchor: 'bottom', showactive: true,
      buttons: args.panels.map((p, i) => ({
        label: p.name, method: 'update',
        args: [{ visible: args.panels.map((_, j) => j === i) }, { 'title.text': `${args.title}: ${p.name}` }],
      })),
    }];
  }
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

/** '#rrggbb' → 'rgba(r,g,b,a)'. */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${alpha})`;
}
