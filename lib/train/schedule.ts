/**
 * Learning-rate schedule: linear warm-up, then decay to a floor.
 *
 *   update i (0-based) < W:    lr · (i + 1) / W                               warm-up (never exactly 0)
 *   W ≤ i < S:                 p = (i − W) / (S − W)  ∈ [0, 1)
 *       'cosine'               min + (lr − min) · ½(1 + cos πp)
 *       'linear'               lr − (lr − min) · p
 *       'constant'             lr
 *   i ≥ S:                     min ('constant': lr)
 *
 * with W = warmupSteps, S = totalSteps, min = minLearningRate.
 */
export type DecayKind = 'cosine' | 'linear' | 'constant';
export const DECAY_KINDS: readonly DecayKind[] = ['cosine', 'linear', 'constant'];

export interface ScheduleArgs {
  /** Peak learning rate, reached at the end of the warm-up. Required. */
  learningRate: number;
  /** Total number of updates the schedule spans. Required. */
  totalSteps: number;
  /** Updates of linear warm-up (0 = none). Default 0. */
  warmupSteps?: number;
  /** Shape of the decay after the warm-up. Default 'cosine'. */
  decay?: DecayKind;
  /** Floor the decay ends at (ignored by 'constant'). Default 0. */
  minLearningRate?: number;
}

export type ScheduleConfig = Required<ScheduleArgs>;

export function resolveScheduleArgs(args: ScheduleArgs): ScheduleConfig {
  const c: ScheduleConfig = {
    learningRate: args.learningRate,
    totalSteps: args.totalSteps,
    warmupSteps: args.warmupSteps ?? 0,
    decay: args.decay ?? 'cosine',
    minLearningRate: args.minLearningRate ?? 0,
  };
  if (!(c.learningRate > 0) || !Number.isFinite(c.learningRate)) {
    throw new Error(`learningRate must be a positive finite number; got ${c.learningRate}`);
  }
  if (!Number.isInteger(c.totalSteps) || c.totalSteps < 1) throw new Error(`steps must be a positive integer; got ${c.totalSteps}`);
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0 || c.warmupSteps > c.totalSteps) {
    throw new Error(`warmupSteps must be an integer in 0..steps (${c.totalSteps}); got ${c.warmupSteps}`);
  }
  if (!DECAY_KINDS.includes(c.decay)) throw new Error(`decay must be one of ${DECAY_KINDS.join(', ')}; got ${JSON.stringify(c.decay)}`);
  if (!(c.minLearningRate >= 0 && c.minLearningRate <= c.learningRate)) {
    throw new Error(`minLearningRate must be in [0, learningRate (${c.learningRate})]; got ${c.minLearningRate}`);
  }
  return c;
}

/** The schedule as a function of the update index (0-based), validated once. */
export function makeSchedule(args: ScheduleArgs): (step: number) => number {
  const c = resolveScheduleArgs(args);
  const { learningRate: lr, warmupSteps: W, totalSteps: S, minLearningRate: min } = c;
  return (step: number): number => {
    if (step < W) return (lr * (step + 1)) / W;
    if (c.decay === 'constant') return lr;
    if (step >= S) return min;
    const p = (step - W) / (S - W);
    return c.decay === 'cosine' ? min + (lr - min) * 0.5 * (1 + Math.cos(Math.PI * p)) : lr - (lr - min) * p;
  };
}

/** The learning rate of update `step` (0-based) under `args`. */
export function learningRateAt(step: number, args: ScheduleArgs): number {
  return makeSchedule(args)(step);
}
