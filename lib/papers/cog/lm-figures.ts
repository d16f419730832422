/**
 * Language-model learning curves (cog-lm, cog-lm-large): bits per character over training, per rule, mean
 * ± std over seeds — held out, and optionally the training loss (the records' loss curve, dotted), which
 * shows whether a model has begun to overfit the corpus.
 */
import { bitsPerCharacter } from './analysis.js';
import type { ResultRecord } from '../../lab/record.js';
import { aggregate } from '../../lab/statistics.js';
import type { PlotlyFigure } from '../../plots/display.js';
import { lineFigure, ruleColor, ruleLabel, type LineSeries } from '../../plots/figures.js';

/** The Cog model keeps softmax in its first and last layer; say so in the legend. */
export const lmRuleLabel = (mechanism: string): string => (mechanism === 'cog' ? 'Cog (softmax in first and last layer)' : ruleLabel(mechanism));

export function lmCurvesFigure(records: readonly ResultRecord[], { train = false, title = 'Character-level LM: held-out bits per character (mean ± std over seeds)' }: { train?: boolean; title?: string } = {}): PlotlyFigure {
  const mechanisms = ['dot-product', 'cog'].filter((m) => records.some((r) => r.coords.mechanism === m));
  // Held out: the evaluations; training: the records' loss curve (mean training loss per block of steps).
  const points = (r: ResultRecord, kind: 'held out' | 'training'): { step: number; nats: number }[] =>
    (kind === 'held out' ? r.curve.map((p) => ({ step: p.step, nats: p.evalLoss })) : r.lossCurve.map((p) => ({ step: p.step, nats: p.loss })));
  const series = (m: string, kind: 'held out' | 'training'): LineSeries => {
    const own = records.filter((r) => r.coords.mechanism === m).flatMap((r) => points(r, kind)).filter((p) => Number.isFinite(p.nats));
    const steps = [...new Set(own.map((p) => p.step))].sort((a, b) => a - b);
    const at = steps.map((s) => aggregate(own.filter((p) => p.step === s).map((p) => bitsPerCharacter(p.nats))));
    return {
      name: `${lmRuleLabel(m)}, ${kind}`, color: ruleColor(m), dash: kind === 'held out' ? 'solid' : 'dot',
      x: steps, y: at.map((a) => a.mean), spread: at.map((a) => (Number.isFinite(a.std) ? a.std : 0)),
    };
  };
  return lineFigure({
    title, xTitle: 'training step', yTitle: 'bits per character',
    series: mechanisms.flatMap((m) => (train ? [series(m, 'held out'), series(m, 'training')] : [series(m, 'held out')])),
  });
}
