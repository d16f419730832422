/**
 * The table behind the plateau stop's defaults (lib/train/plateau.ts): what each (window W, minDelta δ)
 * would have done to the committed full-scale runs, replayed on their evaluation curves.
 *
 *   npx tsx scripts/plateau-defaults.ts            # every full record under data/
 *   npx tsx scripts/plateau-defaults.ts --root DIR
 *
 * Per setting: how many runs it would have ended before they did, the share of their steps it saves,
 * and what it costs — the best accuracy of the whole run minus the best accuracy up to the stop
 * (mean over all runs, and the worst run). Only curves with every evaluation kept (not thinned to
 * CURVE_POINTS) count, since W is a number of evaluations.
 */
import { parseArgs } from 'node:util';
import { loadResults } from '../lib/lab/results.js';
import { defaultDataDir } from '../lib/lab/store.js';
import { plateauIndex, resolvePlateauArgs } from '../lib/train/plateau.js';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const { values } = parseArgs({ options: { root: { type: 'string' } } });
const root = values.root ?? defaultDataDir();

/** Every `<paper>/<experiment>/full` folder under the root. */
function fullDirs(dir: string, depth = 0): string[] {
  if (depth === 2) return statSync(join(dir, 'full'), { throwIfNoEntry: false })?.isDirectory() ? [join(dir, 'full')] : [];
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => fullDirs(join(dir, d.name), depth + 1));
}

const { records } = loadResults(fullDirs(root), { quiet: true });
const curves: { accuracies: number[]; steps: number[] }[] = [];
let thinned = 0;
for (const r of records) {
  const every = r.spec.trainer.evalEvery ?? 100;
  const steps = r.curve.map((p) => p.step);
  // Kept whole: consecutive evaluations evalEvery apart (the last may be the final step, closer).
  const whole = steps.slice(1, -1).every((s, i) => s - steps[i] === every);
  if (!whole || steps.length < 2) {
    thinned++;
    continue;
  }
  curves.push({ accuracies: r.curve.map((p) => p.accuracy), steps });
}

console.log(`${records.length} full records under ${root}; ${curves.length} with every evaluation kept (${thinned} thinned or too short, left out)\n`);
console.log('| W | δ | runs ended earlier | steps saved | best-accuracy loss: mean | max |');
console.log('|---|---|---|---|---|---|');
for (const window of [3, 5, 10, 20]) {
  for (const minDelta of [0, 0.001, 0.005, 0.01, 0.02]) {
    const config = resolvePlateauArgs({ window, minDelta });
    let ended = 0;
    let stepsAll = 0;
    let stepsSaved = 0;
    let lossSum = 0;
    let lossMax = 0;
    for (const { accuracies, steps } of curves) {
      const end = steps[steps.length - 1];
      stepsAll += end;
      const at = plateauIndex(accuracies, config);
      if (at < 0 || at === accuracies.length - 1) continue;
      ended++;
      stepsSaved += end - steps[at];
      const loss = Math.max(...accuracies) - Math.max(...accuracies.slice(0, at + 1));
      lossSum += loss;
      lossMax = Math.max(lossMax, loss);
    }
    console.log(`| ${window} | ${minDelta} | ${ended} of ${curves.length} | ${((100 * stepsSaved) / stepsAll).toFixed(1)} % | ` +
      `${(lossSum / curves.length).toFixed(4)} | ${lossMax.toFixed(3)} |`);
  }
}
