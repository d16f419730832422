/**
 * One-key shortcuts of the complexity ladder (lib/tasks/ladder.ts).
 *
 * The ladder's rule x_t = (Σ_l x_{t−l}) mod N is linear, so k steps later x_{s+k} is a fixed linear
 * combination of the w = max(lags) tokens x_s … x_{s−w+1}: the first row of the k-th power of the
 * companion matrix, mod N. When that row has ONE nonzero coefficient c (at j), then
 *
 *   x_{s+k} = c · x_{s−j}  (mod N)          for every sequence of the rule,
 *
 * and the model can predict a token from a single earlier token (a one-key lookup) instead of
 * combining two keys: a shortcut around the rung's intended difficulty. Example (tested): Fibonacci
 * mod 8 (lags [1, 2]) has x_{s+5} = F₆·x_s + F₅·x_{s−1} with F₆ = 8 ≡ 0, so x_{t+1} = 5 · x_{t−5}.
 * The query at position t predicts x_{t+1}; the key it needs lies `offset` = k − 1 + j positions
 * back, so the shortcut helps only the scored queries with t − offset inside the sequence.
 * `shortcutShare` counts them.
 */

export interface LadderShortcut {
  /** Steps ahead k ≥ 2 (k = 1 is the rule itself). */
  k: number;
  /** Index j of the one earlier token: x_{s+k} = c · x_{s−j}. */
  j: number;
  /** The coefficient c (1 ≤ c < N). */
  c: number;
  /** How far back from the predicting query the key lies: k − 1 + j (query t predicts x_{t+1} = c · x_{t−offset}). */
  offset: number;
}

function checkRule(N: number, lags: readonly number[]): void {
  if (!Number.isInteger(N) || N < 2) throw new Error(`N must be an integer ≥ 2; got ${N}`);
  if (!Array.isArray(lags) || lags.length === 0 || lags.some((l) => !Number.isInteger(l) || l < 1) || new Set(lags).size !== lags.length) {
    throw new Error(`lags must be distinct integers ≥ 1 (one or more); got ${JSON.stringify(lags)}`);
  }
}

/**
 * The shortest one-key shortcut of the rule x_t = (Σ_l x_{t−l}) mod N within `maxK` steps ahead
 * (default 64, two context lengths of the grids), or null if there is none.
 */
export function ladderShortcut(N: number, lags: readonly number[], maxK = 64): LadderShortcut | null {
  checkRule(N, lags);
  if (!Number.isInteger(maxK) || maxK < 2) throw new Error(`maxK must be an integer ≥ 2; got ${maxK}`);
  const w = Math.max(...lags);
  // rows[i] = coefficients of state entry i (x_{s+k−i}) in the original state (x_s … x_{s−w+1}).
  let rows: number[][] = Array.from({ length: w }, (_, i) => Array.from({ length: w }, (_, j) => (i === j ? 1 : 0)));
  for (let k = 1; k <= maxK; k++) {
    // x_{s+k} = Σ_l x_{s+k−l}: entry l − 1 of the previous state.
    const next = rows[0].map((_, j) => lags.reduce((a, l) => a + rows[l - 1][j], 0) % N);
    rows = [next, ...rows.slice(0, w - 1)];
    if (k < 2) continue;
    const nonzero = next.flatMap((c, j) => (c !== 0 ? [{ c, j }] : []));
    if (nonzero.length === 1) return { k, j: nonzero[0].j, c: nonzero[0].c, offset: k - 1 + nonzero[0].j };
  }
  return null;
}

export interface ShortcutShareArgs {
  /** Positions per row T. */
  contextLength: number;
  /** Whether position 0 holds a task token (multi-task), shifting the numbers by one. Default false. */
  taskToken?: boolean;
}

/**
 * The share of a rule's scored query positions that the shortcut can serve: query t (predicting
 * x_{t+1}) is scored once its target is determined, and the shortcut needs the key t − offset to be a
 * number of the sequence. 0 when there is no shortcut.
 */
export function shortcutShare(shortcut: LadderShortcut | null, lags: readonly number[], { contextLength: T, taskToken = false }: ShortcutShareArgs): number {
  const w = Math.max(...lags);
  const lead = taskToken ? 1 : 0;
  const firstScored = w - 1 + lead; // the first query whose target follows the rule
  const scored = T - firstScored;
  if (!Number.isInteger(T) || scored < 1) throw new Error(`contextLength must leave a scored position after ${w} warm-up tokens; got ${T}`);
  if (!shortcut) return 0;
  return Math.max(0, T - Math.max(firstScored, shortcut.offset + lead)) / scored;
}

export interface RungShortcut {
  /** The rule's lags. */
  lags: number[];
  shortcut: LadderShortcut | null;
  /** Share of this rule's scored queries the shortcut can serve (0 … 1). */
  share: number;
}

/** Shortcuts of every rule of a ladder rung (one rule, or a multi-task set with a task token). */
export function rungShortcuts(N: number, rules: readonly (readonly number[])[], contextLength: number, maxK = 64): RungShortcut[] {
  const taskToken = rules.length > 1;
  return rules.map((lags) => {
    const shortcut = ladderShortcut(N, lags, maxK);
    return { lags: [...lags], shortcut, share: shortcutShare(shortcut, lags, { contextLength, taskToken }) };
  });
}
