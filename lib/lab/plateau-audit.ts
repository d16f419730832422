/**
 * Did the plateau stop end runs too early? The audit of a grid's stop reasons, and the follow-up that
 * trains the plateau-stopped cells without the stop to see what they would have reached.
 */
import { cpuClass, type ResultRecord } from './record.js';

export interface PlateauAudit {
  /** The plateau window of the runs in steps (window × evalEvery), or null if they had no plateau stop. */
  windowSteps: number | null;
  /** The longest stretch (steps) a run that later rose by more than minDelta had sat without such a rise, and which run. */
  longestFlatBeforeRise: number;
  run: string | null;
  /** Runs ended by the plateau stop. */
  plateauStops: number;
  /** Whether some later-rising run had sat flat for at least half the window (the window may be too short). */
  warning: boolean;
}

/**
 * Did any run sit flat as long as the plateau window before it rose? For each record's evaluation
 * curve: the steps between two rises of the best accuracy by more than minDelta (default the runs'
 * own, else 0.005). Curves are thinned to ≤ 50 points in records, so stretches are measured at that
 * resolution.
 */
export function plateauAudit(records: readonly ResultRecord[]): PlateauAudit {
  let longest = 0;
  let run: string | null = null;
  let windowSteps: number | null = null;
  let plateauStops = 0;
  for (const r of records) {
    const t = r.spec.trainer as { plateau?: { window?: number; minDelta?: number } | null; evalEvery?: number };
    const delta = t.plateau?.minDelta ?? 0.005;
    if (t.plateau?.window && t.evalEvery) windowSteps = Math.max(windowSteps ?? 0, t.plateau.window * t.evalEvery);
    if (r.stopReason === 'plateau') plateauStops++;
    // anchor: the accuracy at the last rise; a rise is an evaluation more than δ above it.
    let anchor = -Infinity;
    let since = 0;
    for (const p of r.curve) {
      if (p.accuracy <= anchor + delta) continue;
      if (anchor > -Infinity && p.step - since > longest) {
        longest = p.step - since;
        run = r.key;
      }
      anchor = p.accuracy;
      since = p.step;
    }
  }
  return { windowSteps, longestFlatBeforeRise: longest, run, plateauStops, warning: windowSteps !== null && longest >= windowSteps / 2 };
}

export interface PlateauFollowUpCell {
  key: string;
  /** Final accuracy and steps when the plateau stop ended the run. */
  before: { accuracy: number; steps: number };
  /** The same cell trained without the plateau stop. */
  after: { accuracy: number; steps: number; stopReason: string };
  /** Best accuracy rose by more than minDelta after the plateau stop's point. */
  rose: boolean;
  /** Reached 100 % without the stop. */
  solved: boolean;
  /**
   * Whether the retraining is the same trajectory: its evaluation at the original's first evaluated step
   * has the same accuracy and loss, bit for bit. False means a new sample (another engine, CPU class or
   * code), not a continuation.
   */
  sameStart: boolean;
  /** It reached 100 % at or before the step where the original had stopped: a sign that it is another trajectory. */
  solvedBeforeOriginalStop: boolean;
  /** Engine and CPU class of each (e.g. 'graph/avx512f'). */
  madeBy: { before: string; after: string };
}

export interface PlateauFollowUp {
  /** Plateau-stopped cells of the base records, and how many of them have a record without the stop. */
  plateauStopped: number;
  retrained: number;
  cells: PlateauFollowUpCell[];
  /** Retrained cells whose best accuracy rose, and those that reached 100 %. */
  rose: number;
  solved: number;
  /** Retrained cells whose first evaluation differs from the original's (new trajectories), and solved ones that did so by the original's stop step. */
  differentStart: number;
  solvedBeforeOriginalStop: number;
}

/**
 * The plateau-stopped runs of `base` against the same cells retrained without the stop
 * (`ea run … --no-plateau --only-stopped plateau`): how many rose later, how many reached 100 %.
 */
export function plateauFollowUp(base: readonly ResultRecord[], withoutStop: readonly ResultRecord[], { minDelta = 0.005 }: { minDelta?: number } = {}): PlateauFollowUp {
  const later = new Map(withoutStop.map((r) => [r.key, r]));
  const stopped = base.filter((r) => r.stopReason === 'plateau');
  const cells = stopped.filter((r) => later.has(r.key)).map((r): PlateauFollowUpCell => {
    const l = later.get(r.key) as ResultRecord;
    const first = r.curve[0];
    const same = first ? l.curve.find((p) => p.step === first.step) : undefined;
    const solved = l.stopReason === 'perfect';
    return {
      key: r.key,
      before: { accuracy: r.finalAccuracy, steps: r.steps },
      after: { accuracy: l.finalAccuracy, steps: l.steps, stopReason: l.stopReason },
      rose: l.bestAccuracy > r.bestAccuracy + minDelta,
      solved,
      sameStart: !!(first && same && same.accuracy === first.accuracy && same.evalLoss === first.evalLoss),
      solvedBeforeOriginalStop: solved && (l.stepsToPerfect ?? Number.POSITIVE_INFINITY) <= r.steps,
      madeBy: { before: madeBy(r), after: madeBy(l) },
    };
  });
  return {
    plateauStopped: stopped.length, retrained: cells.length, cells, rose: cells.filter((c) => c.rose).length, solved: cells.filter((c) => c.solved).length,
    differentStart: cells.filter((c) => !c.sameStart).length, solvedBeforeOriginalStop: cells.filter((c) => c.solvedBeforeOriginalStop).length,
  };
}

/** "graph/avx512f": the engine and CPU class a record was made with (what decides whether two records can be the same trajectory). */
export function madeBy(r: ResultRecord): string {
  return `${r.engine?.name ?? 'engine not recorded'}/${cpuClass(r)}`;
}

/**
 * The records of a plateau-stopped grid with each plateau-stopped cell replaced by its run without
 * the stop where there is one (protocol 1 of notebook 01). When the retrainings are new trajectories
 * (`plateauFollowUp(...).differentStart`), this re-rolls selected failures and biases the grid toward
 * success: protocol 2 judges the original records and reports the retrainings apart.
 */
export function replacePlateauStops(base: readonly ResultRecord[], withoutStop: readonly ResultRecord[]): ResultRecord[] {
  const later = new Map(withoutStop.map((r) => [r.key, r]));
  return base.map((r) => (r.stopReason === 'plateau' ? later.get(r.key) ?? r : r));
}
