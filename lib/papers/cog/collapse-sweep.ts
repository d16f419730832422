/**
 * Representational collapse across depth and length at initialisation (COG paper; issue 17):
 * the last-position sensitivity (`sensitivity` in lib/tasks/collapse.ts) of freshly initialised
 * transformers, softmax against Cog, over many random initialisations.
 *
 * Each initialisation seed gives BOTH mechanisms the same weights (the parameter shapes do not depend
 * on the rule), so Cog ÷ softmax is a paired comparison of one set of weights under two rules; its
 * log ratio gets a bootstrap interval over the seeds. "Cog keeps more sensitivity" at a (depth,
 * length) only when that interval lies above 0.
 *
 *   collapseSweep({ depths: [2, 4, 8, 12], lengths: [64, 128, 256, 512], inits: 20 })
 *   → one point per (mechanism, depth, length): mean sensitivity over seeds with its interval, and the
 *     paired Cog ÷ softmax ratio (geometric mean) with its interval
 *
 * Cog's layers (`cogLayers`): 'inner' keeps softmax in the first and last layer, as the reference code
 * (lmAttention): at depth 2 that leaves no Cog layer and the two mechanisms coincide; 'all' uses Cog in
 * every layer.
 */
import { lmAttention } from './grids.js';
import { bootstrapInterval, type Interval } from '../../lab/statistics.js';
import { disposeParams, initParams } from '../../models/params.js';
import { Transformer } from '../../models/transformer.js';
import { sensitivity, type ProbeFamily } from '../../tasks/collapse.js';
import { intParam, choiceParam } from '../../tasks/task.js';

export interface CollapseSweepArgs {
  /** Numbers of layers. Default [2, 4, 6, 8, 12]. */
  depths?: number[];
  /** Probe lengths n (digits after the prefix). Default [64, 128, 256, 512]. */
  lengths?: number[];
  /** Random initialisations (seeds 0..inits−1), the same weights for both mechanisms. Default 20. */
  inits?: number;
  /** The probe: 'find-zero' (the first digit differs), 'count-ones' (one more 1), 'flip-any' (ours). Default 'find-zero'. */
  family?: ProbeFamily;
  /** Where Cog replaces softmax: 'inner' (not the first and last layer; the reference code) or 'all'. Default 'inner'. */
  cogLayers?: 'inner' | 'all';
  /** Model width, heads, feed-forward width (the LM of cog-lm). Defaults 64, 4, 256. */
  width?: number;
  heads?: number;
  ffWidth?: number;
  /** Initialisation std of the weights. Default 0.02 (the library's). */
  initStd?: number;
  /** Bootstrap: level, resamples, seed. Defaults 0.95, 4000, 0. */
  level?: number;
  resamples?: number;
  seed?: number;
}

export interface CollapsePoint {
  mechanism: 'dot-product' | 'cog';
  depth: number;
  length: number;
  /** Sensitivity over the seeds (mean, bootstrap interval), and relative to the shortest length (per seed, then averaged). */
  sensitivity: Interval;
  relative: Interval;
}

export interface CollapseRatio {
  depth: number;
  length: number;
  /** Cog ÷ softmax sensitivity, paired by seed: geometric mean and its bootstrap interval. */
  ratio: Interval;
  /** Where the interval lies: above 1 → 'cog', below 1 → 'softmax', else 'undecided'. */
  moreSensitive: 'cog' | 'softmax' | 'undecided';
}

export interface CollapseSweep {
  points: CollapsePoint[];
  ratios: CollapseRatio[];
  settings: Required<Omit<CollapseSweepArgs, 'level' | 'resamples' | 'seed'>>;
}

/** The sweep; forward passes only, nothing trained. Time grows with depth × length²: the defaults took 101 s on two cores shared with two training workers (measured). */
export function collapseSweep(args: CollapseSweepArgs = {}): CollapseSweep {
  const depths = (args.depths ?? [2, 4, 6, 8, 12]).map((d, i) => intParam(`depths[${i}]`, d, 1));
  const lengths = (args.lengths ?? [64, 128, 256, 512]).map((n, i) => intParam(`lengths[${i}]`, n, 1));
  const inits = intParam('inits', args.inits ?? 20, 2);
  const family = choiceParam('family', args.family ?? 'find-zero', ['find-zero', 'count-ones', 'flip-any'] as const);
  const cogLayers = choiceParam('cogLayers', args.cogLayers ?? 'inner', ['inner', 'all'] as const);
  const width = intParam('width', args.width ?? 64, 1);
  const heads = intParam('heads', args.heads ?? 4, 1);
  const ffWidth = intParam('ffWidth', args.ffWidth ?? 256, 1);
  const initStd = args.initStd ?? 0.02;
  const boot = { level: args.level ?? 0.95, resamples: args.resamples ?? 4000, seed: args.seed ?? 0 };
  const contextLength = Math.max(...lengths) + 1; // count-ones and find-zero add a token
  const points: CollapsePoint[] = [];
  const ratios: CollapseRatio[] = [];
  for (const depth of depths) {
    const attention = (m: 'dot-product' | 'cog'): string[] => (m === 'cog' && cogLayers === 'all' ? Array(depth).fill('cog') : lmAttention(m, depth));
    // values[mechanism][seed][length]
    const values = { 'dot-product': [] as number[][], cog: [] as number[][] };
    for (const m of ['dot-product', 'cog'] as const) {
      const model = new Transformer({ vocabSize: 4, contextLength, width, heads, ffWidth, layers: depth, attention: attention(m), initStd });
      for (let s = 0; s < inits; s++) {
        const params = initParams(model, s);
        values[m].push(sensitivity(model, params, { family, lengths, chunks: heads }).values);
        disposeParams(params);
      }
      model.dispose();
    }
    lengths.forEach((length, k) => {
      for (const m of ['dot-product', 'cog'] as const) {
        points.push({
          mechanism: m, depth, length,
          sensitivity: bootstrapInterval(values[m].map((v) => v[k]), 'mean', boot),
          relative: bootstrapInterval(values[m].map((v) => v[k] / v[0]), 'mean', boot),
        });
      }
      const logs = values.cog.map((v, s) => Math.log(v[k] / values['dot-product'][s][k]));
      const i = bootstrapInterval(logs, 'mean', boot);
      const ratio = { estimate: Math.exp(i.estimate), lo: Math.exp(i.lo), hi: Math.exp(i.hi), n: i.n };
      ratios.push({ depth, length, ratio, moreSensitive: ratio.lo > 1 ? 'cog' : ratio.hi < 1 ? 'softmax' : 'undecided' });
    });
  }
  return { points, ratios, settings: { depths, lengths, inits, family, cogLayers, width, heads, ffWidth, initStd } };
}
