/**
 * Notebook 03's claims module: the rule's properties on random rows, the overflow check, seeds of a
 * cell, paired Cog − softmax, the collapse comparison, the language-model interval, and every verdict of
 * cogClaims on hand-made inputs (holds, partly, does not hold, undecided, not measured).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeletionPattern, SignedOffsetProfile } from '../lib/papers/cog/analysis.js';
import {
  ATTENTION_ONLY, cogAgainstSoftmax, cogClaims, collapseComparison, collapseComparisonTable, isSignedPositional, lmComparison, lmCorpusFit, overflowCheck, parameterCountsEqual,
  ruleProperties, seedGroup, sweepSummary, type CogClaimsInput, type CollapseComparison,
} from '../lib/papers/cog/verdicts.js';
import type { ResultRecord } from '../lib/lab/record.js';
import { assertClose, testBackends } from './helpers.js';

await testBackends(); // the rules run as tfjs ops; any backend gives the same weights within float32

type Row = Record<string, string | number | boolean>;

test('ruleProperties: Cog absolute weights sum to 1, first query ±1, negative weights; softmax never negative; bad input', () => {
  const [soft, cog] = ruleProperties(['dot-product', 'cog'], { matrices: 20, length: 6 });
  assert.equal(cog.rows, 120);
  assert.ok(cog.absSumError < 1e-6, `Σ|α| − 1 = ${cog.absSumError}`);
  assert.deepEqual(cog.firstQueryWeights, [-1, 1], 'scores ~ N(0, 9): both signs among 20 first queries');
  assert.ok(cog.negativeShare > 0.3 && cog.negativeShare < 0.7, `about half negative: ${cog.negativeShare}`);
  assert.ok(cog.sumRange[0] < 0 && cog.sumRange[1] > 0 && cog.sumRange[0] >= -1 - 1e-6 && cog.sumRange[1] <= 1 + 1e-6);
  assert.deepEqual([soft.negativeShare, soft.firstQueryWeights], [0, [1]]);
  assertClose(soft.sumRange, [1, 1], 'softmax rows sum to 1', 1e-6, 1e-6);
  assert.deepEqual(ruleProperties(['cog'], { matrices: 20, length: 6 }), [cog], 'same seed, same rows');
  assert.throws(() => ruleProperties(['cog'], { matrices: 0 }), /matrices must be a positive integer/);
  assert.throws(() => ruleProperties(['cog'], { length: 1.5 }), /length must be a positive integer/);
});

test('overflowCheck: the library stays finite on ±1000, the naive formula gives NaN', () => {
  const o = overflowCheck();
  assertClose(o.library, [0.5, -0.5, 0, 0], 'e^1000 on both sides: ±½', 1e-6, 1e-7);
  assert.equal(o.finite, true);
  assert.ok(o.naive.some(Number.isNaN));
});

const row = (mechanism: string, seed: number, acc: number, extra: Row = {}): Row =>
  ({ mechanism, seed, finalAccuracy: acc, finalEvalLoss: 1 - acc, stepsToPerfect: acc === 1 ? 100 : Number.NaN, ...extra });

test('seedGroup and cogAgainstSoftmax: hand-computed mean, solved share, paired difference (Cog − softmax)', () => {
  const g = seedGroup([row('cog', 0, 1), row('cog', 1, 0.5), row('cog', 2, 1)]);
  assert.deepEqual([g.n, g.solved, g.accuracies], [3, 2, [1, 0.5, 1]]);
  assertClose([g.mean, g.std, g.loss], [2.5 / 3, Math.sqrt(1 / 12), 0.5 / 3], 'mean, std, loss');
  assert.ok(g.solvedShare.lo < 2 / 3 && g.solvedShare.hi > 2 / 3);
  const d = cogAgainstSoftmax([row('cog', 0, 0.9), row('cog', 1, 0.7), row('dot-product', 1, 0.5), row('dot-product', 0, 0.4), row('cog', 5, 1)]);
  assert.equal(d.n, 2, 'seed 5 has no softmax partner');
  assertClose([d.meanDifference], [0.35], '(0.5 + 0.2) / 2', 1e-9, 1e-12);
  assert.deepEqual([d.lo, d.hi].map((x) => Math.round(x * 100) / 100), [0.2, 0.5]);
});

/** A collapse record of one seed: the find-zero probe at n = 4, 8 (values), trained and at init. */
function collapseRecord(mechanism: string, seed: number, trained: number[], depth?: number): ResultRecord {
  const coords = { ...(depth === undefined ? {} : { depth }), mechanism, family: 'find-zero', seed };
  return {
    experiment: depth === undefined ? 'cog-collapse' : 'cog-collapse-deep', scale: 'full', key: JSON.stringify(coords), coords,
    measures: [{ kind: 'sensitivity', family: 'find-zero', lengths: [4, 8], trained: { values: trained, relative: trained.map((v) => v / trained[0]) }, init: { values: [1, 1], relative: [1, 1] } }],
  } as unknown as ResultRecord;
}

test('collapseComparison: relative sensitivity at the largest n per group (depth kept), Cog ÷ softmax paired by seed with a t interval', () => {
  const c = collapseComparison([
    collapseRecord('cog', 0, [1, 0.8]), collapseRecord('cog', 1, [1, 0.6]), collapseRecord('dot-product', 0, [1, 0.5]), collapseRecord('dot-product', 1, [1, 0.4]),
    collapseRecord('cog', 0, [2, 0.2], 8), collapseRecord('cog', 1, [1, 0.1], 8), collapseRecord('dot-product', 0, [1, 0.3], 8), collapseRecord('dot-product', 1, [1, 0.31], 8),
    collapseRecord('cog', 3, [1, 0.9], 4), collapseRecord('dot-product', 2, [1, 0.9], 4),
  ]);
  const at = (depth: number | undefined, phase: string): CollapseComparison | undefined => c.find((x) => x.group.depth === depth && x.phase === phase);
  assert.equal(c.length, 6);
  const flat = at(undefined, 'trained') as CollapseComparison;
  assert.deepEqual(flat.group, { family: 'find-zero' });
  assert.deepEqual([flat.n0, flat.n, flat.moreSensitive], [4, 8, 'cog']);
  assertClose([flat.cog.mean, flat.softmax.mean, flat.cog.worst, flat.softmax.best], [0.7, 0.45, 0.6, 0.5], 'relative at n = 8');
  // Paired ratios 0.8/0.5 and 0.6/0.4; t interval of their logs with 1 degree of freedom (12.706).
  const interval = (ratios: number[]): number[] => {
    const l = ratios.map(Math.log);
    const mean = (l[0] + l[1]) / 2;
    const half = 12.706 * (Math.abs(l[0] - l[1]) / Math.SQRT2) / Math.SQRT2;
    return [Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half)];
  };
  assertClose([flat.ratio.estimate, flat.ratio.lo, flat.ratio.hi], interval([1.6, 1.5]), 'geometric mean ratio and its interval', 1e-3);
  const deep = at(8, 'trained') as CollapseComparison;
  assert.deepEqual([deep.group, deep.moreSensitive], [{ depth: 8, family: 'find-zero' }, 'softmax']);
  assertClose([deep.ratio.estimate, deep.ratio.lo, deep.ratio.hi], interval([0.1 / 0.3, 0.1 / 0.31]), 'depth 8: Cog below on both seeds', 1e-3);
  const unpaired = at(4, 'trained') as CollapseComparison;
  assert.deepEqual([unpaired.ratio.n, Number.isNaN(unpaired.ratio.lo), unpaired.moreSensitive], [0, true, 'undecided'], 'depth 4: no seed in common, nothing paired');
  assert.equal(at(undefined, 'init')?.moreSensitive, 'undecided', 'equal at init');
  const table = collapseComparisonTable(c);
  const deepRow = table.rows[c.indexOf(deep)];
  assert.deepEqual([deepRow[0], deepRow[4], deepRow[8], deepRow[11]], ['find-zero, 8 layers', '0.100 ± 0.000', `0.33 [${interval([0.1 / 0.3, 0.1 / 0.31]).slice(1).map((x) => x.toFixed(2)).join(', ')}]`, 'softmax']);
  assert.deepEqual(table.rows[c.indexOf(flat)].slice(0, 2), ['find-zero', 'find-zero']);
});

/** An LM record: bits per character b (stored as nats). */
const lmRecord = (mechanism: string, seed: number, bits: number): ResultRecord => ({
  experiment: 'cog-lm', scale: 'full', key: `mechanism=${mechanism},seed=${seed}`, coords: { mechanism, seed }, finalEvalLoss: bits * Math.LN2, finalAccuracy: 0.5,
  model: { kind: 'transformer', parameterCount: 1000 }, task: { kind: 'text' }, backend: { backend: 'cpu' }, library: { version: 'test' }, perLabel: {}, measures: [], spec: { seed, model: { attention: mechanism === 'cog' ? ['dot-product', 'cog', 'dot-product'] : ['dot-product', 'dot-product', 'dot-product'] } },
} as unknown as ResultRecord);

test('lmComparison: bits per character, paired Cog − softmax, the t interval', () => {
  const lm = lmComparison([lmRecord('dot-product', 0, 2.0), lmRecord('dot-product', 1, 2.1), lmRecord('dot-product', 2, 2.2), lmRecord('cog', 0, 2.01), lmRecord('cog', 1, 2.13), lmRecord('cog', 2, 2.2)]);
  assert.deepEqual(lm.rules.map((r) => [r.mechanism, r.layers, r.parameters]), [['dot-product', 'dot-product, dot-product, dot-product', [1000]], ['cog', 'dot-product, cog, dot-product', [1000]]]);
  assertClose(lm.rules[1].perSeed, [2.01, 2.13, 2.2], 'bits per seed');
  assertClose(lm.pairs.map((p) => p.difference), [0.01, 0.03, 0], 'Cog − softmax', 1e-9, 1e-9);
  const mean = 0.04 / 3;
  const std = Math.sqrt(((0.01 - mean) ** 2 + (0.03 - mean) ** 2 + mean ** 2) / 2);
  assertClose(lm.interval, [mean - 4.302652729749752 * std / Math.sqrt(3), mean + 4.302652729749752 * std / Math.sqrt(3)], 't interval, 2 degrees of freedom', 1e-9, 1e-9);
  const withBest = (r: ResultRecord, bits: number): ResultRecord => ({ ...r, bestEvalLoss: bits * Math.LN2 }) as ResultRecord;
  const best = lmComparison([withBest(lmRecord('dot-product', 0, 2.5), 2.0), withBest(lmRecord('cog', 0, 2.6), 1.9)], { loss: 'best' });
  assertClose(best.pairs.map((p) => p.difference), [-0.1], 'best held-out loss, not the final one', 1e-9, 1e-9);
  assert.throws(() => lmComparison([], { loss: 'last' as 'best' }), /loss must be 'final' or 'best'; got "last"/);
});

/** An LM record with curves: held-out and training bits per character at the given steps. */
const lmCurves = (mechanism: string, seed: number, heldOut: [number, number][], train: [number, number][]): ResultRecord => ({
  ...lmRecord(mechanism, seed, heldOut[heldOut.length - 1][1]), steps: heldOut[heldOut.length - 1][0], stopReason: 'plateau',
  curve: heldOut.map(([step, b]) => ({ step, accuracy: 0.5, evalLoss: b * Math.LN2 })), lossCurve: train.map(([step, b]) => ({ step, loss: b * Math.LN2 })),
}) as ResultRecord;

test('lmCorpusFit: where held-out loss bottoms out, the rise after it, training loss there, and the larger model against the smaller', () => {
  const large = [
    lmCurves('cog', 0, [[100, 3], [200, 2.4], [300, 2.6]], [[90, 3.1], [210, 2.2], [300, 1.8]]),
    lmCurves('dot-product', 0, [[100, 3], [200, 2.5], [300, 2.45]], [[100, 3], [300, 2]]),
    lmCurves('cog', 1, [[100, 2.5], [200, 2.7]], [[150, 2.4], [200, 2.3]]),
  ];
  const small = [lmCurves('cog', 0, [[100, 2.7]], [[100, 2.6]]), lmCurves('dot-product', 0, [[100, 2.6]], [[100, 2.5]]), lmCurves('cog', 1, [[100, 2.7]], [[100, 2.6]])];
  const fit = lmCorpusFit(large, small);
  const cog0 = fit.runs[0];
  assert.deepEqual([cog0.mechanism, cog0.seed, cog0.steps, cog0.stopReason, cog0.bestStep], ['cog', 0, 300, 'plateau', 200]);
  assertClose([cog0.bestBits, cog0.finalBits, cog0.trainBitsAtBest, cog0.trainBitsAtEnd], [2.4, 2.6, 2.2, 1.8], 'best, final, training at step 210 (nearest 200), training at the end', 1e-9, 1e-9);
  assert.deepEqual(fit.runs.map((x) => x.bestStep), [200, 300, 100], 'the lowest held-out loss, wherever it falls');
  assertClose([fit.bestStep.mean, fit.riseAfterBest.mean], [200, (0.2 + 0 + 0.2) / 3], 'over runs', 1e-9, 1e-9);
  // Larger − smaller best: −0.3, −0.15, −0.2 → mean −0.65 / 3, sample std over 2 degrees of freedom.
  const mean = -0.65 / 3;
  const half = 4.302652729749752 * Math.sqrt(((-0.3 - mean) ** 2 + (-0.15 - mean) ** 2 + (-0.2 - mean) ** 2) / 2) / Math.sqrt(3);
  assert.equal(fit.versusSmaller.pairs, 3);
  assertClose([fit.versusSmaller.mean, ...fit.versusSmaller.interval], [mean, mean - half, mean + half], 't interval', 1e-9, 1e-9);
  assert.equal(fit.verdict, 'supports');
  assert.deepEqual([fit.smallerStillImproving, lmCorpusFit(small, large).smallerStillImproving], [[3, 3], [1, 3]], 'one evaluation each: all at their last; of the larger runs only dot-product seed 0');
  assert.equal(lmCorpusFit(small, large).verdict, 'too small', 'the same pairs the other way round');
  assert.equal(lmCorpusFit(large, small.slice(0, 1)).verdict, 'undecided', 'one pair: no interval');
  assert.throws(() => lmCorpusFit([{ ...large[0], curve: [] } as ResultRecord], small), /record cog-lm\/mechanism=cog,seed=0 has no held-out or training curve/);
});

test('parameterCountsEqual and isSignedPositional', () => {
  const rec = (experiment: string, combine: string, count: number): ResultRecord => ({ experiment, coords: { combine }, model: { parameterCount: count } }) as unknown as ResultRecord;
  assert.equal(parameterCountsEqual([rec('a', 'sum', 10), rec('a', 'sum', 10), rec('a', 'difference', 12), rec('b', 'sum', 7)]), true);
  assert.equal(parameterCountsEqual([rec('a', 'sum', 10), rec('a', 'sum', 11)]), false);
  const profile = (s1: number, s2: number, a1: number, a2: number): SignedOffsetProfile => ({ rows: 1, signed: [0, s1, s2], absolute: [0, a1, a2], negativeShare: [0, 0, 0] });
  assert.equal(isSignedPositional(profile(0.5, -0.45, 0.5, 0.48)), true);
  assert.equal(isSignedPositional(profile(0.54, 0.46, 0.54, 0.46)), false, 'both keys positive');
  assert.equal(isSignedPositional(profile(0.1, -0.1, 0.5, 0.5)), false, 'a sign by content averages out');
});

/** Claims input where Cog wins everything (signed head, cancelling delete head, Cog more sensitive in collapse, LM within tolerance). */
function winningInput(): CogClaimsInput {
  const seeds = (block: string, extra: Row, cog: number[], soft: number[]): Row[] =>
    [...cog.map((a, s) => row('cog', s, a, { block, ...extra })), ...soft.map((a, s) => row('dot-product', s, a, { block, ...extra }))];
  const pattern = { cancellation: 0.1, netMissing: 0.2, netRepeated: 0.01 } as DeletionPattern;
  const collapse: CollapseComparison = {
    group: { family: 'find-zero' }, probe: 'find-zero', phase: 'trained', n0: 4, n: 64,
    cog: { mean: 0.8, std: 0.1, best: 0.9, worst: 0.7, count: 3 }, softmax: { mean: 0.3, std: 0.1, best: 0.4, worst: 0.2, count: 3 }, cogValue: 1, softmaxValue: 1,
    ratio: { estimate: 2.7, lo: 1.5, hi: 4, n: 3 }, moreSensitive: 'cog',
  };
  return {
    rule: { rule: 'cog', rows: 10, absSumError: 1e-7, sumRange: [-1, 1], negativeShare: 0.5, firstQueryWeights: [-1, 1] },
    overflow: overflowCheck(), sameParameters: true,
    signed: seeds(ATTENTION_ONLY, { combine: 'difference' }, [1, 1, 1], [0.33, 0.34, 0.32]),
    signedHead: { rows: 1, signed: [0, 0.5, -0.45], absolute: [0, 0.5, 0.48], negativeShare: [0, 0, 1] }, symmetricCeiling: 0.56,
    deletion: [...seeds('feed-forward 32', {}, [1, 1, 1], [0.25, 0.24, 0.26]), ...seeds(ATTENTION_ONLY, {}, [1, 1, 1], [0.25, 0.25, 0.27])],
    deletionHeads: [{ block: ATTENTION_ONLY, pattern }],
    collapse: [collapse],
    lm: lmComparison([lmRecord('dot-product', 0, 2.0), lmRecord('dot-product', 1, 2.1), lmRecord('dot-product', 2, 2.2), lmRecord('cog', 0, 2.0), lmRecord('cog', 1, 2.101), lmRecord('cog', 2, 2.199)]),
  };
}

test('cogClaims: every claim holds on winning evidence; each rule turns to partly, does not hold, undecided, not measured', () => {
  const verdicts = (input: CogClaimsInput): Record<string, string> => Object.fromEntries(cogClaims(input).map((c) => [c.id, c.verdict]));
  assert.deepEqual(verdicts(winningInput()), {
    'the-rule': 'holds', 'one-head-subtracts': 'holds', 'a-head-deletes': 'holds', 'less-collapse': 'holds', 'lm-on-par': 'holds', 'large-models': 'out of reach',
  });
  for (const c of cogClaims(winningInput())) assert.ok(c.evidence.length > 20 && c.rule.length > 0, `${c.id} explains itself`);

  const w = winningInput();
  // The rule: naive-style NaN would fail; different parameter counts → partly.
  assert.equal(verdicts({ ...w, sameParameters: false })['the-rule'], 'partly');
  // One head: Cog better but not at 100 % → partly; Cog like softmax, no seed solved → does not hold; a head that adds both → not holds even at 100 %.
  const signedRows = (cog: number[], soft: number[]): Row[] => [...cog.map((a, s) => row('cog', s, a, { block: ATTENTION_ONLY, combine: 'difference' })), ...soft.map((a, s) => row('dot-product', s, a, { block: ATTENTION_ONLY, combine: 'difference' }))];
  assert.equal(verdicts({ ...w, signed: signedRows([0.6, 0.7, 0.65], [0.33, 0.34, 0.32]) })['one-head-subtracts'], 'partly');
  assert.equal(verdicts({ ...w, signed: signedRows([0.33, 0.3, 0.32], [0.33, 0.34, 0.32]) })['one-head-subtracts'], 'does not hold');
  assert.equal(verdicts({ ...w, signedHead: { rows: 1, signed: [0, 0.5, 0.5], absolute: [0, 0.5, 0.5], negativeShare: [0, 0, 0] } })['one-head-subtracts'], 'partly',
    'every seed solves but the head adds both keys: only "better than softmax"');
  assert.equal(verdicts({ ...w, signed: signedRows([1, 0.3, 0.3], [0.33, 0.34, 0.32]) })['one-head-subtracts'], 'undecided', 'one seed of three solves, the interval straddles');
  assert.equal(verdicts({ ...w, signed: [] })['one-head-subtracts'], 'not measured');
  // Delete: win in one block only → partly; no kept head cancels → partly; Cog no better anywhere → does not hold.
  const ffOnly = w.deletion.map((r) => (r.block === ATTENTION_ONLY && r.mechanism === 'cog' ? { ...r, finalAccuracy: 0.25, stepsToPerfect: Number.NaN } : r));
  assert.equal(verdicts({ ...w, deletion: ffOnly })['a-head-deletes'], 'partly');
  assert.equal(verdicts({ ...w, deletionHeads: [{ block: ATTENTION_ONLY, pattern: { cancellation: 1, netMissing: 0.2, netRepeated: 0.2 } as DeletionPattern }] })['a-head-deletes'], 'partly');
  const none = w.deletion.map((r) => (r.mechanism === 'cog' ? { ...r, finalAccuracy: 0.25, stepsToPerfect: Number.NaN } : r));
  assert.equal(verdicts({ ...w, deletion: none })['a-head-deletes'], 'does not hold');
  // Collapse: the paired interval including 1 → undecided; below 1 → does not hold; init points are evidence, not verdict.
  const c0 = w.collapse[0];
  assert.equal(verdicts({ ...w, collapse: [{ ...c0, moreSensitive: 'undecided' }] })['less-collapse'], 'undecided');
  assert.equal(verdicts({ ...w, collapse: [{ ...c0, moreSensitive: 'softmax' }] })['less-collapse'], 'does not hold');
  assert.equal(verdicts({ ...w, collapse: [c0, { ...c0, group: { depth: 8, family: 'find-zero' }, moreSensitive: 'undecided' }] })['less-collapse'], 'partly');
  assert.match(cogClaims(w).find((x) => x.id === 'less-collapse')?.evidence ?? '', /Cog ÷ softmax 2\.70 \[1\.50, 4\.00\] \(3 pairs\)/);
  assert.equal(verdicts({ ...w, collapse: [{ ...c0, probe: 'flip-any' }] })['less-collapse'], 'not measured', 'only the paper\'s probe on the own task counts');
  // LM: Cog clearly worse → does not hold; wide → undecided; one seed → not measured.
  const lm = (cog: number[]): CogClaimsInput['lm'] => lmComparison([2.0, 2.1, 2.2].map((b, s) => lmRecord('dot-product', s, b)).concat(cog.map((b, s) => lmRecord('cog', s, b))));
  assert.equal(verdicts({ ...w, lm: lm([2.1, 2.2, 2.3]) })['lm-on-par'], 'does not hold');
  assert.equal(verdicts({ ...w, lm: lm([2.1, 2.0, 2.25]) })['lm-on-par'], 'undecided');
  assert.equal(verdicts({ ...w, lm: lm([1.9, 2.0, 2.1]) })['lm-on-par'], 'holds', 'Cog better by 0.1 on every seed');
  // Cog − softmax −0.03, −0.025, −0.005: t interval ≈ [−0.053, +0.013] spans "beats" and "matches" — either way the claim holds.
  assert.equal(verdicts({ ...w, lm: lm([1.97, 2.075, 2.195]) })['lm-on-par'], 'holds', 'upper end within +0.02');
  // +0.03, +0.035, +0.055: ≈ [+0.007, +0.073]: worse, but perhaps within the margin.
  assert.equal(verdicts({ ...w, lm: lm([2.03, 2.135, 2.255]) })['lm-on-par'], 'undecided', 'lower end inside the margin');
  assert.equal(verdicts({ ...w, lm: lm([2.0]) })['lm-on-par'], 'not measured');
  assert.match(cogClaims({ ...w, lmName: 'cog-lm-large, best held-out loss' }).find((c) => c.id === 'lm-on-par')?.evidence ?? '', /^cog-lm-large, best held-out loss: bits\/char softmax/);
});

test('sweepSummary: per setting, most solved first (Wilson), then the mean; the sweep in the one-head verdict', () => {
  const runs = (scoreScale: string | number, accs: number[]): Row[] => accs.map((a, seed) => row('cog', seed, a, { scoreScale, initStd: 0.02 }));
  const sweep = sweepSummary([...runs(1, [0.3, 0.4]), ...runs(4, [1, 1, 0.5]), ...runs('inverse-sqrt-head', [0.6, 0.2])], ['scoreScale', 'initStd']);
  assert.deepEqual(sweep.map((x) => [x.setting.scoreScale, x.solved, x.n]), [[4, 2, 3], ['inverse-sqrt-head', 0, 2], [1, 0, 2]], 'solved share first, then the mean (0.4 > 0.35)');
  assertClose([sweep[0].mean.estimate], [2.5 / 3], 'mean');
  assert.ok(sweep[0].solvedShare.lo < 2 / 3 && sweep[0].solvedShare.hi > 2 / 3);
  assert.throws(() => sweepSummary(runs(1, [0.3]), ['depth']), /sweepSummary: no column 'depth'/);

  const verdict = (input: CogClaimsInput): string => cogClaims(input).find((c) => c.id === 'one-head-subtracts')?.verdict ?? '';
  const w = winningInput();
  const noWin = (cog: number[]): CogClaimsInput => ({ ...w, signedHead: undefined,
    signed: [...cog.map((a, s) => row('cog', s, a, { block: ATTENTION_ONLY, combine: 'difference' })), ...[0.33, 0.34, 0.32].map((a, s) => row('dot-product', s, a, { block: ATTENTION_ONLY, combine: 'difference' }))] });
  const straddles = noWin([0.2, 0.33, 0.5]); // no seed solved, interval straddles +0.02: undecided without a sweep
  assert.equal(verdict(straddles), 'undecided');
  const allFail = sweepSummary(Array.from({ length: 20 }, (_, s) => row('cog', s, 0.3, { scoreScale: s % 2, initStd: 0.02 })), ['scoreScale']);
  assert.equal(verdict({ ...straddles, signedSweep: allFail }), 'does not hold', '20 sweep runs, none at 100 %');
  const oneSolves = sweepSummary([...Array.from({ length: 9 }, (_, s) => row('cog', s, 0.3, { scoreScale: 1 })), row('cog', 9, 1, { scoreScale: 1 })], ['scoreScale']);
  assert.equal(verdict({ ...straddles, signedSweep: oneSolves }), 'partly', 'one sweep run at 100 %');
  const reliable = sweepSummary(Array.from({ length: 10 }, (_, s) => row('cog', s, s === 0 ? 0.5 : 1, { scoreScale: 4 })), ['scoreScale']);
  assert.equal(verdict({ ...straddles, signedSweep: reliable }), 'holds', '9/10: Wilson lower bound 0.60');
  assert.match(cogClaims({ ...straddles, signedSweep: reliable }).find((c) => c.id === 'one-head-subtracts')?.evidence ?? '', /best setting scoreScale 4: 9\/10 \[0\.60, 0\.98\]/);
});
