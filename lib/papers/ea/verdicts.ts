/**
 * The EA paper's claims, judged under the registered protocol (protocols/ea.json; notebook 01).
 *
 *   compareMechanisms(rows)   per rung (size × N × b, or size × N × rule set): each mechanism's seeds
 *                             at 100 % (Wilson) and their Fisher test, the mean accuracy with its t
 *                             interval and the best seed, the paired EA − DPA difference over shared
 *                             seeds (same data, same initialisation) with its sign-flip and t-test p
 *   familyAdjusted(cmps)      the rungs' t-test p-values corrected as one family (Holm by default)
 *   frontierEstimate(rows)    the observed 100 % frontier per mechanism and size along N (or b): best
 *                             of n and all seeds
 *   eaClaims(input)           the claims under a protocol version: claim, evidence, verdict, the rule
 *                             that gave it and the data it rests on
 *   comparisonTable, frontierTable   the notebook's tables (claimsTable is lab/verdicts')
 *
 * Protocol 2 (current): pooled claims use rungs as clusters (t over rung means), rung decisions are
 * Holm-corrected paired t-tests (Fisher's exact test for the share at 100 %), the margin's growth is a
 * slope tested both ways alike. Protocol 1 (as first applied): bootstrap intervals, pooled pairs, no
 * correction. Rungs whose rule has a one-key shortcut (lib/tasks/ladder-shortcuts.ts) are kept out of
 * the frontier and of the "reaches 100 % where DPA cannot" claim.
 *
 * ```ts
 * const rows = resultRows(loadExperimentResults('ea-frontier', 'full').records);
 * const cmp = compareMechanisms(rows, { cellKeys: ['size', 'N', 'b'] });
 * frontierEstimate(rows, { within: 'b', along: 'N' });
 * eaClaims({ single: rows, multi: multiRows });              // protocol 2
 * eaClaims({ single: rows, multi: multiRows, protocol: 1 }); // the rules as first applied
 * ```
 */
import { isSolved } from '../../lab/results.js';
import { EA_RULE_SETS } from './grids.js';
import {
  adjustPValues, clusteredComparison, fisherExact, meanInterval, pairedComparison, pairedTTest, wilsonInterval,
  type Correction, type Interval, type IntervalMethod, type PairedComparison,
} from '../../lab/statistics.js';
import { claimNumber, loadProtocol, protocolVersion, type ProtocolVersion } from '../../lab/protocol.js';
import { rungShortcuts } from '../../tasks/ladder-shortcuts.js';
import { formatDifference, formatInterval, signed, type Claim, type Verdict, type VerdictTable } from '../../lab/verdicts.js';
import type { Scalar, Row } from '../../lab/types.js';


const DPA = 'dot-product';
const EA = 'expressive';

export interface VerdictArgs {
  /** Accuracies closer than this count as equal. Default 0.02. */
  tolerance?: number;
  /** Confidence level of every interval. Default 0.95. */
  level?: number;
  /** Bootstrap resamples. Default 4000. */
  resamples?: number;
  /** Seed of the resampling. Default 0. */
  seed?: number;
  /** Interval of a mean: 't' or 'bootstrap' (protocol 1). Default 't'. */
  method?: IntervalMethod;
}

function resolveArgs({ tolerance = 0.02, level = 0.95, resamples = 4000, seed = 0, method = 't' }: VerdictArgs): Required<VerdictArgs> {
  if (!(tolerance >= 0 && tolerance < 1)) throw new Error(`tolerance must be a number in [0, 1); got ${tolerance}`);
  if (!(level > 0 && level < 1)) throw new Error(`level must be a number in (0, 1); got ${level}`);
  return { tolerance, level, resamples, seed, method };
}

/** One mechanism's seeds in one rung. */
export interface MechanismSummary {
  seeds: number[];
  /** Seeds that reached 100 %, and their share with a Wilson interval. */
  solvedSeeds: number;
  solved: Interval;
  /** Final held-out accuracy: the mean over seeds with its interval, and the best seed (best of n: an observed maximum, no interval). */
  mean: Interval;
  best: number;
  /** Mean steps to 100 % over the solved seeds (NaN if none). */
  stepsToPerfect: number;
  /** How the runs ended: counts per stop reason. */
  stopReasons: Record<string, number>;
}

export interface RungComparison {
  /** The rung's coordinates (cellKeys). */
  rung: Row;
  dpa: MechanismSummary | null;
  ea: MechanismSummary | null;
  /** EA − DPA final accuracy over the seeds both have. */
  paired: PairedComparison;
  /** The seeds both have, with each mechanism's final accuracy (EA − DPA = ea − dpa). */
  pairs: { seed: number; ea: number; dpa: number }[];
  /** Two-sided paired t-test p of "EA − DPA = 0" (1 when every pair agrees, NaN below two pairs). Family corrections are applied by the claims. */
  tTestP: number;
  /** Fisher's exact test (two-sided) of the shares of seeds at 100 %. */
  solvedP: number;
  /** Which mechanism reaches 100 % more often with non-overlapping Wilson intervals, else null. */
  solvedSeparated: 'ea' | 'dpa' | null;
  /**
   * 'ea' / 'dpa': the paired interval lies above +tolerance / below −tolerance; 'tie': inside ±tolerance;
   * 'no difference seen': every pair agrees exactly (an interval of zero width, which says nothing about a
   * difference rarer than one seed in n); else 'undecided'. With no family correction (protocol 1's rung rule).
   */
  accuracy: 'ea' | 'dpa' | 'tie' | 'no difference seen' | 'undecided';
  /** Largest share of scored positions any rule of the rung can serve by a one-key shortcut (0 = none). */
  shortcutShare: number;
}

export interface CompareArgs extends VerdictArgs {
  /**
   * The accuracy compared: 'finalAccuracy' (the validation split, which the 100 % stop reads; default) or
   * 'testAccuracy' (the test split, scored once after training; "at 100 %" then means 100 % on it).
   */
  metric?: 'finalAccuracy' | 'testAccuracy';
  /** Coordinates that identify a rung, e.g. ['size', 'N', 'b'] or ['size', 'N', 'rules']. */
  cellKeys: readonly string[];
  /** Positions per row, for the shortcut share. Default 32 (the grids' T). */
  contextLength?: number;
}

function summarise(rows: readonly Row[], a: Required<VerdictArgs>, metric: 'finalAccuracy' | 'testAccuracy'): MechanismSummary {
  const acc = rows.map((r) => Number(r[metric]));
  const solvedRows = rows.filter((r) => (metric === 'testAccuracy' ? Number(r.testAccuracy) === 1 : isSolved(r)));
  const stopReasons: Record<string, number> = {};
  for (const r of rows) stopReasons[String(r.stopReason)] = (stopReasons[String(r.stopReason)] ?? 0) + 1;
  return {
    seeds: rows.map((r) => Number(r.seed)).sort((x, y) => x - y),
    solvedSeeds: solvedRows.length,
    solved: wilsonInterval(solvedRows.length, rows.length, a.level),
    mean: meanInterval(acc, a),
    best: Math.max(...acc),
    stepsToPerfect: solvedRows.length ? solvedRows.reduce((s, r) => s + Number(r.stepsToPerfect), 0) / solvedRows.length : Number.NaN,
    stopReasons,
  };
}

/** The rules of a ladder rung from its coordinates: `rules` (a name in EA_RULE_SETS) or a = 1 and `b`. */
export function rungRules(rung: Row): number[][] {
  if (typeof rung.rules === 'string') {
    const set = EA_RULE_SETS[rung.rules];
    if (!set) throw new Error(`unknown rule set '${rung.rules}'; known: ${Object.keys(EA_RULE_SETS).join(', ')}`);
    return set;
  }
  if (typeof rung.b === 'number') return [[1, rung.b]];
  throw new Error(`a ladder rung needs a 'b' or a 'rules' coordinate; got ${JSON.stringify(rung)}`);
}

function checkColumns(rows: readonly Row[], columns: readonly string[], who: string): void {
  for (const k of columns) {
    const without = rows.find((r) => !(k in r));
    if (without) throw new Error(`${who}: no column '${k}' in a row; columns are ${Object.keys(without).join(', ')}`);
  }
}

/** Known orders of text coordinates: model sizes small → large, rule sets by size, mechanisms as in EA_MECHANISMS. */
const TEXT_ORDER: Record<string, readonly string[]> = { size: ['small', 'medium'], rules: Object.keys(EA_RULE_SETS), mechanism: [DPA, EA] };

/** Orders rows of coordinates key by key: numbers ascending, known text in its order (TEXT_ORDER), other text alphabetically. */
function byCoordinates(keys: readonly string[]): (x: Row, y: Row) => number {
  const rank = (k: string, v: Scalar): number => (TEXT_ORDER[k]?.indexOf(String(v)) ?? -1);
  return (x, y) => {
    for (const k of keys) {
      const [a, b] = [x[k], y[k]];
      if (a === b) continue;
      if (typeof a === 'number' && typeof b === 'number') return a - b;
      const [ra, rb] = [rank(k, a), rank(k, b)];
      if (ra !== rb && ra >= 0 && rb >= 0) return ra - rb;
      return String(a).localeCompare(String(b), 'en', { numeric: true });
    }
    return 0;
  };
}

/** Per rung, both mechanisms side by side (see the file comment), rungs in coordinate order. Rungs with rows of only one mechanism get null for the other. */
export function compareMechanisms(rows: readonly Row[], args: CompareArgs): RungComparison[] {
  const a = resolveArgs(args);
  const T = args.contextLength ?? 32;
  const metric = args.metric ?? 'finalAccuracy';
  checkColumns(rows, [...args.cellKeys, 'mechanism', 'seed', metric], 'compareMechanisms');
  const missing = rows.find((r) => !Number.isFinite(Number(r[metric])));
  if (missing) throw new Error(`compareMechanisms: '${metric}' is not a number in ${String(missing.key ?? JSON.stringify(missing))}${metric === 'testAccuracy' ? ' (records before 0.3.0 have no test split score)' : ''}`);
  const rungs = new Map<string, { rung: Row; rows: Row[] }>();
  for (const r of rows) {
    const id = JSON.stringify(args.cellKeys.map((k) => r[k]));
    let g = rungs.get(id);
    if (!g) rungs.set(id, (g = { rung: Object.fromEntries(args.cellKeys.map((k) => [k, r[k]])), rows: [] }));
    g.rows.push(r);
  }
  const order = byCoordinates(args.cellKeys);
  return [...rungs.values()].sort((x, y) => order(x.rung, y.rung)).map(({ rung, rows: here }) => {
    const of = (m: string): Row[] => here.filter((r) => r.mechanism === m);
    const dpaRows = of(DPA);
    const eaRows = of(EA);
    const dpa = dpaRows.length ? summarise(dpaRows, a, metric) : null;
    const ea = eaRows.length ? summarise(eaRows, a, metric) : null;
    const dpaBySeed = new Map(dpaRows.map((r) => [Number(r.seed), Number(r[metric])]));
    const pairs = eaRows.filter((r) => dpaBySeed.has(Number(r.seed))).map((r) => [Number(r[metric]), dpaBySeed.get(Number(r.seed)) as number] as [number, number]);
    const paired = pairedComparison(pairs, a);
    const seedPairs = eaRows.filter((r) => dpaBySeed.has(Number(r.seed))).map((r) => ({ seed: Number(r.seed), ea: Number(r[metric]), dpa: dpaBySeed.get(Number(r.seed)) as number }));
    const spread = pairs.map(([x, y]) => x - y);
    const allAgree = spread.length > 0 && spread.every((d) => d === spread[0]);
    const t = pairedTTest(spread);
    const tTestP = spread.length < 2 ? Number.NaN : allAgree && spread[0] === 0 ? 1 : t.p;
    const solvedP = ea && dpa ? fisherExact(ea.solvedSeeds, ea.seeds.length - ea.solvedSeeds, dpa.solvedSeeds, dpa.seeds.length - dpa.solvedSeeds) : Number.NaN;
    const solvedSeparated = ea && dpa ? (ea.solved.lo > dpa.solved.hi ? 'ea' : dpa.solved.lo > ea.solved.hi ? 'dpa' : null) : null;
    const accuracy = paired.n === 0 ? 'undecided'
      : allAgree && spread[0] === 0 && a.method === 't' ? 'no difference seen'
      : paired.lo > a.tolerance ? 'ea' : paired.hi < -a.tolerance ? 'dpa'
      : paired.lo >= -a.tolerance && paired.hi <= a.tolerance ? 'tie' : 'undecided';
    const shortcutShare = Math.max(0, ...rungShortcuts(Number(rung.N), rungRules(rung), T).map((s) => s.share));
    return { rung, dpa, ea, paired, pairs: seedPairs, tTestP, solvedP, solvedSeparated, accuracy, shortcutShare };
  });
}

export interface FrontierEstimateArgs extends VerdictArgs {
  /** Columns that identify a frontier besides the `within` column. Default ['size', 'mechanism']. */
  groupBy?: readonly string[];
  /** The column held fixed along the frontier, e.g. 'b'. */
  within: string;
  /** The numeric complexity column the frontier runs along, e.g. 'N'. */
  along: string;
  /** Rungs to leave out (e.g. those with a shortcut): neither solved nor unsolved, the walk steps over them. */
  exclude?: (row: Row) => boolean;
  /**
   * groupBy columns whose groups share one set of rungs: a rung one of them trained and another did not is
   * `missing` for the other. Default ['mechanism'] (each mechanism is walked over the rungs of the same size and b).
   */
  sharedAcross?: readonly string[];
}

export interface FrontierEstimate {
  /** The group's coordinates (groupBy and within). */
  group: Row;
  /** Values of `along` trained by any group that differs from this one only in `sharedAcross`, ascending, excluded ones removed. */
  values: number[];
  /** Values with no row in this group: the walk stops before the first. */
  missing: number[];
  /** Values left out by `exclude`. */
  excluded: number[];
  /** The largest value such that it and every smaller value are solved by at least one seed (best of n); null if the first is not. */
  best: number | null;
  /** The same with every seed solved. */
  all: number | null;
  /** Whether the best-of-n frontier lies inside the grid: some value beyond it was trained and not solved. */
  inside: boolean;
}

/** The last value of an ascending walk before the first unsolved (or missing) one; null if the first fails. */
function walk(values: readonly number[], ok: (v: number) => boolean): number | null {
  let last: number | null = null;
  for (const v of values) {
    if (!ok(v)) break;
    last = v;
  }
  return last;
}

/** The observed 100 % frontier of each mechanism and size along a complexity axis (best of n and all seeds; see FrontierEstimate). */
export function frontierEstimate(rows: readonly Row[], args: FrontierEstimateArgs): FrontierEstimate[] {
  resolveArgs(args); // checks tolerance and level
  const groupBy = args.groupBy ?? ['size', 'mechanism'];
  checkColumns(rows, [...groupBy, args.within, args.along], 'frontierEstimate');
  const kept = rows.filter((r) => !(args.exclude?.(r) ?? false));
  const shared = new Set(args.sharedAcross ?? ['mechanism']);
  // The columns that pick a group's rung set: every group column but the shared ones.
  const rungKeys = [...groupBy.filter((k) => !shared.has(k)), args.within];
  const sameRungs = (group: Row) => (r: Row): boolean => rungKeys.every((k) => r[k] === group[k]);
  const along = (rs: readonly Row[]): number[] => [...new Set(rs.map((r) => Number(r[args.along])))].sort((x, y) => x - y);
  const excludedOf = (group: Row): number[] => along(rows.filter((r) => sameRungs(group)(r) && (args.exclude?.(r) ?? false)));
  const valuesOf = (group: Row): number[] => along(kept.filter(sameRungs(group)));
  const groups = new Map<string, { group: Row; cells: Map<number, boolean[]> }>();
  for (const r of kept) {
    const keys = [...groupBy, args.within];
    const id = JSON.stringify(keys.map((k) => r[k]));
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { group: Object.fromEntries(keys.map((k) => [k, r[k]])), cells: new Map() }));
    const v = Number(r[args.along]);
    if (!Number.isFinite(v)) throw new Error(`frontierEstimate: column '${args.along}' must be numeric; got ${JSON.stringify(r[args.along])}`);
    g.cells.set(v, [...(g.cells.get(v) ?? []), isSolved(r)]);
  }
  const order = byCoordinates([...groupBy, args.within]);
  return [...groups.values()].sort((x, y) => order(x.group, y.group)).map(({ group, cells }) => {
    const values = valuesOf(group);
    const missing = values.filter((v) => !cells.has(v));
    const has = (v: number): boolean => cells.has(v);
    const best = walk(values, (v) => has(v) && (cells.get(v) as boolean[]).some(Boolean));
    const all = walk(values, (v) => has(v) && (cells.get(v) as boolean[]).every(Boolean));
    const index = (f: number | null): number => (f === null ? -1 : values.indexOf(f));
    const next = values[index(best) + 1];
    return {
      group, values, missing, excluded: excludedOf(group), best, all,
      inside: next !== undefined && has(next),
    };
  });
}


/** "3/5 [0.23, 0.88]" */
export const formatShare = (s: MechanismSummary | null): string => (s ? `${s.solvedSeeds}/${s.seeds.length} [${s.solved.lo.toFixed(2)}, ${s.solved.hi.toFixed(2)}]` : '—');
/** A rung's name, e.g. "small, N = 16, b = 4" or "medium, N = 8, r4". */
export const rungName = (rung: Row): string => Object.entries(rung).map(([k, v]) => (k === 'size' || k === 'rules' ? String(v) : `${k} = ${v}`)).join(', ');

/** A line's name, e.g. "small, b = 3, N 8→64". */
const lineName = (l: readonly RungComparison[], along: string): string => `${rungName(Object.fromEntries(Object.entries(l[0].rung).filter(([k]) => k !== along)))}, ${along} ${l[0].rung[along]}→${l[l.length - 1].rung[along]}`;

/** Lines of rungs along which complexity rises: fixed `fixed` coordinates, ascending `along` (numeric or an ordered list). */
function lines(cmps: readonly RungComparison[], fixed: readonly string[], along: string, order?: readonly string[]): RungComparison[][] {
  const groups = new Map<string, RungComparison[]>();
  for (const c of cmps) {
    const id = JSON.stringify(fixed.map((k) => c.rung[k]));
    groups.set(id, [...(groups.get(id) ?? []), c]);
  }
  const rank = (c: RungComparison): number => (order ? order.indexOf(String(c.rung[along])) : Number(c.rung[along]));
  return [...groups.values()].map((g) => [...g].sort((x, y) => rank(x) - rank(y))).filter((g) => g.length > 1);
}

/** Along a line, EA's lead grows when some harder rung's paired interval lies wholly above the easiest rung's; it shrinks when one lies wholly below. */
function marginTrend(line: readonly RungComparison[]): 'grows' | 'shrinks' | 'flat' {
  const [first, ...rest] = line;
  if (rest.some((c) => c.paired.lo > first.paired.hi)) return 'grows';
  if (rest.some((c) => c.paired.hi < first.paired.lo)) return 'shrinks';
  return 'flat';
}

function atLeastAsGood(cmps: readonly RungComparison[], pool: PairedComparison, a: Required<VerdictArgs>): { verdict: Verdict; evidence: string } {
  if (pool.n === 0) return { verdict: 'not measured', evidence: 'no rung has both mechanisms' };
  const count = (k: RungComparison['accuracy']): RungComparison[] => cmps.filter((c) => c.accuracy === k);
  const worse = count('dpa');
  const verdict: Verdict = pool.hi < -a.tolerance ? 'does not hold'
    : pool.lo >= -a.tolerance ? (worse.length === 0 ? 'holds' : 'partly') : 'undecided';
  return {
    verdict,
    evidence: `paired EA − DPA over ${pool.n} (rung, seed) pairs: ${formatDifference(pool)} (sign-flip p = ${pool.p.toFixed(3)}); ` +
      `per rung: EA better in ${count('ea').length}, tie in ${count('tie').length}, DPA better in ${worse.length}` +
      `${worse.length ? ` (${worse.map((c) => `${rungName(c.rung)}: ${formatDifference(c.paired)}`).join('; ')})` : ''}, undecided in ${count('undecided').length}`,
  };
}

/** What the claims are judged on, and under which protocol version. */
export interface ClaimsInput extends VerdictArgs {
  /** Single-rule rows (coordinates size, N, b, mechanism, seed). */
  single: readonly Row[];
  /** Multi-task rows (coordinates size, N, rules, mechanism, seed); may be empty. */
  multi: readonly Row[];
  /** Side-by-side cost per size from the benchmark (EA ÷ DPA CPU time and peak memory). */
  cost?: readonly { size: string; cpuRatio: number; memoryRatio: number }[];
  /** The protocol version whose rules judge (protocols/ea.json): a version number or the version itself. Default: the current version. */
  protocol?: ProtocolVersion | number;
}

/** The rules of each version of protocols/ea.json that this code knows. */
/** Version 3 keeps version 2's rules and reads the test split (its statistics.metric) after the tuning it registers. */
const EA_RULES: Record<number, (input: ClaimsInput, v: ProtocolVersion) => Claim[]> = { 1: claimsProtocol1, 2: claimsProtocol2, 3: claimsProtocol2 };

/**
 * The claims of the EA paper's abstract, judged on single-rule and multi-task rows under a version of
 * the registered protocol (protocols/ea.json; each claim's rule says it in words, its margins come
 * from the file). Each claim carries the data it rests on (`basis`).
 */
export function eaClaims(input: ClaimsInput): Claim[] {
  const v = typeof input.protocol === 'object' ? input.protocol : protocolVersion(loadProtocol('ea'), input.protocol);
  const rules = EA_RULES[v.version];
  if (!rules) throw new Error(`eaClaims knows the rules of protocol versions ${Object.keys(EA_RULES).join(', ')}; got version ${v.version}`);
  const basis = claimBasis([...input.single, ...input.multi], v.version);
  return rules(input, v).map((c) => ({ ...c, basis }));
}

/** Protocol 1's rules: the verdicts as first made (bootstrap intervals, pooled pairs, no family correction). */
function claimsProtocol1(input: ClaimsInput, v: ProtocolVersion): Claim[] {
  const a = resolveArgs({ ...input, tolerance: claimNumber(v, 'at-least-as-good', 'margin'), level: v.statistics.level, method: v.statistics.interval, resamples: v.statistics.resamples });
  const tol = a.tolerance;
  const single = compareMechanisms(input.single, { ...a, cellKeys: ['size', 'N', 'b'] }).filter((c) => c.dpa && c.ea);
  const multi = input.multi.length ? compareMechanisms(input.multi, { ...a, cellKeys: ['size', 'N', 'rules'] }).filter((c) => c.dpa && c.ea) : [];
  const claims: Claim[] = [];

  // 1. At least as good.
  const all = [...single, ...multi];
  const poolAll = pairedComparison([
    ...pooledPairs(single, input.single, ['size', 'N', 'b']),
    ...pooledPairs(multi, input.multi, ['size', 'N', 'rules']),
  ], a);
  const ge = atLeastAsGood(all, poolAll, a);
  claims.push({
    id: 'at-least-as-good', claim: 'EA performs at least as well as DPA (v1, v2 abstract; v2: "without loss of performance")', ...ge,
    rule: `holds: the pooled paired interval lies above −${tol} and no rung's paired interval lies below −${tol}; partly: pooled above −${tol}, some rung below; does not hold: pooled interval below −${tol}; undecided: it straddles −${tol}.`,
  });

  // 2. The margin grows with complexity (single rule): along N at fixed size and b, along b at fixed size and N.
  const singleLines = [...lines(single, ['size', 'b'], 'N'), ...lines(single, ['size', 'N'], 'b')];
  const trends = singleLines.map((l) => ({ l, t: marginTrend(l) }));
  const alongOf = (l: readonly RungComparison[]): string => (l[0].rung.N === l[1].rung.N ? 'b' : 'N');
  const grows = trends.filter((x) => x.t === 'grows');
  const shrinks = trends.filter((x) => x.t === 'shrinks');
  claims.push({
    id: 'margin-grows', claim: 'The margin of EA over DPA grows with task complexity',
    evidence: singleLines.length
      ? `of ${singleLines.length} complexity lines the paired margin grows along ${grows.length}${grows.length ? ` (${grows.map((x) => lineName(x.l, alongOf(x.l))).join('; ')})` : ''}, shrinks along ${shrinks.length}${shrinks.length ? ` (${shrinks.map((x) => lineName(x.l, alongOf(x.l))).join('; ')})` : ''}, neither along ${singleLines.length - grows.length - shrinks.length}`
      : 'no line of two or more rungs with both mechanisms',
    verdict: singleLines.length ? (grows.length === singleLines.length ? 'holds' : grows.length > shrinks.length && grows.length > 0 ? 'partly' : 'does not hold') : 'not measured',
    rule: 'a line "grows" when some harder rung\'s paired interval lies wholly above the easiest rung\'s ("shrinks": wholly below). holds: grows along every line; partly: along more lines than it shrinks; else does not hold.',
  });

  // 3. Multi-task: EA ≥ DPA and the margin grows with the number of rules.
  const ruleOrder = Object.keys(EA_RULE_SETS);
  const multiLines = lines(multi, ['size', 'N'], 'rules', ruleOrder);
  const multiPool = pairedComparison(pooledPairs(multi, input.multi, ['size', 'N', 'rules']), a);
  const multiGe = atLeastAsGood(multi, multiPool, a);
  const multiGrows = multiLines.filter((l) => marginTrend(l) === 'grows');
  const multiShrinks = multiLines.filter((l) => marginTrend(l) === 'shrinks');
  claims.push({
    id: 'multi-task', claim: 'The growing margin also holds in multi-task settings',
    evidence: multiLines.length
      ? `${multiGe.evidence}; along ${multiLines.length} lines of more rules (${multiLines.map((l) => `${rungName({ size: l[0].rung.size, N: l[0].rung.N })}: ${l.map((c) => `${c.rung.rules} ${signed(c.paired.meanDifference)}`).join(' → ')}`).join('; ')}) the margin grows along ${multiGrows.length} and shrinks along ${multiShrinks.length}`
      : 'not measurable: needs two or more rule sets with both mechanisms at some size and N',
    verdict: multiLines.length === 0 ? 'not measured'
      : multiGe.verdict === 'holds' && multiGrows.length === multiLines.length ? 'holds'
      : multiGe.verdict !== 'does not hold' && multiGrows.length > 0 ? 'partly' : 'does not hold',
    rule: 'holds: EA at least as good (rule of claim 1) and the margin grows (rule of claim 2) along every rules line; partly: not worse and it grows along some; else does not hold.',
  });

  // 4. EA reaches 100 % where DPA cannot, at fixed size (rungs without a one-key shortcut).
  const clean = [...single, ...multi].filter((c) => c.shortcutShare === 0);
  const eaOnly = clean.filter((c) => c.solvedSeparated === 'ea');
  const dpaOnly = clean.filter((c) => c.solvedSeparated === 'dpa');
  const eaBestOnly = clean.filter((c) => (c.ea as MechanismSummary).solvedSeeds > 0 && (c.dpa as MechanismSummary).solvedSeeds === 0);
  const dpaBestOnly = clean.filter((c) => (c.dpa as MechanismSummary).solvedSeeds > 0 && (c.ea as MechanismSummary).solvedSeeds === 0);
  const sizes = [...new Set(clean.map((c) => String(c.rung.size)))];
  const eaOnlySizes = sizes.filter((s) => eaOnly.some((c) => c.rung.size === s));
  const names = (cs: readonly RungComparison[]): string => (cs.length ? cs.map((c) => `${rungName(c.rung)} (EA ${formatShare(c.ea)}, DPA ${formatShare(c.dpa)})`).join('; ') : 'none');
  claims.push({
    id: 'reaches-100', claim: 'At fixed model size EA reaches 100 % on complexity levels DPA cannot reach',
    evidence: `${clean.length} rungs without a shortcut; EA's share of seeds at 100 % above DPA's with non-overlapping Wilson intervals: ${names(eaOnly)}; the reverse: ${names(dpaOnly)}. ` +
      `Best of n (some seed at 100 %, no seed of the other): EA only ${eaBestOnly.length}, DPA only ${dpaBestOnly.length}`,
    verdict: clean.length === 0 ? 'not measured'
      : sizes.length > 0 && eaOnlySizes.length === sizes.length && dpaOnly.length === 0 ? 'holds'
      : (eaOnly.length > 0 || eaBestOnly.length > dpaBestOnly.length) && dpaOnly.length === 0 ? 'partly' : 'does not hold',
    rule: 'holds: at every size some rung where EA\'s interval of the share at 100 % lies above DPA\'s, none the other way; partly: such a rung at some size, or more best-of-n EA-only rungs than DPA-only, and none the other way; else does not hold.',
  });

  claims.push(costClaim(input, v));
  return claims;
}

/** The cost claim (the same test in every version so far; thresholds from the protocol). */
function costClaim(input: ClaimsInput, v: ProtocolVersion): Claim {
  const noExtraAt = claimNumber(v, 'no-extra-cost', 'noExtra');
  const smallExtraAt = claimNumber(v, 'no-extra-cost', 'smallExtra');
  const paramsBy = new Map<string, Set<number>>();
  for (const r of [...input.single, ...input.multi]) {
    const id = `${r.size}|${r.N}|${r.b ?? r.rules}`;
    paramsBy.set(id, (paramsBy.get(id) ?? new Set()).add(Number(r.parameterCount)));
  }
  const sameParams = [...paramsBy.values()].every((s) => s.size === 1);
  const cost = input.cost ?? [];
  const noExtra = cost.length > 0 && cost.every((c) => c.cpuRatio <= noExtraAt && c.memoryRatio <= noExtraAt);
  const smallExtra = cost.length > 0 && cost.every((c) => c.cpuRatio <= smallExtraAt && c.memoryRatio <= smallExtraAt);
  return {
    id: 'no-extra-cost', claim: 'EA needs no additional compute or memory (v2)',
    evidence: `parameters equal for DPA and EA in ${sameParams ? 'every' : 'not every'} rung of the records; ` +
      (cost.length ? `benchmark EA ÷ DPA: ${cost.map((c) => `${c.size}: CPU ${c.cpuRatio.toFixed(2)}, memory ${c.memoryRatio.toFixed(2)}`).join('; ')}` : 'no benchmark given'),
    verdict: !paramsBy.size ? 'not measured' : !sameParams ? 'does not hold' : cost.length === 0 ? (v.version === 1 ? 'partly' : 'not measured') : noExtra ? 'holds' : smallExtra ? 'partly' : 'does not hold',
    rule: `holds: equal parameters and EA ÷ DPA ≤ ${noExtraAt} in CPU time and memory at every size; partly: equal parameters and ≤ ${smallExtraAt}${v.version === 1 ? ' (or no benchmark)' : ''}; else does not hold${v.version === 1 ? '' : '; not measured: no benchmark'}.`,
  };
}

/** Least-squares slope of ys against 0, 1, …, k − 1 (the rungs' ranks along a line). */
function rankSlope(ys: readonly number[]): number {
  const k = ys.length;
  const xm = (k - 1) / 2;
  const ym = ys.reduce((s, y) => s + y, 0) / k;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => { num += (x - xm) * (y - ym); den += (x - xm) ** 2; });
  return num / den;
}

/** A complexity line's trend under protocol 2: the slope of EA − DPA per rung, per seed present at every rung. */
interface LineTrend {
  line: RungComparison[];
  along: string;
  /** One slope per seed present at every rung of the line. */
  slopes: number[];
  slope: Interval;
  /** Two-sided t-test p of "slope = 0" (1 when every seed's slope is 0; NaN with fewer than two seeds). */
  p: number;
  /** The family-adjusted p (set by `judgeTrends`). */
  adjusted: number;
  trend: 'grows' | 'shrinks' | 'flat';
}

function lineTrend(line: RungComparison[], along: string, a: Required<VerdictArgs>): Omit<LineTrend, 'adjusted' | 'trend'> {
  const bySeed = line.map((c) => new Map(c.pairs.map((p) => [p.seed, p.ea - p.dpa])));
  const seedsEverywhere = [...bySeed[0].keys()].filter((s) => bySeed.every((m) => m.has(s))).sort((x, y) => x - y);
  const slopes = seedsEverywhere.map((s) => rankSlope(bySeed.map((m) => m.get(s) as number)));
  const allZero = slopes.length > 0 && slopes.every((x) => x === 0);
  const p = slopes.length < 2 ? Number.NaN : allZero ? 1 : pairedTTest(slopes).p;
  return { line, along, slopes, slope: meanInterval(slopes, a), p };
}

/** The lines' trends with the family correction, and the pooled slope over the `pooledAlong` lines (clusters). */
function judgeTrends(lines: readonly { line: RungComparison[]; along: string }[], pooledAlong: string, v: ProtocolVersion, a: Required<VerdictArgs>): { trends: LineTrend[]; pooled: Interval } {
  const raw = lines.map((l) => lineTrend(l.line, l.along, a)).filter((t) => t.slopes.length > 0);
  const adjusted = adjustPValues(raw.map((t) => (Number.isNaN(t.p) ? 1 : t.p)), v.statistics.correction);
  const trends = raw.map((t, i) => ({ ...t, adjusted: adjusted[i], trend: adjusted[i] < v.statistics.alpha ? (t.slope.estimate > 0 ? 'grows' : 'shrinks') : 'flat' } as LineTrend));
  const pooledLines = trends.filter((t) => t.along === pooledAlong);
  const means = pooledLines.map((t) => t.slope.estimate);
  // One line: its own interval over seeds; several: t over the lines' mean slopes (each line one cluster).
  const pooled = pooledLines.length === 1 ? pooledLines[0].slope : meanInterval(means, a);
  return { trends, pooled };
}

function trendVerdict(trends: readonly LineTrend[], pooled: Interval, slopeMargin: number): Verdict {
  if (trends.length === 0 || !Number.isFinite(pooled.estimate)) return 'not measured';
  const grows = trends.filter((t) => t.trend === 'grows').length;
  const shrinks = trends.filter((t) => t.trend === 'shrinks').length;
  if (pooled.lo > 0 && shrinks === 0) return 'holds';
  if (pooled.hi < 0 || (shrinks > 0 && grows === 0)) return 'does not hold';
  if (pooled.lo >= -slopeMargin && pooled.hi <= slopeMargin) return 'not supported';
  return 'undecided';
}

const slopeText = (t: LineTrend): string => `${lineName(t.line, t.along)}: ${signed(t.slope.estimate)} [${signed(t.slope.lo)}, ${signed(t.slope.hi)}] per rung, ` +
  `${t.slopes.length} seeds, Holm p = ${t.adjusted.toFixed(3)}${t.trend === 'flat' ? '' : ` (${t.trend})`}`;

/** Non-inferiority of EA over a family of rungs: the pooled (clustered) interval against −margin and the rungs significantly worse after the correction. */
function nonInferiority(cmps: readonly RungComparison[], v: ProtocolVersion, a: Required<VerdictArgs>): { verdict: Verdict; evidence: string; worse: RungComparison[] } {
  if (cmps.length === 0) return { verdict: 'not measured', evidence: 'no rung has both mechanisms', worse: [] };
  const adjusted = adjustPValues(cmps.map((c) => (Number.isNaN(c.tTestP) ? 1 : c.tTestP)), v.statistics.correction);
  const sig = (sign: number): RungComparison[] => cmps.filter((c, i) => adjusted[i] < v.statistics.alpha && Math.sign(c.paired.meanDifference) === sign);
  const worse = sig(-1);
  const better = sig(1);
  const pooled = clusteredComparison(cmps.map((c) => c.pairs.map((p) => [p.ea, p.dpa] as [number, number])), a);
  const tol = a.tolerance;
  const verdict: Verdict = !(pooled.n >= 2) ? 'undecided' : pooled.lo >= -tol ? (worse.length ? 'partly' : 'holds')
    : pooled.hi < -tol || worse.length ? 'does not hold' : 'undecided';
  const noDiff = cmps.filter((c) => c.accuracy === 'no difference seen').length;
  const at = (c: RungComparison): string => `${rungName(c.rung)} ${signed(c.paired.meanDifference)} (Holm p = ${adjusted[cmps.indexOf(c)].toFixed(3)})`;
  return {
    verdict, worse,
    evidence: `mean over ${pooled.clusters} rungs (${pooled.pairs} paired seeds) of the rung's mean EA − DPA: ${signed(pooled.meanDifference)} ` +
      `[${signed(pooled.lo)}, ${signed(pooled.hi)}] (t over rungs); ${v.statistics.correction === 'holm' ? 'Holm' : v.statistics.correction}-corrected paired t-tests over the ${cmps.length} rungs: ` +
      `EA better in ${better.length}${better.length ? ` (${better.map(at).join('; ')})` : ''}, DPA better in ${worse.length}${worse.length ? ` (${worse.map(at).join('; ')})` : ''}; ` +
      `${noDiff} rungs with every pair equal (no difference seen)`,
  };
}

function claimsProtocol2(input: ClaimsInput, v: ProtocolVersion): Claim[] {
  const st = v.statistics;
  const a = resolveArgs({ ...input, tolerance: claimNumber(v, 'at-least-as-good', 'margin'), level: st.level, method: st.interval, resamples: st.resamples });
  const tol = a.tolerance;
  const pct = `${Math.round(st.level * 100)} %`;
  const metric = st.metric ?? 'finalAccuracy';
  const single = compareMechanisms(input.single, { ...a, cellKeys: ['size', 'N', 'b'], metric }).filter((c) => c.dpa && c.ea);
  const multi = input.multi.length ? compareMechanisms(input.multi, { ...a, cellKeys: ['size', 'N', 'rules'], metric }).filter((c) => c.dpa && c.ea) : [];
  const claims: Claim[] = [];

  // 1. At least as good: every rung of both grids, rungs as clusters, one family.
  const ge = nonInferiority([...single, ...multi], v, a);
  claims.push({
    id: 'at-least-as-good', claim: 'EA performs at least as well as DPA (v1, v2 abstract; v2: "without loss of performance")', verdict: ge.verdict, evidence: ge.evidence,
    rule: `protocol ${v.version}: holds: the pooled ${pct} t interval (rungs as clusters) lies above −${tol} and no rung is significantly worse for EA (Holm, α = ${st.alpha}); ` +
      `partly: above −${tol} with such a rung; does not hold: the interval lies below −${tol}, or it straddles −${tol} and some rung is significantly worse; undecided: it straddles −${tol} and no rung is.`,
  });

  // 2. The margin grows: slopes per line and seed; pooled over the (disjoint) lines along N.
  const slopeMargin = claimNumber(v, 'margin-grows', 'slopeMargin');
  const singleLines = [...lines(single, ['size', 'b'], 'N').map((line) => ({ line, along: 'N' })), ...lines(single, ['size', 'N'], 'b').map((line) => ({ line, along: 'b' }))];
  const g = judgeTrends(singleLines, 'N', v, a);
  claims.push({
    id: 'margin-grows', claim: 'The margin of EA over DPA grows with task complexity', verdict: trendVerdict(g.trends, g.pooled, slopeMargin),
    evidence: g.trends.length
      ? `mean slope of EA − DPA per rung over the ${g.trends.filter((t) => t.along === 'N').length} lines along N: ${formatInterval(g.pooled)}; ` +
        `grows along ${g.trends.filter((t) => t.trend === 'grows').length}, shrinks along ${g.trends.filter((t) => t.trend === 'shrinks').length} of ${g.trends.length} lines (Holm): ${g.trends.map(slopeText).join('; ')}`
      : 'no line of two or more rungs with seeds in common',
    rule: `protocol ${v.version}: per line and seed the least-squares slope of EA − DPA against the rung's rank; a line grows / shrinks when its mean slope differs from 0 (t-test, Holm over the lines, α = ${st.alpha}). ` +
      `holds: the pooled slope's ${pct} interval lies above 0 and no line shrinks; does not hold: it lies below 0, or lines shrink and none grows; not supported: it lies within ±${slopeMargin}; else undecided.`,
  });

  // 3. Multi-task: part 1 on the multi rungs, part 2 along lines of more rules.
  const multiLines = lines(multi, ['size', 'N'], 'rules', Object.keys(EA_RULE_SETS)).map((line) => ({ line, along: 'rules' }));
  const mGe = nonInferiority(multi, v, a);
  const mg = judgeTrends(multiLines, 'rules', v, a);
  const mTrend = trendVerdict(mg.trends, mg.pooled, claimNumber(v, 'multi-task', 'slopeMargin'));
  const parts = [mGe.verdict, mTrend];
  claims.push({
    id: 'multi-task', claim: 'The growing margin also holds in multi-task settings',
    verdict: multi.length === 0 || mTrend === 'not measured' ? 'not measured' : parts.every((p) => p === 'holds') ? 'holds' : parts.includes('does not hold') ? 'does not hold'
      : parts.includes('not supported') ? 'not supported' : 'undecided',
    evidence: multi.length ? `at least as good: ${mGe.verdict} (${mGe.evidence}); the margin along more rules: ${mTrend} (mean slope ${formatInterval(mg.pooled)}; ${mg.trends.map(slopeText).join('; ')})`
      : 'no multi-task rung with both mechanisms',
    rule: `protocol ${v.version}: claim 1's rule on the multi-task rungs and claim 2's along r2 → r4 → r8 at fixed size and N; holds: both hold; does not hold: either does not; not supported: either is not supported; else undecided.`,
  });

  // 4. EA reaches 100 % where DPA cannot: Fisher per shortcut-free rung, Holm over them.
  const clean = [...single, ...multi].filter((c) => c.shortcutShare === 0);
  const adjusted = adjustPValues(clean.map((c) => c.solvedP), st.correction);
  const share = (s: MechanismSummary): number => s.solvedSeeds / s.seeds.length;
  const sigFor = (m: 'ea' | 'dpa'): RungComparison[] => clean.filter((c, i) => adjusted[i] < st.alpha && share(c[m] as MechanismSummary) > share(c[m === 'ea' ? 'dpa' : 'ea'] as MechanismSummary));
  const eaSig = sigFor('ea');
  const dpaSig = sigFor('dpa');
  const only = (m: 'ea' | 'dpa'): RungComparison[] => clean.filter((c) => (c[m] as MechanismSummary).solvedSeeds > 0 && (c[m === 'ea' ? 'dpa' : 'ea'] as MechanismSummary).solvedSeeds === 0);
  const eaOnly = only('ea');
  const dpaOnly = only('dpa');
  const n = clean.length ? Math.min(...clean.map((c) => Math.min((c.ea as MechanismSummary).seeds.length, (c.dpa as MechanismSummary).seeds.length))) : 0;
  const bestPossible = n ? Math.min(1, clean.length * fisherExact(n, 0, 0, n)) : 1;
  const names = (cs: readonly RungComparison[]): string => (cs.length ? cs.map((c) => `${rungName(c.rung)} (EA ${formatShare(c.ea)}, DPA ${formatShare(c.dpa)}, Holm p = ${adjusted[clean.indexOf(c)].toFixed(3)})`).join('; ') : 'none');
  claims.push({
    id: 'reaches-100', claim: 'At fixed model size EA reaches 100 % on complexity levels DPA cannot reach',
    verdict: clean.length === 0 ? 'not measured' : eaSig.length && !dpaSig.length ? 'holds' : dpaSig.length && !eaSig.length ? 'does not hold'
      : !eaSig.length && !dpaSig.length && eaOnly.length === 0 ? 'not supported' : 'undecided',
    evidence: `${clean.length} rungs without a shortcut; EA's share of seeds at 100 % significantly higher (Fisher, Holm): ${names(eaSig)}; DPA's: ${names(dpaSig)}. ` +
      `Best of n (a seed at 100 %, none of the other's; not a test): EA only ${eaOnly.length}, DPA only ${dpaOnly.length}. ` +
      `With ${n} seeds a side the smallest Holm-adjusted p this family allows is ${bestPossible.toFixed(3)}${bestPossible >= st.alpha ? ` ≥ α = ${st.alpha}: no rung can reach significance at this n` : ''}.`,
    rule: `protocol ${v.version}: Fisher's exact test of the shares at 100 % per shortcut-free rung, Holm over them (α = ${st.alpha}); holds: some rung significantly for EA, none for DPA; ` +
      'does not hold: the reverse; not supported: no rung where EA has a seed at 100 % and DPA none; else undecided.',
  });

  claims.push(costClaim(input, v));
  return claims;
}

/** The data a verdict rests on: grids, scale, budget, records, seeds, engines, CPU classes and the protocol version. */
export function claimBasis(rows: readonly Row[], version: number): string {
  const values = (k: string): string[] => [...new Set(rows.map((r) => r[k]).filter((x) => x !== undefined && x !== '').map(String))].sort((x, y) => x.localeCompare(y, 'en', { numeric: true }));
  const counts = (k: string): string => {
    const m = new Map<string, number>();
    for (const r of rows) if (r[k] !== undefined && r[k] !== '') m.set(String(r[k]), (m.get(String(r[k])) ?? 0) + 1);
    return [...m].map(([x, c]) => `${x} ${c}`).join(', ') || 'not recorded';
  };
  const grids = values('experiment');
  const budgets = values('maxSteps');
  return `${rows.length} records${grids.length ? ` of ${grids.join(' + ')}` : ''}${values('scale').length ? ` (${values('scale').join(', ')})` : ''}; ` +
    `seeds ${values('seed').join(', ') || '—'}; budget ${budgets.length ? `${budgets.join(', ')} steps` : 'not recorded'}; engine: ${counts('engine')}; CPU: ${counts('cpuClass')}; protocol ${version}`;
}

/** The (EA, DPA) final accuracies of every (rung, seed) both mechanisms have, for the rungs compared. */
function pooledPairs(cmps: readonly RungComparison[], rows: readonly Row[], keys: readonly string[]): [number, number][] {
  if (cmps.length === 0) return [];
  const ids = new Set(cmps.map((c) => JSON.stringify(keys.map((k) => c.rung[k]))));
  const bySeed = new Map<string, [number?, number?]>();
  for (const r of rows) {
    const id = JSON.stringify(keys.map((k) => r[k]));
    if (!ids.has(id)) continue;
    const pair = bySeed.get(`${id}|${r.seed}`) ?? [];
    if (r.mechanism === EA) pair[0] = Number(r.finalAccuracy);
    if (r.mechanism === DPA) pair[1] = Number(r.finalAccuracy);
    bySeed.set(`${id}|${r.seed}`, pair);
  }
  return [...bySeed.values()].filter((p): p is [number, number] => p[0] !== undefined && p[1] !== undefined);
}

/** How much longer one mechanism takes to 100 % than the other, over the rungs both solve. */
export interface StepsToPerfectRatio {
  /** Rungs where both mechanisms have a seed at 100 % (shortcut rungs included). */
  rungs: number;
  /** Rungs where EA's mean steps to 100 % (its solved seeds) are more than DPA's, fewer, equal. */
  eaSlower: number;
  eaFaster: number;
  equal: number;
  /** Geometric mean, smallest and largest of EA ÷ DPA mean steps to 100 % (NaN when no rung). */
  geometricMean: number;
  min: number;
  max: number;
}

/**
 * EA ÷ DPA mean steps to 100 % per rung both solve (a learning-speed measure on the convergence data;
 * steps are counted at the grid's evaluation interval, and only solved seeds count, so a rung where
 * one mechanism solves fewer seeds compares its easier seeds).
 */
export function stepsToPerfectRatio(cmps: readonly RungComparison[]): StepsToPerfectRatio {
  const ratios = cmps.filter((c) => c.ea && c.dpa && c.ea.solvedSeeds > 0 && c.dpa.solvedSeeds > 0)
    .map((c) => (c.ea as MechanismSummary).stepsToPerfect / (c.dpa as MechanismSummary).stepsToPerfect);
  const n = ratios.length;
  return {
    rungs: n,
    eaSlower: ratios.filter((r) => r > 1).length,
    eaFaster: ratios.filter((r) => r < 1).length,
    equal: ratios.filter((r) => r === 1).length,
    geometricMean: n ? Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / n) : Number.NaN,
    min: n ? Math.min(...ratios) : Number.NaN,
    max: n ? Math.max(...ratios) : Number.NaN,
  };
}

/** Protocol 1's rung verdict: Wilson separation of the shares, else the paired interval against ±tolerance (no family correction). */
const rungVerdict = (c: RungComparison): string => (c.solvedSeparated ? `${c.solvedSeparated.toUpperCase()} reaches 100 % more often`
  : c.accuracy === 'ea' || c.accuracy === 'dpa' ? `${c.accuracy.toUpperCase()} more accurate` : c.accuracy);

/** The rungs' paired t-test p-values adjusted as one family (in the order given): Holm unless the protocol names another correction. */
export function familyAdjusted(cmps: readonly RungComparison[], correction: Correction = 'holm'): number[] {
  return adjustPValues(cmps.map((c) => (Number.isNaN(c.tTestP) ? 1 : c.tTestP)), correction);
}

/** Protocol 2's rung verdict from the family-adjusted p: which mechanism is more accurate, else tie / no difference seen / undecided. */
const rungVerdictAdjusted = (c: RungComparison, adjusted: number, alpha: number): string => (adjusted < alpha
  ? `${c.paired.meanDifference > 0 ? 'EA' : 'DPA'} more accurate` : c.accuracy === 'ea' || c.accuracy === 'dpa' ? 'undecided' : c.accuracy);
const stops = (s: MechanismSummary | null): string => (s ? Object.entries(s.stopReasons).map(([k, n]) => `${n} ${k}`).join(', ') : '—');
const steps = (s: MechanismSummary | null): string => (s && Number.isFinite(s.stepsToPerfect) ? String(Math.round(s.stepsToPerfect)) : '—');
const iv = (s: MechanismSummary | null): string => (s ? formatInterval(s.mean) : '—');
const best = (s: MechanismSummary | null): string => (s ? s.best.toFixed(3) : '—');

/**
 * One row per rung: seeds at 100 % (Wilson), mean accuracy with its interval and best seed, the paired
 * difference with its sign-flip p, the rung's verdict, mean steps to 100 % of the solved seeds. With
 * `adjusted` (family-adjusted p-values in the order of `cmps`, e.g. `familyAdjusted`), the verdict is
 * protocol 2's and an adjusted-p column is added; without, it is protocol 1's.
 */
export function comparisonTable(cmps: readonly RungComparison[], caption?: string, adjusted?: readonly number[], alpha = 0.05): VerdictTable {
  if (adjusted && adjusted.length !== cmps.length) throw new Error(`comparisonTable: adjusted has ${adjusted.length} p-values for ${cmps.length} rungs`);
  return {
    columns: ['rung', 'EA at 100 %', 'DPA at 100 %', 'EA mean', 'DPA mean', 'EA best', 'DPA best', 'EA − DPA (paired)', 'sign-flip p', ...(adjusted ? ['t-test p (adjusted)'] : []), 'verdict',
      'EA steps to 100 %', 'DPA steps to 100 %', 'shortcut share', 'EA runs ended', 'DPA runs ended'],
    rows: cmps.map((c, i) => [rungName(c.rung), formatShare(c.ea), formatShare(c.dpa), iv(c.ea), iv(c.dpa), best(c.ea), best(c.dpa),
      c.paired.n ? formatDifference(c.paired) : '—', c.paired.n ? c.paired.p.toFixed(3) : '—',
      ...(adjusted ? [Number.isFinite(c.tTestP) ? adjusted[i].toFixed(3) : '—'] : []), adjusted ? rungVerdictAdjusted(c, adjusted[i], alpha) : rungVerdict(c), steps(c.ea), steps(c.dpa),
      c.shortcutShare ? c.shortcutShare.toFixed(2) : '0', stops(c.ea), stops(c.dpa)]),
    ...(caption ? { caption } : {}),
  };
}

const frontierText = (v: number | null, values: readonly number[]): string => (v === null ? `below ${values[0]}` : v === values.at(-1) ? `≥ ${v} (grid end)` : String(v));

/** One row per size × mechanism × `within` value: the best-of-n frontier with its interval, the all-seeds frontier, whether it lies inside the grid. */
export function frontierTable(estimates: readonly FrontierEstimate[], caption?: string): VerdictTable {
  return {
    columns: ['group', 'best of n', 'all seeds', 'inside the grid', 'left out (shortcut)', 'missing'],
    rows: estimates.map((f) => [rungName(f.group), frontierText(f.best, f.values),
      frontierText(f.all, f.values), f.inside ? 'yes' : 'no', f.excluded.join(', ') || '—', f.missing.join(', ') || '—']),
    ...(caption ? { caption } : {}),
  };
}

/** One learning rate of a (size, variant) in the tuning grid. */
export interface TuningCandidate {
  learningRate: number;
  /** Final validation accuracy over the tuning rungs and seeds: mean with its t interval. */
  validation: Interval;
  /** Mean steps trained (a run that reached 100 % stopped there; the others used the budget). */
  meanSteps: number;
  runs: number;
}

/** The learning rate chosen for one model size and variant, by the rule of the protocol's `tuning` block. */
export interface TuningChoice {
  size: string;
  variant: string;
  learningRate: number;
  candidates: TuningCandidate[];
  /** Every registered learning rate has as many runs as the others (else the choice may change). */
  complete: boolean;
}

/**
 * The selection rule of protocols/ea.json version 3 (`tuning`): per size and variant, the learning rate
 * with the highest mean final validation accuracy over the tuning grid's rungs and seeds; candidates
 * within `tieMargin` of the best go to the fewest mean steps (faster to 100 %). Reads the validation split
 * only (`finalAccuracy`): the test split stays for the verdicts.
 */
export function tuningSelection(rows: readonly Row[], protocol?: ProtocolVersion): TuningChoice[] {
  const v = protocol ?? protocolVersion(loadProtocol('ea'), 3);
  const tuning = v.tuning;
  if (!tuning) throw new Error(`protocol version ${v.version} registers no tuning rule (version 3 does)`);
  checkColumns(rows, ['size', 'variant', 'learningRate', 'finalAccuracy', 'steps'], 'tuningSelection');
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(`${r.size}|${r.variant}`, [...(groups.get(`${r.size}|${r.variant}`) ?? []), r]);
  const order = byCoordinates(['size', 'variant']);
  return [...groups.values()].map((g) => ({ size: String(g[0].size), variant: String(g[0].variant), rows: g }))
    .sort((x, y) => order({ size: x.size, variant: x.variant }, { size: y.size, variant: y.variant }))
    .map(({ size, variant, rows: g }) => {
      const registered = tuning.learningRates[size];
      if (!registered) throw new Error(`tuningSelection: protocol version ${v.version} registers no learning rates for size '${size}'`);
      const candidates = registered.map((learningRate): TuningCandidate => {
        const at = g.filter((r) => Number(r.learningRate) === learningRate);
        return {
          learningRate, validation: meanInterval(at.map((r) => Number(r.finalAccuracy)), { level: v.statistics.level }),
          meanSteps: at.length ? at.reduce((s, r) => s + Number(r.steps), 0) / at.length : Number.NaN, runs: at.length,
        };
      });
      const measured = candidates.filter((c) => c.runs > 0);
      if (!measured.length) throw new Error(`tuningSelection: no runs of ${size} ${variant} at a registered learning rate (${registered.join(', ')})`);
      const top = Math.max(...measured.map((c) => c.validation.estimate));
      const near = measured.filter((c) => c.validation.estimate >= top - tuning.tieMargin).sort((x, y) => x.meanSteps - y.meanSteps);
      return { size, variant, learningRate: near[0].learningRate, candidates, complete: candidates.every((c) => c.runs === candidates[0].runs && c.runs > 0) };
    });
}

/** One row per (size, variant, learning rate): validation mean with its interval, mean steps, runs; the chosen rate marked. */
export function tuningTable(choices: readonly TuningChoice[], caption?: string): VerdictTable {
  return {
    columns: ['size', 'variant', 'learning rate', 'validation accuracy (mean, t 95 %)', 'mean steps', 'runs', 'chosen'],
    rows: choices.flatMap((c) => c.candidates.map((k) => [c.size, c.variant, String(k.learningRate), k.runs ? formatInterval(k.validation) : '—',
      k.runs ? String(Math.round(k.meanSteps)) : '—', String(k.runs), k.learningRate === c.learningRate ? (c.complete ? 'yes' : 'yes (incomplete)') : ''])),
    ...(caption ? { caption } : {}),
  };
}
