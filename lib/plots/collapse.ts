/**
 * Figures of the collapse sweep (lib/experiments/collapse-sweep.ts): the paired Cog ÷ softmax
 * sensitivity against length, one line per depth, with its bootstrap interval as error bars
 * (`collapseRatioFigure`); and the sensitivity itself per mechanism (`collapseSensitivityFigure`).
 */
import type { CollapseSweep } from '../experiments/collapse-sweep.js';
import type { PlotlyFigure } from './display.js';
import { lineFigure, ruleColor, type LineSeries } from './figures.js';

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
