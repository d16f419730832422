/**
 * A small SVG line-chart writer for the live training view.
 *
 * Why not Plotly for the live frames: JupyterLab's Plotly renderer (jupyterlab-plotly 7) draws a figure
 * once and ignores later `update_display_data` messages for the same output, so a Plotly output cannot
 * be updated in place. The SVG renderer re-renders on every update. So the view sends SVG frames while
 * training and replaces them with an interactive Plotly figure at the end (a different MIME type makes
 * JupyterLab build a new renderer). SVG needs no JavaScript and costs a few kilobytes per frame.
 */

export interface SvgSeries {
  name: string;
  color: string;
  points: readonly { x: number; y: number }[];
  dash?: boolean;
  width?: number;
  /** Draw a dot at each point (sparse series such as evaluations). */
  markers?: boolean;
}

export interface SvgPanel {
  xLabel: string;
  yLabel: string;
  xRange: [number, number];
  /** Default: the data's range (padded). */
  yRange?: [number, number];
  logY?: boolean;
  /** Tick label of a y value; default a short number. */
  yTick?: (v: number) => string;
  series: readonly SvgSeries[];
}

export interface SvgChartArgs {
  title: string;
  subtitle?: string;
  panels: readonly SvgPanel[];
  width?: number;
  height?: number;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3))));

/** About `count` round tick values (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Log-axis ticks: powers of ten in [lo, hi], with 2 and 5 between them when there are few. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const mantissas = last - first <= 2 ? [1, 2, 5] : [1];
  for (let e = first; e <= last; e++) for (const m of mantissas) {
    const v = m * 10 ** e;
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

function panelSvg(p: SvgPanel, x0: number, y0: number, w: number, h: number): string {
  const ys = p.series.flatMap((s) => s.points.map((q) => q.y)).filter((v) => Number.isFinite(v) && (!p.logY || v > 0));
  let [ylo, yhi] = p.yRange ?? (ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (!p.yRange) {
    if (p.logY) { ylo /= 1.3; yhi *= 1.3; } else { const pad = (yhi - ylo) * 0.05 || Math.abs(yhi) * 0.1 || 1; ylo -= pad; yhi += pad; }
  }
  if (p.logY && !(ylo > 0)) ylo = Math.min(yhi, 1) / 10;
  if (!(yhi > ylo)) yhi = ylo + 1;
  const [xlo, xhi] = p.xRange[1] > p.xRange[0] ? p.xRange : [p.xRange[0], p.xRange[0] + 1];
  const tx = (x: number): number => x0 + ((x - xlo) / (xhi - xlo)) * w;
  const ty = (y: number): number => {
    const f = p.logY ? (Math.log10(y) - Math.log10(ylo)) / (Math.log10(yhi) - Math.log10(ylo)) : (y - ylo) / (yhi - ylo);
    return y0 + h - f * h;
  };
  const out: string[] = [];
  out.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="#fff" stroke="#bbb"/>`);
  for (const v of niceTicks(xlo, xhi)) {
    const x = tx(v).toFixed(1);
    out.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + h}" stroke="#eee"/>`,
      `<text x="${x}" y="${y0 + h + 16}" text-anchor="middle">${esc(fmt(v))}</text>`);
  }
  const yTick = p.yTick ?? fmt;
  // A log axis spanning less than a decade may hold a single 1-2-5 tick: use round linear values then.
  const logT = p.logY ? logTicks(ylo, yhi) : [];
  const yTicks = p.logY && logT.length >= 3 ? logT : niceTicks(ylo, yhi, p.logY ? 4 : 5).filter((v) => !p.logY || v > 0);
  for (const v of yTicks) {
    const y = ty(v).toFixed(1);
    out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + w}" y2="${y}" stroke="#eee"/>`,
      `<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(yTick(v))}</text>`);
  }
  out.push(`<text x="${x0 + w / 2}" y="${y0 + h + 36}" text-anchor="middle" font-size="13">${esc(p.xLabel)}</text>`,
    `<text transform="translate(${x0 - 48},${y0 + h / 2}) rotate(-90)" text-anchor="middle" font-size="13">${esc(p.yLabel)}</text>`);
  out.push(`<clipPath id="c${x0}"><rect x="${x0}" y="${y0}" width="${w}" height="${h}"/></clipPath><g clip-path="url(#c${x0})">`);
  for (const s of p.series) {
    const pts = s.points.filter((q) => Number.isFinite(q.y) && (!p.logY || q.y > 0));
    if (pts.length === 0) continue;
    const d = pts.map((q, i) => `${i ? 'L' : 'M'}${tx(q.x).toFixed(1)},${ty(q.y).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}"${s.dash ? ' stroke-dasharray="5,4"' : ''}/>`);
    if (s.markers || pts.length === 1) for (const q of pts) out.push(`<circle cx="${tx(q.x).toFixed(1)}" cy="${ty(q.y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
  }
  out.push('</g>');
  return out.join('');
}

/** Side-by-side panels with a title, a subtitle (status line) and one legend underneath. */
export function svgChart(args: SvgChartArgs): string {
  const width = args.width ?? 900;
  const height = args.height ?? 340;
  const n = args.panels.length;
  const left = 70;
  const gap = 80;
  const top = args.subtitle ? 62 : 42;
  const legendH = 24;
  const panelW = (width - left - 20 - gap * (n - 1)) / n;
  const panelH = height - top - 50 - legendH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11" fill="#333">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left - 50}" y="24" font-size="16">${esc(args.title)}</text>`,
  ];
  if (args.subtitle) parts.push(`<text x="${left - 50}" y="46" font-size="12.5" fill="#555">${esc(args.subtitle)}</text>`);
  args.panels.forEach((p, i) => parts.push(panelSvg(p, left + i * (panelW + gap), top, panelW, panelH)));
  let lx = left;
  const ly = height - 12;
  for (const s of args.panels.flatMap((p) => p.series)) {
    parts.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.5"${s.dash ? ' stroke-dasharray="5,4"' : ''}/>`,
      `<text x="${lx + 27}" y="${ly}">${esc(s.name)}</text>`);
    lx += 40 + 6.2 * s.name.length;
  }
  parts.push('</svg>');
  return parts.join('');
}
