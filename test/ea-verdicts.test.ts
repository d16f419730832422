/**
 * Notebook 01's verdicts on hand-made records: rung comparisons (ties, all seeds failing, one
 * mechanism missing), the frontier with its bootstrap interval (missing and excluded rungs), every
 * claim's rule in both directions, verdict changes, the plateau audit and its follow-up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareMechanisms, comparisonTable, eaClaims, frontierEstimate, frontierTable, rungRules, stepsToPerfectRatio, tuningSelection, tuningTable, type TuningChoice } from '../lib/papers/ea/verdicts.js';
import { loadProtocol, protocolVersion } from '../lib/lab/protocol.js';
import { solvedShareFigure } from '../lib/papers/ea/figures.js';
import type { ResultRecord } from '../lib/lab/record.js';
import { claimsTable, verdictChanges, type Claim } from '../lib/lab/verdicts.js';
import { plateauAudit, plateauFollowUp, replacePlateauStops } from '../lib/lab/plateau-audit.js';

type Row = Record<string, string | number>;
const DPA = 'dot-product';
const EA = 'expressive';

/** One seed of one mechanism in one single-rule rung; accuracy 1 means solved (at step 400). */
const row = (mechanism: string, size: string, N: number, b: number, seed: number, acc: number): Row =>
  ({ mechanism, size, N, b, seed, finalAccuracy: acc, stepsToPerfect: acc === 1 ? 400 : Number.NaN, stopReason: acc === 1 ? 'perfect' : 'plateau', parameterCount: 1000 });
/** Five seeds with these accuracies. */
const seeds = (mechanism: string, size: string, N: number, b: number, accs: number[]): Row[] => accs.map((a, s) => row(mechanism, size, N, b, s, a));
const rungText = (r: Record<string, string | number | boolean>): string => `${r.size} ${r.N} ${r.b}`;
const multiRow = (mechanism: string, rules: string, seed: number, acc: number): Row =>
  ({ mechanism, size: 'small', N: 16, rules, seed, finalAccuracy: acc, stepsToPerfect: acc === 1 ? 800 : Number.NaN, stopReason: 'steps', parameterCount: 2000 });

test('compareMechanisms: separated shares, paired differences, ties, a missing mechanism, shortcut shares', () => {
  const rows = [
    ...seeds(EA, 'small', 16, 4, [1, 1, 1, 1, 1]), ...seeds(DPA, 'small', 16, 4, [0.25, 0.25, 0.25, 0.25, 0.25]),
    ...seeds(EA, 'small', 16, 3, [1, 1, 1, 1, 1]), ...seeds(DPA, 'small', 16, 3, [1, 1, 1, 1, 1]),
    ...seeds(EA, 'small', 8, 3, [0.1, 0.12, 0.1, 0.1, 0.1]), ...seeds(DPA, 'small', 8, 3, [0.1, 0.1, 0.1, 0.11, 0.1]),
    ...seeds(EA, 'small', 24, 4, [1, 0.3]),
  ];
  const cmp = compareMechanisms(rows, { cellKeys: ['size', 'N', 'b'] });
  const at = (N: number, b: number): (typeof cmp)[number] => cmp.find((c) => c.rung.N === N && c.rung.b === b) as (typeof cmp)[number];
  const sep = at(16, 4);
  assert.equal(sep.solvedSeparated, 'ea');
  assert.equal(sep.accuracy, 'ea');
  assert.deepEqual([sep.paired.meanDifference, sep.paired.lo, sep.paired.hi, sep.paired.wins, sep.paired.p], [0.75, 0.75, 0.75, 5, 2 / 32]);
  assert.equal(sep.ea?.solvedSeeds, 5);
  assert.equal(sep.dpa?.stopReasons.plateau, 5);
  assert.ok(Number.isNaN(sep.dpa?.stepsToPerfect as number));
  // Every pair equal: not a measured tie, but no difference seen (nothing is known of a difference rarer than one seed in five).
  const tie = at(16, 3);
  assert.equal(tie.solvedSeparated, null);
  assert.equal(tie.accuracy, 'no difference seen');
  assert.deepEqual([tie.tTestP, tie.solvedP], [1, 1]);
  assert.equal(compareMechanisms(rows, { cellKeys: ['size', 'N', 'b'], method: 'bootstrap' }).find((c) => c.rung.N === 16 && c.rung.b === 3)?.accuracy, 'tie', 'protocol 1 called it a tie');
  // 5/5 against 0/5: Fisher's exact p = 2/252.
  assert.ok(Math.abs(sep.solvedP - 2 / 252) < 1e-12);
  assert.equal(tie.paired.p, 1);
  // All seeds failing in both: no separation, a tie within the tolerance, best = max.
  const fail = at(8, 3);
  assert.equal(fail.solvedSeparated, null);
  assert.equal(fail.accuracy, 'tie');
  assert.equal(fail.ea?.best, 0.12);
  assert.equal(fail.ea?.solved.hi, wilsonHi0of5);
  // N = 8, b = 3 has a one-key shortcut at offset 27: 5 of the 30 scored queries (T = 32).
  assert.equal(fail.shortcutShare, 5 / 30);
  assert.equal(tie.shortcutShare, 0);
  // Only EA trained: no pairs, undecided.
  const lone = at(24, 4);
  assert.equal(lone.dpa, null);
  assert.equal(lone.paired.n, 0);
  assert.equal(lone.accuracy, 'undecided');
  assert.throws(() => compareMechanisms([{ mechanism: EA, seed: 0, finalAccuracy: 1 }], { cellKeys: ['size'] }), /no column 'size'/);
  assert.deepEqual(rungRules({ rules: 'r2' }), [[1, 2], [1, 3]]);
  assert.throws(() => rungRules({ rules: 'r99' }), /unknown rule set 'r99'/);
});
const wilsonHi0of5 = compareMechanisms(seeds(EA, 's', 16, 4, [0, 0, 0, 0, 0]), { cellKeys: ['size', 'N', 'b'] })[0].ea?.solved.hi;

test('frontierEstimate: best of n and all seeds (observed, no interval), missing and excluded rungs', () => {
  const rows = [
    // EA, b = 4: N = 8, 16 solved by every seed, N = 24 by one seed of five, N = 32 by none.
    ...seeds(EA, 'small', 8, 4, [1, 1, 1, 1, 1]), ...seeds(EA, 'small', 16, 4, [1, 1, 1, 1, 1]),
    ...seeds(EA, 'small', 24, 4, [1, 0.5, 0.5, 0.5, 0.5]), ...seeds(EA, 'small', 32, 4, [0.2, 0.2, 0.2, 0.2, 0.2]),
    // DPA, b = 4: N = 8 solved, N = 16 missing (not run yet), N = 24 solved: the walk stops at the hole.
    ...seeds(DPA, 'small', 8, 4, [1, 1, 1, 1, 1]), ...seeds(DPA, 'small', 24, 4, [1, 1, 1, 1, 1]),
    // DPA, b = 6: every seed fails everywhere.
    ...seeds(DPA, 'small', 8, 6, [0.1, 0.1, 0.1, 0.1, 0.1]), ...seeds(DPA, 'small', 16, 6, [0.1, 0.1, 0.1, 0.1, 0.1]),
  ];
  const f = frontierEstimate(rows, { within: 'b', along: 'N' });
  const pick = (m: string, b: number): (typeof f)[number] => f.find((x) => x.group.mechanism === m && x.group.b === b) as (typeof f)[number];
  const ea4 = pick(EA, 4);
  assert.deepEqual([ea4.best, ea4.all, ea4.inside], [24, 16, true]);
  assert.deepEqual(ea4.values, [8, 16, 24, 32]);
  // Best of n is what was seen: no interval (a resampled best can never exceed it).
  assert.equal('interval' in ea4, false);
  const dpa4 = pick(DPA, 4);
  assert.deepEqual([dpa4.best, dpa4.all, dpa4.missing], [8, 8, [16, 32]]);
  assert.equal(dpa4.inside, false, 'the next rung was not trained: the frontier is not known to lie inside');
  const dpa6 = pick(DPA, 6);
  assert.deepEqual([dpa6.best, dpa6.all, dpa6.inside], [null, null, true]);
  // Excluding N = 8 (e.g. a shortcut rung): the walk starts at 16.
  const ex = frontierEstimate(rows, { within: 'b', along: 'N', exclude: (r) => r.N === 8 });
  const exEa = ex.find((x) => x.group.mechanism === EA && x.group.b === 4);
  assert.deepEqual([exEa?.best, exEa?.values, exEa?.excluded], [24, [16, 24, 32], [8]]);
  assert.throws(() => frontierEstimate(rows, { within: 'b', along: 'L' }), /no column 'L'/);
  // A rung only another size trains is not missing for this one; mechanisms of one size share their rungs.
  const withMedium = [...rows, ...seeds(EA, 'medium', 48, 4, [1, 1, 1, 1, 1]), ...seeds(DPA, 'medium', 64, 4, [0, 0, 0, 0, 0])];
  const wm = frontierEstimate(withMedium, { within: 'b', along: 'N' });
  const at = (size: string, m: string): (typeof f)[number] | undefined => wm.find((x) => x.group.size === size && x.group.mechanism === m && x.group.b === 4);
  assert.deepEqual([at('small', DPA)?.values, at('small', DPA)?.missing], [[8, 16, 24, 32], [16, 32]]);
  assert.deepEqual([at('medium', EA)?.values, at('medium', EA)?.missing, at('medium', EA)?.inside], [[48, 64], [64], false]);
  // sharedAcross: [] — each group walks only its own rungs.
  const own = frontierEstimate(rows, { within: 'b', along: 'N', sharedAcross: [] }).find((x) => x.group.mechanism === DPA && x.group.b === 4);
  assert.deepEqual([own?.values, own?.missing], [[8, 24], []]);
});

/** A single-rule grid of two sizes, two N and two b: EA solves everything, DPA falls further behind with every step up in N or b. */
function eaWinsGrid(): Row[] {
  const dpa = (N: number, b: number): number[] => {
    const level = 1 - 0.4 * ((N === 24 ? 1 : 0) + (b === 6 ? 1 : 0));
    return level === 1 ? [1, 1, 1, 1, 1] : [level, level + 0.02, level - 0.02, level, level + 0.01];
  };
  return ['small', 'medium'].flatMap((size) => [16, 24].flatMap((N) => [4, 6].flatMap((b) => [...seeds(EA, size, N, b, [1, 1, 1, 1, 1]), ...seeds(DPA, size, N, b, dpa(N, b))])));
}
const verdictOf = (claims: Claim[], id: string): string => (claims.find((c) => c.id === id) as Claim).verdict;

test('eaClaims, protocol 1: EA wins at the harder rungs → every claim holds; all ties → margin and 100 % claims fail', () => {
  const multi = [0, 1, 2, 3, 4].flatMap((s) => [multiRow(EA, 'r2', s, 1), multiRow(DPA, 'r2', s, 1), multiRow(EA, 'r4', s, 1), multiRow(DPA, 'r4', s, 0.4)]);
  const wins = eaClaims({ single: eaWinsGrid(), multi, cost: [{ size: 'small', cpuRatio: 1.01, memoryRatio: 1 }], protocol: 1 });
  assert.deepEqual(wins.map((c) => [c.id, c.verdict]), [
    ['at-least-as-good', 'holds'], ['margin-grows', 'holds'], ['multi-task', 'holds'], ['reaches-100', 'holds'], ['no-extra-cost', 'holds'],
  ]);
  assert.match(wins[0].evidence, /over 50 \(rung, seed\) pairs.*EA better in 7, tie in 3, DPA better in 0/);
  assert.match(wins[3].evidence, /EA 5\/5 \[1\.00, 1\.00\]|EA 5\/5 \[0\.57, 1\.00\]/);
  // Every rung a tie (all solved): EA is as good, but the margin does not grow and EA reaches nothing DPA cannot.
  const tied = ['small'].flatMap((size) => [16, 24].flatMap((N) => [...seeds(EA, size, N, 4, [1, 1, 1, 1, 1]), ...seeds(DPA, size, N, 4, [1, 1, 1, 1, 1])]));
  const t = eaClaims({ single: tied, multi: [], protocol: 1 });
  assert.equal(verdictOf(t, 'at-least-as-good'), 'holds');
  assert.equal(verdictOf(t, 'margin-grows'), 'does not hold');
  assert.equal(verdictOf(t, 'multi-task'), 'not measured');
  assert.equal(verdictOf(t, 'reaches-100'), 'does not hold');
  assert.equal(verdictOf(t, 'no-extra-cost'), 'partly', 'no benchmark given');
});

test('eaClaims, protocol 1: DPA better → does not hold; too few seeds → undecided; one seed ahead is not a separation', () => {
  const p1 = { protocol: 1 };
  const dpaWins = [16, 24].flatMap((N) => [...seeds(EA, 'small', N, 4, [0.3, 0.3, 0.35, 0.3, 0.3]), ...seeds(DPA, 'small', N, 4, [1, 1, 1, 1, 1])]);
  const d = eaClaims({ single: dpaWins, multi: [], ...p1 });
  assert.equal(verdictOf(d, 'at-least-as-good'), 'does not hold');
  assert.equal(verdictOf(d, 'reaches-100'), 'does not hold');
  // Two seeds, one each way with a large spread: the pooled interval straddles −tolerance.
  const noisy = [row(EA, 'small', 16, 4, 0, 1), row(DPA, 'small', 16, 4, 0, 0.2), row(EA, 'small', 16, 4, 1, 0.2), row(DPA, 'small', 16, 4, 1, 1),
    row(EA, 'small', 16, 4, 2, 0.2), row(DPA, 'small', 16, 4, 2, 0.9)];
  assert.equal(verdictOf(eaClaims({ single: noisy, multi: [], ...p1 }), 'at-least-as-good'), 'undecided');
  // EA 4/5 against DPA 1/5: the Wilson intervals overlap, and best of n sees no EA-only rung → does not hold.
  const close = [...seeds(EA, 'small', 16, 4, [1, 1, 1, 1, 0.5]), ...seeds(DPA, 'small', 16, 4, [1, 0.5, 0.5, 0.5, 0.5])];
  const c = eaClaims({ single: close, multi: [], ...p1 });
  assert.equal(verdictOf(c, 'reaches-100'), 'does not hold');
  // Unequal parameter counts between mechanisms → the cost claim does not hold.
  const unequal = [row(EA, 'small', 16, 4, 0, 1), { ...row(DPA, 'small', 16, 4, 0, 1), parameterCount: 999 }];
  assert.equal(verdictOf(eaClaims({ single: unequal, multi: [], ...p1 }), 'no-extra-cost'), 'does not hold');
  // The shortcut rung N = 8, b = 3 is not counted for the 100 % claim.
  const shortcut = [...seeds(EA, 'small', 8, 3, [1, 1, 1, 1, 1]), ...seeds(DPA, 'small', 8, 3, [0.2, 0.2, 0.2, 0.2, 0.2])];
  assert.equal(verdictOf(eaClaims({ single: shortcut, multi: [], ...p1 }), 'reaches-100'), 'not measured');
  assert.throws(() => compareMechanisms([], { cellKeys: ['size'], tolerance: 2 }), /tolerance must be a number in \[0, 1\)/);
});

test('verdictChanges: claim by claim, a claim missing before counts as not measured', () => {
  const before: Claim[] = [{ id: 'a', claim: 'A', evidence: '', verdict: 'partly', rule: '' }];
  const after: Claim[] = [{ id: 'a', claim: 'A', evidence: '', verdict: 'holds', rule: '' }, { id: 'b', claim: 'B', evidence: '', verdict: 'holds', rule: '' }];
  assert.deepEqual(verdictChanges(before, after), [
    { id: 'a', claim: 'A', before: 'partly', after: 'holds', changed: true },
    { id: 'b', claim: 'B', before: 'not measured', after: 'holds', changed: true },
  ]);
});

test('plateauAudit: the longest flat stretch before a rise, against the window', () => {
  const rec = (key: string, accs: number[], stopReason: string): ResultRecord => ({
    key, stopReason, spec: { trainer: { evalEvery: 200, plateau: { window: 30, minDelta: 0.005 } } },
    curve: accs.map((accuracy, i) => ({ step: 200 * (i + 1), accuracy, evalLoss: 0, perLabel: {} })),
  }) as unknown as ResultRecord;
  // 0.25 at step 400, flat (wiggles below δ) until the rise at step 3600: 3 200 steps flat.
  const late = rec('late', [0.2, 0.25, ...Array.from({ length: 15 }, (_, i) => 0.25 + (i % 2) * 0.004), 0.5, 1], 'perfect');
  const stuck = rec('stuck', [0.1, 0.1, 0.1], 'plateau');
  const a = plateauAudit([late, stuck]);
  assert.deepEqual(a, { windowSteps: 6000, longestFlatBeforeRise: 3200, run: 'late', plateauStops: 1, warning: true });
  assert.equal(plateauAudit([stuck]).longestFlatBeforeRise, 0);
});

test('plateauFollowUp and replacePlateauStops: the plateau-stopped runs retrained without the stop', () => {
  // The first evaluation (step 200) decides whether a retraining is the same trajectory: 'rises' starts alike, the others not.
  const rec = (key: string, stopReason: string, finalAccuracy: number, bestAccuracy: number, steps: number, first = 0.1, stepsToPerfect: number | null = null): ResultRecord =>
    ({ key, stopReason, finalAccuracy, bestAccuracy, steps, stepsToPerfect, curve: [{ step: 200, accuracy: first, evalLoss: 2, perLabel: {} }],
      host: { simd: ['avx2', 'fma'] }, engine: { name: 'graph', lanes: 1 } }) as unknown as ResultRecord;
  const base = [
    rec('solved', 'perfect', 1, 1, 800),
    rec('rises', 'plateau', 0.25, 0.25, 6400),
    rec('flat', 'plateau', 0.1, 0.104, 6200),
    rec('wiggle', 'plateau', 0.2, 0.2, 7000),
    rec('not-retrained', 'plateau', 0.3, 0.3, 6600),
    rec('budget', 'steps', 0.5, 0.5, 12000),
  ];
  const later = [
    rec('rises', 'perfect', 1, 1, 9000, 0.1, 9000),
    rec('flat', 'steps', 0.1, 0.108, 12000, 0.12), // +0.004 best: within δ, not a rise
    { ...rec('wiggle', 'steps', 0.19, 0.21, 12000, 0.1), engine: undefined, host: { simd: ['avx2', 'fma', 'avx512f'] } } as unknown as ResultRecord, // best +0.01: a rise
    rec('solved', 'perfect', 0.9, 0.9, 800), // never used: the base record did not plateau
  ];
  const f = plateauFollowUp(base, later);
  assert.deepEqual([f.plateauStopped, f.retrained, f.rose, f.solved], [4, 3, 2, 1]);
  assert.deepEqual(f.cells.map((c) => [c.key, c.rose, c.solved]), [['rises', true, true], ['flat', false, false], ['wiggle', true, false]]);
  assert.deepEqual(f.cells[0].before, { accuracy: 0.25, steps: 6400 });
  assert.deepEqual(f.cells[0].after, { accuracy: 1, steps: 9000, stopReason: 'perfect' });
  assert.equal(plateauFollowUp(base, later, { minDelta: 0.02 }).rose, 1, 'δ is a parameter');
  assert.deepEqual(f.cells.map((c) => c.sameStart), [true, false, true]);
  assert.deepEqual([f.differentStart, f.solvedBeforeOriginalStop], [1, 0]);
  assert.deepEqual(f.cells[2].madeBy, { before: 'graph/avx2', after: 'engine not recorded/avx512f' });
  // A retraining solved at step 6000, before the original's plateau stop at 6400: another trajectory.
  const early = plateauFollowUp(base, [rec('rises', 'perfect', 1, 1, 6000, 0.3, 6000)]);
  assert.deepEqual([early.differentStart, early.solvedBeforeOriginalStop], [1, 1]);
  const merged = replacePlateauStops(base, later);
  assert.deepEqual(merged.map((r) => [r.key, r.stopReason, r.steps]), [
    ['solved', 'perfect', 800], ['rises', 'perfect', 9000], ['flat', 'steps', 12000], ['wiggle', 'steps', 12000],
    ['not-retrained', 'plateau', 6600], ['budget', 'steps', 12000],
  ]);
  assert.deepEqual(plateauFollowUp(base, []), { plateauStopped: 4, retrained: 0, cells: [], rose: 0, solved: 0, differentStart: 0, solvedBeforeOriginalStop: 0 });
});

test('the notebook\'s tables and the solved-share figure show the comparisons\' numbers', () => {
  const rows = [
    ...seeds(EA, 'small', 16, 4, [1, 1, 1, 1, 1]), ...seeds(DPA, 'small', 16, 4, [0.25, 0.25, 0.25, 0.25, 0.25]),
    ...seeds(EA, 'small', 8, 4, [1, 1, 1, 1, 1]), ...seeds(DPA, 'small', 8, 4, [1, 1, 0.5, 1, 1]),
    ...seeds(EA, 'small', 24, 4, [0.1, 0.1, 0.1]),
  ];
  const cmps = compareMechanisms(rows, { cellKeys: ['size', 'N', 'b'] });
  const t = comparisonTable(cmps, 'c');
  assert.equal(t.caption, 'c');
  assert.equal(t.rows.length, 3);
  const r16 = t.rows.find((r) => r[0] === 'small, N = 16, b = 4') as (string | number)[];
  const col = (name: string): number => t.columns.indexOf(name);
  assert.equal(r16[col('EA at 100 %')], '5/5 [0.57, 1.00]');
  assert.equal(r16[col('DPA at 100 %')], '0/5 [0.00, 0.43]');
  assert.equal(r16[col('EA − DPA (paired)')], '+0.750 [+0.750, +0.750]');
  assert.equal(r16[col('sign-flip p')], '0.063', 'exact sign-flip p = 2/32');
  assert.equal(r16[col('verdict')], 'EA reaches 100 % more often');
  assert.equal(r16[col('DPA runs ended')], '5 plateau');
  const r24 = t.rows.find((r) => r[0] === 'small, N = 24, b = 4') as (string | number)[];
  assert.deepEqual([r24[col('DPA at 100 %')], r24[col('EA − DPA (paired)')], r24[col('verdict')]], ['—', '—', 'undecided'], 'one mechanism missing');
  assert.deepEqual(t.rows.map((r) => r[0]), ['small, N = 8, b = 4', 'small, N = 16, b = 4', 'small, N = 24, b = 4'], 'rungs in coordinate order, N numerically');
  const sized = compareMechanisms([...seeds(EA, 'medium', 8, 4, [1]), ...seeds(EA, 'small', 16, 4, [1]), ...seeds(EA, 'small', 8, 6, [1]), ...seeds(EA, 'small', 8, 4, [1])], { cellKeys: ['size', 'N', 'b'] });
  assert.deepEqual(sized.map((c) => rungText(c.rung)), ['small 8 4', 'small 8 6', 'small 16 4', 'medium 8 4'], 'small before medium, then N, then b');
  const f = frontierTable(frontierEstimate(rows, { within: 'b', along: 'N' }));
  const fr = (m: string): (string | number)[] => f.rows.find((r) => String(r[0]).includes(m)) as (string | number)[];
  assert.deepEqual(fr(EA).slice(1, 4), ['16', '16', 'yes'], 'EA: solved 8 and 16, not 24');
  assert.deepEqual(fr(DPA).slice(1, 6), ['8', 'below 8', 'yes', '—', '24'], 'DPA: 16 trained and unsolved, so the frontier is 8 (inside); no DPA row at 24');
  const before: Claim[] = [{ id: 'at-least-as-good', claim: 'x', evidence: '', verdict: 'undecided', rule: '' }];
  const after = eaClaims({ single: rows, multi: [], protocol: 2 });
  const c = claimsTable(before, after);
  assert.equal(c.rows.length, after.length);
  assert.deepEqual(c.rows[0].slice(1, 4), ['undecided', after[0].verdict, after[0].verdict === 'undecided' ? 'no' : 'yes']);
  assert.equal(c.rows[1][1], 'not measured', 'a claim the earlier data did not judge');
  const fig = solvedShareFigure({ title: 't', comparisons: cmps });
  const ea16 = fig.data.find((d) => String(d.name).startsWith('EA'));
  assert.ok(ea16, fig.data.map((d) => d.name).join(', '));
  const err = ea16.error_y as { array: number[]; arrayminus: number[]; symmetric: boolean };
  const ys = ea16.y as number[];
  assert.deepEqual(ys, [1, 1, 0], 'N = 8, 16, 24 in order');
  assert.equal(err.symmetric, false);
  assert.ok(Math.abs(ys[0] - err.arrayminus[0] - 0.566) < 0.001, 'Wilson lower bound of 5/5');
  assert.equal(err.array[0], 0);
});

test('frontierEstimate: the walk stops at the first unsolved N (a solved N beyond a hole does not count), best of n and all seeds', () => {
  const r = (mechanism: string, b: number, N: number, seed: number, solved: boolean): Row =>
    ({ mechanism, size: 'small', b, N, seed, finalAccuracy: solved ? 1 : 0.5, stepsToPerfect: solved ? 100 : Number.NaN, stopReason: solved ? 'perfect' : 'steps' });
  const rows = [
    // EA, b = 2: solved at 8 and 12 by every seed, at 16 by one seed of two.
    r('EA', 2, 8, 0, true), r('EA', 2, 8, 1, true), r('EA', 2, 12, 0, true), r('EA', 2, 12, 1, true), r('EA', 2, 16, 0, true), r('EA', 2, 16, 1, false),
    // DPA, b = 2: 8 not solved by seed 1, 12 solved by both (a hole for "all seeds").
    r('DPA', 2, 12, 0, true), r('DPA', 2, 12, 1, true), r('DPA', 2, 8, 0, true), r('DPA', 2, 8, 1, false),
    // DPA, b = 4: nothing solved.
    r('DPA', 4, 8, 0, false),
  ];
  const f = frontierEstimate(rows, { groupBy: ['mechanism'], within: 'b', along: 'N' });
  const pick = (m: string, b: number): (typeof f)[number] => f.find((x) => x.group.mechanism === m && x.group.b === b) as (typeof f)[number];
  assert.equal(f.length, 3);
  assert.deepEqual([pick('EA', 2).best, pick('EA', 2).all, pick('EA', 2).values], [16, 12, [8, 12, 16]]);
  assert.deepEqual([pick('DPA', 2).best, pick('DPA', 2).all, pick('DPA', 2).missing], [12, null, [16]]);
  assert.deepEqual([pick('DPA', 4).best, pick('DPA', 4).all, pick('DPA', 4).inside], [null, null, true], 'below the first N, and measured: N = 8 was trained and not solved');
  assert.throws(() => frontierEstimate(rows, { groupBy: ['size', 'depth'], within: 'b', along: 'N' }), /frontierEstimate: no column 'depth'/);
});

test('stepsToPerfectRatio: EA ÷ DPA mean steps over the rungs both solve; none solved → NaN', () => {
  const at = (mechanism: string, N: number, steps: (number | null)[]): Row[] => steps.map((st, seed) => ({
    ...row(mechanism, 'small', N, 3, seed, st === null ? 0.5 : 1), stepsToPerfect: st === null ? Number.NaN : st,
  }));
  const rows = [
    ...at(EA, 8, [800, 1200]), ...at(DPA, 8, [400, 600]), // EA 1000 / DPA 500 = 2
    ...at(EA, 16, [400, null]), ...at(DPA, 16, [800, 800]), // 400 / 800 = 0.5
    ...at(EA, 24, [600]), ...at(DPA, 24, [600]), // 1
    ...at(EA, 32, [null, null]), ...at(DPA, 32, [400, 400]), // EA never: not counted
  ];
  const r = stepsToPerfectRatio(compareMechanisms(rows, { cellKeys: ['size', 'N', 'b'] }));
  assert.deepEqual({ rungs: r.rungs, eaSlower: r.eaSlower, eaFaster: r.eaFaster, equal: r.equal, min: r.min, max: r.max }, { rungs: 3, eaSlower: 1, eaFaster: 1, equal: 1, min: 0.5, max: 2 });
  assert.ok(Math.abs(r.geometricMean - 1) < 1e-12, 'the geometric mean of 2, 0.5 and 1 is 1');
  const none = stepsToPerfectRatio(compareMechanisms(at(EA, 8, [null]), { cellKeys: ['size', 'N', 'b'] }));
  assert.equal(none.rungs, 0);
  assert.ok(Number.isNaN(none.geometricMean));
});

/** n seeds with accuracies around `level` (spread ±0.02, capped at 1); level 1 means every seed solved. */
const around = (level: number, n = 5): number[] => Array.from({ length: n }, (_, s) => (level === 1 ? 1 : Math.min(0.99, level + [0, 0.02, -0.02, 0.01, -0.01][s % 5] + 0.001 * s)));
const ladder = (fill: (N: number, b: number) => [number, number], n = 5, Ns = [16, 24, 32]): Row[] => Ns.flatMap((N) => [4, 6].flatMap((b) => {
  const [e, d] = fill(N, b);
  return [...seeds(EA, 'small', N, b, around(e, n)), ...seeds(DPA, 'small', N, b, around(d, n))];
}));

test('eaClaims, protocol 2: each rule says holds, does not hold, not supported and undecided on some data', () => {
  const v2 = (single: Row[], multi: Row[] = []): Record<string, string> => Object.fromEntries(eaClaims({ single, multi, protocol: 2 }).map((c) => [c.id, c.verdict]));
  // EA solves everything; DPA falls further behind with N: at least as good, the margin grows.
  const grows = v2(ladder((N) => [1, N === 16 ? 1 : N === 24 ? 0.7 : 0.4]));
  assert.equal(grows['at-least-as-good'], 'holds');
  assert.equal(grows['margin-grows'], 'holds');
  // Five seeds a side: Fisher's smallest p is 2/252; times 6 rungs (Holm) it is 0.048, times 8 it is 0.063 — then no rung can be significant.
  assert.equal(grows['reaches-100'], 'holds');
  const eight = eaClaims({ single: ladder((N) => [1, N === 16 ? 1 : 0.4], 5, [16, 24, 32, 40]), multi: [], protocol: 2 }).find((c) => c.id === 'reaches-100') as Claim;
  assert.equal(eight.verdict, 'undecided');
  assert.match(eight.evidence, /smallest Holm-adjusted p this family allows is 0\.063 ≥ α = 0\.05: no rung can reach significance at this n/);
  // Ten seeds a side: 10/10 against 0/10 is significant after Holm.
  assert.equal(v2(ladder((N) => [1, N === 16 ? 1 : 0.4], 10))['reaches-100'], 'holds');
  assert.equal(v2(ladder((N) => [N === 16 ? 1 : 0.4, 1], 10))['reaches-100'], 'does not hold');
  // DPA ahead and pulling away: none of it holds.
  const worse = v2(ladder((N) => [N === 16 ? 1 : N === 24 ? 0.7 : 0.4, 1]));
  assert.equal(worse['at-least-as-good'], 'does not hold');
  assert.equal(worse['margin-grows'], 'does not hold');
  // Both solve everything: as good, but the margin is flat (not supported) and EA reaches nothing DPA does not.
  const tied = v2(ladder(() => [1, 1]));
  assert.equal(tied['at-least-as-good'], 'holds');
  assert.equal(tied['margin-grows'], 'not supported');
  assert.equal(tied['reaches-100'], 'not supported');
  assert.equal(tied['no-extra-cost'], 'not measured', 'no benchmark given');
  // Rungs that disagree widely: the pooled intervals straddle the margins.
  // Rung means +0.15, −0.2, +0.1, −0.15, +0.05, −0.1 under seed noise of ±0.5: no rung and no line is significant.
  const means = [0.15, -0.2, 0.1, -0.15, 0.05, -0.1];
  const noisy = [16, 24, 32].flatMap((N, i) => [4, 6].flatMap((b, j) => [0.5, -0.5, 0.4, -0.4, 0].flatMap((e, seed) => {
    const d = means[2 * i + j] + e;
    return [row(EA, 'small', N, b, seed, 0.5 + d / 2), row(DPA, 'small', N, b, seed, 0.5 - d / 2)];
  })));
  const mixed = v2(noisy);
  assert.equal(mixed['at-least-as-good'], 'undecided');
  assert.equal(mixed['margin-grows'], 'undecided');
  // EA better on average, but one rung is clearly worse after Holm: partly.
  const partly = v2(ladder((N, b) => (N === 32 && b === 6 ? [0.9, 0.95] : [1, 0.5])));
  assert.equal(partly['at-least-as-good'], 'partly');
  // Multi-task: more rules, a growing margin (two lines r2 → r4 → r8).
  const multi = [8, 16].flatMap((N) => ['r2', 'r4', 'r8'].flatMap((rules, k) => [0, 1, 2, 3, 4].flatMap((s) =>
    [{ ...multiRow(EA, rules, s, 1), N }, { ...multiRow(DPA, rules, s, [1, 0.7, 0.4][k] + (k ? 0.01 * s : 0)), N }])));
  assert.equal(v2(ladder(() => [1, 1]), multi)['multi-task'], 'holds');
  assert.equal(v2(ladder(() => [1, 1]))['multi-task'], 'not measured');
});

test('eaClaims: the protocol is read from protocols/ea.json; every claim carries its data; version 3 reads the test split; an unknown version is refused', () => {
  const rows = ladder(() => [1, 1]).map((r) => ({ ...r, experiment: 'ea-frontier', scale: 'full', maxSteps: 12000, engine: 'graph', cpuClass: 'avx512f' }));
  const claims = eaClaims({ single: rows, multi: [], protocol: 2 });
  assert.match(claims[0].rule, /^protocol 2: /);
  assert.equal(claims[0].basis, '60 records of ea-frontier (full); seeds 0, 1, 2, 3, 4; budget 12000 steps; engine: graph 60; CPU: avx512f 60; protocol 2');
  assert.match(eaClaims({ single: rows, multi: [], protocol: 1 })[0].basis ?? '', /protocol 1$/);
  // The current version (3) judges the test split: records without it are refused with the reason.
  assert.throws(() => eaClaims({ single: rows, multi: [] }), /no column 'testAccuracy'/);
  assert.throws(() => eaClaims({ single: rows.map((r) => ({ ...r, testAccuracy: Number.NaN })), multi: [] }), /'testAccuracy' is not a number .*records before 0\.3\.0 have no test split score/);
  // 100 % on validation but not on the test split: no longer "at 100 %" under version 3.
  const withTest = rows.map((r: Row) => ({ ...r, testAccuracy: r.mechanism === EA ? 1 : Number(r.finalAccuracy) === 1 ? 0.9 : Number(r.finalAccuracy) }));
  const v3 = eaClaims({ single: withTest, multi: [] });
  assert.match(v3[0].basis ?? '', /protocol 3$/);
  assert.equal(v3.find((c) => c.id === 'at-least-as-good')?.verdict, 'holds', 'EA +0.1 on the test split everywhere');
  const cmp = compareMechanisms(withTest, { cellKeys: ['size', 'N', 'b'], metric: 'testAccuracy' });
  assert.deepEqual([cmp[0].ea?.solvedSeeds, cmp[0].dpa?.solvedSeeds], [5, 0]);
  assert.throws(() => eaClaims({ single: rows, multi: [], protocol: 9 }), /protocol 'ea' has versions 1, 2, 3; got version 9/);
});

test('tuningSelection: the best mean validation accuracy per size and variant; near ties go to fewer steps; incomplete sweeps say so', () => {
  const run = (size: string, variant: string, learningRate: number, seed: number, acc: number, steps: number): Row =>
    ({ size, variant, learningRate, seed, finalAccuracy: acc, testAccuracy: acc, steps });
  const rows = [
    // small DPA: 1e-3 and 3e-3 both at 1.0 (a tie), 3e-3 faster; 1e-2 fails.
    ...[0, 1, 2].flatMap((s) => [run('small', 'dot-product', 1e-3, s, 1, 800), run('small', 'dot-product', 3e-3, s, 1, 400), run('small', 'dot-product', 1e-2, s, 0.4, 12000)]),
    // small EA: 1e-3 best by accuracy (0.9 against 0.7), though slower.
    ...[0, 1, 2].flatMap((s) => [run('small', 'expressive', 1e-3, s, 0.9, 12000), run('small', 'expressive', 3e-3, s, 0.7, 6000)]),
  ];
  const choices = tuningSelection(rows);
  const pick = (variant: string): TuningChoice => choices.find((c) => c.variant === variant) as TuningChoice;
  assert.equal(pick('dot-product').learningRate, 3e-3);
  assert.equal(pick('dot-product').complete, true);
  assert.equal(pick('expressive').learningRate, 1e-3);
  assert.equal(pick('expressive').complete, false, '1e-2 has no run yet');
  assert.equal(pick('expressive').candidates.find((c) => c.learningRate === 1e-2)?.runs, 0);
  const t = tuningTable(choices);
  assert.deepEqual(t.rows.filter((r) => r[6] !== '').map((r) => [r[1], r[2], r[5], r[6]]), [['dot-product', '0.003', '3', 'yes'], ['expressive', '0.001', '3', 'yes (incomplete)']]);
  assert.throws(() => tuningSelection([run('huge', 'dot-product', 1e-3, 0, 1, 1)]), /registers no learning rates for size 'huge'/);
  assert.throws(() => tuningSelection(rows, protocolVersion(loadProtocol('ea'), 2)), /version 2 registers no tuning rule/);
});
