/**
 * The plateau stop: end a run when its held-out accuracy has stopped improving.
 *
 *   evaluations a₁ … aₙ (in order); with W = window, δ = minDelta:
 *   plateaued  ⇔  n > W  and  max(aₙ₋W₊₁ … aₙ) − max(a₁ … aₙ₋W) ≤ δ
 *
 * i.e. none of the last W evaluations beat the best before them by more than δ. The first W
 * evaluations never stop a run (the best-so-far needs something to compare with).
 *
 * The defaults come from the committed full-scale learning curves, replayed (scripts/plateau-defaults.ts
 * prints the table; docs/long-runs.md). Of 236 runs with every evaluation kept, short windows end runs
 * that would still climb: W = 3 cost one run 0.56 of its best accuracy, W = 5 one run 0.23 (both at any
 * δ up to 0.02); W = 10 with δ = 0.005 ended 22 runs early at a worst cost of 0.005. Those runs are
 * 16–48 evaluations long, so they cannot show what a window of 10 does to a 40 000-step run: with the
 * plateau stop on, choose evalEvery so that W · evalEvery spans the longest flat stretch before a late
 * rise that the task is known to have. It is off unless asked for (TrainerArgs.plateau).
 */

export interface PlateauArgs {
  /** Evaluations without improvement that end the run (W). Default 10. */
  window?: number;
  /** Improvement (in accuracy, 0–1) that counts: more than this. Default 0.005. */
  minDelta?: number;
}

export type PlateauConfig = Required<PlateauArgs>;

export const PLATEAU_DEFAULTS: PlateauConfig = Object.freeze({ window: 10, minDelta: 0.005 });

/** Checks and fills in the defaults; errors name the field and what is allowed. */
export function resolvePlateauArgs(args: PlateauArgs): PlateauConfig {
  const window = args.window ?? PLATEAU_DEFAULTS.window;
  if (!Number.isInteger(window) || window < 1) throw new Error(`plateau.window must be a positive integer (evaluations); got ${window}`);
  const minDelta = args.minDelta ?? PLATEAU_DEFAULTS.minDelta;
  if (!(minDelta >= 0 && minDelta < 1)) throw new Error(`plateau.minDelta must be a number in [0, 1) (accuracy); got ${minDelta}`);
  return { window, minDelta };
}

/** Whether the accuracies (in evaluation order) have plateaued; see the file comment. */
export function plateaued(accuracies: readonly number[], { window, minDelta }: PlateauConfig): boolean {
  const n = accuracies.length;
  if (n <= window) return false;
  let before = -Infinity;
  for (let i = 0; i < n - window; i++) before = Math.max(before, accuracies[i]);
  let recent = -Infinity;
  for (let i = n - window; i < n; i++) recent = Math.max(recent, accuracies[i]);
  return recent - before <= minDelta;
}

/** The index of the evaluation at which the plateau stop would end a run with these accuracies, or −1. */
export function plateauIndex(accuracies: readonly number[], config: PlateauConfig): number {
  for (let n = config.window + 1; n <= accuracies.length; n++) if (plateaued(accuracies.slice(0, n), config)) return n - 1;
  return -1;
}
