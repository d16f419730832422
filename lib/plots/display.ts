/**
 * Showing Plotly figures from a tslab notebook.
 *
 * `show(figure)` sends one MIME bundle per figure:
 *   'application/vnd.plotly.v1+json'  the figure as a JSON object: JupyterLab's Plotly renderer (from
 *                                     the `plotly` Python wheel in .venv) draws it, also in an
 *                                     untrusted notebook, so saved figures reappear when it is reopened;
 *   'text/html'                       a fallback for front ends without that renderer: a placeholder
 *                                     plus a script that loads plotly.js once per page and draws the
 *                                     figure (scripts run only in trusted notebooks);
 *   'text/plain'                      one line naming the figure.
 * Nothing of plotly.js is inlined, so a figure costs kilobytes, not megabytes, in the saved notebook.
 *
 * (tslab's own `display.raw(type, string)` sends a single MIME type as a string; a Plotly entry sent as
 * a string breaks JupyterLab's rendering of later cells. So this module sends the bundle through
 * tslab's kernel writer itself, with the same message format tslab uses.)
 *
 * ```ts
 * import * as ea from 'expressive-attention';
 * ea.show(ea.lineFigure({ title: 'loss', series: [{ name: 'EA', x: [1, 2, 3], y: [2.1, 1.3, 0.9] }] }));
 * ```
 */
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

/** A Plotly trace (see plotly.js docs); only the fields this library sets are typed. */
export interface PlotlyTrace {
  type?: string;
  name?: string;
  x?: readonly unknown[];
  y?: readonly unknown[];
  z?: readonly (readonly (number | null)[])[];
  mode?: string;
  [key: string]: unknown;
}

/** A Plotly figure: traces, layout and config, exactly as plotly.js takes them (plain JSON). */
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** A Jupyter MIME bundle: MIME type → content (JSON object for JSON types, string otherwise). */
export type MimeBundle = Record<string, unknown>;

/**
 * Where display messages go. `update` is false for the first message of a display id (display_data)
 * and true for later ones (update_display_data). Tests pass their own; in a notebook it is tslab's.
 */
export type DisplaySink = (bundle: MimeBundle, displayId: string, update: boolean) => void;

/** The plotly.js the HTML fallback loads: $EA_PLOTLY_URL, else the CDN build of the installed plotly.js-dist. */
export function plotlyScriptUrl(): string {
  if (process.env.EA_PLOTLY_URL) return process.env.EA_PLOTLY_URL;
  let version = '3.7.0';
  try {
    version = (createRequire(import.meta.url)('plotly.js-dist/package.json') as { version: string }).version;
  } catch { /* not installed: keep the version this library was written against */ }
  return `https://cdn.plot.ly/plotly-${version}.min.js`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] as string));
}

/** JSON that is safe inside a <script> element (no "</script>", no HTML comment openers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The figure's title text, if any. */
export function figureTitle(figure: PlotlyFigure): string | undefined {
  const t = figure.layout?.title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string') return (t as { text: string }).text;
  return undefined;
}

let figuresShown = 0;

/**
 * An element id for a figure's fallback: a hash of the figure plus a counter, so ids are unique on a
 * page yet the same when an unchanged notebook is executed again (no noise in its git diff).
 */
function fallbackId(figure: PlotlyFigure): string {
  return `ea-plot-${createHash('sha256').update(JSON.stringify(figure)).digest('hex').slice(0, 10)}-${++figuresShown}`;
}

/**
 * The HTML fallback: a placeholder that says what it is, replaced by the figure once plotly.js has
 * loaded. All figures of a page share one load (window.__eaPlotly), so plotly.js is fetched at most once.
 */
export function figureHtml(figure: PlotlyFigure, divId = fallbackId(figure)): string {
  const title = figureTitle(figure)?.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim(); // plotly titles may hold <br>, <sub>
  const src = plotlyScriptUrl();
  return `<div id="${divId}" class="ea-plotly-figure" style="min-height:60px">` +
    `<em>Plotly figure${title ? `: ${escapeHtml(title)}` : ''}. Open the notebook in JupyterLab to see it ` +
    '(the Plotly renderer ships with the project\'s set-up), or trust it here to load plotly.js.</em></div>\n' +
    '<script type="text/javascript">(function () {\n' +
    `  var fig = ${scriptJson(figure)};\n` +
    `  var w = window, el = document.getElementById(${scriptJson(divId)});\n` +
    '  if (!w.__eaPlotly) w.__eaPlotly = w.Plotly ? Promise.resolve(w.Plotly) : new Promise(function (ok, fail) {\n' +
    `    var s = document.createElement('script'); s.src = ${scriptJson(src)}; s.charset = 'utf-8';\n` +
    '    s.onload = function () { ok(w.Plotly); }; s.onerror = fail; document.head.appendChild(s);\n' +
    '  });\n' +
    '  w.__eaPlotly.then(function (Plotly) { el.innerHTML = \'\'; Plotly.newPlot(el, fig.data, fig.layout || {}, fig.config || {}); },\n' +
    `    function () { el.innerHTML += ' <small>(plotly.js could not be loaded from ' + ${scriptJson(src)} + ')</small>'; });\n` +
    '})();</script>';
}

function compactNumber(_key: string, value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value;
}

/** The MIME bundle `show` sends: Plotly JSON, HTML fallback, one line of text. */
export function figureBundle(figure: PlotlyFigure, text?: string): MimeBundle {
  const title = figureTitle(figure)?.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  // A deep copy through JSON: what is sent is exactly what will be saved (NaN and ±Infinity → null),
  // with numbers rounded to 6 significant digits (float32 data has about 7; a plot needs far fewer).
  const json = JSON.parse(JSON.stringify({ data: figure.data, layout: figure.layout ?? {}, config: figure.config ?? {} }, compactNumber)) as PlotlyFigure;
  return {
    [PLOTLY_MIME]: json,
    'text/html': figureHtml(json),
    'text/plain': text ?? `<Plotly figure${title ? `: ${title}` : ''}>`,
  };
}

interface TslabJupyterModule {
  lastWriteDisplayData: ((data: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id: string } }, update: boolean) => void) | null;
}

/**
 * tslab's writer of display messages, when this code runs inside a tslab kernel, else undefined.
 * Found through the module cache (the kernel has loaded tslab's `dist/jupyter.js`), so it is the
 * running kernel's instance even if several copies of tslab are installed.
 */
function tslabWriter(): TslabJupyterModule['lastWriteDisplayData'] {
  const cache = createRequire(import.meta.url).cache;
  for (const [path, mod] of Object.entries(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(path)) continue;
    const writer = (mod?.exports as TslabJupyterModule | undefined)?.lastWriteDisplayData;
    if (typeof writer === 'function') return writer;
  }
  return null;
}

/** True when running inside a tslab (Jupyter) kernel, where `show` displays rich output. */
export function inNotebook(): boolean {
  return tslabWriter() !== null;
}

/** The sink of the running tslab kernel, or undefined outside a notebook. */
export function notebookSink(): DisplaySink | undefined {
  const writer = tslabWriter();
  if (!writer) return undefined;
  return (bundle, displayId, update) => writer({ data: bundle, metadata: {}, transient: { display_id: displayId } }, update);
}

export function newDisplayId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Displays a MIME bundle. In a notebook it becomes the cell's output; elsewhere its text/plain line
 * is printed. Returns the display id (pass it to `updateBundle` to replace this output in place).
 */
export function displayBundle(bundle: MimeBundle, options: { sink?: DisplaySink; displayId?: string; update?: boolean } = {}): string {
  const displayId = options.displayId ?? newDisplayId();
  const sink = options.sink ?? notebookSink();
  if (sink) sink(bundle, displayId, options.update ?? false);
  else console.log(String(bundle['text/plain'] ?? '<rich output: shown only in a notebook>'));
  return displayId;
}

/**
 * Shows a Plotly figure in the notebook (see the file comment). Outside a notebook prints one line.
 * (Returns nothing, so that `show(fig)` as a cell's last line adds no echo.)
 */
export function show(figure: PlotlyFigure, options: { sink?: DisplaySink } = {}): void {
  displayBundle(figureBundle(figure), options);
}

/** Shows HTML (a table, a note) in the notebook; elsewhere prints `text`. */
export function showHtml(html: string, text = html.replace(/<[^>]*>/g, ''), options: { sink?: DisplaySink } = {}): void {
  displayBundle({ 'text/html': html, 'text/plain': text }, options);
}

export interface TableArgs {
  /** Column headers. */
  columns: readonly string[];
  /** Rows of cells; numbers are shown with `digits` decimals (a column of numbers is right-aligned). */
  rows: readonly (readonly (string | number)[])[];
  /** Decimals for numbers. Default 3. */
  digits?: number;
  caption?: string;
}

/** The table as HTML and as aligned plain text (both in the bundle `showTable` sends). */
export function tableBundle(args: TableArgs): MimeBundle {
  const digits = args.digits ?? 3;
  const cell = (v: string | number): string => {
    if (typeof v !== 'number') return v;
    const s = v.toFixed(digits);
    return /^-0\.?0*$/.test(s) ? s.slice(1) : s; // no "-0.000"
  };
  args.rows.forEach((r, i) => {
    if (r.length !== args.columns.length) throw new Error(`table row ${i} has ${r.length} cells for ${args.columns.length} columns`);
  });
  const text = [args.columns, ...args.rows.map((r) => r.map(cell))];
  const widths = args.columns.map((_, j) => Math.max(...text.map((r) => r[j].length)));
  const plain = text.map((r) => r.map((c, j) => c.padEnd(widths[j])).join('  ').trimEnd());
  plain.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const numeric = args.columns.map((_, j) => args.rows.length > 0 && args.rows.every((r) => typeof r[j] === 'number'));
  const td = (v: string | number, j: number): string => `<td style="text-align:${numeric[j] ? 'right' : 'left'}">${escapeHtml(cell(v))}</td>`;
  const html = '<table>' + (args.caption ? `<caption>${escapeHtml(args.caption)}</caption>` : '') +
    `<thead><tr>${args.columns.map((c, j) => `<th style="text-align:${numeric[j] ? 'right' : 'left'}">${escapeHtml(c)}</th>`).join('')}</tr></thead>` +
    `<tbody>${args.rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('')}</tbody></table>`;
  return { 'text/html': html, 'text/plain': (args.caption ? `${args.caption}\n` : '') + plain.join('\n') };
}

/** Shows a table (HTML in a notebook, aligned text elsewhere). */
export function showTable(args: TableArgs, options: { sink?: DisplaySink } = {}): void {
  displayBundle(tableBundle(args), options);
}
