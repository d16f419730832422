/**
 * Notebook 02's verdicts on hand-made records: each claim of the TS paper in both directions and
 * undecided, a missing model (not measured), a seed twice (an error), and the readings table (a
 * reading that trains only some models takes the others from `today`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimsByReading, readingsTable, rowsOfReading, tsClaims, tsModelStats, tsQuestions, type TsClaim } from '../lib/papers/ts/verdicts.js';

type Row = Record<string, string | number>;
const MODELS = [
  ['transformer', 'dot-product'], ['transformer', 'expressive'], ['cisformer', 'dot-product'], ['cisformer', 'expressive'], ['lstm', 'none'], ['mlp', 'none'],
] as const;
const KEY = ['transformer DPA', 'transformer EA', 'cisformer DPA', 'cisformer EA', 'lstm', 'mlp'] as const;

/** Rows of every model: accuracies per seed by model key. */
function rows(acc: Partial<Record<(typeof KEY)[number], number[]>>, reading?: string): Row[] {
  return MODELS.flatMap(([architecture, mechanism], k) => (acc[KEY[k]] ?? []).map((a, seed) => ({
    architecture, mechanism, seed, finalAccuracy: a, ...(reading ? { reading } : {}),
  })));
}
const verdicts = (claims: TsClaim[]): Record<string, string> => Object.fromEntries(claims.map((c) => [c.id, c.verdict]));
const five = (x: number, spread = 0.004): number[] => [x - 2 * spread, x - spread, x, x + spread, x + 2 * spread];

test("the paper's picture: every claim holds", () => {
  const claims = tsClaims(rows({
    'transformer DPA': five(0.60), 'transformer EA': five(0.70), 'cisformer DPA': five(0.72), 'cisformer EA': five(0.95), lstm: five(0.61), mlp: five(0.62),
  }));
  assert.deepEqual(verdicts(claims), {
    'transformer-fails': 'holds', 'baselines-similar': 'holds', 'baselines-modest': 'holds', 'cisformer-ea-95': 'holds', 'cisformer-ea-only': 'holds', combination: 'holds',
  });
  for (const c of claims) assert.ok(c.rule.length > 20 && c.evidence.length > 10, c.id);
});

test('our earlier picture (transformer DPA best, cisformer EA at 0.86): the headline claims do not hold', () => {
  const claims = tsClaims(rows({
    'transformer DPA': five(0.985), 'transformer EA': five(0.91), 'cisformer DPA': five(0.88), 'cisformer EA': five(0.86), lstm: five(0.92), mlp: five(0.59),
  }));
  assert.deepEqual(verdicts(claims), {
    'transformer-fails': 'does not hold', 'baselines-similar': 'does not hold', 'baselines-modest': 'does not hold', 'cisformer-ea-95': 'does not hold',
    'cisformer-ea-only': 'does not hold', combination: 'does not hold',
  });
  const only = claims.find((c) => c.id === 'cisformer-ea-only') as TsClaim;
  assert.match(only.evidence, /most accurate model by mean: transformer \(DPA\) 0\.985/);
  assert.match(only.evidence, /more accurate than it \(paired\): transformer \(DPA\)/);
});

test('one seed near 95 % (partly), seeds that straddle (undecided), a missing model (not measured)', () => {
  const claims = tsClaims(rows({
    // Transformer: one seed at 0.97, the others at 0.6 → best of n [0.6, 0.97]: undecided; mean low.
    'transformer DPA': [0.6, 0.6, 0.97, 0.6, 0.6], 'transformer EA': five(0.7),
    // Cisformer EA straddles 0.93.
    'cisformer EA': [0.90, 0.91, 0.96, 0.90, 0.92], lstm: five(0.61),
  }));
  const v = verdicts(claims);
  assert.equal(v['transformer-fails'], 'undecided');
  assert.equal(v['cisformer-ea-95'], 'undecided');
  assert.equal(v['baselines-similar'], 'not measured');
  assert.match((claims.find((c) => c.id === 'baselines-similar') as TsClaim).evidence, /no records of the MLP/);
  assert.equal(v.combination, 'not measured');
  // Every seed of the transformer at 0.97 but one: best of n lies above 0.93, the mean's interval does not → partly.
  const partly = tsClaims(rows({ 'transformer DPA': [0.97, 0.97, 0.97, 0.97, 0.5] }));
  assert.equal(verdicts(partly)['transformer-fails'], 'partly');
});

test('combination: both differences above the tolerance → holds, one → partly, none → does not hold; a seed twice is an error', () => {
  // Both others within the tolerance of the cisformer (EA): neither difference above it.
  const claims = tsClaims(rows({ 'transformer EA': five(0.945), 'cisformer DPA': five(0.94), 'cisformer EA': five(0.95) }));
  assert.equal(verdicts(claims).combination, 'does not hold');
  // The transformer (EA) far below, the cisformer (DPA) within the tolerance.
  assert.equal(verdicts(tsClaims(rows({ 'transformer EA': five(0.80), 'cisformer DPA': five(0.94), 'cisformer EA': five(0.95) }))).combination, 'partly');
  // Both far below: holds.
  assert.equal(verdicts(tsClaims(rows({ 'transformer EA': five(0.80), 'cisformer DPA': five(0.85), 'cisformer EA': five(0.95) }))).combination, 'holds');
  const twice = [...rows({ lstm: [0.5] }), ...rows({ lstm: [0.6] })];
  assert.throws(() => tsModelStats(twice), /LSTM has a seed twice/);
});

test('claimsByReading: a reading with only some models takes the others from today; the table has one column per reading', () => {
  const today = rows({
    'transformer DPA': five(0.985), 'transformer EA': five(0.91), 'cisformer DPA': five(0.88), 'cisformer EA': five(0.86), lstm: five(0.92), mlp: five(0.59),
  }, 'today');
  const noPositions = rows({ 'transformer DPA': five(0.55), 'transformer EA': five(0.56) }, 'no-positions');
  const per = claimsByReading([...today, ...noPositions]);
  assert.deepEqual(per.map((p) => p.reading), ['today', 'no-positions']);
  const v = verdicts(per[1].claims);
  assert.equal(v['transformer-fails'], 'holds', 'the translation-invariant transformer fails');
  // The cisformer (EA) at 0.86 from today: still not near 95 %.
  assert.equal(v['cisformer-ea-95'], 'does not hold');
  const table = readingsTable(per, 'caption');
  assert.deepEqual(table.columns, ['claim', 'today', 'no-positions']);
  assert.equal(table.rows.length, 6);
  assert.deepEqual(table.rows[0].slice(1), ['does not hold', 'holds']);
  assert.deepEqual(claimsByReading([...noPositions, ...today], { order: ['today', 'no-positions'] }).map((p) => p.reading), ['today', 'no-positions']);
  assert.throws(() => claimsByReading(rows({ lstm: [0.5] })), /no column 'reading'/);
  const judged = rowsOfReading([...today, ...noPositions], 'no-positions');
  assert.equal(judged.length, 30, 'two own models and the four others from today, five seeds each');
  assert.deepEqual([...new Set(judged.filter((r) => r.architecture === 'transformer').map((r) => r.reading))], ['no-positions'], 'the own transformers, not today\'s');
});

test('tsQuestions: other settings (ahead, behind), the longer budget (catches up or not), signed rules; missing data', () => {
  const withCol = (rs: Row[], col: Record<string, string | number>): Row[] => rs.map((r) => ({ ...r, ...col }));
  const ahead = withCol(rows({ 'cisformer EA': five(0.9), 'transformer DPA': five(0.6), 'cisformer DPA': five(0.7) }), { setting: 'T16' });
  const behind = withCol(rows({ 'cisformer EA': five(0.6), 'transformer DPA': five(0.9), 'cisformer DPA': five(0.7) }), { setting: 'N32' });
  const models = [...rows({ 'transformer DPA': five(0.95), 'cisformer EA': five(0.85) }),
    ...[0.86, 0.84, 0.85, 0.86, 0.84].map((a, seed) => ({ architecture: 'cisformer', mechanism: 'cog', seed, finalAccuracy: a }))];
  const v = (input: Parameters<typeof tsQuestions>[0]): Record<string, string> => verdicts(tsQuestions(input));
  assert.equal(v({ models, ablation: ahead })['other-settings'], 'holds');
  assert.equal(v({ models, ablation: [...ahead, ...behind] })['other-settings'], 'does not hold');
  const caughtUp = rows({ 'transformer DPA': five(0.97), 'cisformer EA': five(0.965) }).slice(0, 10);
  const stillBehind = rows({ 'transformer DPA': five(0.98), 'cisformer EA': five(0.88) });
  assert.equal(v({ models, budget: caughtUp })['budget-catch-up'], 'holds');
  const q = tsQuestions({ models, budget: stillBehind });
  assert.equal(verdicts(q)['budget-catch-up'], 'does not hold');
  assert.match((q.find((c) => c.id === 'budget-catch-up') as TsClaim).evidence, /same seeds: \+0\.100/);
  assert.equal(v({ models })['signed-rules'], 'does not hold', 'Cog equal to EA: not better');
  const better = [...models.filter((r) => r.mechanism !== 'cog'), ...five(0.95).map((a, seed) => ({ architecture: 'cisformer', mechanism: 'cog', seed, finalAccuracy: a }))];
  assert.equal(v({ models: better })['signed-rules'], 'holds');
  const none = v({ models: rows({ lstm: five(0.5) }) });
  assert.deepEqual([none['other-settings'], none['budget-catch-up'], none['signed-rules']], ['not measured', 'not measured', 'not measured']);
});
