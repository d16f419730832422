/**
 * lib/plots: the MIME bundle `show` sends, the figure builders, the attention-geometry numbers (against
 * closed forms), the live training view (with a fake display sink and clock), EA_SCALE parsing.
 * Rendering in a real JupyterLab is checked by browser.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend.js';
import { ATTENTION_RULES } from '../lib/attention/registry.js';
import { Transformer } from '../lib/models/transformer.js';
import { disposeParams } from '../lib/models/params.js';
import { ToySource } from '../lib/train/data.js';
import {
  PLOTLY_MIME, angleScaleMap, angleSweep, barFigure, contextWeights, figureBundle, formatDuration, formatRate,
  heatmapFigure, inNotebook, lineFigure, LiveTraining, logTicks, niceTicks, show, svgChart, tableBundle, trainLive,
  type DisplaySink, type MimeBundle, type PlotlyFigure,
} from '../lib/plots/index.js';
import { assertClose } from './helpers.js';
import { notebookScale } from '../lib/notebook/scale.js';

await initBackend(process.env.EA_TEST_BACKENDS?.split(',')[0] as 'tensorflow' | 'wasm' | 'cpu' | undefined);

/** A sink that records every message. */
function recorder(): { sink: DisplaySink; messages: { bundle: MimeBundle; id: string; update: boolean }[] } {
  const messages: { bundle: MimeBundle; id: string; update: boolean }[] = [];
  return { messages, sink: (bundle, id, update) => { messages.push({ bundle, id, update }); } };
}

const figure = (): PlotlyFigure => lineFigure({ title: 'T', xTitle: 'x', yTitle: 'y', series: [{ name: 'expressive', x: [1, 2, 3], y: [0.123456789, NaN, 3] }] });

test('figureBundle: Plotly JSON object + HTML fallback + text; numbers rounded, NaN → null, nothing of plotly.js inlined', () => {
  const b = figureBundle(figure());
  assert.deepEqual(Object.keys(b).sort(), [PLOTLY_MIME, 'text/html', 'text/plain'].sort());
  const json = b[PLOTLY_MIME] as PlotlyFigure;
  assert.equal(typeof json, 'object', 'the Plotly entry must be a JSON object, not a string (a string breaks JupyterLab)');
  assert.deepEqual(json.data[0].y, [0.123457, null, 3]);
  assert.equal((json.layout?.title as { text: string }).text, 'T');
  const html = b['text/html'] as string;
  assert.match(html, /window\.__eaPlotly|w\.__eaPlotly/, 'plotly.js is loaded through one shared promise per page');
  assert.match(html, /cdn\.plot\.ly\/plotly-\d+\.\d+\.\d+\.min\.js/);
  assert.ok(html.length < 5000, `the fallback must not inline plotly.js (got ${html.length} chars)`);
  assert.equal(b['text/plain'], '<Plotly figure: T>');
});

test('figureBundle: a title with </script> cannot end the fallback script early', () => {
  const html = figureBundle({ data: [], layout: { title: { text: '</script><b>x' } } })['text/html'] as string;
  assert.equal(html.split('</script>').length, 2, 'exactly one closing script tag');
  assert.ok(!html.includes('<b>x'), 'the title is escaped in the placeholder');
});

test('show: one display_data message to the sink; outside a notebook one printed line', () => {
  const r = recorder();
  show(figure(), { sink: r.sink });
  assert.equal(r.messages.length, 1);
  assert.equal(r.messages[0].update, false);
  assert.ok(PLOTLY_MIME in r.messages[0].bundle);
  assert.equal(inNotebook(), false);
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => { lines.push(s); };
  try { show(figure()); } finally { console.log = log; }
  assert.deepEqual(lines, ['<Plotly figure: T>']);
});

test('tableBundle: aligned text and escaped HTML; a short row is an error', () => {
  const b = tableBundle({ columns: ['rule', 'α'], rows: [['<cog>', -0.00001], ['expressive', 0.5]] });
  assert.equal(b['text/plain'], 'rule        α\n----------  -----\n<cog>       0.000\nexpressive  0.500');
  assert.match(b['text/html'] as string, /&lt;cog&gt;/);
  assert.throws(() => tableBundle({ columns: ['a', 'b'], rows: [['x']] }), /row 0 has 1 cells for 2 columns/);
});

test('figure builders: titles and axis labels set; mismatched data is an error naming the series', () => {
  const line = lineFigure({ title: 'L', xTitle: 'step', yTitle: 'loss', logY: true, series: [
    { name: 'cog', x: [1, 2], y: [1, 2], spread: [0.1, 0.1] }, { name: 'expressive', x: [1, 2], y: [2, 3] }] });
  assert.equal(line.data.length, 3, 'band + two lines');
  assert.equal((line.layout?.xaxis as { title: { text: string } }).title.text, 'step');
  assert.equal((line.layout?.yaxis as { type: string }).type, 'log');
  assert.equal(line.layout?.showlegend, true);
  assert.throws(() => lineFigure({ title: '', xTitle: '', yTitle: '', series: [{ name: 'bad', x: [1], y: [1, 2] }] }), /'bad' has 1 x values and 2 y values/);
  assert.throws(() => barFigure({ title: '', xTitle: '', yTitle: '', categories: ['a', 'b'], series: [{ name: 'b1', y: [1] }] }), /'b1' has 1 values for 2 categories/);
  const bars = barFigure({ title: 'B', xTitle: 'x', yTitle: 'y', categories: ['a', 'b'], series: [{ name: 'cog', y: [1, 2], text: ['1/3', '2/3'] }], textInside: true, referenceLine: { y: 0.56, text: 'ceiling' } });
  assert.deepEqual([bars.data[0].textposition, bars.data[0].text], ['inside', ['1/3', '2/3']]);
  assert.deepEqual((bars.layout?.shapes as { y0: number; y1: number }[]).map((l) => [l.y0, l.y1]), [[0.56, 0.56]]);
  assert.equal((bars.layout?.annotations as { text: string }[])[0].text, 'ceiling');
  assert.equal(barFigure({ title: '', xTitle: '', yTitle: '', categories: ['a'], series: [{ name: 'c', y: [1], text: ['x'] }] }).data[0].textposition, 'outside');
  const heat = heatmapFigure({ title: 'H', xTitle: 'key', yTitle: 'query', x: [0, 1], y: [0, 1], rowsTopDown: true,
    panels: [{ name: 'p', z: [[1, -3], [0, 2]] }, { name: 'q', z: [[0, 0], [0, 0]] }] });
  assert.deepEqual([heat.data[0].zmin, heat.data[0].zmax], [-3, 3], 'diverging colors centred at 0');
  assert.deepEqual(heat.data.map((d) => d.visible), [true, false]);
  assert.equal((heat.layout?.updatemenus as unknown[]).length, 1, 'a drop-down for several panels');
  assert.throws(() => heatmapFigure({ title: '', xTitle: '', yTitle: '', x: [0, 1], y: [0], panels: [{ name: 'p', z: [[1]] }] }), /'p' must be 1 rows × 2 columns/);
});

/** r(θ) = f(m cos θ)/f(m) worked out by hand for each rule (τ = 1). */
const closedForms: Record<string, (c: number, m: number) => number> = {
  'dot-product': (c, m) => Math.exp(m * (c - 1)),
  expressive: (c, m) => (c * c * (1 + m * m)) / (1 + m * m * c * c),
  cog: (c, m) => Math.sign(c) * Math.exp(m * (Math.abs(c) - 1)),
  'expressive-softmax': (c, m) => Math.exp(m * m * (c * c - 1)),
  'expressive-ratio': (c) => c * c,
  'signed-expressive': (c, m) => (Math.sign(c) * c * c * (1 + m * m)) / (1 + m * m * c * c),
};

test('angleSweep: every rule matches its closed form r(θ); orthogonal keys get exactly 0 under EA', async () => {
  assert.deepEqual(Object.keys(closedForms).sort(), [...ATTENTION_RULES].sort(), 'a closed form for every registered rule');
  for (const m of [0.5, 3]) {
    const sweep = await angleSweep({ scoreMagnitude: m, angles: [0, 30, 60, 90, 120, 150, 180] });
    for (const rule of ATTENTION_RULES) {
      const expected = sweep.angles.map((deg) => closedForms[rule](deg === 90 ? 0 : Math.cos((deg * Math.PI) / 180), m));
      assertClose(sweep.relativeWeight[rule], expected, `${rule}, m = ${m}`, 1e-4, 1e-6);
    }
    assert.equal(sweep.relativeWeight.expressive[3], 0);
  }
  const hot = await angleSweep({ rules: ['expressive-softmax'], scoreMagnitude: 2, angles: [60], ruleOptions: { temperature: 4 } });
  assertClose(hot.relativeWeight['expressive-softmax'], [Math.exp((4 * (0.25 - 1)) / 4)], 'temperature 4', 1e-5);
});

test('angleScaleMap and contextWeights: shapes, row sums, signs', async () => {
  const map = await angleScaleMap({ rules: ['dot-product', 'cog'], magnitudes: [1, 2], angles: [0, 90, 180] });
  assert.equal(map.relativeWeight.cog.length, 2);
  assertClose(map.relativeWeight.cog[1], [1, 0, -1], 'cog r at m = 2');
  const w = await contextWeights({ keyAngles: [0, 90, 180], scoreMagnitude: 2 });
  for (const rule of ['dot-product', 'expressive', 'expressive-softmax', 'expressive-ratio']) {
    assertClose([w[rule].reduce((a, v) => a + v, 0)], [1], `${rule}: weights sum to 1`, 1e-5);
  }
  assertClose(w['signed-expressive'], [0.5, 0, -0.5], 'signed EA copies and deletes, ignores the orthogonal key', 1e-5, 1e-7);
  const z = Math.exp(2) * 2 + 1; // Cog: the orthogonal key keeps e^0 in the normaliser
  assertClose(w.cog, [Math.exp(2) / z, 0, -Math.exp(2) / z], 'cog', 1e-5);
  await assert.rejects(angleSweep({ rules: ['softmax'] }), /unknown attention rule 'softmax'; known rules: dot-product/);
  await assert.rejects(angleSweep({ scoreMagnitude: 0 }), /scoreMagnitude must be a positive finite number; got 0/);
  await assert.rejects(contextWeights({ keyAngles: [] }), /keyAngles must hold at least one angle/);
});

test('formatDuration / formatRate', () => {
  assert.deepEqual([formatDuration(0), formatDuration(61.4), formatDuration(3725), formatDuration(NaN)], ['0:00', '1:01', '1:02:05', '?']);
  assert.deepEqual([formatRate(35.24), formatRate(0.25), formatRate(0)], ['35.2 steps/s', '4.00 s/step', '? steps/s']);
});

test('LiveTraining: one display id, first render display_data then updates, throttled; SVG frames, Plotly at the end', () => {
  const r = recorder();
  let now = 0;
  const live = new LiveTraining({ steps: 100, title: 'run', sink: r.sink, now: () => now, updateEveryMs: 1000, maxPoints: 10 });
  const losses: number[] = [];
  for (let step = 1; step <= 40; step++) {
    now = step * 100; // 10 steps per second
    const loss = 5 / step;
    losses.push(loss);
    live.recordStep(step, loss);
  }
  // renders at step 1 (first), then whenever ≥ 1000 ms passed: steps 11, 21, 31
  assert.equal(r.messages.length, 4);
  assert.deepEqual(r.messages.map((m) => m.update), [false, true, true, true]);
  assert.equal(new Set(r.messages.map((m) => m.id)).size, 1, 'every render replaces the same output');
  live.recordEval({ step: 40, loss: 0.5, accuracy: 0.75, perLabel: { copy: 0.5, increment: 1 } });
  assert.equal(r.messages.length, 5, 'an evaluation renders');
  const status = live.statusLine();
  assert.match(status, /^step 40\/100 \(40\.0%\) · 10\.0 steps\/s · ETA 0:06 · loss 0\.1250 · eval accuracy 75\.0% \(best 75\.0%\)$/);
  // Frames while training are SVG (JupyterLab's Plotly renderer does not redraw on updates).
  assert.deepEqual(r.messages.map((m) => Object.keys(m.bundle).sort()), Array(5).fill(['image/svg+xml', 'text/plain']));
  const frame = r.messages[4].bundle['image/svg+xml'] as string;
  assert.match(frame, /^<svg [^>]*>.*<\/svg>$/s);
  for (const text of ['ETA 0:06', 'loss (cross-entropy)', 'eval accuracy', 'accuracy: copy', 'accuracy: increment']) {
    assert.ok(frame.includes(text), `the SVG frame shows '${text}'`);
  }
  assert.equal(r.messages[4].bundle['text/plain'], `run: ${status}`);
  // the loss curve is thinned to ≤ maxPoints, and its points still average all the losses
  const xs = live.figure().data[0].x as number[];
  assert.ok(xs.length <= 10, `thinned to ${xs.length} points`);
  assert.equal(xs.at(-1), 40);
  live.finish({ steps: 40, stopReason: 'perfect', finalAccuracy: 1, bestAccuracy: 1, bestStep: 40, wallTimeMs: 4000 });
  assert.equal(r.messages.length, 6);
  assert.equal(r.messages[5].update, true);
  assert.equal(r.messages[5].id, r.messages[0].id, 'the final figure replaces the same output');
  const fig = r.messages[5].bundle[PLOTLY_MIME] as PlotlyFigure;
  assert.deepEqual(fig.data.map((d) => d.name), ['training loss', 'eval loss', 'eval accuracy', 'accuracy: copy', 'accuracy: increment']);
  assert.match(live.statusLine(), /^stopped at 100% accuracy \(step 40\) in 0:04 · final accuracy 100\.0%/);
  assert.ok(((fig.layout?.title as { text: string }).text).includes(live.statusLine()), 'the outcome is in the final figure\'s title');
  assert.throws(() => new LiveTraining({ steps: 0 }), /steps must be a positive integer; got 0/);
});

test('LiveTraining: thinning keeps the mean of the losses', () => {
  const live = new LiveTraining({ steps: 64, sink: () => {}, maxPoints: 10, now: () => 0 });
  const losses = Array.from({ length: 64 }, (_, i) => Math.sin(i) + 2);
  losses.forEach((l, i) => live.recordStep(i + 1, l));
  const y = live.figure().data[0].y as number[];
  const x = live.figure().data[0].x as number[];
  // each point is the mean of the block of steps ending at its x
  let prev = 0;
  const expected = x.map((end) => { const block = losses.slice(prev, end); prev = end; return block.reduce((a, v) => a + v, 0) / block.length; });
  assertClose(y, expected, 'block means', 1e-12, 1e-12);
});

test('trainLive: trains as train does and renders live into the sink', async () => {
  const data = new ToySource({ symbols: 4, length: 6, period: 2, batchSize: 4, evalBatches: 1, seed: 0 });
  const model = new Transformer({ vocabSize: data.vocabSize, contextLength: 6, width: 8, layers: 1, heads: 2, ffWidth: 16 });
  const r = recorder();
  const before = tf.memory().numTensors;
  const steps: number[] = [];
  const result = await trainLive(model, data, { steps: 6, evalEvery: 3, earlyStopAtPerfect: false, callbacks: { onStep: (e) => { steps.push(e.step); } } },
    { title: 'tiny', sink: r.sink, updateEveryMs: 0 });
  disposeParams(result.params);
  model.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensors left after disposing params and model');
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6], 'the caller\'s callbacks still run');
  assert.ok(r.messages.length >= 8, `a render per step and eval (got ${r.messages.length})`);
  assert.match(String(r.messages.at(-1)?.bundle['text/plain']), /^tiny: finished 6 steps in/);
  await assert.rejects(trainLive(model, data, { steps: 2, learningRate: -1 }, { sink: r.sink }), /learningRate must be a positive finite number/);
});

test('svgChart: ticks, escaping, log axis', () => {
  assert.deepEqual(niceTicks(0, 300), [0, 100, 200, 300]);
  assert.deepEqual(niceTicks(0, 1.02), [0, 0.5, 1]);
  assert.deepEqual(niceTicks(0.6, 2.4), [1, 1.5, 2]);
  assert.deepEqual(logTicks(0.01, 3), [0.01, 0.1, 1], 'powers of ten over several decades');
  assert.deepEqual(logTicks(0.2, 3), [0.2, 0.5, 1, 2], '1-2-5 over a short range');
  const svg = svgChart({ title: 'a<b', subtitle: 'x & y', panels: [{ xLabel: 'step', yLabel: 'loss', xRange: [0, 10], logY: true,
    series: [{ name: 'loss', color: '#000', points: [{ x: 1, y: 2 }, { x: 2, y: 0 }, { x: 3, y: 1 }] }] }] });
  assert.ok(svg.includes('a&lt;b') && svg.includes('x &amp; y'), 'text is escaped');
  assert.equal((svg.match(/<path /g) ?? []).length, 1);
  assert.match(svg, /<path d="M[0-9.]+,[0-9.]+L[0-9.]+,[0-9.]+"/, 'the non-positive point is left out on a log axis');
});

test('notebookScale: EA_SCALE values; unset means load the committed results', () => {
  assert.equal(notebookScale(undefined), undefined);
  assert.equal(notebookScale(''), undefined);
  assert.equal(notebookScale('quick'), 'quick');
  assert.throws(() => notebookScale('tiny'), /EA_SCALE must be one of smoke, quick, full \(or unset to load the committed results from data\/\); got 'tiny'/);
});
