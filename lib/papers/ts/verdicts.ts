/**
 * The task-switching paper's claims, judged with uncertainty (notebook 02, issue 16).
 *
 *   tsModelStats(rows)        per model (architecture × mechanism): mean and best-of-n final accuracy over
 *                             its seeds, each with a percentile-bootstrap interval
 *   tsClaims(rows)            the paper's claims: claim, evidence, verdict and the rule that gave it
 *   claimsByReading(rows)     tsClaims for each reading of ts-readings (a reading that changes only some
 *                             models takes the others from `today`)
 *   tsQuestions(input)        our own questions: the cisformer (EA) at other settings (ts-ablation), whether
 *                             it catches up with more steps (ts-budget), whether signed rules help it more
 *   rowsOfReading(rows, r)    the rows reading r is judged on (its own, the base reading's for the others)
 *   readingsTable(perReading) one row per claim, one column per reading
 *
 * The claims (shared/papers.md, TS paper abstract): standard transformers cannot solve IARC; the
 * transformer, LSTM and MLP reach similar, modest accuracy; the cisformer with expressive attention
 * reaches about 95 %; it is the only model there; and it takes both changes (the cisformer with DPA
 * and the transformer with EA stay below it). "About 95 %" is read as best of n ≥ `near` (0.93), the
 * group reporting the best of five runs.
 *
 * Verdict rules read intervals (95 %): a statement "holds" only when the interval supports it, "does
 * not hold" only when the interval contradicts it, and is "undecided" when the interval allows both.
 * Models are compared on paired differences over shared seeds (the same seed: the same data).
 *
 * ```ts
 * const rows = resultRows(loadExperimentResults('ts-readings', 'full').records);
 * readingsTable(claimsByReading(rows));
 * ```
 */
import { bootstrapInterval, pairedComparison, type Interval, type PairedComparison } from '../../lab/statistics.js';
import type { VerdictTable } from '../../lab/verdicts.js';
import { tsModelName } from './analysis.js';
import type { Row } from '../../lab/types.js';


export type TsVerdict = 'holds' | 'partly' | 'undecided' | 'does not hold' | 'not measured';

export interface TsVerdictArgs {
  /** "About 95 %": the best-of-n accuracy a model must reach. Default 0.93. */
  near?: number;
  /** "Similar accuracy": paired differences within ± this. Default 0.05. */
  similar?: number;
  /** A paired difference counts beyond ± this. Default 0.02. */
  tolerance?: number;
  /** Bootstrap: confidence level, resamples, seed. Defaults 0.95, 4000, 0. */
  level?: number;
  resamples?: number;
  seed?: number;
}

/** One model over its seeds. */
export interface TsModelStats {
  architecture: string;
  mechanism: string;
  name: string;
  /** Final accuracy by seed. */
  bySeed: Map<number, number>;
  mean: Interval;
  best: Interval;
}

export interface TsClaim {
  id: string;
  claim: string;
  verdict: TsVerdict;
  evidence: string;
  rule: string;
}

const f3 = (x: number): string => x.toFixed(3);
const range = (i: Interval): string => `${f3(i.estimate)} [${f3(i.lo)}, ${f3(i.hi)}]`;
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
const pairedText = (p: PairedComparison): string => `${signed(p.meanDifference)} [${signed(p.lo)}, ${signed(p.hi)}] (n = ${p.n}, p = ${p.p.toFixed(3)})`;

/** Per (architecture, mechanism) of `rows` (columns architecture, mechanism, seed, finalAccuracy), in the order of first appearance. */
export function tsModelStats(rows: readonly Row[], args: TsVerdictArgs = {}): TsModelStats[] {
  for (const col of ['architecture', 'mechanism', 'seed', 'finalAccuracy']) {
    if (rows.length && !(col in rows[0])) throw new Error(`tsModelStats: no column '${col}'; columns are ${Object.keys(rows[0]).join(', ')}`);
  }
  const boot = { level: args.level ?? 0.95, resamples: args.resamples ?? 4000, seed: args.seed ?? 0 };
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r.architecture}|${r.mechanism}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const bySeed = new Map(g.map((r) => [Number(r.seed), Number(r.finalAccuracy)]));
    if (bySeed.size !== g.length) throw new Error(`tsModelStats: ${tsModelName(String(g[0].architecture), String(g[0].mechanism))} has a seed twice`);
    const acc = [...bySeed.values()];
    return {
      architecture: String(g[0].architecture), mechanism: String(g[0].mechanism), name: tsModelName(String(g[0].architecture), String(g[0].mechanism)),
      bySeed, mean: bootstrapInterval(acc, 'mean', boot), best: bootstrapInterval(acc, 'max', boot),
    };
  });
}

/** a − b over the seeds both have. */
function paired(a: TsModelStats, b: TsModelStats, args: TsVerdictArgs): PairedComparison {
  const pairs = [...a.bySeed].filter(([s]) => b.bySeed.has(s)).map(([s, x]) => [x, b.bySeed.get(s) as number] as const);
  // Protocol 1 (the first rules; protocols/ts.json with its amendment is issue 35's next step): percentile bootstrap.
  return pairedComparison(pairs, { level: args.level ?? 0.95, resamples: args.resamples ?? 4000, seed: args.seed ?? 0, method: 'bootstrap' });
}

/** The claims of the TS paper on the rows of one setting (one reading). */
export function tsClaims(rows: readonly Row[], args: TsVerdictArgs = {}): TsClaim[] {
  const near = args.near ?? 0.93;
  const similar = args.similar ?? 0.05;
  const tol = args.tolerance ?? 0.02;
  const stats = tsModelStats(rows, args);
  const find = (architecture: string, mechanism: string): TsModelStats | undefined => stats.find((s) => s.architecture === architecture && s.mechanism === mechanism);
  const transformer = find('transformer', 'dot-product');
  const transformerEa = find('transformer', 'expressive');
  const cisDpa = find('cisformer', 'dot-product');
  const cisEa = find('cisformer', 'expressive');
  const baselines = [transformer, find('lstm', 'none'), find('mlp', 'none')];
  const missing = (id: string, claim: string, rule: string, what: string): TsClaim => ({ id, claim, verdict: 'not measured', evidence: `no records of ${what}`, rule });
  const claims: TsClaim[] = [];

  {
    const id = 'transformer-fails';
    const claim = 'Standard transformers (DPA) cannot solve the IARC stream';
    const rule = `holds: the best-of-n interval lies below ${near}; does not hold: the mean's interval lies at or above ${near}; partly: the best-of-n interval lies at or above it (some seed gets there, the mean need not); else undecided.`;
    if (!transformer) claims.push(missing(id, claim, rule, 'the transformer (DPA)'));
    else {
      const verdict: TsVerdict = transformer.best.hi < near ? 'holds' : transformer.mean.lo >= near ? 'does not hold' : transformer.best.lo >= near ? 'partly' : 'undecided';
      claims.push({ id, claim, verdict, rule, evidence: `transformer (DPA), ${transformer.bySeed.size} seeds: best of n ${range(transformer.best)}, mean ${range(transformer.mean)}` });
    }
  }
  {
    const id = 'baselines-similar';
    const claim = 'The transformer, the LSTM and the MLP reach similar accuracy';
    const rule = `per pair, the paired difference of final accuracy: "similar" when its interval lies within ±${similar}, "different" when it lies wholly beyond; holds: every pair similar; does not hold: some pair different; else undecided.`;
    const have = baselines.filter((b): b is TsModelStats => b !== undefined);
    if (have.length < 3) claims.push(missing(id, claim, rule, ['the transformer (DPA)', 'the LSTM', 'the MLP'].filter((_, k) => !baselines[k]).join(', ')));
    else {
      const pairs = [[0, 1], [0, 2], [1, 2]].map(([i, j]) => ({ a: have[i], b: have[j], d: paired(have[i], have[j], args) }));
      const isSimilar = (d: PairedComparison): boolean => d.lo >= -similar && d.hi <= similar;
      const isDifferent = (d: PairedComparison): boolean => d.lo > similar || d.hi < -similar;
      const verdict: TsVerdict = pairs.every((p) => isSimilar(p.d)) ? 'holds' : pairs.some((p) => isDifferent(p.d)) ? 'does not hold' : 'undecided';
      claims.push({ id, claim, verdict, rule, evidence: pairs.map((p) => `${p.a.name} − ${p.b.name}: ${pairedText(p.d)}`).join('; ') });
    }
  }
  {
    const id = 'baselines-modest';
    const claim = '… and that accuracy is modest (below 95 %)';
    const rule = `holds: every best-of-n interval of the three lies below ${near}; does not hold: some model's mean interval lies at or above ${near}; partly: some best-of-n interval lies at or above it; else undecided.`;
    const have = baselines.filter((b): b is TsModelStats => b !== undefined);
    if (have.length < 3) claims.push(missing(id, claim, rule, 'all three baselines'));
    else {
      const verdict: TsVerdict = have.every((m) => m.best.hi < near) ? 'holds' : have.some((m) => m.mean.lo >= near) ? 'does not hold'
        : have.some((m) => m.best.lo >= near) ? 'partly' : 'undecided';
      claims.push({ id, claim, verdict, rule, evidence: have.map((m) => `${m.name}: best ${range(m.best)}`).join('; ') });
    }
  }
  {
    const id = 'cisformer-ea-95';
    const claim = 'The cisformer with expressive attention reaches about 95 %';
    const rule = `holds: its best-of-n interval lies at or above ${near}; does not hold: it lies below ${near}; else undecided.`;
    if (!cisEa) claims.push(missing(id, claim, rule, 'the cisformer (EA)'));
    else {
      const verdict: TsVerdict = cisEa.best.lo >= near ? 'holds' : cisEa.best.hi < near ? 'does not hold' : 'undecided';
      claims.push({ id, claim, verdict, rule, evidence: `cisformer (EA), ${cisEa.bySeed.size} seeds: best of n ${range(cisEa.best)}, mean ${range(cisEa.mean)}` });
    }
  }
  {
    const id = 'cisformer-ea-only';
    const claim = 'The cisformer with EA is the only model near 95 %';
    const rule = `holds: its best-of-n interval lies at or above ${near} and every other model's below; does not hold: its own lies below ${near}, or another model's lies at or above ${near}, or another model is more accurate (paired interval beyond +${tol}); else undecided.`;
    if (!cisEa) claims.push(missing(id, claim, rule, 'the cisformer (EA)'));
    else {
      const others = stats.filter((s) => s !== cisEa);
      const ahead = others.map((o) => ({ o, d: paired(o, cisEa, args) })).filter((x) => x.d.n > 0 && x.d.lo > tol);
      const alsoNear = others.filter((o) => o.best.lo >= near);
      const verdict: TsVerdict = cisEa.best.hi < near || alsoNear.length > 0 || ahead.length > 0 ? 'does not hold'
        : cisEa.best.lo >= near && others.every((o) => o.best.hi < near) ? 'holds' : 'undecided';
      const best = [...stats].sort((a, b) => b.mean.estimate - a.mean.estimate)[0];
      claims.push({
        id, claim, verdict, rule,
        evidence: `cisformer (EA) best ${range(cisEa.best)}; the most accurate model by mean: ${best.name} ${range(best.mean)}` +
          (ahead.length ? `; more accurate than it (paired): ${ahead.map((x) => `${x.o.name} ${pairedText(x.d)}`).join(', ')}` : '') +
          (alsoNear.length ? `; also near ${near}: ${alsoNear.map((o) => o.name).join(', ')}` : ''),
      });
    }
  }
  {
    const id = 'combination';
    const claim = 'It takes both: the cisformer with EA beats the cisformer with DPA and the transformer with EA';
    const rule = `paired differences cisformer (EA) − each: holds: both intervals above +${tol}; does not hold: one lies below +${tol} entirely (hi < ${tol}) and the other is not above; partly: one above, the other not; else undecided.`;
    if (!cisEa || !cisDpa || !transformerEa) claims.push(missing(id, claim, rule, [!cisEa && 'the cisformer (EA)', !cisDpa && 'the cisformer (DPA)', !transformerEa && 'the transformer (EA)'].filter(Boolean).join(', ')));
    else {
      const ds = [paired(cisEa, cisDpa, args), paired(cisEa, transformerEa, args)];
      const above = ds.filter((d) => d.lo > tol).length;
      const below = ds.filter((d) => d.hi < tol).length;
      const verdict: TsVerdict = above === 2 ? 'holds' : above === 1 ? 'partly' : below > 0 ? 'does not hold' : 'undecided';
      claims.push({ id, claim, verdict, rule, evidence: `cisformer (EA) − cisformer (DPA): ${pairedText(ds[0])}; cisformer (EA) − transformer (EA): ${pairedText(ds[1])}` });
    }
  }
  return claims;
}

/** The data of our own questions (ts-ablation, ts-budget, and ts-models' signed rules). */
export interface TsQuestionsInput {
  /** ts-models rows (the main setting, the short budget). */
  models: readonly Row[];
  /** ts-ablation rows (a `setting` column). */
  ablation?: readonly Row[];
  /** ts-budget rows (the same models and seeds, more steps). */
  budget?: readonly Row[];
}

/** Our questions beyond the paper's claims (in parentheses in the notebook), with the same kind of rules. */
export function tsQuestions(input: TsQuestionsInput, args: TsVerdictArgs = {}): TsClaim[] {
  const tol = args.tolerance ?? 0.02;
  const out: TsClaim[] = [];
  const statsOf = (rows: readonly Row[]): TsModelStats[] => tsModelStats(rows, args);
  const find = (stats: readonly TsModelStats[], architecture: string, mechanism: string): TsModelStats | undefined =>
    stats.find((x) => x.architecture === architecture && x.mechanism === mechanism);
  {
    const id = 'other-settings';
    const claim = '(The claim at other settings) the cisformer with EA is the best model at other window lengths and domain sizes';
    const rule = `per setting, paired differences cisformer (EA) − each other model: "ahead" when all lie above +${tol}, "behind" when some other model's lies above +${tol} the other way; holds: ahead in every setting; does not hold: behind in some; partly: ahead in some, never behind; else undecided.`;
    const rows = input.ablation ?? [];
    const settings = [...new Set(rows.map((r) => String(r.setting)))];
    if (!settings.length) out.push({ id, claim, rule, verdict: 'not measured', evidence: 'no ts-ablation records' });
    else {
      const per = settings.map((setting) => {
        const stats = statsOf(rows.filter((r) => r.setting === setting));
        const cis = find(stats, 'cisformer', 'expressive');
        const others = stats.filter((x) => x !== cis);
        if (!cis || !others.length) return { setting, state: 'missing' as const, text: `${setting}: no cisformer (EA) or nothing to compare` };
        const ds = others.map((o) => ({ o, d: paired(cis, o, args) }));
        const state = ds.every((x) => x.d.lo > tol) ? 'ahead' as const : ds.some((x) => x.d.hi < -tol) ? 'behind' as const : 'undecided' as const;
        const bestOther = [...ds].sort((a, b) => a.d.meanDifference - b.d.meanDifference)[0];
        return { setting, state, text: `${setting}: ${state} (vs ${bestOther.o.name}: ${pairedText(bestOther.d)})` };
      });
      const count = (st: string): number => per.filter((p) => p.state === st).length;
      const verdict: TsVerdict = count('ahead') === per.length ? 'holds' : count('behind') > 0 ? 'does not hold' : count('ahead') > 0 ? 'partly' : 'undecided';
      out.push({ id, claim, rule, verdict, evidence: per.map((p) => p.text).join('; ') });
    }
  }
  {
    const id = 'budget-catch-up';
    const claim = '(Our question) with more steps the cisformer (EA) catches up with the transformer (DPA)';
    const rule = `paired gap transformer (DPA) − cisformer (EA) at the longer budget: holds: its interval lies at or below +${tol}; does not hold: it lies above +${tol}; else undecided.`;
    const longStats = statsOf(input.budget ?? []);
    const shortStats = statsOf(input.models);
    const [lt, lc, st, sc] = [find(longStats, 'transformer', 'dot-product'), find(longStats, 'cisformer', 'expressive'), find(shortStats, 'transformer', 'dot-product'), find(shortStats, 'cisformer', 'expressive')];
    if (!lt || !lc) out.push({ id, claim, rule, verdict: 'not measured', evidence: 'no ts-budget records of both models' });
    else {
      const long = paired(lt, lc, args);
      const steps = (rows: readonly Row[] | undefined): string => [...new Set((rows ?? []).map((r) => String(r.steps)))].join('/');
      // The short budget on the same seeds as the long one.
      const seeds = new Set(lc.bySeed.keys());
      const short = st && sc ? paired({ ...st, bySeed: new Map([...st.bySeed].filter(([k]) => seeds.has(k))) }, sc, args) : undefined;
      const verdict: TsVerdict = long.hi <= tol ? 'holds' : long.lo > tol ? 'does not hold' : 'undecided';
      out.push({ id, claim, rule, verdict, evidence: `gap at ${steps(input.budget)} steps: ${pairedText(long)}` + (short ? `; at ${steps(input.models)} steps, same seeds: ${pairedText(short)}` : '') });
    }
  }
  {
    const id = 'signed-rules';
    const claim = '(Our question, beyond the paper) signed weights — Cog or signed EA — help the cisformer more than EA';
    const rule = `paired differences cisformer (signed rule) − cisformer (EA): holds: every one above +${tol}; partly: some; does not hold: every one below +${tol}; else undecided.`;
    const stats = statsOf(input.models);
    const cis = find(stats, 'cisformer', 'expressive');
    const signedRules = ['cog', 'signed-expressive'].map((m) => find(stats, 'cisformer', m)).filter((x): x is TsModelStats => x !== undefined);
    if (!cis || !signedRules.length) out.push({ id, claim, rule, verdict: 'not measured', evidence: 'no cisformer with EA and a signed rule' });
    else {
      const ds = signedRules.map((m) => ({ m, d: paired(m, cis, args) }));
      const above = ds.filter((x) => x.d.lo > tol).length;
      const verdict: TsVerdict = above === ds.length ? 'holds' : above > 0 ? 'partly' : ds.every((x) => x.d.hi < tol) ? 'does not hold' : 'undecided';
      out.push({ id, claim, rule, verdict, evidence: ds.map((x) => `${x.m.name} − cisformer (EA): ${pairedText(x.d)}`).join('; ') });
    }
  }
  return out;
}

/**
 * tsClaims per reading of `rows` (a `reading` column, as ts-readings'): a reading's models are its own
 * rows, and `base`'s rows for the models it does not train (they would be the same cells). Readings
 * come in `order`, then in order of appearance.
 */
export function claimsByReading(rows: readonly Row[], { base = 'today', order = [], ...args }: TsVerdictArgs & { base?: string; order?: readonly string[] } = {}): { reading: string; claims: TsClaim[] }[] {
  if (rows.length && !('reading' in rows[0])) throw new Error(`claimsByReading: no column 'reading'; columns are ${Object.keys(rows[0]).join(', ')}`);
  // Readings in `order` first (e.g. Object.keys(TS_READINGS)), then any others as they appear.
  const seen = [...new Set(rows.map((r) => String(r.reading)))];
  const readings = [...order.filter((r) => seen.includes(r)), ...seen.filter((r) => !order.includes(r))];
  return readings.map((reading) => ({ reading, claims: tsClaims(rowsOfReading(rows, reading, base), args) }));
}

/** The rows a reading is judged on: its own, and `base`'s for the models it does not train (the same cells). */
export function rowsOfReading(rows: readonly Row[], reading: string, base = 'today'): Row[] {
  const model = (r: Row): string => `${r.architecture}|${r.mechanism}`;
  const own = rows.filter((r) => r.reading === reading);
  const trained = new Set(own.map(model));
  return [...own, ...rows.filter((r) => r.reading === base && !trained.has(model(r)))];
}

/** One row per claim, one column per reading (the verdict). */
export function readingsTable(perReading: readonly { reading: string; claims: readonly TsClaim[] }[], caption?: string): VerdictTable {
  const first = perReading[0]?.claims ?? [];
  return {
    columns: ['claim', ...perReading.map((p) => p.reading)],
    rows: first.map((c) => [c.claim, ...perReading.map((p) => p.claims.find((x) => x.id === c.id)?.verdict ?? 'not measured')]),
    ...(caption ? { caption } : {}),
  };
}
