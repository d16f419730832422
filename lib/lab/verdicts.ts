/**
 * The vocabulary of every paper's claims table: a verdict, a claim with the evidence it read, the
 * change of verdicts between two sets of data, and the tables notebooks show.
 */
import type { Interval } from './statistics.js';

/**
 * holds: the data support the claim. does not hold: they support its opposite. not supported: they
 * rule out the claimed effect (e.g. an interval within the margin of "no effect") without showing the
 * opposite. undecided: the intervals allow either. partly: a claim of several parts, some of which hold.
 * not measured: no data for it.
 */
export type Verdict = 'holds' | 'partly' | 'does not hold' | 'not supported' | 'undecided' | 'not measured';
export const VERDICTS: readonly Verdict[] = ['holds', 'partly', 'does not hold', 'not supported', 'undecided', 'not measured'];

export interface Claim {
  /** Short stable name, e.g. 'at-least-as-good'. */
  id: string;
  /** The paper's claim. */
  claim: string;
  /** What was measured, with intervals. */
  evidence: string;
  verdict: Verdict;
  /** The rule that turned the evidence into the verdict. */
  rule: string;
  /** The data it rests on: grids, records, seeds, budget, engines, CPU classes, protocol version. */
  basis?: string;
}

const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

export const signed = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(3)}` : 'n/a');

/** "+0.120 [+0.050, +0.200]" */
export const formatDifference = (p: { meanDifference: number; lo: number; hi: number }): string => `${signed(p.meanDifference)} [${signed(p.lo)}, ${signed(p.hi)}]`;

/** "0.733 [0.200, 1.000]" */
export const formatInterval = (i: Interval): string => `${f3(i.estimate)} [${f3(i.lo)}, ${f3(i.hi)}]`;

export interface VerdictChange {
  id: string;
  claim: string;
  before: Verdict;
  after: Verdict;
  changed: boolean;
}

/** Claim by claim, the verdict on two data sets (e.g. the 800-step view and the convergence protocol). */
export function verdictChanges(before: readonly Claim[], after: readonly Claim[]): VerdictChange[] {
  return after.map((c) => {
    const b = before.find((x) => x.id === c.id);
    const was: Verdict = b ? b.verdict : 'not measured';
    return { id: c.id, claim: c.claim, before: was, after: c.verdict, changed: was !== c.verdict };
  });
}

/** Table arguments (`showTable`). */
export interface VerdictTable {
  columns: string[];
  rows: (string | number)[][];
  caption?: string;
}

/**
 * Claims judged twice (e.g. on the 800-step data and at convergence, or under protocol 1 and protocol 2)
 * side by side: both verdicts, whether they differ, and the second judgement's evidence, rule and data.
 * `labels` name the two judgements. Default ['800 steps', 'convergence'].
 */
export function claimsTable(before: readonly Claim[], after: readonly Claim[], caption?: string, labels: readonly [string, string] = ['800 steps', 'convergence']): VerdictTable {
  const changes = verdictChanges(before, after);
  const withBasis = after.some((c) => c.basis);
  return {
    columns: ['claim', `verdict (${labels[0]})`, `verdict (${labels[1]})`, 'changed', `evidence (${labels[1]})`, 'rule', ...(withBasis ? ['data'] : [])],
    rows: after.map((c, i) => [c.claim, changes[i].before, c.verdict, changes[i].changed ? 'yes' : 'no', c.evidence, c.rule, ...(withBasis ? [c.basis ?? '—'] : [])]),
    ...(caption ? { caption } : {}),
  };
}
