/**
 * Figures of the collapse sweep (lib/papers/cog/collapse-sweep.ts): the paired Cog ÷ softmax
 * sensitivity against length, one line per depth, with its bootstrap interval as error bars
 * (`collapseRatioFigure`); and the sensitivity itself per mechanism (`collapseSensitivityFigure`). Of
 * trained collapse records (cog-collapse, cog-collapse-deep): one probe's relative sensitivity per rule
 * and phase, at one depth (`trainedCollapseFigure`).
 */
import type { CollapseCurve } from './analysis.js';
import type { CollapseSweep } from './collapse-sweep.js';
import type { PlotlyFigure } from '../../plots/display.js';
import { lineFigure, ruleColor, ruleLabel, type LineSeries } from '../../plots/figures.js';

const DASHES = ['solid', 'dash', 'dot', 'dashdot'] as const;

/** Cog ÷ softmax (geometric mean over initialisations, 95 % interval) against length, one line per depth; 1 = no difference. */
export function collapseRatioFigure(sweep: CollapseSweep, title = 'Cog ÷ softmax: last-position sensitivity, same weights'): PlotlyFigure {
  const depths = [...new Set(sweep.ratios.map((r) => r.depth))];
  const series: LineSeries[] = depths.map((depth, i) => {
    const rs = sweep.ratios.filter((r) => r.depth === depth);
    return {
      name: `${depth} layers`, mode: 'lines+markers', dash: DASHES[i % DASHES.length],
      x: rs.map((r) => r.length), y: rs.map((r) => r.ratio.estimate),
      errorY: rs.map((r) => r.ratio.hi - r.ratio.estimate), errorYMinus: rs.map((r) => r.ratio.estimate - r.ratio.lo),
      text: rs.map((r) => `depth ${depth}, n = ${r.length}: ${r.ratio.estimate.toFixed(3)} [${r.ratio.lo.toFixed(3)}, ${r.ratio.hi.toFixed(3)}], ${r.moreSensitive}`),
    };
  });
  return lineFigure({ title, xTitle: 'sequence length n', yTitle: `Cog ÷ softmax (${sweep.settings.inits} initialisations, 95 %)`, series, logX: true });
}

/** Sensitivity against length per mechanism and depth (mean over initialisations, 95 % interval); `relative` divides by the shortest length's. */
export function collapseSensitivityFigure(sweep: CollapseSweep, metric: 'sensitivity' | 'relative' = 'sensitivity', title = 'Last-position sensitivity at initialisation'): PlotlyFigure {
  const depths = [...new Set(sweep.points.map((p) => p.depth))];
  const series: LineSeries[] = [];
  for (const mechanism of ['dot-product', 'cog'] as const) {
    depths.forEach((depth, i) => {
      const ps = sweep.points.filter((p) => p.depth === depth && p.mechanism === mechanism);
      series.push({
        name: `${mechanism === 'cog' ? 'Cog' : 'softmax'}, ${depth} layers`, color: ruleColor(mechanism), dash: DASHES[i % DASHES.length], mode: 'lines+markers',
        x: ps.map((p) => p.length), y: ps.map((p) => p[metric].estimate),
        errorY: ps.map((p) => p[metric].hi - p[metric].estimate), errorYMinus: ps.map((p) => p[metric].estimate - p[metric].lo),
      });
    });
  }
  return lineFigure({ title, xTitle: 'sequence length n', yTitle: metric === 'relative' ? 'sensitivity ÷ at the shortest length' : 'sensitivity (mean max |Δ| per head)', series, logX: true, logY: metric === 'sensitivity' });
}

/**
 * The models trained on `family` (and, for records with a depth axis, of `depth` layers), probed with the
 * same family: relative sensitivity against n (log scale), mean ± std over seeds; one colour per rule,
 * solid trained and dashed at initialisation.
 */
export function trainedCollapseFigure(curves: readonly CollapseCurve[], family: string, { depth, title }: { depth?: number; title?: string } = {}): PlotlyFigure {
  const own = curves.filter((c) => c.group.family === family && c.probe === family && (depth === undefined || Number(c.group.depth) === depth));
  if (depth !== undefined && !own.length) throw new Error(`trainedCollapseFigure: no curves of depth ${depth} trained on '${family}'; depths: ${[...new Set(curves.map((c) => c.group.depth))].join(', ')}`);
  return lineFigure({
    title: title ?? `Probe "${family}", models trained on it${depth === undefined ? '' : ` (${depth} layers)`}: sensitivity relative to the smallest n`,
    xTitle: 'n (length of the run of ones; log scale)', yTitle: 'relative sensitivity (mean ± std over seeds)', logX: true, zeroLine: true,
    series: own.map((c): LineSeries => ({
      name: `${ruleLabel(String(c.group.mechanism))}, ${c.phase === 'trained' ? 'trained' : 'at initialisation'}`,
      color: ruleColor(String(c.group.mechanism)), dash: c.phase === 'trained' ? 'solid' : 'dash', mode: 'lines+markers',
      x: c.lengths, y: c.relative.map((r) => r.mean), spread: c.relative.map((r) => (Number.isFinite(r.std) ? r.std : 0)),
    })),
  });
}
