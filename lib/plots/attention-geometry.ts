/**
 * The geometry of attention rules: how much weight a key gets as a function of the angle θ between
 * query and key, computed with the library's own rules (so the plots show the implementation).
 *
 * Write a score as s = m·cos θ, where m = scale·‖q‖‖k‖ is the score a perfectly parallel key would get.
 * Each rule maps scores to affinities f(s) and divides by a row normaliser that is the same for every
 * key of the row (Σf, or Σ|f| for signed rules). So the ratio of two keys' weights depends on their two
 * scores only:
 *
 *   relative weight  r(θ) = α(key at θ) / α(parallel key) = f(m cos θ) / f(m)
 *
 * (DPA: exp(m(cos θ − 1)); EA: e(m cos θ)/e(m) with e(s) = s²/(1+s²); Cog: sign(cos θ)·exp(m(|cos θ| − 1)); ...)
 * `angleSweep` measures r(θ) by running each rule on a two-key row (a parallel key and a key at θ);
 * `angleScaleMap` does so over a grid of m; `contextWeights` gives the actual weights α of one query
 * over a set of keys at given angles.
 *
 * ```ts
 * const sweep = await angleSweep({ scoreMagnitude: 3 });
 * show(angleSweepFigure(sweep));
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo } from '../backend.js';
import { ATTENTION_RULES, attentionRule } from '../attention/registry.js';
import { causalMask, type AttentionRuleOptions } from '../attention/rule.js';
import type { PlotlyFigure } from './display.js';
import { barFigure, heatmapFigure, lineFigure, ruleColor, ruleLabel } from './figures.js';

/** Angles 0°, 1°, ..., 180°. */
export const DEFAULT_ANGLES: readonly number[] = Array.from({ length: 181 }, (_, i) => i);

export interface AngleSweepArgs {
  /** Rules to compare, by registry name. Default: all of ATTENTION_RULES. */
  rules?: readonly string[];
  /** m = scale·‖q‖‖k‖, the score of a parallel key. Default 3. */
  scoreMagnitude?: number;
  /** Angles between query and key, in degrees. Default 0..180 in steps of 1. */
  angles?: readonly number[];
  /** Options passed to every rule (temperature, epsilon). */
  ruleOptions?: AttentionRuleOptions;
}

export interface AngleSweep {
  rules: string[];
  scoreMagnitude: number;
  angles: number[];
  /** rule → r(θ) per angle: the weight of a key at θ relative to a parallel key (signed for signed rules). */
  relativeWeight: Record<string, number[]>;
}

function checkMagnitude(m: number, name = 'scoreMagnitude'): number {
  if (!(m > 0) || !Number.isFinite(m)) throw new Error(`${name} must be a positive finite number; got ${m}`);
  return m;
}

function checkRules(rules: readonly string[] | undefined): string[] {
  const list = [...(rules ?? ATTENTION_RULES)];
  if (list.length === 0) throw new Error('rules must name at least one attention rule');
  for (const r of list) attentionRule(r); // throws with the list of known rules
  return list;
}

/** cos of an angle in degrees, exactly 0 at ±90° (Math.cos(π/2) is 6e-17, which squared is not 0). */
const cosDeg = (deg: number): number => {
  const c = Math.cos((deg * Math.PI) / 180);
  return Math.abs(c) < 1e-12 ? 0 : c;
};

/**
 * r(θ) for each pair (m, θ): one two-key causal row per pair — key 0 parallel (score m), key 1 at θ
 * (score m cos θ) — and the ratio α₁/α₀ of the rule's weights. Returns [magnitudes.length][angles.length].
 */
function relativeWeights(rule: string, magnitudes: readonly number[], angles: readonly number[], options: AttentionRuleOptions): number[][] {
  const n = magnitudes.length * angles.length;
  const scores = new Float32Array(n * 4); // [n, 2, 2]: row 0 sees key 0 only, row 1 sees both
  magnitudes.forEach((m, i) => angles.forEach((deg, j) => {
    const o = (i * angles.length + j) * 4;
    scores.set([m, 0, m, m * cosDeg(deg)], o);
  }));
  const w = tf.tidy(() => {
    const mask = causalMask(2);
    const alpha = attentionRule(rule, options).weights(tf.tensor3d(scores, [n, 2, 2]), mask); // [n, 2, 2]
    return alpha.dataSync() as Float32Array;
  });
  return magnitudes.map((_, i) => angles.map((__, j) => {
    const o = (i * angles.length + j) * 4;
    return w[o + 3] / w[o + 2]; // α(key at θ) / α(parallel key), both in row 1
  }));
}

/** The weight of a key at angle θ relative to a parallel key, for each rule (see the file comment). */
export async function angleSweep(args: AngleSweepArgs = {}): Promise<AngleSweep> {
  await backendInfo();
  const rules = checkRules(args.rules);
  const scoreMagnitude = checkMagnitude(args.scoreMagnitude ?? 3);
  const angles = [...(args.angles ?? DEFAULT_ANGLES)];
  const relativeWeight: Record<string, number[]> = {};
  for (const r of rules) relativeWeight[r] = relativeWeights(r, [scoreMagnitude], angles, args.ruleOptions ?? {})[0];
  return { rules, scoreMagnitude, angles, relativeWeight };
}

export interface AngleScaleMap {
  rules: string[];
  angles: number[];
  magnitudes: number[];
  /** rule → r[m index][θ index]. */
  relativeWeight: Record<string, number[][]>;
}

/** r(θ) over a grid of score magnitudes m (default 0.25, 0.5, ..., 6) and angles (default every 2°). */
export async function angleScaleMap(args: { rules?: readonly string[]; magnitudes?: readonly number[]; angles?: readonly number[]; ruleOptions?: AttentionRuleOptions } = {}): Promise<AngleScaleMap> {
  await backendInfo();
  const rules = checkRules(args.rules);
  const magnitudes = [...(args.magnitudes ?? Array.from({ length: 24 }, (_, i) => (i + 1) / 4))];
  magnitudes.forEach((m) => checkMagnitude(m, 'magnitudes[]'));
  const angles = [...(args.angles ?? Array.from({ length: 91 }, (_, i) => 2 * i))];
  const relativeWeight: Record<string, number[][]> = {};
  for (const r of rules) relativeWeight[r] = relativeWeights(r, magnitudes, angles, args.ruleOptions ?? {});
  return { rules, angles, magnitudes, relativeWeight };
}

/**
 * The weights α_j one query gives a row of keys at the given angles (all visible), each key scoring
 * m cos θ_j. Returns rule → α per key.
 */
export async function contextWeights(args: { keyAngles: readonly number[]; rules?: readonly string[]; scoreMagnitude?: number; ruleOptions?: AttentionRuleOptions }): Promise<Record<string, number[]>> {
  await backendInfo();
  const rules = checkRules(args.rules);
  const m = checkMagnitude(args.scoreMagnitude ?? 3);
  const T = args.keyAngles.length;
  if (T === 0) throw new Error('keyAngles must hold at least one angle');
  const row = args.keyAngles.map((deg) => m * cosDeg(deg));
  const scores = new Float32Array(T * T);
  for (let i = 0; i < T; i++) scores.set(row, i * T); // every query row scores the same keys; the mask hides j > i
  const out: Record<string, number[]> = {};
  for (const r of rules) {
    out[r] = tf.tidy(() => {
      const alpha = attentionRule(r, args.ruleOptions ?? {}).weights(tf.tensor2d(scores, [T, T]), causalMask(T)); // [T, T]
      return Array.from(alpha.dataSync().subarray((T - 1) * T)); // the last query sees every key
    });
  }
  return out;
}

/** Line plot of r(θ), one line per rule. */
export function angleSweepFigure(sweep: AngleSweep, title = `Weight of a key at angle θ, relative to a parallel key (m = ${sweep.scoreMagnitude})`): PlotlyFigure {
  return lineFigure({
    title,
    xTitle: 'angle θ between query and key',
    yTitle: 'α(θ) / α(0°)',
    xTickValues: [0, 30, 60, 90, 120, 150, 180],
    xTickSuffix: '°',
    zeroLine: true,
    // Signed rules dashed: Cog coincides with DPA, and signed EA with EA, for θ < 90°.
    series: sweep.rules.map((r, i) => ({
      name: ruleLabel(r), color: ruleColor(r, i), x: sweep.angles, y: sweep.relativeWeight[r],
      dash: attentionRule(r).signed ? 'dash' as const : 'solid' as const,
    })),
  });
}

/** Heatmap of r(θ, m), one drop-down entry per rule. */
export function angleScaleFigure(map: AngleScaleMap, title = 'Relative weight α(θ)/α(0°) over angle and score magnitude'): PlotlyFigure {
  return heatmapFigure({
    title,
    xTitle: 'angle θ',
    yTitle: 'score magnitude m',
    x: map.angles,
    y: map.magnitudes,
    xTickSuffix: '°',
    panels: map.rules.map((r) => ({ name: ruleLabel(r), z: map.relativeWeight[r] })),
    colors: 'diverging',
    zRange: [-1, 1],
    colorbarTitle: 'α(θ)/α(0°)',
  });
}

/** Grouped bars of the weights of `contextWeights`, one group per key. */
export function contextWeightsFigure(weights: Record<string, number[]>, keyLabels: readonly string[], title = 'Weights one query gives each key'): PlotlyFigure {
  const rules = Object.keys(weights);
  return barFigure({
    title,
    xTitle: 'key',
    yTitle: 'attention weight α',
    categories: keyLabels,
    // Value labels on the bars, except on (near-)zero bars, where they would pile up.
    series: rules.map((r, i) => ({ name: ruleLabel(r), color: ruleColor(r, i), y: weights[r], text: weights[r].map((v) => (Math.abs(v) < 0.005 ? '' : v.toFixed(2))) })),
    zeroLine: true,
  });
}
