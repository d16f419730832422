/**
 * The vocabulary of every paper's claims table: a verdict, a claim with the evidence it read, the
 * change of verdicts between two sets of data, and the tables notebooks show.
 */
import type { Interval } from './statistics.js';

export type Verdict = 'holds' | 'partly' | 'does not hold' | 'undecided' | 'not measured';

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

/** The claims at convergence beside their verdicts on the earlier data, with evidence and rule. */
export function claimsTable(before: readonly Claim[], after: readonly Claim[], caption?: string): VerdictTable {
  const changes = verdictChanges(before, after);
  return {
    columns: ['claim', 'verdict (800 steps)', 'verdict (convergence)', 'changed', 'evidence (convergence)', 'rule'],
    rows: after.map((c, i) => [c.claim, changes[i].before, c.verdict, changes[i].changed ? 'yes' : 'no', c.evidence, c.rule]),
    ...(caption ? { caption } : {}),
  };
}
